package changelog

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/hongyan"
)

// memLog is one user's log in memory, with entries from first to head (the
// ones before first were pruned).
type memLog struct {
	first, head int64
	reads       int
}

func (m *memLog) After(_ context.Context, _ hongyan.UserID, after int64, limit int) ([]hongyan.Change, error) {
	m.reads++
	var out []hongyan.Change
	for s := max(after+1, m.first); s <= m.head && len(out) < limit; s++ {
		out = append(out, hongyan.Change{Seq: s})
	}
	return out, nil
}

func (m *memLog) Head(context.Context, hongyan.UserID) (int64, error) { return m.head, nil }

func (m *memLog) PruneBefore(context.Context, time.Time, int) (int, bool, error) {
	return 0, false, nil
}

func seqs(cs []hongyan.Change) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.Seq)
	}
	return out
}

func TestPage(t *testing.T) {
	for _, tt := range []struct {
		name        string
		first, head int64
		after       int64
		limit       int
		want        []int64
		more, reset bool
	}{
		{"from the start", 1, 5, 0, 10, []int64{1, 2, 3, 4, 5}, false, false},
		{"a page of two", 1, 5, 1, 2, []int64{2, 3}, true, false},
		{"at the head", 1, 5, 5, 10, []int64{}, false, false},
		{"right before what is kept", 4, 5, 3, 10, []int64{4, 5}, false, false},
		{"before what is kept", 4, 5, 2, 10, []int64{}, false, true},
		{"from zero, pruned", 4, 5, 0, 10, []int64{}, false, true},
		{"everything pruned, cursor behind", 6, 5, 3, 10, []int64{}, false, true},
		{"everything pruned, cursor at the head", 6, 5, 5, 10, []int64{}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFeed(&memLog{first: tt.first, head: tt.head}, nil)
			p, err := f.Page(context.Background(), 1, tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, seqs(p.Changes)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if p.More != tt.more || p.Reset != tt.reset || p.Head != tt.head {
				t.Errorf("more %v reset %v head %d; want more %v reset %v head %d", p.More, p.Reset, p.Head, tt.more, tt.reset, tt.head)
			}
		})
	}
	if _, err := NewFeed(&memLog{}, nil).Page(context.Background(), 1, -1, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("negative cursor: got %v, want invalid_argument", err)
	}
}

// device records what Live delivers to it.
type device struct{ got []int64 }

func (d *device) PushChanges(_ context.Context, cs []hongyan.Change) error {
	d.got = append(d.got, seqs(cs)...)
	return nil
}

func changes(seqs ...int64) []hongyan.Change {
	out := make([]hongyan.Change, len(seqs))
	for i, s := range seqs {
		out[i] = hongyan.Change{Seq: s, Data: []byte{byte(s)}}
	}
	return out
}

// Live delivers in order, each entry once: out-of-order events are sorted,
// duplicates and entries already delivered dropped, a hole waits for its
// event and is then filled from the store, an overflow read from it.
func TestLive(t *testing.T) {
	ctx := context.Background()
	log := &memLog{first: 1, head: 10}
	f := NewFeed(log, nil)
	var l Live
	d := &device{}
	// Off: nothing is delivered.
	l.Add(changes(1))
	if retry, err := l.Deliver(ctx, f, 1, d); err != nil || retry != 0 || len(d.got) != 0 {
		t.Fatalf("while off: delivered %v (retry %v, %v)", d.got, retry, err)
	}
	l.Set(true, 2)
	l.Add(changes(4, 3, 2, 3))
	if _, err := l.Deliver(ctx, f, 1, d); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{3, 4}, d.got); diff != "" {
		t.Fatalf("out of order with duplicates (-want +got):\n%s", diff)
	}
	// A hole: 5 delivered, 7 kept while 6's event may still come.
	l.Add(changes(7, 5))
	retry, err := l.Deliver(ctx, f, 1, d)
	if err != nil || retry <= 0 || retry > HoleWait {
		t.Fatalf("hole: retry %v, %v; want a wait of at most %v", retry, err, HoleWait)
	}
	if diff := cmp.Diff([]int64{3, 4, 5}, d.got); diff != "" {
		t.Fatalf("hole (-want +got):\n%s", diff)
	}
	// 6's event comes: both delivered, the store not read.
	reads := log.reads
	l.Add(changes(6))
	if retry, err := l.Deliver(ctx, f, 1, d); err != nil || retry != 0 {
		t.Fatalf("hole filled by its event: retry %v, %v", retry, err)
	}
	if diff := cmp.Diff([]int64{3, 4, 5, 6, 7}, d.got); diff != "" || log.reads != reads {
		t.Fatalf("hole filled by its event (-want +got):\n%s; store reads %d, want none", diff, log.reads-reads)
	}
	// A hole that stays is filled from the store after HoleWait.
	l.Add(changes(9))
	retry, _ = l.Deliver(ctx, f, 1, d)
	time.Sleep(retry) // the wait is what is tested
	if retry, err := l.Deliver(ctx, f, 1, d); err != nil || retry != 0 {
		t.Fatalf("hole that stayed: retry %v, %v", retry, err)
	}
	if diff := cmp.Diff([]int64{3, 4, 5, 6, 7, 8, 9, 10}, d.got); diff != "" {
		t.Fatalf("hole that stayed (-want +got):\n%s", diff)
	}
	// An overflow reads the store.
	log.head = 12
	for !l.Add(changes(11)) {
	}
	for l.Add(changes(11)) {
	}
	if _, err := l.Deliver(ctx, f, 1, d); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, d.got); diff != "" {
		t.Fatalf("overflow (-want +got):\n%s", diff)
	}
	// Entries after the position were pruned: the device must sync again.
	log.first, log.head = 20, 21
	for l.Add(changes(21)) {
	}
	if _, err := l.Deliver(ctx, f, 1, d); !errors.Is(err, ErrBehind) {
		t.Fatalf("pruned past the position: got %v, want ErrBehind", err)
	}
}

// Resolve keeps the entries' order and asks each kind's resolver once,
// with all its entries.
func TestResolve(t *testing.T) {
	calls := map[hongyan.ChangeKind]int{}
	tag := func(name string) Resolver {
		return func(_ context.Context, _ hongyan.Caller, es []hongyan.Change, into []any) error {
			calls[es[0].Kind]++
			for i, e := range es {
				into[i] = fmt.Sprintf("%s%d", name, e.Seq)
			}
			return nil
		}
	}
	f := NewFeed(&memLog{}, Resolvers{hongyan.ChangeMessage: tag("m"), hongyan.ChangeContact: tag("c")})
	entries := []hongyan.Change{
		{Seq: 1, Kind: hongyan.ChangeMessage}, {Seq: 2, Kind: hongyan.ChangeContact},
		{Seq: 3, Kind: hongyan.ChangeMessage}, {Seq: 4, Kind: hongyan.ChangeMessageHidden},
	}
	got, err := f.Resolve(context.Background(), hongyan.Caller{User: 1}, entries)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"m1", "c2", "m3", nil}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if calls[hongyan.ChangeMessage] != 1 || calls[hongyan.ChangeContact] != 1 {
		t.Errorf("resolver calls: got %v, want one per kind", calls)
	}
}
