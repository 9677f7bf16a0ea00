package stores_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/postgres"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/sqldb/stores"
	"hongyan/internal/sqlite"
)

// BenchmarkGroupFilesList: one page (50, newest first) of a group's files
// when the group holds 10,000 (and another group as many), paging from the
// newest and from deep in the list — what app_files costs the store.
//
//	HONGYAN_TEST_POSTGRES=… go test ./internal/sqldb/stores -run '^$' -bench GroupFilesList -benchtime 2000x
func BenchmarkGroupFilesList(b *testing.B) {
	const files = 10_000
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			db := openBench(b, engine)
			s := db.GroupApps()
			var mid int64
			for i := range files {
				for _, g := range []hongyan.ConversationID{benchGroup, benchGroup + 1} {
					f, _, err := s.AddFile(ctx, groupapp.File{Group: g, Uploader: hongyan.UserID(i%50 + 1), Media: fmt.Sprintf("m%025d", i),
						Name: fmt.Sprintf("file-%d.pdf", i), Type: "application/pdf", Size: 1000, Created: time.Now()}, 1<<40, nil)
					if err != nil {
						b.Fatal(err)
					}
					if i == files/2 && g == benchGroup {
						mid = f.ID
					}
				}
			}
			for _, tc := range []struct {
				name   string
				before int64
			}{{"newest", 0}, {"middle", mid}} {
				b.Run(tc.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						fs, err := s.Files(ctx, benchGroup, tc.before, groupapp.MaxPage)
						if err != nil || len(fs) != groupapp.MaxPage {
							b.Fatalf("got %d files, %v", len(fs), err)
						}
					}
				})
			}
		})
	}
}

// openBench opens an empty store on engine ("sqlite" or "postgres"),
// closed when b ends.
func openBench(b *testing.B, engine string) *stores.DB {
	b.Helper()
	open := func() (*stores.DB, error) { return sqlite.Open(context.Background(), b.TempDir()) }
	if engine == "postgres" {
		open = func() (*stores.DB, error) { return postgres.Open(context.Background(), pgtest.DSN(b)) }
	}
	db, err := open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}
