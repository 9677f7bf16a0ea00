package moderation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Config tunes moderation.
type Config struct {
	SessionTTL    time.Duration // a signed-in administrator's session (default 12 h)
	SetupTTL      time.Duration // a session in setup (default 15 min)
	ReportsPerDay int           // reports one user may make in 24 hours (default 20)
	SignInRate    hongyan.Rate  // sign-in attempts per name and per address (default 10 a minute)
	Issuer        string        // the name authenticator apps show (default "Hongyan")
	// PasswordHashes bounds the argon2id hashes computed at once (19 MiB
	// each; default 2).
	PasswordHashes int
	// PasswordCost is the argon2id cost of the password hashes the
	// service makes (zero: hongyan.DefaultHashCost). Only tests lower it;
	// checks follow the cost each stored hash records.
	PasswordCost hongyan.HashCost
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{SessionTTL: 12 * time.Hour, SetupTTL: 15 * time.Minute, ReportsPerDay: 20,
		SignInRate: hongyan.Rate{N: 10, Per: time.Minute}, Issuer: "Hongyan", PasswordHashes: 2,
		PasswordCost: hongyan.DefaultHashCost}
}

// Service is moderation's rules over a Store.
type Service struct {
	store    Store
	users    Directory
	snaps    Snapshots
	sessions Sessions
	activity Activity
	pub      hongyan.Publisher
	cfg      Config
	signIns  hongyan.RateLimiter
	// onSuspension is told of each suspension set or lifted (nil: nobody).
	onSuspension func(kind TargetKind, target int64)
	hashing      chan struct{}
	now          func() time.Time
}

// New returns the service. Zero fields of cfg take their defaults.
func New(store Store, users Directory, snaps Snapshots, sessions Sessions, pub hongyan.Publisher, cfg Config) *Service {
	d := DefaultConfig()
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = d.SessionTTL
	}
	if cfg.SetupTTL <= 0 {
		cfg.SetupTTL = d.SetupTTL
	}
	if cfg.ReportsPerDay <= 0 {
		cfg.ReportsPerDay = d.ReportsPerDay
	}
	if cfg.SignInRate.N <= 0 {
		cfg.SignInRate = d.SignInRate
	}
	if cfg.Issuer == "" {
		cfg.Issuer = d.Issuer
	}
	if cfg.PasswordHashes <= 0 {
		cfg.PasswordHashes = d.PasswordHashes
	}
	if cfg.PasswordCost.IsZero() {
		cfg.PasswordCost = d.PasswordCost
	}
	return &Service{store: store, users: users, snaps: snaps, sessions: sessions, pub: pub, cfg: cfg,
		signIns: hongyan.NewLimiter(cfg.SignInRate), hashing: make(chan struct{}, cfg.PasswordHashes),
		now: func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }}
}

// UseLimiters makes the administrator sign-in limit with mk (one that
// holds across a cluster's nodes) in place of the in-memory one New made.
// Call it before the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.signIns = mk("moderation.admin_sign_in", s.cfg.SignInRate)
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	if err := hongyan.HashTurn(ctx, s.hashing); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	h, err := hashPasswordCost(pw, s.cfg.PasswordCost)
	if err != nil {
		return "", hongyan.Wrap(err, hongyan.CodeInternal, "hash a password")
	}
	return h, nil
}

func (s *Service) check(ctx context.Context, hash, pw string) (bool, error) {
	if err := hongyan.HashTurn(ctx, s.hashing); err != nil {
		return false, err
	}
	defer func() { <-s.hashing }()
	ok, err := CheckPassword(hash, pw)
	if err != nil {
		return false, hongyan.Wrap(err, hongyan.CodeInternal, "check a password")
	}
	return ok, nil
}

func userTarget(u hongyan.UserID) string { return "user:" + strconv.FormatInt(int64(u), 10) }

func pageLimit(limit int) int {
	if limit <= 0 || limit > MaxPage {
		return MaxPage
	}
	return limit
}

// ResolveUser finds a user by numeric ID or account ID.
func (s *Service) ResolveUser(ctx context.Context, id string) (hongyan.UserID, error) {
	if id == "" || len(id) > 64 {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "a user is a numeric ID or an account ID")
	}
	return s.users.Resolve(ctx, id)
}

// ---- Reports ----

// Report files the caller's report of a target, snapshotting it as the
// caller sees it (a target the caller cannot see is not found). A user
// may make ReportsPerDay reports in 24 hours.
func (s *Service) Report(ctx context.Context, c hongyan.Caller, kind TargetKind, target, reason string) (Report, error) {
	if !kind.Valid() {
		return Report{}, hongyan.Errorf(hongyan.CodeInvalid, "a report is of a user, group, message, post or oa")
	}
	target = strings.TrimSpace(target)
	if target == "" || len(target) > MaxTarget {
		return Report{}, hongyan.Errorf(hongyan.CodeInvalid, "say what you report")
	}
	if strings.TrimSpace(reason) == "" {
		return Report{}, hongyan.Errorf(hongyan.CodeInvalid, "say why you report it")
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return Report{}, err
	}
	snap, err := s.snaps.Snapshot(ctx, c.User, kind, target)
	if err != nil {
		return Report{}, err
	}
	if snap.Owner == c.User && kind == TargetUser {
		return Report{}, hongyan.Errorf(hongyan.CodeInvalid, "you cannot report yourself")
	}
	snap.Text = truncate(snap.Text, MaxSnapshot)
	snap.Title = truncate(snap.Title, 200)
	now := s.now()
	return s.store.CreateReport(ctx, Report{Reporter: c.User, Kind: kind, Target: target, Reason: reason, Snapshot: snap,
		State: ReportOpen, Created: now}, now.Add(-24*time.Hour), s.cfg.ReportsPerDay)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Reports lists the reports queue (any role).
func (s *Service) Reports(ctx context.Context, p Principal, state ReportState, before int64, limit int) ([]Report, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return nil, err
	}
	switch state {
	case "", ReportOpen, ReportActioned, ReportDismissed:
	default:
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "state is open, actioned or dismissed")
	}
	return s.store.ReportPage(ctx, state, before, pageLimit(limit))
}

// GetReport returns one report (any role).
func (s *Service) GetReport(ctx context.Context, p Principal, id int64) (Report, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return Report{}, err
	}
	return s.store.Report(ctx, id)
}

// Dismiss closes an open report with no action (a moderator).
func (s *Service) Dismiss(ctx context.Context, p Principal, id int64, note string) error {
	if err := s.need(p, RoleModerator); err != nil {
		return err
	}
	if err := hongyan.ValidText("note", note, MaxReason); err != nil {
		return err
	}
	return s.store.CloseReport(ctx, id, ReportDismissed, p.Admin, note, s.now(), s.audit(p, "report.dismiss", "report:"+strconv.FormatInt(id, 10), note))
}

// ---- Penalties ----

// PenaltyInput is a penalty to impose.
type PenaltyInput struct {
	User   hongyan.UserID
	Kind   Kind
	For    time.Duration
	Reason string
	Report int64 // the open report it answers (closed as actioned), or 0
}

// Penalize imposes a penalty (a moderator). limit-login and ban sign the
// user's devices out. With a report, the report is closed as actioned.
func (s *Service) Penalize(ctx context.Context, p Principal, in PenaltyInput) (Penalty, error) {
	if err := s.need(p, RoleModerator); err != nil {
		return Penalty{}, err
	}
	if !in.Kind.Valid() {
		return Penalty{}, hongyan.Errorf(hongyan.CodeInvalid, "kind is warn, limit-features, limit-login or ban")
	}
	if in.For <= 0 || in.For > MaxDuration {
		return Penalty{}, hongyan.Errorf(hongyan.CodeInvalid, "a penalty lasts from a second to 100 years")
	}
	if strings.TrimSpace(in.Reason) == "" {
		return Penalty{}, hongyan.Errorf(hongyan.CodeInvalid, "give a reason")
	}
	if err := hongyan.ValidText("reason", in.Reason, MaxReason); err != nil {
		return Penalty{}, err
	}
	if in.User <= 0 {
		return Penalty{}, hongyan.Errorf(hongyan.CodeInvalid, "no such user")
	}
	now := s.now()
	if in.Report != 0 {
		r, err := s.store.Report(ctx, in.Report)
		if err != nil {
			return Penalty{}, err
		}
		if r.State != ReportOpen {
			return Penalty{}, hongyan.Errorf(hongyan.CodePrecondition, "the report was handled already")
		}
	}
	pen, changes, err := s.store.AddPenalty(ctx, Penalty{User: in.User, Kind: in.Kind, Reason: in.Reason, Report: in.Report, By: p.Admin,
		Start: now, End: now.Add(in.For)}, s.audit(p, "penalty.add", userTarget(in.User), string(in.Kind)+" for "+in.For.String()+": "+in.Reason))
	if err != nil {
		return Penalty{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	if in.Report != 0 {
		err := s.store.CloseReport(ctx, in.Report, ReportActioned, p.Admin, "penalty "+strconv.FormatInt(pen.ID, 10), now,
			s.audit(p, "report.action", "report:"+strconv.FormatInt(in.Report, 10), "penalty "+strconv.FormatInt(pen.ID, 10)))
		if err != nil && hongyan.ErrorCode(err) != hongyan.CodePrecondition {
			return Penalty{}, err
		}
	}
	if in.Kind == KindLimitLogin || in.Kind == KindBan {
		if err := s.sessions.SignOut(ctx, in.User); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return Penalty{}, err
		}
	}
	return pen, nil
}

// UserPenalties lists a user's penalties (any role).
func (s *Service) UserPenalties(ctx context.Context, p Principal, user hongyan.UserID) ([]Penalty, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.UserPenalties(ctx, user, MaxPage)
}

// Penalties lists penalties, or those with a pending appeal (any role).
func (s *Service) Penalties(ctx context.Context, p Principal, appeals bool, before int64, limit int) ([]Penalty, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.PenaltyPage(ctx, appeals, before, pageLimit(limit))
}

// Lift ends a penalty now (a moderator).
func (s *Service) Lift(ctx context.Context, p Principal, id int64, reason string) error {
	if err := s.need(p, RoleModerator); err != nil {
		return err
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return err
	}
	changes, err := s.store.LiftPenalty(ctx, id, s.now(), s.audit(p, "penalty.lift", "penalty:"+strconv.FormatInt(id, 10), reason))
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes) // a lost event costs a re-sync
	return nil
}

// MyPenalty returns one of the caller's own penalties (a user).
func (s *Service) MyPenalty(ctx context.Context, c hongyan.Caller, id int64) (Penalty, error) {
	p, err := s.store.Penalty(ctx, id)
	if err != nil || p.User != c.User {
		return Penalty{}, hongyan.Errorf(hongyan.CodeNotFound, "no such penalty")
	}
	return p, nil
}

// MyPenalties lists the caller's own penalties (a user).
func (s *Service) MyPenalties(ctx context.Context, c hongyan.Caller) ([]Penalty, error) {
	return s.store.UserPenalties(ctx, c.User, MaxPage)
}

// Appeal is the caller's one appeal of one of their penalties while it is
// in force.
func (s *Service) Appeal(ctx context.Context, c hongyan.Caller, id int64, text string) error {
	if strings.TrimSpace(text) == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "say why the penalty should be lifted")
	}
	if err := hongyan.ValidText("appeal", text, MaxAppeal); err != nil {
		return err
	}
	pen, err := s.store.Penalty(ctx, id)
	if err != nil || pen.User != c.User {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such penalty")
	}
	now := s.now()
	if !now.Before(pen.End) {
		return hongyan.Errorf(hongyan.CodePrecondition, "the penalty has ended")
	}
	return s.store.Appeal(ctx, id, c.User, text, now)
}

// DecideAppeal accepts (lifting the penalty) or rejects a pending appeal
// (a moderator).
func (s *Service) DecideAppeal(ctx context.Context, p Principal, id int64, accept bool, reason string) error {
	if err := s.need(p, RoleModerator); err != nil {
		return err
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return err
	}
	action := "appeal.reject"
	if accept {
		action = "appeal.accept"
	}
	changes, err := s.store.DecideAppeal(ctx, id, accept, s.now(), s.audit(p, action, "penalty:"+strconv.FormatInt(id, 10), reason))
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes) // a lost event costs a re-sync
	return nil
}

// ---- Restrictions ----

// Check refuses what user may not do now because of a penalty in force:
// code permission_denied, reason penalized, a message saying until when.
func (s *Service) Check(ctx context.Context, user hongyan.UserID, a Action) error {
	ps, err := s.store.ActivePenalties(ctx, user, s.now())
	if err != nil {
		return err
	}
	var until time.Time
	var kind Kind
	for _, p := range ps {
		refuses := p.Kind == KindBan || p.Kind == KindLimitLogin || a == ActionFeatures && p.Kind == KindLimitFeatures
		if refuses && p.End.After(until) {
			until, kind = p.End, p.Kind
		}
	}
	if until.IsZero() {
		return nil
	}
	what := "your account is limited"
	switch kind {
	case KindBan:
		what = "your account is banned"
	case KindLimitLogin:
		what = "signing in to your account is limited"
	}
	return hongyan.Errorf(hongyan.CodeDenied, "%s until %s", what, until.UTC().Format(time.RFC3339)).WithReason(ReasonPenalized)
}

// ---- Users and the audit log ----

// SignOutUser signs all of a user's devices out (a moderator).
func (s *Service) SignOutUser(ctx context.Context, p Principal, user hongyan.UserID, reason string) error {
	if err := s.need(p, RoleModerator); err != nil {
		return err
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return err
	}
	if err := s.sessions.SignOut(ctx, user); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return err
	}
	return s.store.AppendAudit(ctx, s.audit(p, "user.sign-out", userTarget(user), reason))
}

// ResetPassword gives a user a new random password, returned once for the
// administrator to hand over, and signs their devices out (a moderator).
func (s *Service) ResetPassword(ctx context.Context, p Principal, user hongyan.UserID, reason string) (string, error) {
	if err := s.need(p, RoleModerator); err != nil {
		return "", err
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return "", err
	}
	pw, err := s.sessions.ResetPassword(ctx, user)
	if err != nil {
		return "", err
	}
	return pw, s.store.AppendAudit(ctx, s.audit(p, "user.reset-password", userTarget(user), reason))
}

// Record writes an audit entry for an action another feature carried out
// at an administrator's request (after it succeeded); it checks the role
// the action needs first when need is set.
func (s *Service) Record(ctx context.Context, p Principal, action, target, reason string) error {
	return s.store.AppendAudit(ctx, s.audit(p, action, target, truncate(reason, MaxReason)))
}

// Allow checks that p has role r (for actions of other features).
func (s *Service) Allow(p Principal, r Role) error { return s.need(p, r) }

// AuditLog pages the audit log (any role).
func (s *Service) AuditLog(ctx context.Context, p Principal, before int64, limit int) ([]Audit, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.AuditPage(ctx, before, pageLimit(limit))
}

// SetActivity gives the dashboard the other features' figures.
func (s *Service) SetActivity(a Activity) { s.activity = a }

// Dashboard is what the console's first screen charts.
type Dashboard struct {
	Days          []time.Time // the starts of the last days, oldest first (UTC)
	Users         int64
	ActiveDevices int64   // seen in the last 24 hours
	Messages      []int64 // per day
	Queue
}

// Dashboard returns the figures of the last days (7–60) for any role.
func (s *Service) Dashboard(ctx context.Context, p Principal, days int) (Dashboard, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return Dashboard{}, err
	}
	if days < 1 || days > 60 {
		return Dashboard{}, hongyan.Errorf(hongyan.CodeInvalid, "days is 1–60")
	}
	now := s.now()
	today := now.Truncate(24 * time.Hour)
	d := Dashboard{}
	for i := days - 1; i >= 0; i-- {
		d.Days = append(d.Days, today.Add(-time.Duration(i)*24*time.Hour))
	}
	until := today.Add(24 * time.Hour)
	q, err := s.store.Queue(ctx, d.Days, until, now)
	if err != nil {
		return Dashboard{}, err
	}
	d.Queue = q
	if s.activity != nil {
		if d.Users, d.ActiveDevices, d.Messages, err = s.activity.Activity(ctx, now.Add(-24*time.Hour), d.Days, until); err != nil {
			return Dashboard{}, err
		}
	}
	return d, nil
}
