// Package config is the one documented configuration of a node: defaults in
// code, overridden by a TOML file, then by HONGYAN_* environment variables,
// then by command-line flags. docs/hongyan.example.toml lists every key.
package config

import (
	"encoding"
	"fmt"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"hongyan/internal/clientaddr"
	"hongyan/internal/hongyan"
)

// Config is a node's configuration.
type Config struct {
	// Listen is the client listener (web client, WebSocket, HTTP endpoints).
	Listen string `toml:"listen"`
	// Data is the directory holding the SQLite database and media.
	Data string `toml:"data"`
	// PublicURL is how clients reach this node; links in QR codes use it.
	// Empty: http://<listen>.
	PublicURL string `toml:"public_url"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log_level"`
	// AdminListen serves /metrics and pprof; empty turns it off. Keep it
	// on loopback.
	AdminListen string `toml:"admin_listen"`
	// GCPercent is the garbage collector's target (GOGC): a higher value
	// spends memory to save CPU under load. The GOGC environment
	// variable, when set, wins.
	GCPercent int `toml:"gc_percent"`
	// Bus carries events between the nodes of a cluster: "memory" (one
	// node alone) or the URL of NATS ("nats://host:4222", several
	// separated by commas).
	Bus string `toml:"bus"`

	Storage Storage `toml:"storage"`
	Limits  Limits  `toml:"limits"`
	HTTP    HTTP    `toml:"http"`
	Gateway Gateway `toml:"gateway"`
	Groups  Groups  `toml:"groups"`
	Media   Media   `toml:"media"`
	History History `toml:"history"`

	OfficialAccounts OfficialAccounts `toml:"officialaccounts"`
	Moments          Moments          `toml:"moments"`
	Discovery        Discovery        `toml:"discovery"`
	Wallet           Wallet           `toml:"wallet"`
	AddressBook      AddressBook      `toml:"addressbook"`
	TLS              TLS              `toml:"tls"`
	Accounts         Accounts         `toml:"accounts"`
	Spam             Spam             `toml:"spam"`

	TURN       TURN       `toml:"turn"`
	SFU        SFU        `toml:"sfu"`
	Moderation Moderation `toml:"moderation"`
	GroupApps  GroupApps  `toml:"groupapps"`
	Calls      Calls      `toml:"calls"`
	Bots       Bots       `toml:"bots"`

	// PasswordCost, when set, replaces the argon2id cost (19 MiB, 2
	// passes) of the password, payment-password and administrator hashes
	// the node makes. Only test harnesses set it, to make their many
	// registrations cheap: no configuration file or environment variable
	// reaches it, so a served node always hashes at the production cost.
	PasswordCost hongyan.HashCost `toml:"-"`
}

// TestPasswordCost is the cost whole-node test harnesses give
// Config.PasswordCost: 64 KiB, 1 pass (about a thousandth of the
// production cost).
var TestPasswordCost = hongyan.HashCost{MemoryKiB: 64, Time: 1}

// Bots tunes the bot API and its webhooks (docs/bots.md).
type Bots struct {
	// RequestsPerMinute per bot token (default 600), counted in the
	// database so that every node enforces it.
	RequestsPerMinute int `toml:"requests_per_minute"`
	// WebhookTimeout bounds one webhook request (default 10 s).
	WebhookTimeout Duration `toml:"webhook_timeout"`
	// WebhookAttempts: a delivery is given up after this many attempts
	// (default 8), the delays doubling from webhook_first_retry up to
	// webhook_max_retry.
	WebhookAttempts   int      `toml:"webhook_attempts"`
	WebhookFirstRetry Duration `toml:"webhook_first_retry"`
	WebhookMaxRetry   Duration `toml:"webhook_max_retry"`
	// AllowPrivateWebhooks lets webhooks reach loopback and private
	// addresses (off: the SSRF guard refuses them). For tests and closed
	// networks only.
	AllowPrivateWebhooks bool `toml:"allow_private_webhooks"`
	// SweepInterval: every node looks at every bot this often for events
	// it may have missed on the bus (default 5 s).
	SweepInterval Duration `toml:"sweep_interval"`
	// KeepEvents: bots' events and settled webhook deliveries are deleted
	// after this long (default 720 h, 30 days; "0s": kept for ever).
	KeepEvents Duration `toml:"keep_events"`
}

// Calls tunes one-to-one calls.
type Calls struct {
	// RingTimeout: a call nobody answers ends as no answer after this
	// (default 60 s).
	RingTimeout Duration `toml:"ring_timeout"`
	// Liveness: an accepted call whose devices sent no keep-alive for
	// this long ends as failed (default 45 s; devices send one every
	// 15 s).
	Liveness Duration `toml:"liveness"`
	// SweepInterval: how often a node ends calls past their deadline and
	// posts records left unposted (default 1 s).
	SweepInterval Duration `toml:"sweep_interval"`
	// PlacePerMinute bounds the calls one user places (default 20).
	PlacePerMinute int `toml:"place_per_minute"`
	// ICEServers are the STUN/TURN URLs handed to devices with each call
	// ("stun:host:3478", "turn:host:3478?transport=udp"); empty: none
	// (host candidates, enough on one network). ICEUsername and
	// ICECredential go with the turn: and turns: URLs.
	ICEServers    []string `toml:"ice_servers"`
	ICEUsername   string   `toml:"ice_username"`
	ICECredential string   `toml:"ice_credential"`
}

// GroupApps tunes the group apps (polls, check-in, homework).
type GroupApps struct {
	// DayZone is the IANA time zone whose calendar days check-in counts
	// (default Asia/Shanghai; "UTC" for UTC).
	DayZone string `toml:"day_zone"`
	// RemindEvery is the least time between two reminders of one
	// homework.
	RemindEvery Duration `toml:"remind_every"`
	// FileQuota is the bytes a group's files (homework files included)
	// may take (default 2 GiB).
	FileQuota int64 `toml:"file_quota"`
	// ReminderInterval is how often events' automatic reminders that are
	// due are posted (default 1m): a reminder is at most this late.
	ReminderInterval Duration `toml:"reminder_interval"`
}

// Moderation tunes the administrator console and users' reports.
type Moderation struct {
	// SessionTTL: an administrator's console session lasts this long
	// (default 12 h).
	SessionTTL Duration `toml:"session_ttl"`
	// ReportsPerDay: reports one user may make in 24 hours (default 20),
	// counted in the database so that every node enforces it.
	ReportsPerDay int `toml:"reports_per_day"`
	// Issuer: the name authenticator apps show beside an administrator's
	// TOTP codes (default "Hongyan").
	Issuer string `toml:"issuer"`
}

// SFU configures the selective forwarding unit inside the binary that
// carries group voice calls and walkie-talkie rooms (docs/operations.md).
type SFU struct {
	// Enabled runs it.
	Enabled bool `toml:"enabled"`
	// Listen is the one UDP address of all its media ("127.0.0.1:0": a
	// free port on loopback; to serve a network, e.g. "0.0.0.0:7882").
	Listen string `toml:"listen"`
	// PublicIP is the IPv4 address announced to clients (behind 1:1 NAT,
	// the NAT's); empty: the listener's own addresses.
	PublicIP string `toml:"public_ip"`
	// MaxSpeakers in a group call; MaxParticipants in any room; MaxRooms
	// on this node.
	MaxSpeakers     int `toml:"max_speakers"`
	MaxParticipants int `toml:"max_participants"`
	MaxRooms        int `toml:"max_rooms"`
	// MaxHold is the longest one person may hold a walkie-talkie room's
	// floor before another may take it.
	MaxHold Duration `toml:"max_hold"`
}

// TURN configures the STUN/TURN relay inside the binary, or an external
// TURN server the node issues credentials for (docs/operations.md).
type TURN struct {
	// Enabled runs the built-in STUN/TURN server.
	Enabled bool `toml:"enabled"`
	// Listen is its UDP address. The default, "127.0.0.1:0", is a free
	// port on loopback (clients on this machine); to serve a network,
	// "0.0.0.0:3478" with relay_ip set.
	Listen string `toml:"listen"`
	// TCPListen and TLSListen add TURN over TCP and over TLS (e.g.
	// "0.0.0.0:3478" and "0.0.0.0:5349"); empty: off. TLSCert and TLSKey
	// are PEM files for the TLS listener.
	TCPListen string `toml:"tcp_listen"`
	TLSListen string `toml:"tls_listen"`
	TLSCert   string `toml:"tls_cert"`
	TLSKey    string `toml:"tls_key"`
	// PublicHost is the host name or address clients are told to reach
	// (the TLS certificate's name with tls_listen). Empty: relay_ip.
	PublicHost string `toml:"public_host"`
	// RelayIP is the IPv4 address announced for relays: the node's public
	// address (behind 1:1 NAT, the NAT's). Empty: the IP of listen.
	RelayIP string `toml:"relay_ip"`
	// RelayMinPort and RelayMaxPort bound the UDP ports of relays (open
	// them in the firewall); both 0: any free port.
	RelayMinPort int `toml:"relay_min_port"`
	RelayMaxPort int `toml:"relay_max_port"`
	// Realm is the TURN realm.
	Realm string `toml:"realm"`
	// Secret is the shared secret of the credentials. Empty: one is made
	// and kept in <data>/turn.secret.
	Secret string `toml:"secret"`
	// TTL is how long issued credentials stay valid; a relay ends at most
	// 10 minutes after its credentials expire.
	TTL Duration `toml:"ttl"`
	// MaxAllocations bounds the relays of this node; MaxPerUser those of
	// one user; MaxTCPConns the open TCP and TLS connections.
	MaxAllocations int `toml:"max_allocations"`
	MaxPerUser     int `toml:"max_per_user"`
	MaxTCPConns    int `toml:"max_tcp_conns"`
	// AllowPrivatePeers lets relays on a public address reach loopback,
	// private and link-local addresses (off: such peers are refused).
	AllowPrivatePeers bool `toml:"allow_private_peers"`
	// ExternalURLs are the stun:/turn:/turns: URLs of an external TURN
	// server (coturn with use-auth-secret) that shares ExternalSecret;
	// the node issues credentials for them too.
	ExternalURLs   []string `toml:"external_urls"`
	ExternalSecret string   `toml:"external_secret"`
}

// Spam tunes spam and scam detection on messages, friend requests and
// joins by QR code.
type Spam struct {
	// Action on what is flagged: "hold" refuses it (permission_denied,
	// reason held_as_spam) and reports it, "report" delivers it and
	// reports it, "off" checks nothing.
	Action string `toml:"action"`
	// Threshold is the score that flags (1.0; lower flags more).
	Threshold float64 `toml:"threshold"`
	// NewAccount: accounts younger than this are new (168h: 7 days).
	NewAccount Duration `toml:"new_account"`
	// Window is the period behaviour is counted over (1h), in the
	// database so that every node counts into the same numbers.
	Window Duration `toml:"window"`
	// Limits per window before behaviour flags: friend requests a new
	// account sends to strangers, chats the same text goes to, groups a
	// new account joins by QR code, links and images a new account sends.
	StrangerRequests int `toml:"stranger_requests"`
	SameMessage      int `toml:"same_message"`
	GroupJoins       int `toml:"group_joins"`
	NewAccountMedia  int `toml:"new_account_media"`
}

// Accounts tunes the deletion of accounts.
type Accounts struct {
	// DeletionDelay is the cooling-off between a user's request to delete
	// their account and its deletion (360h: 15 days); signing in during
	// it cancels the request. Shorter only for tests.
	DeletionDelay Duration `toml:"deletion_delay"`
	// DeletionInterval is how often a node looks for accounts whose
	// cooling-off has ended (one node of a cluster at a time).
	DeletionInterval Duration `toml:"deletion_interval"`
}

// TLS makes the client listener serve HTTPS: with the certificate in
// CertFile and KeyFile, or with certificates an ACME CA issues for
// ACMEDomains. Neither set: plain HTTP (keep the listener on loopback
// then, or behind a proxy that terminates TLS).
type TLS struct {
	// CertFile and KeyFile are PEM files: the certificate chain and its
	// private key. They are read again when they change on disk
	// (checked at most once a minute), so a renewal needs no restart.
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// ACMEDomains are the names to obtain certificates for (the first
	// TLS handshake for a name obtains its certificate; renewed 30 days
	// before expiry). The node must be reachable on port 443 for those
	// names (TLS-ALPN-01), or on port 80 through RedirectListen (HTTP-01).
	ACMEDomains []string `toml:"acme_domains"`
	// ACMEEmail is the contact address given to the CA (optional).
	ACMEEmail string `toml:"acme_email"`
	// ACMEDirectory is the CA's directory URL; empty: Let's Encrypt.
	ACMEDirectory string `toml:"acme_directory"`
	// ACMERoot is a PEM file of CA certificates trusted for talking to
	// the directory (a private CA); empty: the system's roots.
	ACMERoot string `toml:"acme_root"`
	// ACMECache is the directory certificates and the account key are
	// kept in; empty: <data>/acme. Share it between a cluster's nodes
	// (or let each obtain its own).
	ACMECache string `toml:"acme_cache"`
	// RedirectListen, when set (":80"), serves plain HTTP that redirects
	// every request to HTTPS, and answers ACME HTTP-01 challenges.
	RedirectListen string `toml:"redirect_listen"`
	// HSTSMaxAge is the max-age of the Strict-Transport-Security header
	// sent on HTTPS responses (default one year; never on plain HTTP);
	// 0 sends none.
	HSTSMaxAge Duration `toml:"hsts_max_age"`
}

// On reports whether the client listener serves HTTPS.
func (t TLS) On() bool { return t.CertFile != "" || len(t.ACMEDomains) > 0 }

// AddressBook holds the limits of address-book backups and matching.
type AddressBook struct {
	// MatchPerRequest bounds the phone numbers of one match request;
	// MatchPerDay the numbers one user may match in a day (UTC), counted
	// in the database so that every node enforces it.
	MatchPerRequest int `toml:"match_per_request"`
	MatchPerDay     int `toml:"match_per_day"`
	// BackupsPerDay bounds a user's backups a day; KeepVersions is how many
	// backup versions a user keeps (the oldest are deleted).
	BackupsPerDay int `toml:"backups_per_day"`
	KeepVersions  int `toml:"keep_versions"`
	// CountryCode is the calling code (digits) assumed for numbers written
	// without one: matching tries a number with and without it.
	CountryCode string `toml:"country_code"`
}

// OfficialAccounts tunes the developer API's pushes to developers' servers.
type OfficialAccounts struct {
	// PushTimeout bounds each attempt to deliver a message or event to a
	// developer server (3 attempts), and the URL verification.
	PushTimeout Duration `toml:"push_timeout"`
	// AllowPrivateCallbacks lets developer servers be on loopback, private
	// or link-local addresses. Off: such servers are refused when dialled.
	AllowPrivateCallbacks bool `toml:"allow_private_callbacks"`
	// CallbackIPs are the addresses pushes leave from, which
	// /cgi-bin/getcallbackip tells developers (for their firewalls). Empty:
	// the node's own non-loopback interface addresses.
	CallbackIPs []string `toml:"callback_ips"`
}

// Moments tunes the Moments timelines.
type Moments struct {
	// FanoutLimit: the post of an author with up to this many friends is
	// copied into each reader's timeline when posted (fast to read); the
	// post of an author with more is read from the author's posts when a
	// timeline is read (fast to post). -1: never copy; 0: the default (200).
	FanoutLimit int `toml:"fanout_limit"`
}

// Discovery tunes people nearby, shake and drift bottles.
type Discovery struct {
	// LocationTTL: a shared location is seen this long (default 1 h).
	LocationTTL Duration `toml:"location_ttl"`
	// NearbyEvery: one nearby query per user per this period (default
	// 1 min), so that distance bands cannot be averaged into a position.
	NearbyEvery Duration `toml:"nearby_every"`
	// ShakeWindow: shakes this close in time are matched (default 3 s).
	ShakeWindow Duration `toml:"shake_window"`
	// ShakesPerMinute per user (default 20).
	ShakesPerMinute int `toml:"shakes_per_minute"`
	// BottleTTL: a bottle drifts this long (default 7 days).
	BottleTTL Duration `toml:"bottle_ttl"`
	// ThrowsPerDay and PicksPerDay per user (defaults 20 and 20), the day
	// in DayZone (an IANA time zone, default Asia/Shanghai).
	ThrowsPerDay int    `toml:"throws_per_day"`
	PicksPerDay  int    `toml:"picks_per_day"`
	DayZone      string `toml:"day_zone"`
	// RepliesPerHour: bottle messages per user (default 100).
	RepliesPerHour int `toml:"replies_per_hour"`
}

// Wallet holds the wallet's limits and its payment provider.
type Wallet struct {
	// MaxPacket is the most fen in one red packet (20000: 200 yuan).
	MaxPacket int `toml:"max_packet"`
	// MaxShares is the most shares of one red packet (never more than
	// the group's members).
	MaxShares int `toml:"max_shares"`
	// MaxTransfer is the most fen in one transfer.
	MaxTransfer int `toml:"max_transfer"`
	// MaxTopUp is the most fen in one top-up or withdrawal.
	MaxTopUp int `toml:"max_topup"`
	// Provider is the payment provider: "sandbox", the one inside the
	// binary, which moves no real money.
	Provider string `toml:"provider"`
	// SandboxFailPercent makes the sandbox provider refuse this share of
	// top-ups and withdrawals (tests).
	SandboxFailPercent int `toml:"sandbox_fail_percent"`
	// SandboxDelay makes each sandbox request take this long (tests).
	SandboxDelay Duration `toml:"sandbox_delay"`
	// ExpiryInterval is how often the node refunds transfers and red
	// packets left for 24 hours.
	ExpiryInterval Duration `toml:"expiry_interval"`
	// ReconcileAfter is how long a top-up or withdrawal may stay between
	// the payment provider and the ledger (a crash in between) before the
	// reconciliation asks the provider and settles it. Each call to the
	// provider is given at most half of it.
	ReconcileAfter Duration `toml:"reconcile_after"`
	// ReconcileInterval is how often the node runs the reconciliation
	// (also once at start-up).
	ReconcileInterval Duration `toml:"reconcile_interval"`
	// TestClock allows `hongyan admin expire-now`, which refunds
	// everything as if 24 hours had passed. Never on a real server.
	TestClock bool `toml:"test_clock"`
}

// Groups holds the group limits of this server.
type Groups struct {
	// MaxMembers is the size limit of every group.
	MaxMembers int `toml:"max_members"`
	// AcceptAbove: once a group has more members than this, an invitee
	// must accept an invitation before joining.
	AcceptAbove int `toml:"accept_above"`
	// QRTTL is how long a group's QR code stays valid.
	QRTTL Duration `toml:"qr_ttl"`
}

// Media holds the limits on uploaded files.
type Media struct {
	// MaxFileBytes is the largest file, video or voice clip.
	MaxFileBytes int64 `toml:"max_file_bytes"`
	// MaxImageBytes is the largest image or sticker.
	MaxImageBytes int64 `toml:"max_image_bytes"`
	// MaxImagePixels is the most pixels (width × height) an image may have.
	MaxImagePixels int64 `toml:"max_image_pixels"`
	// MaxDecodedBytes bounds the memory one image takes decoded (width ×
	// height × bytes per pixel, read from its header before decoding).
	MaxDecodedBytes int `toml:"max_decoded_bytes"`
	// DecodeBytes bounds the memory of the images being decoded at once
	// (decoded pixels and thumbnails); an image waits until its share is
	// free.
	DecodeBytes int `toml:"decode_bytes"`
	// MaxOpenUploads bounds the resumable uploads one user has open
	// (0 turns the limit off).
	MaxOpenUploads int `toml:"max_open_uploads"`
	// Store is where content is kept: "local" (under Data/media, one
	// node) or "s3" (a bucket every node of a cluster shares, S3).
	Store string `toml:"store"`
	S3    S3     `toml:"s3"`
}

// S3 is the S3-compatible bucket of media.store = "s3".
type S3 struct {
	// Endpoint is "https://host[:port]" ("http://" only on a trusted
	// network).
	Endpoint string `toml:"endpoint"`
	Bucket   string `toml:"bucket"`
	// Region may stay empty for most S3-compatible servers.
	Region    string `toml:"region"`
	AccessKey string `toml:"access_key"`
	SecretKey string `toml:"secret_key"`
	// PathStyle addresses the bucket as <endpoint>/<bucket> (most
	// self-hosted servers) rather than <bucket>.<host>.
	PathStyle bool `toml:"path_style"`
	// Prefix is put before every object name, for a shared bucket.
	Prefix string `toml:"prefix"`
}

// History holds how long the server keeps chat history.
type History struct {
	// Retention deletes messages older than this from the server (a new
	// device then loads only what is left); 0 keeps everything.
	Retention Duration `toml:"retention"`
	// ChangeLogWindow prunes change-log entries older than this; a
	// device whose cursor is older is told to reset and loads its state
	// afresh. 0 keeps every entry.
	ChangeLogWindow Duration `toml:"changelog_window"`
}

// Storage chooses the storage engine.
type Storage struct {
	// Driver is "sqlite" (embedded, under Data) or "postgres".
	Driver string `toml:"driver"`
	// Postgres is the PostgreSQL connection string when Driver is "postgres".
	Postgres string `toml:"postgres"`
	// LockTimeout is PostgreSQL's lock_timeout for the node's sessions: how
	// long a write waits for a lock another session holds before it fails
	// (default 5s; "0s" waits as long as it takes).
	LockTimeout Duration `toml:"lock_timeout"`
}

// Limits are the rate limits on abusable actions (0 turns one off).
type Limits struct {
	// Shared says where the limits below are counted: "memory" (each
	// node on its own: a cluster of N nodes allows up to N times each
	// limit), "store" (in the database, shared by every node), or "auto"
	// (store when the storage is PostgreSQL with a NATS bus, that is in a
	// cluster; memory otherwise). Typing notices are always counted in
	// memory.
	Shared                string `toml:"shared"`
	LoginPerMinute        int    `toml:"login_per_minute"`         // per account and per address
	RegisterPerMinute     int    `toml:"register_per_minute"`      // per address
	RecoveryPer10Minutes  int    `toml:"recovery_per_10_minutes"`  // codes sent per account
	FriendRequestsPerHour int    `toml:"friend_requests_per_hour"` // per user
	// RecoveryPerAddress bounds recovery codes asked for, and recovery
	// attempts, per client address in 10 minutes.
	RecoveryPerAddress int `toml:"recovery_per_address"`
	GroupsPerHour      int `toml:"groups_per_hour"`   // groups created per user
	TypingPerMinute    int `toml:"typing_per_minute"` // typing notices per user; more are dropped
	// LimiterBytes bounds the memory of each sign-in and recovery rate
	// limiter's table of keys (0: 4 MiB); past it, the limiter forgets
	// idle keys first.
	LimiterBytes int `toml:"limiter_bytes"`
	// PasswordHashes bounds the password hashes (argon2id, 19 MiB each)
	// computed at once; more wait their turn (0: 4).
	PasswordHashes          int `toml:"password_hashes"`
	SearchesPerMinute       int `toml:"searches_per_minute"`         // user searches, per user
	VerifyCodesPer10Min     int `toml:"verify_codes_per_10_minutes"` // contact verification codes, per phone/e-mail and per address
	MomentsPostsPerHour     int `toml:"moments_posts_per_hour"`      // Moments posts per user
	MomentsReactionsPerHour int `toml:"moments_reactions_per_hour"`  // Moments likes and comments per user
	OAForumPostsPerMinute   int `toml:"oa_forum_posts_per_minute"`   // posts and replies in official accounts' communities, per user
	TagBroadcastsPerHour    int `toml:"tag_broadcasts_per_hour"`     // broadcasts to contacts by tag, per user
	GroupForwardsPerHour    int `toml:"group_forwards_per_hour"`     // groups forwarded to through the Group Guard, per user
	// SendsPerMinute bounds the messages a user sends (devices, bots and
	// forwards alike; not the cards the server posts for calls, money
	// and group apps). In a cluster it is counted through leased quotas:
	// a node takes 10 of a user's sends from the store at once.
	SendsPerMinute int `toml:"sends_per_minute"`
	// UploadsPerHour bounds the media a user uploads (one-request and
	// resumable uploads alike), UploadMiBPerHour their size in MiB (each
	// upload counts its size rounded up to a whole MiB).
	UploadsPerHour   int `toml:"uploads_per_hour"`
	UploadMiBPerHour int `toml:"upload_mib_per_hour"`
}

// HTTP tunes the client listener's HTTP server.
type HTTP struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout Duration `toml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included; a media
	// upload may take longer while its bytes keep coming, but not this
	// long without any.
	ReadTimeout Duration `toml:"read_timeout"`
	// IdleTimeout closes a kept-alive connection that sends no request
	// for this long.
	IdleTimeout Duration `toml:"idle_timeout"`
	// Hosts are the DNS names the client listener answers to besides the
	// host of PublicURL; a request for another name gets 421 (IP
	// addresses and localhost are always answered).
	Hosts []string `toml:"hosts"`
	// TrustedProxies are the proxies (CIDRs or addresses) in front of the
	// node whose X-Forwarded-For is believed: a request from one of them
	// counts under the client address it names (the right-most entry not
	// itself a trusted proxy) for rate limits, connection caps and the
	// device list. Empty: every request counts under its peer's address,
	// and the header is ignored. In the environment: comma-separated.
	TrustedProxies []string `toml:"trusted_proxies"`
	// MetricsToken, when set, serves /metrics on the client listener to
	// requests with "Authorization: Bearer <token>"; otherwise metrics
	// are only on the admin listener.
	MetricsToken string `toml:"metrics_token"`
}

// Gateway tunes the client protocol endpoint.
type Gateway struct {
	// MaxFrameBytes is the largest message a signed-in client may send.
	MaxFrameBytes int `toml:"max_frame_bytes"`
	// MaxUnauthenticatedBytes bounds a connection before hello: its
	// largest message and the bytes it may have waiting.
	MaxUnauthenticatedBytes int `toml:"max_unauthenticated_bytes"`
	// MaxBufferedBytes bounds the bytes of messages being received or
	// waiting to be handled, over all connections of the node.
	MaxBufferedBytes int `toml:"max_buffered_bytes"`
	// WriteTimeout drops a client that cannot take a frame for this long.
	WriteTimeout Duration `toml:"write_timeout"`
	// HelloTimeout closes a WebSocket connection that has not signed in
	// (said hello) this long after it opened.
	HelloTimeout Duration `toml:"hello_timeout"`
	// DrainTimeout bounds a node's drain on SIGTERM: how long connections
	// may take to finish the requests in hand before the rest are closed.
	DrainTimeout Duration `toml:"drain_timeout"`
	// MaxConnsPerAddress bounds the WebSocket connections from one client
	// address (IPv6: one /64); 0 turns it off. Behind a proxy, list it in
	// http.trusted_proxies, or every client has the proxy's address.
	MaxConnsPerAddress int `toml:"max_conns_per_address"`
	// MaxUnauthenticatedConns bounds the WebSocket connections that have
	// not signed in yet, over the node; 0 turns it off.
	MaxUnauthenticatedConns int `toml:"max_unauthenticated_conns"`
	// QRLoginTTL is how long a second-device login code lives (≤ 2m).
	QRLoginTTL Duration `toml:"qr_login_ttl"`
}

// Duration is a time.Duration written as "90s" or "2m" in TOML and env.
type Duration struct{ time.Duration }

// UnmarshalText parses a duration such as "2m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

// MarshalText formats the duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Default returns the configuration of `hongyan serve` with no flags.
func Default() Config {
	return Config{
		Listen:    "127.0.0.1:8080",
		Data:      "./data",
		LogLevel:  "info",
		GCPercent: 200,
		Bus:       "memory",
		Storage:   Storage{Driver: "sqlite", LockTimeout: Duration{5 * time.Second}},
		Limits: Limits{
			Shared:                  "auto",
			LoginPerMinute:          10,
			RegisterPerMinute:       20,
			RecoveryPer10Minutes:    3,
			FriendRequestsPerHour:   60,
			RecoveryPerAddress:      30,
			GroupsPerHour:           20,
			TypingPerMinute:         60,
			LimiterBytes:            4 << 20,
			PasswordHashes:          4,
			SearchesPerMinute:       30,
			VerifyCodesPer10Min:     5,
			MomentsPostsPerHour:     100,
			MomentsReactionsPerHour: 600,
			OAForumPostsPerMinute:   20,
			TagBroadcastsPerHour:    5,
			GroupForwardsPerHour:    60,
			SendsPerMinute:          600,
			UploadsPerHour:          300,
			UploadMiBPerHour:        4096,
		},
		Gateway: Gateway{
			MaxFrameBytes:           2 << 20,
			MaxUnauthenticatedBytes: 16 << 10,
			MaxBufferedBytes:        256 << 20,
			HelloTimeout:            Duration{10 * time.Second},
			DrainTimeout:            Duration{10 * time.Second},
			MaxConnsPerAddress:      512,
			MaxUnauthenticatedConns: 4096,
			WriteTimeout:            Duration{10 * time.Second},
			QRLoginTTL:              Duration{2 * time.Minute},
		},
		HTTP: HTTP{
			ReadHeaderTimeout: Duration{10 * time.Second},
			ReadTimeout:       Duration{time.Minute},
			IdleTimeout:       Duration{2 * time.Minute},
			Hosts:             []string{},
			TrustedProxies:    []string{},
		},
		History:          History{ChangeLogWindow: Duration{90 * 24 * time.Hour}},
		OfficialAccounts: OfficialAccounts{PushTimeout: Duration{5 * time.Second}, CallbackIPs: []string{}},
		Groups:           Groups{MaxMembers: 500, AcceptAbove: 40, QRTTL: Duration{7 * 24 * time.Hour}},
		Moments:          Moments{FanoutLimit: 200},
		Calls: Calls{RingTimeout: Duration{time.Minute}, Liveness: Duration{45 * time.Second}, SweepInterval: Duration{time.Second},
			PlacePerMinute: 20, ICEServers: []string{}},
		Discovery: Discovery{LocationTTL: Duration{time.Hour}, NearbyEvery: Duration{time.Minute}, ShakeWindow: Duration{3 * time.Second},
			ShakesPerMinute: 20, BottleTTL: Duration{7 * 24 * time.Hour}, ThrowsPerDay: 20, PicksPerDay: 20, DayZone: "Asia/Shanghai",
			RepliesPerHour: 100},
		Spam: Spam{Action: "report", Threshold: 1, NewAccount: Duration{7 * 24 * time.Hour}, Window: Duration{time.Hour},
			StrangerRequests: 20, SameMessage: 10, GroupJoins: 10, NewAccountMedia: 20},
		Accounts:   Accounts{DeletionDelay: Duration{15 * 24 * time.Hour}, DeletionInterval: Duration{time.Hour}},
		TLS:        TLS{ACMEDomains: []string{}, HSTSMaxAge: Duration{365 * 24 * time.Hour}},
		Moderation: Moderation{SessionTTL: Duration{12 * time.Hour}, ReportsPerDay: 20, Issuer: "Hongyan"},
		Bots: Bots{RequestsPerMinute: 600, WebhookTimeout: Duration{10 * time.Second}, WebhookAttempts: 8,
			WebhookFirstRetry: Duration{5 * time.Second}, WebhookMaxRetry: Duration{10 * time.Minute}, SweepInterval: Duration{5 * time.Second},
			KeepEvents: Duration{30 * 24 * time.Hour}},
		AddressBook: AddressBook{MatchPerRequest: 1000, MatchPerDay: 3000, BackupsPerDay: 20, KeepVersions: 10, CountryCode: "86"},
		GroupApps: GroupApps{DayZone: "Asia/Shanghai", RemindEvery: Duration{time.Hour}, FileQuota: 2 << 30,
			ReminderInterval: Duration{time.Minute}},
		Wallet: Wallet{
			MaxPacket:         20_000,
			MaxShares:         100,
			MaxTransfer:       5_000_000,
			MaxTopUp:          5_000_000,
			Provider:          "sandbox",
			ExpiryInterval:    Duration{time.Minute},
			ReconcileAfter:    Duration{2 * time.Minute},
			ReconcileInterval: Duration{time.Minute},
		},
		TURN: TURN{Enabled: true, Listen: "127.0.0.1:0", Realm: "hongyan", TTL: Duration{6 * time.Hour},
			MaxAllocations: 2000, MaxPerUser: 16, MaxTCPConns: 2000, ExternalURLs: []string{}},
		SFU: SFU{Enabled: true, Listen: "127.0.0.1:0", MaxSpeakers: 9, MaxParticipants: 50, MaxRooms: 1000, MaxHold: Duration{time.Minute}},
		Media: Media{
			MaxFileBytes:    1 << 30,
			MaxImageBytes:   25 << 20,
			MaxImagePixels:  50_000_000,
			MaxDecodedBytes: 192 << 20,
			DecodeBytes:     256 << 20,
			MaxOpenUploads:  20,
			Store:           "local",
		},
	}
}

// LoadFile overlays the TOML file at path onto c. Unknown keys are errors,
// so a typo cannot silently leave a default in force.
func (c *Config) LoadFile(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("config %s: unknown keys %v", path, und)
	}
	return nil
}

// LoadEnv overlays HONGYAN_* variables onto c. The name of a key is its TOML
// path in upper case joined by '_': listen → HONGYAN_LISTEN,
// storage.postgres → HONGYAN_STORAGE_POSTGRES. Values are parsed as
// setValue says (lists are comma-separated).
func (c *Config) LoadEnv(lookup func(string) (string, bool)) error {
	return walk(reflect.ValueOf(c).Elem(), "HONGYAN", func(name string, v reflect.Value) error {
		s, ok := lookup(name)
		if !ok {
			return nil
		}
		if err := setValue(v, s); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	})
}

// EnvNames lists every environment variable LoadEnv reads.
func EnvNames() []string {
	var names []string
	c := Default()
	walk(reflect.ValueOf(&c).Elem(), "HONGYAN", func(name string, _ reflect.Value) error {
		names = append(names, name)
		return nil
	})
	return names
}

func walk(v reflect.Value, prefix string, fn func(string, reflect.Value) error) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("toml")
		if key == "" || key == "-" {
			continue
		}
		name := prefix + "_" + strings.ToUpper(key)
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(Duration{}) {
			if err := walk(fv, name, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(name, fv); err != nil {
			return err
		}
	}
	return nil
}

// setValue sets v from the text of an environment variable: numbers,
// booleans and strings as written, durations as "90s", lists as
// comma-separated items (spaces around an item are dropped; an empty
// value is an empty list).
func setValue(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Slice:
		items := reflect.MakeSlice(v.Type(), 0, 0)
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item == "" {
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			if err := setValue(e, item); err != nil {
				return err
			}
			items = reflect.Append(items, e)
		}
		v.Set(items)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch c.Storage.Driver {
	case "sqlite":
		if c.Data == "" {
			return fmt.Errorf("config: data directory is empty")
		}
	case "postgres":
		if c.Storage.Postgres == "" {
			return fmt.Errorf("config: storage.postgres is required with driver postgres")
		}
	default:
		return fmt.Errorf("config: storage.driver must be sqlite or postgres, not %q", c.Storage.Driver)
	}
	if c.Bus != "memory" && !strings.HasPrefix(c.Bus, "nats://") && !strings.HasPrefix(c.Bus, "tls://") {
		return fmt.Errorf("config: bus must be \"memory\" or a NATS URL (nats://host:4222), not %q", c.Bus)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.Moderation.SessionTTL.Duration < time.Minute || c.Moderation.ReportsPerDay <= 0 || c.Moderation.Issuer == "" || len(c.Moderation.Issuer) > 64 || strings.ContainsAny(c.Moderation.Issuer, ":") {
		return fmt.Errorf("config: moderation.session_ttl must be at least 1m, reports_per_day positive, issuer 1–64 characters without \":\"")
	}
	if c.Calls.RingTimeout.Duration <= 0 || c.Calls.Liveness.Duration < 3*time.Second || c.Calls.SweepInterval.Duration <= 0 || c.Calls.PlacePerMinute <= 0 {
		return fmt.Errorf("config: calls' durations and limits must be positive (liveness at least 3s)")
	}
	for _, u := range c.Calls.ICEServers {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return fmt.Errorf("config: calls.ice_servers are stun:, turn: or turns: URLs, not %q", u)
		}
	}
	if b := c.Bots; b.RequestsPerMinute <= 0 || b.WebhookTimeout.Duration <= 0 || b.WebhookAttempts <= 0 || b.WebhookFirstRetry.Duration <= 0 ||
		b.WebhookMaxRetry.Duration < b.WebhookFirstRetry.Duration || b.SweepInterval.Duration <= 0 || b.KeepEvents.Duration < 0 {
		return fmt.Errorf("config: bots: limits and durations must be positive, webhook_max_retry at least webhook_first_retry")
	}
	if _, err := time.LoadLocation(c.Discovery.DayZone); err != nil || c.Discovery.DayZone == "" {
		return fmt.Errorf("config: discovery.day_zone must be a time zone such as Asia/Shanghai, not %q", c.Discovery.DayZone)
	}
	if c.Discovery.LocationTTL.Duration <= 0 || c.Discovery.NearbyEvery.Duration <= 0 || c.Discovery.ShakeWindow.Duration <= 0 ||
		c.Discovery.ShakeWindow.Duration > time.Minute || c.Discovery.BottleTTL.Duration <= 0 {
		return fmt.Errorf("config: discovery's durations must be positive (shake_window at most 1m)")
	}
	if c.Discovery.ShakesPerMinute <= 0 || c.Discovery.ThrowsPerDay <= 0 || c.Discovery.PicksPerDay <= 0 || c.Discovery.RepliesPerHour <= 0 {
		return fmt.Errorf("config: discovery's limits must be positive")
	}
	if _, err := time.LoadLocation(c.GroupApps.DayZone); err != nil || c.GroupApps.DayZone == "" {
		return fmt.Errorf("config: groupapps.day_zone must be a time zone such as Asia/Shanghai or UTC, not %q", c.GroupApps.DayZone)
	}
	if c.GroupApps.RemindEvery.Duration < time.Minute {
		return fmt.Errorf("config: groupapps.remind_every must be at least 1m")
	}
	if c.GroupApps.FileQuota < 1<<20 {
		return fmt.Errorf("config: groupapps.file_quota must be at least 1 MiB (1048576 bytes)")
	}
	if c.GroupApps.ReminderInterval.Duration < time.Second || c.GroupApps.ReminderInterval.Duration > time.Hour {
		return fmt.Errorf("config: groupapps.reminder_interval must be 1s to 1h")
	}
	if c.Moments.FanoutLimit < -1 {
		return fmt.Errorf("config: moments.fanout_limit must be -1 (never), 0 (the default) or positive")
	}
	if a := c.AddressBook; a.MatchPerRequest < 1 || a.MatchPerRequest > 5000 || a.MatchPerDay < a.MatchPerRequest || a.BackupsPerDay < 1 || a.KeepVersions < 1 || !digits(a.CountryCode, 0, 4) {
		return fmt.Errorf("config: addressbook needs match_per_request 1–5000, match_per_day ≥ match_per_request, backups_per_day and keep_versions ≥ 1, country_code of up to 4 digits")
	}
	if c.Gateway.MaxFrameBytes < 4096 {
		return fmt.Errorf("config: gateway.max_frame_bytes must be at least 4096")
	}
	if c.Gateway.MaxUnauthenticatedBytes < 1024 || c.Gateway.MaxUnauthenticatedBytes > c.Gateway.MaxFrameBytes {
		return fmt.Errorf("config: gateway.max_unauthenticated_bytes must be at least 1024 and at most max_frame_bytes")
	}
	if c.Gateway.MaxBufferedBytes != 0 && c.Gateway.MaxBufferedBytes < c.Gateway.MaxFrameBytes {
		return fmt.Errorf("config: gateway.max_buffered_bytes must be 0 (no bound) or at least max_frame_bytes")
	}
	if c.Gateway.HelloTimeout.Duration <= 0 || c.Gateway.MaxConnsPerAddress < 0 || c.Gateway.MaxUnauthenticatedConns < 0 {
		return fmt.Errorf("config: gateway.hello_timeout must be positive, max_conns_per_address and max_unauthenticated_conns not negative")
	}
	if c.HTTP.ReadHeaderTimeout.Duration <= 0 || c.HTTP.ReadTimeout.Duration <= 0 || c.HTTP.IdleTimeout.Duration <= 0 {
		return fmt.Errorf("config: http.read_header_timeout, read_timeout and idle_timeout must be positive")
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, err := clientaddr.ParsePrefix(p); err != nil {
			return fmt.Errorf("config: http.trusted_proxies: %w", err)
		}
	}
	for _, ip := range c.OfficialAccounts.CallbackIPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("config: officialaccounts.callback_ips: %q is not an IP address", ip)
		}
	}
	if c.Wallet.MaxPacket < 1 || c.Wallet.MaxShares < 1 || c.Wallet.MaxTransfer < 1 || c.Wallet.MaxTopUp < 1 ||
		c.Wallet.SandboxFailPercent < 0 || c.Wallet.SandboxFailPercent > 100 || c.Wallet.SandboxDelay.Duration < 0 ||
		c.Wallet.ExpiryInterval.Duration <= 0 || c.Wallet.ReconcileAfter.Duration <= 0 || c.Wallet.ReconcileInterval.Duration <= 0 {
		return fmt.Errorf("config: wallet limits must be positive, sandbox_fail_percent 0 to 100, expiry_interval positive")
	}
	if c.Wallet.Provider != "sandbox" {
		return fmt.Errorf("config: wallet.provider must be sandbox, not %q", c.Wallet.Provider)
	}
	if c.Accounts.DeletionDelay.Duration <= 0 || c.Accounts.DeletionInterval.Duration <= 0 {
		return fmt.Errorf("config: accounts.deletion_delay and deletion_interval must be positive")
	}
	switch c.Spam.Action {
	case "off", "report", "hold":
	default:
		return fmt.Errorf("config: spam.action must be off, report or hold, not %q", c.Spam.Action)
	}
	if c.Spam.Threshold <= 0 || c.Spam.NewAccount.Duration <= 0 || c.Spam.Window.Duration <= 0 ||
		c.Spam.StrangerRequests < 1 || c.Spam.SameMessage < 1 || c.Spam.GroupJoins < 1 || c.Spam.NewAccountMedia < 1 {
		return fmt.Errorf("config: spam.threshold, new_account, window and the limits must be positive")
	}
	if err := c.TLS.validate(); err != nil {
		return err
	}
	if c.GCPercent < 25 {
		return fmt.Errorf("config: gc_percent must be at least 25")
	}
	if c.Storage.LockTimeout.Duration < 0 {
		return fmt.Errorf("config: storage.lock_timeout must not be negative")
	}
	if c.Groups.MaxMembers < 3 || c.Groups.AcceptAbove < 0 || c.Groups.QRTTL.Duration <= 0 {
		return fmt.Errorf("config: groups.max_members must be at least 3, accept_above at least 0, qr_ttl positive")
	}
	if err := c.TURN.validate(); err != nil {
		return err
	}
	if f := c.SFU; f.Enabled {
		if ap, err := netip.ParseAddrPort(f.Listen); err != nil || !ap.Addr().Is4() {
			return fmt.Errorf("config: sfu.listen must be an IPv4 address and port such as 0.0.0.0:7882, not %q", f.Listen)
		}
		if ip, err := netip.ParseAddr(f.PublicIP); f.PublicIP != "" && (err != nil || !ip.Is4()) {
			return fmt.Errorf("config: sfu.public_ip must be an IPv4 address, not %q", f.PublicIP)
		}
		if f.MaxSpeakers < 1 || f.MaxSpeakers > 32 || f.MaxParticipants < 2 || f.MaxRooms < 1 || f.MaxHold.Duration < time.Second {
			return fmt.Errorf("config: sfu.max_speakers must be 1–32, max_participants at least 2, max_rooms at least 1, max_hold at least 1s")
		}
	}
	if c.Media.MaxFileBytes < 1<<20 || c.Media.MaxImageBytes < 1<<20 || c.Media.MaxImagePixels < 1<<20 || c.History.Retention.Duration < 0 || c.History.ChangeLogWindow.Duration < 0 {
		return fmt.Errorf("config: media limits must be at least 1 MiB (1 Mpixel), history.retention not negative")
	}
	switch c.Limits.Shared {
	case "", "auto", "memory", "store":
	default:
		return fmt.Errorf("config: limits.shared must be auto, memory or store, not %q", c.Limits.Shared)
	}
	switch c.Media.Store {
	case "local":
	case "s3":
		if c.Media.S3.Endpoint == "" || c.Media.S3.Bucket == "" {
			return fmt.Errorf("config: media.store = \"s3\" needs media.s3.endpoint and media.s3.bucket")
		}
	default:
		return fmt.Errorf("config: media.store must be local or s3, not %q", c.Media.Store)
	}
	return nil
}

func (t TURN) validate() error {
	if t.TTL.Duration < time.Minute || t.TTL.Duration > 48*time.Hour {
		return fmt.Errorf("config: turn.ttl must be between 1m and 48h")
	}
	for _, u := range t.ExternalURLs {
		if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			return fmt.Errorf("config: turn.external_urls: %q is not a stun:, turn: or turns: URL", u)
		}
	}
	if len(t.ExternalURLs) > 0 && len(t.ExternalSecret) < 16 {
		return fmt.Errorf("config: turn.external_urls needs turn.external_secret (at least 16 characters)")
	}
	if !t.Enabled {
		return nil
	}
	if t.Realm == "" || t.MaxAllocations < 1 || t.MaxPerUser < 1 || t.MaxTCPConns < 1 {
		return fmt.Errorf("config: turn.realm must be set; turn.max_allocations, max_per_user and max_tcp_conns at least 1")
	}
	if t.Secret != "" && len(t.Secret) < 16 {
		return fmt.Errorf("config: turn.secret must be at least 16 characters (or empty: made and kept in the data directory)")
	}
	ap, err := netip.ParseAddrPort(t.Listen)
	if err != nil || !ap.Addr().Is4() {
		return fmt.Errorf("config: turn.listen must be an IPv4 address and port such as 0.0.0.0:3478, not %q", t.Listen)
	}
	if t.RelayIP != "" {
		if ip, err := netip.ParseAddr(t.RelayIP); err != nil || !ip.Is4() || ip.IsUnspecified() {
			return fmt.Errorf("config: turn.relay_ip must be an IPv4 address, not %q", t.RelayIP)
		}
	} else if ap.Addr().IsUnspecified() {
		return fmt.Errorf("config: turn.relay_ip is needed when turn.listen is on all interfaces (%s)", t.Listen)
	}
	if (t.RelayMinPort != 0 || t.RelayMaxPort != 0) && (t.RelayMinPort < 1024 || t.RelayMaxPort > 65535 || t.RelayMinPort > t.RelayMaxPort) {
		return fmt.Errorf("config: turn.relay_min_port and relay_max_port must be 0 (any port) or a range within 1024–65535")
	}
	if t.TLSListen != "" && (t.TLSCert == "" || t.TLSKey == "") {
		return fmt.Errorf("config: turn.tls_listen needs turn.tls_cert and turn.tls_key")
	}
	return nil
}

// Load builds the configuration: defaults, then the file at path (if not
// empty), then the environment.
func Load(path string) (Config, error) {
	c := Default()
	if path != "" {
		if err := c.LoadFile(path); err != nil {
			return Config{}, err
		}
	}
	if err := c.LoadEnv(os.LookupEnv); err != nil {
		return Config{}, err
	}
	return c, nil
}

// digits reports whether s is min to max ASCII digits.
func digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (t TLS) validate() error {
	if (t.CertFile == "") != (t.KeyFile == "") {
		return fmt.Errorf("config: tls.cert_file and tls.key_file go together")
	}
	if t.CertFile != "" && len(t.ACMEDomains) > 0 {
		return fmt.Errorf("config: tls: either cert_file/key_file or acme_domains, not both")
	}
	for _, d := range t.ACMEDomains {
		if d == "" || strings.ContainsAny(d, "/:* ") {
			return fmt.Errorf("config: tls.acme_domains: %q is not a DNS name", d)
		}
	}
	if t.RedirectListen != "" && !t.On() {
		return fmt.Errorf("config: tls.redirect_listen needs TLS (cert_file or acme_domains)")
	}
	if t.HSTSMaxAge.Duration < 0 {
		return fmt.Errorf("config: tls.hsts_max_age must not be negative")
	}
	return nil
}
