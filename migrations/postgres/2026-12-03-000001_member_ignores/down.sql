DROP TABLE member_ignores;
