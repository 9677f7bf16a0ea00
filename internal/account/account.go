package account

import (
	"time"

	"hongyan/internal/hongyan"
)

// Gender as users state it on their profile.
type Gender int8

// The genders a profile can show.
const (
	GenderUnset  Gender = 0
	GenderMale   Gender = 1
	GenderFemale Gender = 2
)

// Account is a registered user.
type Account struct {
	ID hongyan.UserID
	// AccountID is the unique, user-visible ID (6–20 chars, letters, digits,
	// '_' and '-', starting with a letter). It may be changed once.
	AccountID        string
	AccountIDChanged bool
	PasswordHash     string
	Phone            string // "" when not bound; unique when bound
	Email            string // "" when not bound; unique when bound
	Profile          Profile
	Settings         Settings
	Created          time.Time
}

// Profile is what other people see of an account.
type Profile struct {
	Nickname  string
	Avatar    string // content hash of the avatar image, "" when none
	Gender    Gender
	Region    string
	Signature string // at most 30 characters
}

// Settings are an account's privacy settings.
type Settings struct {
	FindByAccountID      bool // others may find me by my account ID
	FindByPhone          bool // others may find me by my phone number
	AddNeedsVerification bool // adding me as a friend needs my approval
}

// DefaultSettings are the settings of a new account.
var DefaultSettings = Settings{FindByAccountID: true, FindByPhone: true, AddNeedsVerification: true}

// Device is one signed-in device session. The session token itself is never
// stored; only its SHA-256 hash.
type Device struct {
	ID        hongyan.DeviceID
	User      hongyan.UserID
	Name      string
	Address   string // network address it signed in from
	TokenHash []byte
	Created   time.Time
	LastSeen  time.Time
}

// Session is what a device receives when it signs in.
type Session struct {
	Token  string
	User   hongyan.UserID
	Device hongyan.DeviceID
}

// RecoveryCode is a pending one-time password-recovery code (hashed).
type RecoveryCode struct {
	User     hongyan.UserID
	CodeHash []byte
	Expires  time.Time
	Attempts int
}

// Verification is a pending one-time code (hashed) sent to a phone number
// or e-mail address, whose owner proves it by binding it with the code.
type Verification struct {
	Channel  string // "phone" or "email"
	To       string
	CodeHash []byte
	Expires  time.Time
	Attempts int
}

// OutboxMessage is a message the default Sender leaves for the operator:
// it is written to the outbox table and the log.
type OutboxMessage struct {
	ID      int64
	Channel string // "phone" or "email"
	To      string
	Body    string
	Created time.Time
}

// QRState is the state of a second-device login code.
type QRState int8

// The states of a QR login: pending → confirmed → claimed; or expired.
const (
	QRPending   QRState = 0
	QRConfirmed QRState = 1
	QRClaimed   QRState = 2
	QRExpired   QRState = 3
)

// QRLogin is a second-device login in progress. The code (in the QR image)
// and the secret (kept by the new device) are stored hashed.
type QRLogin struct {
	CodeHash   []byte
	SecretHash []byte
	DeviceName string
	Address    string
	Created    time.Time
	Expires    time.Time
	State      QRState
	User       hongyan.UserID   // who confirmed it
	Device     hongyan.DeviceID // the device created when it was claimed
}

// Avatar is a stored avatar image, addressed by the hash of its content.
type Avatar struct {
	Hash        string
	ContentType string
	Data        []byte
}
