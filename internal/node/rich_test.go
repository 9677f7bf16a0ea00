package node_test

import (
	"net/http/httptest"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

func sendReq(r *pb.SendRequest) *pb.ClientFrame {
	return &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: r}}
}

// Every message kind travels with what it carries; bad content is refused;
// media forwarded (alone or merged into a chat history) becomes
// downloadable for the new chat and for nobody else.
func TestRichMessages(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ann, ben, cal, dan := registerUser(t, srv, "rich_ann1"), registerUser(t, srv, "rich_ben1"), registerUser(t, srv, "rich_cal1"), registerUser(t, srv, "rich_dan1")
		befriend(t, srv, ann, ben)
		befriend(t, srv, ann, cal)
		a := session(t, srv, ann)
		img := upload(t, srv, ann.token, "kind=image&name=p.png", mediaPNG(64, 48)).media(t)

		sent := map[string]*pb.SendResponse{}
		for name, r := range map[string]*pb.SendRequest{
			"image":    {Kind: pb.MessageKind_MESSAGE_KIND_IMAGE, Media: img.ID},
			"location": {Kind: pb.MessageKind_MESSAGE_KIND_LOCATION, Location: &pb.Location{Latitude: 30.25, Longitude: 120.15, Name: "西湖", Address: "杭州"}},
			"card":     {Kind: pb.MessageKind_MESSAGE_KIND_CONTACT_CARD, Card: cal.id},
			// A private address is never fetched: the card is just the link.
			"link": {Kind: pb.MessageKind_MESSAGE_KIND_LINK, Url: "http://127.0.0.1:1/secret"},
			"text": {Kind: pb.MessageKind_MESSAGE_KIND_TEXT, Text: "看这张图 😀"},
		} {
			r.Peer, r.ClientId = ben.id, name
			sent[name] = call(t, a, sendReq(r)).GetSent()
		}
		reply := call(t, a, sendReq(&pb.SendRequest{Peer: ben.id, ClientId: "reply", Text: "回复", Quote: sent["text"].Id})).GetSent()

		byID := map[int64]*pb.Message{}
		for _, m := range call(t, session(t, srv, ben), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: reply.Conversation}}}).GetMessages().GetMessages() {
			byID[m.Id] = m
		}
		if m := byID[sent["image"].Id]; m.GetMedia().GetId() != img.ID || m.Media.Width != 64 || !m.Media.Thumbnail || m.Media.Type != "image/png" {
			t.Errorf("image: got %v", m)
		}
		if m := byID[sent["location"].Id]; m.GetLocation().GetName() != "西湖" || m.Location.Latitude != 30.25 || m.Text != "西湖" {
			t.Errorf("location: got %v", m)
		}
		if m := byID[sent["card"].Id]; m.GetCard() != cal.id {
			t.Errorf("card: got %v", m)
		}
		if m := byID[sent["link"].Id]; m.GetLink().GetUrl() != "http://127.0.0.1:1/secret" || m.Link.Title != "" || m.Link.Image != "" {
			t.Errorf("link to a private address: got %v, want the bare URL", m)
		}
		if m := byID[reply.Id]; m.GetQuote().GetMessage() != sent["text"].Id || m.Quote.Text != "看这张图 😀" || m.Quote.Sender != ann.id {
			t.Errorf("reply: got %v", m)
		}
		// Ben, a member of the chat, downloads the image; Cal cannot yet.
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, ben.token, nil); r.status != 200 {
			t.Errorf("ben downloads the image: %d", r.status)
		}
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, cal.token, nil); r.status != 404 {
			t.Errorf("cal downloads the image before it is forwarded to him: %d, want 404", r.status)
		}
		// Merged into a chat history for Cal, the image becomes his to see;
		// Dan, a stranger, still cannot.
		fw := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_Forward{Forward: &pb.ForwardRequest{
			Peer: cal.id, ClientId: "merge1", Merged: true, Messages: []int64{sent["text"].Id, sent["image"].Id}}}}).GetSent()
		hist := call(t, session(t, srv, cal), &pb.ClientFrame{Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: fw.Conversation}}}).GetMessages().GetMessages()
		card := hist[len(hist)-1]
		if card.Kind != pb.MessageKind_MESSAGE_KIND_CHAT_HISTORY || len(card.GetHistory().GetMessages()) != 2 ||
			card.History.Messages[1].GetMedia().GetId() != img.ID || card.History.Messages[0].Text != "看这张图 😀" {
			t.Fatalf("merged forward: got %v", card)
		}
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, cal.token, nil); r.status != 200 {
			t.Errorf("cal downloads the image forwarded to him: %d, want 200", r.status)
		}
		if r := request(t, "GET", srv.URL+"/media/"+img.ID+"/thumb", dan.token, nil); r.status != 404 {
			t.Errorf("dan downloads the thumbnail: %d, want 404", r.status)
		}

		for name, r := range map[string]*pb.SendRequest{
			"image without media":     {Kind: pb.MessageKind_MESSAGE_KIND_IMAGE},
			"someone else's media":    {Kind: pb.MessageKind_MESSAGE_KIND_IMAGE, Media: upload(t, srv, dan.token, "kind=image", mediaPNG(8, 8)).media(t).ID},
			"image sent as voice":     {Kind: pb.MessageKind_MESSAGE_KIND_VOICE, Media: img.ID},
			"latitude out of range":   {Kind: pb.MessageKind_MESSAGE_KIND_LOCATION, Location: &pb.Location{Latitude: 91}},
			"card of a stranger":      {Kind: pb.MessageKind_MESSAGE_KIND_CONTACT_CARD, Card: dan.id},
			"javascript link":         {Kind: pb.MessageKind_MESSAGE_KIND_LINK, Url: "javascript:alert(1)"},
			"a notice":                {Kind: pb.MessageKind_MESSAGE_KIND_NOTICE, Text: "fake"},
			"a chat history":          {Kind: pb.MessageKind_MESSAGE_KIND_CHAT_HISTORY, Text: "fake"},
			"text with a media":       {Kind: pb.MessageKind_MESSAGE_KIND_TEXT, Text: "x", Media: img.ID},
			"quote from another chat": {Kind: pb.MessageKind_MESSAGE_KIND_TEXT, Text: "x", Quote: fw.Id},
			"mention in a 1:1 chat":   {Kind: pb.MessageKind_MESSAGE_KIND_TEXT, Text: "x", Mentions: []int64{ben.id}},
		} {
			r.Peer, r.ClientId = ben.id, "bad-"+name
			if code := callCode(a, sendReq(r)); code == "" {
				t.Errorf("%s: sent, want an error", name)
			}
		}
	})
}
