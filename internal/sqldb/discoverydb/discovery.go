// Package discoverydb keeps discovery on the shared storage core: shared
// locations with their grid cells, shakes, drift bottles with their
// conversations, and the rate-limit counters, in tables of its own.
package discoverydb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements discovery.Store.
type Store struct{ db *sqldb.DB }

var _ discovery.Store = Store{}

// New returns the discovery store on db.
func New(db *sqldb.DB) Store { return Store{db} }

func cardJSON(c discovery.Card) (string, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return "", sqldb.Internal(err)
	}
	return string(raw), nil
}

func parseCard(raw string) (discovery.Card, error) {
	var c discovery.Card
	return c, json.Unmarshal([]byte(raw), &c)
}

// SetSpot stores s in place of the user's previous spot.
func (s Store) SetSpot(ctx context.Context, sp discovery.Spot) error {
	if sp.User <= 0 {
		return sqldb.Invalid("a spot needs a user")
	}
	card, err := cardJSON(sp.Card)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO discovery_spots (user_id, lat, lon, cell0, cell1, cell2, gender, card, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (user_id) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, cell0 = excluded.cell0, cell1 = excluded.cell1,
				cell2 = excluded.cell2, gender = excluded.gender, card = excluded.card, updated = excluded.updated`,
			int64(sp.User), sp.Point.Lat, sp.Point.Lon, sp.Cells[0], sp.Cells[1], sp.Cells[2], int64(sp.Card.Gender), card, sqldb.Ms(sp.Updated))
		return sqldb.Internal(err)
	})
}

// ClearSpot removes user's spot.
func (s Store) ClearSpot(ctx context.Context, user hongyan.UserID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`DELETE FROM discovery_spots WHERE user_id = $1`, int64(user))
		return sqldb.Internal(err)
	})
}

const spotCols = `s.user_id, s.lat, s.lon, s.cell0, s.cell1, s.cell2, s.card, s.updated`

func scanSpot(scan func(...any) error) (discovery.Spot, error) {
	var sp discovery.Spot
	var user, updated int64
	var card string
	if err := scan(&user, &sp.Point.Lat, &sp.Point.Lon, &sp.Cells[0], &sp.Cells[1], &sp.Cells[2], &card, &updated); err != nil {
		return sp, err
	}
	sp.User, sp.Updated = hongyan.UserID(user), sqldb.Tm(updated)
	var err error
	sp.Card, err = parseCard(card)
	return sp, err
}

// Spot returns user's spot.
func (s Store) Spot(ctx context.Context, user hongyan.UserID) (discovery.Spot, error) {
	sps, err := sqldb.QueryAll(ctx, s.db, scanSpot, `SELECT `+spotCols+` FROM discovery_spots s WHERE s.user_id = $1`, int64(user))
	if err != nil {
		return discovery.Spot{}, err
	}
	if len(sps) == 0 {
		return discovery.Spot{}, sqldb.NotFound("no shared location")
	}
	return sps[0], nil
}

// values returns ids padded to a power of two with -1 (no cell's key), so
// that few distinct statements are prepared.
func values(ids []int64) ([]any, int) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	for i := range n {
		args[i] = int64(-1)
		if i < len(ids) {
			args[i] = ids[i]
		}
	}
	return args, n
}

var idTypes = []string{"BIGINT"}

// maxCells bounds the cells of one query.
const maxCells = 256

// Around returns spots in cells: one index probe per cell (a join on the
// list of cells, as momentsdb does for authors).
func (s Store) Around(ctx context.Context, user hongyan.UserID, cells []int64, level int, since time.Time, g discovery.Gender, limit int) ([]discovery.Spot, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, nil
	}
	if len(cells) > maxCells {
		return nil, sqldb.Invalid("too many cells")
	}
	if level < 0 || level >= len(discovery.Levels) {
		return nil, sqldb.Invalid("no such level")
	}
	col := fmt.Sprintf("cell%d", level)
	args, n := values(cells)
	args = append(args, int64(user), sqldb.Ms(since), int64(g), int64(limit))
	// On SQLite, CROSS JOIN keeps the list of cells as the outer loop.
	join := "JOIN"
	if s.db.Dialect().Name == "sqlite" {
		join = "CROSS JOIN"
	}
	tail := fmt.Sprintf(`) AS v `+join+` discovery_spots s ON s.%s = v.column1 AND s.updated >= $%d
		WHERE s.user_id <> $%d AND ($%d = 0 OR s.gender = $%d) LIMIT $%d`, col, n+2, n+1, n+3, n+3, n+4)
	return sqldb.QueryAll(ctx, s.db, scanBare, s.db.Dialect().RowsSQL(`SELECT `+bareCols+` FROM (VALUES `, n, idTypes, tail), args...)
}

// bareCols are a spot's columns without its card: a query nearby reads
// many spots and shows a few.
const bareCols = `s.user_id, s.lat, s.lon, s.cell0, s.cell1, s.cell2, s.updated`

func scanBare(scan func(...any) error) (discovery.Spot, error) {
	var sp discovery.Spot
	var user, updated int64
	err := scan(&user, &sp.Point.Lat, &sp.Point.Lon, &sp.Cells[0], &sp.Cells[1], &sp.Cells[2], &updated)
	sp.User, sp.Updated = hongyan.UserID(user), sqldb.Tm(updated)
	return sp, err
}

// Cards returns the cards of users' spots.
func (s Store) Cards(ctx context.Context, users []hongyan.UserID) (map[hongyan.UserID]discovery.Card, error) {
	out := make(map[hongyan.UserID]discovery.Card, len(users))
	if len(users) == 0 {
		return out, nil
	}
	args, n, err := userValues(users)
	if err != nil {
		return nil, err
	}
	type row struct {
		user hongyan.UserID
		card discovery.Card
	}
	rows, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (row, error) {
		var r row
		var user int64
		var card string
		if err := scan(&user, &card); err != nil {
			return r, err
		}
		r.user = hongyan.UserID(user)
		var err error
		r.card, err = parseCard(card)
		return r, err
	}, s.db.Dialect().RowsSQL(`SELECT s.user_id, s.card FROM (VALUES `, n, idTypes, `) AS v JOIN discovery_spots s ON s.user_id = v.column1`), args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.user] = r.card
	}
	return out, nil
}

// PruneSpots removes spots updated before before.
func (s Store) PruneSpots(ctx context.Context, before time.Time) (int, error) {
	return s.prune(ctx, `DELETE FROM discovery_spots WHERE updated < $1`, sqldb.Ms(before))
}

func (s Store) prune(ctx context.Context, q string, args ...any) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(q, args...)
		return sqldb.Internal(err)
	})
	return int(n), err
}

// AddShake stores sh, unmatched, in place of the user's previous shake.
func (s Store) AddShake(ctx context.Context, sh discovery.Shake) error {
	if sh.User <= 0 {
		return sqldb.Invalid("a shake needs a user")
	}
	card, err := cardJSON(sh.Card)
	if err != nil {
		return err
	}
	sh.Match = 0
	return s.db.Write(ctx, func(t *sqldb.Tx) error { return addShake(t, sh, card) })
}

// addShake writes sh in place of the user's previous shake, matched with
// sh.Match (0: waiting).
func addShake(t *sqldb.Tx, sh discovery.Shake, card string) error {
	_, err := t.Exec(`INSERT INTO discovery_shakes (user_id, at, lat, lon, located, card, matched_with)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (user_id) DO UPDATE SET at = excluded.at, lat = excluded.lat, lon = excluded.lon,
			located = excluded.located, card = excluded.card, matched_with = excluded.matched_with`,
		int64(sh.User), sqldb.Ms(sh.At), sh.Point.Lat, sh.Point.Lon, sh.Located, card, int64(sh.Match))
	return sqldb.Internal(err)
}

// ShakeAndPair stores sh and pairs it with the first of candidates still
// waiting, in one transaction: the candidate's row is taken only while
// it is unmatched (one statement), so no one is matched twice.
func (s Store) ShakeAndPair(ctx context.Context, sh discovery.Shake, candidates []hongyan.UserID, since time.Time) (hongyan.UserID, []hongyan.Change, error) {
	if sh.User <= 0 {
		return 0, nil, sqldb.Invalid("a shake needs a user")
	}
	if len(candidates) > discovery.MaxCandidates {
		return 0, nil, sqldb.Invalid("at most %d candidates", discovery.MaxCandidates)
	}
	for _, c := range candidates {
		if c <= 0 || c == sh.User {
			return 0, nil, sqldb.Invalid("a candidate is another user")
		}
	}
	card, err := cardJSON(sh.Card)
	if err != nil {
		return 0, nil, err
	}
	// The first candidate still waiting is taken by one statement (its
	// row changes only while it is unmatched); then the caller's shake
	// is written, matched with it or waiting. On PostgreSQL both are one
	// statement, one round trip: the pick is a data-modifying CTE whose
	// result the upsert of the caller's shake reads.
	var pick string
	args := []any{int64(sh.User), sqldb.Ms(since)}
	pg := s.db.Dialect().Name == "postgres"
	if len(candidates) > 0 {
		if pg {
			args = append(args, sqldb.Ms(sh.At), sh.Point.Lat, sh.Point.Lon, sh.Located, card)
		}
		in := make([]string, len(candidates))
		order := make([]string, len(candidates))
		for i, c := range candidates {
			args = append(args, int64(c))
			ph := "$" + strconv.Itoa(len(args))
			in[i], order[i] = ph, "WHEN "+ph+" THEN "+strconv.Itoa(i)
		}
		first := `SELECT user_id FROM discovery_shakes
				WHERE matched_with = 0 AND at >= $2 AND user_id IN (` + strings.Join(in, ", ") + `)
				ORDER BY CASE user_id ` + strings.Join(order, " ") + ` END LIMIT 1`
		pick = `UPDATE discovery_shakes SET matched_with = $1
			WHERE matched_with = 0 AND at >= $2 AND user_id = (` + first + `)
			RETURNING user_id`
		if pg {
			// SKIP LOCKED: a candidate another node's open transaction is
			// taking is passed over for the next, not waited for (rows
			// this transaction changed are its own, never skipped).
			pick = `WITH pick AS (UPDATE discovery_shakes SET matched_with = $1
				WHERE matched_with = 0 AND at >= $2 AND user_id = (` + first + ` FOR UPDATE SKIP LOCKED)
				RETURNING user_id)
			INSERT INTO discovery_shakes (user_id, at, lat, lon, located, card, matched_with)
			VALUES ($1, $3, $4, $5, $6, $7, COALESCE((SELECT user_id FROM pick), 0))
			ON CONFLICT (user_id) DO UPDATE SET at = excluded.at, lat = excluded.lat, lon = excluded.lon,
				located = excluded.located, card = excluded.card, matched_with = excluded.matched_with
			RETURNING matched_with`
		}
	}
	var other hongyan.UserID
	var out []hongyan.Change
	err = s.db.Write(ctx, func(t *sqldb.Tx) error {
		other, out = 0, nil
		if pick != "" {
			var o int64
			found, err := t.Write(pick, args, &o)
			if err != nil {
				return sqldb.Internal(err)
			}
			if found {
				other = hongyan.UserID(o)
			} else if pg {
				return sqldb.Internal(errors.New("the shake's upsert returned no row"))
			}
		}
		if !pg || pick == "" {
			me := sh
			me.Match = other
			if err := addShake(t, me, card); err != nil {
				return err
			}
		}
		if other == 0 {
			return nil
		}
		// With the batch's other entries, before the commit.
		return t.DeferChanges([]hongyan.Change{
			{User: sh.User, Kind: hongyan.ChangeShake, Ref: int64(other)},
			{User: other, Kind: hongyan.ChangeShake, Ref: int64(sh.User)},
		}, &out)
	})
	if err != nil {
		return 0, nil, err
	}
	return other, out, nil
}

const shakeCols = `user_id, at, lat, lon, located, card, matched_with`

func scanShake(scan func(...any) error) (discovery.Shake, error) {
	var sh discovery.Shake
	var user, at, match int64
	var card string
	if err := scan(&user, &at, &sh.Point.Lat, &sh.Point.Lon, &sh.Located, &card, &match); err != nil {
		return sh, err
	}
	sh.User, sh.At, sh.Match = hongyan.UserID(user), sqldb.Tm(at), hongyan.UserID(match)
	var err error
	sh.Card, err = parseCard(card)
	return sh, err
}

// Shakers returns waiting shakes since since, oldest first.
func (s Store) Shakers(ctx context.Context, user hongyan.UserID, since time.Time, limit int) ([]discovery.Shake, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanShake, `SELECT `+shakeCols+` FROM discovery_shakes
		WHERE matched_with = 0 AND at >= $1 AND user_id <> $2 ORDER BY at, user_id LIMIT $3`, sqldb.Ms(since), int64(user), limit)
}

var errTaken = errors.New("discoverydb: taken meanwhile")

// Pair matches a and b when both still wait: one statement that changes
// both rows or none. It counts first that both wait, so that a pairing
// that cannot be changes nothing and leaves the write batch in its fast
// mode (a statement that changed one row would make the writer roll the
// batch back and run it again with a savepoint for each operation). Only
// when another node's transaction took one of the two between the count
// and the update (PostgreSQL) does it change one row: then it is rolled
// back.
func (s Store) Pair(ctx context.Context, a, b hongyan.UserID, since time.Time) ([]hongyan.Change, bool, hongyan.UserID, error) {
	if a <= 0 || b <= 0 || a == b {
		return nil, false, 0, sqldb.Invalid("a pair needs two users")
	}
	var out []hongyan.Change
	var matched int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		var err error
		if t.Dialect().Name == "postgres" {
			// One round trip: the pairing, and a's match as the
			// statement's snapshot had it (before this update).
			// The row always comes back; the operation changed
			// something only when it paired (a failed one leaves the
			// batch in fast mode).
			_, err = t.Read(`WITH u AS (`+pairUpdate+` RETURNING 1)
				SELECT (SELECT COUNT(*) FROM u), COALESCE((SELECT matched_with FROM discovery_shakes WHERE user_id = $1), 0)`,
				[]any{int64(a), int64(b), sqldb.Ms(since)}, &n, &matched)
			if err == nil && n > 0 {
				t.MarkDirty()
			}
		} else {
			n, err = t.Exec(pairUpdate, int64(a), int64(b), sqldb.Ms(since))
			if err == nil && n != 2 {
				_, err = t.Read(`SELECT matched_with FROM discovery_shakes WHERE user_id = $1`, []any{int64(a)}, &matched)
			}
		}
		if err != nil {
			return sqldb.Internal(err)
		}
		if n != 2 {
			return errTaken
		}
		matched = 0
		return t.DeferChanges([]hongyan.Change{
			{User: a, Kind: hongyan.ChangeShake, Ref: int64(b)},
			{User: b, Kind: hongyan.ChangeShake, Ref: int64(a)},
		}, &out)
	})
	if errors.Is(err, errTaken) {
		return nil, false, hongyan.UserID(matched), nil
	}
	if err != nil {
		return nil, false, 0, err
	}
	return out, true, 0, nil
}

// pairUpdate matches the shakes of $1 and $2 made at or after $3 when
// both are still unmatched (else it changes nothing).
const pairUpdate = `UPDATE discovery_shakes SET matched_with = CASE WHEN user_id = $1 THEN $2 ELSE $1 END
	WHERE user_id IN ($1, $2) AND matched_with = 0 AND at >= $3
		AND (SELECT COUNT(*) FROM discovery_shakes WHERE user_id IN ($1, $2) AND matched_with = 0 AND at >= $3) = 2`

// ShakeOf returns user's latest shake.
func (s Store) ShakeOf(ctx context.Context, user hongyan.UserID) (discovery.Shake, error) {
	shs, err := sqldb.QueryAll(ctx, s.db, scanShake, `SELECT `+shakeCols+` FROM discovery_shakes WHERE user_id = $1`, int64(user))
	if err != nil {
		return discovery.Shake{}, err
	}
	if len(shs) == 0 {
		return discovery.Shake{}, sqldb.NotFound("no shake")
	}
	return shs[0], nil
}

// userValues is users as the arguments of a VALUES list (n rows), at
// most maxCells of them.
func userValues(users []hongyan.UserID) (args []any, n int, err error) {
	if len(users) > maxCells {
		return nil, 0, sqldb.Invalid("too many users")
	}
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = int64(u)
	}
	args, n = values(ids)
	return args, n, nil
}

// ShakesOf returns the latest shakes of users (those without one are
// left out), in no set order: one index probe per user.
func (s Store) ShakesOf(ctx context.Context, users []hongyan.UserID) ([]discovery.Shake, error) {
	if len(users) == 0 {
		return nil, nil
	}
	args, n, err := userValues(users)
	if err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanShake, s.db.Dialect().RowsSQL(`SELECT s.user_id, s.at, s.lat, s.lon, s.located, s.card, s.matched_with
		FROM (VALUES `, n, idTypes, `) AS v JOIN discovery_shakes s ON s.user_id = v.column1`), args...)
}

// PruneShakes removes shakes made before before.
func (s Store) PruneShakes(ctx context.Context, before time.Time) (int, error) {
	return s.prune(ctx, `DELETE FROM discovery_shakes WHERE at < $1`, sqldb.Ms(before))
}

// Throw stores a drifting bottle.
func (s Store) Throw(ctx context.Context, b discovery.Bottle) (discovery.Bottle, error) {
	if b.Thrower <= 0 {
		return b, sqldb.Invalid("a bottle needs a thrower")
	}
	b.Created, b.Expires = sqldb.Tm(sqldb.Ms(b.Created)), sqldb.Tm(sqldb.Ms(b.Expires))
	b.Picker, b.Replied = 0, false
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Write(`INSERT INTO discovery_bottles (thrower, text, created, expires, picker, replied, voice, voice_ms)
			VALUES ($1, $2, $3, $4, 0, false, $5, $6) RETURNING id`,
			[]any{int64(b.Thrower), b.Text, sqldb.Ms(b.Created), sqldb.Ms(b.Expires), b.Voice, int64(b.VoiceMS)}, &b.ID)
		return sqldb.Internal(err)
	})
	return b, err
}

const bottleCols = `id, thrower, text, created, expires, picker, replied, voice, voice_ms`

func scanBottle(scan func(...any) error) (discovery.Bottle, error) {
	var b discovery.Bottle
	var thrower, created, expires, picker, voiceMS int64
	err := scan(&b.ID, &thrower, &b.Text, &created, &expires, &picker, &b.Replied, &b.Voice, &voiceMS)
	b.Thrower, b.Created, b.Expires, b.Picker = hongyan.UserID(thrower), sqldb.Tm(created), sqldb.Tm(expires), hongyan.UserID(picker)
	b.VoiceMS = int(voiceMS)
	return b, err
}

// CanHear reports whether user threw or holds one of thrower's bottles
// that carries voice.
func (s Store) CanHear(ctx context.Context, thrower, user hongyan.UserID, voice string) (bool, error) {
	if voice == "" {
		return false, nil
	}
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM discovery_bottles WHERE thrower = $1 AND voice = $2 AND (thrower = $3 OR picker = $3)`,
		[]any{int64(thrower), voice, int64(user)}, &n)
	return n > 0, err
}

// pickable is what a user may pick, below or from a random ID.
const pickable = ` FROM discovery_bottles b WHERE b.picker = 0 AND b.thrower <> $1 AND b.expires > $2
	AND NOT EXISTS (SELECT 1 FROM discovery_bottle_returns r WHERE r.user_id = $1 AND r.bottle = b.id)`

// Pick gives user a random drifting bottle: from a random ID in the range
// of drifting ones, the next pickable one up (or, above the last, down).
func (s Store) Pick(ctx context.Context, user hongyan.UserID, now time.Time) (discovery.Bottle, error) {
	var b discovery.Bottle
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var lo, hi *int64
		if _, err := t.Read(`SELECT MIN(id), MAX(id) FROM discovery_bottles WHERE picker = 0`, nil, &lo, &hi); err != nil {
			return sqldb.Internal(err)
		}
		if lo == nil || hi == nil {
			return sqldb.NotFound("the sea is empty")
		}
		r := *lo + rand.Int64N(*hi-*lo+1)
		var id int64
		found, err := t.Read(`SELECT b.id`+pickable+` AND b.id >= $3 ORDER BY b.id LIMIT 1`, []any{int64(user), sqldb.Ms(now), r}, &id)
		if err == nil && !found {
			found, err = t.Read(`SELECT b.id`+pickable+` AND b.id < $3 ORDER BY b.id DESC LIMIT 1`, []any{int64(user), sqldb.Ms(now), r}, &id)
		}
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("the sea is empty")
		}
		found, err = t.ReadScan(`UPDATE discovery_bottles SET picker = $1 WHERE id = $2 AND picker = 0 RETURNING `+bottleCols,
			[]any{int64(user), id}, func(scan func(...any) error) error {
				var err error
				b, err = scanBottle(scan)
				return err
			})
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("the sea is empty")
		}
		t.MarkDirty()
		return nil
	})
	return b, err
}

// Return lets the bottle user holds drift again, never to be picked by
// user again.
func (s Store) Return(ctx context.Context, user hongyan.UserID, id int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE discovery_bottles SET picker = 0 WHERE id = $1 AND picker = $2 AND NOT replied`, id, int64(user))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such bottle held")
		}
		_, err = t.Exec(`INSERT INTO discovery_bottle_returns (user_id, bottle) VALUES ($1, $2) ON CONFLICT DO NOTHING`, int64(user), id)
		return sqldb.Internal(err)
	})
}

// Bottle returns bottle id.
func (s Store) Bottle(ctx context.Context, id int64) (discovery.Bottle, error) {
	bs, err := sqldb.QueryAll(ctx, s.db, scanBottle, `SELECT `+bottleCols+` FROM discovery_bottles WHERE id = $1`, id)
	if err != nil {
		return discovery.Bottle{}, err
	}
	if len(bs) == 0 {
		return discovery.Bottle{}, sqldb.NotFound("no such bottle")
	}
	return bs[0], nil
}

// AddMessage stores a message of a bottle's conversation.
func (s Store) AddMessage(ctx context.Context, m discovery.BottleMessage, notify []hongyan.UserID) (discovery.BottleMessage, []hongyan.Change, error) {
	m.Created = sqldb.Tm(sqldb.Ms(m.Created))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE discovery_bottles SET replied = true WHERE id = $1 AND picker <> 0`, m.Bottle)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such bottle held")
		}
		if _, err := t.Write(`INSERT INTO discovery_bottle_messages (bottle, from_thrower, text, created) VALUES ($1, $2, $3, $4) RETURNING id`,
			[]any{m.Bottle, m.FromThrower, m.Text, sqldb.Ms(m.Created)}, &m.ID); err != nil {
			return sqldb.Internal(err)
		}
		changes := make([]hongyan.Change, 0, len(notify))
		for _, u := range notify {
			changes = append(changes, hongyan.Change{User: u, Kind: hongyan.ChangeBottle, Ref: m.Bottle})
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return m, out, err
}

// BottlesOf returns the bottles user threw or holds, newest first.
func (s Store) BottlesOf(ctx context.Context, user hongyan.UserID, limit int) ([]discovery.Bottle, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanBottle, `SELECT `+bottleCols+` FROM (
		SELECT * FROM (SELECT `+bottleCols+` FROM discovery_bottles WHERE thrower = $1 ORDER BY id DESC LIMIT $2) a
		UNION ALL
		SELECT * FROM (SELECT `+bottleCols+` FROM discovery_bottles WHERE picker = $1 ORDER BY id DESC LIMIT $2) b
	) u ORDER BY id DESC LIMIT $2`, int64(user), limit)
}

const messageCols = `id, bottle, from_thrower, text, created`

func scanMessage(scan func(...any) error) (discovery.BottleMessage, error) {
	var m discovery.BottleMessage
	var created int64
	err := scan(&m.ID, &m.Bottle, &m.FromThrower, &m.Text, &created)
	m.Created = sqldb.Tm(created)
	return m, err
}

// Messages returns bottle's messages, oldest first.
func (s Store) Messages(ctx context.Context, bottle int64, limit int) ([]discovery.BottleMessage, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanMessage, `SELECT `+messageCols+` FROM discovery_bottle_messages
		WHERE bottle = $1 ORDER BY id LIMIT $2`, bottle, limit)
}

// PruneBottles removes expired bottles that were never answered.
func (s Store) PruneBottles(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`DELETE FROM discovery_bottle_returns WHERE bottle IN
			(SELECT id FROM discovery_bottles WHERE expires < $1 AND NOT replied)`, sqldb.Ms(before)); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		n, err = t.Exec(`DELETE FROM discovery_bottles WHERE expires < $1 AND NOT replied`, sqldb.Ms(before))
		return sqldb.Internal(err)
	})
	return int(n), err
}

// Take counts one use of what by user in period when fewer than max were:
// an upsert whose update applies only then, so that it is one atomic
// statement on either engine and every node shares the count.
func (s Store) Take(ctx context.Context, user hongyan.UserID, what string, period int64, max int) (bool, error) {
	if max <= 0 {
		return false, nil
	}
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(`INSERT INTO discovery_quotas (user_id, what, period, used) VALUES ($1, $2, $3, 1)
			ON CONFLICT (user_id, what) DO UPDATE SET period = excluded.period,
				used = CASE WHEN discovery_quotas.period = excluded.period THEN discovery_quotas.used + 1 ELSE 1 END
			WHERE discovery_quotas.period <> excluded.period OR discovery_quotas.used < $4`,
			int64(user), what, period, int64(max))
		return sqldb.Internal(err)
	})
	return n > 0, err
}
