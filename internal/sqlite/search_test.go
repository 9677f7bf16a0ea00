package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqlite"
)

// The deferred search index gives the same answers as the direct scan of
// messages past it, including after a recall of an indexed message.
func TestDeferredSearchIndex(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := db.Chats()
	send := func(i int, text string) chat.Message {
		t.Helper()
		m, _, _, err := s.AppendMessage(ctx, chat.NewMessage{A: 1, B: 2, Message: chat.Message{
			Sender: 1, SenderDevice: 1, ClientID: fmt.Sprint("c", i), Text: text, Time: time.Now(),
		}}, []hongyan.UserID{1, 2})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	search := func(q string) int {
		t.Helper()
		got, err := s.Search(ctx, 2, 0, q, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		return len(got)
	}
	// More than one index step's worth, so catching up takes several.
	for i := range 2500 {
		send(i, fmt.Sprintf("第%d个红包", i))
	}
	secret := send(9999, "秘密 secret words")
	before := search("红包")
	if err := db.Chats().IndexSearch(ctx); err != nil {
		t.Fatalf("IndexSearch: %v", err)
	}
	if got := search("红包"); got != before || got != 500 {
		t.Errorf("search 红包 before/after indexing: got %d/%d, want 500 (the page) both times", before, got)
	}
	if got := search("第2499个"); got != 1 {
		t.Errorf("search 第2499个 through the index: got %d, want 1", got)
	}
	if got := search("secret"); got != 1 {
		t.Fatalf("search secret through the index: got %d, want 1", got)
	}
	if _, err := s.RecallMessage(ctx, secret.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got := search("secret"); got != 0 {
		t.Errorf("search after recalling an indexed message: got %d, want 0", got)
	}
	late := send(10000, "after the index")
	if got := search("after the"); got != 1 {
		t.Errorf("search for a message past the index: got %d, want 1 (id %d)", got, late.ID)
	}
	if err := db.Chats().IndexSearch(ctx); err != nil {
		t.Fatal(err)
	}
	if got := search("after the"); got != 1 {
		t.Errorf("search after indexing it: got %d, want 1", got)
	}
}
