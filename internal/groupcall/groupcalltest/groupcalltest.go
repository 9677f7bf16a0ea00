// Package groupcalltest is the conformance suite of groupcall.Store: every
// storage engine runs it.
package groupcalltest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"hongyan/internal/groupcall"
	"hongyan/internal/hongyan"
)

// Run runs the suite against stores made by open (each empty).
func Run(t *testing.T, open func(t *testing.T) groupcall.Store) {
	t.Run("SaveComparesVersion", func(t *testing.T) { testSave(t, open(t)) })
	t.Run("RemoveOnce", func(t *testing.T) { testRemove(t, open(t)) })
	t.Run("LeaseRenewAndExpiry", func(t *testing.T) { testLease(t, open(t)) })
	t.Run("ConcurrentOpenOneWins", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("Invalid", func(t *testing.T) { testInvalid(t, open(t)) })
	t.Run("UserRooms", func(t *testing.T) { testUsers(t, open(t)) })
}

var t0 = time.UnixMilli(1_800_000_000_000).UTC()

func rec(g hongyan.ConversationID, k groupcall.Kind, host string, lease time.Time, state string) groupcall.Record {
	return groupcall.Record{Group: g, Kind: k, Host: host, Lease: lease, State: []byte(state)}
}

func load(t *testing.T, s groupcall.Store, g hongyan.ConversationID, k groupcall.Kind) groupcall.Record {
	t.Helper()
	r, err := s.Load(context.Background(), g, k)
	if err != nil {
		t.Fatalf("Load(%d, %d): %v", g, k, err)
	}
	return r
}

func save(t *testing.T, s groupcall.Store, r groupcall.Record) bool {
	t.Helper()
	ok, err := s.Save(context.Background(), r)
	if err != nil {
		t.Fatalf("Save(%d, %d, v%d): %v", r.Group, r.Kind, r.Version, err)
	}
	return ok
}

func testSave(t *testing.T, s groupcall.Store) {
	ctx := context.Background()
	if _, err := s.Load(ctx, 7, groupcall.Voice); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Load of no room: got %v, want not found", err)
	}
	if !save(t, s, rec(7, groupcall.Voice, "n1", t0.Add(time.Minute), "a")) {
		t.Fatal("first Save of a new room: got false, want true")
	}
	if save(t, s, rec(7, groupcall.Voice, "n2", t0.Add(time.Minute), "b")) {
		t.Error("a second new room of the same group and kind: got saved, want refused")
	}
	// The other kind is another room.
	if !save(t, s, rec(7, groupcall.Talkie, "n2", t0.Add(time.Minute), "t")) {
		t.Error("the talkie room beside the voice room: got refused, want saved")
	}
	got := load(t, s, 7, groupcall.Voice)
	if got.Host != "n1" || got.Version != 1 || string(got.State) != "a" || !got.Lease.Equal(t0.Add(time.Minute)) || got.Kind != groupcall.Voice || got.Group != 7 {
		t.Fatalf("Load: got %+v, want n1's room at version 1", got)
	}
	next := got
	next.State = []byte("a2")
	if !save(t, s, next) {
		t.Fatal("Save at the stored version: got false, want true")
	}
	if save(t, s, next) {
		t.Error("Save at a stale version: got true, want false")
	}
	got = load(t, s, 7, groupcall.Voice)
	if got.Version != 2 || string(got.State) != "a2" {
		t.Errorf("after one update: got v%d %q, want v2 \"a2\"", got.Version, got.State)
	}
	big := bytes.Repeat([]byte("x"), 100<<10)
	next = got
	next.State = big
	if !save(t, s, next) || !bytes.Equal(load(t, s, 7, groupcall.Voice).State, big) {
		t.Error("a 100 KiB state did not round-trip")
	}
}

func testRemove(t *testing.T, s groupcall.Store) {
	ctx := context.Background()
	save(t, s, rec(3, groupcall.Voice, "n1", t0, "a"))
	r := load(t, s, 3, groupcall.Voice)
	if ok, err := s.Remove(ctx, 3, groupcall.Voice, r.Version+1, time.Time{}); err != nil || ok {
		t.Errorf("Remove at a wrong version: got %v, %v; want false", ok, err)
	}
	if ok, err := s.Remove(ctx, 3, groupcall.Voice, r.Version, t0); err != nil || ok {
		t.Errorf("Remove of a lease not yet expired: got %v, %v; want false", ok, err)
	}
	if ok, err := s.Remove(ctx, 3, groupcall.Voice, r.Version, t0.Add(time.Millisecond)); err != nil || !ok {
		t.Fatalf("Remove of an expired lease: got %v, %v; want true", ok, err)
	}
	if ok, err := s.Remove(ctx, 3, groupcall.Voice, r.Version, time.Time{}); err != nil || ok {
		t.Errorf("Remove again: got %v, %v; want false", ok, err)
	}
	if _, err := s.Load(ctx, 3, groupcall.Voice); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Load after Remove: got %v, want not found", err)
	}
	// Open again after: a new room, version 1.
	if !save(t, s, rec(3, groupcall.Voice, "n2", t0, "b")) || load(t, s, 3, groupcall.Voice).Version != 1 {
		t.Error("a room opened again after it ended: want saved at version 1")
	}
	// Removing races: exactly one wins.
	r = load(t, s, 3, groupcall.Voice)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Remove(ctx, 3, groupcall.Voice, r.Version, time.Time{})
			if err != nil {
				t.Errorf("Remove: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("8 concurrent removals of one room: got %d true, want 1", wins)
	}
}

func testLease(t *testing.T, s groupcall.Store) {
	ctx := context.Background()
	save(t, s, rec(1, groupcall.Voice, "n1", t0, "a"))
	save(t, s, rec(2, groupcall.Talkie, "n1", t0.Add(time.Second), "b"))
	save(t, s, rec(3, groupcall.Voice, "n2", t0, "c"))
	exp, err := s.Expired(ctx, t0.Add(500*time.Millisecond), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(exp) != 2 || exp[0].Group+exp[1].Group != 4 {
		t.Fatalf("Expired at t0+0.5s: got %d rooms %+v, want groups 1 and 3", len(exp), exp)
	}
	if exp, _ := s.Expired(ctx, t0.Add(time.Hour), 1); len(exp) != 1 {
		t.Errorf("Expired with limit 1: got %d rooms, want 1", len(exp))
	}
	if err := s.Renew(ctx, "n1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	exp, _ = s.Expired(ctx, t0.Add(2*time.Second), 10)
	if len(exp) != 1 || exp[0].Group != 3 || exp[0].Host != "n2" {
		t.Errorf("after n1 renews: got %+v, want only n2's room expired", exp)
	}
	r := load(t, s, 2, groupcall.Talkie)
	if r.Version != 1 || !r.Lease.Equal(t0.Add(time.Minute)) {
		t.Errorf("a renewed room: got v%d lease %v, want v1 lease %v (renewing does not change the version)", r.Version, r.Lease, t0.Add(time.Minute))
	}
	// Another node takes an expired room over by Save at its version.
	r = load(t, s, 3, groupcall.Voice)
	r.Host, r.Lease = "n1", t0.Add(time.Minute)
	if !save(t, s, r) || load(t, s, 3, groupcall.Voice).Host != "n1" {
		t.Error("taking an expired room over: want n1 to hold it")
	}
}

func testConcurrent(t *testing.T, s groupcall.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Save(ctx, rec(9, groupcall.Voice, string(rune('a'+i)), t0, "x"))
			if err != nil {
				t.Errorf("Save: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("8 nodes opening one room at once: got %d saved, want 1", wins)
	}
}

func testInvalid(t *testing.T, s groupcall.Store) {
	ctx := context.Background()
	for name, r := range map[string]groupcall.Record{
		"no group":  rec(0, groupcall.Voice, "n", t0, "a"),
		"bad kind":  rec(1, 9, "n", t0, "a"),
		"no host":   rec(1, groupcall.Voice, "", t0, "a"),
		"no state":  rec(1, groupcall.Voice, "n", t0, ""),
		"too large": {Group: 1, Kind: groupcall.Voice, Host: "n", State: make([]byte, groupcall.MaxState+1)},
	} {
		if _, err := s.Save(ctx, r); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("Save %s: got %v, want invalid", name, err)
		}
	}
	if _, err := s.Load(ctx, 1, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Load of kind 0: got %v, want invalid", err)
	}
	if _, err := s.Expired(ctx, t0, 0); err == nil {
		t.Error("Expired with limit 0: got no error")
	}
	if exp, _ := s.Expired(ctx, t0.Add(time.Hour), 10); len(exp) != 0 {
		t.Errorf("after refused saves: got %d rooms, want none", len(exp))
	}
}

func rooms(t *testing.T, s groupcall.Store, u hongyan.UserID) []groupcall.RoomKey {
	t.Helper()
	got, err := s.UserRooms(context.Background(), u)
	if err != nil {
		t.Fatalf("UserRooms(%d): %v", u, err)
	}
	return got
}

func testUsers(t *testing.T, s groupcall.Store) {
	ctx := context.Background()
	r := rec(4, groupcall.Voice, "n1", t0, "a")
	r.Users = []hongyan.UserID{1, 2}
	save(t, s, r)
	r2 := rec(5, groupcall.Talkie, "n2", t0, "b")
	r2.Users = []hongyan.UserID{2}
	save(t, s, r2)
	if got := rooms(t, s, 2); len(got) != 2 || got[0] != (groupcall.RoomKey{Group: 4, Kind: groupcall.Voice}) || got[1] != (groupcall.RoomKey{Group: 5, Kind: groupcall.Talkie}) {
		t.Errorf("user 2's rooms: got %v, want group 4's call and group 5's walkie-talkie room", got)
	}
	if got := rooms(t, s, 3); len(got) != 0 {
		t.Errorf("user 3's rooms: got %v, want none", got)
	}
	// An update replaces the participants; a refused one changes nothing.
	cur := load(t, s, 4, groupcall.Voice)
	cur.Users = []hongyan.UserID{1, 3}
	save(t, s, cur)
	stale := cur
	stale.Users = []hongyan.UserID{9}
	if save(t, s, stale) {
		t.Fatal("a stale save was stored")
	}
	if got := rooms(t, s, 2); len(got) != 1 || got[0].Group != 5 {
		t.Errorf("user 2 after leaving group 4's call: got %v, want only group 5's room", got)
	}
	if got := rooms(t, s, 3); len(got) != 1 || got[0].Group != 4 {
		t.Errorf("user 3 after joining: got %v, want group 4's call", got)
	}
	if got := rooms(t, s, 9); len(got) != 0 {
		t.Errorf("user 9 of a refused save: got %v, want none", got)
	}
	// Removing the room removes its participants; a refused remove does not.
	v := load(t, s, 4, groupcall.Voice).Version
	if ok, _ := s.Remove(ctx, 4, groupcall.Voice, v+5, time.Time{}); ok {
		t.Fatal("a remove at a wrong version succeeded")
	}
	if got := rooms(t, s, 1); len(got) != 1 {
		t.Errorf("user 1 after a refused remove: got %v, want group 4's call", got)
	}
	if ok, _ := s.Remove(ctx, 4, groupcall.Voice, v, time.Time{}); !ok {
		t.Fatal("remove failed")
	}
	if got := rooms(t, s, 1); len(got) != 0 {
		t.Errorf("user 1 after the call ended: got %v, want none", got)
	}
	bad := rec(6, groupcall.Voice, "n1", t0, "a")
	bad.Users = []hongyan.UserID{0}
	if _, err := s.Save(ctx, bad); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("a participant without a user: got %v, want invalid", err)
	}
}
