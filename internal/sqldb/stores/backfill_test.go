package stores_test

import (
	"testing"

	"hongyan/internal/chat"
)

// A database that held messages before the media index existed gets their
// media indexed afterwards: until then readers are told the index is
// incomplete (and fall back to membership); afterwards the media of
// standing messages are found and those of recalled ones are not.
func TestMediaIndexBackfill(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		ctx := t.Context()
		loc := e.loc(t)
		db, err := e.open(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		chats := db.Chats()
		send := func(clientID, media string) chat.Message {
			m, _, _, err := chats.AppendMessage(ctx, chat.NewMessage{A: 1, B: 2, Message: chat.Message{
				Sender: 1, ClientID: clientID, Kind: chat.KindImage, Media: &chat.Media{ID: media, Class: "image"}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		kept, gone := send("c1", "mKept"), send("c2", "mGone")
		if _, err := chats.RecallMessage(ctx, gone.ID, nil); err != nil {
			t.Fatal(err)
		}
		// As the migration leaves a database that held these messages.
		raw := e.raw(t, loc)
		defer raw.Close()
		for _, q := range []string{`DELETE FROM message_media`, `UPDATE message_media_backfill SET upto = (SELECT MAX(id) FROM messages)`} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		all := chat.Window{From: 1}
		// The writer may already be backfilling in its idle time: the
		// index is either incomplete or has the message, never complete
		// without it.
		if found, indexed, err := chats.MediaVisible(ctx, kept.Conversation, "mKept", all); err != nil || indexed && !found {
			t.Errorf("before the backfill: got found %v, indexed %v, %v; want indexed only with the message found", found, indexed, err)
		}
		if err := chats.BackfillMedia(ctx); err != nil {
			t.Fatalf("BackfillMedia: %v", err)
		}
		for _, tc := range []struct {
			media string
			want  bool
		}{{"mKept", true}, {"mGone", false}} {
			found, indexed, err := chats.MediaVisible(ctx, kept.Conversation, tc.media, all)
			if err != nil || found != tc.want || !indexed {
				t.Errorf("after the backfill, %s: got found %v, indexed %v, %v; want %v, true", tc.media, found, indexed, err, tc.want)
			}
		}
	})
}
