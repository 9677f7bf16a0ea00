package groupcall

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hongyan/internal/hongyan"
)

// Config tunes the service.
type Config struct {
	// MaxHold is how long one participant may hold a walkie-talkie
	// room's floor (the engine's; shown to clients as FloorUntil).
	MaxHold time.Duration
	Log     *slog.Logger
	Now     func() time.Time
}

// Service is the feature: every method checks who asks.
type Service struct {
	members Members
	rooms   Rooms
	ice     ICEServers
	records Records
	pub     hongyan.Publisher
	cfg     Config

	joins atomic.Int64

	mu    sync.Mutex
	open  map[key]*Room
	where map[hongyan.UserID]key // the room each user is in
}

type key struct {
	group hongyan.ConversationID
	kind  Kind
}

// engine names the room in the engine.
func (k key) engine() string { return fmt.Sprintf("g%d.%d", k.group, k.kind) }

func parseEngine(s string) (key, bool) {
	var k key
	if _, err := fmt.Sscanf(s, "g%d.%d", &k.group, &k.kind); err != nil || !k.kind.valid() {
		return key{}, false
	}
	return k, true
}

// participantName names a user's join in the engine: unique, so that
// the end of an earlier connection is never taken for a later one's.
func (s *Service) participantName(u hongyan.UserID) string {
	return strconv.FormatInt(int64(u), 10) + "." + strconv.FormatInt(s.joins.Add(1), 10)
}

func parseParticipant(s string) hongyan.UserID {
	u, _, _ := strings.Cut(s, ".")
	v, _ := strconv.ParseInt(u, 10, 64)
	return hongyan.UserID(v)
}

// engineName is user's name in room k's engine ("" when not in it).
func (s *Service) engineName(k key, user hongyan.UserID) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.open[k]; r != nil {
		for _, p := range r.Participants {
			if p.User == user {
				return p.engine
			}
		}
	}
	return ""
}

// New returns the service. rooms nil: every join is unavailable.
func New(members Members, rooms Rooms, ice ICEServers, records Records, pub hongyan.Publisher, cfg Config) *Service {
	if cfg.MaxHold <= 0 {
		cfg.MaxHold = time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{members: members, rooms: rooms, ice: ice, records: records, pub: pub, cfg: cfg,
		open: map[key]*Room{}, where: map[hongyan.UserID]key{}}
}

// Session is what a device needs to connect to a room it joined.
type Session struct {
	Room    Room
	Offer   string // the engine's SDP offer
	Speaker bool
	ICE     []ICEServer
}

func checkKind(k Kind) error {
	if !k.valid() {
		return hongyan.Errorf(hongyan.CodeInvalid, "unknown group call kind %d", k)
	}
	return nil
}

// Join puts me's device into the group's room of kind, opening it when
// nobody is in it. A user already in a room (this one, from another
// device, or another group's) leaves it first.
func (s *Service) Join(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind) (Session, error) {
	if err := checkKind(kind); err != nil {
		return Session{}, err
	}
	if s.rooms == nil {
		return Session{}, hongyan.Errorf(hongyan.CodeUnavailable, "group calls are off on this server")
	}
	if err := s.members.Member(ctx, group, me.User); err != nil {
		return Session{}, err
	}
	ice, err := s.ice.ICEServers(ctx, me.User)
	if err != nil {
		return Session{}, err
	}
	k := key{group, kind}
	s.mu.Lock()
	prev, in := s.where[me.User]
	s.mu.Unlock()
	switch {
	case in && prev == k:
		// Joining again (another device, or a reload): the room goes on.
		if old := s.engineName(k, me.User); old != "" {
			s.rooms.Leave(k.engine(), old)
		}
	case in:
		s.leave(ctx, prev, me.User, "")
	}
	name := s.participantName(me.User)
	offer, speaker, err := s.rooms.Join(ctx, k.engine(), kind, name)
	if err != nil {
		return Session{}, err
	}
	now := s.cfg.Now()
	s.mu.Lock()
	r, opened := s.open[k], false
	if r == nil {
		r, opened = &Room{Group: group, Kind: kind, Starter: me.User, Started: now}, true
		s.open[k] = r
	}
	r.Participants = slices.DeleteFunc(r.Participants, func(p Participant) bool { return p.User == me.User })
	r.Participants = append(r.Participants, Participant{User: me.User, Device: me.Device, Speaker: speaker, Joined: now, engine: name})
	s.where[me.User] = k
	v := r.clone()
	s.mu.Unlock()
	if opened && kind == Voice && s.records != nil {
		if err := s.records.Started(ctx, v); err != nil {
			s.cfg.Log.Warn("group call card", "group", group, "err", err)
		}
	}
	s.announce(ctx, v, true, me.User)
	return Session{Room: v, Offer: offer, Speaker: speaker, ICE: ice}, nil
}

// Answer completes me's connection to the room with the device's SDP
// answer to the engine's offer.
func (s *Service) Answer(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind, sdp string) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if len(sdp) == 0 || len(sdp) > MaxSDP {
		return hongyan.Errorf(hongyan.CodeInvalid, "an answer needs an SDP of at most %d bytes", MaxSDP)
	}
	k := key{group, kind}
	name := s.engineName(k, me.User)
	if name == "" {
		return hongyan.Errorf(hongyan.CodePrecondition, "join the group call first")
	}
	if err := s.rooms.Answer(k.engine(), name, sdp); err != nil {
		return hongyan.Wrap(err, hongyan.CodeInvalid, "the answer was refused")
	}
	return nil
}

// Leave takes me out of the group's room (nothing when not in it) and
// returns the room as it is after.
func (s *Service) Leave(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind) (Room, error) {
	if err := checkKind(kind); err != nil {
		return Room{}, err
	}
	return s.leave(ctx, key{group, kind}, me.User, ""), nil
}

// Gone is the engine telling that participant's connection to room
// failed or closed: it leaves the room (node wires it).
func (s *Service) Gone(room, participant string) {
	k, ok := parseEngine(room)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.leave(ctx, k, parseParticipant(participant), participant)
}

// leave removes user from room k and ends the room when it is empty, and
// announces it. gone names the engine's participant that is gone already
// (nothing happens unless it is the user's current one); "" takes the
// user out of the engine too.
func (s *Service) leave(ctx context.Context, k key, user hongyan.UserID, gone string) Room {
	name := s.engineName(k, user)
	if name == "" || (gone != "" && gone != name) {
		return s.current(k)
	}
	if gone == "" && s.rooms != nil {
		s.rooms.Leave(k.engine(), name)
	}
	s.mu.Lock()
	r := s.open[k]
	if r == nil || !slices.ContainsFunc(r.Participants, func(p Participant) bool { return p.User == user && p.engine == name }) {
		s.mu.Unlock()
		return s.current(k)
	}
	r.Participants = slices.DeleteFunc(r.Participants, func(p Participant) bool { return p.User == user })
	if s.where[user] == k {
		delete(s.where, user)
	}
	if r.FloorHolder == user {
		r.FloorHolder, r.FloorUntil = 0, time.Time{}
	}
	ended := len(r.Participants) == 0
	if ended {
		r.Ended = s.cfg.Now()
		delete(s.open, k)
	}
	v := r.clone()
	s.mu.Unlock()
	if ended && k.kind == Voice && s.records != nil {
		if err := s.records.Ended(ctx, v); err != nil {
			s.cfg.Log.Warn("group call card", "group", k.group, "err", err)
		}
	}
	s.announce(ctx, v, true, user)
	return v
}

// Current returns the group's room of kind as it is now (no
// participants: closed).
func (s *Service) Current(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind) (Room, error) {
	if err := checkKind(kind); err != nil {
		return Room{}, err
	}
	if err := s.members.Member(ctx, group, me.User); err != nil {
		return Room{}, err
	}
	return s.current(key{group, kind}), nil
}

func (s *Service) current(k key) Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.open[k]; r != nil {
		return r.clone()
	}
	return Room{Group: k.group, Kind: k.kind}
}

// Floor is a walkie-talkie room's floor after a request.
type Floor struct {
	Granted bool
	Holder  hongyan.UserID
	Until   time.Time
}

// Floor takes (take) or releases me's hold on the floor of the group's
// walkie-talkie room. Taking it while another holds it is not granted.
func (s *Service) Floor(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, take bool) (Floor, error) {
	k := key{group, Talkie}
	name := s.engineName(k, me.User)
	if name == "" {
		return Floor{}, hongyan.Errorf(hongyan.CodePrecondition, "join the walkie-talkie room first")
	}
	if !take {
		s.rooms.ReleaseFloor(k.engine(), name)
		return s.floor(k), nil
	}
	if err := s.members.Member(ctx, group, me.User); err != nil {
		s.leave(ctx, k, me.User, "") // removed from the group meanwhile
		return Floor{}, err
	}
	granted, _, err := s.rooms.RequestFloor(k.engine(), name)
	if err != nil {
		return Floor{}, hongyan.Wrap(err, hongyan.CodePrecondition, "join the walkie-talkie room first")
	}
	f := s.floor(k)
	f.Granted = granted
	return f, nil
}

func (s *Service) floor(k key) Floor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.open[k]; r != nil {
		return Floor{Holder: r.FloorHolder, Until: r.FloorUntil}
	}
	return Floor{}
}

// FloorChanged is the engine telling that room's floor holder changed
// ("" when free): it is announced (node wires it).
func (s *Service) FloorChanged(room, holder string) {
	k, ok := parseEngine(room)
	if !ok {
		return
	}
	u := parseParticipant(holder)
	s.mu.Lock()
	r := s.open[k]
	if r == nil {
		s.mu.Unlock()
		return
	}
	r.FloorHolder, r.FloorUntil = u, time.Time{}
	if u != 0 {
		r.FloorUntil = s.cfg.Now().Add(s.cfg.MaxHold)
	}
	v := r.clone()
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.announce(ctx, v, false, u)
}

// Status sets what me's device shows of itself in the room: muted, and
// speaking now. Only a change is announced, to the participants.
func (s *Service) Status(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind, muted, speaking bool) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	s.mu.Lock()
	r := s.open[key{group, kind}]
	var changed bool
	if r != nil {
		for i := range r.Participants {
			if p := &r.Participants[i]; p.User == me.User {
				changed = p.Muted != muted || p.Speaking != speaking
				p.Muted, p.Speaking = muted, speaking
				break
			}
		}
	}
	var v Room
	if r != nil && r.Has(me.User) {
		v = r.clone()
	}
	s.mu.Unlock()
	if v.Group == 0 {
		return hongyan.Errorf(hongyan.CodePrecondition, "join the group call first")
	}
	if changed {
		s.announce(ctx, v, false, me.User)
	}
	return nil
}

func (r *Room) clone() Room {
	v := *r
	v.Participants = slices.Clone(r.Participants)
	return v
}

// announce pushes r to every device of the group's members (members) or
// of its participants; a device that misses it asks Current. The member
// list is asked as by, or as a participant when by is no longer a member.
func (s *Service) announce(ctx context.Context, r Room, members bool, by hongyan.UserID) {
	if s.pub.Bus == nil {
		return
	}
	var to []hongyan.UserID
	if members {
		for _, u := range append([]hongyan.UserID{by}, r.users()...) {
			ms, err := s.members.Members(ctx, r.Group, u)
			if err == nil {
				to = ms
				break
			}
			if hongyan.ErrorCode(err) != hongyan.CodeNotFound && hongyan.ErrorCode(err) != hongyan.CodePrecondition {
				s.cfg.Log.Warn("group call push", "group", r.Group, "err", err)
				break
			}
		}
	}
	to = append(to, r.users()...)
	slices.Sort(to)
	data := EncodeRoom(r)
	for _, u := range slices.Compact(to) {
		s.pub.Publish(ctx, u, hongyan.Event{Kind: hongyan.EventGroupCall, Conversation: r.Group, Data: data})
	}
}

func (r Room) users() []hongyan.UserID {
	out := make([]hongyan.UserID, len(r.Participants))
	for i, p := range r.Participants {
		out[i] = p.User
	}
	return out
}
