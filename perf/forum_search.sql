-- The search statement of GET /api/v1/search?q=… for a visitor (first page, 20 posts), as
-- captured from the server with log_statement = 'all'; :phrase is the query in its indexed
-- form (`fatigue`; `狼疮` is `狼 疮`). The route then reads the 21 posts found by id (not
-- here). pgbench -M prepared.
SELECT posts.id AS post_id, ts_rank(posts.search_vector, (phraseto_tsquery('simple', :phrase)))::float8 AS score FROM posts JOIN threads ON threads.id = posts.thread_id WHERE posts.search_vector @@ (phraseto_tsquery('simple', :phrase)) AND posts.status = 'published' AND threads.status = 'published' AND NOT EXISTS (SELECT 1 FROM boards WHERE boards.id = threads.board_id AND boards.members_only) ORDER BY score DESC, posts.created_at DESC, posts.id DESC LIMIT 21 OFFSET 0;
