// Package grouptest is the conformance suite of group.Store: every storage
// engine runs it.
package grouptest

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/group"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) group.Store) {
	t.Run("Create", func(t *testing.T) { testCreate(t, open(t)) })
	t.Run("ApplyMembers", func(t *testing.T) { testApplyMembers(t, open(t)) })
	t.Run("ApplyVersion", func(t *testing.T) { testApplyVersion(t, open(t)) })
	t.Run("ApplyRace", func(t *testing.T) { testApplyRace(t, open(t)) })
	t.Run("Invitations", func(t *testing.T) { testInvitations(t, open(t)) })
	t.Run("QRCode", func(t *testing.T) { testQRCode(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func member(u hongyan.UserID, r group.Role) group.Member {
	return group.Member{User: u, Role: r, Joined: T0, Active: true}
}

// create makes a group of owner 1 and members 2 and 3.
func create(t *testing.T, s group.Store) group.Group {
	t.Helper()
	g, _, err := s.Create(t.Context(), group.Group{Name: "家人", Owner: 1, Created: T0},
		[]group.Member{member(1, group.RoleOwner), member(2, group.RoleMember), member(3, group.RoleMember)}, nil,
		group.Notice{Kind: group.NoticeCreated, Actor: 1, Users: []hongyan.UserID{2, 3}},
		[]hongyan.Change{{User: 1, Kind: hongyan.ChangeGroup}, {User: 2, Kind: hongyan.ChangeGroup}, {User: 3, Kind: hongyan.ChangeGroup}})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return g
}

func users(ms []group.Member) []hongyan.UserID {
	var out []hongyan.UserID
	for _, m := range ms {
		out = append(out, m.User)
	}
	return out
}

func testCreate(t *testing.T, s group.Store) {
	ctx := t.Context()
	g, changes, err := s.Create(ctx, group.Group{Name: "家人", Owner: 1, Created: T0},
		[]group.Member{member(1, group.RoleOwner), member(2, group.RoleMember)},
		[]group.Invitation{{Inviter: 1, Invitee: 4, State: group.StateInvited, Created: T0, Updated: T0, Notify: []hongyan.UserID{4}}},
		group.Notice{Kind: group.NoticeCreated, Actor: 1, Users: []hongyan.UserID{2}},
		[]hongyan.Change{{User: 1, Kind: hongyan.ChangeGroup}, {User: 2, Kind: hongyan.ChangeGroup}})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if g.ID <= 0 || g.Version != 1 || g.Members != 2 {
		t.Fatalf("Create: got ID %d, version %d, %d members; want a positive ID, version 1, 2 members", g.ID, g.Version, g.Members)
	}
	// One message change per member for the notice, the given changes (with
	// the new group's ID), one for the invitee.
	kinds := map[hongyan.ChangeKind]int{}
	for _, c := range changes {
		kinds[c.Kind]++
		if c.Conversation != g.ID || c.Seq <= 0 {
			t.Errorf("change %+v: want conversation %d and a sequence", c, g.ID)
		}
	}
	if want := map[hongyan.ChangeKind]int{hongyan.ChangeMessage: 2, hongyan.ChangeGroup: 2, hongyan.ChangeGroupInvitation: 1}; !cmp.Equal(kinds, want) {
		t.Errorf("change kinds: got %v, want %v", kinds, want)
	}
	got, err := s.Group(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(g, got); diff != "" {
		t.Errorf("Group differs from what Create returned (-want +got):\n%s", diff)
	}
	ms, err := s.Members(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := users(ms), []hongyan.UserID{1, 2}; !cmp.Equal(got, want) {
		t.Errorf("Members: got %v, want %v", got, want)
	}
	if ms[0].Role != group.RoleOwner || ms[0].Group != g.ID || !ms[0].Joined.Equal(T0) {
		t.Errorf("owner: got %+v", ms[0])
	}
	gs, err := s.Groups(ctx, 2)
	if err != nil || len(gs) != 1 || gs[0].ID != g.ID {
		t.Errorf("Groups(2): got %v, %v; want the group", gs, err)
	}
	if gs, _ := s.Groups(ctx, 4); len(gs) != 0 {
		t.Errorf("Groups of an invitee: got %v, want none", gs)
	}
	_, err = s.Group(ctx, g.ID+1000)
	wantCode(t, "Group of an unknown ID", err, hongyan.CodeNotFound)
	_, err = s.Member(ctx, g.ID, 4)
	wantCode(t, "Member of a non-member", err, hongyan.CodeNotFound)
	// Two groups get two IDs.
	if g2 := create(t, s); g2.ID == g.ID {
		t.Errorf("second group got the same ID %d", g.ID)
	}
}

func testApplyMembers(t *testing.T, s group.Store) {
	ctx := t.Context()
	g := create(t, s)
	n := group.Notice{Kind: group.NoticeRemoved, Actor: 1, Users: []hongyan.UserID{3}}
	changes, err := s.Apply(ctx, group.Op{Group: g, Remove: []hongyan.UserID{3}, Notice: &n, NoticeTo: []hongyan.UserID{1, 2, 3},
		Put: []group.Member{member(4, group.RoleMember)}, Time: T0,
		Changes: []hongyan.Change{{User: 3, Kind: hongyan.ChangeGroupRemoved, Conversation: g.ID}}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(changes) != 4 {
		t.Errorf("Apply: got %d changes, want 3 for the notice and 1 given", len(changes))
	}
	ms, err := s.Members(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := users(ms), []hongyan.UserID{1, 2, 4}; !cmp.Equal(got, want) {
		t.Errorf("Members after removing 3 and adding 4: got %v, want %v", got, want)
	}
	m3, err := s.Member(ctx, g.ID, 3)
	if err != nil || m3.Active {
		t.Errorf("Member 3 after removal: got %+v, %v; want inactive", m3, err)
	}
	cur, err := s.Group(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Members != 3 || cur.Version != g.Version+1 {
		t.Errorf("group after Apply: got %d members, version %d; want 3, %d", cur.Members, cur.Version, g.Version+1)
	}
	// A former member who comes back is active again; a change of a member
	// keeps them where they are.
	m3.Active, m3.Role = true, group.RoleMember
	adm := member(2, group.RoleAdmin)
	adm.Nickname = "二哥"
	if _, err := s.Apply(ctx, group.Op{Group: cur, Put: []group.Member{m3, adm}, Time: T0}); err != nil {
		t.Fatalf("Apply rejoin: %v", err)
	}
	if m, _ := s.Member(ctx, g.ID, 3); !m.Active {
		t.Errorf("member 3 rejoined: got %+v, want active", m)
	}
	if m, _ := s.Member(ctx, g.ID, 2); m.Role != group.RoleAdmin || m.Nickname != "二哥" || !m.Active {
		t.Errorf("member 2 changed: got %+v", m)
	}
	if cur, _ = s.Group(ctx, g.ID); cur.Members != 4 {
		t.Errorf("members after rejoin: got %d, want 4", cur.Members)
	}
}

func testApplyVersion(t *testing.T, s group.Store) {
	ctx := t.Context()
	g := create(t, s)
	next := g
	next.Name = "新"
	if _, err := s.Apply(ctx, group.Op{Group: next, Time: T0}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	stale := g
	stale.Name = "旧"
	_, err := s.Apply(ctx, group.Op{Group: stale, Remove: []hongyan.UserID{2}, Time: T0})
	wantCode(t, "Apply with a stale version", err, hongyan.CodePrecondition)
	cur, err := s.Group(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Name != "新" || cur.Members != 3 {
		t.Errorf("after a refused Apply: got name %q, %d members; want 新, 3", cur.Name, cur.Members)
	}
	_, err = s.Apply(ctx, group.Op{Group: group.Group{ID: g.ID + 1000, Version: 1}, Time: T0})
	wantCode(t, "Apply to an unknown group", err, hongyan.CodePrecondition)
}

// Concurrent changes from one version: exactly one wins.
func testApplyRace(t *testing.T, s group.Store) {
	ctx := t.Context()
	g := create(t, s)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Apply(ctx, group.Op{Group: g, Put: []group.Member{member(hongyan.UserID(10+i), group.RoleMember)}, Time: T0})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch hongyan.ErrorCode(err) {
		case "":
			won++
		case hongyan.CodePrecondition:
		default:
			t.Errorf("racing Apply: %v", err)
		}
	}
	cur, err := s.Group(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won != 1 || cur.Members != 4 || cur.Version != g.Version+1 {
		t.Errorf("%d racing Applies: %d won, %d members, version %d; want 1, 4, %d", n, won, cur.Members, cur.Version, g.Version+1)
	}
}

func testInvitations(t *testing.T, s group.Store) {
	ctx := t.Context()
	g := create(t, s)
	adm := member(2, group.RoleAdmin)
	if _, err := s.Apply(ctx, group.Op{Group: g, Put: []group.Member{adm}, Time: T0}); err != nil {
		t.Fatal(err)
	}
	g.Version++
	invs := []group.Invitation{
		{Inviter: 3, Invitee: 5, State: group.StateApproval, Created: T0, Updated: T0, Notify: []hongyan.UserID{1, 2}},
		{Inviter: 1, Invitee: 6, State: group.StateInvited, Created: T0, Updated: T0, Notify: []hongyan.UserID{6}},
	}
	changes, err := s.Apply(ctx, group.Op{Group: g, Invitations: invs, Time: T0})
	if err != nil {
		t.Fatalf("Apply invitations: %v", err)
	}
	if len(changes) != 3 {
		t.Fatalf("Apply invitations: got %d changes, want 3 (two approvers, one invitee)", len(changes))
	}
	for who, want := range map[hongyan.UserID]int{1: 1, 2: 1, 3: 0, 5: 0, 6: 1} {
		got, err := s.Invitations(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("Invitations(%d): got %d, want %d", who, len(got), want)
		}
	}
	got, _ := s.Invitations(ctx, 6)
	inv := got[0]
	if inv.ID <= 0 || inv.Group != g.ID || inv.Inviter != 1 || inv.State != group.StateInvited || !inv.Created.Equal(T0) {
		t.Errorf("invitation: got %+v", inv)
	}
	inv.State, inv.Updated = group.StateJoined, T0.Add(time.Minute)
	g.Version++
	if _, err := s.Apply(ctx, group.Op{Group: g, Invitations: []group.Invitation{inv}, Time: T0}); err != nil {
		t.Fatal(err)
	}
	again, err := s.Invitation(ctx, inv.ID)
	if err != nil || again.State != group.StateJoined || !again.Updated.Equal(inv.Updated) {
		t.Errorf("Invitation after update: got %+v, %v", again, err)
	}
	if got, _ := s.Invitations(ctx, 6); len(got) != 0 {
		t.Errorf("a settled invitation still waits: %v", got)
	}
	_, err = s.Invitation(ctx, inv.ID+1000)
	wantCode(t, "Invitation of an unknown ID", err, hongyan.CodeNotFound)
}

func testQRCode(t *testing.T, s group.Store) {
	ctx := t.Context()
	g := create(t, s)
	_, err := s.GroupByCode(ctx, "")
	wantCode(t, "GroupByCode of no code", err, hongyan.CodeNotFound)
	g.QRCode, g.QRExpires = "CODE1", T0.Add(7*24*time.Hour)
	if _, err := s.Apply(ctx, group.Op{Group: g, Time: T0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GroupByCode(ctx, "CODE1")
	if err != nil || got.ID != g.ID || !got.QRExpires.Equal(g.QRExpires) {
		t.Errorf("GroupByCode: got %+v, %v", got, err)
	}
	other := create(t, s)
	other.QRCode = "CODE1"
	if _, err := s.Apply(ctx, group.Op{Group: other, Time: T0}); err == nil {
		t.Error("two groups got the same QR code")
	}
}
