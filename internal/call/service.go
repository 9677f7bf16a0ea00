package call

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// ICEServer is a STUN or TURN server a device may use to reach its peer.
type ICEServer struct {
	URLs                 []string
	Username, Credential string
}

// ICEServers hands out the ICE servers (and, for TURN, short-lived
// credentials) a user's device uses for a call (node fills it).
type ICEServers interface {
	ICEServers(ctx context.Context, user hongyan.UserID) ([]ICEServer, error)
}

// Relations is what calls ask the contact feature (node fills it).
type Relations interface {
	// Friendship reports whether a and b are friends both ways and
	// neither blocked the other (friends), and whether either blocked
	// the other.
	Friendship(ctx context.Context, a, b hongyan.UserID) (friends, blocked bool, err error)
}

// Records posts a call's record into the chat of its two parties (node
// fills it with the chat feature's send path). Posting the record of one
// call again must post it once.
type Records interface {
	PostRecord(ctx context.Context, c Call) error
}

// SignalKind says what a Signal carries.
type SignalKind int8

// The signal kinds; the values are the protocol's CallSignalKind.
const (
	SignalOffer     SignalKind = 1 // an SDP offer (the caller's, or either's on renegotiation)
	SignalAnswer    SignalKind = 2 // an SDP answer
	SignalCandidate SignalKind = 3 // a trickled ICE candidate ("" : no more)
)

// Limits of signalling.
const (
	MaxSDP       = 16 << 10 // bytes of an offer or answer
	MaxCandidate = 1 << 10  // bytes of a candidate line
	MaxMid       = 64       // bytes of a media stream ID
)

// Signal is one signalling message between the devices of a call.
type Signal struct {
	Call      int64          `json:"c"`
	From      hongyan.UserID `json:"f"`
	Kind      SignalKind     `json:"k"`
	SDP       string         `json:"s,omitempty"`
	Candidate string         `json:"n,omitempty"`
	Mid       string         `json:"m,omitempty"`
	MLine     uint16         `json:"l,omitempty"`
}

// Validate checks a signal's kind and sizes.
func (g Signal) Validate() error {
	switch g.Kind {
	case SignalOffer, SignalAnswer:
		if g.SDP == "" || len(g.SDP) > MaxSDP {
			return hongyan.Errorf(hongyan.CodeInvalid, "an offer or answer needs an SDP of at most %d bytes", MaxSDP)
		}
		if g.Candidate != "" || g.Mid != "" {
			return hongyan.Errorf(hongyan.CodeInvalid, "an offer or answer carries no candidate")
		}
	case SignalCandidate:
		if len(g.Candidate) > MaxCandidate || len(g.Mid) > MaxMid {
			return hongyan.Errorf(hongyan.CodeInvalid, "a candidate has at most %d bytes and its mid %d", MaxCandidate, MaxMid)
		}
		if g.SDP != "" {
			return hongyan.Errorf(hongyan.CodeInvalid, "a candidate carries no SDP")
		}
	default:
		return hongyan.Errorf(hongyan.CodeInvalid, "unknown signal kind %d", g.Kind)
	}
	if !utf8.ValidString(g.SDP) || !utf8.ValidString(g.Candidate) || !utf8.ValidString(g.Mid) {
		return hongyan.Errorf(hongyan.CodeInvalid, "a signal is text")
	}
	return nil
}

// maxSignalBytes bounds an encoded signal (JSON escapes at most
// sixfold).
const maxSignalBytes = 6*(MaxSDP+MaxCandidate+MaxMid) + 256

var errBadSignal = errors.New("malformed call signal")

// EncodeSignal encodes g for the bus.
func EncodeSignal(g Signal) []byte {
	b, _ := json.Marshal(g) // plain fields: cannot fail
	return b
}

// DecodeSignal decodes what EncodeSignal made; malformed or oversized
// input is an error, never a panic.
func DecodeSignal(b []byte) (Signal, error) {
	var g Signal
	if len(b) > maxSignalBytes {
		return g, errBadSignal
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return Signal{}, errBadSignal
	}
	if g.Validate() != nil || g.Call <= 0 {
		return Signal{}, errBadSignal
	}
	return g, nil
}

// Config tunes the service.
type Config struct {
	// RingTimeout: a call nobody answers ends as no answer after this.
	RingTimeout time.Duration
	// Liveness: an accepted call ends as failed when no keep-alive came
	// for this long (devices send one every Liveness/3).
	Liveness time.Duration
	// PlaceRate limits the calls one user places (counted in the store,
	// in fixed periods of PlaceRate.Per).
	PlaceRate hongyan.Rate
	// SignalRate limits the signals one device sends (offers, answers
	// and candidates: a call takes a few dozen); a flood guard kept by
	// each node in memory, as the gateway's own limits are.
	SignalRate hongyan.Rate
	Now        func() time.Time
}

// DefaultConfig returns the rules used unless configured otherwise.
func DefaultConfig() Config {
	return Config{RingTimeout: 60 * time.Second, Liveness: 45 * time.Second, PlaceRate: hongyan.Rate{N: 20, Per: time.Minute},
		SignalRate: hongyan.Rate{N: 600, Per: time.Minute}}
}

// Service implements the call rules. It is safe for concurrent use.
type Service struct {
	store   Store
	rel     Relations
	records Records
	ice     ICEServers
	pub     hongyan.Publisher
	cfg     Config
	signals *hongyan.Limiter
}

// New returns a Service; zero fields of cfg take DefaultConfig's values.
// records and ice may be nil (no records; no ICE servers).
func New(store Store, rel Relations, records Records, ice ICEServers, pub hongyan.Publisher, cfg Config) *Service {
	def := DefaultConfig()
	if cfg.RingTimeout <= 0 {
		cfg.RingTimeout = def.RingTimeout
	}
	if cfg.Liveness <= 0 {
		cfg.Liveness = def.Liveness
	}
	if cfg.PlaceRate.N <= 0 || cfg.PlaceRate.Per <= 0 {
		cfg.PlaceRate = def.PlaceRate
	}
	if cfg.SignalRate.N <= 0 || cfg.SignalRate.Per <= 0 {
		cfg.SignalRate = def.SignalRate
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, rel: rel, records: records, ice: ice, pub: pub, cfg: cfg,
		signals: hongyan.NewLimiter(cfg.SignalRate)}
}

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) publish(ctx context.Context, changes []hongyan.Change) {
	if s.pub.Bus != nil && len(changes) > 0 {
		s.pub.PublishChanges(ctx, changes) // the store has them: devices re-sync
	}
}

// ICEServers returns the ICE servers user's device uses for a call.
func (s *Service) ICEServers(ctx context.Context, user hongyan.UserID) ([]ICEServer, error) {
	if s.ice == nil {
		return nil, nil
	}
	return s.ice.ICEServers(ctx, user)
}

// Place calls peer from the caller's device. The call rings peer's
// devices, or ends at once as busy when either is already in a call.
// Only friends may call each other (a stranger or a blocked user: not
// permitted).
func (s *Service) Place(ctx context.Context, me hongyan.Caller, peer hongyan.UserID, video bool) (Call, error) {
	if peer <= 0 || peer == me.User {
		return Call{}, hongyan.Errorf(hongyan.CodeInvalid, "a call needs another user")
	}
	if me.Device <= 0 {
		return Call{}, hongyan.Errorf(hongyan.CodeInvalid, "calls are placed from a device")
	}
	friends, _, err := s.rel.Friendship(ctx, me.User, peer)
	if err != nil {
		return Call{}, err
	}
	if !friends {
		return Call{}, hongyan.Errorf(hongyan.CodeDenied, "only friends can call each other")
	}
	now := s.now()
	per := max(s.cfg.PlaceRate.Per.Milliseconds(), 1)
	ok, err := s.store.TakePlace(ctx, me.User, now.UnixMilli()/per, s.cfg.PlaceRate.N)
	if err != nil {
		return Call{}, err
	}
	if !ok {
		return Call{}, hongyan.Errorf(hongyan.CodeRateLimited, "too many calls; try again later")
	}
	c, changes, err := s.store.Create(ctx, Call{Caller: me.User, Callee: peer, CallerDevice: me.Device, Video: video,
		State: StateRinging, Created: now, Deadline: now.Add(s.cfg.RingTimeout)})
	if err != nil {
		return Call{}, err
	}
	s.publish(ctx, changes)
	if c.State == StateEnded {
		s.record(ctx, c)
	}
	return c, nil
}

// Get returns call id to one of its parties.
func (s *Service) Get(ctx context.Context, me hongyan.Caller, id int64) (Call, error) {
	c, err := s.store.Get(ctx, id)
	if err != nil {
		return Call{}, err
	}
	if !c.Party(me.User) {
		return Call{}, hongyan.Errorf(hongyan.CodeNotFound, "no such call")
	}
	return c, nil
}

// Current returns the call the caller is in (ringing or active), or nil.
func (s *Service) Current(ctx context.Context, me hongyan.Caller) (*Call, error) {
	c, err := s.store.Current(ctx, me.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ReasonAnsweredElsewhere tells a device that another device of the
// callee accepted the call first.
const ReasonAnsweredElsewhere hongyan.Reason = "answered_elsewhere"

// ReasonCallEnded tells a device the call is already over.
const ReasonCallEnded hongyan.Reason = "call_ended"

// change moves call id from the state it is in by fn, which returns the
// call as it should become or an error; it retries when the state moved
// under it.
func (s *Service) change(ctx context.Context, me hongyan.Caller, id int64, quiet bool, fn func(c Call, now time.Time) (Call, error)) (Call, error) {
	for range 5 {
		c, err := s.Get(ctx, me, id)
		if err != nil {
			return Call{}, err
		}
		next, err := fn(c, s.now())
		if err != nil {
			return c, err
		}
		if next == c {
			return c, nil
		}
		changes, ok, err := s.store.Update(ctx, next, c.State, quiet)
		if err != nil {
			return Call{}, err
		}
		if !ok {
			continue
		}
		s.publish(ctx, changes)
		if next.State == StateEnded {
			s.record(ctx, next)
		}
		return next, nil
	}
	return Call{}, hongyan.Errorf(hongyan.CodeUnavailable, "the call is changing; try again")
}

func ended(c Call, end End, now time.Time) Call {
	c.State, c.End, c.Ended, c.Deadline = StateEnded, end, now, time.Time{}
	return c
}

func over() error {
	return hongyan.Errorf(hongyan.CodePrecondition, "the call is over").WithReason(ReasonCallEnded)
}

// Accept answers a ringing call on the caller's device. The first device
// to accept wins; a later one gets CodePrecondition with reason
// ReasonAnsweredElsewhere.
func (s *Service) Accept(ctx context.Context, me hongyan.Caller, id int64) (Call, error) {
	if me.Device <= 0 {
		return Call{}, hongyan.Errorf(hongyan.CodeInvalid, "calls are answered on a device")
	}
	return s.change(ctx, me, id, false, func(c Call, now time.Time) (Call, error) {
		if me.User != c.Callee {
			return c, hongyan.Errorf(hongyan.CodeDenied, "only the callee answers a call")
		}
		switch c.State {
		case StateActive:
			if c.CalleeDevice == me.Device {
				return c, nil
			}
			return c, hongyan.Errorf(hongyan.CodePrecondition, "the call was answered on another device").WithReason(ReasonAnsweredElsewhere)
		case StateEnded:
			return c, over()
		}
		c.State, c.CalleeDevice, c.Answered, c.Deadline = StateActive, me.Device, now, now.Add(s.cfg.Liveness)
		return c, nil
	})
}

// Decline turns down a ringing call (the callee, on any device).
func (s *Service) Decline(ctx context.Context, me hongyan.Caller, id int64) (Call, error) {
	return s.change(ctx, me, id, false, func(c Call, now time.Time) (Call, error) {
		if me.User != c.Callee {
			return c, hongyan.Errorf(hongyan.CodeDenied, "only the callee declines a call")
		}
		switch c.State {
		case StateActive:
			return c, hongyan.Errorf(hongyan.CodePrecondition, "the call was answered; hang up instead").WithReason(ReasonAnsweredElsewhere)
		case StateEnded:
			return c, nil
		}
		return ended(c, EndDeclined, now), nil
	})
}

// Hangup ends a call: the caller's before an answer is cancelled, the
// callee's then declined; an accepted call is hung up, or failed when the
// device says its media failed. Hanging up an ended call changes nothing.
func (s *Service) Hangup(ctx context.Context, me hongyan.Caller, id int64, failed bool) (Call, error) {
	return s.change(ctx, me, id, false, func(c Call, now time.Time) (Call, error) {
		switch {
		case c.State == StateEnded:
			return c, nil
		case c.State == StateRinging && me.User == c.Caller:
			return ended(c, EndCancelled, now), nil
		case c.State == StateRinging:
			return ended(c, EndDeclined, now), nil
		case failed:
			return ended(c, EndFailed, now), nil
		}
		return ended(c, EndHungUp, now), nil
	})
}

// SetVideo switches a call between voice and video (either party).
func (s *Service) SetVideo(ctx context.Context, me hongyan.Caller, id int64, video bool) (Call, error) {
	return s.change(ctx, me, id, false, func(c Call, now time.Time) (Call, error) {
		if c.State == StateEnded {
			return c, over()
		}
		c.Video = video
		return c, nil
	})
}

// KeepAlive tells that the caller's device is still in the accepted call:
// it moves the call's deadline to Config.Liveness from now.
func (s *Service) KeepAlive(ctx context.Context, me hongyan.Caller, id int64) (Call, error) {
	return s.change(ctx, me, id, true, func(c Call, now time.Time) (Call, error) {
		switch c.State {
		case StateEnded:
			return c, over()
		case StateRinging:
			return c, nil
		}
		if !s.inCall(c, me) {
			return c, hongyan.Errorf(hongyan.CodeDenied, "this device is not in the call")
		}
		c.Deadline = now.Add(s.cfg.Liveness)
		return c, nil
	})
}

// inCall reports whether me's device is one of the two in the call.
func (s *Service) inCall(c Call, me hongyan.Caller) bool {
	return (me.User == c.Caller && me.Device == c.CallerDevice) || (me.User == c.Callee && me.Device == c.CalleeDevice)
}

// Signal relays g from the caller's device to the other device of the
// accepted call, live (not stored). Only the two devices in the call may
// signal.
func (s *Service) Signal(ctx context.Context, me hongyan.Caller, g Signal) error {
	if err := g.Validate(); err != nil {
		return err
	}
	if !s.signals.Allow(strconv.FormatInt(int64(me.Device), 10), s.now()) {
		return hongyan.Errorf(hongyan.CodeRateLimited, "too many call signals; try again later")
	}
	c, err := s.Get(ctx, me, g.Call)
	if err != nil {
		return err
	}
	switch {
	case c.State == StateEnded:
		return over()
	case c.State != StateActive:
		return hongyan.Errorf(hongyan.CodePrecondition, "signals flow once the call is answered")
	case !s.inCall(c, me):
		return hongyan.Errorf(hongyan.CodeDenied, "this device is not in the call")
	}
	to, dev := c.Callee, c.CalleeDevice
	if me.User == c.Callee {
		to, dev = c.Caller, c.CallerDevice
	}
	g.From = me.User
	if s.pub.Bus == nil {
		return nil
	}
	if err := s.pub.Publish(ctx, to, hongyan.Event{Kind: hongyan.EventCallSignal, From: me.User, Device: dev, Data: EncodeSignal(g)}); err != nil {
		return hongyan.Errorf(hongyan.CodeUnavailable, "the signal could not be relayed; try again")
	}
	return nil
}

// sweepBatch bounds the calls one sweep reads at a time.
const sweepBatch = 100

// Sweep ends the calls past their deadline (ringing: no answer; active:
// failed) and posts the records left unposted, and returns how many calls
// it ended. Any number of nodes may sweep at once: each call ends once.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	n := 0
	for {
		cs, err := s.store.Overdue(ctx, s.now(), sweepBatch)
		if err != nil {
			return n, err
		}
		for _, c := range cs {
			end := EndNoAnswer
			if c.State == StateActive {
				end = EndFailed
			}
			next := ended(c, end, s.now())
			changes, ok, err := s.store.Update(ctx, next, c.State, false)
			if err != nil {
				return n, err
			}
			if ok {
				n++
				s.publish(ctx, changes)
			}
		}
		if len(cs) < sweepBatch {
			break
		}
	}
	for {
		cs, err := s.store.Unrecorded(ctx, sweepBatch)
		if err != nil {
			return n, err
		}
		done := 0
		for _, c := range cs {
			if s.record(ctx, c) {
				done++
			}
		}
		if len(cs) < sweepBatch || done == 0 {
			return n, nil
		}
	}
}

// record posts c's record and notes it; it reports whether it did. A
// record that cannot be posted for good (the two are no longer friends)
// is noted too; one that failed otherwise waits for the next sweep.
func (s *Service) record(ctx context.Context, c Call) bool {
	if s.records == nil || c.Recorded {
		return false
	}
	err := s.records.PostRecord(ctx, c)
	switch hongyan.ErrorCode(err) {
	case "", hongyan.CodeDenied, hongyan.CodeNotFound, hongyan.CodeInvalid:
	default:
		return false
	}
	return s.store.MarkRecorded(ctx, c.ID) == nil
}
