package node_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

// device follows one device's change log and the pushes it gets.
type device struct {
	t       *testing.T
	c       *wsclient.Conn
	s       *wsclient.Syncer
	calls   map[int64]*pb.Call
	msgs    []*pb.Message
	signals []*pb.CallSignal
	stop    context.CancelFunc // ends the wait in hand: a push came
}

func follow(t *testing.T, c *wsclient.Conn) *device {
	d := &device{t: t, c: c, s: wsclient.NewSyncer(c, 0), calls: map[int64]*pb.Call{}}
	d.s.OnPush = func(f *pb.ServerFrame) {
		if g := f.GetCallSignal(); g != nil {
			d.signals = append(d.signals, g)
			d.stop()
		}
	}
	return d
}

// until reads changes and pushes until ok holds (30 s at most).
func (d *device) until(what string, ok func() bool) {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !ok() {
		wait, stop := context.WithCancel(ctx)
		d.stop = stop
		changes, err := d.s.Next(wait)
		stop()
		if errors.Is(err, context.Canceled) && ctx.Err() == nil {
			continue // a signal came: look again
		}
		if err != nil {
			d.t.Fatalf("waiting for %s: %v", what, err)
		}
		for _, ch := range changes {
			if v := ch.GetCall(); v != nil {
				d.calls[v.Id] = v
			}
			if m := ch.GetMessage(); m != nil {
				d.msgs = append(d.msgs, m)
			}
		}
	}
}

func (d *device) state(id int64, s pb.CallState) func() bool {
	return func() bool { return d.calls[id].GetState() == s }
}

func (d *device) record(id int64) *pb.CallRecord {
	for _, m := range d.msgs {
		if m.Kind == pb.MessageKind_MESSAGE_KIND_CALL && m.GetCall().GetCall() == id {
			return m.GetCall()
		}
	}
	return nil
}

func place(peer int64, video bool) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_CallPlace{CallPlace: &pb.CallPlaceRequest{Peer: peer, Video: video}}}
}

func callRef(id int64, req func(*pb.CallRef) *pb.ClientFrame) *pb.ClientFrame {
	return req(&pb.CallRef{Call: id})
}

func accept(r *pb.CallRef) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_CallAccept{CallAccept: r}}
}

func hangup(id int64) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_CallHangup{CallHangup: &pb.CallHangupRequest{Call: id}}}
}

func signal(g *pb.CallSignal) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_CallSignal{CallSignal: g}}
}

func TestCallsThroughTheGateway(t *testing.T) {
	forEachEngineWith(t, func(c *config.Config) {
		c.Calls.ICEServers = []string{"stun:stun.example.org:3478", "turn:turn.example.org:3478"}
		c.Calls.ICEUsername, c.Calls.ICECredential = "u", "p"
	}, func(t *testing.T, srv *httptest.Server) {
		ann, bob, cat, eve, dan := registerUser(t, srv, "call_ann"), registerUser(t, srv, "call_bob"), registerUser(t, srv, "call_cat"),
			registerUser(t, srv, "call_eve"), registerUser(t, srv, "call_dan")
		bob2 := secondDevice(t, srv, bob)
		befriend(t, srv, ann, bob)
		befriend(t, srv, cat, bob)
		befriend(t, srv, ann, dan)
		ca, cb1, cb2, cc, ce, cd := session(t, srv, ann), session(t, srv, bob), session(t, srv, bob2), session(t, srv, cat), session(t, srv, eve), session(t, srv, dan)

		// A stranger, and one who blocked the caller, cannot be called.
		if got := callCode(ce, place(ann.id, false)); got != "permission_denied" {
			t.Errorf("a stranger calls: got %q, want permission_denied", got)
		}
		call(t, cd, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: ann.id, Blocked: true}}})
		if got := callCode(ca, place(dan.id, false)); got != "permission_denied" {
			t.Errorf("calling one who blocked me: got %q, want permission_denied", got)
		}

		sess := call(t, ca, place(bob.id, false)).GetCallSession()
		v := sess.GetCall()
		if v.GetState() != pb.CallState_CALL_STATE_RINGING || !v.ThisDevice || v.RingDeadline <= v.Created {
			t.Fatalf("placed: got %v, want ringing on this device with a deadline", v)
		}
		// The node's own relay first (STUN, and TURN with credentials for
		// this user), then the configured servers.
		ice := sess.IceServers
		if len(ice) != 3 || len(ice[0].Urls) != 2 || !strings.HasPrefix(ice[0].Urls[0], "stun:127.0.0.1:") || !strings.HasPrefix(ice[0].Urls[1], "turn:127.0.0.1:") ||
			!strings.HasSuffix(ice[0].Username, fmt.Sprintf(":%d", ann.id)) || ice[0].Credential == "" ||
			ice[1].Username != "" || ice[2].Username != "u" {
			t.Errorf("ICE servers: got %v, want the node's relay with credentials for %d, then the configured STUN and TURN", ice, ann.id)
		}
		// Every device of the callee rings.
		b1, b2, a := follow(t, cb1), follow(t, cb2), follow(t, ca)
		b1.until("ringing on bob's first device", b1.state(v.Id, pb.CallState_CALL_STATE_RINGING))
		b2.until("ringing on bob's second device", b2.state(v.Id, pb.CallState_CALL_STATE_RINGING))
		if b1.calls[v.Id].ThisDevice {
			t.Errorf("a ringing device: this_device true before it answered")
		}
		// Busy: cat calls bob while bob's phone rings.
		busy := call(t, cc, place(bob.id, false)).GetCallSession().GetCall()
		if busy.State != pb.CallState_CALL_STATE_ENDED || busy.End != pb.CallEnd_CALL_END_BUSY {
			t.Errorf("calling one whose phone rings: got %v, want busy", busy)
		}
		// Strangers can neither see nor touch the call.
		for _, f := range []*pb.ClientFrame{callRef(v.Id, accept), hangup(v.Id), {Req: &pb.ClientFrame_CallGet{CallGet: &pb.CallRef{Call: v.Id}}}} {
			if got := callCode(ce, f); got != "not_found" {
				t.Errorf("a stranger's %T: got %q, want not_found", f.Req, got)
			}
		}
		if got := callCode(ca, signal(&pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER, Sdp: "v=0"})); got != "failed_precondition" {
			t.Errorf("an offer before the answer: got %q, want failed_precondition", got)
		}

		// The second device answers first; the first stops ringing.
		acc := call(t, cb2, callRef(v.Id, accept)).GetCallSession().GetCall()
		if acc.State != pb.CallState_CALL_STATE_ACTIVE || !acc.ThisDevice {
			t.Fatalf("accepted: got %v", acc)
		}
		if _, err := cb1.Call(context.Background(), callRef(v.Id, accept)); wsclient.ErrorReason(err) != "answered_elsewhere" {
			t.Errorf("the other device accepts too: got %v, want answered_elsewhere", err)
		}
		b1.until("bob's first device sees it answered", b1.state(v.Id, pb.CallState_CALL_STATE_ACTIVE))
		if b1.calls[v.Id].ThisDevice {
			t.Errorf("the device that did not answer: this_device true, want false (answered elsewhere)")
		}
		a.until("ann sees the answer", a.state(v.Id, pb.CallState_CALL_STATE_ACTIVE))

		// Signalling reaches the device that answered, and only it.
		big := make([]byte, 16<<10+1)
		for i := range big {
			big[i] = 'a'
		}
		if got := callCode(ca, signal(&pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER, Sdp: string(big)})); got != "invalid_argument" {
			t.Errorf("an SDP over 16 KiB: got %q, want invalid_argument", got)
		}
		if got := callCode(cb1, signal(&pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_ANSWER, Sdp: "v=0"})); got != "permission_denied" {
			t.Errorf("a signal from the device that did not answer: got %q, want permission_denied", got)
		}
		call(t, ca, signal(&pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER, Sdp: "v=0 offer"}))
		b2.until("the offer on the answering device", func() bool { return len(b2.signals) > 0 })
		if g := b2.signals[0]; g.Sdp != "v=0 offer" || g.From != ann.id || g.Kind != pb.CallSignalKind_CALL_SIGNAL_KIND_OFFER {
			t.Errorf("offer pushed: got %v", g)
		}
		call(t, cb2, signal(&pb.CallSignal{Call: v.Id, Kind: pb.CallSignalKind_CALL_SIGNAL_KIND_CANDIDATE, Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host", Mid: "0"}))
		a.until("the candidate on the caller", func() bool { return len(a.signals) > 0 })
		if g := a.signals[0]; g.Candidate == "" || g.Mid != "0" || g.From != bob.id {
			t.Errorf("candidate pushed: got %v", g)
		}

		// Hang up: the record reaches both chats, on every device.
		end := call(t, cb2, hangup(v.Id)).GetCall()
		if end.State != pb.CallState_CALL_STATE_ENDED || end.End != pb.CallEnd_CALL_END_HUNG_UP {
			t.Fatalf("hung up: got %v", end)
		}
		for name, d := range map[string]*device{"ann": a, "bob 1": b1, "bob 2": b2} {
			d.until(name+" sees the call end and its record", func() bool {
				return d.calls[v.Id].GetState() == pb.CallState_CALL_STATE_ENDED && d.record(v.Id) != nil
			})
			if r := d.record(v.Id); r.End != pb.CallEnd_CALL_END_HUNG_UP {
				t.Errorf("%s: record %v, want hung up", name, r)
			}
		}
		if len(b1.signals) != 0 {
			t.Errorf("the device that did not answer got signals: %v", b1.signals)
		}
		// The busy call's record is in cat's chat.
		c := follow(t, cc)
		c.until("cat's busy record", func() bool { return c.record(busy.Id) != nil })
		if r := c.record(busy.Id); r.End != pb.CallEnd_CALL_END_BUSY {
			t.Errorf("busy record: %v", r)
		}
		// A removed friend cannot be called any more.
		call(t, cc, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteContact{DeleteContact: &pb.UserRef{User: bob.id}}})
		if got := callCode(cc, place(bob.id, false)); got != "permission_denied" {
			t.Errorf("calling a removed friend: got %q, want permission_denied", got)
		}
		// A call record cannot be sent by a client.
		if got := callCode(ca, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: bob.id, ClientId: "x", Kind: pb.MessageKind_MESSAGE_KIND_CALL}}}); got != "invalid_argument" {
			t.Errorf("sending a call record: got %q, want invalid_argument", got)
		}
	})
}

// A call nobody answers ends after calls.ring_timeout, swept by the node,
// with a record ("Missed" to the callee).
func TestCallNoAnswerIsSwept(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := config.Default()
			cfg.Data = t.TempDir()
			if engine == "postgres" {
				cfg.Storage.Driver, cfg.Storage.Postgres = "postgres", pgtest.DSN(t)
			}
			cfg.Calls.RingTimeout = config.Duration{Duration: 300 * time.Millisecond}
			srv, n := startNodeWith(t, cfg)
			ann, bob := registerUser(t, srv, "ring_ann"), registerUser(t, srv, "ring_bob")
			befriend(t, srv, ann, bob)
			ca, cb := session(t, srv, ann), session(t, srv, bob)
			v := call(t, ca, place(bob.id, true)).GetCallSession().GetCall()
			if k, err := n.Calls().Sweep(context.Background()); err != nil || k != 0 {
				t.Fatalf("sweep before the timeout: ended %d, %v; want none", k, err)
			}
			// Sweep (as the node's job does) until the deadline passed.
			deadline := time.Now().Add(10 * time.Second)
			for {
				k, err := n.Calls().Sweep(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if k == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the ringing call was never swept")
				}
				time.Sleep(50 * time.Millisecond) // polling the clock, not synchronising
			}
			b := follow(t, cb)
			b.until("the missed call and its record", func() bool {
				return b.calls[v.Id].GetState() == pb.CallState_CALL_STATE_ENDED && b.record(v.Id) != nil
			})
			if got := b.calls[v.Id]; got.End != pb.CallEnd_CALL_END_NO_ANSWER || !got.Video {
				t.Errorf("swept: got %v, want a video call with no answer", got)
			}
			if r := b.record(v.Id); r.End != pb.CallEnd_CALL_END_NO_ANSWER || !r.Video || r.DurationMs != 0 {
				t.Errorf("record: got %v", r)
			}
			// The line is free again.
			if v2 := call(t, ca, place(bob.id, false)).GetCallSession().GetCall(); v2.State != pb.CallState_CALL_STATE_RINGING {
				t.Errorf("calling again: got %v, want ringing", v2)
			}
		})
	}
}
