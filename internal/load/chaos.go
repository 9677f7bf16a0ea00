package load

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the chaos run's schema

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// The chaos workload (Jepsen style): it runs its own `hongyan serve` child
// process, drives w1-style one-to-one sends through it with client IDs and
// retries, and kills the child with SIGKILL every KillEvery (with seeded
// jitter), restarting it at once on the same data and address. Every send is
// recorded in a History; afterwards every device of every user reads its
// whole change log and Check compares the two.

// Chaos defaults, used when the Options leave them zero.
const (
	chaosDefaultUsers     = 10
	chaosDefaultRate      = 100 // messages per second, all senders together
	chaosDefaultKillEvery = 3 * time.Second
	chaosSendTimeout      = 5 * time.Second
	// chaosGiveUp is how long after the send phase a client keeps
	// retrying its last send before leaving it unknown.
	chaosGiveUp = 20 * time.Second
	// chaosAbandon is the chance that a client gives up on a send after
	// an unknown outcome (as if the app was closed) instead of retrying:
	// those sends stay unknown and the checker resolves them.
	chaosAbandon = 0.2
	// chaosMinUptime is the least time the server runs between kills.
	chaosMinUptime = 100 * time.Millisecond
)

// ChaosResult is what the chaos workload found. It is printed as one JSON
// object.
type ChaosResult struct {
	Workload       string  `json:"workload"`
	Seed           uint64  `json:"seed"`
	UnsafeAck      bool    `json:"unsafe_ack"`
	Users          int     `json:"users"`
	DurationS      float64 `json:"duration_s"`
	Kills          int     `json:"kills"`
	UnexpectedExit int     `json:"unexpected_exits"`
	Sent           int     `json:"sent"`
	Acked          int     `json:"acked"`
	Failed         int     `json:"failed"`
	Unknown        int     `json:"unknown"`
	Retries        int64   `json:"retries"`
	Lost           int     `json:"lost"`
	Duplicates     int     `json:"duplicates"`
	Gaps           int     `json:"gaps"`
	LogGaps        int     `json:"log_gaps"`
	Divergent      int     `json:"divergent"`
	Phantom        int     `json:"phantom"`
	FailedPresent  int     `json:"failed_present"`
	AckMismatch    int     `json:"ack_mismatch"`
	UnknownPresent int     `json:"unknown_present"`
	UnknownAbsent  int     `json:"unknown_absent"`
	// chaos-cluster only: the other faults, and the longest a client went
	// without an acknowledged send.
	Stops        int      `json:"stops,omitempty"`
	NATSRestarts int      `json:"nats_restarts,omitempty"`
	Partitions   int      `json:"partitions,omitempty"`
	MaxOutageS   float64  `json:"max_outage_s,omitempty"`
	OK           bool     `json:"ok"`
	Problems     []string `json:"problems,omitempty"`
}

// chaosUser is one user with two devices; device 0 sends.
type chaosUser struct {
	index   int
	account string
	id      int64
	tokens  [2]string
	peer    *chaosUser
}

func runChaos(ctx context.Context, opt Options) (Result, error) {
	if opt.Binary == "" {
		return Result{}, errors.New("chaos: the hongyan binary is needed (Options.Binary, --binary)")
	}
	if opt.KillEvery <= 0 {
		opt.KillEvery = chaosDefaultKillEvery
	}
	if opt.Rate <= 0 {
		opt.Rate = chaosDefaultRate
	}
	users := opt.Users - opt.Users%2
	dir, err := os.MkdirTemp("", "hongyan-chaos")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)

	// Setup and the final reads run on a safe server; only the faulty
	// phase runs under the negative control (whose server answers before
	// a write is visible, which setup could not work with).
	safeEnv := append(os.Environ(),
		"HONGYAN_LIMITS_REGISTER_PER_MINUTE=0", "HONGYAN_LIMITS_LOGIN_PER_MINUTE=0",
		"HONGYAN_LIMITS_FRIEND_REQUESTS_PER_HOUR=0", "HONGYAN_LIMITS_SENDS_PER_MINUTE=0", "HONGYAN_LOG_LEVEL=warn",
		"HONGYAN_CONFIG=", "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=0")
	if opt.Postgres == "" {
		safeEnv = append(safeEnv, "HONGYAN_STORAGE_DRIVER=sqlite")
	} else {
		if opt.UnsafeAck {
			return Result{}, errors.New("chaos: the negative control runs on SQLite only")
		}
		dsn, drop, err := freshSchema(ctx, opt.Postgres)
		if err != nil {
			return Result{}, err
		}
		defer drop()
		safeEnv = append(safeEnv, "HONGYAN_STORAGE_DRIVER=postgres", "HONGYAN_STORAGE_POSTGRES="+dsn)
		fmt.Fprintln(opt.Log, "chaos: the server runs on PostgreSQL")
	}
	faultEnv := safeEnv
	if opt.UnsafeAck {
		faultEnv = append(slices.Clip(safeEnv), "HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=1")
		fmt.Fprintln(opt.Log, "chaos: NEGATIVE CONTROL: the server acknowledges sends before they commit; the checker must report loss")
	}
	srv := &childServer{bin: opt.Binary, data: filepath.Join(dir, "data"), addr: "127.0.0.1:0", env: safeEnv, logPath: filepath.Join(dir, "server.log")}
	if err := srv.start(); err != nil {
		return Result{}, err
	}
	defer srv.kill()
	url := "http://" + srv.addr
	fmt.Fprintf(opt.Log, "chaos: seed %d; server %s on %s; setting up %d users × 2 devices\n", opt.Seed, opt.Binary, url, users)

	us, err := chaosSetup(ctx, url, users)
	if err != nil {
		return Result{}, fmt.Errorf("chaos setup: %w", err)
	}
	if opt.UnsafeAck {
		if err := srv.restart(faultEnv); err != nil {
			return Result{}, err
		}
	}

	var h History
	var retries atomic.Int64
	start := time.Now()
	sendCtx, stopSend := context.WithTimeout(ctx, opt.Duration)
	defer stopSend()
	giveUp := start.Add(opt.Duration + chaosGiveUp)

	// The nemesis.
	nemesisDone := killLoop(sendCtx, srv, rand.New(rand.NewPCG(opt.Seed, 0x6e656d65)), opt.KillEvery, start, stopSend)

	fmt.Fprintf(opt.Log, "chaos: sending for %s at %s, SIGKILL every ~%s\n", opt.Duration, rateName(opt.Rate), opt.KillEvery)
	chaosSend(ctx, sendCtx, chaosSendOptions{url: url, users: us, h: &h, retries: &retries, seed: opt.Seed, start: start, giveUp: giveUp, rate: opt.Rate, prefix: "chaos"})
	elapsed := time.Since(start)
	nemesis := <-nemesisDone
	if nemesis.err != nil {
		return Result{}, fmt.Errorf("chaos nemesis: %w", nemesis.err)
	}
	kills, unexpected := nemesis.kills, nemesis.unexpected
	if srv.exited() {
		unexpected++
	}
	// A graceful restart commits whatever the last batch holds, so that
	// the reads see the outcome of the faults, not of the last moment.
	if err := srv.restart(safeEnv); err != nil {
		return Result{}, err
	}

	fmt.Fprintf(opt.Log, "chaos: %d kills in %.1f s; reading every device's change log\n", kills, elapsed.Seconds())
	views, logGaps, logProblems, err := chaosViews(ctx, url, us)
	if err != nil {
		return Result{}, err
	}
	rep := Check(h.Ops(), views)
	cr := &ChaosResult{
		Workload: "chaos", Seed: opt.Seed, UnsafeAck: opt.UnsafeAck, Users: len(us), DurationS: elapsed.Seconds(),
		Kills: kills, UnexpectedExit: unexpected,
		Sent: rep.Sent, Acked: rep.Acked, Failed: rep.Failed, Unknown: rep.Unknown, Retries: retries.Load(),
		Lost: rep.Lost, Duplicates: rep.Duplicates, Gaps: rep.Gaps, LogGaps: logGaps, Divergent: rep.Divergent,
		Phantom: rep.Phantom, FailedPresent: rep.FailedPresent, AckMismatch: rep.AckMismatch,
		UnknownPresent: rep.UnknownPresent, UnknownAbsent: rep.UnknownAbsent,
		OK:       rep.OK() && logGaps == 0,
		Problems: append(logProblems, rep.Problems...),
	}
	for _, p := range cr.Problems {
		fmt.Fprintf(opt.Log, "chaos: VIOLATION %s\n", p)
	}
	if unexpected > 0 {
		fmt.Fprintf(opt.Log, "chaos: the server exited %d times on its own; its log: %s\n", unexpected, srv.logTail())
	}
	verdict := "ok"
	if !cr.OK {
		verdict = "VIOLATIONS FOUND"
	}
	fmt.Fprintf(opt.Log, "chaos: seed %d, %d kills: sent %d, acked %d, failed %d, unknown %d (present %d, absent %d), retries %d; lost %d, duplicates %d, gaps %d, log gaps %d, divergent %d, phantom %d, failed-present %d, ack mismatch %d: %s\n",
		cr.Seed, cr.Kills, cr.Sent, cr.Acked, cr.Failed, cr.Unknown, cr.UnknownPresent, cr.UnknownAbsent, cr.Retries,
		cr.Lost, cr.Duplicates, cr.Gaps, cr.LogGaps, cr.Divergent, cr.Phantom, cr.FailedPresent, cr.AckMismatch, verdict)
	return Result{Workload: "chaos", Users: len(us), DurationS: elapsed.Seconds(), Sent: int64(cr.Acked), Lost: int64(cr.Lost), Duplicates: int64(cr.Duplicates), Chaos: cr}, nil
}

// chaosSendOptions are what chaosSend needs of a chaos run.
type chaosSendOptions struct {
	url     string
	users   []*chaosUser
	h       *History
	retries *atomic.Int64
	seed    uint64
	start   time.Time
	giveUp  time.Time
	rate    float64 // messages per second, all senders together
	prefix  string  // of client IDs: PREFIX-uUSER-N
	outage  func(time.Duration)
}

// chaosSend has every user send on its own schedule (the users together at
// o.rate) until sendCtx ends, each send retried as chaosSender does.
func chaosSend(ctx, sendCtx context.Context, o chaosSendOptions) {
	us := o.users
	interval := time.Duration(float64(time.Second) * float64(len(us)) / o.rate)
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(o.seed, uint64(i)+1))
			s := &chaosSender{u: u, url: o.url, h: o.h, rng: rng, retries: o.retries, giveUp: o.giveUp, outage: o.outage}
			defer s.close()
			next := o.start.Add(time.Duration(float64(interval) * float64(i) / float64(len(us))))
			for n := 0; ; n++ {
				if d := time.Until(next); d > 0 {
					select {
					case <-time.After(d):
					case <-sendCtx.Done():
					}
				}
				if sendCtx.Err() != nil {
					return
				}
				s.send(ctx, fmt.Sprintf("%s-u%d-%d", o.prefix, u.index, n))
				next = later(next.Add(interval), time.Now().Add(-interval))
			}
		}()
	}
	wg.Wait()
}

// chaosViews reads every device's whole change log through url and
// returns the views, with the sequence numbers the logs skip and a
// problem line for each log that skips any.
func chaosViews(ctx context.Context, url string, us []*chaosUser) ([]DeviceView, int, []string, error) {
	var views []DeviceView
	logGaps := 0
	var problems []string
	for _, u := range us {
		for d, tok := range u.tokens {
			v, gaps, err := readView(ctx, url, u, d, tok)
			if err != nil {
				return nil, 0, nil, fmt.Errorf("reading %s: %w", v.Device, err)
			}
			if gaps > 0 {
				logGaps += gaps
				problems = append(problems, fmt.Sprintf("log gap: %s's change log skips %d sequence numbers", v.Device, gaps))
			}
			views = append(views, v)
		}
	}
	return views, logGaps, problems, nil
}

// killed is what killLoop did: servers killed, exits found on their own,
// and why it stopped early (nil when ctx ended).
type killed struct {
	kills, unexpected int
	err               error
}

// killLoop SIGKILLs srv about every every (jittered by rng), never sooner
// than chaosMinUptime after it started, and starts it again at once,
// until ctx ends; a failed start calls stop. Its one result comes when it
// has stopped.
func killLoop(ctx context.Context, srv *childServer, rng *rand.Rand, every time.Duration, start time.Time, stop func()) <-chan killed {
	done := make(chan killed, 1)
	go func() {
		var k killed
		next := start
		for {
			next = next.Add(time.Duration(float64(every) * (0.8 + 0.3*rng.Float64())))
			next = later(next, srv.startedAt.Add(chaosMinUptime))
			select {
			case <-ctx.Done():
				done <- k
				return
			case <-time.After(time.Until(next)):
			}
			if srv.exited() {
				k.unexpected++
			} else {
				k.kills++
			}
			srv.kill()
			if err := srv.start(); err != nil {
				k.err = err
				done <- k
				stop()
				return
			}
		}
	}()
	return done
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// chaosSender is one user's sending device: one send at a time, retried
// with the same client ID over reconnections.
type chaosSender struct {
	u       *chaosUser
	url     string
	h       *History
	rng     *rand.Rand
	retries *atomic.Int64
	giveUp  time.Time
	conn    *wsclient.Conn
	// outage, when set, is told how long the sender went between two
	// acknowledged sends when that was longer than its schedule explains
	// (chaos-cluster: how long clients take to resume).
	outage  func(time.Duration)
	lastAck time.Time
}

func (s *chaosSender) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// connect returns the open connection or makes a new one, backing off
// while the server is down. It fails only when the client gives up.
func (s *chaosSender) connect(ctx context.Context) (*wsclient.Conn, error) {
	if s.conn != nil && s.conn.Err() == nil {
		return s.conn, nil
	}
	s.close()
	backoff := 10 * time.Millisecond
	for {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if time.Now().After(s.giveUp) {
			return nil, errors.New("chaos: gave up reconnecting")
		}
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := wsclient.Dial(dctx, s.url)
		if err == nil {
			if _, err = c.Hello(dctx, s.u.tokens[0]); err != nil {
				c.Close()
			}
		}
		cancel()
		if err == nil {
			s.conn = c
			return c, nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// send sends one message with client ID cid (also its text), retrying
// after unknown outcomes, and records every attempt.
func (s *chaosSender) send(ctx context.Context, cid string) {
	var op *SendOp
	for {
		conn, err := s.connect(ctx)
		if err != nil {
			return // never attempted, or left unknown
		}
		if op == nil {
			op = s.h.Invoke(cid, s.u.id, s.u.peer.id)
		} else {
			s.h.Retry(op)
			s.retries.Add(1)
		}
		sctx, cancel := context.WithTimeout(ctx, chaosSendTimeout)
		r, err := conn.Send(sctx, &pb.SendRequest{Peer: s.u.peer.id, ClientId: cid, Text: cid})
		cancel()
		if err == nil {
			s.h.OK(op, r.Id, r.Conversation, r.Seq)
			now := time.Now()
			if s.outage != nil && !s.lastAck.IsZero() {
				s.outage(now.Sub(s.lastAck))
			}
			s.lastAck = now
			return
		}
		if wsclient.ErrorCode(err) != "" {
			s.h.Fail(op, err)
			return
		}
		s.h.Unknown(op, err)
		s.close()
		if s.rng.Float64() < chaosAbandon || time.Now().After(s.giveUp) || ctx.Err() != nil {
			return
		}
	}
}

// chaosSetup registers n users (each signed in on two devices) and
// befriends them in pairs.
func chaosSetup(ctx context.Context, url string, n int) ([]*chaosUser, error) {
	run := runID()
	password := "chaos-password-" + run
	us := make([]*chaosUser, n)
	conns := make([]*wsclient.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range us {
		u := &chaosUser{index: i, account: fmt.Sprintf("ch%s_%04d", run, i)}
		c, err := wsclient.Dial(ctx, url)
		if err != nil {
			return nil, err
		}
		conns[i] = c
		sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: u.account, Password: password, DeviceName: "chaos-1"})
		if err != nil {
			return nil, fmt.Errorf("register %s: %w", u.account, err)
		}
		u.id, u.tokens[0] = sess.User, sess.Token
		if _, err := c.Hello(ctx, sess.Token); err != nil {
			return nil, err
		}
		c2, err := wsclient.Dial(ctx, url)
		if err != nil {
			return nil, err
		}
		sess2, err := c2.Login(ctx, &pb.LoginRequest{Login: u.account, Password: password, DeviceName: "chaos-2"})
		c2.Close()
		if err != nil {
			return nil, fmt.Errorf("login %s: %w", u.account, err)
		}
		u.tokens[1] = sess2.Token
		us[i] = u
	}
	for i := 0; i+1 < n; i += 2 {
		a, b := us[i], us[i+1]
		a.peer, b.peer = b, a
		f, err := conns[i].Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.id}}})
		if err != nil {
			return nil, err
		}
		if f.GetFriendRequest().GetState() != pb.RequestState_REQUEST_STATE_ACCEPTED {
			if _, err := conns[i+1].Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: f.GetFriendRequest().GetId(), Accept: true}}}); err != nil {
				return nil, err
			}
		}
	}
	return us, nil
}

// readView reads device d of u's whole change log from cursor 0. It
// returns how many change-log sequence numbers were skipped (the log must
// be gapless).
func readView(ctx context.Context, url string, u *chaosUser, d int, token string) (DeviceView, int, error) {
	v := DeviceView{User: u.id, Device: fmt.Sprintf("%s/%d", u.account, d+1)}
	var lastErr error
	for try := 0; try < 5; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return v, 0, ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		c, err := wsclient.Dial(ctx, url)
		if err != nil {
			lastErr = err
			continue
		}
		v.Messages = v.Messages[:0]
		gaps := 0
		err = func() error {
			defer c.Close()
			if _, err := c.Hello(ctx, token); err != nil {
				return err
			}
			cursor := int64(0)
			for {
				page, err := c.Sync(ctx, cursor, 1000)
				if err != nil {
					return err
				}
				for _, ch := range page.Changes {
					if ch.Seq <= cursor {
						return fmt.Errorf("change log went back: seq %d after %d", ch.Seq, cursor)
					}
					gaps += int(ch.Seq - cursor - 1)
					cursor = ch.Seq
					if m := ch.GetMessage(); m != nil {
						v.Messages = append(v.Messages, ViewMessage{ID: m.Id, Conversation: m.Conversation, Seq: m.Seq, Sender: m.Sender, Peer: m.Peer, ClientID: m.Text})
					}
				}
				if !page.More {
					return nil
				}
			}
		}()
		if err == nil {
			return v, gaps, nil
		}
		lastErr = err
	}
	return v, 0, lastErr
}

// childServer is a `hongyan serve` child process that can be killed and
// started again on the same data directory and address.
type childServer struct {
	bin, data, addr string
	env             []string
	logPath         string

	cmd       *exec.Cmd
	done      chan struct{}
	startedAt time.Time
}

// start runs the server and waits until it listens. The first start picks
// a port; later ones reuse it.
func (s *childServer) start() error {
	var err error
	for try := 0; try < 20; try++ {
		if err = s.startOnce(); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("starting %s: %w; server log: %s", s.bin, err, s.logTail())
}

func (s *childServer) startOnce() error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child has its own descriptor
	cmd := exec.Command(s.bin, "serve", "--listen", s.addr, "--data", s.data)
	cmd.Env = s.env
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on http://") {
				select {
				case line <- sc.Text():
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	select {
	case l := <-line:
		rest := l[strings.Index(l, "http://")+len("http://"):]
		s.addr = strings.Fields(rest)[0]
		s.startedAt = time.Now()
		return nil
	case <-done:
		return errors.New("server exited before listening")
	case <-time.After(30 * time.Second):
		s.kill()
		return errors.New("server did not print its address in 30 s")
	}
}

// restart stops the child gracefully (SIGINT: the node finishes its
// current write batch) and starts it again with env.
func (s *childServer) restart(env []string) error {
	if !s.exited() {
		s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.kill()
		}
	}
	s.env = env
	return s.start()
}

// exited reports whether the running child has ended.
func (s *childServer) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// kill ends the child with SIGKILL (no shutdown code runs) and waits.
func (s *childServer) kill() {
	if s.cmd == nil {
		return
	}
	if !s.exited() {
		s.cmd.Process.Kill()
	}
	<-s.done
}

// logTail returns the end of the server's stderr log.
func (s *childServer) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// WriteJSON writes r as one JSON line.
func (r *ChaosResult) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// freshSchema makes an empty schema in the PostgreSQL database at dsn for
// one chaos run, and returns a DSN that uses it and a function that drops
// it.
func freshSchema(ctx context.Context, dsn string) (string, func(), error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("chaos: postgres: %w", err)
	}
	schema := fmt.Sprintf("hy_chaos_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("chaos: postgres: %w", err)
	}
	drop := func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		drop()
		return "", nil, fmt.Errorf("chaos: --postgres must be a postgres:// URL, got %q", dsn)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
