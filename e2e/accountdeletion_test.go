package e2e

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Deleting an account through the CLI against the real binary: refused
// while the wallet holds money and with a wrong password; cancelled by
// signing in and by cancel-delete; after the cooling-off (shortened here
// to 2 s) the job deletes it: the friendship and Moments are gone, the
// account cannot sign in, and the message already delivered stays with
// its reader.
func TestAccountDeletionThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServerEnv(t, filepath.Join(dir, "data"), "127.0.0.1:0", []string{
		"HONGYAN_ACCOUNTS_DELETION_DELAY=2s", "HONGYAN_ACCOUNTS_DELETION_INTERVAL=200ms",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	cli(t, s, p("del_ann"), "register", "del_ann", "ann-password")
	cli(t, s, p("del_bob"), "register", "del_bob", "bob-password")
	cli(t, s, p("del_ann"), "friends", "request", "del_bob")
	cli(t, s, p("del_bob"), "friends", "accept", "del_ann")
	cli(t, s, p("del_ann"), "send", "del_bob", "再见 goodbye from ann")
	// Two different pictures: one sent to bob (stays with him), one only
	// in a Moments post (deleted with the account).
	writePNG(t, p("sent.png"), 1)
	writePNG(t, p("moment.png"), 2)
	cli(t, s, p("del_ann"), "send-file", "del_bob", p("sent.png"), "--kind", "image")
	cli(t, s, p("del_ann"), "moments", "post", "my last post", "--image", p("moment.png"))
	var sentID string
	for _, obj := range cli(t, s, p("del_bob"), "sync") {
		if m, ok := obj["message"].(map[string]any); ok {
			if md, ok := m["media"].(map[string]any); ok {
				sentID, _ = md["id"].(string)
			}
		}
	}
	if sentID == "" {
		t.Fatal("bob did not receive ann's picture")
	}
	blobsBefore := countFiles(t, filepath.Join(s.data, "media"))

	cli(t, s, p("del_ann"), "wallet", "topup", "1.00")
	if code := cliErr(t, s, p("del_ann"), "account", "delete", "--password", "ann-password"); code != "wallet_not_empty" {
		t.Fatalf("delete with money in the wallet: got %q, want wallet_not_empty", code)
	}
	cli(t, s, p("del_ann"), "wallet", "withdraw", "1.00")
	if code := cliErr(t, s, p("del_ann"), "account", "delete", "--password", "wrong-password"); code != "wrong_password" {
		t.Fatalf("delete with a wrong password: got %q, want wrong_password", code)
	}
	if v := cli(t, s, p("del_ann"), "account", "deletion"); v[0]["pending"] != false {
		t.Fatalf("after refusals: got %v, want nothing pending", v)
	}

	// Signing in cancels a pending deletion.
	v := cli(t, s, p("del_ann"), "account", "delete", "--password", "ann-password")
	if v[0]["pending"] != true || v[0]["due"] == nil {
		t.Fatalf("delete: got %v, want pending with a due date", v)
	}
	cli(t, s, p("del_ann2"), "login", "del_ann", "ann-password")
	if v := cli(t, s, p("del_ann"), "account", "deletion"); v[0]["pending"] != false {
		t.Fatalf("after signing in: got %v, want the deletion cancelled", v)
	}
	// So does cancel-delete (and a second one finds nothing to cancel).
	// Ann's other device hears of both through sync.
	cli(t, s, p("del_ann2"), "sync")
	cli(t, s, p("del_ann"), "account", "delete", "--password", "ann-password")
	if got := lastDeletion(t, cli(t, s, p("del_ann2"), "sync")); got == nil || got["pending"] != true {
		t.Errorf("the other device after the request: got %v, want pending", got)
	}
	cli(t, s, p("del_ann"), "account", "cancel-delete")
	if got := lastDeletion(t, cli(t, s, p("del_ann2"), "sync")); got == nil || got["pending"] == true {
		t.Errorf("the other device after cancel-delete: got %v, want not pending", got)
	}
	if code := cliErr(t, s, p("del_ann"), "account", "cancel-delete"); code != "not_found" {
		t.Errorf("cancel with nothing pending: got %q, want not_found", code)
	}
	// Another user cannot see or cancel ann's deletion: each request acts
	// on the caller's own account only.
	cli(t, s, p("del_ann"), "account", "delete", "--password", "ann-password")
	if v := cli(t, s, p("del_bob"), "account", "deletion"); v[0]["pending"] != false {
		t.Errorf("bob's deletion state: got %v, want nothing pending", v)
	}

	// The cooling-off ends; the job deletes ann's account.
	deadline := time.Now().Add(60 * time.Second)
	for {
		friends := cli(t, s, p("del_bob"), "friends", "list")
		if len(friends) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ann is still bob's friend a minute after the cooling-off: %v\n%s", friends, s.log)
		}
		time.Sleep(200 * time.Millisecond) // polling for the periodic job
	}
	if code := cliErr(t, s, p("del_ann3"), "login", "del_ann", "ann-password"); code != "unauthenticated" {
		t.Errorf("signing in to the deleted account: got %q, want unauthenticated", code)
	}
	if code := cliErr(t, s, p("del_ann"), "me"); code != "unauthenticated" {
		t.Errorf("the deleted account's old device: got %q, want unauthenticated", code)
	}
	if posts := cli(t, s, p("del_bob"), "moments", "feed"); len(posts) != 0 {
		t.Errorf("bob's Moments feed: got %v, want ann's post gone", posts)
	}
	found := false
	for _, m := range cli(t, s, p("del_bob"), "search", "goodbye") {
		found = found || strings.Contains(strings.ToLower(toJSON(m)), "goodbye from ann")
	}
	if !found {
		t.Errorf("the message ann sent bob is gone from bob's history")
	}
	// The picture sent to bob stays his; the Moments picture and its
	// thumbnail are gone from the disk.
	cli(t, s, p("del_bob"), "download", sentID, p("bob-sent.png"))
	if got, want := countFiles(t, filepath.Join(s.data, "media")), blobsBefore-2; got != want {
		t.Errorf("media files after the deletion: got %d, want %d (the Moments picture and its thumbnail gone)", got, want)
	}
	// The account ID is free for someone new.
	cli(t, s, p("del_new"), "register", "del_ann", "new-password")
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// writePNG writes a small picture whose pixels depend on seed.
func writePNG(t *testing.T, path string, seed int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * seed)
	}
	img.Set(0, 0, color.White)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// countFiles counts the regular files under dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lastDeletion returns the last account_deletion item of a sync's output.
func lastDeletion(t *testing.T, out []map[string]any) map[string]any {
	t.Helper()
	var last map[string]any
	for _, obj := range out {
		if d, ok := obj["account_deletion"].(map[string]any); ok {
			last = d
		}
	}
	return last
}
