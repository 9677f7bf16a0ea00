-- Members' birthdays per group (month and day only), SQLite; next_at
-- (unix milliseconds) is when each is wished next.
CREATE TABLE assistant_birthdays (
	group_id INTEGER NOT NULL,
	user_id  INTEGER NOT NULL,
	month    INTEGER NOT NULL,
	day      INTEGER NOT NULL,
	next_at  INTEGER NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX assistant_birthdays_due ON assistant_birthdays (next_at);
