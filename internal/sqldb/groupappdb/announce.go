package groupappdb

import (
	"context"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// CreateAnnouncement stores a.
func (s Store) CreateAnnouncement(ctx context.Context, a groupapp.Announcement, notify []hongyan.Change) (groupapp.Announcement, []hongyan.Change, error) {
	if a.Group <= 0 || a.Author <= 0 {
		return groupapp.Announcement{}, nil, sqldb.Invalid("an announcement needs a group and an author")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Announcement{}, nil, err
	}
	a.Created, a.Updated = sqldb.Tm(sqldb.Ms(a.Created)), sqldb.Tm(sqldb.Ms(a.Updated))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO groupapp_announcements (grp, author, text, pinned, created, updated, removed)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			[]any{int64(a.Group), int64(a.Author), a.Text, a.Pinned, sqldb.Ms(a.Created), sqldb.Ms(a.Updated), a.Removed}, &a.ID); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = appendChanges(t, notify, a.ID)
		return err
	})
	if err != nil {
		return groupapp.Announcement{}, nil, err
	}
	return a, out, nil
}

// UpdateAnnouncement stores a's Pinned, Removed and Updated.
func (s Store) UpdateAnnouncement(ctx context.Context, a groupapp.Announcement, notify []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE groupapp_announcements SET pinned = $3, removed = $4, updated = $5 WHERE id = $1 AND grp = $2`,
			a.ID, int64(a.Group), a.Pinned, a.Removed, sqldb.Ms(a.Updated))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such announcement")
		}
		out, err = appendChanges(t, notify, a.ID)
		return err
	})
	return out, err
}

const announcementCols = `id, grp, author, text, pinned, created, updated, removed`

func scanAnnouncement(scan func(...any) error) (groupapp.Announcement, error) {
	var a groupapp.Announcement
	var grp, author, created, updated int64
	err := scan(&a.ID, &grp, &author, &a.Text, &a.Pinned, &created, &updated, &a.Removed)
	a.Group, a.Author, a.Created, a.Updated = hongyan.ConversationID(grp), hongyan.UserID(author), sqldb.Tm(created), sqldb.Tm(updated)
	return a, err
}

// Announcement returns announcement id of group.
func (s Store) Announcement(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.Announcement, error) {
	as, err := sqldb.QueryAll(ctx, s.db, scanAnnouncement, `SELECT `+announcementCols+` FROM groupapp_announcements WHERE id = $1 AND grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.Announcement{}, err
	}
	if len(as) == 0 {
		return groupapp.Announcement{}, sqldb.NotFound("no such announcement")
	}
	return as[0], nil
}

// Announcements returns a page of group's board, newest first.
func (s Store) Announcements(ctx context.Context, group hongyan.ConversationID, below int64, limit int, pinned bool) ([]groupapp.Announcement, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanAnnouncement, `SELECT `+announcementCols+` FROM groupapp_announcements
		WHERE grp = $1 AND id < $2 AND NOT removed AND (pinned OR NOT $3) ORDER BY id DESC LIMIT $4`,
		int64(group), before(below), pinned, int64(limit))
}
