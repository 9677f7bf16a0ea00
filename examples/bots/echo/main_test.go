package main

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/testenv"
	"hongyan/internal/wsclient"
)

// world is a node with a user who has the bot as a contact.
type world struct {
	srv   *httptest.Server
	user  *wsclient.Conn
	sync  *wsclient.Syncer
	bot   int64
	token string
}

func newWorld(t *testing.T) *world {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.Limits = config.Limits{}
	cfg.PasswordCost = config.TestPasswordCost
	n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(func() { n.Close(); srv.Close() })
	ctx := context.Background()
	c, err := wsclient.Dial(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "echo_user", Password: "password-echo", Nickname: "User"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Hello(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	f, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Echo"}}})
	if err != nil {
		t.Fatal(err)
	}
	b := f.GetBotCreated()
	if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.Bot.Account}}}); err != nil {
		t.Fatal(err)
	}
	return &world{srv: srv, user: c, sync: wsclient.NewSyncer(c, 0), bot: b.Bot.Account, token: b.Token}
}

// ask sends text to the bot and waits for the bot's answer want.
func (w *world) ask(t *testing.T, text, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := w.user.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: w.bot, ClientId: text, Text: text}}}); err != nil {
		t.Fatal(err)
	}
	for {
		cs, err := w.sync.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		for _, c := range cs {
			if m := c.GetMessage(); m != nil && m.Sender == w.bot && m.Text == want {
				return
			}
		}
	}
}

// TestGoEcho runs the Go bot by long polling and over the event stream.
func TestGoEcho(t *testing.T) {
	for name, run := range map[string]func(context.Context, string, string, *log.Logger) error{"poll": Run, "stream": RunStream} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx, w.srv.URL, w.token, log.New(io.Discard, "", 0)) }()
			w.ask(t, "hi "+name, "echo: hi "+name)
			w.ask(t, "again", "echo: again")
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		})
	}
}

func TestPythonEcho(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		testenv.Missing(t, "python3 not found: the Python example bot (examples/bots/echo.py) is not tested")
	}
	w := newWorld(t)
	cmd := exec.Command(py, filepath.Join("..", "echo.py"))
	cmd.Env = append(os.Environ(), "HONGYAN_SERVER="+w.srv.URL, "HONGYAN_BOT_TOKEN="+w.token)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	w.ask(t, "hi py", "echo: hi py")
}
