package e2e

import (
	"path/filepath"
	"testing"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
)

// Calls through two CLI processes against the real binary: one answers,
// the other places a voice call that carries media both ways; a call
// nobody answers ends as no answer after the configured ring timeout,
// ended by the node's own sweep.
func TestCallsThroughTheCLI(t *testing.T) {
	dir := t.TempDir()
	s := startServerEnv(t, filepath.Join(dir, "data"), "127.0.0.1:0", []string{"HONGYAN_CALLS_RING_TIMEOUT=2s"})
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, u := range []string{"call_ann", "call_bob", "call_eve"} {
		cli(t, s, p(u), "register", u, u+"-password")
	}
	cli(t, s, p("call_ann"), "friends", "request", "call_bob")
	cli(t, s, p("call_bob"), "friends", "accept", "call_ann")

	type out struct {
		v   []map[string]any
		err error
	}
	answered := make(chan out, 1)
	go func() {
		v, err := cliRun(s, p("call_bob"), "call", "answer")
		answered <- out{v, err}
	}()
	placed := cli(t, s, p("call_ann"), "call", "call_bob", "--seconds", "2")
	a := <-answered
	if a.err != nil {
		t.Fatalf("call answer: %v", a.err)
	}
	for name, v := range map[string][]map[string]any{"caller": placed, "callee": a.v} {
		if len(v) != 1 {
			t.Fatalf("%s printed %v, want one line", name, v)
		}
		r := v[0]
		if r["state"] != "hung_up" || num(r, "setup_ms") <= 0 || num(r, "packets_sent") < 50 || num(r, "packets_received") < 50 || r["duration"] != "00:02" {
			t.Errorf("%s: got %v; want a hung-up call of 00:02 that carried media both ways", name, r)
		}
		if num(r, "packets_lost") > num(r, "packets_received")/10 {
			t.Errorf("%s: lost %d of %d packets on loopback", name, num(r, "packets_lost"), num(r, "packets_received"))
		}
	}
	// The record is in the callee's chat.
	found := false
	for _, m := range cli(t, s, p("call_bob"), "sync") {
		if msg, ok := m["message"].(map[string]any); ok && msg["kind"] == "call" {
			found = true
		}
	}
	if !found {
		t.Errorf("no call record in the callee's sync")
	}

	// Nobody answers: the node's sweep ends it after 2 s.
	if v := cli(t, s, p("call_ann"), "call", "call_bob", "--video"); v[0]["state"] != "no_answer" || v[0]["video"] != true {
		t.Errorf("an unanswered video call: got %v, want no_answer", v)
	}
	// A stranger cannot call.
	if code := cliErr(t, s, p("call_eve"), "call", "call_ann"); code != "not_found" && code != "permission_denied" {
		t.Errorf("a stranger calls: got %q, want permission_denied (or not_found for the name)", code)
	}
	if code := cliErr(t, s, p("call_ann"), "call", "call_bob", "--seconds", "x"); code != "usage" {
		t.Errorf("--seconds x: got %q, want usage", code)
	}
}

// A ringing call's no-answer timeout is a deadline in the store: a node
// killed while the call rings, and started again, still ends it as no
// answer and posts the record.
func TestCallTimeoutSurvivesACrash(t *testing.T) {
	dir := t.TempDir()
	s := startServerEnv(t, filepath.Join(dir, "data"), freeAddr(t), []string{"HONGYAN_CALLS_RING_TIMEOUT=2s"})
	a, b := register(t, s, "crash_call_a"), register(t, s, "crash_call_b")
	befriend(t, s, a, b)
	v := call(t, s, a, &pb.ClientFrame{Req: &pb.ClientFrame_CallPlace{CallPlace: &pb.CallPlaceRequest{Peer: b.user}}}).GetCallSession().GetCall()
	if v.GetState() != pb.CallState_CALL_STATE_RINGING {
		t.Fatalf("placed: got %v, want ringing", v)
	}
	s.kill()
	s = s.restart()
	get := &pb.ClientFrame{Req: &pb.ClientFrame_CallGet{CallGet: &pb.CallRef{Call: v.Id}}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := call(t, s, b, get).GetCall()
		if got.State == pb.CallState_CALL_STATE_ENDED {
			if got.End != pb.CallEnd_CALL_END_NO_ANSWER {
				t.Fatalf("after the restart: got %v, want no answer", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call still rings 30 s after a 2 s timeout: %v", got)
		}
		time.Sleep(100 * time.Millisecond) // polling the node's sweep
	}
	found := false
	for _, m := range history(t, s, b) {
		if m.Kind == pb.MessageKind_MESSAGE_KIND_CALL && m.GetCall().GetCall() == v.Id && m.GetCall().End == pb.CallEnd_CALL_END_NO_ANSWER {
			found = true
		}
	}
	if !found {
		t.Errorf("no no-answer record in the callee's history")
	}
}
