ALTER TABLE users DROP COLUMN profile_hidden;
DELETE FROM boards WHERE slug = 'pregnancy' AND thread_count = 0;
ALTER TABLE boards DROP COLUMN members_only;
