package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
)

// runCatchup is w4-catchup: a user's device goes offline while 100
// contacts send it opt.Missed messages in all, then reconnects; it reports
// how long the device takes from dialling to holding every missed message
// (hello, then sync pages until the head) and how many bytes crossed the
// socket in both directions (TCP payload, counted at the connection).
func runCatchup(ctx context.Context, opt Options) (Result, error) {
	missed := opt.Missed
	if missed <= 0 {
		missed = 10_000
	}
	const peers = 100
	fmt.Fprintf(opt.Log, "w4-catchup: setting up 1 user and %d contacts on %s\n", peers, opt.Server)
	ps, err := setupPairs(ctx, opt, 2*peers)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()
	// One user befriends the first member of every pair (the pairs are
	// friends already; the receiver is ps[1]).
	recv := ps[1]
	var senders []*participant
	for i := 0; i < len(ps); i += 2 {
		senders = append(senders, ps[i])
		if ps[i] == recv.peer {
			continue
		}
		f, err := ps[i].conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: recv.id}}})
		if err != nil {
			return Result{}, err
		}
		if f.GetFriendRequest().GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
			if _, err := recv.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}}); err != nil {
				return Result{}, err
			}
		}
	}
	cursor, err := recv.conn.Ping(ctx, 0)
	if err != nil {
		return Result{}, err
	}
	recv.conn.Close() // the device goes offline

	fmt.Fprintf(opt.Log, "w4-catchup: %d contacts send %d messages while the device is offline\n", len(senders), missed)
	var wg sync.WaitGroup
	var sendErr atomic.Value
	for i, s := range senders {
		n := missed / len(senders)
		if i < missed%len(senders) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range n {
				_, err := s.conn.Send(ctx, &pb.SendRequest{Peer: recv.id, ClientId: fmt.Sprintf("w4-%d", k), Text: "a short text, twenty"})
				if err != nil {
					sendErr.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := sendErr.Load().(error); err != nil {
		return Result{}, err
	}

	// Reconnect with a connection whose bytes are counted.
	start := time.Now()
	c, counted, err := dialCounted(ctx, opt.Server, recv.token)
	if err != nil {
		return Result{}, err
	}
	defer c.Close()
	got := 0
	for {
		page, err := c.Sync(ctx, cursor, 1000)
		if err != nil {
			return Result{}, err
		}
		for _, ch := range page.Changes {
			if ch.Seq != cursor+1 {
				return Result{}, fmt.Errorf("catch-up gap: seq %d after %d", ch.Seq, cursor)
			}
			cursor = ch.Seq
			if ch.GetMessage() != nil {
				got++
			}
		}
		if !page.More {
			break
		}
	}
	elapsed := time.Since(start)
	r := Result{
		Workload: "w4-catchup", Users: len(ps), Missed: missed,
		CatchupMs: float64(elapsed.Microseconds()) / 1000, CatchupBytes: counted.bytes(),
		Lost: int64(missed - got),
	}
	if got > missed {
		r.Lost, r.Duplicates = 0, int64(got-missed)
	}
	fmt.Fprintf(opt.Log, "w4-catchup: %d missed messages caught up in %.1f ms, %d bytes on the wire (%.1f bytes/message); lost %d duplicates %d\n",
		missed, r.CatchupMs, r.CatchupBytes, float64(r.CatchupBytes)/float64(missed), r.Lost, r.Duplicates)
	return r, nil
}

// countingConn counts the bytes read and written through a connection.
type countingConn struct {
	net.Conn
	in, out atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.in.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.out.Add(int64(n))
	return n, err
}

func (c *countingConn) bytes() int64 { return c.in.Load() + c.out.Load() }
