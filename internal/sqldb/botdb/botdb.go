// Package botdb keeps bots on the shared storage core: bots and their
// change-log cursors, tokens (hashed), group grants, webhooks, rate-limit
// counters, events and the webhook outbox, in tables of its own.
package botdb

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements bot.Store.
type Store struct{ db *sqldb.DB }

var _ bot.Store = Store{}

// New returns the bot store on db.
func New(db *sqldb.DB) Store { return Store{db} }

const botCols = `id, owner, account, account_id, name, created`

func scanBot(scan func(...any) error) (bot.Bot, error) {
	var b bot.Bot
	var owner, account, created int64
	err := scan(&b.ID, &owner, &account, &b.AccountID, &b.Name, &created)
	b.Owner, b.Account, b.Created = hongyan.UserID(owner), hongyan.UserID(account), sqldb.Tm(created)
	return b, err
}

// CreateBot stores b.
func (s Store) CreateBot(ctx context.Context, b bot.Bot, changes []hongyan.Change) (bot.Bot, []hongyan.Change, error) {
	if b.Owner <= 0 || b.Account <= 0 {
		return bot.Bot{}, nil, sqldb.Invalid("a bot needs an owner and an account")
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO bot_bots (owner, account, account_id, name, created) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			[]any{int64(b.Owner), int64(b.Account), b.AccountID, b.Name, sqldb.Ms(b.Created)}, &b.ID); err != nil {
			return sqldb.Internal(err)
		}
		withRef := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Kind == hongyan.ChangeBot && c.Ref == 0 {
				c.Ref = b.ID
			}
			withRef[i] = c
		}
		var err error
		out, err = t.AppendChanges(withRef)
		return err
	})
	if err != nil {
		return bot.Bot{}, nil, err
	}
	b.Created = sqldb.Tm(sqldb.Ms(b.Created))
	return b, out, nil
}

func (s Store) oneBot(ctx context.Context, where string, arg int64) (bot.Bot, error) {
	bs, err := sqldb.QueryAll(ctx, s.db, scanBot, `SELECT `+botCols+` FROM bot_bots WHERE `+where, arg)
	if err != nil {
		return bot.Bot{}, sqldb.Internal(err)
	}
	if len(bs) == 0 {
		return bot.Bot{}, sqldb.NotFound("no such bot")
	}
	return bs[0], nil
}

// Bot returns bot id.
func (s Store) Bot(ctx context.Context, id int64) (bot.Bot, error) {
	return s.oneBot(ctx, "id = $1", id)
}

// BotByAccount returns the bot acting as account.
func (s Store) BotByAccount(ctx context.Context, account hongyan.UserID) (bot.Bot, error) {
	return s.oneBot(ctx, "account = $1", int64(account))
}

// BotsOf returns owner's bots, oldest first.
func (s Store) BotsOf(ctx context.Context, owner hongyan.UserID) ([]bot.Bot, error) {
	bs, err := sqldb.QueryAll(ctx, s.db, scanBot, `SELECT `+botCols+` FROM bot_bots WHERE owner = $1 ORDER BY id`, int64(owner))
	return bs, sqldb.Internal(err)
}

// Bots returns up to limit bots after ID after.
func (s Store) Bots(ctx context.Context, after int64, limit int) ([]bot.Bot, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	bs, err := sqldb.QueryAll(ctx, s.db, scanBot, `SELECT `+botCols+` FROM bot_bots WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	return bs, sqldb.Internal(err)
}

// AddToken stores t unless the bot holds max tokens.
func (s Store) AddToken(ctx context.Context, tk bot.Token, max int) (bot.Token, error) {
	if len(tk.Hash) == 0 || len(tk.Scopes) == 0 {
		return bot.Token{}, sqldb.Invalid("a token needs a hash and scopes")
	}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		if _, err := t.Read(`SELECT COUNT(*) FROM bot_tokens WHERE bot = $1`, []any{tk.Bot}, &n); err != nil {
			return sqldb.Internal(err)
		}
		if n >= int64(max) {
			return hongyan.Errorf(hongyan.CodePrecondition, "a bot holds at most %d tokens", max)
		}
		_, err := t.Write(`INSERT INTO bot_tokens (bot, hash, scopes, grp, app, created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			[]any{tk.Bot, tk.Hash, strings.Join(tk.Scopes, ","), int64(tk.Group), tk.App, sqldb.Ms(tk.Created)}, &tk.ID)
		return sqldb.Internal(err)
	})
	return tk, err
}

// TokenByHash returns the token whose secret hashes to hash.
func (s Store) TokenByHash(ctx context.Context, hash []byte) (bot.Token, error) {
	tk := bot.Token{Hash: hash}
	var scopes string
	var grp, created int64
	found, err := s.db.QueryRow(ctx, `SELECT id, bot, scopes, grp, app, created FROM bot_tokens WHERE hash = $1`, []any{hash},
		&tk.ID, &tk.Bot, &scopes, &grp, &tk.App, &created)
	if err != nil {
		return bot.Token{}, err
	}
	if !found {
		return bot.Token{}, sqldb.NotFound("no such token")
	}
	tk.Scopes, tk.Group, tk.Created = strings.Split(scopes, ","), hongyan.ConversationID(grp), sqldb.Tm(created)
	return tk, nil
}

// DeleteToken removes the bot's token id.
func (s Store) DeleteToken(ctx context.Context, b, id int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM bot_tokens WHERE id = $1 AND bot = $2`, id, b)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such token")
		}
		return nil
	})
}

// SetGrant stores g in place of the bot's grant for the group.
func (s Store) SetGrant(ctx context.Context, g bot.Grant) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO bot_grants (bot, grp, scopes, by_user, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (bot, grp) DO UPDATE SET scopes = excluded.scopes, by_user = excluded.by_user, created = excluded.created`,
			g.Bot, int64(g.Group), strings.Join(g.Scopes, ","), int64(g.By), sqldb.Ms(g.Created))
		return sqldb.Internal(err)
	})
}

// Grant returns the bot's grant for group.
func (s Store) Grant(ctx context.Context, b int64, group hongyan.ConversationID) (bot.Grant, error) {
	g := bot.Grant{Bot: b, Group: group}
	var scopes string
	var by, created int64
	found, err := s.db.QueryRow(ctx, `SELECT scopes, by_user, created FROM bot_grants WHERE bot = $1 AND grp = $2`,
		[]any{b, int64(group)}, &scopes, &by, &created)
	if err != nil {
		return bot.Grant{}, err
	}
	if !found {
		return bot.Grant{}, sqldb.NotFound("no grant")
	}
	g.Scopes, g.By, g.Created = strings.Split(scopes, ","), hongyan.UserID(by), sqldb.Tm(created)
	return g, nil
}

// SetWebhook stores w; an empty URL removes the bot's webhook.
func (s Store) SetWebhook(ctx context.Context, w bot.Webhook, changes []hongyan.Change) ([]hongyan.Change, error) {
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		if w.URL == "" {
			_, err = t.Exec(`DELETE FROM bot_webhooks WHERE bot = $1`, w.Bot)
		} else {
			_, err = t.Exec(`INSERT INTO bot_webhooks (bot, url, secret, updated) VALUES ($1, $2, $3, $4)
			ON CONFLICT (bot) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated = excluded.updated`,
				w.Bot, w.URL, w.Secret, sqldb.Ms(w.Updated))
		}
		if err != nil {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// Webhook returns the bot's webhook.
func (s Store) Webhook(ctx context.Context, b int64) (bot.Webhook, error) {
	w := bot.Webhook{Bot: b}
	var updated int64
	found, err := s.db.QueryRow(ctx, `SELECT url, secret, updated FROM bot_webhooks WHERE bot = $1`, []any{b}, &w.URL, &w.Secret, &updated)
	if err != nil {
		return bot.Webhook{}, err
	}
	if !found {
		return bot.Webhook{}, sqldb.NotFound("no webhook")
	}
	w.Updated = sqldb.Tm(updated)
	return w, nil
}

// Take counts one use of key in period unless max were counted.
func (s Store) Take(ctx context.Context, key string, period int64, max int) (bool, error) {
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(`INSERT INTO bot_quotas (qkey, period, used) VALUES ($1, $2, 1)
			ON CONFLICT (qkey) DO UPDATE SET period = excluded.period,
				used = CASE WHEN bot_quotas.period = excluded.period THEN bot_quotas.used + 1 ELSE 1 END
			WHERE bot_quotas.period <> excluded.period OR bot_quotas.used < $3`, key, period, int64(max))
		return sqldb.Internal(err)
	})
	return n > 0, err
}

// Cursor returns how far the bot's account's log was read.
func (s Store) Cursor(ctx context.Context, b int64) (int64, error) {
	var cur int64
	found, err := s.db.QueryRow(ctx, `SELECT log_cursor FROM bot_bots WHERE id = $1`, []any{b}, &cur)
	if err == nil && !found {
		err = sqldb.NotFound("no such bot")
	}
	return cur, err
}

// AppendEvents stores events and their deliveries and moves the cursor.
func (s Store) AppendEvents(ctx context.Context, b int64, from, to int64, events []bot.Event) ([]bot.Event, error) {
	var stored []bot.Event
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		stored = stored[:0]
		n, err := t.Exec(`UPDATE bot_bots SET log_cursor = $1 WHERE id = $2 AND log_cursor = $3`, to, b, from)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "the bot's cursor moved")
		}
		if len(events) == 0 {
			return nil
		}
		var head int64
		if _, err := t.Read(`SELECT event_head FROM bot_bots WHERE id = $1`, []any{b}, &head); err != nil {
			return sqldb.Internal(err)
		}
		var url string
		hook, err := t.Read(`SELECT url FROM bot_webhooks WHERE bot = $1`, []any{b}, &url)
		if err != nil {
			return sqldb.Internal(err)
		}
		for _, e := range events {
			if e.Key != "" {
				var one int
				seen, err := t.Read(`SELECT 1 FROM bot_events WHERE bot = $1 AND ukey = $2`, []any{b, e.Key}, &one)
				if err != nil {
					return sqldb.Internal(err)
				}
				if seen {
					continue
				}
			}
			head++
			e.Bot, e.Seq = b, head
			at := sqldb.Ms(e.Time)
			e.Time = sqldb.Tm(at)
			if _, err := t.Exec(`INSERT INTO bot_events (bot, seq, type, at, data, ukey) VALUES ($1, $2, $3, $4, $5, $6)`,
				b, e.Seq, e.Type, at, string(e.Data), sqldb.NullIfEmpty(e.Key)); err != nil {
				return sqldb.Internal(err)
			}
			if hook {
				if _, err := t.Exec(`INSERT INTO bot_deliveries (bot, seq, url, status, attempts, next_at, lease_until, last_status, last_error, updated)
					VALUES ($1, $2, $3, 'pending', 0, $4, 0, 0, '', $4)`, b, e.Seq, url, at); err != nil {
					return sqldb.Internal(err)
				}
			}
			stored = append(stored, e)
		}
		_, err = t.Exec(`UPDATE bot_bots SET event_head = $1 WHERE id = $2`, head, b)
		return sqldb.Internal(err)
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

func scanEvent(scan func(...any) error) (bot.Event, error) {
	var e bot.Event
	var at int64
	var data string
	err := scan(&e.Bot, &e.Seq, &e.Type, &at, &data)
	e.Time, e.Data = sqldb.Tm(at), []byte(data)
	return e, err
}

// Events returns up to limit events of the bot after seq after.
func (s Store) Events(ctx context.Context, b int64, after int64, limit int) ([]bot.Event, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	es, err := sqldb.QueryAll(ctx, s.db, scanEvent, `SELECT bot, seq, type, at, data FROM bot_events WHERE bot = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		b, after, limit)
	return es, sqldb.Internal(err)
}

const deliveryCols = `d.id, d.url, d.status, d.attempts, d.next_at, d.last_status, d.last_error, d.updated, e.bot, e.seq, e.type, e.at, e.data`

func scanDelivery(scan func(...any) error) (bot.Delivery, error) {
	var d bot.Delivery
	var status, data string
	var next, updated, at int64
	err := scan(&d.ID, &d.URL, &status, &d.Attempts, &next, &d.LastStatus, &d.LastError, &updated,
		&d.Event.Bot, &d.Event.Seq, &d.Event.Type, &at, &data)
	d.Bot, d.Status, d.NextAt, d.Updated = d.Event.Bot, bot.DeliveryStatus(status), sqldb.Tm(next), sqldb.Tm(updated)
	d.Event.Time, d.Event.Data = sqldb.Tm(at), []byte(data)
	return d, err
}

// ClaimDeliveries leases up to limit due pending deliveries until lease.
func (s Store) ClaimDeliveries(ctx context.Context, now, lease time.Time, limit int) ([]bot.Delivery, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		ids = ids[:0]
		// The outer lease test is checked again on a row another node
		// leased meanwhile (PostgreSQL), so no delivery is claimed twice.
		rows, err := t.Query(`UPDATE bot_deliveries SET lease_until = $1
			WHERE id IN (SELECT id FROM bot_deliveries WHERE status = 'pending' AND next_at <= $2 AND lease_until <= $2 ORDER BY next_at LIMIT $3)
			AND status = 'pending' AND lease_until <= $2 RETURNING id`, sqldb.Ms(lease), sqldb.Ms(now), limit)
		if err != nil {
			return sqldb.Internal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return t.Note(sqldb.Internal(err))
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return t.Note(sqldb.Internal(err))
		}
		if len(ids) > 0 {
			t.MarkDirty()
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	out, err := sqldb.QueryAll(context.WithoutCancel(ctx), s.db, scanDelivery, `SELECT `+deliveryCols+` FROM bot_deliveries d
		JOIN bot_events e ON e.bot = d.bot AND e.seq = d.seq WHERE d.id IN (`+strings.Join(ph, ", ")+`) ORDER BY d.id`, args...)
	return out, sqldb.Internal(err)
}

// FinishDelivery records an attempt's outcome and releases the lease.
func (s Store) FinishDelivery(ctx context.Context, id int64, o bot.Outcome) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE bot_deliveries SET status = $1, attempts = $2, next_at = $3, last_status = $4, last_error = $5,
			lease_until = 0, updated = $6 WHERE id = $7`,
			string(o.Status), o.Attempts, sqldb.Ms(o.NextAt), o.LastStatus, o.LastError, sqldb.Ms(t.Now()), id)
		return sqldb.Internal(err)
	})
}

// Prune deletes settled deliveries and unneeded events older than t.
func (s Store) Prune(ctx context.Context, t time.Time, limit int) (int, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		a, err := tx.Exec(`DELETE FROM bot_deliveries WHERE id IN (SELECT id FROM bot_deliveries
			WHERE status <> 'pending' AND updated < $1 ORDER BY id LIMIT $2)`, sqldb.Ms(t), limit)
		if err != nil {
			return sqldb.Internal(err)
		}
		b, err := tx.Exec(`DELETE FROM bot_events WHERE (bot, seq) IN (SELECT e.bot, e.seq FROM bot_events e
			WHERE e.at < $1 AND NOT EXISTS (SELECT 1 FROM bot_deliveries d WHERE d.bot = e.bot AND d.seq = e.seq) LIMIT $2)`, sqldb.Ms(t), limit)
		n = a + b
		return sqldb.Internal(err)
	})
	return int(n), err
}

// Deliveries returns the bot's deliveries below before, newest first.
func (s Store) Deliveries(ctx context.Context, b int64, before int64, limit int) ([]bot.Delivery, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1 << 62
	}
	ds, err := sqldb.QueryAll(ctx, s.db, scanDelivery, `SELECT `+deliveryCols+` FROM bot_deliveries d
		JOIN bot_events e ON e.bot = d.bot AND e.seq = d.seq WHERE d.bot = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3`, b, before, limit)
	return ds, sqldb.Internal(err)
}
