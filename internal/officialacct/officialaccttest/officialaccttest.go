// Package officialaccttest is the conformance suite of officialacct.Store:
// every storage engine runs it.
package officialaccttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) oa.Store) {
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open(t)) })
	t.Run("Fans", func(t *testing.T) { testFans(t, open(t)) })
	t.Run("Tags", func(t *testing.T) { testTags(t, open(t)) })
	t.Run("Authoring", func(t *testing.T) { testAuthoring(t, open(t)) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, open(t)) })
	t.Run("Broadcast", func(t *testing.T) { testBroadcast(t, open(t)) })
	t.Run("Grants", func(t *testing.T) { testGrants(t, open(t)) })
	t.Run("Media", func(t *testing.T) { testMedia(t, open(t)) })
	t.Run("Forum", func(t *testing.T) { testForum(t, open(t)) })
	t.Run("ForumRules", func(t *testing.T) { testForumRules(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func code(err error) hongyan.Code { return hongyan.ErrorCode(err) }

// newAccount makes an organisation named org (owned by user 1) and an
// account n in it, operated by user 1.
func newAccount(t *testing.T, s oa.Store, org string, n int, kind oa.Kind) oa.Account {
	t.Helper()
	o, err := s.EnsureOrg(t.Context(), org, 1, T0)
	if err != nil {
		t.Fatalf("EnsureOrg: %v", err)
	}
	a, err := s.CreateAccount(t.Context(), oa.Account{
		Org: o.ID, AppID: fmt.Sprintf("wx%016x", n), OriginalID: fmt.Sprintf("gh_%012x", n), Name: fmt.Sprintf("Acct %d 报社", n),
		Kind: kind, SecretHash: oa.HashToken("secret"), Created: T0,
	}, 1)
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	return a
}

func follow(t *testing.T, s oa.Store, a oa.Account, user hongyan.UserID, at time.Time) oa.Fan {
	t.Helper()
	f, _, _, err := s.Follow(t.Context(), a.ID, user, oa.Follow{
		OpenID: fmt.Sprintf("o%d_%d", a.ID, user), UnionID: fmt.Sprintf("u%d_%d", a.Org, user), Scene: oa.SceneSearch, At: at,
	}, nil)
	if err != nil {
		t.Fatalf("Follow: %v", err)
	}
	return f
}

func testAccounts(t *testing.T, s oa.Store) {
	ctx := t.Context()
	o1, err := s.EnsureOrg(ctx, "Shop", 1, T0)
	if err != nil {
		t.Fatal(err)
	}
	o2, err := s.EnsureOrg(ctx, "Shop", 2, T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o1, o2); diff != "" || o1.Owner != 1 || !o1.Created.Equal(T0) {
		t.Errorf("EnsureOrg twice (-first +second):\n%s; first %+v", diff, o1)
	}
	if got, err := s.Org(ctx, o1.ID); err != nil || got != o1 {
		t.Errorf("Org: got %+v, %v; want %+v", got, err, o1)
	}
	welcome := &oa.Content{Kind: oa.ContentText, Text: "欢迎"}
	a := newAccount(t, s, "Shop", 1, oa.KindService)
	a.Settings = oa.Settings{Welcome: welcome, Menu: &oa.Menu{Buttons: []oa.Button{{Name: "Today", Type: "click", Key: "K"}}},
		Server: oa.Server{URL: "http://x/", Token: "tok", Mode: oa.ModePlain}, IPAllow: []string{"127.0.0.1"},
		OAuthDomains: []string{"app.example.org", "127.0.0.1:18600"}}
	if err := s.SetSettings(ctx, a.ID, a.Settings); err != nil {
		t.Fatal(err)
	}
	got, err := s.AccountByAppID(ctx, a.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("AccountByAppID (-want +got):\n%s", diff)
	}
	if _, err := s.CreateAccount(ctx, oa.Account{Org: o1.ID, AppID: a.AppID, OriginalID: "gh_other", Name: "x", Created: T0}, 1); code(err) != hongyan.CodeExists {
		t.Errorf("CreateAccount with a taken AppID: got %v, want already_exists", err)
	}
	if _, err := s.Account(ctx, a.ID+100); code(err) != hongyan.CodeNotFound {
		t.Errorf("Account of a missing ID: got %v, want not found", err)
	}
	a.Name, a.Intro, a.Avatar, a.Verified = "Daily News", "intro", "/avatar/x", true
	if err := s.UpdateProfile(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSecretHash(ctx, a.ID, oa.HashToken("new")); err != nil {
		t.Fatal(err)
	}
	b := newAccount(t, s, "Other", 2, oa.KindSubscription)
	for _, tc := range []struct {
		q    string
		want []oa.AccountID
	}{
		{"daily", []oa.AccountID{a.ID}},
		{"报社", []oa.AccountID{b.ID}},
		{a.AppID, []oa.AccountID{a.ID}},
		{b.OriginalID, []oa.AccountID{b.ID}},
		{"%", nil},
	} {
		as, err := s.SearchAccounts(ctx, tc.q, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []oa.AccountID
		for _, x := range as {
			ids = append(ids, x.ID)
		}
		if !cmp.Equal(ids, tc.want) {
			t.Errorf("SearchAccounts(%q): got %v, want %v", tc.q, ids, tc.want)
		}
	}
	got, _ = s.Account(ctx, a.ID)
	if got.Name != "Daily News" || !got.Verified || !oa.CheckSecret(got, "new") || oa.CheckSecret(got, "secret") {
		t.Errorf("after UpdateProfile and SetSecretHash: got %+v", got)
	}
	// Operators.
	if r, err := s.Operator(ctx, a.ID, 1); err != nil || r != oa.RoleAdmin {
		t.Errorf("creator's role: got %v, %v; want admin", r, err)
	}
	if r, err := s.Operator(ctx, a.ID, 9); err != nil || r != oa.RoleNone {
		t.Errorf("stranger's role: got %v, %v; want none", r, err)
	}
	if err := s.SetOperator(ctx, a.ID, 3, oa.RoleEditor); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOperator(ctx, a.ID, 3, oa.RoleAnalyst); err != nil {
		t.Fatal(err)
	}
	ops, err := s.Operators(ctx, a.ID)
	if want := map[hongyan.UserID]oa.Role{1: oa.RoleAdmin, 3: oa.RoleAnalyst}; err != nil || !cmp.Equal(ops, want) {
		t.Errorf("Operators: got %v, %v; want %v", ops, err, want)
	}
	if err := s.SetOperator(ctx, a.ID, 3, oa.RoleNone); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Operator(ctx, a.ID, 3); r != oa.RoleNone {
		t.Errorf("removed operator's role: got %v, want none", r)
	}
	mine, err := s.Operated(ctx, 1)
	if err != nil || len(mine) != 2 || mine[0].ID != a.ID || mine[1].ID != b.ID {
		t.Errorf("Operated: got %d accounts, %v; want both", len(mine), err)
	}
}

func testFans(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindService)
	b := newAccount(t, s, "Org", 2, oa.KindService)
	f, first, changes, err := s.Follow(ctx, a.ID, 10, oa.Follow{OpenID: "oA10", UnionID: "u10", Scene: oa.SceneQRCode, QRScene: 7, At: T0},
		[]hongyan.Change{{User: 10, Kind: hongyan.ChangeOAFollow, Ref: int64(a.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	want := oa.Fan{Account: a.ID, User: 10, OpenID: "oA10", UnionID: "u10", Following: true, Since: T0, Scene: oa.SceneQRCode, QRScene: 7, LastIn: T0}
	if diff := cmp.Diff(want, f, cmpopts.EquateEmpty()); diff != "" || !first || len(changes) != 1 || changes[0].Seq <= 0 {
		t.Errorf("Follow (-want +got):\n%s; first %v, changes %+v", diff, first, changes)
	}
	// Following again changes nothing but the last interaction, and
	// keeps the IDs.
	later := T0.Add(time.Hour)
	f, first, changes, err = s.Follow(ctx, a.ID, 10, oa.Follow{OpenID: "other", UnionID: "other", Scene: oa.SceneSearch, At: later},
		[]hongyan.Change{{User: 10, Kind: hongyan.ChangeOAFollow}})
	if err != nil || first || len(changes) != 0 || f.OpenID != "oA10" || f.Scene != oa.SceneQRCode || !f.LastIn.Equal(later) {
		t.Errorf("Follow again: got %+v, first %v, %d changes, %v", f, first, len(changes), err)
	}
	// Another account of the organisation: another openid, the same unionid.
	f2, _, _, err := s.Follow(ctx, b.ID, 10, oa.Follow{OpenID: "oB10", UnionID: "u10-new", At: T0}, nil)
	if err != nil || f2.OpenID != "oB10" || f2.UnionID != "u10" {
		t.Errorf("Follow of a second account: got %+v, %v; want openid oB10, unionid u10", f2, err)
	}
	if _, _, _, err := s.Follow(ctx, b.ID, 11, oa.Follow{OpenID: "oB10", UnionID: "u11", At: T0}, nil); err == nil {
		t.Errorf("Follow with a taken openid: got no error")
	}
	if got, err := s.FanByOpenID(ctx, a.ID, "oA10"); err != nil || got.User != 10 {
		t.Errorf("FanByOpenID: got %+v, %v", got, err)
	}
	if _, err := s.FanByOpenID(ctx, b.ID, "oA10"); code(err) != hongyan.CodeNotFound {
		t.Errorf("FanByOpenID of another account's openid: got %v, want not found", err)
	}
	for u := hongyan.UserID(20); u < 25; u++ {
		follow(t, s, a, u, T0)
	}
	if n, err := s.CountFollowers(ctx, a.ID); err != nil || n != 6 {
		t.Errorf("CountFollowers: got %d, %v; want 6", n, err)
	}
	// Paging by openid.
	var all []string
	after := ""
	for {
		page, err := s.Followers(ctx, a.ID, oa.FanQuery{After: after, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, x := range page {
			all = append(all, x.OpenID)
		}
		after = page[len(page)-1].OpenID
	}
	if len(all) != 6 {
		t.Errorf("paged followers: got %v, want 6", all)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1] >= all[i] {
			t.Errorf("followers out of openid order: %v", all)
		}
	}
	// Unfollow, remark, block, ensure.
	if _, _, err := s.Unfollow(ctx, a.ID, 20, later, []hongyan.Change{{User: 20, Kind: hongyan.ChangeOAFollow}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Unfollow(ctx, a.ID, 20, later, nil); code(err) != hongyan.CodeNotFound {
		t.Errorf("Unfollow twice: got %v, want not found", err)
	}
	if ids, err := s.Following(ctx, 20); err != nil || len(ids) != 0 {
		t.Errorf("Following after unfollow: got %v, %v", ids, err)
	}
	if ids, err := s.Following(ctx, 10); err != nil || !cmp.Equal(ids, []oa.AccountID{a.ID, b.ID}) {
		t.Errorf("Following: got %v, %v", ids, err)
	}
	if err := s.SetRemark(ctx, a.ID, 21, "老客户"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBlocked(ctx, a.ID, 21, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRemark(ctx, a.ID, 99, "x"); code(err) != hongyan.CodeNotFound {
		t.Errorf("SetRemark of a stranger: got %v, want not found", err)
	}
	if page, err := s.Followers(ctx, a.ID, oa.FanQuery{Search: "客户", Limit: 10}); err != nil || len(page) != 1 || page[0].User != 21 || !page[0].Blocked {
		t.Errorf("Followers by remark: got %+v, %v", page, err)
	}
	e, err := s.EnsureFan(ctx, a.ID, 30, oa.Follow{OpenID: "oA30", UnionID: "u30", At: T0})
	if err != nil || e.Following || e.OpenID != "oA30" {
		t.Errorf("EnsureFan: got %+v, %v; want a non-following fan", e, err)
	}
	if err := s.Touch(ctx, a.ID, 30, later); err != nil {
		t.Fatal(err)
	}
	day := oa.Day(T0)
	st, err := s.Stats(ctx, a.ID, day, oa.Day(later))
	if err != nil || len(st) != 1 || st[0].New != 6 || st[0].Lost != 1 || st[0].Total != 5 {
		t.Errorf("Stats: got %+v, %v; want 6 new, 1 lost, 5 in all", st, err)
	}
}

func testTags(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindService)
	follow(t, s, a, 10, T0)
	follow(t, s, a, 11, T0)
	vip, err := s.CreateTag(ctx, a.ID, "vip")
	if err != nil || vip.ID != 100 {
		t.Fatalf("CreateTag: got %+v, %v; want ID 100", vip, err)
	}
	star, err := s.CreateTag(ctx, a.ID, "星标")
	if err != nil || star.ID != 101 {
		t.Fatalf("CreateTag: got %+v, %v; want ID 101", star, err)
	}
	if _, err := s.CreateTag(ctx, a.ID, "vip"); code(err) != hongyan.CodeExists {
		t.Errorf("CreateTag with a taken name: got %v, want already_exists", err)
	}
	if err := s.TagFans(ctx, a.ID, vip.ID, []hongyan.UserID{10, 11}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.TagFans(ctx, a.ID, vip.ID, []hongyan.UserID{10, 99}, false); code(err) != hongyan.CodeNotFound {
		t.Errorf("TagFans with a stranger: got %v, want not found", err)
	}
	if err := s.TagFans(ctx, a.ID, 555, []hongyan.UserID{10}, true); code(err) != hongyan.CodeNotFound {
		t.Errorf("TagFans with a missing tag: got %v, want not found", err)
	}
	if err := s.TagFans(ctx, a.ID, star.ID, []hongyan.UserID{10}, true); err != nil {
		t.Fatal(err)
	}
	f, _ := s.Fan(ctx, a.ID, 10)
	if !cmp.Equal(f.Tags, []int64{vip.ID, star.ID}) {
		t.Errorf("fan's tags: got %v, want [100 101]", f.Tags)
	}
	page, err := s.Followers(ctx, a.ID, oa.FanQuery{Tag: star.ID, Limit: 10})
	if err != nil || len(page) != 1 || page[0].User != 10 {
		t.Errorf("Followers by tag: got %+v, %v", page, err)
	}
	if err := s.RenameTag(ctx, a.ID, vip.ID, "VIP"); err != nil {
		t.Fatal(err)
	}
	tags, err := s.Tags(ctx, a.ID)
	want := []oa.Tag{{ID: 100, Name: "VIP", Count: 2}, {ID: 101, Name: "星标", Count: 1}}
	if diff := cmp.Diff(want, tags); err != nil || diff != "" {
		t.Errorf("Tags (-want +got):\n%s %v", diff, err)
	}
	if err := s.TagFans(ctx, a.ID, vip.ID, []hongyan.UserID{10}, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTag(ctx, a.ID, star.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTag(ctx, a.ID, star.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("DeleteTag twice: got %v, want not found", err)
	}
	f, _ = s.Fan(ctx, a.ID, 10)
	if len(f.Tags) != 0 {
		t.Errorf("fan's tags after untag and delete: got %v, want none", f.Tags)
	}
}

func testAuthoring(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindService)
	b := newAccount(t, s, "Org", 2, oa.KindService)
	r1, err := s.AddRule(ctx, oa.Rule{Account: a.ID, Keyword: "hi", Match: oa.MatchExact, Priority: 1, Reply: oa.Content{Kind: oa.ContentText, Text: "hello"}})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.AddRule(ctx, oa.Rule{Account: a.ID, Keyword: "price", Match: oa.MatchContains, Priority: 5,
		Reply: oa.Content{Kind: oa.ContentNews, Articles: []oa.NewsItem{{Title: "Prices", URL: "https://example.org/p"}}}})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := s.Rules(ctx, a.ID)
	if diff := cmp.Diff([]oa.Rule{r2, r1}, rules); err != nil || diff != "" {
		t.Errorf("Rules (-want +got):\n%s %v", diff, err)
	}
	if err := s.DeleteRule(ctx, b.ID, r1.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("DeleteRule of another account's rule: got %v, want not found", err)
	}
	if err := s.DeleteRule(ctx, a.ID, r1.ID); err != nil {
		t.Fatal(err)
	}
	// Articles.
	art := oa.Article{Account: a.ID, Title: "春节", Author: "编辑", Digest: "d", Cover: "/media/c",
		Body:  []oa.Block{{Kind: "h", Text: "标题"}, {Kind: "p", Text: "<b>not markup</b>"}, {Kind: "img", Src: "/media/x"}},
		State: oa.ArticleDraft, Created: T0, Updated: T0}
	art, err = s.SaveArticle(ctx, art)
	if err != nil || art.ID == 0 {
		t.Fatalf("SaveArticle: %+v, %v", art, err)
	}
	got, err := s.Article(ctx, art.ID)
	if diff := cmp.Diff(art, got); err != nil || diff != "" {
		t.Errorf("Article (-want +got):\n%s %v", diff, err)
	}
	art.State, art.Published = oa.ArticlePublished, T0.Add(time.Minute)
	if _, err := s.SaveArticle(ctx, art); err != nil {
		t.Fatal(err)
	}
	draft, _ := s.SaveArticle(ctx, oa.Article{Account: a.ID, Title: "draft", State: oa.ArticleDraft, Created: T0, Updated: T0})
	if as, err := s.Articles(ctx, a.ID, true, 10); err != nil || len(as) != 1 || as[0].ID != art.ID || !as[0].Published.Equal(art.Published) {
		t.Errorf("published Articles: got %+v, %v", as, err)
	}
	if as, err := s.Articles(ctx, a.ID, false, 10); err != nil || len(as) != 2 || as[0].ID != draft.ID {
		t.Errorf("all Articles: got %d, %v; want 2, newest first", len(as), err)
	}
	if _, err := s.SaveArticle(ctx, oa.Article{ID: art.ID, Account: b.ID, Title: "x", Created: T0, Updated: T0}); code(err) != hongyan.CodeNotFound {
		t.Errorf("SaveArticle over another account's article: got %v, want not found", err)
	}
	if err := s.DeleteArticle(ctx, a.ID, draft.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Article(ctx, draft.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("Article after delete: got %v, want not found", err)
	}
	// Templates.
	tp := oa.Template{ID: "tpl1", Account: a.ID, Title: "Order", Content: "Order {{no.DATA}}", Created: T0}
	if err := s.AddTemplate(ctx, tp); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Template(ctx, a.ID, "tpl1"); err != nil || got != tp {
		t.Errorf("Template: got %+v, %v", got, err)
	}
	if _, err := s.Template(ctx, b.ID, "tpl1"); code(err) != hongyan.CodeNotFound {
		t.Errorf("Template of another account: got %v, want not found", err)
	}
	if ts, err := s.Templates(ctx, a.ID); err != nil || len(ts) != 1 {
		t.Errorf("Templates: got %v, %v", ts, err)
	}
	if err := s.DeleteTemplate(ctx, a.ID, "tpl1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTemplate(ctx, a.ID, "tpl1"); code(err) != hongyan.CodeNotFound {
		t.Errorf("DeleteTemplate twice: got %v, want not found", err)
	}
	// QR codes.
	q := oa.QR{Ticket: "tk-1", Account: a.ID, SceneStr: "door", Expires: T0.Add(time.Hour), Created: T0}
	if err := s.AddQR(ctx, q); err != nil {
		t.Fatal(err)
	}
	p := oa.QR{Ticket: "tk-2", Account: a.ID, SceneID: 5, Permanent: true, Created: T0}
	if err := s.AddQR(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []oa.QR{q, p} {
		if got, err := s.QR(ctx, want.Ticket); err != nil || got != want {
			t.Errorf("QR(%s): got %+v, %v; want %+v", want.Ticket, got, err, want)
		}
	}
	if _, err := s.QR(ctx, "nope"); code(err) != hongyan.CodeNotFound {
		t.Errorf("QR of a missing ticket: got %v, want not found", err)
	}
}

func testMessages(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindService)
	follow(t, s, a, 10, T0)
	in := oa.Message{Account: a.ID, User: 10, Content: oa.Content{Kind: oa.ContentText, Text: "你好"}, Created: T0.Add(time.Minute)}
	in, changes, err := s.AddMessage(ctx, in, []hongyan.Change{{User: 10, Kind: hongyan.ChangeOAMessage}})
	if err != nil || in.ID == 0 || len(changes) != 1 || changes[0].Ref != in.ID {
		t.Fatalf("AddMessage: %+v, %+v, %v", in, changes, err)
	}
	out := oa.Message{Account: a.ID, User: 10, Out: true, Created: T0.Add(2 * time.Minute),
		Content: oa.Content{Kind: oa.ContentTemplate, TemplateID: "t", Title: "Order", Fields: []oa.Field{{Name: "no", Value: "42"}}, Text: "Order 42"}}
	out, _, err = s.AddMessage(ctx, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := s.History(ctx, a.ID, 10, 0, 10)
	if diff := cmp.Diff([]oa.Message{out, in}, hist); err != nil || diff != "" {
		t.Errorf("History (-want +got):\n%s %v", diff, err)
	}
	if hist, err := s.History(ctx, a.ID, 10, out.ID, 10); err != nil || len(hist) != 1 || hist[0].ID != in.ID {
		t.Errorf("History before the newest: got %+v, %v", hist, err)
	}
	// The inbox: what users sent the account, newest first, not its own
	// messages, not another account's.
	b := newAccount(t, s, "Org", 2, oa.KindService)
	follow(t, s, a, 11, T0)
	follow(t, s, b, 10, T0)
	voice := oa.Message{Account: a.ID, User: 11, Content: oa.Content{Kind: oa.ContentVoice, MediaID: "m-1", Format: "webm"}, Created: T0.Add(3 * time.Minute)}
	if voice, _, err = s.AddMessage(ctx, voice, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err = s.AddMessage(ctx, oa.Message{Account: b.ID, User: 10, Content: oa.Content{Kind: oa.ContentText, Text: "elsewhere"}, Created: T0}, nil); err != nil {
		t.Fatal(err)
	}
	inbox, err := s.Inbox(ctx, a.ID, 0, 10)
	if diff := cmp.Diff([]oa.Message{voice, in}, inbox); err != nil || diff != "" {
		t.Errorf("Inbox (-want +got):\n%s %v", diff, err)
	}
	if inbox, err := s.Inbox(ctx, a.ID, voice.ID, 1); err != nil || len(inbox) != 1 || inbox[0].ID != in.ID {
		t.Errorf("Inbox before the newest: got %+v, %v; want the first message", inbox, err)
	}
	if got, err := s.Message(ctx, 10, out.ID); err != nil || !cmp.Equal(got, out) {
		t.Errorf("Message: got %+v, %v", got, err)
	}
	if _, err := s.Message(ctx, 11, out.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("Message of another user: got %v, want not found", err)
	}
	f, _ := s.Fan(ctx, a.ID, 10)
	if !f.LastIn.Equal(in.Created) {
		t.Errorf("fan's last interaction: got %v, want %v", f.LastIn, in.Created)
	}
	st, err := s.Stats(ctx, a.ID, oa.Day(T0), oa.Day(T0))
	if err != nil || len(st) != 1 || st[0].MsgIn != 2 || st[0].MsgOut != 1 {
		t.Errorf("Stats: got %+v, %v; want two in, one out", st, err)
	}
}

func testBroadcast(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindSubscription)
	for u := hongyan.UserID(10); u < 15; u++ {
		follow(t, s, a, u, T0)
	}
	if _, _, err := s.Unfollow(ctx, a.ID, 14, T0, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBlocked(ctx, a.ID, 13, true); err != nil {
		t.Fatal(err)
	}
	tag, _ := s.CreateTag(ctx, a.ID, "t")
	if err := s.TagFans(ctx, a.ID, tag.ID, []hongyan.UserID{11, 12}, true); err != nil {
		t.Fatal(err)
	}
	content := oa.Content{Kind: oa.ContentText, Text: "news"}
	b, changes, err := s.Broadcast(ctx, oa.Broadcast{Account: a.ID, Target: oa.Target{All: true}, Content: content, Created: T0}, T0.Add(-time.Hour), 1, hongyan.ChangeOAMessage)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == 0 || b.Total != 3 || len(changes) != 3 {
		t.Fatalf("Broadcast to all: got %+v, %d changes; want 3 (not the blocked, not the former follower)", b, len(changes))
	}
	users := map[hongyan.UserID]bool{}
	for _, c := range changes {
		users[c.User] = true
		m, err := s.Message(ctx, c.User, c.Ref)
		if err != nil || m.Broadcast != b.ID || !m.Out || !cmp.Equal(m.Content, content) || c.Kind != hongyan.ChangeOAMessage || c.Seq <= 0 {
			t.Errorf("broadcast message of %d: got %+v, %v (change %+v)", c.User, m, err, c)
		}
	}
	if !cmp.Equal(users, map[hongyan.UserID]bool{10: true, 11: true, 12: true}) {
		t.Errorf("broadcast reached %v, want 10, 11, 12", users)
	}
	if _, _, err := s.Broadcast(ctx, oa.Broadcast{Account: a.ID, Target: oa.Target{All: true}, Content: content, Created: T0}, T0.Add(-time.Hour), 1, hongyan.ChangeOAMessage); code(err) != hongyan.CodePrecondition {
		t.Errorf("Broadcast over quota: got %v, want failed_precondition", err)
	}
	b2, _, err := s.Broadcast(ctx, oa.Broadcast{Account: a.ID, Target: oa.Target{Tag: tag.ID}, Content: content, Created: T0}, T0.Add(-time.Hour), 2, hongyan.ChangeOAMessage)
	if err != nil || b2.Total != 2 {
		t.Errorf("Broadcast to a tag: got %+v, %v; want 2", b2, err)
	}
	b3, _, err := s.Broadcast(ctx, oa.Broadcast{Account: a.ID, Target: oa.Target{Users: []hongyan.UserID{10, 13, 14, 99}}, Content: content, Created: T0}, T0.Add(-time.Hour), 3, hongyan.ChangeOAMessage)
	if err != nil || b3.Total != 1 {
		t.Errorf("Broadcast to chosen users: got %+v, %v; want 1", b3, err)
	}
	if n, err := s.CountBroadcasts(ctx, a.ID, T0); err != nil || n != 3 {
		t.Errorf("CountBroadcasts: got %d, %v; want 3", n, err)
	}
	if n, err := s.CountBroadcasts(ctx, a.ID, T0.Add(time.Millisecond)); err != nil || n != 0 {
		t.Errorf("CountBroadcasts after: got %d, %v; want 0", n, err)
	}
	bs, err := s.Broadcasts(ctx, a.ID, 10)
	if err != nil || len(bs) != 3 || bs[0].ID != b3.ID || !cmp.Equal(bs[0].Target.Users, []hongyan.UserID{10, 13, 14, 99}) {
		t.Errorf("Broadcasts: got %+v, %v", bs, err)
	}
	if err := s.DeleteBroadcast(ctx, a.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := s.BroadcastByID(ctx, a.ID, b.ID); err != nil || !got.Deleted || got.Total != 3 {
		t.Errorf("BroadcastByID after delete: got %+v, %v", got, err)
	}
	if _, err := s.BroadcastByID(ctx, a.ID+1, b.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("BroadcastByID of another account: got %v, want not found", err)
	}
	st, _ := s.Stats(ctx, a.ID, oa.Day(T0), oa.Day(T0))
	if len(st) != 1 || st[0].MsgOut != 6 {
		t.Errorf("Stats after broadcasts: got %+v, want 6 out", st)
	}
}

func testGrants(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindService)
	g := oa.Grant{Hash: oa.HashToken("code1"), Kind: oa.GrantOAuthCode, Account: a.ID, User: 10, Scope: "snsapi_userinfo", Expires: T0.Add(5 * time.Minute), Created: T0}
	if err := s.AddGrant(ctx, g, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Grant(ctx, g.Hash); err != nil || !cmp.Equal(got, g) {
		t.Errorf("Grant: got %+v, %v; want %+v", got, err, g)
	}
	if _, err := s.UseGrant(ctx, g.Hash, oa.GrantAccessToken, T0, false); code(err) != hongyan.CodeNotFound {
		t.Errorf("UseGrant of the wrong kind: got %v, want not found", err)
	}
	got, err := s.UseGrant(ctx, g.Hash, oa.GrantOAuthCode, T0.Add(time.Minute), true)
	if err != nil || !cmp.Equal(got, g) {
		t.Errorf("UseGrant: got %+v, %v; want %+v", got, err, g)
	}
	if _, err := s.UseGrant(ctx, g.Hash, oa.GrantOAuthCode, T0.Add(time.Minute), true); code(err) != hongyan.CodePrecondition {
		t.Errorf("UseGrant twice: got %v, want failed_precondition", err)
	}
	if _, err := s.Grant(ctx, oa.HashToken("nope")); code(err) != hongyan.CodeNotFound {
		t.Errorf("Grant of an unknown hash: got %v, want not found", err)
	}
	tok := oa.Grant{Hash: oa.HashToken("tok"), Kind: oa.GrantAccessToken, Account: a.ID, Expires: T0.Add(2 * time.Hour), Created: T0}
	if err := s.AddGrant(ctx, tok, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseGrant(ctx, tok.Hash, oa.GrantAccessToken, T0.Add(2*time.Hour), false); code(err) != hongyan.CodePrecondition || hongyan.ErrorReason(err) != hongyan.ReasonCodeExpired {
		t.Errorf("UseGrant at its expiry: got %v, want expired", err)
	}
	for range 2 {
		if _, err := s.UseGrant(ctx, tok.Hash, oa.GrantAccessToken, T0.Add(time.Hour), false); err != nil {
			t.Errorf("UseGrant of a reusable token: %v", err)
		}
	}
	// A new token leaves the old one a grace period.
	tok2 := oa.Grant{Hash: oa.HashToken("tok2"), Kind: oa.GrantAccessToken, Account: a.ID, Expires: T0.Add(3 * time.Hour), Created: T0.Add(time.Hour)}
	if err := s.AddGrant(ctx, tok2, T0.Add(time.Hour+5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if old, err := s.Grant(ctx, tok.Hash); err != nil || !old.Expires.Equal(T0.Add(time.Hour+5*time.Minute)) {
		t.Errorf("old token after a new one: got %+v, %v; want it to expire after the grace", old, err)
	}
	if latest, err := s.LatestGrant(ctx, a.ID, oa.GrantAccessToken, T0.Add(time.Hour)); err != nil || !cmp.Equal(latest.Hash, tok2.Hash) {
		t.Errorf("LatestGrant: got %+v, %v; want the new token", latest, err)
	}
	stable := oa.Grant{Hash: oa.HashToken("st"), Kind: oa.GrantStableToken, Account: a.ID, Value: "st", Expires: T0.Add(2 * time.Hour), Created: T0}
	if err := s.AddGrant(ctx, stable, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if latest, err := s.LatestGrant(ctx, a.ID, oa.GrantStableToken, T0); err != nil || latest.Value != "st" {
		t.Errorf("LatestGrant of the stable token: got %+v, %v; want its value", latest, err)
	}
	if _, err := s.LatestGrant(ctx, a.ID, oa.GrantStableToken, T0.Add(3*time.Hour)); code(err) != hongyan.CodeNotFound {
		t.Errorf("LatestGrant after expiry: got %v, want not found", err)
	}
	if err := s.ExpireGrants(ctx, a.ID, T0.Add(time.Minute), oa.GrantOAuthCode); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseGrant(ctx, tok2.Hash, oa.GrantAccessToken, T0.Add(time.Hour), false); err != nil {
		t.Errorf("a token after its kind was spared: %v", err)
	}
	if err := s.ExpireGrants(ctx, a.ID, T0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseGrant(ctx, tok2.Hash, oa.GrantAccessToken, T0.Add(time.Hour), false); code(err) != hongyan.CodePrecondition {
		t.Errorf("a token after ExpireGrants: got %v, want expired", err)
	}
	// Call counters.
	day := oa.Day(T0)
	for i, want := range []int64{1, 3} {
		if n, err := s.CountCall(ctx, a.ID, "token", day, int64(i+1)); err != nil || n != want {
			t.Errorf("CountCall: got %d, %v; want %d", n, err, want)
		}
	}
	if n, err := s.CountCall(ctx, a.ID, "token", day, 0); err != nil || n != 3 {
		t.Errorf("CountCall read: got %d, %v; want 3", n, err)
	}
	if n, err := s.CountCall(ctx, a.ID, "menu", day, 0); err != nil || n != 0 {
		t.Errorf("CountCall of an unused API: got %d, %v; want 0", n, err)
	}
	if _, err := s.CountCall(ctx, a.ID, "token", day, -3); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountCall(ctx, a.ID, "token", day, 0); n != 0 {
		t.Errorf("CountCall after clearing: got %d, want 0", n)
	}
}

func testMedia(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Org", 1, oa.KindService)
	b := newAccount(t, s, "Org", 2, oa.KindService)
	m := oa.Media{ID: "m1", Account: a.ID, Type: "image", Name: "x.png", ContentType: "image/png", Data: []byte{1, 2, 3}, Created: T0}
	if err := s.PutMedia(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Media(ctx, a.ID, "m1"); err != nil || !cmp.Equal(got, m) {
		t.Errorf("Media: got %+v, %v", got, err)
	}
	if _, err := s.Media(ctx, b.ID, "m1"); code(err) != hongyan.CodeNotFound {
		t.Errorf("Media of another account: got %v, want not found", err)
	}
	if n, err := s.PruneMedia(ctx, T0.Add(time.Millisecond)); err != nil || n != 1 {
		t.Errorf("PruneMedia: got %d, %v; want 1", n, err)
	}
	if _, err := s.Media(ctx, a.ID, "m1"); code(err) != hongyan.CodeNotFound {
		t.Errorf("Media after prune: got %v, want not found", err)
	}
}
