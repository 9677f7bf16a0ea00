package archtest

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// createTable finds the tables a migration creates.
var createTable = regexp.MustCompile(`(?i)CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)`)

// sqlWord splits SQL text into identifiers.
var sqlWord = regexp.MustCompile(`\w+`)

// storeTables maps each table to the feature storage package whose
// migrations create it.
func storeTables(t *testing.T, root string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "internal", "sqldb", "*db", "migrations", "*", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, f := range files {
		pkg := filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(f))))
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			table := strings.ToLower(m[1])
			if other, ok := owner[table]; ok && other != pkg {
				t.Errorf("table %s is created by both %s and %s", table, other, pkg)
			}
			owner[table] = pkg
		}
	}
	if len(owner) < 10 {
		t.Fatalf("found %d tables in %d migrations; the walk is broken", len(owner), len(files))
	}
	return owner
}

// foreignTables lists, for the Go source src of package pkg, every table
// of another package named in a string literal.
func foreignTables(pkg string, src []byte, owner map[string]string) []string {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, 0)
	var out []string
	for {
		_, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok != token.STRING {
			continue
		}
		for _, w := range sqlWord.FindAllString(lit, -1) {
			if o, ok := owner[strings.ToLower(w)]; ok && o != pkg {
				out = append(out, w+" (of "+o+")")
			}
		}
	}
}

// TestStorageTables: no feature's SQL names another feature's tables. A
// table belongs to the storage package whose migrations create it; the
// Go code of every other package never names it in SQL.
func TestStorageTables(t *testing.T) {
	root := filepath.Join("..", "..")
	owner := storeTables(t, root)
	files, err := filepath.Glob(filepath.Join(root, "internal", "sqldb", "*db", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		pkg := filepath.Base(filepath.Dir(f))
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tab := range foreignTables(pkg, src, owner) {
			t.Errorf("%s names table %s", filepath.ToSlash(strings.TrimPrefix(f, root+"/")), tab)
		}
	}
}

// The table rule must bite.
func TestStorageTablesBite(t *testing.T) {
	owner := map[string]string{"messages": "chatdb", "group_members": "groupdb"}
	bad := "package chatdb\nconst q = `SELECT 1 FROM group_members WHERE user_id = $1`\n"
	if got := foreignTables("chatdb", []byte(bad), owner); len(got) != 1 {
		t.Errorf("chatdb reading group_members: got %v, want one violation", got)
	}
	good := "package chatdb\n// group_members in a comment\nconst q = `SELECT 1 FROM messages`\n"
	if got := foreignTables("chatdb", []byte(good), owner); len(got) != 0 {
		t.Errorf("chatdb reading its own table: got %v, want none", got)
	}
}
