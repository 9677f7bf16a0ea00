// Command hongyan-load drives a Hongyan node with a workload over the real
// client protocol and prints what it measured; with --json the last line of
// output is one JSON object. Without --server it starts its own node on a
// temporary data directory.
//
//	hongyan-load w1-direct --server http://127.0.0.1:8080 --duration 30s --users 200 [--rate 1000] [--json]
//	hongyan-load w1-direct --server http://127.0.0.1:8080 --users 1000 --open-loop 2000,5000,10000,15000 [--arrival poisson|fixed] [--p99-limit 50ms] --duration 20s
//	hongyan-load w2-idle --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 --users 19000 --procs 2 [--source-addrs 127.0.0.2-127.0.0.9]
//	hongyan-load w3-group --server http://127.0.0.1:8080 --users 500 --senders 2 --rate 300 --duration 20s
//	hongyan-load w6-oa [--followers 100000] [--users 100] [--senders 16] [--inflight 4] [--duration 10s] [--storage sqlite|postgres] [--json]
//	hongyan-load w8-money --server http://127.0.0.1:8080 --users 100 --duration 60s [--json]
//	hongyan-load w9-calls [--server http://127.0.0.1:8080] [--users 8] [--duration 20s] [--json]
//	hongyan-load w9-calls --users 40 --calls 100 --talk 5s --duration 10m --drop 0.05 --jitter 200ms [--seed 1] [--json]
//	hongyan-load attack-frames --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 [--conns 300] [--frame-bytes 2097152] [--duration 15s]
//	hongyan-load attack-idle --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 [--conns 21000] [--duration 15s]
//	hongyan-load attack-recovery --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 [--conns 8] [--frame-bytes 1048576] [--duration 15s]
//	hongyan-load attack-group --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 [--conns 4] [--duration 15s]
//	hongyan-load attack-decode --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 [--conns 8] [--duration 15s]
//	hongyan-load attack-flood --server http://127.0.0.1:8080 --admin http://127.0.0.1:6061 [--conns 20] [--duration 15s]
//
// The attacks (denial of service, against a node on this machine only)
// report the node's memory and open files during the attack, read from
// its admin listener, and whether a real client beside them was served.
//
// --procs P spreads the clients over P processes (this executable run as
// children, each with a share of the users; their results are merged, the
// latency histograms exactly). --source-addrs dials from several local
// addresses in turn; without it, a run against a loopback server that
// needs more ephemeral ports than half of one address's range picks
// 127.0.0.x addresses by itself.
//
// The chaos workload runs its own `hongyan serve` child (--binary), kills it
// with SIGKILL every --kill-every (seeded jitter) while users send, then
// checks the history of sends against what every device sees; it exits
// non-zero when the checker finds a violation. --unsafe-ack is the negative
// control: the child acknowledges before committing, and the run must fail.
//
//	hongyan-load chaos --binary bin/hongyan --duration 40s --kill-every 3s --seed 1 [--unsafe-ack] [--users 10] [--rate 100] [--min-kills 12] [--json]
//	hongyan-load chaos-cluster --binary bin/hongyan --postgres DSN --duration 60s --kill-every 4s --seed 1 [--faults kill,stop,nats,partition] [--unsafe-ack] [--json]
//
// chaos-money is the same with money: top-ups, transfers, accepts, red
// packets and grabs with idempotency keys, checked against the ledger
// (internal/load/chaosmoney.go). Its --unsafe-ack negative control makes
// the wallet forget idempotency keys, and the run must report duplicates.
//
//	hongyan-load chaos-money --binary bin/hongyan --duration 20s --kill-every 1s --seed 1 [--unsafe-ack] [--storage postgres --postgres DSN] [--json]
//
// turn-relay runs --users flows through the node's built-in TURN relay: each
// a pion TURN client with a relay and a UDP peer sending each other a
// 20-byte datagram every 20 ms (1 KB/s each way), and reports what was
// delivered and lost each way; --drop, --delay, --jitter and --reorder put
// an impairment proxy (internal/load/impair) between the clients and TURN.
//
//	hongyan-load turn-relay --users 200 --duration 20s [--drop 0.05 --jitter 200ms] [--json]
//
// sfu-rooms runs --rooms rooms of --users pion WebRTC participants against
// an SFU (internal/sfu) in its own process, --speakers of each sending a
// 60-byte Opus-sized packet every 20 ms, and reports the packets forwarded
// and received a second.
//
//	hongyan-load sfu-rooms --rooms 10 --users 10 --speakers 3 --duration 20s [--talkie] [--json]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/config"
	"hongyan/internal/hongyan"
	"hongyan/internal/load"
	"hongyan/internal/load/impair"
	"hongyan/internal/node"
	"hongyan/internal/turnserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hongyan-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return fmt.Errorf("usage: hongyan-load WORKLOAD [flags]; workloads: %v", load.Workloads)
	}
	workload := args[0]
	fs := flag.NewFlagSet("hongyan-load", flag.ContinueOnError)
	var opt load.Options
	fs.StringVar(&opt.Server, "server", "", "node URL; empty: start a node on a temporary directory")
	fs.DurationVar(&opt.Duration, "duration", 0, "how long to send (default 10s)")
	fs.DurationVar(&opt.Warmup, "warmup", 0, "w1-direct (--rate, --inflight): send this long first without measuring")
	fs.IntVar(&opt.Users, "users", 100, "number of users")
	fs.IntVar(&opt.Missed, "missed", 10000, "w4-catchup: messages the reconnecting device missed; w7-moments: posts in the reader's feed (default 50000)")
	fs.StringVar(&opt.Admin, "admin", "", "w2-idle, attacks: the node's admin URL (admin_listen), whose /metrics tell its memory and open files")
	fs.IntVar(&opt.Conns, "conns", 0, "attacks: connections the attacker opens (attack-frames 300, attack-idle 21000, attack-recovery 8, attack-group 4, attack-decode 8, attack-flood 20)")
	fs.Int64Var(&opt.FrameBytes, "frame-bytes", 0, "attack-frames: the length each frame header declares (default 2 MiB); attack-recovery: the length of the long account IDs (default 1 MiB)")
	fs.Float64Var(&opt.Rate, "rate", 0, "total messages per second (0: as fast as acks allow)")
	fs.IntVar(&opt.Inflight, "inflight", 4, "concurrent sends per user when --rate is 0")
	openLoop := fs.String("open-loop", "", "w1-direct, w3-group: open loop at these aggregate rates in turn (msg/s, comma-separated), --duration each; every sender on its own schedule, latency from the scheduled time")
	fs.StringVar(&opt.Arrival, "arrival", "poisson", "open loop: each sender's schedule, poisson or fixed (interval)")
	fs.DurationVar(&opt.P99Limit, "p99-limit", 50e6, "open loop: the p99 a sustained step stays within")
	fs.StringVar(&opt.FsyncDir, "fsync-dir", "", "directory on the node's disk for the fsync probe (default: the node's data dir or the temp dir)")
	storage := fs.String("storage", "sqlite", "storage of the node started without --server: sqlite or postgres")
	pgDSN := fs.String("postgres", os.Getenv("HONGYAN_STORAGE_POSTGRES"), "PostgreSQL DSN with --storage postgres")
	asJSON := fs.Bool("json", false, "print the result as one JSON object on the last line")
	fs.StringVar(&opt.Binary, "binary", "bin/hongyan", "chaos: the hongyan binary to run and kill")
	fs.DurationVar(&opt.KillEvery, "kill-every", 3e9, "chaos: mean time between SIGKILLs of the server")
	fs.Uint64Var(&opt.Seed, "seed", 1, "chaos: seed of the nemesis and the clients' random choices")
	fs.BoolVar(&opt.UnsafeAck, "unsafe-ack", false, "chaos: negative control, the server acknowledges sends before committing them (the run must report loss)")
	minKills := fs.Int("min-kills", 0, "chaos: fail unless the server was killed at least this often")
	fs.StringVar(&opt.LBConfig, "haproxy-config", "deploy/haproxy.cfg", "chaos-cluster: the HAProxy configuration in front of the nodes")
	fs.StringVar(&opt.Faults, "faults", "", "chaos-cluster: the nemesis's faults, comma-separated (default kill,stop,nats,partition)")
	fs.IntVar(&opt.Procs, "procs", 1, "w1-direct, w2-idle: spread the clients over this many processes")
	sourceAddrs := fs.String("source-addrs", "", "local addresses to dial from, in turn: a comma-separated list of addresses or ranges such as 127.0.0.2-127.0.0.9")
	fs.IntVar(&opt.Senders, "senders", 1, "w3-group: members that send; w6-oa: followers that message the account (default 16)")
	fs.IntVar(&opt.Followers, "followers", 100_000, "w6-oa: followers of the broadcast (--users of them real and online, the rest synthetic, seeded in the node's store)")
	fs.StringVar(&opt.TURN.Addr, "turn-addr", "", "turn-relay with --server: the node's TURN UDP address (host:port)")
	fs.StringVar(&opt.TURN.Secret, "turn-secret", "", "turn-relay with --server: the node's TURN secret (turn.secret or <data>/turn.secret)")
	fs.DurationVar(&opt.CallTalk, "talk", time.Second, "w9-calls: how long each call talks")
	fs.IntVar(&opt.MaxCalls, "calls", 0, "w9-calls: stop after placing this many calls (0: until --duration ends)")
	drop := fs.Float64("drop", 0, "turn-relay, w9-calls: an impairment proxy in front of TURN drops this share (0–1) of datagrams each way (w9-calls: the callers relay through it)")
	delay := fs.Duration("delay", 0, "turn-relay: … adds this delay each way")
	jitter := fs.Duration("jitter", 0, "turn-relay: … adds a random delay up to this each way")
	reorder := fs.Float64("reorder", 0, "turn-relay: … holds back this share (0–1) of datagrams 20 ms so that later ones overtake them")
	fs.IntVar(&opt.SFU.Rooms, "rooms", 1, "sfu-rooms: rooms, each of --users participants")
	fs.IntVar(&opt.SFU.Speakers, "speakers", 0, "sfu-rooms: speakers per room (default --users, at most 9)")
	fs.BoolVar(&opt.SFU.Talkie, "talkie", false, "sfu-rooms: walkie-talkie rooms (one speaker holding the floor)")
	childIndex := fs.Int("child", -1, "internal: run as child process N of a --procs run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (the load and, without --server, the node) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *openLoop != "" {
		rates, err := load.ParseRates(*openLoop)
		if err != nil {
			return err
		}
		opt.OpenLoop = rates
	}
	if *sourceAddrs != "" {
		addrs, err := load.ParseSourceAddrs(*sourceAddrs)
		if err != nil {
			return err
		}
		opt.SourceAddrs = addrs
	}
	if *drop > 0 || *delay > 0 || *jitter > 0 || *reorder > 0 {
		opt.TURN.Impair = &impair.Link{Drop: *drop, Delay: *delay, Jitter: *jitter, Reorder: *reorder}
	}
	// Every connection is a file; take all the files the system allows.
	if _, err := node.RaiseFileLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "hongyan-load: raise the open-file limit:", err)
	}
	if opt.Duration == 0 {
		opt.Duration = 10e9
	}
	if workload == "w7-moments" {
		// w7: --users is the poster's friends (the reader has 1,000 of
		// them), --missed the posts in the reader's feed.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["users"] {
			opt.Users = 5000
		}
		if !set["missed"] {
			opt.Missed = 50_000
		}
	}
	opt.Log = os.Stdout
	if *childIndex >= 0 {
		// A child of a --procs run: progress to stderr (the parent
		// forwards it), READY and the result on stdout.
		opt.Log = os.Stderr
		r, err := load.RunChild(ctx, workload, opt, *childIndex, os.Stdin, os.Stdout)
		if err != nil {
			return err
		}
		return r.WriteJSON(os.Stdout)
	}
	if workload == "chaos" || workload == "chaos-money" || workload == "chaos-cluster" {
		usersSet := false
		fs.Visit(func(f *flag.Flag) { usersSet = usersSet || f.Name == "users" })
		if !usersSet {
			opt.Users = 10
		}
		if *storage == "postgres" || workload == "chaos-cluster" {
			opt.Postgres = *pgDSN
		}
		r, err := load.Run(ctx, workload, opt)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := r.WriteJSON(os.Stdout); err != nil {
				return err
			}
		}
		if r.Violation() {
			return fmt.Errorf("%s: the checker found violations (seed %d)", workload, opt.Seed)
		}
		kills := 0
		if r.Chaos != nil {
			kills = r.Chaos.Kills
		} else if r.MoneyChaos != nil {
			kills = r.MoneyChaos.Kills + r.MoneyChaos.SelfKills
		}
		if kills < *minKills {
			return fmt.Errorf("%s: the server was killed %d times, want at least %d", workload, kills, *minKills)
		}
		return nil
	}
	if opt.Server == "" && workload != "sfu-rooms" { // sfu-rooms runs its own SFU
		dir, err := os.MkdirTemp("", "hongyan-load-node")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg := config.Default()
		cfg.Data = dir
		if !strings.HasPrefix(workload, "attack-") {
			// The attacks meet the node's default limits; the other
			// workloads sign in and send far more than people do.
			cfg.Limits = config.Limits{}
			// The workloads dial thousands of connections from a few
			// 127.0.0.x addresses; the attacks meet the node's defaults.
			cfg.Gateway.MaxConnsPerAddress = 0
			cfg.Gateway.MaxUnauthenticatedConns = 0
			// w9-calls: each caller calls back to back, one a second.
			cfg.Calls.PlacePerMinute = 1 << 20
			// Registering thousands of users waits for password hashes
			// (a few at a time) longer than a client may wait to say hello.
			cfg.Gateway.HelloTimeout = config.Duration{Duration: 2 * time.Minute}
		}
		cfg.Storage.Driver = *storage
		cfg.Storage.Postgres = *pgDSN
		if workload == "w6-oa" {
			// Its developer server listens on loopback.
			cfg.OfficialAccounts.AllowPrivateCallbacks = true
		}
		n, err := node.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		defer n.Close()
		// w6-oa's synthetic followers: user IDs far above any registered
		// one, following through the store (64 at a time), with no welcome.
		opt.TURN.ICEServers = func(user string) []turnserver.ICEServer {
			id, _ := strconv.ParseInt(user, 10, 64)
			return n.ICEServers(hongyan.UserID(id), time.Now())
		}
		opt.SeedOAFollowers = func(ctx context.Context, appid string, count int) error {
			return n.OfficialAccounts().SeedFollowers(ctx, appid, 1<<40, count, 64)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		nctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go n.Serve(nctx, ln)
		opt.Server = "http://" + ln.Addr().String()
		if opt.Admin == "" {
			aln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			defer aln.Close()
			go http.Serve(aln, n.AdminHandler())
			opt.Admin = "http://" + aln.Addr().String()
		}
		if opt.FsyncDir == "" {
			opt.FsyncDir = dir
		}
		fmt.Fprintf(os.Stdout, "started a %s node on %s (data %s)\n", *storage, opt.Server, dir)
	}
	r, err := load.Run(ctx, workload, opt)
	if err != nil {
		return err
	}
	if *asJSON {
		return r.WriteJSON(os.Stdout)
	}
	return nil
}
