package chatdb

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements chat.Store.
type Store struct{ db *sqldb.DB }

var _ chat.Store = Store{}

// New returns the chat store on db (whose upkeep InstallIndex installs,
// once per DB).
func New(db *sqldb.DB) Store { return Store{db} }

const messageCols = `id, conversation, seq, sender, sender_device, client_id, kind, text, created, body`

// scanMessage scans the columns of messageCols.
func scanMessage(scan func(...any) error) (chat.Message, error) {
	var m chat.Message
	var id, conv, sender, device, kind, created int64
	var body []byte
	err := scan(&id, &conv, &m.Seq, &sender, &device, &m.ClientID, &kind, &m.Text, &created, &body)
	m.ID, m.Conversation = hongyan.MessageID(id), hongyan.ConversationID(conv)
	m.Sender, m.SenderDevice = hongyan.UserID(sender), hongyan.DeviceID(device)
	m.Kind, m.Time = chat.Kind(kind), sqldb.Tm(created)
	if err == nil {
		if derr := chat.DecodeBody(body, &m); derr != nil {
			err = fmt.Errorf("message %d: %w", id, derr)
		}
	}
	return m, err
}

// bodyArg is m's body as a statement argument: NULL for plain text.
func bodyArg(m chat.Message) any {
	if b := chat.EncodeBody(m); b != nil {
		return b
	}
	return nil
}

// The statements of AppendMessage, prepared once on the writer connection.
const (
	qMessageByClient = `SELECT ` + messageCols + ` FROM messages WHERE sender = $1 AND client_id = $2`
	qBumpConv        = `UPDATE conversations SET last_seq = last_seq + 1 WHERE a = $1 AND b = $2 RETURNING id, last_seq`
	qCreateConv      = `INSERT INTO conversations (a, b, last_seq) VALUES ($1, $2, 1)
		ON CONFLICT (a, b) DO UPDATE SET last_seq = conversations.last_seq + 1 RETURNING id, last_seq`
	qInsertMessage = `INSERT INTO messages (conversation, seq, sender, sender_device, client_id, kind, text, created, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
)

// AppendMessage commits m.Message to the conversation of m.A and m.B with
// the next sequence and appends one hongyan.ChangeMessage entry per
// distinct user in notify, in the order given. A message the sender already
// sent with the same ClientID is returned as it is, with dup=true. The
// message's Time is stored to the millisecond.
func (s Store) AppendMessage(ctx context.Context, m chat.NewMessage, notify []hongyan.UserID) (chat.Message, []hongyan.Change, bool, error) {
	if m.Group != 0 {
		return s.appendGroup(ctx, m, notify)
	}
	switch {
	case m.A <= 0 || m.B < m.A:
		return chat.Message{}, nil, false, sqldb.Invalid("conversation members must satisfy 0 < A <= B, got %d, %d", m.A, m.B)
	case m.Message.Sender <= 0:
		return chat.Message{}, nil, false, sqldb.Invalid("message has no sender")
	case m.Message.ClientID == "":
		return chat.Message{}, nil, false, sqldb.Invalid("message has no client ID")
	}
	a := &appendOp{a: int64(m.A), b: int64(m.B), msg: m.Message}
	for _, u := range notify {
		if u <= 0 {
			return chat.Message{}, nil, false, sqldb.Invalid("notify user %d", u)
		}
		if !slices.Contains(a.users, u) {
			a.users = append(a.users, u)
		}
	}
	a.msg.ID, a.msg.Conversation, a.msg.Seq = 0, 0, 0
	a.msg.Time = sqldb.Tm(sqldb.Ms(a.msg.Time))
	if err := s.db.WriteCombined(ctx, a.run, &appends, a); err != nil {
		return chat.Message{}, nil, false, err
	}
	return a.out, a.changes, a.dup, nil
}

// appends runs a fast-mode batch's AppendMessage calls together.
var appends = sqldb.Combiner{Run: func(t *sqldb.Tx, items []any) error {
	apps := make([]*appendOp, len(items))
	for i, it := range items {
		apps[i] = it.(*appendOp)
	}
	return runAppends(t, apps)
}}

// appendOp is one AppendMessage in the writer: its input and its results.
// The writer runs it either alone (run) or, in a fast-mode batch, together
// with the batch's other appends (runAppends).
type appendOp struct {
	a, b  int64
	msg   chat.Message
	users []hongyan.UserID // distinct users to notify

	out     chat.Message
	changes []hongyan.Change
	dup     bool
}

func (a *appendOp) reset() { a.out, a.changes, a.dup = chat.Message{}, nil, false }

// run appends the message alone.
func (a *appendOp) run(t *sqldb.Tx) error {
	a.reset()
	found, err := readMessage(t, qMessageByClient, []any{int64(a.msg.Sender), a.msg.ClientID}, &a.out)
	if err != nil {
		return sqldb.Internal(err)
	}
	if found {
		a.dup = true
		return nil
	}
	var conv, seq int64
	found, err = t.Write(qBumpConv, []any{a.a, a.b}, &conv, &seq)
	if err != nil {
		return sqldb.Internal(err)
	}
	if !found {
		if _, err := t.Write(qCreateConv, []any{a.a, a.b}, &conv, &seq); err != nil {
			return sqldb.Internal(err)
		}
	}
	out := a.msg
	out.Conversation, out.Seq = hongyan.ConversationID(conv), seq
	var id int64
	if _, err := t.Write(qInsertMessage, []any{conv, seq, int64(out.Sender), int64(out.SenderDevice), out.ClientID,
		int64(out.Kind), out.Text, sqldb.Ms(out.Time), bodyArg(out)}, &id); err != nil {
		if t.Dialect().IsUnique(err) {
			// Another node stored this client ID after our check: run
			// again, and the check will find it.
			return sqldb.ErrRunAgain
		}
		return sqldb.Internal(err)
	}
	out.ID = hongyan.MessageID(id)
	if err := indexMedia(t, out); err != nil {
		return err
	}
	changes, err := t.AppendChanges(a.notices(out))
	if err != nil {
		return err
	}
	a.out, a.changes = out, changes
	return nil
}

// notices are the change-log entries announcing m.
func (a *appendOp) notices(m chat.Message) []hongyan.Change {
	if len(a.users) == 0 {
		return nil
	}
	in := make([]hongyan.Change, len(a.users))
	for i, u := range a.users {
		in[i] = hongyan.Change{User: u, Kind: hongyan.ChangeMessage, Conversation: m.Conversation, Ref: m.Seq}
	}
	return in
}

// The multi-row statements of runAppends.
const (
	dupHead = `SELECT m.id, m.conversation, m.seq, m.sender, m.sender_device, m.client_id, m.kind, m.text, m.created, m.body FROM (VALUES `
	dupTail = `) AS v JOIN messages m ON m.sender = v.column1 AND m.client_id = v.column2`

	bumpHead = `UPDATE conversations SET last_seq = conversations.last_seq + v.column3 FROM (VALUES `
	bumpTail = `) AS v WHERE conversations.a = v.column1 AND conversations.b = v.column2
		RETURNING conversations.id, conversations.a, conversations.b, conversations.last_seq`
	// On PostgreSQL the writers of several nodes bump conversations at
	// once. An UPDATE joined to its VALUES locks rows in whatever order
	// its plan visits them (a hash join: the table's), so two batches
	// that share conversations could each hold one the other waits for —
	// a deadlock, found only after deadlock_timeout and paid for with a
	// rerun of both batches. Locking the rows first, sorted by (a, b),
	// takes them in one order on every node.
	bumpLockedHead = `WITH v (a, b, n) AS (VALUES `
	bumpLockedTail = `), l AS MATERIALIZED (SELECT c.id, v.n FROM conversations c JOIN v ON c.a = v.a AND c.b = v.b
		ORDER BY c.a, c.b FOR UPDATE OF c)
		UPDATE conversations SET last_seq = conversations.last_seq + l.n FROM l WHERE conversations.id = l.id
		RETURNING conversations.id, conversations.a, conversations.b, conversations.last_seq`

	createHead = `INSERT INTO conversations (a, b, last_seq) VALUES `
	createTail = ` ON CONFLICT (a, b) DO UPDATE SET last_seq = conversations.last_seq + excluded.last_seq
		RETURNING id, a, b, last_seq`

	msgHead = `INSERT INTO messages (conversation, seq, sender, sender_device, client_id, kind, text, created, body) VALUES `
	msgTail = ` RETURNING id, conversation, seq`
)

var (
	dupTypes    = []string{"BIGINT", "TEXT"}
	bumpTypes   = []string{"BIGINT", "BIGINT", "BIGINT"}
	createTypes = make([]string, 3)
	msgTypes    = make([]string, 9)
)

// convRun is one conversation's share of a batch of appends.
type convRun struct {
	a, b  int64
	n     int64 // messages appended in this batch
	id    int64
	next  int64 // next sequence to hand out
	found bool
}

type clientKey struct {
	sender int64
	client string
}

type posKey struct{ conv, seq int64 }

// runAppends appends the messages of a batch's AppendMessage calls with a
// few multi-row statements per 128 messages instead of five statements per
// message. It has the same effect as running each alone in batch order.
// Any statement error fails it as a whole; the writer then reruns the
// batch with each append alone in its own savepoint.
func runAppends(t *sqldb.Tx, apps []*appendOp) error {
	// Idempotency: messages the senders already stored, and repeats
	// within the batch (first occurrence wins).
	first := make(map[clientKey]*appendOp, len(apps))
	var dups []*appendOp // repeats of an earlier op in this batch
	var lookup []*appendOp
	for _, a := range apps {
		a.reset()
		k := clientKey{int64(a.msg.Sender), a.msg.ClientID}
		if _, ok := first[k]; ok {
			dups = append(dups, a)
			continue
		}
		first[k] = a
		lookup = append(lookup, a)
	}
	args := make([]any, 0, 9*sqldb.RowsPerInsert)
	for start, n := 0, 0; start < len(lookup); start += n {
		n = t.Chunk(len(lookup) - start)
		part := lookup[start : start+n]
		args = args[:0]
		for _, a := range part {
			args = append(args, int64(a.msg.Sender), a.msg.ClientID)
		}
		rows, err := t.Query(t.RowsSQL(dupHead, len(part), dupTypes, dupTail), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			m, err := scanMessage(rows.Scan)
			if err != nil {
				rows.Close()
				return t.Note(err)
			}
			if a := first[clientKey{int64(m.Sender), m.ClientID}]; a != nil {
				a.out, a.dup = m, true
			}
		}
		if err := rows.Close(); err != nil {
			return t.Note(err)
		}
		if err := rows.Err(); err != nil {
			return t.Note(err)
		}
	}
	fresh := lookup[:0:0]
	for _, a := range lookup {
		if !a.dup {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) > 0 {
		if err := appendFresh(t, fresh, args); err != nil {
			return err
		}
	}
	for _, a := range dups {
		orig := first[clientKey{int64(a.msg.Sender), a.msg.ClientID}]
		a.out, a.dup = orig.out, true
	}
	return nil
}

// appendFresh stores messages known to be new.
func appendFresh(t *sqldb.Tx, fresh []*appendOp, args []any) error {
	// Sequences: bump each conversation once by its number of new
	// messages, in (a, b) order so that concurrent writers lock rows in
	// one order; create the conversations that do not exist.
	convIdx := make(map[[2]int64]int, len(fresh))
	var convs []convRun
	for _, a := range fresh {
		k := [2]int64{a.a, a.b}
		i, ok := convIdx[k]
		if !ok {
			i = len(convs)
			convIdx[k] = i
			convs = append(convs, convRun{a: a.a, b: a.b})
		}
		convs[i].n++
	}
	order := make([]int, len(convs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		if c := cmp.Compare(convs[x].a, convs[y].a); c != 0 {
			return c
		}
		return cmp.Compare(convs[x].b, convs[y].b)
	})
	scanConvs := func(q string, args []any) error {
		rows, err := t.Query(q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, a, b, last int64
			if err := rows.Scan(&id, &a, &b, &last); err != nil {
				rows.Close()
				return t.Note(err)
			}
			t.MarkDirty()
			i, ok := convIdx[[2]int64{a, b}]
			if !ok {
				rows.Close()
				return t.Note(fmt.Errorf("conversation (%d, %d) returned but not asked for", a, b))
			}
			c := &convs[i]
			c.id, c.next, c.found = id, last-c.n+1, true
		}
		if err := rows.Close(); err != nil {
			return t.Note(err)
		}
		return t.Note(rows.Err())
	}
	for start, n := 0, 0; start < len(order); start += n {
		n = t.Chunk(len(order) - start)
		part := order[start : start+n]
		args = args[:0]
		for _, i := range part {
			args = append(args, convs[i].a, convs[i].b, convs[i].n)
		}
		head, tail := bumpHead, bumpTail
		if t.Dialect().Name == "postgres" {
			head, tail = bumpLockedHead, bumpLockedTail
		}
		if err := scanConvs(t.RowsSQL(head, len(part), bumpTypes, tail), args); err != nil {
			return err
		}
	}
	var missing []int
	for _, i := range order {
		if !convs[i].found {
			missing = append(missing, i)
		}
	}
	for start, n := 0, 0; start < len(missing); start += n {
		n = t.Chunk(len(missing) - start)
		part := missing[start : start+n]
		args = args[:0]
		for _, i := range part {
			args = append(args, convs[i].a, convs[i].b, convs[i].n)
		}
		if err := scanConvs(t.RowsSQL(createHead, len(part), createTypes, createTail), args); err != nil {
			return err
		}
	}
	byPos := make(map[posKey]*appendOp, len(fresh))
	for _, a := range fresh {
		c := &convs[convIdx[[2]int64{a.a, a.b}]]
		if !c.found {
			return t.Note(fmt.Errorf("conversation (%d, %d) neither bumped nor created", a.a, a.b))
		}
		a.out = a.msg
		a.out.Conversation, a.out.Seq = hongyan.ConversationID(c.id), c.next
		c.next++
		byPos[posKey{c.id, a.out.Seq}] = a
	}

	// The messages themselves.
	for start, n := 0, 0; start < len(fresh); start += n {
		n = t.Chunk(len(fresh) - start)
		part := fresh[start : start+n]
		args = args[:0]
		for _, a := range part {
			m := &a.out
			args = append(args, int64(m.Conversation), m.Seq, int64(m.Sender), int64(m.SenderDevice), m.ClientID,
				int64(m.Kind), m.Text, sqldb.Ms(m.Time), bodyArg(*m))
		}
		rows, err := t.Query(t.RowsSQL(msgHead, len(part), msgTypes, msgTail), args...)
		if err != nil {
			return err
		}
		got := 0
		for rows.Next() {
			var id, conv, seq int64
			if err := rows.Scan(&id, &conv, &seq); err != nil {
				rows.Close()
				return t.Note(err)
			}
			t.MarkDirty()
			if a := byPos[posKey{conv, seq}]; a != nil {
				a.out.ID = hongyan.MessageID(id)
				got++
			}
		}
		if err := rows.Close(); err != nil {
			return t.Note(err)
		}
		if err := rows.Err(); err != nil {
			return t.Note(err)
		}
		if got != len(part) {
			return t.Note(fmt.Errorf("%d message IDs returned for %d messages", got, len(part)))
		}
	}

	outs := make([]chat.Message, 0, len(fresh))
	for _, a := range fresh {
		outs = append(outs, a.out)
	}
	if err := indexMedia(t, outs...); err != nil {
		return err
	}

	// One change-log append for the whole batch, split back per message.
	var all []hongyan.Change
	for _, a := range fresh {
		all = append(all, a.notices(a.out)...)
	}
	out, err := t.AppendChanges(all)
	if err != nil {
		return err
	}
	for _, a := range fresh {
		n := len(a.users)
		a.changes, out = out[:n:n], out[n:]
		if n == 0 {
			a.changes = nil
		}
	}
	return nil
}

// readMessage reads one message row in the writer.
func readMessage(t *sqldb.Tx, q string, args []any, m *chat.Message) (bool, error) {
	return t.ReadScan(q, args, func(scan func(...any) error) error {
		got, err := scanMessage(scan)
		if err == nil {
			*m = got
		}
		return err
	})
}

// Conversation returns conversation id.
func (s Store) Conversation(ctx context.Context, id hongyan.ConversationID) (chat.Conversation, error) {
	var c chat.Conversation
	var cid, a, b int64
	found, err := s.db.QueryRow(ctx, `SELECT id, a, b, last_seq FROM conversations WHERE id = $1`, []any{int64(id)}, &cid, &a, &b, &c.LastSeq)
	if err != nil {
		return chat.Conversation{}, err
	}
	if !found {
		return chat.Conversation{}, sqldb.NotFound("no such conversation")
	}
	return conversation(cid, a, b, c.LastSeq), nil
}

// conversation is the conversation of a conversations row: a = 0 marks a
// group chat (b is then its ordinal, not a user).
func conversation(id, a, b, last int64) chat.Conversation {
	if a == 0 {
		return chat.Conversation{ID: hongyan.ConversationID(id), Group: true, LastSeq: last}
	}
	return chat.Conversation{ID: hongyan.ConversationID(id), A: hongyan.UserID(a), B: hongyan.UserID(b), LastSeq: last}
}

// Messages returns up to limit messages of conv with seq < before (the
// newest ones when before is 0), oldest first. An unknown conversation
// has no messages.
func (s Store) Messages(ctx context.Context, conv hongyan.ConversationID, before int64, limit int) ([]chat.Message, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.Query(ctx, `SELECT `+messageCols+` FROM messages WHERE conversation = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
		int64(conv), before, limit)
	if err != nil {
		return nil, err
	}
	out, err := collectMessages(rows, nil)
	slices.Reverse(out)
	return out, err
}

func collectMessages(rows sqldb.RowScanner, out []chat.Message) ([]chat.Message, error) {
	return sqldb.Collect(rows, out, scanMessage)
}

// maxRanges is the most ranges MessagesAt asks for in one query; smaller
// batches are padded to a power of two so that few statements are
// prepared.
const maxRanges = 256

const (
	rangesHead = `SELECT m.id, m.conversation, m.seq, m.sender, m.sender_device, m.client_id, m.kind, m.text, m.created, m.body FROM (VALUES `
	rangesTail = `) AS v JOIN messages m ON m.conversation = v.column1 AND m.seq >= v.column2 AND m.seq <= v.column3`
)

var rangesTypes = []string{"BIGINT", "BIGINT", "BIGINT"}

// seqRange is a run of consecutive sequences of one conversation.
type seqRange struct{ conv, lo, hi int64 }

// MessagesAt returns the messages at refs, ordered by conversation and
// sequence, skipping positions that hold none. Positions are read as runs
// of consecutive sequences, so catching up on whole stretches of
// conversations costs a few index range scans.
func (s Store) MessagesAt(ctx context.Context, refs []chat.Ref) ([]chat.Message, error) {
	refs = slices.Clone(refs)
	slices.SortFunc(refs, func(x, y chat.Ref) int {
		if c := cmp.Compare(x.Conversation, y.Conversation); c != 0 {
			return c
		}
		return cmp.Compare(x.Seq, y.Seq)
	})
	refs = slices.Compact(refs)
	var ranges []seqRange
	for _, r := range refs {
		if r.Seq <= 0 {
			continue
		}
		if n := len(ranges); n > 0 && ranges[n-1].conv == int64(r.Conversation) && ranges[n-1].hi+1 == r.Seq {
			ranges[n-1].hi = r.Seq
			continue
		}
		ranges = append(ranges, seqRange{int64(r.Conversation), r.Seq, r.Seq})
	}
	out := make([]chat.Message, 0, len(refs))
	args := make([]any, 0, 3*min(len(ranges), maxRanges))
	for start := 0; start < len(ranges); start += maxRanges {
		part := ranges[start:min(start+maxRanges, len(ranges))]
		n := 1
		for n < len(part) {
			n *= 2
		}
		args = args[:0]
		for _, r := range part {
			args = append(args, r.conv, r.lo, r.hi)
		}
		for range n - len(part) {
			args = append(args, int64(0), int64(1), int64(0)) // an empty range
		}
		rows, err := s.db.Query(ctx, s.db.Dialect().RowsSQL(rangesHead, n, rangesTypes, rangesTail), args...)
		if err != nil {
			return nil, err
		}
		if out, err = collectMessages(rows, out); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(x, y chat.Message) int {
		if c := cmp.Compare(x.Conversation, y.Conversation); c != 0 {
			return c
		}
		return cmp.Compare(x.Seq, y.Seq)
	})
	return out, nil
}

// summarySQL lists a user's conversations ($1) with their state, last
// message and unread counts; where narrows the conversations, limit is the
// parameter holding the limit. In a group chat the user sees their window
// only: the last message and the counts stay inside it. mhidden tells
// whether the user deleted the last message for themselves or cleared the
// chat past it.
func summarySQL(where, limit string) string {
	return `SELECT x.*, (SELECT COUNT(*) FROM messages u
			WHERE u.conversation = x.id AND u.seq > x.read_seq AND u.seq >= x.wfrom AND u.seq <= x.wto
				AND u.sender <> $1) AS unread,
		(SELECT COUNT(*) FROM mentions n
			WHERE n.conversation = x.id AND n.user_id IN (0, $1) AND n.seq > x.read_seq
				AND n.seq >= x.wfrom AND n.seq <= x.wto) AS unread_mentions,
		(x.mid <> 0 AND (x.mseq <= x.cleared_seq OR EXISTS (SELECT 1 FROM hidden_messages h
			WHERE h.user_id = $1 AND h.message_id = x.mid))) AS mhidden
		FROM (SELECT c.id, c.a, c.b, c.last_seq, COALESCE(s.user_id, 0) AS suser,
				COALESCE(s.muted, false) AS muted, COALESCE(s.pinned, false) AS pinned,
				COALESCE(s.draft, '') AS draft, COALESCE(s.read_seq, 0) AS read_seq,
				COALESCE(s.cleared_seq, 0) AS cleared_seq,
				COALESCE(m.id, 0) AS mid, COALESCE(m.seq, 0) AS mseq, COALESCE(m.sender, 0) AS msender,
				COALESCE(m.sender_device, 0) AS mdevice, COALESCE(m.client_id, '') AS mclient,
				COALESCE(m.kind, 0) AS mkind, COALESCE(m.text, '') AS mtext, COALESCE(m.created, 0) AS mcreated,
				m.body AS mbody,
				COALESCE(g.joined_seq, 0) AS wfrom,
				CASE WHEN COALESCE(g.left_seq, 0) > 0 THEN g.left_seq ELSE c.last_seq END AS wto
			FROM conversations c
			LEFT JOIN conversation_members g ON c.a = 0 AND g.conversation = c.id AND g.user_id = $1
			LEFT JOIN conversation_states s ON s.user_id = $1 AND s.conversation = c.id
			LEFT JOIN messages m ON m.conversation = c.id
				AND m.seq = CASE WHEN COALESCE(g.left_seq, 0) > 0 THEN g.left_seq ELSE c.last_seq END
			WHERE c.id IN (SELECT id FROM conversations WHERE a = $1
				UNION ALL SELECT id FROM conversations WHERE b = $1 AND a > 0
				UNION ALL SELECT conversation FROM conversation_members WHERE user_id = $1) ` + where + `
			ORDER BY pinned DESC, mid DESC, c.id DESC
			LIMIT ` + limit + `) x
		ORDER BY x.pinned DESC, x.mid DESC, x.id DESC`
}

var (
	qSummaries = summarySQL("", "$2")
	qSummary   = summarySQL("AND c.id = $2", "1")
)

func scanSummary(user hongyan.UserID, scan func(...any) error) (chat.Summary, error) {
	var (
		sm                                                                       chat.Summary
		id, a, b, suser, mid, msender, mdevice, mkind, mcreated, unread, mention int64
		wfrom, wto                                                               int64
		body                                                                     []byte
		hidden                                                                   bool
	)
	m := &sm.Last
	err := scan(&id, &a, &b, &sm.Conversation.LastSeq, &suser,
		&sm.State.Muted, &sm.State.Pinned, &sm.State.Draft, &sm.State.ReadSeq, &sm.State.ClearedSeq,
		&mid, &m.Seq, &msender, &mdevice, &m.ClientID, &mkind, &m.Text, &mcreated, &body, &wfrom, &wto, &unread, &mention, &hidden)
	if err != nil {
		return chat.Summary{}, err
	}
	if err := chat.DecodeBody(body, m); err != nil {
		return chat.Summary{}, fmt.Errorf("message %d: %w", mid, err)
	}
	sm.Conversation = conversation(id, a, b, sm.Conversation.LastSeq)
	sm.UnreadMentions = int(mention)
	if suser != 0 {
		sm.State.User, sm.State.Conversation = user, sm.Conversation.ID
	}
	sm.Unread = int(unread)
	if mid == 0 || hidden {
		sm.Last = chat.Message{}
	} else {
		m.ID, m.Conversation = hongyan.MessageID(mid), sm.Conversation.ID
		m.Sender, m.SenderDevice, m.Kind, m.Time = hongyan.UserID(msender), hongyan.DeviceID(mdevice), chat.Kind(mkind), sqldb.Tm(mcreated)
	}
	return sm, nil
}

// Summaries lists up to limit of user's conversations: pinned ones first,
// then by most recent last message.
func (s Store) Summaries(ctx context.Context, user hongyan.UserID, limit int) ([]chat.Summary, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, qSummaries, int64(user), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []chat.Summary
	for rows.Next() {
		sm, err := scanSummary(user, rows.Scan)
		if err != nil {
			return nil, sqldb.Internal(err)
		}
		out = append(out, sm)
	}
	return out, sqldb.Internal(rows.Err())
}

// Summary returns the summary of conv for user; a conversation user is
// not a member of is not found.
func (s Store) Summary(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID) (chat.Summary, error) {
	st, err := s.db.Stmt(ctx, qSummary)
	if err != nil {
		return chat.Summary{}, sqldb.Internal(err)
	}
	sm, err := scanSummary(user, st.QueryRowContext(ctx, int64(user), int64(conv)).Scan)
	if sqldb.IsNoRows(err) {
		return chat.Summary{}, sqldb.NotFound("no such conversation")
	}
	return sm, sqldb.Internal(err)
}

// ConversationIDs lists up to limit of user's conversations with an ID
// above after, ascending.
func (s Store) ConversationIDs(ctx context.Context, user hongyan.UserID, after hongyan.ConversationID, limit int) ([]hongyan.ConversationID, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	return sqldb.QueryAll(ctx, s.db, func(scan func(...any) error) (hongyan.ConversationID, error) {
		var id int64
		err := scan(&id)
		return hongyan.ConversationID(id), err
	}, `SELECT id FROM (SELECT id FROM conversations WHERE a = $1 AND id > $2
			UNION ALL SELECT id FROM conversations WHERE b = $1 AND a > 0 AND a <> $1 AND id > $2
			UNION ALL SELECT conversation FROM conversation_members WHERE user_id = $1 AND conversation > $2) AS x
		ORDER BY id LIMIT $3`, int64(user), int64(after), limit)
}

// PutState applies c to the state of a conversation c.User is a member
// of: the fields c sets change, the others keep their stored values, and
// ReadSeq and ClearedSeq only move forward.
func (s Store) PutState(ctx context.Context, c chat.StateChange, changes []hongyan.Change) ([]hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var muted, pinned bool
	var draft string
	if c.Muted != nil {
		muted = *c.Muted
	}
	if c.Pinned != nil {
		pinned = *c.Pinned
	}
	if c.Draft != nil {
		draft = *c.Draft
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		var one int64
		found, err := t.Read(`SELECT 1 FROM conversations c WHERE c.id = $1 AND ((c.a > 0 AND (c.a = $2 OR c.b = $2))
			OR EXISTS (SELECT 1 FROM conversation_members g WHERE g.conversation = c.id AND g.user_id = $2))`,
			[]any{int64(c.Conversation), int64(c.User)}, &one)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return sqldb.NotFound("no such conversation")
		}
		if _, err := t.Exec(`INSERT INTO conversation_states (user_id, conversation, muted, pinned, draft, read_seq, cleared_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id, conversation) DO UPDATE SET
			muted = CASE WHEN CAST($8 AS BOOLEAN) THEN excluded.muted ELSE conversation_states.muted END,
			pinned = CASE WHEN CAST($9 AS BOOLEAN) THEN excluded.pinned ELSE conversation_states.pinned END,
			draft = CASE WHEN CAST($10 AS BOOLEAN) THEN excluded.draft ELSE conversation_states.draft END,
			read_seq = CASE WHEN excluded.read_seq > conversation_states.read_seq
				THEN excluded.read_seq ELSE conversation_states.read_seq END,
			cleared_seq = CASE WHEN excluded.cleared_seq > conversation_states.cleared_seq
				THEN excluded.cleared_seq ELSE conversation_states.cleared_seq END`,
			int64(c.User), int64(c.Conversation), muted, pinned, draft, max(c.ReadSeq, 0), max(c.ClearedSeq, 0),
			c.Muted != nil, c.Pinned != nil, c.Draft != nil); err != nil {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}
