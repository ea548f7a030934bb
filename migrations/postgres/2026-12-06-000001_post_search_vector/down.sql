CREATE INDEX posts_search_idx ON posts USING GIN (to_tsvector('simple', search_text));
DROP INDEX posts_search_vector_idx;
ALTER TABLE posts DROP COLUMN search_vector;
