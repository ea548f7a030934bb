DROP TABLE trial_practical;
DROP TABLE trial_registry_ids;
