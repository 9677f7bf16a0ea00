package callclient_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"hongyan/internal/callclient"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/wsclient"
)

type account struct {
	conn *wsclient.Conn
	id   int64
}

func signUp(t *testing.T, srv *httptest.Server, name string) account {
	t.Helper()
	ctx := context.Background()
	c, err := wsclient.Dial(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.Register(ctx, &pb.RegisterRequest{AccountId: name, Password: "password-" + name, Nickname: name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Hello(ctx, s.Token); err != nil {
		t.Fatal(err)
	}
	return account{c, s.User}
}

func befriend(t *testing.T, a, b account) {
	t.Helper()
	ctx := context.Background()
	f, err := a.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.id}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{
		Request: f.GetFriendRequest().GetId(), Accept: true}}}); err != nil {
		t.Fatal(err)
	}
}

// A voice and a video call between two Go clients through a real node
// carry media both ways.
func TestCallCarriesMedia(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	ann, bob := signUp(t, srv, "media_ann"), signUp(t, srv, "media_bob")
	befriend(t, ann, bob)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ca, err := callclient.New(ctx, ann.conn, ann.id)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cb, err := callclient.New(ctx, bob.conn, bob.id)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	for _, video := range []bool{false, true} {
		answered := make(chan callclient.Result, 1)
		errs := make(chan error, 1)
		go func() {
			r, err := cb.Answer(ctx, callclient.Options{})
			if err != nil {
				errs <- err
				return
			}
			answered <- r
		}()
		got, err := ca.Place(ctx, bob.id, callclient.Options{Video: video, Talk: time.Second})
		if err != nil {
			t.Fatalf("Place (video %v): %v", video, err)
		}
		var other callclient.Result
		select {
		case other = <-answered:
		case err := <-errs:
			t.Fatalf("Answer: %v", err)
		}
		for name, r := range map[string]callclient.Result{"caller": got, "callee": other} {
			if r.State != "hung_up" || r.Video != video || r.SetupMS <= 0 || r.PacketsSent < 20 || r.PacketsReceived < 20 || r.DurationMS < 500 {
				t.Errorf("%s (video %v): got %+v; want a hung-up call that carried media both ways for about a second", name, video, r)
			}
		}
	}
}
