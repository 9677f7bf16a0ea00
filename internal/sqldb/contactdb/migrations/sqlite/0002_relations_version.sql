-- A counter moved on by every change of who has whom as a contact or who
-- blocks whom, in the transaction that makes it: nodes cache relations
-- for sends and read this one row to know when to forget them.

CREATE TABLE relations_version (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL
);
INSERT INTO relations_version (id, version) VALUES (1, 0);

CREATE TRIGGER contacts_insert_version AFTER INSERT ON contacts
BEGIN UPDATE relations_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER contacts_delete_version AFTER DELETE ON contacts
BEGIN UPDATE relations_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER blocks_insert_version AFTER INSERT ON blocks
BEGIN UPDATE relations_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER blocks_delete_version AFTER DELETE ON blocks
BEGIN UPDATE relations_version SET version = version + 1 WHERE id = 1; END;
