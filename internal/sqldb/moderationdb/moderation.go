// Package moderationdb keeps moderation on the shared storage core:
// administrators and their sessions, the audit log, reports, penalties
// and appeals, in tables of its own. Every change an administrator makes
// is written in the same transaction as its audit entry.
package moderationdb

import (
	"context"
	"strconv"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
	"hongyan/internal/sqldb"
)

// Store implements moderation.Store.
type Store struct{ db *sqldb.DB }

var _ moderation.Store = Store{}

// New returns the moderation store on db.
func New(db *sqldb.DB) Store { return Store{db} }

func appendAudit(t *sqldb.Tx, a moderation.Audit) error {
	if a.Action == "" {
		return nil
	}
	_, err := t.Exec(`INSERT INTO moderation_audit (admin, admin_name, action, target, reason, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		int64(a.Admin), a.Name, a.Action, a.Target, a.Reason, sqldb.Ms(a.At))
	return sqldb.Internal(err)
}

// ---- Administrators ----

const adminCols = `id, name, role, password_hash, must_change, totp_secret, totp_enrolled, totp_step, disabled, created`

func scanAdmin(scan func(...any) error) (moderation.Admin, error) {
	var a moderation.Admin
	var id, created int64
	var role string
	err := scan(&id, &a.Name, &role, &a.PasswordHash, &a.MustChange, &a.TOTPSecret, &a.TOTPEnrolled, &a.TOTPStep, &a.Disabled, &created)
	a.ID, a.Role, a.Created = moderation.AdminID(id), moderation.Role(role), sqldb.Tm(created)
	return a, err
}

// CreateAdmin adds a with the audit entry.
func (s Store) CreateAdmin(ctx context.Context, a moderation.Admin, audit moderation.Audit) (moderation.AdminID, error) {
	var id int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var taken int
		found, err := t.Read(`SELECT 1 FROM moderation_admins WHERE name = $1`, []any{a.Name}, &taken)
		if err != nil {
			return sqldb.Internal(err)
		}
		if found {
			return hongyan.Errorf(hongyan.CodeExists, "an administrator named %q exists", a.Name)
		}
		if _, err := t.Write(`INSERT INTO moderation_admins (name, role, password_hash, must_change, totp_secret, totp_enrolled, totp_step, disabled, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			[]any{a.Name, string(a.Role), a.PasswordHash, a.MustChange, a.TOTPSecret, a.TOTPEnrolled, a.TOTPStep, a.Disabled, sqldb.Ms(a.Created)}, &id); err != nil {
			if t.Dialect().IsUnique(err) {
				return hongyan.Errorf(hongyan.CodeExists, "an administrator named %q exists", a.Name)
			}
			return sqldb.Internal(err)
		}
		audit.Target = "admin:" + strconv.FormatInt(id, 10)
		return appendAudit(t, audit)
	})
	return moderation.AdminID(id), err
}

func (s Store) adminWhere(ctx context.Context, where string, arg any) (moderation.Admin, error) {
	as, err := sqldb.QueryAll(ctx, s.db, scanAdmin, `SELECT `+adminCols+` FROM moderation_admins WHERE `+where, arg)
	if err != nil {
		return moderation.Admin{}, err
	}
	if len(as) == 0 {
		return moderation.Admin{}, sqldb.NotFound("no such administrator")
	}
	return as[0], nil
}

// Admin returns an administrator by ID.
func (s Store) Admin(ctx context.Context, id moderation.AdminID) (moderation.Admin, error) {
	return s.adminWhere(ctx, `id = $1`, int64(id))
}

// AdminByName returns an administrator by name.
func (s Store) AdminByName(ctx context.Context, name string) (moderation.Admin, error) {
	return s.adminWhere(ctx, `name = $1`, name)
}

// ListAdmins lists every administrator by ID.
func (s Store) ListAdmins(ctx context.Context) ([]moderation.Admin, error) {
	return sqldb.QueryAll(ctx, s.db, scanAdmin, `SELECT `+adminCols+` FROM moderation_admins ORDER BY id`)
}

// UpdateAdmin replaces a's mutable fields, with the audit entry.
func (s Store) UpdateAdmin(ctx context.Context, a moderation.Admin, audit moderation.Audit) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE moderation_admins SET role = $2, password_hash = $3, must_change = $4, totp_secret = $5, totp_enrolled = $6, disabled = $7
			WHERE id = $1`, int64(a.ID), string(a.Role), a.PasswordHash, a.MustChange, a.TOTPSecret, a.TOTPEnrolled, a.Disabled)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such administrator")
		}
		return appendAudit(t, audit)
	})
}

// UseStep spends the TOTP codes of step and the steps before it.
func (s Store) UseStep(ctx context.Context, id moderation.AdminID, step int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE moderation_admins SET totp_step = $2 WHERE id = $1 AND totp_step < $2`, int64(id), step)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "this code was used already")
		}
		return nil
	})
}

// CreateSession stores sess.
func (s Store) CreateSession(ctx context.Context, sess moderation.Session) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		// Expired sessions go when new ones come.
		if _, err := t.Exec(`DELETE FROM moderation_sessions WHERE expires <= $1`, sqldb.Ms(sess.Created)); err != nil {
			return sqldb.Internal(err)
		}
		_, err := t.Exec(`INSERT INTO moderation_sessions (token_hash, csrf, admin, stage, created, expires) VALUES ($1, $2, $3, $4, $5, $6)`,
			sess.TokenHash, sess.CSRF, int64(sess.Admin), string(sess.Stage), sqldb.Ms(sess.Created), sqldb.Ms(sess.Expires))
		return sqldb.Internal(err)
	})
}

// Session returns the unexpired session with hash.
func (s Store) Session(ctx context.Context, hash []byte, now time.Time) (moderation.Session, error) {
	var sess moderation.Session
	var admin, created, expires int64
	var stage string
	found, err := s.db.QueryRow(ctx, `SELECT token_hash, csrf, admin, stage, created, expires FROM moderation_sessions WHERE token_hash = $1 AND expires > $2`,
		[]any{hash, sqldb.Ms(now)}, &sess.TokenHash, &sess.CSRF, &admin, &stage, &created, &expires)
	if err != nil {
		return sess, err
	}
	if !found {
		return sess, sqldb.NotFound("no such session")
	}
	sess.Admin, sess.Stage, sess.Created, sess.Expires = moderation.AdminID(admin), moderation.Stage(stage), sqldb.Tm(created), sqldb.Tm(expires)
	return sess, nil
}

// SetStage moves a session to stage.
func (s Store) SetStage(ctx context.Context, hash []byte, stage moderation.Stage) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE moderation_sessions SET stage = $2 WHERE token_hash = $1`, hash, string(stage))
		if err == nil && n == 0 {
			return sqldb.NotFound("no such session")
		}
		return sqldb.Internal(err)
	})
}

// DeleteSession ends one session.
func (s Store) DeleteSession(ctx context.Context, hash []byte) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`DELETE FROM moderation_sessions WHERE token_hash = $1`, hash)
		return sqldb.Internal(err)
	})
}

// DeleteSessions ends every session of admin.
func (s Store) DeleteSessions(ctx context.Context, admin moderation.AdminID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`DELETE FROM moderation_sessions WHERE admin = $1`, int64(admin))
		return sqldb.Internal(err)
	})
}

// ---- The audit log ----

// AppendAudit appends one entry.
func (s Store) AppendAudit(ctx context.Context, a moderation.Audit) error {
	if a.Action == "" {
		return sqldb.Invalid("an audit entry needs an action")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error { return appendAudit(t, a) })
}

func scanAudit(scan func(...any) error) (moderation.Audit, error) {
	var a moderation.Audit
	var admin, at int64
	err := scan(&a.ID, &admin, &a.Name, &a.Action, &a.Target, &a.Reason, &at)
	a.Admin, a.At = moderation.AdminID(admin), sqldb.Tm(at)
	return a, err
}

// AuditPage lists entries newest first below before.
func (s Store) AuditPage(ctx context.Context, before int64, limit int) ([]moderation.Audit, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanAudit, `SELECT id, admin, admin_name, action, target, reason, at FROM moderation_audit
		WHERE (CAST($1 AS BIGINT) = 0 OR id < CAST($1 AS BIGINT)) ORDER BY id DESC LIMIT $2`, before, limit)
}

// ---- Reports ----

const reportCols = `id, reporter, kind, target, reason, snapshot_owner, snapshot_title, snapshot_text, state, created, handled_by, handled, note`

func scanReport(scan func(...any) error) (moderation.Report, error) {
	var r moderation.Report
	var reporter, owner, created, by, handled int64
	var kind, state string
	err := scan(&r.ID, &reporter, &kind, &r.Target, &r.Reason, &owner, &r.Snapshot.Title, &r.Snapshot.Text, &state, &created, &by, &handled, &r.Note)
	r.Reporter, r.Kind, r.Snapshot.Owner, r.State = hongyan.UserID(reporter), moderation.TargetKind(kind), hongyan.UserID(owner), moderation.ReportState(state)
	r.Created, r.HandledBy = sqldb.Tm(created), moderation.AdminID(by)
	if handled != 0 {
		r.Handled = sqldb.Tm(handled)
	}
	return r, err
}

// CreateReport stores r unless its reporter made max since since.
func (s Store) CreateReport(ctx context.Context, r moderation.Report, since time.Time, max int) (moderation.Report, error) {
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var n int64
		if _, err := t.Read(`SELECT COUNT(*) FROM moderation_reports WHERE reporter = $1 AND created > $2`, []any{int64(r.Reporter), sqldb.Ms(since)}, &n); err != nil {
			return sqldb.Internal(err)
		}
		if n >= int64(max) {
			return hongyan.Errorf(hongyan.CodeRateLimited, "you have made %d reports in a day; try again later", max)
		}
		_, err := t.Write(`INSERT INTO moderation_reports (reporter, kind, target, reason, snapshot_owner, snapshot_title, snapshot_text, state, created, handled_by, handled, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, '') RETURNING id`,
			[]any{int64(r.Reporter), string(r.Kind), r.Target, r.Reason, int64(r.Snapshot.Owner), r.Snapshot.Title, r.Snapshot.Text, string(r.State), sqldb.Ms(r.Created)}, &r.ID)
		return sqldb.Internal(err)
	})
	return r, err
}

// Report returns one report.
func (s Store) Report(ctx context.Context, id int64) (moderation.Report, error) {
	rs, err := sqldb.QueryAll(ctx, s.db, scanReport, `SELECT `+reportCols+` FROM moderation_reports WHERE id = $1`, id)
	if err != nil {
		return moderation.Report{}, err
	}
	if len(rs) == 0 {
		return moderation.Report{}, sqldb.NotFound("no such report")
	}
	return rs[0], nil
}

// ReportPage lists reports in state newest first below before.
func (s Store) ReportPage(ctx context.Context, state moderation.ReportState, before int64, limit int) ([]moderation.Report, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanReport, `SELECT `+reportCols+` FROM moderation_reports
		WHERE (CAST($1 AS TEXT) = '' OR state = CAST($1 AS TEXT)) AND (CAST($2 AS BIGINT) = 0 OR id < CAST($2 AS BIGINT)) ORDER BY id DESC LIMIT $3`, string(state), before, limit)
}

// CloseReport moves an open report to state with the audit entry.
func (s Store) CloseReport(ctx context.Context, id int64, state moderation.ReportState, by moderation.AdminID, note string, at time.Time, audit moderation.Audit) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE moderation_reports SET state = $2, handled_by = $3, handled = $4, note = $5 WHERE id = $1 AND state = 'open'`,
			id, string(state), int64(by), sqldb.Ms(at), note)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			var one int
			found, err := t.Read(`SELECT 1 FROM moderation_reports WHERE id = $1`, []any{id}, &one)
			if err != nil {
				return sqldb.Internal(err)
			}
			if !found {
				return sqldb.NotFound("no such report")
			}
			return hongyan.Errorf(hongyan.CodePrecondition, "the report was handled already")
		}
		return appendAudit(t, audit)
	})
}

// ---- Penalties ----

const penaltyCols = `id, user_id, kind, reason, report, by_admin, starts, ends, appeal, appeal_text, appeal_at`

func scanPenalty(scan func(...any) error) (moderation.Penalty, error) {
	var p moderation.Penalty
	var user, by, starts, ends, appealAt int64
	var kind, appeal string
	err := scan(&p.ID, &user, &kind, &p.Reason, &p.Report, &by, &starts, &ends, &appeal, &p.AppealText, &appealAt)
	p.User, p.Kind, p.By, p.Start, p.End, p.Appeal = hongyan.UserID(user), moderation.Kind(kind), moderation.AdminID(by), sqldb.Tm(starts), sqldb.Tm(ends), moderation.AppealState(appeal)
	if appealAt != 0 {
		p.AppealAt = sqldb.Tm(appealAt)
	}
	return p, err
}

// AddPenalty stores p with the audit entry.
func (s Store) AddPenalty(ctx context.Context, p moderation.Penalty, audit moderation.Audit) (moderation.Penalty, []hongyan.Change, error) {
	var changes []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO moderation_penalties (user_id, kind, reason, report, by_admin, starts, ends, appeal, appeal_text, appeal_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, '', '', 0) RETURNING id`,
			[]any{int64(p.User), string(p.Kind), p.Reason, p.Report, int64(p.By), sqldb.Ms(p.Start), sqldb.Ms(p.End)}, &p.ID); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		if changes, err = penaltyChange(t, p.User, p.ID); err != nil {
			return err
		}
		return appendAudit(t, audit)
	})
	p.Appeal = moderation.AppealNone
	return p, changes, err
}

func penaltyChange(t *sqldb.Tx, user hongyan.UserID, id int64) ([]hongyan.Change, error) {
	return t.AppendChanges([]hongyan.Change{{User: user, Kind: hongyan.ChangePenalty, Ref: id}})
}

// Penalty returns one penalty.
func (s Store) Penalty(ctx context.Context, id int64) (moderation.Penalty, error) {
	ps, err := sqldb.QueryAll(ctx, s.db, scanPenalty, `SELECT `+penaltyCols+` FROM moderation_penalties WHERE id = $1`, id)
	if err != nil {
		return moderation.Penalty{}, err
	}
	if len(ps) == 0 {
		return moderation.Penalty{}, sqldb.NotFound("no such penalty")
	}
	return ps[0], nil
}

// UserPenalties lists a user's penalties newest first.
func (s Store) UserPenalties(ctx context.Context, user hongyan.UserID, limit int) ([]moderation.Penalty, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanPenalty, `SELECT `+penaltyCols+` FROM moderation_penalties WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, int64(user), limit)
}

// ActivePenalties lists the user's penalties in force at t.
func (s Store) ActivePenalties(ctx context.Context, user hongyan.UserID, t time.Time) ([]moderation.Penalty, error) {
	return sqldb.QueryAll(ctx, s.db, scanPenalty, `SELECT `+penaltyCols+` FROM moderation_penalties
		WHERE user_id = $1 AND ends > $2 AND starts <= $2 ORDER BY id`, int64(user), sqldb.Ms(t))
}

// PenaltyPage lists penalties newest first below before.
func (s Store) PenaltyPage(ctx context.Context, appeals bool, before int64, limit int) ([]moderation.Penalty, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	appeal := ""
	if appeals {
		appeal = string(moderation.AppealPending)
	}
	return sqldb.QueryAll(ctx, s.db, scanPenalty, `SELECT `+penaltyCols+` FROM moderation_penalties
		WHERE (CAST($1 AS TEXT) = '' OR appeal = CAST($1 AS TEXT)) AND (CAST($2 AS BIGINT) = 0 OR id < CAST($2 AS BIGINT)) ORDER BY id DESC LIMIT $3`, appeal, before, limit)
}

// Appeal records the user's one appeal of their penalty.
func (s Store) Appeal(ctx context.Context, id int64, user hongyan.UserID, text string, at time.Time) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE moderation_penalties SET appeal = 'pending', appeal_text = $3, appeal_at = $4 WHERE id = $1 AND user_id = $2 AND appeal = ''`,
			id, int64(user), text, sqldb.Ms(at))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			var one int
			found, err := t.Read(`SELECT 1 FROM moderation_penalties WHERE id = $1 AND user_id = $2`, []any{id, int64(user)}, &one)
			if err != nil {
				return sqldb.Internal(err)
			}
			if !found {
				return sqldb.NotFound("no such penalty")
			}
			return hongyan.Errorf(hongyan.CodePrecondition, "a penalty is appealed once")
		}
		return nil
	})
}

// DecideAppeal settles a pending appeal with the audit entry.
func (s Store) DecideAppeal(ctx context.Context, id int64, accept bool, at time.Time, audit moderation.Audit) ([]hongyan.Change, error) {
	var changes []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		q, args := `UPDATE moderation_penalties SET appeal = 'rejected' WHERE id = $1 AND appeal = 'pending' RETURNING user_id`, []any{id}
		if accept {
			q = `UPDATE moderation_penalties SET appeal = 'accepted', ends = CASE WHEN ends > $2 THEN $2 ELSE ends END WHERE id = $1 AND appeal = 'pending' RETURNING user_id`
			args = append(args, sqldb.Ms(at))
		}
		var user int64
		found, err := t.Write(q, args, &user)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return s.missingOr(t, id, "no appeal of this penalty is pending")
		}
		if changes, err = penaltyChange(t, hongyan.UserID(user), id); err != nil {
			return err
		}
		return appendAudit(t, audit)
	})
	return changes, err
}

func (s Store) missingOr(t *sqldb.Tx, id int64, msg string) error {
	var one int
	found, err := t.Read(`SELECT 1 FROM moderation_penalties WHERE id = $1`, []any{id}, &one)
	if err != nil {
		return sqldb.Internal(err)
	}
	if !found {
		return sqldb.NotFound("no such penalty")
	}
	return hongyan.Errorf(hongyan.CodePrecondition, "%s", msg)
}

// LiftPenalty ends a penalty at at with the audit entry.
func (s Store) LiftPenalty(ctx context.Context, id int64, at time.Time, audit moderation.Audit) ([]hongyan.Change, error) {
	var changes []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var user int64
		found, err := t.Write(`UPDATE moderation_penalties SET ends = $2 WHERE id = $1 AND ends > $2 RETURNING user_id`, []any{id, sqldb.Ms(at)}, &user)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return s.missingOr(t, id, "the penalty has ended")
		}
		if changes, err = penaltyChange(t, hongyan.UserID(user), id); err != nil {
			return err
		}
		return appendAudit(t, audit)
	})
	return changes, err
}

// Queue counts moderation's work for the dashboard.
func (s Store) Queue(ctx context.Context, days []time.Time, until, now time.Time) (moderation.Queue, error) {
	var q moderation.Queue
	for _, c := range []struct {
		dst  *int64
		q    string
		args []any
	}{
		{&q.OpenReports, `SELECT COUNT(*) FROM moderation_reports WHERE state = 'open'`, nil},
		{&q.PendingAppeals, `SELECT COUNT(*) FROM moderation_penalties WHERE appeal = 'pending'`, nil},
		{&q.ActivePenalties, `SELECT COUNT(*) FROM moderation_penalties WHERE ends > $1 AND starts <= $1`, []any{sqldb.Ms(now)}},
	} {
		if _, err := s.db.QueryRow(ctx, c.q, c.args, c.dst); err != nil {
			return q, err
		}
	}
	perDay := func(q string) ([]int64, error) {
		out := make([]int64, len(days))
		for i, d := range days {
			end := until
			if i+1 < len(days) {
				end = days[i+1]
			}
			if _, err := s.db.QueryRow(ctx, q, []any{sqldb.Ms(d), sqldb.Ms(end)}, &out[i]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var err error
	if q.Reports, err = perDay(`SELECT COUNT(*) FROM moderation_reports WHERE created >= $1 AND created < $2`); err != nil {
		return q, err
	}
	q.Penalties, err = perDay(`SELECT COUNT(*) FROM moderation_penalties WHERE starts >= $1 AND starts < $2`)
	return q, err
}

// Suspend stores a suspension, replacing one of the same target, with the
// audit entry.
func (s Store) Suspend(ctx context.Context, sus moderation.Suspension, audit moderation.Audit) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`INSERT INTO moderation_suspensions (kind, target, reason, by_admin, starts, ends) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (kind, target) DO UPDATE SET reason = excluded.reason, by_admin = excluded.by_admin, starts = excluded.starts, ends = excluded.ends`,
			string(sus.Kind), sus.Target, sus.Reason, int64(sus.By), sqldb.Ms(sus.Start), sqldb.Ms(sus.End)); err != nil {
			return sqldb.Internal(err)
		}
		return appendAudit(t, audit)
	})
}

// LiftSuspension ends the target's suspension at at, with the audit entry.
func (s Store) LiftSuspension(ctx context.Context, kind moderation.TargetKind, target int64, at time.Time, audit moderation.Audit) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		found, err := t.Write(`UPDATE moderation_suspensions SET ends = $3 WHERE kind = $1 AND target = $2 AND ends > $3 RETURNING target`,
			[]any{string(kind), target, sqldb.Ms(at)}, new(int64))
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no suspension in force")
		}
		return appendAudit(t, audit)
	})
}

// ActiveSuspension returns the target's suspension in force at at.
func (s Store) ActiveSuspension(ctx context.Context, kind moderation.TargetKind, target int64, at time.Time) (moderation.Suspension, error) {
	ss, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (moderation.Suspension, error) {
		sus := moderation.Suspension{Kind: kind, Target: target}
		var by, starts, ends int64
		err := scan(&sus.Reason, &by, &starts, &ends)
		sus.By, sus.Start, sus.End = moderation.AdminID(by), sqldb.Tm(starts), sqldb.Tm(ends)
		return sus, err
	}, `SELECT reason, by_admin, starts, ends FROM moderation_suspensions WHERE kind = $1 AND target = $2 AND starts <= $3 AND ends > $3`,
		string(kind), target, sqldb.Ms(at))
	if err != nil {
		return moderation.Suspension{}, err
	}
	if len(ss) == 0 {
		return moderation.Suspension{}, sqldb.NotFound("no suspension in force")
	}
	return ss[0], nil
}
