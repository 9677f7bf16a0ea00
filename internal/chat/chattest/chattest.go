// Package chattest is the conformance suite of the chat feature's storage
// ports, one part per port (chat.Messages, Conversations, Views): every
// storage engine runs it.
package chattest

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
)

// Run runs every part of the suite on a store that holds them all; open
// returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) chat.Store) {
	t.Run("Messages", func(t *testing.T) { RunMessages(t, func(t *testing.T) chat.Messages { return open(t) }) })
	t.Run("Conversations", func(t *testing.T) { RunConversations(t, func(t *testing.T) ConversationStore { return open(t) }) })
	t.Run("Views", func(t *testing.T) { RunViews(t, open) })
}

// ConversationStore is what the conversations part needs: conversations
// come into being with their first message.
type ConversationStore interface {
	chat.Messages
	chat.Conversations
}

// RunMessages runs the part of chat.Messages.
func RunMessages(t *testing.T, open func(t *testing.T) chat.Messages) {
	t.Run("ConcurrentSequences", func(t *testing.T) { testConcurrentSequences(t, open(t)) })
	t.Run("Messages", func(t *testing.T) { testMessages(t, open(t)) })
	t.Run("MessagesAt", func(t *testing.T) { testMessagesAt(t, open(t)) })
	t.Run("Recall", func(t *testing.T) { testRecall(t, open(t)) })
	t.Run("MediaVisible", func(t *testing.T) { testMediaVisible(t, open(t)) })
}

// RunConversations runs the part of chat.Conversations.
func RunConversations(t *testing.T, open func(t *testing.T) ConversationStore) {
	t.Run("AppendCreatesConversation", func(t *testing.T) { testAppendCreatesConversation(t, open(t)) })
	t.Run("Idempotent", func(t *testing.T) { testIdempotent(t, open(t)) })
	t.Run("FileTransferAssistant", func(t *testing.T) { testFileTransferAssistant(t, open(t)) })
	t.Run("DirectConversation", func(t *testing.T) { testDirectConversation(t, open(t)) })
	t.Run("ConversationIDs", func(t *testing.T) { testConversationIDs(t, open(t)) })
	t.Run("Content", func(t *testing.T) { testContent(t, open(t)) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, open(t)) })
	t.Run("ConcurrentRetries", func(t *testing.T) { testConcurrentRetries(t, open(t)) })
}

// RunViews runs the part of chat.Views, which the chat list, search and
// pruning reflect (so it needs the whole store).
func RunViews(t *testing.T, open func(t *testing.T) chat.Store) {
	t.Run("Summaries", func(t *testing.T) { testSummaries(t, open(t)) })
	t.Run("PutState", func(t *testing.T) { testPutState(t, open(t)) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open(t)) })
	t.Run("Hide", func(t *testing.T) { testHide(t, open(t)) })
	t.Run("DeleteBefore", func(t *testing.T) { testDeleteBefore(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

// msg returns a new message from sender in the conversation of a and b.
func msg(a, b, sender hongyan.UserID, clientID, text string) chat.NewMessage {
	return chat.NewMessage{A: a, B: b, Message: chat.Message{
		Sender: sender, SenderDevice: hongyan.DeviceID(sender * 10), ClientID: clientID,
		Kind: chat.KindText, Text: text, Time: T0,
	}}
}

func mustAppend(t *testing.T, s chat.Messages, m chat.NewMessage, notify ...hongyan.UserID) (chat.Message, []hongyan.Change) {
	t.Helper()
	got, changes, dup, err := s.AppendMessage(t.Context(), m, notify)
	if err != nil {
		t.Fatalf("AppendMessage(%q): %v", m.Message.ClientID, err)
	}
	if dup {
		t.Fatalf("AppendMessage(%q): got dup=true for a new client ID", m.Message.ClientID)
	}
	return got, changes
}

func testAppendCreatesConversation(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	m1, ch1 := mustAppend(t, s, msg(1, 2, 1, "c1", "hello"), 1, 2)
	if m1.ID <= 0 || m1.Conversation <= 0 {
		t.Fatalf("first message: got ID %d, conversation %d, want both positive", m1.ID, m1.Conversation)
	}
	conv := m1.Conversation
	want1 := chat.Message{ID: m1.ID, Conversation: conv, Seq: 1, Sender: 1, SenderDevice: 10, ClientID: "c1",
		Kind: chat.KindText, Text: "hello", Time: T0}
	if diff := gocmp.Diff(want1, m1); diff != "" {
		t.Fatalf("first message (-want +got):\n%s", diff)
	}
	wantCh := []hongyan.Change{
		{User: 1, Seq: 1, Kind: hongyan.ChangeMessage, Conversation: conv, Ref: 1},
		{User: 2, Seq: 1, Kind: hongyan.ChangeMessage, Conversation: conv, Ref: 1},
	}
	if diff := gocmp.Diff(wantCh, ch1); diff != "" {
		t.Fatalf("first message's changes (-want +got):\n%s", diff)
	}

	m2, ch2 := mustAppend(t, s, msg(1, 2, 2, "c1", "hi"), 2, 1) // same client ID, other sender
	if m2.Conversation != conv || m2.Seq != 2 {
		t.Fatalf("reply: got conversation %d seq %d, want %d, 2", m2.Conversation, m2.Seq, conv)
	}
	if m2.ID == m1.ID {
		t.Fatalf("reply: got the ID of the first message, %d", m2.ID)
	}
	wantCh = []hongyan.Change{
		{User: 2, Seq: 2, Kind: hongyan.ChangeMessage, Conversation: conv, Ref: 2},
		{User: 1, Seq: 2, Kind: hongyan.ChangeMessage, Conversation: conv, Ref: 2},
	}
	if diff := gocmp.Diff(wantCh, ch2); diff != "" {
		t.Fatalf("reply's changes (-want +got):\n%s", diff)
	}

	// Notify nobody: no changes.
	m3, ch3 := mustAppend(t, s, msg(1, 2, 1, "c3", "quiet"))
	if m3.Seq != 3 || len(ch3) != 0 {
		t.Fatalf("unannounced message: got seq %d, changes %v, want 3, none", m3.Seq, ch3)
	}

	c, err := s.Conversation(ctx, conv)
	if err != nil {
		t.Fatalf("Conversation: %v", err)
	}
	if diff := gocmp.Diff(chat.Conversation{ID: conv, A: 1, B: 2, LastSeq: 3}, c); diff != "" {
		t.Fatalf("Conversation (-want +got):\n%s", diff)
	}
	got, err := s.Messages(ctx, conv, 0, 10)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if diff := gocmp.Diff([]chat.Message{m1, m2, m3}, got); diff != "" {
		t.Fatalf("Messages (-want +got):\n%s", diff)
	}

	// Another pair gets another conversation.
	m4, _ := mustAppend(t, s, msg(1, 3, 3, "x", "other"), 1, 3)
	if m4.Conversation == conv || m4.Seq != 1 {
		t.Fatalf("other pair: got conversation %d seq %d, want a new conversation and seq 1", m4.Conversation, m4.Seq)
	}
	if _, err := s.Conversation(ctx, m4.Conversation+1000); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Conversation(missing): got %v, want %s", err, hongyan.CodeNotFound)
	}
}

func testIdempotent(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	orig, _ := mustAppend(t, s, msg(1, 2, 1, "once", "first"), 1, 2)
	retry := msg(1, 2, 1, "once", "changed text")
	retry.Message.Time = T0.Add(time.Hour)
	got, changes, dup, err := s.AppendMessage(ctx, retry, []hongyan.UserID{1, 2})
	if err != nil || !dup {
		t.Fatalf("retry: got dup=%v, %v, want dup=true, nil", dup, err)
	}
	if diff := gocmp.Diff(orig, got); diff != "" {
		t.Fatalf("retry returned (-original +got):\n%s", diff)
	}
	if len(changes) != 0 {
		t.Fatalf("retry appended changes %v, want none", changes)
	}
	// The client ID is the sender's: a retry naming another conversation
	// still returns the original.
	got, _, dup, err = s.AppendMessage(ctx, msg(1, 5, 1, "once", "elsewhere"), []hongyan.UserID{1, 5})
	if err != nil || !dup || got.ID != orig.ID {
		t.Fatalf("retry to another conversation: got %+v dup=%v, %v, want the original", got, dup, err)
	}
	c, err := s.Conversation(ctx, orig.Conversation)
	if err != nil || c.LastSeq != 1 {
		t.Fatalf("after retries: got LastSeq %d, %v, want 1", c.LastSeq, err)
	}
	msgs, err := s.Messages(ctx, orig.Conversation, 0, 10)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("after retries: got %d messages, %v, want 1", len(msgs), err)
	}
	next, ch := mustAppend(t, s, msg(1, 2, 1, "twice", "second"), 1)
	if next.Seq != 2 || len(ch) != 1 || ch[0].Seq != 2 {
		t.Fatalf("after retries: got seq %d, changes %v, want seq 2 and user 1's change 2", next.Seq, ch)
	}
}

// testConcurrentSequences sends many messages to one conversation at once:
// sequences must come out 1..n, each once, and IDs must be distinct.
func testConcurrentSequences(t *testing.T, s chat.Messages) {
	ctx := t.Context()
	const n = 60
	results := make([]chat.Message, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sender := hongyan.UserID(1 + i%2)
			m, _, _, err := s.AppendMessage(ctx, msg(1, 2, sender, fmt.Sprintf("c%d", i), fmt.Sprint(i)), []hongyan.UserID{1, 2})
			results[i], errs[i] = m, err
		}()
	}
	wg.Wait()
	seqs := map[int64]bool{}
	ids := map[hongyan.MessageID]bool{}
	for i, m := range results {
		if errs[i] != nil {
			t.Fatalf("AppendMessage %d: %v", i, errs[i])
		}
		if seqs[m.Seq] || ids[m.ID] {
			t.Fatalf("message %d: seq %d or ID %d handed out twice", i, m.Seq, m.ID)
		}
		seqs[m.Seq], ids[m.ID] = true, true
	}
	for seq := int64(1); seq <= n; seq++ {
		if !seqs[seq] {
			t.Fatalf("sequence %d missing", seq)
		}
	}
	stored, err := s.Messages(ctx, results[0].Conversation, 0, 2*n)
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	slices.SortFunc(results, func(a, b chat.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	if diff := gocmp.Diff(results, stored); diff != "" {
		t.Fatalf("stored messages differ from the returned ones (-returned +stored):\n%s", diff)
	}
}

// testConcurrentRetries sends one client ID many times at once: exactly one
// call stores it; all return the same message.
func testConcurrentRetries(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	const n = 30
	results := make([]chat.Message, n)
	dups := make([]bool, n)
	changes := make([][]hongyan.Change, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], changes[i], dups[i], errs[i] = s.AppendMessage(ctx, msg(1, 2, 1, "same", "x"), []hongyan.UserID{1, 2})
		}()
	}
	wg.Wait()
	stored := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("AppendMessage %d: %v", i, errs[i])
		}
		if diff := gocmp.Diff(results[0], results[i]); diff != "" {
			t.Fatalf("call %d returned another message (-call 0 +call %d):\n%s", i, i, diff)
		}
		if !dups[i] {
			stored++
			if len(changes[i]) != 2 {
				t.Errorf("the storing call got changes %v, want 2", changes[i])
			}
		} else if len(changes[i]) != 0 {
			t.Errorf("a duplicate call got changes %v, want none", changes[i])
		}
	}
	if stored != 1 {
		t.Fatalf("calls that stored the message: got %d, want 1", stored)
	}
	c, err := s.Conversation(ctx, results[0].Conversation)
	if err != nil || c.LastSeq != 1 {
		t.Fatalf("Conversation: got LastSeq %d, %v, want 1", c.LastSeq, err)
	}
}

func testFileTransferAssistant(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	m, ch := mustAppend(t, s, msg(4, 4, 4, "note", "to self"), 4)
	c, err := s.Conversation(ctx, m.Conversation)
	if err != nil {
		t.Fatalf("Conversation: %v", err)
	}
	if diff := gocmp.Diff(chat.Conversation{ID: m.Conversation, A: 4, B: 4, LastSeq: 1}, c); diff != "" {
		t.Fatalf("Conversation (-want +got):\n%s", diff)
	}
	if len(ch) != 1 || ch[0].User != 4 || ch[0].Seq != 1 {
		t.Fatalf("changes: got %v, want one for user 4", ch)
	}
	sums, err := s.Summaries(ctx, 4, 10)
	if err != nil || len(sums) != 1 || sums[0].Unread != 0 {
		t.Fatalf("Summaries: got %+v, %v, want one conversation, nothing unread", sums, err)
	}
}

func testBadInput(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	bad := map[string]chat.NewMessage{
		"A > B":        msg(2, 1, 1, "c", "x"),
		"no client ID": msg(1, 2, 1, "", "x"),
		"no sender":    msg(1, 2, 0, "c", "x"),
		"user 0":       msg(0, 2, 2, "c", "x"),
	}
	for name, m := range bad {
		if _, _, _, err := s.AppendMessage(ctx, m, []hongyan.UserID{1, 2}); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("AppendMessage(%s): got %v, want %s", name, err, hongyan.CodeInvalid)
		}
	}
	for _, u := range []hongyan.UserID{0, 1, 2} {
		if sums, err := s.Summaries(ctx, u, 10); err != nil || len(sums) != 0 {
			t.Errorf("Summaries(%d) after bad input: got %v, %v, want none", u, sums, err)
		}
	}
	if _, err := s.Messages(ctx, 1, 0, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Messages(limit 0): got %v, want %s", err, hongyan.CodeInvalid)
	}
	if _, err := s.Summaries(ctx, 1, -1); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("Summaries(limit -1): got %v, want %s", err, hongyan.CodeInvalid)
	}
	if got, err := s.MessagesAt(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("MessagesAt(nil): got %v, %v, want none", got, err)
	}
}

func testMessages(t *testing.T, s chat.Messages) {
	ctx := t.Context()
	var all []chat.Message
	for i := range 30 {
		m, _ := mustAppend(t, s, msg(1, 2, hongyan.UserID(1+i%2), fmt.Sprintf("m%d", i), fmt.Sprint(i)))
		all = append(all, m)
	}
	conv := all[0].Conversation
	cases := []struct {
		before int64
		limit  int
		want   []chat.Message
	}{
		{0, 10, all[20:]},
		{0, 100, all},
		{21, 10, all[10:20]},
		{5, 10, all[:4]},
		{1, 10, nil},
		{31, 1, all[29:]},
	}
	for _, c := range cases {
		got, err := s.Messages(ctx, conv, c.before, c.limit)
		if err != nil {
			t.Fatalf("Messages(before %d, limit %d): %v", c.before, c.limit, err)
		}
		if diff := gocmp.Diff(c.want, got); diff != "" {
			t.Errorf("Messages(before %d, limit %d) (-want +got):\n%s", c.before, c.limit, diff)
		}
	}
	if got, err := s.Messages(ctx, conv+1000, 0, 10); err != nil || len(got) != 0 {
		t.Errorf("Messages(unknown conversation): got %v, %v, want none", got, err)
	}
}

func testMessagesAt(t *testing.T, s chat.Messages) {
	ctx := t.Context()
	var a, b []chat.Message
	for i := range 700 {
		m, _ := mustAppend(t, s, msg(1, 2, 1, fmt.Sprintf("a%d", i), fmt.Sprint(i)))
		a = append(a, m)
	}
	for i := range 5 {
		m, _ := mustAppend(t, s, msg(2, 3, 3, fmt.Sprintf("b%d", i), fmt.Sprint(i)))
		b = append(b, m)
	}
	byPos := func(x, y chat.Message) int {
		if c := cmp.Compare(x.Conversation, y.Conversation); c != 0 {
			return c
		}
		return cmp.Compare(x.Seq, y.Seq)
	}
	check := func(name string, refs []chat.Ref, want []chat.Message) {
		t.Helper()
		got, err := s.MessagesAt(ctx, refs)
		if err != nil {
			t.Fatalf("MessagesAt(%s): %v", name, err)
		}
		slices.SortFunc(got, byPos)
		want = slices.Clone(want)
		slices.SortFunc(want, byPos)
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Fatalf("MessagesAt(%s) (-want +got):\n%s", name, diff)
		}
	}
	check("one", []chat.Ref{{Conversation: a[3].Conversation, Seq: 4}}, a[3:4])
	check("mixed with missing", []chat.Ref{
		{Conversation: b[0].Conversation, Seq: 5}, {Conversation: a[0].Conversation, Seq: 1}, {Conversation: a[0].Conversation, Seq: 9999}, {Conversation: b[0].Conversation + 1000, Seq: 1},
		{Conversation: b[0].Conversation, Seq: 2}, {Conversation: a[0].Conversation, Seq: 0}, {Conversation: a[0].Conversation, Seq: -1},
	}, []chat.Message{b[4], a[0], b[1]})
	check("repeated", []chat.Ref{{Conversation: a[0].Conversation, Seq: 2}, {Conversation: a[0].Conversation, Seq: 2}}, a[1:2])
	var refs []chat.Ref
	for _, m := range slices.Concat(a, b) {
		refs = append(refs, chat.Ref{Conversation: m.Conversation, Seq: m.Seq})
	}
	check("all 705", refs, slices.Concat(a, b))
}

func testSummaries(t *testing.T, s chat.Store) {
	ctx := t.Context()
	// User 1 talks with 2, 3 and 4; 5 and 6 talk without 1.
	m12a, _ := mustAppend(t, s, msg(1, 2, 2, "12a", "from 2"))
	m13a, _ := mustAppend(t, s, msg(1, 3, 1, "13a", "from 1"))
	m14a, _ := mustAppend(t, s, msg(1, 4, 4, "14a", "from 4"))
	m12b, _ := mustAppend(t, s, msg(1, 2, 2, "12b", "from 2 again"))
	m13b, _ := mustAppend(t, s, msg(1, 3, 3, "13b", "from 3"))
	mustAppend(t, s, msg(5, 6, 5, "56a", "elsewhere"))

	sums, err := s.Summaries(ctx, 1, 10)
	if err != nil {
		t.Fatalf("Summaries: %v", err)
	}
	want := []chat.Summary{
		{Conversation: chat.Conversation{ID: m13b.Conversation, A: 1, B: 3, LastSeq: 2}, Unread: 1, Last: m13b},
		{Conversation: chat.Conversation{ID: m12b.Conversation, A: 1, B: 2, LastSeq: 2}, Unread: 2, Last: m12b},
		{Conversation: chat.Conversation{ID: m14a.Conversation, A: 1, B: 4, LastSeq: 1}, Unread: 1, Last: m14a},
	}
	if diff := gocmp.Diff(want, sums); diff != "" {
		t.Fatalf("Summaries (-want +got):\n%s", diff)
	}
	if sums, err := s.Summaries(ctx, 1, 2); err != nil || len(sums) != 2 || sums[0].Conversation.ID != m13b.Conversation {
		t.Fatalf("Summaries(limit 2): got %+v, %v, want the two newest", sums, err)
	}

	// Pinning the oldest conversation puts it first; reading lowers unread.
	pin := chat.State{User: 1, Conversation: m14a.Conversation, Pinned: true, Draft: "draft"}
	if _, err := s.PutState(ctx, pin.Change(), nil); err != nil {
		t.Fatalf("PutState: %v", err)
	}
	read := chat.State{User: 1, Conversation: m12a.Conversation, ReadSeq: 1, Muted: true}
	if _, err := s.PutState(ctx, read.Change(), nil); err != nil {
		t.Fatalf("PutState: %v", err)
	}
	sums, err = s.Summaries(ctx, 1, 10)
	if err != nil {
		t.Fatalf("Summaries: %v", err)
	}
	want = []chat.Summary{
		{Conversation: chat.Conversation{ID: m14a.Conversation, A: 1, B: 4, LastSeq: 1}, State: pin, Unread: 1, Last: m14a},
		{Conversation: chat.Conversation{ID: m13b.Conversation, A: 1, B: 3, LastSeq: 2}, Unread: 1, Last: m13b},
		{Conversation: chat.Conversation{ID: m12b.Conversation, A: 1, B: 2, LastSeq: 2}, State: read, Unread: 1, Last: m12b},
	}
	if diff := gocmp.Diff(want, sums); diff != "" {
		t.Fatalf("Summaries after PutState (-want +got):\n%s", diff)
	}
	// The peer sees the same conversations from its side.
	sum, err := s.Summary(ctx, 3, m13a.Conversation)
	if err != nil {
		t.Fatalf("Summary: %v", err)
	}
	wantSum := chat.Summary{Conversation: chat.Conversation{ID: m13a.Conversation, A: 1, B: 3, LastSeq: 2}, Unread: 1, Last: m13b}
	if diff := gocmp.Diff(wantSum, sum); diff != "" {
		t.Fatalf("Summary(3) (-want +got):\n%s", diff)
	}
	if _, err := s.Summary(ctx, 5, m13a.Conversation); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Summary by a non-member: got %v, want %s", err, hongyan.CodeNotFound)
	}
	if _, err := s.Summary(ctx, 1, m13a.Conversation+1000); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Summary of a missing conversation: got %v, want %s", err, hongyan.CodeNotFound)
	}
	if sums, err := s.Summaries(ctx, 99, 10); err != nil || len(sums) != 0 {
		t.Fatalf("Summaries of a user without chats: got %v, %v, want none", sums, err)
	}
}

func testPutState(t *testing.T, s chat.Store) {
	ctx := t.Context()
	m, _ := mustAppend(t, s, msg(1, 2, 2, "p", "x"))
	st := chat.State{User: 1, Conversation: m.Conversation, Muted: true, Draft: "草稿", ReadSeq: 1}
	changes := []hongyan.Change{{User: 1, Kind: hongyan.ChangeConversation, Conversation: m.Conversation}}
	got, err := s.PutState(ctx, st.Change(), changes)
	if err != nil {
		t.Fatalf("PutState: %v", err)
	}
	want := []hongyan.Change{{User: 1, Seq: 1, Kind: hongyan.ChangeConversation, Conversation: m.Conversation}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Fatalf("PutState changes (-want +got):\n%s", diff)
	}
	sum, err := s.Summary(ctx, 1, m.Conversation)
	if err != nil {
		t.Fatalf("Summary: %v", err)
	}
	if diff := gocmp.Diff(st, sum.State); diff != "" {
		t.Fatalf("stored state (-want +got):\n%s", diff)
	}
	if sum.Unread != 0 {
		t.Fatalf("Unread after reading: got %d, want 0", sum.Unread)
	}
	// Only the fields a change sets change (two devices changing different
	// settings keep both), and the read position never moves backwards (a
	// device that read less, racing one that read more).
	pinned, draft := true, "新草稿"
	if _, err := s.PutState(ctx, chat.StateChange{User: 1, Conversation: m.Conversation, Pinned: &pinned}, nil); err != nil {
		t.Fatalf("PutState: %v", err)
	}
	if _, err := s.PutState(ctx, chat.StateChange{User: 1, Conversation: m.Conversation, Draft: &draft}, nil); err != nil {
		t.Fatalf("PutState: %v", err)
	}
	if sum, err = s.Summary(ctx, 1, m.Conversation); err != nil {
		t.Fatalf("Summary: %v", err)
	}
	st.Pinned, st.Draft = true, draft
	if diff := gocmp.Diff(st, sum.State); diff != "" {
		t.Fatalf("state after two partial changes (-want +got):\n%s", diff)
	}
	st = chat.State{User: 1, Conversation: m.Conversation, Pinned: true}
	if _, err := s.PutState(ctx, st.Change(), nil); err != nil {
		t.Fatalf("PutState: %v", err)
	}
	if sum, err = s.Summary(ctx, 1, m.Conversation); err != nil {
		t.Fatalf("Summary: %v", err)
	}
	st.ReadSeq = 1
	if diff := gocmp.Diff(st, sum.State); diff != "" {
		t.Fatalf("replaced state (-want +got):\n%s", diff)
	}
	if sum.Unread != 0 {
		t.Fatalf("Unread after an older read position: got %d, want 0", sum.Unread)
	}
	// The other member's state is separate.
	if sum, err = s.Summary(ctx, 2, m.Conversation); err != nil || sum.State != (chat.State{}) {
		t.Fatalf("Summary(2).State: got %+v, %v, want the zero State", sum.State, err)
	}
	for name, bad := range map[string]chat.StateChange{
		"non-member":           {User: 3, Conversation: m.Conversation},
		"missing conversation": {User: 1, Conversation: m.Conversation + 1000},
	} {
		if _, err := s.PutState(ctx, bad, changes); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			t.Errorf("PutState(%s): got %v, want %s", name, err, hongyan.CodeNotFound)
		}
	}
	if _, err := s.PutState(ctx, chat.StateChange{User: 1, Conversation: m.Conversation}, []hongyan.Change{{User: 0}}); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("PutState with a change for user 0: got %v, want %s", err, hongyan.CodeInvalid)
	}
}

func testConversationIDs(t *testing.T, s ConversationStore) {
	ctx := t.Context()
	var want []hongyan.ConversationID
	for _, peer := range []hongyan.UserID{5, 2, 9, 3} { // 3: the file-transfer assistant
		m, _ := mustAppend(t, s, msg(min(3, peer), max(3, peer), 3, fmt.Sprint("ids", peer), "x"))
		want = append(want, m.Conversation)
	}
	mustAppend(t, s, msg(1, 2, 1, "other", "not user 3's"))
	slices.Sort(want)
	var got []hongyan.ConversationID
	for after := hongyan.ConversationID(0); ; {
		page, err := s.ConversationIDs(ctx, 3, after, 3)
		if err != nil {
			t.Fatalf("ConversationIDs: %v", err)
		}
		got = append(got, page...)
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1]
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("user 3's conversations in pages of 3 (-want +got):\n%s", diff)
	}
	if _, err := s.ConversationIDs(ctx, 3, 0, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("limit 0: got %v, want %s", err, hongyan.CodeInvalid)
	}
}
