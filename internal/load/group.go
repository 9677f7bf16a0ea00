package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// Group set-up sizes: the group is created with the first createBatch
// members (groups up to 40 members take invitees at once), the rest are
// invited inviteBatch at a time, and every invitee accepts its invitation.
const (
	createBatch = 39
	inviteBatch = 100
)

// groupTracker follows each group message until every member has it.
type groupTracker struct {
	need int // deliveries per message: every member but the sender

	mu   sync.Mutex
	msgs map[string]*groupMsg // by text, which carries the send time

	last       Histogram // send → last member has it
	open       *openLoop // open loop: records it per step instead
	deliveries atomic.Int64
	complete   atomic.Int64
}

type groupMsg struct {
	got  int
	last time.Time
}

// delivered records that one member got the message with this text at t.
func (g *groupTracker) delivered(text string, t time.Time) {
	g.deliveries.Add(1)
	g.mu.Lock()
	m := g.msgs[text]
	if m == nil {
		m = &groupMsg{}
		g.msgs[text] = m
	}
	m.got++
	if t.After(m.last) {
		m.last = t
	}
	done := m.got >= g.need
	if done {
		delete(g.msgs, text)
	}
	g.mu.Unlock()
	if !done {
		return
	}
	g.complete.Add(1)
	if g.open != nil {
		g.open.delivered(text, m.last)
	} else if ns, err := strconv.ParseInt(text[:min(19, len(text))], 10, 64); err == nil {
		g.last.Record(m.last.Sub(time.Unix(0, ns)))
	}
}

// runGroup is w3-group: opt.Users users in one group (500 by default),
// every member online and live; opt.Senders of them send short texts to
// the group at opt.Rate in all. It reports deliveries per second (one
// message reaching one member) and the time from send until the last
// member has each message.
func runGroup(ctx context.Context, opt Options) (Result, error) {
	n := opt.Users
	if n < 3 {
		n = 500
	}
	n += n % 2
	senders := min(max(opt.Senders, 1), n)
	fmt.Fprintf(opt.Log, "w3-group: setting up %d users on %s\n", n, opt.Server)
	ps, err := setupPairs(ctx, opt, n)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		for _, p := range ps {
			p.conn.Close()
		}
	}()
	gid, err := makeGroup(ctx, opt, ps)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(opt.Log, "w3-group: group %d has %d members, all online; %d sending\n", gid, n, senders)

	heads := make([]int64, len(ps))
	for i, p := range ps {
		if heads[i], err = p.conn.Ping(ctx, 0); err != nil {
			return Result{}, err
		}
	}
	tr := &groupTracker{need: n - 1, msgs: make(map[string]*groupMsg)}
	var fsync Histogram
	var sent, errs, reordered atomic.Int64
	probeCtx, stopProbe := context.WithCancel(ctx)
	probeDone := make(chan error, 1)
	go func() { probeDone <- fsyncProbe(probeCtx, opt.FsyncDir, &fsync) }()

	recvCtx, stopRecv := context.WithCancel(ctx)
	var recvWG sync.WaitGroup
	for i, p := range ps {
		s := wsclient.NewSyncer(p.conn, heads[i])
		recvWG.Go(func() {
			var lastSeq int64
			for {
				changes, err := s.Next(recvCtx)
				if err != nil {
					return
				}
				now := time.Now()
				for _, ch := range changes {
					m := ch.GetMessage()
					if m == nil || m.Group != gid {
						continue
					}
					if m.Seq <= lastSeq {
						reordered.Add(1)
					}
					lastSeq = m.Seq
					if m.Sender == p.id || m.Sender == 0 { // our own (compact) copy
						continue
					}
					tr.delivered(m.Text, now)
				}
			}
		})
	}

	if len(opt.OpenLoop) > 0 {
		tr.open = newOpenLoop(opt)
		run := runID()
		var seq atomic.Int64
		senderFns := make([]sendFunc, senders)
		for i, p := range ps[:senders] {
			senderFns[i] = waitingSender(func(ctx context.Context, at time.Time) error {
				text := fmt.Sprintf("%019d g", at.UnixNano())
				clientID := "g" + run + strconv.FormatInt(seq.Add(1), 36)
				if _, err := p.conn.Send(ctx, &pb.SendRequest{Group: gid, ClientId: clientID, Text: text}); err != nil {
					errs.Add(1)
					return err
				}
				sent.Add(1)
				return nil
			})
		}
		fmt.Fprintf(opt.Log, "w3-group: open loop (%s arrivals), %d senders, steps of %s at %v msg/s\n", opt.Arrival, senders, opt.Duration, opt.OpenLoop)
		start := time.Now()
		steps, err := tr.open.run(ctx, senderFns, func(f string, a ...any) { fmt.Fprintf(opt.Log, f+"\n", a...) })
		elapsed := time.Since(start)
		stopRecv()
		recvWG.Wait()
		stopProbe()
		<-probeDone
		if err != nil {
			return Result{}, err
		}
		r := Result{
			Workload: "w3-group", Users: n, GroupMembers: n, DurationS: elapsed.Seconds(),
			Sent: sent.Load(), SentPerS: float64(sent.Load()) / elapsed.Seconds(),
			DeliveriesPerS: float64(tr.deliveries.Load()) / elapsed.Seconds(),
			Errors:         errs.Load(), Reordered: reordered.Load(),
			Incomplete: max(0, sent.Load()-tr.complete.Load()),
			Steps:      steps, SustainedPerS: Sustained(steps),
		}
		r.FsyncP50Ms, r.FsyncP99Ms = fsync.Percentile(50), fsync.Percentile(99)
		printSteps(opt, steps)
		fmt.Fprintf(opt.Log, "w3-group open loop: %d members, %d senders (latency to the last member); errors %d incomplete %d reordered %d; fsync p50 %.2f ms p99 %.2f ms\n",
			n, senders, r.Errors, r.Incomplete, r.Reordered, r.FsyncP50Ms, r.FsyncP99Ms)
		return r, nil
	}
	fmt.Fprintf(opt.Log, "w3-group: sending for %s (rate %s)\n", opt.Duration, rateName(opt.Rate))
	start := time.Now()
	sendCtx, stopSend := context.WithTimeout(ctx, opt.Duration)
	defer stopSend()
	var seq atomic.Int64
	sendOne := func(p *participant) {
		text := fmt.Sprintf("%019d g", time.Now().UnixNano())
		clientID := "g" + strconv.FormatInt(seq.Add(1), 36)
		if _, err := p.conn.Send(context.Background(), &pb.SendRequest{Group: gid, ClientId: clientID, Text: text}); err != nil {
			errs.Add(1)
			return
		}
		sent.Add(1)
	}
	// Paced sends are open-loop: each goes at its time on a goroutine of
	// its own (up to groupInflight per sender waiting for their acks), so a
	// slow acknowledgement does not hold back the next message.
	const groupInflight = 256
	var sendWG sync.WaitGroup
	for i, p := range ps[:senders] {
		sendWG.Go(func() {
			if opt.Rate <= 0 {
				for sendCtx.Err() == nil {
					sendOne(p)
				}
				return
			}
			inflight := make(chan struct{}, groupInflight)
			interval := time.Duration(float64(time.Second) * float64(senders) / opt.Rate)
			next := start.Add(time.Duration(float64(interval) * float64(i) / float64(senders)))
			for {
				if d := time.Until(next); d > 0 {
					select {
					case <-time.After(d):
					case <-sendCtx.Done():
						return
					}
				}
				select {
				case inflight <- struct{}{}:
				case <-sendCtx.Done():
					return
				}
				sendWG.Go(func() {
					defer func() { <-inflight }()
					sendOne(p)
				})
				next = next.Add(interval)
			}
		})
	}
	sendWG.Wait()
	elapsed := time.Since(start)
	drain := time.Now().Add(30 * time.Second)
	for tr.complete.Load() < sent.Load() && time.Now().Before(drain) {
		time.Sleep(10 * time.Millisecond)
	}
	stopRecv()
	recvWG.Wait()
	stopProbe()
	if err := <-probeDone; err != nil {
		fmt.Fprintf(opt.Log, "fsync probe: %v\n", err)
	}
	r := Result{
		Workload: "w3-group", Users: n, GroupMembers: n, DurationS: elapsed.Seconds(),
		Sent: sent.Load(), SentPerS: float64(sent.Load()) / elapsed.Seconds(),
		DeliveriesPerS: float64(tr.deliveries.Load()) / elapsed.Seconds(),
		Errors:         errs.Load(), Reordered: reordered.Load(),
		Incomplete: max(0, sent.Load()-tr.complete.Load()),
	}
	r.DeliveredPerS = r.DeliveriesPerS
	r.setLatency(&tr.last, &fsync, false)
	fmt.Fprintf(opt.Log, "w3-group: %d members, %d senders, %.1f s: sent %.0f msg/s, %.0f deliveries/s; send → last member p50 %.2f ms p99 %.2f ms p99.9 %.2f ms max %.2f ms; errors %d incomplete %d reordered %d; fsync p50 %.2f ms p99 %.2f ms\n",
		n, senders, r.DurationS, r.SentPerS, r.DeliveriesPerS, r.P50Ms, r.P99Ms, r.P999Ms, r.MaxMs, r.Errors, r.Incomplete, r.Reordered, r.FsyncP50Ms, r.FsyncP99Ms)
	return r, nil
}

// makeGroup makes ps[0] friends with everyone, creates a group with all
// of ps as members and returns its id.
func makeGroup(ctx context.Context, opt Options, ps []*participant) (int64, error) {
	owner := ps[0]
	if err := forEach(ctx, ps[2:], 16, func(p *participant) error { // ps[1] is a friend already
		return befriend(ctx, owner, p)
	}); err != nil {
		return 0, err
	}
	ids := make([]int64, 0, len(ps)-1)
	for _, p := range ps[1:] {
		ids = append(ids, p.id)
	}
	first := min(createBatch, len(ids))
	f, err := owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "w3 load " + runID(), Members: ids[:first]}}})
	if wsclient.ErrorCode(err) == "unimplemented" {
		return 0, errors.New("w3-group: the server does not implement groups yet (create_group answered unimplemented)")
	}
	if err != nil {
		return 0, fmt.Errorf("create_group: %w", err)
	}
	gid := f.GetGroup().GetId()
	if gid == 0 {
		return 0, errors.New("create_group: no group in the answer")
	}
	for i := first; i < len(ids); i += inviteBatch {
		batch := ids[i:min(i+inviteBatch, len(ids))]
		if _, err := callRetry(ctx, owner.conn, func() *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: gid, Users: batch}}}
		}); err != nil {
			return 0, fmt.Errorf("invite_group: %w", err)
		}
	}
	// Above 40 members invitees must accept: each answers its invitation.
	if err := forEach(ctx, ps[1:], 16, func(p *participant) error {
		f, err := p.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInvitations{GroupInvitations: &pb.Empty{}}})
		if err != nil {
			return fmt.Errorf("group_invitations: %w", err)
		}
		for _, inv := range f.GetGroupInvitations().GetInvitations() {
			if inv.Group != gid || inv.State != pb.InvitationState_INVITATION_STATE_INVITED || inv.Invitee != p.id {
				continue
			}
			if _, err := callRetry(ctx, p.conn, func() *pb.ClientFrame {
				return &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: inv.Id, Accept: true}}}
			}); err != nil {
				return fmt.Errorf("answer_invitation: %w", err)
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	f, err = owner.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_GetGroup{GetGroup: &pb.GroupRef{Group: gid}}})
	if err != nil {
		return 0, fmt.Errorf("get_group: %w", err)
	}
	if got := int(f.GetGroup().GetMemberCount()); got != len(ps) {
		return 0, fmt.Errorf("w3-group: the group has %d members after set-up, want %d", got, len(ps))
	}
	return gid, nil
}

// callRetry makes a call, again after a short pause while the server
// answers unavailable (a group changed by many members at once asks them
// to try again).
func callRetry(ctx context.Context, c *wsclient.Conn, req func() *pb.ClientFrame) (*pb.ServerFrame, error) {
	for attempt := 0; ; attempt++ {
		f, err := c.Call(ctx, req())
		if wsclient.ErrorCode(err) != "unavailable" || attempt == 50 {
			return f, err
		}
		select {
		case <-time.After(time.Duration(5+rand.IntN(20*(1+min(attempt, 5)))) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// befriend makes a and b friends (a asks, b accepts).
func befriend(ctx context.Context, a, b *participant) error {
	f, err := a.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.id}}})
	if err != nil {
		return fmt.Errorf("friend request: %w", err)
	}
	if f.GetFriendRequest().GetState() == pb.RequestState_REQUEST_STATE_ACCEPTED {
		return nil
	}
	_, err = b.conn.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}})
	if err != nil {
		return fmt.Errorf("accept friend request: %w", err)
	}
	return nil
}

// forEach runs fn on every participant, at most par at once, and returns
// the first error.
func forEach(ctx context.Context, ps []*participant, par int, fn func(*participant) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	failed := func() bool { mu.Lock(); defer mu.Unlock(); return first != nil }
	sem := make(chan struct{}, par)
	for _, p := range ps {
		if failed() || ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(p); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
