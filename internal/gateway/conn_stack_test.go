// The race detector makes every frame larger: the stack bound below is
// for ordinary builds.

//go:build !race

package gateway

import (
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/gateway/ws"
	pb "hongyan/internal/gen/hongyanv1"
)

// An idle connection is one goroutine blocked reading, on the smallest
// stack the runtime gives (2 KiB). A reader whose path down to the socket
// is deeper (the runtime grows a stack once a call would come within
// 928 bytes of its end) has its stack doubled to 4 KiB for good — a
// goroutine parked in the network poller never uses little enough for
// the collector to shrink it back — which was most of what an idle
// connection costs (see BENCHMARKS.md, w2-idle).
func TestIdleConnStack(t *testing.T) {
	g := New(Services{}, Options{WriteTimeout: time.Second})
	srv := httptest.NewServer(g)
	t.Cleanup(func() { g.Close(); srv.Close() })
	const n = 300
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 1, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	for range n {
		w := dialRaw(t, srv)
		// A request and its answer first, as a real client's hello: the
		// reader's deepest path (a message's payload) has been taken.
		w.frame(true, ws.OpBinary, ping)
		w.response()
	}
	for deadline := time.Now().Add(5 * time.Second); g.Conns() < n && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perConn := float64(after.StackInuse-before.StackInuse) / n
	t.Logf("%d idle connections: %.0f bytes of stack each", n, perConn)
	// 2 KiB for the reader, and up to ~1.2 KiB of slack: the stacks of the
	// HTTP server's goroutines that ended after the upgrade stay counted
	// while their spans hold live stacks. A reader grown to 4 KiB makes
	// it 4.2 KiB or more.
	if perConn > 3.6*1024 {
		t.Errorf("stack per idle connection: got %.0f bytes, want under 3.6 KiB (the reader at the minimum stack)", perConn)
	}
}
