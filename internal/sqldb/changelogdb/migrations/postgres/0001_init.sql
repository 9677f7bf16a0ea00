-- The change-log schema, PostgreSQL. Times are unix milliseconds.

-- The per-user change log. user_heads holds each user's newest sequence,
-- bumped in the same transaction as the entries it numbers.
CREATE TABLE user_heads (
	user_id BIGINT  PRIMARY KEY,
	seq     BIGINT  NOT NULL
);

CREATE TABLE changes (
	user_id      BIGINT  NOT NULL,
	seq          BIGINT  NOT NULL,
	kind         BIGINT  NOT NULL,
	conversation BIGINT  NOT NULL,
	ref          BIGINT  NOT NULL,
	created      BIGINT  NOT NULL,
	PRIMARY KEY (user_id, seq)
);
