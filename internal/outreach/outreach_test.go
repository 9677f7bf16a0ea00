package outreach_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/outreach"
)

// world fakes the group and contact features and the broadcast assistant.
type world struct {
	members map[hongyan.ConversationID][]hongyan.UserID
	tags    map[hongyan.UserID]map[string][]hongyan.UserID
	sent    [][]hongyan.UserID
}

func (w *world) Mine(_ context.Context, u hongyan.UserID) ([]hongyan.ConversationID, error) {
	var out []hongyan.ConversationID
	for g, ms := range w.members {
		if slices.Contains(ms, u) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (w *world) Members(_ context.Context, u hongyan.UserID, g hongyan.ConversationID) ([]hongyan.UserID, error) {
	if !slices.Contains(w.members[g], u) {
		return nil, hongyan.Errorf(hongyan.CodeNotFound, "not a member")
	}
	return w.members[g], nil
}

func (w *world) Tagged(_ context.Context, u hongyan.UserID, tag string) ([]hongyan.UserID, error) {
	return w.tags[u][tag], nil
}

func (w *world) Broadcast(_ context.Context, c hongyan.Caller, peers []hongyan.UserID, clientID, text string) ([]outreach.Result, error) {
	w.sent = append(w.sent, peers)
	out := make([]outreach.Result, len(peers))
	for i, p := range peers {
		out[i] = outreach.Result{Peer: p, Message: hongyan.MessageID(i + 1)}
	}
	return out, nil
}

func TestCommon(t *testing.T) {
	w := &world{members: map[hongyan.ConversationID][]hongyan.UserID{
		10: {1, 2, 3, 4},
		11: {1, 2, 3},
		12: {1, 2},
		13: {2, 3, 5}, // not mine: never read
	}}
	s := outreach.New(w, w, w, nil)
	got, err := s.Common(context.Background(), hongyan.Caller{User: 1}, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []outreach.Person{{User: 2, Groups: []hongyan.ConversationID{10, 11, 12}}, {User: 3, Groups: []hongyan.ConversationID{10, 11}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Common ≥ 2: got %v, want %v", got, want)
	}
	got, _ = s.Common(context.Background(), hongyan.Caller{User: 1}, 3, 0)
	if len(got) != 1 || got[0].User != 2 {
		t.Errorf("Common ≥ 3: got %v, want user 2 only", got)
	}
	got, _ = s.Common(context.Background(), hongyan.Caller{User: 1}, 2, 1)
	if len(got) != 1 {
		t.Errorf("Common limit 1: got %v", got)
	}
	for _, min := range []int{0, 1, outreach.MaxGroupsScanned + 1} {
		if _, err := s.Common(context.Background(), hongyan.Caller{User: 1}, min, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("min %d: got %v, want invalid", min, err)
		}
	}
}

func TestBroadcastTag(t *testing.T) {
	many := make([]hongyan.UserID, outreach.MaxRecipients+1)
	for i := range many {
		many[i] = hongyan.UserID(100 + i)
	}
	w := &world{tags: map[hongyan.UserID]map[string][]hongyan.UserID{1: {"VIP": {2, 3}, "all": many}}}
	ctx := context.Background()
	s := outreach.New(w, w, w, hongyan.NewLimiter(hongyan.Rate{N: 2, Per: time.Hour}))
	me := hongyan.Caller{User: 1}
	res, err := s.BroadcastTag(ctx, me, " VIP ", "c1", "新品到货 / new stock")
	if err != nil || len(res) != 2 || res[0].Peer != 2 || res[1].Peer != 3 {
		t.Fatalf("BroadcastTag: got %v, %v; want two results", res, err)
	}
	if _, err := s.BroadcastTag(ctx, me, "nobody", "c2", "x"); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("a tag nobody carries: got %v, want precondition", err)
	}
	if _, err := s.BroadcastTag(ctx, me, "all", "c3", "x"); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("more than %d recipients: got %v, want precondition", outreach.MaxRecipients, err)
	}
	if _, err := s.BroadcastTag(ctx, me, "", "c4", "x"); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("no tag: got %v, want invalid", err)
	}
	if _, err := s.BroadcastTag(ctx, me, "VIP", "c5", " "); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("no text: got %v, want invalid", err)
	}
	if _, err := s.BroadcastTag(ctx, me, "VIP", "c6", "again"); err != nil {
		t.Fatalf("second broadcast: %v", err)
	}
	if _, err := s.BroadcastTag(ctx, me, "VIP", "c7", "third"); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("third broadcast in an hour: got %v, want rate limited", err)
	}
	if len(w.sent) != 2 {
		t.Errorf("broadcasts sent %d, want 2 (refused ones send nothing)", len(w.sent))
	}
}
