package groupcall

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// Node names this node among the cluster's (random when empty): the
	// host of the rooms its engine carries, and the bus subject other
	// nodes relay requests on.
	Node string
	// Lease is how long a host's claim on its rooms holds without being
	// renewed (default 15 s; renewed every third of it). A room whose
	// host stopped renewing ends, and its participants rejoin.
	Lease time.Duration
	// RelayTimeout bounds a request relayed to another node (default 5 s).
	RelayTimeout time.Duration
	Log          *slog.Logger
	Now          func() time.Time
}

// Service is the feature: every method checks who asks. A group's room of
// a kind is one room across the cluster: its state is in the Store, its
// media on the engine of the node that hosts it, and a device connected
// to another node has its requests relayed to the host over the bus.
type Service struct {
	members Members
	rooms   Rooms
	ice     ICEServers
	records Records
	store   Store
	pub     hongyan.Publisher
	cfg     Config
	relay   *relay

	joins atomic.Int64

	stop chan struct{}
	done chan struct{}
	once sync.Once
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

// state is a room as the store keeps it: the room, and each
// participant's name in the host's engine.
type state struct {
	Room    Room                      `json:"r"`
	Engines map[hongyan.UserID]string `json:"n,omitempty"`
}

func decodeState(b []byte) (state, error) {
	var st state
	if len(b) > MaxState {
		return st, errBadRoom
	}
	if err := json.Unmarshal(b, &st); err != nil || !st.Room.Kind.valid() || st.Room.Group <= 0 {
		return state{}, errBadRoom
	}
	return st, nil
}

func encodeState(st state) []byte {
	b, _ := json.Marshal(st) // plain fields: cannot fail
	return b
}

// New returns the service and starts renewing the leases of the rooms
// this node hosts (Close stops it). rooms nil: every join is unavailable.
func New(members Members, rooms Rooms, ice ICEServers, records Records, store Store, pub hongyan.Publisher, cfg Config) *Service {
	if cfg.MaxHold <= 0 {
		cfg.MaxHold = time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 15 * time.Second
	}
	if cfg.RelayTimeout <= 0 {
		cfg.RelayTimeout = 5 * time.Second
	}
	if cfg.Node == "" {
		var b [8]byte
		rand.Read(b[:])
		cfg.Node = hex.EncodeToString(b[:])
	}
	s := &Service{members: members, rooms: rooms, ice: ice, records: records, store: store, pub: pub, cfg: cfg,
		stop: make(chan struct{}), done: make(chan struct{})}
	s.relay = newRelay(s)
	go s.keep()
	return s
}

// Node is the name of this node among the cluster's.
func (s *Service) Node() string { return s.cfg.Node }

// Close ends the rooms this node hosts (their media goes with it: the
// participants are told, and join again on a live node), and stops
// renewing leases and answering relayed requests.
func (s *Service) Close() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		if s.rooms != nil {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RelayTimeout)
			s.endHosted(ctx)
			cancel()
		}
		s.relay.close()
	})
}

// halt stops the node's part as a crash would (tests): no renewals, no
// answers, its rooms left for another node to end.
func (s *Service) halt() {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.relay.close()
	})
}

// endHosted ends every room this node hosts.
func (s *Service) endHosted(ctx context.Context) {
	rs, err := s.store.Expired(ctx, s.cfg.Now().Add(100*365*24*time.Hour), 1000)
	if err != nil {
		s.cfg.Log.Warn("group calls: ending this node's rooms", "err", err)
		return
	}
	for _, r := range rs {
		if r.Host == s.cfg.Node {
			s.expire(ctx, r, time.Time{})
		}
	}
}

// keep renews this node's leases and ends rooms whose host is gone.
func (s *Service) keep() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Lease/3)
			if err := s.Sweep(ctx); err != nil {
				s.cfg.Log.Warn("group call leases", "err", err)
			}
			cancel()
		}
	}
}

// Sweep renews the leases of the rooms this node hosts and ends the rooms
// whose host stopped renewing theirs: their participants are told the
// room ended (they rejoin, on a live node), and a voice call's "ended"
// card is posted, once across the cluster.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.cfg.Now()
	if s.rooms != nil {
		if err := s.store.Renew(ctx, s.cfg.Node, now.Add(s.cfg.Lease)); err != nil {
			return err
		}
	}
	expired, err := s.store.Expired(ctx, now, 100)
	if err != nil {
		return err
	}
	for _, r := range expired {
		if r.Host == s.cfg.Node && s.rooms != nil {
			continue // this node lives: renewed above, or opened since
		}
		s.expire(ctx, r, now)
	}
	return nil
}

// expire ends room r, whose host's lease ran out before now, if no other
// node ended or renewed it meanwhile (now zero: whatever its lease, as
// its host).
func (s *Service) expire(ctx context.Context, r Record, now time.Time) {
	ok, err := s.store.Remove(ctx, r.Group, r.Kind, r.Version, now)
	if now.IsZero() {
		now = s.cfg.Now()
	}
	if err != nil || !ok {
		return
	}
	st, err := decodeState(r.State)
	if err != nil {
		s.cfg.Log.Warn("group call: undecodable room", "group", r.Group, "err", err)
		return
	}
	if r.Host == s.cfg.Node && s.rooms != nil {
		for _, name := range st.Engines {
			s.rooms.Leave(key{r.Group, r.Kind}.engine(), name)
		}
	}
	was := st.Room.users()
	v := st.Room
	v.Participants, v.FloorHolder, v.FloorUntil, v.Ended = nil, 0, time.Time{}, now
	if r.Kind == Voice && s.records != nil {
		if err := s.records.Ended(ctx, v); err != nil {
			s.cfg.Log.Warn("group call card", "group", r.Group, "err", err)
		}
	}
	s.cfg.Log.Info("group call ended with its host", "group", r.Group, "kind", r.Kind, "host", r.Host)
	s.announceTo(ctx, v, true, was)
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

// errNotHost: the node asked to act on a room does not host it (any
// more); the asker looks again.
var errNotHost = hongyan.Errorf(hongyan.CodeUnavailable, "this node does not host the group call")

// load returns the room k as stored (ok false: none is open).
func (s *Service) load(ctx context.Context, k key) (Record, state, bool, error) {
	r, err := s.store.Load(ctx, k.group, k.kind)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Record{}, state{}, false, nil
	}
	if err != nil {
		return Record{}, state{}, false, err
	}
	st, err := decodeState(r.State)
	if err != nil {
		return Record{}, state{}, false, hongyan.Wrap(err, hongyan.CodeInternal, "a stored group call is malformed")
	}
	return r, st, true, nil
}

// live returns room k as stored when its host's lease holds; a room whose
// lease ran out is ended first (and none is returned).
func (s *Service) live(ctx context.Context, k key) (Record, state, bool, error) {
	r, st, ok, err := s.load(ctx, k)
	if err != nil || !ok {
		return r, st, ok, err
	}
	if now := s.cfg.Now(); r.Lease.Before(now) && r.Host != s.cfg.Node {
		s.expire(ctx, r, now)
		return s.load(ctx, k)
	}
	return r, st, true, nil
}

const attempts = 8 // compare-and-set retries, and host look-ups

// Join puts me's device into the group's room of kind, opening it when
// nobody is in it (on this node's engine). A user already in a room (this
// one, from another device, or another group's, on any node) leaves it
// first. A room hosted by another node is joined there, by a
// request relayed over the bus.
func (s *Service) Join(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind) (Session, error) {
	if err := checkKind(kind); err != nil {
		return Session{}, err
	}
	if err := s.members.Member(ctx, group, me.User); err != nil {
		return Session{}, err
	}
	ice, err := s.ice.ICEServers(ctx, me.User)
	if err != nil {
		return Session{}, err
	}
	k := key{group, kind}
	in, err := s.store.UserRooms(ctx, me.User)
	if err != nil {
		return Session{}, err
	}
	for _, prev := range in {
		if prev != (RoomKey{group, kind}) {
			if _, err := s.Leave(ctx, me, prev.Group, prev.Kind); err != nil {
				s.cfg.Log.Warn("group call: leaving the previous room", "group", prev.Group, "err", err)
			}
		}
	}
	for range attempts {
		r, _, ok, err := s.live(ctx, k)
		if err != nil {
			return Session{}, err
		}
		var sess Session
		if (!ok || r.Host == s.cfg.Node) && s.rooms == nil {
			// A node without an engine joins rooms other nodes host.
			return Session{}, hongyan.Errorf(hongyan.CodeUnavailable, "group calls are off on this server")
		}
		if !ok || r.Host == s.cfg.Node {
			sess, err = s.hostJoin(ctx, k, me)
		} else {
			var resp response
			resp, err = s.relay.ask(ctx, r.Host, request{Op: opJoin, Group: group, Kind: kind, User: me.User, Device: me.Device})
			sess = Session{Room: resp.Room, Offer: resp.Offer, Speaker: resp.Speaker}
		}
		if errors.Is(err, errNotHost) {
			continue // the room moved or was opened elsewhere meanwhile
		}
		if err != nil {
			return Session{}, err
		}
		sess.ICE = ice
		return sess, nil
	}
	return Session{}, hongyan.Errorf(hongyan.CodeUnavailable, "the group call is busy; try again")
}

// hostJoin joins user to room k on this node's engine, opening the room
// here when none is open.
func (s *Service) hostJoin(ctx context.Context, k key, me hongyan.Caller) (Session, error) {
	if s.rooms == nil {
		return Session{}, errNotHost
	}
	name := s.participantName(me.User)
	offer, speaker, err := s.rooms.Join(ctx, k.engine(), k.kind, name)
	if err != nil {
		return Session{}, err
	}
	var v Room
	var opened bool
	var old string
	err = s.mutate(ctx, k, true, func(st *state) (bool, error) {
		opened = st.Room.Group == 0
		if opened {
			st.Room = Room{Group: k.group, Kind: k.kind, Starter: me.User, Started: s.cfg.Now()}
			st.Engines = map[hongyan.UserID]string{}
		}
		if st.Engines == nil {
			st.Engines = map[hongyan.UserID]string{}
		}
		old = st.Engines[me.User]
		st.Room.Participants = slices.DeleteFunc(st.Room.Participants, func(p Participant) bool { return p.User == me.User })
		st.Room.Participants = append(st.Room.Participants, Participant{User: me.User, Device: me.Device, Speaker: speaker, Joined: s.cfg.Now()})
		st.Engines[me.User] = name
		v = st.Room.clone()
		return true, nil
	})
	if err != nil {
		s.rooms.Leave(k.engine(), name)
		return Session{}, err
	}
	if old != "" {
		// Joining again (another device, or a reload): the room goes on.
		s.rooms.Leave(k.engine(), old)
	}
	if opened && k.kind == Voice && s.records != nil {
		if err := s.records.Started(ctx, v); err != nil {
			s.cfg.Log.Warn("group call card", "group", k.group, "err", err)
		}
	}
	s.announce(ctx, v, true, me.User)
	return Session{Room: v, Offer: offer, Speaker: speaker}, nil
}

// mutate changes room k as stored, by compare-and-set: fn gets the room
// (zero when none is open, and then only when open is set) and says
// whether to save it; a room with no participants left is removed. Only
// the room's host may mutate it with open set (it hosts the media).
func (s *Service) mutate(ctx context.Context, k key, open bool, fn func(*state) (bool, error)) error {
	for range attempts {
		r, st, ok, err := s.load(ctx, k)
		if err != nil {
			return err
		}
		if !ok && !open {
			return errNoRoom
		}
		if ok && open && r.Host != s.cfg.Node {
			if !r.Lease.Before(s.cfg.Now()) {
				return errNotHost
			}
			s.expire(ctx, r, s.cfg.Now())
			continue
		}
		if !ok {
			r = Record{Group: k.group, Kind: k.kind, Host: s.cfg.Node, Lease: s.cfg.Now().Add(s.cfg.Lease)}
		}
		save, err := fn(&st)
		if err != nil || !save {
			return err
		}
		var done bool
		if len(st.Room.Participants) == 0 {
			done, err = s.store.Remove(ctx, k.group, k.kind, r.Version, time.Time{})
		} else {
			r.State, r.Users = encodeState(st), st.Room.users()
			done, err = s.store.Save(ctx, r)
		}
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return hongyan.Errorf(hongyan.CodeUnavailable, "the group call is busy; try again")
}

var errNoRoom = hongyan.Errorf(hongyan.CodePrecondition, "join the group call first")

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
	r, _, ok, err := s.live(ctx, k)
	if err != nil {
		return err
	}
	if !ok {
		return errNoRoom
	}
	if r.Host != s.cfg.Node {
		_, err := s.relay.ask(ctx, r.Host, request{Op: opAnswer, Group: group, Kind: kind, User: me.User, SDP: sdp})
		return err
	}
	return s.hostAnswer(ctx, k, me.User, sdp)
}

func (s *Service) hostAnswer(ctx context.Context, k key, user hongyan.UserID, sdp string) error {
	name := s.engineName(k, user)
	if name == "" || s.rooms == nil {
		return errNoRoom
	}
	if err := s.rooms.Answer(k.engine(), name, sdp); err != nil {
		return hongyan.Wrap(err, hongyan.CodeInvalid, "the answer was refused")
	}
	return nil
}

// engineName is user's name in room k's engine ("" when not in it).
func (s *Service) engineName(k key, user hongyan.UserID) string {
	_, st, _, err := s.load(context.Background(), k)
	if err != nil {
		return ""
	}
	return st.Engines[user]
}

// Leave takes me out of the group's room (nothing when not in it) and
// returns the room as it is after.
func (s *Service) Leave(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind) (Room, error) {
	if err := checkKind(kind); err != nil {
		return Room{}, err
	}
	k := key{group, kind}
	r, st, ok, err := s.live(ctx, k)
	if err != nil {
		return Room{}, err
	}
	if !ok || !st.Room.Has(me.User) {
		return st.Room.orClosed(k), nil
	}
	if r.Host != s.cfg.Node {
		resp, err := s.relay.ask(ctx, r.Host, request{Op: opLeave, Group: group, Kind: kind, User: me.User})
		return resp.Room, err
	}
	return s.leave(ctx, k, me.User, "")
}

func (r Room) orClosed(k key) Room {
	if r.Group == 0 {
		return Room{Group: k.group, Kind: k.kind}
	}
	return r
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

// leave removes user from room k, hosted here, and ends the room when it
// is empty, and announces it. gone names the engine's participant that
// is gone already (nothing happens unless it is the user's current one);
// "" takes the user out of the engine too.
func (s *Service) leave(ctx context.Context, k key, user hongyan.UserID, gone string) (Room, error) {
	var v Room
	var name string
	var changed bool
	err := s.mutate(ctx, k, false, func(st *state) (bool, error) {
		name, changed = st.Engines[user], false
		v = st.Room.clone()
		if name == "" || (gone != "" && gone != name) {
			return false, nil
		}
		changed = true
		st.Room.Participants = slices.DeleteFunc(st.Room.Participants, func(p Participant) bool { return p.User == user })
		delete(st.Engines, user)
		if st.Room.FloorHolder == user {
			st.Room.FloorHolder, st.Room.FloorUntil = 0, time.Time{}
		}
		if len(st.Room.Participants) == 0 {
			st.Room.Ended = s.cfg.Now()
		}
		v = st.Room.clone()
		return true, nil
	})
	if err == errNoRoom {
		return Room{Group: k.group, Kind: k.kind}, nil
	}
	if err != nil || !changed {
		return v.orClosed(k), err
	}
	if gone == "" && s.rooms != nil {
		s.rooms.Leave(k.engine(), name)
	}
	if !v.Ended.IsZero() && k.kind == Voice && s.records != nil {
		if err := s.records.Ended(ctx, v); err != nil {
			s.cfg.Log.Warn("group call card", "group", k.group, "err", err)
		}
	}
	s.announce(ctx, v, true, user)
	return v, nil
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
	k := key{group, kind}
	_, st, _, err := s.live(ctx, k)
	if err != nil {
		return Room{}, err
	}
	return st.Room.orClosed(k), nil
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
	r, st, ok, err := s.live(ctx, k)
	if err != nil {
		return Floor{}, err
	}
	if !ok || !st.Room.Has(me.User) {
		return Floor{}, hongyan.Errorf(hongyan.CodePrecondition, "join the walkie-talkie room first")
	}
	if take {
		if err := s.members.Member(ctx, group, me.User); err != nil {
			s.Leave(ctx, me, group, Talkie) // removed from the group meanwhile
			return Floor{}, err
		}
	}
	if r.Host != s.cfg.Node {
		resp, err := s.relay.ask(ctx, r.Host, request{Op: opFloor, Group: group, Kind: Talkie, User: me.User, Take: take})
		return resp.Floor, err
	}
	return s.hostFloor(ctx, k, me.User, take)
}

func (s *Service) hostFloor(ctx context.Context, k key, user hongyan.UserID, take bool) (Floor, error) {
	name := s.engineName(k, user)
	if name == "" || s.rooms == nil {
		return Floor{}, hongyan.Errorf(hongyan.CodePrecondition, "join the walkie-talkie room first")
	}
	if !take {
		s.rooms.ReleaseFloor(k.engine(), name)
		return s.floor(ctx, k), nil
	}
	granted, _, err := s.rooms.RequestFloor(k.engine(), name)
	if err != nil {
		return Floor{}, hongyan.Wrap(err, hongyan.CodePrecondition, "join the walkie-talkie room first")
	}
	f := s.floor(ctx, k)
	f.Granted = granted
	return f, nil
}

func (s *Service) floor(ctx context.Context, k key) Floor {
	_, st, _, _ := s.load(ctx, k)
	return Floor{Holder: st.Room.FloorHolder, Until: st.Room.FloorUntil}
}

// FloorChanged is the engine telling that room's floor holder changed
// ("" when free): it is stored and announced (node wires it).
func (s *Service) FloorChanged(room, holder string) {
	k, ok := parseEngine(room)
	if !ok {
		return
	}
	u := parseParticipant(holder)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var v Room
	err := s.mutate(ctx, k, false, func(st *state) (bool, error) {
		st.Room.FloorHolder, st.Room.FloorUntil = u, time.Time{}
		if u != 0 {
			st.Room.FloorUntil = s.cfg.Now().Add(s.cfg.MaxHold)
		}
		v = st.Room.clone()
		return true, nil
	})
	if err != nil {
		return
	}
	s.announce(ctx, v, false, u)
}

// Status sets what me's device shows of itself in the room: muted, and
// speaking now. Only a change is announced, to the participants.
func (s *Service) Status(ctx context.Context, me hongyan.Caller, group hongyan.ConversationID, kind Kind, muted, speaking bool) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	var v Room
	var changed bool
	err := s.mutate(ctx, key{group, kind}, false, func(st *state) (bool, error) {
		changed = false
		i := slices.IndexFunc(st.Room.Participants, func(p Participant) bool { return p.User == me.User })
		if i < 0 {
			return false, errNoRoom
		}
		p := &st.Room.Participants[i]
		changed = p.Muted != muted || p.Speaking != speaking
		p.Muted, p.Speaking = muted, speaking
		v = st.Room.clone()
		return changed, nil
	})
	if err != nil {
		return err
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
	s.announceTo(ctx, r, members, []hongyan.UserID{by})
}

// announceTo is announce, the member list asked as the first of as (or
// of the participants) who may.
func (s *Service) announceTo(ctx context.Context, r Room, members bool, as []hongyan.UserID) {
	if s.pub.Bus == nil {
		return
	}
	var to []hongyan.UserID
	if members {
		for _, u := range append(slices.Clone(as), r.users()...) {
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
	to = append(to, as...)
	slices.Sort(to)
	data := EncodeRoom(r)
	for _, u := range slices.Compact(to) {
		if u > 0 {
			s.pub.Publish(ctx, u, hongyan.Event{Kind: hongyan.EventGroupCall, Conversation: r.Group, Data: data})
		}
	}
}

func (r Room) users() []hongyan.UserID {
	out := make([]hongyan.UserID, len(r.Participants))
	for i, p := range r.Participants {
		out[i] = p.User
	}
	return out
}
