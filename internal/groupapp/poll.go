package groupapp

import (
	"context"
	"slices"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Poll is a question put to a group's members. Options are numbered from
// 0. A single-choice poll takes one option per vote, a multiple-choice
// one any number of distinct options. An anonymous poll never tells who
// voted for what, not even to its creator. Members may change their vote
// until the poll closes: at Deadline (zero: none) or when its creator or
// an admin closes it (Closed).
type Poll struct {
	ID        int64
	Group     hongyan.ConversationID
	Creator   hongyan.UserID
	Question  string
	Options   []string
	Multi     bool
	Anonymous bool
	Deadline  time.Time
	Created   time.Time
	Closed    time.Time // zero while not closed early
}

// Open reports whether p takes votes at now.
func (p Poll) Open(now time.Time) bool {
	return p.Closed.IsZero() && (p.Deadline.IsZero() || now.Before(p.Deadline))
}

// Vote is a member's choice on a poll.
type Vote struct {
	Poll    int64
	User    hongyan.UserID
	Choices []int
	At      time.Time
}

// PollView is a poll with its results as a member sees them.
type PollView struct {
	Poll
	Open   bool
	Counts []int // votes per option
	Voters int   // members who voted
	Mine   []int // the viewer's choices (nil: not voted)
	// ByOption lists who chose each option, for a named poll (nil for an
	// anonymous one).
	ByOption [][]hongyan.UserID
}

// NewPoll is what a member asks to create.
type NewPoll struct {
	Question  string
	Options   []string
	Multi     bool
	Anonymous bool
	Deadline  time.Time // zero: none
}

func (s *Service) checkPoll(p NewPoll, now time.Time) (NewPoll, error) {
	p.Question = strings.TrimSpace(p.Question)
	if err := text("question", p.Question, MaxPollQuestion, false); err != nil {
		return p, err
	}
	if len(p.Options) < 2 || len(p.Options) > MaxPollOptions {
		return p, hongyan.Errorf(hongyan.CodeInvalid, "a poll has 2 to %d options", MaxPollOptions)
	}
	opts := make([]string, len(p.Options))
	for i, o := range p.Options {
		o = strings.TrimSpace(o)
		if err := text("option", o, MaxPollOption, false); err != nil {
			return p, err
		}
		if slices.Contains(opts[:i], o) {
			return p, hongyan.Errorf(hongyan.CodeInvalid, "option %q is given twice", o)
		}
		opts[i] = o
	}
	p.Options = opts
	if !p.Deadline.IsZero() && (!p.Deadline.After(now) || p.Deadline.Sub(now) > maxAhead) {
		return p, hongyan.Errorf(hongyan.CodeInvalid, "the deadline must be in the coming year")
	}
	return p, nil
}

// CreatePoll creates a poll in group and posts its card; any member who
// may post may.
func (s *Service) CreatePoll(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, np NewPoll) (Poll, error) {
	now := s.now()
	np, err := s.checkPoll(np, now)
	if err != nil {
		return Poll{}, err
	}
	if _, err := s.poster(ctx, c, group); err != nil {
		return Poll{}, err
	}
	notify, err := s.notify(ctx, c, group, ChangePoll, 0)
	if err != nil {
		return Poll{}, err
	}
	p, changes, err := s.store.CreatePoll(ctx, Poll{Group: group, Creator: c.User, Question: np.Question, Options: np.Options,
		Multi: np.Multi, Anonymous: np.Anonymous, Deadline: np.Deadline, Created: now}, notify)
	if err != nil {
		return Poll{}, err
	}
	s.publish(ctx, changes)
	s.post(ctx, group, c.User, Card{App: AppPoll, Kind: CardCreated, Item: p.ID, Title: p.Question})
	return p, nil
}

// Vote stores the caller's choices on poll id of group, in place of an
// earlier vote, while the poll is open.
func (s *Service) Vote(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, choices []int) (PollView, error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return PollView{}, err
	}
	p, err := s.store.Poll(ctx, group, id)
	if err != nil {
		return PollView{}, err
	}
	now := s.now()
	if !p.Open(now) {
		return PollView{}, hongyan.Errorf(hongyan.CodePrecondition, "the poll is closed").WithReason(hongyan.ReasonExpired)
	}
	if len(choices) == 0 {
		return PollView{}, hongyan.Errorf(hongyan.CodeInvalid, "choose at least one option")
	}
	if !p.Multi && len(choices) > 1 {
		return PollView{}, hongyan.Errorf(hongyan.CodeInvalid, "this poll takes one choice")
	}
	if len(choices) > len(p.Options) {
		return PollView{}, hongyan.Errorf(hongyan.CodeInvalid, "too many choices")
	}
	sorted := slices.Clone(choices)
	slices.Sort(sorted)
	for i, o := range sorted {
		if o < 0 || o >= len(p.Options) {
			return PollView{}, hongyan.Errorf(hongyan.CodeInvalid, "option %d does not exist", o)
		}
		if i > 0 && sorted[i-1] == o {
			return PollView{}, hongyan.Errorf(hongyan.CodeInvalid, "option %d is chosen twice", o)
		}
	}
	notify, err := s.notify(ctx, c, group, ChangePoll, id)
	if err != nil {
		return PollView{}, err
	}
	changes, err := s.store.Vote(ctx, group, Vote{Poll: id, User: c.User, Choices: sorted, At: now}, notify)
	if err != nil {
		return PollView{}, err
	}
	s.publish(ctx, changes)
	return s.pollView(ctx, c, p, now)
}

// ClosePoll closes poll id of group before its deadline and posts a card;
// its creator, the owner and admins may, when they may post.
func (s *Service) ClosePoll(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (PollView, error) {
	m, err := s.poster(ctx, c, group)
	if err != nil {
		return PollView{}, err
	}
	p, err := s.store.Poll(ctx, group, id)
	if err != nil {
		return PollView{}, err
	}
	if p.Creator != c.User && !m.Admin() {
		return PollView{}, hongyan.Errorf(hongyan.CodeDenied, "only the poll's creator, the owner and admins may close it").WithReason(hongyan.ReasonAdminOnly)
	}
	now := s.now()
	if !p.Open(now) {
		return s.pollView(ctx, c, p, now)
	}
	notify, err := s.notify(ctx, c, group, ChangePoll, id)
	if err != nil {
		return PollView{}, err
	}
	changes, err := s.store.ClosePoll(ctx, group, id, now, notify)
	if err != nil {
		return PollView{}, err
	}
	s.publish(ctx, changes)
	p.Closed = now
	s.post(ctx, group, c.User, Card{App: AppPoll, Kind: CardClosed, Item: p.ID, Title: p.Question})
	return s.pollView(ctx, c, p, now)
}

// Poll returns poll id of group with its results.
func (s *Service) Poll(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (PollView, error) {
	if _, err := s.member(ctx, c, group); err != nil {
		return PollView{}, err
	}
	p, err := s.store.Poll(ctx, group, id)
	if err != nil {
		return PollView{}, err
	}
	return s.pollView(ctx, c, p, s.now())
}

// Polls returns a page of group's polls with their results, newest
// first, below ID before (0: from the newest).
func (s *Service) Polls(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]PollView, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if _, err := s.member(ctx, c, group); err != nil {
		return nil, err
	}
	ps, err := s.store.Polls(ctx, group, before, page(limit))
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]PollView, 0, len(ps))
	for _, p := range ps {
		v, err := s.pollView(ctx, c, p, now)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// pollView counts p's votes for viewer c.
func (s *Service) pollView(ctx context.Context, c hongyan.Caller, p Poll, now time.Time) (PollView, error) {
	vs, err := s.store.Votes(ctx, p.ID)
	if err != nil {
		return PollView{}, err
	}
	v := PollView{Poll: p, Open: p.Open(now), Counts: make([]int, len(p.Options)), Voters: len(vs)}
	if !p.Anonymous {
		v.ByOption = make([][]hongyan.UserID, len(p.Options))
	}
	for _, vote := range vs {
		if vote.User == c.User {
			v.Mine = vote.Choices
		}
		for _, o := range vote.Choices {
			if o < 0 || o >= len(p.Options) {
				continue
			}
			v.Counts[o]++
			if v.ByOption != nil {
				v.ByOption[o] = append(v.ByOption[o], vote.User)
			}
		}
	}
	return v, nil
}
