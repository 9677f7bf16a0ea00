package wallet

import (
	"fmt"
	"time"

	"hongyan/internal/hongyan"
)

// AccountKind is what a ledger account holds. The values are stored.
type AccountKind uint8

// The account kinds.
const (
	// AccountUser is a user's wallet (Ref: the user). Never negative.
	AccountUser AccountKind = 1
	// AccountPacket is the escrow of a red packet (Ref: the packet): what
	// is still to be grabbed or refunded. Never negative.
	AccountPacket AccountKind = 2
	// AccountTransfer is the escrow of a transfer (Ref: the transfer) until
	// it is accepted, returned or refunded. Never negative.
	AccountTransfer AccountKind = 3
	// AccountProvider is the payment provider's clearing account (Ref 0):
	// money that came in from outside is posted from it, so its balance is
	// minus what the provider holds for the users. It may be negative.
	AccountProvider AccountKind = 4
	// AccountFees collects fees (Ref 0). Never negative.
	AccountFees AccountKind = 5
)

// Account names one ledger account.
type Account struct {
	Kind AccountKind
	Ref  int64
}

// UserAccount is user u's wallet.
func UserAccount(u hongyan.UserID) Account { return Account{AccountUser, int64(u)} }

// MayBeNegative reports whether the account's balance may go below zero:
// only the provider's clearing account.
func (a Account) MayBeNegative() bool { return a.Kind == AccountProvider }

func (a Account) String() string {
	names := map[AccountKind]string{AccountUser: "user", AccountPacket: "packet", AccountTransfer: "transfer", AccountProvider: "provider", AccountFees: "fees"}
	return fmt.Sprintf("%s:%d", names[a.Kind], a.Ref)
}

// EntryKind is what a journal entry records. The values are stored and are
// those of the protocol.
type EntryKind uint8

// The entry kinds.
const (
	EntryTopUp          EntryKind = 1  // provider → user
	EntryWithdraw       EntryKind = 2  // user → provider
	EntryWithdrawRevert EntryKind = 3  // provider → user: the provider refused a withdrawal
	EntryTransferSend   EntryKind = 4  // user → transfer escrow
	EntryTransferAccept EntryKind = 5  // transfer escrow → receiver
	EntryTransferReturn EntryKind = 6  // transfer escrow → sender: the receiver returned it
	EntryTransferRefund EntryKind = 7  // transfer escrow → sender: not accepted in time
	EntryPacketSend     EntryKind = 8  // user → packet escrow
	EntryPacketGrab     EntryKind = 9  // packet escrow → grabber
	EntryPacketRefund   EntryKind = 10 // packet escrow → sender: unclaimed after 24 h
)

// Posting is one line of an entry: Amount fen added to Account's balance
// (negative: taken from it).
type Posting struct {
	Account Account
	Amount  int64
}

// Entry is one journal entry: one movement of money.
type Entry struct {
	ID   int64
	Kind EntryKind
	// User is the user the entry is for (who topped up, sent, grabbed);
	// Peer the other user, if any.
	User hongyan.UserID
	Peer hongyan.UserID
	// Ref is the transfer or red packet the entry belongs to (0: none).
	Ref int64
	// Once, when set, is unique in the ledger: a second entry with the same
	// Once is refused with hongyan.CodeExists. It makes grabs, settlements
	// and refunds happen at most once.
	Once     string
	Postings []Posting
	At       time.Time
}

// Validate checks the shape of an entry: at least two postings, none zero,
// summing to zero, no account twice. Stores call it before posting.
func (e Entry) Validate() error {
	if len(e.Postings) < 2 {
		return hongyan.Errorf(hongyan.CodeInternal, "ledger: an entry needs two postings or more")
	}
	var sum int64
	seen := make(map[Account]bool, len(e.Postings))
	for _, p := range e.Postings {
		if p.Amount == 0 || p.Amount > MaxAmount || p.Amount < -MaxAmount {
			return hongyan.Errorf(hongyan.CodeInternal, "ledger: posting of %d fen to %s", p.Amount, p.Account)
		}
		if seen[p.Account] {
			return hongyan.Errorf(hongyan.CodeInternal, "ledger: %s posted twice in one entry", p.Account)
		}
		seen[p.Account] = true
		sum += p.Amount
	}
	if sum != 0 {
		return hongyan.Errorf(hongyan.CodeInternal, "ledger: postings sum to %d, not 0", sum)
	}
	return nil
}

// move is the entry moving amount from one account to another.
func move(kind EntryKind, from, to Account, amount int64) Entry {
	return Entry{Kind: kind, Postings: []Posting{{from, -amount}, {to, amount}}}
}

// MaxAmount bounds any one posting (10⁸ yuan): no sum of a realistic
// number of postings overflows int64.
const MaxAmount = 10_000_000_000

// Movement is one entry as a user's history shows it: the change of their
// wallet's balance.
type Movement struct {
	Entry  int64
	Kind   EntryKind
	Amount int64 // to the user's wallet; negative: out of it
	Peer   hongyan.UserID
	Ref    int64
	At     time.Time
}

// Report is the result of a ledger check (Store.Check). OK is true when no
// invariant is violated.
type Report struct {
	OK        bool  `json:"ok"`
	Entries   int64 `json:"entries"`
	Postings  int64 `json:"postings"`
	Accounts  int64 `json:"accounts"`
	Packets   int64 `json:"packets"`
	Transfers int64 `json:"transfers"`
	// Counts of violations, by invariant.
	Unbalanced     int64 `json:"unbalanced_entries"`     // entries whose postings do not sum to 0
	CacheMismatch  int64 `json:"balance_mismatches"`     // cached balances unequal to their postings
	Negative       int64 `json:"negative_balances"`      // accounts (other than the provider's) below 0
	PacketEscrow   int64 `json:"packet_escrow_errors"`   // open packets whose escrow is not their unclaimed shares, or closed ones with escrow left; shares that do not add up
	TransferEscrow int64 `json:"transfer_escrow_errors"` // transfers whose escrow is not their amount while pending, 0 after
	Twice          int64 `json:"paid_twice"`             // refunds, settlements or grabs recorded more than once
	Total          int64 `json:"total"`                  // the sum of every posting (must be 0)
	// Examples names up to 10 violations for a human.
	Examples []string `json:"examples,omitempty"`
}

// Finish sets OK from the counts.
func (r *Report) Finish() {
	r.OK = r.Unbalanced == 0 && r.CacheMismatch == 0 && r.Negative == 0 && r.PacketEscrow == 0 &&
		r.TransferEscrow == 0 && r.Twice == 0 && r.Total == 0
}

// Note adds an example of a violation.
func (r *Report) Note(format string, args ...any) {
	if len(r.Examples) < 10 {
		r.Examples = append(r.Examples, fmt.Sprintf(format, args...))
	}
}
