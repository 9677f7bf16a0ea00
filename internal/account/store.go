package account

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// The account feature's storage, split by concern into small ports: each
// has its part of the conformance suite (accounttest), and the service
// holds each one separately. Methods that take changes append them to the
// users' change logs in the same transaction as the write and return them
// with their sequences assigned. Lookups of a missing object return an
// error with hongyan.CodeNotFound.

// Store is every part; one storage implementation usually provides all.
type Store interface {
	Accounts
	Devices
	Recovery
	Verifications
	Outbox
	QRLogins
	Avatars
	Deletions
}

// Accounts keeps accounts: their IDs, credentials, profiles and privacy
// settings. A unique account ID, phone or e-mail already taken returns
// hongyan.CodeExists.
type Accounts interface {
	// CreateAccount inserts a and returns its new ID.
	CreateAccount(ctx context.Context, a Account) (hongyan.UserID, error)
	Account(ctx context.Context, id hongyan.UserID) (Account, error)
	// AccountsByID returns the accounts of ids that exist, in no
	// particular order (missing ones are left out, not an error); at most
	// MaxBatch IDs, more is hongyan.CodeInvalid.
	AccountsByID(ctx context.Context, ids []hongyan.UserID) ([]Account, error)
	// AccountBy finds an account by its account ID, phone or e-mail
	// (field is "account_id", "phone" or "email"; account IDs compare
	// case-insensitively).
	AccountBy(ctx context.Context, field, value string) (Account, error)
	// UpdateAccount replaces every field of the stored account a.ID.
	UpdateAccount(ctx context.Context, a Account, changes []hongyan.Change) ([]hongyan.Change, error)
}

// Devices keeps the devices signed in to an account (their sessions).
type Devices interface {
	// CreateDevice inserts d and returns its new ID.
	CreateDevice(ctx context.Context, d Device, changes []hongyan.Change) (hongyan.DeviceID, []hongyan.Change, error)
	DeviceByToken(ctx context.Context, tokenHash []byte) (Device, error)
	Devices(ctx context.Context, user hongyan.UserID) ([]Device, error)
	// DeleteDevices removes the given devices of user (all of them when ids
	// is empty), returning how many were removed.
	DeleteDevices(ctx context.Context, user hongyan.UserID, ids []hongyan.DeviceID, changes []hongyan.Change) (int, []hongyan.Change, error)
	TouchDevice(ctx context.Context, id hongyan.DeviceID, seen time.Time, address string) error
	// SetPassword replaces user's password hash and, in the same
	// transaction, signs out every device of user but keep (all of them
	// when keep is 0) and drops the QR logins user confirmed that no
	// device has claimed yet. It returns the devices it signed out, and
	// appends changes only if there were any. A missing user is
	// hongyan.CodeNotFound.
	SetPassword(ctx context.Context, user hongyan.UserID, hash string, keep hongyan.DeviceID, changes []hongyan.Change) ([]hongyan.DeviceID, []hongyan.Change, error)
}

// Recovery keeps the one-time codes of password recovery.
type Recovery interface {
	// PutRecoveryCode replaces the user's pending recovery code.
	PutRecoveryCode(ctx context.Context, c RecoveryCode) error
	RecoveryCode(ctx context.Context, user hongyan.UserID) (RecoveryCode, error)
	// CountRecoveryAttempt adds one failed attempt to the user's code.
	CountRecoveryAttempt(ctx context.Context, user hongyan.UserID) error
	// TakeRecoveryCode deletes the user's code if its hash is codeHash and
	// reports whether it did; of two concurrent callers only one gets true.
	TakeRecoveryCode(ctx context.Context, user hongyan.UserID, codeHash []byte) (bool, error)
	// PruneRecoveryCodes deletes up to limit codes that expired before t
	// and returns how many it deleted.
	PruneRecoveryCodes(ctx context.Context, t time.Time, limit int) (int, error)
}

// Verifications keeps the one-time codes that prove a phone number or
// e-mail address belongs to whoever binds it, one per address.
type Verifications interface {
	// PutVerification replaces the pending code of (v.Channel, v.To).
	PutVerification(ctx context.Context, v Verification) error
	Verification(ctx context.Context, channel, to string) (Verification, error)
	// CountVerificationAttempt adds one failed attempt to the code.
	CountVerificationAttempt(ctx context.Context, channel, to string) error
	// TakeVerification deletes the code if its hash is codeHash and
	// reports whether it did; of two concurrent callers only one gets true.
	TakeVerification(ctx context.Context, channel, to string, codeHash []byte) (bool, error)
	// PruneVerifications deletes up to limit codes that expired before t
	// and returns how many it deleted.
	PruneVerifications(ctx context.Context, t time.Time, limit int) (int, error)
}

// Outbox keeps the messages (recovery codes) a node without an SMS or
// e-mail gateway leaves for its operator (see OutboxSender).
type Outbox interface {
	AddOutbox(ctx context.Context, m OutboxMessage) error
	// Outbox returns up to limit messages, newest first.
	Outbox(ctx context.Context, limit int) ([]OutboxMessage, error)
	// PruneOutbox deletes up to limit of the oldest messages created
	// before t and returns how many it deleted.
	PruneOutbox(ctx context.Context, t time.Time, limit int) (int, error)
}

// QRLogins keeps the codes of signing in by scanning a QR code.
type QRLogins interface {
	CreateQRLogin(ctx context.Context, q QRLogin) error
	QRLogin(ctx context.Context, codeHash []byte) (QRLogin, error)
	// ConfirmQRLogin moves a pending, unexpired code to confirmed by user.
	// It returns hongyan.CodePrecondition if the code is not pending or has
	// expired at now; of two racing confirmations exactly one succeeds.
	ConfirmQRLogin(ctx context.Context, codeHash []byte, user hongyan.UserID, now time.Time) error
	// ClaimQRLogin moves a confirmed, unexpired code to claimed and creates
	// device d for the confirming user in the same transaction. It returns
	// hongyan.CodePrecondition when the code is not confirmed or expired.
	ClaimQRLogin(ctx context.Context, codeHash []byte, d Device, now time.Time, changes []hongyan.Change) (hongyan.DeviceID, []hongyan.Change, error)
	// PruneQRLogins deletes up to limit codes that expired before t,
	// whatever their state, and returns how many it deleted.
	PruneQRLogins(ctx context.Context, t time.Time, limit int) (int, error)
}

// Avatars keeps profile pictures by content hash.
type Avatars interface {
	PutAvatar(ctx context.Context, a Avatar) error
	Avatar(ctx context.Context, hash string) (Avatar, error)
}
