package chat

import (
	"context"
	"strconv"
	"sync"

	"hongyan/internal/hongyan"
)

// MaxBroadcast is the most recipients of one broadcast.
const MaxBroadcast = 200

// maxBroadcastClientID leaves room in each message's client ID for the
// recipient's ID.
const maxBroadcastClientID = MaxClientID - 21

// BroadcastResult is the outcome of a broadcast for one recipient.
type BroadcastResult struct {
	Peer    hongyan.UserID
	Message Message // set when Err is nil
	Err     error
}

// Broadcast sends one message to many contacts as separate one-to-one
// messages (the broadcast assistant). Each recipient's message has the
// client ID o.ClientID + "/" + recipient, so a retried broadcast delivers
// nothing twice. Each recipient succeeds or fails on its own (a
// non-friend, someone who blocked the caller); results follow the order
// of peers.
func (s *Service) Broadcast(ctx context.Context, c hongyan.Caller, peers []hongyan.UserID, o Outgoing) ([]BroadcastResult, error) {
	if len(peers) == 0 || len(peers) > MaxBroadcast {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "a broadcast goes to 1 to %d contacts", MaxBroadcast)
	}
	if o.ClientID == "" || len(o.ClientID) > maxBroadcastClientID {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "client message ID must be 1 to %d bytes", maxBroadcastClientID)
	}
	// The content is the same for every recipient: refuse bad content
	// once, as the request's error, not as one failure per recipient.
	if o.content == nil {
		if err := checkContent(o); err != nil {
			return nil, err
		}
	}
	seen := make(map[hongyan.UserID]bool, len(peers))
	for _, p := range peers {
		if seen[p] {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "recipient %d is listed twice", p)
		}
		seen[p] = true
	}
	// Screened once for all: a broadcast is one message to one's own
	// contacts, not the same message to many chats.
	flagged, err := s.screen(ctx, c.User, Outgoing{Kind: o.Kind, Text: o.Text, URL: o.URL, content: o.content})
	if err != nil {
		return nil, err
	}
	o.screened, o.flagged = true, flagged
	results := make([]BroadcastResult, len(peers))
	// Sends run side by side so that they share group commits.
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			one := o
			one.Peer = p
			one.ClientID = o.ClientID + "/" + strconv.FormatInt(int64(p), 10)
			m, err := s.Send(ctx, c, one)
			results[i] = BroadcastResult{Peer: p, Message: m, Err: err}
		}()
	}
	wg.Wait()
	return results, nil
}
