package node_test

import (
	"net/http/httptest"
	"testing"

	"hongyan/internal/bot"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
)

func TestGroupForwardAndInviteBatch(t *testing.T) {
	forEachEngineWith(t, func(*config.Config) {}, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_tools")
		bob := registerUser(t, srv, "bob_tools")
		carol := registerUser(t, srv, "carol_tools")
		dave := registerUser(t, srv, "dave_tools")
		erin := registerUser(t, srv, "erin_tools") // no contact of alice's
		for _, u := range []user{bob, carol, dave} {
			befriend(t, srv, alice, u)
		}
		a := session(t, srv, alice)
		src := createGroup(t, a, "Source", []int64{bob.id, carol.id}).Id
		g1 := createGroup(t, a, "One", []int64{bob.id, carol.id}).Id
		g2 := createGroup(t, a, "Two", []int64{bob.id, carol.id}).Id
		guardBot := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_GuardGet{GuardGet: &pb.GuardGetRequest{Group: g1}}}).GetGuardRules().Bot
		// The Guard is added to g1 only.
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g1, Bot: guardBot,
			Scopes: []string{bot.ScopeSend, bot.ScopeGroupsRead, bot.ScopeMembers}}}})

		sent := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: src, ClientId: "f1", Text: "周六活动报名"}}}).GetSent()
		res := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_GroupForward{GroupForward: &pb.GroupForwardRequest{FromGroup: src, Seq: sent.Seq, ToGroups: []int64{g1, g2}}}}).GetGroupToolResults().GetResults()
		if len(res) != 2 || res[0].ErrorCode != "" || res[1].ErrorCode != "permission_denied" {
			t.Fatalf("forward: %v; want g1 done, g2 refused (the Guard is not there)", res)
		}
		hist := call(t, session(t, srv, bob), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g1, Limit: 50}}}).GetMessages().GetMessages()
		if last := hist[len(hist)-1]; last.Text != "周六活动报名" {
			t.Fatalf("g1's last message %v; want the forwarded text", last)
		}
		// Bob, a member, manages neither group.
		res = call(t, session(t, srv, bob), &pb.ClientFrame{Req: &pb.ClientFrame_GroupForward{GroupForward: &pb.GroupForwardRequest{FromGroup: src, Seq: sent.Seq, ToGroups: []int64{g1}}}}).GetGroupToolResults().GetResults()
		if len(res) != 1 || res[0].ErrorCode != "permission_denied" {
			t.Fatalf("forward by a member: %v; want permission_denied", res)
		}

		// Batch invitations: dave (a contact) is invited, erin is not a
		// contact of the owner.
		res = call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInviteBatch{GroupInviteBatch: &pb.GroupInviteBatchRequest{Group: g1, Users: []int64{dave.id, erin.id}}}}).GetGroupToolResults().GetResults()
		if len(res) != 2 || res[0].ErrorCode != "" || res[1].ErrorCode == "" {
			t.Fatalf("batch invite: %v; want dave invited and erin refused", res)
		}
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInviteBatch{GroupInviteBatch: &pb.GroupInviteBatchRequest{Group: g2, Users: []int64{dave.id}}}}); code != "" {
			// g2 has no Guard: the per-user result says so.
			t.Fatalf("batch invite without the Guard: %q", code)
		}
	})
}
