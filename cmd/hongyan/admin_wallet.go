package main

import (
	"context"
	"encoding/json"
	"io"

	"hongyan/internal/hongyan"
	"hongyan/internal/node"
)

func init() {
	registerAdmin("ledger check", adminCommand{
		help: "verify every invariant of the wallet ledger; one JSON line {\"ok\",\"entries\",…}, exit status 1 on a violation",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 0 {
				return hongyan.Errorf(hongyan.CodeInvalid, "ledger check takes no arguments")
			}
			r, err := n.LedgerCheck(ctx)
			if err != nil {
				return err
			}
			if err := json.NewEncoder(out).Encode(r); err != nil {
				return err
			}
			if !r.OK {
				return errLedger
			}
			return nil
		},
	})
	registerAdmin("wallet reconcile", adminCommand{
		help: "settle top-ups and withdrawals a crash left between the payment provider and the ledger (pending longer than wallet.reconcile_after); one JSON line",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 0 {
				return hongyan.Errorf(hongyan.CodeInvalid, "wallet reconcile takes no arguments")
			}
			r, err := n.Reconcile(ctx)
			if err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(r)
		},
	})
	registerAdmin("expire-now", adminCommand{
		help: "refund every transfer and red packet as if 24 hours had passed; a test knob, refused unless wallet.test_clock is set",
		run: func(ctx context.Context, n *node.Node, args []string, out io.Writer) error {
			if len(args) != 0 {
				return hongyan.Errorf(hongyan.CodeInvalid, "expire-now takes no arguments")
			}
			k, err := n.ExpireNow(ctx)
			if err != nil {
				return err
			}
			return json.NewEncoder(out).Encode(map[string]int{"refunded": k})
		},
	})
}

// errLedger makes `ledger check` exit 1 after printing its report.
var errLedger = hongyan.Errorf(hongyan.CodeInternal, "the ledger violates its invariants (see the report)")
