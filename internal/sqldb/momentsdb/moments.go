// Package momentsdb keeps Moments on the shared storage core: posts, the
// inboxes they are fanned out to, likes, comments, settings and
// notifications, in tables of its own.
package momentsdb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
	"hongyan/internal/sqldb"
)

// Store implements moments.Store.
type Store struct{ db *sqldb.DB }

var _ moments.Store = Store{}

// New returns the Moments store on db.
func New(db *sqldb.DB) Store { return Store{db} }

// body is what a post row keeps as JSON: what is shown, never queried
// (the search column keeps the text to search).
type body struct {
	Text       string           `json:"t,omitempty"`
	Media      []moments.Media  `json:"m,omitempty"`
	Link       *moments.Link    `json:"l,omitempty"`
	Location   string           `json:"loc,omitempty"`
	Mentions   []hongyan.UserID `json:"at,omitempty"`
	Visibility int8             `json:"v,omitempty"`
	Tags       []string         `json:"tags,omitempty"`
	People     []hongyan.UserID `json:"people,omitempty"`
	Audience   []hongyan.UserID `json:"aud,omitempty"`
}

const postCols = `p.id, p.author, p.fanned, p.created, p.body`

func scanPost(scan func(...any) error) (moments.Post, error) {
	var p moments.Post
	var author, created int64
	var raw string
	if err := scan(&p.ID, &author, &p.Fanout, &created, &raw); err != nil {
		return p, err
	}
	var b body
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return p, err
	}
	p.Author, p.Created = hongyan.UserID(author), sqldb.Tm(created)
	p.Text, p.Media, p.Link, p.Location, p.Mentions = b.Text, b.Media, b.Link, b.Location, b.Mentions
	p.Visibility, p.Tags, p.People, p.Audience = moments.Visibility(b.Visibility), b.Tags, b.People, b.Audience
	return p, nil
}

// notify inserts notes (with post and comment set when non-zero) and
// appends one change-log entry per note to its owner.
func notify(t *sqldb.Tx, notes []moments.Notification, post, comment int64) ([]hongyan.Change, error) {
	if len(notes) == 0 {
		return nil, nil
	}
	changes := make([]hongyan.Change, 0, len(notes))
	for _, n := range notes {
		if n.Owner <= 0 {
			return nil, sqldb.Invalid("a notification needs an owner")
		}
		if post != 0 {
			n.Post = post
		}
		if comment != 0 {
			n.Comment = comment
		}
		var id int64
		if _, err := t.Write(`INSERT INTO moments_notifications (owner, kind, post, actor, comment, created)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			[]any{int64(n.Owner), int64(n.Kind), n.Post, int64(n.Actor), n.Comment, sqldb.Ms(n.Created)}, &id); err != nil {
			return nil, sqldb.Internal(err)
		}
		changes = append(changes, hongyan.Change{User: n.Owner, Kind: hongyan.ChangeMomentsNotification, Ref: id})
	}
	return t.AppendChanges(changes)
}

var inboxTypes = []string{"", ""}

// CreatePost stores p, its inbox copies and notes.
func (s Store) CreatePost(ctx context.Context, p moments.Post, inbox []hongyan.UserID, notes []moments.Notification) ([]hongyan.Change, error) {
	if p.ID <= 0 || p.Author <= 0 {
		return nil, sqldb.Invalid("a post needs an ID and an author")
	}
	if !p.Fanout {
		inbox = nil
	}
	raw, err := json.Marshal(body{Text: p.Text, Media: p.Media, Link: p.Link, Location: p.Location, Mentions: p.Mentions,
		Visibility: int8(p.Visibility), Tags: p.Tags, People: p.People, Audience: p.Audience})
	if err != nil {
		return nil, sqldb.Internal(err)
	}
	var out []hongyan.Change
	err = s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`INSERT INTO moments_posts (id, author, public, fanned, created, body, search) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p.ID, int64(p.Author), p.Visibility == moments.VisibleAll, p.Fanout, sqldb.Ms(p.Created), string(raw), strings.ToLower(p.Text)); err != nil {
			if t.Dialect().IsUnique(err) {
				return hongyan.Errorf(hongyan.CodeExists, "a post with this ID exists")
			}
			return sqldb.Internal(err)
		}
		if !p.Fanout {
			if _, err := t.Exec(`INSERT INTO moments_unfanned_authors (author) VALUES ($1) ON CONFLICT DO NOTHING`, int64(p.Author)); err != nil {
				return sqldb.Internal(err)
			}
		}
		args := make([]any, 0, 2*sqldb.RowsPerInsert)
		for start, n := 0, 0; start < len(inbox); start += n {
			n = sqldb.Chunk(len(inbox) - start)
			args = args[:0]
			for _, u := range inbox[start : start+n] {
				args = append(args, int64(u), p.ID)
			}
			if _, err := t.Exec(t.RowsSQL(`INSERT INTO moments_inbox (owner, post) VALUES `, n, inboxTypes, ` ON CONFLICT DO NOTHING`), args...); err != nil {
				return sqldb.Internal(err)
			}
		}
		var err error
		out, err = notify(t, notes, p.ID, 0)
		return err
	})
	return out, err
}

// DeletePost removes author's post id and everything hanging off it.
func (s Store) DeletePost(ctx context.Context, author hongyan.UserID, id int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM moments_posts WHERE id = $1 AND author = $2`, id, int64(author))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such post")
		}
		for _, q := range []string{
			`DELETE FROM moments_inbox WHERE post = $1`,
			`DELETE FROM moments_likes WHERE post = $1`,
			`DELETE FROM moments_comments WHERE post = $1`,
			`DELETE FROM moments_notifications WHERE post = $1`,
		} {
			if _, err := t.Exec(q, id); err != nil {
				return sqldb.Internal(err)
			}
		}
		return nil
	})
}

// Post returns post id.
func (s Store) Post(ctx context.Context, id int64) (moments.Post, error) {
	ps, err := sqldb.QueryAll(ctx, s.db, scanPost, `SELECT `+postCols+` FROM moments_posts p WHERE p.id = $1`, id)
	if err != nil {
		return moments.Post{}, err
	}
	if len(ps) == 0 {
		return moments.Post{}, sqldb.NotFound("no such post")
	}
	return ps[0], nil
}

func below(before int64) int64 {
	if before <= 0 {
		return 1<<63 - 1
	}
	return before
}

// Inbox returns a page of owner's inbox, newest first.
func (s Store) Inbox(ctx context.Context, owner hongyan.UserID, before int64, limit int) ([]moments.Post, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanPost, `SELECT `+postCols+` FROM moments_inbox i JOIN moments_posts p ON p.id = i.post
		WHERE i.owner = $1 AND i.post < $2 ORDER BY i.post DESC LIMIT $3`, int64(owner), below(before), limit)
}

// Unfanned returns a page of the posts of authors that were not fanned
// out, newest first: per chunk of authors, one probe per author into the
// partial index moments_posts_unfanned (a join, so that both engines plan
// it as index probes rather than a scan of the posts), merged here.
func (s Store) Unfanned(ctx context.Context, authors []hongyan.UserID, before int64, limit int) ([]moments.Post, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	authors, err := s.unfannedAuthors(ctx, authors)
	if err != nil {
		return nil, err
	}
	var out []moments.Post
	for start := 0; start < len(authors); start += unfannedChunk {
		part := authors[start:min(len(authors), start+unfannedChunk)]
		ids := make([]int64, len(part))
		for i, a := range part {
			ids[i] = int64(a)
		}
		args, n := values(ids)
		args = append(args, below(before), int64(limit))
		d := s.db.Dialect()
		ps, err := sqldb.QueryAll(ctx, s.db, scanPost, d.RowsSQL(unfannedHead[d.Name], n, idTypes, fmt.Sprintf(unfannedTail[d.Name], n+1, n+2)), args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	if len(authors) > unfannedChunk {
		slices.SortFunc(out, func(a, b moments.Post) int { return cmp.Compare(b.ID, a.ID) })
		out = out[:min(len(out), limit)]
	}
	return out, nil
}

// Left to themselves, both engines may walk the posts newest first and test
// each against the list of authors (the ORDER BY … LIMIT looks cheap), which
// takes seconds when those authors have few unfanned posts. So each author
// is an index probe: on SQLite, CROSS JOIN keeps the VALUES list as the
// outer loop; on PostgreSQL, a LATERAL probe of each author's newest posts.
var (
	unfannedHead = map[string]string{
		"sqlite":   `SELECT ` + postCols + ` FROM (VALUES `,
		"postgres": `SELECT ` + postCols + ` FROM (VALUES `,
	}
	unfannedTail = map[string]string{
		"sqlite": `) AS v CROSS JOIN moments_posts p ON p.author = v.column1 AND NOT p.fanned AND p.id < $%[1]d ORDER BY p.id DESC LIMIT $%[2]d`,
		"postgres": `) AS v CROSS JOIN LATERAL (SELECT q.id, q.author, q.fanned, q.created, q.body FROM moments_posts q
			WHERE q.author = v.column1 AND NOT q.fanned AND q.id < $%[1]d ORDER BY q.id DESC LIMIT $%[2]d) p
			ORDER BY p.id DESC LIMIT $%[2]d`,
	}
)

// unfannedAuthors returns those of authors who have posts that were not
// fanned out.
func (s Store) unfannedAuthors(ctx context.Context, authors []hongyan.UserID) ([]hongyan.UserID, error) {
	var out []hongyan.UserID
	for start := 0; start < len(authors); start += unfannedChunk {
		part := authors[start:min(len(authors), start+unfannedChunk)]
		ids := make([]int64, len(part))
		for i, a := range part {
			ids[i] = int64(a)
		}
		args, n := values(ids)
		us, err := sqldb.QueryAll(ctx, s.db, scanUser, s.db.Dialect().RowsSQL(`SELECT u.author FROM (VALUES `, n, idTypes,
			`) AS v JOIN moments_unfanned_authors u ON u.author = v.column1`), args...)
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
	}
	return out, nil
}

// unfannedChunk bounds the authors of one Unfanned statement.
const unfannedChunk = 1024

// ByAuthor returns a page of author's posts, newest first.
func (s Store) ByAuthor(ctx context.Context, author hongyan.UserID, before int64, limit int, public bool) ([]moments.Post, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	q := `SELECT ` + postCols + ` FROM moments_posts p WHERE p.author = $1 AND p.id < $2 ORDER BY p.id DESC LIMIT $3`
	if public {
		q = `SELECT ` + postCols + ` FROM moments_posts p WHERE p.author = $1 AND p.id < $2 AND p.public ORDER BY p.id DESC LIMIT $3`
	}
	return sqldb.QueryAll(ctx, s.db, scanPost, q, int64(author), below(before), limit)
}

// Search returns a page of authors' posts whose text contains query.
// Each post keeps its text in lower case in the column search; both
// engines compare it with LIKE on a lowered, escaped pattern.
func (s Store) Search(ctx context.Context, authors []hongyan.UserID, query string, before int64, limit int) ([]moments.Post, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	pattern := "%" + likeEscaper.Replace(strings.ToLower(query)) + "%"
	var out []moments.Post
	for start := 0; start < len(authors); start += unfannedChunk {
		part := authors[start:min(len(authors), start+unfannedChunk)]
		ids := make([]int64, len(part))
		for i, a := range part {
			ids[i] = int64(a)
		}
		args, n := values(ids)
		args = append(args, below(before), pattern, int64(limit))
		ps, err := sqldb.QueryAll(ctx, s.db, scanPost, s.db.Dialect().RowsSQL(searchHead, n, idTypes,
			fmt.Sprintf(searchTail, n+1, n+2, n+3)), args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	if len(authors) > unfannedChunk {
		slices.SortFunc(out, func(a, b moments.Post) int { return cmp.Compare(b.ID, a.ID) })
		out = out[:min(len(out), limit)]
	}
	return out, nil
}

// The authors (a VALUES list) join their posts through
// moments_posts_author (author, id), LIKE tests each, and only the IDs of
// the page are sorted; the page's rows are read by ID after.
const (
	searchHead = `SELECT ` + postCols + ` FROM moments_posts p WHERE p.id IN (SELECT s.id FROM (VALUES `
	searchTail = `) AS v JOIN moments_posts s ON s.author = v.column1 AND s.id < $%[1]d AND s.search LIKE $%[2]d ESCAPE '\'
	ORDER BY s.id DESC LIMIT $%[3]d) ORDER BY p.id DESC`
)

// likeEscaper makes text match only itself in a LIKE … ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Like records a like; notes only when it is new.
func (s Store) Like(ctx context.Context, l moments.Like, notes []moments.Notification) ([]hongyan.Change, error) {
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`INSERT INTO moments_likes (post, user_id, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			l.Post, int64(l.User), sqldb.Ms(l.Created))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return nil
		}
		out, err = notify(t, notes, l.Post, 0)
		return err
	})
	return out, err
}

// Unlike removes a like.
func (s Store) Unlike(ctx context.Context, post int64, user hongyan.UserID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`DELETE FROM moments_likes WHERE post = $1 AND user_id = $2`, post, int64(user))
		return sqldb.Internal(err)
	})
}

// AddComment stores c and notes.
func (s Store) AddComment(ctx context.Context, c moments.Comment, notes []moments.Notification) (moments.Comment, []hongyan.Change, error) {
	if c.Post <= 0 || c.Author <= 0 {
		return moments.Comment{}, nil, sqldb.Invalid("a comment needs a post and an author")
	}
	c.Created = sqldb.Tm(sqldb.Ms(c.Created))
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Write(`INSERT INTO moments_comments (post, author, reply_to, reply_user, text, created)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			[]any{c.Post, int64(c.Author), c.ReplyTo, int64(c.ReplyUser), c.Text, sqldb.Ms(c.Created)}, &c.ID); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = notify(t, notes, c.Post, c.ID)
		return err
	})
	if err != nil {
		return moments.Comment{}, nil, err
	}
	return c, out, nil
}

const commentCols = `id, post, author, reply_to, reply_user, text, created`

func scanComment(scan func(...any) error) (moments.Comment, error) {
	var c moments.Comment
	var author, replyUser, created int64
	err := scan(&c.ID, &c.Post, &author, &c.ReplyTo, &replyUser, &c.Text, &created)
	c.Author, c.ReplyUser, c.Created = hongyan.UserID(author), hongyan.UserID(replyUser), sqldb.Tm(created)
	return c, err
}

// Comment returns comment id.
func (s Store) Comment(ctx context.Context, id int64) (moments.Comment, error) {
	cs, err := sqldb.QueryAll(ctx, s.db, scanComment, `SELECT `+commentCols+` FROM moments_comments WHERE id = $1`, id)
	if err != nil {
		return moments.Comment{}, err
	}
	if len(cs) == 0 {
		return moments.Comment{}, sqldb.NotFound("no such comment")
	}
	return cs[0], nil
}

// DeleteComment removes comment id and its notifications.
func (s Store) DeleteComment(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM moments_comments WHERE id = $1`, id)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such comment")
		}
		_, err = t.Exec(`DELETE FROM moments_notifications WHERE comment = $1`, id)
		return sqldb.Internal(err)
	})
}

// values returns ids as the arguments of a VALUES list padded to a power
// of two (so that few distinct statements are prepared) and its length.
func values(ids []int64) ([]any, int) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	args := make([]any, n)
	for i := range n {
		args[i] = int64(0)
		if i < len(ids) {
			args[i] = ids[i]
		}
	}
	return args, n
}

var idTypes = []string{"BIGINT"}

// Reactions returns the likes and comments of posts, oldest first.
func (s Store) Reactions(ctx context.Context, posts []int64) ([]moments.Like, []moments.Comment, error) {
	if len(posts) == 0 {
		return nil, nil, nil
	}
	if len(posts) > 1024 {
		return nil, nil, sqldb.Invalid("too many posts")
	}
	args, n := values(posts)
	d := s.db.Dialect()
	likes, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (moments.Like, error) {
		var l moments.Like
		var user, created int64
		err := scan(&l.Post, &user, &created)
		l.User, l.Created = hongyan.UserID(user), sqldb.Tm(created)
		return l, err
	}, d.RowsSQL(`SELECT l.post, l.user_id, l.created FROM (VALUES `, n, idTypes,
		`) AS v JOIN moments_likes l ON l.post = v.column1 ORDER BY l.created, l.user_id`), args...)
	if err != nil {
		return nil, nil, err
	}
	comments, err := sqldb.QueryAll(ctx, s.db, scanComment, d.RowsSQL(`SELECT c.id, c.post, c.author, c.reply_to, c.reply_user, c.text, c.created FROM (VALUES `, n, idTypes,
		`) AS v JOIN moments_comments c ON c.post = v.column1 ORDER BY c.id`), args...)
	if err != nil {
		return nil, nil, err
	}
	return likes, comments, nil
}

// Settings returns owner's settings.
func (s Store) Settings(ctx context.Context, owner hongyan.UserID) (moments.Settings, error) {
	var set moments.Settings
	var rng int64
	if _, err := s.db.QueryRow(ctx, `SELECT strangers_see10, friends_range, cover FROM moments_settings WHERE owner = $1`,
		[]any{int64(owner)}, &set.StrangersSee10, &rng, &set.Cover); err != nil {
		return set, err
	}
	set.FriendsRange = moments.Range(rng)
	type hide struct {
		kind  int64
		other hongyan.UserID
	}
	hs, err := sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (hide, error) {
		var h hide
		var other int64
		err := scan(&h.kind, &other)
		h.other = hongyan.UserID(other)
		return h, err
	}, `SELECT kind, other FROM moments_hides WHERE owner = $1 ORDER BY kind, other`, int64(owner))
	if err != nil {
		return set, err
	}
	for _, h := range hs {
		if moments.Hide(h.kind) == moments.HideMine {
			set.HideMineFrom = append(set.HideMineFrom, h.other)
		} else {
			set.HideTheirs = append(set.HideTheirs, h.other)
		}
	}
	return set, nil
}

// Ranges returns what each of owners lets strangers and friends see.
func (s Store) Ranges(ctx context.Context, owners []hongyan.UserID) (map[hongyan.UserID]moments.Settings, error) {
	out := make(map[hongyan.UserID]moments.Settings, len(owners))
	for start := 0; start < len(owners); start += 512 {
		part := owners[start:min(len(owners), start+512)]
		ids := make([]int64, len(part))
		for i, u := range part {
			ids[i] = int64(u)
		}
		args, n := values(ids)
		rows, err := s.db.Query(ctx, s.db.Dialect().RowsSQL(`SELECT s.owner, s.strangers_see10, s.friends_range FROM (VALUES `, n, idTypes,
			`) AS v JOIN moments_settings s ON s.owner = v.column1`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var owner, rng int64
			var set moments.Settings
			if err := rows.Scan(&owner, &set.StrangersSee10, &rng); err != nil {
				rows.Close()
				return nil, sqldb.Internal(err)
			}
			set.FriendsRange = moments.Range(rng)
			out[hongyan.UserID(owner)] = set
		}
		if err := rows.Close(); err != nil {
			return nil, sqldb.Internal(err)
		}
	}
	return out, nil
}

// SetSettings stores owner's settings.
func (s Store) SetSettings(ctx context.Context, owner hongyan.UserID, strangersSee10 bool, r moments.Range, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`INSERT INTO moments_settings (owner, strangers_see10, friends_range) VALUES ($1, $2, $3)
			ON CONFLICT (owner) DO UPDATE SET strangers_see10 = excluded.strangers_see10, friends_range = excluded.friends_range`,
			int64(owner), strangersSee10, int64(r)); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// SetCover sets owner's cover (a row with the default settings when they
// never set any).
func (s Store) SetCover(ctx context.Context, owner hongyan.UserID, cover string, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`INSERT INTO moments_settings (owner, strangers_see10, friends_range, cover) VALUES ($1, false, $2, $3)
			ON CONFLICT (owner) DO UPDATE SET cover = excluded.cover`,
			int64(owner), int64(moments.RangeAll), cover); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

// SetHide turns one per-person setting on or off.
func (s Store) SetHide(ctx context.Context, owner, other hongyan.UserID, h moments.Hide, on bool, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		q := `DELETE FROM moments_hides WHERE owner = $1 AND kind = $2 AND other = $3`
		if on {
			q = `INSERT INTO moments_hides (owner, kind, other) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
		}
		if _, err := t.Exec(q, int64(owner), int64(h), int64(other)); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

func scanUser(scan func(...any) error) (hongyan.UserID, error) {
	var u int64
	err := scan(&u)
	return hongyan.UserID(u), err
}

// HidingFrom returns the users who hide their posts from viewer.
func (s Store) HidingFrom(ctx context.Context, viewer hongyan.UserID) ([]hongyan.UserID, error) {
	return sqldb.QueryAll(ctx, s.db, scanUser, `SELECT owner FROM moments_hides WHERE other = $1 AND kind = $2 ORDER BY owner`,
		int64(viewer), int64(moments.HideMine))
}

const noteCols = `id, owner, kind, post, actor, comment, created`

func scanNote(scan func(...any) error) (moments.Notification, error) {
	var n moments.Notification
	var owner, kind, actor, created int64
	err := scan(&n.ID, &owner, &kind, &n.Post, &actor, &n.Comment, &created)
	n.Owner, n.Kind, n.Actor, n.Created = hongyan.UserID(owner), moments.NotificationKind(kind), hongyan.UserID(actor), sqldb.Tm(created)
	return n, err
}

// Notifications returns a page of owner's notifications, newest first.
func (s Store) Notifications(ctx context.Context, owner hongyan.UserID, before int64, limit int) ([]moments.Notification, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, scanNote, `SELECT `+noteCols+` FROM moments_notifications
		WHERE owner = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, int64(owner), below(before), limit)
}

// Notification returns owner's notification id.
func (s Store) Notification(ctx context.Context, owner hongyan.UserID, id int64) (moments.Notification, error) {
	ns, err := sqldb.QueryAll(ctx, s.db, scanNote, `SELECT `+noteCols+` FROM moments_notifications WHERE id = $1 AND owner = $2`, id, int64(owner))
	if err != nil {
		return moments.Notification{}, err
	}
	if len(ns) == 0 {
		return moments.Notification{}, sqldb.NotFound("no such notification")
	}
	return ns[0], nil
}

// Unread counts owner's notifications after the last read.
func (s Store) Unread(ctx context.Context, owner hongyan.UserID) (int, error) {
	var n int64
	_, err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM moments_notifications
		WHERE owner = $1 AND id > COALESCE((SELECT upto FROM moments_read WHERE owner = $1), 0)`, []any{int64(owner)}, &n)
	return int(n), err
}

// MarkRead moves owner's read mark up to upto.
func (s Store) MarkRead(ctx context.Context, owner hongyan.UserID, upto int64, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		if _, err := t.Exec(`INSERT INTO moments_read (owner, upto) VALUES ($1, $2)
			ON CONFLICT (owner) DO UPDATE SET upto = excluded.upto WHERE moments_read.upto < excluded.upto`,
			int64(owner), upto); err != nil {
			return sqldb.Internal(err)
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}
