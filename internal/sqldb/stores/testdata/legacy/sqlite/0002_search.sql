-- Full-text search of message text. The trigram tokenizer indexes every
-- three-character run, so a search finds any substring — Chinese text has
-- no spaces to split words on (红包 finds 抢红包啦). LIKE on this table uses
-- the index for patterns of three or more characters. detail = 'none' keeps
-- no positions: LIKE rechecks every candidate against the text anyway.
--
-- The index is deferred: sends do not pay for it inside their commit. The
-- writer feeds it in its idle time (sqldb.Dialect.IndexMessages) and moves
-- search_progress.last_id with it; searches read the index up to last_id
-- and the few messages after it directly.
CREATE VIRTUAL TABLE messages_fts USING fts5(
	text, content = 'messages', content_rowid = 'id', tokenize = 'trigram', detail = 'none'
);

CREATE TABLE search_progress (last_id INTEGER NOT NULL);
INSERT INTO search_progress (last_id) VALUES (0);

-- A message already in the index that changes (a recall erases its text)
-- or goes is taken out of the index with its old text.
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN old.id <= (SELECT last_id FROM search_progress) BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
	INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.id <= (SELECT last_id FROM search_progress) BEGIN
	INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
