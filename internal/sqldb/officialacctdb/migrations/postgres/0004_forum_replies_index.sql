-- The replies index holds replies only: a post (parent 0) listed by id
-- must not be read through it, filtering every post of every account.
DROP INDEX oa_posts_replies;
CREATE INDEX oa_posts_replies ON oa_posts (parent, removed, id) WHERE parent <> 0;
