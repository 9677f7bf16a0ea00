package contactdb

import (
	"context"
	"encoding/json"

	"hongyan/internal/contact"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements contact.Store.
type Store struct{ db *sqldb.DB }

var _ contact.Store = Store{}

// New returns the contact store on db.
func New(db *sqldb.DB) Store { return Store{db} }

const requestCols = `id, from_user, to_user, greeting, remark, state, created, updated`

func scanRequest(scan func(...any) error) (contact.Request, error) {
	var r contact.Request
	var from, to, state, created, updated int64
	err := scan(&r.ID, &from, &to, &r.Greeting, &r.Remark, &state, &created, &updated)
	r.From, r.To, r.State = hongyan.UserID(from), hongyan.UserID(to), contact.RequestState(state)
	r.Created, r.Updated = sqldb.Tm(created), sqldb.Tm(updated)
	return r, err
}

// CreateRequest inserts r (r.ID is ignored) and returns its new ID.
func (s Store) CreateRequest(ctx context.Context, r contact.Request, changes []hongyan.Change) (int64, []hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return 0, nil, err
	}
	var id int64
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		id, out = 0, nil
		_, err := t.Write(`INSERT INTO friend_requests (from_user, to_user, greeting, remark, state, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			[]any{int64(r.From), int64(r.To), r.Greeting, r.Remark, int64(r.State), sqldb.Ms(r.Created), sqldb.Ms(r.Updated)}, &id)
		if err != nil {
			return sqldb.Internal(err)
		}
		// Entries about the new request can only name it now.
		withRef := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Kind == hongyan.ChangeFriendRequest && c.Ref == 0 {
				c.Ref = id
			}
			withRef[i] = c
		}
		out, err = t.AppendChanges(withRef)
		return err
	})
	return id, out, err
}

// Request returns friend request id.
func (s Store) Request(ctx context.Context, id int64) (contact.Request, error) {
	st, err := s.db.Stmt(ctx, `SELECT `+requestCols+` FROM friend_requests WHERE id = $1`)
	if err != nil {
		return contact.Request{}, sqldb.Internal(err)
	}
	r, err := scanRequest(st.QueryRowContext(ctx, id).Scan)
	if sqldb.IsNoRows(err) {
		return contact.Request{}, sqldb.NotFound("no such friend request")
	}
	return r, sqldb.Internal(err)
}

// Requests lists up to limit requests to or from user, newest (most
// recently created) first.
func (s Store) Requests(ctx context.Context, user hongyan.UserID, limit int) ([]contact.Request, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanRequest, `SELECT `+requestCols+` FROM friend_requests
		WHERE from_user = $1 OR to_user = $1 ORDER BY id DESC LIMIT $2`, int64(user), limit)
}

// AnswerRequest moves pending request id to state (recording the time of
// the batch as its Updated time) and upserts adds, in one transaction.
func (s Store) AnswerRequest(ctx context.Context, id int64, state contact.RequestState, adds []contact.Contact, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		n, err := t.Exec(`UPDATE friend_requests SET state = $2, updated = $3 WHERE id = $1 AND state = $4`,
			id, int64(state), sqldb.Ms(t.Now()), int64(contact.RequestPending))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			var one int64
			found, err := t.Read(`SELECT 1 FROM friend_requests WHERE id = $1`, []any{id}, &one)
			if err != nil {
				return sqldb.Internal(err)
			}
			if !found {
				return sqldb.NotFound("no such friend request")
			}
			return hongyan.Errorf(hongyan.CodePrecondition, "friend request already answered")
		}
		if err := addContacts(t, adds); err != nil {
			return err
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// AddContacts inserts the entries of adds that do not exist yet; existing
// entries are kept as they are (remarks, tags and all).
func (s Store) AddContacts(ctx context.Context, adds []contact.Contact, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		if err := addContacts(t, adds); err != nil {
			return err
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

func addContacts(t *sqldb.Tx, adds []contact.Contact) error {
	for _, c := range adds {
		tags, err := encodeTags(c.Tags)
		if err != nil {
			return err
		}
		if _, err := t.Exec(`INSERT INTO contacts (owner, user_id, remark, description, tags, starred, since)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (owner, user_id) DO NOTHING`,
			int64(c.Owner), int64(c.User), c.Remark, c.Description, tags, c.Starred, sqldb.Ms(c.Since)); err != nil {
			return sqldb.Internal(err)
		}
	}
	return nil
}

// encodeTags stores tags as a JSON array.
func encodeTags(tags []string) (string, error) {
	if len(tags) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(tags)
	if err != nil {
		return "", sqldb.Invalid("bad tags: %v", err)
	}
	return string(b), nil
}

// decodeTags reads tags stored by encodeTags; no tags read back as nil.
func decodeTags(s string) ([]string, error) {
	var tags []string
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil, sqldb.Internal(err)
	}
	if len(tags) == 0 {
		return nil, nil
	}
	return tags, nil
}

const contactCols = `owner, user_id, remark, description, tags, starred, since`

func scanContact(scan func(...any) error) (contact.Contact, error) {
	var c contact.Contact
	var owner, user, since int64
	var tags string
	if err := scan(&owner, &user, &c.Remark, &c.Description, &tags, &c.Starred, &since); err != nil {
		return contact.Contact{}, err
	}
	c.Owner, c.User, c.Since = hongyan.UserID(owner), hongyan.UserID(user), sqldb.Tm(since)
	var err error
	c.Tags, err = decodeTags(tags)
	return c, err
}

// Contacts lists owner's contact entries, ordered by user ID.
func (s Store) Contacts(ctx context.Context, owner hongyan.UserID) ([]contact.Contact, error) {
	return sqldb.QueryAll(ctx, s.db, scanContact, `SELECT `+contactCols+` FROM contacts WHERE owner = $1 ORDER BY user_id`, int64(owner))
}

// Friends lists owner's entries for mutual contacts with no block either
// way, ordered by user ID.
func (s Store) Friends(ctx context.Context, owner hongyan.UserID) ([]contact.Contact, error) {
	return sqldb.QueryAll(ctx, s.db, scanContact, `SELECT c.owner, c.user_id, c.remark, c.description, c.tags, c.starred, c.since
		FROM contacts c JOIN contacts r ON r.owner = c.user_id AND r.user_id = c.owner
		WHERE c.owner = $1
		AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.owner = $1 AND b.user_id = c.user_id) OR (b.owner = c.user_id AND b.user_id = $1))
		ORDER BY c.user_id`, int64(owner))
}

// Contact returns owner's entry for user.
func (s Store) Contact(ctx context.Context, owner, user hongyan.UserID) (contact.Contact, error) {
	st, err := s.db.Stmt(ctx, `SELECT `+contactCols+` FROM contacts WHERE owner = $1 AND user_id = $2`)
	if err != nil {
		return contact.Contact{}, sqldb.Internal(err)
	}
	c, err := scanContact(st.QueryRowContext(ctx, int64(owner), int64(user)).Scan)
	if sqldb.IsNoRows(err) {
		return contact.Contact{}, sqldb.NotFound("no such contact")
	}
	return c, sqldb.Internal(err)
}

// UpdateContact replaces the editable fields (remark, description, tags,
// star) of the existing entry c.Owner → c.User.
func (s Store) UpdateContact(ctx context.Context, c contact.Contact, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	tags, err := encodeTags(c.Tags)
	if err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err = s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		n, err := t.Exec(`UPDATE contacts SET remark = $3, description = $4, tags = $5, starred = $6 WHERE owner = $1 AND user_id = $2`,
			int64(c.Owner), int64(c.User), c.Remark, c.Description, tags, c.Starred)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such contact")
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// DeleteContact removes owner's entry for user.
func (s Store) DeleteContact(ctx context.Context, owner, user hongyan.UserID, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		n, err := t.Exec(`DELETE FROM contacts WHERE owner = $1 AND user_id = $2`, int64(owner), int64(user))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such contact")
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// SetBlocked records whether owner blocks user. Setting the state it
// already has changes nothing but still appends changes. The count of
// owner's blocks is read in the same transaction as the insert.
func (s Store) SetBlocked(ctx context.Context, owner, user hongyan.UserID, blocked bool, max int, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var err error
		if blocked {
			var n int64
			n, err = t.Exec(`INSERT INTO blocks (owner, user_id)
				SELECT $1, $2 WHERE $3 <= 0 OR (SELECT COUNT(*) FROM blocks WHERE owner = $1) < $3
				ON CONFLICT (owner, user_id) DO NOTHING`, int64(owner), int64(user), max)
			if err == nil && n == 0 && max > 0 {
				var already bool
				if _, err = t.Read(`SELECT EXISTS (SELECT 1 FROM blocks WHERE owner = $1 AND user_id = $2)`, []any{int64(owner), int64(user)}, &already); err != nil {
					return sqldb.Internal(err)
				}
				if !already {
					return hongyan.Errorf(hongyan.CodePrecondition, "you have blocked %d users, the most there can be; unblock someone first", max)
				}
			}
		} else {
			_, err = t.Exec(`DELETE FROM blocks WHERE owner = $1 AND user_id = $2`, int64(owner), int64(user))
		}
		if err != nil {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// Relation reports how from and to stand towards each other, in one query.
func (s Store) Relation(ctx context.Context, from, to hongyan.UserID) (contact.Relation, error) {
	var r contact.Relation
	_, err := s.db.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM contacts WHERE owner = $1 AND user_id = $2),
		EXISTS (SELECT 1 FROM contacts WHERE owner = $2 AND user_id = $1),
		EXISTS (SELECT 1 FROM blocks WHERE owner = $2 AND user_id = $1)`,
		[]any{int64(from), int64(to)}, &r.FromHasTo, &r.ToHasFrom, &r.ToBlocksFrom)
	return r, err
}

// RelationsVersion returns the counter that the triggers on contacts and
// blocks move on (migration 0002).
func (s Store) RelationsVersion(ctx context.Context) (int64, error) {
	var v int64
	_, err := s.db.QueryRow(ctx, `SELECT version FROM relations_version WHERE id = 1`, nil, &v)
	return v, err
}

// Blocked reports whether owner has blocked user.
func (s Store) Blocked(ctx context.Context, owner, user hongyan.UserID) (bool, error) {
	var one int64
	return s.db.QueryRow(ctx, `SELECT 1 FROM blocks WHERE owner = $1 AND user_id = $2`, []any{int64(owner), int64(user)}, &one)
}
