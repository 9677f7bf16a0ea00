package node

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/sqldb/stores"
)

// takeOnly hides a limiter's TakeN, so that hongyan.Lease cannot lease
// from it: every send is a store round trip (what leasing saves).
type takeOnly struct{ hongyan.RateLimiter }

// BenchmarkSendLimit sends b.N one-to-one texts from 200 users in pairs,
// 16 at a time, through the chat feature (spam screening off) with the
// send limit off, in memory (one node), through the store with leased
// quotas (a cluster: chat.UseLimiters) and through the store one round
// trip per message (for comparison). The limit (10⁹ a minute) is never
// reached. Run:
//
//	go test ./internal/node -run '^$' -bench SendLimit/sqlite -benchtime 20000x
//	HONGYAN_TEST_POSTGRES=… go test ./internal/node -run '^$' -bench SendLimit/postgres -benchtime 20000x
func BenchmarkSendLimit(b *testing.B) { onEngines(b, benchSendLimit) }

func benchSendLimit(b *testing.B, open func(*testing.B) *stores.DB) {
	rate := hongyan.Rate{N: 1_000_000_000, Per: time.Minute}
	for _, mode := range []string{"off", "memory", "leased", "per-message"} {
		b.Run(mode, func(b *testing.B) {
			db := open(b)
			defer db.Close()
			ctx := b.Context()
			chats := chat.New(db.Chats(), anyone{}, hongyan.Publisher{Bus: membus.New()})
			switch mode {
			case "memory":
				chats.LimitSends(rate)
			case "leased":
				chats.LimitSends(rate)
				chats.UseLimiters(db.Limits().Limiters)
			case "per-message":
				chats.LimitSends(rate)
				chats.UseLimiters(func(name string, r hongyan.Rate) hongyan.RateLimiter {
					return takeOnly{db.Limits().Limiters(name, r)}
				})
			}
			const users = 200
			var next atomic.Int64
			n := int64(b.N)
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range 16 {
				wg.Go(func() {
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
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/msg")
		})
	}
}
