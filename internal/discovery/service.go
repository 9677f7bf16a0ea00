package discovery

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Relations is what discovery asks the contact feature (node fills it).
type Relations interface {
	// Blocked reports whether either of a and b has blocked the other,
	// read now.
	Blocked(ctx context.Context, a, b hongyan.UserID) (bool, error)
	// Greet sends a friend request with greeting from from to to, by the
	// contact feature's rules (its limits, the recipient's settings).
	Greet(ctx context.Context, from, to hongyan.UserID, greeting string) error
}

// Profiles is what discovery asks the account feature (node fills it).
type Profiles interface {
	// Card returns what strangers may see of user's profile.
	Card(ctx context.Context, user hongyan.UserID) (Card, error)
}

// Voices lets bottles carry voice clips: the node fills it with the media
// feature.
type Voices interface {
	// ShareVoice checks that media id is a voice clip user may send and
	// records that user's bottles carry it, so that whoever may hear one
	// of them (CanHear) may download it; it returns the clip's length.
	ShareVoice(ctx context.Context, user hongyan.UserID, id string) (time.Duration, error)
}

// SetVoices installs the voice clips of bottles (nil: bottles carry text
// only).
func (s *Service) SetVoices(v Voices) { s.voices = v }

// Limits of the discovery rules.
const (
	MaxBottleText   = 500              // characters of a bottle or a reply
	MaxVoice        = 60 * time.Second // a bottle's voice clip
	MaxNearby       = 50               // people one nearby query returns
	maxScan         = 2000
	maxShakers      = 50
	MaxCandidates   = 8 // shakers one ShakeAndPair tries
	maxShakerPages  = 10
	maxBottleTries  = 5
	MaxBottles      = 100 // bottles one list returns
	MaxMessages     = 200 // messages of a bottle one list returns
	DefaultBottleTZ = "Asia/Shanghai"
)

// Config tunes the service.
type Config struct {
	// SpotTTL is how long a shared location stays visible.
	SpotTTL time.Duration
	// NearbyEvery: one nearby query per user per this period.
	NearbyEvery time.Duration
	// ShakeWindow: shakes this close in time are matched.
	ShakeWindow time.Duration
	// ShakesPerMinute per user.
	ShakesPerMinute int
	// BottleTTL is how long a bottle drifts.
	BottleTTL time.Duration
	// ThrowsPerDay and PicksPerDay per user; the day is Day's.
	ThrowsPerDay int
	PicksPerDay  int
	Day          *time.Location
	// RepliesPerHour per user, across bottles.
	RepliesPerHour int
	// Salt keys the jitter of distances (random when 0).
	Salt int64
	Now  func() time.Time
}

// DefaultConfig returns the limits used unless configured otherwise.
func DefaultConfig() Config {
	day, err := time.LoadLocation(DefaultBottleTZ)
	if err != nil {
		day = time.FixedZone("CST", 8*3600)
	}
	return Config{SpotTTL: time.Hour, NearbyEvery: time.Minute, ShakeWindow: 3 * time.Second, ShakesPerMinute: 20,
		BottleTTL: 7 * 24 * time.Hour, ThrowsPerDay: 20, PicksPerDay: 20, Day: day, RepliesPerHour: 100}
}

// Service implements the discovery rules. It is safe for concurrent use.
type Service struct {
	store    Store
	rel      Relations
	profiles Profiles
	pub      hongyan.Publisher
	cfg      Config
	voices   Voices
	shakes   hongyan.RateLimiter // shakes per user
	waiting  *waitingReads       // who waits to shake, read for many at once
}

// UseLimiters makes the service's rate limit of shakes with mk (a limit
// that holds across a cluster's nodes) in place of the in-memory one New
// made. Call it before the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.shakes = mk("discovery.shakes", s.shakeRate())
}

func (s *Service) shakeRate() hongyan.Rate {
	return hongyan.Rate{N: s.cfg.ShakesPerMinute, Per: time.Minute}
}

// New returns a Service; zero fields of cfg take DefaultConfig's values.
func New(store Store, rel Relations, profiles Profiles, pub hongyan.Publisher, cfg Config) *Service {
	def := DefaultConfig()
	for _, f := range []struct{ v, d *time.Duration }{{&cfg.SpotTTL, &def.SpotTTL}, {&cfg.NearbyEvery, &def.NearbyEvery},
		{&cfg.ShakeWindow, &def.ShakeWindow}, {&cfg.BottleTTL, &def.BottleTTL}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	for _, f := range []struct{ v, d *int }{{&cfg.ShakesPerMinute, &def.ShakesPerMinute}, {&cfg.ThrowsPerDay, &def.ThrowsPerDay},
		{&cfg.PicksPerDay, &def.PicksPerDay}, {&cfg.RepliesPerHour, &def.RepliesPerHour}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	if cfg.Day == nil {
		cfg.Day = def.Day
	}
	if cfg.Salt == 0 {
		cfg.Salt = rand.Int64()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	sv := &Service{store: store, rel: rel, profiles: profiles, pub: pub, cfg: cfg, waiting: &waitingReads{store: store}}
	sv.shakes = hongyan.NewLimiter(sv.shakeRate())
	return sv
}

func invalid(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeInvalid, format, args...)
}

func limited(what string) error {
	return hongyan.Errorf(hongyan.CodeRateLimited, "too many %s; try again later", what)
}

// take counts one use of what in the period of length per at now.
func (s *Service) take(ctx context.Context, user hongyan.UserID, what string, now time.Time, per time.Duration, max int) error {
	per = time.Duration(cmp.Or(per.Milliseconds(), 1)) * time.Millisecond
	ok, err := s.store.Take(ctx, user, what, now.UnixMilli()/per.Milliseconds(), max)
	if err != nil {
		return err
	}
	if !ok {
		return limited(what)
	}
	return nil
}

// today is the number of the day of now in the configured time zone.
func (s *Service) today(now time.Time) int64 {
	y, m, d := now.In(s.cfg.Day).Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

func (s *Service) takeDaily(ctx context.Context, user hongyan.UserID, what string, now time.Time, max int) error {
	ok, err := s.store.Take(ctx, user, what, s.today(now), max)
	if err != nil {
		return err
	}
	if !ok {
		return hongyan.Errorf(hongyan.CodeRateLimited, "no more %s today", what)
	}
	return nil
}

func checkPoint(p Point) error {
	if !ValidPoint(p) {
		return invalid("a location needs a latitude in [-90, 90] and a longitude in [-180, 180]")
	}
	return nil
}

// Person is someone nearby as a viewer sees them: never a position, a
// distance band in metres.
type Person struct {
	User hongyan.UserID
	Card Card
	Band int
}

// SetLocation shares the caller's location for people nearby, until
// ClearLocation or Config.SpotTTL.
func (s *Service) SetLocation(ctx context.Context, c hongyan.Caller, p Point) error {
	if err := checkPoint(p); err != nil {
		return err
	}
	card, err := s.profiles.Card(ctx, c.User)
	if err != nil {
		return err
	}
	return s.store.SetSpot(ctx, Spot{User: c.User, Point: p, Cells: Cells(p), Card: card, Updated: s.cfg.Now()})
}

// ClearLocation stops sharing the caller's location.
func (s *Service) ClearLocation(ctx context.Context, c hongyan.Caller) error {
	return s.store.ClearSpot(ctx, c.User)
}

// Nearby returns up to MaxNearby people nearby who share a location (of
// gender g unless GenderAny), nearest first, as distance bands. The caller
// must share a location; one query per Config.NearbyEvery.
func (s *Service) Nearby(ctx context.Context, c hongyan.Caller, g Gender) ([]Person, error) {
	if g < GenderAny || g > GenderFemale {
		return nil, invalid("unknown gender %d", g)
	}
	now := s.cfg.Now()
	me, err := s.store.Spot(ctx, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && me.Updated.Before(now.Add(-s.cfg.SpotTTL))) {
		return nil, hongyan.Errorf(hongyan.CodePrecondition, "share your location to see people nearby")
	}
	if err != nil {
		return nil, err
	}
	if err := s.take(ctx, c.User, "nearby queries", now, s.cfg.NearbyEvery, 1); err != nil {
		return nil, err
	}
	since := now.Add(-s.cfg.SpotTTL)
	type found struct {
		spot Spot
		d    float64
	}
	var near []found
	// Small cells first: when they hold a page of people within their
	// level's radius, no one farther can be nearer.
	for i, level := range Levels {
		spots, err := s.store.Around(ctx, c.User, Cover(me.Point, level.Radius, level.Deg), i, since, g, maxScan)
		if err != nil {
			return nil, err
		}
		near = near[:0]
		for _, sp := range spots {
			if d := Distance(me.Point, sp.Point); d <= level.Radius {
				near = append(near, found{sp, d})
			}
		}
		if len(near) >= MaxNearby {
			break
		}
	}
	slices.SortFunc(near, func(a, b found) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.spot.User, b.spot.User)) })
	// Cards are read for the few shown only.
	shown := make([]hongyan.UserID, 0, min(len(near), MaxNearby+10))
	for _, f := range near[:min(len(near), cap(shown))] {
		shown = append(shown, f.spot.User)
	}
	cards, err := s.store.Cards(ctx, shown)
	if err != nil {
		return nil, err
	}
	out := make([]Person, 0, min(len(near), MaxNearby))
	for _, f := range near {
		if len(out) == MaxNearby {
			break
		}
		blocked, err := s.rel.Blocked(ctx, c.User, f.spot.User)
		if err != nil {
			return nil, err
		}
		if blocked {
			continue
		}
		d := Jitter(f.d, s.cfg.Salt, int64(c.User), int64(f.spot.User), f.spot.Updated.UnixMilli(), me.Updated.UnixMilli())
		card, ok := cards[f.spot.User]
		if !ok {
			continue // cleared meanwhile, or beyond the cards read
		}
		out = append(out, Person{User: f.spot.User, Card: card, Band: Band(d)})
	}
	return out, nil
}

// Match is the person a shake was matched with. Band is 0 unless both
// shared a location.
type Match struct {
	User hongyan.UserID
	Card Card
	Band int
	At   time.Time
}

// Shake records that the caller shakes now (at p when located) and
// matches them with someone who shook within Config.ShakeWindow, the
// nearest first when both shared a location, else who shook first. A nil
// match means none yet: whoever shakes next in the window may match the
// caller, who learns it from a change of kind hongyan.ChangeShake and
// ShakeResult.
func (s *Service) Shake(ctx context.Context, c hongyan.Caller, p *Point) (*Match, error) {
	if p != nil {
		if err := checkPoint(*p); err != nil {
			return nil, err
		}
	}
	now := s.cfg.Now()
	if err := hongyan.Limit(ctx, s.shakes, strconv.FormatInt(int64(c.User), 10), now, limited("shakes")); err != nil {
		return nil, err
	}
	card, err := s.profiles.Card(ctx, c.User)
	if err != nil {
		return nil, err
	}
	me := Shake{User: c.User, At: now, Card: card}
	if p != nil {
		me.Point, me.Located = *p, true
	}
	since := now.Add(-s.cfg.ShakeWindow)
	dist := func(o Shake) float64 {
		if me.Located && o.Located {
			return Distance(me.Point, o.Point)
		}
		return 1e12
	}
	// Who waits is read first (one read for the shakes that ask at
	// once), and those the caller may meet (no block either way) are
	// handed to one write that records the caller's shake and pairs it
	// with the first of them still waiting.
	others, _, err := s.waiting.read(ctx, c.User, since)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(others, func(a, b Shake) int { return cmp.Compare(dist(a), dist(b)) })
	var cands []hongyan.UserID
	byUser := map[hongyan.UserID]Shake{}
	for _, o := range others {
		if len(cands) == MaxCandidates {
			break
		}
		blocked, err := s.rel.Blocked(ctx, c.User, o.User)
		if err != nil {
			return nil, err
		}
		if !blocked {
			cands = append(cands, o.User)
			byUser[o.User] = o
		}
	}
	other, changes, err := s.store.ShakeAndPair(ctx, me, cands, since)
	if err != nil {
		return nil, err
	}
	if other != 0 {
		s.pub.PublishChanges(ctx, changes)
		return s.match(me, byUser[other]), nil
	}
	// None of them waited any more. Whoever started waiting since that
	// read is looked for now that the caller's shake is recorded: of two
	// who shake at once, the later to look finds the other, and Pair
	// lets only one pairing win. A full page whose shakers were all
	// matched meanwhile is read again: those matched have left it, and
	// one who waits beyond it must not be missed.
	tried := map[hongyan.UserID]bool{}
	for _, u := range cands {
		tried[u] = true
	}
	for range maxShakerPages {
		// A read that starts after this shake was committed.
		others, full, err := s.waiting.read(ctx, c.User, since)
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(others, func(a, b Shake) int { return cmp.Compare(dist(a), dist(b)) })
		fresh := 0
		for _, o := range others {
			if tried[o.User] {
				continue
			}
			tried[o.User] = true
			fresh++
			blocked, err := s.rel.Blocked(ctx, c.User, o.User)
			if err != nil {
				return nil, err
			}
			if blocked {
				continue
			}
			changes, ok, matched, err := s.store.Pair(ctx, c.User, o.User, since)
			if err != nil {
				return nil, err
			}
			if ok {
				s.pub.PublishChanges(ctx, changes)
				return s.match(me, o), nil
			}
			if matched != 0 {
				// Someone matched me meanwhile.
				mine := me
				mine.Match = matched
				return s.resultOf(ctx, c, mine)
			}
		}
		if !full || fresh == 0 {
			break
		}
	}
	return nil, nil
}

func (s *Service) match(me, o Shake) *Match {
	m := &Match{User: o.User, Card: o.Card, At: o.At}
	if me.Located && o.Located {
		m.Band = Band(Jitter(Distance(me.Point, o.Point), s.cfg.Salt, int64(min(me.User, o.User)), int64(max(me.User, o.User)), o.At.UnixMilli()))
	}
	return m
}

// ShakeResult returns whom the caller's latest shake matched (nil: none,
// or the shake is older than a minute).
func (s *Service) ShakeResult(ctx context.Context, c hongyan.Caller) (*Match, error) {
	me, err := s.store.ShakeOf(ctx, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.resultOf(ctx, c, me)
}

// resultOf is ShakeResult given the caller's latest shake, me.
func (s *Service) resultOf(ctx context.Context, c hongyan.Caller, me Shake) (*Match, error) {
	if me.Match == 0 || me.At.Before(s.cfg.Now().Add(-time.Minute)) {
		return nil, nil
	}
	o, err := s.waiting.shakeOf(ctx, me.Match)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if o.Match != c.User {
		return nil, nil // they shook again since
	}
	return s.match(me, o), nil
}

// ShakeWindow is the configured window of shakes.
func (s *Service) ShakeWindow() time.Duration { return s.cfg.ShakeWindow }

// View is a bottle as one of its two people sees it: anonymous, never the
// other's user ID.
type View struct {
	ID       int64
	Mine     bool // the viewer threw it
	Text     string
	Voice    string // the media ID of its voice clip (empty: none)
	VoiceMS  int
	Created  time.Time
	Expires  time.Time
	Replied  bool
	Messages []MessageView
}

// MessageView is a message of a bottle's conversation as one of the two
// sees it.
type MessageView struct {
	ID      int64
	Mine    bool
	Text    string
	Created time.Time
}

func checkBottleText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", invalid("a bottle needs text")
	}
	if err := hongyan.ValidText("text", text, MaxBottleText); err != nil {
		return "", err
	}
	return text, nil
}

// Throw throws a bottle with text into the sea; it drifts for
// Config.BottleTTL.
func (s *Service) Throw(ctx context.Context, c hongyan.Caller, text string) (View, error) {
	return s.ThrowVoice(ctx, c, text, "")
}

// ThrowVoice throws a bottle that carries voice, one of the caller's
// uploaded voice clips (at most MaxVoice long), and text, which may then
// be empty; with no voice it is Throw.
func (s *Service) ThrowVoice(ctx context.Context, c hongyan.Caller, text, voice string) (View, error) {
	b := Bottle{Thrower: c.User, Voice: voice}
	var err error
	if voice == "" {
		if b.Text, err = checkBottleText(text); err != nil {
			return View{}, err
		}
	} else {
		if b.Text = strings.TrimSpace(text); b.Text != "" {
			if err := hongyan.ValidText("text", b.Text, MaxBottleText); err != nil {
				return View{}, err
			}
		}
		if len(voice) > 128 {
			return View{}, invalid("a voice clip's media ID is at most 128 bytes")
		}
		if s.voices == nil {
			return View{}, invalid("this server keeps no media")
		}
	}
	now := s.cfg.Now()
	if err := s.takeDaily(ctx, c.User, "bottles thrown", now, s.cfg.ThrowsPerDay); err != nil {
		return View{}, err
	}
	if voice != "" {
		// Shared before the bottle exists: a bottle is never without its
		// clip, and a clip shared for a bottle that failed is heard by
		// nobody (CanHear asks for a bottle that carries it).
		d, err := s.voices.ShareVoice(ctx, c.User, voice)
		if err != nil {
			return View{}, err
		}
		if d <= 0 || d > MaxVoice {
			return View{}, invalid("a bottle's voice clip lasts up to %v", MaxVoice)
		}
		b.VoiceMS = int(d.Milliseconds())
	}
	b.Created, b.Expires = now, now.Add(s.cfg.BottleTTL)
	if b, err = s.store.Throw(ctx, b); err != nil {
		return View{}, err
	}
	return view(c.User, b, nil), nil
}

// CanHear reports whether user may download voice clip voice shared by
// thrower for bottles (the media feature asks): the thrower, or the one
// who holds a bottle of theirs that carries it and has not blocked them
// nor been blocked.
func (s *Service) CanHear(ctx context.Context, user, thrower hongyan.UserID, voice string) (bool, error) {
	ok, err := s.store.CanHear(ctx, thrower, user, voice)
	if err != nil || !ok || user == thrower {
		return ok, err
	}
	blocked, err := s.rel.Blocked(ctx, user, thrower)
	return !blocked, err
}

func view(me hongyan.UserID, b Bottle, ms []BottleMessage) View {
	v := View{ID: b.ID, Mine: b.Thrower == me, Text: b.Text, Voice: b.Voice, VoiceMS: b.VoiceMS, Created: b.Created, Expires: b.Expires, Replied: b.Replied}
	for _, m := range ms {
		v.Messages = append(v.Messages, MessageView{ID: m.ID, Mine: m.FromThrower == v.Mine, Text: m.Text, Created: m.Created})
	}
	return v
}

// Pick picks up a random bottle for the caller: not theirs, not expired,
// not held by anyone, not one they threw back, not from someone either
// has blocked. nil when the sea is empty. Config.PicksPerDay a day.
func (s *Service) Pick(ctx context.Context, c hongyan.Caller) (*View, error) {
	now := s.cfg.Now()
	if err := s.takeDaily(ctx, c.User, "bottles picked", now, s.cfg.PicksPerDay); err != nil {
		return nil, err
	}
	for range maxBottleTries {
		b, err := s.store.Pick(ctx, c.User, now)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		blocked, err := s.rel.Blocked(ctx, c.User, b.Thrower)
		if err != nil {
			return nil, err
		}
		if !blocked {
			v := view(c.User, b, nil)
			return &v, nil
		}
		if err := s.store.Return(ctx, c.User, b.ID); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// bottle returns bottle id if the caller is one of its two people (the
// thrower, or the picker holding it); not found otherwise.
func (s *Service) bottle(ctx context.Context, me hongyan.UserID, id int64) (Bottle, error) {
	b, err := s.store.Bottle(ctx, id)
	if err != nil {
		return Bottle{}, err
	}
	if b.Thrower != me && b.Picker != me {
		return Bottle{}, hongyan.Errorf(hongyan.CodeNotFound, "no such bottle")
	}
	return b, nil
}

// Reply answers bottle id: the picker starts a conversation with its
// thrower, and then either writes to the other, both anonymous.
func (s *Service) Reply(ctx context.Context, c hongyan.Caller, id int64, text string) (MessageView, error) {
	text, err := checkBottleText(text)
	if err != nil {
		return MessageView{}, err
	}
	b, err := s.bottle(ctx, c.User, id)
	if err != nil {
		return MessageView{}, err
	}
	fromThrower := b.Thrower == c.User
	if fromThrower && (!b.Replied || b.Picker == 0) {
		return MessageView{}, hongyan.Errorf(hongyan.CodePrecondition, "no one has answered this bottle yet")
	}
	other := b.Picker
	if !fromThrower {
		other = b.Thrower
	}
	blocked, err := s.rel.Blocked(ctx, c.User, other)
	if err != nil {
		return MessageView{}, err
	}
	if blocked {
		return MessageView{}, hongyan.Errorf(hongyan.CodeDenied, "you cannot write to this person")
	}
	now := s.cfg.Now()
	if err := s.take(ctx, c.User, "bottle replies", now, time.Hour, s.cfg.RepliesPerHour); err != nil {
		return MessageView{}, err
	}
	m, changes, err := s.store.AddMessage(ctx, BottleMessage{Bottle: id, FromThrower: fromThrower, Text: text, Created: now},
		[]hongyan.UserID{c.User, other})
	if err != nil {
		return MessageView{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return MessageView{ID: m.ID, Mine: true, Text: m.Text, Created: m.Created}, nil
}

// Greet asks the other person of an answered bottle to be friends: the
// way out of anonymity. The request shows who sent it, so only the one who
// chooses to greet is revealed; accepting reveals the other.
func (s *Service) Greet(ctx context.Context, c hongyan.Caller, id int64, greeting string) error {
	b, err := s.bottle(ctx, c.User, id)
	if err != nil {
		return err
	}
	if !b.Replied || b.Picker == 0 {
		return hongyan.Errorf(hongyan.CodePrecondition, "a bottle's people can add each other once it was answered")
	}
	other := b.Picker
	if other == c.User {
		other = b.Thrower
	}
	blocked, err := s.rel.Blocked(ctx, c.User, other)
	if err != nil {
		return err
	}
	if blocked {
		return hongyan.Errorf(hongyan.CodeDenied, "you cannot add this person")
	}
	return s.rel.Greet(ctx, c.User, other, greeting)
}

// Return throws back the bottle the caller picked and has not answered.
func (s *Service) Return(ctx context.Context, c hongyan.Caller, id int64) error {
	b, err := s.bottle(ctx, c.User, id)
	if err != nil {
		return err
	}
	if b.Picker != c.User {
		return hongyan.Errorf(hongyan.CodePrecondition, "only a picked bottle can be thrown back")
	}
	if b.Replied {
		return hongyan.Errorf(hongyan.CodePrecondition, "an answered bottle cannot be thrown back")
	}
	return s.store.Return(ctx, c.User, id)
}

// Bottles returns the caller's bottles (thrown, or picked and held), newest
// first, with their conversations.
func (s *Service) Bottles(ctx context.Context, c hongyan.Caller) ([]View, error) {
	bs, err := s.store.BottlesOf(ctx, c.User, MaxBottles)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(bs))
	for _, b := range bs {
		var ms []BottleMessage
		if b.Replied {
			if ms, err = s.store.Messages(ctx, b.ID, MaxMessages); err != nil {
				return nil, err
			}
		}
		out = append(out, view(c.User, b, ms))
	}
	return out, nil
}

// Get returns bottle id as the caller sees it.
func (s *Service) Get(ctx context.Context, c hongyan.Caller, id int64) (View, error) {
	b, err := s.bottle(ctx, c.User, id)
	if err != nil {
		return View{}, err
	}
	ms, err := s.store.Messages(ctx, id, MaxMessages)
	if err != nil {
		return View{}, err
	}
	return view(c.User, b, ms), nil
}

// Prune removes expired spots, old shakes and expired unanswered bottles.
func (s *Service) Prune(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	a, err := s.store.PruneSpots(ctx, now.Add(-s.cfg.SpotTTL))
	if err != nil {
		return a, err
	}
	b, err := s.store.PruneShakes(ctx, now.Add(-time.Hour))
	if err != nil {
		return a + b, err
	}
	n, err := s.store.PruneBottles(ctx, now)
	return a + b + n, err
}
