-- Discovery (people nearby, shake, drift bottles), SQLite. Times are unix
-- milliseconds; booleans are 0/1.

-- People nearby: one shared location per user, with the keys of its grid
-- cells at three sizes (the geo index; see discovery.Levels and Cover) and
-- the card strangers are shown (JSON).
CREATE TABLE discovery_spots (
	user_id INTEGER PRIMARY KEY,
	lat     REAL NOT NULL,
	lon     REAL NOT NULL,
	cell0   INTEGER NOT NULL,
	cell1   INTEGER NOT NULL,
	cell2   INTEGER NOT NULL,
	gender  INTEGER NOT NULL,
	card    TEXT NOT NULL,
	updated INTEGER NOT NULL
);
CREATE INDEX discovery_spots_cell0 ON discovery_spots (cell0, updated);
CREATE INDEX discovery_spots_cell1 ON discovery_spots (cell1, updated);
CREATE INDEX discovery_spots_cell2 ON discovery_spots (cell2, updated);
CREATE INDEX discovery_spots_updated ON discovery_spots (updated);

-- Shakes: each user's latest; matched_with is 0 while waiting.
CREATE TABLE discovery_shakes (
	user_id     INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,
	lat         REAL NOT NULL,
	lon         REAL NOT NULL,
	located     BOOLEAN NOT NULL,
	card        TEXT NOT NULL,
	matched_with INTEGER NOT NULL
);
CREATE INDEX discovery_shakes_waiting ON discovery_shakes (at) WHERE matched_with = 0;

-- Drift bottles: picker is 0 while the bottle drifts.
CREATE TABLE discovery_bottles (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	thrower INTEGER NOT NULL,
	text    TEXT NOT NULL,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	picker  INTEGER NOT NULL,
	replied BOOLEAN NOT NULL
);
CREATE INDEX discovery_bottles_drifting ON discovery_bottles (id) WHERE picker = 0;
CREATE INDEX discovery_bottles_thrower ON discovery_bottles (thrower, id);
CREATE INDEX discovery_bottles_picker ON discovery_bottles (picker, id);
CREATE INDEX discovery_bottles_expires ON discovery_bottles (expires) WHERE NOT replied;

-- Bottles a user threw back: never picked by them again.
CREATE TABLE discovery_bottle_returns (
	user_id INTEGER NOT NULL,
	bottle  INTEGER NOT NULL,
	PRIMARY KEY (user_id, bottle)
) WITHOUT ROWID;

-- The conversation a reply to a bottle starts.
CREATE TABLE discovery_bottle_messages (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	bottle       INTEGER NOT NULL,
	from_thrower BOOLEAN NOT NULL,
	text         TEXT NOT NULL,
	created      INTEGER NOT NULL
);
CREATE INDEX discovery_bottle_messages_bottle ON discovery_bottle_messages (bottle, id);

-- Rate limits every node shares: uses of what by user in period.
CREATE TABLE discovery_quotas (
	user_id INTEGER NOT NULL,
	what    TEXT NOT NULL,
	period  INTEGER NOT NULL,
	used    INTEGER NOT NULL,
	PRIMARY KEY (user_id, what)
) WITHOUT ROWID;
