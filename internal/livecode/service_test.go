package livecode_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
	"hongyan/internal/sqlite"
)

// fakeGroups keeps groups in memory with the rules the port promises: a
// join over the limit is refused, atomically.
type fakeGroups struct {
	mu        sync.Mutex
	next      hongyan.ConversationID
	owners    map[hongyan.ConversationID]hongyan.UserID
	members   map[hongyan.ConversationID]map[hongyan.UserID]bool
	dissolved map[hongyan.ConversationID]bool
	names     map[hongyan.ConversationID]string
}

func newFakeGroups() *fakeGroups {
	return &fakeGroups{next: 100, owners: map[hongyan.ConversationID]hongyan.UserID{},
		members: map[hongyan.ConversationID]map[hongyan.UserID]bool{}, dissolved: map[hongyan.ConversationID]bool{},
		names: map[hongyan.ConversationID]string{}}
}

func (f *fakeGroups) add(owner hongyan.UserID, name string, others ...hongyan.UserID) hongyan.ConversationID {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	id := f.next
	f.owners[id], f.names[id] = owner, name
	f.members[id] = map[hongyan.UserID]bool{owner: true}
	for _, u := range others {
		f.members[id][u] = true
	}
	return id
}

func (f *fakeGroups) Owner(_ context.Context, id hongyan.ConversationID, user hongyan.UserID) (hongyan.UserID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.members[id][user] || f.dissolved[id] {
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such group")
	}
	return f.owners[id], nil
}

func (f *fakeGroups) Spawn(_ context.Context, owner hongyan.UserID, template hongyan.ConversationID, name string) (hongyan.ConversationID, error) {
	if f.owners[template] != owner {
		return 0, fmt.Errorf("spawn of %d by %d, not its owner", template, owner)
	}
	return f.add(owner, name), nil
}

func (f *fakeGroups) JoinUpTo(_ context.Context, id hongyan.ConversationID, user hongyan.UserID, limit int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.dissolved[id]:
		return hongyan.Errorf(hongyan.CodePrecondition, "dissolved").WithReason(hongyan.ReasonGroupDissolved)
	case f.members[id][user]:
		return nil
	case len(f.members[id]) >= limit:
		return hongyan.Errorf(hongyan.CodePrecondition, "full").WithReason(hongyan.ReasonGroupFull)
	}
	f.members[id][user] = true
	return nil
}

func (f *fakeGroups) size(id hongyan.ConversationID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.members[id])
}

func newService(t *testing.T, cfg livecode.Config) (*livecode.Service, livecode.Store, *fakeGroups) {
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	g := newFakeGroups()
	return livecode.New(db.LiveCodes(), g, cfg), db.LiveCodes(), g
}

func me(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func TestCreateRules(t *testing.T) {
	cfg := livecode.DefaultConfig()
	cfg.MaxCodes = 2
	s, _, g := newService(t, cfg)
	ctx := t.Context()
	tmpl := g.add(1, "读书会", 2)

	_, err := s.Create(ctx, me(2), "读书会", tmpl, 0)
	wantCode(t, "a member who is not the owner", err, hongyan.CodeDenied)
	_, err = s.Create(ctx, me(3), "读书会", tmpl, 0)
	wantCode(t, "a stranger to the group", err, hongyan.CodeNotFound)
	for _, name := range []string{"", strings.Repeat("字", livecode.MaxName+1)} {
		_, err = s.Create(ctx, me(1), name, tmpl, 0)
		wantCode(t, fmt.Sprintf("name of %d characters", len([]rune(name))), err, hongyan.CodeInvalid)
	}
	for _, n := range []int{1, -1, cfg.GroupLimit + 1} {
		_, err = s.Create(ctx, me(1), "读书会", tmpl, n)
		wantCode(t, fmt.Sprintf("max members %d", n), err, hongyan.CodeInvalid)
	}
	c, err := s.Create(ctx, me(1), "读书会", tmpl, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxMembers != cfg.GroupLimit || len(c.Token) != 32 {
		t.Errorf("Create: got max %d, token %q; want %d and 32 characters", c.MaxMembers, c.Token, cfg.GroupLimit)
	}
	if _, err := s.Create(ctx, me(1), "读书会 B", tmpl, 10); err != nil {
		t.Fatal(err)
	}
	_, err = s.Create(ctx, me(1), "读书会 C", tmpl, 10)
	wantCode(t, "a third code over MaxCodes 2", err, hongyan.CodePrecondition)

	_, err = s.Get(ctx, me(2), c.ID)
	wantCode(t, "Get by another user", err, hongyan.CodeNotFound)
	for _, tok := range []string{"", "NOPE", strings.Repeat("A", livecode.MaxToken+1)} {
		_, err = s.Scan(ctx, me(5), tok)
		wantCode(t, fmt.Sprintf("Scan of token %.10q", tok), err, hongyan.CodeNotFound)
	}
}

func TestScanRoutesToGroupsWithRoom(t *testing.T) {
	s, _, g := newService(t, livecode.DefaultConfig())
	ctx := t.Context()
	tmpl := g.add(1, "读书会", 2)
	c, err := s.Create(ctx, me(1), "读书会", tmpl, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []hongyan.ConversationID
	for u := hongyan.UserID(10); u < 15; u++ {
		gid, err := s.Scan(ctx, me(u), c.Token)
		if err != nil {
			t.Fatalf("Scan by %d: %v", u, err)
		}
		got = append(got, gid)
	}
	// The template holds 1 and 2: 10 fills it; 11 and 12 go to a new group
	// of the owner's, 13 and 14 to a third.
	if got[0] != tmpl || got[1] == tmpl || got[1] != got[2] || got[3] == got[1] || got[3] != got[4] {
		t.Fatalf("groups of 5 scans with 3 members a group: got %v", got)
	}
	if name := g.names[got[1]]; name != "读书会 2" {
		t.Errorf("the second group's name: got %q, want %q", name, "读书会 2")
	}
	for _, id := range []hongyan.ConversationID{tmpl, got[1], got[3]} {
		if n := g.size(id); n != 3 {
			t.Errorf("group %d: got %d members, want 3", id, n)
		}
	}
	// A member who scans again is led to their group and nobody is added.
	again, err := s.Scan(ctx, me(12), c.Token)
	if err != nil || again != got[1] {
		t.Errorf("a member scans again: got %d, %v; want %d", again, err, got[1])
	}
	v, err := s.Get(ctx, me(1), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Slots) != 3 || !v.Slots[0].Full || v.Stats.Scans != 6 || v.Stats.PerGroup[got[1]] != 3 {
		t.Errorf("Get: got slots %+v, stats %+v; want 3 slots (the first full) and 6 scans, 3 into group %d", v.Slots, v.Stats, got[1])
	}
}

// TestConcurrentScans: many people scan at once; no group goes over its
// limit, everyone is placed, and only as many groups are made as needed.
func TestConcurrentScans(t *testing.T) {
	s, store, g := newService(t, livecode.DefaultConfig())
	ctx := t.Context()
	tmpl := g.add(1, "班级群", 2)
	c, err := s.Create(ctx, me(1), "班级群", tmpl, 50)
	if err != nil {
		t.Fatal(err)
	}
	const scanners = 200
	placed := make([]hongyan.ConversationID, scanners)
	var wg sync.WaitGroup
	for i := range scanners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gid, err := s.Scan(ctx, me(hongyan.UserID(1000+i)), c.Token)
			if err != nil {
				t.Errorf("Scan %d: %v", i, err)
			}
			placed[i] = gid
		}()
	}
	wg.Wait()
	slots, err := store.Slots(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 2 + 200 people, 50 a group, the owner in each new one: the template
	// takes 48, then 49 a group: 48+49+49+49 = 195, and 5 in a fifth.
	if len(slots) != 5 {
		t.Errorf("got %d groups, want 5", len(slots))
	}
	total := 0
	for _, sl := range slots {
		n := g.size(sl.Group)
		if sl.Group == 0 || n > 50 {
			t.Errorf("slot %d: group %d with %d members; want a group of at most 50", sl.Index, sl.Group, n)
		}
		total += n
	}
	if want := 2 + scanners + len(slots) - 1; total != want {
		t.Errorf("members in all groups: got %d, want %d", total, want)
	}
	for i, gid := range placed {
		if gid == 0 || !g.members[gid][hongyan.UserID(1000+i)] {
			t.Errorf("scanner %d: placed in %d, not a member of it", i, gid)
		}
	}
}

func TestStaleClaimTakenOver(t *testing.T) {
	cfg := livecode.DefaultConfig()
	s, store, g := newService(t, cfg)
	ctx := t.Context()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	tmpl := g.add(1, "群", 2)
	c, err := s.Create(ctx, me(1), "群", tmpl, 2)
	if err != nil {
		t.Fatal(err)
	}
	// A node claimed slot 1 and died before its group was made.
	if won, err := store.Claim(ctx, c.ID, 1, now, now.Add(-cfg.ClaimStale)); err != nil || !won {
		t.Fatalf("Claim: %v, %v", won, err)
	}
	now = now.Add(cfg.ClaimStale + time.Second)
	gid, err := s.Scan(ctx, me(9), c.Token)
	if err != nil {
		t.Fatal(err)
	}
	if gid == tmpl || g.size(gid) != 2 {
		t.Errorf("after a stale claim: got group %d of %d members; want a new group of 2", gid, g.size(gid))
	}
}

func TestScanLimits(t *testing.T) {
	cfg := livecode.DefaultConfig()
	cfg.ScanRate = hongyan.Rate{N: 2, Per: time.Hour}
	cfg.MaxGroups = 1
	s, _, g := newService(t, cfg)
	ctx := t.Context()
	tmpl := g.add(1, "群", 2)
	c, err := s.Create(ctx, me(1), "群", tmpl, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scan(ctx, me(9), c.Token); err != nil {
		t.Fatal(err)
	}
	_, err = s.Scan(ctx, me(10), c.Token) // the one group allowed besides the template is full too
	if hongyan.ErrorReason(err) != hongyan.ReasonGroupFull {
		t.Errorf("all groups full: got %v, want reason %q", err, hongyan.ReasonGroupFull)
	}
	s.Scan(ctx, me(9), c.Token)
	_, err = s.Scan(ctx, me(9), c.Token)
	wantCode(t, "a third scan within the hour", err, hongyan.CodeRateLimited)
}
