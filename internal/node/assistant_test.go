package node_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// groupSays waits until group g's history, as c sees it, holds a message
// from sender whose text contains frag, checking on each push c gets.
func groupSays(t *testing.T, c *wsclient.Conn, g, sender int64, frag string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		hist := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g}}}).GetMessages().GetMessages()
		for _, m := range hist {
			if m.Sender == sender && strings.Contains(m.Text, frag) {
				return
			}
		}
		select {
		case <-c.Pushes():
		case <-time.After(time.Second): // a push may have come before the history was read
		case <-deadline:
			t.Fatalf("group %d: no message from %d with %q", g, sender, frag)
		}
	}
}

func assistantReq(r any) *pb.ClientFrame {
	switch q := r.(type) {
	case *pb.ClientFrame_AssistantEnable:
		return &pb.ClientFrame{Req: q}
	case *pb.ClientFrame_AssistantSetWelcome:
		return &pb.ClientFrame{Req: q}
	case *pb.ClientFrame_AssistantAddKeyword:
		return &pb.ClientFrame{Req: q}
	case *pb.ClientFrame_AssistantGet:
		return &pb.ClientFrame{Req: q}
	case *pb.ClientFrame_AssistantStats:
		return &pb.ClientFrame{Req: q}
	case *pb.ClientFrame_AssistantPutSchedule:
		return &pb.ClientFrame{Req: q}
	}
	panic("not an assistant request")
}

// The Group Assistant on a node: turned on by the group's owner, it
// welcomes a new member, answers a keyword, and counts — all through the
// bot API with its own token.
func TestAssistant(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_asst")
		bob := registerUser(t, srv, "bob_asst")
		carol := registerUser(t, srv, "carol_asst")
		befriend(t, srv, alice, bob)
		befriend(t, srv, alice, carol)
		dave := registerUser(t, srv, "dave_asst")
		befriend(t, srv, alice, dave)
		a := session(t, srv, alice)
		g := createGroup(t, a, "读书会", []int64{bob.id, carol.id}).Id

		bs := session(t, srv, bob)
		if code := callCode(bs, assistantReq(&pb.ClientFrame_AssistantEnable{AssistantEnable: &pb.AssistantEnableRequest{Group: g}})); code != "permission_denied" {
			t.Fatalf("a member turns the assistant on: %q, want permission_denied", code)
		}
		if code := callCode(a, assistantReq(&pb.ClientFrame_AssistantSetWelcome{AssistantSetWelcome: &pb.AssistantWelcomeRequest{Group: g, Text: "hi"}})); code != "failed_precondition" {
			t.Fatalf("a welcome before the assistant is on: %q, want failed_precondition", code)
		}
		v := call(t, a, assistantReq(&pb.ClientFrame_AssistantEnable{AssistantEnable: &pb.AssistantEnableRequest{Group: g}})).GetAssistant()
		if !v.On || v.BotAccount == 0 {
			t.Fatalf("after enable: %v", v)
		}
		bot := v.BotAccount
		call(t, a, assistantReq(&pb.ClientFrame_AssistantSetWelcome{AssistantSetWelcome: &pb.AssistantWelcomeRequest{Group: g, Text: "欢迎 {name}！"}}))
		call(t, a, assistantReq(&pb.ClientFrame_AssistantAddKeyword{AssistantAddKeyword: &pb.AssistantKeywordRequest{Group: g, Keyword: "群规", Reply: "请看群公告"}}))
		if code := callCode(a, assistantReq(&pb.ClientFrame_AssistantAddKeyword{AssistantAddKeyword: &pb.AssistantKeywordRequest{Group: g, Keyword: strings.Repeat("长", 31), Reply: "x"}})); code != "invalid_argument" {
			t.Fatalf("a keyword too long: %q, want invalid_argument", code)
		}

		// A new member is welcomed by name.
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: g, Users: []int64{dave.id}}}})
		groupSays(t, a, g, bot, "欢迎 dave_asst")

		// A keyword is answered.
		call(t, bs, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g, ClientId: "k1", Text: "群规是什么？"}}})
		groupSays(t, bs, g, bot, "请看群公告")

		// The statistics count bob's message and dave's join.
		st := call(t, a, assistantReq(&pb.ClientFrame_AssistantStats{AssistantStats: &pb.AssistantStatsRequest{Group: g, Days: 7}})).GetAssistantStats()
		if len(st.Days) != 7 {
			t.Fatalf("stats: got %d days, want 7", len(st.Days))
		}
		today := st.Days[6]
		if today.Joins != 1 || today.Messages < 1 || today.Active < 1 {
			t.Errorf("stats today: got %v, want 1 join and bob's message", today)
		}
		got := call(t, a, assistantReq(&pb.ClientFrame_AssistantGet{AssistantGet: &pb.AssistantRef{Group: g}})).GetAssistant()
		if !slices.ContainsFunc(got.Keywords, func(k *pb.AssistantKeyword) bool { return k.Keyword == "群规" }) {
			t.Errorf("keywords: got %v", got.Keywords)
		}
	})
}
