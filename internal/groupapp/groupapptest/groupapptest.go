// Package groupapptest is the conformance suite of groupapp.Store: every
// storage engine runs it. Beside the store's own contract it runs the
// feature's rules (who may see and do what, deadlines, streaks, what bad
// input is refused) on the engine, with the group feature and the chat
// played by small in-memory stand-ins.
package groupapptest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) groupapp.Store) {
	t.Run("PollStore", func(t *testing.T) { testPollStore(t, open(t)) })
	t.Run("CheckinStore", func(t *testing.T) { testCheckinStore(t, open(t)) })
	t.Run("HomeworkStore", func(t *testing.T) { testHomeworkStore(t, open(t)) })
	t.Run("PollRules", func(t *testing.T) { testPollRules(t, open(t)) })
	t.Run("CheckinRules", func(t *testing.T) { testCheckinRules(t, open(t)) })
	t.Run("HomeworkRules", func(t *testing.T) { testHomeworkRules(t, open(t)) })
	t.Run("AnnouncementStore", func(t *testing.T) { testAnnouncementStore(t, open(t)) })
	t.Run("AnnouncementRules", func(t *testing.T) { testAnnouncementRules(t, open(t)) })
	t.Run("EventStore", func(t *testing.T) { testEventStore(t, open(t)) })
	t.Run("EventRules", func(t *testing.T) { testEventRules(t, open(t)) })
	t.Run("Strangers", func(t *testing.T) { testStrangers(t, open(t)) })
	t.Run("FileStore", func(t *testing.T) { testFileStore(t, open(t)) })
	t.Run("FileRules", func(t *testing.T) { testFileRules(t, open(t)) })
	t.Run("HomeworkFiles", func(t *testing.T) { testHomeworkFiles(t, open(t)) })
	t.Run("EventReminders", func(t *testing.T) { testEventReminders(t, open(t)) })
	t.Run("Albums", func(t *testing.T) { testAlbums(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times: 10:00 in
// Shanghai (02:00 UTC).
var T0 = time.Date(2026, 3, 2, 2, 0, 0, 123e6, time.UTC)

// Group is the group the suite's fake knows; Owner, Admin, Alice and Bob
// are its members; Carol was removed; Stranger never joined.
const (
	Group    hongyan.ConversationID = 500
	Owner    hongyan.UserID         = 1
	Admin    hongyan.UserID         = 2
	Alice    hongyan.UserID         = 3
	Bob      hongyan.UserID         = 4
	Carol    hongyan.UserID         = 5
	Stranger hongyan.UserID         = 6
)

// Groups is an in-memory group feature.
type Groups struct {
	mu      sync.Mutex
	members map[hongyan.ConversationID][]groupapp.Member
}

// NewGroups returns Group with Owner, Admin, Alice and Bob.
func NewGroups() *Groups {
	return &Groups{members: map[hongyan.ConversationID][]groupapp.Member{Group: {
		{User: Owner, Role: groupapp.RoleOwner}, {User: Admin, Role: groupapp.RoleAdmin}, {User: Alice}, {User: Bob},
	}}}
}

// Member implements groupapp.Groups.
func (g *Groups) Member(_ context.Context, group hongyan.ConversationID, user hongyan.UserID) (groupapp.Member, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.members[group] {
		if m.User == user {
			return m, nil
		}
	}
	return groupapp.Member{}, hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
}

// Members implements groupapp.Groups.
func (g *Groups) Members(_ context.Context, group hongyan.ConversationID, user hongyan.UserID) ([]hongyan.UserID, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []hongyan.UserID
	for _, m := range g.members[group] {
		out = append(out, m.User)
	}
	if !slices.Contains(out, user) {
		return nil, hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
	}
	return out, nil
}

// Set adds or changes a member.
func (g *Groups) Set(group hongyan.ConversationID, m groupapp.Member) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := g.members[group]
	if i := slices.IndexFunc(ms, func(x groupapp.Member) bool { return x.User == m.User }); i >= 0 {
		ms[i] = m
		return
	}
	g.members[group] = append(ms, m)
}

// Remove removes a member.
func (g *Groups) Remove(group hongyan.ConversationID, u hongyan.UserID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.members[group] = slices.DeleteFunc(g.members[group], func(m groupapp.Member) bool { return m.User == u })
}

// Cards records the cards posted.
type Cards struct {
	mu    sync.Mutex
	Cards []Posted
}

// Posted is one card posted.
type Posted struct {
	Group hongyan.ConversationID
	From  hongyan.UserID
	Card  groupapp.Card
}

// Post implements groupapp.Cards.
func (c *Cards) Post(_ context.Context, group hongyan.ConversationID, from hongyan.UserID, card groupapp.Card) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Cards = append(c.Cards, Posted{group, from, card})
	return nil
}

// Last returns the last card posted.
func (c *Cards) Last() Posted {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.Cards) == 0 {
		return Posted{}
	}
	return c.Cards[len(c.Cards)-1]
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Media is an in-memory media feature: each upload is readable by its
// owner only, until shared.
type Media struct {
	mu      sync.Mutex
	uploads map[string]upload
	Shared  map[string][]hongyan.ConversationID
}

type upload struct {
	owner hongyan.UserID
	info  groupapp.FileInfo
}

// Upload adds an upload (a PDF) of owner's of size bytes and returns its
// ID.
func (m *Media) Upload(owner hongyan.UserID, name string, size int64) string {
	return m.UploadType(owner, name, "application/pdf", size)
}

// UploadType is Upload of content of type typ.
func (m *Media) UploadType(owner hongyan.UserID, name, typ string, size int64) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.uploads == nil {
		m.uploads, m.Shared = map[string]upload{}, map[string][]hongyan.ConversationID{}
	}
	id := fmt.Sprintf("M%025d", len(m.uploads)+1)
	m.uploads[id] = upload{owner, groupapp.FileInfo{Media: id, Name: name, Type: typ, Size: size}}
	return id
}

// Share implements groupapp.Media.
func (m *Media) Share(_ context.Context, user hongyan.UserID, id string, group hongyan.ConversationID) (groupapp.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.uploads[id]
	if !ok || u.owner != user {
		return groupapp.FileInfo{}, hongyan.Errorf(hongyan.CodeNotFound, "no such media")
	}
	m.Shared[id] = append(m.Shared[id], group)
	return u.info, nil
}

// Fixture is a service on a store with its stand-ins.
type Fixture struct {
	S      *groupapp.Service
	Groups *Groups
	Cards  *Cards
	Clock  *Clock
	Media  *Media
}

// Shanghai is the suite's day zone (UTC+8, no daylight saving).
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// FileQuota is the fixture's quota of each group's files.
const FileQuota = 1000

// NewFixture returns a service on s whose day zone is Shanghai and whose
// groups' files may take FileQuota bytes.
func NewFixture(s groupapp.Store) Fixture {
	f := Fixture{Groups: NewGroups(), Cards: &Cards{}, Clock: &Clock{t: T0}, Media: &Media{}}
	cfg := groupapp.DefaultConfig()
	cfg.Day = Shanghai
	cfg.FileQuota = FileQuota
	f.S = groupapp.New(s, f.Groups, f.Cards, hongyan.Publisher{Bus: nopBus{}}, cfg)
	f.S.SetClock(f.Clock.Now)
	f.S.SetMedia(f.Media)
	return f
}

type nopBus struct{}

func (nopBus) Publish(context.Context, string, []byte) error { return nil }
func (nopBus) Subscribe(string, func([]byte)) (hongyan.Subscription, error) {
	return nil, hongyan.Errorf(hongyan.CodeUnimplemented, "no subscriptions here")
}

// caller is a user's caller.
func caller(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }

// wantCode fails t unless err has code.
func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got %v (%s), want %s", what, err, got, code)
	}
}

// notify returns one change of kind for each of users.
func notify(kind hongyan.ChangeKind, ref int64, users ...hongyan.UserID) []hongyan.Change {
	out := make([]hongyan.Change, len(users))
	for i, u := range users {
		out[i] = hongyan.Change{User: u, Kind: kind, Conversation: Group, Ref: ref}
	}
	return out
}

// checkChanges fails t unless changes name ref for each of users, numbered.
func checkChanges(t *testing.T, what string, changes []hongyan.Change, ref int64, users ...hongyan.UserID) {
	t.Helper()
	if len(changes) != len(users) {
		t.Fatalf("%s: got %d changes, want %d", what, len(changes), len(users))
	}
	for i, c := range changes {
		if c.User != users[i] || c.Ref != ref || c.Seq <= 0 || c.Conversation != Group {
			t.Errorf("%s: change %d is %+v, want user %d, ref %d, a sequence", what, i, c, users[i], ref)
		}
	}
}
