// Command hongyan runs a Hongyan node (serve), applies storage migrations
// (migrate), and is the scriptable command-line client (cli).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"hongyan/internal/cli"
	"hongyan/internal/config"
	"hongyan/internal/node"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: hongyan <command> [flags]

commands:
  serve     run a node (defaults: SQLite in ./data, http://127.0.0.1:8080)
  migrate   apply storage migrations and exit
  cli       the command-line client (hongyan cli help)
  admin     operator commands on the node's storage (hongyan admin help)
  version   print the version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve", "migrate":
		if err := serve(ctx, args[0], args[1:], stdout, stderr); err != nil {
			fmt.Fprintln(stderr, "hongyan:", err)
			return 1
		}
		return 0
	case "cli":
		return cli.Main(ctx, args[1:], stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "hongyan", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "hongyan: unknown command %q\n%s", args[0], usage)
	return 2
}

// nodeFlags are the flags that say which node a command runs or works on.
type nodeFlags struct {
	config, listen, data *string
}

func addNodeFlags(fs *flag.FlagSet) nodeFlags {
	return nodeFlags{
		config: fs.String("config", os.Getenv("HONGYAN_CONFIG"), "TOML configuration file (env HONGYAN_CONFIG)"),
		listen: fs.String("listen", "", "listen address (env HONGYAN_LISTEN; default 127.0.0.1:8080)"),
		data:   fs.String("data", "", "data directory (env HONGYAN_DATA; default ./data)"),
	}
}

// load reads the configuration (defaults, --config file, HONGYAN_* env,
// flags) and makes the logger it asks for.
func (f nodeFlags) load(stderr io.Writer) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(*f.config)
	if err != nil {
		return cfg, nil, err
	}
	if *f.listen != "" {
		cfg.Listen = *f.listen
	}
	if *f.data != "" {
		cfg.Data = *f.data
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return cfg, nil, fmt.Errorf("log_level: %w", err)
	}
	return cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

// serve runs a node, or with cmd "migrate" only opens storage, which
// applies the migrations.
func serve(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	nf := addNodeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, log, err := nf.load(stderr)
	if err != nil {
		return err
	}

	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(cfg.GCPercent)
	}
	start := time.Now()
	n, err := node.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer n.Close()
	if cmd == "migrate" {
		fmt.Fprintln(stdout, "storage is up to date")
		return nil
	}
	// Every client connection is an open file.
	if files, err := node.RaiseFileLimit(); err != nil {
		log.Warn("raise the open-file limit", "limit", files, "err", err)
	} else {
		log.Debug("open-file limit", "limit", files)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if n.TLS() {
		scheme = "https"
	} else if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		log.Warn("serving plain HTTP beyond loopback: set tls.cert_file or tls.acme_domains, or put a TLS proxy in front", "addr", ln.Addr().String())
	}
	fmt.Fprintf(stdout, "hongyan %s listening on %s://%s (data %s, %s storage, ready in %s)\n",
		version, scheme, ln.Addr(), cfg.Data, cfg.Storage.Driver, time.Since(start).Round(time.Millisecond))
	err = n.Serve(ctx, ln)
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
