package groupdb

import (
	"context"

	"hongyan/internal/chat"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/chatdb"
)

// Store implements group.Store. A group's chat is a conversation of
// the chat store (a = 0); its notices are messages of that chat, written in
// the same transaction as the change they report.
type Store struct{ db *sqldb.DB }

var _ group.Store = Store{}

// New returns the group store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// noticeMessage is the chat message reporting notice n of group conv.
func noticeMessage(conv hongyan.ConversationID, n group.Notice, now int64) chat.Message {
	return chat.Message{
		Conversation: conv, Sender: n.Actor, Kind: chat.KindNotice, Time: sqldb.Tm(now), MentionAll: n.All,
		Notice: &chat.Notice{Kind: chat.NoticeKind(n.Kind), Actor: n.Actor, Users: n.Users, Text: n.Text},
	}
}

// Create stores a new group with its chat and first notice.
func (s Store) Create(ctx context.Context, g group.Group, members []group.Member, invites []group.Invitation, n group.Notice, changes []hongyan.Change) (group.Group, []hongyan.Change, error) {
	if len(members) == 0 {
		return group.Group{}, nil, sqldb.Invalid("a group needs members")
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		conv, err := chatdb.CreateGroupChat(t)
		if err != nil {
			return err
		}
		id := int64(conv)
		g.ID, g.Version, g.Members = conv, 1, len(members)
		if _, err := t.Exec(`INSERT INTO groups (id, name, avatar, announcement, announcement_time, owner, approval, muted_all,
			dissolved, qr_code, qr_expires, created, members, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			id, g.Name, g.Avatar, g.Announcement, sqldb.Ms(g.AnnouncementTime), int64(g.Owner), g.Approval, g.MutedAll,
			g.Dissolved, g.QRCode, sqldb.Ms(g.QRExpires), sqldb.Ms(g.Created), g.Members, g.Version); err != nil {
			return sqldb.Internal(err)
		}
		msg, err := chatdb.AppendNotice(t, noticeMessage(g.ID, n, sqldb.Ms(g.Created)))
		if err != nil {
			return err
		}
		var users []hongyan.UserID
		for _, m := range members {
			m.Group = g.ID
			if err := putMember(t, m, msg.Seq); err != nil {
				return err
			}
			users = append(users, m.User)
		}
		all := chatdb.MessageChanges(msg, users)
		for _, c := range changes {
			if c.Conversation == 0 {
				c.Conversation = g.ID
			}
			all = append(all, c)
		}
		for _, inv := range invites {
			inv.Group = g.ID
			more, err := putInvitation(t, inv)
			if err != nil {
				return err
			}
			all = append(all, more...)
		}
		out, err = t.AppendChanges(all)
		return err
	})
	if err != nil {
		return group.Group{}, nil, err
	}
	return g, out, nil
}

// putMember adds m, joining at seq, or changes them; a former member who
// comes back joins anew. Their window of the group chat moves with them
// (chatdb.Join).
func putMember(t *sqldb.Tx, m group.Member, seq int64) error {
	_, err := t.Exec(`INSERT INTO group_members (conversation, user_id, role, nickname, muted, saved, show_nicknames,
			joined, joined_seq, left_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)
		ON CONFLICT (conversation, user_id) DO UPDATE SET role = excluded.role, nickname = excluded.nickname,
			muted = excluded.muted, saved = excluded.saved, show_nicknames = excluded.show_nicknames,
			joined = CASE WHEN group_members.left_seq > 0 THEN excluded.joined ELSE group_members.joined END,
			joined_seq = CASE WHEN group_members.left_seq > 0 THEN excluded.joined_seq ELSE group_members.joined_seq END,
			left_seq = 0`,
		int64(m.Group), int64(m.User), int64(m.Role), m.Nickname, m.Muted, m.Saved, m.ShowNicknames, sqldb.Ms(m.Joined), seq)
	if err != nil {
		return sqldb.Internal(err)
	}
	return chatdb.Join(t, m.Group, m.User, seq)
}

// putInvitation stores inv (a new one when its ID is 0) and returns the
// change-log entries telling its Notify users.
func putInvitation(t *sqldb.Tx, inv group.Invitation) ([]hongyan.Change, error) {
	if inv.ID == 0 {
		if _, err := t.Write(`INSERT INTO group_invitations (conversation, inviter, invitee, state, by_qr, created, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			[]any{int64(inv.Group), int64(inv.Inviter), int64(inv.Invitee), int64(inv.State), inv.ByQR, sqldb.Ms(inv.Created), sqldb.Ms(inv.Updated)},
			&inv.ID); err != nil {
			return nil, sqldb.Internal(err)
		}
	} else if _, err := t.Exec(`UPDATE group_invitations SET state = $2, updated = $3 WHERE id = $1`,
		inv.ID, int64(inv.State), sqldb.Ms(inv.Updated)); err != nil {
		return nil, sqldb.Internal(err)
	}
	out := make([]hongyan.Change, 0, len(inv.Notify))
	for _, u := range inv.Notify {
		out = append(out, hongyan.Change{User: u, Kind: hongyan.ChangeGroupInvitation, Conversation: inv.Group, Ref: inv.ID})
	}
	return out, nil
}

// Apply commits one change of a group.
func (s Store) Apply(ctx context.Context, op group.Op) ([]hongyan.Change, error) {
	g := op.Group
	if err := sqldb.CheckChanges(op.Changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		n, err := t.Exec(`UPDATE groups SET name = $3, avatar = $4, announcement = $5, announcement_time = $6, owner = $7,
			approval = $8, muted_all = $9, dissolved = $10, qr_code = $11, qr_expires = $12, version = version + 1
			WHERE id = $1 AND version = $2`,
			int64(g.ID), g.Version, g.Name, g.Avatar, g.Announcement, sqldb.Ms(g.AnnouncementTime), int64(g.Owner),
			g.Approval, g.MutedAll, g.Dissolved, g.QRCode, sqldb.Ms(g.QRExpires))
		if err != nil {
			if t.Dialect().IsUnique(err) {
				// A QR code collided: the service retries with a new one.
				return hongyan.Errorf(hongyan.CodePrecondition, "the group code is taken")
			}
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodePrecondition, "the group changed meanwhile")
		}
		var all []hongyan.Change
		var seq int64
		if op.Notice != nil {
			msg, err := chatdb.AppendNotice(t, noticeMessage(g.ID, *op.Notice, sqldb.Ms(op.Time)))
			if err != nil {
				return err
			}
			seq = msg.Seq
			all = append(all, chatdb.MessageChanges(msg, op.NoticeTo)...)
		} else if seq, err = chatdb.NextSeq(t, g.ID); err != nil {
			return err
		}
		for _, m := range op.Put {
			m.Group = g.ID
			if err := putMember(t, m, seq); err != nil {
				return err
			}
		}
		for _, u := range op.Remove {
			if _, err := t.Exec(`UPDATE group_members SET left_seq = $3 WHERE conversation = $1 AND user_id = $2 AND left_seq = 0`,
				int64(g.ID), int64(u), max(seq, 1)); err != nil {
				return sqldb.Internal(err)
			}
			if err := chatdb.Leave(t, g.ID, u, max(seq, 1)); err != nil {
				return err
			}
		}
		if len(op.Put) > 0 || len(op.Remove) > 0 {
			if _, err := t.Exec(`UPDATE groups SET members = (SELECT COUNT(*) FROM group_members
				WHERE conversation = $1 AND left_seq = 0) WHERE id = $1`, int64(g.ID)); err != nil {
				return sqldb.Internal(err)
			}
		}
		for _, inv := range op.Invitations {
			inv.Group = g.ID
			more, err := putInvitation(t, inv)
			if err != nil {
				return err
			}
			all = append(all, more...)
		}
		all = append(all, op.Changes...)
		out, err = t.AppendChanges(all)
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
	g.AnnouncementTime, g.QRExpires, g.Created = sqldb.Tm(annTime), sqldb.Tm(qrExp), sqldb.Tm(created)
	return g, err
}

func (s Store) one(ctx context.Context, q string, args ...any) (group.Group, error) {
	gs, err := sqldb.QueryAll(ctx, s.db, scanGroup, q, args...)
	if err != nil {
		return group.Group{}, err
	}
	if len(gs) == 0 {
		return group.Group{}, sqldb.NotFound("no such group")
	}
	return gs[0], nil
}

// Group returns group id.
func (s Store) Group(ctx context.Context, id hongyan.ConversationID) (group.Group, error) {
	return s.one(ctx, `SELECT `+groupCols+` FROM groups WHERE id = $1`, int64(id))
}

// GroupByCode returns the group whose QR code is code.
func (s Store) GroupByCode(ctx context.Context, code string) (group.Group, error) {
	if code == "" {
		return group.Group{}, sqldb.NotFound("no such group")
	}
	return s.one(ctx, `SELECT `+groupCols+` FROM groups WHERE qr_code = $1`, code)
}

// Groups lists the groups user is an active member of.
func (s Store) Groups(ctx context.Context, user hongyan.UserID) ([]group.Group, error) {
	return sqldb.QueryAll(ctx, s.db, scanGroup, `SELECT `+groupCols+` FROM groups WHERE id IN
		(SELECT conversation FROM group_members WHERE user_id = $1 AND left_seq = 0) ORDER BY id`, int64(user))
}

const memberCols = `conversation, user_id, role, nickname, muted, saved, show_nicknames, joined, left_seq`

func scanMember(scan func(...any) error) (group.Member, error) {
	var m group.Member
	var conv, user, role, joined, left int64
	err := scan(&conv, &user, &role, &m.Nickname, &m.Muted, &m.Saved, &m.ShowNicknames, &joined, &left)
	m.Group, m.User, m.Role, m.Joined, m.Active = hongyan.ConversationID(conv), hongyan.UserID(user), group.Role(role), sqldb.Tm(joined), left == 0
	return m, err
}

// Member returns user's membership of group id, active or not.
func (s Store) Member(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (group.Member, error) {
	ms, err := sqldb.QueryAll(ctx, s.db, scanMember, `SELECT `+memberCols+` FROM group_members WHERE conversation = $1 AND user_id = $2`,
		int64(id), int64(user))
	if err != nil {
		return group.Member{}, err
	}
	if len(ms) == 0 {
		return group.Member{}, sqldb.NotFound("not a member of this group")
	}
	return ms[0], nil
}

// Members lists group id's active members in the order they joined.
func (s Store) Members(ctx context.Context, id hongyan.ConversationID) ([]group.Member, error) {
	return sqldb.QueryAll(ctx, s.db, scanMember, `SELECT `+memberCols+` FROM group_members
		WHERE conversation = $1 AND left_seq = 0 ORDER BY joined_seq, user_id`, int64(id))
}

const invitationCols = `id, conversation, inviter, invitee, state, by_qr, created, updated`

func scanInvitation(scan func(...any) error) (group.Invitation, error) {
	var inv group.Invitation
	var conv, inviter, invitee, state, created, updated int64
	err := scan(&inv.ID, &conv, &inviter, &invitee, &state, &inv.ByQR, &created, &updated)
	inv.Group, inv.Inviter, inv.Invitee = hongyan.ConversationID(conv), hongyan.UserID(inviter), hongyan.UserID(invitee)
	inv.State, inv.Created, inv.Updated = group.InvitationState(state), sqldb.Tm(created), sqldb.Tm(updated)
	return inv, err
}

// Invitation returns invitation id.
func (s Store) Invitation(ctx context.Context, id int64) (group.Invitation, error) {
	invs, err := sqldb.QueryAll(ctx, s.db, scanInvitation, `SELECT `+invitationCols+` FROM group_invitations WHERE id = $1`, id)
	if err != nil {
		return group.Invitation{}, err
	}
	if len(invs) == 0 {
		return group.Invitation{}, sqldb.NotFound("no such invitation")
	}
	return invs[0], nil
}

// Invitations lists the pending invitations waiting for user.
func (s Store) Invitations(ctx context.Context, user hongyan.UserID) ([]group.Invitation, error) {
	return sqldb.QueryAll(ctx, s.db, scanInvitation, `SELECT `+invitationCols+` FROM group_invitations i
		WHERE (i.invitee = $1 AND i.state = $2) OR (i.state = $3 AND EXISTS (SELECT 1 FROM group_members m
			WHERE m.conversation = i.conversation AND m.user_id = $1 AND m.left_seq = 0 AND m.role >= $4))
		ORDER BY i.id`, int64(user), int64(group.StateInvited), int64(group.StateApproval), int64(group.RoleAdmin))
}
