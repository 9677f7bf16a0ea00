-- The cover image of a user's Moments page: the media ID of one of their
-- images ('' for none).
ALTER TABLE moments_settings ADD COLUMN cover TEXT NOT NULL DEFAULT '';
