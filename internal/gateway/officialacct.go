package gateway

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strings"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	oa "hongyan/internal/officialacct"
)

// officialAccountRoutes adds the official-account requests: users' (find,
// follow, chat, tap the menu, read articles, authorise web pages) and
// operators' (the console).
func officialAccountRoutes(rs routes) {
	// ---- users ----
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSearch) (*pb.ServerFrame, error) {
		as, err := c.g.s.OfficialAccounts.Search(ctx, r.OaSearch.Query)
		return oaAccountsFrame(as, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaProfile) (*pb.ServerFrame, error) {
		id, err := c.oaAccount(ctx, r.OaProfile)
		if err != nil {
			return nil, err
		}
		p, err := c.g.s.OfficialAccounts.Profile(ctx, me, id)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaProfile{OaProfile: oaProfilePB(p)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaFollow) (*pb.ServerFrame, error) {
		id, err := c.oaAccount(ctx, r.OaFollow)
		if err != nil {
			return nil, err
		}
		if _, err := c.g.s.OfficialAccounts.Follow(ctx, me, id); err != nil {
			return nil, err
		}
		p, err := c.g.s.OfficialAccounts.Profile(ctx, me, id)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaProfile{OaProfile: oaProfilePB(p)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaUnfollow) (*pb.ServerFrame, error) {
		id, err := c.oaAccount(ctx, r.OaUnfollow)
		if err != nil {
			return nil, err
		}
		return done(), c.g.s.OfficialAccounts.Unfollow(ctx, me, id)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaScan) (*pb.ServerFrame, error) {
		a, _, err := c.g.s.OfficialAccounts.Scan(ctx, me, r.OaScan.Ticket)
		if err != nil {
			return nil, err
		}
		p, err := c.g.s.OfficialAccounts.Profile(ctx, me, a.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaProfile{OaProfile: oaProfilePB(p)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSend) (*pb.ServerFrame, error) {
		q := r.OaSend
		id, err := c.oaAccount(ctx, &pb.OaRef{Account: q.Account, Ref: q.Ref})
		if err != nil {
			return nil, err
		}
		var m oa.Message
		switch q.Kind {
		case "voice", "video":
			var f oa.UserMedia
			if f, err = c.oaUserMedia(ctx, me, q.MediaId, q.Kind); err != nil {
				return nil, err
			}
			m, err = c.g.s.OfficialAccounts.SendMedia(ctx, me, id, f)
		case "", "image":
			msg := oa.Content{Kind: oa.ContentText, Text: q.Text}
			if q.MediaId != "" {
				msg = oa.Content{Kind: oa.ContentImage, MediaID: q.MediaId}
			}
			m, err = c.g.s.OfficialAccounts.Send(ctx, me, id, msg)
		default:
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "kind is image, voice or video")
		}
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaMessage{OaMessage: oaMessagePB(m)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaClick) (*pb.ServerFrame, error) {
		q := r.OaClick
		id, err := c.oaAccount(ctx, &pb.OaRef{Account: q.Account, Ref: q.Ref})
		if err != nil {
			return nil, err
		}
		b, err := c.g.s.OfficialAccounts.Click(ctx, me, id, q.Key)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaClick{OaClick: &pb.OaClickResult{Type: b.Type, Url: b.URL}}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaHistory) (*pb.ServerFrame, error) {
		q := r.OaHistory
		id, err := c.oaAccount(ctx, &pb.OaRef{Account: q.Account, Ref: q.Ref})
		if err != nil {
			return nil, err
		}
		limit := int(q.Limit)
		if limit <= 0 || limit > 100 {
			limit = 100
		}
		ms, err := c.g.s.OfficialAccounts.History(ctx, me, id, q.Before, limit+1)
		if err != nil {
			return nil, err
		}
		list := &pb.OaMessageList{More: len(ms) > limit}
		for _, m := range ms[:min(len(ms), limit)] {
			list.Messages = append(list.Messages, oaMessagePB(m))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaMessages{OaMessages: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaInbox) (*pb.ServerFrame, error) {
		q := r.OaInbox
		ms, more, err := c.g.s.OfficialAccounts.Inbox(ctx, me, oa.AccountID(q.Account), q.Before, int(q.Limit))
		if err != nil {
			return nil, err
		}
		users := make([]hongyan.UserID, len(ms))
		for i, m := range ms {
			users[i] = m.User
		}
		names := c.publicNames(ctx, users)
		list := &pb.OaMessageList{More: more}
		for _, m := range ms {
			pm := oaMessagePB(m)
			pm.User, pm.Nickname = int64(m.User), names[m.User].Profile.Nickname
			list.Messages = append(list.Messages, pm)
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaMessages{OaMessages: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaFollowing) (*pb.ServerFrame, error) {
		return oaAccountsFrame(c.g.s.OfficialAccounts.Following(ctx, me))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaArticle) (*pb.ServerFrame, error) {
		a, err := c.g.s.OfficialAccounts.Article(ctx, me, r.OaArticle.Id)
		return oaArticleFrame(a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaAuthorize) (*pb.ServerFrame, error) {
		q := r.OaAuthorize
		code, fan, err := c.g.s.OfficialAccounts.Authorize(ctx, me, q.Appid, q.Scope, q.RedirectUri)
		if err != nil {
			return nil, err
		}
		a, err := c.g.s.OfficialAccounts.Account(ctx, fan.Account)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaAuthorization{OaAuthorization: &pb.OaAuthorization{
			Code: code, Openid: fan.OpenID, Account: oaAccountPB(a)}}}, nil
	})

	// ---- operators ----
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaCreate) (*pb.ServerFrame, error) {
		q := r.OaCreate
		if err := defined("account kind", q.Kind, pb.OaKind_name); err != nil {
			return nil, err
		}
		cr, err := c.g.s.OfficialAccounts.Create(ctx, me, q.Org, q.Name, oa.Kind(q.Kind))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaCreated{OaCreated: &pb.OaCreated{
			Account: oaOperatedPB(cr.Account, oa.RoleAdmin), Appsecret: cr.Secret}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaOperated) (*pb.ServerFrame, error) {
		as, err := c.g.s.OfficialAccounts.Operated(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.OaAccountList{}
		for _, a := range as {
			role, err := c.g.s.OfficialAccounts.Role(ctx, me, a.ID)
			if err != nil {
				return nil, err
			}
			list.Accounts = append(list.Accounts, oaOperatedPB(a, role))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaAccounts{OaAccounts: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaUpdateProfile) (*pb.ServerFrame, error) {
		q := r.OaUpdateProfile
		return c.oaOperatedFrame(ctx, me)(c.g.s.OfficialAccounts.UpdateProfile(ctx, me, oa.AccountID(q.Account), q.Name, q.Intro, q.Avatar))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSetReplies) (*pb.ServerFrame, error) {
		q := r.OaSetReplies
		return c.oaOperatedFrame(ctx, me)(c.g.s.OfficialAccounts.SetReplies(ctx, me, oa.AccountID(q.Account), oaContentPtr(q.Welcome), oaContentPtr(q.DefaultReply)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSetMenu) (*pb.ServerFrame, error) {
		q := r.OaSetMenu
		var m *oa.Menu
		if q.Menu != nil {
			m = &oa.Menu{Buttons: oaButtons(q.Menu.Buttons, 0)}
		}
		return c.oaOperatedFrame(ctx, me)(c.g.s.OfficialAccounts.SetMenu(ctx, me, oa.AccountID(q.Account), m))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSetServer) (*pb.ServerFrame, error) {
		q := r.OaSetServer
		return c.oaOperatedFrame(ctx, me)(c.g.s.OfficialAccounts.SetServer(ctx, me, oa.AccountID(q.Account),
			oa.Server{URL: q.Url, Token: q.Token, AESKey: q.AesKey, Mode: oa.Mode(q.Mode)}))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSetIpAllow) (*pb.ServerFrame, error) {
		q := r.OaSetIpAllow
		if q.SetOauthDomains {
			return c.oaOperatedFrame(ctx, me)(c.g.s.OfficialAccounts.SetOAuthDomains(ctx, me, oa.AccountID(q.Account), q.OauthDomains))
		}
		return c.oaOperatedFrame(ctx, me)(c.g.s.OfficialAccounts.SetIPAllow(ctx, me, oa.AccountID(q.Account), q.Allow))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaResetSecret) (*pb.ServerFrame, error) {
		id := oa.AccountID(r.OaResetSecret.Account)
		secret, err := c.g.s.OfficialAccounts.ResetSecret(ctx, me, id)
		if err != nil {
			return nil, err
		}
		a, err := c.g.s.OfficialAccounts.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaCreated{OaCreated: &pb.OaCreated{Account: oaOperatedPB(a, oa.RoleAdmin), Appsecret: secret}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSetOperator) (*pb.ServerFrame, error) {
		q := r.OaSetOperator
		if err := defined("role", q.Role, pb.OaRole_name); err != nil {
			return nil, err
		}
		return done(), c.g.s.OfficialAccounts.SetOperator(ctx, me, oa.AccountID(q.Account), hongyan.UserID(q.User), oa.Role(q.Role))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaOperators) (*pb.ServerFrame, error) {
		ops, err := c.g.s.OfficialAccounts.Operators(ctx, me, oa.AccountID(r.OaOperators.Account))
		if err != nil {
			return nil, err
		}
		list := &pb.OaOperatorList{}
		for u, role := range ops {
			list.Operators = append(list.Operators, &pb.OaOperator{User: int64(u), Role: pb.OaRole(role)})
		}
		slices.SortFunc(list.Operators, func(a, b *pb.OaOperator) int { return cmp.Compare(a.User, b.User) })
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaOperators{OaOperators: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaAddRule) (*pb.ServerFrame, error) {
		q := r.OaAddRule
		m := oa.MatchExact
		if q.Contains {
			m = oa.MatchContains
		}
		rule, err := c.g.s.OfficialAccounts.AddRule(ctx, me, oa.AccountID(q.Account), oa.Rule{
			Keyword: q.Keyword, Match: m, Priority: int(q.Priority), Reply: oaContent(q.Reply)})
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaRule{OaRule: oaRulePB(rule)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaRules) (*pb.ServerFrame, error) {
		rules, err := c.g.s.OfficialAccounts.Rules(ctx, me, oa.AccountID(r.OaRules.Account))
		if err != nil {
			return nil, err
		}
		list := &pb.OaRuleList{}
		for _, x := range rules {
			list.Rules = append(list.Rules, oaRulePB(x))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaRules{OaRules: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaDeleteRule) (*pb.ServerFrame, error) {
		return done(), c.g.s.OfficialAccounts.DeleteRule(ctx, me, oa.AccountID(r.OaDeleteRule.Account), r.OaDeleteRule.Id)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSaveArticle) (*pb.ServerFrame, error) {
		q := r.OaSaveArticle
		if len(q.Body) > oa.MaxBlocks {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "an article has at most %d blocks", oa.MaxBlocks)
		}
		a := oa.Article{ID: q.Id, Title: q.Title, Author: q.Author, Digest: q.Digest, Cover: q.Cover}
		for _, b := range q.Body {
			a.Body = append(a.Body, oa.Block{Kind: b.Kind, Text: b.Text, Src: b.Src})
		}
		return oaArticleFrame(c.g.s.OfficialAccounts.SaveArticle(ctx, me, oa.AccountID(q.Account), a))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaPublishArticle) (*pb.ServerFrame, error) {
		q := r.OaPublishArticle
		return oaArticleFrame(c.g.s.OfficialAccounts.PublishArticle(ctx, me, oa.AccountID(q.Account), q.Id))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaArticles) (*pb.ServerFrame, error) {
		as, err := c.g.s.OfficialAccounts.Articles(ctx, me, oa.AccountID(r.OaArticles.Account))
		if err != nil {
			return nil, err
		}
		list := &pb.OaArticleList{}
		for _, a := range as {
			list.Articles = append(list.Articles, oaArticlePB(a))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaArticles{OaArticles: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaDeleteArticle) (*pb.ServerFrame, error) {
		q := r.OaDeleteArticle
		return done(), c.g.s.OfficialAccounts.DeleteArticle(ctx, me, oa.AccountID(q.Account), q.Id)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaAddTemplate) (*pb.ServerFrame, error) {
		q := r.OaAddTemplate
		t, err := c.g.s.OfficialAccounts.AddTemplate(ctx, me, oa.AccountID(q.Account), q.Title, q.Content)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaTemplate{OaTemplate: oaTemplatePB(t)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaTemplates) (*pb.ServerFrame, error) {
		ts, err := c.g.s.OfficialAccounts.Templates(ctx, me, oa.AccountID(r.OaTemplates.Account))
		if err != nil {
			return nil, err
		}
		list := &pb.OaTemplateList{}
		for _, t := range ts {
			list.Templates = append(list.Templates, oaTemplatePB(t))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaTemplates{OaTemplates: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaDeleteTemplate) (*pb.ServerFrame, error) {
		q := r.OaDeleteTemplate
		return done(), c.g.s.OfficialAccounts.DeleteTemplate(ctx, me, oa.AccountID(q.Account), q.Id)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaBroadcast) (*pb.ServerFrame, error) {
		q := r.OaBroadcast
		if len(q.Users) > oa.MaxTargetUser {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "at most %d chosen followers", oa.MaxTargetUser)
		}
		t := oa.Target{All: q.All, Tag: q.Tag}
		for _, u := range q.Users {
			t.Users = append(t.Users, hongyan.UserID(u))
		}
		b, err := c.g.s.OfficialAccounts.Broadcast(ctx, me, oa.AccountID(q.Account), t, oaContent(q.Content))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaBroadcast{OaBroadcast: oaBroadcastPB(b)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaPreview) (*pb.ServerFrame, error) {
		q := r.OaPreview
		m, err := c.g.s.OfficialAccounts.Preview(ctx, me, oa.AccountID(q.Account), oaContent(q.Content))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaMessage{OaMessage: oaMessagePB(m)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaBroadcasts) (*pb.ServerFrame, error) {
		bs, left, err := c.g.s.OfficialAccounts.Broadcasts(ctx, me, oa.AccountID(r.OaBroadcasts.Account))
		if err != nil {
			return nil, err
		}
		list := &pb.OaBroadcastList{Remaining: int32(left)}
		for _, b := range bs {
			list.Broadcasts = append(list.Broadcasts, oaBroadcastPB(b))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaBroadcasts{OaBroadcasts: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaFollowers) (*pb.ServerFrame, error) {
		q := r.OaFollowers
		limit := int(q.Limit)
		if limit <= 0 || limit > 500 {
			limit = 500
		}
		page, err := c.g.s.OfficialAccounts.Followers(ctx, me, oa.AccountID(q.Account), oa.FanQuery{After: q.After, Tag: q.Tag, Search: q.Search, Limit: limit})
		if err != nil {
			return nil, err
		}
		list := &pb.OaFanList{Next: page.Next}
		for _, f := range page.Fans {
			list.Fans = append(list.Fans, &pb.OaFan{User: int64(f.User), Openid: f.OpenID, Following: f.Following, Since: f.Since.UnixMilli(),
				Scene: f.Scene, Remark: f.Remark, Blocked: f.Blocked, Tags: f.Tags, LastIn: f.LastIn.UnixMilli(), Nickname: f.Nickname})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaFollowers{OaFollowers: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaUpdateFollower) (*pb.ServerFrame, error) {
		q := r.OaUpdateFollower
		id, user := oa.AccountID(q.Account), hongyan.UserID(q.User)
		if q.Remark != nil {
			if err := c.g.s.OfficialAccounts.SetRemark(ctx, me, id, user, *q.Remark); err != nil {
				return nil, err
			}
		}
		if q.Blocked != nil {
			if err := c.g.s.OfficialAccounts.SetBlocked(ctx, me, id, user, *q.Blocked); err != nil {
				return nil, err
			}
		}
		return done(), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaTags) (*pb.ServerFrame, error) {
		tags, err := c.g.s.OfficialAccounts.Tags(ctx, me, oa.AccountID(r.OaTags.Account))
		if err != nil {
			return nil, err
		}
		list := &pb.OaTagList{}
		for _, t := range tags {
			list.Tags = append(list.Tags, &pb.OaTag{Id: t.ID, Name: t.Name, Count: int64(t.Count)})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaTags{OaTags: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaSaveTag) (*pb.ServerFrame, error) {
		q := r.OaSaveTag
		id := oa.AccountID(q.Account)
		if q.Id != 0 {
			if err := c.g.s.OfficialAccounts.RenameTag(ctx, me, id, q.Id, q.Name); err != nil {
				return nil, err
			}
			return &pb.ServerFrame{Body: &pb.ServerFrame_OaTag{OaTag: &pb.OaTag{Id: q.Id, Name: q.Name}}}, nil
		}
		t, err := c.g.s.OfficialAccounts.CreateTag(ctx, me, id, q.Name)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaTag{OaTag: &pb.OaTag{Id: t.ID, Name: t.Name}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaDeleteTag) (*pb.ServerFrame, error) {
		q := r.OaDeleteTag
		return done(), c.g.s.OfficialAccounts.DeleteTag(ctx, me, oa.AccountID(q.Account), q.Id)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaTagFollowers) (*pb.ServerFrame, error) {
		q := r.OaTagFollowers
		if len(q.Users) > 50 {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "tag 1 to 50 followers at a time")
		}
		users := make([]hongyan.UserID, 0, len(q.Users))
		for _, u := range q.Users {
			users = append(users, hongyan.UserID(u))
		}
		return done(), c.g.s.OfficialAccounts.TagFollowers(ctx, me, oa.AccountID(q.Account), q.Tag, users, !q.Remove)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaStats) (*pb.ServerFrame, error) {
		q := r.OaStats
		days, err := c.g.s.OfficialAccounts.Stats(ctx, me, oa.AccountID(q.Account), q.From, q.To)
		if err != nil {
			return nil, err
		}
		out := &pb.OaStats{}
		for _, d := range days {
			out.Days = append(out.Days, &pb.OaDayStats{Day: d.Day, New: int64(d.New), Lost: int64(d.Lost), Net: int64(d.New - d.Lost),
				Total: int64(d.Total), MsgIn: int64(d.MsgIn), MsgOut: int64(d.MsgOut)})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaStats{OaStats: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaCreateQr) (*pb.ServerFrame, error) {
		q := r.OaCreateQr
		if q.ExpireSeconds < 0 || q.ExpireSeconds > int64(oa.MaxQRExpiry/time.Second) {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "a QR code expires within 30 days")
		}
		code, err := c.g.s.OfficialAccounts.CreateQR(ctx, me, oa.AccountID(q.Account), q.SceneId, q.SceneStr, q.Permanent, time.Duration(q.ExpireSeconds)*time.Second)
		if err != nil {
			return nil, err
		}
		out := &pb.OaQr{Ticket: code.Ticket, Url: c.g.opt.PublicURL + "/q/" + code.Ticket, SceneId: code.SceneID, SceneStr: code.SceneStr}
		if !code.Permanent {
			out.Expires = code.Expires.UnixMilli()
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaQr{OaQr: out}}, nil
	})
}

// oaAccount resolves an account named by ID or by AppID / original ID.
func (c *conn) oaAccount(ctx context.Context, r *pb.OaRef) (oa.AccountID, error) {
	if r == nil {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "name an official account")
	}
	if r.Account > 0 {
		return oa.AccountID(r.Account), nil
	}
	if len(r.Ref) > 64 {
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such official account")
	}
	a, err := c.g.s.OfficialAccounts.Resolve(ctx, r.Ref)
	return a.ID, err
}

func oaAccountsFrame(as []oa.Account, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	list := &pb.OaAccountList{}
	for _, a := range as {
		list.Accounts = append(list.Accounts, oaAccountPB(a))
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_OaAccounts{OaAccounts: list}}, nil
}

// oaOperatedFrame answers an operator's change with the account as its
// operator sees it.
func (c *conn) oaOperatedFrame(ctx context.Context, me hongyan.Caller) func(oa.Account, error) (*pb.ServerFrame, error) {
	return func(a oa.Account, err error) (*pb.ServerFrame, error) {
		if err != nil {
			return nil, err
		}
		role, err := c.g.s.OfficialAccounts.Role(ctx, me, a.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaAccount{OaAccount: oaOperatedPB(a, role)}}, nil
	}
}

func oaArticleFrame(a oa.Article, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_OaArticle{OaArticle: oaArticlePB(a)}}, nil
}

// oaAccountPB is an account as anyone sees it.
func oaAccountPB(a oa.Account) *pb.OaAccount {
	out := &pb.OaAccount{Id: int64(a.ID), Appid: a.AppID, OriginalId: a.OriginalID, Name: a.Name, Intro: a.Intro,
		Avatar: a.Avatar, Kind: pb.OaKind(a.Kind), Verified: a.Verified}
	if a.Menu != nil {
		out.Menu = &pb.OaMenu{Buttons: oaButtonsPB(a.Menu.Buttons)}
	}
	return out
}

// oaOperatedPB is an account as an operator of role sees it.
func oaOperatedPB(a oa.Account, role oa.Role) *pb.OaAccount {
	out := oaAccountPB(a)
	out.Role = pb.OaRole(role)
	if role == oa.RoleNone {
		return out
	}
	st := &pb.OaSettings{Welcome: oaContentPB(a.Welcome), DefaultReply: oaContentPB(a.DefaultReply), IpAllow: a.IPAllow, OauthDomains: a.OAuthDomains, Org: a.Org,
		ServerUrl: a.Server.URL, ServerMode: string(a.Server.Mode)}
	if role == oa.RoleAdmin {
		st.ServerToken, st.ServerAesKey = a.Server.Token, a.Server.AESKey
	}
	out.Settings = st
	return out
}

func oaProfilePB(p oa.Profile) *pb.OaProfile {
	out := &pb.OaProfile{Account: oaAccountPB(p.Account), Following: p.Following, Followers: int64(p.Followers), Suspended: p.Suspended}
	for _, a := range p.Articles {
		out.Articles = append(out.Articles, &pb.OaArticleSummary{Id: a.ID, Title: a.Title, Digest: a.Digest, Cover: a.Cover, Published: a.Published.UnixMilli()})
	}
	return out
}

func oaButtonsPB(bs []oa.Button) []*pb.OaButton {
	out := make([]*pb.OaButton, 0, len(bs))
	for _, b := range bs {
		out = append(out, &pb.OaButton{Name: b.Name, Type: b.Type, Key: b.Key, Url: b.URL, Sub: oaButtonsPB(b.Sub)})
	}
	return out
}

// oaButtons converts a menu from the wire, keeping at most what a valid
// menu may hold (the service says what is wrong).
func oaButtons(bs []*pb.OaButton, depth int) []oa.Button {
	if depth > 1 || len(bs) > 6 {
		bs = bs[:min(len(bs), 6)]
	}
	out := make([]oa.Button, 0, len(bs))
	for _, b := range bs {
		x := oa.Button{Name: b.Name, Type: b.Type, Key: b.Key, URL: b.Url}
		if depth == 0 {
			x.Sub = oaButtons(b.Sub, 1)
		} else if len(b.Sub) > 0 {
			x.Sub = []oa.Button{{}} // nested too deep: invalid
		}
		out = append(out, x)
	}
	return out
}

func oaContentPB(c *oa.Content) *pb.OaContent {
	if c == nil {
		return nil
	}
	out := &pb.OaContent{Kind: string(c.Kind), Text: c.Text, MediaId: c.MediaID, Title: c.Title, TemplateId: c.TemplateID, Url: c.URL,
		ThumbMediaId: c.ThumbMediaID, HqUrl: c.HQURL, Format: c.Format}
	for _, a := range c.Articles {
		out.Articles = append(out.Articles, &pb.OaNewsItem{Title: a.Title, Description: a.Description, Url: a.URL, PicUrl: a.PicURL, Article: a.Article})
	}
	for _, f := range c.Fields {
		out.Fields = append(out.Fields, &pb.OaField{Name: f.Name, Value: f.Value})
	}
	return out
}

// oaContent converts content from the wire, bounded (the service checks
// the rest).
func oaContent(c *pb.OaContent) oa.Content {
	if c == nil {
		return oa.Content{}
	}
	out := oa.Content{Kind: oa.ContentKind(strings.TrimSpace(c.Kind)), Text: c.Text, MediaID: c.MediaId, Title: c.Title, TemplateID: c.TemplateId, URL: c.Url,
		ThumbMediaID: c.ThumbMediaId, HQURL: c.HqUrl, Format: c.Format}
	if len(c.Articles) > oa.MaxNews || len(c.Fields) > oa.MaxFields {
		out.Kind = "too many items" // refused by the service as an unknown kind
		return out
	}
	for _, a := range c.Articles {
		out.Articles = append(out.Articles, oa.NewsItem{Title: a.Title, Description: a.Description, URL: a.Url, PicURL: a.PicUrl, Article: a.Article})
	}
	for _, f := range c.Fields {
		out.Fields = append(out.Fields, oa.Field{Name: f.Name, Value: f.Value})
	}
	return out
}

func oaContentPtr(c *pb.OaContent) *oa.Content {
	if c == nil {
		return nil
	}
	x := oaContent(c)
	return &x
}

func oaMessagePB(m oa.Message) *pb.OaMessage {
	return &pb.OaMessage{Id: m.ID, Account: int64(m.Account), Out: m.Out, Content: oaContentPB(&m.Content), Time: m.Created.UnixMilli(), Broadcast: m.Broadcast}
}

func oaRulePB(r oa.Rule) *pb.OaRule {
	return &pb.OaRule{Id: r.ID, Account: int64(r.Account), Keyword: r.Keyword, Contains: r.Match == oa.MatchContains,
		Priority: int32(r.Priority), Reply: oaContentPB(&r.Reply)}
}

func oaArticlePB(a oa.Article) *pb.OaArticle {
	out := &pb.OaArticle{Id: a.ID, Account: int64(a.Account), Title: a.Title, Author: a.Author, Digest: a.Digest, Cover: a.Cover,
		Published: a.State == oa.ArticlePublished, Created: a.Created.UnixMilli(), Updated: a.Updated.UnixMilli()}
	if !a.Published.IsZero() {
		out.PublishedAt = a.Published.UnixMilli()
	}
	for _, b := range a.Body {
		out.Body = append(out.Body, &pb.OaBlock{Kind: b.Kind, Text: b.Text, Src: b.Src})
	}
	return out
}

func oaTemplatePB(t oa.Template) *pb.OaTemplate {
	return &pb.OaTemplate{Id: t.ID, Title: t.Title, Content: t.Content, Created: t.Created.UnixMilli()}
}

func oaBroadcastPB(b oa.Broadcast) *pb.OaBroadcast {
	out := &pb.OaBroadcast{Id: b.ID, All: b.Target.All, Tag: b.Target.Tag, Content: oaContentPB(&b.Content), Total: int64(b.Total),
		Time: b.Created.UnixMilli(), Deleted: b.Deleted}
	for _, u := range b.Target.Users {
		out.Users = append(out.Users, int64(u))
	}
	return out
}

// oaUserMedia reads the caller's voice clip or video (and a video's
// poster) for sending to an account, bounded by the account media's size.
func (c *conn) oaUserMedia(ctx context.Context, me hongyan.Caller, id, kind string) (oa.UserMedia, error) {
	if c.g.s.Media == nil {
		return oa.UserMedia{}, hongyan.Errorf(hongyan.CodeUnimplemented, "this node keeps no media")
	}
	read := func(id string, thumb bool) (media.Info, []byte, error) {
		info, rc, err := c.g.s.Media.Open(ctx, me, id, thumb)
		if err != nil {
			return info, nil, err
		}
		defer rc.Close()
		if info.Size > oa.MaxMediaBytes {
			return info, nil, hongyan.Errorf(hongyan.CodeInvalid, "at most %d MiB can be sent to an account", oa.MaxMediaBytes>>20)
		}
		data, err := io.ReadAll(io.LimitReader(rc, oa.MaxMediaBytes+1))
		if err == nil && int64(len(data)) > oa.MaxMediaBytes {
			err = hongyan.Errorf(hongyan.CodeInvalid, "at most %d MiB can be sent to an account", oa.MaxMediaBytes>>20)
		}
		return info, data, err
	}
	info, data, err := read(id, false)
	if err != nil {
		return oa.UserMedia{}, err
	}
	if string(info.Class) != kind {
		return oa.UserMedia{}, hongyan.Errorf(hongyan.CodeInvalid, "media %s is not a %s", id, kind)
	}
	out := oa.UserMedia{Kind: oa.ContentKind(kind), Name: info.Name, ContentType: info.Type, Data: data}
	if kind == "video" && info.Poster != "" {
		if pi, pd, err := read(info.Poster, false); err == nil {
			out.Thumb, out.ThumbType = pd, pi.Type
		}
	}
	return out, nil
}
