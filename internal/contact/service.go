package contact

import (
	"context"
	"strconv"
	"time"

	"hongyan/internal/hongyan"
)

// Directory is what contact needs to know about accounts.
type Directory interface {
	// Find returns the user someone searched for by account ID or phone
	// number, honouring that user's privacy settings (not_found otherwise).
	Find(ctx context.Context, query string) (hongyan.UserID, error)
	// AddPolicy says how user may be added (not_found if there is no such
	// user).
	AddPolicy(ctx context.Context, user hongyan.UserID) (AddPolicy, error)
}

// AddPolicy is how a user may be added as a friend.
type AddPolicy struct {
	// NeedsVerification: a request waits for the user's approval.
	NeedsVerification bool
	// Findable: the user lets strangers find them (by account ID or by
	// phone). A request by numeric ID reaches a user who hides from
	// discovery only from someone they already have a tie with.
	Findable bool
}

// Limits on what users type.
const (
	MaxGreeting    = 50
	MaxRemark      = 32
	MaxDescription = 200
	MaxTags        = 20
	MaxTag         = 20
	// MaxBlocked is how many users one user may block.
	MaxBlocked  = 10000
	maxRequests = 200
)

// Service implements the contact rules. It is safe for concurrent use.
type Service struct {
	store    Store
	dir      Directory
	pub      hongyan.Publisher
	now      func() time.Time
	requests hongyan.RateLimiter
	searches hongyan.RateLimiter
	// requestRate and searchRate are the limits' rates, for UseLimiters.
	requestRate, searchRate hongyan.Rate
	rel                     relCache
	screen                  Screener // nil: nothing is screened
}

// Screener looks at each friend request before it is stored (spam and
// scam detection, which the node fills). stranger: neither has the other
// as a contact. An error refuses the request and nothing is stored.
type Screener interface {
	ScreenRequest(ctx context.Context, from, to hongyan.UserID, greeting string, stranger bool) error
}

// SetScreener installs the Screener of friend requests.
func (s *Service) SetScreener(sc Screener) { s.screen = sc }

// New returns a Service. requestRate limits friend requests per user,
// searchRate searches per user.
func New(store Store, dir Directory, pub hongyan.Publisher, requestRate, searchRate hongyan.Rate) *Service {
	return &Service{store: store, dir: dir, pub: pub, now: time.Now, requestRate: requestRate, searchRate: searchRate,
		requests: hongyan.NewLimiter(requestRate), searches: hongyan.NewLimiter(searchRate)}
}

// UseLimiters makes the service's rate limiters with mk (limits that hold
// across a cluster's nodes) in place of the in-memory ones New made. Call
// it before the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) {
	s.requests = mk("contact.requests", s.requestRate)
	s.searches = mk("contact.searches", s.searchRate)
}

// notFound is the one answer for a user who does not exist and for one
// who hides from the caller: the two cannot be told apart.
func notFound() error {
	return hongyan.Errorf(hongyan.CodeNotFound, "no user found").WithReason(hongyan.ReasonUserNotFound)
}

// Search finds a user by account ID or phone number. Searches are limited
// per user before anything is looked up.
func (s *Service) Search(ctx context.Context, c hongyan.Caller, query string) (hongyan.UserID, error) {
	if err := hongyan.Limit(ctx, s.searches, strconv.FormatInt(int64(c.User), 10), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "too many searches; try again later")); err != nil {
		return 0, err
	}
	return s.dir.Find(ctx, query)
}

// SendRequest asks user to become the caller's friend. If user does not
// require verification, or already has the caller as a contact, or has
// already asked the caller, the friendship is made at once and the returned
// request is in state RequestAccepted.
func (s *Service) SendRequest(ctx context.Context, c hongyan.Caller, user hongyan.UserID, greeting, remark string) (Request, error) {
	if user == c.User {
		return Request{}, hongyan.Errorf(hongyan.CodeInvalid, "you cannot add yourself").WithReason(hongyan.ReasonAddSelf)
	}
	if err := hongyan.ValidText("greeting", greeting, MaxGreeting); err != nil {
		return Request{}, err
	}
	if err := hongyan.ValidName("remark", remark, MaxRemark); err != nil {
		return Request{}, err
	}
	// Limited before anything is looked up: walking user IDs costs the
	// budget whether or not they exist.
	if err := hongyan.Limit(ctx, s.requests, strconv.FormatInt(int64(c.User), 10), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "too many friend requests; try again later")); err != nil {
		return Request{}, err
	}
	if user <= 0 {
		return Request{}, notFound()
	}
	policy, err := s.dir.AddPolicy(ctx, user)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Request{}, notFound()
	}
	if err != nil {
		return Request{}, err
	}
	rel, err := s.store.Relation(ctx, c.User, user)
	if err != nil {
		return Request{}, err
	}
	if !policy.Findable && !rel.FromHasTo && !rel.ToHasFrom {
		// Hidden from strangers: answered as if there were no one.
		return Request{}, notFound()
	}
	if rel.ToBlocksFrom {
		return Request{}, hongyan.Errorf(hongyan.CodeDenied, "this user does not accept your requests").WithReason(hongyan.ReasonBlocked)
	}
	if rel.FromHasTo && rel.ToHasFrom {
		return Request{}, hongyan.Errorf(hongyan.CodeExists, "you are already friends").WithReason(hongyan.ReasonAlreadyFriends)
	}
	if s.screen != nil {
		if err := s.screen.ScreenRequest(ctx, c.User, user, greeting, !rel.FromHasTo && !rel.ToHasFrom); err != nil {
			return Request{}, err
		}
	}
	needs := policy.NeedsVerification
	now := s.now()
	r := Request{From: c.User, To: user, Greeting: greeting, Remark: remark, Created: now, Updated: now}
	changes := []hongyan.Change{{User: c.User, Kind: hongyan.ChangeFriendRequest}, {User: user, Kind: hongyan.ChangeFriendRequest}}
	id, changes, err := s.store.CreateRequest(ctx, r, changes)
	s.rel.invalidate() // even on an error: the change may have been committed
	if err != nil {
		return Request{}, err
	}
	r.ID = id
	s.pub.PublishChanges(ctx, changes)
	_, theyHaveMe := s.store.Contact(ctx, user, c.User)
	if theyHaveMe == nil || !needs {
		// No approval needed: accept at once on the receiver's behalf.
		return s.answer(ctx, r, true, "")
	}
	return r, nil
}

// Answer accepts or declines a friend request addressed to the caller.
func (s *Service) Answer(ctx context.Context, c hongyan.Caller, id int64, accept bool, remark string) (Request, error) {
	if err := hongyan.ValidName("remark", remark, MaxRemark); err != nil {
		return Request{}, err
	}
	r, err := s.store.Request(ctx, id)
	if err != nil || r.To != c.User {
		return Request{}, hongyan.Errorf(hongyan.CodeNotFound, "no such friend request")
	}
	if r.State != RequestPending {
		return Request{}, hongyan.Errorf(hongyan.CodePrecondition, "this request was already answered")
	}
	return s.answer(ctx, r, accept, remark)
}

// answer moves pending request r to accepted or declined; on acceptance both
// users become contacts of each other in the same transaction.
func (s *Service) answer(ctx context.Context, r Request, accept bool, remark string) (Request, error) {
	id := r.ID
	r.State, r.Updated = RequestDeclined, s.now()
	var adds []Contact
	changes := []hongyan.Change{
		{User: r.From, Kind: hongyan.ChangeFriendRequest, Ref: id},
		{User: r.To, Kind: hongyan.ChangeFriendRequest, Ref: id},
	}
	if accept {
		r.State = RequestAccepted
		adds = []Contact{
			{Owner: r.From, User: r.To, Remark: r.Remark, Since: r.Updated},
			{Owner: r.To, User: r.From, Remark: remark, Since: r.Updated},
		}
		changes = append(changes,
			hongyan.Change{User: r.From, Kind: hongyan.ChangeContact, Ref: int64(r.To)},
			hongyan.Change{User: r.To, Kind: hongyan.ChangeContact, Ref: int64(r.From)})
	}
	changes, err := s.store.AnswerRequest(ctx, id, r.State, adds, changes)
	s.rel.invalidate() // even on an error: the change may have been committed
	if err != nil {
		return Request{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return r, nil
}

// Request returns a friend request the caller sent or received.
func (s *Service) Request(ctx context.Context, c hongyan.Caller, id int64) (Request, error) {
	r, err := s.store.Request(ctx, id)
	if err != nil || (r.From != c.User && r.To != c.User) {
		return Request{}, hongyan.Errorf(hongyan.CodeNotFound, "no such friend request")
	}
	return r, nil
}

// Requests lists the friend requests the caller sent or received, newest first.
func (s *Service) Requests(ctx context.Context, c hongyan.Caller) ([]Request, error) {
	return s.store.Requests(ctx, c.User, maxRequests)
}

// Contacts lists the caller's contacts.
func (s *Service) Contacts(ctx context.Context, c hongyan.Caller) ([]Contact, error) {
	return s.store.Contacts(ctx, c.User)
}

// Contact returns the caller's entry for user.
func (s *Service) Contact(ctx context.Context, c hongyan.Caller, user hongyan.UserID) (Contact, error) {
	return s.store.Contact(ctx, c.User, user)
}

// Update lists the contact fields to change; nil leaves one as is.
type Update struct {
	Remark, Description *string
	Tags                *[]string
	Starred             *bool
}

// UpdateContact edits the caller's entry for user.
func (s *Service) UpdateContact(ctx context.Context, c hongyan.Caller, user hongyan.UserID, u Update) (Contact, error) {
	ct, err := s.store.Contact(ctx, c.User, user)
	if err != nil {
		return Contact{}, err
	}
	if u.Remark != nil {
		if err := hongyan.ValidName("remark", *u.Remark, MaxRemark); err != nil {
			return Contact{}, err
		}
		ct.Remark = *u.Remark
	}
	if u.Description != nil {
		if err := hongyan.ValidText("description", *u.Description, MaxDescription); err != nil {
			return Contact{}, err
		}
		ct.Description = *u.Description
	}
	if u.Tags != nil {
		tags, err := cleanTags(*u.Tags)
		if err != nil {
			return Contact{}, err
		}
		ct.Tags = tags
	}
	if u.Starred != nil {
		ct.Starred = *u.Starred
	}
	changes, err := s.store.UpdateContact(ctx, ct, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeContact, Ref: int64(user)}})
	if err != nil {
		return Contact{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return ct, nil
}

func cleanTags(in []string) ([]string, error) {
	if len(in) > MaxTags {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "at most %d tags", MaxTags)
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, t := range in {
		if t == "" {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "a tag may not be empty")
		}
		if err := hongyan.ValidName("tag", t, MaxTag); err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// Delete removes user from the caller's contacts. The other side keeps
// their entry, but messages between the two are refused until re-added.
func (s *Service) Delete(ctx context.Context, c hongyan.Caller, user hongyan.UserID) error {
	changes, err := s.store.DeleteContact(ctx, c.User, user, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeContact, Ref: int64(user)}})
	s.rel.invalidate() // even on an error: the change may have been committed
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// Block blocks (or unblocks) user for the caller: a blocked user's messages
// and friend requests are refused.
func (s *Service) Block(ctx context.Context, c hongyan.Caller, user hongyan.UserID, blocked bool) error {
	if user == c.User {
		return hongyan.Errorf(hongyan.CodeInvalid, "you cannot block yourself")
	}
	// Whether user exists is not looked up: blocking an ID that belongs to no
	// one answers as blocking a hidden user does, so the answer tells nothing.
	if user <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "a user ID is a positive number")
	}
	changes, err := s.store.SetBlocked(ctx, c.User, user, blocked, MaxBlocked, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeBlock, Ref: int64(user)}})
	s.rel.invalidate() // even on an error: the change may have been committed
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// Friends returns user's friends: the contacts who hold user as a contact
// too, with no block either way (the Moments audience), read now.
func (s *Service) Friends(ctx context.Context, user hongyan.UserID) ([]Contact, error) {
	return s.store.Friends(ctx, user)
}

// Friendship reports whether a and b are friends (each holds the other, no
// block either way) and whether either has blocked the other, read now.
func (s *Service) Friendship(ctx context.Context, a, b hongyan.UserID) (friends, blocked bool, err error) {
	ab, err := s.store.Relation(ctx, a, b)
	if err != nil {
		return false, false, err
	}
	ba, err := s.store.Relation(ctx, b, a)
	if err != nil {
		return false, false, err
	}
	blocked = ab.ToBlocksFrom || ba.ToBlocksFrom
	return ab.FromHasTo && ab.ToHasFrom && !blocked, blocked, nil
}

// Blocked reports whether the caller has blocked user.
func (s *Service) Blocked(ctx context.Context, c hongyan.Caller, user hongyan.UserID) (bool, error) {
	return s.store.Blocked(ctx, c.User, user)
}

// CanMessage returns nil if from may send a one-to-one message to to: both
// must hold each other as contacts and to must not have blocked from.
// Messages to oneself (the file-transfer assistant) are always allowed.
func (s *Service) CanMessage(ctx context.Context, from, to hongyan.UserID) error {
	if from == to {
		return nil
	}
	s.rel.refresh(ctx, s.now(), s.store.RelationsVersion)
	r, ok := s.rel.get(from, to)
	if !ok {
		gen := s.rel.begin()
		var err error
		if r, err = s.store.Relation(ctx, from, to); err != nil {
			return err
		}
		s.rel.put(from, to, r, gen)
	}
	if r.ToBlocksFrom {
		return hongyan.Errorf(hongyan.CodeDenied, "this user does not accept your messages").WithReason(hongyan.ReasonBlocked)
	}
	if !r.FromHasTo || !r.ToHasFrom {
		return hongyan.Errorf(hongyan.CodePrecondition, "you are not friends with this user").WithReason(hongyan.ReasonNotFriends)
	}
	return nil
}
