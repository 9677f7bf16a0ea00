package cli

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

const oaUsage = `oa create ORG NAME [--type subscription|service] | oa list | oa search TEXT | oa profile APPID
  oa follow APPID | oa unfollow APPID | oa scan TICKET_OR_URL | oa following
  oa click APPID KEY_OR_URL | oa messages APPID
  oa server APPID --url U --token T [--aes-key K] [--mode plain|compat|safe]
  oa domains APPID DOMAIN[,DOMAIN…]   (OAuth2 web authorization domains; "" clears)
  oa template add APPID TITLE CONTENT | oa welcome APPID TEXT | oa default APPID TEXT
  oa rule add APPID KEYWORD REPLY [--match exact|contains] [--priority N]
  oa menu APPID JSON | oa broadcast APPID TEXT [--tag N]
  oa qr APPID [--scene N | --scene-str S] [--expire SECONDS | --expire permanent]
  oa followers APPID [--search TEXT] | oa inbox APPID | oa stats APPID FROM TO
  oa forum post APPID TEXT [--image PATH]... [--images MEDIA_ID,…] | oa forum list APPID | oa forum thread POST_ID
  oa forum reply POST_ID TEXT | oa forum pin|unpin|remove POST_ID`

// oa runs the official-account subcommands: a user's (follow, scan, chat,
// tap the menu) and an operator's.
func (e *env) oa(args []string) error {
	imagePaths, args, err := takeRepeated(args, "image")
	if err != nil {
		return err
	}
	pos, fl, err := e.parse(args, -1, oaUsage, "type", "url", "token", "aes-key", "mode", "match", "priority", "tag", "scene", "scene-str", "expire", "images", "search")
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErr("usage: %s", oaUsage)
	}
	sub, rest := pos[0], pos[1:]
	if sub == "template" || sub == "rule" {
		if len(rest) == 0 || rest[0] != "add" {
			return usageErr("usage: %s", oaUsage)
		}
		sub, rest = sub+" add", rest[1:]
	}
	if sub == "forum" {
		if len(rest) == 0 {
			return usageErr("usage: %s", oaUsage)
		}
		sub, rest = sub+" "+rest[0], rest[1:]
	}
	need := map[string]int{
		"create": 2, "list": 0, "search": 1, "profile": 1, "follow": 1, "unfollow": 1, "scan": 1, "following": 0,
		"click": 2, "messages": 1, "server": 1, "template add": 3, "welcome": 2, "default": 2, "rule add": 3,
		"menu": 2, "broadcast": 2, "domains": 2, "qr": 1, "followers": 1, "inbox": 1, "stats": 3,
		"forum post": 2, "forum list": 1, "forum thread": 1, "forum reply": 2, "forum pin": 1, "forum unpin": 1, "forum remove": 1,
	}
	n, ok := need[sub]
	if !ok || n != len(rest) || (len(imagePaths) > 0 && sub != "forum post") {
		return usageErr("usage: %s", oaUsage)
	}
	c, sess, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	call := func(req *pb.ClientFrame) (*pb.ServerFrame, error) { return e.call(c, req) }
	ok1 := func(_ *pb.ServerFrame, err error) error {
		if err != nil {
			return err
		}
		return e.print(object{{"ok", true}})
	}
	switch sub {
	case "create":
		kind := pb.OaKind_OA_KIND_SUBSCRIPTION
		switch fl["type"] {
		case "", "subscription":
		case "service":
			kind = pb.OaKind_OA_KIND_SERVICE
		default:
			return usageErr("--type is subscription or service")
		}
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaCreate{OaCreate: &pb.OaCreateRequest{Org: rest[0], Name: rest[1], Kind: kind}}})
		if err != nil {
			return err
		}
		cr := f.GetOaCreated()
		return e.print(object{{"appid", cr.GetAccount().GetAppid()}, {"appsecret", cr.GetAppsecret()}, {"original_id", cr.GetAccount().GetOriginalId()}})
	case "list", "following", "search":
		req := &pb.ClientFrame{Req: &pb.ClientFrame_OaOperated{OaOperated: &pb.Empty{}}}
		if sub == "following" {
			req.Req = &pb.ClientFrame_OaFollowing{OaFollowing: &pb.Empty{}}
		} else if sub == "search" {
			req.Req = &pb.ClientFrame_OaSearch{OaSearch: &pb.OaSearchRequest{Query: rest[0]}}
		}
		f, err := e.call(c, req)
		if err != nil {
			return err
		}
		for _, a := range f.GetOaAccounts().GetAccounts() {
			if err := e.print(a); err != nil {
				return err
			}
		}
		return nil
	case "profile":
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaProfile{OaProfile: &pb.OaRef{Ref: rest[0]}}})
		if err != nil {
			return err
		}
		return e.print(f.GetOaProfile())
	case "follow", "scan":
		req := &pb.ClientFrame{Req: &pb.ClientFrame_OaFollow{OaFollow: &pb.OaRef{Ref: rest[0]}}}
		if sub == "scan" {
			req.Req = &pb.ClientFrame_OaScan{OaScan: &pb.OaScanRequest{Ticket: rest[0]}}
		}
		f, err := e.call(c, req)
		if err != nil {
			return err
		}
		p := f.GetOaProfile()
		return e.print(object{{"appid", p.GetAccount().GetAppid()}, {"name", p.GetAccount().GetName()}, {"following", p.GetFollowing()}})
	case "unfollow":
		return ok1(call(&pb.ClientFrame{Req: &pb.ClientFrame_OaUnfollow{OaUnfollow: &pb.OaRef{Ref: rest[0]}}}))
	case "click":
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaClick{OaClick: &pb.OaClickRequest{Ref: rest[0], Key: rest[1]}}})
		if err != nil {
			return err
		}
		r := f.GetOaClick()
		return e.print(object{{"type", r.GetType()}, {"url", r.GetUrl()}})
	case "messages":
		return e.oaMessages(c, rest[0])
	case "forum reply", "forum thread", "forum pin", "forum unpin", "forum remove":
		return e.oaForumPost(c, sub, rest)
	}
	// Operator commands: the account by its AppID.
	id, err := e.oaID(c, rest[0])
	if err != nil {
		return err
	}
	switch sub {
	case "server":
		if fl["url"] == "" || fl["token"] == "" {
			return usageErr("oa server APPID --url U --token T [--aes-key K] [--mode plain|compat|safe]")
		}
		mode := fl["mode"]
		if mode == "" {
			mode = "plain"
		}
		return ok1(call(&pb.ClientFrame{Req: &pb.ClientFrame_OaSetServer{OaSetServer: &pb.OaServerRequest{Account: id, Url: fl["url"], Token: fl["token"], AesKey: fl["aes-key"], Mode: mode}}}))
	case "domains":
		var list []string
		for _, d := range strings.Split(rest[1], ",") {
			if d = strings.TrimSpace(d); d != "" {
				list = append(list, d)
			}
		}
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaSetIpAllow{OaSetIpAllow: &pb.OaIpAllowRequest{Account: id, SetOauthDomains: true, OauthDomains: list}}})
		if err != nil {
			return err
		}
		return e.print(object{{"oauth_domains", nonNil(f.GetOaAccount().GetSettings().GetOauthDomains())}})
	case "template add":
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaAddTemplate{OaAddTemplate: &pb.OaTemplateRequest{Account: id, Title: rest[1], Content: rest[2]}}})
		if err != nil {
			return err
		}
		return e.print(object{{"template_id", f.GetOaTemplate().GetId()}})
	case "welcome", "default":
		ops, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaOperated{OaOperated: &pb.Empty{}}})
		if err != nil {
			return err
		}
		var st *pb.OaSettings
		for _, a := range ops.GetOaAccounts().GetAccounts() {
			if a.Id == id {
				st = a.Settings
			}
		}
		q := &pb.OaRepliesRequest{Account: id, Welcome: st.GetWelcome(), DefaultReply: st.GetDefaultReply()}
		text := &pb.OaContent{Kind: "text", Text: rest[1]}
		if rest[1] == "" {
			text = nil
		}
		if sub == "welcome" {
			q.Welcome = text
		} else {
			q.DefaultReply = text
		}
		return ok1(call(&pb.ClientFrame{Req: &pb.ClientFrame_OaSetReplies{OaSetReplies: q}}))
	case "rule add":
		prio := 0
		if p := fl["priority"]; p != "" {
			if prio, err = strconv.Atoi(p); err != nil {
				return usageErr("--priority takes a number")
			}
		}
		if m := fl["match"]; m != "" && m != "exact" && m != "contains" {
			return usageErr("--match is exact or contains")
		}
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaAddRule{OaAddRule: &pb.OaRule{Account: id, Keyword: rest[1], Contains: fl["match"] == "contains",
			Priority: int32(prio), Reply: &pb.OaContent{Kind: "text", Text: rest[2]}}}})
		if err != nil {
			return err
		}
		return e.print(f.GetOaRule())
	case "menu":
		var m struct {
			Button []menuButton `json:"button"`
		}
		if err := json.Unmarshal([]byte(rest[1]), &m); err != nil {
			return usageErr("the menu is JSON like {\"button\":[{\"type\":\"click\",\"name\":\"Today\",\"key\":\"K1\"}]}: %v", err)
		}
		return ok1(call(&pb.ClientFrame{Req: &pb.ClientFrame_OaSetMenu{OaSetMenu: &pb.OaMenuRequest{Account: id, Menu: &pb.OaMenu{Buttons: menuPB(m.Button)}}}}))
	case "broadcast":
		q := &pb.OaBroadcastRequest{Account: id, All: true, Content: &pb.OaContent{Kind: "text", Text: rest[1]}}
		if t := fl["tag"]; t != "" {
			if q.Tag, err = strconv.ParseInt(t, 10, 64); err != nil {
				return usageErr("--tag takes a tag's number")
			}
			q.All = false
		}
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaBroadcast{OaBroadcast: q}})
		if err != nil {
			return err
		}
		return e.print(object{{"id", f.GetOaBroadcast().GetId()}, {"total", f.GetOaBroadcast().GetTotal()}})
	case "qr":
		q := &pb.OaQrRequest{Account: id, SceneStr: fl["scene-str"]}
		if s := fl["scene"]; s != "" {
			if q.SceneId, err = strconv.ParseInt(s, 10, 64); err != nil {
				return usageErr("--scene takes a number")
			}
		}
		switch x := fl["expire"]; x {
		case "permanent":
			q.Permanent = true
		case "":
			q.ExpireSeconds = 60
		default:
			if q.ExpireSeconds, err = strconv.ParseInt(x, 10, 64); err != nil {
				return usageErr("--expire takes seconds or permanent")
			}
		}
		if q.SceneId == 0 && q.SceneStr == "" {
			q.SceneId = 1
		}
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaCreateQr{OaCreateQr: q}})
		if err != nil {
			return err
		}
		return e.print(f.GetOaQr())
	case "forum post":
		var images []string
		if x := fl["images"]; x != "" {
			images = strings.Split(x, ",")
		}
		for _, path := range imagePaths {
			id, err := e.uploadFile(sess, "image", path)
			if err != nil {
				return err
			}
			images = append(images, id)
		}
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaForumPost{OaForumPost: &pb.OaForumPostRequest{Account: id, Text: rest[1], MediaIds: images}}})
		if err != nil {
			return err
		}
		return e.print(oaPostObject(f.GetOaForumPost()))
	case "forum list":
		return e.oaForumList(c, id)
	case "followers":
		// Every page, following next (a search looks at a bounded
		// number of followers per request, so a page may be empty).
		for after := ""; ; {
			f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaFollowers{OaFollowers: &pb.OaFollowersRequest{Account: id, After: after, Search: fl["search"]}}})
			if err != nil {
				return err
			}
			for _, x := range f.GetOaFollowers().GetFans() {
				if err := e.print(x); err != nil {
					return err
				}
			}
			if after = f.GetOaFollowers().GetNext(); after == "" {
				return nil
			}
		}
	case "inbox":
		// What followers sent the account, newest first, every page.
		for before := int64(0); ; {
			f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaInbox{OaInbox: &pb.OaInboxRequest{Account: id, Before: before}}})
			if err != nil {
				return err
			}
			ms := f.GetOaMessages().GetMessages()
			for _, m := range ms {
				if err := e.print(m); err != nil {
					return err
				}
			}
			if !f.GetOaMessages().GetMore() || len(ms) == 0 {
				return nil
			}
			before = ms[len(ms)-1].GetId()
		}
	case "stats":
		f, err := call(&pb.ClientFrame{Req: &pb.ClientFrame_OaStats{OaStats: &pb.OaStatsRequest{Account: id, From: rest[1], To: rest[2]}}})
		if err != nil {
			return err
		}
		for _, d := range f.GetOaStats().GetDays() {
			if err := e.print(d); err != nil {
				return err
			}
		}
		return nil
	}
	return usageErr("usage: %s", oaUsage)
}

type menuButton struct {
	Type string       `json:"type"`
	Name string       `json:"name"`
	Key  string       `json:"key"`
	URL  string       `json:"url"`
	Sub  []menuButton `json:"sub_button"`
}

func menuPB(bs []menuButton) []*pb.OaButton {
	var out []*pb.OaButton
	for _, b := range bs {
		out = append(out, &pb.OaButton{Name: b.Name, Type: b.Type, Key: b.Key, Url: b.URL, Sub: menuPB(b.Sub)})
	}
	return out
}

// oaID returns the numeric ID of the account ref names (an AppID, an
// original ID or a number).
func (e *env) oaID(c *wsclient.Conn, ref string) (int64, error) {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaProfile{OaProfile: &pb.OaRef{Ref: ref}}})
	if err != nil {
		return 0, err
	}
	return f.GetOaProfile().GetAccount().GetId(), nil
}

// oaMessages prints what the account sent the user, oldest first.
func (e *env) oaMessages(c *wsclient.Conn, ref string) error {
	var all []*pb.OaMessage
	before := int64(0)
	for {
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaHistory{OaHistory: &pb.OaHistoryRequest{Ref: ref, Before: before, Limit: 100}}})
		if err != nil {
			return err
		}
		l := f.GetOaMessages()
		all = append(all, l.GetMessages()...)
		if !l.GetMore() || len(l.GetMessages()) == 0 {
			break
		}
		before = l.Messages[len(l.Messages)-1].Id
	}
	slices.Reverse(all)
	for _, m := range all {
		if !m.Out {
			continue
		}
		ct := m.GetContent()
		articles := []object{}
		for _, a := range ct.GetArticles() {
			articles = append(articles, object{{"title", a.Title}, {"description", a.Description}, {"url", a.Url}, {"picurl", a.PicUrl}})
		}
		fields := object{}
		for _, x := range ct.GetFields() {
			fields = append(fields, field{x.Name, x.Value})
		}
		if err := e.print(object{{"kind", ct.GetKind()}, {"text", ct.GetText()}, {"media_id", ct.GetMediaId()}, {"title", ct.GetTitle()},
			{"articles", articles}, {"template_id", ct.GetTemplateId()}, {"fields", fields}}); err != nil {
			return err
		}
	}
	return nil
}

// sendOA sends text to an official account (send oa:APPID TEXT) and prints
// the message.
func (e *env) sendOA(ref, text string) error {
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaSend{OaSend: &pb.OaSendRequest{Ref: strings.TrimSpace(ref), Text: text}}})
	if err != nil {
		return err
	}
	return e.print(object{{"id", f.GetOaMessage().GetId()}, {"account", f.GetOaMessage().GetAccount()}})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// oaPostObject is a forum post or reply as the CLI prints it.
func oaPostObject(p *pb.OaForumPost) object {
	media := p.GetMediaIds()
	if media == nil {
		media = []string{}
	}
	return object{{"id", p.GetId()}, {"account", p.GetAccount()}, {"author", p.GetAuthor()}, {"parent", p.GetParent()}, {"text", p.GetText()},
		{"media_ids", media}, {"pinned", p.GetPinned()}, {"replies", p.GetReplies()}, {"time", p.GetTime()}}
}

// oaForumList prints every post of the account's forum, pinned first,
// then newest first, one JSON line each.
func (e *env) oaForumList(c *wsclient.Conn, id int64) error {
	q := &pb.OaForumListRequest{Account: id, Limit: 50}
	for {
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaForumList{OaForumList: q}})
		if err != nil {
			return err
		}
		l := f.GetOaForumList()
		for _, p := range l.GetPosts() {
			if err := e.print(oaPostObject(p)); err != nil {
				return err
			}
		}
		if !l.GetMore() || len(l.GetPosts()) == 0 {
			return nil
		}
		last := l.Posts[len(l.Posts)-1]
		q.After, q.AfterPinned = last.Id, last.Pinned
	}
}

// oaForumPost runs the forum commands that name a post: reply, thread
// (the post, then its replies, oldest first), pin, unpin and remove.
func (e *env) oaForumPost(c *wsclient.Conn, sub string, rest []string) error {
	post, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil || post <= 0 {
		return usageErr("POST_ID is a post's number")
	}
	switch sub {
	case "forum reply":
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaForumReply{OaForumReply: &pb.OaForumReplyRequest{Post: post, Text: rest[1]}}})
		if err != nil {
			return err
		}
		return e.print(oaPostObject(f.GetOaForumPost()))
	case "forum thread":
		q := &pb.OaForumThreadRequest{Post: post}
		first := true
		for {
			f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaForumThread{OaForumThread: q}})
			if err != nil {
				return err
			}
			th := f.GetOaForumThread()
			if first {
				if err := e.print(oaPostObject(th.GetPost())); err != nil {
					return err
				}
				first = false
			}
			for _, r := range th.GetReplies() {
				if err := e.print(oaPostObject(r)); err != nil {
					return err
				}
			}
			if !th.GetMore() || len(th.GetReplies()) == 0 {
				return nil
			}
			q.After = th.Replies[len(th.Replies)-1].Id
		}
	case "forum pin", "forum unpin":
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaForumPin{OaForumPin: &pb.OaForumPinRequest{Post: post, Pinned: sub == "forum pin"}}})
		if err != nil {
			return err
		}
		return e.print(oaPostObject(f.GetOaForumPost()))
	default: // remove
		if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_OaForumRemove{OaForumRemove: &pb.OaForumRemoveRequest{Post: post}}}); err != nil {
			return err
		}
		return e.print(object{{"ok", true}})
	}
}
