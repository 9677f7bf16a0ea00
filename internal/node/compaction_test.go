package node_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

// A change log is compacted: entries older than history.changelog_window
// are pruned; a device whose cursor is older is told to reset, rebuilds
// its state from the list requests and goes on from the head it was told;
// a device that had caught up goes on as if nothing happened.
func TestChangeLogCompaction(t *testing.T) {
	engines := map[string]func(*testing.T, *config.Config){
		"sqlite": func(*testing.T, *config.Config) {},
		"postgres": func(t *testing.T, c *config.Config) {
			c.Storage.Driver, c.Storage.Postgres = "postgres", pgtest.DSN(t)
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Data = t.TempDir()
			cfg.Limits = config.Limits{}
			cfg.History.ChangeLogWindow = config.Duration{Duration: time.Millisecond}
			engines[name](t, &cfg)
			ctx := context.Background()
			cfg.PasswordCost = config.TestPasswordCost
			n, err := node.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(n.Handler())
			t.Cleanup(func() { n.Close(); srv.Close() })

			alice, bob := registerUser(t, srv, "alice_cmp"), registerUser(t, srv, "bob_00cmp")
			befriend(t, srv, alice, bob)
			ac := session(t, srv, alice)
			call(t, ac, send(bob.id, "c1", "before the pruning"))
			live := session(t, srv, bob)
			caughtUp := wsclient.NewSyncer(live, 0)
			for !caughtUp.Live() {
				if _, err := caughtUp.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(5 * time.Millisecond) // the entries are now older than the window
			n.Prune(ctx)

			// A device that never synced is reset, and rebuilds.
			fresh := session(t, srv, bob)
			s := wsclient.NewSyncer(fresh, 0)
			var rebuilt []*pb.ConversationState
			var contacts []*pb.Contact
			s.OnReset = func(ctx context.Context, head int64) error {
				if head != caughtUp.Cursor() {
					t.Errorf("reset to head %d, want %d", head, caughtUp.Cursor())
				}
				rebuilt = call(t, fresh, &pb.ClientFrame{Req: &pb.ClientFrame_Conversations{Conversations: &pb.Empty{}}}).GetConversations().GetConversations()
				contacts = call(t, fresh, &pb.ClientFrame{Req: &pb.ClientFrame_ListContacts{ListContacts: &pb.Empty{}}}).GetContacts().GetContacts()
				return nil
			}
			for !s.Live() {
				if cs, err := s.Next(ctx); err != nil || len(cs) != 0 {
					t.Fatalf("after the pruning: got %d changes, %v; want a reset and no changes", len(cs), err)
				}
			}
			if len(rebuilt) != 1 || rebuilt[0].GetLast().GetText() != "before the pruning" {
				t.Errorf("rebuilt chat list: got %v, want the chat with alice's message", rebuilt)
			}
			if len(contacts) != 1 || contacts[0].GetUser() != alice.id {
				t.Errorf("rebuilt contacts: got %v, want alice", contacts)
			}
			if s.Cursor() != caughtUp.Cursor() {
				t.Errorf("after the reset: cursor %d, want the head %d", s.Cursor(), caughtUp.Cursor())
			}
			// Without OnReset the Syncer says so.
			if _, err := wsclient.NewSyncer(session(t, srv, bob), 0).Next(ctx); !errorsIs(err, wsclient.ErrReset) {
				t.Errorf("a reset without OnReset: got %v, want ErrReset", err)
			}

			// New messages reach the caught-up device live, and the reset one.
			call(t, ac, send(bob.id, "c2", "after the pruning"))
			for _, sy := range []*wsclient.Syncer{caughtUp, s} {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				var got []*pb.Change
				for len(got) == 0 {
					cs, err := sy.Next(cctx)
					if err != nil {
						t.Fatalf("after the pruning: %v", err)
					}
					got = append(got, cs...)
				}
				cancel()
				if got[0].GetMessage().GetText() != "after the pruning" {
					t.Errorf("after the pruning: got %v, want alice's new message", got[0])
				}
			}
		})
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
