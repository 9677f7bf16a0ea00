package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"strconv"
	"time"

	"hongyan/internal/adminapi"
	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
	"hongyan/internal/node"
)

func init() {
	registerAdmin("create-admin", adminCommand{
		usage: "NAME [--role super|moderator|viewer]",
		help:  "create an administrator of the console (default role super); prints {\"admin\",\"role\",\"password\"} with a one-time password, replaced at the first sign-in with two-factor enrolment",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			fs := newFlags("create-admin")
			role := fs.String("role", "super", "")
			pos, err := parse(fs, args, 1)
			if err != nil {
				return err
			}
			a, pw, err := n.Moderation().CreateAdmin(ctx, moderation.System, pos[0], moderation.Role(*role))
			if err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(map[string]any{"admin": a.Name, "id": a.ID, "role": a.Role, "password": pw})
		},
	})
	registerAdmin("penalty add", adminCommand{
		usage: "USER --kind warn|limit-features|limit-login|ban --for DURATION --reason TEXT",
		help:  "penalise a user (numeric ID or account ID) for DURATION (30m, 72h, 7d); limit-login and ban sign their devices out; prints the penalty",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			fs := newFlags("penalty add")
			kind := fs.String("kind", "", "")
			dur := fs.String("for", "", "")
			reason := fs.String("reason", "", "")
			pos, err := parse(fs, args, 1)
			if err != nil {
				return err
			}
			d, err := adminapi.ParseDuration(*dur)
			if err != nil {
				return err
			}
			user, err := n.LookupUser(ctx, pos[0])
			if err != nil {
				return err
			}
			p, err := n.Moderation().Penalize(ctx, moderation.System, moderation.PenaltyInput{User: user, Kind: moderation.Kind(*kind), For: d, Reason: *reason})
			if err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(penaltyOut(p))
		},
	})
	registerAdmin("suspend", adminCommand{
		usage: "oa|group ID --for DURATION --reason TEXT",
		help:  "suspend an official account (it reaches no follower; its developer API is refused) or a group (no sends, invitations or joins) for DURATION (30m, 72h, 7d); prints the suspension",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			fs := newFlags("suspend")
			dur := fs.String("for", "", "")
			reason := fs.String("reason", "", "")
			pos, err := parse(fs, args, 2)
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(pos[1], 10, 64)
			if err != nil {
				return hongyan.Errorf(hongyan.CodeInvalid, "ID is a number")
			}
			d, err := adminapi.ParseDuration(*dur)
			if err != nil {
				return err
			}
			sus, err := n.Moderation().Suspend(ctx, moderation.System, moderation.TargetKind(pos[0]), id, *reason, d)
			if err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(map[string]any{"kind": sus.Kind, "target": sus.Target, "reason": sus.Reason,
				"start": sus.Start.Format(time.RFC3339), "end": sus.End.Format(time.RFC3339), "suspended": true})
		},
	})
	registerAdmin("unsuspend", adminCommand{
		usage: "oa|group ID",
		help:  "lift the suspension of an official account or a group now",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 2 {
				return hongyan.Errorf(hongyan.CodeInvalid, "usage: unsuspend oa|group ID")
			}
			id, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil {
				return hongyan.Errorf(hongyan.CodeInvalid, "ID is a number")
			}
			if err := n.Moderation().LiftSuspension(ctx, moderation.System, moderation.TargetKind(args[0]), id); err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(map[string]any{"kind": args[0], "target": id, "suspended": false})
		},
	})
	registerAdmin("penalty list", adminCommand{
		usage: "USER",
		help:  "a user's penalties (numeric ID or account ID), newest first, one JSON line each",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 1 {
				return hongyan.Errorf(hongyan.CodeInvalid, "usage: penalty list USER")
			}
			user, err := n.LookupUser(ctx, args[0])
			if err != nil {
				return err
			}
			ps, err := n.Moderation().UserPenalties(ctx, moderation.System, user)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(out)
			for _, p := range ps {
				if err := enc.Encode(penaltyOut(p)); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses flags among positional arguments and wants npos of them.
func parse(fs *flag.FlagSet, args []string, npos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != npos {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "want %d argument(s), got %d", npos, len(pos))
	}
	return pos, nil
}

func penaltyOut(p moderation.Penalty) map[string]any {
	return map[string]any{"id": p.ID, "user": p.User, "kind": p.Kind, "reason": p.Reason, "start": p.Start.Format(time.RFC3339),
		"end": p.End.Format(time.RFC3339), "active": p.Active(time.Now()), "appeal": p.Appeal}
}
