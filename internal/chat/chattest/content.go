package chattest

import (
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// testContent: what a message carries besides its text is stored with it
// and read back whole, by every read path, also in batches of appends.
func testContent(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	kinds := []chat.NewMessage{
		msg(1, 2, 1, "img", ""), msg(1, 2, 1, "loc", "西湖"), msg(1, 2, 2, "card", ""), msg(1, 2, 2, "link", "Go https://go.dev"),
		msg(1, 2, 1, "hist", "聊天记录"), msg(1, 2, 2, "quote", "回复"),
	}
	kinds[0].Message.Kind, kinds[0].Message.Media = chat.KindImage, &chat.Media{ID: "m1", Class: "image", Type: "image/png", Size: 99, Width: 3, Height: 2, Thumbnail: true}
	kinds[1].Message.Kind, kinds[1].Message.Location = chat.KindLocation, &chat.Location{Latitude: 30.25, Longitude: 120.15, Name: "西湖"}
	kinds[2].Message.Kind, kinds[2].Message.Card = chat.KindCard, 3
	kinds[3].Message.Kind, kinds[3].Message.Link = chat.KindLink, &chat.Link{URL: "https://go.dev", Title: "Go", Image: "m2"}
	kinds[4].Message.Kind, kinds[4].Message.History = chat.KindHistory, &chat.History{Title: "聊天记录", Messages: []chat.Message{
		{ID: 7, Sender: 1, Kind: chat.KindText, Text: "一", Time: T0}, {ID: 8, Sender: 2, Kind: chat.KindFile, Text: "a.pdf", Time: T0,
			Media: &chat.Media{ID: "m3", Class: "file", Type: "application/pdf", Size: 5, Name: "a.pdf"}}}}
	kinds[5].Message.Quote = &chat.Quote{Message: 7, Sender: 1, Kind: chat.KindText, Text: "一"}
	var sent []chat.Message
	for _, m := range kinds {
		got, _ := mustAppend(t, s, m, 1, 2)
		want := m.Message
		want.ID, want.Conversation, want.Seq = got.ID, got.Conversation, got.Seq
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("AppendMessage(%s) (-want +got):\n%s", m.Message.ClientID, diff)
		}
		sent = append(sent, got)
	}
	conv := sent[0].Conversation
	hist, err := s.Messages(ctx, conv, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(sent, hist); diff != "" {
		t.Errorf("Messages (-want +got):\n%s", diff)
	}
	for _, m := range sent {
		got, err := s.Message(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(m, got); diff != "" {
			t.Errorf("Message(%d) (-want +got):\n%s", m.ID, diff)
		}
	}
	at, err := s.MessagesAt(ctx, []chat.Ref{{Conversation: conv, Seq: 1}, {Conversation: conv, Seq: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff([]chat.Message{sent[0], sent[4]}, at); diff != "" {
		t.Errorf("MessagesAt (-want +got):\n%s", diff)
	}
	sum, err := s.Summary(ctx, 1, conv)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(sent[5], sum.Last); diff != "" {
		t.Errorf("Summary's last message (-want +got):\n%s", diff)
	}
	// A retry returns the stored content, not the retry's.
	retry := kinds[0]
	retry.Message.Media = &chat.Media{ID: "other"}
	again, _, dup, err := s.AppendMessage(ctx, retry, []hongyan.UserID{1, 2})
	if err != nil || !dup || again.Media == nil || again.Media.ID != "m1" {
		t.Errorf("retry: got %+v, dup %v, %v; want the stored image", again, dup, err)
	}
	// A recall erases the content too.
	if _, err := s.RecallMessage(ctx, sent[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Message(ctx, sent[0].ID); got.Media != nil || got.Kind != chat.KindRecalled {
		t.Errorf("recalled image: got %+v, want no media", got)
	}
}

// testDirectConversation: asking for a conversation creates it empty,
// once; the first message then goes into it.
func testDirectConversation(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	c, err := s.DirectConversation(ctx, 4, 9)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID <= 0 || c.A != 4 || c.B != 9 || c.LastSeq != 0 || c.Group {
		t.Fatalf("DirectConversation: got %+v", c)
	}
	again, err := s.DirectConversation(ctx, 4, 9)
	if err != nil || again.ID != c.ID {
		t.Fatalf("DirectConversation again: got %+v, %v; want ID %d", again, err, c.ID)
	}
	m, _ := mustAppend(t, s, msg(4, 9, 4, "d1", "hi"), 4, 9)
	if m.Conversation != c.ID || m.Seq != 1 {
		t.Errorf("first message: got conversation %d seq %d, want %d, 1", m.Conversation, m.Seq, c.ID)
	}
	if _, err := s.DirectConversation(ctx, 9, 4); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("DirectConversation(9, 4): got %v, want invalid", err)
	}
}

// testDeleteBefore: pruning deletes the oldest messages first, in batches,
// and leaves the rest readable.
func testDeleteBefore(t *testing.T, s chat.Store) {
	ctx := t.Context()
	var sent []chat.Message
	for i := range 5 {
		m := msg(1, 2, 1, string(rune('a'+i)), "old or new")
		m.Message.Time = T0.Add(time.Duration(i) * time.Hour)
		got, _ := mustAppend(t, s, m, 1, 2)
		sent = append(sent, got)
	}
	if _, err := s.HideMessage(ctx, 2, sent[0], nil); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteBefore(ctx, T0.Add(150*time.Minute), 2)
	if err != nil || n != 2 {
		t.Fatalf("DeleteBefore, limit 2: got %d, %v; want 2", n, err)
	}
	n, err = s.DeleteBefore(ctx, T0.Add(150*time.Minute), 2)
	if err != nil || n != 1 {
		t.Fatalf("DeleteBefore again: got %d, %v; want 1", n, err)
	}
	left, err := s.Messages(ctx, sent[0].Conversation, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0].ID != sent[3].ID || left[1].ID != sent[4].ID {
		t.Errorf("after pruning: got %v, want the two newest", left)
	}
	if _, err := s.Message(ctx, sent[0].ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a pruned message: got %v, want not found", err)
	}
	if h, err := s.Hidden(ctx, 2); err != nil || len(h.Messages) != 0 {
		t.Errorf("hidden after pruning: got %v, %v; want none", h.Messages, err)
	}
}
