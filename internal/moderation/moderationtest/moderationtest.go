// Package moderationtest is the conformance suite of moderation.Store:
// every storage engine runs it.
package moderationtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) moderation.Store) {
	t.Run("Admins", func(t *testing.T) { testAdmins(t, open(t)) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { testAudit(t, open(t)) })
	t.Run("Reports", func(t *testing.T) { testReports(t, open(t)) })
	t.Run("Penalties", func(t *testing.T) { testPenalties(t, open(t)) })
	t.Run("AppealOnce", func(t *testing.T) { testAppealOnce(t, open(t)) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, open(t)) })
	t.Run("Suspensions", func(t *testing.T) { testSuspensions(t, open(t)) })
}

// Suspensions: one per target, in force from start to end, replaced by a
// new one, lifted once; each change audited.
func testSuspensions(t *testing.T, s moderation.Store) {
	ctx := context.Background()
	_, err := s.ActiveSuspension(ctx, moderation.TargetGroup, 7, T0)
	wantCode(t, "no suspension", err, hongyan.CodeNotFound)
	sus := moderation.Suspension{Kind: moderation.TargetGroup, Target: 7, Reason: "spam", By: 1, Start: T0, End: T0.Add(time.Hour)}
	if err := s.Suspend(ctx, sus, audit("suspension.add")); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	if got, err := s.ActiveSuspension(ctx, moderation.TargetGroup, 7, T0.Add(time.Minute)); err != nil || got != sus {
		t.Errorf("in force: got %+v, %v, want %+v", got, err, sus)
	}
	_, err = s.ActiveSuspension(ctx, moderation.TargetOA, 7, T0.Add(time.Minute))
	wantCode(t, "an account of the same number", err, hongyan.CodeNotFound)
	_, err = s.ActiveSuspension(ctx, moderation.TargetGroup, 7, T0.Add(time.Hour))
	wantCode(t, "after its end", err, hongyan.CodeNotFound)
	longer := sus
	longer.End, longer.Reason = T0.Add(48*time.Hour), "scam"
	if err := s.Suspend(ctx, longer, audit("suspension.add")); err != nil {
		t.Fatalf("Suspend again: %v", err)
	}
	if got, err := s.ActiveSuspension(ctx, moderation.TargetGroup, 7, T0.Add(2*time.Hour)); err != nil || got != longer {
		t.Errorf("replaced: got %+v, %v, want %+v", got, err, longer)
	}
	if err := s.LiftSuspension(ctx, moderation.TargetGroup, 7, T0.Add(3*time.Hour), audit("suspension.lift")); err != nil {
		t.Fatalf("LiftSuspension: %v", err)
	}
	_, err = s.ActiveSuspension(ctx, moderation.TargetGroup, 7, T0.Add(4*time.Hour))
	wantCode(t, "after the lift", err, hongyan.CodeNotFound)
	wantCode(t, "lift twice", s.LiftSuspension(ctx, moderation.TargetGroup, 7, T0.Add(5*time.Hour), audit("suspension.lift")), hongyan.CodeNotFound)
	log, err := s.AuditPage(ctx, 0, 10)
	if err != nil || len(log) != 3 {
		t.Errorf("audit: got %d entries, %v, want 3", len(log), err)
	}
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func audit(action string) moderation.Audit {
	return moderation.Audit{Admin: 1, Name: "root", Action: action, Target: "x", Reason: "why", At: T0}
}

func testAdmins(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	a := moderation.Admin{Name: "alice", Role: moderation.RoleModerator, PasswordHash: "h", MustChange: true, Created: T0}
	id, err := s.CreateAdmin(ctx, a, audit("admin.create"))
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	a.ID = id
	_, err = s.CreateAdmin(ctx, moderation.Admin{Name: "alice", Role: moderation.RoleViewer, PasswordHash: "h", Created: T0}, audit("admin.create"))
	wantCode(t, "CreateAdmin with a taken name", err, hongyan.CodeExists)
	got, err := s.AdminByName(ctx, "alice")
	if err != nil {
		t.Fatalf("AdminByName: %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("AdminByName (-want +got):\n%s", diff)
	}
	_, err = s.Admin(ctx, id+100)
	wantCode(t, "Admin of no one", err, hongyan.CodeNotFound)
	_, err = s.AdminByName(ctx, "nobody")
	wantCode(t, "AdminByName of no one", err, hongyan.CodeNotFound)

	a.Role, a.TOTPSecret, a.TOTPEnrolled, a.MustChange, a.PasswordHash = moderation.RoleSuper, "SECRET", true, false, "h2"
	if err := s.UpdateAdmin(ctx, a, audit("admin.update")); err != nil {
		t.Fatalf("UpdateAdmin: %v", err)
	}
	got, err = s.Admin(ctx, id)
	if err != nil {
		t.Fatalf("Admin: %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("Admin after UpdateAdmin (-want +got):\n%s", diff)
	}
	wantCode(t, "UpdateAdmin of no one", s.UpdateAdmin(ctx, moderation.Admin{ID: id + 100}, moderation.Audit{}), hongyan.CodeNotFound)

	if err := s.UseStep(ctx, id, 100); err != nil {
		t.Fatalf("UseStep 100: %v", err)
	}
	wantCode(t, "UseStep 100 again", s.UseStep(ctx, id, 100), hongyan.CodePrecondition)
	wantCode(t, "UseStep 99 after 100", s.UseStep(ctx, id, 99), hongyan.CodePrecondition)
	if err := s.UseStep(ctx, id, 101); err != nil {
		t.Errorf("UseStep 101: %v", err)
	}
	list, err := s.ListAdmins(ctx)
	if err != nil || len(list) != 1 || list[0].TOTPStep != 101 {
		t.Errorf("ListAdmins: got %+v, %v; want alice with step 101", list, err)
	}
	// The creation and the update are in the audit log; the failed
	// creation is not.
	log, err := s.AuditPage(ctx, 0, 10)
	if err != nil {
		t.Fatalf("AuditPage: %v", err)
	}
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if diff := cmp.Diff([]string{"admin.update", "admin.create"}, actions); diff != "" {
		t.Errorf("audit actions (-want +got):\n%s", diff)
	}
}

func testSessions(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	sess := moderation.Session{TokenHash: []byte("hash-1"), CSRF: "c", Admin: 7, Stage: moderation.StageSetup, Created: T0, Expires: T0.Add(time.Hour)}
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.Session(ctx, []byte("hash-1"), T0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if diff := cmp.Diff(sess, got); diff != "" {
		t.Errorf("Session (-want +got):\n%s", diff)
	}
	_, err = s.Session(ctx, []byte("hash-1"), T0.Add(time.Hour))
	wantCode(t, "Session once expired", err, hongyan.CodeNotFound)
	if err := s.SetStage(ctx, []byte("hash-1"), moderation.StageFull); err != nil {
		t.Fatalf("SetStage: %v", err)
	}
	got, _ = s.Session(ctx, []byte("hash-1"), T0)
	if got.Stage != moderation.StageFull {
		t.Errorf("stage after SetStage: got %q, want full", got.Stage)
	}
	wantCode(t, "SetStage of no session", s.SetStage(ctx, []byte("nope"), moderation.StageFull), hongyan.CodeNotFound)
	sess2 := sess
	sess2.TokenHash = []byte("hash-2")
	if err := s.CreateSession(ctx, sess2); err != nil {
		t.Fatalf("CreateSession 2: %v", err)
	}
	if err := s.DeleteSession(ctx, []byte("hash-1")); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = s.Session(ctx, []byte("hash-1"), T0)
	wantCode(t, "Session after DeleteSession", err, hongyan.CodeNotFound)
	if _, err := s.Session(ctx, []byte("hash-2"), T0); err != nil {
		t.Errorf("the other session after DeleteSession: %v", err)
	}
	if err := s.DeleteSessions(ctx, 7); err != nil {
		t.Fatalf("DeleteSessions: %v", err)
	}
	_, err = s.Session(ctx, []byte("hash-2"), T0)
	wantCode(t, "Session after DeleteSessions", err, hongyan.CodeNotFound)
}

func testAudit(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	wantCode(t, "AppendAudit without an action", s.AppendAudit(ctx, moderation.Audit{}), hongyan.CodeInvalid)
	for i := range 5 {
		a := audit("a")
		a.Target = "user:" + string(rune('1'+i))
		a.At = T0.Add(time.Duration(i) * time.Second)
		if err := s.AppendAudit(ctx, a); err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
	}
	first, err := s.AuditPage(ctx, 0, 3)
	if err != nil || len(first) != 3 {
		t.Fatalf("AuditPage: got %d entries, %v; want 3", len(first), err)
	}
	if first[0].Target != "user:5" || first[0].At != T0.Add(4*time.Second) || first[0].Name != "root" || first[0].Reason != "why" {
		t.Errorf("newest entry: got %+v, want user:5 at T0+4s by root", first[0])
	}
	rest, err := s.AuditPage(ctx, first[2].ID, 3)
	if err != nil || len(rest) != 2 {
		t.Fatalf("AuditPage after %d: got %d entries, %v; want 2", first[2].ID, len(rest), err)
	}
	if rest[1].Target != "user:1" {
		t.Errorf("oldest entry: got %q, want user:1", rest[1].Target)
	}
	_, err = s.AuditPage(ctx, 0, 0)
	wantCode(t, "AuditPage with limit 0", err, hongyan.CodeInvalid)
}

func testReports(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	r := moderation.Report{Reporter: 1, Kind: moderation.TargetMessage, Target: "10:3", Reason: "spam",
		Snapshot: moderation.Snapshot{Owner: 2, Title: "张三", Text: "买买买"}, State: moderation.ReportOpen, Created: T0}
	got, err := s.CreateReport(ctx, r, T0.Add(-time.Hour), 2)
	if err != nil {
		t.Fatalf("CreateReport: %v", err)
	}
	r.ID = got.ID
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("CreateReport (-want +got):\n%s", diff)
	}
	if _, err := s.CreateReport(ctx, r, T0.Add(-time.Hour), 2); err != nil {
		t.Fatalf("CreateReport 2: %v", err)
	}
	_, err = s.CreateReport(ctx, r, T0.Add(-time.Hour), 2)
	wantCode(t, "a third report within the window", err, hongyan.CodeRateLimited)
	// Another reporter has a budget of their own; an old window admits.
	other := r
	other.Reporter = 3
	if _, err := s.CreateReport(ctx, other, T0.Add(-time.Hour), 2); err != nil {
		t.Errorf("another reporter's report: %v", err)
	}
	if _, err := s.CreateReport(ctx, r, T0, 2); err != nil {
		t.Errorf("a report once the window moved on: %v", err)
	}
	open, err := s.ReportPage(ctx, moderation.ReportOpen, 0, 10)
	if err != nil || len(open) != 4 {
		t.Fatalf("ReportPage open: got %d, %v; want 4", len(open), err)
	}
	a := audit("report.dismiss")
	if err := s.CloseReport(ctx, r.ID, moderation.ReportDismissed, 9, "not spam", T0.Add(time.Minute), a); err != nil {
		t.Fatalf("CloseReport: %v", err)
	}
	wantCode(t, "CloseReport twice", s.CloseReport(ctx, r.ID, moderation.ReportActioned, 9, "", T0, a), hongyan.CodePrecondition)
	wantCode(t, "CloseReport of none", s.CloseReport(ctx, r.ID+100, moderation.ReportActioned, 9, "", T0, a), hongyan.CodeNotFound)
	got, err = s.Report(ctx, r.ID)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	if got.State != moderation.ReportDismissed || got.HandledBy != 9 || got.Note != "not spam" || !got.Handled.Equal(T0.Add(time.Minute)) {
		t.Errorf("closed report: got %+v", got)
	}
	_, err = s.Report(ctx, r.ID+100)
	wantCode(t, "Report of none", err, hongyan.CodeNotFound)
	open, _ = s.ReportPage(ctx, moderation.ReportOpen, 0, 10)
	all, _ := s.ReportPage(ctx, "", 0, 10)
	if len(open) != 3 || len(all) != 4 {
		t.Errorf("after closing one: got %d open and %d in all, want 3 and 4", len(open), len(all))
	}
	page, _ := s.ReportPage(ctx, "", all[1].ID, 10)
	if len(page) != 2 {
		t.Errorf("ReportPage below the second: got %d, want 2", len(page))
	}
	log, _ := s.AuditPage(ctx, 0, 10)
	if len(log) != 1 || log[0].Action != "report.dismiss" {
		t.Errorf("audit after one dismissal: got %+v, want one report.dismiss", log)
	}
}

func penalty(user hongyan.UserID, kind moderation.Kind, start time.Time, d time.Duration) moderation.Penalty {
	return moderation.Penalty{User: user, Kind: kind, Reason: "spam", By: 1, Start: start, End: start.Add(d)}
}

func testPenalties(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	p1, changes, err := s.AddPenalty(ctx, penalty(5, moderation.KindBan, T0, time.Hour), audit("penalty.add"))
	if err != nil {
		t.Fatalf("AddPenalty: %v", err)
	}
	if len(changes) != 1 || changes[0].User != 5 || changes[0].Kind != hongyan.ChangePenalty || changes[0].Ref != p1.ID || changes[0].Seq != 1 {
		t.Errorf("AddPenalty changes: got %+v, want user 5's entry 1 for penalty %d", changes, p1.ID)
	}
	want := penalty(5, moderation.KindBan, T0, time.Hour)
	want.ID = p1.ID
	if diff := cmp.Diff(want, p1); diff != "" {
		t.Errorf("AddPenalty (-want +got):\n%s", diff)
	}
	got, err := s.Penalty(ctx, p1.ID)
	if err != nil {
		t.Fatalf("Penalty: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Penalty (-want +got):\n%s", diff)
	}
	p2, _, _ := s.AddPenalty(ctx, penalty(5, moderation.KindWarn, T0.Add(-2*time.Hour), time.Hour), audit("penalty.add"))
	if _, _, err := s.AddPenalty(ctx, penalty(6, moderation.KindLimitFeatures, T0, time.Hour), audit("penalty.add")); err != nil {
		t.Fatalf("AddPenalty 3: %v", err)
	}
	active, err := s.ActivePenalties(ctx, 5, T0.Add(time.Minute))
	if err != nil || len(active) != 1 || active[0].ID != p1.ID {
		t.Errorf("ActivePenalties: got %+v, %v; want the ban only", active, err)
	}
	if active, _ := s.ActivePenalties(ctx, 5, T0.Add(time.Hour)); len(active) != 0 {
		t.Errorf("ActivePenalties at the end: got %d, want 0", len(active))
	}
	mine, _ := s.UserPenalties(ctx, 5, 10)
	if len(mine) != 2 || mine[0].ID != p2.ID {
		t.Errorf("UserPenalties: got %+v, want 2 newest first", mine)
	}
	changes, err = s.LiftPenalty(ctx, p1.ID, T0.Add(10*time.Minute), audit("penalty.lift"))
	if err != nil {
		t.Fatalf("LiftPenalty: %v", err)
	}
	if len(changes) != 1 || changes[0].User != 5 || changes[0].Ref != p1.ID || changes[0].Seq != 3 {
		t.Errorf("LiftPenalty changes: got %+v, want user 5's entry 3", changes)
	}
	if active, _ := s.ActivePenalties(ctx, 5, T0.Add(11*time.Minute)); len(active) != 0 {
		t.Errorf("ActivePenalties after lifting: got %d, want 0", len(active))
	}
	wantCode(t, "LiftPenalty twice", second(s.LiftPenalty(ctx, p1.ID, T0.Add(20*time.Minute), audit("penalty.lift"))), hongyan.CodePrecondition)
	wantCode(t, "LiftPenalty of none", second(s.LiftPenalty(ctx, p1.ID+100, T0, audit("penalty.lift"))), hongyan.CodeNotFound)

	// Appeals: only the user, once; decided once.
	wantCode(t, "Appeal of another's penalty", s.Appeal(ctx, p2.ID, 6, "no", T0), hongyan.CodeNotFound)
	if err := s.Appeal(ctx, p2.ID, 5, "我没有", T0); err != nil {
		t.Fatalf("Appeal: %v", err)
	}
	wantCode(t, "Appeal twice", s.Appeal(ctx, p2.ID, 5, "again", T0), hongyan.CodePrecondition)
	pending, _ := s.PenaltyPage(ctx, true, 0, 10)
	if len(pending) != 1 || pending[0].ID != p2.ID || pending[0].AppealText != "我没有" || !pending[0].AppealAt.Equal(T0) {
		t.Errorf("PenaltyPage of appeals: got %+v", pending)
	}
	if all, _ := s.PenaltyPage(ctx, false, 0, 10); len(all) != 3 {
		t.Errorf("PenaltyPage: got %d, want 3", len(all))
	}
	if _, err := s.DecideAppeal(ctx, p2.ID, false, T0, audit("appeal.reject")); err != nil {
		t.Fatalf("DecideAppeal: %v", err)
	}
	wantCode(t, "DecideAppeal twice", second(s.DecideAppeal(ctx, p2.ID, true, T0, audit("appeal.accept"))), hongyan.CodePrecondition)
	got, _ = s.Penalty(ctx, p2.ID)
	if got.Appeal != moderation.AppealRejected || !got.End.Equal(p2.End) {
		t.Errorf("after rejecting: got appeal %q end %v, want rejected and the end unchanged", got.Appeal, got.End)
	}
	p4, _, _ := s.AddPenalty(ctx, penalty(7, moderation.KindLimitLogin, T0, 24*time.Hour), audit("penalty.add"))
	if err := s.Appeal(ctx, p4.ID, 7, "sorry", T0); err != nil {
		t.Fatalf("Appeal p4: %v", err)
	}
	changes, err = s.DecideAppeal(ctx, p4.ID, true, T0.Add(time.Hour), audit("appeal.accept"))
	if err != nil {
		t.Fatalf("DecideAppeal accept: %v", err)
	}
	if len(changes) != 1 || changes[0].User != 7 || changes[0].Ref != p4.ID || changes[0].Kind != hongyan.ChangePenalty {
		t.Errorf("DecideAppeal changes: got %+v, want user 7's entry for penalty %d", changes, p4.ID)
	}
	got, _ = s.Penalty(ctx, p4.ID)
	if got.Appeal != moderation.AppealAccepted || !got.End.Equal(T0.Add(time.Hour)) {
		t.Errorf("after accepting: got appeal %q end %v, want accepted and ended at T0+1h", got.Appeal, got.End)
	}
	log, _ := s.AuditPage(ctx, 0, 100)
	if len(log) != 7 {
		t.Errorf("audit entries: got %d, want 7 (4 adds, a lift, a rejection, an acceptance)", len(log))
	}
}

// testAppealOnce: of many concurrent appeals of one penalty, one wins.
func testAppealOnce(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	p, _, err := s.AddPenalty(ctx, penalty(5, moderation.KindBan, T0, time.Hour), audit("penalty.add"))
	if err != nil {
		t.Fatalf("AddPenalty: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Appeal(ctx, p.ID, 5, "x", T0)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won++
			} else if hongyan.ErrorCode(err) != hongyan.CodePrecondition {
				t.Errorf("Appeal: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("concurrent appeals accepted: got %d, want 1", won)
	}
}

func second[T any](_ T, err error) error { return err }

func testQueue(t *testing.T, s moderation.Store) {
	ctx := t.Context()
	day := 24 * time.Hour
	d0 := T0.Truncate(day)
	days := []time.Time{d0.Add(-day), d0}
	for i, at := range []time.Time{d0.Add(-day + time.Hour), d0.Add(time.Hour), d0.Add(2 * time.Hour)} {
		r := moderation.Report{Reporter: hongyan.UserID(i + 1), Kind: moderation.TargetUser, Target: "9", Reason: "x", State: moderation.ReportOpen, Created: at}
		if _, err := s.CreateReport(ctx, r, at.Add(-day), 10); err != nil {
			t.Fatalf("CreateReport: %v", err)
		}
	}
	p, _, err := s.AddPenalty(ctx, penalty(9, moderation.KindBan, d0.Add(time.Hour), day), audit("penalty.add"))
	if err != nil {
		t.Fatalf("AddPenalty: %v", err)
	}
	s.AddPenalty(ctx, penalty(8, moderation.KindWarn, d0.Add(-day), time.Hour), audit("penalty.add"))
	if err := s.Appeal(ctx, p.ID, 9, "no", d0.Add(2*time.Hour)); err != nil {
		t.Fatalf("Appeal: %v", err)
	}
	q, err := s.Queue(ctx, days, d0.Add(day), d0.Add(3*time.Hour))
	if err != nil {
		t.Fatalf("Queue: %v", err)
	}
	want := moderation.Queue{OpenReports: 3, PendingAppeals: 1, ActivePenalties: 1, Reports: []int64{1, 2}, Penalties: []int64{1, 1}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("Queue (-want +got):\n%s", diff)
	}
}
