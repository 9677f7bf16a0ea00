-- Members' birthdays per group (month and day only), PostgreSQL; next_at
-- (unix milliseconds) is when each is wished next.
CREATE TABLE assistant_birthdays (
	group_id BIGINT NOT NULL,
	user_id  BIGINT NOT NULL,
	month    BIGINT NOT NULL,
	day      BIGINT NOT NULL,
	next_at  BIGINT NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX assistant_birthdays_due ON assistant_birthdays (next_at);
