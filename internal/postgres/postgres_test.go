package postgres_test

import (
	"fmt"
	"hongyan/internal/bot"
	"hongyan/internal/bot/bottest"
	"sync"
	"testing"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/account/accounttest"
	"hongyan/internal/addressbook"
	"hongyan/internal/addressbook/addressbooktest"
	"hongyan/internal/assistant"
	"hongyan/internal/assistant/assistanttest"
	"hongyan/internal/call"
	"hongyan/internal/call/calltest"
	"hongyan/internal/changelog/changelogtest"
	"hongyan/internal/chat"
	"hongyan/internal/chat/chattest"
	"hongyan/internal/contact"
	"hongyan/internal/contact/contacttest"
	"hongyan/internal/discovery"
	"hongyan/internal/discovery/discoverytest"
	"hongyan/internal/favorite"
	"hongyan/internal/favorite/favoritetest"
	"hongyan/internal/group"
	"hongyan/internal/group/grouptest"
	"hongyan/internal/groupapp"
	"hongyan/internal/groupapp/groupapptest"
	"hongyan/internal/groupcall"
	"hongyan/internal/groupcall/groupcalltest"
	"hongyan/internal/guard"
	"hongyan/internal/guard/guardtest"
	"hongyan/internal/hongyan"
	"hongyan/internal/livecode"
	"hongyan/internal/livecode/livecodetest"
	"hongyan/internal/moderation"
	"hongyan/internal/moderation/moderationtest"
	"hongyan/internal/moments"
	"hongyan/internal/moments/momentstest"
	"hongyan/internal/officialacct"
	"hongyan/internal/officialacct/officialaccttest"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/wallet"
	"hongyan/internal/wallet/wallettest"
)

// open opens a fresh database, closed when the test ends.
func open(t *testing.T) *stores.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), pgtest.DSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestAccount(t *testing.T) {
	pgtest.Require(t)
	accounttest.Run(t, func(t *testing.T) account.Store { return open(t).Accounts() })
}

func TestContact(t *testing.T) {
	pgtest.Require(t)
	contacttest.Run(t, func(t *testing.T) contact.Store { return open(t).Contacts() })
}

func TestAddressBookStore(t *testing.T) {
	pgtest.Require(t)
	addressbooktest.Run(t, func(t *testing.T) addressbook.Store { return open(t).AddressBooks() })
}

func TestFavoriteStore(t *testing.T) {
	favoritetest.Run(t, func(t *testing.T) favorite.Store { return open(t).Favorites() })
}

func TestMomentsStore(t *testing.T) {
	pgtest.Require(t)
	momentstest.Run(t, func(t *testing.T) moments.Store { return open(t).Moments() })
}

func TestGroupStore(t *testing.T) {
	grouptest.Run(t, func(t *testing.T) group.Store { return open(t).Groups() })
}

func TestChat(t *testing.T) {
	pgtest.Require(t)
	chattest.Run(t, func(t *testing.T) chat.Store { return open(t).Chats() })
}

func TestChangeLog(t *testing.T) {
	pgtest.Require(t)
	changelogtest.Run(t, func(t *testing.T) changelogtest.Log { return open(t).ChangeLog() })
}

// TestTwoWriters runs two nodes' writers against one database, sending to
// the same conversations at once, with the same client IDs sent through
// both: sequences stay gapless, each client ID is stored once, and both
// users' change logs hold every message exactly once.
func TestTwoWriters(t *testing.T) {
	pgtest.Require(t)
	dsn := pgtest.DSN(t)
	var nodes []*stores.DB
	for range 2 {
		db, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		nodes = append(nodes, db)
	}
	ctx := t.Context()
	const workers, each = 8, 25
	type result struct {
		m   chat.Message
		dup bool
	}
	results := make(chan result, 2*workers*each)
	errs := make(chan error, 2*workers*each)
	var wg sync.WaitGroup
	for n, db := range nodes {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Workers w of both nodes send the same client IDs.
					sender := hongyan.UserID(1 + w%2)
					a, b := hongyan.UserID(1), hongyan.UserID(2+i%2)
					if sender == 2 {
						b = 2
					}
					m := chat.NewMessage{A: a, B: b, Message: chat.Message{Sender: sender,
						ClientID: fmt.Sprintf("w%d-%d", w, i), Text: fmt.Sprint(n), Time: time.UnixMilli(0)}}
					got, _, dup, err := db.Chats().AppendMessage(ctx, m, []hongyan.UserID{a, b})
					if err != nil {
						errs <- err
						return
					}
					results <- result{got, dup}
				}
			}()
		}
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatalf("AppendMessage: %v", err)
	}
	byClient := map[string]chat.Message{}
	stored := map[hongyan.ConversationID]map[int64]bool{}
	for r := range results {
		key := fmt.Sprintf("%d/%s", r.m.Sender, r.m.ClientID)
		if prev, ok := byClient[key]; ok && prev.ID != r.m.ID {
			t.Fatalf("client ID %s stored twice: IDs %d and %d", key, prev.ID, r.m.ID)
		}
		byClient[key] = r.m
		if stored[r.m.Conversation] == nil {
			stored[r.m.Conversation] = map[int64]bool{}
		}
		stored[r.m.Conversation][r.m.Seq] = true
	}
	if len(byClient) != workers*each {
		t.Fatalf("distinct messages: got %d, want %d", len(byClient), workers*each)
	}
	total := 0
	for conv, seqs := range stored {
		for seq := int64(1); seq <= int64(len(seqs)); seq++ {
			if !seqs[seq] {
				t.Fatalf("conversation %d: sequence %d missing of %d", conv, seq, len(seqs))
			}
		}
		c, err := nodes[0].Chats().Conversation(ctx, conv)
		if err != nil || c.LastSeq != int64(len(seqs)) {
			t.Fatalf("conversation %d: got LastSeq %d, %v, want %d", conv, c.LastSeq, err, len(seqs))
		}
		total += len(seqs)
	}
	if total != workers*each {
		t.Fatalf("stored messages: got %d, want %d", total, workers*each)
	}
	// User 1 is in every conversation: one entry per message, gapless.
	log, err := nodes[1].ChangeLog().After(ctx, 1, 0, 10*total)
	if err != nil {
		t.Fatalf("After: %v", err)
	}
	if len(log) != total {
		t.Fatalf("user 1's log: got %d entries, want %d", len(log), total)
	}
	seen := map[chat.Ref]bool{}
	for i, c := range log {
		if c.Seq != int64(i+1) {
			t.Fatalf("user 1's log entry %d: got Seq %d, want %d", i, c.Seq, i+1)
		}
		ref := chat.Ref{Conversation: c.Conversation, Seq: c.Ref}
		if seen[ref] {
			t.Fatalf("user 1's log announces %v twice", ref)
		}
		seen[ref] = true
	}
}

func TestOfficialAccountStore(t *testing.T) {
	pgtest.Require(t)
	officialaccttest.Run(t, func(t *testing.T) officialacct.Store { return open(t).OfficialAccounts() })
}

func TestWalletStore(t *testing.T) {
	pgtest.Require(t)
	wallettest.Run(t, func(t *testing.T) wallet.Store { return open(t).Wallet() })
}

func TestDiscoveryStore(t *testing.T) {
	pgtest.Require(t)
	discoverytest.Run(t, func(t *testing.T) discovery.Store { return open(t).Discovery() })
}

func TestLiveCodeStore(t *testing.T) {
	pgtest.Require(t)
	livecodetest.Run(t, func(t *testing.T) livecode.Store { return open(t).LiveCodes() })
}

func TestGuardStore(t *testing.T) {
	pgtest.Require(t)
	guardtest.Run(t, func(t *testing.T) guard.Store { return open(t).Guard() })
}

func TestModerationStore(t *testing.T) {
	pgtest.Require(t)
	moderationtest.Run(t, func(t *testing.T) moderation.Store { return open(t).Moderation() })
}

func TestDashboardCounts(t *testing.T) {
	pgtest.Require(t)
	accounttest.RunCounts(t, func(t *testing.T) accounttest.CountStore { return open(t).Accounts() })
	chattest.RunCounts(t, func(t *testing.T) chattest.CountStore { return open(t).Chats() })
}

func TestGroupAppStore(t *testing.T) {
	pgtest.Require(t)
	groupapptest.Run(t, func(t *testing.T) groupapp.Store { return open(t).GroupApps() })
}

func TestCallStore(t *testing.T) {
	pgtest.Require(t)
	calltest.Run(t, func(t *testing.T) call.Store { return open(t).Calls() })
}

func TestBotStore(t *testing.T) {
	pgtest.Require(t)
	bottest.Run(t, func(t *testing.T) bot.Store { return open(t).Bots() })
}

func TestAssistantStore(t *testing.T) {
	pgtest.Require(t)
	assistanttest.Run(t, func(t *testing.T) assistant.Store { return open(t).Assistant() })
}

func TestGroupCallStore(t *testing.T) {
	pgtest.Require(t)
	groupcalltest.Run(t, func(t *testing.T) groupcall.Store { return open(t).GroupCalls() })
}
