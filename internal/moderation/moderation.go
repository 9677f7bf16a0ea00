// Package moderation is the server's own administration: administrators
// (own credentials, roles, TOTP two-factor sign-in, sessions that expire),
// the append-only audit log of everything they do, users' reports with the
// reported content snapshotted, graded penalties with durations, appeals,
// and the Restrictions the entry points of other features ask before they
// act for a penalised user. It knows the other features only through the
// ports node fills (Directory, Snapshots, Sessions).
package moderation

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// AdminID identifies an administrator (not a user).
type AdminID int64

// Role is what an administrator may do. Each role may do what the ones
// below it may.
type Role string

const (
	RoleViewer    Role = "viewer"    // reads everything, changes nothing
	RoleModerator Role = "moderator" // handles reports, penalties, appeals, users
	RoleSuper     Role = "super"     // manages administrators and configuration
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleModerator:
		return 2
	case RoleSuper:
		return 3
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// Admin is an administrator account.
type Admin struct {
	ID           AdminID
	Name         string // sign-in name: 3–32 letters, digits, _ . -
	Role         Role
	PasswordHash string // argon2id, PHC format
	// MustChange: the password is a one-time password; the first sign-in
	// must replace it.
	MustChange bool
	// TOTPSecret is the base32 secret; TOTPEnrolled once a code from it
	// was confirmed (from then on every sign-in needs a code).
	TOTPSecret   string
	TOTPEnrolled bool
	TOTPStep     int64 // the last time step used: a code is good once
	Disabled     bool
	Created      time.Time
}

// Stage is how far a session has come.
type Stage string

const (
	// StageSetup: password right, but the one-time password must be
	// replaced and/or TOTP enrolled before anything else.
	StageSetup Stage = "setup"
	StageFull  Stage = "full" // signed in
)

// Session is an administrator's signed-in browser.
type Session struct {
	TokenHash []byte // sha256 of the cookie's token
	CSRF      string // sent back in a header on every change
	Admin     AdminID
	Stage     Stage
	Created   time.Time
	Expires   time.Time
}

// Principal is the administrator behind a request.
type Principal struct {
	Admin AdminID
	Name  string
	Role  Role
}

// System is the principal of `hongyan admin` commands: whoever holds the
// node's storage and configuration.
var System = Principal{Admin: 0, Name: "system", Role: RoleSuper}

// Audit is one entry of the audit log: who did what to which target,
// when and why. Entries are never changed or deleted.
type Audit struct {
	ID     int64
	Admin  AdminID
	Name   string // the administrator's name at the time
	Action string // "penalty.add", "report.dismiss", "admin.create", …
	Target string // "user:42", "report:7", "admin:3", …
	Reason string
	At     time.Time
}

// TargetKind is what a report is about.
type TargetKind string

const (
	TargetUser    TargetKind = "user"
	TargetGroup   TargetKind = "group"
	TargetMessage TargetKind = "message" // target "CONVERSATION:SEQ"
	TargetPost    TargetKind = "post"    // a Moments post
	TargetOA      TargetKind = "oa"      // an official account
)

// Valid reports whether k is a known target kind.
func (k TargetKind) Valid() bool {
	switch k {
	case TargetUser, TargetGroup, TargetMessage, TargetPost, TargetOA:
		return true
	}
	return false
}

// ReportState is where a report is in the queue.
type ReportState string

const (
	ReportOpen      ReportState = "open"
	ReportActioned  ReportState = "actioned"
	ReportDismissed ReportState = "dismissed"
)

// Snapshot is the reported content as it was when reported, so that
// reviewers see it even after it is edited, recalled or deleted.
type Snapshot struct {
	Owner hongyan.UserID // the user responsible for it (0: none known)
	Title string         // a name: nickname, group name, account name
	Text  string         // the content, bounded by MaxSnapshot
}

// Report is one user's report.
type Report struct {
	ID        int64
	Reporter  hongyan.UserID
	Kind      TargetKind
	Target    string
	Reason    string
	Snapshot  Snapshot
	State     ReportState
	Created   time.Time
	HandledBy AdminID
	Handled   time.Time
	Note      string
}

// Kind is a penalty's grade.
type Kind string

const (
	KindWarn          Kind = "warn"           // a recorded warning
	KindLimitFeatures Kind = "limit-features" // no friend requests, groups, posts, bottles
	KindLimitLogin    Kind = "limit-login"    // no sign-in; devices signed out
	KindBan           Kind = "ban"            // no sign-in; devices signed out
)

// Valid reports whether k is a known grade.
func (k Kind) Valid() bool {
	switch k {
	case KindWarn, KindLimitFeatures, KindLimitLogin, KindBan:
		return true
	}
	return false
}

// AppealState is where a penalty's one appeal is.
type AppealState string

const (
	AppealNone     AppealState = ""
	AppealPending  AppealState = "pending"
	AppealAccepted AppealState = "accepted"
	AppealRejected AppealState = "rejected"
)

// Penalty is a penalty on a user from Start until End.
type Penalty struct {
	ID     int64
	User   hongyan.UserID
	Kind   Kind
	Reason string
	Report int64 // the report it answers, or 0
	By     AdminID
	Start  time.Time
	End    time.Time // lifting a penalty moves End to the time it was lifted
	Appeal AppealState
	// AppealText is the user's appeal; AppealAt when it was made.
	AppealText string
	AppealAt   time.Time
}

// Active reports whether p is in force at t.
func (p Penalty) Active(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Action is what a restricted user tries to do.
type Action string

const (
	ActionSignIn   Action = "sign-in"  // refused by limit-login and ban
	ActionFeatures Action = "features" // refused by limit-features, limit-login and ban
)

// Limits on input.
const (
	MaxReason    = 500  // characters of a report's or penalty's reason
	MaxSnapshot  = 4000 // characters of a snapshot's text
	MaxTarget    = 64   // bytes of a report's target
	MaxAppeal    = 1000 // characters of an appeal
	MaxPassword  = 128  // bytes of an administrator's password
	MinPassword  = 10   // bytes
	MaxPage      = 100  // entries of a page
	MaxDuration  = 100 * 365 * 24 * time.Hour
	MaxAdminName = 32
)

// ReasonPenalized tells a refusal by a penalty (code permission_denied)
// apart; the message says until when.
const ReasonPenalized hongyan.Reason = "penalized"

// Admins is the administrators' store.
type Admins interface {
	// CreateAdmin adds a (CodeExists when the name is taken) and writes
	// the audit entry in the same transaction.
	CreateAdmin(ctx context.Context, a Admin, audit Audit) (AdminID, error)
	Admin(ctx context.Context, id AdminID) (Admin, error)
	AdminByName(ctx context.Context, name string) (Admin, error)
	ListAdmins(ctx context.Context) ([]Admin, error)
	// UpdateAdmin replaces the mutable fields (role, password, must-change,
	// TOTP secret and enrolment, disabled); a non-empty audit entry is
	// written with it.
	UpdateAdmin(ctx context.Context, a Admin, audit Audit) error
	// UseStep records that a TOTP code of step was used, unless a code of
	// this step or a later one was (CodePrecondition): a code is good once.
	UseStep(ctx context.Context, id AdminID, step int64) error
	CreateSession(ctx context.Context, s Session) error
	// Session returns the unexpired session with this token hash.
	Session(ctx context.Context, hash []byte, now time.Time) (Session, error)
	SetStage(ctx context.Context, hash []byte, stage Stage) error
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteSessions(ctx context.Context, admin AdminID) error
}

// AuditLog is the append-only audit log.
type AuditLog interface {
	AppendAudit(ctx context.Context, a Audit) error
	// AuditPage lists entries newest first, with ID below before (0: from
	// the newest), at most limit.
	AuditPage(ctx context.Context, before int64, limit int) ([]Audit, error)
}

// Reports is the reports' store.
type Reports interface {
	// CreateReport stores r unless its reporter made max reports since
	// since (CodeRateLimited): counted in the store, so on every node.
	CreateReport(ctx context.Context, r Report, since time.Time, max int) (Report, error)
	Report(ctx context.Context, id int64) (Report, error)
	// ReportPage lists reports in state ("" for any), newest first, with
	// ID below before (0: from the newest).
	ReportPage(ctx context.Context, state ReportState, before int64, limit int) ([]Report, error)
	// CloseReport moves an open report to state (CodePrecondition when it
	// is not open) and writes the audit entry with it.
	CloseReport(ctx context.Context, id int64, state ReportState, by AdminID, note string, at time.Time, audit Audit) error
}

// Penalties is the penalties' store.
type Penalties interface {
	// AddPenalty stores p and the audit entry in one transaction, with a
	// change-log entry (hongyan.ChangePenalty) for the user, returned.
	AddPenalty(ctx context.Context, p Penalty, audit Audit) (Penalty, []hongyan.Change, error)
	Penalty(ctx context.Context, id int64) (Penalty, error)
	// UserPenalties lists the user's penalties, newest first.
	UserPenalties(ctx context.Context, user hongyan.UserID, limit int) ([]Penalty, error)
	// ActivePenalties lists the user's penalties in force at t.
	ActivePenalties(ctx context.Context, user hongyan.UserID, t time.Time) ([]Penalty, error)
	// PenaltyPage lists penalties newest first (pending appeals only when
	// appeals is set), with ID below before (0: from the newest).
	PenaltyPage(ctx context.Context, appeals bool, before int64, limit int) ([]Penalty, error)
	// Appeal records the user's appeal of their penalty, once
	// (CodePrecondition when it was appealed; CodeNotFound when it is not
	// theirs).
	Appeal(ctx context.Context, id int64, user hongyan.UserID, text string, at time.Time) error
	// DecideAppeal moves a pending appeal to accepted or rejected
	// (CodePrecondition when none is pending); accepting ends the penalty
	// at at. The audit entry and the user's change-log entry are written
	// with it.
	DecideAppeal(ctx context.Context, id int64, accept bool, at time.Time, audit Audit) ([]hongyan.Change, error)
	// LiftPenalty ends the penalty at at (CodePrecondition when it has
	// ended), with the audit entry and the user's change-log entry.
	LiftPenalty(ctx context.Context, id int64, at time.Time, audit Audit) ([]hongyan.Change, error)
}

// Queue are the figures of moderation's own work for the dashboard.
type Queue struct {
	OpenReports     int64
	PendingAppeals  int64
	ActivePenalties int64
	Reports         []int64 // reports made on each day
	Penalties       []int64 // penalties imposed on each day
}

// Figures counts moderation's work.
type Figures interface {
	// Queue counts the open reports, pending appeals and penalties in
	// force at now, and the reports and penalties of each of the days
	// starting at days (ascending; the last ends at until).
	Queue(ctx context.Context, days []time.Time, until, now time.Time) (Queue, error)
}

// Store is everything moderation keeps.
type Store interface {
	Admins
	AuditLog
	Reports
	Penalties
	Figures
	Suspensions
}

// Activity are the figures of the other features the dashboard shows
// (node fills it from account and chat).
type Activity interface {
	// Activity returns the number of users, of devices seen since
	// activeSince, and of messages on each of the days.
	Activity(ctx context.Context, activeSince time.Time, days []time.Time, until time.Time) (users, devices int64, messages []int64, err error)
}

// Directory finds users (the account feature).
type Directory interface {
	// Resolve finds a user by numeric ID or account ID (CodeNotFound).
	Resolve(ctx context.Context, id string) (hongyan.UserID, error)
}

// Snapshots read reported content as its reporter may see it (the
// features that own it): CodeNotFound when there is no such thing or the
// reporter may not see it.
type Snapshots interface {
	Snapshot(ctx context.Context, reporter hongyan.UserID, kind TargetKind, target string) (Snapshot, error)
}

// Sessions signs a user's devices out and resets their password (the
// account feature).
type Sessions interface {
	SignOut(ctx context.Context, user hongyan.UserID) error
	// ResetPassword sets a new random password, returned, and signs every
	// device out.
	ResetPassword(ctx context.Context, user hongyan.UserID) (string, error)
}
