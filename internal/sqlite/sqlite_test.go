package sqlite_test

import (
	"hongyan/internal/bot"
	"hongyan/internal/bot/bottest"
	"testing"

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
	"hongyan/internal/livecode"
	"hongyan/internal/livecode/livecodetest"
	"hongyan/internal/moderation"
	"hongyan/internal/moderation/moderationtest"
	"hongyan/internal/moments"
	"hongyan/internal/moments/momentstest"
	"hongyan/internal/officialacct"
	"hongyan/internal/officialacct/officialaccttest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
	"hongyan/internal/wallet"
	"hongyan/internal/wallet/wallettest"
)

// open opens a fresh database in a temporary directory, closed when the
// test ends.
func open(t *testing.T) *stores.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir())
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
	accounttest.Run(t, func(t *testing.T) account.Store { return open(t).Accounts() })
}

func TestContact(t *testing.T) {
	contacttest.Run(t, func(t *testing.T) contact.Store { return open(t).Contacts() })
}

func TestAddressBookStore(t *testing.T) {
	addressbooktest.Run(t, func(t *testing.T) addressbook.Store { return open(t).AddressBooks() })
}

func TestFavoriteStore(t *testing.T) {
	favoritetest.Run(t, func(t *testing.T) favorite.Store { return open(t).Favorites() })
}

func TestMomentsStore(t *testing.T) {
	momentstest.Run(t, func(t *testing.T) moments.Store { return open(t).Moments() })
}

func TestGroupStore(t *testing.T) {
	grouptest.Run(t, func(t *testing.T) group.Store { return open(t).Groups() })
}

func TestChat(t *testing.T) {
	chattest.Run(t, func(t *testing.T) chat.Store { return open(t).Chats() })
}

func TestChangeLog(t *testing.T) {
	changelogtest.Run(t, func(t *testing.T) changelogtest.Log { return open(t).ChangeLog() })
}

func TestOfficialAccountStore(t *testing.T) {
	officialaccttest.Run(t, func(t *testing.T) officialacct.Store { return open(t).OfficialAccounts() })
}

func TestWalletStore(t *testing.T) {
	wallettest.Run(t, func(t *testing.T) wallet.Store { return open(t).Wallet() })
}

func TestDiscoveryStore(t *testing.T) {
	discoverytest.Run(t, func(t *testing.T) discovery.Store { return open(t).Discovery() })
}

func TestLiveCodeStore(t *testing.T) {
	livecodetest.Run(t, func(t *testing.T) livecode.Store { return open(t).LiveCodes() })
}

func TestGuardStore(t *testing.T) {
	guardtest.Run(t, func(t *testing.T) guard.Store { return open(t).Guard() })
}

func TestModerationStore(t *testing.T) {
	moderationtest.Run(t, func(t *testing.T) moderation.Store { return open(t).Moderation() })
}

func TestDashboardCounts(t *testing.T) {
	accounttest.RunCounts(t, func(t *testing.T) accounttest.CountStore { return open(t).Accounts() })
	chattest.RunCounts(t, func(t *testing.T) chattest.CountStore { return open(t).Chats() })
}

func TestGroupAppStore(t *testing.T) {
	groupapptest.Run(t, func(t *testing.T) groupapp.Store { return open(t).GroupApps() })
}

func TestCallStore(t *testing.T) {
	calltest.Run(t, func(t *testing.T) call.Store { return open(t).Calls() })
}

func TestBotStore(t *testing.T) {
	bottest.Run(t, func(t *testing.T) bot.Store { return open(t).Bots() })
}

func TestAssistantStore(t *testing.T) {
	assistanttest.Run(t, func(t *testing.T) assistant.Store { return open(t).Assistant() })
}

func TestGroupCallStore(t *testing.T) {
	groupcalltest.Run(t, func(t *testing.T) groupcall.Store { return open(t).GroupCalls() })
}
