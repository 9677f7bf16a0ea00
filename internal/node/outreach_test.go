package node_test

import (
	"net/http/httptest"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
)

func TestOutreach(t *testing.T) {
	// The per-user limit of broadcasts is outreach's unit test: node tests
	// run without rate limits.
	forEachEngineWith(t, func(*config.Config) {}, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_out")
		bob := registerUser(t, srv, "bob_out")
		carol := registerUser(t, srv, "carol_out")
		dave := registerUser(t, srv, "dave_out")
		for _, u := range []user{bob, carol, dave} {
			befriend(t, srv, alice, u)
		}
		a := session(t, srv, alice)
		g1 := createGroup(t, a, "One", []int64{bob.id, carol.id}).Id
		g2 := createGroup(t, a, "Two", []int64{bob.id, dave.id}).Id

		// Bob is in both of my groups; carol and dave in one each.
		got := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_CommonMembers{CommonMembers: &pb.CommonMembersRequest{MinShared: 2}}}).GetCommonMembers()
		if len(got.People) != 1 || got.People[0].User != bob.id || len(got.People[0].Groups) != 2 {
			t.Fatalf("common members: %v; want bob in %d and %d", got, g1, g2)
		}
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_CommonMembers{CommonMembers: &pb.CommonMembersRequest{MinShared: 1}}}); code != "invalid_argument" {
			t.Fatalf("min_shared 1: %q, want invalid_argument", code)
		}
		// Carol sees only her groups: she shares one with bob.
		if got := call(t, session(t, srv, carol), &pb.ClientFrame{Req: &pb.ClientFrame_CommonMembers{CommonMembers: &pb.CommonMembersRequest{MinShared: 2}}}).GetCommonMembers(); len(got.People) != 0 {
			t.Fatalf("carol's common members: %v; want none", got)
		}

		// Tag two contacts as customers and broadcast to them.
		for _, u := range []user{bob, dave} {
			call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: u.id, Tags: []string{"客户"}, SetTags: true}}})
		}
		bc := func(id string) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_TagBroadcast{TagBroadcast: &pb.TagBroadcastRequest{Tag: "客户", Text: "新品到货", ClientId: id}}}
		}
		res := call(t, a, bc("tb1")).GetBroadcast().GetResults()
		if len(res) != 2 || res[0].Sent == nil || res[1].Sent == nil {
			t.Fatalf("broadcast by tag: %v; want two messages sent", res)
		}
		conv := res[0].Sent.Conversation
		if res[1].Peer == bob.id {
			conv = res[1].Sent.Conversation
		}
		hist := call(t, session(t, srv, bob), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: conv, Limit: 10}}}).GetMessages().GetMessages()
		if len(hist) == 0 || hist[len(hist)-1].Text != "新品到货" {
			t.Fatalf("bob's chat with alice: %v; want the broadcast last", hist)
		}
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_TagBroadcast{TagBroadcast: &pb.TagBroadcastRequest{Tag: "nobody", Text: "x", ClientId: "tb3"}}}); code != "failed_precondition" {
			t.Fatalf("a tag nobody carries: %q, want failed_precondition", code)
		}
	})
}
