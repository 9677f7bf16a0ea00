package node_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// groupOfFriends registers n users and makes each a friend of the first.
func groupOfFriends(t *testing.T, srv *httptest.Server, prefix string, n int) []user {
	t.Helper()
	us := make([]user, n)
	for i := range us {
		us[i] = registerUser(t, srv, fmt.Sprintf("%suser%02d", prefix, i))
	}
	for _, u := range us[1:] {
		befriend(t, srv, us[0], u)
	}
	return us
}

func ids(us []user) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = u.id
	}
	return out
}

func createGroup(t *testing.T, c *wsclient.Conn, name string, members []int64) *pb.Group {
	t.Helper()
	return call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: name, Members: members}}}).GetGroup()
}

func groupSend(group int64, clientID, text string, mentions ...int64) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: group, ClientId: clientID, Text: text, Mentions: mentions}}}
}

// groupView syncs a device from cursor 0 until its change log is read to
// the head, and returns the messages of conversation conv in change-log
// order, plus whether it was told the group is gone for it.
func groupView(t *testing.T, c *wsclient.Conn, conv int64) (msgs []*pb.Message, removed bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := wsclient.NewSyncer(c, 0)
	for !s.Live() {
		changes, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range changes {
			if m := ch.GetMessage(); m != nil && m.Conversation == conv {
				msgs = append(msgs, m)
			}
			if ch.GetGroupRemoved() == conv {
				removed = true
			}
		}
	}
	return msgs, removed
}

// answerInvitations accepts every invitation waiting for u.
func answerInvitations(t *testing.T, c *wsclient.Conn) int {
	t.Helper()
	invs := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInvitations{GroupInvitations: &pb.Empty{}}}).GetGroupInvitations().GetInvitations()
	for _, inv := range invs {
		got := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: inv.Id, Accept: true}}}).GetGroupInvitation()
		if got.State != pb.InvitationState_INVITATION_STATE_JOINED {
			t.Fatalf("accepted invitation %d: got state %v, want joined", inv.Id, got.State)
		}
	}
	return len(invs)
}

// A group of 50 users, some on two devices: every device sees every message
// and notice in the same order, gapless, from the notice of its joining on.
func TestGroupOf50SeeTheSameOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "g50_", 50)
		owner := session(t, srv, us[0])
		g := createGroup(t, owner, "五十人", ids(us[1:40]))
		if g.MemberCount != 40 || g.Role != pb.GroupRole_GROUP_ROLE_OWNER {
			t.Fatalf("created group: got %d members, role %v; want 40, owner", g.MemberCount, g.Role)
		}
		// Above 40 members, invitees must accept before they join.
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: g.Id, Users: ids(us[40:])}}})
		if got := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_GetGroup{GetGroup: &pb.GroupRef{Group: g.Id}}}).GetGroup().MemberCount; got != 40 {
			t.Fatalf("after inviting 10 into a group of 40: got %d members, want 40 until they accept", got)
		}
		if code := callCode(session(t, srv, us[45]), groupSend(g.Id, "early", "not yet")); code != "not_found" {
			t.Errorf("an invitee who has not accepted sends: got %q, want not_found", code)
		}
		for _, u := range us[40:] {
			if n := answerInvitations(t, session(t, srv, u)); n != 1 {
				t.Fatalf("%s: got %d invitations, want 1", u.account, n)
			}
		}
		// Concurrent senders, with notices between their messages.
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				c := session(t, srv, us[i*5])
				for j := range 5 {
					if _, err := c.Call(context.Background(), groupSend(g.Id, fmt.Sprintf("m%d-%d", i, j), fmt.Sprintf("消息 %d/%d", i, j))); err != nil {
						t.Errorf("send: %v", err)
					}
				}
			})
		}
		name := "新名字"
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Name: &name}}})
		wg.Wait()
		ann := "明天开会"
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Announcement: &ann}}})

		devices := make([]user, 0, 55)
		devices = append(devices, us...)
		for _, u := range us[:5] {
			devices = append(devices, secondDevice(t, srv, u))
		}
		var ref []*pb.Message // the owner's view: everything
		for i, d := range devices {
			msgs, _ := groupView(t, session(t, srv, d), g.Id)
			if i == 0 {
				ref = msgs
				if len(ref) != 1+10+50+2 { // created, 10 joins, 50 messages, rename, announcement
					t.Fatalf("owner sees %d group messages, want 63", len(ref))
				}
			}
			if len(msgs) == 0 {
				t.Fatalf("%s (device %d) sees no group messages", d.account, d.device)
			}
			// Gapless from the first message it sees, and the same messages
			// as the owner at the same positions.
			first := msgs[0].Seq
			for j, m := range msgs {
				if m.Seq != first+int64(j) {
					t.Fatalf("%s: message %d has seq %d, want %d (gapless)", d.account, j, m.Seq, first+int64(j))
				}
				if want := ref[m.Seq-1]; m.Id != want.Id || m.Kind != want.Kind {
					t.Fatalf("%s: seq %d is message %d (%v), the owner's is %d (%v)", d.account, m.Seq, m.Id, m.Kind, want.Id, want.Kind)
				}
			}
			if last := msgs[len(msgs)-1]; last.Seq != ref[len(ref)-1].Seq {
				t.Errorf("%s: last seq %d, want %d", d.account, last.Seq, ref[len(ref)-1].Seq)
			}
			// Whoever joined first by invitation sees its own joining.
			if m := msgs[0]; m.Kind != pb.MessageKind_MESSAGE_KIND_NOTICE {
				t.Errorf("%s: first group message is %v, want the notice of joining", d.account, m.Kind)
			}
		}
		last := ref[len(ref)-1]
		if last.Notice.GetKind() != pb.NoticeKind_NOTICE_KIND_ANNOUNCEMENT || last.Notice.Text != ann || !last.MentionAll {
			t.Errorf("last notice: got %v, want the announcement alerting everyone", last)
		}
	})
}

// A member removed mid-conversation sees the notice of their removal and
// nothing after it, by sync, history, search and sending.
func TestRemovedMemberSeesNothingAfterRemoval(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "rm_", 3)
		owner, carol := session(t, srv, us[0]), session(t, srv, us[2])
		g := createGroup(t, owner, "", ids(us[1:]))
		call(t, carol, groupSend(g.Id, "c1", "before 之前"))
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[2].id}}}})
		after := call(t, owner, groupSend(g.Id, "o2", "after 之后")).GetSent()

		msgs, removed := groupView(t, session(t, srv, us[2]), g.Id)
		if !removed {
			t.Error("carol was not told the group is gone for her")
		}
		if n := len(msgs); n != 3 || msgs[n-1].Notice.GetKind() != pb.NoticeKind_NOTICE_KIND_REMOVED {
			t.Fatalf("carol's view: got %d messages ending %v, want created, hers, her removal", n, msgs[n-1])
		}
		hist := call(t, carol, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g.Id}}}).GetMessages().GetMessages()
		if len(hist) != 3 || hist[2].Seq >= after.Seq {
			t.Errorf("carol's history: got %d messages, want 3 ending before seq %d", len(hist), after.Seq)
		}
		if found := call(t, carol, &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: &pb.SearchRequest{Query: "之后"}}}).GetMessages().GetMessages(); len(found) != 0 {
			t.Errorf("carol finds %d messages sent after her removal, want 0", len(found))
		}
		if found := call(t, carol, &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: &pb.SearchRequest{Query: "之前"}}}).GetMessages().GetMessages(); len(found) != 1 {
			t.Errorf("carol finds %d of her own earlier messages, want 1", len(found))
		}
		if code := callCode(carol, groupSend(g.Id, "c2", "still here?")); code != "not_found" {
			t.Errorf("removed member sends: got %q, want not_found", code)
		}
		for _, c := range call(t, carol, &pb.ClientFrame{Req: &pb.ClientFrame_Conversations{Conversations: &pb.Empty{}}}).GetConversations().GetConversations() {
			if c.Group == g.Id && (c.Last.GetSeq() >= after.Seq || c.LastSeq != after.Seq) {
				t.Errorf("carol's chat list shows seq %d of %d, want her removal notice", c.Last.GetSeq(), c.LastSeq)
			}
		}
		bob, _ := groupView(t, session(t, srv, us[1]), g.Id)
		if bob[len(bob)-1].Id != after.Id {
			t.Errorf("bob's last group message: got %d, want %d", bob[len(bob)-1].Id, after.Id)
		}
	})
}

// Mentions: a mentioned member's chat counts unread mentions (alerting
// them even in a muted group); @all is for the owner and admins.
func TestMentions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "men_", 3)
		owner, bob := session(t, srv, us[0]), session(t, srv, us[1])
		g := createGroup(t, owner, "at", ids(us[1:]))
		muted := true
		call(t, bob, &pb.ClientFrame{Req: &pb.ClientFrame_SetConversation{SetConversation: &pb.ConversationStateRequest{Conversation: g.Id, Muted: &muted}}})
		call(t, owner, groupSend(g.Id, "a1", "@bob look", us[1].id))
		call(t, owner, groupSend(g.Id, "a2", "plain"))
		all := &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g.Id, ClientId: "a3", Text: "@all", MentionAll: true}}}
		call(t, owner, all)
		if code := callCode(bob, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g.Id, ClientId: "b1", Text: "@all", MentionAll: true}}}); code != "permission_denied" {
			t.Errorf("a plain member mentions all: got %q, want permission_denied", code)
		}
		if code := callCode(bob, groupSend(g.Id, "b2", "@stranger", 999999)); code != "invalid_argument" {
			t.Errorf("mention of a non-member: got %q, want invalid_argument", code)
		}
		for _, c := range call(t, bob, &pb.ClientFrame{Req: &pb.ClientFrame_Conversations{Conversations: &pb.Empty{}}}).GetConversations().GetConversations() {
			if c.Group != g.Id {
				continue
			}
			if c.UnreadMentions != 2 || c.Unread != 4 || !c.Muted {
				t.Errorf("bob's group chat: got %d unread, %d mentions, muted %v; want 4, 2, true", c.Unread, c.UnreadMentions, c.Muted)
			}
		}
	})
}

// Invitation rules: with approval on, a plain member's invitation waits
// for an admin; the group QR code lets anyone join until it is reset.
func TestApprovalAndQRJoin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "ap_", 4)
		stranger := registerUser(t, srv, "ap_stranger1")
		befriend(t, srv, us[1], us[3])
		owner, bob := session(t, srv, us[0]), session(t, srv, us[1])
		g := createGroup(t, owner, "审批", ids(us[1:3]))
		on := true
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Approval: &on}}})
		call(t, bob, &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[3].id}}}})
		if got := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_GetGroup{GetGroup: &pb.GroupRef{Group: g.Id}}}).GetGroup().MemberCount; got != 3 {
			t.Fatalf("member count after bob's invitation under approval: got %d, want 3", got)
		}
		invs := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInvitations{GroupInvitations: &pb.Empty{}}}).GetGroupInvitations().GetInvitations()
		if len(invs) != 1 || invs[0].Invitee != us[3].id || invs[0].State != pb.InvitationState_INVITATION_STATE_APPROVAL || invs[0].GroupName != "审批" {
			t.Fatalf("owner's invitations: got %v, want dave's awaiting approval", invs)
		}
		if code := callCode(bob, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: invs[0].Id, Accept: true}}}); code != "not_found" {
			t.Errorf("a plain member approves: got %q, want not_found", code)
		}
		got := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: invs[0].Id, Accept: true}}}).GetGroupInvitation()
		if got.State != pb.InvitationState_INVITATION_STATE_JOINED {
			t.Fatalf("approved: got %v, want joined", got.State)
		}

		qr := call(t, bob, &pb.ClientFrame{Req: &pb.ClientFrame_GroupQr{GroupQr: &pb.GroupQrRequest{Group: g.Id}}}).GetGroupQr()
		if qr.Code == "" || qr.Expires < time.Now().Add(6*24*time.Hour).UnixMilli() {
			t.Fatalf("group QR: got %v, want a code valid for 7 days", qr)
		}
		if code := callCode(bob, &pb.ClientFrame{Req: &pb.ClientFrame_GroupQr{GroupQr: &pb.GroupQrRequest{Group: g.Id, Reset_: true}}}); code != "permission_denied" {
			t.Errorf("a member resets the QR code: got %q, want permission_denied", code)
		}
		s := session(t, srv, stranger)
		inv := call(t, s, &pb.ClientFrame{Req: &pb.ClientFrame_JoinGroup{JoinGroup: &pb.JoinGroupRequest{Code: qr.Code}}}).GetGroupInvitation()
		if inv == nil || !inv.ByQr || inv.State != pb.InvitationState_INVITATION_STATE_APPROVAL {
			t.Fatalf("join by QR under approval: got %v, want an invitation awaiting approval", inv)
		}
		off := false
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Approval: &off}}})
		joined := call(t, s, &pb.ClientFrame{Req: &pb.ClientFrame_JoinGroup{JoinGroup: &pb.JoinGroupRequest{Code: qr.Code}}}).GetGroup()
		if joined.GetMemberCount() != 5 {
			t.Fatalf("join by QR: got %v, want a group of 5", joined)
		}
		fresh := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_GroupQr{GroupQr: &pb.GroupQrRequest{Group: g.Id, Reset_: true}}}).GetGroupQr()
		other := registerUser(t, srv, "ap_other1")
		if fresh.Code == qr.Code {
			t.Fatal("reset kept the old code")
		}
		if code := callCode(session(t, srv, other), &pb.ClientFrame{Req: &pb.ClientFrame_JoinGroup{JoinGroup: &pb.JoinGroupRequest{Code: qr.Code}}}); code != "not_found" {
			t.Errorf("join with a reset code: got %q, want not_found", code)
		}
		members := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_GroupMembers{GroupMembers: &pb.GroupRef{Group: g.Id}}}).GetGroupMembers().GetMembers()
		var got5 []int64
		for _, m := range members {
			got5 = append(got5, m.User)
		}
		want := []int64{us[0].id, us[1].id, us[2].id, us[3].id, stranger.id}
		slices.Sort(got5)
		slices.Sort(want)
		if !slices.Equal(got5, want) {
			t.Errorf("members: got %v, want %v", got5, want)
		}
	})
}

// Every group request checks who asks against what they touch.
func TestGroupAuthorisation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "gauth", 5)
		outsider := registerUser(t, srv, "gauthout")
		owner := session(t, srv, us[0])
		g := createGroup(t, owner, "auth", ids(us[1:4]))
		admin, member, muted := session(t, srv, us[1]), session(t, srv, us[2]), session(t, srv, us[3])
		out := session(t, srv, outsider)
		yes, name := true, "renamed"
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateMember{UpdateMember: &pb.UpdateMemberRequest{Group: g.Id, User: us[1].id, Admin: &yes}}})
		call(t, admin, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateMember{UpdateMember: &pb.UpdateMemberRequest{Group: g.Id, User: us[3].id, Muted: &yes}}})
		msg := call(t, owner, groupSend(g.Id, "o1", "hello")).GetSent()

		ref := &pb.GroupRef{Group: g.Id}
		cases := []struct {
			name string
			c    *wsclient.Conn
			f    *pb.ClientFrame
			want string
		}{
			{"outsider gets the group", out, &pb.ClientFrame{Req: &pb.ClientFrame_GetGroup{GetGroup: ref}}, "not_found"},
			{"outsider lists members", out, &pb.ClientFrame{Req: &pb.ClientFrame_GroupMembers{GroupMembers: ref}}, "not_found"},
			{"outsider sends", out, groupSend(g.Id, "x1", "hi"), "not_found"},
			{"outsider reads history", out, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g.Id}}}, "not_found"},
			{"outsider searches the chat", out, &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: &pb.SearchRequest{Query: "hello", Conversation: g.Id}}}, "not_found"},
			{"outsider sets chat state", out, &pb.ClientFrame{Req: &pb.ClientFrame_SetConversation{SetConversation: &pb.ConversationStateRequest{Conversation: g.Id, Pinned: &yes}}}, "not_found"},
			{"outsider forwards a group message", out, &pb.ClientFrame{Req: &pb.ClientFrame_Forward{Forward: &pb.ForwardRequest{Message: msg.Id, Peer: us[0].id, ClientId: "fw"}}}, "not_found"},
			{"outsider deletes a group message", out, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteMessage{DeleteMessage: &pb.DeleteMessageRequest{Message: msg.Id}}}, "not_found"},
			{"outsider invites", out, &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[4].id}}}}, "permission_denied"},
			{"outsider leaves", out, &pb.ClientFrame{Req: &pb.ClientFrame_LeaveGroup{LeaveGroup: ref}}, "not_found"},
			{"outsider asks for the QR code", out, &pb.ClientFrame{Req: &pb.ClientFrame_GroupQr{GroupQr: &pb.GroupQrRequest{Group: g.Id}}}, "not_found"},
			{"member removes a member", member, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[3].id}}}}, "permission_denied"},
			{"member renames", member, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Name: &name}}}, "permission_denied"},
			{"member mutes a member", member, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateMember{UpdateMember: &pb.UpdateMemberRequest{Group: g.Id, User: us[3].id, Muted: &yes}}}, "permission_denied"},
			{"member transfers ownership", member, &pb.ClientFrame{Req: &pb.ClientFrame_TransferGroup{TransferGroup: &pb.GroupUserRef{Group: g.Id, User: us[2].id}}}, "permission_denied"},
			{"member dissolves", member, &pb.ClientFrame{Req: &pb.ClientFrame_DissolveGroup{DissolveGroup: ref}}, "permission_denied"},
			{"member recalls the owner's message", member, &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: msg.Id}}}, "permission_denied"},
			{"member invites a stranger", member, &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{outsider.id}}}}, "permission_denied"},
			{"muted member sends", muted, groupSend(g.Id, "m1", "let me speak"), "permission_denied"},
			{"admin turns on approval", admin, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Approval: &yes}}}, "permission_denied"},
			{"admin makes an admin", admin, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateMember{UpdateMember: &pb.UpdateMemberRequest{Group: g.Id, User: us[2].id, Admin: &yes}}}, "permission_denied"},
			{"admin removes the owner", admin, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{us[0].id}}}}, "permission_denied"},
			{"admin resets the QR code", admin, &pb.ClientFrame{Req: &pb.ClientFrame_GroupQr{GroupQr: &pb.GroupQrRequest{Group: g.Id, Reset_: true}}}, "permission_denied"},
			{"owner removes a non-member", owner, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g.Id, Users: []int64{outsider.id}}}}, "not_found"},
			{"create a group with a stranger", member, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Members: []int64{us[0].id, outsider.id}}}}, "permission_denied"},
			{"create a group of one", owner, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Members: []int64{us[1].id}}}}, "invalid_argument"},
			{"join with a made-up code", out, &pb.ClientFrame{Req: &pb.ClientFrame_JoinGroup{JoinGroup: &pb.JoinGroupRequest{Code: "AAAAAAAAAAAAAAAAAAAAAAAAAA"}}}, "not_found"},
			{"answer someone else's invitation", out, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: 1, Accept: true}}}, "not_found"},
			{"send to a group and a peer at once", owner, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Group: g.Id, Peer: us[1].id, ClientId: "both", Text: "x"}}}, "invalid_argument"},
			{"group name too long", owner, &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: string(make([]rune, 31)), Members: ids(us[1:3])}}}, "invalid_argument"},
		}
		for _, tc := range cases {
			if got := callCode(tc.c, tc.f); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}
		// Nothing those requests tried happened.
		v := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_GetGroup{GetGroup: ref}}).GetGroup()
		if v.Name != "auth" || v.MemberCount != 4 || v.Approval || v.Dissolved || v.Owner != us[0].id {
			t.Errorf("group after refused requests: got %v", v)
		}
		// Ownership moves; then only the new owner may dissolve.
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_TransferGroup{TransferGroup: &pb.GroupUserRef{Group: g.Id, User: us[1].id}}})
		if code := callCode(owner, &pb.ClientFrame{Req: &pb.ClientFrame_DissolveGroup{DissolveGroup: ref}}); code != "permission_denied" {
			t.Errorf("former owner dissolves: got %q, want permission_denied", code)
		}
		call(t, admin, &pb.ClientFrame{Req: &pb.ClientFrame_DissolveGroup{DissolveGroup: ref}})
		if code := callCode(admin, groupSend(g.Id, "late", "anyone?")); code != "not_found" {
			t.Errorf("send to a dissolved group: got %q, want not_found", code)
		}
	})
}

// A recall in a group reaches every member's devices, under the same
// sequence, with the text gone.
func TestGroupRecallReachesEveryDevice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "grec", 4)
		owner := session(t, srv, us[0])
		g := createGroup(t, owner, "", ids(us[1:]))
		sent := call(t, session(t, srv, us[2]), groupSend(g.Id, "r1", "发错群了")).GetSent()
		call(t, session(t, srv, us[2]), &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: sent.Id}}})
		devices := append(append([]user{}, us...), secondDevice(t, srv, us[1]), secondDevice(t, srv, us[2]))
		for _, d := range devices {
			msgs, _ := groupView(t, session(t, srv, d), g.Id)
			var last *pb.Message
			for _, m := range msgs {
				if m.Id == sent.Id {
					last = m
				}
			}
			if last == nil || last.Kind != pb.MessageKind_MESSAGE_KIND_RECALLED || last.Text != "" || last.Seq != sent.Seq {
				t.Errorf("%s device %d: last copy of the message is %v, want it recalled at seq %d", d.account, d.device, last, sent.Seq)
			}
		}
		if found := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: &pb.SearchRequest{Query: "发错"}}}).GetMessages().GetMessages(); len(found) != 0 {
			t.Errorf("search finds the recalled message: %v", found)
		}
	})
}
