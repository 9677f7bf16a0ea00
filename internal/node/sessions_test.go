package node_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// kickedAndClosed waits until c was told it is signed out and closed.
func kickedAndClosed(t *testing.T, name string, c *wsclient.Conn) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	kicked := false
	for {
		select {
		case f, ok := <-c.Pushes():
			if ok && f.GetKicked() != nil {
				kicked = true
			}
			if ok {
				continue
			}
		case <-c.Done():
		case <-timeout:
			t.Fatalf("%s: connection still open", name)
		}
		break
	}
	if !kicked {
		// The push may have been read after the channel closed.
		for f := range c.Pushes() {
			if f.GetKicked() != nil {
				kicked = true
			}
		}
	}
	if !kicked {
		t.Errorf("%s: closed without being told it was signed out", name)
	}
}

// signedOut checks that token no longer opens a session, over WebSocket
// and over HTTP.
func signedOut(t *testing.T, srv *httptest.Server, name, token string) {
	t.Helper()
	if _, err := dial(t, srv).Hello(context.Background(), token); wsclient.ErrorCode(err) != "unauthenticated" {
		t.Errorf("%s: hello got %v, want unauthenticated", name, err)
	}
	if resp, _ := get(t, srv, user{token: token}, "/media/1"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("%s: GET /media/1 got %d, want %d", name, resp.StatusCode, http.StatusUnauthorized)
	}
}

// stillSignedIn checks that token works over WebSocket and HTTP.
func stillSignedIn(t *testing.T, srv *httptest.Server, name, token string) {
	t.Helper()
	if _, err := dial(t, srv).Hello(context.Background(), token); err != nil {
		t.Errorf("%s: hello got %v, want a session", name, err)
	}
	if resp, _ := get(t, srv, user{token: token}, "/media/1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("%s: GET /media/1 got %d, want %d (signed in, no such media)", name, resp.StatusCode, http.StatusNotFound)
	}
}

func TestPasswordChangeSignsOutOtherDevices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		owner := registerUser(t, srv, "pw_owner1")
		thief := secondDevice(t, srv, owner)
		other := registerUser(t, srv, "pw_other1")
		stillSignedIn(t, srv, "thief before the change", thief.token)
		mine, theirs, bystander := session(t, srv, owner), session(t, srv, thief), session(t, srv, other)

		call(t, mine, &pb.ClientFrame{Req: &pb.ClientFrame_ChangePassword{ChangePassword: &pb.ChangePasswordRequest{
			OldPassword: "password-pw_owner1", NewPassword: "the-owners-fix"}}})
		kickedAndClosed(t, "thief's connection", theirs)
		signedOut(t, srv, "thief's token", thief.token)

		// The owner's own device stays signed in and connected, and so
		// does everyone else.
		call(t, mine, &pb.ClientFrame{Req: &pb.ClientFrame_Me{Me: &pb.Empty{}}})
		stillSignedIn(t, srv, "owner's device", owner.token)
		call(t, bystander, &pb.ClientFrame{Req: &pb.ClientFrame_Me{Me: &pb.Empty{}}})
		devs := call(t, mine, &pb.ClientFrame{Req: &pb.ClientFrame_Devices{Devices: &pb.Empty{}}}).GetDevices().GetDevices()
		if len(devs) != 1 || devs[0].Id != owner.device {
			t.Errorf("devices after the change: got %v, want only the owner's %d", devs, owner.device)
		}
		// The old password opens nothing.
		if _, err := dial(t, srv).Login(context.Background(), &pb.LoginRequest{Login: "pw_owner1", Password: "password-pw_owner1"}); wsclient.ErrorCode(err) != "unauthenticated" {
			t.Errorf("login with the old password: got %v, want unauthenticated", err)
		}
	})
}

func TestRecoverySignsOutEveryDevice(t *testing.T) {
	srv, logs := startLoggedNode(t, config.Limits{})
	ctx := context.Background()
	code := verifiedCode(t, srv, logs, "phone", "+8613800000077")
	sess, err := dial(t, srv).Register(ctx, &pb.RegisterRequest{AccountId: "rec_owner1", Password: "password-rec_owner1", Phone: "+8613800000077", PhoneCode: code})
	if err != nil {
		t.Fatal(err)
	}
	owner := user{id: sess.User, account: "rec_owner1", token: sess.Token}
	thief := secondDevice(t, srv, owner)
	conns := map[string]*wsclient.Conn{"owner's old device": session(t, srv, owner), "thief": session(t, srv, thief)}

	c := dial(t, srv)
	if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_RecoveryCode{RecoveryCode: &pb.RecoveryCodeRequest{AccountId: "rec_owner1", Via: "phone"}}}); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`recovery code for rec_owner1 is (\d{6})`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no recovery code in the log:\n%s", logs)
	}
	fresh, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Recover{Recover: &pb.RecoverRequest{AccountId: "rec_owner1", Code: m[1], NewPassword: "recovered-pass", DeviceName: "new phone"}}})
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	for name, conn := range conns {
		kickedAndClosed(t, name, conn)
	}
	signedOut(t, srv, "owner's old device", owner.token)
	signedOut(t, srv, "thief", thief.token)
	stillSignedIn(t, srv, "the recovered device", fresh.GetSession().GetToken())
}

func dialFrom(t *testing.T, srv *httptest.Server, forwardedFor string) (*wsclient.Conn, error) {
	t.Helper()
	c, err := wsclient.Dial(context.Background(), srv.URL, wsclient.WithHeader(http.Header{"X-Forwarded-For": {forwardedFor}}))
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// Behind a trusted proxy, connection caps and the device list use the
// address the proxy names; anyone else's X-Forwarded-For is ignored.
func TestTrustedProxies(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		t.Run(fmt.Sprint("trusted=", trusted), func(t *testing.T) {
			cfg := config.Default()
			cfg.Data = t.TempDir()
			cfg.Gateway.MaxConnsPerAddress = 2
			if trusted {
				cfg.HTTP.TrustedProxies = []string{"127.0.0.0/8", "::1"}
			}
			srv := startNode(t, cfg)
			ctx := context.Background()
			c, err := dialFrom(t, srv, "6.6.6.6, 198.51.100.9")
			if err != nil {
				t.Fatal(err)
			}
			sess, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "proxied1", Password: "password-proxied1"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Hello(ctx, sess.Token); err != nil {
				t.Fatal(err)
			}
			devs := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_Devices{Devices: &pb.Empty{}}}).GetDevices().GetDevices()
			if got := devs[0].GetAddress(); trusted && got != "198.51.100.9" || !trusted && !strings.HasPrefix(got, "127.0.0.1:") {
				t.Errorf("device address: got %q, want the %s", got, map[bool]string{true: "client's the proxy names", false: "peer's"}[trusted])
			}
			// A second connection from the same client fills its cap of
			// two; a third is refused, while another client behind the
			// same proxy is served (if the proxy is trusted).
			if _, err := dialFrom(t, srv, "198.51.100.9"); err != nil {
				t.Fatalf("second connection: %v", err)
			}
			if _, err := dialFrom(t, srv, "198.51.100.9"); err == nil {
				t.Errorf("third connection from one client: got none refused")
			}
			if _, err := dialFrom(t, srv, "198.51.100.10"); (err == nil) != trusted {
				t.Errorf("another client behind the proxy: got %v, want served only if the proxy is trusted", err)
			}
		})
	}
}

// A user who hides from discovery cannot be told from no one by a
// stranger who knows their numeric ID: a friend request, a block and their
// QR code answer the same as for an ID nobody has.
func TestHiddenUsersLookLikeNoOne(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx := context.Background()
		hidden, stranger, friend := registerUser(t, srv, "hide_han1"), registerUser(t, srv, "hide_str1"), registerUser(t, srv, "hide_fri1")
		befriend(t, srv, hidden, friend)
		h := session(t, srv, hidden)
		call(t, h, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateSettings{UpdateSettings: &pb.UpdateSettingsRequest{
			FindByAccountId: proto.Bool(false), FindByPhone: proto.Bool(false)}}})
		nobody := hidden.id + 1
		for nobody == stranger.id || nobody == friend.id {
			nobody++
		}
		s := session(t, srv, stranger)
		request := func(c *wsclient.Conn, to int64) error {
			_, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: to, Greeting: "hi"}}})
			return err
		}
		errHidden, errNobody := request(s, hidden.id), request(s, nobody)
		if errHidden == nil || errNobody == nil || errHidden.Error() != errNobody.Error() {
			t.Errorf("request to a hidden user: got %v; to no one: got %v; want the same not_found", errHidden, errNobody)
		}
		if code := wsclient.ErrorCode(errHidden); code != "not_found" {
			t.Errorf("request to a hidden user: got %q, want not_found", code)
		}
		// Blocking answers the same too: an ID that belongs to no one is
		// blocked like a hidden user is.
		block := func(to int64) error {
			_, err := s.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: to, Blocked: true}}})
			return err
		}
		if errHidden, errNobody := block(hidden.id), block(nobody); errHidden != nil || errNobody != nil {
			t.Errorf("blocking a hidden user: got %v; no one: got %v; want both accepted", errHidden, errNobody)
		}
		qr := func(id int64) (int, []byte) {
			resp, body := get(t, srv, user{}, fmt.Sprintf("/qr/user/%d.svg", id))
			return resp.StatusCode, body
		}
		if st, _ := qr(hidden.id); st != http.StatusOK {
			t.Errorf("QR code of a hidden user: got %d, want %d (its owner shows it)", st, http.StatusOK)
		}
		if st, _ := qr(nobody); st != http.StatusOK {
			t.Errorf("QR code of an ID nobody has: got %d, want %d like any other", st, http.StatusOK)
		}

		// Someone they have a tie with still reaches them: a former friend
		// the hidden user still holds as a contact.
		f := session(t, srv, friend)
		call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteContact{DeleteContact: &pb.UserRef{User: hidden.id}}})
		if err := request(f, hidden.id); err != nil {
			t.Errorf("request from someone the hidden user holds as a contact: %v", err)
		}
		// Once findable again, strangers reach them.
		call(t, h, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateSettings{UpdateSettings: &pb.UpdateSettingsRequest{FindByAccountId: proto.Bool(true)}}})
		if err := request(s, hidden.id); err != nil {
			t.Errorf("request to a findable user: %v", err)
		}
	})
}

// Friend requests and searches are limited before anything is looked up:
// walking IDs that belong to no one spends the budget too.
func TestLookupsLimitedFirst(t *testing.T) {
	srv, _ := startLoggedNode(t, config.Limits{FriendRequestsPerHour: 3, SearchesPerMinute: 3})
	ctx := context.Background()
	walker, target := registerUser(t, srv, "walk_er01"), registerUser(t, srv, "walk_tgt1")
	w := session(t, srv, walker)
	for i := range 3 {
		if code := callCode(w, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: int64(1000 + i)}}}); code != "not_found" {
			t.Fatalf("request %d to no one: got %q, want not_found", i+1, code)
		}
		if code := callCode(w, &pb.ClientFrame{Req: &pb.ClientFrame_SearchUser{SearchUser: &pb.SearchUserRequest{Query: fmt.Sprintf("nobody_%d", i)}}}); code != "not_found" {
			t.Fatalf("search %d for no one: got %q, want not_found", i+1, code)
		}
	}
	if _, err := w.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: target.id}}}); wsclient.ErrorCode(err) != "rate_limited" {
		t.Errorf("fourth request, to a real user: got %v, want rate_limited", err)
	}
	if _, err := w.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_SearchUser{SearchUser: &pb.SearchUserRequest{Query: "walk_tgt1"}}}); wsclient.ErrorCode(err) != "rate_limited" {
		t.Errorf("fourth search, for a real user: got %v, want rate_limited", err)
	}
}

// Registering (or binding) a phone or e-mail needs the code sent to it, so
// the answer to someone who does not own it is the same whether or not the
// number belongs to an account — even one that hides from discovery.
func TestBindingNeedsTheCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ctx := context.Background()
		const taken, free, takenMail = "+8613700000001", "+8613700000002", "hana@example.org"
		pc, ec := verifiedCode(t, srv, nil, "phone", taken), verifiedCode(t, srv, nil, "email", takenMail)
		sess, err := dial(t, srv).Register(ctx, &pb.RegisterRequest{AccountId: "bind_hana", Password: "password-bind_hana", Phone: taken, PhoneCode: pc, Email: takenMail, EmailCode: ec})
		if err != nil {
			t.Fatalf("register with verified phone and e-mail: %v", err)
		}
		hana := session(t, srv, user{token: sess.Token})
		call(t, hana, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateSettings{UpdateSettings: &pb.UpdateSettingsRequest{
			FindByAccountId: proto.Bool(false), FindByPhone: proto.Bool(false)}}})
		if code := callCode(dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: "bind_hana2", Password: "password-x1", Phone: taken, PhoneCode: pc}}}); code != "unauthenticated" {
			t.Errorf("a used code again: got %q, want unauthenticated", code)
		}

		answer := func(r *pb.RegisterRequest) string {
			r.Password = "password-x1"
			_, err := dial(t, srv).Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Register{Register: r}})
			var e *wsclient.Error
			if !errors.As(err, &e) {
				return fmt.Sprint(err)
			}
			return e.Code + "/" + e.Reason + ": " + e.Message
		}
		m := session(t, srv, registerUser(t, srv, "bind_mal1"))
		for _, tc := range []struct{ name, takenOne, freeOne string }{
			{"no code", answer(&pb.RegisterRequest{AccountId: "bind_mal2", Phone: taken}), answer(&pb.RegisterRequest{AccountId: "bind_mal2", Phone: free})},
			{"wrong code", answer(&pb.RegisterRequest{AccountId: "bind_mal2", Phone: taken, PhoneCode: "123456"}), answer(&pb.RegisterRequest{AccountId: "bind_mal2", Phone: free, PhoneCode: "123456"})},
			{"e-mail, no code", answer(&pb.RegisterRequest{AccountId: "bind_mal2", Email: takenMail}), answer(&pb.RegisterRequest{AccountId: "bind_mal2", Email: "free@example.org"})},
		} {
			if tc.takenOne != tc.freeOne || strings.Contains(tc.takenOne, "taken") {
				t.Errorf("%s: taken number got %q, free one %q; want the same answer", tc.name, tc.takenOne, tc.freeOne)
			}
		}
		for _, to := range []string{taken, free} {
			if _, err := dial(t, srv).Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_VerifyContact{VerifyContact: &pb.VerifyContactRequest{Channel: "phone", To: to}}}); err != nil {
				t.Errorf("verify_contact %s: %v", to, err)
			}
		}
		bind := func(phone, code string) string {
			return callCode(m, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: &pb.UpdateProfileRequest{Phone: proto.String(phone), PhoneCode: code}}})
		}
		if a, b := bind(taken, ""), bind(free, ""); a != "invalid_argument" || b != a {
			t.Errorf("binding without a code: taken got %q, free %q; want invalid_argument for both", a, b)
		}
		// Whoever owns the number learns that it is bound: with its code.
		if code := bind(taken, verifiedCode(t, srv, nil, "phone", taken)); code != "already_exists" {
			t.Errorf("binding a bound number with its code: got %q, want already_exists", code)
		}
		if code := bind(free, verifiedCode(t, srv, nil, "phone", free)); code != "" {
			t.Errorf("binding a free number with its code: got %q, want success", code)
		}
		if code := callCode(dial(t, srv), &pb.ClientFrame{Req: &pb.ClientFrame_VerifyContact{VerifyContact: &pb.VerifyContactRequest{Channel: "fax", To: free}}}); code != "invalid_argument" {
			t.Errorf("verify_contact by fax: got %q, want invalid_argument", code)
		}
	})
}
