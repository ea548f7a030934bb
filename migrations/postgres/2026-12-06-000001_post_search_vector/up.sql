-- Each post keeps its search vector (PostgreSQL only), so that ranking reads it instead of
-- parsing the text of every matching post again: `ts_rank(to_tsvector(search_text), …)` parsed
-- each match once more after the index had found it. The column follows `search_text` by
-- itself; the GIN index moves from the expression to the column.
ALTER TABLE posts ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED;
CREATE INDEX posts_search_vector_idx ON posts USING GIN (search_vector);
DROP INDEX posts_search_idx;
