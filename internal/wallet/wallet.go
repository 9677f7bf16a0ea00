package wallet

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Target is where a red packet is sent: one user (a 1:1 chat) or a group.
// Exactly one is set.
type Target struct {
	User  hongyan.UserID
	Group hongyan.ConversationID
}

// PacketKind is how a red packet splits. The values are those of the
// protocol.
type PacketKind uint8

// The red packet kinds.
const (
	PacketNormal PacketKind = 0 // every share the same amount
	PacketLucky  PacketKind = 1 // random shares (LuckyShare)
)

// PacketState is where a red packet stands. The values are those of the
// protocol.
type PacketState uint8

// The red packet states.
const (
	PacketOpen     PacketState = 0 // shares left to grab
	PacketFinished PacketState = 1 // every share grabbed
	PacketRefunded PacketState = 2 // expired; what was left went back to the sender
)

// Packet is a red packet.
type Packet struct {
	ID       int64
	Sender   hongyan.UserID
	To       Target
	Kind     PacketKind
	Total    int64 // fen
	Count    int64 // shares
	Greeting string
	// Left and LeftCount are what is still to be grabbed.
	Left      int64
	LeftCount int64
	State     PacketState
	Created   time.Time
	Expires   time.Time
	// Refunded is what went back to the sender when it expired.
	Refunded int64
}

// Grab is one member's share of a red packet.
type Grab struct {
	Packet int64
	User   hongyan.UserID
	Amount int64
	Seq    int64 // 1 for the first grab
	At     time.Time
}

// TransferState is where a transfer stands. The values are those of the
// protocol.
type TransferState uint8

// The transfer states.
const (
	TransferPending  TransferState = 0 // waiting for the receiver
	TransferAccepted TransferState = 1 // the receiver took the money
	TransferReturned TransferState = 2 // the receiver sent it back
	TransferRefunded TransferState = 3 // not accepted in time; back to the sender
)

// Transfer is money sent to one user, held until they accept it.
type Transfer struct {
	ID      int64
	From    hongyan.UserID
	To      hongyan.UserID
	Amount  int64
	Note    string
	State   TransferState
	Created time.Time
	Expires time.Time
	Settled time.Time // when it left the pending state
}

// PIN is a user's payment password: its argon2id hash, the count of wrong
// tries in a row and until when it is locked.
type PIN struct {
	User     hongyan.UserID
	Hash     string
	Recovery string // argon2id hash of the recovery code
	Failures int64
	Locked   time.Time // zero: not locked
}

// Idem is a remembered idempotency key: the request it came with (a hash)
// and what it made (a transfer, a packet or an entry, by ID).
type Idem struct {
	User hongyan.UserID
	Key  string
	Hash string
	Ref  int64
	At   time.Time
}

// ProviderOpState is where a top-up or withdrawal stands between the
// payment provider and the ledger.
type ProviderOpState uint8

// The provider operation states.
const (
	// ProviderOpPending: recorded before the provider was asked; the
	// ledger does not hold its outcome yet.
	ProviderOpPending ProviderOpState = 0
	// ProviderOpDone: the ledger holds the outcome (a top-up credited, a
	// withdrawal paid out).
	ProviderOpDone ProviderOpState = 1
	// ProviderOpCancelled: the provider did not move the money (a top-up
	// it never charged or refused; a withdrawal it refused, whose money
	// went back into the wallet).
	ProviderOpCancelled ProviderOpState = 2
)

// ProviderOp is a top-up or withdrawal that the payment provider is asked
// to carry out. It is recorded durably before the provider is called (an
// outbox row), so that a crash between the provider's answer and the
// ledger's commit leaves a trace that Service.Reconcile settles.
type ProviderOp struct {
	Key     string // the provider's reference (its idempotency key); unique
	User    hongyan.UserID
	Kind    EntryKind // EntryTopUp or EntryWithdraw
	Amount  int64
	UserKey string // the caller's idempotency key
	Hash    string // the request's hash (requestHash)
	Entry   int64  // a withdrawal's debit entry; a top-up's credit once done
	State   ProviderOpState
	Created time.Time // when it was recorded (or re-opened by a retry)
}

// HistoryFilter selects a user's movements.
type HistoryFilter struct {
	Kinds  []EntryKind // only these (all when empty)
	In     bool        // only money in
	Out    bool        // only money out
	From   time.Time   // at or after (zero: any)
	Until  time.Time   // before (zero: any)
	Before int64       // entries below this ID (0: from the newest)
	Limit  int
}

// Store keeps the ledger and the objects that hold money. Reads outside
// Atomically see committed data.
type Store interface {
	// Atomically runs fn in one transaction and returns after it has
	// durably committed, or with the first error (then nothing of fn
	// happened). fn may run more than once, so it must read what it needs
	// through tx; the last run counts.
	Atomically(ctx context.Context, fn func(tx Tx) error) error

	// Balance is user u's wallet balance.
	Balance(ctx context.Context, u hongyan.UserID) (int64, error)
	// History lists u's movements, newest first.
	History(ctx context.Context, u hongyan.UserID, f HistoryFilter) ([]Movement, error)
	// Sum adds up u's movements in [from, until): money in and money out
	// (out as a positive number).
	Sum(ctx context.Context, u hongyan.UserID, from, until time.Time) (in, out int64, err error)
	// Packet and Transfer return one object (hongyan.CodeNotFound when
	// there is none); Grabs a packet's grabs in order.
	Packet(ctx context.Context, id int64) (Packet, error)
	Grabs(ctx context.Context, packet int64) ([]Grab, error)
	Transfer(ctx context.Context, id int64) (Transfer, error)
	// PIN returns u's payment password, if set.
	PIN(ctx context.Context, u hongyan.UserID) (PIN, bool, error)
	// Due lists up to limit open packets and pending transfers whose
	// expiry is at or before now.
	Due(ctx context.Context, now time.Time, limit int) (packets, transfers []int64, err error)
	// ForgetKeys deletes idempotency keys remembered before t.
	ForgetKeys(ctx context.Context, before time.Time) (int64, error)
	// Check verifies every invariant of the ledger over all of it.
	Check(ctx context.Context) (Report, error)
	// PendingProviderOps lists up to limit provider operations still
	// pending that were created before before, oldest first.
	PendingProviderOps(ctx context.Context, before time.Time, limit int) ([]ProviderOp, error)
}

// Tx is a transaction of the store. Reads see the transaction's own writes.
type Tx interface {
	// Balance is the balance of account a (0 when it has no postings).
	Balance(a Account) (int64, error)
	// Post records e (Validate must pass) and returns it with its ID.
	// A balance other than the provider's going below zero fails with
	// hongyan.CodePrecondition, a used Once with hongyan.CodeExists.
	Post(e Entry) (Entry, error)
	// Happened reports whether an entry with this Once key was posted.
	Happened(once string) (bool, error)

	// Key returns the remembered idempotency key of user u.
	Key(u hongyan.UserID, key string) (Idem, bool, error)
	// Remember stores an idempotency key (CodeExists if u has it).
	Remember(i Idem) error

	Packet(id int64) (Packet, bool, error)
	// CreatePacket stores p and returns it with its ID.
	CreatePacket(p Packet) (Packet, error)
	// UpdatePacket stores p's Left, LeftCount, State and Refunded.
	UpdatePacket(p Packet) error
	// Grab returns u's grab of packet, if any.
	Grab(packet int64, u hongyan.UserID) (Grab, bool, error)
	// AddGrab stores g (CodeExists if that user grabbed the packet).
	AddGrab(g Grab) error

	Transfer(id int64) (Transfer, bool, error)
	// CreateTransfer stores t and returns it with its ID.
	CreateTransfer(t Transfer) (Transfer, error)
	// UpdateTransfer stores t's State and Settled.
	UpdateTransfer(t Transfer) error

	PIN(u hongyan.UserID) (PIN, bool, error)
	SavePIN(p PIN) error

	// AppendChanges appends change-log entries and returns them numbered.
	AppendChanges(in []hongyan.Change) ([]hongyan.Change, error)

	// ProviderOp returns the provider operation with this key.
	ProviderOp(key string) (ProviderOp, bool, error)
	// SaveProviderOp stores o, or replaces the one with its key.
	SaveProviderOp(o ProviderOp) error
}

// Provider moves money between the outside world and the provider's
// clearing account: top-ups charge the user's card or bank, withdrawals pay
// out to it. Both are idempotent by key (a retry with the same key must not
// charge or pay twice), and the provider answers what became of a key
// (Status), which is how a crash between its answer and the ledger's
// commit is reconciled. A refusal is a *hongyan.Error whose code is neither
// CodeUnavailable nor CodeInternal; those two, and any other error, mean
// the outcome is unknown. internal/sandboxpay is the provider inside the
// binary.
type Provider interface {
	// Charge takes amount fen from the user's payment method.
	Charge(ctx context.Context, u hongyan.UserID, amount int64, key string) error
	// Payout sends amount fen to the user's payment method.
	Payout(ctx context.Context, u hongyan.UserID, amount int64, key string) error
	// Status tells what became of the charge (kind EntryTopUp) or payout
	// (EntryWithdraw) with this key.
	Status(ctx context.Context, kind EntryKind, key string) (ProviderStatus, error)
}

// ProviderStatus is what a provider knows of a request by its key.
type ProviderStatus uint8

// The provider statuses.
const (
	ProviderNoRecord  ProviderStatus = 0 // it never received the request
	ProviderSucceeded ProviderStatus = 1 // it charged or paid
	ProviderRefused   ProviderStatus = 2 // it refused; no money moved
)

// Peers answers who may send money to whom (the contact and group
// features, filled in by node).
type Peers interface {
	// CanPay returns nil when from may send money to to (friends, not
	// blocked), or an error saying why not.
	CanPay(ctx context.Context, from, to hongyan.UserID) error
	// Group returns the number of active members of a group and whether u
	// is one of them (hongyan.CodeNotFound: no such group).
	Group(ctx context.Context, g hongyan.ConversationID, u hongyan.UserID) (members int, member bool, err error)
	// ConfirmPassword returns nil when password is u's account password
	// (resetting the payment password asks for it), or an error saying why
	// not.
	ConfirmPassword(ctx context.Context, u hongyan.UserID, password string) error
}

// Card is a transfer or red packet as a chat message shows it.
type Card struct {
	From     hongyan.UserID
	To       Target
	Transfer int64 // exactly one of Transfer and Packet
	Packet   int64
	Amount   int64  // a transfer's amount; 0 for a red packet (its amount shows once grabbed)
	Text     string // the greeting or note
}

// Cards posts cards into chats (the chat feature, filled in by node).
type Cards interface {
	PostCard(ctx context.Context, c Card) error
}

// Balance is a wallet's balance as a change-log entry resolves to it.
type Balance struct {
	Fen int64
}
