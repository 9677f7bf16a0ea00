package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type versionOut struct {
	Version  int64 `json:"version"`
	Contacts int   `json:"contacts"`
	Time     int64 `json:"time"`
}

type entryOut struct {
	Entry  int64  `json:"entry"`
	Member int64  `json:"member"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Role   string `json:"role"`
}

// The address-book commands as the scriptable surface names them: back up
// a vCard and a CSV file, list versions, restore one as a file, match,
// delete; and a group's shared address book.
func TestCLIAddressBook(t *testing.T) {
	server := startNode(t)
	ann, ben, cat := newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat")
	one[session](ann, "register", "ab_ann", "password-a")
	b := one[session](ben, "register", "ab_ben", "password-b")
	one[session](cat, "register", "ab_cat", "password-c")
	dir := t.TempDir()
	vcf := filepath.Join(dir, "phone.vcf")
	os.WriteFile(vcf, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:张三\r\nTEL;TYPE=CELL:+86 138 0013 8000\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann Lee\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n"), 0o600)
	csv := filepath.Join(dir, "phone.csv")
	os.WriteFile(csv, []byte("name,phone\n李四,13900139000\n"), 0o600)

	if v := one[versionOut](ann, "addressbook", "backup", vcf); v.Version != 1 || v.Contacts != 2 {
		t.Errorf("backup vcf: got %+v", v)
	}
	if v := one[versionOut](ann, "addressbook", "backup", csv); v.Version != 2 || v.Contacts != 1 {
		t.Errorf("backup csv: got %+v", v)
	}
	if lines := ann.ok("addressbook", "versions"); len(lines) != 2 {
		t.Errorf("versions: got %q, want 2 lines", lines)
	}
	out := filepath.Join(dir, "restored.vcf")
	ann.ok("addressbook", "restore", "1", out)
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "FN:张三") || !strings.Contains(string(data), "TEL;TYPE=CELL:+86 138 0013 8000") {
		t.Errorf("restored file: %v, %q", err, data)
	}
	if code, ecode := ben.fail("addressbook", "restore", "1", filepath.Join(dir, "x.vcf")); code != 1 || ecode != "not_found" {
		t.Errorf("ben restoring ann's backup: exit %d, %q; want 1, not_found", code, ecode)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("name,phone\nnobody,n/a\n"), 0o600)
	if code, ecode := ann.fail("addressbook", "backup", bad); code != 1 || ecode != "invalid_argument" {
		t.Errorf("backup of a file without numbers: exit %d, %q; want 1, invalid_argument", code, ecode)
	}
	// Nobody here bound these numbers: no matches, no lines.
	if lines := ann.ok("addressbook", "match", vcf); len(lines) != 0 {
		t.Errorf("match: got %q, want none", lines)
	}
	ann.ok("addressbook", "delete", "all")
	if lines := ann.ok("addressbook", "versions"); len(lines) != 0 {
		t.Errorf("versions after delete all: got %q", lines)
	}

	// A group's shared address book.
	for _, d := range []*device{ben, cat} {
		d.ok("friends", "request", "ab_ann")
	}
	ann.ok("friends", "accept", "ab_ben")
	ann.ok("friends", "accept", "ab_cat")
	g := one[struct {
		Group int64 `json:"group"`
	}](ann, "groups", "create", "三年二班", "ab_ben", "ab_cat")
	gid := itoa(g.Group)
	e := one[entryOut](ben, "groups", "book", gid, "set-mine", "--name", "小明妈妈", "--phone", "13800138000", "--role", "家长")
	if e.Member != b.User || e.Name != "小明妈妈" {
		t.Errorf("set-mine: got %+v", e)
	}
	if code, ecode := cat.fail("groups", "book", gid, "set", itoa(e.Entry), "--name", "x"); code != 1 || ecode != "permission_denied" {
		t.Errorf("cat editing ben's entry: exit %d, %q; want 1, permission_denied", code, ecode)
	}
	one[entryOut](ann, "groups", "book", gid, "add", "--name", "李老师", "--role", "班主任")
	if lines := cat.ok("groups", "book", gid); len(lines) != 2 {
		t.Errorf("show: got %q, want 2 entries", lines)
	}
	if lines := cat.ok("groups", "book", gid, "history"); len(lines) != 2 {
		t.Errorf("history: got %q, want 2 changes", lines)
	}
	exp := filepath.Join(dir, "class.vcf")
	cat.ok("groups", "book", gid, "export", exp)
	if data, err := os.ReadFile(exp); err != nil || strings.Count(string(data), "BEGIN:VCARD") != 2 {
		t.Errorf("export: %v, %q", err, data)
	}
	stranger := newDevice(t, server, "dan")
	one[session](stranger, "register", "ab_dan", "password-d")
	if code, ecode := stranger.fail("groups", "book", gid); code != 1 || ecode != "not_found" {
		t.Errorf("a stranger reading the book: exit %d, %q; want 1, not_found", code, ecode)
	}
}
