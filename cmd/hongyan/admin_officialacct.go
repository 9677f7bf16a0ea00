package main

import (
	"context"
	"encoding/json"
	"io"

	"hongyan/internal/hongyan"
	"hongyan/internal/node"
)

func init() {
	registerAdmin("oa expire", adminCommand{
		usage: "APPID",
		help:  "expire the official account's access tokens and OAuth codes now; prints {\"appid\",\"expired\":true}",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 1 {
				return hongyan.Errorf(hongyan.CodeInvalid, "usage: oa expire APPID")
			}
			app, err := n.OfficialAccounts().App(ctx, args[0])
			if err != nil {
				return err
			}
			if err := app.Expire(ctx); err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(map[string]any{"appid": app.Account.AppID, "expired": true})
		},
	})
}
