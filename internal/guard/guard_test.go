package guard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"hongyan/internal/guard"
	"hongyan/internal/guard/guardtest"
	"hongyan/internal/hongyan"
)

const (
	owner  hongyan.UserID         = 1
	admin  hongyan.UserID         = 2
	member hongyan.UserID         = 3
	other  hongyan.UserID         = 4
	self   hongyan.UserID         = 99 // the Guard's bot account
	grp    hongyan.ConversationID = 50
)

// fakeBot records what the Guard did; deny makes every call fail (a
// grant without the scope).
type fakeBot struct {
	did  []string
	deny error
}

func (b *fakeBot) Members(context.Context, hongyan.ConversationID) ([]guard.Member, error) {
	return []guard.Member{{User: owner, Role: "owner"}, {User: admin, Role: "admin"}, {User: member, Role: "member"}, {User: self, Role: "member"}}, nil
}

func (b *fakeBot) record(s string) error {
	if b.deny != nil {
		return b.deny
	}
	b.did = append(b.did, s)
	return nil
}

func (b *fakeBot) Send(_ context.Context, g hongyan.ConversationID, text string, u hongyan.UserID) error {
	return b.record(fmt.Sprintf("send %d @%d", g, u))
}
func (b *fakeBot) RemoveMessage(_ context.Context, g hongyan.ConversationID, m hongyan.MessageID) error {
	return b.record(fmt.Sprintf("remove message %d", m))
}
func (b *fakeBot) RemoveMember(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	return b.record(fmt.Sprintf("remove member %d", u))
}
func (b *fakeBot) Invite(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	return b.record(fmt.Sprintf("invite %d", u))
}

type roles struct{}

func (roles) Role(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) (string, error) {
	switch u {
	case owner:
		return "owner", nil
	case admin:
		return "admin", nil
	case member:
		return "member", nil
	}
	return "", nil
}

type qrImages map[string]bool

func (q qrImages) HasQR(_ context.Context, media string) (bool, error) { return q[media], nil }

var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func newTest(t *testing.T) (*guard.Service, *fakeBot, *guardtest.Mem) {
	t.Helper()
	st := guardtest.NewMem()
	b := &fakeBot{}
	s := guard.New(st, b, qrImages{"m-qr": true}, roles{})
	s.SetClock(func() time.Time { return t0 })
	return s, b, st
}

func msg(id int64, sender hongyan.UserID, kind, text, media string) guard.Event {
	d, _ := json.Marshal(map[string]any{"message_id": id, "chat": map[string]any{"type": "group", "id": int64(grp)},
		"sender": int64(sender), "kind": kind, "text": text, "media": media})
	return guard.Event{Seq: id, Type: "message", Time: t0, Data: d}
}

func set(t *testing.T, s *guard.Service, r guard.Rules) {
	t.Helper()
	r.Group = grp
	if _, err := s.SetRules(context.Background(), hongyan.Caller{User: owner}, r); err != nil {
		t.Fatal(err)
	}
}

func TestRulesOnlyOwnerAndAdmins(t *testing.T) {
	s, _, _ := newTest(t)
	ctx := context.Background()
	for _, u := range []hongyan.UserID{member, other} {
		if _, err := s.SetRules(ctx, hongyan.Caller{User: u}, guard.Rules{Group: grp, Enabled: true, RemoveMessage: true}); hongyan.ErrorCode(err) != hongyan.CodeDenied {
			t.Errorf("SetRules by %d: got %v, want denied", u, err)
		}
		if _, err := s.Log(ctx, hongyan.Caller{User: u}, grp, 0, 10); hongyan.ErrorCode(err) != hongyan.CodeDenied {
			t.Errorf("Log by %d: got %v, want denied", u, err)
		}
	}
	r, err := s.SetRules(ctx, hongyan.Caller{User: admin}, guard.Rules{Group: grp, Enabled: true, RemoveMessage: true, Keywords: []string{" 加微信 ", "FREE", "free", ""}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"加微信", "free"}; !slices.Equal(r.Keywords, want) {
		t.Errorf("keywords: got %q, want %q", r.Keywords, want)
	}
	bad := []guard.Rules{
		{Group: grp, Enabled: true},                                        // no action
		{Group: grp, RemoveMessage: true, Warnings: guard.MaxWarnings + 1}, // too many warnings
		{Group: grp, RemoveMessage: true, Keywords: []string{strings.Repeat("字", guard.MaxKeywordLen+1)}},
		{Group: grp, RemoveMessage: true, Keywords: make([]string, guard.MaxKeywords+1)},
		{Group: grp, RemoveMessage: true, NewMemberHours: guard.MaxNewHours + 1},
	}
	for i, r := range bad {
		if _, err := s.SetRules(ctx, hongyan.Caller{User: owner}, r); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("bad rules %d: got %v, want invalid", i, err)
		}
	}
	got, err := s.GetRules(ctx, hongyan.Caller{User: owner}, grp)
	if err != nil || !slices.Equal(got.Keywords, []string{"加微信", "free"}) {
		t.Errorf("rules after bad updates: got %+v, %v; want the admin's", got, err)
	}
}

func TestKeywordRemovesMessage(t *testing.T) {
	s, b, _ := newTest(t)
	ctx := context.Background()
	set(t, s, guard.Rules{Enabled: true, Keywords: []string{"加微信"}, RemoveMessage: true})
	for _, e := range []guard.Event{msg(10, member, "text", "大家好，加微信领红包", ""), msg(11, member, "text", "hello", ""),
		msg(12, admin, "text", "加微信", ""), msg(13, self, "text", "加微信", "")} {
		if err := s.Handle(ctx, self, e); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"remove message 10"}; !slices.Equal(b.did, want) {
		t.Errorf("did %q, want %q (admins and the Guard itself are never acted on)", b.did, want)
	}
	// The same event again (a replay after a restart) acts once.
	if err := s.Handle(ctx, self, msg(10, member, "text", "加微信", "")); err != nil {
		t.Fatal(err)
	}
	if len(b.did) != 1 {
		t.Errorf("replayed event: did %q, want one action", b.did)
	}
	log, err := s.Log(ctx, hongyan.Caller{User: admin}, grp, 0, 10)
	if err != nil || len(log) != 1 || log[0].Rule != guard.RuleKeyword || log[0].Detail != "加微信" || log[0].User != member {
		t.Fatalf("log: got %+v, %v", log, err)
	}
	_, err = s.Undo(ctx, hongyan.Caller{User: owner}, log[0].ID)
	if hongyan.ErrorCode(err) != hongyan.CodePrecondition || !strings.Contains(hongyan.ErrorMessage(err), "cannot be restored") {
		t.Errorf("undo of a removed message: got %v, want a precondition saying it cannot be restored", err)
	}
}

func TestWarningsThenRemovalAndUndo(t *testing.T) {
	s, b, _ := newTest(t)
	ctx := context.Background()
	set(t, s, guard.Rules{Enabled: true, Links: true, RemoveMessage: true, RemoveMember: true, Warnings: 2})
	for i := int64(1); i <= 3; i++ {
		if err := s.Handle(ctx, self, msg(i, member, "text", "see www.spam.top now", "")); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"remove message 1", "send 50 @3", "remove message 2", "send 50 @3", "remove message 3", "remove member 3"}
	if !slices.Equal(b.did, want) {
		t.Fatalf("did %q, want %q", b.did, want)
	}
	log, _ := s.Log(ctx, hongyan.Caller{User: owner}, grp, 0, 10)
	if log[0].Did != guard.DidRemoveMember {
		t.Fatalf("newest log entry %+v, want the removal", log[0])
	}
	if _, err := s.Undo(ctx, hongyan.Caller{User: member}, log[0].ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("undo by a member: got %v, want not found", err)
	}
	u, err := s.Undo(ctx, hongyan.Caller{User: admin}, log[0].ID)
	if err != nil || u.UndoneBy != admin {
		t.Fatalf("undo: got %+v, %v", u, err)
	}
	if b.did[len(b.did)-1] != "invite 3" {
		t.Errorf("undo did %q, want an invitation of the member", b.did[len(b.did)-1])
	}
	if _, err := s.Undo(ctx, hongyan.Caller{User: admin}, log[0].ID); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("undo twice: got %v, want precondition", err)
	}
	log, _ = s.Log(ctx, hongyan.Caller{User: owner}, grp, 0, 10)
	if log[0].Did != guard.DidReinvite {
		t.Errorf("newest log entry %+v, want the re-invitation", log[0])
	}
}

func TestNewMemberLinksAndQR(t *testing.T) {
	s, b, _ := newTest(t)
	ctx := context.Background()
	set(t, s, guard.Rules{Enabled: true, NewMemberLinks: true, NewMemberHours: 24, QRImages: true, RemoveMessage: true})
	joined, _ := json.Marshal(map[string]any{"group": int64(grp), "actor": int64(owner), "users": []int64{int64(member)}})
	if err := s.Handle(ctx, self, guard.Event{Seq: 1, Type: "member_joined", Time: t0.Add(-time.Hour), Data: joined}); err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(map[string]any{"group": int64(grp), "users": []int64{int64(other)}})
	if err := s.Handle(ctx, self, guard.Event{Seq: 2, Type: "member_joined", Time: t0.Add(-48 * time.Hour), Data: old}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []guard.Event{
		msg(20, member, "text", "https://example.com/x", ""), // new member's link
		msg(21, other, "text", "https://example.com/x", ""),  // joined two days ago
		msg(22, other, "image", "", "m-plain"),
		msg(23, other, "image", "", "m-qr"),
		msg(24, member, "text", "no link here", ""),
	} {
		if err := s.Handle(ctx, self, e); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"remove message 20", "remove message 23"}; !slices.Equal(b.did, want) {
		t.Errorf("did %q, want %q", b.did, want)
	}
}

func TestFailedActionIsLogged(t *testing.T) {
	s, b, _ := newTest(t)
	ctx := context.Background()
	set(t, s, guard.Rules{Enabled: true, Keywords: []string{"spam"}, RemoveMessage: true})
	b.deny = hongyan.Errorf(hongyan.CodeDenied, "the group's owner has not granted members:manage in group 50")
	if err := s.Handle(ctx, self, msg(30, member, "text", "SPAM", "")); err != nil {
		t.Fatal(err)
	}
	log, _ := s.Log(ctx, hongyan.Caller{User: owner}, grp, 0, 10)
	if len(log) != 1 || !strings.Contains(log[0].Error, "members:manage") {
		t.Errorf("log %+v, want the failure and why", log)
	}
}

// events is an EventLog over a slice.
type events []guard.Event

func (es events) Events(_ context.Context, after int64, limit int) ([]guard.Event, error) {
	var out []guard.Event
	for _, e := range es {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func TestCatchUpResumesFromCursor(t *testing.T) {
	s, b, st := newTest(t)
	ctx := context.Background()
	set(t, s, guard.Rules{Enabled: true, Keywords: []string{"spam"}, RemoveMessage: true})
	var log events
	for i := int64(1); i <= 150; i++ {
		log = append(log, msg(i, member, "text", "spam", ""))
	}
	n, err := s.CatchUp(ctx, 7, self, log[:120])
	if err != nil || n != 120 {
		t.Fatalf("CatchUp: got %d, %v; want 120", n, err)
	}
	if c, _ := st.Cursor(ctx, 7); c != 120 {
		t.Fatalf("cursor %d, want 120", c)
	}
	// After a restart: only what is new.
	s2 := guard.New(st, b, nil, roles{})
	n, err = s2.CatchUp(ctx, 7, self, log)
	if err != nil || n != 30 {
		t.Fatalf("CatchUp after restart: got %d, %v; want 30", n, err)
	}
	if len(b.did) != 150 {
		t.Errorf("actions %d, want 150 (each message once)", len(b.did))
	}
}
