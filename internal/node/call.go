package node

import (
	"context"
	"strings"
	"time"

	"hongyan/internal/call"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb/stores"
)

// newCalls builds one-to-one calls from cfg, on the contact feature (who
// may call whom) and the chat feature (call records), and adds the
// resolver of its change-log entries to rs.
func newCalls(cfg config.Config, db *stores.DB, contacts *contact.Service, chats *chat.Service, pub hongyan.Publisher, rs changelog.Resolvers, turn *relays) *call.Service {
	c := cfg.Calls
	s := call.New(db.Calls(), contacts, callRecords{chats}, callICE{c, turn}, pub, call.Config{
		RingTimeout: c.RingTimeout.Duration, Liveness: c.Liveness.Duration,
		PlaceRate: hongyan.Rate{N: c.PlacePerMinute, Per: time.Minute},
	})
	rs[hongyan.ChangeCall] = each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return found(s.Get(ctx, me, e.Ref))
	})
	return s
}

// callICE hands out the node's TURN relays (the built-in one and an
// external one, with short-lived credentials for the user) and the
// configured calls.ice_servers.
type callICE struct {
	cfg  config.Calls
	turn *relays
}

func (s callICE) ICEServers(_ context.Context, user hongyan.UserID) ([]call.ICEServer, error) {
	var out []call.ICEServer
	if s.turn != nil {
		for _, v := range s.turn.ICEServers(user, time.Now()) {
			out = append(out, call.ICEServer{URLs: v.URLs, Username: v.Username, Credential: v.Credential})
		}
	}
	for _, u := range s.cfg.ICEServers {
		v := call.ICEServer{URLs: []string{u}}
		if strings.HasPrefix(u, "turn") {
			v.Username, v.Credential = s.cfg.ICEUsername, s.cfg.ICECredential
		}
		out = append(out, v)
	}
	return out, nil
}

// callRecords posts call records into chats as the caller's messages.
type callRecords struct{ chats *chat.Service }

func (r callRecords) PostRecord(ctx context.Context, c call.Call) error {
	_, err := r.chats.PostCall(ctx, c.Caller, c.Callee, chat.CallRecord{Call: c.ID, End: int(c.End), Video: c.Video,
		DurationMS: c.Duration().Milliseconds()})
	return err
}

// sweepCalls ends calls past their deadline and posts records left
// unposted, every calls.sweep_interval until ctx ends.
func (n *Node) sweepCalls(ctx context.Context) {
	t := time.NewTicker(n.cfg.Calls.SweepInterval.Duration)
	defer t.Stop()
	for {
		n.job(ctx, "calls-sweep", func(ctx context.Context) error {
			_, err := n.calls.Sweep(ctx)
			return err
		})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Calls returns the node's call service (tests).
func (n *Node) Calls() *call.Service { return n.calls }
