package moments

import (
	"context"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Friend is one of a user's friends, with the tags the user gave them.
type Friend struct {
	User hongyan.UserID
	Tags []string
}

// Relations is what Moments asks the contact feature (node fills it).
// Friends are people who hold each other as contacts with no block either
// way; both answers are read at the time of asking, so that deleting or
// blocking someone takes effect at once.
type Relations interface {
	// Friends returns user's friends.
	Friends(ctx context.Context, user hongyan.UserID) ([]Friend, error)
	// Friendship reports whether a and b are friends, and whether either
	// has blocked the other.
	Friendship(ctx context.Context, a, b hongyan.UserID) (friends, blocked bool, err error)
}

// Files is what Moments asks the media feature (node fills it).
type Files interface {
	// Share checks that user may read media id and records that post
	// shows it, so that whoever may see the post may download it.
	Share(ctx context.Context, user hongyan.UserID, id string, post int64) (Media, error)
	// ShareCover checks that media id is an image user may use and
	// records that user's cover shows it, so that whoever may see the
	// cover (CanSeeCover) may download it.
	ShareCover(ctx context.Context, user hongyan.UserID, id string) error
}

// Limits of the Moments rules.
const (
	MaxText      = 2000 // characters of a post
	MaxComment   = 500  // characters of a comment
	MaxImages    = 9
	MaxVideoMS   = 15000
	MaxLocation  = 100
	MaxLinkTitle = 200
	MaxURL       = 2048
	MaxMentions  = 20
	MaxTags      = 20
	MaxTag       = 20
	MaxPeople    = 5000
	MaxPage      = 50
	// MaxHidesAtOnce bounds the people one settings change names.
	MaxHidesAtOnce = 100
	StrangerPosts  = 10  // what strangers may see, when allowed
	MaxQuery       = 100 // characters of a search
	// feedScan bounds the inbox rows one feed page reads when most are
	// filtered out; the page then ends early with a cursor to go on from.
	feedScan = 1000
)

// Config tunes the service.
type Config struct {
	PostRate  hongyan.Rate // posts per user
	ReactRate hongyan.Rate // likes and comments per user
	// FanoutLimit: a post of an author with more friends than this is not
	// copied into inboxes (0: the default, DefaultFanoutLimit; negative:
	// never fan out).
	FanoutLimit int
	Now         func() time.Time
}

// DefaultFanoutLimit is where fanning a post out to inboxes stops paying:
// measured in docs/architecture.md ("Moments timelines").
const DefaultFanoutLimit = 200

// DefaultConfig returns the limits used unless configured otherwise.
func DefaultConfig() Config {
	return Config{
		PostRate:  hongyan.Rate{N: 100, Per: time.Hour},
		ReactRate: hongyan.Rate{N: 600, Per: time.Hour},
	}
}

// Service implements the Moments rules. It is safe for concurrent use.
type Service struct {
	store  Store
	rel    Relations
	files  Files
	pub    hongyan.Publisher
	now    func() time.Time
	posts  hongyan.RateLimiter
	reacts hongyan.RateLimiter
	// rates are the limits' rates, for UseLimiters.
	postRate, reactRate hongyan.Rate
	fanout              int

	mu   sync.Mutex
	last int64 // the last post ID this node chose
}

// New returns a Service. files may be nil: then posts cannot show media.
func New(store Store, rel Relations, files Files, pub hongyan.Publisher, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FanoutLimit == 0 {
		cfg.FanoutLimit = DefaultFanoutLimit
	}
	return &Service{store: store, rel: rel, files: files, pub: pub, now: cfg.Now, fanout: cfg.FanoutLimit,
		posts: hongyan.NewLimiter(cfg.PostRate), reacts: hongyan.NewLimiter(cfg.ReactRate), postRate: cfg.PostRate, reactRate: cfg.ReactRate}
}

// UseLimiters makes the service's rate limiters with mk (limits that hold
// across a cluster's nodes) in place of the in-memory ones New made. Call
// it before the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.posts = mk("moments.posts", s.postRate)
	s.reacts = mk("moments.reacts", s.reactRate)
}

// Draft is a post to be made.
type Draft struct {
	Text      string
	Media     []string // media IDs: up to 9 images, or one video
	Link      string
	LinkTitle string
	Location  string
	Mentions  []hongyan.UserID
	// Visibility; for VisibleOnly and VisibleExcept, the chosen tags (of
	// the author's contacts) and people.
	Visibility Visibility
	Tags       []string
	People     []hongyan.UserID
}

func invalid(format string, args ...any) error {
	return hongyan.Errorf(hongyan.CodeInvalid, format, args...)
}

// Post makes a post and fans it out to the inbox of everyone allowed to
// see it; mentioned friends are notified.
func (s *Service) Post(ctx context.Context, c hongyan.Caller, d Draft) (Post, error) {
	if err := checkDraft(&d); err != nil {
		return Post{}, err
	}
	now := s.now()
	if err := hongyan.Limit(ctx, s.posts, strconv.FormatInt(int64(c.User), 10), now, hongyan.Errorf(hongyan.CodeRateLimited, "too many posts; try again later")); err != nil {
		return Post{}, err
	}
	friends, err := s.rel.Friends(ctx, c.User)
	if err != nil {
		return Post{}, err
	}
	set, err := s.store.Settings(ctx, c.User)
	if err != nil {
		return Post{}, err
	}
	p := Post{Author: c.User, Text: d.Text, Location: d.Location, Mentions: d.Mentions,
		Visibility: d.Visibility, Tags: d.Tags, People: d.People, Created: now}
	if d.Link != "" {
		p.Link = &Link{URL: d.Link, Title: d.LinkTitle}
	}
	// The audience: chosen people must be friends; tags choose the
	// friends that carry them.
	isFriend := make(map[hongyan.UserID]bool, len(friends))
	for _, f := range friends {
		isFriend[f.User] = true
	}
	for _, u := range d.People {
		if !isFriend[u] {
			return Post{}, invalid("user %d is not your friend", u)
		}
	}
	if d.Visibility == VisibleOnly || d.Visibility == VisibleExcept {
		for _, f := range friends {
			if slices.Contains(d.People, f.User) || anyTag(f.Tags, d.Tags) {
				p.Audience = append(p.Audience, f.User)
			}
		}
		slices.Sort(p.Audience)
	}
	hidden := set.HideMineFrom
	inbox := []hongyan.UserID{c.User}
	for _, f := range friends {
		if allowed(p, f.User) && !slices.Contains(hidden, f.User) {
			inbox = append(inbox, f.User)
		}
	}
	var notes []Notification
	for _, u := range d.Mentions {
		if u == c.User || !slices.Contains(inbox, u) {
			return Post{}, invalid("you can mention only friends who may see the post")
		}
		notes = append(notes, Notification{Owner: u, Kind: NotifyMention, Actor: c.User, Created: now})
	}
	p.ID = s.nextID(now)
	p.Fanout = len(friends) <= s.fanout
	for _, id := range d.Media {
		if s.files == nil {
			return Post{}, invalid("this server keeps no media")
		}
		m, err := s.files.Share(ctx, c.User, id, p.ID)
		if err != nil {
			return Post{}, err
		}
		p.Media = append(p.Media, m)
	}
	if err := checkMedia(p.Media); err != nil {
		return Post{}, err
	}
	var changes []hongyan.Change
	for try := 0; ; try++ {
		changes, err = s.store.CreatePost(ctx, p, inbox, notes)
		if hongyan.ErrorCode(err) != hongyan.CodeExists || try == 3 {
			break
		}
		// Another node chose the same ID in the same millisecond.
		p.ID = s.nextID(now)
		for _, m := range p.Media {
			if _, err := s.files.Share(ctx, c.User, m.ID, p.ID); err != nil {
				return Post{}, err
			}
		}
	}
	if err != nil {
		return Post{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return p, nil
}

// nextID returns a new post ID: the time in milliseconds, shifted, with
// random low bits (so that nodes rarely choose the same), and above any
// this node chose before. IDs stay below 2^53 for JSON clients.
func (s *Service) nextID(now time.Time) int64 {
	id := now.UnixMilli()<<10 | rand.Int64N(1<<10)
	s.mu.Lock()
	defer s.mu.Unlock()
	if id <= s.last {
		id = s.last + 1
	}
	s.last = id
	return id
}

func checkDraft(d *Draft) error {
	if err := hongyan.ValidText("text", d.Text, MaxText); err != nil {
		return err
	}
	if err := hongyan.ValidText("location", d.Location, MaxLocation); err != nil {
		return err
	}
	if err := hongyan.ValidText("link title", d.LinkTitle, MaxLinkTitle); err != nil {
		return err
	}
	if len(d.Media) > MaxImages {
		return hongyan.Errorf(hongyan.CodeTooLarge, "at most %d images", MaxImages)
	}
	if len(d.Media) > 0 && d.Link != "" {
		return invalid("a post shows images, a video or a link, not both")
	}
	for i, id := range d.Media {
		if id == "" || len(id) > 128 || slices.Contains(d.Media[:i], id) {
			return invalid("media IDs must be distinct and non-empty")
		}
	}
	if d.Link != "" {
		u, err := url.Parse(d.Link)
		if err != nil || len(d.Link) > MaxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalid("a link needs an http or https URL of at most %d bytes", MaxURL)
		}
	}
	if strings.TrimSpace(d.Text) == "" && len(d.Media) == 0 && d.Link == "" {
		return invalid("an empty post")
	}
	if len(d.Mentions) > MaxMentions {
		return hongyan.Errorf(hongyan.CodeTooLarge, "at most %d mentions", MaxMentions)
	}
	var err error
	if d.Mentions, err = cleanUsers(d.Mentions); err != nil {
		return err
	}
	if len(d.People) > MaxPeople || len(d.Tags) > MaxTags {
		return hongyan.Errorf(hongyan.CodeTooLarge, "at most %d people and %d tags", MaxPeople, MaxTags)
	}
	if d.People, err = cleanUsers(d.People); err != nil {
		return err
	}
	for _, t := range d.Tags {
		if err := hongyan.ValidText("tag", t, MaxTag); err != nil {
			return err
		}
		if strings.TrimSpace(t) == "" {
			return invalid("empty tag")
		}
	}
	switch d.Visibility {
	case VisibleAll, VisiblePrivate:
		if len(d.Tags)+len(d.People) > 0 {
			return invalid("tags and people are chosen only for 'only' and 'except'")
		}
	case VisibleOnly, VisibleExcept:
		if len(d.Tags)+len(d.People) == 0 {
			return invalid("choose the tags or people the post is for (or not for)")
		}
	default:
		return invalid("unknown visibility %d", d.Visibility)
	}
	return nil
}

// checkMedia checks what the media feature described: images only, or
// one video of at most 15 seconds.
func checkMedia(ms []Media) error {
	for _, m := range ms {
		if m.Video && len(ms) > 1 {
			return invalid("a post shows one video, or images")
		}
		if m.Video && m.DurationMS > MaxVideoMS {
			return hongyan.Errorf(hongyan.CodeTooLarge, "a video is at most %d seconds", MaxVideoMS/1000)
		}
		if !m.Video && !strings.HasPrefix(m.Type, "image/") {
			return invalid("a post shows images or a video")
		}
	}
	return nil
}

// cleanUsers rejects invalid IDs and drops repeats, keeping order.
func cleanUsers(us []hongyan.UserID) ([]hongyan.UserID, error) {
	var out []hongyan.UserID
	for _, u := range us {
		if u <= 0 {
			return nil, invalid("invalid user ID %d", u)
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

func anyTag(have, want []string) bool {
	for _, t := range want {
		if slices.Contains(have, t) {
			return true
		}
	}
	return false
}

// allowed reports whether the post's visibility lets viewer (not its
// author) see it.
func allowed(p Post, viewer hongyan.UserID) bool {
	switch p.Visibility {
	case VisibleAll:
		return true
	case VisibleOnly:
		_, ok := slices.BinarySearch(p.Audience, viewer)
		return ok
	case VisibleExcept:
		_, ok := slices.BinarySearch(p.Audience, viewer)
		return !ok
	}
	return false
}

// lens is what one viewer's reads are checked against, read once per
// request: the viewer's friends now, whom they chose not to see, who hides
// from them, and the authors' ranges.
type lens struct {
	viewer     hongyan.UserID
	now        time.Time
	friends    map[hongyan.UserID]bool
	hideTheirs map[hongyan.UserID]bool
	hidingFrom map[hongyan.UserID]bool
	ranges     map[hongyan.UserID]Settings
}

func (s *Service) lens(ctx context.Context, viewer hongyan.UserID, feed bool) (*lens, error) {
	fs, err := s.rel.Friends(ctx, viewer)
	if err != nil {
		return nil, err
	}
	l := &lens{viewer: viewer, now: s.now(), friends: make(map[hongyan.UserID]bool, len(fs)),
		hideTheirs: map[hongyan.UserID]bool{}, hidingFrom: map[hongyan.UserID]bool{}, ranges: map[hongyan.UserID]Settings{}}
	for _, f := range fs {
		l.friends[f.User] = true
	}
	hiding, err := s.store.HidingFrom(ctx, viewer)
	if err != nil {
		return nil, err
	}
	for _, u := range hiding {
		l.hidingFrom[u] = true
	}
	if feed {
		set, err := s.store.Settings(ctx, viewer)
		if err != nil {
			return nil, err
		}
		for _, u := range set.HideTheirs {
			l.hideTheirs[u] = true
		}
	}
	return l, nil
}

// loadRanges reads the ranges of the authors of ps not read yet.
func (s *Service) loadRanges(ctx context.Context, l *lens, ps []Post) error {
	var need []hongyan.UserID
	for _, p := range ps {
		if _, ok := l.ranges[p.Author]; !ok && p.Author != l.viewer && !slices.Contains(need, p.Author) {
			need = append(need, p.Author)
		}
	}
	if len(need) == 0 {
		return nil
	}
	got, err := s.store.Ranges(ctx, need)
	if err != nil {
		return err
	}
	for _, u := range need {
		l.ranges[u] = got[u] // the defaults when never set
	}
	return nil
}

// friendSees reports whether the lens's viewer sees p as a friend of its
// author (or as its author). inFeed applies "don't see theirs".
func (l *lens) friendSees(p Post, inFeed bool) bool {
	if p.Author == l.viewer {
		return true
	}
	a := p.Author
	if !l.friends[a] || l.hidingFrom[a] || (inFeed && l.hideTheirs[a]) || !allowed(p, l.viewer) {
		return false
	}
	return !p.Created.Before(l.ranges[a].FriendsRange.Since(l.now))
}

// visibleActor reports THE RULE: whether the viewer sees what u did on p.
func (l *lens) visibleActor(p Post, u hongyan.UserID) bool {
	return l.viewer == p.Author || u == l.viewer || u == p.Author || l.friends[u]
}

// views attaches to each post the likes and comments the viewer may see.
func (s *Service) views(ctx context.Context, l *lens, ps []Post) ([]View, error) {
	out := make([]View, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	ids := make([]int64, len(ps))
	at := make(map[int64]int, len(ps))
	for i, p := range ps {
		ids[i], at[p.ID] = p.ID, i
		out[i].Post = p
		if p.Author != l.viewer {
			out[i].Post.Tags, out[i].Post.People, out[i].Post.Audience = nil, nil, nil
		}
	}
	likes, comments, err := s.store.Reactions(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, x := range likes {
		if i, ok := at[x.Post]; ok && l.visibleActor(ps[i], x.User) {
			out[i].Likes = append(out[i].Likes, x)
		}
	}
	for _, x := range comments {
		i, ok := at[x.Post]
		if ok && l.visibleActor(ps[i], x.Author) && (x.ReplyTo == 0 || l.visibleActor(ps[i], x.ReplyUser)) {
			out[i].Comments = append(out[i].Comments, x)
		}
	}
	return out, nil
}

func pageLimit(limit int) int {
	if limit <= 0 || limit > MaxPage {
		return 20
	}
	return limit
}

// Feed returns a page of the caller's timeline: posts of the caller and
// their friends that the caller may see, newest first, with ID below
// before (0: from the newest). next is where the next page starts (0: no
// more).
func (s *Service) Feed(ctx context.Context, c hongyan.Caller, before int64, limit int) (views []View, next int64, err error) {
	if before < 0 {
		return nil, 0, invalid("before must not be negative")
	}
	limit = pageLimit(limit)
	l, err := s.lens(ctx, c.User, true)
	if err != nil {
		return nil, 0, err
	}
	// Friends' posts that were not fanned out are read from the posts of
	// those friends (and the caller's own).
	authors := []hongyan.UserID{c.User}
	for f := range l.friends {
		if !l.hideTheirs[f] && !l.hidingFrom[f] {
			authors = append(authors, f)
		}
	}
	slices.Sort(authors)
	var out []Post
	cursor, scanned := before, 0
	for len(out) < limit {
		batch := max(2*(limit-len(out)), 20)
		ps, err := s.store.Inbox(ctx, c.User, cursor, batch)
		if err != nil {
			return nil, 0, err
		}
		us, err := s.store.Unfanned(ctx, authors, cursor, batch)
		if err != nil {
			return nil, 0, err
		}
		exhausted := len(ps) < batch && len(us) < batch
		ps = mergeDesc(ps, us)
		if len(ps) > batch {
			ps, exhausted = ps[:batch], false
		}
		if err := s.loadRanges(ctx, l, ps); err != nil {
			return nil, 0, err
		}
		for _, p := range ps {
			cursor = p.ID
			if l.friendSees(p, true) {
				out = append(out, p)
				if len(out) == limit {
					break
				}
			}
		}
		scanned += len(ps)
		if exhausted {
			cursor = 0
			break
		}
		if scanned >= feedScan {
			break
		}
	}
	if len(out) == limit {
		cursor = out[len(out)-1].ID
	}
	vs, err := s.views(ctx, l, out)
	return vs, cursor, err
}

// mergeDesc merges two lists of posts, newest first, into one, dropping
// repeats.
func mergeDesc(a, b []Post) []Post {
	if len(b) == 0 {
		return a
	}
	out := make([]Post, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var p Post
		switch {
		case j == len(b) || (i < len(a) && a[i].ID > b[j].ID):
			p, i = a[i], i+1
		case i == len(a) || b[j].ID > a[i].ID:
			p, j = b[j], j+1
		default:
			p, i, j = a[i], i+1, j+1
		}
		out = append(out, p)
	}
	return out
}

// Album returns a page of author's posts as the caller may see them:
// all of their own; as a friend, those the post's visibility, the author's
// range and per-person settings allow; as a stranger, the latest 10 posts
// visible to all friends if the author allows it; nothing to a blocked
// person (either way).
func (s *Service) Album(ctx context.Context, c hongyan.Caller, author hongyan.UserID, before int64, limit int) (views []View, next int64, err error) {
	views, err = s.album(ctx, c, author, before, limit)
	if err == nil && len(views) == pageLimit(limit) {
		next = views[len(views)-1].Post.ID
	}
	return views, next, err
}

func (s *Service) album(ctx context.Context, c hongyan.Caller, author hongyan.UserID, before int64, limit int) ([]View, error) {
	if before < 0 || author <= 0 {
		return nil, invalid("invalid author or before")
	}
	limit = pageLimit(limit)
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return nil, err
	}
	if author == c.User {
		ps, err := s.store.ByAuthor(ctx, author, before, limit, false)
		if err != nil {
			return nil, err
		}
		return s.views(ctx, l, ps)
	}
	ok, friend, set, err := s.mayLook(ctx, l, author)
	if err != nil || !ok {
		return []View{}, err
	}
	since := set.FriendsRange.Since(l.now)
	var out []Post
	if !friend {
		ps, err := s.store.ByAuthor(ctx, author, 0, StrangerPosts, true)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if (before == 0 || p.ID < before) && !p.Created.Before(since) && len(out) < limit {
				out = append(out, p)
			}
		}
		return s.views(ctx, l, out)
	}
	cursor := before
	for scanned := 0; len(out) < limit && scanned < feedScan; {
		batch := max(2*(limit-len(out)), 20)
		ps, err := s.store.ByAuthor(ctx, author, cursor, batch, false)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			cursor = p.ID
			if p.Created.Before(since) {
				return s.views(ctx, l, out)
			}
			if l.friendSees(p, false) && len(out) < limit {
				out = append(out, p)
			}
		}
		scanned += len(ps)
		if len(ps) < batch {
			break
		}
	}
	return s.views(ctx, l, out)
}

// Search returns a page of the posts whose text contains query (letters
// in either case) that the caller may see, newest first below ID before (0:
// from the newest), and where the next page starts (0: no more). It
// searches the caller's own posts and their friends' only, and a friend's
// post only as the album and the feed would show it (visibility, "don't
// let them see", the friends' range; blocked and removed friends are not
// friends); strangers' posts are never searched. Likes and comments follow
// THE RULE, as on every path.
func (s *Service) Search(ctx context.Context, c hongyan.Caller, query string, before int64, limit int) ([]View, int64, error) {
	query = strings.TrimSpace(query)
	if query == "" || utf8.RuneCountInString(query) > MaxQuery {
		return nil, 0, invalid("a search is 1 to %d characters", MaxQuery)
	}
	if before < 0 {
		return nil, 0, invalid("before must not be negative")
	}
	limit = pageLimit(limit)
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return nil, 0, err
	}
	authors := []hongyan.UserID{c.User}
	for f := range l.friends {
		if !l.hidingFrom[f] {
			authors = append(authors, f)
		}
	}
	var out []Post
	cursor, exhausted := before, false
scan:
	for scanned := 0; len(out) < limit; {
		if scanned >= feedScan {
			break // the page ends early; the next one goes on from cursor
		}
		batch := max(2*(limit-len(out)), 20)
		ps, err := s.store.Search(ctx, authors, query, cursor, batch)
		if err != nil {
			return nil, 0, err
		}
		if err := s.loadRanges(ctx, l, ps); err != nil {
			return nil, 0, err
		}
		for _, p := range ps {
			cursor = p.ID
			if l.friendSees(p, false) {
				out = append(out, p)
				if len(out) == limit {
					break scan
				}
			}
		}
		scanned += len(ps)
		if len(ps) < batch {
			exhausted = true
			break
		}
	}
	views, err := s.views(ctx, l, out)
	if err != nil || exhausted {
		return views, 0, err
	}
	return views, cursor, nil
}

// mayLook reports whether the lens's viewer may look at author's posts at
// all (not blocked either way, not hidden from), whether as a friend, and
// the author's settings (their range set in the lens).
func (s *Service) mayLook(ctx context.Context, l *lens, author hongyan.UserID) (ok, friend bool, set Settings, err error) {
	friend, blocked, err := s.rel.Friendship(ctx, l.viewer, author)
	if err != nil || blocked {
		return false, false, Settings{}, err
	}
	if set, err = s.store.Settings(ctx, author); err != nil {
		return false, false, Settings{}, err
	}
	if slices.Contains(set.HideMineFrom, l.viewer) {
		return false, false, Settings{}, nil
	}
	l.ranges[author] = Settings{StrangersSee10: set.StrangersSee10, FriendsRange: set.FriendsRange}
	if !friend {
		delete(l.friends, author)
		return set.StrangersSee10, false, set, nil
	}
	l.friends[author] = true
	return true, true, set, nil
}

var errNoPost = hongyan.Errorf(hongyan.CodeNotFound, "no such post")

// see returns post id if the lens's viewer may see it (not_found
// otherwise); friendOnly refuses strangers (who may look, not react).
func (s *Service) see(ctx context.Context, l *lens, id int64, friendOnly bool) (Post, error) {
	if id <= 0 {
		return Post{}, errNoPost
	}
	p, err := s.store.Post(ctx, id)
	if err != nil {
		return Post{}, err
	}
	if p.Author == l.viewer {
		return p, nil
	}
	ok, friend, set, err := s.mayLook(ctx, l, p.Author)
	if err != nil {
		return Post{}, err
	}
	switch {
	case !ok:
		return Post{}, errNoPost
	case friend:
		if l.friendSees(p, false) {
			return p, nil
		}
		return Post{}, errNoPost
	case friendOnly:
		return Post{}, errNoPost
	}
	if p.Visibility != VisibleAll || p.Created.Before(set.FriendsRange.Since(l.now)) {
		return Post{}, errNoPost
	}
	latest, err := s.store.ByAuthor(ctx, p.Author, 0, StrangerPosts, true)
	if err != nil {
		return Post{}, err
	}
	for _, q := range latest {
		if q.ID == p.ID {
			return p, nil
		}
	}
	return Post{}, errNoPost
}

// Get returns one post as the caller may see it.
func (s *Service) Get(ctx context.Context, c hongyan.Caller, id int64) (View, error) {
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return View{}, err
	}
	p, err := s.see(ctx, l, id, false)
	if err != nil {
		return View{}, err
	}
	vs, err := s.views(ctx, l, []Post{p})
	if err != nil {
		return View{}, err
	}
	return vs[0], nil
}

// CanSee reports whether user may see post (the media feature asks it
// before serving a post's images).
func (s *Service) CanSee(ctx context.Context, user hongyan.UserID, post int64) (bool, error) {
	_, err := s.Get(ctx, hongyan.Caller{User: user}, post)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return false, nil
	}
	return err == nil, err
}

// Delete deletes one of the caller's posts.
func (s *Service) Delete(ctx context.Context, c hongyan.Caller, id int64) error {
	if id <= 0 {
		return errNoPost
	}
	return s.store.DeletePost(ctx, c.User, id)
}

func (s *Service) react(ctx context.Context, c hongyan.Caller) error {
	if err := hongyan.Limit(ctx, s.reacts, strconv.FormatInt(int64(c.User), 10), s.now(),
		hongyan.Errorf(hongyan.CodeRateLimited, "too many likes and comments; try again later")); err != nil {
		return err
	}
	return nil
}

// Like likes a post the caller may see as a friend (or their own).
func (s *Service) Like(ctx context.Context, c hongyan.Caller, post int64) error {
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return err
	}
	p, err := s.see(ctx, l, post, true)
	if err != nil {
		return err
	}
	if err := s.react(ctx, c); err != nil {
		return err
	}
	now := s.now()
	var notes []Notification
	if p.Author != c.User {
		notes = []Notification{{Owner: p.Author, Kind: NotifyLike, Post: p.ID, Actor: c.User, Created: now}}
	}
	changes, err := s.store.Like(ctx, Like{Post: p.ID, User: c.User, Created: now}, notes)
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// Unlike takes the caller's like back.
func (s *Service) Unlike(ctx context.Context, c hongyan.Caller, post int64) error {
	if post <= 0 {
		return errNoPost
	}
	if _, err := s.store.Post(ctx, post); err != nil {
		return err
	}
	return s.store.Unlike(ctx, post, c.User)
}

// Comment comments on a post the caller may see as a friend (or their
// own), or replies to a comment on it that the caller may see.
func (s *Service) Comment(ctx context.Context, c hongyan.Caller, post int64, text string, replyTo int64) (Comment, error) {
	if err := hongyan.ValidText("comment", text, MaxComment); err != nil {
		return Comment{}, err
	}
	if strings.TrimSpace(text) == "" {
		return Comment{}, invalid("empty comment")
	}
	if replyTo < 0 {
		return Comment{}, invalid("invalid comment to reply to")
	}
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return Comment{}, err
	}
	p, err := s.see(ctx, l, post, true)
	if err != nil {
		return Comment{}, err
	}
	now := s.now()
	cm := Comment{Post: p.ID, Author: c.User, Text: text, Created: now}
	if replyTo != 0 {
		to, err := s.store.Comment(ctx, replyTo)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && (to.Post != p.ID || !l.visibleActor(p, to.Author))) {
			return Comment{}, hongyan.Errorf(hongyan.CodeNotFound, "no such comment on this post")
		}
		if err != nil {
			return Comment{}, err
		}
		cm.ReplyTo, cm.ReplyUser = to.ID, to.Author
	}
	if err := s.react(ctx, c); err != nil {
		return Comment{}, err
	}
	var notes []Notification
	if p.Author != c.User {
		k := NotifyComment
		if cm.ReplyUser == p.Author {
			k = NotifyReply
		}
		notes = append(notes, Notification{Owner: p.Author, Kind: k, Post: p.ID, Actor: c.User, Created: now})
	}
	if cm.ReplyUser != 0 && cm.ReplyUser != c.User && cm.ReplyUser != p.Author {
		notes = append(notes, Notification{Owner: cm.ReplyUser, Kind: NotifyReply, Post: p.ID, Actor: c.User, Created: now})
	}
	cm, changes, err := s.store.AddComment(ctx, cm, notes)
	if err != nil {
		return Comment{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return cm, nil
}

// DeleteComment deletes a comment: its author's, or any on the caller's
// post.
func (s *Service) DeleteComment(ctx context.Context, c hongyan.Caller, id int64) error {
	if id <= 0 {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such comment")
	}
	cm, err := s.store.Comment(ctx, id)
	if err != nil {
		return err
	}
	if cm.Author != c.User {
		p, err := s.store.Post(ctx, cm.Post)
		if err != nil {
			return err
		}
		if p.Author != c.User {
			return hongyan.Errorf(hongyan.CodeNotFound, "no such comment")
		}
	}
	return s.store.DeleteComment(ctx, id)
}

// NotificationView is a notification as its owner may see it, with the
// post it is about.
type NotificationView struct {
	Notification
	Post    View
	Comment *Comment // the comment or reply (comments and replies)
	Unread  int      // the owner's unread notifications
}

// ReadMark says how far a user has read their notifications.
type ReadMark struct {
	Upto   int64
	Unread int
}

// Notifications returns a page of the caller's notifications, newest
// first, below ID before (0: from the newest), leaving out those about
// posts the caller may no longer see and actions of people THE RULE hides,
// and the number of unread ones.
func (s *Service) Notifications(ctx context.Context, c hongyan.Caller, before int64, limit int) ([]NotificationView, int, error) {
	if before < 0 {
		return nil, 0, invalid("before must not be negative")
	}
	ns, err := s.store.Notifications(ctx, c.User, before, pageLimit(limit))
	if err != nil {
		return nil, 0, err
	}
	out, err := s.notificationViews(ctx, c, ns)
	if err != nil {
		return nil, 0, err
	}
	unread, err := s.store.Unread(ctx, c.User)
	// Each notification carries the count as of now, as one pushed
	// through the change log carries it as of then: a reader of the list
	// (the CLI prints one notification a line) never sees a stale 0.
	for i := range out {
		out[i].Unread = unread
	}
	return out, unread, err
}

// Notification returns one of the caller's notifications as they may see
// it (not_found when hidden or gone), with the unread count.
func (s *Service) Notification(ctx context.Context, c hongyan.Caller, id int64) (NotificationView, error) {
	n, err := s.store.Notification(ctx, c.User, id)
	if err != nil {
		return NotificationView{}, err
	}
	vs, err := s.notificationViews(ctx, c, []Notification{n})
	if err != nil {
		return NotificationView{}, err
	}
	if len(vs) == 0 {
		return NotificationView{}, hongyan.Errorf(hongyan.CodeNotFound, "no such notification")
	}
	vs[0].Unread, err = s.store.Unread(ctx, c.User)
	return vs[0], err
}

func (s *Service) notificationViews(ctx context.Context, c hongyan.Caller, ns []Notification) ([]NotificationView, error) {
	out := []NotificationView{}
	if len(ns) == 0 {
		return out, nil
	}
	l, err := s.lens(ctx, c.User, false)
	if err != nil {
		return nil, err
	}
	posts := map[int64]*View{}
	for _, n := range ns {
		v, ok := posts[n.Post]
		if !ok {
			p, err := s.see(ctx, l, n.Post, true)
			switch {
			case hongyan.ErrorCode(err) == hongyan.CodeNotFound:
			case err != nil:
				return nil, err
			default:
				vs, err := s.views(ctx, l, []Post{p})
				if err != nil {
					return nil, err
				}
				v = &vs[0]
			}
			posts[n.Post] = v
		}
		if v == nil || !l.visibleActor(v.Post, n.Actor) {
			continue
		}
		nv := NotificationView{Notification: n, Post: *v}
		if n.Comment != 0 {
			i := slices.IndexFunc(v.Comments, func(x Comment) bool { return x.ID == n.Comment })
			if i < 0 {
				continue // deleted, or hidden by the rule
			}
			cm := v.Comments[i]
			nv.Comment = &cm
		}
		out = append(out, nv)
	}
	return out, nil
}

// MarkRead marks the caller's notifications up to ID upto as read.
func (s *Service) MarkRead(ctx context.Context, c hongyan.Caller, upto int64) error {
	if upto < 0 {
		return invalid("invalid notification ID")
	}
	changes, err := s.store.MarkRead(ctx, c.User, upto, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeMomentsRead, Ref: upto}})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// Read returns the read mark upto (as a change-log entry named it) with
// the caller's unread count now.
func (s *Service) Read(ctx context.Context, c hongyan.Caller, upto int64) (ReadMark, error) {
	n, err := s.store.Unread(ctx, c.User)
	return ReadMark{Upto: upto, Unread: n}, err
}

// Settings returns the caller's Moments settings.
func (s *Service) Settings(ctx context.Context, c hongyan.Caller) (Settings, error) {
	return s.store.Settings(ctx, c.User)
}

// Update changes some of the caller's settings; nil fields stay.
type Update struct {
	StrangersSee10 *bool
	FriendsRange   *Range
	HideMineFrom   []hongyan.UserID
	UnhideMineFrom []hongyan.UserID
	HideTheirs     []hongyan.UserID
	UnhideTheirs   []hongyan.UserID
}

// Update applies u to the caller's settings and returns them.
func (s *Service) Update(ctx context.Context, c hongyan.Caller, u Update) (Settings, error) {
	if u.FriendsRange != nil && (*u.FriendsRange < RangeAll || *u.FriendsRange > RangeDays3) {
		return Settings{}, invalid("unknown range %d", *u.FriendsRange)
	}
	n := len(u.HideMineFrom) + len(u.UnhideMineFrom) + len(u.HideTheirs) + len(u.UnhideTheirs)
	if n > MaxHidesAtOnce {
		return Settings{}, hongyan.Errorf(hongyan.CodeTooLarge, "at most %d people at a time", MaxHidesAtOnce)
	}
	for _, list := range [][]hongyan.UserID{u.HideMineFrom, u.UnhideMineFrom, u.HideTheirs, u.UnhideTheirs} {
		for _, x := range list {
			if x <= 0 || x == c.User {
				return Settings{}, invalid("invalid user ID %d", x)
			}
		}
	}
	ch := func() []hongyan.Change { return []hongyan.Change{{User: c.User, Kind: hongyan.ChangeMomentsSettings}} }
	var changes []hongyan.Change
	if u.StrangersSee10 != nil || u.FriendsRange != nil {
		cur, err := s.store.Settings(ctx, c.User)
		if err != nil {
			return Settings{}, err
		}
		if u.StrangersSee10 != nil {
			cur.StrangersSee10 = *u.StrangersSee10
		}
		if u.FriendsRange != nil {
			cur.FriendsRange = *u.FriendsRange
		}
		out, err := s.store.SetSettings(ctx, c.User, cur.StrangersSee10, cur.FriendsRange, ch())
		if err != nil {
			return Settings{}, err
		}
		changes = append(changes, out...)
	}
	apply := func(list []hongyan.UserID, h Hide, on bool) error {
		for _, x := range list {
			out, err := s.store.SetHide(ctx, c.User, x, h, on, ch())
			if err != nil {
				return err
			}
			changes = append(changes, out...)
		}
		return nil
	}
	err := apply(u.HideMineFrom, HideMine, true)
	if err == nil {
		err = apply(u.UnhideMineFrom, HideMine, false)
	}
	if err == nil {
		err = apply(u.HideTheirs, HideTheirs, true)
	}
	if err == nil {
		err = apply(u.UnhideTheirs, HideTheirs, false)
	}
	s.pub.PublishChanges(ctx, changes)
	if err != nil {
		return Settings{}, err
	}
	return s.store.Settings(ctx, c.User)
}
