package sqlite

import (
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// openRaw opens the database at dir through the WAL-gathering VFS with
// the node's settings but no checkpointer, so that the WAL only grows.
func openRaw(t *testing.T, dir string, pragmas ...string) *sql.DB {
	t.Helper()
	if err := registerVFS(); err != nil {
		t.Fatal(err)
	}
	d := dsn(filepath.Join(dir, FileName), false)
	for _, p := range pragmas {
		d += "&_pragma=" + p
	}
	db, err := sql.Open("sqlite", d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, b BLOB NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return db
}

func walSize(t *testing.T, dir string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, FileName+"-wal"))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// insert commits one transaction of n rows of size bytes each.
func insert(t *testing.T, db *sql.DB, n, size int) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if _, err := tx.Exec("INSERT INTO t (b) VALUES (?)", make([]byte, size)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestWALWritesGathered(t *testing.T) {
	dir := t.TempDir()
	db := openRaw(t, dir)
	insert(t, db, 1, 10) // the WAL's header is written
	before, writes := walSize(t, dir), walWrites.Load()
	insert(t, db, 40, 3000) // a page a row
	frames := (walSize(t, dir) - before) / (4096 + 24)
	got := walWrites.Load() - writes
	want := (frames*(4096+24) + maxWrite - 1) / maxWrite
	if frames < 40 || got > want {
		t.Errorf("a commit of %d frames took %d writes, want at most %d (SQLite alone makes %d)", frames, got, want, 2*frames)
	}
}

// Every commit is readable by another connection the moment it returns:
// no committed frame waits in the buffer while other connections already
// look for it.
func TestWALCommitsVisible(t *testing.T) {
	for _, sync := range []string{"FULL", "OFF"} {
		t.Run("synchronous="+sync, func(t *testing.T) {
			dir := t.TempDir()
			// With synchronous=OFF no sync follows a commit: only the
			// commit-frame rule writes it out.
			db := openRaw(t, dir, "synchronous("+sync+")")
			read, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName), true))
			if err != nil {
				t.Fatal(err)
			}
			defer read.Close()
			for i := 1; i <= 60; i++ {
				insert(t, db, 1+i%7, 1500)
				var rows, bytes int64
				if err := read.QueryRow("SELECT count(*), coalesce(sum(length(b)), 0) FROM t").Scan(&rows, &bytes); err != nil {
					t.Fatal(err)
				}
				var want int64
				for j := 1; j <= i; j++ {
					want += int64(1 + j%7)
				}
				if rows != want || bytes != want*1500 {
					t.Fatalf("after commit %d a reader saw %d rows of %d bytes, want %d of %d", i, rows, bytes, want, want*1500)
				}
			}
			var ok string
			if err := read.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
				t.Fatalf("integrity_check = %q, %v", ok, err)
			}
		})
	}
}

// What a crash leaves: the files as they are on disk while the database is
// still open hold every commit that returned.
func TestWALCommitsOnDiskAtReturn(t *testing.T) {
	dir := t.TempDir()
	db := openRaw(t, dir)
	for i := 0; i < 25; i++ {
		insert(t, db, 3, 2000)
	}
	crash := t.TempDir()
	for _, name := range []string{FileName, FileName + "-wal"} {
		copyFile(t, filepath.Join(dir, name), filepath.Join(crash, name))
	}
	after := openRaw(t, crash)
	var rows int
	if err := after.QueryRow("SELECT count(*) FROM t").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 75 {
		t.Errorf("the files copied after 25 commits of 3 rows hold %d rows, want 75", rows)
	}
	var ok string
	if err := after.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check = %q, %v", ok, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// The node's files go through the gathering VFS.
func TestDSNUsesWALVFS(t *testing.T) {
	for _, reader := range []bool{false, true} {
		if d := dsn("/x/hongyan.db", reader); !strings.Contains(d, "vfs="+vfsName) {
			t.Errorf("dsn(reader=%v) = %q, want vfs=%s", reader, d, vfsName)
		}
	}
}
