package groupappdb

import (
	"context"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// CreateAlbum stores a.
func (s Store) CreateAlbum(ctx context.Context, a groupapp.Album, notify []hongyan.Change) (groupapp.Album, []hongyan.Change, error) {
	if a.Group <= 0 || a.Creator <= 0 {
		return groupapp.Album{}, nil, sqldb.Invalid("an album needs a group and a creator")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Album{}, nil, err
	}
	a.Created, a.Updated, a.Deleted = tm(ms(a.Created)), tm(ms(a.Updated)), time.Time{}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO groupapp_albums (grp, creator, name, created, updated, deleted) VALUES ($1, $2, $3, $4, $5, 0) RETURNING id`,
			[]any{int64(a.Group), int64(a.Creator), a.Name, ms(a.Created), ms(a.Updated)}, &a.ID); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = appendChanges(t, notify, a.ID)
		return err
	})
	if err != nil {
		return groupapp.Album{}, nil, err
	}
	return a, out, nil
}

// UpdateAlbum stores a's name, update time and deletion.
func (s Store) UpdateAlbum(ctx context.Context, a groupapp.Album, notify []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var deleted int64
		found, err := t.Read(`SELECT deleted FROM groupapp_albums WHERE id = $1 AND grp = $2`, []any{a.ID, int64(a.Group)}, &deleted)
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such album")
		}
		if deleted != 0 {
			return sqldb.NotFound("no such album")
		}
		if _, err := t.Exec(`UPDATE groupapp_albums SET name = $3, updated = $4, deleted = $5 WHERE id = $1 AND grp = $2`,
			a.ID, int64(a.Group), a.Name, ms(a.Updated), ms(a.Deleted)); err != nil {
			return sqldb.Internal(err)
		}
		if !a.Deleted.IsZero() {
			var size int64
			if _, err := t.Read(`SELECT COALESCE(SUM(size), 0) FROM groupapp_files WHERE album = $1 AND grp = $2 AND deleted = 0`,
				[]any{a.ID, int64(a.Group)}, &size); err != nil {
				return err
			}
			if _, err := t.Exec(`UPDATE groupapp_files SET deleted = $3 WHERE album = $1 AND grp = $2 AND deleted = 0`,
				a.ID, int64(a.Group), max(ms(a.Deleted), 1)); err != nil {
				return sqldb.Internal(err)
			}
			if size > 0 {
				if err := addUsage(t, a.Group, -size, -1); err != nil {
					return err
				}
			}
		}
		out, err = appendChanges(t, notify, a.ID)
		return err
	})
	return out, err
}

const albumCols = `a.id, a.grp, a.creator, a.name, a.created, a.updated, a.deleted,
	(SELECT COUNT(*) FROM groupapp_files f WHERE f.album = a.id AND f.deleted = 0),
	COALESCE((SELECT f.media_id FROM groupapp_files f WHERE f.album = a.id AND f.deleted = 0 ORDER BY f.id DESC LIMIT 1), '')`

func scanAlbum(scan func(...any) error) (groupapp.Album, error) {
	var a groupapp.Album
	var grp, creator, created, updated, deleted, photos int64
	err := scan(&a.ID, &grp, &creator, &a.Name, &created, &updated, &deleted, &photos, &a.Cover)
	a.Group, a.Creator, a.Photos = hongyan.ConversationID(grp), hongyan.UserID(creator), int(photos)
	a.Created, a.Updated, a.Deleted = tm(created), tm(updated), tm(deleted)
	return a, err
}

// Album returns album id of group.
func (s Store) Album(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.Album, error) {
	as, err := sqldb.QueryAll(ctx, s.db, scanAlbum, `SELECT `+albumCols+` FROM groupapp_albums a WHERE a.id = $1 AND a.grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.Album{}, err
	}
	if len(as) == 0 {
		return groupapp.Album{}, sqldb.NotFound("no such album")
	}
	return as[0], nil
}

// Albums returns a page of group's albums, newest first.
func (s Store) Albums(ctx context.Context, group hongyan.ConversationID, below int64, limit int) ([]groupapp.Album, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanAlbum, `SELECT `+albumCols+` FROM groupapp_albums a
		WHERE a.grp = $1 AND a.deleted = 0 AND a.id < $2 ORDER BY a.id DESC LIMIT $3`, int64(group), before(below), int64(limit))
}

// AddPhotos stores photos of one album within the group's quota.
func (s Store) AddPhotos(ctx context.Context, photos []groupapp.File, quota int64, notify []hongyan.Change) ([]groupapp.File, []hongyan.Change, error) {
	if len(photos) == 0 {
		return nil, nil, sqldb.Invalid("no photos")
	}
	group, album := photos[0].Group, photos[0].Album
	var size int64
	for _, p := range photos {
		if err := checkFile(p); err != nil {
			return nil, nil, err
		}
		if p.Group != group || p.Album != album || album <= 0 || p.Homework != 0 {
			return nil, nil, sqldb.Invalid("photos are added to one album at a time")
		}
		size += p.Size
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, nil, err
	}
	var out []hongyan.Change
	var stored []groupapp.File
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		stored = append(stored[:0], photos...)
		var deleted int64
		found, err := t.Read(`SELECT deleted FROM groupapp_albums WHERE id = $1 AND grp = $2`, []any{album, int64(group)}, &deleted)
		if err != nil {
			return err
		}
		if !found || deleted != 0 {
			return sqldb.NotFound("no such album")
		}
		if err := addUsage(t, group, size, quota); err != nil {
			return err
		}
		for i := range stored {
			p := &stored[i]
			p.Created, p.Deleted = tm(ms(p.Created)), time.Time{}
			if err := insertFile(t, p); err != nil {
				return err
			}
		}
		out, err = appendChanges(t, notify, album)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return stored, out, nil
}

// Photos returns a page of an album's photos, newest first.
func (s Store) Photos(ctx context.Context, group hongyan.ConversationID, album, below int64, limit int) ([]groupapp.File, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanFile, `SELECT `+fileCols+` FROM groupapp_files
		WHERE album = $1 AND grp = $2 AND deleted = 0 AND id < $3 ORDER BY id DESC LIMIT $4`, album, int64(group), before(below), int64(limit))
}

const commentCols = `id, grp, photo, author, text, created, deleted`

func scanComment(scan func(...any) error) (groupapp.Comment, error) {
	var c groupapp.Comment
	var grp, author, created, deleted int64
	err := scan(&c.ID, &grp, &c.Photo, &author, &c.Text, &created, &deleted)
	c.Group, c.Author, c.Created, c.Deleted = hongyan.ConversationID(grp), hongyan.UserID(author), tm(created), tm(deleted)
	return c, err
}

// AddComment stores c.
func (s Store) AddComment(ctx context.Context, c groupapp.Comment, notify []hongyan.Change) (groupapp.Comment, []hongyan.Change, error) {
	if c.Group <= 0 || c.Author <= 0 || c.Photo <= 0 {
		return groupapp.Comment{}, nil, sqldb.Invalid("a comment needs a group, a photo and an author")
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.Comment{}, nil, err
	}
	c.Created, c.Deleted = tm(ms(c.Created)), time.Time{}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var album int64
		found, err := t.Read(`SELECT album FROM groupapp_files WHERE id = $1 AND grp = $2 AND deleted = 0`, []any{c.Photo, int64(c.Group)}, &album)
		if err != nil {
			return err
		}
		if !found || album == 0 {
			return sqldb.NotFound("no such photo")
		}
		if _, err := t.Write(`INSERT INTO groupapp_photo_comments (grp, photo, author, text, created, deleted) VALUES ($1, $2, $3, $4, $5, 0) RETURNING id`,
			[]any{int64(c.Group), c.Photo, int64(c.Author), c.Text, ms(c.Created)}, &c.ID); err != nil {
			return sqldb.Internal(err)
		}
		out, err = appendChanges(t, notify, album)
		return err
	})
	if err != nil {
		return groupapp.Comment{}, nil, err
	}
	return c, out, nil
}

// Comment returns comment id of group.
func (s Store) Comment(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.Comment, error) {
	cs, err := sqldb.QueryAll(ctx, s.db, scanComment, `SELECT `+commentCols+` FROM groupapp_photo_comments WHERE id = $1 AND grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.Comment{}, err
	}
	if len(cs) == 0 {
		return groupapp.Comment{}, sqldb.NotFound("no such comment")
	}
	return cs[0], nil
}

// Comments returns a page of a photo's comments, oldest first.
func (s Store) Comments(ctx context.Context, group hongyan.ConversationID, photo, after int64, limit int) ([]groupapp.Comment, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanComment, `SELECT `+commentCols+` FROM groupapp_photo_comments
		WHERE photo = $1 AND grp = $2 AND deleted = 0 AND id > $3 ORDER BY id LIMIT $4`, photo, int64(group), after, int64(limit))
}

// DeleteComment marks comment id of group deleted.
func (s Store) DeleteComment(ctx context.Context, group hongyan.ConversationID, id int64, at time.Time, notify []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var deleted, album int64
		found, err := t.Read(`SELECT c.deleted, f.album FROM groupapp_photo_comments c JOIN groupapp_files f ON f.id = c.photo
			WHERE c.id = $1 AND c.grp = $2`, []any{id, int64(group)}, &deleted, &album)
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such comment")
		}
		if deleted != 0 {
			return nil
		}
		if _, err := t.Exec(`UPDATE groupapp_photo_comments SET deleted = $3 WHERE id = $1 AND grp = $2`, id, int64(group), max(ms(at), 1)); err != nil {
			return sqldb.Internal(err)
		}
		out, err = appendChanges(t, notify, album)
		return err
	})
	return out, err
}
