package spam

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

// memCounters is an in-memory spam.Counters for the service's tests; the
// engines pass spamtest.
type memCounters struct {
	mu sync.Mutex
	n  map[string]int64
}

func (m *memCounters) Add(_ context.Context, key string, w time.Time, n int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int64{}
	}
	k := fmt.Sprint(key, "@", w.UnixMilli())
	m.n[k] += n
	return m.n[k], nil
}

func (m *memCounters) AddOnce(ctx context.Context, key, member string, w time.Time) (int64, error) {
	if n, _ := m.Add(ctx, key+"\x1f"+member, w, 1); n > 1 {
		return m.Add(ctx, key, w, 0)
	}
	return m.Add(ctx, key, w, 1)
}

func (m *memCounters) PruneCounters(context.Context, time.Time, int) (int, error) { return 0, nil }

type findings struct {
	mu sync.Mutex
	fs []Finding
}

func (f *findings) ReportFinding(_ context.Context, x Finding) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fs = append(f.fs, x)
	return nil
}

func newTest(cfg Config) (*Service, *findings, *time.Time) {
	rep := &findings{}
	s := New(&memCounters{}, rep, cfg)
	now := time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	return s, rep, &now
}

// A spam text is held with a clear code and reported; a clean one passes
// and is not reported; with action report the spam passes but is reported.
func TestCheckHoldsAndReports(t *testing.T) {
	ctx := context.Background()
	s, rep, _ := newTest(Config{Action: Hold})
	_, err := s.Check(ctx, Input{Kind: Message, User: 1, Target: "u:2", Text: "兼职刷单，日赚500，加V：abc12345"})
	if hongyan.ErrorCode(err) != hongyan.CodeDenied {
		t.Fatalf("spam with hold: got %v, want permission_denied", err)
	}
	var he *hongyan.Error
	if !asError(err, &he) || he.Reason != hongyan.ReasonHeldAsSpam {
		t.Errorf("reason: got %v, want held_as_spam", err)
	}
	if v, err := s.Check(ctx, Input{Kind: Message, User: 1, Target: "u:2", Text: "今晚一起吃饭吗？"}); err != nil || v.Spam {
		t.Errorf("clean text: got %+v, %v", v, err)
	}
	if len(rep.fs) != 1 || rep.fs[0].Input.User != 1 || rep.fs[0].Action != Hold {
		t.Errorf("findings: got %+v, want the one held", rep.fs)
	}
	s2, rep2, _ := newTest(Config{Action: Report})
	if v, err := s2.Check(ctx, Input{Kind: Message, User: 1, Text: "Claim your free gift card now at bit.ly/x"}); err != nil || !v.Spam {
		t.Errorf("spam with report: got %+v, %v; want spam and no error", v, err)
	}
	if len(rep2.fs) != 1 {
		t.Errorf("report: got %d findings, want 1", len(rep2.fs))
	}
	s3, rep3, _ := newTest(Config{Action: Off})
	if _, err := s3.Check(ctx, Input{Kind: Message, User: 1, Text: "兼职刷单，日赚500，加V：abc12345"}); err != nil || len(rep3.fs) != 0 {
		t.Errorf("off: got %v and %d findings", err, len(rep3.fs))
	}
}

func asError(err error, target **hongyan.Error) bool {
	e, ok := err.(*hongyan.Error)
	if ok {
		*target = e
	}
	return ok
}

// The same harmless text to many chats is flagged past the limit, in the
// window only; the limit is per user.
func TestSameMessageToManyChats(t *testing.T) {
	ctx := context.Background()
	s, _, now := newTest(Config{Action: Hold, SameMessage: 3})
	text := "Hello, nice to meet you here"
	// The same text again and again in one chat is a conversation.
	for range 10 {
		if _, err := s.Check(ctx, Input{Kind: Message, User: 5, Target: "u:100", Text: text}); err != nil {
			t.Fatalf("repeating in one chat: %v", err)
		}
	}
	for i := range 2 { // with u:100, 3 chats
		if _, err := s.Check(ctx, Input{Kind: Message, User: 5, Target: fmt.Sprint("u:", i), Text: text}); err != nil {
			t.Fatalf("send %d within the limit: %v", i, err)
		}
	}
	v, err := s.Check(ctx, Input{Kind: Message, User: 5, Target: "u:9", Text: text})
	if hongyan.ErrorCode(err) != hongyan.CodeDenied || !v.has("same_message_many_chats") {
		t.Fatalf("the 4th copy: got %+v, %v; want held for same_message_many_chats", v, err)
	}
	if _, err := s.Check(ctx, Input{Kind: Message, User: 6, Target: "u:9", Text: text}); err != nil {
		t.Errorf("another user sending it: %v", err)
	}
	*now = now.Add(time.Hour)
	if _, err := s.Check(ctx, Input{Kind: Message, User: 5, Target: "u:10", Text: text}); err != nil {
		t.Errorf("the next window: %v", err)
	}
	// Short texts ("ok", "好的") are not counted.
	for i := range 10 {
		if _, err := s.Check(ctx, Input{Kind: Message, User: 5, Target: fmt.Sprint("u:", i), Text: "好的"}); err != nil {
			t.Fatalf("short text %d: %v", i, err)
		}
	}
}

// A new account adding many strangers, joining many groups or sending
// many links is flagged past the limits; an old account is not.
func TestNewAccountBehaviour(t *testing.T) {
	ctx := context.Background()
	s, _, now := newTest(Config{Action: Hold, StrangerRequests: 2, GroupJoins: 2, NewAccountMedia: 2})
	fresh, old := now.Add(-time.Hour), now.Add(-30*24*time.Hour)
	for _, c := range []struct {
		name string
		in   Input
	}{
		{"stranger requests", Input{Kind: FriendRequest, Stranger: true, Text: "hi"}},
		{"group joins", Input{Kind: GroupJoin}},
		{"images", Input{Kind: Message, Image: true}},
	} {
		for _, created := range []time.Time{old, fresh} {
			var err error
			for i := range 3 {
				in := c.in
				in.User, in.Created, in.Target = hongyan.UserID(created.Unix()%1000+int64(len(c.name))), created, fmt.Sprint("t", i)
				_, err = s.Check(ctx, in)
			}
			if created.Equal(old) && err != nil {
				t.Errorf("%s by an old account: got %v, want allowed", c.name, err)
			}
			if created.Equal(fresh) && hongyan.ErrorCode(err) != hongyan.CodeDenied {
				t.Errorf("%s by a new account past the limit: got %v, want held", c.name, err)
			}
		}
	}
	// Requests to people one already knows are not counted.
	for i := range 5 {
		if _, err := s.Check(ctx, Input{Kind: FriendRequest, User: 77, Created: fresh, Text: "hi", Target: fmt.Sprint(i)}); err != nil {
			t.Fatalf("request %d to a non-stranger: %v", i, err)
		}
	}
}

func TestNormalise(t *testing.T) {
	if got, want := normalise("  加Ｖ：ＡＢＣ１２３\n\n  Hello   World "), "加v:abc123 hello world"; got != want {
		t.Errorf("normalise: got %q, want %q", got, want)
	}
	long := strings.Repeat("a", MaxText*2)
	if got := len(normalise(long)); got > MaxText {
		t.Errorf("normalise of %d bytes: got %d, want at most %d", len(long), got, MaxText)
	}
}

// FuzzClassify: any text classifies without panicking, in bounded time,
// and the verdict agrees with its score.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"兼职刷单，日赚500", "hello", "www.x.top", "", "加\u3000V：\uFF21"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		samePrefiltered(t, s)
		v := Classify(s)
		if v.Spam != (v.Score >= DefaultConfig().Threshold) || v.Score < 0 {
			t.Fatalf("verdict %+v inconsistent", v)
		}
	})
}

// BenchmarkClassify measures the classifier per message over the
// evaluation set (spam and clean, Chinese and English).
// "all" is both sets, "clean" the ordinary messages alone, "load" the
// load generator's texts (digits and a letter).
func BenchmarkClassify(b *testing.B) {
	spam, clean := readSet(b, "spam.txt"), readSet(b, "clean.txt")
	for _, c := range []struct {
		name string
		set  []string
	}{{"all", append(spam, clean...)}, {"clean", clean}, {"load", []string{"1764902345678901234 x", "1764902345678905678 x"}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				Classify(c.set[i%len(c.set)])
			}
		})
	}
}

// The rules' split into words and prefiltered expressions matches what
// each rule's whole pattern matches, on the evaluation set and texts made
// to sit on the prefilters' edges.
func TestPrefiltersKeepMeaning(t *testing.T) {
	texts := append(readSet(t, "spam.txt"), readSet(t, "clean.txt")...)
	texts = append(texts, "1764902345678901234 x", "a b c d", "中 文 字 符", "3x returns", "see www.example.top/a",
		"$500/day", "加我微信abc", "whatsapp +1 555 123 4567", "", " ", "earn\t$5", "t.me/x", "a-b.com", "x.bet")
	for _, s := range texts {
		samePrefiltered(t, s)
	}
}

// samePrefiltered fails t when a rule or expression matches text s
// differently with its prefilter than without.
func samePrefiltered(t *testing.T, s string) {
	t.Helper()
	n := normalise(s)
	var h hits
	lex.scan(n, &h)
	for i := range textRules {
		ru := &textRules[i]
		if got, want := ru.match(n, &h), regexp.MustCompile(ru.pattern).MatchString(n); got != want {
			t.Errorf("rule %s on %q: got %v, want %v", ru.reason, n, got, want)
		}
	}
	for _, f := range []*filtered{linkRe, shortenerRe, badTLDRe, lookalikeRe, obfuscationRe} {
		if got, want := f.match(n, &h), f.re.MatchString(n); got != want {
			t.Errorf("%s on %q: got %v, want %v", f.re, n, got, want)
		}
	}
}

// countingCounters counts the store operations the service makes.
type countingCounters struct {
	memCounters
	calls int
}

func (c *countingCounters) Add(ctx context.Context, key string, w time.Time, n int64) (int64, error) {
	c.calls++
	return c.memCounters.Add(ctx, key, w, n)
}

func (c *countingCounters) AddOnce(ctx context.Context, key, member string, w time.Time) (int64, error) {
	c.calls++
	return c.memCounters.AddOnce(ctx, key, member, w)
}

// An ordinary message (a text to one chat, even again and again, from an
// account that is not new) touches no counter in the store; a text that
// reaches a second chat is counted there for both chats.
func TestOrdinaryMessagesTouchNoStore(t *testing.T) {
	ctx := context.Background()
	store := &countingCounters{}
	s := New(store, &findings{}, Config{Action: Hold, SameMessage: 2})
	old := time.Now().Add(-30 * 24 * time.Hour)
	for i := range 200 {
		for range 3 {
			in := Input{Kind: Message, User: hongyan.UserID(i % 7), Created: old, Target: fmt.Sprint("u:", i), Text: fmt.Sprint(i, " see you at 7 tonight")}
			if _, err := s.Check(ctx, in); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
	}
	if store.calls != 0 {
		t.Fatalf("ordinary messages: got %d store operations, want 0", store.calls)
	}
	text := "the same text to three chats"
	for i := range 3 {
		v, err := s.Check(ctx, Input{Kind: Message, User: 1, Created: old, Target: fmt.Sprint("g:", i), Text: text})
		if i < 2 && err != nil {
			t.Fatalf("copy %d: %v", i, err)
		}
		if i == 2 && !v.has("same_message_many_chats") {
			t.Errorf("third chat: got %+v, want same_message_many_chats (the first chat counted too)", v)
		}
	}
	if store.calls != 3 {
		t.Errorf("a text in three chats: got %d store operations, want 3 (the first two chats at the second, then one)", store.calls)
	}
}

// The node-local memory of texts stays bounded, and a text forgotten
// there is counted again from its next chat.
func TestSeenBounded(t *testing.T) {
	sn := newSeen(4)
	win := time.Unix(3600, 0)
	for i := range 100 {
		if count, _ := sn.note(1, fmt.Sprint("text ", i), "u:1", win); count {
			t.Fatalf("text %d in its first chat: counted", i)
		}
		if len(sn.cur) > 4 || len(sn.old) > 4 {
			t.Fatalf("after %d texts: %d and %d remembered, want at most 4 each", i+1, len(sn.cur), len(sn.old))
		}
	}
	if count, first := sn.note(1, "text 99", "u:2", win); !count || first != "u:1" {
		t.Errorf("a remembered text in a second chat: got %v, %q; want counted with u:1", count, first)
	}
	if count, first := sn.note(1, "text 99", "u:3", win); !count || first != "" {
		t.Errorf("the same text in a third chat: got %v, %q; want counted alone", count, first)
	}
	if count, _ := sn.note(1, "text 0", "u:2", win); count {
		t.Errorf("a forgotten text: counted, want taken as its first chat")
	}
	if count, _ := sn.note(2, "text 99", "u:2", win); count {
		t.Errorf("another user's text: counted, want its first chat")
	}
	if count, _ := sn.note(1, "text 99", "u:4", win.Add(time.Hour)); count {
		t.Errorf("the next window: counted, want its first chat")
	}
}

// qrImages finds a QR code in the media IDs it holds.
type qrImages struct {
	with  map[string]bool
	asked []string
}

func (q *qrImages) ImageHasQR(_ context.Context, _ hongyan.UserID, media string) (bool, error) {
	q.asked = append(q.asked, media)
	return q.with[media], nil
}

func TestQRImageFromNewAccount(t *testing.T) {
	s, rep, now := newTest(Config{Action: Hold})
	qr := &qrImages{with: map[string]bool{"m-qr": true}}
	s.SetQRFinder(qr)
	fresh := now.Add(-time.Hour)
	_, err := s.Check(context.Background(), Input{Kind: Message, User: 7, Created: fresh, Target: "g:1", Image: true, Media: "m-qr"})
	if hongyan.ErrorReason(err) != hongyan.ReasonHeldAsSpam {
		t.Fatalf("QR image from a new account: got %v, want held as spam", err)
	}
	if len(rep.fs) != 1 || !rep.fs[0].Verdict.has("new_account_qr_image") {
		t.Fatalf("findings %+v, want one with new_account_qr_image", rep.fs)
	}
	if _, err := s.Check(context.Background(), Input{Kind: Message, User: 7, Created: fresh, Target: "g:1", Image: true, Media: "m-plain"}); err != nil {
		t.Fatalf("plain image from a new account: got %v, want let through", err)
	}
	old := now.Add(-365 * 24 * time.Hour)
	qr.asked = nil
	if _, err := s.Check(context.Background(), Input{Kind: Message, User: 8, Created: old, Target: "g:1", Image: true, Media: "m-qr"}); err != nil {
		t.Fatalf("QR image from an old account: got %v, want let through", err)
	}
	if len(qr.asked) != 0 {
		t.Fatalf("old account's image searched %v, want not searched", qr.asked)
	}
}
