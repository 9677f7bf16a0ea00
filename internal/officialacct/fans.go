package officialacct

import (
	"context"
	"strings"

	"hongyan/internal/hongyan"
)

// Names tells the service users' public nicknames (the account feature
// answers; the node fills it).
type Names interface {
	// Nicknames returns the nicknames of users (at most MaxConsolePage
	// of them), leaving out users that do not exist.
	Nicknames(ctx context.Context, users []hongyan.UserID) (map[hongyan.UserID]string, error)
}

// SetNames installs the nickname lookup (nil: followers have no
// nicknames and searches match remarks and openids only).
func (s *Service) SetNames(n Names) {
	s.mu.Lock()
	s.names = n
	s.mu.Unlock()
}

func (s *Service) nameLookup() Names {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.names
}

const (
	// MaxConsolePage is the most followers a page of the console's list.
	MaxConsolePage = 500
	// MaxFanSearch is the longest follower search, in characters.
	MaxFanSearch = 30
	// SearchScan is the most followers one search request looks at: a
	// search that has not filled its page by then returns what it found
	// with FanPage.Next where it stopped, so no request costs more than
	// this whatever the account's size.
	SearchScan = 5000
)

// FanPage is a page of the console's follower list.
type FanPage struct {
	Fans []Fan
	// Next continues the list (FanQuery.After); empty when it is done.
	Next string
}

// Followers returns a page of followers in openid order with their
// nicknames (analysts up). With q.Search it returns those whose nickname
// or remark contains it (ignoring case) or whose openid is it, looking at
// no more than SearchScan followers per request.
func (s *Service) Followers(ctx context.Context, c hongyan.Caller, id AccountID, q FanQuery) (FanPage, error) {
	if _, err := s.operate(ctx, c, id, analysts); err != nil {
		return FanPage{}, err
	}
	if q.Limit <= 0 || q.Limit > MaxConsolePage {
		q.Limit = MaxConsolePage
	}
	q.Search = strings.TrimSpace(q.Search)
	if len(q.After) > 64 || !utf8Valid(q.Search, MaxFanSearch) {
		return FanPage{}, hongyan.Errorf(hongyan.CodeInvalid, "bad follower query")
	}
	if q.Search == "" {
		fs, err := s.store.Followers(ctx, id, q)
		if err != nil {
			return FanPage{}, err
		}
		page := FanPage{Fans: fs}
		if len(fs) == q.Limit {
			page.Next = fs[len(fs)-1].OpenID
		}
		return page, s.nickname(ctx, fs)
	}
	return s.searchFans(ctx, id, q)
}

// searchFans scans followers from q.After in batches, keeping those that
// match, until the page is full, the list ends or SearchScan followers
// were looked at.
func (s *Service) searchFans(ctx context.Context, id AccountID, q FanQuery) (FanPage, error) {
	needle := strings.ToLower(q.Search)
	scan := FanQuery{After: q.After, Tag: q.Tag, Limit: MaxConsolePage}
	var page FanPage
	for scanned := 0; scanned < SearchScan; {
		fs, err := s.store.Followers(ctx, id, scan)
		if err != nil {
			return FanPage{}, err
		}
		if err := s.nickname(ctx, fs); err != nil {
			return FanPage{}, err
		}
		for _, f := range fs {
			scanned++
			scan.After = f.OpenID
			if f.OpenID == q.Search || strings.Contains(strings.ToLower(f.Nickname), needle) || strings.Contains(strings.ToLower(f.Remark), needle) {
				page.Fans = append(page.Fans, f)
				if len(page.Fans) == q.Limit {
					page.Next = f.OpenID
					return page, nil
				}
			}
		}
		if len(fs) < scan.Limit {
			return page, nil // the list ended
		}
	}
	page.Next = scan.After
	return page, nil
}

// nickname fills in fs' nicknames with one lookup.
func (s *Service) nickname(ctx context.Context, fs []Fan) error {
	names := s.nameLookup()
	if names == nil || len(fs) == 0 {
		return nil
	}
	users := make([]hongyan.UserID, len(fs))
	for i, f := range fs {
		users[i] = f.User
	}
	got, err := names.Nicknames(ctx, users)
	if err != nil {
		return err
	}
	for i := range fs {
		fs[i].Nickname = got[fs[i].User]
	}
	return nil
}
