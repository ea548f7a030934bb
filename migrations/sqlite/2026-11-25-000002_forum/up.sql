-- The forum: boards, threads, posts with revisions, tags, reactions, in-app notifications,
-- the reply-email batching ledger, and full-text search.
ALTER TABLE users ADD COLUMN notify_email_replies BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    thread_count BIGINT NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX boards_slug_key ON boards (slug);

-- The boards a fresh community starts with; admins edit, reorder and archive them.
INSERT INTO boards (slug, name, description, position, created_at) VALUES
    ('introductions', 'Introductions', 'Say hello: who you are, and what brought you to Butterfly.', 1, CURRENT_TIMESTAMP),
    ('my-story', 'My story', 'Diagnosis, relapses, remission: your lupus journey in your own words.', 2, CURRENT_TIMESTAMP),
    ('treatments-and-trials', 'Treatments & clinical trials', 'Experiences with medicines and clinical trials. Health education only: talk to your doctor before changing any treatment.', 3, CURRENT_TIMESTAMP),
    ('kidneys', 'Kidneys & lupus nephritis', 'Lupus nephritis, biopsies, dialysis and transplant.', 4, CURRENT_TIMESTAMP),
    ('side-effects', 'Living with side effects', 'Steroids, immunosuppressants and everything that comes with them.', 5, CURRENT_TIMESTAMP),
    ('mental-health', 'Mental health & wellbeing', 'Fatigue, anxiety, low days and what helps. If you are in crisis, contact local emergency services.', 6, CURRENT_TIMESTAMP),
    ('carers', 'Carers & family', 'For the people who care for someone with lupus.', 7, CURRENT_TIMESTAMP);

CREATE TABLE threads (
    id INTEGER PRIMARY KEY,
    board_id BIGINT NOT NULL REFERENCES boards (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    content_warning TEXT,
    status TEXT NOT NULL CHECK (status IN ('published', 'held', 'hidden', 'removed', 'deleted')),
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    first_post_id BIGINT,
    reply_count INTEGER NOT NULL DEFAULT 0,
    reaction_count INTEGER NOT NULL DEFAULT 0,
    last_activity_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX threads_board_new_idx ON threads (board_id, created_at, id);
CREATE INDEX threads_board_active_idx ON threads (board_id, last_activity_at, id);
CREATE INDEX threads_board_top_idx ON threads (board_id, reaction_count, id);
CREATE INDEX threads_author_idx ON threads (author_id, created_at);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    search_text TEXT NOT NULL DEFAULT '',
    anonymous BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('published', 'held', 'hidden', 'removed', 'deleted')),
    is_first BOOLEAN NOT NULL DEFAULT FALSE,
    reply_to BIGINT REFERENCES posts (id),
    support_count INTEGER NOT NULL DEFAULT 0,
    helpful_count INTEGER NOT NULL DEFAULT 0,
    hug_count INTEGER NOT NULL DEFAULT 0,
    edited_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX posts_thread_idx ON posts (thread_id, id);
CREATE INDEX posts_author_idx ON posts (author_id, created_at);

CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    title TEXT,
    body TEXT NOT NULL,
    edited_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX post_revisions_post_idx ON post_revisions (post_id, id);

CREATE TABLE thread_tags (
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (thread_id, tag)
);
CREATE INDEX thread_tags_tag_idx ON thread_tags (tag, thread_id);

CREATE TABLE reactions (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('support', 'helpful', 'hug')),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (post_id, user_id, kind)
);
CREATE INDEX reactions_user_idx ON reactions (user_id, post_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    thread_id BIGINT,
    actor_id BIGINT,
    detail TEXT,
    read_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);

CREATE TABLE reply_email_ledger (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL REFERENCES threads (id),
    last_sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, thread_id)
);

-- Full-text search (SQLite only): posts.search_text, with a space around every CJK character,
-- indexed by FTS5 with the unicode61 tokenizer; rowid = posts.id.
CREATE VIRTUAL TABLE post_search USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 2');
