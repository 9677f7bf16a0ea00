package groupappdb

import (
	"context"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

const fileCols = `id, grp, uploader, media_id, name, type, size, homework, album, created, deleted`

func scanFile(scan func(...any) error) (groupapp.File, error) {
	var f groupapp.File
	var grp, uploader, created, deleted int64
	err := scan(&f.ID, &grp, &uploader, &f.Media, &f.Name, &f.Type, &f.Size, &f.Homework, &f.Album, &created, &deleted)
	f.Group, f.Uploader = hongyan.ConversationID(grp), hongyan.UserID(uploader)
	f.Created, f.Deleted = tm(created), tm(deleted)
	return f, err
}

// addUsage adds delta bytes to group's usage and fails unless the result
// is within quota (quota < 0: no check).
func addUsage(t *sqldb.Tx, group hongyan.ConversationID, delta, quota int64) error {
	var used int64
	if _, err := t.Write(`INSERT INTO groupapp_file_usage (grp, bytes) VALUES ($1, $2)
		ON CONFLICT (grp) DO UPDATE SET bytes = groupapp_file_usage.bytes + excluded.bytes RETURNING bytes`,
		[]any{int64(group), delta}, &used); err != nil {
		return sqldb.Internal(err)
	}
	if quota >= 0 && delta > 0 && used > quota {
		return hongyan.Errorf(hongyan.CodePrecondition, "the group's files would take %d of its %d bytes", used, quota).WithReason(groupapp.ReasonQuotaFull)
	}
	return nil
}

// insertFile stores f in t.
func insertFile(t *sqldb.Tx, f *groupapp.File) error {
	if _, err := t.Write(`INSERT INTO groupapp_files (grp, uploader, media_id, name, type, size, homework, album, created, deleted)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		[]any{int64(f.Group), int64(f.Uploader), f.Media, f.Name, f.Type, f.Size, f.Homework, f.Album, ms(f.Created), ms(f.Deleted)}, &f.ID); err != nil {
		return sqldb.Internal(err)
	}
	return nil
}

func checkFile(f groupapp.File) error {
	if f.Group <= 0 || f.Uploader <= 0 || f.Media == "" || f.Size < 0 || f.Homework < 0 || f.Album < 0 || (f.Homework > 0 && f.Album > 0) {
		return sqldb.Invalid("a file needs a group, an uploader, an upload ID and a size")
	}
	return nil
}

// AddFile stores f within the group's quota.
func (s Store) AddFile(ctx context.Context, f groupapp.File, quota int64, notify []hongyan.Change) (groupapp.File, []hongyan.Change, error) {
	if err := checkFile(f); err != nil {
		return groupapp.File{}, nil, err
	}
	if err := sqldb.CheckChanges(notify); err != nil {
		return groupapp.File{}, nil, err
	}
	f.Created, f.Deleted = tm(ms(f.Created)), time.Time{}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if err := addUsage(t, f.Group, f.Size, quota); err != nil {
			return err
		}
		if err := insertFile(t, &f); err != nil {
			return err
		}
		var err error
		out, err = appendChanges(t, notify, f.ID)
		return err
	})
	if err != nil {
		return groupapp.File{}, nil, err
	}
	return f, out, nil
}

// File returns file id of group.
func (s Store) File(ctx context.Context, group hongyan.ConversationID, id int64) (groupapp.File, error) {
	fs, err := sqldb.QueryAll(ctx, s.db, scanFile, `SELECT `+fileCols+` FROM groupapp_files WHERE id = $1 AND grp = $2`, id, int64(group))
	if err != nil {
		return groupapp.File{}, err
	}
	if len(fs) == 0 {
		return groupapp.File{}, sqldb.NotFound("no such file")
	}
	return fs[0], nil
}

// Files returns a page of group's files, newest first.
func (s Store) Files(ctx context.Context, group hongyan.ConversationID, below int64, limit int) ([]groupapp.File, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanFile, `SELECT `+fileCols+` FROM groupapp_files
		WHERE grp = $1 AND homework = 0 AND album = 0 AND deleted = 0 AND id < $2 ORDER BY id DESC LIMIT $3`,
		int64(group), before(below), int64(limit))
}

// DeleteFile marks file id of group deleted.
func (s Store) DeleteFile(ctx context.Context, group hongyan.ConversationID, id int64, at time.Time, notify []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(notify); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var size, deleted int64
		found, err := t.Read(`SELECT size, deleted FROM groupapp_files WHERE id = $1 AND grp = $2`, []any{id, int64(group)}, &size, &deleted)
		if err != nil {
			return err
		}
		if !found {
			return sqldb.NotFound("no such file")
		}
		if deleted != 0 {
			return nil
		}
		if _, err := t.Exec(`UPDATE groupapp_files SET deleted = $3 WHERE id = $1 AND grp = $2`, id, int64(group), max(ms(at), 1)); err != nil {
			return sqldb.Internal(err)
		}
		if err := addUsage(t, group, -size, -1); err != nil {
			return err
		}
		out, err = appendChanges(t, notify, id)
		return err
	})
	return out, err
}

// FileUsage returns the bytes group's files take.
func (s Store) FileUsage(ctx context.Context, group hongyan.ConversationID) (int64, error) {
	us, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (int64, error) {
		var n int64
		return n, scan(&n)
	}, `SELECT bytes FROM groupapp_file_usage WHERE grp = $1`, int64(group))
	if err != nil || len(us) == 0 {
		return 0, err
	}
	return us[0], nil
}

// FilesOfMedia returns group's files, not deleted, that are media id.
func (s Store) FilesOfMedia(ctx context.Context, group hongyan.ConversationID, media string) ([]groupapp.File, error) {
	return sqldb.QueryAll(ctx, s.db, scanFile, `SELECT `+fileCols+` FROM groupapp_files WHERE grp = $1 AND media_id = $2 AND deleted = 0 ORDER BY id LIMIT 100`,
		int64(group), media)
}

// submissionFiles replaces the files of user's submission to homework in
// t with files (their IDs assigned), within quota.
func submissionFiles(t *sqldb.Tx, group hongyan.ConversationID, homework int64, user hongyan.UserID, files []groupapp.File, at time.Time, quota int64) error {
	var old int64
	if _, err := t.Read(`SELECT COALESCE(SUM(size), 0) FROM groupapp_files WHERE homework = $1 AND uploader = $2 AND grp = $3 AND deleted = 0`,
		[]any{homework, int64(user), int64(group)}, &old); err != nil {
		return err
	}
	if old > 0 {
		if _, err := t.Exec(`UPDATE groupapp_files SET deleted = $4 WHERE homework = $1 AND uploader = $2 AND grp = $3 AND deleted = 0`,
			homework, int64(user), int64(group), max(ms(at), 1)); err != nil {
			return sqldb.Internal(err)
		}
	}
	var size int64
	for i := range files {
		f := &files[i]
		f.Group, f.Uploader, f.Homework, f.Album, f.Deleted = group, user, homework, 0, time.Time{}
		f.Created = tm(ms(f.Created))
		if err := checkFile(*f); err != nil {
			return err
		}
		if err := insertFile(t, f); err != nil {
			return err
		}
		size += f.Size
	}
	if size != old {
		return addUsage(t, group, size-old, quota)
	}
	return nil
}

// homeworkFiles returns the files, not deleted, handed in to homework id,
// by uploader.
func (s Store) homeworkFiles(ctx context.Context, id int64) (map[hongyan.UserID][]groupapp.File, error) {
	fs, err := sqldb.QueryAll(ctx, s.db, scanFile, `SELECT `+fileCols+` FROM groupapp_files WHERE homework = $1 AND deleted = 0 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	out := make(map[hongyan.UserID][]groupapp.File)
	for _, f := range fs {
		out[f.Uploader] = append(out[f.Uploader], f)
	}
	return out, nil
}
