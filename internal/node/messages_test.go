package node_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

func TestRecallReachesEveryDevice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ann, ben := registerUser(t, srv, "recall_ann"), registerUser(t, srv, "recall_ben")
		befriend(t, srv, ann, ben)
		a := session(t, srv, ann)
		sent := call(t, a, send(ben.id, "r1", "发错了 wrong chat")).GetSent()

		// Ben's two devices and Ann's second are live when the recall lands.
		var syncers []*wsclient.Syncer
		for _, u := range []user{ben, secondDevice(t, srv, ben), secondDevice(t, srv, ann)} {
			s := wsclient.NewSyncer(session(t, srv, u), 0)
			for !s.Live() {
				if _, err := s.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			syncers = append(syncers, s)
		}
		found := call(t, session(t, srv, ben), &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: &pb.SearchRequest{Query: "发错"}}}).GetMessages().GetMessages()
		if len(found) != 1 || found[0].Id != sent.Id {
			t.Fatalf("ben searches 发错: got %v, want the message", found)
		}
		if code := callCode(session(t, srv, ben), &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: sent.Id}}}); code != "permission_denied" {
			t.Errorf("ben recalls ann's message: got %q, want permission_denied", code)
		}
		recalled := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_Recall{Recall: &pb.RecallRequest{Message: sent.Id}}}).GetMessages().GetMessages()
		if len(recalled) != 1 || recalled[0].Kind != pb.MessageKind_MESSAGE_KIND_RECALLED {
			t.Fatalf("recall answer: got %v", recalled)
		}
		for i, s := range syncers {
			var got *pb.Message
			for got == nil {
				changes, err := s.Next(ctx)
				if err != nil {
					t.Fatalf("device %d: %v", i, err)
				}
				for _, ch := range changes {
					if m := ch.GetMessage(); m != nil && m.Id == sent.Id {
						got = m
					}
				}
			}
			if got.Kind != pb.MessageKind_MESSAGE_KIND_RECALLED || got.Text != "" || got.Seq != sent.Seq {
				t.Errorf("device %d: got %v, want the message recalled with no text", i, got)
			}
		}
		if found := call(t, session(t, srv, ben), &pb.ClientFrame{Req: &pb.ClientFrame_Search{Search: &pb.SearchRequest{Query: "发错"}}}).GetMessages().GetMessages(); len(found) != 0 {
			t.Errorf("search after recall: got %v, want nothing", found)
		}
	})
}

func TestDeleteForMeAndClearSyncToOwnDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		kim, lee := registerUser(t, srv, "delme_kim"), registerUser(t, srv, "delme_lee")
		befriend(t, srv, kim, lee)
		k := session(t, srv, kim)
		first := call(t, k, send(lee.id, "x1", "first")).GetSent()
		second := call(t, k, send(lee.id, "x2", "second")).GetSent()

		phone := wsclient.NewSyncer(session(t, srv, secondDevice(t, srv, lee)), 0)
		for !phone.Live() {
			if _, err := phone.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
		l := session(t, srv, lee)
		if code := callCode(session(t, srv, registerUser(t, srv, "delme_out")), &pb.ClientFrame{Req: &pb.ClientFrame_DeleteMessage{DeleteMessage: &pb.DeleteMessageRequest{Message: first.Id}}}); code != "not_found" {
			t.Errorf("a stranger deletes: got %q, want not_found", code)
		}
		call(t, l, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteMessage{DeleteMessage: &pb.DeleteMessageRequest{Message: first.Id}}})
		var removed *pb.MessageRef
		for removed == nil {
			changes, err := phone.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range changes {
				removed = ch.GetMessageRemoved()
			}
		}
		if removed.Conversation != first.Conversation || removed.Seq != first.Seq {
			t.Errorf("message_removed: got %v, want conversation %d seq %d", removed, first.Conversation, first.Seq)
		}
		// A new device of Lee never sees the deleted message; Kim still does.
		fresh := collect(t, session(t, srv, secondDevice(t, srv, lee)), 1)
		if len(fresh) != 1 || fresh[0].Id != second.Id {
			t.Errorf("lee's new device: got %v, want only the second message", fresh)
		}
		if got := collect(t, session(t, srv, kim), 2); len(got) != 2 {
			t.Errorf("kim's messages: got %d, want 2", len(got))
		}
		st := call(t, l, &pb.ClientFrame{Req: &pb.ClientFrame_SetConversation{SetConversation: &pb.ConversationStateRequest{Conversation: first.Conversation, Clear: true}}}).GetConversation()
		if st.ClearedSeq != second.Seq || st.Last != nil {
			t.Errorf("clear: got %v, want cleared to %d and no last message", st, second.Seq)
		}
		hist := call(t, l, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: first.Conversation}}}).GetMessages().GetMessages()
		if len(hist) != 0 {
			t.Errorf("lee's history after clearing: got %v, want nothing", hist)
		}
	})
}

func TestOwnCopyIsCompactOnlyOnTheSendingConnection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		olga, pete := registerUser(t, srv, "copy_olga"), registerUser(t, srv, "copy_pete")
		befriend(t, srv, olga, pete)
		follow := func(u user) (*wsclient.Conn, *wsclient.Syncer) {
			c := session(t, srv, u)
			s := wsclient.NewSyncer(c, 0)
			for !s.Live() {
				if _, err := s.Next(ctx); err != nil {
					t.Fatal(err)
				}
			}
			return c, s
		}
		sender, senderSync := follow(olga)
		_, otherSync := follow(secondDevice(t, srv, olga))
		sent := call(t, sender, send(pete.id, "compact-1", "twenty bytes of text")).GetSent()
		next := func(s *wsclient.Syncer) *pb.Message {
			for {
				changes, err := s.Next(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, ch := range changes {
					if m := ch.GetMessage(); m != nil {
						return m
					}
				}
			}
		}
		own, other := next(senderSync), next(otherSync)
		if own.Id != sent.Id || own.Seq != sent.Seq || own.ClientId != "compact-1" || own.Text != "" {
			t.Errorf("copy on the sending connection: got %v, want id, seq and client ID only", own)
		}
		if other.Id != sent.Id || other.Text != "twenty bytes of text" || other.Sender != olga.id {
			t.Errorf("copy on another device: got %v, want the whole message", other)
		}
	})
}

// A message kind the protocol does not define is refused as
// invalid_argument and sends nothing, whatever it would become if cast to a
// narrower type (256 used to be sent as text, 257 as an image).
func TestUnknownMessageKindsRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		a, b := registerUser(t, srv, "kind_a01"), registerUser(t, srv, "kind_b01")
		befriend(t, srv, a, b)
		ca := session(t, srv, a)
		for _, k := range []int32{256, 257, -1, 50, 99} {
			f := &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: b.id, ClientId: fmt.Sprint("k", k), Kind: pb.MessageKind(k), Text: "hi"}}}
			if got, want := callCode(ca, f), "invalid_argument"; got != want {
				t.Errorf("send of kind %d: got code %q, want %q", k, got, want)
			}
			bf := &pb.ClientFrame{Req: &pb.ClientFrame_Broadcast{Broadcast: &pb.BroadcastRequest{Peers: []int64{b.id}, ClientId: fmt.Sprint("bk", k), Kind: pb.MessageKind(k), Text: "hi"}}}
			if got, want := callCode(ca, bf), "invalid_argument"; got != want {
				t.Errorf("broadcast of kind %d: got code %q, want %q", k, got, want)
			}
		}
		// Nothing was sent: the first message b receives is the one sent next.
		call(t, ca, send(b.id, "after", "after"))
		if got := collect(t, session(t, srv, b), 1); got[0].Text != "after" {
			t.Errorf("b's first message: got %q, want %q", got[0].Text, "after")
		}
	})
}

// Undefined genders, official-account kinds and operator roles are refused
// too, not converted (257 used to become male, a subscription account, an
// admin), and nothing changes.
func TestUnknownGenderRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		c := session(t, srv, registerUser(t, srv, "gender_a1"))
		for _, g := range []int32{257, 258, -255, 3} {
			gender := pb.Gender(g)
			f := &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: &pb.UpdateProfileRequest{Gender: &gender}}}
			if got, want := callCode(c, f), "invalid_argument"; got != want {
				t.Errorf("gender %d: got code %q, want %q", g, got, want)
			}
		}
		if got := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_Me{Me: &pb.Empty{}}}).GetProfile().GetGender(); got != pb.Gender(0) {
			t.Errorf("gender after the refusals: got %v, want unset", got)
		}
		// Official accounts: a kind of 257 used to be a subscription
		// account, a role of 257 an admin.
		if got := callCode(c, oaReq(&pb.OaCreateRequest{Org: "Org", Name: "News", Kind: pb.OaKind(257)})); got != "invalid_argument" {
			t.Errorf("official account of kind 257: got %q, want invalid_argument", got)
		}
		acct := call(t, c, oaReq(&pb.OaCreateRequest{Org: "Org", Name: "News", Kind: pb.OaKind_OA_KIND_SERVICE})).GetOaCreated().GetAccount()
		other := registerUser(t, srv, "gender_b1")
		if got := callCode(c, oaReq(&pb.OaOperatorRequest{Account: acct.Id, User: other.id, Role: pb.OaRole(257)})); got != "invalid_argument" {
			t.Errorf("operator role 257: got %q, want invalid_argument", got)
		}
	})
}
