-- A bottle may carry a voice clip: its media ID and length.
ALTER TABLE discovery_bottles ADD COLUMN voice TEXT NOT NULL DEFAULT '';
ALTER TABLE discovery_bottles ADD COLUMN voice_ms INTEGER NOT NULL DEFAULT 0;
