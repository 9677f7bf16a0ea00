-- Full-text search of message text by any substring (Chinese text has no
-- spaces to split words on: 红包 finds 抢红包啦). pg_trgm's GIN index serves
-- LIKE/ILIKE for patterns of three or more characters. The extension lives
-- in the public schema so that every schema of the database can use it.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;

CREATE INDEX messages_text_trgm ON messages USING gin (text public.gin_trgm_ops);
