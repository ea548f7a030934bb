DROP TABLE registrations;
ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'
    CHECK (state IN ('unverified', 'active', 'silenced', 'suspended', 'banned', 'deleted'));
ALTER TABLE users ADD COLUMN state_until TIMESTAMP;
UPDATE users SET state = sanction, state_until = sanction_until WHERE sanction <> 'none';
UPDATE users SET state = 'deleted' WHERE deleted_at IS NOT NULL;
DROP INDEX users_display_name_skeleton_key;
ALTER TABLE users DROP COLUMN display_name_skeleton;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN sanction_until;
ALTER TABLE users DROP COLUMN sanction;
