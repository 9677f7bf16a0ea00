// Package wallet keeps users' money: a wallet balance, top-up and withdrawal
// through a payment provider, transfers inside a chat, and red packets in
// 1:1 and group chats (PRODUCT.md §8).
//
// Money is kept in a double-entry ledger. Every movement is one journal
// Entry whose Postings sum to zero over Accounts: each user's wallet, the
// escrow of each red packet and of each transfer, the provider's clearing
// account and the fees account. A balance is the sum of its account's
// postings (the store may cache it; Store.Check proves the cache equal).
// Nothing in the ledger is updated or deleted: a correction is a new entry.
//
// Amounts are integers in fen (0.01 yuan) everywhere.
//
// Exactly once. Every request that moves money carries an idempotency key:
// a retry with the same key returns the first result, the same key with a
// different request is refused. Grabs, accepts, returns and refunds are
// unique in the ledger itself (Entry.Once), so a grab is paid once per
// member, a transfer settles once (accepted, returned or refunded) and a
// red packet's rest is refunded once, whichever node runs it and however
// often.
//
// The rules live here, in Service; the store (Store, Tx) keeps data and its
// integrity: entries that balance, balances that stay non-negative, unique
// keys. Every change the service makes runs inside Store.Atomically, which
// returns only after the transaction is durably committed.
package wallet
