// Package node is the one place that wires a Hongyan node together: it opens
// the storage engine and the bus named by the configuration, builds the
// features on them, and serves the transports. cmd/hongyan and tests use it.
package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hongyan/internal/account"
	"hongyan/internal/call"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/clientaddr"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/favorite"
	"hongyan/internal/gateway"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/groupcall"
	"hongyan/internal/hongyan"
	"hongyan/internal/httpmux"
	"hongyan/internal/media"
	"hongyan/internal/moderation"
	"hongyan/internal/moments"
	"hongyan/internal/oaapi"
	"hongyan/internal/officialacct"
	"hongyan/internal/postgres"
	"hongyan/internal/qrscan"
	"hongyan/internal/sandboxpay"
	"hongyan/internal/sfu"
	"hongyan/internal/spam"
	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
	"hongyan/internal/wallet"
	"hongyan/internal/webui"
)

// Node is a running Hongyan node.
type Node struct {
	accounts  *account.Service
	chats     *chat.Service
	media     *media.Service
	oas       *officialacct.Service
	oaapi     *oaapi.API
	feed      *changelog.Feed
	wallet    *wallet.Service
	pay       *sandboxpay.Provider
	finds     *discovery.Service
	apps      *groupapp.Service
	relays    *relays
	sfu       *sfu.SFU
	mod       *moderation.Service
	routes    *httpmux.Mux // the patterns Handler serves
	calls     *call.Service
	bots      *botRuntime
	guard     *guardRuntime
	assistant *assistantRuntime
	cfg       config.Config
	log       *slog.Logger
	db        *stores.DB
	bus       bus
	gw        *gateway.Gateway
	reg       *prometheus.Registry
	handler   http.Handler
	tls       *serverTLS // nil: plain HTTP
	eraser    userEraser
	spam      *spam.Service
	draining  atomic.Bool // Serve is draining: not ready

	blobsReady func(context.Context) error // nil: media on local files

	// groupCalls: the SFU's OnFloor and OnGone reach it (set before the
	// gateway serves).
	groupCalls *groupcall.Service
}

// New opens storage and builds a node from cfg. Close releases it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	b, err := openBus(cfg, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	n := &Node{cfg: cfg, log: log, db: db, bus: b, reg: prometheus.NewRegistry()}
	n.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	observeBus(b, n.reg)
	observeStore(db, n.reg)
	pub := hongyan.Publisher{Bus: n.bus}

	acfg := account.DefaultConfig()
	acfg.QRLoginTTL = cfg.Gateway.QRLoginTTL.Duration
	acfg.LoginRate = hongyan.Rate{N: cfg.Limits.LoginPerMinute, Per: time.Minute}
	acfg.RegisterRate = hongyan.Rate{N: cfg.Limits.RegisterPerMinute, Per: time.Minute}
	acfg.RecoveryRate = hongyan.Rate{N: cfg.Limits.RecoveryPer10Minutes, Per: 10 * time.Minute}
	acfg.VerifyRate = hongyan.Rate{N: cfg.Limits.VerifyCodesPer10Min, Per: 10 * time.Minute}
	acfg.RecoveryAddrRate = hongyan.Rate{N: cfg.Limits.RecoveryPerAddress, Per: 10 * time.Minute}
	acfg.LimiterBytes, acfg.PasswordHashes = cfg.Limits.LimiterBytes, cfg.Limits.PasswordHashes
	acfg.DeletionDelay = cfg.Accounts.DeletionDelay.Duration
	acfg.PasswordCost = cfg.PasswordCost // zero: the production cost
	accounts := account.New(db.Accounts(), account.OutboxSender{Store: db.Accounts(), Log: log}, pub, acfg)
	contacts := contact.New(db.Contacts(), directory{accounts}, pub,
		hongyan.Rate{N: cfg.Limits.FriendRequestsPerHour, Per: time.Hour}, hongyan.Rate{N: cfg.Limits.SearchesPerMinute, Per: time.Minute})
	chats := chat.New(db.Chats(), contacts, pub)
	chats.LimitTyping(hongyan.Rate{N: cfg.Limits.TypingPerMinute, Per: time.Minute})
	chats.LimitSends(hongyan.Rate{N: cfg.Limits.SendsPerMinute, Per: time.Minute})
	groups := group.New(db.Groups(), contacts, accounts, pub, group.Config{
		MaxMembers: cfg.Groups.MaxMembers, AcceptAbove: cfg.Groups.AcceptAbove, QRTTL: cfg.Groups.QRTTL.Duration,
		CreateRate: hongyan.Rate{N: cfg.Limits.GroupsPerHour, Per: time.Hour},
	})
	readers := &mediaReaders{chats: chats}
	mediaFiles, blobsReady, err := newMedia(cfg, db, readers)
	if err != nil {
		db.Close()
		return nil, err
	}
	n.blobsReady = blobsReady
	n.spam = newSpam(cfg, db, n)
	n.spam.SetQRFinder(qrImages{media: mediaFiles, scanner: qrscan.New(qrscan.Limits{})})
	screen := newSpamScreen(n.spam, accounts)
	contacts.SetScreener(screen)
	groups.SetJoinScreener(screen)
	chats.Extend(chat.Extensions{Groups: groups, Media: chatMedia{mediaFiles}, Previews: newPreviews(mediaFiles), Screen: screen})
	favorites := favorite.New(db.Favorites(), chats, pub)
	oas := officialacct.New(db.OfficialAccounts(), pub)
	oas.SetImages(forumImages{mediaFiles})
	oas.SetNames(oaNames{accounts})
	oas.SetForumRate(hongyan.Rate{N: cfg.Limits.OAForumPostsPerMinute, Per: time.Minute})
	readers.forum = oas
	mcfg := moments.DefaultConfig()
	mcfg.PostRate = hongyan.Rate{N: cfg.Limits.MomentsPostsPerHour, Per: time.Hour}
	mcfg.ReactRate = hongyan.Rate{N: cfg.Limits.MomentsReactionsPerHour, Per: time.Hour}
	mcfg.FanoutLimit = cfg.Moments.FanoutLimit
	momentsSvc := moments.New(db.Moments(), momentRelations{contacts}, momentFiles{mediaFiles}, pub, mcfg)
	readers.moments = momentsSvc
	shareLimits(cfg, db, accounts, contacts, groups, momentsSvc, oas, chats, mediaFiles)
	n.wallet, n.pay, err = newWallet(cfg, db, accounts, contacts, groups, chats, pub)
	if err != nil {
		db.Close()
		return nil, err
	}
	n.finds = newDiscovery(cfg, db, contacts, accounts, pub)
	n.finds.SetVoices(bottleVoices{mediaFiles})
	readers.bottles = n.finds
	if n.relays, err = newRelays(cfg, log, n.reg); err != nil {
		n.pay.Close()
		db.Close()
		return nil, err
	}
	if n.sfu, err = newSFU(cfg, log, n.reg, n.sfuEvents()); err != nil {
		n.relays.Close()
		n.pay.Close()
		db.Close()
		return nil, err
	}
	books := newAddressBooks(cfg, db, accounts, contacts, groups, pub)
	liveCodes := newLiveCodes(cfg, db, groups)
	apps := newGroupApps(cfg, db, groups, chats, pub, log)
	apps.SetMedia(groupMedia{mediaFiles})
	readers.apps, n.apps = apps, apps
	accounts.SetDeletionGuard(deletionGuard{n.wallet})
	n.eraser = userEraser{contacts: contacts, moments: momentsSvc, favorites: favorites, finds: n.finds, books: books, media: mediaFiles}
	n.accounts, n.chats, n.media, n.oas = accounts, chats, mediaFiles, oas
	n.mod = newModeration(cfg, db, accounts, chats, groups, momentsSvc, oas, pub)
	rs := resolvers(accounts, contacts, chats, groups, favorites, oas, momentsSvc, n.wallet, n.finds, books, apps)
	n.calls = newCalls(cfg, db, contacts, chats, pub, rs, n.relays)
	n.groupCalls = newGroupCalls(cfg, db, n.MediaRooms(), groups, chats, callICE{cfg.Calls, n.relays}, pub, log)
	n.feed = changelog.NewFeed(db.ChangeLog(), withModeration(rs, n.mod))
	n.bots = newBots(cfg, db, accounts, contacts, groups, chats, n.feed, n.bus, log)
	rs[hongyan.ChangeBot] = n.bots.resolver() // the bot service reads the feed: added once both exist
	chats.SetModerators(groups)
	n.bots.api.SetRemover(botOps{chats: chats, groups: groups, accounts: accounts})
	n.bots.api.SetImages(botImages{mediaFiles})
	if n.guard, err = newGuard(ctx, db, n.bots, chats, groups, mediaFiles, n.bus, log); err != nil {
		n.closeCalls()
		db.Close()
		return nil, err
	}
	n.assistant = newAssistant(db, groups, n.bots, log)
	if _, err := n.assistant.identity(ctx); err != nil { // made once per cluster; its runner retries
		log.Warn("making the group assistant", "err", err)
	}

	clients, err := clientaddr.New(cfg.HTTP.TrustedProxies)
	if err != nil {
		n.closeCalls()
		db.Close()
		return nil, err
	}
	n.gw = gateway.New(gateway.Services{
		Accounts: accounts, Contacts: contacts, Chat: chats, Groups: groups, Favorites: favorites, OfficialAccounts: oas, Moments: momentsSvc, Wallet: n.wallet, Discovery: n.finds, AddressBooks: books, LiveCodes: liveCodes, Media: mediaFiles, Changes: n.feed, Bus: n.bus,
		Moderation: n.mod, GroupApps: apps, Calls: n.calls, GroupCalls: n.groupCalls, Bots: n.bots.svc,
		Guard: n.guard.svc, Outreach: newOutreach(cfg, db, groups, contacts, chats),
		GroupTools: newGroupTools(cfg, db, n.guard, groups, chats), Assistant: n.assistant.svc,
	}, gateway.Options{
		MaxFrameBytes:           cfg.Gateway.MaxFrameBytes,
		MaxUnauthenticatedBytes: cfg.Gateway.MaxUnauthenticatedBytes,
		MaxBufferedBytes:        int64(cfg.Gateway.MaxBufferedBytes),
		HelloTimeout:            cfg.Gateway.HelloTimeout.Duration,
		MaxConnsPerAddress:      cfg.Gateway.MaxConnsPerAddress,
		MaxUnauthenticatedConns: cfg.Gateway.MaxUnauthenticatedConns,
		BodyTimeout:             cfg.HTTP.ReadTimeout.Duration,
		WriteTimeout:            cfg.Gateway.WriteTimeout.Duration,
		PublicURL:               publicURL(cfg),
		ClientAddr:              clients,
		MaxGroupMembers:         cfg.Groups.MaxMembers,
		Log:                     log,
		Metrics:                 gateway.NewMetrics(n.reg),
	})

	mux := httpmux.New()
	n.routes = mux
	// The gateway's paths (protocol, avatars, QR codes, media, exports);
	// everything else is the web client.
	gw := n.gw.Handler()
	for _, p := range []string{"/ws", "/avatar/", "/qr/", "/media", "/media/", "/export", "/export/"} {
		mux.Handle(p, gw)
	}
	// The official accounts' developer API, under WeChat's own paths.
	n.oaapi = developerAPI(oas, accounts, publicURL(cfg), clients.Addr, cfg.OfficialAccounts.CallbackIPs, oaapi.PushOptions{
		Timeout:      cfg.OfficialAccounts.PushTimeout.Duration,
		AllowPrivate: cfg.OfficialAccounts.AllowPrivateCallbacks,
		Metrics:      oaapi.NewMetrics(n.reg),
		Log:          log,
	})
	oah := n.oaapi.Handler()
	for _, p := range oaapi.Paths {
		mux.Handle(p, oah)
	}
	mux.Handle("/admin/api/", n.adminAPI(clients, groups))
	// The bot API (docs/bots.md).
	mux.Handle("/bot/v1/", n.bots.api.Handler())
	n.bots.start()
	n.guard.start()
	n.assistant.start()
	mux.Handle("/", webui.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", n.ready)
	// Metrics are on the admin listener; here only with the token.
	if cfg.HTTP.MetricsToken != "" {
		mux.Handle("GET /metrics", n.publicMetrics(cfg.HTTP.MetricsToken))
	}
	if n.tls, err = newServerTLS(cfg); err != nil {
		db.Close()
		return nil, err
	}
	n.handler = withHSTS(cfg.TLS.HSTSMaxAge.Duration, checkHost(hostNames(cfg), mux))
	return n, nil
}

func openStore(ctx context.Context, cfg config.Config) (*stores.DB, error) {
	switch cfg.Storage.Driver {
	case "postgres":
		lt := cfg.Storage.LockTimeout.Duration
		if lt == 0 {
			lt = -1 // "0s" in the configuration: no limit
		}
		return postgres.OpenWith(ctx, cfg.Storage.Postgres, postgres.Options{LockTimeout: lt})
	default:
		return sqlite.Open(ctx, cfg.Data)
	}
}

// publicURL is the configured public URL, or one derived from the listener.
func publicURL(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimSuffix(cfg.PublicURL, "/")
	}
	host := cfg.Listen
	if strings.HasPrefix(host, ":") {
		host = "localhost" + host
	}
	if len(cfg.TLS.ACMEDomains) > 0 {
		_, port, _ := net.SplitHostPort(cfg.Listen)
		host = cfg.TLS.ACMEDomains[0]
		if port != "443" {
			host = net.JoinHostPort(host, port)
		}
	}
	if cfg.TLS.On() {
		return "https://" + host
	}
	return "http://" + host
}

func (n *Node) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if n.draining.Load() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	if err := n.db.Ping(ctx); err != nil {
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	if !n.bus.Connected() {
		http.Error(w, "bus unavailable", http.StatusServiceUnavailable)
		return
	}
	if n.blobsReady != nil && n.blobsReady(ctx) != nil {
		http.Error(w, "media store unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// Routes lists the HTTP patterns Handler serves (those of the handlers
// mounted on it included), for the authorisation matrix.
func (n *Node) Routes() []string { return n.routes.Routes() }

// Handler serves everything a client reaches: the protocol, the HTTP
// endpoints, health and readiness (and metrics, to a holder of
// http.metrics_token), for the node's host names.
func (n *Node) Handler() http.Handler { return n.handler }

// AdminHandler serves what operators read: Prometheus metrics at
// /metrics and pprof at /debug/pprof/. Serve puts it on admin_listen;
// keep it off public networks.
func (n *Node) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Serve serves clients on ln until ctx is cancelled, then shuts down
// gracefully: open connections are told to go away.
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	// Timeouts bound what a client that sends slowly, or not at all, can
	// hold: headers, whole requests (media uploads extend theirs while
	// bytes flow), and idle kept-alive connections. A WebSocket upgrade
	// leaves them behind (the gateway has its own).
	srv := &http.Server{
		Handler:           n.handler,
		ReadHeaderTimeout: n.cfg.HTTP.ReadHeaderTimeout.Duration,
		ReadTimeout:       n.cfg.HTTP.ReadTimeout.Duration,
		IdleTimeout:       n.cfg.HTTP.IdleTimeout.Duration,
	}
	if n.cfg.AdminListen != "" {
		admin, err := net.Listen("tcp", n.cfg.AdminListen)
		if err != nil {
			return fmt.Errorf("admin listener: %w", err)
		}
		asrv := &http.Server{Handler: n.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
		go asrv.Serve(admin)
		defer asrv.Close()
		n.log.Info("admin listener", "addr", admin.Addr().String())
	}
	if n.tls != nil {
		ln = tls.NewListener(ln, n.tls.config)
		if n.cfg.TLS.RedirectListen != "" {
			_, port, _ := net.SplitHostPort(ln.Addr().String())
			if err := n.serveRedirect(ctx, port); err != nil {
				return err
			}
		}
	}
	go n.prune(ctx)
	go n.expire(ctx)
	go n.eraseAccounts(ctx)
	go n.pruneSpam(ctx)
	go n.reconcile(ctx)
	go n.sweepCalls(ctx)
	go n.remindEvents(ctx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: not ready (a load balancer stops sending clients here), no
	// new connections, each open one closed once its requests in hand are
	// answered; then HTTP requests in flight (uploads) finish.
	n.draining.Store(true)
	n.log.Info("draining", "connections", n.gw.Conns())
	dctx, dcancel := context.WithTimeout(context.Background(), n.cfg.Gateway.DrainTimeout.Duration)
	if err := n.gw.Drain(dctx); err != nil {
		n.log.Warn("drain timed out; closing the connections left", "connections", n.gw.Conns())
	}
	dcancel()
	n.gw.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	return err
}

// Migrations lists the storage migrations the database has applied
// (`hongyan admin migrations`).
func (n *Node) Migrations(ctx context.Context) ([]sqldb.Applied, error) {
	return n.db.Migrations(ctx)
}

// OfficialAccounts returns the node's official-account service (for the
// developer API's adapter and the admin commands).
func (n *Node) OfficialAccounts() *officialacct.Service { return n.oas }

// Close closes the node's connections, bus and storage.
func (n *Node) Close() error {
	n.gw.Close()
	n.guard.stop()
	n.assistant.stop()
	n.bots.stop()
	n.oas.Wait()
	if n.groupCalls != nil {
		n.groupCalls.Close() // its relay's subscriptions, before the bus
	}
	n.bus.Close()
	n.pay.Close()
	n.closeCalls()
	return n.db.Close()
}

// observeStore exports the group-commit writer's behaviour: how long each
// COMMIT takes (the durability cost) and how many operations share one.
func observeStore(db *stores.DB, reg prometheus.Registerer) {
	commit := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "hongyan_store_commit_seconds", Help: "Duration of each group COMMIT, fsync included.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
	})
	ops := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "hongyan_store_batch_ops", Help: "Write operations committed together in one transaction.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 12),
	})
	reg.MustRegister(commit, ops)
	// Each writer's counters: batches committed, operations in them, and
	// batches run again (a failed operation, or on PostgreSQL a
	// serialization failure or deadlock: the figure to watch when money
	// moves slowly).
	for _, w := range []struct {
		name  string
		stats func() sqldb.Stats
	}{{"main", db.Stats}, {"serializable", db.SerializableStats}} {
		labels := prometheus.Labels{"writer": w.name}
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_store_batches_total", Help: "Write transactions committed, by writer.", ConstLabels: labels},
				func() float64 { return float64(w.stats().Batches) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_store_ops_total", Help: "Write operations committed, by writer.", ConstLabels: labels},
				func() float64 { return float64(w.stats().Ops) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_store_retries_total", Help: "Write batches run again (a failed operation, a serialization failure or a deadlock), by writer.", ConstLabels: labels},
				func() float64 { return float64(w.stats().Retries) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "hongyan_store_statements_total", Help: "Statements the writer sent (BEGIN, COMMIT and preparations included; on PostgreSQL each a network round trip), by writer.", ConstLabels: labels},
				func() float64 { return float64(w.stats().Statements) }),
		)
	}
	db.ObserveCommits(func(n int, d time.Duration) {
		commit.Observe(d.Seconds())
		ops.Observe(float64(n))
	})
}

// directory lets contact find accounts through the account feature.
type directory struct{ accounts *account.Service }

func (d directory) Find(ctx context.Context, query string) (hongyan.UserID, error) {
	a, err := d.accounts.Find(ctx, query)
	return a.ID, err
}

func (d directory) AddPolicy(ctx context.Context, user hongyan.UserID) (contact.AddPolicy, error) {
	a, err := d.accounts.Account(ctx, user)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return contact.AddPolicy{}, hongyan.Errorf(hongyan.CodeNotFound, "no such user")
	}
	return contact.AddPolicy{
		NeedsVerification: a.Settings.AddNeedsVerification,
		Findable:          a.Settings.FindByAccountID || a.Settings.FindByPhone,
	}, err
}
