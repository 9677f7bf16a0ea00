package account

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// Sender delivers a recovery code to a bound phone number or e-mail address.
// channel is "phone" or "email".
type Sender interface {
	Send(ctx context.Context, channel, to, body string) error
}

// Config holds the account rules an operator may tune.
type Config struct {
	QRLoginTTL   time.Duration // how long a QR login code lives (at most 2 minutes)
	RecoveryTTL  time.Duration // how long a recovery code lives
	LoginRate    hongyan.Rate  // password attempts per account and per address
	RegisterRate hongyan.Rate  // registrations per address
	RecoveryRate hongyan.Rate  // recovery codes sent per account
	// RecoveryAddrRate bounds recovery codes asked for, and recovery
	// attempts, per source address.
	RecoveryAddrRate hongyan.Rate
	// LimiterBytes bounds the memory of each rate limiter's table (0: the
	// default, hongyan.DefaultLimiterBytes).
	LimiterBytes int
	// PasswordHashes bounds the password hashes (argon2id, 19 MiB each)
	// computed at once; more wait their turn (0: 4).
	PasswordHashes int
	// PasswordCost is the argon2id cost of the password hashes the
	// service makes (zero: hongyan.DefaultHashCost). Only tests lower it;
	// checks follow the cost each stored hash records.
	PasswordCost hongyan.HashCost
	// VerifyRate bounds verification codes sent per phone/e-mail and
	// per address.
	VerifyRate hongyan.Rate
	// DeletionDelay is the cooling-off before a requested deletion
	// (0: DeletionDelay, 15 days).
	DeletionDelay time.Duration
}

// DefaultConfig returns the rules a node runs with unless configured.
func DefaultConfig() Config {
	return Config{
		QRLoginTTL:       2 * time.Minute,
		RecoveryTTL:      10 * time.Minute,
		LoginRate:        hongyan.Rate{N: 10, Per: time.Minute},
		RegisterRate:     hongyan.Rate{N: 20, Per: time.Minute},
		RecoveryRate:     hongyan.Rate{N: 3, Per: 10 * time.Minute},
		RecoveryAddrRate: hongyan.Rate{N: 30, Per: 10 * time.Minute},
		VerifyRate:       hongyan.Rate{N: 5, Per: 10 * time.Minute},
		PasswordHashes:   4,
		PasswordCost:     hongyan.DefaultHashCost,
	}
}

const (
	maxRecoveryAttempts = 5
	recoveryDigits      = 6
	maxQRLoginTTL       = 2 * time.Minute
)

// Service implements the account rules. It is safe for concurrent use.
type Service struct {
	accounts  Accounts
	devices   Devices
	codes     Recovery
	verify    Verifications
	outbox    Outbox
	qr        QRLogins
	avatars   Avatars
	deletions Deletions
	guard     DeletionGuard // nil: every deletion allowed
	sender    Sender
	pub       hongyan.Publisher
	cfg       Config
	now       func() time.Time
	login     hongyan.RateLimiter
	register  hongyan.RateLimiter
	recovery  hongyan.RateLimiter
	verifies  hongyan.RateLimiter
	// recoveryAddr limits recovery per source address.
	recoveryAddr hongyan.RateLimiter
	// hashing bounds the password hashes computed at once.
	hashing chan struct{}
	// check is CheckPassword (tests count its calls).
	check func(hash, password string) (bool, error)
	// dummyHash is the hash a login that names no account is checked
	// against, so that it takes as long as one that does.
	dummyHash func() string
}

// UseLimiters makes the service's rate limiters with mk (limits that hold
// across a cluster's nodes) in place of the in-memory ones New made. Call
// it before the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.login = mk("account.login", s.cfg.LoginRate)
	s.register = mk("account.register", s.cfg.RegisterRate)
	s.recovery = mk("account.recovery", s.cfg.RecoveryRate)
	s.recoveryAddr = mk("account.recovery_addr", s.cfg.RecoveryAddrRate)
	s.verifies = mk("account.verify", s.cfg.VerifyRate)
}

// New returns a Service over store that delivers recovery codes by sender
// and notifies devices through pub.
func New(store Store, sender Sender, pub hongyan.Publisher, cfg Config) *Service {
	if cfg.QRLoginTTL <= 0 || cfg.QRLoginTTL > maxQRLoginTTL {
		cfg.QRLoginTTL = maxQRLoginTTL
	}
	if cfg.RecoveryTTL <= 0 {
		cfg.RecoveryTTL = DefaultConfig().RecoveryTTL
	}
	limiterBytes := cfg.LimiterBytes
	if limiterBytes <= 0 {
		limiterBytes = hongyan.DefaultLimiterBytes
	}
	if cfg.PasswordHashes <= 0 {
		cfg.PasswordHashes = DefaultConfig().PasswordHashes
	}
	if cfg.PasswordCost.IsZero() {
		cfg.PasswordCost = hongyan.DefaultHashCost
	}
	cost := cfg.PasswordCost
	return &Service{
		accounts: store, devices: store, codes: store, verify: store, outbox: store, qr: store, avatars: store, deletions: store,
		sender: sender, pub: pub, cfg: cfg, now: time.Now,
		login:        hongyan.NewLimiterSize(cfg.LoginRate, limiterBytes),
		register:     hongyan.NewLimiterSize(cfg.RegisterRate, limiterBytes),
		recovery:     hongyan.NewLimiterSize(cfg.RecoveryRate, limiterBytes),
		recoveryAddr: hongyan.NewLimiterSize(cfg.RecoveryAddrRate, limiterBytes),
		verifies:     hongyan.NewLimiterSize(cfg.VerifyRate, limiterBytes),
		hashing:      make(chan struct{}, cfg.PasswordHashes),
		check:        CheckPassword,
		dummyHash: sync.OnceValue(func() string {
			h, err := hashPasswordCost("no account has this password", cost)
			if err != nil {
				panic("argon2 hash failed: " + err.Error())
			}
			return h
		}),
	}
}

// Registration is what a new user fills in.
type Registration struct {
	AccountID  string
	Password   string
	Nickname   string
	Phone      string
	Email      string
	PhoneCode  string // the code VerifyContact sent to Phone
	EmailCode  string // the code VerifyContact sent to Email
	DeviceName string
	Address    string // where the request came from (for rate limits and the device list)
}

// Register creates an account and signs in its first device.
func (s *Service) Register(ctx context.Context, r Registration) (Session, error) {
	if err := ValidAccountID(r.AccountID); err != nil {
		return Session{}, err
	}
	if err := validPassword(r.Password); err != nil {
		return Session{}, err
	}
	if r.Nickname == "" {
		r.Nickname = r.AccountID
	}
	if err := hongyan.ValidName("nickname", r.Nickname, MaxNickname); err != nil {
		return Session{}, err
	}
	if r.Phone != "" {
		if err := validPhone(r.Phone); err != nil {
			return Session{}, err
		}
	}
	if r.Email != "" {
		if err := validEmail(r.Email); err != nil {
			return Session{}, err
		}
	}
	if err := hongyan.ValidName("device name", r.DeviceName, MaxDeviceName); err != nil {
		return Session{}, err
	}
	if err := hongyan.Limit(ctx, s.register, hongyan.AddressKey(r.Address), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "too many registrations; try again later")); err != nil {
		return Session{}, err
	}
	// A phone or e-mail is bound only by whoever proves they own it, so
	// registering never tells whether it belongs to someone already.
	if err := s.checkContact(ctx, "phone", r.Phone, r.PhoneCode); err != nil {
		return Session{}, err
	}
	if err := s.checkContact(ctx, "email", r.Email, r.EmailCode); err != nil {
		return Session{}, err
	}
	hash, err := s.hashPassword(ctx, r.Password)
	if err != nil {
		return Session{}, err
	}
	a := Account{
		AccountID: r.AccountID, PasswordHash: hash, Phone: r.Phone, Email: r.Email,
		Profile: Profile{Nickname: r.Nickname}, Settings: DefaultSettings, Created: s.now(),
	}
	id, err := s.createAccount(ctx, a)
	if err != nil {
		return Session{}, err
	}
	s.takeContact(ctx, "phone", r.Phone, r.PhoneCode)
	s.takeContact(ctx, "email", r.Email, r.EmailCode)
	return s.newSession(ctx, id, r.DeviceName, r.Address)
}

// createAccount stores a under a new random public user ID
// (docs/decisions/0002-public-user-ids.md), drawing again on the rare
// collision.
func (s *Service) createAccount(ctx context.Context, a Account) (hongyan.UserID, error) {
	for range 4 {
		a.ID = NewUserID()
		id, err := s.accounts.CreateAccount(ctx, a)
		if hongyan.ErrorCode(err) == hongyan.CodeExists && hongyan.ErrorReason(err) == "" {
			continue // the ID was taken (or a racing write): draw again
		}
		return id, err
	}
	return 0, hongyan.Errorf(hongyan.CodeUnavailable, "could not allocate a user ID; try again")
}

func (s *Service) newSession(ctx context.Context, user hongyan.UserID, name, addr string) (Session, error) {
	// Signing in cancels a pending deletion of the account.
	if err := s.cancelDeletionOnSignIn(ctx, user); err != nil {
		return Session{}, err
	}
	tok, hash := newToken()
	now := s.now()
	d := Device{User: user, Name: deviceName(name), Address: addr, TokenHash: hash, Created: now, LastSeen: now}
	id, changes, err := s.devices.CreateDevice(ctx, d, []hongyan.Change{{User: user, Kind: hongyan.ChangeDevices}})
	if err != nil {
		return Session{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return Session{Token: tok, User: user, Device: id}, nil
}

func deviceName(n string) string {
	if n == "" {
		return "unnamed device"
	}
	return n
}

// Login signs a device in with a password. login is an account ID, a bound
// phone number or a bound e-mail address.
//
// Attempts are limited per source address before anything is looked up,
// then per account: an account's ID, phone and e-mail share one budget
// (with ChangePassword's). A login that names no account costs the same
// password hash as one that does, and is limited the same way under what
// it names, so neither its time nor its limit tells whether an account
// exists.
func (s *Service) Login(ctx context.Context, login, password, device, addr string) (Session, error) {
	now := s.now()
	limited := hongyan.Errorf(hongyan.CodeRateLimited, "too many login attempts; try again later")
	if err := hongyan.Limit(ctx, s.login, "addr:"+hongyan.AddressKey(addr), now, limited); err != nil {
		return Session{}, err
	}
	if err := hongyan.ValidName("device name", device, MaxDeviceName); err != nil {
		return Session{}, err
	}
	bad := hongyan.Errorf(hongyan.CodeUnauth, "wrong account or password").WithReason(hongyan.ReasonWrongCredentials)
	if len(password) > MaxPassword {
		return Session{}, bad
	}
	field, value, ok := loginField(login)
	if !ok {
		// No account can have this name: nothing to limit but the
		// address, still the time of a check.
		s.checkPassword(ctx, s.dummyHash(), password)
		return Session{}, bad
	}
	a, err := s.accounts.AccountBy(ctx, field, value)
	found := err == nil
	if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return Session{}, err
	}
	key := "login:" + field + ":" + strings.ToLower(value)
	if found {
		key = userKey(a.ID)
	}
	if err := hongyan.Limit(ctx, s.login, key, now, limited); err != nil {
		return Session{}, err
	}
	if !found || a.Erased() {
		s.checkPassword(ctx, s.dummyHash(), password)
		return Session{}, bad
	}
	ok, err = s.checkPassword(ctx, a.PasswordHash, password)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		return Session{}, bad
	}
	sess, err := s.newSession(ctx, a.ID, device, addr)
	if err != nil {
		return Session{}, err
	}
	// A password change or recovery that committed while this login
	// checked the old password has signed out every device it saw, but
	// not this one: check that the password is still the one checked.
	cur, err := s.accounts.Account(ctx, a.ID)
	if err != nil || cur.PasswordHash != a.PasswordHash {
		s.revoke(ctx, a.ID, []hongyan.DeviceID{sess.Device})
		if err != nil {
			return Session{}, err
		}
		return Session{}, bad
	}
	return sess, nil
}

// userKey is the login limiter's key of an account.
func userKey(u hongyan.UserID) string { return "user:" + strconv.FormatInt(int64(u), 10) }

// loginField says which account field login names and its value, or false
// when it can be no account's ID, phone or e-mail.
func loginField(login string) (field, value string, ok bool) {
	switch {
	case strings.Contains(login, "@"):
		return "email", login, validEmail(login) == nil
	case validPhone(login) == nil:
		return "phone", login, true
	case ValidAccountID(login) == nil:
		return "account_id", login, true
	}
	return "", "", false
}

func (s *Service) findLogin(ctx context.Context, login string) (Account, error) {
	field, value, ok := loginField(login)
	if !ok {
		return Account{}, hongyan.Errorf(hongyan.CodeNotFound, "no such account")
	}
	return s.accounts.AccountBy(ctx, field, value)
}

// Authenticate returns the caller behind a session token.
func (s *Service) Authenticate(ctx context.Context, token string) (hongyan.Caller, error) {
	if token == "" || len(token) > 128 {
		return hongyan.Caller{}, hongyan.Errorf(hongyan.CodeUnauth, "invalid session")
	}
	d, err := s.devices.DeviceByToken(ctx, hashToken(token))
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return hongyan.Caller{}, hongyan.Errorf(hongyan.CodeUnauth, "invalid session")
	}
	if err != nil {
		return hongyan.Caller{}, err
	}
	return hongyan.Caller{User: d.User, Device: d.ID}, nil
}

// Touch records that a device was seen now from addr.
func (s *Service) Touch(ctx context.Context, c hongyan.Caller, addr string) error {
	return s.devices.TouchDevice(ctx, c.Device, s.now(), addr)
}

// Account returns the account of user id.
func (s *Service) Account(ctx context.Context, id hongyan.UserID) (Account, error) {
	return s.accounts.Account(ctx, id)
}

// MaxBatch bounds the IDs of one AccountsByID.
const MaxBatch = 1000

// AccountsByID returns the accounts of ids by ID (one lookup for a page
// of users: missing ones are left out); more than MaxBatch IDs is
// hongyan.CodeInvalid.
func (s *Service) AccountsByID(ctx context.Context, ids []hongyan.UserID) (map[hongyan.UserID]Account, error) {
	if len(ids) > MaxBatch {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "at most %d accounts at once", MaxBatch)
	}
	out := make(map[hongyan.UserID]Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	as, err := s.accounts.AccountsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		out[a.ID] = a
	}
	return out, nil
}

// Devices lists the caller's signed-in devices.
func (s *Service) Devices(ctx context.Context, c hongyan.Caller) ([]Device, error) {
	return s.devices.Devices(ctx, c.User)
}

// Logout signs the caller's own device out.
func (s *Service) Logout(ctx context.Context, c hongyan.Caller) error {
	return s.revoke(ctx, c.User, []hongyan.DeviceID{c.Device})
}

// RevokeDevice signs one of the caller's devices out; its live connection
// is closed at once.
func (s *Service) RevokeDevice(ctx context.Context, c hongyan.Caller, id hongyan.DeviceID) error {
	return s.revoke(ctx, c.User, []hongyan.DeviceID{id})
}

// RevokeAll signs every device of the caller out, the caller's included.
func (s *Service) RevokeAll(ctx context.Context, c hongyan.Caller) error {
	return s.revoke(ctx, c.User, nil)
}

func (s *Service) revoke(ctx context.Context, user hongyan.UserID, ids []hongyan.DeviceID) error {
	n, changes, err := s.devices.DeleteDevices(ctx, user, ids, []hongyan.Change{{User: user, Kind: hongyan.ChangeDevices}})
	if err != nil {
		return err
	}
	if n == 0 {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such device")
	}
	if len(ids) == 0 {
		s.pub.Publish(ctx, user, hongyan.Event{Kind: hongyan.EventDeviceRevoked})
	}
	for _, id := range ids {
		s.pub.Publish(ctx, user, hongyan.Event{Kind: hongyan.EventDeviceRevoked, Device: id})
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// ConfirmPassword checks that password is the caller's account password (as
// a sensitive action asks again), under the same per-account limit as
// signing in: CodeUnauth with ReasonWrongPassword when it is not.
func (s *Service) ConfirmPassword(ctx context.Context, c hongyan.Caller, password string) error {
	if err := hongyan.Limit(ctx, s.login, userKey(c.User), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "too many attempts; try again later")); err != nil {
		return err
	}
	if len(password) > MaxPassword {
		return hongyan.Errorf(hongyan.CodeUnauth, "wrong password").WithReason(hongyan.ReasonWrongPassword)
	}
	a, err := s.accounts.Account(ctx, c.User)
	if err != nil {
		return err
	}
	ok, err := s.checkPassword(ctx, a.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return hongyan.Errorf(hongyan.CodeUnauth, "wrong password").WithReason(hongyan.ReasonWrongPassword)
	}
	return nil
}

// ChangePassword replaces the caller's password after checking the old one.
func (s *Service) ChangePassword(ctx context.Context, c hongyan.Caller, old, new string) error {
	if err := hongyan.Limit(ctx, s.login, userKey(c.User), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "too many attempts; try again later")); err != nil {
		return err
	}
	if err := validPassword(new); err != nil {
		return err
	}
	a, err := s.accounts.Account(ctx, c.User)
	if err != nil {
		return err
	}
	ok, err := s.checkPassword(ctx, a.PasswordHash, old)
	if err != nil {
		return err
	}
	if !ok {
		return hongyan.Errorf(hongyan.CodeUnauth, "wrong password").WithReason(hongyan.ReasonWrongPassword)
	}
	hash, err := s.hashPassword(ctx, new)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, c.User, hash, c.Device)
}

// setPassword replaces user's password and signs out every other device
// (all of them when keep is 0): whoever held a session, or had a QR login
// confirmed, with the old password loses it. Their live connections are
// told and closed.
func (s *Service) setPassword(ctx context.Context, user hongyan.UserID, hash string, keep hongyan.DeviceID) error {
	revoked, changes, err := s.devices.SetPassword(ctx, user, hash, keep, []hongyan.Change{{User: user, Kind: hongyan.ChangeDevices}})
	if err != nil {
		return err
	}
	for _, id := range revoked {
		s.pub.Publish(ctx, user, hongyan.Event{Kind: hongyan.EventDeviceRevoked, Device: id})
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// ProfileUpdate lists the profile fields to change; nil leaves one as is.
type ProfileUpdate struct {
	Nickname, Region, Signature, Phone, Email *string
	Gender                                    *Gender
	// PhoneCode and EmailCode are the codes VerifyContact sent to a new
	// Phone or Email (unbinding needs none).
	PhoneCode, EmailCode string
}

// UpdateProfile changes the caller's profile and bound phone/e-mail.
func (s *Service) UpdateProfile(ctx context.Context, c hongyan.Caller, u ProfileUpdate) (Account, error) {
	a, err := s.accounts.Account(ctx, c.User)
	if err != nil {
		return Account{}, err
	}
	if u.Nickname != nil {
		if *u.Nickname == "" {
			return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "nickname may not be empty")
		}
		if err := hongyan.ValidName("nickname", *u.Nickname, MaxNickname); err != nil {
			return Account{}, err
		}
		a.Profile.Nickname = *u.Nickname
	}
	if u.Region != nil {
		if err := hongyan.ValidName("region", *u.Region, MaxRegion); err != nil {
			return Account{}, err
		}
		a.Profile.Region = *u.Region
	}
	if u.Signature != nil {
		if err := hongyan.ValidText("signature", *u.Signature, MaxSignature); err != nil {
			return Account{}, err
		}
		a.Profile.Signature = *u.Signature
	}
	if u.Gender != nil {
		if *u.Gender < GenderUnset || *u.Gender > GenderFemale {
			return Account{}, hongyan.Errorf(hongyan.CodeInvalid, "unknown gender")
		}
		a.Profile.Gender = *u.Gender
	}
	if u.Phone != nil {
		if *u.Phone != "" {
			if err := validPhone(*u.Phone); err != nil {
				return Account{}, err
			}
		}
		if *u.Phone != "" && *u.Phone != a.Phone {
			if err := s.checkContact(ctx, "phone", *u.Phone, u.PhoneCode); err != nil {
				return Account{}, err
			}
			defer s.takeContact(ctx, "phone", *u.Phone, u.PhoneCode)
		}
		a.Phone = *u.Phone
	}
	if u.Email != nil {
		if *u.Email != "" {
			if err := validEmail(*u.Email); err != nil {
				return Account{}, err
			}
		}
		if *u.Email != "" && *u.Email != a.Email {
			if err := s.checkContact(ctx, "email", *u.Email, u.EmailCode); err != nil {
				return Account{}, err
			}
			defer s.takeContact(ctx, "email", *u.Email, u.EmailCode)
		}
		a.Email = *u.Email
	}
	return s.saveProfile(ctx, a)
}

func (s *Service) saveProfile(ctx context.Context, a Account) (Account, error) {
	changes, err := s.accounts.UpdateAccount(ctx, a, []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeProfile, Ref: int64(a.ID)}})
	if err != nil {
		return Account{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return a, nil
}

// SettingsUpdate lists the privacy settings to change; nil leaves one as is.
type SettingsUpdate struct {
	FindByAccountID, FindByPhone, AddNeedsVerification *bool
}

// UpdateSettings changes the caller's privacy settings.
func (s *Service) UpdateSettings(ctx context.Context, c hongyan.Caller, u SettingsUpdate) (Account, error) {
	a, err := s.accounts.Account(ctx, c.User)
	if err != nil {
		return Account{}, err
	}
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Settings.FindByAccountID, u.FindByAccountID)
	set(&a.Settings.FindByPhone, u.FindByPhone)
	set(&a.Settings.AddNeedsVerification, u.AddNeedsVerification)
	changes, err := s.accounts.UpdateAccount(ctx, a, []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeSettings}})
	if err != nil {
		return Account{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return a, nil
}

// ChangeAccountID changes the caller's account ID; it can be done once.
func (s *Service) ChangeAccountID(ctx context.Context, c hongyan.Caller, id string) (Account, error) {
	if err := ValidAccountID(id); err != nil {
		return Account{}, err
	}
	a, err := s.accounts.Account(ctx, c.User)
	if err != nil {
		return Account{}, err
	}
	if a.AccountIDChanged {
		return Account{}, hongyan.Errorf(hongyan.CodePrecondition, "the account ID can be changed only once").WithReason(hongyan.ReasonAccountIDOnce)
	}
	a.AccountID, a.AccountIDChanged = id, true
	return s.saveProfile(ctx, a)
}

// SetAvatar stores a new avatar image for the caller. The type is sniffed
// from the content; only PNG, JPEG, GIF and WebP are accepted.
func (s *Service) SetAvatar(ctx context.Context, c hongyan.Caller, img []byte) (Account, error) {
	hash, err := s.StoreImage(ctx, img)
	if err != nil {
		return Account{}, err
	}
	a, err := s.accounts.Account(ctx, c.User)
	if err != nil {
		return Account{}, err
	}
	a.Profile.Avatar = hash
	return s.saveProfile(ctx, a)
}

// StoreImage checks and stores an avatar image (a user's or a group's) and
// returns its hash, under which /avatar/{hash} serves it.
func (s *Service) StoreImage(ctx context.Context, img []byte) (string, error) {
	if len(img) == 0 {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "empty image")
	}
	if len(img) > MaxAvatar {
		return "", hongyan.Errorf(hongyan.CodeTooLarge, "avatar must be at most %d bytes", MaxAvatar)
	}
	ct := sniffImage(img)
	if ct == "" {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "avatar must be a PNG, JPEG, GIF or WebP image")
	}
	sum := sha256.Sum256(img)
	hash := hex.EncodeToString(sum[:])
	if err := s.avatars.PutAvatar(ctx, Avatar{Hash: hash, ContentType: ct, Data: img}); err != nil {
		return "", err
	}
	return hash, nil
}

// Avatar returns a stored avatar image by its hash.
func (s *Service) Avatar(ctx context.Context, hash string) (Avatar, error) {
	if len(hash) != 64 {
		return Avatar{}, hongyan.Errorf(hongyan.CodeNotFound, "no such avatar")
	}
	return s.avatars.Avatar(ctx, hash)
}

// Find returns the account a person searched for by account ID or phone
// number, only where its owner allows being found that way.
func (s *Service) Find(ctx context.Context, query string) (Account, error) {
	query = strings.TrimSpace(query)
	notFound := hongyan.Errorf(hongyan.CodeNotFound, "no user found").WithReason(hongyan.ReasonUserNotFound)
	var a Account
	var err error
	switch {
	case validPhone(query) == nil:
		a, err = s.accounts.AccountBy(ctx, "phone", query)
		if err == nil && !a.Settings.FindByPhone {
			return Account{}, notFound
		}
	case ValidAccountID(query) == nil:
		a, err = s.accounts.AccountBy(ctx, "account_id", query)
		if err == nil && !a.Settings.FindByAccountID {
			return Account{}, notFound
		}
	default:
		return Account{}, notFound
	}
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Account{}, notFound
	}
	return a, err
}

// RequestRecovery sends a one-time code to the phone or e-mail bound to the
// account (via is "phone" or "email"). It answers the same whether or not
// the account exists, so it cannot be used to probe for accounts. accountID
// may also be a bound phone number or e-mail address; what is not one of
// the three is refused before it costs anything. Requests are limited per
// source address (addr) and per account named.
func (s *Service) RequestRecovery(ctx context.Context, accountID, via, addr string) error {
	if via != "phone" && via != "email" {
		return hongyan.Errorf(hongyan.CodeInvalid, `via must be "phone" or "email"`)
	}
	if err := validLogin(accountID); err != nil {
		return err
	}
	now := s.now()
	limited := hongyan.Errorf(hongyan.CodeRateLimited, "too many codes requested; try again later")
	if err := hongyan.Limit(ctx, s.recoveryAddr, "code:"+hongyan.AddressKey(addr), now, limited); err != nil {
		return err
	}
	if err := hongyan.Limit(ctx, s.recovery, strings.ToLower(accountID), now, limited); err != nil {
		return err
	}
	a, err := s.findLogin(ctx, accountID)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	to := a.Phone
	if via == "email" {
		to = a.Email
	}
	if to == "" {
		return nil
	}
	code := newDigits(recoveryDigits)
	if err := s.codes.PutRecoveryCode(ctx, RecoveryCode{User: a.ID, CodeHash: hashToken(code), Expires: s.now().Add(s.cfg.RecoveryTTL)}); err != nil {
		return err
	}
	body := fmt.Sprintf("Your Hongyan recovery code for %s is %s. It expires in %d minutes.", a.AccountID, code, int(s.cfg.RecoveryTTL.Minutes()))
	return s.sender.Send(ctx, via, to, body)
}

// Recover sets a new password with a recovery code and signs a device in.
// A code works once, until it expires, and for at most 5 attempts.
func (s *Service) Recover(ctx context.Context, accountID, code, newPassword, device, addr string) (Session, error) {
	if err := validPassword(newPassword); err != nil {
		return Session{}, err
	}
	if err := validLogin(accountID); err != nil {
		return Session{}, err
	}
	if err := hongyan.Limit(ctx, s.recoveryAddr, "recover:"+hongyan.AddressKey(addr), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "too many attempts; try again later")); err != nil {
		return Session{}, err
	}
	bad := hongyan.Errorf(hongyan.CodeUnauth, "wrong or expired code").WithReason(hongyan.ReasonWrongCode)
	a, err := s.findLogin(ctx, accountID)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Session{}, bad
	}
	if err != nil {
		return Session{}, err
	}
	rc, err := s.codes.RecoveryCode(ctx, a.ID)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Session{}, bad
	}
	if err != nil {
		return Session{}, err
	}
	if rc.Attempts >= maxRecoveryAttempts || s.now().After(rc.Expires) {
		return Session{}, bad
	}
	if subtle.ConstantTimeCompare(rc.CodeHash, hashToken(code)) != 1 {
		if err := s.codes.CountRecoveryAttempt(ctx, a.ID); err != nil {
			return Session{}, err
		}
		return Session{}, bad
	}
	took, err := s.codes.TakeRecoveryCode(ctx, a.ID, rc.CodeHash)
	if err != nil {
		return Session{}, err
	}
	if !took {
		return Session{}, bad
	}
	hash, err := s.hashPassword(ctx, newPassword)
	if err != nil {
		return Session{}, err
	}
	if err := s.setPassword(ctx, a.ID, hash, 0); err != nil {
		return Session{}, err
	}
	return s.newSession(ctx, a.ID, device, addr)
}

// maxCodeLen bounds a code a client sends before it is hashed.
const maxCodeLen = 16

// VerifyContact sends a one-time code to a phone number or e-mail address
// (channel "phone" or "email"); binding it (Register, UpdateProfile) needs
// the code. It answers the same whether or not the address is bound to an
// account, and is limited per address sent to and per client address.
func (s *Service) VerifyContact(ctx context.Context, channel, to, addr string) error {
	switch channel {
	case "phone":
		if err := validPhone(to); err != nil {
			return err
		}
	case "email":
		if err := validEmail(to); err != nil {
			return err
		}
	default:
		return hongyan.Errorf(hongyan.CodeInvalid, `channel must be "phone" or "email"`)
	}
	now := s.now()
	limited := hongyan.Errorf(hongyan.CodeRateLimited, "too many codes requested; try again later")
	if err := hongyan.Limit(ctx, s.verifies, "addr:"+hongyan.AddressKey(addr), now, limited); err != nil {
		return err
	}
	if err := hongyan.Limit(ctx, s.verifies, channel+":"+to, now, limited); err != nil {
		return err
	}
	code := newDigits(recoveryDigits)
	if err := s.verify.PutVerification(ctx, Verification{Channel: channel, To: to, CodeHash: hashToken(code), Expires: now.Add(s.cfg.RecoveryTTL)}); err != nil {
		return err
	}
	body := fmt.Sprintf("Your Hongyan verification code is %s. It expires in %d minutes. If you did not ask for it, ignore this message.",
		code, int(s.cfg.RecoveryTTL.Minutes()))
	return s.sender.Send(ctx, channel, to, body)
}

// checkContact checks the code sent to a phone or e-mail that is about to
// be bound (nothing when to is empty). A code allows 5 wrong attempts.
func (s *Service) checkContact(ctx context.Context, channel, to, code string) error {
	if to == "" {
		return nil
	}
	if code == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "binding a %s needs the code sent to it (verify_contact)", channel).WithReason(hongyan.ReasonCodeRequired)
	}
	bad := hongyan.Errorf(hongyan.CodeUnauth, "wrong or expired code").WithReason(hongyan.ReasonWrongCode)
	if len(code) > maxCodeLen {
		return bad
	}
	v, err := s.verify.Verification(ctx, channel, to)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return bad
	}
	if err != nil {
		return err
	}
	if v.Attempts >= maxRecoveryAttempts || s.now().After(v.Expires) {
		return bad
	}
	if subtle.ConstantTimeCompare(v.CodeHash, hashToken(code)) != 1 {
		if err := s.verify.CountVerificationAttempt(ctx, channel, to); err != nil {
			return err
		}
		return bad
	}
	return nil
}

// takeContact uses up the code of an address once it is bound. Failing
// leaves a code that can bind nothing more (the address is taken) until it
// expires.
func (s *Service) takeContact(ctx context.Context, channel, to, code string) {
	if to != "" {
		s.verify.TakeVerification(ctx, channel, to, hashToken(code))
	}
}

// validLogin checks that login is an account ID, a phone number or an
// e-mail address (the forms findLogin looks up), so that nothing else
// becomes a limiter's key or a lookup.
func validLogin(login string) error {
	switch {
	case len(login) > maxEmail:
	case strings.Contains(login, "@"):
		if validEmail(login) == nil {
			return nil
		}
	case validPhone(login) == nil, ValidAccountID(login) == nil:
		return nil
	}
	return hongyan.Errorf(hongyan.CodeInvalid, "not an account ID, phone number or e-mail address").WithReason(hongyan.ReasonAccountIDFormat)
}

// CreateBot creates the account of a bot: a user of its own whose
// password nobody knows (a random one, hashed like any other), so it never
// signs in with one — a bot acts through its tokens (internal/bot). Friend
// requests to it need no verification, so a user adds it at once.
func (s *Service) CreateBot(ctx context.Context, accountID, nickname string) (Account, error) {
	if err := ValidAccountID(accountID); err != nil {
		return Account{}, err
	}
	if err := hongyan.ValidName("nickname", nickname, MaxNickname); err != nil {
		return Account{}, err
	}
	secret, _ := newToken()
	hash, err := s.hashPassword(ctx, secret)
	if err != nil {
		return Account{}, err
	}
	a := Account{
		AccountID: accountID, PasswordHash: hash, Profile: Profile{Nickname: nickname},
		Settings: Settings{FindByAccountID: true}, Created: s.now(),
	}
	id, err := s.createAccount(ctx, a)
	if err != nil {
		return Account{}, err
	}
	a.ID = id
	return a, nil
}
