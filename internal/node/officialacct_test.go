package node_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/node"
	oa "hongyan/internal/officialacct"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

// forEachEngineNode is forEachEngine with the node at hand.
func forEachEngineNode(t *testing.T, fn func(t *testing.T, n *node.Node, srv *httptest.Server)) {
	start := func(t *testing.T, cfg config.Config) {
		cfg.Limits = config.Limits{}
		cfg.PasswordCost = config.TestPasswordCost
		n, err := node.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatalf("node.New: %v", err)
		}
		srv := httptest.NewServer(n.Handler())
		t.Cleanup(func() {
			n.Close()
			srv.Close()
		})
		fn(t, n, srv)
	}
	t.Run("sqlite", func(t *testing.T) {
		cfg := config.Default()
		cfg.Data = t.TempDir()
		start(t, cfg)
	})
	t.Run("postgres", func(t *testing.T) {
		cfg := config.Default()
		cfg.Storage.Driver = "postgres"
		cfg.Storage.Postgres = pgtest.DSN(t)
		cfg.Data = t.TempDir()
		start(t, cfg)
	})
}

func oaReq(r any) *pb.ClientFrame {
	f := &pb.ClientFrame{}
	switch r := r.(type) {
	case *pb.OaCreateRequest:
		f.Req = &pb.ClientFrame_OaCreate{OaCreate: r}
	case *pb.OaOperatorRequest:
		f.Req = &pb.ClientFrame_OaSetOperator{OaSetOperator: r}
	case *pb.OaRule:
		f.Req = &pb.ClientFrame_OaAddRule{OaAddRule: r}
	case *pb.OaFollowerUpdate:
		f.Req = &pb.ClientFrame_OaUpdateFollower{OaUpdateFollower: r}
	case *pb.OaSendRequest:
		f.Req = &pb.ClientFrame_OaSend{OaSend: r}
	case *pb.OaBroadcastRequest:
		f.Req = &pb.ClientFrame_OaBroadcast{OaBroadcast: r}
	case *pb.OaArticle:
		f.Req = &pb.ClientFrame_OaSaveArticle{OaSaveArticle: r}
	default:
		panic("oaReq: unknown request")
	}
	return f
}

// Who may do what to an account: operators by role, a removed operator,
// a stranger, and a follower the account blocked.
func TestOfficialAccountAuthorisation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		owner, editor, analyst, fan, stranger := registerUser(t, srv, "oa_owner1"), registerUser(t, srv, "oa_editor1"),
			registerUser(t, srv, "oa_analyst1"), registerUser(t, srv, "oa_fan0001"), registerUser(t, srv, "oa_stranger1")
		o, e, a, f, s := session(t, srv, owner), session(t, srv, editor), session(t, srv, analyst), session(t, srv, fan), session(t, srv, stranger)
		acct := call(t, o, oaReq(&pb.OaCreateRequest{Org: "School", Name: "School News", Kind: pb.OaKind_OA_KIND_SERVICE})).GetOaCreated().GetAccount()
		id := acct.Id
		call(t, o, oaReq(&pb.OaOperatorRequest{Account: id, User: editor.id, Role: pb.OaRole_OA_ROLE_EDITOR}))
		call(t, o, oaReq(&pb.OaOperatorRequest{Account: id, User: analyst.id, Role: pb.OaRole_OA_ROLE_ANALYST}))
		rule := oaReq(&pb.OaRule{Account: id, Keyword: "exam", Reply: &pb.OaContent{Kind: "text", Text: "Exams start Monday."}})
		call(t, e, rule)
		rules := &pb.ClientFrame{Req: &pb.ClientFrame_OaRules{OaRules: &pb.OaRef{Account: id}}}
		if got := call(t, a, rules).GetOaRules().GetRules(); len(got) != 1 {
			t.Errorf("analyst reads rules: got %d, want 1", len(got))
		}
		for _, tc := range []struct {
			who  string
			c    *wsclient.Conn
			req  *pb.ClientFrame
			want string
		}{
			{"analyst adds a rule", a, rule, "permission_denied"},
			{"stranger adds a rule", s, rule, "permission_denied"},
			{"stranger reads rules", s, rules, "permission_denied"},
			{"editor adds an operator", e, oaReq(&pb.OaOperatorRequest{Account: id, User: stranger.id, Role: pb.OaRole_OA_ROLE_ADMIN}), "permission_denied"},
			{"editor resets the secret", e, &pb.ClientFrame{Req: &pb.ClientFrame_OaResetSecret{OaResetSecret: &pb.OaRef{Account: id}}}, "permission_denied"},
			{"owner removes the last admin", o, oaReq(&pb.OaOperatorRequest{Account: id, User: owner.id, Role: pb.OaRole_OA_ROLE_NONE}), "failed_precondition"},
			{"a rule for a missing account", o, oaReq(&pb.OaRule{Account: id + 1000, Keyword: "x", Reply: &pb.OaContent{Kind: "text", Text: "y"}}), "not_found"},
			{"a rule without a reply", o, oaReq(&pb.OaRule{Account: id, Keyword: "x"}), "invalid_argument"},
		} {
			if got := callCode(tc.c, tc.req); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.who, got, tc.want)
			}
		}
		// A removed editor is a stranger again.
		call(t, o, oaReq(&pb.OaOperatorRequest{Account: id, User: editor.id, Role: pb.OaRole_OA_ROLE_NONE}))
		if got := callCode(e, rule); got != "permission_denied" {
			t.Errorf("removed editor adds a rule: got %q, want permission_denied", got)
		}
		// Drafts are the operators' own.
		draft := call(t, o, oaReq(&pb.OaArticle{Account: id, Title: "Timetable", Body: []*pb.OaBlock{{Kind: "p", Text: "Monday: maths"}}})).GetOaArticle()
		read := &pb.ClientFrame{Req: &pb.ClientFrame_OaArticle{OaArticle: &pb.OaItemRef{Id: draft.Id}}}
		if got := callCode(s, read); got != "not_found" {
			t.Errorf("stranger reads a draft: got %q, want not_found", got)
		}
		call(t, a, read)
		call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_OaPublishArticle{OaPublishArticle: &pb.OaItemRef{Account: id, Id: draft.Id}}})
		if got := call(t, s, read).GetOaArticle(); got.Title != "Timetable" || !got.Published || got.Body[0].Text != "Monday: maths" {
			t.Errorf("stranger reads the published article: got %v", got)
		}
		// A blocked follower cannot write, and broadcasts skip them.
		call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_OaFollow{OaFollow: &pb.OaRef{Ref: acct.Appid}}})
		call(t, f, oaReq(&pb.OaSendRequest{Account: id, Text: "exam?"}))
		blocked := true
		call(t, o, oaReq(&pb.OaFollowerUpdate{Account: id, User: fan.id, Blocked: &blocked}))
		if got := callCode(f, oaReq(&pb.OaSendRequest{Account: id, Text: "hello?"})); got != "permission_denied" {
			t.Errorf("blocked follower writes: got %q, want permission_denied", got)
		}
		b := call(t, o, oaReq(&pb.OaBroadcastRequest{Account: id, All: true, Content: &pb.OaContent{Kind: "text", Text: "Holiday"}})).GetOaBroadcast()
		if b.Total != 0 {
			t.Errorf("broadcast with the only follower blocked: reached %d, want 0", b.Total)
		}
		if got := callCode(f, oaReq(&pb.OaBroadcastRequest{Account: id, All: true, Content: &pb.OaContent{Kind: "text", Text: "spam"}})); got != "permission_denied" {
			t.Errorf("follower broadcasts: got %q, want permission_denied", got)
		}
	})
}

// fakeDeveloper is a developer server: it records pushes and answers
// with reply (or fails with fail).
type fakeDeveloper struct {
	mu     sync.Mutex
	pushes []oa.Push
	reply  *oa.Content
	fail   bool
	verify error
}

func (d *fakeDeveloper) Push(ctx context.Context, p oa.Push) (*oa.Content, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pushes = append(d.pushes, p)
	if d.fail {
		return nil, errors.New("developer server down")
	}
	return d.reply, nil
}

func (d *fakeDeveloper) Verify(ctx context.Context, a oa.Account, s oa.Server) error { return d.verify }

func (d *fakeDeveloper) events() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, p := range d.pushes {
		if p.Event != "" {
			out = append(out, p.Event+":"+p.EventKey)
		} else {
			out = append(out, "msg:"+p.Message.Text)
		}
	}
	return out
}

// The developer side: the server configuration is verified before it is
// kept; pushes and passive replies; the fallback when the server fails;
// customer-service, template and mass messages as the account; OAuth codes
// work once; expiry.
func TestOfficialAccountDeveloper(t *testing.T) {
	forEachEngineNode(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		ctx := t.Context()
		svc := n.OfficialAccounts()
		dev := &fakeDeveloper{}
		svc.SetDeveloper(dev, dev)
		owner, fan := registerUser(t, srv, "dev_owner1"), registerUser(t, srv, "dev_fan001")
		op := hongyan.Caller{User: hongyan.UserID(owner.id)}
		me := hongyan.Caller{User: hongyan.UserID(fan.id)}
		cr, err := svc.Create(ctx, op, "Dev Org", "Dev Account", oa.KindService)
		if err != nil {
			t.Fatal(err)
		}
		id := cr.Account.ID
		dev.verify = errors.New("echostr mismatch")
		if _, err := svc.SetServer(ctx, op, id, oa.Server{URL: "https://dev.example/wx", Token: "tok123", Mode: oa.ModePlain}); err == nil {
			t.Errorf("SetServer with a failing verification: got no error")
		}
		if a, _ := svc.Account(ctx, id); a.Server.URL != "" {
			t.Errorf("a failed verification kept the new server %q", a.Server.URL)
		}
		dev.verify = nil
		if _, err := svc.SetServer(ctx, op, id, oa.Server{URL: "https://dev.example/wx", Token: "tok123", Mode: oa.ModeSafe, AESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}); err != nil {
			t.Fatalf("SetServer: %v", err)
		}
		dev.reply = &oa.Content{Kind: oa.ContentText, Text: "welcome from the server"}
		if _, err := svc.Follow(ctx, me, id); err != nil {
			t.Fatal(err)
		}
		dev.reply = nil
		if _, err := svc.Send(ctx, me, id, oa.Content{Kind: oa.ContentText, Text: "ping"}); err != nil {
			t.Fatal(err)
		}
		dev.fail = true
		if _, err := svc.Send(ctx, me, id, oa.Content{Kind: oa.ContentText, Text: "anyone?"}); err != nil {
			t.Fatal(err)
		}
		dev.fail = false
		if got, want := dev.events(), []string{"subscribe:", "msg:ping", "msg:anyone?"}; !slices.Equal(got, want) {
			t.Errorf("pushes: got %q, want %q", got, want)
		}
		app, err := svc.App(ctx, cr.Account.AppID)
		if err != nil {
			t.Fatal(err)
		}
		f, err := app.UserFan(ctx, me.User)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.SendCustom(ctx, f.OpenID, oa.Content{Kind: oa.ContentText, Text: "custom"}); err != nil {
			t.Errorf("SendCustom: %v", err)
		}
		if _, err := app.SendCustom(ctx, "oNoSuchOpenID", oa.Content{Kind: oa.ContentText, Text: "x"}); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("SendCustom to an unknown openid: got %v, want invalid", err)
		}
		tpl, err := app.AddTemplate(ctx, "Parcel", "Parcel {{no.DATA}} arrives {{when.DATA}}")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.SendTemplate(ctx, f.OpenID, tpl.ID, "https://dev.example/p/1", []oa.Field{{Name: "no", Value: "42"}, {Name: "when", Value: "today"}}); err != nil {
			t.Errorf("SendTemplate: %v", err)
		}
		if _, err := app.MassSend(ctx, true, 0, nil, oa.Content{Kind: oa.ContentText, Text: "mass"}); err != nil {
			t.Errorf("MassSend: %v", err)
		}
		svc.Wait()
		hist, err := svc.History(ctx, me, id, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(hist) - 1; i >= 0; i-- {
			if hist[i].Out {
				got = append(got, hist[i].Content.Text)
			}
		}
		want := []string{"welcome from the server", oa.Unavailable, "custom", "Parcel 42 arrives today", "mass"}
		if !slices.Equal(got, want) {
			t.Errorf("what the account sent: got %q, want %q", got, want)
		}
		ev := dev.events()
		if !slices.Contains(ev, "TEMPLATESENDJOBFINISH:") || !slices.Contains(ev, "MASSSENDJOBFINISH:") {
			t.Errorf("pushes: got %q, want both job events", ev)
		}
		// OAuth2: a code works once.
		code, fan2, err := svc.Authorize(ctx, me, cr.Account.AppID, "snsapi_userinfo", "https://app.example/cb")
		if err != nil || fan2.OpenID != f.OpenID {
			t.Fatalf("Authorize: %v; openid %q, want %q", err, fan2.OpenID, f.OpenID)
		}
		if g, err := app.Use(ctx, code, oa.GrantOAuthCode, true); err != nil || g.User != me.User || g.Scope != "snsapi_userinfo" {
			t.Errorf("redeem the code: got %+v, %v", g, err)
		}
		if _, err := app.Use(ctx, code, oa.GrantOAuthCode, true); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
			t.Errorf("redeem the code twice: got %v, want failed_precondition", err)
		}
		tok, _, err := app.Issue(ctx, oa.GrantAccessToken, 0, "", 2*time.Hour, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Use(ctx, tok, oa.GrantAccessToken, false); err != nil {
			t.Errorf("use a fresh access token: %v", err)
		}
		if err := app.Expire(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Use(ctx, tok, oa.GrantAccessToken, false); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
			t.Errorf("use an expired access token: got %v, want failed_precondition", err)
		}
	})
}
