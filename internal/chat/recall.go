package chat

import (
	"context"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// RecallWindow is how long after sending a message its sender may recall it.
const RecallWindow = 2 * time.Minute

// MaxQuery is the longest search text, in characters.
const MaxQuery = 100

// Recall withdraws one of the caller's own messages, sent at most
// RecallWindow ago: its content is erased and every member's devices
// replace it with a notice. Recalling a recalled message changes nothing.
func (s *Service) Recall(ctx context.Context, c hongyan.Caller, id hongyan.MessageID) (Message, error) {
	m, conv, err := s.message(ctx, c, id)
	if err != nil {
		return Message{}, err
	}
	if m.Sender != c.User {
		return Message{}, hongyan.Errorf(hongyan.CodeDenied, "you can recall only your own messages")
	}
	if m.Kind == KindRecalled {
		return m, nil
	}
	if s.now().Sub(m.Time) > RecallWindow {
		return Message{}, hongyan.Errorf(hongyan.CodePrecondition, "a message can be recalled only within %d minutes", int(RecallWindow.Minutes())).WithReason(hongyan.ReasonRecallTooLate)
	}
	return s.erase(ctx, m, conv)
}

// erase erases message m of conv (its content; who sent it when stays)
// and tells every member's devices.
func (s *Service) erase(ctx context.Context, m Message, conv Conversation) (Message, error) {
	audience := members(conv)
	if conv.Group {
		var err error
		if audience, err = s.store.Audience(ctx, conv.ID, m.Seq); err != nil {
			return Message{}, err
		}
	}
	var changes []hongyan.Change
	for _, u := range audience {
		changes = append(changes, hongyan.Change{User: u, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: m.Seq})
	}
	changes, err := s.store.RecallMessage(ctx, m.ID, changes)
	if err != nil {
		return Message{}, err
	}
	m = recalled(m)
	data := EncodeMessage(nil, m)
	for i := range changes {
		changes[i].Data = data
	}
	s.pub.PublishChanges(ctx, changes)
	return m, nil
}

// recalled is m as it is once recalled: who sent it when, nothing of what.
func recalled(m Message) Message {
	return Message{ID: m.ID, Conversation: m.Conversation, Seq: m.Seq, Sender: m.Sender,
		SenderDevice: m.SenderDevice, ClientID: m.ClientID, Kind: KindRecalled, Time: m.Time}
}

// members lists the users of a one-to-one conversation (one for the
// file-transfer assistant).
func members(c Conversation) []hongyan.UserID {
	if c.A == c.B {
		return []hongyan.UserID{c.A}
	}
	return []hongyan.UserID{c.A, c.B}
}

// Search finds messages containing query in the caller's chats (only conv
// when it is not 0), newest first, below message ID before (0: from the
// newest). Any substring matches, Chinese included.
func (s *Service) Search(ctx context.Context, c hongyan.Caller, query string, conv hongyan.ConversationID, before hongyan.MessageID, limit int) ([]Message, error) {
	if query == "" {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "empty search")
	}
	if !utf8.ValidString(query) || utf8.RuneCountInString(query) > MaxQuery {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "search text must be valid and at most %d characters", MaxQuery)
	}
	if conv != 0 {
		if _, err := s.conversation(ctx, c, conv); err != nil {
			return nil, err
		}
	}
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	return s.store.Search(ctx, c.User, conv, query, before, pageSize(limit))
}

// SetClock replaces the service's clock (time.Now); tests use it to step
// past time limits such as RecallWindow.
func (s *Service) SetClock(now func() time.Time) { s.now = now }
