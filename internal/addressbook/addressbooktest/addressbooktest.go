// Package addressbooktest is the conformance suite of addressbook.Store:
// every storage engine runs it. Beside the store's own contract it runs
// the feature's rules (who may read and edit what, the limits, what bad
// input is refused) on the engine, with the other features' ports played
// by small in-memory stand-ins.
package addressbooktest

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/addressbook"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) addressbook.Store) {
	t.Run("Key", func(t *testing.T) { testKey(t, open(t)) })
	t.Run("Backups", func(t *testing.T) { testBackups(t, open(t)) })
	t.Run("Quota", func(t *testing.T) { testQuota(t, open(t)) })
	t.Run("Entries", func(t *testing.T) { testEntries(t, open(t)) })
	t.Run("BackupRules", func(t *testing.T) { testBackupRules(t, open(t)) })
	t.Run("MatchRules", func(t *testing.T) { testMatchRules(t, open(t)) })
	t.Run("BookRules", func(t *testing.T) { testBookRules(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func testKey(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	a := bytes.Repeat([]byte{1}, 32)
	got, err := s.Key(ctx, a)
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("first Key: got %x, %v; want the candidate", got, err)
	}
	got, err = s.Key(ctx, bytes.Repeat([]byte{2}, 32))
	if err != nil || !bytes.Equal(got, a) {
		t.Errorf("second Key: got %x, %v; want the first key kept", got, err)
	}
}

func testBackups(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	add := func(owner hongyan.UserID, n int) addressbook.Version {
		t.Helper()
		v, changes, err := s.AddBackup(ctx, addressbook.Backup{Version: addressbook.Version{Owner: owner, Contacts: n, Created: T0},
			Sealed: []byte{byte(n)}}, 3, []hongyan.Change{{User: owner, Kind: hongyan.ChangeAddressBook}})
		if err != nil {
			t.Fatalf("AddBackup: %v", err)
		}
		if len(changes) != 1 || changes[0].Ref != v.Version || changes[0].Seq <= 0 {
			t.Fatalf("AddBackup: got changes %+v, want one naming version %d", changes, v.Version)
		}
		return v
	}
	for i := 1; i <= 4; i++ {
		if v := add(1, i); v.Version != int64(i) || v.Contacts != i || !v.Created.Equal(T0) {
			t.Errorf("backup %d: got %+v", i, v)
		}
	}
	add(2, 9)
	vs, err := s.Versions(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, v := range vs {
		got = append(got, v.Version)
	}
	if want := []int64{4, 3, 2}; !cmp.Equal(got, want) {
		t.Errorf("Versions keeping 3: got %v, want %v", got, want)
	}
	b, err := s.Backup(ctx, 1, 3)
	if err != nil || !bytes.Equal(b.Sealed, []byte{3}) || b.Owner != 1 || b.Version.Version != 3 {
		t.Errorf("Backup(1, 3): got %+v, %v", b, err)
	}
	for _, tc := range []struct {
		owner   hongyan.UserID
		version int64
	}{{1, 1}, {2, 3}, {3, 1}} {
		if _, err := s.Backup(ctx, tc.owner, tc.version); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			t.Errorf("Backup(%d, %d): got %v, want not found", tc.owner, tc.version, err)
		}
	}
	if _, err := s.DeleteBackup(ctx, 2, 4, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("DeleteBackup of another owner's version: got %v, want not found", err)
	}
	if _, err := s.DeleteBackup(ctx, 1, 4, nil); err != nil {
		t.Fatal(err)
	}
	if v := add(1, 5); v.Version != 5 {
		t.Errorf("after deleting the newest: got version %d, want 5 (numbers are never reused)", v.Version)
	}
	if _, err := s.DeleteBackup(ctx, 1, 0, nil); err != nil {
		t.Fatal(err)
	}
	if vs, err := s.Versions(ctx, 1); err != nil || len(vs) != 0 {
		t.Errorf("after deleting all: got %v, %v; want none", vs, err)
	}
	if vs, err := s.Versions(ctx, 2); err != nil || len(vs) != 1 {
		t.Errorf("another owner's backups after deleting all of mine: got %v, %v; want one", vs, err)
	}
}

func testQuota(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	for i, tc := range []struct {
		user   hongyan.UserID
		bucket string
		window int64
		n      int
		want   bool
	}{
		{1, "match", 10, 6, true},
		{1, "match", 10, 4, true},
		{1, "match", 10, 1, false}, // 11 > 10
		{1, "backup", 10, 1, true}, // another bucket
		{2, "match", 10, 10, true}, // another user
		{1, "match", 11, 10, true}, // a new window
		{1, "match", 11, 1, false},
		{3, "match", 10, 11, false}, // more than max at once
	} {
		got, err := s.Take(ctx, tc.user, tc.bucket, tc.window, tc.n, 10)
		if err != nil || got != tc.want {
			t.Errorf("%d: Take(%d, %s, %d, %d): got %v, %v; want %v", i, tc.user, tc.bucket, tc.window, tc.n, got, err, tc.want)
		}
	}
	// Concurrent takes never pass the limit together.
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Take(ctx, 9, "match", 1, 1, 7)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if passed != 7 {
		t.Errorf("20 concurrent takes of 1 with max 7: got %d passed, want 7", passed)
	}
}

func testEntries(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	put := func(e addressbook.Entry) addressbook.Entry {
		t.Helper()
		got, changes, err := s.PutEntry(ctx, e, []hongyan.Change{{User: 1, Kind: hongyan.ChangeGroupBook, Conversation: e.Group}, {User: 2, Kind: hongyan.ChangeGroupBook, Conversation: e.Group}})
		if err != nil {
			t.Fatalf("PutEntry(%+v): %v", e, err)
		}
		if len(changes) != 2 || changes[0].Ref != got.ID || changes[1].Ref != got.ID {
			t.Fatalf("PutEntry: got changes %+v, want two naming entry %d", changes, got.ID)
		}
		return got
	}
	mine := put(addressbook.Entry{Group: 100, Member: 1, Name: "王芳", Phone: "13800138000", Role: "家长", Updated: T0, UpdatedBy: 1})
	teacher := put(addressbook.Entry{Group: 100, Name: "李老师", Email: "li@school.example", Role: "班主任", Notes: "周一至周五", Updated: T0, UpdatedBy: 2})
	put(addressbook.Entry{Group: 200, Member: 1, Name: "other group", Updated: T0, UpdatedBy: 1})
	if _, _, err := s.PutEntry(ctx, addressbook.Entry{Group: 100, Member: 1, Name: "twice", Updated: T0, UpdatedBy: 1}, nil); hongyan.ErrorCode(err) != hongyan.CodeExists {
		t.Errorf("a member's second entry: got %v, want already exists", err)
	}
	later := T0.Add(time.Minute)
	mine.Phone, mine.Updated, mine.UpdatedBy = "+8613800138001", later, 2
	edited := put(mine)
	if diff := cmp.Diff(mine, edited); diff != "" {
		t.Errorf("edit (-want +got):\n%s", diff)
	}
	got, err := s.MemberEntry(ctx, 100, 1)
	if diff := cmp.Diff(mine, got); err != nil || diff != "" {
		t.Errorf("MemberEntry: %v (-want +got):\n%s", err, diff)
	}
	if _, err := s.MemberEntry(ctx, 100, 0); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("MemberEntry of member 0: got %v, want not found", err)
	}
	es, err := s.Entries(ctx, 100)
	if diff := cmp.Diff([]addressbook.Entry{mine, teacher}, es); err != nil || diff != "" {
		t.Errorf("Entries: %v (-want +got):\n%s", err, diff)
	}
	if _, err := s.Entry(ctx, 200, teacher.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Entry of another group: got %v, want not found", err)
	}
	if _, _, err := s.PutEntry(ctx, addressbook.Entry{ID: teacher.ID, Group: 200, Name: "x"}, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("PutEntry into another group's entry: got %v, want not found", err)
	}
	if _, err := s.RemoveEntry(ctx, 200, teacher.ID, 1, later, nil); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("RemoveEntry of another group's entry: got %v, want not found", err)
	}
	if _, err := s.RemoveEntry(ctx, 100, teacher.ID, 1, later, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Entry(ctx, 100, teacher.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Entry after RemoveEntry: got %v, want not found", err)
	}
	hs, err := s.History(ctx, 100, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Action addressbook.Action
		Entry  int64
		Name   string
		Phone  string
		By     hongyan.UserID
	}
	var rows []row
	for _, h := range hs {
		rows = append(rows, row{h.Action, h.Entry.ID, h.Entry.Name, h.Entry.Phone, h.By})
	}
	want := []row{
		{addressbook.ActionRemove, teacher.ID, "李老师", "", 1},
		{addressbook.ActionEdit, mine.ID, "王芳", "+8613800138001", 2},
		{addressbook.ActionAdd, teacher.ID, "李老师", "", 2},
		{addressbook.ActionAdd, mine.ID, "王芳", "13800138000", 1},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
	page, err := s.History(ctx, 100, hs[1].ID, 1)
	if err != nil || len(page) != 1 || page[0].ID != hs[2].ID {
		t.Errorf("History below %d, limit 1: got %+v, %v; want change %d", hs[1].ID, page, err, hs[2].ID)
	}
}

// world plays the other features: who is in which group with what role,
// who blocked whom, whose phone is findable.
type world struct {
	mu       sync.Mutex
	members  map[hongyan.ConversationID][]addressbook.Member
	blocked  map[[2]hongyan.UserID]bool
	phones   map[string]hongyan.UserID
	lookups  int
	received []hongyan.Change
}

func (w *world) Members(ctx context.Context, user hongyan.UserID, g hongyan.ConversationID) ([]addressbook.Member, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range w.members[g] {
		if m.User == user {
			return append([]addressbook.Member(nil), w.members[g]...), nil
		}
	}
	return nil, hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
}

func (w *world) Blocked(ctx context.Context, a, b hongyan.UserID) (bool, error) {
	return w.blocked[[2]hongyan.UserID{a, b}] || w.blocked[[2]hongyan.UserID{b, a}], nil
}

// salt is the world's phone salt.
var salt = []byte("a salt of the directory of phones")

func (w *world) PhoneSalt(ctx context.Context) ([]byte, int64, error) { return salt, 7, nil }

func (w *world) FindableByPhoneHash(ctx context.Context, hashes [][]byte) (map[string]hongyan.UserID, error) {
	w.lookups += len(hashes)
	out := map[string]hongyan.UserID{}
	for p, u := range w.phones {
		h := addressbook.HashPhone(salt, p)
		for _, x := range hashes {
			if bytes.Equal(h, x) {
				out[string(h)] = u
			}
		}
	}
	return out, nil
}

func (w *world) Publish(ctx context.Context, subject string, data []byte) error { return nil }
func (w *world) Subscribe(subject string, fn func([]byte)) (hongyan.Subscription, error) {
	return nil, nil
}

func newService(s addressbook.Store, cfg addressbook.Config) (*addressbook.Service, *world) {
	w := &world{members: map[hongyan.ConversationID][]addressbook.Member{}, blocked: map[[2]hongyan.UserID]bool{}, phones: map[string]hongyan.UserID{}}
	svc := addressbook.New(s, w, w, w, hongyan.Publisher{Bus: w}, cfg)
	svc.SetClock(func() time.Time { return T0 })
	return svc, w
}

func me(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }

func testBackupRules(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	cfg := addressbook.DefaultConfig()
	cfg.BackupsPerDay = 3
	svc, _ := newService(s, cfg)
	cs := []addressbook.Contact{{Name: "张三", Phones: []string{"138 0013 8000"}}, {Name: "Ann", Emails: []string{"ann@example.com"}}}
	v, err := svc.Backup(ctx, me(1), cs)
	if err != nil || v.Version != 1 || v.Contacts != 2 {
		t.Fatalf("Backup: got %+v, %v", v, err)
	}
	// The store never holds a number in clear.
	b, err := s.Backup(ctx, 1, v.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"13800138000", "138 0013 8000", "ann@example.com", "张三"} {
		if bytes.Contains(b.Sealed, []byte(clear)) {
			t.Errorf("the stored backup holds %q in clear", clear)
		}
	}
	gotV, got, err := svc.Restore(ctx, me(1), 0)
	if err != nil || gotV.Version != 1 {
		t.Fatalf("Restore newest: got %+v, %v", gotV, err)
	}
	if diff := cmp.Diff(cs, got); diff != "" {
		t.Errorf("Restore (-want +got):\n%s", diff)
	}
	// Another user can neither restore nor delete it, nor read it by
	// forging the owner of the sealed copy.
	if _, _, err := svc.Restore(ctx, me(2), 1); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Restore by a stranger: got %v, want not found", err)
	}
	if err := svc.DeleteBackup(ctx, me(2), 1); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("DeleteBackup by a stranger: got %v, want not found", err)
	}
	if _, _, err := s.AddBackup(ctx, addressbook.Backup{Version: addressbook.Version{Owner: 2, Contacts: 2, Created: T0}, Sealed: b.Sealed}, 10, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Restore(ctx, me(2), 0); err == nil {
		t.Errorf("Restore of user 1's sealed contacts copied to user 2: got no error, want one")
	}
	// Bad input changes nothing.
	for _, bad := range [][]addressbook.Contact{
		nil,
		{{Name: "no number"}},
		{{Name: "x", Phones: []string{"12"}}},
		{{Name: "x", Phones: []string{"13800138000; DROP"}}},
		{{Name: "x", Emails: []string{"not-an-address"}}},
		{{Name: "bad\x00name", Phones: []string{"13800138000"}}},
		make([]addressbook.Contact, addressbook.MaxContacts+1),
	} {
		if _, err := svc.Backup(ctx, me(1), bad); hongyan.ErrorCode(err) != hongyan.CodeInvalid && hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
			t.Errorf("Backup of %.60v: got %v, want invalid or too large", bad, err)
		}
	}
	if vs, _ := svc.Versions(ctx, me(1)); len(vs) != 1 {
		t.Errorf("after refused backups: got %d versions, want 1", len(vs))
	}
	// The daily limit.
	for i := 2; i <= 3; i++ {
		if _, err := svc.Backup(ctx, me(1), cs); err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
	}
	if _, err := svc.Backup(ctx, me(1), cs); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("backup over the daily limit: got %v, want rate limited", err)
	}
	if err := svc.DeleteBackup(ctx, me(1), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Restore(ctx, me(1), 0); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("Restore after deleting all: got %v, want not found", err)
	}
}

func testMatchRules(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	cfg := addressbook.DefaultConfig()
	cfg.MatchPerRequest, cfg.MatchPerDay = 5, 8
	svc, w := newService(s, cfg)
	w.phones["13800138000"] = 10    // bound without a country code
	w.phones["+8613900139000"] = 11 // bound with one
	w.phones["+14155550100"] = 12   // blocked the caller
	w.phones["+447700900123"] = 1   // the caller
	w.blocked[[2]hongyan.UserID{12, 1}] = true
	got, err := svc.Salt(ctx)
	if err != nil || !bytes.Equal(got.Salt, salt) || got.Version != 7 || got.CountryCode != "86" || got.PerRequest != 5 {
		t.Fatalf("Salt: got %+v, %v; want the directory's salt, version 7, country code 86, 5 per request", got, err)
	}
	hashes := func(phones ...string) [][]byte {
		var out [][]byte
		for _, p := range phones {
			out = append(out, addressbook.HashPhones(salt, p, "86")...)
		}
		return out
	}
	// Numbers of people who do not let themselves be found are simply
	// absent from the directory (FindableByPhoneHash).
	ms, err := svc.Match(ctx, me(1), hashes("+86 138-0013-8000", "139 0013 9000", "+1 415 555 0100"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hongyan.UserID{
		string(addressbook.HashPhone(salt, "13800138000")):    10,
		string(addressbook.HashPhone(salt, "+8613900139000")): 11,
	}
	gotm := map[string]hongyan.UserID{}
	for _, m := range ms {
		gotm[string(m.Hash)] = m.User
	}
	if diff := cmp.Diff(want, gotm); diff != "" {
		t.Errorf("Match (-want +got):\n%s", diff)
	}
	if _, err := svc.Match(ctx, me(1), hashes("+1 4155550201", "+1 4155550202", "+1 4155550203", "+1 4155550204", "+1 4155550205", "+1 4155550206")); hongyan.ErrorCode(err) != hongyan.CodeTooLarge {
		t.Errorf("Match of more than MatchPerRequest hashes: got %v, want too large", err)
	}
	before := w.lookups
	for _, bad := range [][]byte{nil, make([]byte, addressbook.HashLen-1), make([]byte, addressbook.HashLen+1)} {
		if _, err := svc.Match(ctx, me(1), append(hashes("+447700900123"), bad)); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("Match with a hash of %d bytes: got %v, want invalid", len(bad), err)
		}
	}
	if w.lookups != before {
		t.Errorf("a refused match looked %d hashes up, want none", w.lookups-before)
	}
	// 5 hashes counted so far (a repeated one counts once); 3 more fit
	// the day's 8, a 4th does not.
	h := hashes("+1 4155550101", "+1 4155550102", "+1 4155550103")
	if _, err := svc.Match(ctx, me(1), append(h, h[0])); err != nil {
		t.Errorf("Match within the daily quota: %v", err)
	}
	if _, err := svc.Match(ctx, me(1), hashes("+1 4155550104")); hongyan.ErrorCode(err) != hongyan.CodeRateLimited {
		t.Errorf("Match over the daily quota: got %v, want rate limited", err)
	}
	if got, err := svc.Match(ctx, me(2), hashes("13800138000")); err != nil || len(got) != 1 {
		t.Errorf("another user's quota: got %v, %v; want one match", got, err)
	}
}

func testBookRules(t *testing.T, s addressbook.Store) {
	ctx := t.Context()
	svc, w := newService(s, addressbook.DefaultConfig())
	const g = hongyan.ConversationID(500)
	// 1 owner, 2 admin, 3 and 4 members, 9 a stranger; 4 blocked 3.
	w.members[g] = []addressbook.Member{{User: 1, Role: addressbook.RoleOwner}, {User: 2, Role: addressbook.RoleAdmin}, {User: 3}, {User: 4}}
	w.blocked[[2]hongyan.UserID{4, 3}] = true
	code := hongyan.ErrorCode
	e3, err := svc.SetMine(ctx, me(3), g, addressbook.EntryFields{Name: "小明妈妈", Phone: "13800138000", Role: "家长"})
	if err != nil || e3.Member != 3 || e3.UpdatedBy != 3 {
		t.Fatalf("SetMine: got %+v, %v", e3, err)
	}
	again, err := svc.SetMine(ctx, me(3), g, addressbook.EntryFields{Name: "小明妈妈", Phone: "13800138009"})
	if err != nil || again.ID != e3.ID || again.Phone != "13800138009" {
		t.Errorf("second SetMine: got %+v, %v; want entry %d rewritten", again, err, e3.ID)
	}
	e4, err := svc.SetMine(ctx, me(4), g, addressbook.EntryFields{Name: "小红爸爸", Email: "dad@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	f := addressbook.EntryFields{Name: "changed"}
	// A member edits only their own entry, even one of a person they blocked.
	if _, err := svc.Set(ctx, me(4), g, e3.ID, f); code(err) != hongyan.CodeDenied {
		t.Errorf("a member editing another's entry: got %v, want denied", err)
	}
	if err := svc.Remove(ctx, me(3), g, e4.ID); code(err) != hongyan.CodeDenied {
		t.Errorf("a member removing another's entry: got %v, want denied", err)
	}
	if _, err := svc.Add(ctx, me(3), g, addressbook.EntryFields{Name: "李老师"}); code(err) != hongyan.CodeDenied {
		t.Errorf("a member adding an entry for someone else: got %v, want denied", err)
	}
	// A stranger sees and touches nothing.
	if _, err := svc.Book(ctx, me(9), g); code(err) != hongyan.CodeNotFound {
		t.Errorf("a stranger reading the book: got %v, want not found", err)
	}
	if _, err := svc.SetMine(ctx, me(9), g, f); code(err) != hongyan.CodeNotFound {
		t.Errorf("a stranger adding an entry: got %v, want not found", err)
	}
	if _, err := svc.Set(ctx, me(9), g, e3.ID, f); code(err) != hongyan.CodeNotFound {
		t.Errorf("a stranger editing an entry: got %v, want not found", err)
	}
	if _, err := svc.History(ctx, me(9), g, 0, 10); code(err) != hongyan.CodeNotFound {
		t.Errorf("a stranger reading the history: got %v, want not found", err)
	}
	// Admins edit all and add entries for people who are not members.
	if _, err := svc.Set(ctx, me(2), g, e4.ID, addressbook.EntryFields{Name: "小红爸爸", Phone: "13900139000"}); err != nil {
		t.Errorf("an admin editing a member's entry: %v", err)
	}
	teacher, err := svc.Add(ctx, me(1), g, addressbook.EntryFields{Name: "李老师", Role: "班主任"})
	if err != nil || teacher.Member != 0 {
		t.Fatalf("the owner adding an entry: got %+v, %v", teacher, err)
	}
	// Bad input changes nothing.
	for _, bad := range []addressbook.EntryFields{
		{},
		{Name: "   "},
		{Name: "x", Phone: "phone"},
		{Name: "x", Email: "no at sign"},
		{Name: "ad\u200bmin"},
		{Name: string(make([]rune, addressbook.MaxEntryName+1))},
		{Name: "x", Notes: string(bytes.Repeat([]byte("n"), addressbook.MaxEntryNotes+1))},
	} {
		if _, err := svc.SetMine(ctx, me(3), g, bad); code(err) != hongyan.CodeInvalid {
			t.Errorf("SetMine(%+v): got %v, want invalid", bad, err)
		}
	}
	if e, err := svc.Entry(ctx, me(3), g, e3.ID); err != nil || e.Phone != "13800138009" {
		t.Errorf("after refused edits: got %+v, %v; want the entry unchanged", e, err)
	}
	es, err := svc.Book(ctx, me(3), g)
	if err != nil || len(es) != 3 {
		t.Fatalf("Book: got %d entries, %v; want 3", len(es), err)
	}
	// A removed member loses access, and their entry is no longer shown.
	w.mu.Lock()
	w.members[g] = w.members[g][:3]
	w.mu.Unlock()
	if _, err := svc.Book(ctx, me(4), g); code(err) != hongyan.CodeNotFound {
		t.Errorf("a removed member reading the book: got %v, want not found", err)
	}
	if _, err := svc.SetMine(ctx, me(4), g, f); code(err) != hongyan.CodeNotFound {
		t.Errorf("a removed member editing their entry: got %v, want not found", err)
	}
	es, err = svc.Book(ctx, me(3), g)
	if err != nil || len(es) != 2 {
		t.Errorf("Book after a member left: got %d entries, %v; want 2", len(es), err)
	}
	if _, err := svc.Entry(ctx, me(1), g, e4.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("the removed member's entry: got %v, want not found", err)
	}
	if err := svc.Remove(ctx, me(2), g, teacher.ID); err != nil {
		t.Errorf("an admin removing an entry: %v", err)
	}
	hs, err := svc.History(ctx, me(3), g, 0, 0)
	if err != nil || len(hs) != 6 || hs[0].Action != addressbook.ActionRemove || hs[0].By != 2 {
		t.Errorf("History: got %d changes (%v), newest %+v; want 6, the newest a removal by 2", len(hs), err, hs[0])
	}
}
