-- Lotteries and their entrants, SQLite. Times are unix milliseconds;
-- result is the winners' user IDs, comma-separated, once drawn.
CREATE TABLE assistant_lotteries (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	group_id  INTEGER NOT NULL,
	title     TEXT NOT NULL,
	keyword   TEXT NOT NULL,
	winners   INTEGER NOT NULL,
	deadline  INTEGER NOT NULL,
	seed      TEXT NOT NULL,
	hash      TEXT NOT NULL,
	announced BOOLEAN NOT NULL,
	drawn     BOOLEAN NOT NULL,
	result    TEXT NOT NULL,
	by_user   INTEGER NOT NULL,
	created   INTEGER NOT NULL
);
CREATE INDEX assistant_lotteries_group ON assistant_lotteries (group_id, id);
CREATE INDEX assistant_lotteries_due ON assistant_lotteries (drawn, deadline);

CREATE TABLE assistant_entrants (
	lottery_id INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	PRIMARY KEY (lottery_id, user_id)
);
