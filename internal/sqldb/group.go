package sqldb

import (
	"context"
	"strconv"

	"hongyan/internal/chat"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
)

// GroupStore implements group.Store. A group's chat is a conversation of
// the chat store (a = 0); its notices are messages of that chat, written in
// the same transaction as the change they report.
type GroupStore struct{ db *DB }

var _ group.Store = GroupStore{}

// Groups returns the group store.
func (db *DB) Groups() GroupStore { return GroupStore{db} }

// DirectConversation returns the conversation of a and b, creating it
// empty when it does not exist.
func (s ChatStore) DirectConversation(ctx context.Context, a, b hongyan.UserID) (chat.Conversation, error) {
	if a <= 0 || b < a {
		return chat.Conversation{}, invalid("conversation members must satisfy 0 < A <= B, got %d, %d", a, b)
	}
	var id, last int64
	err := s.db.write(ctx, func(t *wtx) error {
		found, err := t.read(`SELECT id, last_seq FROM conversations WHERE a = $1 AND b = $2`, []any{int64(a), int64(b)}, &id, &last)
		if err != nil || found {
			return internal(err)
		}
		_, err = t.write(`INSERT INTO conversations (a, b, last_seq) VALUES ($1, $2, 0) RETURNING id, last_seq`,
			[]any{int64(a), int64(b)}, &id, &last)
		if err != nil && t.w.d.IsUnique(err) {
			return errRunAgain
		}
		return internal(err)
	})
	if err != nil {
		return chat.Conversation{}, err
	}
	return conversation(id, int64(a), int64(b), last), nil
}

// Window returns user's window of group chat conv.
func (s ChatStore) Window(ctx context.Context, conv hongyan.ConversationID, user hongyan.UserID) (chat.Window, error) {
	var w chat.Window
	found, err := s.db.queryRow(ctx, `SELECT joined_seq, left_seq FROM group_members WHERE conversation = $1 AND user_id = $2`,
		[]any{int64(conv), int64(user)}, &w.From, &w.To)
	if err == nil && !found {
		err = notFound("not a member of this group")
	}
	return w, err
}

// Audience lists the users whose window of group chat conv covers seq.
func (s ChatStore) Audience(ctx context.Context, conv hongyan.ConversationID, seq int64) ([]hongyan.UserID, error) {
	return queryAll(ctx, s.db, scanUserID, `SELECT user_id FROM group_members
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
func (s ChatStore) appendGroup(ctx context.Context, m chat.NewMessage, notify []hongyan.UserID) (chat.Message, []hongyan.Change, bool, error) {
	switch {
	case notify != nil:
		return chat.Message{}, nil, false, invalid("a group message notifies the group's members")
	case m.Message.Sender <= 0:
		return chat.Message{}, nil, false, invalid("message has no sender")
	case m.Message.ClientID == "":
		return chat.Message{}, nil, false, invalid("message has no client ID")
	}
	var (
		out     chat.Message
		changes []hongyan.Change
		dup     bool
	)
	err := s.db.write(ctx, func(t *wtx) error {
		out, changes, dup = chat.Message{}, nil, false
		found, err := t.readMessage(qMessageByClient, []any{int64(m.Message.Sender), m.Message.ClientID}, &out)
		if err != nil {
			return internal(err)
		}
		if found {
			dup = true
			return nil
		}
		var left int64
		found, err = t.read(`SELECT left_seq FROM group_members WHERE conversation = $1 AND user_id = $2`,
			[]any{int64(m.Group), int64(m.Message.Sender)}, &left)
		if err != nil {
			return internal(err)
		}
		if !found || left != 0 {
			return notFound("you are not a member of this group")
		}
		msg := m.Message
		msg.Conversation = m.Group
		msg.Time = tm(ms(msg.Time))
		if out, err = t.insertGroupMessage(msg); err != nil {
			return err
		}
		users, err := t.activeMembers(m.Group)
		if err != nil {
			return err
		}
		return t.deferChanges(messageChanges(out, users), &changes)
	})
	return out, changes, dup, err
}

// insertGroupMessage appends m to its group chat with the next sequence,
// with its mentions. A notice (no client ID) gets one made of its position.
func (t *wtx) insertGroupMessage(m chat.Message) (chat.Message, error) {
	found, err := t.write(`UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 AND a = 0 RETURNING last_seq`,
		[]any{int64(m.Conversation)}, &m.Seq)
	if err != nil {
		return chat.Message{}, internal(err)
	}
	if !found {
		return chat.Message{}, notFound("no such group")
	}
	if m.ClientID == "" {
		m.ClientID = noticeClientID(m.Conversation, m.Seq) // a notice
	}
	var id int64
	if _, err := t.write(qInsertMessage, []any{int64(m.Conversation), m.Seq, int64(m.Sender), int64(m.SenderDevice), m.ClientID,
		int64(m.Kind), m.Text, ms(m.Time), bodyArg(m)}, &id); err != nil {
		if t.w.d.IsUnique(err) {
			return chat.Message{}, errRunAgain
		}
		return chat.Message{}, internal(err)
	}
	m.ID = hongyan.MessageID(id)
	mentioned := m.Mentions
	if m.MentionAll {
		mentioned = append([]hongyan.UserID{0}, mentioned...)
	}
	for _, u := range mentioned {
		if _, err := t.exec(`INSERT INTO mentions (conversation, user_id, seq) VALUES ($1, $2, $3)
			ON CONFLICT (conversation, user_id, seq) DO NOTHING`, int64(m.Conversation), int64(u), m.Seq); err != nil {
			return chat.Message{}, internal(err)
		}
	}
	return m, nil
}

// activeMembers lists the members of group chat conv.
func (t *wtx) activeMembers(conv hongyan.ConversationID) ([]hongyan.UserID, error) {
	rows, err := t.query(`SELECT user_id FROM group_members WHERE conversation = $1 AND left_seq = 0`, int64(conv))
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, nil, scanUserID)
}

func messageChanges(m chat.Message, users []hongyan.UserID) []hongyan.Change {
	out := make([]hongyan.Change, len(users))
	for i, u := range users {
		out[i] = hongyan.Change{User: u, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: m.Seq}
	}
	return out
}

// noticeMessage is the chat message reporting notice n of group conv.
func noticeMessage(conv hongyan.ConversationID, n group.Notice, now int64) chat.Message {
	return chat.Message{
		Conversation: conv, Sender: n.Actor, Kind: chat.KindNotice, Time: tm(now), MentionAll: n.All,
		Notice: &chat.Notice{Kind: chat.NoticeKind(n.Kind), Actor: n.Actor, Users: n.Users, Text: n.Text},
	}
}

// Create stores a new group with its chat and first notice.
func (s GroupStore) Create(ctx context.Context, g group.Group, members []group.Member, invites []group.Invitation, n group.Notice, changes []hongyan.Change) (group.Group, []hongyan.Change, error) {
	if len(members) == 0 {
		return group.Group{}, nil, invalid("a group needs members")
	}
	var out []hongyan.Change
	err := s.db.write(ctx, func(t *wtx) error {
		out = nil
		var id int64
		_, err := t.write(`INSERT INTO conversations (a, b, last_seq)
			VALUES (0, (SELECT COALESCE(MAX(b), 0) + 1 FROM conversations WHERE a = 0), 0) RETURNING id`, nil, &id)
		if err != nil {
			if t.w.d.IsUnique(err) {
				return errRunAgain // another node created a group at the same moment
			}
			return internal(err)
		}
		g.ID, g.Version, g.Members = hongyan.ConversationID(id), 1, len(members)
		if _, err := t.exec(`INSERT INTO groups (id, name, avatar, announcement, announcement_time, owner, approval, muted_all,
			dissolved, qr_code, qr_expires, created, members, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			id, g.Name, g.Avatar, g.Announcement, ms(g.AnnouncementTime), int64(g.Owner), g.Approval, g.MutedAll,
			g.Dissolved, g.QRCode, ms(g.QRExpires), ms(g.Created), g.Members, g.Version); err != nil {
			return internal(err)
		}
		msg, err := t.insertGroupMessage(noticeMessage(g.ID, n, ms(g.Created)))
		if err != nil {
			return err
		}
		var users []hongyan.UserID
		for _, m := range members {
			m.Group = g.ID
			if err := t.putMember(m, msg.Seq); err != nil {
				return err
			}
			users = append(users, m.User)
		}
		all := messageChanges(msg, users)
		for _, c := range changes {
			if c.Conversation == 0 {
				c.Conversation = g.ID
			}
			all = append(all, c)
		}
		for _, inv := range invites {
			inv.Group = g.ID
			more, err := t.putInvitation(inv)
			if err != nil {
				return err
			}
			all = append(all, more...)
		}
		out, err = t.appendChanges(all)
		return err
	})
	if err != nil {
		return group.Group{}, nil, err
	}
	return g, out, nil
}

// noticeClientID is the client ID of the notice at seq of group conv:
// unique, as client IDs must be per sender.
func noticeClientID(conv hongyan.ConversationID, seq int64) string {
	return "notice/" + strconv.FormatInt(int64(conv), 10) + "/" + strconv.FormatInt(seq, 10)
}

// putMember adds m, joining at seq, or changes them; a former member who
// comes back joins anew.
func (t *wtx) putMember(m group.Member, seq int64) error {
	_, err := t.exec(`INSERT INTO group_members (conversation, user_id, role, nickname, muted, saved, show_nicknames,
			joined, joined_seq, left_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)
		ON CONFLICT (conversation, user_id) DO UPDATE SET role = excluded.role, nickname = excluded.nickname,
			muted = excluded.muted, saved = excluded.saved, show_nicknames = excluded.show_nicknames,
			joined = CASE WHEN group_members.left_seq > 0 THEN excluded.joined ELSE group_members.joined END,
			joined_seq = CASE WHEN group_members.left_seq > 0 THEN excluded.joined_seq ELSE group_members.joined_seq END,
			left_seq = 0`,
		int64(m.Group), int64(m.User), int64(m.Role), m.Nickname, m.Muted, m.Saved, m.ShowNicknames, ms(m.Joined), seq)
	return internal(err)
}

// putInvitation stores inv (a new one when its ID is 0) and returns the
// change-log entries telling its Notify users.
func (t *wtx) putInvitation(inv group.Invitation) ([]hongyan.Change, error) {
	if inv.ID == 0 {
		if _, err := t.write(`INSERT INTO group_invitations (conversation, inviter, invitee, state, by_qr, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			[]any{int64(inv.Group), int64(inv.Inviter), int64(inv.Invitee), int64(inv.State), inv.ByQR, ms(inv.Created), ms(inv.Updated)},
			&inv.ID); err != nil {
			return nil, internal(err)
		}
	} else if _, err := t.exec(`UPDATE group_invitations SET state = $2, updated = $3 WHERE id = $1`,
		inv.ID, int64(inv.State), ms(inv.Updated)); err != nil {
		return nil, internal(err)
	}
	out := make([]hongyan.Change, 0, len(inv.Notify))
	for _, u := range inv.Notify {
		out = append(out, hongyan.Change{User: u, Kind: hongyan.ChangeGroupInvitation, Conversation: inv.Group, Ref: inv.ID})
	}
	return out, nil
}

// Apply commits one change of a group.
func (s GroupStore) Apply(ctx context.Context, op group.Op) ([]hongyan.Change, error) {
	g := op.Group
	if err := checkChanges(op.Changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.write(ctx, func(t *wtx) error {
		out = nil
		n, err := t.exec(`UPDATE groups SET name = $3, avatar = $4, announcement = $5, announcement_time = $6, owner = $7,
			approval = $8, muted_all = $9, dissolved = $10, qr_code = $11, qr_expires = $12, version = version + 1
			WHERE id = $1 AND version = $2`,
			int64(g.ID), g.Version, g.Name, g.Avatar, g.Announcement, ms(g.AnnouncementTime), int64(g.Owner),
			g.Approval, g.MutedAll, g.Dissolved, g.QRCode, ms(g.QRExpires))
		if err != nil {
			if t.w.d.IsUnique(err) {
				// A QR code collided: the service retries with a new one.
				return hongyan.Errorf(hongyan.CodePrecondition, "the group code is taken")
			}
			return internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "the group changed meanwhile")
		}
		var all []hongyan.Change
		var seq int64
		if op.Notice != nil {
			msg, err := t.insertGroupMessage(noticeMessage(g.ID, *op.Notice, ms(op.Time)))
			if err != nil {
				return err
			}
			seq = msg.Seq
			all = append(all, messageChanges(msg, op.NoticeTo)...)
		} else if _, err := t.read(`SELECT last_seq + 1 FROM conversations WHERE id = $1`, []any{int64(g.ID)}, &seq); err != nil {
			return internal(err)
		}
		for _, m := range op.Put {
			m.Group = g.ID
			if err := t.putMember(m, seq); err != nil {
				return err
			}
		}
		for _, u := range op.Remove {
			if _, err := t.exec(`UPDATE group_members SET left_seq = $3 WHERE conversation = $1 AND user_id = $2 AND left_seq = 0`,
				int64(g.ID), int64(u), max(seq, 1)); err != nil {
				return internal(err)
			}
		}
		if len(op.Put) > 0 || len(op.Remove) > 0 {
			if _, err := t.exec(`UPDATE groups SET members = (SELECT COUNT(*) FROM group_members
				WHERE conversation = $1 AND left_seq = 0) WHERE id = $1`, int64(g.ID)); err != nil {
				return internal(err)
			}
		}
		for _, inv := range op.Invitations {
			inv.Group = g.ID
			more, err := t.putInvitation(inv)
			if err != nil {
				return err
			}
			all = append(all, more...)
		}
		all = append(all, op.Changes...)
		out, err = t.appendChanges(all)
		return err
	})
	return out, err
}

const groupCols = `id, name, avatar, announcement, announcement_time, owner, approval, muted_all, dissolved,
	qr_code, qr_expires, created, members, version`

func scanGroup(scan func(...any) error) (group.Group, error) {
	var g group.Group
	var id, annTime, owner, qrExp, created, members int64
	err := scan(&id, &g.Name, &g.Avatar, &g.Announcement, &annTime, &owner, &g.Approval, &g.MutedAll, &g.Dissolved,
		&g.QRCode, &qrExp, &created, &members, &g.Version)
	g.ID, g.Owner, g.Members = hongyan.ConversationID(id), hongyan.UserID(owner), int(members)
	g.AnnouncementTime, g.QRExpires, g.Created = tm(annTime), tm(qrExp), tm(created)
	return g, err
}

func (s GroupStore) one(ctx context.Context, q string, args ...any) (group.Group, error) {
	gs, err := queryAll(ctx, s.db, scanGroup, q, args...)
	if err != nil {
		return group.Group{}, err
	}
	if len(gs) == 0 {
		return group.Group{}, notFound("no such group")
	}
	return gs[0], nil
}

// Group returns group id.
func (s GroupStore) Group(ctx context.Context, id hongyan.ConversationID) (group.Group, error) {
	return s.one(ctx, `SELECT `+groupCols+` FROM groups WHERE id = $1`, int64(id))
}

// GroupByCode returns the group whose QR code is code.
func (s GroupStore) GroupByCode(ctx context.Context, code string) (group.Group, error) {
	if code == "" {
		return group.Group{}, notFound("no such group")
	}
	return s.one(ctx, `SELECT `+groupCols+` FROM groups WHERE qr_code = $1`, code)
}

// Groups lists the groups user is an active member of.
func (s GroupStore) Groups(ctx context.Context, user hongyan.UserID) ([]group.Group, error) {
	return queryAll(ctx, s.db, scanGroup, `SELECT `+groupCols+` FROM groups WHERE id IN
		(SELECT conversation FROM group_members WHERE user_id = $1 AND left_seq = 0) ORDER BY id`, int64(user))
}

const memberCols = `conversation, user_id, role, nickname, muted, saved, show_nicknames, joined, left_seq`

func scanMember(scan func(...any) error) (group.Member, error) {
	var m group.Member
	var conv, user, role, joined, left int64
	err := scan(&conv, &user, &role, &m.Nickname, &m.Muted, &m.Saved, &m.ShowNicknames, &joined, &left)
	m.Group, m.User, m.Role, m.Joined, m.Active = hongyan.ConversationID(conv), hongyan.UserID(user), group.Role(role), tm(joined), left == 0
	return m, err
}

// Member returns user's membership of group id, active or not.
func (s GroupStore) Member(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (group.Member, error) {
	ms, err := queryAll(ctx, s.db, scanMember, `SELECT `+memberCols+` FROM group_members WHERE conversation = $1 AND user_id = $2`,
		int64(id), int64(user))
	if err != nil {
		return group.Member{}, err
	}
	if len(ms) == 0 {
		return group.Member{}, notFound("not a member of this group")
	}
	return ms[0], nil
}

// Members lists group id's active members in the order they joined.
func (s GroupStore) Members(ctx context.Context, id hongyan.ConversationID) ([]group.Member, error) {
	return queryAll(ctx, s.db, scanMember, `SELECT `+memberCols+` FROM group_members
		WHERE conversation = $1 AND left_seq = 0 ORDER BY joined_seq, user_id`, int64(id))
}

const invitationCols = `id, conversation, inviter, invitee, state, by_qr, created, updated`

func scanInvitation(scan func(...any) error) (group.Invitation, error) {
	var inv group.Invitation
	var conv, inviter, invitee, state, created, updated int64
	err := scan(&inv.ID, &conv, &inviter, &invitee, &state, &inv.ByQR, &created, &updated)
	inv.Group, inv.Inviter, inv.Invitee = hongyan.ConversationID(conv), hongyan.UserID(inviter), hongyan.UserID(invitee)
	inv.State, inv.Created, inv.Updated = group.InvitationState(state), tm(created), tm(updated)
	return inv, err
}

// Invitation returns invitation id.
func (s GroupStore) Invitation(ctx context.Context, id int64) (group.Invitation, error) {
	invs, err := queryAll(ctx, s.db, scanInvitation, `SELECT `+invitationCols+` FROM group_invitations WHERE id = $1`, id)
	if err != nil {
		return group.Invitation{}, err
	}
	if len(invs) == 0 {
		return group.Invitation{}, notFound("no such invitation")
	}
	return invs[0], nil
}

// Invitations lists the pending invitations waiting for user.
func (s GroupStore) Invitations(ctx context.Context, user hongyan.UserID) ([]group.Invitation, error) {
	return queryAll(ctx, s.db, scanInvitation, `SELECT `+invitationCols+` FROM group_invitations i
		WHERE (i.invitee = $1 AND i.state = $2) OR (i.state = $3 AND EXISTS (SELECT 1 FROM group_members m
			WHERE m.conversation = i.conversation AND m.user_id = $1 AND m.left_seq = 0 AND m.role >= $4))
		ORDER BY i.id`, int64(user), int64(group.StateInvited), int64(group.StateApproval), int64(group.RoleAdmin))
}
