// Package addressbookdb is the address-book feature's storage on the
// shared SQL core.
package addressbookdb

import (
	"context"
	"time"

	"hongyan/internal/addressbook"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements addressbook.Store.
type Store struct{ db *sqldb.DB }

var _ addressbook.Store = Store{}

// New returns the address-book store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// Key returns the sealing key, storing candidate when there is none.
func (s Store) Key(ctx context.Context, candidate []byte) ([]byte, error) {
	var key []byte
	if found, err := s.db.QueryRow(ctx, `SELECT secret FROM addressbook_key WHERE id = 1`, nil, &key); err != nil || found {
		return key, err
	}
	if len(candidate) == 0 {
		return nil, sqldb.Invalid("an empty key")
	}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`INSERT INTO addressbook_key (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING`, candidate); err != nil {
			return sqldb.Internal(err)
		}
		_, err := t.Read(`SELECT secret FROM addressbook_key WHERE id = 1`, nil, &key)
		return err
	})
	return key, err
}

// AddBackup stores b as its owner's next version.
func (s Store) AddBackup(ctx context.Context, b addressbook.Backup, keep int, changes []hongyan.Change) (addressbook.Version, []hongyan.Change, error) {
	if b.Owner <= 0 || len(b.Sealed) == 0 || keep <= 0 {
		return addressbook.Version{}, nil, sqldb.Invalid("a backup needs an owner, contents and a positive keep")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return addressbook.Version{}, nil, err
	}
	v := b.Version
	v.Created = sqldb.Tm(sqldb.Ms(v.Created))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO addressbook_owners (owner, last_version) VALUES ($1, 1)
			ON CONFLICT (owner) DO UPDATE SET last_version = addressbook_owners.last_version + 1
			RETURNING last_version`, []any{int64(v.Owner)}, &v.Version); err != nil {
			return sqldb.Internal(err)
		}
		if _, err := t.Exec(`INSERT INTO addressbook_backups (owner, version, people, created, sealed) VALUES ($1, $2, $3, $4, $5)`,
			int64(v.Owner), v.Version, v.Contacts, sqldb.Ms(v.Created), b.Sealed); err != nil {
			return sqldb.Internal(err)
		}
		if _, err := t.Exec(`DELETE FROM addressbook_backups WHERE owner = $1 AND version <= $2`, int64(v.Owner), v.Version-int64(keep)); err != nil {
			return sqldb.Internal(err)
		}
		in := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Ref == 0 {
				c.Ref = v.Version
			}
			in[i] = c
		}
		var err error
		out, err = t.AppendChanges(in)
		return err
	})
	if err != nil {
		return addressbook.Version{}, nil, err
	}
	return v, out, nil
}

func scanVersion(scan func(...any) error) (addressbook.Version, error) {
	var v addressbook.Version
	var owner, created int64
	err := scan(&owner, &v.Version, &v.Contacts, &created)
	v.Owner, v.Created = hongyan.UserID(owner), sqldb.Tm(created)
	return v, err
}

// Versions returns owner's versions, newest first.
func (s Store) Versions(ctx context.Context, owner hongyan.UserID) ([]addressbook.Version, error) {
	return sqldb.QueryAll(ctx, s.db, scanVersion, `SELECT owner, version, people, created FROM addressbook_backups
		WHERE owner = $1 ORDER BY version DESC`, int64(owner))
}

// Backup returns owner's backup version.
func (s Store) Backup(ctx context.Context, owner hongyan.UserID, version int64) (addressbook.Backup, error) {
	bs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (addressbook.Backup, error) {
		var b addressbook.Backup
		var owner, created int64
		err := scan(&owner, &b.Version.Version, &b.Contacts, &created, &b.Sealed)
		b.Owner, b.Created = hongyan.UserID(owner), sqldb.Tm(created)
		return b, err
	}, `SELECT owner, version, people, created, sealed FROM addressbook_backups WHERE owner = $1 AND version = $2`, int64(owner), version)
	if err != nil {
		return addressbook.Backup{}, err
	}
	if len(bs) == 0 {
		return addressbook.Backup{}, sqldb.NotFound("no such backup")
	}
	return bs[0], nil
}

// DeleteBackup removes owner's version (all when 0).
func (s Store) DeleteBackup(ctx context.Context, owner hongyan.UserID, version int64, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM addressbook_backups WHERE owner = $1 AND ($2 = 0 OR version = $2)`, int64(owner), version)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 && version != 0 {
			return sqldb.NotFound("no such backup")
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// Take adds n to user's count of bucket in window if it stays at most max.
func (s Store) Take(ctx context.Context, user hongyan.UserID, bucket string, window int64, n, max int) (bool, error) {
	if n < 0 {
		return false, sqldb.Invalid("a negative amount")
	}
	if n > max {
		return false, nil
	}
	// One statement, so that two nodes taking at once cannot both pass:
	// the row is locked by the upsert, and the WHERE refuses the update
	// that would go over max (no row is returned then).
	ok := false
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var used int64
		found, err := t.Write(`INSERT INTO addressbook_quotas (user_id, bucket, win, used) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, bucket) DO UPDATE SET win = excluded.win,
				used = CASE WHEN addressbook_quotas.win = excluded.win THEN addressbook_quotas.used + excluded.used ELSE excluded.used END
			WHERE CASE WHEN addressbook_quotas.win = excluded.win THEN addressbook_quotas.used + excluded.used ELSE excluded.used END <= $5
			RETURNING used`, []any{int64(user), bucket, window, int64(n), int64(max)}, &used)
		ok = found
		return err
	})
	return ok, err
}

const entryCols = `id, grp, member, name, phone, email, role, notes, updated, updated_by`

func scanEntry(scan func(...any) error) (addressbook.Entry, error) {
	var e addressbook.Entry
	var grp, member, updated, by int64
	err := scan(&e.ID, &grp, &member, &e.Name, &e.Phone, &e.Email, &e.Role, &e.Notes, &updated, &by)
	e.Group, e.Member, e.Updated, e.UpdatedBy = hongyan.ConversationID(grp), hongyan.UserID(member), sqldb.Tm(updated), hongyan.UserID(by)
	return e, err
}

// Entries returns group's entries by ID.
func (s Store) Entries(ctx context.Context, group hongyan.ConversationID) ([]addressbook.Entry, error) {
	return sqldb.QueryAll(ctx, s.db, scanEntry, `SELECT `+entryCols+` FROM group_book_entries WHERE grp = $1 ORDER BY id`, int64(group))
}

func (s Store) one(ctx context.Context, where string, args ...any) (addressbook.Entry, error) {
	es, err := sqldb.QueryAll(ctx, s.db, scanEntry, `SELECT `+entryCols+` FROM group_book_entries WHERE `+where, args...)
	if err != nil {
		return addressbook.Entry{}, err
	}
	if len(es) == 0 {
		return addressbook.Entry{}, sqldb.NotFound("no such entry")
	}
	return es[0], nil
}

// Entry returns entry id of group.
func (s Store) Entry(ctx context.Context, group hongyan.ConversationID, id int64) (addressbook.Entry, error) {
	return s.one(ctx, `grp = $1 AND id = $2`, int64(group), id)
}

// MemberEntry returns member's own entry of group.
func (s Store) MemberEntry(ctx context.Context, group hongyan.ConversationID, member hongyan.UserID) (addressbook.Entry, error) {
	if member == 0 {
		return addressbook.Entry{}, sqldb.NotFound("no such entry")
	}
	return s.one(ctx, `grp = $1 AND member = $2`, int64(group), int64(member))
}

func historyArgs(grp, entry int64, a addressbook.Action, e addressbook.Entry, by hongyan.UserID, at time.Time) []any {
	return []any{grp, entry, int64(a), int64(e.Member), e.Name, e.Phone, e.Email, e.Role, e.Notes, int64(by), sqldb.Ms(at)}
}

const insertHistory = `INSERT INTO group_book_history (grp, entry, action, member, name, phone, email, role, notes, by_user, at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

// PutEntry adds or replaces e and records the change.
func (s Store) PutEntry(ctx context.Context, e addressbook.Entry, changes []hongyan.Change) (addressbook.Entry, []hongyan.Change, error) {
	if e.Group == 0 {
		return addressbook.Entry{}, nil, sqldb.Invalid("an entry needs a group")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return addressbook.Entry{}, nil, err
	}
	e.Updated = sqldb.Tm(sqldb.Ms(e.Updated))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		action := addressbook.ActionEdit
		if e.ID == 0 {
			action = addressbook.ActionAdd
			if e.Member != 0 {
				var id int64
				if found, err := t.Read(`SELECT id FROM group_book_entries WHERE grp = $1 AND member = $2`, []any{int64(e.Group), int64(e.Member)}, &id); err != nil {
					return err
				} else if found {
					return hongyan.Errorf(hongyan.CodeExists, "that member has an entry already")
				}
			}
			if _, err := t.Write(`INSERT INTO group_book_entries (grp, member, name, phone, email, role, notes, updated, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				[]any{int64(e.Group), int64(e.Member), e.Name, e.Phone, e.Email, e.Role, e.Notes, sqldb.Ms(e.Updated), int64(e.UpdatedBy)}, &e.ID); err != nil {
				return sqldb.Internal(err)
			}
		} else {
			n, err := t.Exec(`UPDATE group_book_entries SET name = $3, phone = $4, email = $5, role = $6, notes = $7, updated = $8, updated_by = $9
				WHERE grp = $1 AND id = $2`, int64(e.Group), e.ID, e.Name, e.Phone, e.Email, e.Role, e.Notes, sqldb.Ms(e.Updated), int64(e.UpdatedBy))
			if err != nil {
				return sqldb.Internal(err)
			}
			if n == 0 {
				return sqldb.NotFound("no such entry")
			}
			if _, err := t.Read(`SELECT member FROM group_book_entries WHERE id = $1`, []any{e.ID}, (*int64)(&e.Member)); err != nil {
				return err
			}
		}
		if _, err := t.Exec(insertHistory, historyArgs(int64(e.Group), e.ID, action, e, e.UpdatedBy, e.Updated)...); err != nil {
			return sqldb.Internal(err)
		}
		in := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Ref == 0 {
				c.Ref = e.ID
			}
			in[i] = c
		}
		var err error
		out, err = t.AppendChanges(in)
		return err
	})
	if err != nil {
		return addressbook.Entry{}, nil, err
	}
	return e, out, nil
}

// RemoveEntry removes entry id of group and records the removal.
func (s Store) RemoveEntry(ctx context.Context, group hongyan.ConversationID, id int64, by hongyan.UserID, at time.Time, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var e addressbook.Entry
		found, err := t.ReadScan(`SELECT `+entryCols+` FROM group_book_entries WHERE grp = $1 AND id = $2`, []any{int64(group), id},
			func(scan func(...any) error) error {
				var err error
				e, err = scanEntry(scan)
				return err
			})
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such entry")
		}
		if _, err := t.Exec(`DELETE FROM group_book_entries WHERE id = $1`, id); err != nil {
			return sqldb.Internal(err)
		}
		if _, err := t.Exec(insertHistory, historyArgs(int64(group), id, addressbook.ActionRemove, e, by, at)...); err != nil {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// History returns group's changes below before, newest first.
func (s Store) History(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]addressbook.Change, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (addressbook.Change, error) {
		var c addressbook.Change
		var grp, action, member, by, at int64
		err := scan(&c.ID, &grp, &c.Entry.ID, &action, &member, &c.Entry.Name, &c.Entry.Phone, &c.Entry.Email, &c.Entry.Role, &c.Entry.Notes, &by, &at)
		c.Action, c.By, c.At = addressbook.Action(action), hongyan.UserID(by), sqldb.Tm(at)
		c.Entry.Group, c.Entry.Member, c.Entry.Updated, c.Entry.UpdatedBy = hongyan.ConversationID(grp), hongyan.UserID(member), c.At, c.By
		return c, err
	}, `SELECT id, grp, entry, action, member, name, phone, email, role, notes, by_user, at FROM group_book_history
		WHERE grp = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, int64(group), before, limit)
}
