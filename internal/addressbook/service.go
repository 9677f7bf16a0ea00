package addressbook

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// Config holds the address-book limits.
type Config struct {
	// Keep is how many backup versions a user keeps (the oldest go).
	Keep int
	// BackupsPerDay bounds backups per user and day.
	BackupsPerDay int
	// MatchPerRequest bounds the hashes of one match request;
	// MatchPerDay the hashes a user may match in a day (counted by the
	// store, so across every node). A number written without a country
	// code is sent as two hashes (PhoneForms).
	MatchPerRequest, MatchPerDay int
	// CountryCode is the calling code assumed for numbers written without
	// one ("86"): clients hash a number with and without it (PhoneForms).
	CountryCode string
	// MaxEntries bounds the entries of one group's shared address book.
	MaxEntries int
}

// DefaultConfig returns the default limits.
func DefaultConfig() Config {
	return Config{Keep: 10, BackupsPerDay: 20, MatchPerRequest: 1000, MatchPerDay: 3000, CountryCode: "86", MaxEntries: 2000}
}

// Limits of a shared address book's entry.
const (
	MaxEntryName  = 50
	MaxEntryRole  = 30
	MaxEntryNotes = 200
	MaxPage       = 200
	// MaxMatchRequest is the most MatchPerRequest may be.
	MaxMatchRequest = 5000
)

// The change-log kinds this feature appends.
const (
	ChangeBackups = hongyan.ChangeAddressBook // Ref = the version added or removed
	ChangeBook    = hongyan.ChangeGroupBook   // Conversation = the group, Ref = the entry
)

// Service implements the address-book rules. It is safe for concurrent use.
type Service struct {
	store  Store
	dir    Directory
	rel    Relations
	groups Groups
	pub    hongyan.Publisher
	cfg    Config
	now    func() time.Time

	keyMu sync.Mutex
	key   []byte
}

// New returns a Service.
func New(store Store, dir Directory, rel Relations, groups Groups, pub hongyan.Publisher, cfg Config) *Service {
	return &Service{store: store, dir: dir, rel: rel, groups: groups, pub: pub, cfg: cfg, now: time.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// day is the window of daily quotas: days since the epoch, in UTC.
func (s *Service) day() int64 { return s.now().Unix() / 86400 }

// ownerKey returns the AES-256 key of owner's backups: derived from the
// store's key, created on first use.
func (s *Service) ownerKey(ctx context.Context, owner hongyan.UserID) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key == nil {
		candidate := make([]byte, 32)
		rand.Read(candidate)
		k, err := s.store.Key(ctx, candidate)
		if err != nil {
			return nil, err
		}
		if len(k) != 32 {
			return nil, hongyan.Errorf(hongyan.CodeInternal, "the address-book key is damaged")
		}
		s.key = k
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("hongyan address-book backup v1"))
	binary.Write(m, binary.BigEndian, int64(owner))
	return m.Sum(nil), nil
}

func aad(owner hongyan.UserID) []byte { return binary.BigEndian.AppendUint64(nil, uint64(owner)) }

func (s *Service) seal(ctx context.Context, owner hongyan.UserID, cs []Contact) ([]byte, error) {
	key, err := s.ownerKey(ctx, owner)
	if err != nil {
		return nil, err
	}
	plain, err := json.Marshal(cs)
	if err != nil {
		return nil, hongyan.Wrap(err, hongyan.CodeInternal, "cannot encode the backup")
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plain, aad(owner)), nil
}

func (s *Service) open(ctx context.Context, owner hongyan.UserID, sealed []byte) ([]Contact, error) {
	key, err := s.ownerKey(ctx, owner)
	if err != nil {
		return nil, err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	if len(sealed) < gcm.NonceSize() {
		return nil, hongyan.Errorf(hongyan.CodeInternal, "the backup is damaged")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad(owner))
	if err != nil {
		return nil, hongyan.Errorf(hongyan.CodeInternal, "the backup is damaged")
	}
	var cs []Contact
	if err := json.Unmarshal(plain, &cs); err != nil {
		return nil, hongyan.Errorf(hongyan.CodeInternal, "the backup is damaged")
	}
	return cs, nil
}

// Backup stores contacts as the caller's next backup version.
func (s *Service) Backup(ctx context.Context, c hongyan.Caller, cs []Contact) (Version, error) {
	if len(cs) == 0 {
		return Version{}, hongyan.Errorf(hongyan.CodeInvalid, "a backup needs at least one contact")
	}
	if err := Check(cs); err != nil {
		return Version{}, err
	}
	sealed, err := s.seal(ctx, c.User, cs)
	if err != nil {
		return Version{}, err
	}
	ok, err := s.store.Take(ctx, c.User, "backup", s.day(), 1, s.cfg.BackupsPerDay)
	if err != nil {
		return Version{}, err
	}
	if !ok {
		return Version{}, hongyan.Errorf(hongyan.CodeRateLimited, "at most %d backups a day; try again tomorrow", s.cfg.BackupsPerDay)
	}
	v, changes, err := s.store.AddBackup(ctx, Backup{Version: Version{Owner: c.User, Contacts: len(cs), Created: s.now()}, Sealed: sealed},
		s.cfg.Keep, []hongyan.Change{{User: c.User, Kind: ChangeBackups}})
	if err != nil {
		return Version{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return v, nil
}

// Versions lists the caller's backups, newest first.
func (s *Service) Versions(ctx context.Context, c hongyan.Caller) ([]Version, error) {
	return s.store.Versions(ctx, c.User)
}

// Restore returns the contacts of one of the caller's backups (the newest
// when version is 0).
func (s *Service) Restore(ctx context.Context, c hongyan.Caller, version int64) (Version, []Contact, error) {
	if version < 0 {
		return Version{}, nil, hongyan.Errorf(hongyan.CodeInvalid, "no such version")
	}
	if version == 0 {
		vs, err := s.store.Versions(ctx, c.User)
		if err != nil {
			return Version{}, nil, err
		}
		if len(vs) == 0 {
			return Version{}, nil, hongyan.Errorf(hongyan.CodeNotFound, "no backup yet")
		}
		version = vs[0].Version
	}
	b, err := s.store.Backup(ctx, c.User, version)
	if err != nil {
		return Version{}, nil, err
	}
	cs, err := s.open(ctx, c.User, b.Sealed)
	return b.Version, cs, err
}

// DeleteBackup removes one of the caller's backups (every one when
// version is 0).
func (s *Service) DeleteBackup(ctx context.Context, c hongyan.Caller, version int64) error {
	if version < 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "no such version")
	}
	changes, err := s.store.DeleteBackup(ctx, c.User, version, []hongyan.Change{{User: c.User, Kind: ChangeBackups, Ref: version}})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// Salt returns what a client needs to hash its contacts' numbers for
// Match.
func (s *Service) Salt(ctx context.Context) (Salt, error) {
	salt, version, err := s.dir.PhoneSalt(ctx)
	if err != nil {
		return Salt{}, err
	}
	return Salt{Salt: salt, Version: version, CountryCode: s.cfg.CountryCode, PerRequest: s.cfg.MatchPerRequest}, nil
}

// Match returns which of hashes (HashPhones of the caller's contacts'
// numbers under Salt) belong to users who let others find them by phone
// number, leaving out the caller and anyone who blocked the caller or whom
// the caller blocked. Hashes are looked up and not kept. A request holds
// at most MatchPerRequest distinct hashes, each of HashLen bytes, and
// counts them against the caller's MatchPerDay.
func (s *Service) Match(ctx context.Context, c hongyan.Caller, hashes [][]byte) ([]Match, error) {
	if len(hashes) > s.cfg.MatchPerRequest {
		return nil, hongyan.Errorf(hongyan.CodeTooLarge, "match at most %d hashes at a time", s.cfg.MatchPerRequest)
	}
	seen := make(map[string]bool, len(hashes))
	var keys [][]byte
	for _, h := range hashes {
		if len(h) != HashLen {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "a phone hash has %d bytes, not %d", HashLen, len(h))
		}
		if !seen[string(h)] {
			seen[string(h)] = true
			keys = append(keys, h)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	ok, err := s.store.Take(ctx, c.User, "match", s.day(), len(keys), s.cfg.MatchPerDay)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, hongyan.Errorf(hongyan.CodeRateLimited, "at most %d numbers may be matched a day; try again tomorrow", s.cfg.MatchPerDay)
	}
	found, err := s.dir.FindableByPhoneHash(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []Match
	verdict := map[hongyan.UserID]bool{}
	for _, k := range keys {
		u, ok := found[string(k)]
		if !ok || u == c.User {
			continue
		}
		allowed, done := verdict[u]
		if !done {
			blocked, err := s.rel.Blocked(ctx, c.User, u)
			if err != nil {
				return nil, err
			}
			allowed, verdict[u] = !blocked, !blocked
		}
		if allowed {
			out = append(out, Match{Hash: k, User: u})
		}
	}
	slices.SortFunc(out, func(a, b Match) int { return bytes.Compare(a.Hash, b.Hash) })
	return out, nil
}

// EntryFields are what a member writes into a shared address book entry.
type EntryFields struct {
	Name, Phone, Email, Role, Notes string
}

func (f EntryFields) check() (EntryFields, error) {
	f.Name, f.Phone, f.Email = strings.TrimSpace(f.Name), strings.TrimSpace(f.Phone), strings.TrimSpace(f.Email)
	if f.Name == "" {
		return f, hongyan.Errorf(hongyan.CodeInvalid, "an entry needs a name")
	}
	if err := hongyan.ValidName("name", f.Name, MaxEntryName); err != nil {
		return f, err
	}
	if f.Phone != "" && (len(f.Phone) > MaxPhoneLength || NormalizePhone(f.Phone) == "") {
		return f, hongyan.Errorf(hongyan.CodeInvalid, "%q is not a phone number", f.Phone)
	}
	if f.Email != "" && !validEmail(f.Email) {
		return f, hongyan.Errorf(hongyan.CodeInvalid, "%q is not an e-mail address", f.Email)
	}
	if err := hongyan.ValidText("role", f.Role, MaxEntryRole); err != nil {
		return f, err
	}
	if err := hongyan.ValidText("notes", f.Notes, MaxEntryNotes); err != nil {
		return f, err
	}
	return f, nil
}

// book returns the active members of group and the caller's role, if
// the caller is one of them.
func (s *Service) book(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) ([]Member, Role, error) {
	ms, err := s.groups.Members(ctx, c.User, group)
	if err != nil {
		return nil, 0, err
	}
	for _, m := range ms {
		if m.User == c.User {
			return ms, m.Role, nil
		}
	}
	return nil, 0, hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
}

// visible reports whether e is shown: entries of members who left are not.
func visible(e Entry, ms []Member) bool {
	return e.Member == 0 || slices.ContainsFunc(ms, func(m Member) bool { return m.User == e.Member })
}

// Book returns the entries of group's shared address book; only its
// members may read it. Entries of people who left the group are not shown.
func (s *Service) Book(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) ([]Entry, error) {
	ms, _, err := s.book(ctx, c, group)
	if err != nil {
		return nil, err
	}
	es, err := s.store.Entries(ctx, group)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(es, func(e Entry) bool { return !visible(e, ms) }), nil
}

// Entry returns one entry of group's shared address book.
func (s *Service) Entry(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (Entry, error) {
	ms, _, err := s.book(ctx, c, group)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.store.Entry(ctx, group, id)
	if err == nil && !visible(e, ms) {
		return Entry{}, hongyan.Errorf(hongyan.CodeNotFound, "no such entry")
	}
	return e, err
}

func (s *Service) put(ctx context.Context, c hongyan.Caller, ms []Member, e Entry) (Entry, error) {
	if e.ID == 0 {
		es, err := s.store.Entries(ctx, e.Group)
		if err != nil {
			return Entry{}, err
		}
		if len(es) >= s.cfg.MaxEntries {
			return Entry{}, hongyan.Errorf(hongyan.CodePrecondition, "a group's address book holds at most %d entries", s.cfg.MaxEntries)
		}
	}
	e.Updated, e.UpdatedBy = s.now(), c.User
	e, changes, err := s.store.PutEntry(ctx, e, notify(ms, e.Group, e.ID))
	if err != nil {
		return Entry{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return e, nil
}

// notify returns a change for each member about entry id of group.
func notify(ms []Member, group hongyan.ConversationID, id int64) []hongyan.Change {
	out := make([]hongyan.Change, len(ms))
	for i, m := range ms {
		out[i] = hongyan.Change{User: m.User, Kind: ChangeBook, Conversation: group, Ref: id}
	}
	return out
}

// SetMine writes the caller's own entry of group's shared address book,
// adding it the first time.
func (s *Service) SetMine(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, f EntryFields) (Entry, error) {
	f, err := f.check()
	if err != nil {
		return Entry{}, err
	}
	ms, _, err := s.book(ctx, c, group)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.store.MemberEntry(ctx, group, c.User)
	if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return Entry{}, err
	}
	e.Group, e.Member = group, c.User
	e.Name, e.Phone, e.Email, e.Role, e.Notes = f.Name, f.Phone, f.Email, f.Role, f.Notes
	return s.put(ctx, c, ms, e)
}

// Add adds an entry for someone who is not a member (a teacher, a
// coach); only the owner and admins may.
func (s *Service) Add(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, f EntryFields) (Entry, error) {
	f, err := f.check()
	if err != nil {
		return Entry{}, err
	}
	ms, role, err := s.book(ctx, c, group)
	if err != nil {
		return Entry{}, err
	}
	if role < RoleAdmin {
		return Entry{}, errAdminsOnly
	}
	return s.put(ctx, c, ms, Entry{Group: group, Name: f.Name, Phone: f.Phone, Email: f.Email, Role: f.Role, Notes: f.Notes})
}

var errAdminsOnly = hongyan.Errorf(hongyan.CodeDenied, "only the group's owner and admins may edit other people's entries").WithReason(hongyan.ReasonAdminOnly)

// editable returns entry id of group if the caller may change it: their
// own entry, or any entry for the owner and admins.
func (s *Service) editable(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) ([]Member, Entry, error) {
	ms, role, err := s.book(ctx, c, group)
	if err != nil {
		return nil, Entry{}, err
	}
	e, err := s.store.Entry(ctx, group, id)
	if err != nil {
		return nil, Entry{}, err
	}
	if !visible(e, ms) {
		return nil, Entry{}, hongyan.Errorf(hongyan.CodeNotFound, "no such entry")
	}
	if e.Member != c.User && role < RoleAdmin {
		return nil, Entry{}, errAdminsOnly
	}
	return ms, e, nil
}

// Set rewrites entry id of group's shared address book.
func (s *Service) Set(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, f EntryFields) (Entry, error) {
	f, err := f.check()
	if err != nil {
		return Entry{}, err
	}
	ms, e, err := s.editable(ctx, c, group, id)
	if err != nil {
		return Entry{}, err
	}
	e.Name, e.Phone, e.Email, e.Role, e.Notes = f.Name, f.Phone, f.Email, f.Role, f.Notes
	return s.put(ctx, c, ms, e)
}

// Remove removes entry id of group's shared address book.
func (s *Service) Remove(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) error {
	ms, e, err := s.editable(ctx, c, group, id)
	if err != nil {
		return err
	}
	changes, err := s.store.RemoveEntry(ctx, group, e.ID, c.User, s.now(), notify(ms, group, e.ID))
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// History returns the changes of group's shared address book, newest
// first, below ID before (0: from the newest).
func (s *Service) History(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]Change, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if _, _, err := s.book(ctx, c, group); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	return s.store.History(ctx, group, before, limit)
}
