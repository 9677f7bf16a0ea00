package main

import (
	"context"
	"encoding/json"
	"io"

	"hongyan/internal/hongyan"
	"hongyan/internal/node"
)

func init() {
	registerAdmin("migrations", adminCommand{
		help: "list the storage migrations applied, one JSON line each: {\"feature\",\"version\",\"name\"}",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 0 {
				return hongyan.Errorf(hongyan.CodeInvalid, "migrations takes no arguments")
			}
			ms, err := n.Migrations(ctx)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(out)
			for _, m := range ms {
				if err := enc.Encode(map[string]any{"feature": m.Feature, "version": m.Version, "name": m.Name}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
