DROP TABLE sign_in_challenges;
DROP TABLE recovery_codes;
DROP TABLE two_factor;
DROP TABLE session_families;
