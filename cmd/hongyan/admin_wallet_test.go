package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"hongyan/internal/sqlite"
)

func TestAdminLedgerCheck(t *testing.T) {
	t.Setenv("HONGYAN_STORAGE_DRIVER", "sqlite")
	dir := t.TempDir()
	check := func() (int, map[string]any, string) {
		var out, errb bytes.Buffer
		code := run(t.Context(), []string{"admin", "--data", dir, "ledger", "check"}, &out, &errb)
		var r map[string]any
		if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &r) != nil {
			t.Fatalf("ledger check printed %q, want one JSON line", out.String())
		}
		return code, r, errb.String()
	}
	code, r, stderr := check()
	if code != 0 || r["ok"] != true || r["entries"] != float64(0) {
		t.Fatalf("empty ledger: exit %d, %v, %s; want 0 and ok", code, r, stderr)
	}
	// Plant an entry that does not balance, behind the store's back.
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO wallet_entries (id, kind, user_id, peer, ref, once, at) VALUES (1, 1, 5, 0, 0, NULL, 0)`,
		`INSERT INTO wallet_postings (entry, account_kind, account_ref, amount) VALUES (1, 1, 5, 100)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, r, _ = check()
	if code != 1 || r["ok"] != false || r["unbalanced_entries"] != float64(1) || r["balance_mismatches"] != float64(1) {
		t.Errorf("planted violation: exit %d, %v; want 1, not ok, 1 unbalanced entry, 1 balance mismatch", code, r)
	}
}

func TestAdminExpireNow(t *testing.T) {
	t.Setenv("HONGYAN_STORAGE_DRIVER", "sqlite")
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"admin", "--data", dir, "expire-now"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "test_clock") {
		t.Errorf("expire-now without the test clock: exit %d, stderr %q; want 1 naming test_clock", code, errb.String())
	}
	t.Setenv("HONGYAN_WALLET_TEST_CLOCK", "true")
	out.Reset()
	if code := run(t.Context(), []string{"admin", "--data", dir, "expire-now"}, &out, &errb); code != 0 || strings.TrimSpace(out.String()) != `{"refunded":0}` {
		t.Errorf("expire-now with the test clock: exit %d, out %q", code, out.String())
	}
}
