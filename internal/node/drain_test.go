package node_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

// A node told to stop (SIGTERM cancels Serve's context) drains: a connected
// device is closed with 1001 and the reason that tells it to connect again,
// the node stops serving, and what the device sent before is durable.
func TestServeDrainsOnStop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- n.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	c, err := wsclient.Dial(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "drain_ann", Password: "password-drain"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Hello(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: sess.User, ClientId: "d1", Text: "kept"}}}); err != nil {
		t.Fatalf("send to myself: %v", err)
	}

	cancel() // what SIGTERM does
	select {
	case <-c.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("the device was not disconnected by the drain")
	}
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "StatusGoingAway") || !strings.Contains(err.Error(), "connect again") {
		t.Errorf("why the connection ended: got %v, want close 1001 telling the client to connect again", err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after draining")
	}
	n.Close()

	// The node's successor finds the message.
	cfg.PasswordCost = config.TestPasswordCost
	n2, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer n2.Close()
	srv := httptest.NewServer(n2.Handler())
	defer srv.Close()
	c2 := session(t, srv, user{token: sess.Token, account: "drain_ann"})
	r, err := c2.Sync(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ch := range r.Changes {
		if ch.GetMessage().GetText() == "kept" {
			found = true
		}
	}
	if !found {
		t.Errorf("after the drain and a restart: the message sent before is missing")
	}
}
