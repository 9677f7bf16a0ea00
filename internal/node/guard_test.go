package node_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// guardLogUntil reads the Guard's log of group g until it holds n
// actions (the Guard acts from its event log, after the message is sent).
func guardLogUntil(t *testing.T, c *wsclient.Conn, g int64, n int) []*pb.GuardAction {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		log := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_GuardLog{GuardLog: &pb.GuardLogRequest{Group: g}}}).GetGuardLog().GetActions()
		if len(log) >= n {
			return log
		}
		if time.Now().After(deadline) {
			t.Fatalf("Guard log %v; want %d actions", log, n)
		}
		time.Sleep(100 * time.Millisecond) // polling a log another goroutine writes
	}
}

func TestGroupGuard(t *testing.T) {
	forEachEngineWith(t, func(*config.Config) {}, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_guard")
		bob := registerUser(t, srv, "bob_guard")
		carol := registerUser(t, srv, "carol_guard")
		befriend(t, srv, alice, bob)
		befriend(t, srv, alice, carol)
		a := session(t, srv, alice)
		bs := session(t, srv, bob)
		cs := session(t, srv, carol)
		g := createGroup(t, a, "Guarded", []int64{bob.id, carol.id}).Id

		// Only the owner and admins read and set the rules.
		get := &pb.ClientFrame{Req: &pb.ClientFrame_GuardGet{GuardGet: &pb.GuardGetRequest{Group: g}}}
		if code := callCode(cs, get); code != "permission_denied" {
			t.Fatalf("a member reads the rules: %q, want permission_denied", code)
		}
		rules := call(t, a, get).GetGuardRules()
		if rules.Bot == 0 || rules.BotAccount == 0 || rules.Enabled {
			t.Fatalf("rules at first: %v; want the Guard's bot named and nothing enabled", rules)
		}
		set := &pb.GuardRules{Group: g, Enabled: true, Keywords: []string{"Banana"}, RemoveMessage: true, RemoveMember: true, Warnings: 1}
		if code := callCode(cs, &pb.ClientFrame{Req: &pb.ClientFrame_GuardSet{GuardSet: set}}); code != "permission_denied" {
			t.Fatalf("a member sets the rules: %q, want permission_denied", code)
		}
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_GuardSet{GuardSet: &pb.GuardRules{Group: g, Enabled: true, Warnings: 99, RemoveMessage: true}}}); code != "invalid_argument" {
			t.Fatalf("99 warnings: %q, want invalid_argument", code)
		}
		got := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_GuardSet{GuardSet: set}}).GetGuardRules()
		if len(got.Keywords) != 1 || got.Keywords[0] != "banana" {
			t.Fatalf("rules set: %v", got)
		}

		// The owner adds the Guard with the grants it needs.
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: rules.Bot,
			Scopes: []string{bot.ScopeSend, bot.ScopeGroupsRead, bot.ScopeMembers}}}})

		// A first offence: the message is removed and bob warned.
		call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: "g1", Text: "cheap BANANA here"}}})
		log := guardLogUntil(t, a, g, 2)
		if log[1].Did != "remove_message" || log[0].Did != "warn" || log[0].User != bob.id || log[1].Error != "" || log[0].Error != "" {
			t.Fatalf("log after the first offence: %v", log)
		}
		hist := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g, Limit: 50}}}).GetMessages().GetMessages()
		for _, m := range hist {
			if m.Text == "cheap BANANA here" {
				t.Fatalf("the matching message is still there: %v", m)
			}
		}
		// A second: bob is removed.
		call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: "g2", Text: "banana again"}}})
		log = guardLogUntil(t, a, g, 4)
		if log[0].Did != "remove_member" || log[0].Error != "" {
			t.Fatalf("log after the second offence: %v", log)
		}
		// Undo: bob is invited back; a removed message cannot be restored.
		undo := func(id int64) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_GuardUndo{GuardUndo: &pb.GuardUndoRequest{Action: id}}}
		}
		if code := callCode(cs, undo(log[0].Id)); code != "not_found" {
			t.Fatalf("a member undoes: %q, want not_found", code)
		}
		u := call(t, a, undo(log[0].Id)).GetGuardAction()
		if u.Undone == 0 || u.UndoneBy != alice.id {
			t.Fatalf("undo: %v", u)
		}
		if code := callCode(a, undo(log[1].Id)); code != "failed_precondition" {
			t.Fatalf("undo of a removed message: %q, want failed_precondition", code)
		}
		if log := guardLogUntil(t, a, g, 5); log[0].Did != "reinvite" {
			t.Fatalf("log after undo: %v", log)
		}
	})
}
