package node

import (
	"context"
	"io"
	"strconv"
	"sync"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/qrscan"
	"hongyan/internal/spam"
	"hongyan/internal/sqldb/stores"
)

// newSpam builds spam detection from the configuration; findings go to
// the log until SetSpamReporter names another reporter.
func newSpam(cfg config.Config, db *stores.DB, n *Node) *spam.Service {
	c := cfg.Spam
	return spam.New(db.Spam(), spam.LogReporter{Log: n.log}, spam.Config{
		Action: spam.Action(c.Action), Threshold: c.Threshold, NewAccount: c.NewAccount.Duration, Window: c.Window.Duration,
		StrangerRequests: c.StrangerRequests, SameMessage: c.SameMessage, GroupJoins: c.GroupJoins, NewAccountMedia: c.NewAccountMedia,
	})
}

// SetSpamReporter sends spam findings to r (reports for administrators).
func (n *Node) SetSpamReporter(r spam.Reporter) { n.spam.SetReporter(r) }

// spamScreen is the chat, contact and group features' screener: each
// message, friend request and join by QR code is checked, with the age of
// the account from the account feature.
type spamScreen struct {
	spam     *spam.Service
	accounts accountReader
	// created keeps the accounts' creation times, which never change, so
	// that a message costs no account read (but a user's first on this
	// node).
	created *createdTimes
}

// accountReader is what the screener reads of the account feature.
type accountReader interface {
	Account(ctx context.Context, id hongyan.UserID) (account.Account, error)
}

func newSpamScreen(s *spam.Service, accounts accountReader) spamScreen {
	return spamScreen{spam: s, accounts: accounts, created: newCreatedTimes(createdGeneration)}
}

// createdAt returns when u's account was created, zero when unknown.
func (s spamScreen) createdAt(ctx context.Context, u hongyan.UserID) time.Time {
	if t, ok := s.created.get(u); ok {
		return t
	}
	a, err := s.accounts.Account(ctx, u)
	if err != nil {
		return time.Time{} // unknown: not counted as new (nor kept)
	}
	s.created.put(u, a.Created)
	return a.Created
}

// createdTimes is a bounded map of creation times: two generations of at
// most gen users each, the older forgotten when the newer fills (so the
// users who sent lately stay).
type createdTimes struct {
	mu       sync.Mutex
	cur, old map[hongyan.UserID]time.Time
	gen      int
}

// createdGeneration is the users a generation holds (some 50 bytes each).
const createdGeneration = 1 << 16

func newCreatedTimes(gen int) *createdTimes {
	return &createdTimes{cur: map[hongyan.UserID]time.Time{}, gen: gen}
}

func (c *createdTimes) get(u hongyan.UserID) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.cur[u]
	if !ok {
		if t, ok = c.old[u]; ok {
			c.putLocked(u, t)
		}
	}
	return t, ok
}

func (c *createdTimes) put(u hongyan.UserID, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(u, t)
}

func (c *createdTimes) putLocked(u hongyan.UserID, t time.Time) {
	if len(c.cur) >= c.gen {
		c.old, c.cur = c.cur, make(map[hongyan.UserID]time.Time, c.gen/4)
	}
	c.cur[u] = t
}

func (s spamScreen) ScreenMessage(ctx context.Context, m chat.Screened) (bool, error) {
	if s.spam.Off() || m.Target == "u:"+strconv.FormatInt(int64(m.Sender), 10) {
		return false, nil // notes to oneself (the file-transfer assistant)
	}
	v, err := s.spam.Check(ctx, spam.Input{Kind: spam.Message, User: m.Sender, Created: s.createdAt(ctx, m.Sender),
		Target: m.Target, Text: m.Text, Link: m.Link, Image: m.Image, Media: m.Media})
	return v.Spam && err == nil, err
}

func (s spamScreen) ScreenRequest(ctx context.Context, from, to hongyan.UserID, greeting string, stranger bool) error {
	if s.spam.Off() {
		return nil
	}
	_, err := s.spam.Check(ctx, spam.Input{Kind: spam.FriendRequest, User: from, Created: s.createdAt(ctx, from),
		Target: "u:" + strconv.FormatInt(int64(to), 10), Text: greeting, Stranger: stranger})
	return err
}

func (s spamScreen) ScreenJoin(ctx context.Context, user hongyan.UserID, group hongyan.ConversationID) error {
	if s.spam.Off() {
		return nil
	}
	_, err := s.spam.Check(ctx, spam.Input{Kind: spam.GroupJoin, User: user, Created: s.createdAt(ctx, user),
		Target: "g:" + strconv.FormatInt(int64(group), 10)})
	return err
}

// pruneSpam deletes old behaviour counters once a window, on one node of
// the cluster at a time.
func (n *Node) pruneSpam(ctx context.Context) {
	t := time.NewTicker(n.cfg.Spam.Window.Duration)
	defer t.Stop()
	for {
		n.job(ctx, "spam-prune", func(ctx context.Context) error {
			_, err := n.spam.Prune(ctx)
			return err
		})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// qrImages searches uploaded images for QR codes (spam screening of new
// accounts' images): the sender's own media, read through the media
// feature, at most the scanner's byte limit.
type qrImages struct {
	media   *media.Service
	scanner *qrscan.Scanner
}

func (q qrImages) ImageHasQR(ctx context.Context, user hongyan.UserID, id string) (bool, error) {
	_, rc, err := q.media.Open(ctx, hongyan.Caller{User: user}, id, false)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, int64(qrscan.DefaultLimits().MaxBytes)+1))
	if err != nil {
		return false, hongyan.Errorf(hongyan.CodeUnavailable, "reading the image: %v", err)
	}
	r, err := q.scanner.Scan(ctx, data)
	return r.Found, err
}
