-- Post search: each post's text in lower case (Go's strings.ToLower), for
-- LIKE; posts made before it get theirs from the JSON body.
ALTER TABLE moments_posts ADD COLUMN search TEXT NOT NULL DEFAULT '';
UPDATE moments_posts SET search = LOWER(COALESCE(body::json->>'t', ''));
