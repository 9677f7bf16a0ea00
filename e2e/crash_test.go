package e2e

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// device is one signed-in device driven through the Go client.
type device struct {
	token string
	user  int64
}

// register creates account id and returns its first device.
func register(t *testing.T, s *server, id string) device {
	t.Helper()
	return signIn(t, s, &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: id, Password: id + "-password", DeviceName: "test"}}})
}

// login signs account id in on another device.
func login(t *testing.T, s *server, id string) device {
	t.Helper()
	return signIn(t, s, &pb.ClientFrame{Req: &pb.ClientFrame_Login{Login: &pb.LoginRequest{Login: id, Password: id + "-password", DeviceName: "second"}}})
}

func signIn(t *testing.T, s *server, req *pb.ClientFrame) device {
	t.Helper()
	ctx := context.Background()
	c, err := wsclient.Dial(ctx, s.url())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Call(ctx, req)
	if err != nil || resp.GetSession() == nil {
		t.Fatalf("%v: got %v, %v; want a session", req, resp, err)
	}
	return device{token: resp.GetSession().Token, user: resp.GetSession().User}
}

// connect dials and says hello as d.
func connect(ctx context.Context, s *server, d device) (*wsclient.Conn, error) {
	c, err := wsclient.Dial(ctx, s.url())
	if err != nil {
		return nil, err
	}
	if _, err := c.Hello(ctx, d.token); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func call(t *testing.T, s *server, d device, f *pb.ClientFrame) *pb.ServerFrame {
	t.Helper()
	ctx := context.Background()
	c, err := connect(ctx, s, d)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Call(ctx, f)
	if err != nil {
		t.Fatalf("%v: %v", f, err)
	}
	return resp
}

func befriend(t *testing.T, s *server, a, b device) {
	t.Helper()
	fr := call(t, s, a, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.user}}})
	if fr.GetFriendRequest().GetState() == pb.RequestState_REQUEST_STATE_ACCEPTED {
		return
	}
	call(t, s, b, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: fr.GetFriendRequest().GetId(), Accept: true}}})
}

// history reads every message a device can see, from cursor 0.
func history(t *testing.T, s *server, d device) []*pb.Message {
	t.Helper()
	ctx := context.Background()
	c, err := connect(ctx, s, d)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var msgs []*pb.Message
	cursor := int64(0)
	for {
		page, err := c.Sync(ctx, cursor, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range page.Changes {
			if ch.Seq != cursor+1 {
				t.Fatalf("change log gap: got seq %d after %d", ch.Seq, cursor)
			}
			cursor = ch.Seq
			if m := ch.GetMessage(); m != nil {
				msgs = append(msgs, m)
			}
		}
		if !page.More {
			return msgs
		}
	}
}

// The server is killed with SIGKILL again and again while a client sends
// 1,000 messages, retrying each with its client ID until acknowledged.
// Afterwards every acknowledged message is present exactly once, in send
// order, with its acknowledged ID and sequence, on every device of both users.
func TestSIGKILLDuringSendsLosesNothing(t *testing.T) {
	const total = 1000
	killAt := map[int]bool{100: true, 250: true, 400: true, 550: true, 700: true, 850: true}
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	alice, bob := register(t, s, "alice_kill"), register(t, s, "bob_kill1")
	alice2, bob2 := login(t, s, "alice_kill"), login(t, s, "bob_kill1")
	befriend(t, s, alice, bob)

	type ack struct{ id, seq int64 }
	acks := make([]ack, total)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var conn *wsclient.Conn
	kills, retries := 0, 0
	for i := 0; i < total; i++ {
		if killAt[i] {
			// Kill while a send may be in flight: the next send starts
			// concurrently with the kill.
			go s.kill()
		}
		clientID := fmt.Sprintf("kill-%04d", i)
		for attempt := 0; ; attempt++ {
			if conn == nil {
				c, err := connect(ctx, s, alice)
				if err != nil {
					// The server is down: start it again (same data and
					// port), as a supervisor would.
					select {
					case <-s.done:
						s = s.restart()
						kills++
					default:
						if ctx.Err() != nil {
							t.Fatalf("message %d: %v", i, err)
						}
					}
					continue
				}
				conn = c
			}
			sent, err := conn.Send(ctx, &pb.SendRequest{Peer: bob.user, ClientId: clientID, Text: fmt.Sprintf("message %d", i)})
			if err == nil {
				acks[i] = ack{sent.Id, sent.Seq}
				break
			}
			var se *wsclient.Error
			if errors.As(err, &se) {
				t.Fatalf("message %d: server refused: %v", i, err)
			}
			conn.Close()
			conn = nil
			retries++
		}
	}
	if conn != nil {
		conn.Close()
	}
	if kills < len(killAt) {
		t.Fatalf("server restarted %d times, want %d", kills, len(killAt))
	}
	t.Logf("%d messages, %d kills, %d retried sends", total, kills, retries)

	for name, d := range map[string]device{"alice": alice, "alice2": alice2, "bob": bob, "bob2": bob2} {
		msgs := history(t, s, d)
		if len(msgs) != total {
			t.Errorf("%s: got %d messages, want %d", name, len(msgs), total)
			continue
		}
		for i, m := range msgs {
			want := fmt.Sprintf("message %d", i)
			if m.Text != want || m.Id != acks[i].id || m.Seq != acks[i].seq || m.Seq != int64(i+1) {
				t.Errorf("%s message %d: got %q id %d seq %d, want %q id %d seq %d", name, i, m.Text, m.Id, m.Seq, want, acks[i].id, acks[i].seq)
				break
			}
		}
	}
}
