// Package discoverytest is the conformance suite of discovery.Store: every
// storage engine runs it.
package discoverytest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) discovery.Store) {
	t.Run("Spots", func(t *testing.T) { testSpots(t, open(t)) })
	t.Run("Shakes", func(t *testing.T) { testShakes(t, open(t)) })
	t.Run("PairOnce", func(t *testing.T) { testPairOnce(t, open(t)) })
	t.Run("ShakeAndPair", func(t *testing.T) { testShakeAndPair(t, open(t)) })
	t.Run("ShakeAndPairOnce", func(t *testing.T) { testShakeAndPairOnce(t, open(t)) })
	t.Run("Bottles", func(t *testing.T) { testBottles(t, open(t)) })
	t.Run("VoiceBottles", func(t *testing.T) { testVoiceBottles(t, open(t)) })
	t.Run("Quotas", func(t *testing.T) { testQuotas(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func spot(u hongyan.UserID, lat, lon float64, g discovery.Gender, at time.Time) discovery.Spot {
	p := discovery.Point{Lat: lat, Lon: lon}
	return discovery.Spot{User: u, Point: p, Cells: discovery.Cells(p), Card: discovery.Card{Nickname: "用户", Gender: g}, Updated: at}
}

func users(sps []discovery.Spot) []hongyan.UserID {
	out := []hongyan.UserID{}
	for _, s := range sps {
		out = append(out, s.User)
	}
	slices.Sort(out)
	return out
}

func testSpots(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	_, err := s.Spot(ctx, 1)
	wantCode(t, "Spot of no one", err, hongyan.CodeNotFound)
	me := spot(1, 31.2304, 121.4737, discovery.GenderMale, T0)
	for _, sp := range []discovery.Spot{
		me,
		spot(2, 31.2310, 121.4740, discovery.GenderFemale, T0),
		spot(3, 31.2320, 121.4750, discovery.GenderMale, T0),
		spot(4, 31.2304, 121.4737, discovery.GenderFemale, T0.Add(-2*time.Hour)), // old
		spot(5, 39.9042, 116.4074, discovery.GenderFemale, T0),                   // Beijing
	} {
		if err := s.SetSpot(ctx, sp); err != nil {
			t.Fatalf("SetSpot %d: %v", sp.User, err)
		}
	}
	got, err := s.Spot(ctx, 1)
	if err != nil {
		t.Fatalf("Spot: %v", err)
	}
	if diff := cmp.Diff(me, got); diff != "" {
		t.Errorf("Spot (-want +got):\n%s", diff)
	}
	fine := discovery.Levels[1]
	cells := discovery.Cover(me.Point, fine.Radius, fine.Deg)
	since := T0.Add(-time.Hour)
	sps, err := s.Around(ctx, 1, cells, 1, since, discovery.GenderAny, 100)
	if err != nil {
		t.Fatalf("Around: %v", err)
	}
	if got, want := users(sps), []hongyan.UserID{2, 3}; !slices.Equal(got, want) {
		t.Errorf("Around fine: got %v, want %v", got, want)
	}
	sps, err = s.Around(ctx, 1, cells, 1, since, discovery.GenderFemale, 100)
	if err != nil {
		t.Fatalf("Around female: %v", err)
	}
	if got, want := users(sps), []hongyan.UserID{2}; !slices.Equal(got, want) {
		t.Errorf("Around female: got %v, want %v", got, want)
	}
	sps, err = s.Around(ctx, 1, discovery.Cover(me.Point, discovery.MaxRadius, discovery.Levels[2].Deg), 2, T0.Add(-3*time.Hour), discovery.GenderAny, 100)
	if err != nil {
		t.Fatalf("Around coarse: %v", err)
	}
	if got, want := users(sps), []hongyan.UserID{2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("Around coarse: got %v, want %v", got, want)
	}
	for _, sp := range sps {
		if sp.Card != (discovery.Card{}) || sp.Updated.IsZero() || sp.Point.Lat == 0 {
			t.Errorf("Around: got %+v, want the spot without its card", sp)
		}
	}
	cards, err := s.Cards(ctx, []hongyan.UserID{2, 5, 77})
	if err != nil {
		t.Fatalf("Cards: %v", err)
	}
	if want := map[hongyan.UserID]discovery.Card{2: {Nickname: "用户", Gender: discovery.GenderFemale}, 5: {Nickname: "用户", Gender: discovery.GenderFemale}}; !cmp.Equal(cards, want) {
		t.Errorf("Cards: got %v, want %v", cards, want)
	}
	sps, err = s.Around(ctx, 1, cells, 1, since, discovery.GenderAny, 1)
	if err != nil || len(sps) != 1 {
		t.Errorf("Around limit 1: got %d spots, %v; want 1", len(sps), err)
	}
	// Moving replaces the spot.
	if err := s.SetSpot(ctx, spot(2, 39.9, 116.4, discovery.GenderFemale, T0)); err != nil {
		t.Fatalf("SetSpot move: %v", err)
	}
	sps, _ = s.Around(ctx, 1, cells, 1, since, discovery.GenderAny, 100)
	if got, want := users(sps), []hongyan.UserID{3}; !slices.Equal(got, want) {
		t.Errorf("Around after a move: got %v, want %v", got, want)
	}
	if err := s.ClearSpot(ctx, 3); err != nil {
		t.Fatalf("ClearSpot: %v", err)
	}
	if err := s.ClearSpot(ctx, 3); err != nil {
		t.Errorf("ClearSpot again: %v", err)
	}
	sps, _ = s.Around(ctx, 1, cells, 1, since, discovery.GenderAny, 100)
	if len(sps) != 0 {
		t.Errorf("Around after clearing: got %v, want none", users(sps))
	}
	n, err := s.PruneSpots(ctx, since)
	if err != nil || n != 1 {
		t.Errorf("PruneSpots: got %d, %v; want 1", n, err)
	}
	_, err = s.Spot(ctx, 4)
	wantCode(t, "Spot pruned", err, hongyan.CodeNotFound)
}

func testShakes(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	add := func(u hongyan.UserID, at time.Time) {
		t.Helper()
		if err := s.AddShake(ctx, discovery.Shake{User: u, At: at, Point: discovery.Point{Lat: 30, Lon: 120}, Located: u%2 == 0,
			Card: discovery.Card{Nickname: "摇"}}); err != nil {
			t.Fatalf("AddShake %d: %v", u, err)
		}
	}
	add(1, T0.Add(-10*time.Second)) // too old
	add(2, T0)
	add(3, T0.Add(time.Second))
	add(4, T0.Add(2*time.Second))
	shs, err := s.Shakers(ctx, 4, T0.Add(-time.Second), 10)
	if err != nil {
		t.Fatalf("Shakers: %v", err)
	}
	var got []hongyan.UserID
	for _, sh := range shs {
		got = append(got, sh.User)
	}
	if want := []hongyan.UserID{2, 3}; !slices.Equal(got, want) {
		t.Errorf("Shakers: got %v, want %v (oldest first, not mine, not too old)", got, want)
	}
	changes, ok, matched, err := s.Pair(ctx, 4, 2, T0.Add(-time.Second))
	if err != nil || !ok || matched != 0 {
		t.Fatalf("Pair 4 2: %v, %v, %v; want true, 0, nil", ok, matched, err)
	}
	if len(changes) != 2 || changes[0].Kind != hongyan.ChangeShake || changes[0].Ref != 2 || changes[1].User != 2 || changes[1].Ref != 4 || changes[0].Seq == 0 {
		t.Errorf("Pair changes: got %+v", changes)
	}
	_, ok, matched, err = s.Pair(ctx, 3, 2, T0.Add(-time.Second))
	if err != nil || ok || matched != 0 {
		t.Errorf("Pair with a matched shake: got %v, %v, %v; want false, 0 (3 is unmatched)", ok, matched, err)
	}
	_, ok, matched, err = s.Pair(ctx, 2, 3, T0.Add(-time.Second))
	if err != nil || ok || matched != 4 {
		t.Errorf("Pair of a matched shake: got %v, matched %v, %v; want false, 4 (whom 2 is matched with)", ok, matched, err)
	}
	_, ok, matched, err = s.Pair(ctx, 3, 1, T0.Add(-time.Second))
	if err != nil || ok || matched != 0 {
		t.Errorf("Pair with a too old shake: got %v, %v, %v; want false, 0", ok, matched, err)
	}
	me, err := s.ShakeOf(ctx, 3)
	if err != nil || me.Match != 0 {
		t.Errorf("ShakeOf 3 after failed pairs: got %+v, %v; want unmatched", me, err)
	}
	me, err = s.ShakeOf(ctx, 2)
	if err != nil || me.Match != 4 || me.Located != true || me.Card.Nickname != "摇" || !me.At.Equal(T0) {
		t.Errorf("ShakeOf 2: got %+v, %v", me, err)
	}
	// Shaking again waits anew.
	add(2, T0.Add(5*time.Second))
	if me, _ := s.ShakeOf(ctx, 2); me.Match != 0 {
		t.Errorf("ShakeOf after shaking again: got match %d, want 0", me.Match)
	}
	_, err = s.ShakeOf(ctx, 99)
	wantCode(t, "ShakeOf no one", err, hongyan.CodeNotFound)
	// Many at once: those without a shake are left out.
	of, err := s.ShakesOf(ctx, []hongyan.UserID{99, 4, 2, 4})
	if err != nil {
		t.Fatalf("ShakesOf: %v", err)
	}
	byUser := map[hongyan.UserID]discovery.Shake{}
	for _, sh := range of {
		byUser[sh.User] = sh
	}
	if len(byUser) != 2 || byUser[4].Match != 2 || byUser[2].Match != 0 || !byUser[2].At.Equal(T0.Add(5*time.Second)) || !byUser[2].Located || byUser[2].Card.Nickname != "摇" {
		t.Errorf("ShakesOf 99, 4, 2, 4: got %+v; want the shakes of 2 and 4 as ShakeOf has them", of)
	}
	if of, err := s.ShakesOf(ctx, nil); err != nil || len(of) != 0 {
		t.Errorf("ShakesOf none: got %+v, %v", of, err)
	}
	n, err := s.PruneShakes(ctx, T0.Add(-time.Second))
	if err != nil || n != 1 {
		t.Errorf("PruneShakes: got %d, %v; want 1", n, err)
	}
}

// testShakeAndPair: a shake is recorded and paired with the first of its
// candidates still waiting, in their order; with none it waits.
func testShakeAndPair(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	since := T0.Add(-time.Second)
	shake := func(u hongyan.UserID, at time.Time, cands ...hongyan.UserID) hongyan.UserID {
		t.Helper()
		o, changes, err := s.ShakeAndPair(ctx, discovery.Shake{User: u, At: at, Point: discovery.Point{Lat: 30, Lon: 120}, Located: true,
			Card: discovery.Card{Nickname: "摇"}}, cands, since)
		if err != nil {
			t.Fatalf("ShakeAndPair %d: %v", u, err)
		}
		if o == 0 && changes != nil {
			t.Errorf("ShakeAndPair %d: no match but changes %+v", u, changes)
		}
		if o != 0 && (len(changes) != 2 || changes[0].User != u || changes[0].Kind != hongyan.ChangeShake || changes[0].Ref != int64(o) ||
			changes[1].User != o || changes[1].Ref != int64(u) || changes[0].Seq == 0) {
			t.Errorf("ShakeAndPair %d: changes %+v", u, changes)
		}
		return o
	}
	if o := shake(1, T0.Add(-10*time.Second)); o != 0 { // too old for the others
		t.Fatalf("first shake: matched %d", o)
	}
	if o := shake(2, T0); o != 0 {
		t.Fatalf("shake of 2 with no candidates: matched %d", o)
	}
	if o := shake(3, T0); o != 0 {
		t.Fatalf("shake of 3 with no candidates: matched %d", o)
	}
	// 1 is too old, 99 has no shake: 3 comes before 2 in the order given.
	if o := shake(4, T0.Add(time.Second), 1, 99, 3, 2); o != 3 {
		t.Errorf("shake of 4: matched %d, want 3 (the first still waiting)", o)
	}
	if o := shake(5, T0.Add(time.Second), 3, 4); o != 0 {
		t.Errorf("shake of 5 with matched candidates: matched %d, want none", o)
	}
	for u, want := range map[hongyan.UserID]hongyan.UserID{1: 0, 2: 0, 3: 4, 4: 3, 5: 0} {
		sh, err := s.ShakeOf(ctx, u)
		if err != nil || sh.Match != want {
			t.Errorf("ShakeOf %d: got %+v, %v; want matched with %d", u, sh, err, want)
		}
	}
	if sh, _ := s.ShakeOf(ctx, 4); sh.Card.Nickname != "摇" || !sh.Located || !sh.At.Equal(T0.Add(time.Second)) {
		t.Errorf("ShakeOf 4: got %+v", sh)
	}
	// Shaking again waits anew, whatever the previous shake matched.
	if o := shake(4, T0.Add(2*time.Second)); o != 0 {
		t.Errorf("4 again: matched %d", o)
	}
	if sh, _ := s.ShakeOf(ctx, 4); sh.Match != 0 {
		t.Errorf("ShakeOf 4 after shaking again: match %d, want 0", sh.Match)
	}
	_, _, err := s.ShakeAndPair(ctx, discovery.Shake{User: 6, At: T0}, []hongyan.UserID{6}, since)
	wantCode(t, "ShakeAndPair with oneself", err, hongyan.CodeInvalid)
	_, _, err = s.ShakeAndPair(ctx, discovery.Shake{User: 6, At: T0}, make([]hongyan.UserID, discovery.MaxCandidates+1), since)
	wantCode(t, "ShakeAndPair with too many candidates", err, hongyan.CodeInvalid)
	if sh, err := s.ShakeOf(ctx, 6); err == nil {
		t.Errorf("a refused ShakeAndPair stored %+v", sh)
	}
}

// testShakeAndPairOnce: many shake at once, each naming the same waiting
// shakers; no one is matched twice and the stored matches agree.
func testShakeAndPairOnce(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	const waiting, n = 8, 40
	var cands []hongyan.UserID
	for u := hongyan.UserID(1); u <= waiting; u++ {
		if err := s.AddShake(ctx, discovery.Shake{User: u, At: T0}); err != nil {
			t.Fatalf("AddShake: %v", err)
		}
		cands = append(cands, u)
	}
	var wg sync.WaitGroup
	got := make([]hongyan.UserID, n+1)
	for u := hongyan.UserID(waiting + 1); u <= n; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, _, err := s.ShakeAndPair(ctx, discovery.Shake{User: u, At: T0}, cands, T0)
			if err != nil {
				t.Errorf("ShakeAndPair %d: %v", u, err)
			}
			got[u] = o
		}()
	}
	wg.Wait()
	by := map[hongyan.UserID]hongyan.UserID{}
	for u := hongyan.UserID(waiting + 1); u <= n; u++ {
		if o := got[u]; o != 0 {
			if by[o] != 0 {
				t.Errorf("%d matched both %d and %d", o, by[o], u)
			}
			by[o] = u
		}
	}
	if len(by) != waiting {
		t.Errorf("%d of the %d waiting matched, want all", len(by), waiting)
	}
	for u := hongyan.UserID(1); u <= n; u++ {
		sh, err := s.ShakeOf(ctx, u)
		if err != nil {
			t.Fatalf("ShakeOf %d: %v", u, err)
		}
		want := by[u]
		if u > waiting {
			want = got[u]
		}
		if sh.Match != want {
			t.Errorf("user %d: stored match %d, want %d", u, sh.Match, want)
		}
	}
}

// testPairOnce: many shakers pair at once; no one is matched twice.
func testPairOnce(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	const n = 40
	for u := hongyan.UserID(1); u <= n; u++ {
		if err := s.AddShake(ctx, discovery.Shake{User: u, At: T0}); err != nil {
			t.Fatalf("AddShake: %v", err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	matched := map[hongyan.UserID]hongyan.UserID{}
	for u := hongyan.UserID(1); u <= n; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := hongyan.UserID(1); o <= n; o++ {
				if o == u {
					continue
				}
				_, ok, _, err := s.Pair(ctx, u, o, T0)
				if err != nil {
					t.Errorf("Pair: %v", err)
					return
				}
				if ok {
					mu.Lock()
					if matched[u] != 0 || matched[o] != 0 {
						t.Errorf("Pair %d %d: one of them was matched already (%d, %d)", u, o, matched[u], matched[o])
					}
					matched[u], matched[o] = o, u
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for u := hongyan.UserID(1); u <= n; u++ {
		sh, err := s.ShakeOf(ctx, u)
		if err != nil {
			t.Fatalf("ShakeOf: %v", err)
		}
		if sh.Match != matched[u] {
			t.Errorf("user %d: stored match %d, pairs reported %d", u, sh.Match, matched[u])
		}
		if sh.Match == 0 {
			t.Errorf("user %d was left unmatched among %d shakers", u, n)
		}
	}
}

func testBottles(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	_, err := s.Pick(ctx, 1, T0)
	wantCode(t, "Pick from an empty sea", err, hongyan.CodeNotFound)
	throw := func(u hongyan.UserID, text string, expires time.Time) discovery.Bottle {
		t.Helper()
		b, err := s.Throw(ctx, discovery.Bottle{Thrower: u, Text: text, Created: T0, Expires: expires})
		if err != nil {
			t.Fatalf("Throw: %v", err)
		}
		if b.ID == 0 {
			t.Fatalf("Throw: no ID")
		}
		return b
	}
	b1 := throw(1, "你好，陌生人", T0.Add(time.Hour))
	throw(1, "second", T0.Add(time.Hour))
	old := throw(3, "old", T0.Add(-time.Minute))
	_, err = s.Pick(ctx, 1, T0)
	wantCode(t, "Pick only my own bottles", err, hongyan.CodeNotFound)
	got, err := s.Pick(ctx, 2, T0)
	if err != nil {
		t.Fatalf("Pick: %v", err)
	}
	if got.Thrower != 1 || got.Picker != 2 || got.Replied {
		t.Errorf("Pick: got %+v, want a bottle of 1 held by 2", got)
	}
	other, err := s.Pick(ctx, 2, T0)
	if err != nil || other.ID == got.ID || other.Thrower != 1 {
		t.Errorf("Pick again: got %+v, %v; want the other bottle of 1", other, err)
	}
	_, err = s.Pick(ctx, 2, T0)
	wantCode(t, "Pick with all held or expired", err, hongyan.CodeNotFound)
	// Throwing back: it drifts again, but not to me.
	if err := s.Return(ctx, 2, other.ID); err != nil {
		t.Fatalf("Return: %v", err)
	}
	wantCode(t, "Return again", s.Return(ctx, 2, other.ID), hongyan.CodeNotFound)
	_, err = s.Pick(ctx, 2, T0)
	wantCode(t, "Pick a bottle I threw back", err, hongyan.CodeNotFound)
	again, err := s.Pick(ctx, 4, T0)
	if err != nil || again.ID != other.ID {
		t.Errorf("Pick by another: got %+v, %v; want bottle %d", again, err, other.ID)
	}
	// A conversation.
	m, changes, err := s.AddMessage(ctx, discovery.BottleMessage{Bottle: got.ID, Text: "hi", Created: T0}, []hongyan.UserID{2, 1})
	if err != nil {
		t.Fatalf("AddMessage: %v", err)
	}
	if m.ID == 0 || len(changes) != 2 || changes[1].User != 1 || changes[1].Kind != hongyan.ChangeBottle || changes[1].Ref != got.ID {
		t.Errorf("AddMessage: got %+v, %+v", m, changes)
	}
	if _, _, err := s.AddMessage(ctx, discovery.BottleMessage{Bottle: got.ID, FromThrower: true, Text: "你好", Created: T0.Add(time.Second)}, nil); err != nil {
		t.Fatalf("AddMessage back: %v", err)
	}
	wantCode(t, "Return an answered bottle", s.Return(ctx, 2, got.ID), hongyan.CodeNotFound)
	ms, err := s.Messages(ctx, got.ID, 10)
	if err != nil || len(ms) != 2 || ms[0].Text != "hi" || ms[0].FromThrower || !ms[1].FromThrower || !ms[1].Created.Equal(T0.Add(time.Second)) {
		t.Errorf("Messages: got %+v, %v", ms, err)
	}
	_, _, err = s.AddMessage(ctx, discovery.BottleMessage{Bottle: old.ID, Text: "x", Created: T0}, nil)
	wantCode(t, "AddMessage to a drifting bottle", err, hongyan.CodeNotFound)
	b, err := s.Bottle(ctx, got.ID)
	if err != nil || !b.Replied || b.Picker != 2 || !b.Created.Equal(T0) {
		t.Errorf("Bottle: got %+v, %v", b, err)
	}
	_, err = s.Bottle(ctx, 999999)
	wantCode(t, "Bottle none", err, hongyan.CodeNotFound)
	mine, err := s.BottlesOf(ctx, 1, 10)
	if err != nil || len(mine) != 2 || mine[0].ID < mine[1].ID {
		t.Errorf("BottlesOf thrower: got %+v, %v; want 2 newest first", mine, err)
	}
	held, err := s.BottlesOf(ctx, 2, 10)
	if err != nil || len(held) != 1 || held[0].ID != got.ID {
		t.Errorf("BottlesOf picker: got %+v, %v; want bottle %d", held, err, got.ID)
	}
	if b1.Text != "你好，陌生人" {
		t.Errorf("Throw kept text %q", b1.Text)
	}
	n, err := s.PruneBottles(ctx, T0)
	if err != nil || n != 1 {
		t.Errorf("PruneBottles: got %d, %v; want 1 (the expired one)", n, err)
	}
	n, err = s.PruneBottles(ctx, T0.Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Errorf("PruneBottles later: got %d, %v; want 1 (answered bottles stay)", n, err)
	}
}

func testVoiceBottles(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	b, err := s.Throw(ctx, discovery.Bottle{Thrower: 1, Voice: "clip-1", VoiceMS: 4200, Created: T0, Expires: T0.Add(time.Hour)})
	if err != nil {
		t.Fatalf("Throw a voice bottle: %v", err)
	}
	hear := func(user hongyan.UserID, voice string, want bool) {
		t.Helper()
		if got, err := s.CanHear(ctx, 1, user, voice); err != nil || got != want {
			t.Errorf("CanHear(thrower 1, user %d, %q): got %v, %v; want %v", user, voice, got, err, want)
		}
	}
	hear(1, "clip-1", true)
	hear(2, "clip-1", false) // not picked yet
	got, err := s.Pick(ctx, 2, T0)
	if err != nil || got.ID != b.ID || got.Voice != "clip-1" || got.VoiceMS != 4200 || got.Text != "" {
		t.Fatalf("Pick a voice bottle: got %+v, %v; want bottle %d with clip-1 of 4200 ms", got, err, b.ID)
	}
	hear(2, "clip-1", true)
	hear(2, "clip-2", false)
	hear(3, "clip-1", false)
	hear(2, "", false)
	if other, err := s.CanHear(ctx, 2, 2, "clip-1"); err != nil || other {
		t.Errorf("CanHear with the wrong thrower: got %v, %v; want false", other, err)
	}
	// Thrown back, the picker no longer hears it.
	if err := s.Return(ctx, 2, b.ID); err != nil {
		t.Fatal(err)
	}
	hear(2, "clip-1", false)
	if again, err := s.Bottle(ctx, b.ID); err != nil || again.Voice != "clip-1" || again.VoiceMS != 4200 {
		t.Errorf("Bottle: got %+v, %v; want its voice kept", again, err)
	}
}

func testQuotas(t *testing.T, s discovery.Store) {
	ctx := t.Context()
	take := func(u hongyan.UserID, what string, period int64, max int) bool {
		t.Helper()
		ok, err := s.Take(ctx, u, what, period, max)
		if err != nil {
			t.Fatalf("Take: %v", err)
		}
		return ok
	}
	for i := range 3 {
		if !take(1, "picks", 7, 3) {
			t.Errorf("take %d of 3: refused", i+1)
		}
	}
	if take(1, "picks", 7, 3) {
		t.Errorf("take 4 of 3: allowed")
	}
	if !take(2, "picks", 7, 3) || !take(1, "throws", 7, 3) {
		t.Errorf("other users and other counters: refused")
	}
	if !take(1, "picks", 8, 3) {
		t.Errorf("the next period: refused")
	}
	if !take(1, "picks", 8, 3) || !take(1, "picks", 8, 3) || take(1, "picks", 8, 3) {
		t.Errorf("the next period counts from 1")
	}
	if take(3, "picks", 1, 0) {
		t.Errorf("max 0: allowed")
	}
}
