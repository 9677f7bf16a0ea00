// Package officialacctdb is the official-account feature's storage on the
// shared SQL core: its tables are the oa_* ones of its migrations.
package officialacctdb

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
	"hongyan/internal/sqldb"
)

// Store implements officialacct.Store.
type Store struct{ db *sqldb.DB }

var _ oa.Store = Store{}

// New returns the official-account store on db.
func New(db *sqldb.DB) Store { return Store{db} }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// ---- organisations and accounts ----

// EnsureOrg returns the organisation named name, creating it when new.
func (s Store) EnsureOrg(ctx context.Context, name string, owner hongyan.UserID, at time.Time) (oa.Org, error) {
	var o oa.Org
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		o = oa.Org{Name: name}
		var own, created int64
		found, err := t.Read(`SELECT id, owner, created FROM oa_orgs WHERE name = $1`, []any{name}, &o.ID, &own, &created)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			own, created = int64(owner), sqldb.Ms(at)
			if _, err := t.Write(`INSERT INTO oa_orgs (name, owner, created) VALUES ($1, $2, $3) RETURNING id`,
				[]any{name, own, created}, &o.ID); err != nil {
				return sqldb.Internal(err)
			}
		}
		o.Owner, o.Created = hongyan.UserID(own), sqldb.Tm(created)
		return nil
	})
	return o, err
}

// Org returns organisation id.
func (s Store) Org(ctx context.Context, id int64) (oa.Org, error) {
	o := oa.Org{ID: id}
	var own, created int64
	found, err := s.db.QueryRow(ctx, `SELECT name, owner, created FROM oa_orgs WHERE id = $1`, []any{id}, &o.Name, &own, &created)
	if err != nil {
		return oa.Org{}, err
	}
	if !found {
		return oa.Org{}, sqldb.NotFound("no such organisation")
	}
	o.Owner, o.Created = hongyan.UserID(own), sqldb.Tm(created)
	return o, nil
}

const accountCols = `id, org, appid, original_id, name, intro, avatar, kind, verified, secret_hash, settings, created`

func scanAccount(scan func(...any) error) (oa.Account, error) {
	var a oa.Account
	var id, kind, verified, created int64
	var settings string
	err := scan(&id, &a.Org, &a.AppID, &a.OriginalID, &a.Name, &a.Intro, &a.Avatar, &kind, &verified, &a.SecretHash, &settings, &created)
	a.ID, a.Kind, a.Verified, a.Created = oa.AccountID(id), oa.Kind(kind), verified != 0, sqldb.Tm(created)
	if err == nil && settings != "" {
		var st settingsJSON
		if err = json.Unmarshal([]byte(settings), &st); err == nil {
			a.Settings = oa.Settings(st)
		}
	}
	return a, err
}

// settingsJSON is the stored form of oa.Settings.
type settingsJSON struct {
	Welcome      *oa.Content `json:"welcome,omitempty"`
	DefaultReply *oa.Content `json:"default_reply,omitempty"`
	Menu         *oa.Menu    `json:"menu,omitempty"`
	Server       oa.Server   `json:"server"`
	IPAllow      []string    `json:"ip_allow,omitempty"`
	OAuthDomains []string    `json:"oauth_domains,omitempty"`
}

func encodeSettings(st oa.Settings) string {
	return jsonText(settingsJSON(st))
}

// CreateAccount stores a with admin as its first operator.
func (s Store) CreateAccount(ctx context.Context, a oa.Account, admin hongyan.UserID) (oa.Account, error) {
	if a.Org <= 0 || admin <= 0 || a.AppID == "" || a.OriginalID == "" {
		return oa.Account{}, sqldb.Invalid("an account needs an organisation, an admin and its IDs")
	}
	a.Created = sqldb.Tm(sqldb.Ms(a.Created))
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var id int64
		if _, err := t.Write(`INSERT INTO oa_accounts (org, appid, original_id, name, lname, intro, avatar, kind, verified, secret_hash, settings, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			[]any{a.Org, a.AppID, a.OriginalID, a.Name, strings.ToLower(a.Name), a.Intro, a.Avatar, int64(a.Kind), b2i(a.Verified),
				sqldb.NonNil(a.SecretHash), encodeSettings(a.Settings), sqldb.Ms(a.Created)}, &id); err != nil {
			if t.Dialect().IsUnique(err) {
				return hongyan.Errorf(hongyan.CodeExists, "AppID or original ID taken")
			}
			return sqldb.Internal(err)
		}
		a.ID = oa.AccountID(id)
		if _, err := t.Exec(`INSERT INTO oa_operators (account, user_id, role) VALUES ($1, $2, $3)`, id, int64(admin), int64(oa.RoleAdmin)); err != nil {
			return sqldb.Internal(err)
		}
		return nil
	})
	return a, err
}

func (s Store) account(ctx context.Context, where string, arg any) (oa.Account, error) {
	as, err := sqldb.QueryAll(ctx, s.db, scanAccount, `SELECT `+accountCols+` FROM oa_accounts WHERE `+where, arg)
	if err != nil {
		return oa.Account{}, err
	}
	if len(as) == 0 {
		return oa.Account{}, sqldb.NotFound("no such official account")
	}
	return as[0], nil
}

// Account returns account id.
func (s Store) Account(ctx context.Context, id oa.AccountID) (oa.Account, error) {
	return s.account(ctx, `id = $1`, int64(id))
}

// AccountByAppID returns the account with AppID appid.
func (s Store) AccountByAppID(ctx context.Context, appid string) (oa.Account, error) {
	return s.account(ctx, `appid = $1`, appid)
}

// SearchAccounts finds accounts by name, AppID or original ID.
func (s Store) SearchAccounts(ctx context.Context, query string, limit int) ([]oa.Account, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanAccount, `SELECT `+accountCols+` FROM oa_accounts
		WHERE lname LIKE $1 ESCAPE '\' OR appid = $2 OR original_id = $2 ORDER BY id LIMIT $3`,
		sqldb.LikePattern(strings.ToLower(query)), query, limit)
}

// UpdateProfile sets an account's name, intro, avatar and verified flag.
func (s Store) UpdateProfile(ctx context.Context, a oa.Account) error {
	return s.exec(ctx, "no such official account", `UPDATE oa_accounts SET name = $2, lname = $3, intro = $4, avatar = $5, verified = $6 WHERE id = $1`,
		int64(a.ID), a.Name, strings.ToLower(a.Name), a.Intro, a.Avatar, b2i(a.Verified))
}

// SetSettings replaces an account's settings.
func (s Store) SetSettings(ctx context.Context, id oa.AccountID, st oa.Settings) error {
	return s.exec(ctx, "no such official account", `UPDATE oa_accounts SET settings = $2 WHERE id = $1`, int64(id), encodeSettings(st))
}

// SetSecretHash replaces an account's AppSecret hash.
func (s Store) SetSecretHash(ctx context.Context, id oa.AccountID, hash []byte) error {
	return s.exec(ctx, "no such official account", `UPDATE oa_accounts SET secret_hash = $2 WHERE id = $1`, int64(id), sqldb.NonNil(hash))
}

// exec runs one writing statement; no row changed is notFound.
func (s Store) exec(ctx context.Context, notFound string, q string, args ...any) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(q, args...)
		if err != nil {
			if t.Dialect().IsUnique(err) {
				return hongyan.Errorf(hongyan.CodeExists, "name taken")
			}
			return sqldb.Internal(err)
		}
		if n == 0 && notFound != "" {
			return sqldb.NotFound("%s", notFound)
		}
		return nil
	})
}

// SetOperator gives user role on the account; RoleNone removes them.
func (s Store) SetOperator(ctx context.Context, id oa.AccountID, user hongyan.UserID, role oa.Role) error {
	if role == oa.RoleNone {
		return s.exec(ctx, "", `DELETE FROM oa_operators WHERE account = $1 AND user_id = $2`, int64(id), int64(user))
	}
	return s.exec(ctx, "", `INSERT INTO oa_operators (account, user_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (account, user_id) DO UPDATE SET role = excluded.role`, int64(id), int64(user), int64(role))
}

// Operator returns user's role on the account.
func (s Store) Operator(ctx context.Context, id oa.AccountID, user hongyan.UserID) (oa.Role, error) {
	var r int64
	_, err := s.db.QueryRow(ctx, `SELECT role FROM oa_operators WHERE account = $1 AND user_id = $2`, []any{int64(id), int64(user)}, &r)
	return oa.Role(r), err
}

// Operators returns the account's operators.
func (s Store) Operators(ctx context.Context, id oa.AccountID) (map[hongyan.UserID]oa.Role, error) {
	type op struct{ u, r int64 }
	ops, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (op, error) {
		var o op
		return o, scan(&o.u, &o.r)
	}, `SELECT user_id, role FROM oa_operators WHERE account = $1`, int64(id))
	if err != nil {
		return nil, err
	}
	out := make(map[hongyan.UserID]oa.Role, len(ops))
	for _, o := range ops {
		out[hongyan.UserID(o.u)] = oa.Role(o.r)
	}
	return out, nil
}

// Operated returns the accounts user operates.
func (s Store) Operated(ctx context.Context, user hongyan.UserID) ([]oa.Account, error) {
	return sqldb.QueryAll(ctx, s.db, scanAccount, `SELECT `+accountCols+` FROM oa_accounts
		WHERE id IN (SELECT account FROM oa_operators WHERE user_id = $1) ORDER BY id`, int64(user))
}

// ---- fans ----

const fanCols = `f.account, f.user_id, f.openid, COALESCE(u.unionid, ''), f.following, f.since, f.scene, f.qr_scene, f.qr_scene_str, f.remark, f.blocked, f.last_in`

const fanFrom = ` FROM oa_fans f JOIN oa_accounts a ON a.id = f.account LEFT JOIN oa_unions u ON u.org = a.org AND u.user_id = f.user_id `

func scanFan(scan func(...any) error) (oa.Fan, error) {
	var f oa.Fan
	var acct, user, following, since, blocked, lastIn int64
	err := scan(&acct, &user, &f.OpenID, &f.UnionID, &following, &since, &f.Scene, &f.QRScene, &f.QRSceneStr, &f.Remark, &blocked, &lastIn)
	f.Account, f.User, f.Following, f.Blocked = oa.AccountID(acct), hongyan.UserID(user), following != 0, blocked != 0
	f.Since, f.LastIn = sqldb.Tm(since), sqldb.Tm(lastIn)
	return f, err
}

// withTags fills the fans' tags.
func (s Store) withTags(ctx context.Context, fs []oa.Fan) ([]oa.Fan, error) {
	// One query per chunk of a page (of one account's fans), not one per fan.
	type tagged struct {
		user hongyan.UserID
		tag  int64
	}
	at := make(map[[2]int64]int, len(fs)) // account, user → index in fs
	for i, f := range fs {
		at[[2]int64{int64(f.Account), int64(f.User)}] = i
	}
	for start, n := 0, 0; start < len(fs); start += n {
		n = sqldb.Chunk(len(fs) - start)
		acct := fs[start].Account
		for k := 1; k < n; k++ {
			if fs[start+k].Account != acct {
				n = k // a chunk holds one account's fans
				break
			}
		}
		ph := make([]string, n)
		args := []any{int64(acct)}
		for k := range n {
			ph[k] = "$" + strconv.Itoa(k+2)
			args = append(args, int64(fs[start+k].User))
		}
		ts, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (tagged, error) {
			var u, t int64
			err := scan(&u, &t)
			return tagged{hongyan.UserID(u), t}, err
		}, `SELECT user_id, tag FROM oa_fan_tags WHERE account = $1 AND user_id IN (`+strings.Join(ph, ", ")+`) ORDER BY user_id, tag`, args...)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if i, ok := at[[2]int64{int64(acct), int64(t.user)}]; ok {
				fs[i].Tags = append(fs[i].Tags, t.tag)
			}
		}
	}
	return fs, nil
}

func (s Store) fan(ctx context.Context, where string, args ...any) (oa.Fan, error) {
	fs, err := sqldb.QueryAll(ctx, s.db, scanFan, `SELECT `+fanCols+fanFrom+`WHERE `+where, args...)
	if err != nil {
		return oa.Fan{}, err
	}
	if len(fs) == 0 {
		return oa.Fan{}, sqldb.NotFound("the user is unknown to the account")
	}
	fs, err = s.withTags(ctx, fs)
	if err != nil {
		return oa.Fan{}, err
	}
	return fs[0], nil
}

// Fan returns the user as the account knows them.
func (s Store) Fan(ctx context.Context, id oa.AccountID, user hongyan.UserID) (oa.Fan, error) {
	return s.fan(ctx, `f.account = $1 AND f.user_id = $2`, int64(id), int64(user))
}

// FanByOpenID returns the account's user with openid.
func (s Store) FanByOpenID(ctx context.Context, id oa.AccountID, openid string) (oa.Fan, error) {
	return s.fan(ctx, `f.openid = $1 AND f.account = $2`, openid, int64(id))
}

// ensure inserts the fan and their unionid when missing; reports whether
// they follow.
func ensure(t *sqldb.Tx, id oa.AccountID, user hongyan.UserID, f oa.Follow) (org int64, following bool, err error) {
	if found, err := t.Read(`SELECT org FROM oa_accounts WHERE id = $1`, []any{int64(id)}, &org); err != nil {
		return 0, false, sqldb.Internal(err)
	} else if !found {
		return 0, false, sqldb.NotFound("no such official account")
	}
	if _, err := t.Exec(`INSERT INTO oa_unions (org, user_id, unionid) VALUES ($1, $2, $3) ON CONFLICT (org, user_id) DO NOTHING`,
		org, int64(user), f.UnionID); err != nil {
		return 0, false, sqldb.Internal(err)
	}
	if _, err := t.Exec(`INSERT INTO oa_fans (account, user_id, openid, following, since, scene, qr_scene, qr_scene_str, remark, blocked, last_in)
		VALUES ($1, $2, $3, 0, 0, '', 0, '', '', 0, 0) ON CONFLICT (account, user_id) DO NOTHING`,
		int64(id), int64(user), f.OpenID); err != nil {
		return 0, false, sqldb.Internal(err)
	}
	var fl int64
	if _, err := t.Read(`SELECT following FROM oa_fans WHERE account = $1 AND user_id = $2`, []any{int64(id), int64(user)}, &fl); err != nil {
		return 0, false, sqldb.Internal(err)
	}
	return org, fl != 0, nil
}

// EnsureFan returns the user as the account knows them, creating them.
func (s Store) EnsureFan(ctx context.Context, id oa.AccountID, user hongyan.UserID, f oa.Follow) (oa.Fan, error) {
	if user <= 0 || f.OpenID == "" || f.UnionID == "" {
		return oa.Fan{}, sqldb.Invalid("a fan needs a user, an openid and a unionid")
	}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, _, err := ensure(t, id, user, f)
		return err
	})
	if err != nil {
		return oa.Fan{}, err
	}
	return s.Fan(ctx, id, user)
}

// bump adds to the account's counters of the day of at.
func bump(t *sqldb.Tx, id oa.AccountID, at time.Time, gained, lost, in, out int) error {
	_, err := t.Exec(`INSERT INTO oa_stats (account, day, gained, lost, msg_in, msg_out) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account, day) DO UPDATE SET gained = oa_stats.gained + excluded.gained, lost = oa_stats.lost + excluded.lost,
		msg_in = oa_stats.msg_in + excluded.msg_in, msg_out = oa_stats.msg_out + excluded.msg_out`,
		int64(id), oa.Day(at), gained, lost, in, out)
	return sqldb.Internal(err)
}

// Follow makes user follow the account.
func (s Store) Follow(ctx context.Context, id oa.AccountID, user hongyan.UserID, f oa.Follow, changes []hongyan.Change) (oa.Fan, bool, []hongyan.Change, error) {
	if user <= 0 || f.OpenID == "" || f.UnionID == "" {
		return oa.Fan{}, false, nil, sqldb.Invalid("a follow needs a user, an openid and a unionid")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return oa.Fan{}, false, nil, err
	}
	var first bool
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		first, out = false, nil
		_, following, err := ensure(t, id, user, f)
		if err != nil {
			return err
		}
		at := sqldb.Ms(f.At)
		if following {
			_, err := t.Exec(`UPDATE oa_fans SET last_in = $3 WHERE account = $1 AND user_id = $2`, int64(id), int64(user), at)
			return sqldb.Internal(err)
		}
		first = true
		if _, err := t.Exec(`UPDATE oa_fans SET following = 1, since = $3, scene = $4, qr_scene = $5, qr_scene_str = $6, last_in = $3
			WHERE account = $1 AND user_id = $2`, int64(id), int64(user), at, f.Scene, f.QRScene, f.QRSceneStr); err != nil {
			return sqldb.Internal(err)
		}
		if err := bump(t, id, f.At, 1, 0, 0, 0); err != nil {
			return err
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	if err != nil {
		return oa.Fan{}, false, nil, err
	}
	fan, err := s.Fan(ctx, id, user)
	return fan, first, out, err
}

// Unfollow ends a follow.
func (s Store) Unfollow(ctx context.Context, id oa.AccountID, user hongyan.UserID, at time.Time, changes []hongyan.Change) (oa.Fan, []hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return oa.Fan{}, nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		n, err := t.Exec(`UPDATE oa_fans SET following = 0 WHERE account = $1 AND user_id = $2 AND following = 1`, int64(id), int64(user))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("you do not follow this account")
		}
		if err := bump(t, id, at, 0, 1, 0, 0); err != nil {
			return err
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	if err != nil {
		return oa.Fan{}, nil, err
	}
	fan, err := s.Fan(ctx, id, user)
	return fan, out, err
}

// Touch records the user's interaction.
func (s Store) Touch(ctx context.Context, id oa.AccountID, user hongyan.UserID, at time.Time) error {
	return s.exec(ctx, "the user is unknown to the account", `UPDATE oa_fans SET last_in = $3 WHERE account = $1 AND user_id = $2`,
		int64(id), int64(user), sqldb.Ms(at))
}

// Followers returns a page of followers in openid order.
func (s Store) Followers(ctx context.Context, id oa.AccountID, q oa.FanQuery) ([]oa.Fan, error) {
	if q.Limit <= 0 || q.Limit > oa.MaxPage {
		return nil, sqldb.Invalid("limit %d out of range", q.Limit)
	}
	fs, err := sqldb.QueryAll(ctx, s.db, scanFan, `SELECT `+fanCols+fanFrom+`WHERE f.account = $1 AND f.following = 1 AND f.openid > $2
		AND ($3 = 0 OR EXISTS (SELECT 1 FROM oa_fan_tags g WHERE g.account = f.account AND g.tag = $3 AND g.user_id = f.user_id))
		AND ($4 = '' OR lower(f.remark) LIKE $5 ESCAPE '\' OR f.openid = $4)
		ORDER BY f.openid LIMIT $6`, int64(id), q.After, q.Tag, q.Search, sqldb.LikePattern(strings.ToLower(q.Search)), q.Limit)
	if err != nil {
		return nil, err
	}
	if len(fs) <= 1000 {
		return s.withTags(ctx, fs)
	}
	return fs, nil // large pages (the developer API's follower list) need openids only
}

// CountFollowers counts the account's followers.
func (s Store) CountFollowers(ctx context.Context, id oa.AccountID) (int, error) {
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM oa_fans WHERE account = $1 AND following = 1`, []any{int64(id)}, &n)
	return int(n), err
}

// Following returns the accounts user follows.
func (s Store) Following(ctx context.Context, user hongyan.UserID) ([]oa.AccountID, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (oa.AccountID, error) {
		var id int64
		err := scan(&id)
		return oa.AccountID(id), err
	}, `SELECT account FROM oa_fans WHERE user_id = $1 AND following = 1 ORDER BY account`, int64(user))
}

// SetRemark sets a fan's remark.
func (s Store) SetRemark(ctx context.Context, id oa.AccountID, user hongyan.UserID, remark string) error {
	return s.exec(ctx, "the user is unknown to the account", `UPDATE oa_fans SET remark = $3 WHERE account = $1 AND user_id = $2`, int64(id), int64(user), remark)
}

// SetBlocked blocks or unblocks a fan.
func (s Store) SetBlocked(ctx context.Context, id oa.AccountID, user hongyan.UserID, blocked bool) error {
	return s.exec(ctx, "the user is unknown to the account", `UPDATE oa_fans SET blocked = $3 WHERE account = $1 AND user_id = $2`, int64(id), int64(user), b2i(blocked))
}

// CreateTag adds a tag with the account's next ID.
func (s Store) CreateTag(ctx context.Context, id oa.AccountID, name string) (oa.Tag, error) {
	tag := oa.Tag{Name: name}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Read(`SELECT COALESCE(MAX(id), 99) + 1 FROM oa_tags WHERE account = $1`, []any{int64(id)}, &tag.ID); err != nil {
			return sqldb.Internal(err)
		}
		if _, err := t.Exec(`INSERT INTO oa_tags (account, id, name) VALUES ($1, $2, $3)`, int64(id), tag.ID, name); err != nil {
			if t.Dialect().IsUnique(err) {
				return hongyan.Errorf(hongyan.CodeExists, "a tag of that name exists")
			}
			return sqldb.Internal(err)
		}
		return nil
	})
	return tag, err
}

// Tags returns the account's tags with their follower counts.
func (s Store) Tags(ctx context.Context, id oa.AccountID) ([]oa.Tag, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (oa.Tag, error) {
		var t oa.Tag
		var n int64
		err := scan(&t.ID, &t.Name, &n)
		t.Count = int(n)
		return t, err
	}, `SELECT t.id, t.name, (SELECT COUNT(*) FROM oa_fan_tags g JOIN oa_fans f ON f.account = g.account AND f.user_id = g.user_id
		WHERE g.account = t.account AND g.tag = t.id AND f.following = 1)
		FROM oa_tags t WHERE t.account = $1 ORDER BY t.id`, int64(id))
}

// RenameTag renames a tag.
func (s Store) RenameTag(ctx context.Context, id oa.AccountID, tag int64, name string) error {
	return s.exec(ctx, "no such tag", `UPDATE oa_tags SET name = $3 WHERE account = $1 AND id = $2`, int64(id), tag, name)
}

// DeleteTag removes a tag and its uses.
func (s Store) DeleteTag(ctx context.Context, id oa.AccountID, tag int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM oa_tags WHERE account = $1 AND id = $2`, int64(id), tag)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such tag")
		}
		_, err = t.Exec(`DELETE FROM oa_fan_tags WHERE account = $1 AND tag = $2`, int64(id), tag)
		return sqldb.Internal(err)
	})
}

// TagFans adds or removes tag on users.
func (s Store) TagFans(ctx context.Context, id oa.AccountID, tag int64, users []hongyan.UserID, add bool) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		var one int64
		if found, err := t.Read(`SELECT 1 FROM oa_tags WHERE account = $1 AND id = $2`, []any{int64(id), tag}, &one); err != nil {
			return sqldb.Internal(err)
		} else if !found {
			return sqldb.NotFound("no such tag")
		}
		for _, u := range users {
			if found, err := t.Read(`SELECT 1 FROM oa_fans WHERE account = $1 AND user_id = $2`, []any{int64(id), int64(u)}, &one); err != nil {
				return sqldb.Internal(err)
			} else if !found {
				return sqldb.NotFound("the user is unknown to the account")
			}
			q := `DELETE FROM oa_fan_tags WHERE account = $1 AND tag = $2 AND user_id = $3`
			if add {
				q = `INSERT INTO oa_fan_tags (account, tag, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
			}
			if _, err := t.Exec(q, int64(id), tag, int64(u)); err != nil {
				return sqldb.Internal(err)
			}
		}
		return nil
	})
}

// ---- authoring ----

const ruleCols = `id, account, keyword, mode, priority, reply`

func scanRule(scan func(...any) error) (oa.Rule, error) {
	var r oa.Rule
	var acct, mode, prio int64
	var reply string
	err := scan(&r.ID, &acct, &r.Keyword, &mode, &prio, &reply)
	r.Account, r.Match, r.Priority = oa.AccountID(acct), oa.Match(mode), int(prio)
	if err == nil {
		err = json.Unmarshal([]byte(reply), &r.Reply)
	}
	return r, err
}

// AddRule stores a rule.
func (s Store) AddRule(ctx context.Context, r oa.Rule) (oa.Rule, error) {
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Write(`INSERT INTO oa_rules (account, keyword, mode, priority, reply) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			[]any{int64(r.Account), r.Keyword, int64(r.Match), int64(r.Priority), jsonText(r.Reply)}, &r.ID)
		return sqldb.Internal(err)
	})
	return r, err
}

// Rules returns the account's rules, highest priority first.
func (s Store) Rules(ctx context.Context, id oa.AccountID) ([]oa.Rule, error) {
	return sqldb.QueryAll(ctx, s.db, scanRule, `SELECT `+ruleCols+` FROM oa_rules WHERE account = $1 ORDER BY priority DESC, id`, int64(id))
}

// DeleteRule removes a rule.
func (s Store) DeleteRule(ctx context.Context, id oa.AccountID, rule int64) error {
	return s.exec(ctx, "no such rule", `DELETE FROM oa_rules WHERE account = $1 AND id = $2`, int64(id), rule)
}

const articleCols = `id, account, title, author, digest, cover, body, state, created, updated, published`

func scanArticle(scan func(...any) error) (oa.Article, error) {
	var a oa.Article
	var acct, state, created, updated, published int64
	var body string
	err := scan(&a.ID, &acct, &a.Title, &a.Author, &a.Digest, &a.Cover, &body, &state, &created, &updated, &published)
	a.Account, a.State = oa.AccountID(acct), oa.ArticleState(state)
	a.Created, a.Updated = sqldb.Tm(created), sqldb.Tm(updated)
	if published != 0 {
		a.Published = sqldb.Tm(published)
	}
	if err == nil {
		err = json.Unmarshal([]byte(body), &a.Body)
	}
	return a, err
}

func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return sqldb.Ms(t)
}

// SaveArticle stores a new article or replaces one.
func (s Store) SaveArticle(ctx context.Context, a oa.Article) (oa.Article, error) {
	a.Created, a.Updated = sqldb.Tm(sqldb.Ms(a.Created)), sqldb.Tm(sqldb.Ms(a.Updated))
	if !a.Published.IsZero() {
		a.Published = sqldb.Tm(sqldb.Ms(a.Published))
	}
	if a.Body == nil {
		a.Body = []oa.Block{}
	}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		args := []any{int64(a.Account), a.Title, a.Author, a.Digest, a.Cover, jsonText(a.Body), int64(a.State), sqldb.Ms(a.Created), sqldb.Ms(a.Updated), msOrZero(a.Published)}
		if a.ID == 0 {
			_, err := t.Write(`INSERT INTO oa_articles (account, title, author, digest, cover, body, state, created, updated, published)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, args, &a.ID)
			return sqldb.Internal(err)
		}
		n, err := t.Exec(`UPDATE oa_articles SET title = $2, author = $3, digest = $4, cover = $5, body = $6, state = $7, created = $8,
			updated = $9, published = $10 WHERE account = $1 AND id = $11`, append(args, a.ID)...)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such article")
		}
		return nil
	})
	return a, err
}

// Article returns article id.
func (s Store) Article(ctx context.Context, id int64) (oa.Article, error) {
	as, err := sqldb.QueryAll(ctx, s.db, scanArticle, `SELECT `+articleCols+` FROM oa_articles WHERE id = $1`, id)
	if err != nil {
		return oa.Article{}, err
	}
	if len(as) == 0 {
		return oa.Article{}, sqldb.NotFound("no such article")
	}
	return as[0], nil
}

// Articles returns the account's articles, newest first.
func (s Store) Articles(ctx context.Context, id oa.AccountID, published bool, limit int) ([]oa.Article, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	state := int64(0)
	if published {
		state = int64(oa.ArticlePublished)
	}
	return sqldb.QueryAll(ctx, s.db, scanArticle, `SELECT `+articleCols+` FROM oa_articles WHERE account = $1 AND ($2 = 0 OR state = $2)
		ORDER BY id DESC LIMIT $3`, int64(id), state, limit)
}

// DeleteArticle removes an article.
func (s Store) DeleteArticle(ctx context.Context, id oa.AccountID, article int64) error {
	return s.exec(ctx, "no such article", `DELETE FROM oa_articles WHERE account = $1 AND id = $2`, int64(id), article)
}

func scanTemplate(scan func(...any) error) (oa.Template, error) {
	var t oa.Template
	var acct, created int64
	err := scan(&t.ID, &acct, &t.Title, &t.Content, &created)
	t.Account, t.Created = oa.AccountID(acct), sqldb.Tm(created)
	return t, err
}

// AddTemplate stores a template.
func (s Store) AddTemplate(ctx context.Context, tp oa.Template) error {
	return s.exec(ctx, "", `INSERT INTO oa_templates (account, id, title, content, created) VALUES ($1, $2, $3, $4, $5)`,
		int64(tp.Account), tp.ID, tp.Title, tp.Content, sqldb.Ms(tp.Created))
}

// Template returns a template of the account.
func (s Store) Template(ctx context.Context, id oa.AccountID, template string) (oa.Template, error) {
	ts, err := sqldb.QueryAll(ctx, s.db, scanTemplate, `SELECT id, account, title, content, created FROM oa_templates WHERE account = $1 AND id = $2`, int64(id), template)
	if err != nil {
		return oa.Template{}, err
	}
	if len(ts) == 0 {
		return oa.Template{}, sqldb.NotFound("no such template")
	}
	return ts[0], nil
}

// Templates returns the account's templates, oldest first.
func (s Store) Templates(ctx context.Context, id oa.AccountID) ([]oa.Template, error) {
	return sqldb.QueryAll(ctx, s.db, scanTemplate, `SELECT id, account, title, content, created FROM oa_templates WHERE account = $1 ORDER BY created, id`, int64(id))
}

// DeleteTemplate removes a template.
func (s Store) DeleteTemplate(ctx context.Context, id oa.AccountID, template string) error {
	return s.exec(ctx, "no such template", `DELETE FROM oa_templates WHERE account = $1 AND id = $2`, int64(id), template)
}

// AddQR stores a QR code.
func (s Store) AddQR(ctx context.Context, q oa.QR) error {
	return s.exec(ctx, "", `INSERT INTO oa_qr (ticket, account, scene_id, scene_str, permanent, expires, created) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		q.Ticket, int64(q.Account), q.SceneID, q.SceneStr, b2i(q.Permanent), msOrZero(q.Expires), sqldb.Ms(q.Created))
}

// QR returns the QR code of ticket.
func (s Store) QR(ctx context.Context, ticket string) (oa.QR, error) {
	q := oa.QR{Ticket: ticket}
	var acct, perm, expires, created int64
	found, err := s.db.QueryRow(ctx, `SELECT account, scene_id, scene_str, permanent, expires, created FROM oa_qr WHERE ticket = $1`,
		[]any{ticket}, &acct, &q.SceneID, &q.SceneStr, &perm, &expires, &created)
	if err != nil {
		return oa.QR{}, err
	}
	if !found {
		return oa.QR{}, sqldb.NotFound("no such QR code")
	}
	q.Account, q.Permanent, q.Created = oa.AccountID(acct), perm != 0, sqldb.Tm(created)
	if expires != 0 {
		q.Expires = sqldb.Tm(expires)
	}
	return q, nil
}

// ---- messages ----

const messageCols = `m.id, m.account, m.user_id, m.outgoing, COALESCE(b.content, m.content), m.broadcast, m.created`

const messageFrom = ` FROM oa_messages m LEFT JOIN oa_broadcasts b ON b.id = m.broadcast AND m.broadcast <> 0 `

func scanMessage(scan func(...any) error) (oa.Message, error) {
	var m oa.Message
	var acct, user, out, created int64
	var content string
	err := scan(&m.ID, &acct, &user, &out, &content, &m.Broadcast, &created)
	m.Account, m.User, m.Out, m.Created = oa.AccountID(acct), hongyan.UserID(user), out != 0, sqldb.Tm(created)
	if err == nil {
		err = json.Unmarshal([]byte(content), &m.Content)
	}
	return m, err
}

// AddMessage stores m, counts it and appends changes.
func (s Store) AddMessage(ctx context.Context, m oa.Message, changes []hongyan.Change) (oa.Message, []hongyan.Change, error) {
	if m.User <= 0 || m.Account <= 0 {
		return oa.Message{}, nil, sqldb.Invalid("a message needs a user and an account")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return oa.Message{}, nil, err
	}
	m.Created = sqldb.Tm(sqldb.Ms(m.Created))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		if _, err := t.Write(`INSERT INTO oa_messages (account, user_id, outgoing, content, broadcast, created) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id`,
			[]any{int64(m.Account), int64(m.User), b2i(m.Out), jsonText(m.Content), sqldb.Ms(m.Created)}, &m.ID); err != nil {
			return sqldb.Internal(err)
		}
		in, o := 1, 0
		if m.Out {
			in, o = 0, 1
		} else if _, err := t.Exec(`UPDATE oa_fans SET last_in = $3 WHERE account = $1 AND user_id = $2`, int64(m.Account), int64(m.User), sqldb.Ms(m.Created)); err != nil {
			return sqldb.Internal(err)
		}
		if err := bump(t, m.Account, m.Created, 0, 0, in, o); err != nil {
			return err
		}
		cs := make([]hongyan.Change, len(changes))
		for i, c := range changes {
			if c.Ref == 0 {
				c.Ref = m.ID
			}
			cs[i] = c
		}
		var err error
		out, err = t.AppendChanges(cs)
		return err
	})
	if err != nil {
		return oa.Message{}, nil, err
	}
	return m, out, nil
}

type targetJSON struct {
	All   bool    `json:"all,omitempty"`
	Tag   int64   `json:"tag,omitempty"`
	Users []int64 `json:"users,omitempty"`
}

// Broadcast stores b and its messages to the targeted followers within quota.
func (s Store) Broadcast(ctx context.Context, b oa.Broadcast, since time.Time, quota int, kind hongyan.ChangeKind) (oa.Broadcast, []hongyan.Change, error) {
	b.Created = sqldb.Tm(sqldb.Ms(b.Created))
	tj := targetJSON{All: b.Target.All, Tag: b.Target.Tag}
	for _, u := range b.Target.Users {
		tj.Users = append(tj.Users, int64(u))
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out, b.Total = nil, 0
		var used int64
		if _, err := t.Read(`SELECT COUNT(*) FROM oa_broadcasts WHERE account = $1 AND created >= $2`, []any{int64(b.Account), sqldb.Ms(since)}, &used); err != nil {
			return sqldb.Internal(err)
		}
		if int(used) >= quota {
			return hongyan.Errorf(hongyan.CodePrecondition, "the account's broadcast quota is used up for now").WithReason(oa.ReasonQuota)
		}
		if _, err := t.Write(`INSERT INTO oa_broadcasts (account, target, content, total, created) VALUES ($1, $2, $3, 0, $4) RETURNING id`,
			[]any{int64(b.Account), jsonText(tj), jsonText(b.Content), sqldb.Ms(b.Created)}, &b.ID); err != nil {
			return sqldb.Internal(err)
		}
		head := `INSERT INTO oa_messages (account, user_id, outgoing, content, broadcast, created)
			SELECT f.account, f.user_id, 1, '', CAST($2 AS BIGINT), CAST($3 AS BIGINT) FROM oa_fans f WHERE f.account = $1 AND f.following = 1 AND f.blocked = 0 `
		var changes []hongyan.Change
		run := func(q string, args ...any) error {
			rows, err := t.Query(q+` RETURNING id, user_id`, args...)
			if err != nil {
				return sqldb.Internal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, user int64
				if err := rows.Scan(&id, &user); err != nil {
					return sqldb.Internal(t.Note(err))
				}
				changes = append(changes, hongyan.Change{User: hongyan.UserID(user), Kind: kind, Ref: id})
			}
			if err := rows.Err(); err != nil {
				return sqldb.Internal(t.Note(err))
			}
			return nil
		}
		args := []any{int64(b.Account), b.ID, sqldb.Ms(b.Created)}
		switch {
		case b.Target.All:
			if err := run(head, args...); err != nil {
				return err
			}
		case b.Target.Tag != 0:
			if err := run(head+`AND EXISTS (SELECT 1 FROM oa_fan_tags g WHERE g.account = f.account AND g.tag = $4 AND g.user_id = f.user_id)`,
				append(args, b.Target.Tag)...); err != nil {
				return err
			}
		default:
			users := tj.Users
			for start, n := 0, 0; start < len(users); start += n {
				n = sqldb.Chunk(len(users) - start)
				ph := make([]string, n)
				a := append([]any(nil), args...)
				for i := range n {
					ph[i] = "$" + strconv.Itoa(4+i)
					a = append(a, users[start+i])
				}
				if err := run(head+`AND f.user_id IN (`+strings.Join(ph, ", ")+`)`, a...); err != nil {
					return err
				}
			}
		}
		if len(changes) > 0 {
			t.MarkDirty()
		}
		b.Total = len(changes)
		if _, err := t.Exec(`UPDATE oa_broadcasts SET total = $2 WHERE id = $1`, b.ID, int64(b.Total)); err != nil {
			return sqldb.Internal(err)
		}
		if err := bump(t, b.Account, b.Created, 0, 0, 0, b.Total); err != nil {
			return err
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	if err != nil {
		return oa.Broadcast{}, nil, err
	}
	return b, out, nil
}

// Message returns a message of user's.
func (s Store) Message(ctx context.Context, user hongyan.UserID, id int64) (oa.Message, error) {
	ms, err := sqldb.QueryAll(ctx, s.db, scanMessage, `SELECT `+messageCols+messageFrom+`WHERE m.id = $1 AND m.user_id = $2`, id, int64(user))
	if err != nil {
		return oa.Message{}, err
	}
	if len(ms) == 0 {
		return oa.Message{}, sqldb.NotFound("no such message")
	}
	return ms[0], nil
}

// History returns messages between user and the account, newest first.
func (s Store) History(ctx context.Context, id oa.AccountID, user hongyan.UserID, before int64, limit int) ([]oa.Message, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return sqldb.QueryAll(ctx, s.db, scanMessage, `SELECT `+messageCols+messageFrom+`WHERE m.user_id = $1 AND m.account = $2 AND m.id < $3
		ORDER BY m.id DESC LIMIT $4`, int64(user), int64(id), before, limit)
}

// Inbox returns the messages users sent the account, newest first.
func (s Store) Inbox(ctx context.Context, id oa.AccountID, before int64, limit int) ([]oa.Message, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	return sqldb.QueryAll(ctx, s.db, scanMessage, `SELECT `+messageCols+messageFrom+`WHERE m.account = $1 AND m.outgoing = 0 AND m.id < $2
		ORDER BY m.id DESC LIMIT $3`, int64(id), before, limit)
}

func scanBroadcast(scan func(...any) error) (oa.Broadcast, error) {
	var b oa.Broadcast
	var acct, total, created int64
	var target, content string
	var deleted int64
	err := scan(&b.ID, &acct, &target, &content, &total, &deleted, &created)
	b.Account, b.Total, b.Deleted, b.Created = oa.AccountID(acct), int(total), deleted != 0, sqldb.Tm(created)
	if err == nil {
		var tj targetJSON
		if err = json.Unmarshal([]byte(target), &tj); err == nil {
			b.Target = oa.Target{All: tj.All, Tag: tj.Tag}
			for _, u := range tj.Users {
				b.Target.Users = append(b.Target.Users, hongyan.UserID(u))
			}
			err = json.Unmarshal([]byte(content), &b.Content)
		}
	}
	return b, err
}

// Broadcasts returns the account's recent broadcasts, newest first.
func (s Store) Broadcasts(ctx context.Context, id oa.AccountID, limit int) ([]oa.Broadcast, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanBroadcast, `SELECT `+broadcastCols+` FROM oa_broadcasts
		WHERE account = $1 ORDER BY id DESC LIMIT $2`, int64(id), limit)
}

const broadcastCols = `id, account, target, content, total, deleted, created`

// BroadcastByID returns one of the account's broadcasts.
func (s Store) BroadcastByID(ctx context.Context, id oa.AccountID, broadcast int64) (oa.Broadcast, error) {
	bs, err := sqldb.QueryAll(ctx, s.db, scanBroadcast, `SELECT `+broadcastCols+` FROM oa_broadcasts WHERE id = $1 AND account = $2`, broadcast, int64(id))
	if err != nil {
		return oa.Broadcast{}, err
	}
	if len(bs) == 0 {
		return oa.Broadcast{}, sqldb.NotFound("no such broadcast")
	}
	return bs[0], nil
}

// DeleteBroadcast marks a broadcast deleted.
func (s Store) DeleteBroadcast(ctx context.Context, id oa.AccountID, broadcast int64) error {
	return s.exec(ctx, "no such broadcast", `UPDATE oa_broadcasts SET deleted = 1 WHERE id = $1 AND account = $2`, broadcast, int64(id))
}

// CountBroadcasts counts the account's broadcasts since since.
func (s Store) CountBroadcasts(ctx context.Context, id oa.AccountID, since time.Time) (int, error) {
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM oa_broadcasts WHERE account = $1 AND created >= $2`, []any{int64(id), sqldb.Ms(since)}, &n)
	return int(n), err
}

// Stats returns the account's daily counters from, to.
func (s Store) Stats(ctx context.Context, id oa.AccountID, from, to string) ([]oa.DayStats, error) {
	rows, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (oa.DayStats, error) {
		var d oa.DayStats
		var g, l, i, o int64
		err := scan(&d.Day, &g, &l, &i, &o)
		d.New, d.Lost, d.MsgIn, d.MsgOut = int(g), int(l), int(i), int(o)
		return d, err
	}, `SELECT day, gained, lost, msg_in, msg_out FROM oa_stats WHERE account = $1 AND day <= $2 ORDER BY day`, int64(id), to)
	if err != nil {
		return nil, err
	}
	var out []oa.DayStats
	total := 0
	for _, d := range rows {
		total += d.New - d.Lost
		d.Total = total
		if d.Day >= from {
			out = append(out, d)
		}
	}
	return out, nil
}

// ---- grants ----

const grantCols = `hash, kind, account, user_id, scope, expires, used, value, created`

func scanGrant(scan func(...any) error) (oa.Grant, error) {
	var g oa.Grant
	var k, acct, user, expires, used, created int64
	err := scan(&g.Hash, &k, &acct, &user, &g.Scope, &expires, &used, &g.Value, &created)
	g.Kind, g.Account, g.User, g.Expires, g.Used, g.Created = oa.GrantKind(k), oa.AccountID(acct), hongyan.UserID(user), sqldb.Tm(expires), used != 0, sqldb.Tm(created)
	return g, err
}

// AddGrant stores a credential by its hash.
func (s Store) AddGrant(ctx context.Context, g oa.Grant, graceUntil time.Time) error {
	if len(g.Hash) == 0 || g.Account <= 0 {
		return sqldb.Invalid("a grant needs a hash and an account")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		if !graceUntil.IsZero() {
			if _, err := t.Exec(`UPDATE oa_grants SET expires = $3 WHERE account = $1 AND kind = $2 AND expires > $3`,
				int64(g.Account), int64(g.Kind), sqldb.Ms(graceUntil)); err != nil {
				return sqldb.Internal(err)
			}
		}
		_, err := t.Exec(`INSERT INTO oa_grants (hash, kind, account, user_id, scope, expires, used, value, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			g.Hash, int64(g.Kind), int64(g.Account), int64(g.User), g.Scope, sqldb.Ms(g.Expires), b2i(g.Used), g.Value, sqldb.Ms(g.Created))
		if t.Dialect().IsUnique(err) {
			return hongyan.Errorf(hongyan.CodeExists, "credential exists")
		}
		return sqldb.Internal(err)
	})
}

// Grant returns the grant of hash.
func (s Store) Grant(ctx context.Context, hash []byte) (oa.Grant, error) {
	gs, err := sqldb.QueryAll(ctx, s.db, scanGrant, `SELECT `+grantCols+` FROM oa_grants WHERE hash = $1`, hash)
	if err != nil {
		return oa.Grant{}, err
	}
	if len(gs) == 0 {
		return oa.Grant{}, sqldb.NotFound("no such credential")
	}
	return gs[0], nil
}

// LatestGrant returns the account's newest unexpired grant of kind.
func (s Store) LatestGrant(ctx context.Context, id oa.AccountID, kind oa.GrantKind, at time.Time) (oa.Grant, error) {
	gs, err := sqldb.QueryAll(ctx, s.db, scanGrant, `SELECT `+grantCols+` FROM oa_grants WHERE account = $1 AND kind = $2 AND expires > $3
		ORDER BY expires DESC LIMIT 1`, int64(id), int64(kind), sqldb.Ms(at))
	if err != nil {
		return oa.Grant{}, err
	}
	if len(gs) == 0 {
		return oa.Grant{}, sqldb.NotFound("no such credential")
	}
	return gs[0], nil
}

// UseGrant returns (and, with once, uses up) the grant of hash.
func (s Store) UseGrant(ctx context.Context, hash []byte, kind oa.GrantKind, at time.Time, once bool) (oa.Grant, error) {
	check := func(g oa.Grant) error {
		if g.Kind != kind {
			return sqldb.NotFound("no such credential")
		}
		if !at.Before(g.Expires) {
			return hongyan.Errorf(hongyan.CodePrecondition, "the credential has expired").WithReason(hongyan.ReasonCodeExpired)
		}
		return nil
	}
	if !once {
		g, err := s.Grant(ctx, hash)
		if err == nil {
			err = check(g)
		}
		return g, err
	}
	var g oa.Grant
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		found, err := t.ReadScan(`SELECT `+grantCols+` FROM oa_grants WHERE hash = $1`, []any{hash}, func(scan func(...any) error) error {
			var err error
			g, err = scanGrant(scan)
			return err
		})
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such credential")
		}
		if err := check(g); err != nil {
			return err
		}
		if g.Used {
			return hongyan.Errorf(hongyan.CodePrecondition, "the code has been used")
		}
		_, err = t.Exec(`UPDATE oa_grants SET used = 1 WHERE hash = $1`, hash)
		return sqldb.Internal(err)
	})
	return g, err
}

// ExpireGrants makes the account's grants (of kinds) expire at at.
func (s Store) ExpireGrants(ctx context.Context, id oa.AccountID, at time.Time, kinds ...oa.GrantKind) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		if len(kinds) == 0 {
			_, err := t.Exec(`UPDATE oa_grants SET expires = $2 WHERE account = $1 AND expires > $2`, int64(id), sqldb.Ms(at))
			return sqldb.Internal(err)
		}
		for _, k := range kinds {
			if _, err := t.Exec(`UPDATE oa_grants SET expires = $2 WHERE account = $1 AND kind = $3 AND expires > $2`, int64(id), sqldb.Ms(at), int64(k)); err != nil {
				return sqldb.Internal(err)
			}
		}
		return nil
	})
}

// CountCall adds to (or reads, or clears) a daily call counter.
func (s Store) CountCall(ctx context.Context, id oa.AccountID, api, day string, n int64) (int64, error) {
	var total int64
	if n == 0 {
		_, err := s.db.QueryRow(ctx, `SELECT n FROM oa_calls WHERE account = $1 AND api = $2 AND day = $3`, []any{int64(id), api, day}, &total)
		return total, err
	}
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		total = 0
		if n < 0 {
			_, err := t.Exec(`DELETE FROM oa_calls WHERE account = $1 AND api = $2 AND day = $3`, int64(id), api, day)
			return sqldb.Internal(err)
		}
		_, err := t.Write(`INSERT INTO oa_calls (account, api, day, n) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account, api, day) DO UPDATE SET n = oa_calls.n + excluded.n RETURNING n`, []any{int64(id), api, day, n}, &total)
		return sqldb.Internal(err)
	})
	return total, err
}

// ---- media ----

// PutMedia stores a temporary file.
func (s Store) PutMedia(ctx context.Context, m oa.Media) error {
	return s.exec(ctx, "", `INSERT INTO oa_media (id, account, type, name, content_type, data, created) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		m.ID, int64(m.Account), m.Type, m.Name, m.ContentType, sqldb.NonNil(m.Data), sqldb.Ms(m.Created))
}

// Media returns one of the account's files.
func (s Store) Media(ctx context.Context, id oa.AccountID, media string) (oa.Media, error) {
	m := oa.Media{ID: media, Account: id}
	var created int64
	found, err := s.db.QueryRow(ctx, `SELECT type, name, content_type, data, created FROM oa_media WHERE id = $1 AND account = $2`,
		[]any{media, int64(id)}, &m.Type, &m.Name, &m.ContentType, &m.Data, &created)
	if err != nil {
		return oa.Media{}, err
	}
	if !found {
		return oa.Media{}, sqldb.NotFound("invalid media_id")
	}
	m.Created = sqldb.Tm(created)
	return m, nil
}

// PruneMedia deletes files created before before.
func (s Store) PruneMedia(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		n, err = t.Exec(`DELETE FROM oa_media WHERE created < $1`, sqldb.Ms(before))
		return sqldb.Internal(err)
	})
	return int(n), err
}
