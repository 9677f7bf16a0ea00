// Package cli is the scriptable command-line client, `hongyan cli`. Each
// invocation connects to a server over the client protocol, does one thing
// and prints JSON: one object per line on stdout, or one error object
// {"error":{"code":…,"message":…}} on stderr with a non-zero exit code.
//
// A profile directory holds one device's session and sync cursor, so two
// profiles act as two devices of the same or different users.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// DefaultServer is the server used when neither --server nor
// HONGYAN_SERVER nor the profile's session names one.
const DefaultServer = "http://127.0.0.1:8080"

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the server refused, or it could not be reached
	exitUsage = 2 // the command line is wrong
)

const (
	dialTimeout = 10 * time.Second
	callTimeout = 30 * time.Second
)

const usage = `usage: hongyan cli [--server URL] [--profile DIR] COMMAND [ARGS]

  verify-contact phone|email TO        send a code that proves you own TO
  register ID PASSWORD [--nickname N] [--phone P --phone-code C] [--email E --email-code C] [--device NAME]
  login ID PASSWORD [--device NAME]
  me | devices | logout
  devices revoke DEVICE_ID
  account delete --password PASSWORD   delete my account 15 days from now (signing in
                                       cancels it; the password may be in $HONGYAN_PASSWORD)
  account cancel-delete | account deletion   cancel it / show its state
  profile set [--nickname N] [--signature S] [--region R] [--gender male|female]
  friends request ID [--greeting TEXT] [--remark R] | friends accept ID [--remark R]
  friends decline ID
  friends list | friends requests
  contacts tag ID TAG[,TAG...]        set a contact's customer tags
  contacts broadcast --tag T TEXT [--client-id ID]   one message to each contact
                                       tagged T (at most 200; rate-limited)
  send PEER TEXT [--client-id ID]      PEER: an account ID, a user ID, or "me"
  send group:GID TEXT [--mention ID[,ID...]|all]    to a group chat; ID: an
                                       account ID or a user ID of a member
  send-file PEER|group:GID PATH [--kind file|image|video|voice|sticker] [--duration-ms N]
  send-location PEER|group:GID LAT LON [--name PLACE] [--address A]
  send-link PEER|group:GID URL         a link card (the server fetches its preview)
  download MEDIA_ID PATH               save a file sent to you
  groups create NAME MEMBER... | groups invite GID ID... | groups remove GID ID...
  groups members GID | groups leave GID | groups list
  groups invitations | groups accept INVITATION_ID
  groups add-bot GID BOT_ID [--scopes S1,S2]   add a bot (its ID or account ID) to a group you own (default
                                       scopes messages:send,groups:read)
  groups common [--min N] [--limit N]  people in at least N (2) of my groups
  groups forward GID SEQ --to GID[,GID...]   post a text message of a group in
                                       other groups of mine, through the Group Guard
  groups invite-batch GID ID...        invite up to 100 contacts through the Group
                                       Guard (the group's invitation rules apply)
  groups guard GID [show] | add | log [--before ID] [--limit N] | undo ACTION_ID
  groups guard GID set [--enabled on|off] [--keywords K1,K2] [--links on|off] [--qr on|off]
                  [--new-member-links on|off] [--new-hours N] [--remove-message on|off]
                  [--remove-member on|off] [--warnings N]
                                       the Group Guard (owner/admins): auto-removal rules,
                                       its log, and undo (a removed member is re-invited)
  groups book GID [show | set-mine --name N [--phone P] [--email E] [--role R] [--notes T]
                  | set ENTRY_ID --name N … | add --name N … | remove ENTRY_ID
                  | history [--before CHANGE_ID] [--limit N] | export FILE]
                                       a group's shared address book (add: owner/admins,
                                       for someone who is not a member)
  groups app GID poll create QUESTION OPTION... [--multi] [--anonymous] [--deadline TIME]
  groups app GID poll vote POLL_ID OPTION_INDEX... | poll close POLL_ID
  groups app GID poll show POLL_ID | poll list [--before ID] [--limit N]
  groups app GID checkin | checkin show          check in today; the ranking
  groups app GID homework post TITLE --due TIME [--text T] (owner/admins)
  groups app GID homework submit ID TEXT | homework remind ID
  groups app GID homework show ID | homework list [--before ID] [--limit N]
  groups app GID announce post TEXT [--pin] | announce pin|unpin|remove ID
  groups app GID announce list [--pinned] [--before ID] [--limit N]
                                       the announcements board (owner/admins post)
  groups app GID event create TITLE --start TIME [--place P] [--limit N]
  groups app GID event signup|cancel|remind|show ID | event list
                                       events: past the limit, sign-ups wait and
                                       move up when someone cancels
                                       TIME: RFC 3339, "YYYY-MM-DD HH:MM" or a
                                       duration from now such as 48h
  groups assistant GID on [--timezone TZ] | show   the Group Assistant (the owner turns it on)
  groups assistant GID welcome TEXT | welcome --off   welcome new members; {name}: their names
  groups assistant GID keyword add WORD REPLY [--exact] | keyword remove ID
  groups assistant GID schedule add TEXT --at "YYYY-MM-DD HH:MM" [--repeat once|daily|weekly]
  groups assistant GID schedule edit ID TEXT --at TIME [--repeat R] | schedule cancel ID
  groups assistant GID stats [--days N]  messages, active members, joins and leaves per day
  groups assistant GID lottery create TITLE KEYWORD --winners N --deadline TIME | lottery list
  groups assistant GID birthday set MM-DD | birthday clear | birthday show
                                       my birthday, wished in the group (only I and the assistant see it)
  groups assistant lottery verify --seed HEX --hash HEX --winners N --entrants ID,ID,…
                                       check a drawn lottery offline: {"hash_ok","winners"}
  addressbook backup FILE | addressbook versions | addressbook restore VERSION|latest FILE
  addressbook delete VERSION|all | addressbook match FILE
                                       FILE: vCard (3.0/4.0) or CSV; restore and export
                                       write CSV when FILE ends in .csv, vCard otherwise
  favorites add MESSAGE_ID | favorites note TEXT | favorites link URL
  favorites list [--query TEXT] | favorites edit FAVORITE_ID TEXT
  favorites delete FAVORITE_ID | favorites send FAVORITE_ID PEER|group:GID
  moments post TEXT [--image PATH]... [--video PATH] [--link URL] [--location NAME]
               [--visibility all|private|only:ID,…|except:ID,…] [--mention ID,…]
               (only/except entries: people, or tag:NAME for a tag of your contacts)
  moments feed [--limit N] [--before POST_ID] | moments user ID [--limit N] [--before POST_ID]
  moments like POST_ID | moments unlike POST_ID | moments delete POST_ID
  moments comment POST_ID TEXT [--reply-to COMMENT_ID] | moments notifications
  moments search TEXT [--limit N] [--before POST_ID]   (your posts and friends' you may see)
  moments settings [--hide-mine-from ID] [--unhide-mine-from ID] [--hide-theirs ID]
                   [--unhide-theirs ID] [--strangers-see-10 on|off] [--friends-range all|6m|3d]
  nearby set LAT LON | nearby list [--gender male|female] | nearby clear
                                       people nearby, nearest first, as distance bands
  shake [--lat LAT --lon LON]          the matched person, or {"match":null} after the window
  bottle throw TEXT | bottle pick | bottle reply BOTTLE_ID TEXT | bottle return BOTTLE_ID
  bottle list | bottle show BOTTLE_ID  my bottles (thrown or picked) with their messages
  bottle greet BOTTLE_ID [GREETING]    ask the other person of an answered bottle to be friends
  livecode create NAME --template GID [--max-members N]   a live code of a group you own:
                                       one QR code that fills groups in turn; prints {"id","url"}
  livecode list | livecode show ID     your live codes; one with its groups and scans per day
  livecode scan URL                    join the group a live code leads to; prints {"group"}
  report user|group|message|post|oa ID --reason TEXT
                                       report it to the server's moderators ({"report":ID}); a user
                                       by ID or account ID, a message as CONVERSATION:SEQ
  penalties | appeal PENALTY_ID TEXT   my penalties, newest first; appeal one (once)
  call PEER [--video] [--seconds N]    call a friend with synthetic audio (and video), talk N s
                                       (default 5), print how it went: state, setup_ms, packets
  call answer [--seconds N]            wait for one call and answer it (N s, or until hung up)
  call group GID [--seconds N]         join group GID's voice call with synthetic audio for N s (default 5)
  call talk GID [--seconds N]          join group GID's walkie-talkie room, hold the floor and talk N s
  wallet balance | wallet history [--limit N] [--before ENTRY] | wallet summary [--months N]
  wallet topup AMOUNT | wallet withdraw AMOUNT [--key IDEMPOTENCY_KEY]   AMOUNT in yuan ("12.34")
  wallet set-pin PIN [--old PIN] | wallet reset-pin RECOVERY_CODE PIN --password ACCOUNT_PASSWORD
  transfer PEER AMOUNT --pin PIN [--note TEXT] [--key IDEMPOTENCY_KEY]
  transfer accept ID | transfer return ID | transfer show ID
  redpacket send PEER|group:GID AMOUNT [--count N] [--lucky] [--greeting TEXT] --pin PIN [--key K]
  redpacket grab ID | redpacket show ID   amounts in the output are fen
  sync [--wait SECONDS] [--until N]    changes since this profile's cursor; with none,
                                       --wait waits up to SECONDS for the next ones
  recall MESSAGE_ID                    withdraw your message (within 2 minutes)
  delete MESSAGE_ID | clear PEER       delete a message / clear a chat, for you only
  forward MESSAGE_ID PEER [--client-id ID]          forward a message
  search TEXT [--peer ID] [--limit N]  messages containing TEXT, newest first
  broadcast TEXT --to ID[,ID...] [--client-id ID]   one message to many contacts
  bot create NAME                      a bot of yours: {"bot_id","account_id","token"}
  bot token BOT_ID --scopes S1,S2 [--group GID]    another token: {"token"}
  bot list | bot webhook [set] BOT_ID [URL | off]  (prints the signing secret)
  bot deliveries BOT_ID [--before ID] [--limit N]  the webhook delivery log, newest first
  qr-login show [--device NAME] | qr-login confirm CODE
  send oa:APPID TEXT                   a message to an official account
  ` + oaUsage + `
  ` + oauthUsage + `    answer an official account's web authorization
                                       as this user; prints {"location"}

--server defaults to $HONGYAN_SERVER, then the profile's server, then
http://127.0.0.1:8080; --profile defaults to $HONGYAN_PROFILE, then
$HOME/.hongyan-cli. Output is JSON, one object per line (lists print one
line per item); errors are {"error":{"code":…,"message":…}} on stderr,
exit 1 (exit 2 for usage errors).
`

// Main runs the command line args (without the program and "cli" words)
// and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr}
	err := e.run(args)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errHelp) {
		io.WriteString(stdout, usage)
		return exitOK
	}
	code, msg, exit := classify(err)
	e.printTo(stderr, object{{"error", object{{"code", code}, {"message", msg}}}})
	return exit
}

// cliError is an error with the code and exit status Main reports.
type cliError struct {
	code string
	msg  string
	exit int
}

func (e *cliError) Error() string { return e.code + ": " + e.msg }

func usageErr(format string, args ...any) error {
	return &cliError{code: "usage", msg: fmt.Sprintf(format, args...), exit: exitUsage}
}

func failErr(code, format string, args ...any) error {
	return &cliError{code: code, msg: fmt.Sprintf(format, args...), exit: exitError}
}

var errHelp = errors.New("help")

// classify returns the error code, message and exit status for err.
func classify(err error) (code, msg string, exit int) {
	var ce *cliError
	var we *wsclient.Error
	switch {
	case errors.As(err, &ce):
		return ce.code, ce.msg, ce.exit
	case errors.As(err, &we):
		return we.Code, we.Message, exitError
	case errors.Is(err, wsclient.ErrKicked):
		return "unauthenticated", "this device was signed out", exitError
	case errors.Is(err, wsclient.ErrClosed):
		return "unavailable", "connection to the server lost: " + err.Error(), exitError
	case errors.Is(err, context.DeadlineExceeded):
		return "unavailable", "the server did not answer in time", exitError
	case errors.Is(err, context.Canceled):
		return "canceled", "interrupted", exitError
	}
	return "internal", err.Error(), exitError
}

// env is one invocation: its context, output and global settings.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
	server string // from --server or HONGYAN_SERVER; "" when not given
	prof   profile

	mentionNames []string // account IDs given to send --mention, until resolved
}

// globalFlags are accepted before the command and among its arguments.
var globalFlags = []string{"server", "profile"}

func (e *env) run(args []string) error {
	// Global flags before the command.
	var pre []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" && args[0] != "--" {
		switch strings.TrimLeft(args[0], "-") {
		case "h", "help":
			return errHelp
		}
		pre = append(pre, args[0])
		if !strings.Contains(args[0], "=") && len(args) > 1 {
			pre = append(pre, args[1])
			args = args[1:]
		}
		args = args[1:]
	}
	if _, _, err := parseArgs(pre); err != nil {
		return err
	}
	if len(args) == 0 {
		return usageErr("no command; run with --help for the list")
	}
	cmd, rest := args[0], append(pre, args[1:]...)
	switch cmd {
	case "help":
		return errHelp
	case "register":
		return e.register(rest)
	case "verify-contact":
		return e.verifyContact(rest)
	case "login":
		return e.login(rest)
	case "me":
		return e.me(rest)
	case "devices":
		return e.devices(rest)
	case "account":
		return e.account(rest)
	case "logout":
		return e.logout(rest)
	case "profile":
		return e.profile(rest)
	case "friends":
		return e.friends(rest)
	case "contacts":
		return e.contacts(rest)
	case "send":
		return e.send(rest)
	case "sync":
		return e.sync(rest)
	case "recall":
		return e.recall(rest)
	case "search":
		return e.search(rest)
	case "broadcast":
		return e.broadcast(rest)
	case "delete":
		return e.deleteMessage(rest)
	case "forward":
		return e.forward(rest)
	case "clear":
		return e.clearChat(rest)
	case "qr-login":
		return e.qrLogin(rest)
	case "groups":
		return e.groups(rest)
	case "favorites":
		return e.favorites(rest)
	case "addressbook":
		return e.addressBook(rest)
	case "oa":
		return e.oa(rest)
	case "moments":
		return e.moments(rest)
	case "nearby":
		return e.nearby(rest)
	case "shake":
		return e.shake(rest)
	case "bottle":
		return e.bottle(rest)
	case "livecode":
		return e.liveCode(rest)
	case "report":
		return e.report(rest)
	case "penalties":
		return e.penalties(rest)
	case "appeal":
		return e.appeal(rest)
	case "call":
		return e.callCmd(rest)
	case "oauth":
		return e.oauth(rest)
	case "wallet":
		return e.wallet(rest)
	case "transfer":
		return e.transfer(rest)
	case "redpacket":
		return e.redPacket(rest)
	case "send-file":
		return e.sendFile(rest)
	case "send-location":
		return e.sendLocation(rest)
	case "send-link":
		return e.sendLink(rest)
	case "download":
		return e.download(rest)
	case "bot":
		return e.bot(rest)
	}
	return usageErr("unknown command %q; run with --help for the list", cmd)
}

// parseArgs splits args into positional arguments and flag values. Every
// flag takes a value, as --name VALUE or --name=VALUE (one dash works too);
// "--" ends the flags. Only the global flags and those named in allowed are
// accepted.
func parseArgs(args []string, allowed ...string) (pos []string, flags map[string]string, err error) {
	flags = make(map[string]string)
	ok := func(name string) bool {
		for _, a := range append(allowed, globalFlags...) {
			if a == name {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !ok(name) {
			return nil, nil, usageErr("unknown flag %s", a)
		}
		if !hasVal {
			if i+1 == len(args) {
				return nil, nil, usageErr("flag --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		flags[name] = val
	}
	return pos, flags, nil
}

// parse parses a command's arguments (see parseArgs), applies the global
// flags and checks the number of positional arguments (unless npos is
// negative).
func (e *env) parse(args []string, npos int, what string, allowed ...string) ([]string, map[string]string, error) {
	pos, flags, err := parseArgs(args, allowed...)
	if err != nil {
		return nil, nil, err
	}
	if npos >= 0 && len(pos) != npos {
		return nil, nil, usageErr("usage: %s", what)
	}
	e.server = flags["server"]
	if e.server == "" {
		e.server = os.Getenv("HONGYAN_SERVER")
	}
	dir := flags["profile"]
	if dir == "" {
		dir = os.Getenv("HONGYAN_PROFILE")
	}
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil, failErr("internal", "no --profile and no home directory: %v", err)
		}
		dir = filepath.Join(home, ".hongyan-cli")
	}
	e.prof = profile{dir: dir}
	return pos, flags, nil
}

// serverFor returns the server to talk to: the explicit one, else the
// session's, else DefaultServer.
func (e *env) serverFor(s *session) string {
	switch {
	case e.server != "":
		return e.server
	case s != nil && s.Server != "":
		return s.Server
	}
	return DefaultServer
}

// dial connects to server.
func (e *env) dial(server string) (*wsclient.Conn, error) {
	ctx, cancel := context.WithTimeout(e.ctx, dialTimeout)
	defer cancel()
	c, err := wsclient.Dial(ctx, server)
	if err != nil {
		return nil, failErr("unavailable", "cannot reach the server at %s: %v", server, err)
	}
	return c, nil
}

// signIn loads the profile's session, connects and authenticates.
func (e *env) signIn() (*wsclient.Conn, session, *hongyanv1.HelloResponse, error) {
	s, err := e.session()
	if err != nil {
		return nil, s, nil, err
	}
	c, err := e.dial(e.serverFor(&s))
	if err != nil {
		return nil, s, nil, err
	}
	ctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	defer cancel()
	h, err := c.Hello(ctx, s.Token)
	if err != nil {
		c.Close()
		return nil, s, nil, err
	}
	return c, s, h, nil
}

// session returns the profile's session, or why there is none.
func (e *env) session() (session, error) {
	s, err := e.prof.loadSession()
	if errors.Is(err, errNoSession) {
		return s, failErr("unauthenticated", "profile %s is not signed in; run login, register or qr-login show", e.prof.dir)
	}
	return s, err
}

// call makes one request with the usual timeout.
func (e *env) call(c *wsclient.Conn, req *hongyanv1.ClientFrame) (*hongyanv1.ServerFrame, error) {
	ctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	defer cancel()
	return c.Call(ctx, req)
}

// print writes v as one JSON line on stdout.
func (e *env) print(v any) error { return e.printTo(e.stdout, v) }

func (e *env) printTo(w io.Writer, v any) error {
	b, err := appendValue(nil, v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if f, ok := w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}
