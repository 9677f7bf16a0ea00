package bot_test

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb/stores"
)

// TestApps: registration by the bot's owner only; consent by the group's
// owner only, within the scopes the app asked for; a code works once,
// within its lifetime, with the app's secret and the PKCE verifier; the
// token acts in its group only and sees only its group's events (message
// events only with messages:read); revocation takes effect at once.
func TestApps(t *testing.T) {
	engines(t, func(t *testing.T, db *stores.DB) {
		f := newFixture(t, db, bot.DefaultConfig())
		ctx := t.Context()
		const dev, groupOwner, member = 1, 2, 3
		const g, other hongyan.ConversationID = 40, 41
		f.w.owners[g], f.w.owners[other] = groupOwner, groupOwner
		var revoked []int64
		f.s.OnRevoke(func(ts []int64) { revoked = append(revoked, ts...) })

		created, err := f.s.Create(ctx, me(dev), "Quiz")
		if err != nil {
			t.Fatal(err)
		}
		app := created.Bot.ID
		const redirect = "https://quiz.example/callback"
		_, err = f.s.RegisterApp(ctx, me(member), app, "A quiz", redirect, []string{bot.ScopeGroupsRead})
		wantCode(t, "a stranger registers the app", err, hongyan.CodeNotFound)
		_, err = f.s.RegisterApp(ctx, me(dev), app, "A quiz", redirect, []string{bot.ScopeMembers})
		wantCode(t, "an app asks for members:manage", err, hongyan.CodeInvalid)
		_, err = f.s.RegisterApp(ctx, me(dev), app, "A quiz", "javascript:alert(1)", []string{bot.ScopeGroupsRead})
		wantCode(t, "a script redirect", err, hongyan.CodeInvalid)
		secret, err := f.s.RegisterApp(ctx, me(dev), app, "A quiz", redirect, []string{bot.ScopeGroupsRead, bot.ScopeMessagesRead, bot.ScopeSend})
		if err != nil {
			t.Fatal(err)
		}
		info, err := f.s.AppInfo(ctx, app)
		if err != nil || info.Description != "A quiz" || info.Bot.Name != "Quiz" || len(info.Scopes) != 3 {
			t.Fatalf("AppInfo = %+v, %v", info, err)
		}

		verifier := "a-verifier-of-enough-length-0123456789"
		sum := sha256.Sum256([]byte(verifier))
		consent := bot.Consent{App: app, Group: g, Scopes: []string{bot.ScopeGroupsRead, bot.ScopeSend}, Redirect: redirect,
			Challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
		_, err = f.s.Authorize(ctx, me(member), consent)
		wantCode(t, "a member consents", err, hongyan.CodeDenied)
		bad := consent
		bad.Scopes = []string{bot.ScopeProfiles}
		_, err = f.s.Authorize(ctx, me(groupOwner), bad)
		wantCode(t, "a scope the app did not ask for", err, hongyan.CodeInvalid)
		bad = consent
		bad.Redirect = "https://evil.example/callback"
		_, err = f.s.Authorize(ctx, me(groupOwner), bad)
		wantCode(t, "another redirect", err, hongyan.CodeInvalid)
		code, err := f.s.Authorize(ctx, me(groupOwner), consent)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(f.w.members[g], created.Bot.Account) {
			t.Fatalf("the app's bot did not join the group")
		}

		ex := bot.Exchange{App: app, Secret: secret, Code: code, Redirect: redirect, Verifier: verifier}
		wrong := ex
		wrong.Secret = "hya_wrong"
		_, err = f.s.ExchangeCode(ctx, wrong)
		wantCode(t, "a wrong secret", err, hongyan.CodeUnauth)
		wrong = ex
		wrong.Verifier = "another verifier"
		_, err = f.s.ExchangeCode(ctx, wrong)
		wantCode(t, "a wrong verifier", err, hongyan.CodeDenied)
		// The wrong verifier used the code up (a guess costs the code).
		_, err = f.s.ExchangeCode(ctx, ex)
		wantCode(t, "a code after a failed exchange", err, hongyan.CodeDenied)

		code, err = f.s.Authorize(ctx, me(groupOwner), consent)
		if err != nil {
			t.Fatal(err)
		}
		ex.Code = code
		got, err := f.s.ExchangeCode(ctx, ex)
		if err != nil || got.Group != g || !slices.Equal(got.Scopes, consent.Scopes) {
			t.Fatalf("ExchangeCode = %+v, %v", got, err)
		}
		_, err = f.s.ExchangeCode(ctx, ex)
		wantCode(t, "a code twice", err, hongyan.CodeDenied)

		// Expired codes fail.
		late, err := f.s.Authorize(ctx, me(groupOwner), consent)
		if err != nil {
			t.Fatal(err)
		}
		f.c.add(bot.CodeTTL + time.Second)
		lateEx := ex
		lateEx.Code = late
		_, err = f.s.ExchangeCode(ctx, lateEx)
		wantCode(t, "an expired code", err, hongyan.CodeDenied)

		// Each scope: allowed where consented, in the group only.
		p, err := f.s.Authenticate(ctx, got.Token)
		if err != nil || !p.Token.App || p.Token.Group != g {
			t.Fatalf("app token = %+v, %v", p.Token, err)
		}
		for _, sc := range []string{bot.ScopeGroupsRead, bot.ScopeSend} {
			if err := f.s.Allow(ctx, p, sc, g); err != nil {
				t.Fatalf("%s in the group: %v", sc, err)
			}
		}
		for _, sc := range []string{bot.ScopeProfiles, bot.ScopeMessagesRead, bot.ScopeApps, bot.ScopeMembers} {
			wantCode(t, sc+" not consented", f.s.Allow(ctx, p, sc, g), hongyan.CodeDenied)
		}
		wantCode(t, "another group", f.s.Allow(ctx, p, bot.ScopeSend, other), hongyan.CodeDenied)
		wantCode(t, "a direct message", f.s.Allow(ctx, p, bot.ScopeSend, 0), hongyan.CodeDenied)

		// Events: only the group's, and no messages without messages:read.
		acct := created.Bot.Account
		f.w.happen(acct,
			bot.Happening{Kind: bot.HappenedMessage, Message: 1, Peer: 7, Sender: 7, MsgKind: "text", Text: "direct"},
			bot.Happening{Kind: bot.HappenedMessage, Message: 2, Group: g, Sender: 8, MsgKind: "text", Text: "in the group"},
			bot.Happening{Kind: bot.HappenedMessage, Message: 3, Group: other, Sender: 8, MsgKind: "text", Text: "elsewhere"},
			bot.Happening{Kind: bot.HappenedMessage, Message: 4, Group: g, Sender: 8, MsgKind: "notice", Notice: "joined", Users: []hongyan.UserID{9}},
		)
		if _, err := f.s.Pump(ctx, created.Bot); err != nil {
			t.Fatal(err)
		}
		es, next, err := f.s.Events(ctx, p, 0, 100)
		if err != nil || len(es) != 1 || es[0].Type != bot.EventMemberJoined || next < es[0].Seq {
			t.Fatalf("app events without messages:read = %+v, next %d, %v; want the join only", es, next, err)
		}
		// With messages:read the group's message shows too.
		consent.Scopes = []string{bot.ScopeGroupsRead, bot.ScopeMessagesRead}
		code, err = f.s.Authorize(ctx, me(groupOwner), consent)
		if err != nil {
			t.Fatal(err)
		}
		ex.Code = code
		reader, err := f.s.ExchangeCode(ctx, ex)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := f.s.Authenticate(ctx, reader.Token)
		if err != nil {
			t.Fatal(err)
		}
		es, _, err = f.s.Events(ctx, pr, 0, 100)
		if err != nil || len(es) != 2 || es[0].Type != bot.EventMessage || es[1].Type != bot.EventMemberJoined {
			t.Fatalf("app events with messages:read = %+v, %v; want the group's message and join", es, err)
		}
		// The consent changed the grant: the first token's send is gone.
		wantCode(t, "send after the grant narrowed", f.s.Allow(ctx, p, bot.ScopeSend, g), hongyan.CodeDenied)
		// Narrowed again without messages:read: the reader's token, which
		// holds the scope, sees the group's messages no more.
		if _, err := f.s.AddToGroup(ctx, me(groupOwner), g, app, []string{bot.ScopeGroupsRead}); err != nil {
			t.Fatal(err)
		}
		es, _, err = f.s.Events(ctx, pr, 0, 100)
		if err != nil || len(es) != 1 || es[0].Type != bot.EventMemberJoined {
			t.Fatalf("app events after the grant lost messages:read = %+v, %v; want the join only", es, err)
		}

		// The owner lists and revokes; a member cannot.
		if _, err := f.s.GroupApps(ctx, me(member), g); hongyan.ErrorCode(err) != hongyan.CodeDenied {
			t.Fatalf("a member lists the apps: %v", err)
		}
		apps, err := f.s.GroupApps(ctx, me(groupOwner), g)
		if err != nil || len(apps) != 1 || apps[0].Bot.ID != app || !apps[0].App || apps[0].Desc != "A quiz" {
			t.Fatalf("GroupApps = %+v, %v", apps, err)
		}
		wantCode(t, "a member revokes", f.s.RevokeApp(ctx, me(member), g, app), hongyan.CodeDenied)
		if err := f.s.RevokeApp(ctx, me(groupOwner), g, app); err != nil {
			t.Fatal(err)
		}
		if len(revoked) != 2 {
			t.Fatalf("revoked tokens %v, want the app's two", revoked)
		}
		if _, err := f.s.Authenticate(ctx, reader.Token); hongyan.ErrorCode(err) != hongyan.CodeUnauth {
			t.Fatalf("a revoked app's token: %v, want unauthenticated", err)
		}
		wantCode(t, "the old principal after revocation", f.s.Allow(ctx, pr, bot.ScopeGroupsRead, g), hongyan.CodeDenied)
		if slices.Contains(f.w.members[g], acct) {
			t.Fatalf("the revoked app's bot is still a member")
		}
		apps, err = f.s.GroupApps(ctx, me(groupOwner), g)
		if err != nil || len(apps) != 0 {
			t.Fatalf("GroupApps after revoking = %+v, %v", apps, err)
		}
		wantCode(t, "revoke twice", f.s.RevokeApp(ctx, me(groupOwner), g, app), hongyan.CodeNotFound)
	})
}
