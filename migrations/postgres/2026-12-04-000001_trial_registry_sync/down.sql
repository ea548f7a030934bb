DROP TABLE trial_revisions;
DROP TABLE trial_registry_sync;
