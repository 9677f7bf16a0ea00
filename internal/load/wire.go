package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// dialCounted dials the server with a connection whose bytes are counted.
func dialCounted(ctx context.Context, server, token string) (*wsclient.Conn, *countingConn, error) {
	counted := new(countingConn)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		counted.Conn = c
		return counted, nil
	}}}
	c, err := wsclient.Dial(ctx, server, wsclient.WithHTTPClient(client))
	if err != nil {
		return nil, nil, err
	}
	if _, err := c.Hello(ctx, token); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, counted, nil
}

// runWire is w5-wire: bytes on the wire (TCP payload, both directions,
// counted at each client's socket) per short text message for the sender
// and for the recipient, the bytes of one heartbeat, and the bytes of an
// idle hour under the client's adaptive heartbeat (run on a 1:60 time
// scale, so it takes a minute).
func runWire(ctx context.Context, opt Options) (Result, error) {
	const n = 1000
	ps, err := setupPairs(ctx, opt, 2)
	if err != nil {
		return Result{}, err
	}
	for _, p := range ps {
		p.conn.Close()
	}
	from, to := ps[0], ps[1]
	sc, sb, err := dialCounted(ctx, opt.Server, from.token)
	if err != nil {
		return Result{}, err
	}
	defer sc.Close()
	rc, rb, err := dialCounted(ctx, opt.Server, to.token)
	if err != nil {
		return Result{}, err
	}
	defer rc.Close()
	head, err := rc.Ping(ctx, 0)
	if err != nil {
		return Result{}, err
	}
	syncer := wsclient.NewSyncer(rc, head)
	for !syncer.Live() {
		if _, err := syncer.Next(ctx); err != nil {
			return Result{}, err
		}
	}
	// The sender is live too, as a real device is: its own messages come
	// back to it as change-log entries.
	shead, err := sc.Ping(ctx, 0)
	if err != nil {
		return Result{}, err
	}
	own := wsclient.NewSyncer(sc, shead)
	for !own.Live() {
		if _, err := own.Next(ctx); err != nil {
			return Result{}, err
		}
	}
	ownDone := make(chan error, 1)
	go func() {
		got := 0
		for got < n {
			changes, err := own.Next(ctx)
			if err != nil {
				ownDone <- err
				return
			}
			got += len(changes)
		}
		ownDone <- nil
	}()
	sb0, rb0 := sb.bytes(), rb.bytes()
	recvDone := make(chan error, 1)
	go func() {
		got := 0
		for got < n {
			changes, err := syncer.Next(ctx)
			if err != nil {
				recvDone <- err
				return
			}
			for _, ch := range changes {
				if ch.GetMessage() != nil {
					got++
				}
			}
		}
		recvDone <- nil
	}()
	for i := range n {
		// About 20 bytes of text, like most messages people send.
		if _, err := sc.Send(ctx, &pb.SendRequest{Peer: to.id, ClientId: fmt.Sprintf("w5-%d", i), Text: "see you at 7 tonight"}); err != nil {
			return Result{}, err
		}
	}
	if err := <-recvDone; err != nil {
		return Result{}, err
	}
	if err := <-ownDone; err != nil {
		return Result{}, err
	}
	r := Result{
		Workload: "w5-wire", Users: 2, Sent: n,
		SenderBytesPerMsg:    float64(sb.bytes()-sb0) / n,
		RecipientBytesPerMsg: float64(rb.bytes()-rb0) / n,
	}
	before := rb.bytes()
	if _, err := rc.Ping(ctx, syncer.Cursor()); err != nil {
		return Result{}, err
	}
	r.PingBytes = rb.bytes() - before

	// An idle hour, measured at the socket on a time scale of 1:60: the
	// recipient's device follows the client's adaptive heartbeat schedule
	// (30 s doubling to 4 min) at 1/60 of its intervals for one minute.
	const scale = 60
	idle := wsclient.NewSyncer(rc, syncer.Cursor())
	idle.Heartbeat, idle.MaxHeartbeat = wsclient.DefaultHeartbeat/scale, wsclient.DefaultMaxHeartbeat/scale
	for !idle.Live() {
		if _, err := idle.Next(ctx); err != nil {
			return Result{}, err
		}
	}
	idleCtx, stop := context.WithTimeout(ctx, time.Hour/scale)
	defer stop()
	before = rb.bytes()
	for idleCtx.Err() == nil {
		if _, err := idle.Next(idleCtx); err != nil && idleCtx.Err() == nil {
			return Result{}, err
		}
	}
	r.IdleBytesPerHour = float64(rb.bytes() - before)
	fmt.Fprintf(opt.Log, "w5-wire: %.1f bytes per short text on the sender's link (send, ack, own copy), %.1f on the recipient's; one heartbeat %d bytes; %.0f bytes in an idle hour (adaptive heartbeat %s to %s, run at 1:%d time scale)\n",
		r.SenderBytesPerMsg, r.RecipientBytesPerMsg, r.PingBytes, r.IdleBytesPerHour, wsclient.DefaultHeartbeat, wsclient.DefaultMaxHeartbeat, scale)
	return r, nil
}
