package stores_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/chat"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// The files in testdata/legacy are the migrations of the former layout,
// one global sequence (versions 1–6) for every feature, kept to build
// databases as that layout left them.

// engine opens a fresh location raw (as the former binary would have) and
// with today's code.
type engine struct {
	name   string
	loc    func(t *testing.T) string
	raw    func(t *testing.T, loc string) *sql.DB
	open   func(ctx context.Context, loc string) (*stores.DB, error)
	schema func(t *testing.T, db *sql.DB) []string
}

var engines = []engine{
	{
		name: "sqlite",
		loc:  func(t *testing.T) string { return t.TempDir() },
		raw: func(t *testing.T, dir string) *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName)+"?_pragma=foreign_keys(ON)&_pragma=busy_timeout(10000)")
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			return db
		},
		open: sqlite.Open,
		schema: func(t *testing.T, db *sql.DB) []string {
			return strs(t, db, `SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
				WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
		},
	},
	{
		name: "postgres",
		loc:  func(t *testing.T) string { return pgtest.DSN(t) },
		raw: func(t *testing.T, dsn string) *sql.DB {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			return db
		},
		open: postgres.Open,
		schema: func(t *testing.T, db *sql.DB) []string {
			var schema string
			if err := db.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
				t.Fatal(err)
			}
			out := strs(t, db, `SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
					|| ' ' || COALESCE(column_default, '') FROM information_schema.columns
				WHERE table_schema = current_schema() ORDER BY table_name, column_name`)
			for _, ix := range strs(t, db, `SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes
				WHERE schemaname = current_schema() ORDER BY indexname`) {
				out = append(out, strings.ReplaceAll(ix, schema+".", ""))
			}
			return out
		},
	},
}

func strs(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func run(t *testing.T, f func(t *testing.T, e engine)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			if e.name == "postgres" {
				pgtest.Require(t)
			}
			f(t, e)
		})
	}
}

// legacyMigrate applies the former layout's migrations up to version upTo
// the way its runner did, recording them in its schema_migrations.
func legacyMigrate(t *testing.T, db *sql.DB, engine string, upTo int) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "legacy", engine)
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files[:upTo] {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(b)); err != nil {
			t.Fatalf("legacy migration %s: %v", f.Name(), err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, 0)`, i+1, f.Name()); err != nil {
			t.Fatal(err)
		}
	}
}

// legacyData is what a node of the former layout stored: two users
// chatting, a group whose third member left, a favorite.
var legacyData = []string{
	`INSERT INTO accounts (id, account_id, account_key, account_id_changed, password_hash, nickname, avatar, gender, region,
		signature, find_by_account_id, find_by_phone, add_needs_verification, created)
		VALUES (1, 'Alice', 'alice', false, 'h', '爱丽丝', '', 0, '', '', true, true, true, 1760000000000),
		       (2, 'bob', 'bob', false, 'h', 'Bob', '', 0, '', '', true, true, true, 1760000000000),
		       (3, 'carol', 'carol', false, 'h', 'Carol', '', 0, '', '', true, true, true, 1760000000000)`,
	`INSERT INTO contacts (owner, user_id, remark, description, tags, starred, since) VALUES (1, 2, '', '', '[]', false, 1760000000000)`,
	`INSERT INTO conversations (id, a, b, last_seq) VALUES (1, 1, 2, 2), (2, 0, 1, 3)`,
	`INSERT INTO messages (id, conversation, seq, sender, sender_device, client_id, kind, text, created, body) VALUES
		(1, 1, 1, 1, 0, 'c1', 1, '你好', 1760000000001, NULL),
		(2, 1, 2, 2, 0, 'c2', 1, 'hi', 1760000000002, NULL),
		(3, 2, 1, 1, 0, 'notice/2/1', 0, '', 1760000000003, NULL),
		(4, 2, 2, 3, 0, 'c3', 1, 'bye', 1760000000004, NULL),
		(5, 2, 3, 1, 0, 'c4', 1, 'after carol left', 1760000000005, NULL)`,
	`INSERT INTO groups (id, name, avatar, announcement, announcement_time, owner, approval, muted_all, dissolved, qr_code,
		qr_expires, created, members, version) VALUES (2, '家人', '', '', 0, 1, false, false, false, '', 0, 1760000000003, 2, 3)`,
	`INSERT INTO group_members (conversation, user_id, role, nickname, muted, saved, show_nicknames, joined, joined_seq, left_seq) VALUES
		(2, 1, 2, '', false, false, false, 1760000000003, 1, 0),
		(2, 2, 0, '', false, false, false, 1760000000003, 1, 0),
		(2, 3, 0, '', false, false, false, 1760000000003, 1, 2)`,
	`INSERT INTO conversation_states (user_id, conversation, muted, pinned, draft, read_seq, cleared_seq) VALUES (2, 1, true, false, 'draft', 0, 0)`,
	`INSERT INTO user_heads (user_id, seq) VALUES (2, 1)`,
	`INSERT INTO changes (user_id, seq, kind, conversation, ref, created) VALUES (2, 1, 1, 1, 1, 1760000000001)`,
	`INSERT INTO favorites (id, owner, kind, source, snapshot, url, text, created, updated) VALUES (1, 2, 1, 1, NULL, '', '你好', 1760000000010, 1760000000010)`,
}

// TestUpgradeLegacy upgrades databases left by the former layout, at its
// last version and at an earlier one, in place: every row is still there
// and read through today's stores, and the schema is the one a fresh
// database gets.
func TestUpgradeLegacy(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		ctx := t.Context()
		freshLoc := e.loc(t)
		fresh, err := e.open(ctx, freshLoc)
		if err != nil {
			t.Fatal(err)
		}
		fresh.Close()
		freshRaw := e.raw(t, freshLoc)
		defer freshRaw.Close()
		want := e.schema(t, freshRaw)
		if len(want) < 20 {
			t.Fatalf("fresh schema has %d entries; reading it is broken", len(want))
		}
		wantVersions := strs(t, freshRaw, `SELECT feature || ' ' || CAST(version AS TEXT) || ' ' || name FROM schema_migrations ORDER BY feature, version`)

		for _, upTo := range []int{3, 6} {
			t.Run(fmt.Sprintf("from%d", upTo), func(t *testing.T) {
				loc := e.loc(t)
				raw := e.raw(t, loc)
				defer raw.Close()
				legacyMigrate(t, raw, e.name, upTo)
				if upTo == 6 {
					for _, q := range legacyData {
						if _, err := raw.Exec(q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
				}
				db, err := e.open(ctx, loc)
				if err != nil {
					t.Fatalf("opening a database of the former layout at version %d: %v", upTo, err)
				}
				if diff := cmp.Diff(want, e.schema(t, raw)); diff != "" {
					t.Errorf("upgraded schema differs from a fresh one (-fresh +upgraded):\n%s", diff)
				}
				gotVersions := strs(t, raw, `SELECT feature || ' ' || CAST(version AS TEXT) || ' ' || name FROM schema_migrations ORDER BY feature, version`)
				if diff := cmp.Diff(wantVersions, gotVersions); diff != "" {
					t.Errorf("schema_migrations (-fresh +upgraded):\n%s", diff)
				}
				if upTo == 6 {
					checkLegacyData(t, db)
				}
				// Opening again changes nothing.
				db.Close()
				again, err := e.open(ctx, loc)
				if err != nil {
					t.Fatalf("reopening: %v", err)
				}
				again.Close()
			})
		}
	})
}

func checkLegacyData(t *testing.T, db *stores.DB) {
	t.Helper()
	ctx := t.Context()
	a, err := db.Accounts().Account(ctx, 1)
	if err != nil || a.AccountID != "Alice" || a.Profile.Nickname != "爱丽丝" {
		t.Errorf("account 1: got %+v, %v", a, err)
	}
	if got, err := db.Accounts().AccountBy(ctx, "account_id", "ALICE"); err != nil || got.ID != 1 {
		t.Errorf("account by ID: got %+v, %v", got, err)
	}
	msgs, err := db.Chats().Messages(ctx, 1, 0, 10)
	if err != nil || len(msgs) != 2 || msgs[0].Text != "你好" || msgs[1].Text != "hi" {
		t.Errorf("direct chat history: got %+v, %v", msgs, err)
	}
	w, err := db.Chats().Window(ctx, 2, 3)
	if err != nil || w != (chat.Window{From: 1, To: 2}) {
		t.Errorf("carol's window of the group chat: got %+v, %v; want 1–2", w, err)
	}
	aud, err := db.Chats().Audience(ctx, 2, 3)
	if err != nil || !slices.Equal(aud, []hongyan.UserID{1, 2}) {
		t.Errorf("audience of the message after carol left: got %v, %v; want [1 2]", aud, err)
	}
	sum, err := db.Chats().Summary(ctx, 3, 2)
	if err != nil || sum.Last.Seq != 2 || sum.Last.Text != "bye" {
		t.Errorf("carol's summary of the group chat: got %+v, %v; want the last message she saw", sum, err)
	}
	sum, err = db.Chats().Summary(ctx, 2, 1)
	if err != nil || !sum.State.Muted || sum.State.Draft != "draft" || sum.Unread != 1 {
		t.Errorf("bob's direct chat: got %+v, %v", sum, err)
	}
	g, err := db.Groups().Group(ctx, 2)
	if err != nil || g.Name != "家人" || g.Members != 2 {
		t.Errorf("group: got %+v, %v", g, err)
	}
	members, err := db.Groups().Members(ctx, 2)
	if err != nil || len(members) != 2 {
		t.Errorf("group members: got %+v, %v", members, err)
	}
	log, err := db.ChangeLog().After(ctx, 2, 0, 10)
	if err != nil || len(log) != 1 || log[0].Ref != 1 {
		t.Errorf("bob's change log: got %+v, %v", log, err)
	}
	if f, err := db.Favorites().Get(ctx, 2, 1); err != nil || f.Text != "你好" {
		t.Errorf("favorite: got %+v, %v", f, err)
	}
	// New rows continue the old ones.
	m, _, _, err := db.Chats().AppendMessage(ctx, chat.NewMessage{A: 1, B: 2, Message: chat.Message{
		Sender: 1, ClientID: "c5", Text: "again", Time: time.UnixMilli(1760000000100)}}, []hongyan.UserID{1, 2})
	if err != nil || m.Seq != 3 || m.ID <= 5 {
		t.Errorf("a new message after the upgrade: got %+v, %v; want seq 3, id above 5", m, err)
	}
}
