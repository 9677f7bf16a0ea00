package chattest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// testMediaVisible checks the media index: the media a message carries
// (its media and poster, its link's image, those of a forwarded history)
// are found at its position while it stands, and not once it is recalled
// or pruned.
func testMediaVisible(t *testing.T, s chat.Messages) {
	ctx := t.Context()
	with := func(clientID string, fill func(m *chat.Message)) chat.Message {
		nm := msg(1, 2, 1, clientID, "")
		nm.Message.Kind = chat.KindImage
		fill(&nm.Message)
		got, _ := mustAppend(t, s, nm, 1, 2)
		return got
	}
	text, _ := mustAppend(t, s, msg(1, 2, 1, "t1", "no media"), 1, 2)
	conv := text.Conversation
	with("old", func(m *chat.Message) {
		m.Media = &chat.Media{ID: "mOld", Class: "image"}
		m.Time = T0.Add(-time.Hour)
	})
	img := with("img", func(m *chat.Message) { m.Media = &chat.Media{ID: "mA", Class: "video", Poster: "mP"} })
	link := with("link", func(m *chat.Message) {
		m.Kind, m.Media, m.Link = chat.KindLink, nil, &chat.Link{URL: "https://example.com", Image: "mL"}
	})
	hist := with("hist", func(m *chat.Message) {
		m.Kind, m.History = chat.KindHistory, &chat.History{Title: "h", Messages: []chat.Message{
			{Kind: chat.KindImage, Media: &chat.Media{ID: "mH", Class: "image"}},
			{Kind: chat.KindImage, Media: &chat.Media{ID: "mH", Class: "image"}}, // twice: one row
		}}
	})
	again := with("again", func(m *chat.Message) { m.Media = &chat.Media{ID: "mA", Class: "video"} })

	check := func(when, id string, w chat.Window, want bool) {
		t.Helper()
		found, indexed, err := s.MediaVisible(ctx, conv, id, w)
		if err != nil {
			t.Fatalf("%s: MediaVisible(%s, %+v): %v", when, id, w, err)
		}
		if !indexed {
			t.Errorf("%s: MediaVisible(%s, %+v): indexed false on a store that has always kept the index", when, id, w)
		}
		if found != want {
			t.Errorf("%s: MediaVisible(%s, %+v): got %v, want %v", when, id, w, found, want)
		}
	}
	all := chat.Window{From: 1}
	check("sent", "mOld", all, true)
	check("sent", "mA", all, true)
	check("sent", "mP", all, true)
	check("sent", "mL", all, true)
	check("sent", "mH", all, true)
	check("sent", "nothing", all, false)
	check("sent", "mA", chat.Window{From: 1, To: text.Seq}, false)
	check("sent", "mA", chat.Window{From: img.Seq, To: img.Seq}, true)
	check("sent", "mA", chat.Window{From: again.Seq}, true)
	check("sent", "mL", chat.Window{From: link.Seq + 1}, false)
	check("sent", "mH", chat.Window{From: hist.Seq, To: hist.Seq}, true)
	if other, _ := mustAppend(t, s, msg(1, 3, 1, "o1", "elsewhere"), 1, 3); other.Conversation == conv {
		t.Fatalf("two conversations got one ID")
	} else if found, _, err := s.MediaVisible(ctx, other.Conversation, "mA", all); err != nil || found {
		t.Errorf("media of another conversation: got %v, %v; want false", found, err)
	}

	// A recalled message no longer carries its media; another message
	// with the same media still does.
	if _, err := s.RecallMessage(ctx, img.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("recalled", "mA", chat.Window{From: 1, To: img.Seq}, false)
	check("recalled", "mP", all, false)
	check("recalled", "mA", all, true)
	if _, err := s.RecallMessage(ctx, again.ID, nil); err != nil {
		t.Fatal(err)
	}
	check("both recalled", "mA", all, false)

	// A pruned message neither.
	if n, err := s.DeleteBefore(ctx, T0.Add(-time.Minute), 10); err != nil || n != 1 {
		t.Fatalf("DeleteBefore: got %d, %v; want 1", n, err)
	}
	check("pruned", "mOld", all, false)

	// Messages appended together (one batch) are each indexed.
	var wg sync.WaitGroup
	seqs := make([]int64, 16)
	for i := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nm := msg(1, 2, 2, fmt.Sprint("batch", i), "")
			nm.Message.Kind, nm.Message.Media = chat.KindImage, &chat.Media{ID: fmt.Sprint("mB", i), Class: "image"}
			m, _, _, err := s.AppendMessage(ctx, nm, []hongyan.UserID{1, 2})
			if err != nil {
				t.Errorf("AppendMessage: %v", err)
				return
			}
			seqs[i] = m.Seq
		}()
	}
	wg.Wait()
	for i, seq := range seqs {
		check("batch", fmt.Sprint("mB", i), chat.Window{From: seq, To: seq}, true)
	}
}
