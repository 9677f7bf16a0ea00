package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"hongyan/internal/hongyan"
	"hongyan/internal/node"
)

// An adminCommand is one `hongyan admin` command. It works on the node's
// storage directly (opened from the same configuration as `serve`), so it
// runs whether or not a server is running on that storage. Each feature's
// commands live in a file of their own (admin_<feature>.go) and register
// themselves in init.
type adminCommand struct {
	usage string // arguments after the command's name, e.g. "APPID"
	help  string // one line
	// run does the work on an opened node with the command's positional
	// arguments. What it prints to out is JSON, one object per line.
	run func(ctx context.Context, n *node.Node, args []string, out io.Writer) error
}

// adminCommands are the admin commands by name ("oa expire", …).
var adminCommands = map[string]adminCommand{}

func registerAdmin(name string, c adminCommand) {
	if _, dup := adminCommands[name]; dup {
		panic("admin command registered twice: " + name)
	}
	adminCommands[name] = c
}

func adminUsage() string {
	var b strings.Builder
	b.WriteString("usage: hongyan admin [--config FILE] [--data DIR] <command> [args]\n\ncommands:\n")
	names := make([]string, 0, len(adminCommands))
	for name := range adminCommands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c := adminCommands[name]
		fmt.Fprintf(&b, "  %s %s\n      %s\n", name, c.usage, c.help)
	}
	return b.String()
}

// admin runs `hongyan admin`. Its exit status is 0 on success, 1 when the
// command failed (the error is printed to stderr as {"error":{…}}), and 2
// on a usage error.
func admin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nf := addNodeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "help" {
		fmt.Fprint(stdout, adminUsage())
		if len(rest) == 0 {
			return 2
		}
		return 0
	}
	// A command's name is its longest prefix of words that names one
	// ("oa expire APPID": "oa expire").
	name, cmd, pos := "", adminCommand{}, 0
	for i := len(rest); i > 0; i-- {
		if c, ok := adminCommands[strings.Join(rest[:i], " ")]; ok {
			name, cmd, pos = strings.Join(rest[:i], " "), c, i
			break
		}
	}
	if name == "" {
		fmt.Fprintf(stderr, "hongyan admin: unknown command %q\n%s", strings.Join(rest, " "), adminUsage())
		return 2
	}
	cfg, log, err := nf.load(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "hongyan admin:", err)
		return 1
	}
	// An admin command runs beside the serving node: it must not try to
	// take the call relay's and the SFU's ports.
	cfg.TURN.Enabled, cfg.SFU.Enabled = false, false
	n, err := node.New(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "hongyan admin:", err)
		return 1
	}
	defer n.Close()
	if err := cmd.run(ctx, n, rest[pos:], stdout); err != nil {
		writeAdminError(stderr, err)
		return 1
	}
	return 0
}

// writeAdminError prints err as the CLI does: {"error":{"code","message"}}.
func writeAdminError(w io.Writer, err error) {
	code := string(hongyan.ErrorCode(err))
	msg := err.Error()
	var he *hongyan.Error
	if errors.As(err, &he) {
		msg = he.Message
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	fmt.Fprintf(w, "%s\n", b)
}
