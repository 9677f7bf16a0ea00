package moderation_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/moderation"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// world fakes the features moderation asks: users, content, sessions.
type world struct {
	mu        sync.Mutex
	signedOut []hongyan.UserID
}

func (w *world) Resolve(_ context.Context, id string) (hongyan.UserID, error) {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 && n < 100 {
		return hongyan.UserID(n), nil
	}
	if id == "zhangsan" {
		return 2, nil
	}
	return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such user")
}

// Snapshot: user N and message "C:S" exist; "hidden" is something the
// reporter may not see.
func (w *world) Snapshot(_ context.Context, reporter hongyan.UserID, kind moderation.TargetKind, target string) (moderation.Snapshot, error) {
	if target == "hidden" {
		return moderation.Snapshot{}, hongyan.Errorf(hongyan.CodeNotFound, "no such thing")
	}
	if kind == moderation.TargetUser {
		u, _ := strconv.ParseInt(target, 10, 64)
		return moderation.Snapshot{Owner: hongyan.UserID(u), Title: "user " + target}, nil
	}
	return moderation.Snapshot{Owner: 2, Text: strings.Repeat("广告", 3000)}, nil
}

func (w *world) ResetPassword(_ context.Context, u hongyan.UserID) (string, error) {
	if u >= 100 {
		return "", hongyan.Errorf(hongyan.CodeNotFound, "no such user")
	}
	return "new-password", nil
}

func (w *world) SignOut(_ context.Context, u hongyan.UserID) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.signedOut = append(w.signedOut, u)
	return nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func engines(t *testing.T, f func(t *testing.T, db *stores.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlite.Open(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(t)
		}
		db, err := postgres.Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		f(t, db)
	})
}

type fixture struct {
	s   *moderation.Service
	w   *world
	c   *clock
	ctx context.Context
}

func newFixture(t *testing.T, db *stores.DB) *fixture {
	w := &world{}
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := moderation.DefaultConfig()
	cfg.ReportsPerDay = 3
	s := moderation.New(db.Moderation(), w, w, w, hongyan.Publisher{Bus: membus.New()}, cfg)
	s.SetClock(c.now)
	return &fixture{s: s, w: w, c: c, ctx: t.Context()}
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// enrol creates an administrator and takes them through the first
// sign-in: one-time password, new password, TOTP enrolment. It returns
// their principal and TOTP secret.
func (f *fixture) enrol(t *testing.T, name string, role moderation.Role) (moderation.Principal, string) {
	t.Helper()
	a, pw, err := f.s.CreateAdmin(f.ctx, moderation.System, name, role)
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	in, err := f.s.SignIn(f.ctx, name, pw, "", "10.0.0.1")
	if err != nil {
		t.Fatalf("first SignIn: %v", err)
	}
	if in.Session.Stage != moderation.StageSetup {
		t.Fatalf("first sign-in stage: got %q, want setup", in.Session.Stage)
	}
	e, err := f.s.Enrol(f.ctx, in.Session)
	if err != nil {
		t.Fatalf("Enrol: %v", err)
	}
	if !strings.HasPrefix(e.URL, "otpauth://totp/Hongyan:"+name+"?secret="+e.Secret) {
		t.Errorf("enrolment URL: got %q", e.URL)
	}
	code, _ := totp.GenerateCode(e.Secret, f.c.now())
	if err := f.s.Setup(f.ctx, in.Session, "a new long password", code); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	sess, got, err := f.s.Authenticate(f.ctx, in.Token)
	if err != nil || sess.Stage != moderation.StageFull || got.ID != a.ID {
		t.Fatalf("Authenticate after setup: got %+v %+v %v, want a full session", sess, got, err)
	}
	f.c.add(30 * time.Second) // the next code
	return moderation.Principal{Admin: a.ID, Name: name, Role: role}, e.Secret
}

func TestSignIn(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		_, secret := f.enrol(t, "root", moderation.RoleSuper)
		// The one-time password is gone; the new one needs a code.
		_, err := f.s.SignIn(f.ctx, "root", "a new long password", "", "10.0.0.1")
		wantCode(t, "sign-in without a code", err, hongyan.CodeUnauth)
		_, err = f.s.SignIn(f.ctx, "root", "a new long password", "000000", "10.0.0.1")
		wantCode(t, "sign-in with a wrong code", err, hongyan.CodeUnauth)
		code, _ := totp.GenerateCode(secret, f.c.now())
		_, err = f.s.SignIn(f.ctx, "root", "wrong password!", code, "10.0.0.1")
		wantCode(t, "sign-in with a wrong password", err, hongyan.CodeUnauth)
		in, err := f.s.SignIn(f.ctx, "root", "a new long password", code, "10.0.0.1")
		if err != nil {
			t.Fatalf("sign-in with a code: %v", err)
		}
		if in.Session.Stage != moderation.StageFull {
			t.Errorf("stage: got %q, want full", in.Session.Stage)
		}
		_, err = f.s.SignIn(f.ctx, "root", "a new long password", code, "10.0.0.1")
		wantCode(t, "the same code twice", err, hongyan.CodeUnauth)
		_, err = f.s.SignIn(f.ctx, "nobody", "a new long password", code, "10.0.0.1")
		wantCode(t, "sign-in as nobody", err, hongyan.CodeUnauth)
		if err := moderation.CheckCSRF(in.Session, in.Session.CSRF); err != nil {
			t.Errorf("CheckCSRF with the session's token: %v", err)
		}
		wantCode(t, "CheckCSRF with another token", moderation.CheckCSRF(in.Session, "x"), hongyan.CodeDenied)
		// Sessions expire.
		f.c.add(13 * time.Hour)
		_, _, err = f.s.Authenticate(f.ctx, in.Token)
		wantCode(t, "Authenticate after 13 hours", err, hongyan.CodeUnauth)
		// Attempts are limited.
		for range 10 {
			f.s.SignIn(f.ctx, "root", "x", "", "10.0.0.9")
		}
		_, err = f.s.SignIn(f.ctx, "root", "x", "", "10.0.0.9")
		wantCode(t, "the 11th attempt in a minute", err, hongyan.CodeRateLimited)
	})
}

func TestSetupRefusals(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		_, pw, err := f.s.CreateAdmin(f.ctx, moderation.System, "mod1", moderation.RoleModerator)
		if err != nil {
			t.Fatal(err)
		}
		in, err := f.s.SignIn(f.ctx, "mod1", pw, "", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, "Setup before enrolling", f.s.Setup(f.ctx, in.Session, "a new long password", "123456"), hongyan.CodePrecondition)
		e, err := f.s.Enrol(f.ctx, in.Session)
		if err != nil {
			t.Fatal(err)
		}
		e2, _ := f.s.Enrol(f.ctx, in.Session)
		if e2.Secret != e.Secret {
			t.Errorf("Enrol twice: got a new secret, want the same")
		}
		code, _ := totp.GenerateCode(e.Secret, f.c.now())
		wantCode(t, "Setup with a short password", f.s.Setup(f.ctx, in.Session, "short", code), hongyan.CodeInvalid)
		wantCode(t, "Setup with a wrong code", f.s.Setup(f.ctx, in.Session, "a new long password", "000000"), hongyan.CodeInvalid)
		_, _, err = f.s.CreateAdmin(f.ctx, moderation.System, "mod1", moderation.RoleViewer)
		wantCode(t, "CreateAdmin with a taken name", err, hongyan.CodeExists)
		_, _, err = f.s.CreateAdmin(f.ctx, moderation.System, "bad name!", moderation.RoleViewer)
		wantCode(t, "CreateAdmin with a bad name", err, hongyan.CodeInvalid)
	})
}

func TestRoles(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		viewer := moderation.Principal{Admin: 10, Name: "v", Role: moderation.RoleViewer}
		mod := moderation.Principal{Admin: 11, Name: "m", Role: moderation.RoleModerator}
		r, err := f.s.Report(f.ctx, hongyan.Caller{User: 1}, moderation.TargetUser, "2", "骚扰")
		if err != nil {
			t.Fatalf("Report: %v", err)
		}
		// A viewer reads but cannot act.
		if _, err := f.s.Reports(f.ctx, viewer, moderation.ReportOpen, 0, 10); err != nil {
			t.Errorf("viewer Reports: %v", err)
		}
		wantCode(t, "viewer Dismiss", f.s.Dismiss(f.ctx, viewer, r.ID, ""), hongyan.CodeDenied)
		_, err = f.s.Penalize(f.ctx, viewer, moderation.PenaltyInput{User: 2, Kind: moderation.KindWarn, For: time.Hour, Reason: "x"})
		wantCode(t, "viewer Penalize", err, hongyan.CodeDenied)
		wantCode(t, "viewer SignOutUser", f.s.SignOutUser(f.ctx, viewer, 2, ""), hongyan.CodeDenied)
		_, err = f.s.ResetPassword(f.ctx, viewer, 2, "")
		wantCode(t, "viewer ResetPassword", err, hongyan.CodeDenied)
		if pw, err := f.s.ResetPassword(f.ctx, mod, 2, "forgot"); err != nil || pw != "new-password" {
			t.Errorf("moderator ResetPassword: got %q, %v", pw, err)
		}
		// A moderator acts but cannot manage administrators.
		_, _, err = f.s.CreateAdmin(f.ctx, mod, "newadmin", moderation.RoleViewer)
		wantCode(t, "moderator CreateAdmin", err, hongyan.CodeDenied)
		_, err = f.s.UpdateAdmin(f.ctx, mod, viewer.Admin, moderation.RoleSuper, false, "")
		wantCode(t, "moderator UpdateAdmin", err, hongyan.CodeDenied)
		p, err := f.s.Penalize(f.ctx, mod, moderation.PenaltyInput{User: 2, Kind: moderation.KindWarn, For: time.Hour, Reason: "骚扰", Report: r.ID})
		if err != nil {
			t.Fatalf("moderator Penalize: %v", err)
		}
		got, _ := f.s.GetReport(f.ctx, viewer, r.ID)
		if got.State != moderation.ReportActioned || got.HandledBy != mod.Admin {
			t.Errorf("report after a penalty for it: got %q by %d, want actioned by %d", got.State, got.HandledBy, mod.Admin)
		}
		_, err = f.s.Penalize(f.ctx, mod, moderation.PenaltyInput{User: 2, Kind: moderation.KindWarn, For: time.Hour, Reason: "again", Report: r.ID})
		wantCode(t, "a second penalty for a handled report", err, hongyan.CodePrecondition)
		log, err := f.s.AuditLog(f.ctx, viewer, 0, 10)
		if err != nil {
			t.Fatalf("AuditLog: %v", err)
		}
		if len(log) != 3 || log[0].Action != "report.action" || log[1].Action != "penalty.add" || log[1].Target != "user:2" || log[1].Name != "m" || log[2].Action != "user.reset-password" {
			t.Errorf("audit log: got %+v, want penalty.add on user:2 by m, then report.action", log)
		}
		if _, err := f.s.AuditLog(f.ctx, moderation.Principal{}, 0, 10); hongyan.ErrorCode(err) != hongyan.CodeDenied {
			t.Errorf("AuditLog with no role: got %v, want permission_denied", err)
		}
		_ = p
	})
}

func TestReports(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		me := hongyan.Caller{User: 1}
		_, err := f.s.Report(f.ctx, me, "planet", "2", "x")
		wantCode(t, "report of an unknown kind", err, hongyan.CodeInvalid)
		_, err = f.s.Report(f.ctx, me, moderation.TargetUser, "2", " ")
		wantCode(t, "report without a reason", err, hongyan.CodeInvalid)
		_, err = f.s.Report(f.ctx, me, moderation.TargetUser, "2", strings.Repeat("x", moderation.MaxReason+1))
		wantCode(t, "report with a long reason", err, hongyan.CodeInvalid)
		_, err = f.s.Report(f.ctx, me, moderation.TargetMessage, "hidden", "spam")
		wantCode(t, "report of what the reporter cannot see", err, hongyan.CodeNotFound)
		_, err = f.s.Report(f.ctx, me, moderation.TargetUser, "1", "spam")
		wantCode(t, "report of oneself", err, hongyan.CodeInvalid)
		r, err := f.s.Report(f.ctx, me, moderation.TargetMessage, "5:1", "spam")
		if err != nil {
			t.Fatalf("Report: %v", err)
		}
		if n := len([]rune(r.Snapshot.Text)); n != moderation.MaxSnapshot || r.Snapshot.Owner != 2 {
			t.Errorf("snapshot: got %d characters of user %d, want %d of user 2", n, r.Snapshot.Owner, moderation.MaxSnapshot)
		}
		f.s.Report(f.ctx, me, moderation.TargetGroup, "7", "spam")
		f.s.Report(f.ctx, me, moderation.TargetPost, "8", "spam")
		_, err = f.s.Report(f.ctx, me, moderation.TargetOA, "9", "spam")
		wantCode(t, "the 4th report in a day", err, hongyan.CodeRateLimited)
		f.c.add(25 * time.Hour)
		if _, err := f.s.Report(f.ctx, me, moderation.TargetOA, "9", "spam"); err != nil {
			t.Errorf("a report a day later: %v", err)
		}
	})
}

func TestPenaltiesEnforced(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db)
		mod := moderation.Principal{Admin: 11, Name: "m", Role: moderation.RoleModerator}
		for _, in := range []moderation.PenaltyInput{
			{User: 2, Kind: "jail", For: time.Hour, Reason: "x"},
			{User: 2, Kind: moderation.KindBan, For: 0, Reason: "x"},
			{User: 2, Kind: moderation.KindBan, For: time.Hour, Reason: ""},
			{User: 0, Kind: moderation.KindBan, For: time.Hour, Reason: "x"},
		} {
			_, err := f.s.Penalize(f.ctx, mod, in)
			wantCode(t, "Penalize "+string(in.Kind), err, hongyan.CodeInvalid)
		}
		check := func(u hongyan.UserID, a moderation.Action, want bool) {
			t.Helper()
			err := f.s.Check(f.ctx, u, a)
			if got := err == nil; got != want {
				t.Errorf("user %d %s allowed: got %v (%v), want %v", u, a, got, err, want)
			}
			if err != nil && (hongyan.ErrorReason(err) != moderation.ReasonPenalized || hongyan.ErrorCode(err) != hongyan.CodeDenied || !strings.Contains(hongyan.ErrorMessage(err), "until 2026-")) {
				t.Errorf("refusal: got %v (%q, %q), want permission_denied/penalized with the end time", err, hongyan.ErrorCode(err), hongyan.ErrorReason(err))
			}
		}
		pen := func(u hongyan.UserID, k moderation.Kind, d time.Duration) moderation.Penalty {
			t.Helper()
			p, err := f.s.Penalize(f.ctx, mod, moderation.PenaltyInput{User: u, Kind: k, For: d, Reason: "spam"})
			if err != nil {
				t.Fatalf("Penalize %s: %v", k, err)
			}
			return p
		}
		pen(2, moderation.KindWarn, time.Hour)
		pen(3, moderation.KindLimitFeatures, time.Hour)
		pen(4, moderation.KindLimitLogin, time.Hour)
		ban := pen(5, moderation.KindBan, 2*time.Hour)
		check(2, moderation.ActionSignIn, true)
		check(2, moderation.ActionFeatures, true)
		check(3, moderation.ActionSignIn, true)
		check(3, moderation.ActionFeatures, false)
		check(4, moderation.ActionSignIn, false)
		check(5, moderation.ActionSignIn, false)
		check(5, moderation.ActionFeatures, false)
		if got := f.w.signedOut; len(got) != 2 || got[0] != 4 || got[1] != 5 {
			t.Errorf("signed out: got %v, want [4 5]", got)
		}
		// Appeals: the user's own, once; accepting lifts.
		wantCode(t, "appeal of another's penalty", f.s.Appeal(f.ctx, hongyan.Caller{User: 4}, ban.ID, "x"), hongyan.CodeNotFound)
		if err := f.s.Appeal(f.ctx, hongyan.Caller{User: 5}, ban.ID, "我被盗号了"); err != nil {
			t.Fatalf("Appeal: %v", err)
		}
		wantCode(t, "a second appeal", f.s.Appeal(f.ctx, hongyan.Caller{User: 5}, ban.ID, "x"), hongyan.CodePrecondition)
		viewer := moderation.Principal{Admin: 10, Role: moderation.RoleViewer}
		wantCode(t, "viewer decides", f.s.DecideAppeal(f.ctx, viewer, ban.ID, true, ""), hongyan.CodeDenied)
		if err := f.s.DecideAppeal(f.ctx, mod, ban.ID, true, "stolen account"); err != nil {
			t.Fatalf("DecideAppeal: %v", err)
		}
		check(5, moderation.ActionSignIn, true)
		// Penalties end.
		f.c.add(time.Hour)
		check(3, moderation.ActionFeatures, true)
		check(4, moderation.ActionSignIn, true)
		wantCode(t, "appeal of an ended penalty", f.s.Appeal(f.ctx, hongyan.Caller{User: 4}, ban.ID-1, "x"), hongyan.CodePrecondition)
	})
}
