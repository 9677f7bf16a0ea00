// Package load is Hongyan's load generator: it drives a node over the real
// client protocol (internal/wsclient) and measures what a user would see —
// durable sends per second, send-to-delivery latency, and whether every
// acknowledged message arrived exactly once and in order.
package load

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"
)

// Options configure a run.
type Options struct {
	Server   string        // node URL, e.g. http://127.0.0.1:8080
	Duration time.Duration // how long to send
	// Warmup (w1-direct with --rate or --inflight): send as in the run for
	// this long first, unmeasured, so that the figures are of a warm node
	// (its statements prepared, every pair's conversation made).
	Warmup   time.Duration
	Users    int       // users (w1: in pairs)
	Rate     float64   // total messages per second; 0: as fast as acks allow
	Inflight int       // concurrent sends per user when Rate is 0
	FsyncDir string    // where to measure fsync latency ("" : the temp dir)
	Log      io.Writer // human progress and summary

	// OpenLoop, when set, runs w1-direct and w3-group open-loop (see
	// openloop.go): one step of Duration per rate, in the order given,
	// each sender on its own schedule (Arrival: "poisson", the default,
	// or "fixed"). P99Limit is the p99 a sustained step stays within
	// (default 50 ms).
	OpenLoop []float64
	Arrival  string
	P99Limit time.Duration

	// Procs spreads the clients over this many processes: the command
	// runs itself as Procs children, each with a share of the users, and
	// merges their results (see RunProcs). 0 or 1: this process only.
	Procs int
	// SourceAddrs are local addresses to dial from, in turn (the
	// connections of one address are limited by its ephemeral ports). Empty:
	// the system's choice, or several 127.0.0.x addresses when the server
	// is on loopback and one address would not have ports enough.
	SourceAddrs []netip.Addr

	// w2-idle and the attacks: the node's admin listener, whose /metrics
	// tell its memory and open files (after a garbage collection through
	// its pprof)
	Admin string

	// attacks only
	Conns      int   // connections the attacker opens
	FrameBytes int64 // attack-frames: the length each frame header declares

	// w3-group only
	Senders int // members that send (default 1)

	// w4-catchup only
	Missed int // messages the reconnecting device missed (default 10,000); w7-moments: posts in the reader's feed (default 50,000)

	// w6-oa only: the followers of the broadcast (default 100,000), and
	// how to make the synthetic ones (n of them) follow the account in
	// the node's store, which hongyan-load sets when it starts the node.
	Followers       int
	SeedOAFollowers func(ctx context.Context, appid string, n int) error

	// turn-relay only (w9-calls: its Impair, and Addr with --server)
	TURN TURNOptions
	// w9-calls only
	CallTalk time.Duration // how long each call talks (default 1 s)
	MaxCalls int           // stop after placing this many calls (0: until Duration ends)
	// sfu-rooms only
	SFU SFUOptions

	// chaos only
	Binary    string        // the hongyan binary to run as a child process
	KillEvery time.Duration // mean time between SIGKILLs of the child
	Seed      uint64        // seeds the nemesis's jitter and the clients' choices
	UnsafeAck bool          // negative control: chaos runs the child with HONGYAN_UNSAFE_ACK_BEFORE_COMMIT=1, chaos-money with HONGYAN_UNSAFE_WALLET_IGNORE_KEYS=1
	Postgres  string        // run the child on a fresh schema of this PostgreSQL database ("": SQLite)
	// chaos-cluster only
	LBConfig string // the HAProxy configuration (default deploy/haproxy.cfg)
	Faults   string // the nemesis's faults, comma-separated (default kill,stop,nats,partition)

	// child is set in a process started by RunProcs: it reports when it is
	// ready and waits for the word to go (see procs.go).
	child *childIO
	// dial opens client connections (from SourceAddrs); set by Run.
	dial *dialer
}

// Result is what a run measured. It is printed as one JSON object.
type Result struct {
	Workload      string  `json:"workload"`
	Users         int     `json:"users"`
	DurationS     float64 `json:"duration_s"`
	Sent          int64   `json:"sent"`
	SentPerS      float64 `json:"sent_per_s"`
	DeliveredPerS float64 `json:"delivered_per_s"`
	P50Ms         float64 `json:"p50_ms"`
	P99Ms         float64 `json:"p99_ms"`
	P999Ms        float64 `json:"p999_ms"`
	MaxMs         float64 `json:"max_ms"`
	Errors        int64   `json:"errors"`
	Lost          int64   `json:"lost"`
	Duplicates    int64   `json:"duplicates"`
	Reordered     int64   `json:"reordered"`
	FsyncP50Ms    float64 `json:"fsync_p50_ms"`
	FsyncP99Ms    float64 `json:"fsync_p99_ms"`
	Procs         int     `json:"procs,omitempty"`

	// Open loop: one result per rate step, and the highest rate that
	// was sustained (p99 flat and within the limit, no backlog).
	Steps         []StepResult `json:"steps,omitempty"`
	SustainedPerS float64      `json:"sustained_per_s,omitempty"`

	// w3-group: one group, every member online; latency is until the
	// last member has the message.
	GroupMembers   int     `json:"group_members,omitempty"`
	DeliveriesPerS float64 `json:"deliveries_per_s,omitempty"`
	Incomplete     int64   `json:"incomplete,omitempty"` // messages some member never got

	// Latency and Fsync are the histograms behind the percentiles; a
	// child process reports them so that its parent can merge them.
	Latency *HistSnapshot `json:"latency_hist,omitempty"`
	Fsync   *HistSnapshot `json:"fsync_hist,omitempty"`

	// w4-catchup: a device that missed Missed messages reconnects.
	Missed       int     `json:"missed,omitempty"`
	CatchupMs    float64 `json:"catchup_ms,omitempty"`
	CatchupBytes int64   `json:"catchup_bytes,omitempty"`

	// w2-idle: idle authenticated connections held open.
	Conns                  int     `json:"conns,omitempty"`
	ConnectsPerS           float64 `json:"connects_per_s,omitempty"`
	ServerRSSBytesPerConn  float64 `json:"server_rss_bytes_per_conn,omitempty"`
	ServerHeapBytesPerConn float64 `json:"server_heap_bytes_per_conn,omitempty"`
	ServerRSSBytes         float64 `json:"server_rss_bytes,omitempty"` // with every connection open
	ConnectS               float64 `json:"connect_s,omitempty"`        // time to open them all

	// w5-wire: TCP payload per short text on each side's link, and the
	// cost of the idle heartbeat.
	SenderBytesPerMsg    float64 `json:"sender_bytes_per_msg,omitempty"`
	RecipientBytesPerMsg float64 `json:"recipient_bytes_per_msg,omitempty"`
	PingBytes            int64   `json:"ping_bytes,omitempty"`
	IdleBytesPerHour     float64 `json:"idle_bytes_per_hour,omitempty"`

	// attack-*: the attacker's connections, the server's peak memory and
	// open files during the attack (ServerRSSBytes), and the real client
	// beside it (latency in P50Ms, P99Ms, MaxMs).
	AttackOpened         int     `json:"attack_opened,omitempty"`           // upgraded
	AttackRefused        int     `json:"attack_refused,omitempty"`          // refused by the server, or failed
	AttackClosedByServer int     `json:"attack_closed_by_server,omitempty"` // upgraded, then closed by the server during the attack
	ServerRSSBeforeBytes float64 `json:"server_rss_before_bytes,omitempty"`
	ServerFDsBefore      float64 `json:"server_fds_before,omitempty"`
	ServerFDsMax         float64 `json:"server_fds_max,omitempty"`
	ClientTries          int     `json:"client_tries,omitempty"`
	ClientServed         int     `json:"client_served,omitempty"`
	ServerRSSAfterBytes  float64 `json:"server_rss_after_bytes,omitempty"`  // settled, after the attack
	ServerHeapAfterBytes float64 `json:"server_heap_after_bytes,omitempty"` // Go heap and stacks in use, then
	// The abuse attacks: requests answered, by kind and code ("ok" for
	// success), and typing notices that reached the second account.
	AttackRequests  int64          `json:"attack_requests,omitempty"`
	AttackAnswers   map[string]int `json:"attack_answers,omitempty"`
	AttackDelivered int64          `json:"attack_delivered,omitempty"`

	// w7-moments: P50Ms/P99Ms/MaxMs are the first feed page's; Sent the
	// posts made; Lost the posts a friend did not see within 1 s.
	FeedReads     int     `json:"feed_reads,omitempty"`
	FeedDeepP99Ms float64 `json:"feed_deep_p99_ms,omitempty"` // paging through the feed
	FeedDeepPosts int     `json:"feed_deep_posts,omitempty"`
	PostFriends   int     `json:"post_friends,omitempty"`
	PostP50Ms     float64 `json:"post_p50_ms,omitempty"` // the poster's acknowledgement
	PostP99Ms     float64 `json:"post_p99_ms,omitempty"`
	VisibleP99Ms  float64 `json:"visible_p99_ms,omitempty"` // from posting until a friend's feed has it
	// OA is w6-oa's own figures.
	OA *OAResult `json:"oa,omitempty"`
	// Money is w8-money's own figures.
	Money *MoneyResult `json:"money,omitempty"`
	// TURN is turn-relay's own figures.
	TURN *TURNResult `json:"turn,omitempty"`
	// SFU is sfu-rooms' own figures.
	SFU *SFUResult `json:"sfu,omitempty"`
	// Calls is w9-calls' own figures.
	Calls *CallsResult `json:"calls,omitempty"`

	// Chaos is the chaos workload's result; when set, WriteJSON writes it
	// instead.
	Chaos *ChaosResult `json:"-"`
	// MoneyChaos is the chaos-money workload's result, written the same
	// way.
	MoneyChaos *MoneyChaosResult `json:"-"`
}

// Violation reports whether the run found a safety violation (the chaos
// checker's verdict).
func (r Result) Violation() bool {
	return (r.Chaos != nil && !r.Chaos.OK) || (r.MoneyChaos != nil && !r.MoneyChaos.OK)
}

// Workloads lists the workloads Run knows.
var Workloads = []string{"w1-direct", "w2-idle", "w3-group", "w4-catchup", "w5-wire", "w6-oa", "w7-moments", "w8-money", "w9-calls", "chaos", "chaos-money", "chaos-cluster", "turn-relay", "sfu-rooms", "attack-frames", "attack-idle",
	"attack-recovery", "attack-group", "attack-decode", "attack-flood"}

// Run runs one workload.
func Run(ctx context.Context, workload string, opt Options) (Result, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Users < 2 {
		opt.Users = 2
	}
	if opt.Inflight <= 0 {
		opt.Inflight = 4
	}
	if len(opt.OpenLoop) > 0 {
		if opt.Procs > 1 {
			return Result{}, fmt.Errorf("--open-loop runs in one process (--procs 1)")
		}
		switch opt.Arrival {
		case "":
			opt.Arrival = ArrivalPoisson
		case ArrivalPoisson, ArrivalFixed:
		default:
			return Result{}, fmt.Errorf("--arrival %q: want %s or %s", opt.Arrival, ArrivalPoisson, ArrivalFixed)
		}
		if opt.P99Limit <= 0 {
			opt.P99Limit = 50 * time.Millisecond
		}
	}
	if opt.Procs > 1 && opt.child == nil {
		return runProcs(ctx, workload, opt)
	}
	if opt.dial == nil {
		d, err := newDialer(opt.Server, opt.SourceAddrs, opt.Users)
		if err != nil {
			return Result{}, err
		}
		if len(d.addrs) > 0 {
			fmt.Fprintf(opt.Log, "dialling from %d source addresses (%v … %v)\n", len(d.addrs), d.addrs[0], d.addrs[len(d.addrs)-1])
		}
		opt.dial = d
	}
	switch workload {
	case "w1-direct":
		return runDirect(ctx, opt)
	case "w2-idle":
		return runIdle(ctx, opt)
	case "w5-wire":
		return runWire(ctx, opt)
	case "w3-group":
		return runGroup(ctx, opt)
	case "w4-catchup":
		return runCatchup(ctx, opt)
	case "w6-oa":
		return runOA(ctx, opt)
	case "w7-moments":
		return runMoments(ctx, opt)
	case "w8-money":
		return runMoney(ctx, opt)
	case "turn-relay":
		return runTURNRelay(ctx, opt)
	case "sfu-rooms":
		return runSFURooms(ctx, opt)
	case "w9-calls":
		return runCalls(ctx, opt)
	case "chaos":
		return runChaos(ctx, opt)
	case "chaos-cluster":
		return runChaosCluster(ctx, opt)
	case "chaos-money":
		return runChaosMoney(ctx, opt)
	case "attack-frames", "attack-idle", "attack-recovery", "attack-group", "attack-decode", "attack-flood":
		return runAttack(ctx, workload, opt)
	}
	return Result{}, fmt.Errorf("unknown workload %q (known: %v)", workload, Workloads)
}

// WriteJSON writes r as one JSON line.
func (r Result) WriteJSON(w io.Writer) error {
	if r.Chaos != nil {
		return r.Chaos.WriteJSON(w)
	}
	if r.MoneyChaos != nil {
		return r.MoneyChaos.WriteJSON(w)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// fsyncProbe measures the latency of writing 4 KiB and fsyncing it in dir,
// ten times a second, until ctx ends: the disk's durability cost during
// the run.
func fsyncProbe(ctx context.Context, dir string, into *Histogram) error {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "fsync-probe-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		start := time.Now()
		if _, err := f.WriteAt(buf, int64(i%256)*4096); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		into.Record(time.Since(start))
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// newOpenLoop returns the open loop of opt.
func newOpenLoop(opt Options) *openLoop {
	return &openLoop{rates: opt.OpenLoop, stepDur: opt.Duration, arrival: opt.Arrival, seed: opt.Seed, admin: opt.Admin,
		p99Limit: opt.P99Limit, stopAfter: 20 * opt.P99Limit}
}

func runID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}
