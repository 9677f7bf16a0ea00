package botdb

import (
	"context"
	"strings"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// SetApp stores a in place of the bot's app registration.
func (s Store) SetApp(ctx context.Context, a bot.App) error {
	if len(a.SecretHash) == 0 || len(a.Scopes) == 0 {
		return sqldb.Invalid("an app needs a secret and scopes")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO bot_apps (bot, description, redirect, scopes, secret_hash, updated) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (bot) DO UPDATE SET description = excluded.description, redirect = excluded.redirect, scopes = excluded.scopes,
			secret_hash = excluded.secret_hash, updated = excluded.updated`,
			a.Bot, a.Description, a.RedirectURI, strings.Join(a.Scopes, ","), a.SecretHash, sqldb.Ms(a.Updated))
		return sqldb.Internal(err)
	})
}

// App returns the bot's app registration.
func (s Store) App(ctx context.Context, b int64) (bot.App, error) {
	a := bot.App{Bot: b}
	var scopes string
	var updated int64
	found, err := s.db.QueryRow(ctx, `SELECT description, redirect, scopes, secret_hash, updated FROM bot_apps WHERE bot = $1`, []any{b},
		&a.Description, &a.RedirectURI, &scopes, &a.SecretHash, &updated)
	if err != nil {
		return bot.App{}, err
	}
	if !found {
		return bot.App{}, sqldb.NotFound("no such app")
	}
	a.Scopes, a.Updated = strings.Split(scopes, ","), sqldb.Tm(updated)
	return a, nil
}

// AddAppCode stores c, dropping codes expired before it was made.
func (s Store) AddAppCode(ctx context.Context, c bot.AppCode) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`DELETE FROM bot_app_codes WHERE expires < $1`, sqldb.Ms(c.Expires.Add(-2*bot.CodeTTL))); err != nil {
			return sqldb.Internal(err)
		}
		_, err := t.Exec(`INSERT INTO bot_app_codes (hash, bot, grp, scopes, by_user, redirect, challenge, expires) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.Hash, c.Bot, int64(c.Group), strings.Join(c.Scopes, ","), int64(c.By), c.Redirect, c.Challenge, sqldb.Ms(c.Expires))
		return sqldb.Internal(err)
	})
}

// TakeAppCode deletes and returns the code whose hash is hash.
func (s Store) TakeAppCode(ctx context.Context, hash []byte) (bot.AppCode, error) {
	c := bot.AppCode{Hash: hash}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var scopes string
		var grp, by, expires int64
		found, err := t.Read(`SELECT bot, grp, scopes, by_user, redirect, challenge, expires FROM bot_app_codes WHERE hash = $1`, []any{hash},
			&c.Bot, &grp, &scopes, &by, &c.Redirect, &c.Challenge, &expires)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such code")
		}
		n, err := t.Exec(`DELETE FROM bot_app_codes WHERE hash = $1`, hash)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n != 1 {
			return sqldb.NotFound("no such code") // taken meanwhile
		}
		c.Group, c.Scopes, c.By, c.Expires = hongyan.ConversationID(grp), strings.Split(scopes, ","), hongyan.UserID(by), sqldb.Tm(expires)
		return nil
	})
	if err != nil {
		return bot.AppCode{}, err
	}
	return c, nil
}

// GroupGrants returns the grants of group, oldest first.
func (s Store) GroupGrants(ctx context.Context, group hongyan.ConversationID) ([]bot.Grant, error) {
	gs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (bot.Grant, error) {
		g := bot.Grant{Group: group}
		var scopes string
		var by, created int64
		err := scan(&g.Bot, &scopes, &by, &created)
		g.Scopes, g.By, g.Created = strings.Split(scopes, ","), hongyan.UserID(by), sqldb.Tm(created)
		return g, err
	}, `SELECT bot, scopes, by_user, created FROM bot_grants WHERE grp = $1 ORDER BY created, bot LIMIT 500`, int64(group))
	return gs, sqldb.Internal(err)
}

// DropGrant deletes the bot's grant in group and its tokens limited to
// group; it returns the deleted tokens' IDs.
func (s Store) DropGrant(ctx context.Context, b int64, group hongyan.ConversationID) ([]int64, error) {
	var ids []int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM bot_grants WHERE bot = $1 AND grp = $2`, b, int64(group))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no grant")
		}
		rows, err := t.Query(`SELECT id FROM bot_tokens WHERE bot = $1 AND grp = $2`, b, int64(group))
		if err != nil {
			return sqldb.Internal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return sqldb.Internal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sqldb.Internal(err)
		}
		_, err = t.Exec(`DELETE FROM bot_tokens WHERE bot = $1 AND grp = $2`, b, int64(group))
		return sqldb.Internal(err)
	})
	return ids, err
}
