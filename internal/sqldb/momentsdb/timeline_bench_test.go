package momentsdb_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// The timeline design was chosen by these benchmarks (docs/architecture.md,
// "Moments timelines"). 152,500 posts of 3,050 authors (50 each); readers
// with 1,000 friends read the page a feed reads first (40 candidates):
//
//   - write: every friend's posts were fanned out to the reader's inbox;
//   - hybrid: 950 friends' posts were, 50 friends with many friends of
//     their own were not (2,500 posts read from their posts);
//   - read: none was (50,000 posts of 1,000 friends read from their posts).
//
// BenchmarkPostFanout is the other side: a post with its inbox rows.
//
//	HONGYAN_TEST_POSTGRES=… go test ./internal/sqldb/momentsdb -run '^$' -bench . -benchtime 200x

const (
	benchPostsEach = 50
	groupF         = 1000 // fanned out, friends of readers 1 and 2
	groupB         = 50   // unfanned, friends of reader 2
	groupR         = 1000 // unfanned, friends of reader 3
	groupO         = 1000 // fanned out, nobody's friends here
	firstF         = 1000
	firstB         = firstF + groupF
	firstR         = firstB + groupB
	firstO         = firstR + groupR
)

var benchT0 = time.UnixMilli(1_760_000_000_000).UTC()

func engines(b *testing.B) map[string]func(b *testing.B) *stores.DB {
	return map[string]func(b *testing.B) *stores.DB{
		"sqlite": func(b *testing.B) *stores.DB {
			db, err := sqlite.Open(context.Background(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		},
		"postgres": func(b *testing.B) *stores.DB {
			db, err := postgres.Open(context.Background(), pgtest.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			return db
		},
	}
}

func span(first, n int) []hongyan.UserID {
	out := make([]hongyan.UserID, n)
	for i := range out {
		out[i] = hongyan.UserID(first + i)
	}
	return out
}

// seed writes the posts, interleaved in time, and the inbox rows, in bulk.
func seed(b *testing.B, db *stores.DB) {
	ctx := context.Background()
	authors := groupF + groupB + groupR + groupO
	type row struct {
		id     int64
		author int
	}
	var rows []row
	for i := range benchPostsEach {
		for a := range authors {
			rows = append(rows, row{id: int64(i*authors+a+1) << 10, author: firstF + a})
		}
	}
	body := `{"t":"今天天气很好，出去走走"}`
	for start := 0; start < len(rows); start += 4096 {
		part := rows[start:min(len(rows), start+4096)]
		err := db.Write(ctx, func(t *sqldb.Tx) error {
			for s, n := 0, 0; s < len(part); s += n {
				n = sqldb.Chunk(len(part) - s)
				var args, inbox []any
				for _, r := range part[s : s+n] {
					fanned := r.author < firstB || r.author >= firstO
					args = append(args, r.id, int64(r.author), true, fanned, sqldb.Ms(benchT0)+r.id>>10, body, "今天天气很好，出去走走")
					if r.author < firstB {
						inbox = append(inbox, int64(1), r.id)
						if r.author < firstF+950 {
							inbox = append(inbox, int64(2), r.id)
						}
					}
				}
				if _, err := t.Exec(t.RowsSQL(`INSERT INTO moments_posts (id, author, public, fanned, created, body, search) VALUES `, n, make([]string, 7), ""), args...); err != nil {
					return err
				}
				for k, i := len(inbox)/2, 0; i < k; {
					m := sqldb.Chunk(k - i)
					if _, err := t.Exec(t.RowsSQL(`INSERT INTO moments_inbox (owner, post) VALUES `, m, make([]string, 2), ""), inbox[2*i:2*(i+m)]...); err != nil {
						return err
					}
					i += m
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err := db.Write(ctx, func(t *sqldb.Tx) error {
		for a := firstB; a < firstO; a++ {
			if _, err := t.Exec(`INSERT INTO moments_unfanned_authors (author) VALUES ($1)`, int64(a)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkTimelinePage(b *testing.B) {
	for name, open := range engines(b) {
		b.Run(name, func(b *testing.B) {
			if name == "postgres" {
				pgtest.Require(b)
			}
			db := open(b)
			seed(b, db)
			st := db.Moments()
			ctx := context.Background()
			for _, r := range []struct {
				name    string
				reader  hongyan.UserID
				friends []hongyan.UserID
			}{
				{"write", 1, span(firstF, groupF)},
				{"hybrid", 2, append(span(firstF, 950), span(firstB, groupB)...)},
				{"read", 3, span(firstR, groupR)},
			} {
				authors := append([]hongyan.UserID{r.reader}, r.friends...)
				b.Run(r.name, func(b *testing.B) {
					for b.Loop() {
						ps, err := st.Inbox(ctx, r.reader, 0, 40)
						if err != nil {
							b.Fatal(err)
						}
						us, err := st.Unfanned(ctx, authors, 0, 40)
						if err != nil || len(ps)+len(us) < 40 {
							b.Fatalf("page: %d + %d posts, %v", len(ps), len(us), err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkSearch: a reader with 1,000 friends (50,000 of their posts)
// searches; "hit" matches every post (a page is found at once), "miss"
// matches none (the store walks all 50,000 for a page of 40).
func BenchmarkSearch(b *testing.B) {
	for name, open := range engines(b) {
		b.Run(name, func(b *testing.B) {
			if name == "postgres" {
				pgtest.Require(b)
			}
			db := open(b)
			seed(b, db)
			st := db.Moments()
			ctx := context.Background()
			authors := append([]hongyan.UserID{1}, span(firstF, groupF)...)
			for _, q := range []struct{ name, query string }{{"hit", "天气"}, {"miss", "drift bottle"}} {
				b.Run(q.name, func(b *testing.B) {
					for b.Loop() {
						ps, err := st.Search(ctx, authors, q.query, 0, 40)
						if err != nil || (q.name == "hit") != (len(ps) == 40) {
							b.Fatalf("search %q: %d posts, %v", q.query, len(ps), err)
						}
					}
				})
			}
		})
	}
}

func BenchmarkPostFanout(b *testing.B) {
	for name, open := range engines(b) {
		b.Run(name, func(b *testing.B) {
			if name == "postgres" {
				pgtest.Require(b)
			}
			db := open(b)
			st := db.Moments()
			ctx := context.Background()
			for _, friends := range []int{0, 200, 500, 1000, 5000} {
				inbox := make([]hongyan.UserID, friends+1)
				for i := range inbox {
					inbox[i] = hongyan.UserID(10 + i)
				}
				b.Run(fmt.Sprintf("inbox=%d", friends+1), func(b *testing.B) {
					var mu sync.Mutex
					next := int64(friends+1) << 40
					for b.Loop() {
						mu.Lock()
						next++
						id := next
						mu.Unlock()
						p := moments.Post{ID: id, Author: 10, Text: "周末愉快", Created: benchT0, Fanout: true}
						if _, err := st.CreatePost(ctx, p, inbox, nil); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
