// Package livecodedb keeps live codes on the shared storage core: the
// codes, their groups' slots and their scans, in tables of their own.
package livecodedb

import (
	"context"
	"fmt"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
	"hongyan/internal/sqldb"
)

// Store implements livecode.Store.
type Store struct{ db *sqldb.DB }

var _ livecode.Store = Store{}

// New returns the live-code store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// Create stores c and its slot 0, the template group.
func (s Store) Create(ctx context.Context, c livecode.Code) (livecode.Code, error) {
	if c.Owner <= 0 || c.Template <= 0 || c.Token == "" {
		return c, sqldb.Invalid("a live code needs an owner, a template group and a token")
	}
	c.Created = sqldb.Tm(sqldb.Ms(c.Created))
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Write(`INSERT INTO livecodes (owner, name, token, template, max_members, created)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			[]any{int64(c.Owner), c.Name, c.Token, int64(c.Template), int64(c.MaxMembers), sqldb.Ms(c.Created)}, &c.ID)
		if err != nil {
			if t.Dialect().IsUnique(err) {
				return hongyan.Errorf(hongyan.CodeExists, "that live code token is taken")
			}
			return sqldb.Internal(err)
		}
		_, err = t.Exec(`INSERT INTO livecode_slots (code_id, idx, group_id, is_full, claimed) VALUES ($1, 0, $2, false, $3)`,
			c.ID, int64(c.Template), sqldb.Ms(c.Created))
		return sqldb.Internal(err)
	})
	return c, err
}

const codeCols = `id, owner, name, token, template, max_members, created`

func scanCode(scan func(...any) error) (livecode.Code, error) {
	var c livecode.Code
	var owner, template, maxMembers, created int64
	err := scan(&c.ID, &owner, &c.Name, &c.Token, &template, &maxMembers, &created)
	c.Owner, c.Template, c.MaxMembers, c.Created = hongyan.UserID(owner), hongyan.ConversationID(template), int(maxMembers), sqldb.Tm(created)
	return c, err
}

func (s Store) one(ctx context.Context, q string, arg any) (livecode.Code, error) {
	cs, err := sqldb.QueryAll(ctx, s.db, scanCode, `SELECT `+codeCols+` FROM livecodes WHERE `+q, arg)
	if err != nil {
		return livecode.Code{}, err
	}
	if len(cs) == 0 {
		return livecode.Code{}, sqldb.NotFound("no such live code")
	}
	return cs[0], nil
}

// Code returns code id.
func (s Store) Code(ctx context.Context, id int64) (livecode.Code, error) {
	return s.one(ctx, `id = $1`, id)
}

// CodeByToken returns the code of token.
func (s Store) CodeByToken(ctx context.Context, token string) (livecode.Code, error) {
	return s.one(ctx, `token = $1`, token)
}

// Codes lists owner's codes, newest first.
func (s Store) Codes(ctx context.Context, owner hongyan.UserID) ([]livecode.Code, error) {
	return sqldb.QueryAll(ctx, s.db, scanCode, `SELECT `+codeCols+` FROM livecodes WHERE owner = $1 ORDER BY id DESC`, int64(owner))
}

// Slots lists code's slots in order.
func (s Store) Slots(ctx context.Context, code int64) ([]livecode.Slot, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (livecode.Slot, error) {
		var sl livecode.Slot
		var idx, group, claimed int64
		err := scan(&sl.Code, &idx, &group, &sl.Full, &claimed)
		sl.Index, sl.Group, sl.Claimed = int(idx), hongyan.ConversationID(group), sqldb.Tm(claimed)
		return sl, err
	}, `SELECT code_id, idx, group_id, is_full, claimed FROM livecode_slots WHERE code_id = $1 ORDER BY idx`, code)
}

// Claim claims slot index of code: a new slot, or one whose group never
// came and that was claimed before stale.
func (s Store) Claim(ctx context.Context, code int64, index int, now, stale time.Time) (bool, error) {
	if index <= 0 {
		return false, sqldb.Invalid("slot %d cannot be claimed", index)
	}
	var won bool
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var claimed int64
		found, err := t.Write(`INSERT INTO livecode_slots (code_id, idx, group_id, is_full, claimed) VALUES ($1, $2, 0, false, $3)
			ON CONFLICT (code_id, idx) DO UPDATE SET claimed = excluded.claimed
			WHERE livecode_slots.group_id = 0 AND livecode_slots.claimed < $4
			RETURNING claimed`, []any{code, int64(index), sqldb.Ms(now), sqldb.Ms(stale)}, &claimed)
		won = found
		return sqldb.Internal(err)
	})
	return won, err
}

// Fill sets the group of slot index, if it is still the claim of claimed.
func (s Store) Fill(ctx context.Context, code int64, index int, claimed time.Time, group hongyan.ConversationID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE livecode_slots SET group_id = $1 WHERE code_id = $2 AND idx = $3 AND claimed = $4 AND group_id = 0`,
			int64(group), code, int64(index), sqldb.Ms(claimed))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "slot %d of live code %d is not claimed at %v", index, code, claimed)
		}
		return nil
	})
}

// MarkFull records that slot index's group was found full.
func (s Store) MarkFull(ctx context.Context, code int64, index int) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`UPDATE livecode_slots SET is_full = true WHERE code_id = $1 AND idx = $2 AND NOT is_full`, code, int64(index))
		return sqldb.Internal(err)
	})
}

// LastScan returns the group of user's latest scan of code, or 0.
func (s Store) LastScan(ctx context.Context, code int64, user hongyan.UserID) (hongyan.ConversationID, error) {
	gs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (int64, error) {
		var g int64
		return g, scan(&g)
	}, `SELECT group_id FROM livecode_scans WHERE code_id = $1 AND user_id = $2 ORDER BY at DESC LIMIT 1`, code, int64(user))
	if err != nil || len(gs) == 0 {
		return 0, err
	}
	return hongyan.ConversationID(gs[0]), nil
}

// RecordScan stores scan sc.
func (s Store) RecordScan(ctx context.Context, sc livecode.Scan) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO livecode_scans (code_id, user_id, group_id, at) VALUES ($1, $2, $3, $4)`,
			sc.Code, int64(sc.User), int64(sc.Group), sqldb.Ms(sc.At))
		return sqldb.Internal(err)
	})
}

const dayMs = 24 * 60 * 60 * 1000

// Stats counts code's scans per group, and per UTC day from since on.
func (s Store) Stats(ctx context.Context, code int64, since time.Time) (livecode.Stats, error) {
	type count struct{ key, n int64 }
	scanCount := func(scan func(...any) error) (count, error) {
		var c count
		return c, scan(&c.key, &c.n)
	}
	per, err := sqldb.QueryAll(ctx, s.db, scanCount,
		`SELECT group_id, COUNT(*) FROM livecode_scans WHERE code_id = $1 GROUP BY group_id`, code)
	if err != nil {
		return livecode.Stats{}, err
	}
	st := livecode.Stats{PerGroup: make(map[hongyan.ConversationID]int, len(per))}
	for _, c := range per {
		st.PerGroup[hongyan.ConversationID(c.key)] = int(c.n)
		st.Scans += int(c.n)
	}
	days, err := sqldb.QueryAll(ctx, s.db, scanCount,
		fmt.Sprintf(`SELECT at / %d, COUNT(*) FROM livecode_scans WHERE code_id = $1 AND at >= $2 GROUP BY 1 ORDER BY 1`, dayMs),
		code, sqldb.Ms(since))
	if err != nil {
		return livecode.Stats{}, err
	}
	for _, d := range days {
		st.PerDay = append(st.PerDay, livecode.DayCount{Day: time.UnixMilli(d.key * dayMs).UTC().Format(time.DateOnly), Scans: int(d.n)})
	}
	return st, nil
}
