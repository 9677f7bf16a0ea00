package load

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// participant is one user of w1: a connection that sends to its partner and
// receives the partner's messages through the sync model.
type participant struct {
	account string
	id      int64
	token   string
	peer    *participant
	conn    *wsclient.Conn

	mu       sync.Mutex
	acked    map[int64]bool // message IDs this user sent and had acknowledged
	received map[int64]bool // message IDs received from the partner
	lastSeq  int64          // per-conversation order check
}

// runDirect is w1-direct: users in pairs send short texts to their partners.
func runDirect(ctx context.Context, opt Options) (Result, error) {
	users := opt.Users - opt.Users%2
	fmt.Fprintf(opt.Log, "w1-direct: setting up %d users on %s\n", users, opt.Server)
	ps, err := setupPairs(ctx, opt, users)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()

	heads := make([]int64, len(ps))
	for i, p := range ps {
		if heads[i], err = p.conn.Ping(ctx, 0); err != nil {
			return Result{}, err
		}
	}
	if opt.child != nil {
		// Set up: wait for the parent's word to send (it probes fsync).
		if err := opt.child.ready(Result{Workload: "w1-direct", Users: len(ps)}); err != nil {
			return Result{}, err
		}
	}
	var lat, fsync Histogram
	var sent, delivered, errs, dups, reordered atomic.Int64
	probeCtx, stopProbe := context.WithCancel(ctx)
	probeDone := make(chan error, 1)
	if opt.child == nil {
		go func() { probeDone <- fsyncProbe(probeCtx, opt.FsyncDir, &fsync) }()
	} else {
		probeDone <- nil
	}

	var ol *openLoop
	if len(opt.OpenLoop) > 0 {
		ol = newOpenLoop(opt)
	}
	// Receivers: every participant follows its change log from the head.
	recvCtx, stopRecv := context.WithCancel(ctx)
	var recvWG sync.WaitGroup
	for i, p := range ps {
		s := wsclient.NewSyncer(p.conn, heads[i])
		recvWG.Add(1)
		go func() {
			defer recvWG.Done()
			for {
				changes, err := s.Next(recvCtx)
				if err != nil {
					return
				}
				now := time.Now()
				for _, ch := range changes {
					m := ch.GetMessage()
					if m == nil {
						continue
					}
					p.mu.Lock()
					if m.Seq <= p.lastSeq {
						reordered.Add(1)
					}
					p.lastSeq = m.Seq
					// Our own message comes back to this connection
					// compact: without sender or text.
					if m.Sender == p.id || m.Sender == 0 {
						p.mu.Unlock()
						continue
					}
					if p.received[m.Id] {
						dups.Add(1)
					}
					p.received[m.Id] = true
					p.mu.Unlock()
					if strings.HasPrefix(m.Text, warmupMark) {
						continue // sent while warming up: not measured
					}
					delivered.Add(1)
					if ol != nil {
						ol.delivered(m.Text, now)
					} else if ns, err := strconv.ParseInt(m.Text[:min(19, len(m.Text))], 10, 64); err == nil {
						lat.Record(now.Sub(time.Unix(0, ns)))
					}
				}
			}
		}()
	}

	if ol != nil {
		return runDirectOpen(ctx, opt, ol, ps, directRun{
			sent: &sent, delivered: &delivered, errs: &errs, dups: &dups, reordered: &reordered,
			stop: func() {
				stopRecv()
				recvWG.Wait()
				stopProbe()
				<-probeDone
			},
			fsync: &fsync,
		})
	}
	if opt.Warmup > 0 {
		fmt.Fprintf(opt.Log, "w1-direct: warming up for %s, unmeasured\n", opt.Warmup)
	}
	fmt.Fprintf(opt.Log, "w1-direct: sending for %s (rate %s)\n", opt.Duration, rateName(opt.Rate))
	start := time.Now()
	measureFrom := start.Add(opt.Warmup)
	var measuring atomic.Bool
	measuring.Store(opt.Warmup <= 0)
	sendCtx, stopSend := context.WithTimeout(ctx, opt.Warmup+opt.Duration)
	defer stopSend()
	var sendWG sync.WaitGroup
	var seq atomic.Int64
	sendOne := func(p *participant) {
		now := time.Now()
		warm := !measuring.Load()
		if warm && !now.Before(measureFrom) {
			measuring.Store(true)
			warm = false
		}
		text := fmt.Sprintf("%019d x", now.UnixNano()) // 21 bytes
		if warm {
			text = warmupMark + text[len(warmupMark):]
		}
		clientID := strconv.FormatInt(seq.Add(1), 36)
		r, err := p.conn.Send(context.Background(), &pb.SendRequest{Peer: p.peer.id, ClientId: clientID, Text: text})
		if err != nil {
			if !warm {
				errs.Add(1)
			}
			return
		}
		if !warm {
			sent.Add(1)
		}
		p.mu.Lock()
		p.acked[r.Id] = true
		p.mu.Unlock()
	}
	for i, p := range ps {
		if opt.Rate > 0 {
			interval := time.Duration(float64(time.Second) * float64(len(ps)) / opt.Rate)
			sendWG.Add(1)
			go func() {
				defer sendWG.Done()
				// Spread the senders evenly over one interval, so that
				// the total rate is smooth rather than bursts.
				next := start.Add(time.Duration(float64(interval) * float64(i) / float64(len(ps))))
				for {
					if d := time.Until(next); d > 0 {
						select {
						case <-time.After(d):
						case <-sendCtx.Done():
							return
						}
					}
					if sendCtx.Err() != nil {
						return
					}
					sendOne(p)
					next = next.Add(interval)
				}
			}()
			continue
		}
		for range opt.Inflight {
			sendWG.Add(1)
			go func() {
				defer sendWG.Done()
				for sendCtx.Err() == nil {
					sendOne(p)
				}
			}()
		}
	}
	sendWG.Wait()
	elapsed := time.Since(measureFrom)
	// Wait (bounded) for every acknowledged message to be delivered.
	drain := time.Now().Add(30 * time.Second)
	for delivered.Load() < sent.Load() && time.Now().Before(drain) {
		time.Sleep(10 * time.Millisecond)
	}
	stopRecv()
	recvWG.Wait()
	stopProbe()
	if err := <-probeDone; err != nil {
		fmt.Fprintf(opt.Log, "fsync probe: %v\n", err)
	}

	r := Result{
		Workload: "w1-direct", Users: len(ps), DurationS: elapsed.Seconds(),
		Sent: sent.Load(), SentPerS: float64(sent.Load()) / elapsed.Seconds(),
		DeliveredPerS: float64(delivered.Load()) / elapsed.Seconds(),
		Errors:        errs.Load(), Lost: lostMessages(ps), Duplicates: dups.Load(), Reordered: reordered.Load(),
	}
	r.setLatency(&lat, &fsync, opt.child != nil)
	r.printDirect(opt)
	return r, nil
}

// warmupMark begins the text of a message sent while warming up (a text
// that no timestamp begins with): its delivery is not measured.
const warmupMark = "w"

// lostMessages counts the messages acknowledged to a sender that its
// partner never received.
func lostMessages(ps []*participant) int64 {
	var lost int64
	for _, p := range ps {
		p.mu.Lock()
		for id := range p.acked {
			p.peer.mu.Lock()
			if !p.peer.received[id] {
				lost++
			}
			p.peer.mu.Unlock()
		}
		p.mu.Unlock()
	}
	return lost
}

// directRun is what the open loop of w1 shares with its receivers.
type directRun struct {
	sent, delivered, errs, dups, reordered *atomic.Int64
	stop                                   func() // ends the receivers and the fsync probe
	fsync                                  *Histogram
}

// runDirectOpen is w1-direct's open loop: every user sends to its partner
// on its own schedule, step by step (see openloop.go).
func runDirectOpen(ctx context.Context, opt Options, ol *openLoop, ps []*participant, d directRun) (Result, error) {
	fmt.Fprintf(opt.Log, "w1-direct: open loop (%s arrivals), %d users, steps of %s at %v msg/s\n", opt.Arrival, len(ps), opt.Duration, opt.OpenLoop)
	run := runID()
	var seq atomic.Int64
	senders := make([]sendFunc, len(ps))
	for i, p := range ps {
		senders[i] = func(ctx context.Context, at time.Time, done func(error)) {
			text := strconv.AppendInt(make([]byte, 0, 21), at.UnixNano(), 10) // 19 digits until 2286
			text = append(text, " x"...)                                      // 21 bytes
			clientID := run + strconv.FormatInt(seq.Add(1), 36)
			req := &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: p.peer.id, ClientId: clientID, Text: string(text)}}}
			// Not waiting for the answer: the connection's reader hands
			// it to this function.
			err := p.conn.Go(req, func(f *pb.ServerFrame, err error) {
				if err == nil && f.GetSent() == nil {
					err = fmt.Errorf("response to request %d has no sent", f.GetId())
				}
				if err != nil {
					d.errs.Add(1)
					done(err)
					return
				}
				d.sent.Add(1)
				p.mu.Lock()
				p.acked[f.GetSent().Id] = true
				p.mu.Unlock()
				done(nil)
			})
			if err != nil {
				d.errs.Add(1)
				done(err)
			}
		}
	}
	start := time.Now()
	steps, err := ol.run(ctx, senders, func(f string, a ...any) { fmt.Fprintf(opt.Log, f+"\n", a...) })
	elapsed := time.Since(start)
	d.stop()
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Workload: "w1-direct", Users: len(ps), DurationS: elapsed.Seconds(),
		Sent: d.sent.Load(), SentPerS: float64(d.sent.Load()) / elapsed.Seconds(),
		DeliveredPerS: float64(d.delivered.Load()) / elapsed.Seconds(),
		Errors:        d.errs.Load(), Lost: lostMessages(ps), Duplicates: d.dups.Load(), Reordered: d.reordered.Load(),
		Steps: steps, SustainedPerS: Sustained(steps),
	}
	r.FsyncP50Ms, r.FsyncP99Ms = d.fsync.Percentile(50), d.fsync.Percentile(99)
	printSteps(opt, steps)
	fmt.Fprintf(opt.Log, "w1-direct open loop: %d users; errors %d lost %d duplicates %d reordered %d; fsync p50 %.2f ms p99 %.2f ms\n",
		r.Users, r.Errors, r.Lost, r.Duplicates, r.Reordered, r.FsyncP50Ms, r.FsyncP99Ms)
	return r, nil
}

func (r *Result) printDirect(opt Options) {
	fmt.Fprintf(opt.Log, "w1-direct: %d users, %.1f s: sent %.0f msg/s, delivered %.0f msg/s, latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms max %.2f ms; errors %d lost %d duplicates %d reordered %d; fsync p50 %.2f ms p99 %.2f ms\n",
		r.Users, r.DurationS, r.SentPerS, r.DeliveredPerS, r.P50Ms, r.P99Ms, r.P999Ms, r.MaxMs, r.Errors, r.Lost, r.Duplicates, r.Reordered, r.FsyncP50Ms, r.FsyncP99Ms)
}

// setLatency fills in the percentiles of the latency and fsync
// histograms; keep also stores the histograms themselves (for a parent
// process to merge).
func (r *Result) setLatency(lat, fsync *Histogram, keep bool) {
	r.P50Ms, r.P99Ms, r.P999Ms, r.MaxMs = lat.Percentile(50), lat.Percentile(99), lat.Percentile(99.9), lat.Percentile(100)
	r.FsyncP50Ms, r.FsyncP99Ms = fsync.Percentile(50), fsync.Percentile(99)
	if keep {
		r.Latency, r.Fsync = lat.Snapshot(), fsync.Snapshot()
	}
}

func rateName(r float64) string {
	if r <= 0 {
		return "as fast as acks allow"
	}
	return fmt.Sprintf("%.0f msg/s", r)
}

// setupPairs registers users, befriends them in pairs and connects each.
func setupPairs(ctx context.Context, opt Options, n int) ([]*participant, error) {
	run := runID()
	ps := make([]*participant, n)
	var wg sync.WaitGroup
	errc := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := &participant{account: fmt.Sprintf("ld%s_%05d", run, i), acked: map[int64]bool{}, received: map[int64]bool{}}
			c, err := opt.dial.Dial(ctx, opt.Server, wsclient.WithPushBuffer(4096))
			if err != nil {
				errc <- err
				return
			}
			sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: p.account, Password: "load-password-" + run, DeviceName: "load"})
			if err != nil {
				c.Close()
				errc <- fmt.Errorf("register %s: %w", p.account, err)
				return
			}
			if _, err := c.Hello(ctx, sess.Token); err != nil {
				c.Close()
				errc <- err
				return
			}
			p.id, p.token, p.conn = sess.User, sess.Token, c
			ps[i] = p
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		for _, p := range ps {
			if p != nil {
				p.conn.Close()
			}
		}
		return nil, err
	}
	for i := 0; i < n; i += 2 {
		a, b := ps[i], ps[i+1]
		a.peer, b.peer = b, a
		f, err := a.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.id}}})
		if err != nil {
			return nil, err
		}
		if f.GetFriendRequest().GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
			_, err := b.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}})
			if err != nil {
				return nil, err
			}
		}
	}
	return ps, nil
}
