DROP TABLE reply_email_ledger;
DROP TABLE notifications;
DROP TABLE reactions;
DROP TABLE thread_tags;
DROP TABLE post_revisions;
DROP TABLE posts;
DROP TABLE threads;
DROP TABLE boards;
ALTER TABLE users DROP COLUMN notify_email_replies;
