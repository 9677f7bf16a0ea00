package chatdb

import (
	"context"
	"strconv"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// DirectConversation returns the conversation of a and b, creating it
// empty when it does not exist.
func (s Store) DirectConversation(ctx context.Context, a, b hongyan.UserID) (chat.Conversation, error) {
	if a <= 0 || b < a {
		return chat.Conversation{}, sqldb.Invalid("conversation members must satisfy 0 < A <= B, got %d, %d", a, b)
	}
	var id, last int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		found, err := t.Read(`SELECT id, last_seq FROM conversations WHERE a = $1 AND b = $2`, []any{int64(a), int64(b)}, &id, &last)
		if err != nil || found {
			return sqldb.Internal(err)
		}
		_, err = t.Write(`INSERT INTO conversations (a, b, last_seq) VALUES ($1, $2, 0) RETURNING id, last_seq`,
			[]any{int64(a), int64(b)}, &id, &last)
		if err != nil && t.Dialect().IsUnique(err) {
			return sqldb.ErrRunAgain
		}
		return sqldb.Internal(err)
	})
	if err != nil {
		return chat.Conversation{}, err
	}
	return conversation(id, int64(a), int64(b), last), nil
}

// Window returns user's window of group chat conv.
func (s Store) Window(ctx context.Context, conv hongyan.ConversationID, user hongyan.UserID) (chat.Window, error) {
	var w chat.Window
	found, err := s.db.QueryRow(ctx, `SELECT joined_seq, left_seq FROM conversation_members WHERE conversation = $1 AND user_id = $2`,
		[]any{int64(conv), int64(user)}, &w.From, &w.To)
	if err == nil && !found {
		err = sqldb.NotFound("not a member of this group")
	}
	return w, err
}

// Audience lists the users whose window of group chat conv covers seq.
func (s Store) Audience(ctx context.Context, conv hongyan.ConversationID, seq int64) ([]hongyan.UserID, error) {
	return sqldb.QueryAll(ctx, s.db, scanUserID, `SELECT user_id FROM conversation_members
		WHERE conversation = $1 AND joined_seq <= $2 AND (left_seq = 0 OR left_seq >= $2) ORDER BY user_id`,
		int64(conv), seq)
}

func scanUserID(scan func(...any) error) (hongyan.UserID, error) {
	var u int64
	err := scan(&u)
	return hongyan.UserID(u), err
}

// appendGroup appends a message to a group chat and notifies its members
// as of the commit.
func (s Store) appendGroup(ctx context.Context, m chat.NewMessage, notify []hongyan.UserID) (chat.Message, []hongyan.Change, bool, error) {
	switch {
	case notify != nil:
		return chat.Message{}, nil, false, sqldb.Invalid("a group message notifies the group's members")
	case m.Message.Sender <= 0:
		return chat.Message{}, nil, false, sqldb.Invalid("message has no sender")
	case m.Message.ClientID == "":
		return chat.Message{}, nil, false, sqldb.Invalid("message has no client ID")
	}
	var (
		out     chat.Message
		changes []hongyan.Change
		dup     bool
	)
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out, changes, dup = chat.Message{}, nil, false
		found, err := readMessage(t, qMessageByClient, []any{int64(m.Message.Sender), m.Message.ClientID}, &out)
		if err != nil {
			return sqldb.Internal(err)
		}
		if found {
			dup = true
			return nil
		}
		var left int64
		found, err = t.Read(`SELECT left_seq FROM conversation_members WHERE conversation = $1 AND user_id = $2`,
			[]any{int64(m.Group), int64(m.Message.Sender)}, &left)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found || left != 0 {
			return sqldb.NotFound("you are not a member of this group")
		}
		msg := m.Message
		msg.Conversation = m.Group
		msg.Time = sqldb.Tm(sqldb.Ms(msg.Time))
		if out, err = AppendNotice(t, msg); err != nil {
			return err
		}
		users, err := activeMembers(t, m.Group)
		if err != nil {
			return err
		}
		return t.DeferChanges(MessageChanges(out, users), &changes)
	})
	return out, changes, dup, err
}

// AppendNotice appends m to its group chat with the next sequence, with
// its mentions, in t. A notice (no client ID) gets one made of its
// position. The group store calls it to write its notices in the same
// transaction as the change they report.
func AppendNotice(t *sqldb.Tx, m chat.Message) (chat.Message, error) {
	found, err := t.Write(`UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 AND a = 0 RETURNING last_seq`,
		[]any{int64(m.Conversation)}, &m.Seq)
	if err != nil {
		return chat.Message{}, sqldb.Internal(err)
	}
	if !found {
		return chat.Message{}, sqldb.NotFound("no such group")
	}
	if m.ClientID == "" {
		m.ClientID = noticeClientID(m.Conversation, m.Seq) // a notice
	}
	var id int64
	if _, err := t.Write(qInsertMessage, []any{int64(m.Conversation), m.Seq, int64(m.Sender), int64(m.SenderDevice), m.ClientID,
		int64(m.Kind), m.Text, sqldb.Ms(m.Time), bodyArg(m)}, &id); err != nil {
		if t.Dialect().IsUnique(err) {
			return chat.Message{}, sqldb.ErrRunAgain
		}
		return chat.Message{}, sqldb.Internal(err)
	}
	m.ID = hongyan.MessageID(id)
	if err := indexMedia(t, m); err != nil {
		return chat.Message{}, err
	}
	mentioned := m.Mentions
	if m.MentionAll {
		mentioned = append([]hongyan.UserID{0}, mentioned...)
	}
	for _, u := range mentioned {
		if _, err := t.Exec(`INSERT INTO mentions (conversation, user_id, seq) VALUES ($1, $2, $3)
			ON CONFLICT (conversation, user_id, seq) DO NOTHING`, int64(m.Conversation), int64(u), m.Seq); err != nil {
			return chat.Message{}, sqldb.Internal(err)
		}
	}
	return m, nil
}

// activeMembers lists the members of group chat conv.
func activeMembers(t *sqldb.Tx, conv hongyan.ConversationID) ([]hongyan.UserID, error) {
	rows, err := t.Query(`SELECT user_id FROM conversation_members WHERE conversation = $1 AND left_seq = 0`, int64(conv))
	if err != nil {
		return nil, sqldb.Internal(err)
	}
	return sqldb.Collect(rows, nil, scanUserID)
}

// MessageChanges are the change-log entries announcing m to users.
func MessageChanges(m chat.Message, users []hongyan.UserID) []hongyan.Change {
	out := make([]hongyan.Change, len(users))
	for i, u := range users {
		out[i] = hongyan.Change{User: u, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: m.Seq}
	}
	return out
}

// noticeClientID is the client ID of the notice at seq of group conv:
// unique, as client IDs must be per sender.
func noticeClientID(conv hongyan.ConversationID, seq int64) string {
	return "notice/" + strconv.FormatInt(int64(conv), 10) + "/" + strconv.FormatInt(seq, 10)
}

// CreateGroupChat creates the conversation of a new group chat, empty, in
// t: a = 0 and b the next ordinal among group chats (the (a, b) key stays
// unique). Its ID is the group's.
func CreateGroupChat(t *sqldb.Tx) (hongyan.ConversationID, error) {
	var id int64
	_, err := t.Write(`INSERT INTO conversations (a, b, last_seq)
		VALUES (0, (SELECT COALESCE(MAX(b), 0) + 1 FROM conversations WHERE a = 0), 0) RETURNING id`, nil, &id)
	if err != nil {
		if t.Dialect().IsUnique(err) {
			return 0, sqldb.ErrRunAgain // another node created a group at the same moment
		}
		return 0, sqldb.Internal(err)
	}
	return hongyan.ConversationID(id), nil
}

// NextSeq returns the sequence the next message of conv will get, in t.
func NextSeq(t *sqldb.Tx, conv hongyan.ConversationID) (int64, error) {
	var seq int64
	if _, err := t.Read(`SELECT last_seq + 1 FROM conversations WHERE id = $1`, []any{int64(conv)}, &seq); err != nil {
		return 0, sqldb.Internal(err)
	}
	return seq, nil
}

// Join makes user a member of group chat conv from seq on, in t: a new
// member, or a former one who comes back, sees the chat from seq; a
// current member keeps their window. The group store calls it in the same
// transaction as the membership change.
func Join(t *sqldb.Tx, conv hongyan.ConversationID, user hongyan.UserID, seq int64) error {
	_, err := t.Exec(`INSERT INTO conversation_members (conversation, user_id, joined_seq, left_seq) VALUES ($1, $2, $3, 0)
		ON CONFLICT (conversation, user_id) DO UPDATE SET
			joined_seq = CASE WHEN conversation_members.left_seq > 0 THEN excluded.joined_seq ELSE conversation_members.joined_seq END,
			left_seq = 0`,
		int64(conv), int64(user), seq)
	return sqldb.Internal(err)
}

// Leave ends user's membership of group chat conv at seq, in t: they keep
// seeing the chat up to seq. A user who is not a member changes nothing.
func Leave(t *sqldb.Tx, conv hongyan.ConversationID, user hongyan.UserID, seq int64) error {
	_, err := t.Exec(`UPDATE conversation_members SET left_seq = $3 WHERE conversation = $1 AND user_id = $2 AND left_seq = 0`,
		int64(conv), int64(user), seq)
	return sqldb.Internal(err)
}
