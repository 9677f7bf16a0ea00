package officialacctdb

import (
	"context"
	"encoding/json"
	"math"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
	"hongyan/internal/sqldb"
)

// ---- the micro-community ----

const postCols = `id, account, author, parent, text, images, pinned, removed, replies, created`

func scanPost(scan func(...any) error) (oa.Post, error) {
	var p oa.Post
	var acct, author, pinned, removed, replies, created int64
	var media string
	err := scan(&p.ID, &acct, &author, &p.Parent, &p.Text, &media, &pinned, &removed, &replies, &created)
	p.Account, p.Author, p.Pinned, p.Removed, p.Replies, p.Created = oa.AccountID(acct), hongyan.UserID(author), pinned != 0, removed != 0, int(replies), sqldb.Tm(created)
	if err == nil && media != "" && media != "null" {
		err = json.Unmarshal([]byte(media), &p.Media)
	}
	return p, err
}

// AddPost stores a post or reply; a reply counts on its parent.
func (s Store) AddPost(ctx context.Context, p oa.Post, changes []hongyan.Change) (oa.Post, []hongyan.Change, error) {
	if p.Account <= 0 || p.Author <= 0 || p.Parent < 0 {
		return oa.Post{}, nil, sqldb.Invalid("a post needs an account and an author")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return oa.Post{}, nil, err
	}
	p.Created = sqldb.Tm(sqldb.Ms(p.Created))
	p.ID, p.Pinned, p.Removed, p.Replies = 0, false, false, 0
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		if p.Parent != 0 {
			n, err := t.Exec(`UPDATE oa_posts SET replies = replies + 1 WHERE id = $1 AND account = $2 AND parent = 0 AND removed = 0`, p.Parent, int64(p.Account))
			if err != nil {
				return sqldb.Internal(err)
			}
			if n == 0 {
				return sqldb.NotFound("no such post")
			}
		}
		media := "[]"
		if len(p.Media) > 0 {
			media = jsonText(p.Media)
		}
		if _, err := t.Write(`INSERT INTO oa_posts (account, author, parent, text, images, pinned, removed, replies, created)
			VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6) RETURNING id`,
			[]any{int64(p.Account), int64(p.Author), p.Parent, p.Text, media, sqldb.Ms(p.Created)}, &p.ID); err != nil {
			return sqldb.Internal(err)
		}
		cs := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Ref == 0 {
				c.Ref = p.ID
			}
			cs[i] = c
		}
		var err error
		out, err = t.AppendChanges(cs)
		return err
	})
	if err != nil {
		return oa.Post{}, nil, err
	}
	return p, out, nil
}

// Post returns a post or reply.
func (s Store) Post(ctx context.Context, id int64) (oa.Post, error) {
	ps, err := sqldb.QueryAll(ctx, s.db, scanPost, `SELECT `+postCols+` FROM oa_posts WHERE id = $1`, id)
	if err != nil {
		return oa.Post{}, err
	}
	if len(ps) == 0 {
		return oa.Post{}, sqldb.NotFound("no such post")
	}
	return ps[0], nil
}

// Posts returns a page of the account's posts, pinned first, newest next:
// the pinned ones after the cursor, then (while the page has room) the
// others, each a range of the index (account, parent, removed, pinned, id).
func (s Store) Posts(ctx context.Context, id oa.AccountID, page oa.PostPage) ([]oa.Post, error) {
	if err := sqldb.CheckLimit(page.Limit); err != nil {
		return nil, err
	}
	const q = `SELECT ` + postCols + ` FROM oa_posts
		WHERE account = $1 AND parent = 0 AND removed = 0 AND pinned = $2 AND id < $3 ORDER BY id DESC LIMIT $4`
	const top = int64(math.MaxInt64)
	var out []oa.Post
	if page.After == 0 || page.AfterPinned {
		before := top
		if page.After != 0 {
			before = page.After
		}
		ps, err := sqldb.QueryAll(ctx, s.db, scanPost, q, int64(id), 1, before, page.Limit)
		if err != nil {
			return nil, err
		}
		out = ps
		page.After = top
	}
	if len(out) < page.Limit {
		ps, err := sqldb.QueryAll(ctx, s.db, scanPost, q, int64(id), 0, page.After, page.Limit-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// Replies returns a page of a post's replies, oldest first.
func (s Store) Replies(ctx context.Context, post int64, after int64, limit int) ([]oa.Post, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanPost, `SELECT `+postCols+` FROM oa_posts
		WHERE parent = $1 AND parent <> 0 AND removed = 0 AND id > $2 ORDER BY id LIMIT $3`, post, after, limit)
}

// PinPost pins or unpins one of the account's posts.
func (s Store) PinPost(ctx context.Context, id oa.AccountID, post int64, pinned bool) error {
	return s.exec(ctx, "no such post", `UPDATE oa_posts SET pinned = $3 WHERE id = $2 AND account = $1 AND parent = 0 AND removed = 0`,
		int64(id), post, b2i(pinned))
}

// RemovePost marks a post or reply removed; a reply stops counting.
func (s Store) RemovePost(ctx context.Context, id oa.AccountID, post int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		var parent int64
		found, err := t.Read(`SELECT parent FROM oa_posts WHERE id = $1 AND account = $2 AND removed = 0`, []any{post, int64(id)}, &parent)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such post")
		}
		if _, err := t.Exec(`UPDATE oa_posts SET removed = 1, pinned = 0 WHERE id = $1`, post); err != nil {
			return sqldb.Internal(err)
		}
		if parent != 0 {
			if _, err := t.Exec(`UPDATE oa_posts SET replies = replies - 1 WHERE id = $1 AND replies > 0`, parent); err != nil {
				return sqldb.Internal(err)
			}
		}
		return nil
	})
}

// CountPinned counts the account's pinned posts.
func (s Store) CountPinned(ctx context.Context, id oa.AccountID) (int, error) {
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM oa_posts WHERE account = $1 AND parent = 0 AND pinned = 1 AND removed = 0`, []any{int64(id)}, &n)
	return int(n), err
}
