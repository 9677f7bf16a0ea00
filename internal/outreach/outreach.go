// Package outreach holds the community-operations tools a user runs over
// their own contacts and groups (PRODUCT.md §10, issue 15): finding people
// who are in several of my groups, and broadcasting to my contacts by
// customer tag through the broadcast assistant, rate-limited so that it
// cannot spam. It reads groups and contacts only as the user is entitled
// to (the group and contact features' public operations, through ports
// the node fills) and keeps nothing of its own.
package outreach

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Limits.
const (
	MaxGroupsScanned = 500 // of my groups, the most read for common members
	MaxCommonPage    = 200 // people in one answer
	MaxTagLen        = 32  // characters of a tag
	MaxRecipients    = 200 // contacts one broadcast by tag reaches (the broadcast assistant's bound)
	MaxText          = 4000
)

// Groups reads group membership as the user sees it (the group feature).
type Groups interface {
	// Mine lists the groups user is an active member of.
	Mine(ctx context.Context, user hongyan.UserID) ([]hongyan.ConversationID, error)
	// Members lists the active members of group, which user is in.
	Members(ctx context.Context, user hongyan.UserID, group hongyan.ConversationID) ([]hongyan.UserID, error)
}

// Contacts reads the user's contacts (the contact feature).
type Contacts interface {
	// Tagged lists user's contacts that carry tag.
	Tagged(ctx context.Context, user hongyan.UserID, tag string) ([]hongyan.UserID, error)
}

// Broadcaster sends one text to many contacts as separate one-to-one
// messages (the chat feature's broadcast assistant).
type Broadcaster interface {
	Broadcast(ctx context.Context, c hongyan.Caller, peers []hongyan.UserID, clientID, text string) ([]Result, error)
}

// Result is one recipient's outcome of a broadcast.
type Result struct {
	Peer         hongyan.UserID
	Message      hongyan.MessageID // set when Err is nil
	Conversation hongyan.ConversationID
	Seq          int64
	Time         time.Time
	Err          error
}

// Service implements the tools. It is safe for concurrent use.
type Service struct {
	groups   Groups
	contacts Contacts
	cast     Broadcaster
	limit    hongyan.RateLimiter // broadcasts by tag per user
	now      func() time.Time
}

// DefaultBroadcastRate is how many broadcasts by tag a user may send.
var DefaultBroadcastRate = hongyan.Rate{N: 5, Per: time.Hour}

// New returns a Service; limit bounds broadcasts by tag per user (the
// node's cluster-wide limiter).
func New(groups Groups, contacts Contacts, cast Broadcaster, limit hongyan.RateLimiter) *Service {
	return &Service{groups: groups, contacts: contacts, cast: cast, limit: limit, now: time.Now}
}

// Person is someone who shares groups with me.
type Person struct {
	User   hongyan.UserID
	Groups []hongyan.ConversationID // the groups we share, in ID order
}

// Common returns the people who are in at least min of the caller's
// groups (min ≥ 2), most shared first (then by user ID), at most limit.
// Only the caller's groups are read, as the caller sees them; at most
// MaxGroupsScanned of them (the newest by ID).
func (s *Service) Common(ctx context.Context, c hongyan.Caller, min, limit int) ([]Person, error) {
	if min < 2 || min > MaxGroupsScanned {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "the least number of shared groups is 2 to %d", MaxGroupsScanned)
	}
	if limit <= 0 || limit > MaxCommonPage {
		limit = MaxCommonPage
	}
	mine, err := s.groups.Mine(ctx, c.User)
	if err != nil {
		return nil, err
	}
	slices.Sort(mine)
	if len(mine) > MaxGroupsScanned {
		mine = mine[len(mine)-MaxGroupsScanned:]
	}
	shared := map[hongyan.UserID][]hongyan.ConversationID{}
	for _, g := range mine {
		ms, err := s.groups.Members(ctx, c.User, g)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound || hongyan.ErrorCode(err) == hongyan.CodePrecondition {
			continue // left or dissolved meanwhile
		}
		if err != nil {
			return nil, err
		}
		for _, u := range ms {
			if u != c.User && !slices.Contains(shared[u], g) {
				shared[u] = append(shared[u], g)
			}
		}
	}
	var out []Person
	for u, gs := range shared {
		if len(gs) >= min {
			out = append(out, Person{User: u, Groups: gs})
		}
	}
	slices.SortFunc(out, func(a, b Person) int {
		if len(a.Groups) != len(b.Groups) {
			return len(b.Groups) - len(a.Groups)
		}
		return int(a.User - b.User)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// CleanTag checks a tag as contacts carry it.
func CleanTag(tag string) (string, error) {
	tag = strings.TrimSpace(tag)
	if tag == "" || !utf8.ValidString(tag) || utf8.RuneCountInString(tag) > MaxTagLen {
		return "", hongyan.Errorf(hongyan.CodeInvalid, "a tag has 1 to %d characters", MaxTagLen)
	}
	return tag, nil
}

// BroadcastTag sends text, through the broadcast assistant, to each of the
// caller's contacts carrying tag (at most MaxRecipients: more is refused,
// nothing sent). Each user may do it DefaultBroadcastRate times (as
// configured), counted across the cluster: over it, rate_limited and
// nothing sent. clientID makes a retry send once.
func (s *Service) BroadcastTag(ctx context.Context, c hongyan.Caller, tag, clientID, text string) ([]Result, error) {
	tag, err := CleanTag(tag)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" || len(text) > MaxText {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "a broadcast's text has 1 to %d bytes", MaxText)
	}
	peers, err := s.contacts.Tagged(ctx, c.User, tag)
	if err != nil {
		return nil, err
	}
	if len(peers) == 0 {
		return nil, hongyan.Errorf(hongyan.CodePrecondition, "no contact of yours carries the tag %q", tag)
	}
	if len(peers) > MaxRecipients {
		return nil, hongyan.Errorf(hongyan.CodePrecondition, "%d contacts carry the tag %q; a broadcast reaches at most %d", len(peers), tag, MaxRecipients)
	}
	if s.limit != nil {
		ok, err := s.limit.Take(ctx, strconv.FormatInt(int64(c.User), 10), s.now())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, hongyan.Errorf(hongyan.CodeRateLimited, "you sent the most broadcasts by tag allowed for now; try again later")
		}
	}
	return s.cast.Broadcast(ctx, c, peers, clientID, text)
}
