package sqlite_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
)

// Group messages committed in shared batches with one-to-one messages:
// every member's change log holds each group message once, in the order
// of the group chat, and every one-to-one message once.
func TestGroupAppendsInSharedCommits(t *testing.T) {
	db := open(t)
	ctx := t.Context()
	const members, senders, perSender = 40, 16, 20
	ms := make([]group.Member, members)
	for i := range ms {
		ms[i] = group.Member{User: hongyan.UserID(i + 1), Joined: time.Now(), Active: true}
	}
	ms[0].Role = group.RoleOwner
	g, _, err := db.Groups().Create(ctx, group.Group{Name: "g", Owner: 1, Created: time.Now()}, ms, nil, group.Notice{Kind: group.NoticeCreated, Actor: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := db.Stats()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range perSender {
				u := hongyan.UserID(s%members + 1)
				m := chat.Message{Sender: u, SenderDevice: 1, ClientID: fmt.Sprintf("g%d-%d", s, i), Text: "x", Time: time.Now()}
				if _, _, _, err := db.Chats().AppendMessage(ctx, chat.NewMessage{Group: g.ID, Message: m}, nil); err != nil {
					t.Errorf("group append: %v", err)
				}
				// And a one-to-one message in the same moment.
				a, b := u, hongyan.UserID((s+1)%members+1)
				m.ClientID = fmt.Sprintf("d%d-%d", s, i)
				if _, _, _, err := db.Chats().AppendMessage(ctx, chat.NewMessage{A: min(a, b), B: max(a, b), Message: m}, []hongyan.UserID{a, b}); err != nil {
					t.Errorf("direct append: %v", err)
				}
			}
		})
	}
	wg.Wait()
	after := db.Stats()
	if ops, batches := after.Ops-before.Ops, after.Batches-before.Batches; batches >= ops {
		t.Logf("no commit was shared (%d operations in %d batches): the test did not exercise shared commits", ops, batches)
	}
	direct := 0
	for u := hongyan.UserID(1); u <= members; u++ {
		log, err := db.ChangeLog().After(ctx, u, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		seen := make(map[int64]bool)
		last := int64(0)
		for i, c := range log {
			if c.Seq != int64(i+1) {
				t.Fatalf("user %d: entry %d has seq %d", u, i, c.Seq)
			}
			if c.Kind != hongyan.ChangeMessage {
				continue
			}
			if c.Conversation != g.ID {
				direct++
				continue
			}
			if seen[c.Ref] {
				t.Fatalf("user %d: group message %d twice", u, c.Ref)
			}
			if c.Ref <= last {
				t.Fatalf("user %d: group message %d after %d", u, c.Ref, last)
			}
			seen[c.Ref], last = true, c.Ref
		}
		if len(seen) != 1+senders*perSender { // the creation notice and every message
			t.Errorf("user %d: %d group messages in the log, want %d", u, len(seen), 1+senders*perSender)
		}
	}
	if want := 2 * senders * perSender; direct != want {
		t.Errorf("one-to-one entries across the members' logs: got %d, want %d", direct, want)
	}
}
