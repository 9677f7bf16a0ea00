package node_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hongyan/internal/bot"
	pb "hongyan/internal/gen/hongyanv1"
)

// TestBotAppCards: a bot with apps:write, granted in a group, posts an app
// card there (title, description, link, its name on it); members see it in
// the group's history. Without the scope or the grant, with a bad link or
// an image it may not send, or in a muted group, nothing is posted.
func TestBotAppCards(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		alice := registerUser(t, srv, "alice_cards")
		bob := registerUser(t, srv, "bob_cards")
		carol := registerUser(t, srv, "carol_cards")
		befriend(t, srv, alice, bob)
		befriend(t, srv, alice, carol)
		a := session(t, srv, alice)
		g := createGroup(t, a, "Card lab", []int64{bob.id, carol.id}).Id
		created := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Weather"}}}).GetBotCreated()
		b := created.GetBot()
		tok := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotToken{BotToken: &pb.BotTokenRequest{Bot: b.Id, Scopes: []string{bot.ScopeApps}}}}).GetBotToken().Token
		api := botClient{t: t, base: srv.URL, token: tok}
		path := fmt.Sprintf("/bot/v1/groups/%d/cards", g)
		card := map[string]any{"title": "Forecast", "description": "Sunny, 24°C\nWind 3 m/s", "url": "https://weather.example/today?city=sh", "client_id": "c1"}

		addBot := func(scopes ...string) {
			call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: b.Id, Scopes: scopes}}})
		}
		api.want("before the bot is added", api.do("POST", path, card), 403, "permission_denied")
		addBot(bot.ScopeSend)
		api.want("without the grant", api.do("POST", path, card), 403, "permission_denied")
		sendOnly := botClient{t: t, base: srv.URL, token: created.Token}
		sendOnly.want("without the scope", sendOnly.do("POST", path, card), 403, "permission_denied")
		addBot(bot.ScopeSend, bot.ScopeApps)

		for name, body := range map[string]map[string]any{
			"no title":       {"title": " ", "url": "https://a.example/"},
			"long title":     {"title": strings.Repeat("标", 65), "url": "https://a.example/"},
			"long desc":      {"title": "t", "description": strings.Repeat("x", 201), "url": "https://a.example/"},
			"control char":   {"title": "t", "description": "a\x00b", "url": "https://a.example/"},
			"javascript url": {"title": "t", "url": "javascript:alert(1)"},
			"user info":      {"title": "t", "url": "https://bank.example@evil.example/"},
			"relative url":   {"title": "t", "url": "/relative"},
			"spaces":         {"title": "t", "url": "https://a.example/a b"},
			"long url":       {"title": "t", "url": "https://a.example/" + strings.Repeat("a", 2048)},
			"image not mine": {"title": "t", "url": "https://a.example/", "image": "nosuchmedia"},
			"bad image id":   {"title": "t", "url": "https://a.example/", "image": "a b"},
			"unknown field":  {"title": "t", "url": "https://a.example/", "html": "<b>"},
		} {
			got := api.do("POST", path, body)
			if got.status < 400 || got.status >= 500 {
				t.Errorf("%s: got %d %s, want a 4xx refusal", name, got.status, got.raw)
			}
		}

		sent := api.want("post", api.do("POST", path, card), 200, "")
		again := api.want("post again", api.do("POST", path, card), 200, "")
		if sent.body["message_id"] != again.body["message_id"] {
			t.Errorf("the same client_id posted twice: %s, then %s", sent.raw, again.raw)
		}
		hist := call(t, session(t, srv, bob), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g}}}).GetMessages().GetMessages()
		var cards []*pb.AppCard
		for _, m := range hist {
			if m.AppCard != nil {
				cards = append(cards, m.AppCard)
				if m.Sender != b.Account || m.Kind != pb.MessageKind_MESSAGE_KIND_APP_CARD {
					t.Errorf("card message from %d of kind %v, want from the bot %d, an app card", m.Sender, m.Kind, b.Account)
				}
			}
		}
		if len(cards) != 1 {
			t.Fatalf("got %d cards in the history, want 1", len(cards))
		}
		c := cards[0]
		if c.App != pb.GroupApp_GROUP_APP_THIRD_PARTY || c.Item != b.Id || c.Title != "Forecast" || c.Description != "Sunny, 24°C\nWind 3 m/s" ||
			c.Url != "https://weather.example/today?city=sh" || c.AppName != "Weather" || c.Image != "" {
			t.Errorf("card = %v", c)
		}

		// An image the bot uploads (apps:write) goes on a card; members
		// download it, a stranger does not.
		up := func(c botClient, body []byte) apiAnswer {
			req, _ := http.NewRequest("POST", srv.URL+"/bot/v1/media?name=cover.png", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+c.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			a := apiAnswer{status: resp.StatusCode, raw: raw}
			json.Unmarshal(raw, &a.body)
			return a
		}
		sendOnly.want("upload without apps:write", up(sendOnly, mediaPNG(40, 30)), 403, "permission_denied")
		if got := up(api, []byte("not an image at all")); got.status != 400 {
			t.Errorf("upload of text: %d %s, want 400", got.status, got.raw)
		}
		img := api.want("upload", up(api, mediaPNG(40, 30)), 200, "")
		id, _ := img.body["media"].(string)
		withImage := map[string]any{"title": "Cover", "url": "https://weather.example/", "image": id, "client_id": "c3"}
		api.want("card with image", api.do("POST", path, withImage), 200, "")
		hist = call(t, session(t, srv, bob), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: g}}}).GetMessages().GetMessages()
		if last := hist[len(hist)-1].AppCard; last == nil || last.Image != id {
			t.Fatalf("last card = %v, want image %q", last, id)
		}
		if got := request(t, "GET", srv.URL+"/media/"+id, bob.token, nil); got.status != 200 {
			t.Errorf("a member downloads the card's image: %d", got.status)
		}
		stranger := registerUser(t, srv, "dave_cards")
		if got := request(t, "GET", srv.URL+"/media/"+id, stranger.token, nil); got.status == 200 {
			t.Errorf("a stranger downloads the card's image: %d", got.status)
		}

		// A muted group: the bot, a plain member, may not post.
		muted := true
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g, MutedAll: &muted}}})
		card["client_id"] = "c2"
		if got := api.do("POST", path, card); got.status != 403 && got.status != 409 {
			t.Errorf("post in a muted group: %d %s, want a refusal", got.status, got.raw)
		}
	})
}
