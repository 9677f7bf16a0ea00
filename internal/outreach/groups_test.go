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

// groupWorld fakes the bot, roles and messages: user 1 owns groups 10–12,
// is a member of 13; the bot was not added to 12.
type groupWorld struct{ did []string }

func (w *groupWorld) Post(_ context.Context, g hongyan.ConversationID, text string) error {
	if g == 12 {
		return hongyan.Errorf(hongyan.CodeDenied, "the group's owner has not added this bot to group 12")
	}
	w.did = append(w.did, fmt.Sprintf("post %d %s", g, text))
	return nil
}

func (w *groupWorld) Invite(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) error {
	if u == 99 {
		return hongyan.Errorf(hongyan.CodePrecondition, "not a contact")
	}
	w.did = append(w.did, fmt.Sprintf("invite %d %d", g, u))
	return nil
}

func (w *groupWorld) Role(_ context.Context, g hongyan.ConversationID, u hongyan.UserID) (string, error) {
	if u != 1 {
		return "", nil
	}
	if g == 13 {
		return "member", nil
	}
	return "owner", nil
}

func (w *groupWorld) Text(_ context.Context, u hongyan.UserID, g hongyan.ConversationID, seq int64) (string, error) {
	if g != 10 || seq != 5 {
		return "", hongyan.Errorf(hongyan.CodeNotFound, "no such message")
	}
	return "明天 9 点开课", nil
}

func codes(rs []outreach.GroupResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(hongyan.ErrorCode(r.Err)))
	}
	return out
}

func TestForward(t *testing.T) {
	w := &groupWorld{}
	ctx := context.Background()
	tl := outreach.NewGroupTools(w, w, w, hongyan.NewLimiter(hongyan.Rate{N: 3, Per: time.Hour}))
	me := hongyan.Caller{User: 1}
	rs, err := tl.Forward(ctx, me, 10, 5, []hongyan.ConversationID{11, 12, 13})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := codes(rs), []string{"", "permission_denied", "permission_denied"}; !slices.Equal(got, want) {
		t.Errorf("results %q, want %q (12: bot not added; 13: not mine)", got, want)
	}
	if want := []string{"post 11 明天 9 点开课"}; !slices.Equal(w.did, want) {
		t.Errorf("did %q, want %q", w.did, want)
	}
	// The limit: 3 groups an hour; 12 took one, 11 one.
	rs, _ = tl.Forward(ctx, me, 10, 5, []hongyan.ConversationID{11, 14})
	if got, want := codes(rs), []string{"", "rate_limited"}; !slices.Equal(got, want) {
		t.Errorf("over the limit: %q, want %q", got, want)
	}
	for _, bad := range [][]hongyan.ConversationID{nil, {10}, {11, 11}, make([]hongyan.ConversationID, outreach.MaxForwardTargets+1)} {
		if _, err := tl.Forward(ctx, me, 10, 5, bad); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("targets %v: got %v, want invalid", bad, err)
		}
	}
	if _, err := tl.Forward(ctx, me, 10, 6, []hongyan.ConversationID{11}); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a message I cannot read: got %v, want not found", err)
	}
}

func TestInviteBatch(t *testing.T) {
	w := &groupWorld{}
	ctx := context.Background()
	tl := outreach.NewGroupTools(w, w, w, nil)
	rs, err := tl.Invite(ctx, hongyan.Caller{User: 1}, 11, []hongyan.UserID{5, 99, 6})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := codes(rs), []string{"", "failed_precondition", ""}; !slices.Equal(got, want) {
		t.Errorf("results %q, want %q", got, want)
	}
	if _, err := tl.Invite(ctx, hongyan.Caller{User: 2}, 11, []hongyan.UserID{5}); hongyan.ErrorCode(err) != hongyan.CodeDenied {
		t.Errorf("by a non-admin: got %v, want denied", err)
	}
	if _, err := tl.Invite(ctx, hongyan.Caller{User: 1}, 11, []hongyan.UserID{5, 5}); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("a user twice: got %v, want invalid", err)
	}
	if _, err := tl.Invite(ctx, hongyan.Caller{User: 1}, 11, make([]hongyan.UserID, outreach.MaxInviteBatch+1)); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("too many: got %v, want invalid", err)
	}
}
