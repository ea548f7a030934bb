DELETE FROM mod_items WHERE kind IN ('held_message', 'reported_message');
ALTER TABLE mod_items DROP CONSTRAINT mod_items_kind_check;
ALTER TABLE mod_items ADD CONSTRAINT mod_items_kind_check CHECK (kind IN ('flagged_post', 'held_post', 'crisis', 'trial_notice', 'coordinator_application', 'appeal'));
DROP TABLE message_reports;
DROP TABLE message_settings;
DROP TABLE private_messages;
DROP TABLE conversation_members;
DROP TABLE conversations;
