package load

import (
	"context"
	"testing"
	"time"

	"hongyan/internal/load/impair"
	"hongyan/internal/turnserver"
)

func startTURN(t *testing.T) *turnserver.Server {
	t.Helper()
	s, err := turnserver.New(turnserver.Config{Listen: "127.0.0.1:0", Realm: "hongyan", Secret: []byte("0123456789abcdef0123"),
		TTL: time.Hour, MaxAllocations: 100, MaxPerUser: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The workload counts every datagram through a clean relay, and about the
// share an impairment proxy drops when one is in front.
func TestTURNRelayWorkload(t *testing.T) {
	s := startTURN(t)
	opt := Options{Users: 4, Duration: time.Second, Seed: 3, TURN: TURNOptions{ICEServers: func(user string) []turnserver.ICEServer {
		return s.ICEServers(user, time.Now())
	}}}
	r, err := runTURNRelay(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	tr := r.TURN
	if tr.Allocated != 4 || tr.ToPeer.Sent < 100 || tr.ToClient.Sent < 100 {
		t.Fatalf("result %+v; want 4 flows sending ~50 datagrams a second each way", tr)
	}
	if tr.ToPeer.Delivered != tr.ToPeer.Sent || tr.ToClient.Delivered != tr.ToClient.Sent || tr.ToPeer.Duplicates != 0 {
		t.Errorf("clean relay: to peer %+v, to client %+v; want everything delivered once", tr.ToPeer, tr.ToClient)
	}
	if st := s.Stats(); st.PacketsToPeers < tr.ToPeer.Delivered {
		t.Errorf("the server relayed %d datagrams to peers, the workload counted %d delivered", st.PacketsToPeers, tr.ToPeer.Delivered)
	}

	opt.TURN.Impair = &impair.Link{Drop: 0.3}
	r, err = runTURNRelay(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string]TURNFlows{"to peer": r.TURN.ToPeer, "to client": r.TURN.ToClient} {
		if d.LossPct < 20 || d.LossPct > 40 || d.Lost != d.Sent-d.Delivered {
			t.Errorf("%s with 30%% drop: %+v; want a loss of 30 ± 10 %%", name, d)
		}
	}
}

func TestTURNRelayWithSecret(t *testing.T) {
	s := startTURN(t)
	opt := Options{Users: 1, Duration: 200 * time.Millisecond, TURN: TURNOptions{Addr: s.UDPAddr().String(), Secret: "0123456789abcdef0123"}}
	r, err := runTURNRelay(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.TURN.Allocated != 1 || r.TURN.ToPeer.Delivered == 0 {
		t.Errorf("result %+v; want one flow carrying datagrams", r.TURN)
	}
	opt.TURN.Secret = "another secret, not the server's"
	if r, err := runTURNRelay(context.Background(), opt); err != nil || r.TURN.Failed != 1 || r.TURN.Allocated != 0 {
		t.Errorf("with the wrong secret: %+v, %v; want the flow refused", r.TURN, err)
	}
}
