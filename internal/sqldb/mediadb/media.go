package mediadb

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/sqldb"
)

// Store implements media.Store.
type Store struct{ db *sqldb.DB }

var _ media.Store = Store{}

// New returns the media store on db.
func New(db *sqldb.DB) Store { return Store{db} }

const mediaCols = `id, owner, class, type, size, sha256, width, height, duration_ms, name, thumb, poster, created`

func scanMedia(scan func(...any) error) (media.Record, error) {
	var r media.Record
	var owner, created int64
	var class string
	err := scan(&r.ID, &owner, &class, &r.Type, &r.Size, &r.SHA256, &r.Width, &r.Height, &r.DurationMS,
		&r.Name, &r.Thumb, &r.Poster, &created)
	r.Owner, r.Class, r.Created = hongyan.UserID(owner), media.Class(class), sqldb.Tm(created)
	r.Thumbnail = r.Thumb != ""
	return r, err
}

// CreateMedia stores r; an ID already stored is hongyan.CodeExists.
func (s Store) CreateMedia(ctx context.Context, r media.Record) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`INSERT INTO media (`+mediaCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
			r.ID, int64(r.Owner), string(r.Class), r.Type, r.Size, r.SHA256, r.Width, r.Height, r.DurationMS,
			r.Name, r.Thumb, r.Poster, sqldb.Ms(r.Created))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodeExists, "media %s already exists", r.ID)
		}
		return nil
	})
}

// Media returns the record of media id.
func (s Store) Media(ctx context.Context, id string) (media.Record, error) {
	st, err := s.db.Stmt(ctx, `SELECT `+mediaCols+` FROM media WHERE id = $1`)
	if err != nil {
		return media.Record{}, sqldb.Internal(err)
	}
	r, err := scanMedia(st.QueryRowContext(ctx, id).Scan)
	if sqldb.IsNoRows(err) {
		return media.Record{}, sqldb.NotFound("no such media")
	}
	return r, sqldb.Internal(err)
}

// AddRef records that media id was sent into conv.
func (s Store) AddRef(ctx context.Context, id string, conv hongyan.ConversationID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		var one int64
		found, err := t.Read(`SELECT 1 FROM media WHERE id = $1`, []any{id}, &one)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such media")
		}
		_, err = t.Exec(`INSERT INTO media_refs (media_id, conversation) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, int64(conv))
		return sqldb.Internal(err)
	})
}

// Refs lists the conversations media id was sent into, ascending.
func (s Store) Refs(ctx context.Context, id string) ([]hongyan.ConversationID, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (hongyan.ConversationID, error) {
		var c int64
		err := scan(&c)
		return hongyan.ConversationID(c), err
	}, `SELECT conversation FROM media_refs WHERE media_id = $1 ORDER BY conversation`, id)
}

// AddKeep records that user keeps a copy of a message carrying media id.
func (s Store) AddKeep(ctx context.Context, id string, user hongyan.UserID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		var one int64
		found, err := t.Read(`SELECT 1 FROM media WHERE id = $1`, []any{id}, &one)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such media")
		}
		_, err = t.Exec(`INSERT INTO media_keeps (media_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, int64(user))
		return sqldb.Internal(err)
	})
}

// Kept reports whether user keeps a copy of a message carrying media id.
func (s Store) Kept(ctx context.Context, id string, user hongyan.UserID) (bool, error) {
	var one int64
	return s.db.QueryRow(ctx, `SELECT 1 FROM media_keeps WHERE media_id = $1 AND user_id = $2`, []any{id, int64(user)}, &one)
}

const uploadCols = `id, owner, class, name, size, duration_ms, received, created`

func scanUpload(scan func(...any) error) (media.UploadSession, error) {
	var u media.UploadSession
	var owner, created int64
	var class string
	err := scan(&u.ID, &owner, &class, &u.Name, &u.Size, &u.DurationMS, &u.Offset, &created)
	u.Owner, u.Class, u.Created = hongyan.UserID(owner), media.Class(class), sqldb.Tm(created)
	return u, err
}

// CreateUpload stores a new upload session, if its owner has fewer than
// maxOpen unfinished ones (when maxOpen > 0). The count and the insert are one
// transaction of the node's writer; nodes sharing a PostgreSQL database
// may each let one more through at the same moment.
func (s Store) CreateUpload(ctx context.Context, u media.UploadSession, maxOpen int) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		if maxOpen > 0 {
			var open int64
			if _, err := t.Read(`SELECT COUNT(*) FROM media_uploads WHERE owner = $1 AND received < size`, []any{int64(u.Owner)}, &open); err != nil {
				return sqldb.Internal(err)
			}
			if open >= int64(maxOpen) {
				return hongyan.Errorf(hongyan.CodeRateLimited, "you have %d uploads open; finish or cancel one first", open)
			}
		}
		n, err := t.Exec(`INSERT INTO media_uploads (`+uploadCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			u.ID, int64(u.Owner), string(u.Class), u.Name, u.Size, u.DurationMS, u.Offset, sqldb.Ms(u.Created))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodeExists, "upload %s already exists", u.ID)
		}
		return nil
	})
}

// Upload returns upload session id.
func (s Store) Upload(ctx context.Context, id string) (media.UploadSession, error) {
	st, err := s.db.Stmt(ctx, `SELECT `+uploadCols+` FROM media_uploads WHERE id = $1`)
	if err != nil {
		return media.UploadSession{}, sqldb.Internal(err)
	}
	u, err := scanUpload(st.QueryRowContext(ctx, id).Scan)
	if sqldb.IsNoRows(err) {
		return media.UploadSession{}, sqldb.NotFound("no such upload")
	}
	return u, sqldb.Internal(err)
}

// AdvanceUpload moves upload id's offset from from to to, if it is at from.
func (s Store) AdvanceUpload(ctx context.Context, id string, from, to int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE media_uploads SET received = $3 WHERE id = $1 AND received = $2`, id, from, to)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n > 0 {
			return nil
		}
		var at int64
		found, err := t.Read(`SELECT received FROM media_uploads WHERE id = $1`, []any{id}, &at)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such upload")
		}
		return hongyan.Errorf(hongyan.CodePrecondition, "the upload is at offset %d, not %d", at, from)
	})
}

// DeleteUpload removes upload session id.
func (s Store) DeleteUpload(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM media_uploads WHERE id = $1`, id)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such upload")
		}
		return nil
	})
}

// StaleUploads lists up to limit upload sessions created before before,
// oldest first.
func (s Store) StaleUploads(ctx context.Context, before time.Time, limit int) ([]media.UploadSession, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanUpload, `SELECT `+uploadCols+` FROM media_uploads
		WHERE created < $1 ORDER BY created, id LIMIT $2`, sqldb.Ms(before), limit)
}

// OwnedMedia lists up to limit media of owner with IDs after after, in
// ID order.
func (s Store) OwnedMedia(ctx context.Context, owner hongyan.UserID, after string, limit int) ([]media.Record, error) {
	if limit <= 0 {
		return nil, nil
	}
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (media.Record, error) {
		return scanMedia(scan)
	}, `SELECT `+mediaCols+` FROM media WHERE owner = $1 AND id > $2 ORDER BY id LIMIT $3`, int64(owner), after, limit)
}

// Keepers lists the users who keep a copy of a message carrying media id.
func (s Store) Keepers(ctx context.Context, id string) ([]hongyan.UserID, error) {
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (hongyan.UserID, error) {
		var u int64
		err := scan(&u)
		return hongyan.UserID(u), err
	}, `SELECT user_id FROM media_keeps WHERE media_id = $1 ORDER BY user_id`, id)
}

// DeleteMedia removes media id with its refs and keeps, and returns the
// blob keys (content, thumbnail) that no media row uses any more.
func (s Store) DeleteMedia(ctx context.Context, id string) ([]string, error) {
	var unused []string
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		unused = nil
		var sha, thumb string
		found, err := t.Read(`SELECT sha256, thumb FROM media WHERE id = $1`, []any{id}, &sha, &thumb)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such media")
		}
		for _, q := range []string{`DELETE FROM media_refs WHERE media_id = $1`, `DELETE FROM media_keeps WHERE media_id = $1`, `DELETE FROM media WHERE id = $1`} {
			if _, err := t.Exec(q, id); err != nil {
				return sqldb.Internal(err)
			}
		}
		for _, key := range []string{sha, thumb} {
			if key == "" {
				continue
			}
			var one int64
			used, err := t.Read(`SELECT 1 FROM media WHERE sha256 = $1 OR thumb = $1 LIMIT 1`, []any{key}, &one)
			if err != nil {
				return sqldb.Internal(err)
			}
			if !used {
				unused = append(unused, key)
			}
		}
		return nil
	})
	return unused, err
}
