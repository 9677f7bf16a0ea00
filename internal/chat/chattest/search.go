package chattest

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// texts lists the texts of ms in order.
func texts(ms []chat.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

func testSearch(t *testing.T, s chat.Store) {
	ctx := t.Context()
	ab, _ := mustAppend(t, s, msg(1, 2, 1, "s1", "大家快来抢红包啦"))
	mustAppend(t, s, msg(1, 2, 2, "s2", "Hello World"))
	mustAppend(t, s, msg(1, 2, 1, "s3", "红包拿到了"))
	mustAppend(t, s, msg(1, 3, 3, "s4", "另一个红包"))          // user 1 with user 3
	mustAppend(t, s, msg(2, 3, 2, "s5", "红包 for 2 and 3")) // user 1 is not a member
	mustAppend(t, s, msg(1, 2, 2, "s6", "100% sure_thing"))

	tests := []struct {
		name  string
		user  hongyan.UserID
		conv  hongyan.ConversationID
		query string
		want  []string
	}{
		{"two CJK characters, across chats, newest first", 1, 0, "红包", []string{"另一个红包", "红包拿到了", "大家快来抢红包啦"}},
		{"one CJK character", 1, 0, "抢", []string{"大家快来抢红包啦"}},
		{"three characters use the index", 1, 0, "抢红包", []string{"大家快来抢红包啦"}},
		{"one chat only", 1, ab.Conversation, "红包", []string{"红包拿到了", "大家快来抢红包啦"}},
		{"ASCII ignores case", 1, 0, "hello world", []string{"Hello World"}},
		{"only the user's chats", 3, 0, "红包", []string{"红包 for 2 and 3", "另一个红包"}},
		{"LIKE wildcards are literal", 1, 0, "0% s", []string{"100% sure_thing"}},
		{"underscore is literal", 1, 0, "e_t", []string{"100% sure_thing"}},
		{"percent alone is literal", 2, 0, "%", []string{"100% sure_thing"}},
		{"no match", 1, 0, "红包包", nil},
		{"a stranger finds nothing", 9, 0, "红包", nil},
	}
	for _, tt := range tests {
		got, err := s.Search(ctx, tt.user, tt.conv, tt.query, 0, 50)
		if err != nil {
			t.Fatalf("%s: Search: %v", tt.name, err)
		}
		if diff := gocmp.Diff(tt.want, texts(got)); diff != "" {
			t.Errorf("%s: Search(%d, %d, %q) (-want +got):\n%s", tt.name, tt.user, tt.conv, tt.query, diff)
		}
	}
	// Paging: results below a message ID.
	first, err := s.Search(ctx, 1, 0, "红包", 0, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("Search page 1: got %v, %v; want 2 messages", texts(first), err)
	}
	rest, err := s.Search(ctx, 1, 0, "红包", first[1].ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff([]string{"大家快来抢红包啦"}, texts(rest)); diff != "" {
		t.Errorf("Search page 2 (-want +got):\n%s", diff)
	}
	if _, err := s.Search(ctx, 1, 0, "", 0, 10); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("empty query: got %v, want invalid_argument", err)
	}
}

func testRecall(t *testing.T, s chat.Messages) {
	ctx := t.Context()
	m, _ := mustAppend(t, s, msg(1, 2, 1, "r1", "秘密 secret"), 1, 2)
	got, err := s.Message(ctx, m.ID)
	if err != nil || got.Text != "秘密 secret" {
		t.Fatalf("Message: got %+v, %v", got, err)
	}
	changes := []hongyan.Change{
		{User: 1, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: m.Seq},
		{User: 2, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: m.Seq},
	}
	out, err := s.RecallMessage(ctx, m.ID, changes)
	if err != nil {
		t.Fatalf("RecallMessage: %v", err)
	}
	// Each user's log had the message (seq 1); the recall entries follow.
	for i, c := range out {
		if c.Seq != 2 || c.User != changes[i].User || c.Ref != m.Seq {
			t.Errorf("recall change %d: got %+v, want seq 2 for user %d", i, c, changes[i].User)
		}
	}
	got, err = s.Message(ctx, m.ID)
	if err != nil || got.Kind != chat.KindRecalled || got.Text != "" || got.Seq != m.Seq {
		t.Fatalf("recalled message: got %+v, %v; want kind recalled, no text, same seq", got, err)
	}
	if found, err := s.Search(ctx, 1, 0, "secret", 0, 10); err != nil || len(found) != 0 {
		t.Errorf("search after recall: got %v, %v; want nothing", texts(found), err)
	}
	if _, err := s.Message(ctx, m.ID+1000); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Message(missing): got %v, want not_found", err)
	}
	if _, err := s.RecallMessage(ctx, m.ID+1000, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("RecallMessage(missing): got %v, want not_found", err)
	}
}

func testHide(t *testing.T, s chat.Store) {
	ctx := t.Context()
	var msgs []chat.Message
	for i := range 4 {
		m, _ := mustAppend(t, s, msg(1, 2, 1, "h"+string(rune('a'+i)), "hide me "+string(rune('a'+i))))
		msgs = append(msgs, m)
	}
	conv := msgs[0].Conversation
	changes := []hongyan.Change{{User: 2, Kind: hongyan.ChangeMessageHidden, Conversation: conv, Ref: msgs[1].Seq}}
	out, err := s.HideMessage(ctx, 2, msgs[1], changes)
	if err != nil || len(out) != 1 || out[0].Seq != 1 {
		t.Fatalf("HideMessage: got %v, %v; want one change with seq 1", out, err)
	}
	if _, err := s.HideMessage(ctx, 2, msgs[1], nil); err != nil {
		t.Fatalf("HideMessage again: %v", err)
	}
	if _, err := s.HideMessage(ctx, 2, msgs[3], nil); err != nil {
		t.Fatal(err)
	}
	h, err := s.Hidden(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := chat.Hidden{
		Messages: map[chat.Ref]bool{{Conversation: conv, Seq: msgs[1].Seq}: true, {Conversation: conv, Seq: msgs[3].Seq}: true},
		Cleared:  map[hongyan.ConversationID]int64{},
	}
	if diff := gocmp.Diff(want, h); diff != "" {
		t.Errorf("Hidden(2) (-want +got):\n%s", diff)
	}
	if h, err := s.Hidden(ctx, 1); err != nil || len(h.Messages) != 0 || len(h.Cleared) != 0 {
		t.Errorf("Hidden(1): got %+v, %v; the sender hid nothing", h, err)
	}
	// The chat list blanks a last message its user hid.
	if sums, err := s.Summaries(ctx, 2, 10); err != nil || len(sums) != 1 || sums[0].Last.ID != 0 {
		t.Errorf("user 2's chat list after hiding the last message: got %+v, %v; want the last message blank", sums, err)
	}
	if sum, err := s.Summary(ctx, 1, conv); err != nil || sum.Last.ID != msgs[3].ID {
		t.Errorf("user 1's summary: got %+v, %v; want the last message (user 1 hid nothing)", sum.Last, err)
	}
	// Search leaves out what a user hid, and what they cleared.
	if found, err := s.Search(ctx, 2, 0, "hide me", 0, 10); err != nil || len(found) != 2 {
		t.Errorf("user 2 searches after hiding two: got %v, %v; want 2 messages", texts(found), err)
	}
	if found, err := s.Search(ctx, 1, 0, "hide me", 0, 10); err != nil || len(found) != 4 {
		t.Errorf("user 1 searches: got %v, %v; want all 4", texts(found), err)
	}
	if _, err := s.PutState(ctx, chat.State{User: 2, Conversation: conv, ClearedSeq: msgs[2].Seq}.Change(), nil); err != nil {
		t.Fatal(err)
	}
	if found, err := s.Search(ctx, 2, 0, "hide me", 0, 10); err != nil || len(found) != 0 {
		t.Errorf("user 2 searches after clearing to seq 3: got %v, %v; want none", texts(found), err)
	}
	// The cleared position never moves backwards.
	if _, err := s.PutState(ctx, chat.State{User: 2, Conversation: conv, ClearedSeq: 1}.Change(), nil); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summary(ctx, 2, conv)
	if err != nil || sum.State.ClearedSeq != msgs[2].Seq {
		t.Errorf("ClearedSeq after an older one: got %+v, %v; want %d", sum.State, err, msgs[2].Seq)
	}
	if sum.Last.ID != 0 {
		t.Errorf("summary after clearing past the last message: got last %+v, want it blank", sum.Last)
	}
	if h, err := s.Hidden(ctx, 2); err != nil || h.Cleared[conv] != msgs[2].Seq {
		t.Errorf("Hidden(2).Cleared: got %+v, %v; want %d for the chat", h.Cleared, err, msgs[2].Seq)
	}
}
