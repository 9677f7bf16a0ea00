// Package stores puts Hongyan's storage together: every feature's storage
// package on one shared core (internal/sqldb), and the list of their
// schemas that the engines (internal/sqlite, internal/postgres) migrate.
package stores

import (
	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/accountdb"
	"hongyan/internal/sqldb/addressbookdb"
	"hongyan/internal/sqldb/assistantdb"
	"hongyan/internal/sqldb/botdb"
	"hongyan/internal/sqldb/calldb"
	"hongyan/internal/sqldb/changelogdb"
	"hongyan/internal/sqldb/chatdb"
	"hongyan/internal/sqldb/contactdb"
	"hongyan/internal/sqldb/discoverydb"
	"hongyan/internal/sqldb/favoritedb"
	"hongyan/internal/sqldb/groupappdb"
	"hongyan/internal/sqldb/groupcalldb"
	"hongyan/internal/sqldb/groupdb"
	"hongyan/internal/sqldb/guarddb"
	"hongyan/internal/sqldb/limitdb"
	"hongyan/internal/sqldb/livecodedb"
	"hongyan/internal/sqldb/mediadb"
	"hongyan/internal/sqldb/moderationdb"
	"hongyan/internal/sqldb/momentsdb"
	"hongyan/internal/sqldb/officialacctdb"
	"hongyan/internal/sqldb/spamdb"
	"hongyan/internal/sqldb/walletdb"
)

// Schemas are the features' schemas in the order they are migrated: a
// feature whose migrations touch another's tables comes after it.
var Schemas = []sqldb.Schema{
	changelogdb.Schema,
	accountdb.Schema,
	contactdb.Schema,
	chatdb.Schema,
	groupdb.Schema,
	mediadb.Schema,
	favoritedb.Schema,
	officialacctdb.Schema,
	momentsdb.Schema,
	walletdb.Schema,
	discoverydb.Schema,
	calldb.Schema,
	addressbookdb.Schema,
	livecodedb.Schema,
	assistantdb.Schema,
	limitdb.Schema,
	spamdb.Schema,
	moderationdb.Schema,
	groupappdb.Schema,
	botdb.Schema,
	guarddb.Schema,
	groupcalldb.Schema,
}

// DB is an opened, migrated database with every feature's store.
type DB struct {
	*sqldb.DB
}

// New wraps db, whose schema is migrated to Schemas, and installs what the
// writer needs of the features, once per DB: the change-log append, and
// the upkeep of the chat search index.
func New(db *sqldb.DB) *DB {
	changelogdb.Install(db)
	chatdb.InstallIndex(db)
	return &DB{db}
}

// Accounts returns the account store.
func (db *DB) Accounts() accountdb.Store { return accountdb.New(db.DB) }

// Contacts returns the contact store.
func (db *DB) Contacts() contactdb.Store { return contactdb.New(db.DB) }

// Chats returns the chat store.
func (db *DB) Chats() chatdb.Store { return chatdb.New(db.DB) }

// Groups returns the group store.
func (db *DB) Groups() groupdb.Store { return groupdb.New(db.DB) }

// Media returns the media store.
func (db *DB) Media() mediadb.Store { return mediadb.New(db.DB) }

// Favorites returns the favorite store.
func (db *DB) Favorites() favoritedb.Store { return favoritedb.New(db.DB) }

// OfficialAccounts returns the official-account store.
func (db *DB) OfficialAccounts() officialacctdb.Store { return officialacctdb.New(db.DB) }

// Moments returns the Moments store.
func (db *DB) Moments() momentsdb.Store { return momentsdb.New(db.DB) }

// Spam returns spam detection's behaviour counters.
func (db *DB) Spam() spamdb.Store { return spamdb.New(db.DB) }

// Discovery returns the discovery store (people nearby, shake, bottles).
func (db *DB) Discovery() discoverydb.Store { return discoverydb.New(db.DB) }

// GroupApps returns the group apps' store (polls, check-in, homework).
func (db *DB) GroupApps() groupappdb.Store { return groupappdb.New(db.DB) }

// Calls returns the call store (one-to-one calls and their lines).
func (db *DB) Calls() calldb.Store { return calldb.New(db.DB) }

// GroupCalls returns the group-call store (open rooms and their hosts).
func (db *DB) GroupCalls() groupcalldb.Store { return groupcalldb.New(db.DB) }

// Bots returns the bot store (bots, tokens, grants, webhooks, events,
// deliveries).
func (db *DB) Bots() botdb.Store { return botdb.New(db.DB) }

// ChangeLog returns the change-log store.
func (db *DB) ChangeLog() changelogdb.Store { return changelogdb.New(db.DB) }

// Wallet returns the wallet store.
func (db *DB) Wallet() walletdb.Store { return walletdb.New(db.DB) }

// AddressBooks returns the address-book store.
func (db *DB) AddressBooks() addressbookdb.Store { return addressbookdb.New(db.DB) }

// Guard returns the Group Guard's store.
func (db *DB) Guard() guarddb.Store { return guarddb.New(db.DB) }

// LiveCodes returns the live-code store.
func (db *DB) LiveCodes() livecodedb.Store { return livecodedb.New(db.DB) }

// Limits returns the store of rate limits shared by a cluster's nodes.
func (db *DB) Limits() limitdb.Store { return limitdb.New(db.DB) }

// Moderation returns the moderation store (administrators, audit log,
// reports, penalties).
func (db *DB) Moderation() moderationdb.Store { return moderationdb.New(db.DB) }

// Assistant returns the Group Assistant's store.
func (db *DB) Assistant() assistantdb.Store { return assistantdb.New(db.DB) }
