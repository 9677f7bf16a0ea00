package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type cardOut struct {
	User     int64  `json:"user"`
	Nickname string `json:"nickname"`
}

type personOut struct {
	Card cardOut `json:"card"`
	Band int     `json:"band"`
}

type matchOut struct {
	Match *struct {
		Card cardOut `json:"card"`
		Band int     `json:"band"`
	} `json:"match"`
}

type bottleOut struct {
	ID       int64  `json:"id"`
	Mine     bool   `json:"mine"`
	Text     string `json:"text"`
	Voice    string `json:"voice"`
	VoiceMS  int    `json:"voice_ms"`
	Messages []struct {
		Mine bool   `json:"mine"`
		Text string `json:"text"`
	} `json:"messages"`
}

// People nearby, shake and drift bottles, as the scriptable surface names
// them; negative coordinates (south, west) are values, not flags.
func TestCLIDiscovery(t *testing.T) {
	server := startNode(t)
	ann, ben, cat := newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat")
	one[session](ann, "register", "cli_ann", "password-a")
	b := one[session](ben, "register", "cli_ben", "password-b")
	one[session](cat, "register", "cli_cat", "password-c")

	_, code := ann.fail("nearby", "list")
	if code != "failed_precondition" {
		t.Errorf("nearby list before sharing: got %q, want failed_precondition", code)
	}
	ann.ok("nearby", "set", "-33.8688", "151.2093")
	ben.ok("nearby", "set", "-33.8700", "151.2100")
	_, code = cat.fail("nearby", "set", "-91", "0")
	if code != "invalid_argument" {
		t.Errorf("nearby set -91: got %q, want invalid_argument", code)
	}
	p := one[personOut](ann, "nearby", "list")
	if p.Card.User != b.User || p.Band == 0 || p.Band > 1000 {
		t.Errorf("nearby list: got %+v, want ben within a band of at most 1 km", p)
	}
	if _, code := ann.fail("nearby", "list"); code != "rate_limited" {
		t.Errorf("second nearby list in a minute: got %q, want rate_limited", code)
	}
	ben.ok("nearby", "clear")
	if _, code := ben.fail("nearby", "list"); code != "failed_precondition" {
		t.Errorf("nearby list after clearing: got %q, want failed_precondition", code)
	}

	// Two shake at once: each is told the other.
	var wg sync.WaitGroup
	got := map[string]matchOut{}
	var mu sync.Mutex
	for _, d := range []*device{ann, ben} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := one[matchOut](d, "shake", "--lat", "-33.87", "--lon", "151.21")
			mu.Lock()
			got[d.name] = m
			mu.Unlock()
		}()
	}
	wg.Wait()
	if m := got["ann"].Match; m == nil || m.Card.User != b.User || m.Band == 0 {
		t.Errorf("ann's shake: got %+v, want ben with a band", m)
	}
	if m := got["ben"].Match; m == nil || m.Card.Nickname == "" {
		t.Errorf("ben's shake: got %+v, want ann", m)
	}

	// Bottles.
	if v := one[struct {
		Bottle *bottleOut `json:"bottle"`
	}](cat, "bottle", "pick"); v.Bottle != nil {
		t.Errorf("pick from an empty sea: got %+v", v.Bottle)
	}
	thrown := one[bottleOut](ann, "bottle", "throw", "漂流瓶里的话")
	picked := one[struct {
		Bottle *bottleOut `json:"bottle"`
	}](ben, "bottle", "pick")
	if picked.Bottle == nil || picked.Bottle.ID != thrown.ID || picked.Bottle.Text != "漂流瓶里的话" || picked.Bottle.Mine {
		t.Fatalf("pick: got %+v, want ann's bottle %d", picked.Bottle, thrown.ID)
	}
	id := itoa(thrown.ID)
	if _, code := cat.fail("bottle", "reply", id, "me too"); code != "not_found" {
		t.Errorf("a stranger replies: got %q, want not_found", code)
	}
	ben.ok("bottle", "reply", id, "收到")
	ann.ok("bottle", "reply", id, "你好")
	if _, code := ben.fail("bottle", "return", id); code != "failed_precondition" {
		t.Errorf("throw back an answered bottle: got %q, want failed_precondition", code)
	}
	if _, code := cat.fail("bottle", "greet", id); code != "not_found" {
		t.Errorf("a stranger greets: got %q, want not_found", code)
	}
	ben.ok("bottle", "greet", id, "加个好友")
	list := one[bottleOut](ann, "bottle", "list")
	if !list.Mine || len(list.Messages) != 2 || list.Messages[0].Mine || list.Messages[0].Text != "收到" || !list.Messages[1].Mine {
		t.Errorf("bottle list: got %+v", list)
	}
	// Ben's greeting is a friend request Ann sees, from Ben.
	if lines := ann.ok("friends", "requests"); len(lines) != 1 || !strings.Contains(lines[0], "加个好友") {
		t.Errorf("ann's friend requests: got %q, want ben's greeting", lines)
	}

	// A voice bottle: thrown from a WAV file (its length read from the
	// header), picked and saved ("played") by another.
	dir := t.TempDir()
	wav := append([]byte("RIFF\x2c\x1f\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x40\x1f\x00\x00"), make([]byte, 8000)...)
	clip := filepath.Join(dir, "bottle.wav")
	if err := os.WriteFile(clip, wav, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, code := cat.fail("bottle", "throw", "--voice", filepath.Join(dir, "missing.wav")); code != "invalid_argument" {
		t.Errorf("throw a missing file: got %q, want invalid_argument", code)
	}
	voice := one[bottleOut](cat, "bottle", "throw", "--voice", clip)
	if voice.Voice == "" || voice.VoiceMS != 1000 || voice.Text != "" {
		t.Fatalf("voice throw: got %+v, want a 1000 ms clip and no text", voice)
	}
	saved := filepath.Join(dir, "heard.wav")
	heard := one[struct {
		Bottle *bottleOut `json:"bottle"`
	}](ann, "bottle", "pick", "--save", saved)
	if heard.Bottle == nil || heard.Bottle.ID != voice.ID || heard.Bottle.Voice != voice.Voice {
		t.Fatalf("pick the voice bottle: got %+v, want bottle %d", heard.Bottle, voice.ID)
	}
	if got, err := os.ReadFile(saved); err != nil || !bytes.Equal(got, wav) {
		t.Errorf("the saved clip: %d bytes, %v; want the thrown WAV", len(got), err)
	}
	ann.ok("bottle", "reply", itoa(voice.ID), "听到了")
}
