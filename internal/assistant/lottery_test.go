package assistant_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
	want := assistant.Draw(l.Seed, []hongyan.UserID{alice, 4}, 2)
	if len(sent) != 1 || !strings.HasPrefix(sent[0].text, "[card] 🎉 抽奖 #") || !strings.Contains(sent[0].text, "\n2 entrants · seed "+l.Seed+"\n") {
		t.Fatalf("draw: got %+v, want one card revealing the seed", sent)
	}
	for _, u := range want {
		if n := e.api.members[u]; n != "" && !strings.Contains(sent[0].text, n) {
			t.Errorf("the card %q does not name the winner %s", sent[0].text, n)
		}
	}
	ls, _ = e.svc.Lotteries(ctx, me, grp)
	if !ls[0].Drawn || ls[0].Seed != l.Seed || !slices.Equal(ls[0].Result, want) {
		t.Errorf("after the draw: got %+v, want drawn, the seed shown and winners %v", ls[0], want)
	}
	if h, _ := assistant.SeedHash(ls[0].Seed); h != l.Hash {
		t.Errorf("the revealed seed hashes to %s, not the commitment %s", h, l.Hash)
	}
}

// A lottery drawn in a group whose grant lacks apps:write (turned on
// before the assistant posted cards): the result as text, which carries
// the full verify command.
func TestLotteryResultAsText(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.enable(t)
	e.api.noCards = true
	deadline := t0.Add(time.Hour)
	l, err := e.svc.CreateLottery(ctx, me, grp, "新年", "抽奖", 1, deadline)
	if err != nil {
		t.Fatal(err)
	}
	e.step(t)
	e.api.taken()
	e.api.message(grp, alice, t0.Add(time.Minute), "抽奖")
	e.now = deadline.Add(assistant.LotteryGrace)
	e.step(t)
	e.step(t)
	sent := e.api.taken()
	if len(sent) != 1 || strings.HasPrefix(sent[0].text, "[card]") || !strings.Contains(sent[0].text, "--seed "+l.Seed+" --hash "+l.Hash) {
		t.Fatalf("draw without apps:write: got %+v, want one text with the verify command", sent)
	}
}

// The result card keeps to the API's limits however long the title and
// however many the winners, and says how many winners it leaves out.
func TestResultCardLimits(t *testing.T) {
	l := assistant.Lottery{ID: 12345, Group: 678, Title: strings.Repeat("长", 100), Seed: strings.Repeat("ab", 32)}
	var who []string
	for i := range 50 {
		who = append(who, fmt.Sprintf("成员%02d", i))
	}
	c := assistant.ResultCard(l, who, 300)
	if n := utf8.RuneCountInString(c.Title); n > 64 {
		t.Errorf("title has %d characters, want ≤ 64: %q", n, c.Title)
	}
	if n := utf8.RuneCountInString(c.Description); n > 200 {
		t.Errorf("description has %d characters, want ≤ 200: %q", n, c.Description)
	}
	if !strings.Contains(c.Description, "成员00") || !strings.Contains(c.Description, "…+") || !strings.Contains(c.Description, "seed "+l.Seed) {
		t.Errorf("description %q: want the first winner, how many are left out and the seed", c.Description)
	}
	short := assistant.ResultCard(assistant.Lottery{ID: 1, Group: 2, Title: "新年", Seed: l.Seed}, []string{"Alice", "小明"}, 2)
	if want := "中奖 Winners: Alice、小明\n2 entrants · seed " + l.Seed + "\nverify: hongyan cli groups assistant 2 lottery show 1"; short.Description != want || short.Title != "🎉 抽奖 #1「新年」开奖" {
		t.Errorf("card = %+v, want description %q", short, want)
	}
}

// Birthdays: a member's own, wished at 09:00 in the group's timezone on
// the day, once even after downtime, and not once they left the group.
func TestBirthdays(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	bob := hongyan.Caller{User: alice}
	_, err := e.svc.SetBirthday(ctx, bob, grp, 12, 2)
	wantCode(t, "a birthday before the assistant is on", err, hongyan.CodePrecondition)
	e.enable(t)
	_, err = e.svc.SetBirthday(ctx, bob, grp, 2, 30)
	wantCode(t, "30 February", err, hongyan.CodeInvalid)
	_, err = e.svc.SetBirthday(ctx, hongyan.Caller{User: 77}, grp, 1, 1)
	wantCode(t, "a stranger's birthday", err, hongyan.CodeNotFound)
	b, err := e.svc.SetBirthday(ctx, bob, grp, 12, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 9, 0, 0, 0, shang); !b.Next.Equal(want) {
		t.Errorf("next: got %v, want %v", b.Next, want)
	}
	if mine, _ := e.svc.MyBirthday(ctx, bob, grp); mine.Month != 12 || mine.Day != 2 {
		t.Errorf("MyBirthday: got %+v", mine)
	}
	if theirs, _ := e.svc.MyBirthday(ctx, me, grp); theirs.Month != 0 {
		t.Errorf("another member's MyBirthday shows %+v, want none", theirs)
	}
	e.now = time.Date(2026, 12, 2, 8, 59, 0, 0, shang)
	e.step(t)
	wantSent(t, "before 09:00", e.api.taken())
	e.now = time.Date(2026, 12, 5, 12, 0, 0, 0, shang) // down for three days
	e.step(t)
	e.step(t)
	got := e.api.taken()
	if len(got) != 1 || !strings.Contains(got[0].text, "Alice") {
		t.Fatalf("the birthday: sent %+v, want one wish naming Alice", got)
	}
	if mine, _ := e.svc.MyBirthday(ctx, bob, grp); !mine.Next.Equal(time.Date(2027, 12, 2, 9, 0, 0, 0, shang)) {
		t.Errorf("next after the wish: got %v, want 2027-12-02 09:00", mine.Next)
	}
	// Gone from the group: not wished.
	delete(e.api.members, alice)
	e.now = time.Date(2027, 12, 2, 9, 0, 0, 0, shang)
	e.step(t)
	wantSent(t, "after leaving", e.api.taken())
	if _, err := e.svc.SetBirthday(ctx, bob, grp, 0, 0); err != nil {
		t.Errorf("forget: %v", err)
	}
}
