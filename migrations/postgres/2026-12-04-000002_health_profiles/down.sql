ALTER TABLE trial_interests DROP COLUMN pre_check;
DROP TABLE trial_criteria;
DROP TABLE health_profiles;
