ALTER TABLE trial_interests DROP COLUMN email_updates;
DROP TABLE trial_watches;
