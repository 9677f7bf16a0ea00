package load

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Users 1 and 2 talk in conversation 10; each has two devices.
const (
	alice, bob = int64(1), int64(2)
	conv       = int64(10)
)

// msg is a message of conversation 10 with id 100+seq.
func msg(seq, sender int64, cid string) ViewMessage {
	return ViewMessage{ID: 100 + seq, Conversation: conv, Seq: seq, Sender: sender, ClientID: cid}
}

// ack is an acknowledged send matching msg(seq, sender, cid).
func ack(seq, sender int64, cid string) SendOp {
	return SendOp{ClientID: cid, Sender: sender, Peer: 3 - sender, Status: OK, ID: 100 + seq, Conversation: conv, Seq: seq}
}

func op(status Status, sender int64, cid string) SendOp {
	return SendOp{ClientID: cid, Sender: sender, Peer: 3 - sender, Status: status}
}

// same returns the four devices' views, all holding ms.
func same(ms ...ViewMessage) []DeviceView {
	return views(ms, ms, ms, ms)
}

// views returns the views of alice's devices a1, a2 and bob's b1, b2.
func views(a1, a2, b1, b2 []ViewMessage) []DeviceView {
	withPeer := func(ms []ViewMessage, peer int64) []ViewMessage {
		out := slices.Clone(ms)
		for i := range out {
			out[i].Peer = peer
		}
		return out
	}
	return []DeviceView{
		{User: alice, Device: "alice/1", Messages: withPeer(a1, bob)},
		{User: alice, Device: "alice/2", Messages: withPeer(a2, bob)},
		{User: bob, Device: "bob/1", Messages: withPeer(b1, alice)},
		{User: bob, Device: "bob/2", Messages: withPeer(b2, alice)},
	}
}

func TestCheck(t *testing.T) {
	m1, m2, m3 := msg(1, alice, "a1"), msg(2, bob, "b1"), msg(3, alice, "a2")
	all := []ViewMessage{m1, m2, m3}
	ackAll := []SendOp{ack(1, alice, "a1"), ack(2, bob, "b1"), ack(3, alice, "a2")}
	tests := []struct {
		name  string
		ops   []SendOp
		views []DeviceView
		want  Report // counts only; Problems is checked for emptiness
	}{
		{
			name:  "all acknowledged and present",
			ops:   ackAll,
			views: same(all...),
			want:  Report{Sent: 3, Acked: 3},
		},
		{
			name:  "nothing sent",
			views: same(),
			want:  Report{},
		},
		{
			// a2 was acknowledged but no device has it (the tail is
			// lost, so there is no gap to see).
			name:  "lost ack",
			ops:   ackAll,
			views: same(m1, m2),
			want:  Report{Sent: 3, Acked: 3, Lost: 1},
		},
		{
			name:  "lost ack on one device only",
			ops:   ackAll,
			views: views(all, all, all, []ViewMessage{m1, m2}),
			want:  Report{Sent: 3, Acked: 3, Lost: 1, Divergent: 1},
		},
		{
			name:  "duplicate: same client id twice",
			ops:   ackAll,
			views: same(m1, m2, m3, ViewMessage{ID: 104, Conversation: conv, Seq: 4, Sender: alice, ClientID: "a2"}),
			want:  Report{Sent: 3, Acked: 3, Duplicates: 1},
		},
		{
			name:  "duplicate: same id twice",
			ops:   ackAll,
			views: same(m1, m2, m3, m3),
			want:  Report{Sent: 3, Acked: 3, Duplicates: 1, Divergent: 1},
		},
		{
			name:  "gap in the conversation seq",
			ops:   []SendOp{ack(1, alice, "a1"), ack(3, alice, "a2")},
			views: same(m1, m3),
			want:  Report{Sent: 2, Acked: 2, Gaps: 1},
		},
		{
			name:  "order divergence between devices",
			ops:   ackAll,
			views: views(all, all, all, []ViewMessage{m2, m1, m3}),
			want:  Report{Sent: 3, Acked: 3, Divergent: 1},
		},
		{
			name:  "divergence: devices agree on the set but not the seq",
			ops:   []SendOp{ack(1, alice, "a1"), op(Unknown, bob, "b1")},
			views: views([]ViewMessage{m1, m2}, []ViewMessage{m1, m2}, []ViewMessage{m1, m2}, []ViewMessage{m1, {ID: 102, Conversation: conv, Seq: 3, Sender: bob, ClientID: "b1"}}),
			want:  Report{Sent: 2, Acked: 1, Unknown: 1, UnknownPresent: 1, Divergent: 1, Gaps: 1},
		},
		{
			name:  "unknown resolved present once",
			ops:   []SendOp{ack(1, alice, "a1"), op(Unknown, bob, "b1"), ack(3, alice, "a2")},
			views: same(all...),
			want:  Report{Sent: 3, Acked: 2, Unknown: 1, UnknownPresent: 1},
		},
		{
			name:  "unknown resolved absent",
			ops:   []SendOp{ack(1, alice, "a1"), op(Unknown, bob, "b9"), ack(2, bob, "b1")},
			views: same(m1, m2),
			want:  Report{Sent: 3, Acked: 2, Unknown: 1, UnknownAbsent: 1},
		},
		{
			name:  "never completed counts as unknown",
			ops:   []SendOp{ack(1, alice, "a1"), op(Invoked, bob, "b1")},
			views: same(m1, m2),
			want:  Report{Sent: 2, Acked: 1, Unknown: 1, UnknownPresent: 1},
		},
		{
			name:  "unknown present twice is a duplicate",
			ops:   []SendOp{ack(1, alice, "a1"), op(Unknown, bob, "b1")},
			views: same(m1, m2, ViewMessage{ID: 103, Conversation: conv, Seq: 3, Sender: bob, ClientID: "b1"}),
			want:  Report{Sent: 2, Acked: 1, Unknown: 1, UnknownPresent: 1, Duplicates: 1},
		},
		{
			name:  "failed and absent",
			ops:   []SendOp{ack(1, alice, "a1"), op(Failed, bob, "b1")},
			views: same(m1),
			want:  Report{Sent: 2, Acked: 1, Failed: 1},
		},
		{
			name:  "failed but present",
			ops:   []SendOp{ack(1, alice, "a1"), op(Failed, bob, "b1")},
			views: same(m1, m2),
			want:  Report{Sent: 2, Acked: 1, Failed: 1, FailedPresent: 1},
		},
		{
			name:  "phantom message nobody sent",
			ops:   []SendOp{ack(1, alice, "a1")},
			views: same(m1, m2),
			want:  Report{Sent: 1, Acked: 1, Phantom: 1},
		},
		{
			name:  "visible with another seq than acknowledged",
			ops:   []SendOp{ack(1, alice, "a1"), ack(3, bob, "b1")},
			views: same(m1, ViewMessage{ID: 103, Conversation: conv, Seq: 2, Sender: bob, ClientID: "b1"}),
			want:  Report{Sent: 2, Acked: 2, AckMismatch: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Check(tt.ops, tt.views)
			problems := got.Problems
			got.Problems = nil
			if !reportEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v; problems: %s", got, tt.want, strings.Join(problems, "; "))
			}
			if gotOK, wantOK := got.OK(), tt.want.OK(); gotOK != wantOK {
				t.Errorf("OK: got %v, want %v", gotOK, wantOK)
			}
			if gotN, wantNone := len(problems), got.OK(); (gotN == 0) != wantNone {
				t.Errorf("got %d problems (%s), want them exactly when a violation is reported", gotN, strings.Join(problems, "; "))
			}
		})
	}
}

func reportEqual(a, b Report) bool {
	a.Problems, b.Problems = nil, nil
	return slices.Equal(counts(a), counts(b))
}

func counts(r Report) []int {
	return []int{r.Sent, r.Acked, r.Failed, r.Unknown, r.Lost, r.Duplicates, r.Gaps, r.Divergent,
		r.Phantom, r.FailedPresent, r.AckMismatch, r.UnknownPresent, r.UnknownAbsent}
}

// History turns attempts into one record per client ID: a retry that
// succeeds after an unknown outcome makes the send OK; a refusal after an
// unknown attempt leaves it unknown, since that attempt may have committed.
func TestHistory(t *testing.T) {
	var h History
	lostConn := errors.New("connection lost")
	refused := errors.New("internal: boom")

	a := h.Invoke("a", alice, bob)
	h.Unknown(a, lostConn)
	h.Retry(a)
	h.OK(a, 101, conv, 1)

	b := h.Invoke("b", alice, bob)
	h.Unknown(b, lostConn)
	h.Retry(b)
	h.Fail(b, refused)

	c := h.Invoke("c", bob, alice)
	h.Fail(c, refused)

	d := h.Invoke("d", bob, alice)
	h.OK(d, 102, conv, 2)
	h.OK(d, 103, conv, 3)

	h.Invoke("e", bob, alice)

	got := h.Ops()
	want := []struct {
		status      Status
		attempts    int
		id          int64
		ackConflict bool
	}{
		{OK, 2, 101, false},
		{Unknown, 2, 0, false},
		{Failed, 1, 0, false},
		{OK, 1, 103, true},
		{Invoked, 1, 0, false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d ops, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Index != i || g.Status != w.status || g.Attempts != w.attempts || g.ID != w.id || g.AckConflict != w.ackConflict {
			t.Errorf("op %d (%s): got index %d %v attempts %d id %d conflict %v, want index %d %v attempts %d id %d conflict %v",
				i, g.ClientID, g.Index, g.Status, g.Attempts, g.ID, g.AckConflict, i, w.status, w.attempts, w.id, w.ackConflict)
		}
	}
}
