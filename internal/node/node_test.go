package node_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

type user struct {
	id      int64
	device  int64
	account string
	token   string
}

func dial(t *testing.T, srv *httptest.Server) *wsclient.Conn {
	t.Helper()
	c, err := wsclient.Dial(context.Background(), srv.URL)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// session dials and authenticates as u.
func session(t *testing.T, srv *httptest.Server, u user) *wsclient.Conn {
	t.Helper()
	c := dial(t, srv)
	if _, err := c.Hello(context.Background(), u.token); err != nil {
		t.Fatalf("hello as %s: %v", u.account, err)
	}
	return c
}

func registerUser(t *testing.T, srv *httptest.Server, account string) user {
	t.Helper()
	sess, err := dial(t, srv).Register(context.Background(), &pb.RegisterRequest{AccountId: account, Password: "password-" + account, Nickname: account})
	if err != nil {
		t.Fatalf("register %s: %v", account, err)
	}
	return user{id: sess.User, device: sess.Device, account: account, token: sess.Token}
}

// secondDevice signs u in on another device.
func secondDevice(t *testing.T, srv *httptest.Server, u user) user {
	t.Helper()
	sess, err := dial(t, srv).Login(context.Background(), &pb.LoginRequest{Login: u.account, Password: "password-" + u.account, DeviceName: "second"})
	if err != nil {
		t.Fatalf("login %s: %v", u.account, err)
	}
	return user{id: sess.User, device: sess.Device, account: u.account, token: sess.Token}
}

func call(t *testing.T, c *wsclient.Conn, f *pb.ClientFrame) *pb.ServerFrame {
	t.Helper()
	resp, err := c.Call(context.Background(), f)
	if err != nil {
		t.Fatalf("%T: %v", f.Req, err)
	}
	return resp
}

func callCode(c *wsclient.Conn, f *pb.ClientFrame) string {
	_, err := c.Call(context.Background(), f)
	return wsclient.ErrorCode(err)
}

func befriend(t *testing.T, srv *httptest.Server, a, b user) {
	t.Helper()
	fr := call(t, session(t, srv, a), &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: b.id, Greeting: "hi"}}})
	if fr.GetFriendRequest().GetState() == pb.RequestState_REQUEST_STATE_ACCEPTED {
		return
	}
	call(t, session(t, srv, b), &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{Request: fr.GetFriendRequest().GetId(), Accept: true}}})
}

func send(peer int64, clientID, text string) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: peer, ClientId: clientID, Text: text}}}
}

// collect syncs a device from cursor 0 and then follows live pushes until
// it has n messages, failing on any duplicate or out-of-order entry.
func collect(t *testing.T, c *wsclient.Conn, n int) []*pb.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s := wsclient.NewSyncer(c, 0)
	var msgs []*pb.Message
	last := int64(0)
	for len(msgs) < n {
		changes, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %d of %d messages: %v", len(msgs), n, err)
		}
		for _, ch := range changes {
			if ch.Seq != last+1 {
				t.Fatalf("change seq %d after %d: want gapless order", ch.Seq, last)
			}
			last = ch.Seq
			if m := ch.GetMessage(); m != nil {
				msgs = append(msgs, m)
			}
		}
	}
	return msgs
}

func TestConcurrentSendsReachEveryDeviceOnceInOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice, bob := registerUser(t, srv, "alice_node"), registerUser(t, srv, "bob_node1")
		befriend(t, srv, alice, bob)
		alice2, bob2 := secondDevice(t, srv, alice), secondDevice(t, srv, bob)

		// Devices that are live before the sends start.
		watchers := map[string]*wsclient.Conn{
			"alice2": session(t, srv, alice2), "bob": session(t, srv, bob), "bob2": session(t, srv, bob2),
		}
		const senders, each = 8, 25
		results := make(chan []*pb.Message, len(watchers))
		var wg sync.WaitGroup
		for name, c := range watchers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				msgs := collect(t, c, senders*each)
				t.Logf("%s received %d messages", name, len(msgs))
				results <- msgs
			}()
		}
		var sendWG sync.WaitGroup
		for s := range senders {
			sendWG.Add(1)
			go func() {
				defer sendWG.Done()
				c := session(t, srv, alice)
				for i := range each {
					if _, err := c.Call(context.Background(), send(bob.id, fmt.Sprintf("c%d-%d", s, i), fmt.Sprintf("text %d/%d", s, i))); err != nil {
						t.Errorf("send: %v", err)
						return
					}
				}
			}()
		}
		sendWG.Wait()
		wg.Wait()
		close(results)
		var first []*pb.Message
		for msgs := range results {
			for i, m := range msgs {
				if m.Seq != int64(i+1) {
					t.Fatalf("message %d has conversation seq %d, want %d", i, m.Seq, i+1)
				}
			}
			if first == nil {
				first = msgs
				continue
			}
			for i := range msgs {
				if msgs[i].Id != first[i].Id {
					t.Fatalf("devices disagree at %d: id %d vs %d", i, msgs[i].Id, first[i].Id)
				}
			}
		}
		// A device that connects afterwards catches up on the same history.
		late := collect(t, session(t, srv, alice), senders*each)
		for i := range late {
			if late[i].Id != first[i].Id {
				t.Fatalf("late device differs at %d: id %d vs %d", i, late[i].Id, first[i].Id)
			}
		}
	})
}

func TestSendIsIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice, bob := registerUser(t, srv, "alice_idem"), registerUser(t, srv, "bob_idem1")
		befriend(t, srv, alice, bob)
		c := session(t, srv, alice)
		a := call(t, c, send(bob.id, "same-id", "once")).GetSent()
		b := call(t, session(t, srv, secondDevice(t, srv, alice)), send(bob.id, "same-id", "once")).GetSent()
		if a.Id != b.Id || a.Seq != b.Seq {
			t.Fatalf("retry: got id %d seq %d, want id %d seq %d", b.Id, b.Seq, a.Id, a.Seq)
		}
		msgs := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: a.Conversation}}}).GetMessages().GetMessages()
		if len(msgs) != 1 {
			t.Fatalf("history after a retried send: got %d messages, want 1", len(msgs))
		}
	})
}

func TestAuthorisation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice, bob, carol := registerUser(t, srv, "alice_auth"), registerUser(t, srv, "bob_auth1"), registerUser(t, srv, "carol_auth")
		befriend(t, srv, bob, carol)
		bc := call(t, session(t, srv, bob), send(carol.id, "x1", "private")).GetSent().Conversation
		a := session(t, srv, alice)

		anon := dial(t, srv)
		if got := callCode(anon, send(bob.id, "y", "hi")); got != "unauthenticated" {
			t.Errorf("send before hello: got %q, want unauthenticated", got)
		}
		if _, err := anon.Hello(context.Background(), "not-a-token"); wsclient.ErrorCode(err) != "unauthenticated" {
			t.Errorf("hello with a bad token: got %v, want unauthenticated", err)
		}
		tests := []struct {
			name string
			req  *pb.ClientFrame
			want string
		}{
			{"send to a stranger", send(bob.id, "s1", "hi"), "failed_precondition"},
			{"history of others' chat", &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: bc}}}, "not_found"},
			{"mute others' chat", &pb.ClientFrame{Req: &pb.ClientFrame_SetConversation{SetConversation: &pb.ConversationStateRequest{Conversation: bc, Muted: proto.Bool(true)}}}, "not_found"},
			{"typing in others' chat", &pb.ClientFrame{Req: &pb.ClientFrame_Typing{Typing: &pb.TypingRequest{Conversation: bc}}}, "not_found"},
			{"profile of a stranger", &pb.ClientFrame{Req: &pb.ClientFrame_GetProfile{GetProfile: &pb.UserRef{User: bob.id}}}, "not_found"},
			{"edit a non-contact", &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: bob.id, Remark: proto.String("x")}}}, "not_found"},
			{"revoke another's device", &pb.ClientFrame{Req: &pb.ClientFrame_RevokeDevice{RevokeDevice: &pb.DeviceRef{Device: bob.device}}}, "not_found"},
			{"empty request", &pb.ClientFrame{}, "unimplemented"},
			{"unknown kind", &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: alice.id, ClientId: "k", Kind: 99, Text: "x"}}}, "invalid_argument"},
			{"empty text", send(alice.id, "e", ""), "invalid_argument"},
			{"too long text", send(alice.id, "l", strings.Repeat("长", 4001)), "too_large"},
			{"no client id", send(alice.id, "", "x"), "invalid_argument"},
			{"bad account id", &pb.ClientFrame{Req: &pb.ClientFrame_ChangeAccountId{ChangeAccountId: &pb.ChangeAccountIDRequest{AccountId: "1bad"}}}, "invalid_argument"},
			{"long signature", &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: &pb.UpdateProfileRequest{Signature: proto.String(strings.Repeat("a", 31))}}}, "invalid_argument"},
			{"html avatar", &pb.ClientFrame{Req: &pb.ClientFrame_SetAvatar{SetAvatar: &pb.SetAvatarRequest{Image: []byte("<html><script>alert(1)</script>")}}}, "invalid_argument"},
			{"negative cursor", &pb.ClientFrame{Req: &pb.ClientFrame_Sync{Sync: &pb.SyncRequest{After: -1}}}, "invalid_argument"},
		}
		for _, tt := range tests {
			if got := callCode(a, tt.req); got != tt.want {
				t.Errorf("%s: got code %q, want %q", tt.name, got, tt.want)
			}
		}
		// Nothing above changed Bob and Carol's chat.
		msgs := call(t, session(t, srv, carol), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: bc}}}).GetMessages().GetMessages()
		if len(msgs) != 1 || msgs[0].Text != "private" {
			t.Errorf("bob–carol history: got %v, want the one message", msgs)
		}

		// Blocking: Carol blocks Bob; his messages and requests are refused.
		cc := session(t, srv, carol)
		call(t, cc, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: bob.id, Blocked: true}}})
		b := session(t, srv, bob)
		if got := callCode(b, send(carol.id, "b1", "hello?")); got != "permission_denied" {
			t.Errorf("send to someone who blocked you: got %q, want permission_denied", got)
		}
		call(t, cc, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteContact{DeleteContact: &pb.UserRef{User: bob.id}}})
		if got := callCode(b, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: carol.id}}}); got != "permission_denied" {
			t.Errorf("friend request to someone who blocked you: got %q, want permission_denied", got)
		}
	})
}

func TestMalformedFrames(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx := context.Background()
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		expectError := func(what string) {
			t.Helper()
			_, data, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("%s: read: %v", what, err)
			}
			var f pb.ServerFrame
			if err := proto.Unmarshal(data, &f); err != nil || f.GetError().GetCode() != "invalid_argument" {
				t.Fatalf("%s: got %v (%v), want an invalid_argument error", what, &f, err)
			}
		}
		ws.Write(ctx, websocket.MessageBinary, []byte{0xff, 0xff, 0xff, 0x01, 0x02})
		expectError("garbage frame")
		ws.Write(ctx, websocket.MessageText, []byte(`{"send":{}}`))
		expectError("text frame")
		// The connection still works.
		ping, _ := proto.Marshal(&pb.ClientFrame{Id: 7, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
		ws.Write(ctx, websocket.MessageBinary, ping)
		_, data, err := ws.Read(ctx)
		var f pb.ServerFrame
		if err != nil || proto.Unmarshal(data, &f) != nil || f.Id != 7 || f.GetPong() == nil {
			t.Fatalf("ping after bad frames: got %v (%v), want pong 7", &f, err)
		}
		// An oversized frame closes the connection with 1009.
		ws.Write(ctx, websocket.MessageBinary, make([]byte, 3<<20))
		_, _, err = ws.Read(ctx)
		if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig {
			t.Fatalf("oversized frame: got close status %v (%v), want 1009", got, err)
		}
	})
}

func TestRevokedDeviceIsKickedAtOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_kick")
		phone := secondDevice(t, srv, alice)
		pc := session(t, srv, phone)
		hello, err := session(t, srv, alice).Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_Devices{Devices: &pb.Empty{}}})
		if err != nil {
			t.Fatal(err)
		}
		var phoneID int64
		for _, d := range hello.GetDevices().GetDevices() {
			if !d.Current {
				phoneID = d.Id
			}
		}
		if len(hello.GetDevices().GetDevices()) != 2 || phoneID == 0 {
			t.Fatalf("devices: got %v, want two", hello.GetDevices())
		}
		call(t, session(t, srv, alice), &pb.ClientFrame{Req: &pb.ClientFrame_RevokeDevice{RevokeDevice: &pb.DeviceRef{Device: phoneID}}})
		var kicked bool
		for f := range pc.Pushes() {
			if f.GetKicked() != nil {
				kicked = true
			}
		}
		if !kicked {
			t.Errorf("revoked device: connection ended without a kicked push")
		}
		select {
		case <-pc.Done():
		case <-time.After(10 * time.Second):
			t.Fatalf("revoked device's connection is still open")
		}
		if _, err := dial(t, srv).Hello(context.Background(), phone.token); wsclient.ErrorCode(err) != "unauthenticated" {
			t.Fatalf("hello with a revoked token: got %v, want unauthenticated", err)
		}
	})
}

func TestConversationStateSyncsAcrossDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice, bob := registerUser(t, srv, "alice_state"), registerUser(t, srv, "bob_state")
		befriend(t, srv, alice, bob)
		b := session(t, srv, bob)
		var conv int64
		for i := range 3 {
			conv = call(t, b, send(alice.id, fmt.Sprint("u", i), "unread")).GetSent().Conversation
		}
		a1 := session(t, srv, alice)
		list := call(t, a1, &pb.ClientFrame{Req: &pb.ClientFrame_Conversations{Conversations: &pb.Empty{}}}).GetConversations().GetConversations()
		if len(list) != 1 || list[0].Unread != 3 || list[0].Peer != bob.id || list[0].GetLast().GetText() != "unread" {
			t.Fatalf("chat list: got %v, want one chat with bob, 3 unread", list)
		}
		// Another device of Alice follows live while the first changes state.
		a2 := session(t, srv, secondDevice(t, srv, alice))
		syncer := wsclient.NewSyncer(a2, 0)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for !syncer.Live() {
			if _, err := syncer.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
		call(t, a1, &pb.ClientFrame{Req: &pb.ClientFrame_SetConversation{SetConversation: &pb.ConversationStateRequest{
			Conversation: conv, Muted: proto.Bool(true), Pinned: proto.Bool(true), Draft: proto.String("草稿"), ReadSeq: 2}}})
		var st *pb.ConversationState
		for st == nil {
			changes, err := syncer.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ch := range changes {
				if c := ch.GetConversation(); c != nil {
					st = c
				}
			}
		}
		if !st.Muted || !st.Pinned || st.Draft != "草稿" || st.ReadSeq != 2 || st.Unread != 1 {
			t.Fatalf("state on the other device: got %v, want muted, pinned, draft, read 2, 1 unread", st)
		}
		// Typing reaches the peer and is not stored.
		call(t, a1, &pb.ClientFrame{Req: &pb.ClientFrame_Typing{Typing: &pb.TypingRequest{Conversation: conv}}})
		for f := range b.Pushes() {
			if ty := f.GetTyping(); ty != nil {
				if ty.User != alice.id || ty.Conversation != conv {
					t.Fatalf("typing push: got %v", ty)
				}
				break
			}
		}
	})
}

func TestQRLoginRaces(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice, bob := registerUser(t, srv, "alice_qr1"), registerUser(t, srv, "bob_qr001")
		newDev := dial(t, srv)
		start := call(t, newDev, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginStart{QrLoginStart: &pb.QrLoginStartRequest{DeviceName: "Web 浏览器"}}}).GetQrLogin()
		if len(start.Code) < 22 || start.Secret == "" || !strings.Contains(start.Url, start.Code) {
			t.Fatalf("qr_login_start: got %v", start)
		}
		if time.Until(time.UnixMilli(start.Expires)) > 2*time.Minute {
			t.Fatalf("code expires at %v: more than 2 minutes away", time.UnixMilli(start.Expires))
		}
		inspect := call(t, session(t, srv, alice), &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginInspect{QrLoginInspect: &pb.QrCodeRef{Code: start.Code}}}).GetQrLogin()
		if inspect.DeviceName != "Web 浏览器" || inspect.Address == "" {
			t.Fatalf("inspect: got %v, want the device name and address", inspect)
		}
		// Alice and Bob race to confirm: exactly one wins.
		codes := make(chan string, 2)
		for _, u := range []user{alice, bob} {
			c := session(t, srv, u)
			go func() {
				codes <- callCode(c, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginConfirm{QrLoginConfirm: &pb.QrCodeRef{Code: start.Code}}})
			}()
		}
		got := []string{<-codes, <-codes}
		if !(got[0] == "" && got[1] == "failed_precondition" || got[1] == "" && got[0] == "failed_precondition") {
			t.Fatalf("racing confirmations: got codes %q, want one success and one failed_precondition", got)
		}
		// The wrong secret cannot claim; the right one can, once.
		claim := func(secret string) (*pb.ServerFrame, error) {
			return newDev.Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginClaim{QrLoginClaim: &pb.QrLoginClaimRequest{Code: start.Code, Secret: secret, WaitMs: 1000}}})
		}
		if _, err := claim("wrong"); wsclient.ErrorCode(err) != "unauthenticated" {
			t.Fatalf("claim with a wrong secret: got %v, want unauthenticated", err)
		}
		res, err := claim(start.Secret)
		if err != nil || res.GetQrLogin().GetSession().GetToken() == "" {
			t.Fatalf("claim: got %v, %v; want a session", res, err)
		}
		if _, err := claim(start.Secret); wsclient.ErrorCode(err) != "failed_precondition" {
			t.Fatalf("second claim: got %v, want failed_precondition", err)
		}
		who, err := dial(t, srv).Hello(context.Background(), res.GetQrLogin().GetSession().GetToken())
		if err != nil || (who.User != alice.id && who.User != bob.id) {
			t.Fatalf("hello with the QR session: got %v, %v", who, err)
		}
	})
}

func TestQRLoginWaitsForConfirmation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_qrw")
		newDev := dial(t, srv)
		start := call(t, newDev, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginStart{QrLoginStart: &pb.QrLoginStartRequest{DeviceName: "laptop"}}}).GetQrLogin()
		done := make(chan *pb.ServerFrame, 1)
		go func() {
			f, err := newDev.Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginClaim{QrLoginClaim: &pb.QrLoginClaimRequest{Code: start.Code, Secret: start.Secret, WaitMs: 60000}}})
			if err != nil {
				t.Errorf("claim: %v", err)
			}
			done <- f
		}()
		call(t, session(t, srv, alice), &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginConfirm{QrLoginConfirm: &pb.QrCodeRef{Code: start.Code}}})
		f := <-done
		if f.GetQrLogin().GetSession().GetUser() != alice.id {
			t.Fatalf("waiting claim: got %v, want alice's session", f)
		}
	})
}

func TestHTTPEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_http")
		png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 32))
		prof := call(t, session(t, srv, alice), &pb.ClientFrame{Req: &pb.ClientFrame_SetAvatar{SetAvatar: &pb.SetAvatarRequest{Image: png}}}).GetProfile()
		tests := []struct {
			path, wantType string
			wantStatus     int
		}{
			{"/healthz", "", 200},
			{"/readyz", "", 200},
			{"/metrics", "", 404}, // on the admin listener (see TestHostsAndMetrics)
			{prof.Avatar, "image/png", 200},
			{"/avatar/" + strings.Repeat("0", 64), "", 404},
			{fmt.Sprintf("/qr/user/%d.png", alice.id), "image/png", 200},
			{fmt.Sprintf("/qr/user/%d.svg", alice.id), "image/svg+xml", 200},
			{"/qr/user/999999.png", "image/png", 200}, // drawn without a lookup: it tells nothing
			{"/qr/user/abc.png", "", 404},
			{"/qr/user/007.png", "", 404},
			{"/qr/login/AAAAAAAAAAAAAAAAAAAAAA.png", "image/png", 200},
			{"/qr/login/<script>.png", "", 404},
		}
		for _, tt := range tests {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("GET %s: got status %d, want %d", tt.path, resp.StatusCode, tt.wantStatus)
			}
			if tt.wantType != "" {
				if got := resp.Header.Get("Content-Type"); got != tt.wantType {
					t.Errorf("GET %s: got type %q, want %q", tt.path, got, tt.wantType)
				}
				if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("GET %s: got X-Content-Type-Options %q, want nosniff", tt.path, got)
				}
			}
		}
	})
}
