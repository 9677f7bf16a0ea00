package node

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/spam"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// countingAccounts counts the account reads the screener makes.
type countingAccounts struct {
	reads   atomic.Int64
	created time.Time
}

func (c *countingAccounts) Account(_ context.Context, id hongyan.UserID) (account.Account, error) {
	c.reads.Add(1)
	return account.Account{ID: id, Created: c.created}, nil
}

// A user's messages cost one account read on the node (the first), not
// one each; a new account is still seen as new.
func TestSpamScreenReadsAccountOnce(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts := &countingAccounts{created: time.Now().Add(-time.Hour)}
	s := newSpamScreen(spam.New(db.Spam(), spam.LogReporter{}, spam.Config{Action: spam.Hold, NewAccountMedia: 3}), accounts)
	for i := range 10 {
		_, err = s.ScreenMessage(ctx, chat.Screened{Sender: 7, Target: "u:" + strconv.Itoa(i), Text: "photo", Image: true})
	}
	if got := accounts.reads.Load(); got != 1 {
		t.Errorf("account reads for 10 messages of one user: got %d, want 1", got)
	}
	if hongyan.ErrorCode(err) != hongyan.CodeDenied {
		t.Errorf("the 10th image of a new account: got %v, want held (the account still seen as new)", err)
	}
	c := newCreatedTimes(2)
	for u := range hongyan.UserID(10) {
		c.put(u, time.Unix(int64(u), 0))
		if len(c.cur) > 2 || len(c.old) > 2 {
			t.Fatalf("after %d users: %d and %d kept, want at most 2 each", u+1, len(c.cur), len(c.old))
		}
	}
	if got, ok := c.get(9); !ok || got.Unix() != 9 {
		t.Errorf("the latest user: got %v, %v", got, ok)
	}
}

// BenchmarkChatSend sends b.N one-to-one texts (the load generator's
// kind: a distinct 21-byte text each) from 200 users in pairs, 16 at a
// time, through the chat feature and the spam screener as the node wires
// them, on both engines, with spam detection off, in report and in hold
// mode. It reports the process's CPU time per message (cpu-µs/msg: the
// node's share, and SQLite's, which runs inside it; PostgreSQL's server
// is not counted) besides the wall time. Run:
//
//	go test ./internal/node -run '^$' -bench ChatSend -benchtime 20000x
//	HONGYAN_TEST_POSTGRES=1 go test ./internal/node -run '^$' -bench ChatSend/postgres -benchtime 20000x
func BenchmarkChatSend(b *testing.B) { onEngines(b, benchSend) }

// onEngines runs bench on a fresh store of each engine (PostgreSQL when
// HONGYAN_TEST_POSTGRES is set).
func onEngines(b *testing.B, bench func(*testing.B, func(*testing.B) *stores.DB)) {
	b.Run("sqlite", func(b *testing.B) {
		bench(b, func(b *testing.B) *stores.DB {
			db, err := sqlite.Open(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			return db
		})
	})
	b.Run("postgres", func(b *testing.B) {
		if os.Getenv("HONGYAN_TEST_POSTGRES") == "" {
			pgtest.Require(b)
		}
		bench(b, func(b *testing.B) *stores.DB {
			db, err := postgres.Open(b.Context(), pgtest.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			return db
		})
	})
}

func benchSend(b *testing.B, open func(*testing.B) *stores.DB) {
	for _, mode := range []spam.Action{spam.Off, spam.Report, spam.Hold} {
		b.Run(string(mode), func(b *testing.B) {
			db := open(b)
			defer db.Close()
			ctx := b.Context()
			pub := hongyan.Publisher{Bus: membus.New()}
			const users = 200
			for u := 1; u <= users; u++ {
				if _, err := db.Accounts().CreateAccount(ctx, account.Account{ID: hongyan.UserID(u), AccountID: fmt.Sprintf("bench%05d", u),
					Created: time.Now().Add(-30 * 24 * time.Hour)}); err != nil {
					b.Fatal(err)
				}
			}
			accounts := account.New(db.Accounts(), nil, pub, account.Config{})
			chats := chat.New(db.Chats(), anyone{}, pub)
			sp := spam.New(db.Spam(), spam.LogReporter{}, spam.Config{Action: mode})
			chats.Extend(chat.Extensions{Screen: newSpamScreen(sp, accounts)})
			var next atomic.Int64
			n := int64(b.N)
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > n {
							return
						}
						from := hongyan.UserID(i%users + 1)
						to := from + 1
						if from%2 == 0 {
							to = from - 1
						}
						text := fmt.Sprintf("%019d x", time.Now().UnixNano())
						if _, err := chats.Send(ctx, caller(from), chat.Outgoing{Peer: to, ClientID: strconv.FormatInt(i, 10), Kind: chat.KindText, Text: text}); err != nil {
							b.Errorf("send %d: %v", i, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
