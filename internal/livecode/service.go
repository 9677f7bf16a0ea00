package livecode

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// Groups is what live codes need of groups; the node fills it with the
// group feature.
type Groups interface {
	// Owner returns the owner of group id as user sees it: CodeNotFound
	// when user is not a member of it or it was dissolved.
	Owner(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (hongyan.UserID, error)
	// Spawn makes a group of owner alone with template's settings.
	Spawn(ctx context.Context, owner hongyan.UserID, template hongyan.ConversationID, name string) (hongyan.ConversationID, error)
	// JoinUpTo adds user to group id unless it holds limit members
	// (CodePrecondition, ReasonGroupFull); a member already is no error.
	JoinUpTo(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID, limit int) error
}

// Config sets a service's limits.
type Config struct {
	GroupLimit   int           // the groups' member limit (the group feature's)
	MaxCodes     int           // codes one owner may have
	MaxGroups    int           // groups one code may make
	ClaimStale   time.Duration // a claimed slot whose group never came is taken over after this
	ScanRate     hongyan.Rate  // scans per user
	StatsDays    int           // days of scans a code's statistics show
	MaxJoinTries int           // joins of one scan that lost a race with another change of the group
}

// DefaultConfig returns the limits of a node that sets none.
func DefaultConfig() Config {
	return Config{GroupLimit: 500, MaxCodes: 100, MaxGroups: 200, ClaimStale: 30 * time.Second,
		ScanRate: hongyan.Rate{N: 30, Per: time.Hour}, StatsDays: 30, MaxJoinTries: 20}
}

// MaxName is the longest code name in characters: the groups are named
// after it with " 200" after it at most, within a group name's 30.
const MaxName = 26

// Service is the live-code feature.
type Service struct {
	store  Store
	groups Groups
	cfg    Config
	scans  hongyan.RateLimiter
	now    func() time.Time
	// locks serialises this node's scans of one code, so that they do not
	// race each other for the same group (scans on other nodes still may:
	// the group's own compare-and-set keeps its limit).
	mu    sync.Mutex
	locks map[int64]*codeLock
}

type codeLock struct {
	sync.Mutex
	users int
}

// New returns the service on store.
func New(store Store, groups Groups, cfg Config) *Service {
	return &Service{store: store, groups: groups, cfg: cfg, scans: hongyan.NewLimiter(cfg.ScanRate), now: time.Now,
		locks: map[int64]*codeLock{}}
}

// UseLimiters makes the scan limit with mk (a limit that holds across a
// cluster's nodes) in place of the in-memory one New made. Call it before
// the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) { s.scans = mk("livecode.scan", s.cfg.ScanRate) }

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var errNoCode = hongyan.Errorf(hongyan.CodeNotFound, "no such live code")

// Create makes a live code of the caller's for template, a group the
// caller owns; its groups take maxMembers each (0: the group limit).
func (s *Service) Create(ctx context.Context, c hongyan.Caller, name string, template hongyan.ConversationID, maxMembers int) (Code, error) {
	if err := hongyan.ValidName("live code name", name, MaxName); err != nil {
		return Code{}, err
	}
	if strings.TrimSpace(name) == "" {
		return Code{}, hongyan.Errorf(hongyan.CodeInvalid, "a live code needs a name")
	}
	if maxMembers == 0 {
		maxMembers = s.cfg.GroupLimit
	}
	if maxMembers < 2 || maxMembers > s.cfg.GroupLimit {
		return Code{}, hongyan.Errorf(hongyan.CodeInvalid, "a live code's groups take 2 to %d members", s.cfg.GroupLimit)
	}
	owner, err := s.groups.Owner(ctx, template, c.User)
	if err != nil {
		return Code{}, err
	}
	if owner != c.User {
		return Code{}, hongyan.Errorf(hongyan.CodeDenied, "only the group's owner may make a live code of it").WithReason(hongyan.ReasonOwnerOnly)
	}
	codes, err := s.store.Codes(ctx, c.User)
	if err != nil {
		return Code{}, err
	}
	if len(codes) >= s.cfg.MaxCodes {
		return Code{}, hongyan.Errorf(hongyan.CodePrecondition, "you have %d live codes, as many as one may", s.cfg.MaxCodes)
	}
	return s.store.Create(ctx, Code{Owner: c.User, Name: name, Token: newToken(), Template: template, MaxMembers: maxMembers, Created: s.now()})
}

// newToken returns 20 random bytes in base32: 32 characters.
func newToken() string {
	var b [20]byte
	rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// View is a code as its owner sees it.
type View struct {
	Code
	Slots []Slot
	Stats Stats
}

// Get returns code id with its groups and statistics, to its owner only.
func (s *Service) Get(ctx context.Context, c hongyan.Caller, id int64) (View, error) {
	code, err := s.own(ctx, c, id)
	if err != nil {
		return View{}, err
	}
	slots, err := s.store.Slots(ctx, id)
	if err != nil {
		return View{}, err
	}
	since := s.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1-s.cfg.StatsDays)
	st, err := s.store.Stats(ctx, id, since)
	return View{Code: code, Slots: slots, Stats: st}, err
}

// List lists the caller's codes, newest first.
func (s *Service) List(ctx context.Context, c hongyan.Caller) ([]Code, error) {
	return s.store.Codes(ctx, c.User)
}

func (s *Service) own(ctx context.Context, c hongyan.Caller, id int64) (Code, error) {
	code, err := s.store.Code(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && code.Owner != c.User) {
		return Code{}, errNoCode
	}
	return code, err
}

// MaxToken bounds a token a client sends.
const MaxToken = 64

// Preview returns the code of token, for a person deciding whether to
// scan it into a group.
func (s *Service) Preview(ctx context.Context, token string) (Code, error) {
	if token == "" || len(token) > MaxToken {
		return Code{}, errNoCode
	}
	code, err := s.store.CodeByToken(ctx, token)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Code{}, errNoCode
	}
	return code, err
}

// Scan routes the caller into the first group of the code of token that
// has room, making the next group when all are full, and returns it. A
// member of one of its groups already is led there again.
func (s *Service) Scan(ctx context.Context, c hongyan.Caller, token string) (hongyan.ConversationID, error) {
	code, err := s.Preview(ctx, token)
	if err != nil {
		return 0, err
	}
	if err := hongyan.Limit(ctx, s.scans, strconv.FormatInt(int64(c.User), 10), s.now(),
		hongyan.Errorf(hongyan.CodeRateLimited, "you have scanned too many live codes lately; try again later")); err != nil {
		return 0, err
	}
	unlock := s.lock(code.ID)
	defer unlock()
	// Someone who scanned this code before goes back to that group while
	// they are in it (or it has room).
	last, err := s.store.LastScan(ctx, code.ID, c.User)
	if err != nil {
		return 0, err
	}
	if last != 0 {
		if s.groups.JoinUpTo(ctx, last, c.User, code.MaxMembers) == nil {
			return last, s.store.RecordScan(ctx, Scan{Code: code.ID, User: c.User, Group: last, At: s.now()})
		}
	}
	quick := true // the last round made a group: no need to wait
	for try := 0; try < s.cfg.MaxJoinTries; try++ {
		if !quick {
			if err := s.wait(ctx, try); err != nil {
				return 0, err
			}
		}
		slots, err := s.store.Slots(ctx, code.ID)
		if err != nil {
			return 0, err
		}
		g, busy, err := s.route(ctx, c, code, slots)
		if err != nil || g != 0 {
			return g, err
		}
		quick = false
		if !busy {
			if quick, err = s.next(ctx, code, slots); err != nil {
				return 0, err
			}
		}
	}
	return 0, hongyan.Errorf(hongyan.CodeUnavailable, "the live code's groups are changing too often; scan again")
}

// route joins the caller to the first of slots with room and returns it;
// 0 when all are full, or busy when one changed under too many joins at
// once to tell.
func (s *Service) route(ctx context.Context, c hongyan.Caller, code Code, slots []Slot) (g hongyan.ConversationID, busy bool, err error) {
	for _, sl := range slots {
		if sl.Group == 0 || sl.Full {
			continue
		}
		err := s.groups.JoinUpTo(ctx, sl.Group, c.User, code.MaxMembers)
		switch {
		case err == nil:
			return sl.Group, false, s.store.RecordScan(ctx, Scan{Code: code.ID, User: c.User, Group: sl.Group, At: s.now()})
		case hongyan.ErrorReason(err) == hongyan.ReasonGroupFull || hongyan.ErrorReason(err) == hongyan.ReasonGroupDissolved ||
			hongyan.ErrorCode(err) == hongyan.CodeNotFound:
			// Full, dissolved, or its owner left it: the next one.
			if err := s.store.MarkFull(ctx, code.ID, sl.Index); err != nil {
				return 0, false, err
			}
		case hongyan.ErrorCode(err) == hongyan.CodeUnavailable:
			return 0, true, nil
		default:
			return 0, false, err
		}
	}
	return 0, false, nil
}

// next makes the group after slots, unless another scan is making it; it
// reports whether it made it.
func (s *Service) next(ctx context.Context, code Code, slots []Slot) (bool, error) {
	index := len(slots)
	if index > 0 && slots[index-1].Group == 0 {
		index-- // claimed by another scan: take it over if its claim is stale
	}
	if index > s.cfg.MaxGroups {
		return false, hongyan.Errorf(hongyan.CodePrecondition, "all %d groups of this live code are full", s.cfg.MaxGroups).WithReason(hongyan.ReasonGroupFull)
	}
	now := s.now()
	won, err := s.store.Claim(ctx, code.ID, index, now, now.Add(-s.cfg.ClaimStale))
	if err != nil || !won {
		return false, err
	}
	g, err := s.groups.Spawn(ctx, code.Owner, code.Template, fmt.Sprintf("%s %d", code.Name, index+1))
	if err != nil {
		return false, err
	}
	return true, s.store.Fill(ctx, code.ID, index, now, g)
}

// wait waits a little before try, longer each time (another scan may be
// making the next group, or many are joining one).
func (s *Service) wait(ctx context.Context, try int) error {
	t := time.NewTimer(time.Duration(min(try, 10)) * 20 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// lock serialises this node's scans of code id.
func (s *Service) lock(id int64) func() {
	s.mu.Lock()
	l := s.locks[id]
	if l == nil {
		l = &codeLock{}
		s.locks[id] = l
	}
	l.users++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.locks, id)
		}
		s.mu.Unlock()
	}
}
