package assistant_test

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hongyan/internal/assistant"
	"hongyan/internal/hongyan"
)

// The draw is the documented function: the winners are the entrants with
// the lowest SHA-256("seed:user"), whatever the entrants' order.
func TestDraw(t *testing.T) {
	seed := strings.Repeat("ab", 32)
	entrants := []hongyan.UserID{30, 10, 20, 40, 10}
	got := assistant.Draw(seed, entrants, 2)
	type tk struct {
		u hongyan.UserID
		h string
	}
	var ts []tk
	for _, u := range []hongyan.UserID{10, 20, 30, 40} {
		h := sha256.Sum256([]byte(seed + ":" + strconv.FormatInt(int64(u), 10)))
		ts = append(ts, tk{u, hex.EncodeToString(h[:])})
	}
	slices.SortFunc(ts, func(a, b tk) int { return strings.Compare(a.h, b.h) })
	want := []hongyan.UserID{ts[0].u, ts[1].u}
	if !slices.Equal(got, want) {
		t.Errorf("Draw: got %v, want %v", got, want)
	}
	if again := assistant.Draw(strings.ToUpper(seed), []hongyan.UserID{40, 30, 20, 10}, 2); !slices.Equal(again, got) {
		t.Errorf("Draw of the same entrants in another order: got %v, want %v", again, got)
	}
	if all := assistant.Draw(seed, entrants, 10); len(all) != 4 {
		t.Errorf("Draw of more winners than entrants: got %v, want the 4", all)
	}
	if other := assistant.Draw(strings.Repeat("cd", 32), entrants, 4); slices.Equal(other, assistant.Draw(seed, entrants, 4)) {
		t.Logf("another seed drew the same order (possible, unlikely): %v", other)
	}
}

func TestSeedHash(t *testing.T) {
	seed := strings.Repeat("01", 32)
	raw, _ := hex.DecodeString(seed)
	sum := sha256.Sum256(raw)
	if got, err := assistant.SeedHash(seed); err != nil || got != hex.EncodeToString(sum[:]) {
		t.Errorf("SeedHash: got %q, %v", got, err)
	}
	for _, bad := range []string{"", "xyz", "0102"} {
		if _, err := assistant.SeedHash(bad); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("SeedHash(%q): got %v, want CodeInvalid", bad, err)
		}
	}
}

// A lottery on the runner: announced with its commitment, entered by the
// keyword before the deadline (once per member, bots never), drawn after
// it with the seed revealed, which matches the commitment and the draw.
func TestLottery(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.enable(t)
	deadline := t0.Add(time.Hour)
	_, err := e.svc.CreateLottery(ctx, hongyan.Caller{User: alice}, grp, "新年", "抽奖", 1, deadline)
	wantCode(t, "a member makes a lottery", err, hongyan.CodeDenied)
	_, err = e.svc.CreateLottery(ctx, me, grp, "新年", "抽奖", 0, deadline)
	wantCode(t, "a lottery without winners", err, hongyan.CodeInvalid)
	_, err = e.svc.CreateLottery(ctx, me, grp, "新年", "抽奖", 1, t0.Add(-time.Minute))
	wantCode(t, "a lottery with a past deadline", err, hongyan.CodeInvalid)
	l, err := e.svc.CreateLottery(ctx, me, grp, "新年", "抽奖", 2, deadline)
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := e.svc.Lotteries(ctx, me, grp)
	if len(ls) != 1 || ls[0].Seed != "" || ls[0].Hash != l.Hash {
		t.Fatalf("Lotteries before the draw: got %+v, want the hash and no seed", ls)
	}
	e.step(t)
	sent := e.api.taken()
	if len(sent) != 1 || !strings.Contains(sent[0].text, l.Hash) || strings.Contains(sent[0].text, l.Seed) {
		t.Fatalf("announcement: got %+v, want one with the hash and not the seed", sent)
	}
	e.api.message(grp, alice, t0.Add(time.Minute), "抽奖")
	e.api.message(grp, alice, t0.Add(2*time.Minute), "抽奖") // once
	e.api.message(grp, 4, t0.Add(3*time.Minute), " 抽奖 ")
	e.api.message(grp, other, t0.Add(4*time.Minute), "抽奖") // a bot
	e.api.message(grp, 5, t0.Add(5*time.Minute), "我要抽奖")   // not the keyword
	e.api.message(grp, 6, deadline.Add(time.Second), "抽奖") // late
	e.now = deadline.Add(assistant.LotteryGrace - time.Second)
	e.step(t)
	if sent := e.api.taken(); len(sent) != 0 {
		t.Fatalf("before the deadline's grace: sent %+v", sent)
	}
	e.now = deadline.Add(assistant.LotteryGrace)
	e.step(t)
	e.step(t)
	sent = e.api.taken()
	if len(sent) != 1 || !strings.Contains(sent[0].text, l.Seed) {
		t.Fatalf("draw: got %+v, want one message revealing the seed", sent)
	}
	ls, _ = e.svc.Lotteries(ctx, me, grp)
	want := assistant.Draw(l.Seed, []hongyan.UserID{alice, 4}, 2)
	if !ls[0].Drawn || ls[0].Seed != l.Seed || !slices.Equal(ls[0].Result, want) {
		t.Errorf("after the draw: got %+v, want drawn, the seed shown and winners %v", ls[0], want)
	}
	if h, _ := assistant.SeedHash(ls[0].Seed); h != l.Hash {
		t.Errorf("the revealed seed hashes to %s, not the commitment %s", h, l.Hash)
	}
}
