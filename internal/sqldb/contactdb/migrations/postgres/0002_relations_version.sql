-- A counter moved on by every change of who has whom as a contact or who
-- blocks whom, in the transaction that makes it: nodes cache relations
-- for sends and read this one row to know when to forget them. The
-- triggers are deferred to the commit, so that the row's lock is the last
-- a transaction takes (no lock-order deadlock with the rows it changed).

CREATE TABLE relations_version (
	id      INT    PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO relations_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_relations_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE relations_version SET version = version + 1 WHERE id = 1;
	RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER contacts_version AFTER INSERT OR DELETE ON contacts
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_relations_version();
CREATE CONSTRAINT TRIGGER blocks_version AFTER INSERT OR DELETE ON blocks
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_relations_version();
