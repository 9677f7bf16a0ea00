package node_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/node"
)

// Voice, video and music between a follower and an account: the follower's
// voice clip and video reach the developer as WeChat's XML (MediaId,
// Format, ThumbMediaId) with media the developer can download; passive
// Voice/Video/Music replies and customer-service voice, video and music
// sends land in the follower's chat with their fields.
func TestOfficialAccountVoiceVideoMusic(t *testing.T) {
	forEachEngineDev(t, func(t *testing.T, n *node.Node, srv *httptest.Server) {
		old := util.DefaultHTTPClient
		util.DefaultHTTPClient = &http.Client{Transport: wxRewrite{target: mustParse(t, srv.URL)}}
		t.Cleanup(func() { util.DefaultHTTPClient = old })

		owner, fan, stranger := registerUser(t, srv, "media_owner"), registerUser(t, srv, "media_fan01"), registerUser(t, srv, "media_strgr")
		o, f := session(t, srv, owner), session(t, srv, fan)
		created := call(t, o, oaReq(&pb.OaCreateRequest{Org: "Radio", Name: "Radio", Kind: pb.OaKind_OA_KIND_SERVICE})).GetOaCreated()
		acct, secret := created.GetAccount(), created.GetAppsecret()
		call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_OaFollow{OaFollow: &pb.OaRef{Ref: acct.Appid}}})

		const token = "mediatoken1"
		cfg := &oaconfig.Config{AppID: acct.Appid, AppSecret: secret, Token: token, Cache: cache.NewMemory()}
		oa := officialaccount.NewOfficialAccount(cfg)
		var mu sync.Mutex
		var got []*message.MixMessage
		dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := officialaccount.NewOfficialAccount(cfg).GetServer(r, w)
			s.SetMessageHandler(func(m *message.MixMessage) *message.Reply {
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
				switch m.MsgType {
				case message.MsgTypeVoice:
					return &message.Reply{MsgType: message.MsgTypeVoice, MsgData: message.NewVoice(m.MediaID)}
				case message.MsgTypeVideo:
					return &message.Reply{MsgType: message.MsgTypeMusic, MsgData: message.NewMusic("歌", "一首歌", "https://music.example/a.mp3", "https://music.example/hq.mp3", m.ThumbMediaID)}
				}
				return nil
			})
			if err := s.Serve(); err != nil {
				http.Error(w, err.Error(), http.StatusForbidden)
				return
			}
			s.Send()
		}))
		defer dev.Close()
		call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_OaSetServer{OaSetServer: &pb.OaServerRequest{Account: acct.Id, Url: dev.URL + "/wx", Token: token, Mode: "plain"}}})

		wav := append([]byte("RIFF\x2c\x1f\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x40\x1f\x00\x00"), make([]byte, 8000)...)
		voice := upload(t, srv, fan.token, "kind=voice&duration_ms=1000", wav).media(t)
		img := upload(t, srv, fan.token, "kind=image", mediaPNG(8, 8)).media(t)
		sendVoice := &pb.ClientFrame{Req: &pb.ClientFrame_OaSend{OaSend: &pb.OaSendRequest{Account: acct.Id, Kind: "voice", MediaId: voice.ID}}}
		if code := callCode(session(t, srv, stranger), sendVoice); code == "" {
			t.Errorf("a stranger sent the account a voice clip (and someone else's media)")
		}
		if code := callCode(f, &pb.ClientFrame{Req: &pb.ClientFrame_OaSend{OaSend: &pb.OaSendRequest{Account: acct.Id, Kind: "voice", MediaId: img.ID}}}); code != "invalid_argument" {
			t.Errorf("an image sent as voice: code %q, want invalid_argument", code)
		}
		if code := callCode(f, &pb.ClientFrame{Req: &pb.ClientFrame_OaSend{OaSend: &pb.OaSendRequest{Account: acct.Id, Kind: "shortvideo", MediaId: voice.ID}}}); code != "invalid_argument" {
			t.Errorf("an unknown kind: code %q, want invalid_argument", code)
		}
		sent := call(t, f, sendVoice).GetOaMessage().GetContent()
		if sent.GetKind() != "voice" || sent.GetFormat() != "wav" || sent.GetMediaId() == "" || sent.GetMediaId() == voice.ID {
			t.Errorf("sent voice = %v; want kind voice, format wav and the account's copy's media ID", sent)
		}
		n.OfficialAccounts().Wait()

		mu.Lock()
		if len(got) != 1 || got[0].MsgType != message.MsgTypeVoice || got[0].MediaID != sent.GetMediaId() || got[0].Format != "wav" || got[0].MsgID == 0 {
			t.Errorf("the developer got %+v; want one voice push with MediaId %s, Format wav and a MsgId", got, sent.GetMediaId())
		}
		mu.Unlock()
		// The developer downloads the clip by the pushed MediaId.
		tok, err := oa.GetAccessToken()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(srv.URL + "/cgi-bin/media/get?access_token=" + tok + "&media_id=" + sent.GetMediaId())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(body, wav) {
			t.Errorf("media/get of the pushed MediaId: %d bytes %.60q; want the follower's clip", len(body), body)
		}

		// Customer-service voice, video and music.
		openid := string(got[0].FromUserName)
		cm := oa.GetCustomerMessageManager()
		if err := cm.Send(message.NewCustomerVoiceMessage(openid, sent.GetMediaId())); err != nil {
			t.Errorf("custom voice: %v", err)
		}
		if err := cm.Send(&message.CustomerMessage{ToUser: openid, Msgtype: message.MsgTypeVideo,
			Video: &message.MediaVideo{MediaID: sent.GetMediaId(), ThumbMediaID: "thumb1", Title: "片", Description: "说明"}}); err != nil {
			t.Errorf("custom video: %v", err)
		}
		if err := cm.Send(&message.CustomerMessage{ToUser: openid, Msgtype: message.MsgTypeMusic,
			Music: &message.MediaMusic{Title: "曲", Description: "d", Musicurl: "https://music.example/b.mp3", Hqmusicurl: "https://music.example/b-hq.mp3", ThumbMediaID: "thumb2"}}); err != nil {
			t.Errorf("custom music: %v", err)
		}
		if err := cm.Send(&message.CustomerMessage{ToUser: openid, Msgtype: message.MsgTypeMusic,
			Music: &message.MediaMusic{Title: "曲", Musicurl: "javascript:alert(1)"}}); err == nil {
			t.Errorf("custom music to a javascript: URL was accepted")
		}

		hist := call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_OaHistory{OaHistory: &pb.OaHistoryRequest{Account: acct.Id}}}).GetOaMessages().GetMessages()
		var out []string
		for i := len(hist) - 1; i >= 0; i-- {
			if c := hist[i].GetContent(); hist[i].Out {
				out = append(out, strings.Join([]string{c.Kind, c.MediaId, c.ThumbMediaId, c.Title, c.Text, c.Url, c.HqUrl}, "|"))
			}
		}
		m := sent.GetMediaId()
		want := []string{
			"voice|" + m + "|||||",
			"voice|" + m + "|||||",
			"video|" + m + "|thumb1|片|说明||",
			"music||thumb2|曲|d|https://music.example/b.mp3|https://music.example/b-hq.mp3",
		}
		if strings.Join(out, "\n") != strings.Join(want, "\n") {
			t.Errorf("the follower's chat from the account:\n%s\nwant\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
		}

		// A video from the follower reaches the developer as a video push.
		mp4 := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 2000)...)
		clip := upload(t, srv, fan.token, "kind=video&duration_ms=1000&name=clip.mp4", mp4).media(t)
		vid := call(t, f, &pb.ClientFrame{Req: &pb.ClientFrame_OaSend{OaSend: &pb.OaSendRequest{Account: acct.Id, Kind: "video", MediaId: clip.ID}}}).GetOaMessage().GetContent()
		if vid.GetKind() != "video" || vid.GetMediaId() == "" || vid.GetMediaId() == clip.ID {
			t.Errorf("sent video = %v; want kind video and the account's copy's media ID", vid)
		}
		n.OfficialAccounts().Wait()
		mu.Lock()
		if last := got[len(got)-1]; len(got) != 2 || last.MsgType != message.MsgTypeVideo || last.MediaID != vid.GetMediaId() || last.MsgID == 0 {
			t.Errorf("the developer's pushes: got %d, the last %+v; want a video push with MediaId %s", len(got), last, vid.GetMediaId())
		}
		mu.Unlock()

		// The console's inbox shows both, newest first, with the sender;
		// operators play them, nobody else does.
		inbox := &pb.ClientFrame{Req: &pb.ClientFrame_OaInbox{OaInbox: &pb.OaInboxRequest{Account: acct.Id, Limit: 1}}}
		page := call(t, o, inbox).GetOaMessages()
		if len(page.Messages) != 1 || !page.More || page.Messages[0].Content.GetKind() != "video" || page.Messages[0].User != fan.id || page.Messages[0].Nickname != "media_fan01" {
			t.Fatalf("inbox page 1: got %v, want the video from media_fan01 and more", page)
		}
		inbox.GetOaInbox().Before = page.Messages[0].Id
		page = call(t, o, inbox).GetOaMessages()
		if len(page.Messages) != 1 || page.Messages[0].Content.GetKind() != "voice" || page.Messages[0].Content.GetMediaId() != m {
			t.Errorf("inbox page 2: got %v, want the voice clip", page)
		}
		for _, who := range []struct {
			name  string
			token string
		}{{"a stranger", stranger.token}, {"the follower", fan.token}} {
			if code := callCode(session(t, srv, user{token: who.token, account: who.name}), inbox); code != "permission_denied" {
				t.Errorf("%s reads the inbox: got %q, want permission_denied", who.name, code)
			}
			if r := request(t, "GET", srv.URL+"/media/oa/"+strconv.FormatInt(acct.Id, 10)+"/"+m, who.token, nil); r.status != http.StatusForbidden {
				t.Errorf("%s fetches the account's media: got %d, want 403", who.name, r.status)
			}
		}
		if r := request(t, "GET", srv.URL+"/media/oa/"+strconv.FormatInt(acct.Id, 10)+"/"+m, owner.token, nil); r.status != http.StatusOK || !bytes.Equal(r.body, wav) || r.header.Get("Content-Type") != "audio/wav" {
			t.Errorf("the operator plays the clip: %d %q, %d bytes; want the follower's WAV", r.status, r.header.Get("Content-Type"), len(r.body))
		}
		if r := request(t, "GET", srv.URL+"/media/oa/"+strconv.FormatInt(acct.Id, 10)+"/no-such-media", owner.token, nil); r.status != http.StatusNotFound {
			t.Errorf("missing media: got %d, want 404", r.status)
		}
	})
}
