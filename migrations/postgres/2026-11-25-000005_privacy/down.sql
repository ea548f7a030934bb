DROP INDEX appeals_user_idx;
DROP TABLE access_log;
