package chatdb

import (
	"context"
	"strings"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Message returns message id.
func (s Store) Message(ctx context.Context, id hongyan.MessageID) (chat.Message, error) {
	rows, err := s.db.Query(ctx, `SELECT `+messageCols+` FROM messages WHERE id = $1`, int64(id))
	if err != nil {
		return chat.Message{}, err
	}
	ms, err := collectMessages(rows, nil)
	if err != nil {
		return chat.Message{}, err
	}
	if len(ms) == 0 {
		return chat.Message{}, sqldb.NotFound("no such message")
	}
	return ms[0], nil
}

// RecallMessage empties the text of message id and marks it recalled,
// appending changes in the same transaction.
func (s Store) RecallMessage(ctx context.Context, id hongyan.MessageID, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var conv, seq int64
		found, err := t.Write(`UPDATE messages SET kind = $2, text = '', body = NULL WHERE id = $1 RETURNING conversation, seq`,
			[]any{int64(id), int64(chat.KindRecalled)}, &conv, &seq)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such message")
		}
		// Its media are no longer served through it.
		if err := unindexMedia(t, conv, seq); err != nil {
			return err
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// Search finds messages of user's conversations whose text contains query.
func (s Store) Search(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, query string, before hongyan.MessageID, limit int) ([]chat.Message, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if query == "" {
		return nil, &hongyan.Error{Code: hongyan.CodeInvalid, Message: "empty search"}
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	cols := "m." + strings.ReplaceAll(messageCols, ", ", ", m.")
	q := `SELECT ` + cols + ` FROM ` + textMatch[s.db.Dialect().Name] + `
		AND m.conversation IN (SELECT id FROM conversations WHERE a = $2
			UNION ALL SELECT id FROM conversations WHERE b = $2 AND a > 0
			UNION ALL SELECT conversation FROM conversation_members WHERE user_id = $2)
		AND NOT EXISTS (SELECT 1 FROM conversation_members g WHERE g.conversation = m.conversation AND g.user_id = $2
			AND (m.seq < g.joined_seq OR (g.left_seq > 0 AND m.seq > g.left_seq)))
		AND (CAST($3 AS BIGINT) = 0 OR m.conversation = $3) AND m.id < $4 AND m.kind <> $5
		AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $2 AND h.message_id = m.id)
		AND m.seq > COALESCE((SELECT cleared_seq FROM conversation_states cs
			WHERE cs.user_id = $2 AND cs.conversation = m.conversation), 0)
		ORDER BY m.id DESC LIMIT $6`
	rows, err := s.db.Query(ctx, q, sqldb.LikePattern(query), int64(user), int64(conv), int64(before), int64(chat.KindRecalled), limit)
	if err != nil {
		return nil, err
	}
	return collectMessages(rows, nil)
}

// HideMessage hides message m from user ("delete for me").
func (s Store) HideMessage(ctx context.Context, user hongyan.UserID, m chat.Message, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		if _, err := t.Exec(`INSERT INTO hidden_messages (user_id, message_id, conversation, seq) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, message_id) DO NOTHING`,
			int64(user), int64(m.ID), int64(m.Conversation), m.Seq); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// Hidden returns the messages user deleted for themselves and the chats
// they cleared.
func (s Store) Hidden(ctx context.Context, user hongyan.UserID) (chat.Hidden, error) {
	h := chat.Hidden{Messages: map[chat.Ref]bool{}, Cleared: map[hongyan.ConversationID]int64{}}
	refs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (chat.Ref, error) {
		var conv, seq int64
		err := scan(&conv, &seq)
		return chat.Ref{Conversation: hongyan.ConversationID(conv), Seq: seq}, err
	}, `SELECT conversation, seq FROM hidden_messages WHERE user_id = $1`, int64(user))
	if err != nil {
		return chat.Hidden{}, err
	}
	for _, r := range refs {
		h.Messages[r] = true
	}
	cleared, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (chat.Ref, error) {
		var conv, seq int64
		err := scan(&conv, &seq)
		return chat.Ref{Conversation: hongyan.ConversationID(conv), Seq: seq}, err
	}, `SELECT conversation, cleared_seq FROM conversation_states WHERE user_id = $1 AND cleared_seq > 0`, int64(user))
	if err != nil {
		return chat.Hidden{}, err
	}
	for _, r := range cleared {
		h.Cleared[r.Conversation] = r.Seq
	}
	type win struct {
		conv int64
		w    chat.Window
	}
	wins, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (win, error) {
		var w win
		err := scan(&w.conv, &w.w.From, &w.w.To)
		return w, err
	}, `SELECT conversation, joined_seq, left_seq FROM conversation_members WHERE user_id = $1`, int64(user))
	if err != nil {
		return chat.Hidden{}, err
	}
	if len(wins) > 0 {
		h.Windows = make(map[hongyan.ConversationID]chat.Window, len(wins))
		for _, w := range wins {
			h.Windows[hongyan.ConversationID(w.conv)] = w.w
		}
	}
	return h, nil
}
