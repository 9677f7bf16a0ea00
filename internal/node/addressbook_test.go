package node_test

import (
	"context"
	"hongyan/internal/addressbook"
	"net/http/httptest"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "hongyan/internal/gen/hongyanv1"
)

// phoneUser registers a user with a bound (verified) phone number.
func phoneUser(t *testing.T, srv *httptest.Server, account, phone string) user {
	t.Helper()
	code := verifiedCode(t, srv, nil, "phone", phone)
	sess, err := dial(t, srv).Register(context.Background(), &pb.RegisterRequest{AccountId: account, Password: "password-" + account, Nickname: account, Phone: phone, PhoneCode: code})
	if err != nil {
		t.Fatalf("register %s: %v", account, err)
	}
	return user{id: sess.User, device: sess.Device, account: account, token: sess.Token}
}

// Address books over the protocol: back up, list, restore and delete
// versions; match against users who may be found by phone (not those who
// turned it off or blocked me); another device learns of each change.
func TestAddressBookBackupAndMatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		ann := registerUser(t, srv, "ab_ann1")
		ben := phoneUser(t, srv, "ab_ben1", "+8613800000101")
		cat := phoneUser(t, srv, "ab_cat1", "13800000102")
		dan := phoneUser(t, srv, "ab_dan1", "+8613800000103")
		eve := phoneUser(t, srv, "ab_eve1", "+8613800000104")
		a := session(t, srv, ann)
		contacts := []*pb.AbContact{
			{Name: "Ben", Phones: []string{"138 0000 0101"}},
			{Name: "Cat", Phones: []string{"+86 138-0000-0102"}},
			{Name: "Dan", Phones: []string{"+8613800000103"}},
			{Name: "Nobody here", Phones: []string{"13800000199"}, Emails: []string{"no@example.com"}},
		}
		v := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbBackup{AbBackup: &pb.AbBackupRequest{Contacts: contacts}}}).GetAbVersion()
		if v.Version != 1 || v.Contacts != 4 {
			t.Fatalf("backup: got %v", v)
		}
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbBackup{AbBackup: &pb.AbBackupRequest{Contacts: contacts[:1]}}})
		vs := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbVersions{AbVersions: &pb.Empty{}}}).GetAbVersions().GetVersions()
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
			t.Fatalf("versions: got %v, want 2 then 1", vs)
		}
		got := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbRestore{AbRestore: &pb.AbVersionRef{Version: 1}}}).GetAbBackup()
		if len(got.Contacts) != 4 || !proto.Equal(got.Contacts[3], contacts[3]) {
			t.Errorf("restore 1: got %v", got.Contacts)
		}
		// Nobody else reads or deletes ann's backups.
		b := session(t, srv, ben)
		for _, f := range []*pb.ClientFrame{
			{Req: &pb.ClientFrame_AbRestore{AbRestore: &pb.AbVersionRef{Version: 1}}},
			{Req: &pb.ClientFrame_AbDelete{AbDelete: &pb.AbVersionRef{Version: 1}}},
		} {
			if code := callCode(b, f); code != "not_found" {
				t.Errorf("ben %T of ann's backup: got %q, want not_found", f.Req, code)
			}
		}
		for _, bad := range [][]*pb.AbContact{nil, {{Name: "x"}}, {{Name: "x", Phones: []string{"abc"}}}} {
			if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_AbBackup{AbBackup: &pb.AbBackupRequest{Contacts: bad}}}); code != "invalid_argument" {
				t.Errorf("backup of %v: got %q, want invalid_argument", bad, code)
			}
		}
		// Cat does not let herself be found by phone; dan blocked ann.
		call(t, session(t, srv, cat), &pb.ClientFrame{Req: &pb.ClientFrame_UpdateSettings{UpdateSettings: &pb.UpdateSettingsRequest{FindByPhone: proto.Bool(false)}}})
		call(t, session(t, srv, dan), &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: ann.id, Blocked: true}}})
		// Ann blocked eve.
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: eve.id, Blocked: true}}})
		st := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbSalt{AbSalt: &pb.Empty{}}}).GetAbSalt()
		if len(st.Salt) != 32 || st.Version == 0 || st.CountryCode != "86" || st.PerRequest <= 0 {
			t.Fatalf("salt: got %v, want 32 bytes, a version, country code 86 and a bound", st)
		}
		if again := call(t, b, &pb.ClientFrame{Req: &pb.ClientFrame_AbSalt{AbSalt: &pb.Empty{}}}).GetAbSalt(); !proto.Equal(again, st) {
			t.Errorf("salt for another user: got %v, want %v", again, st)
		}
		// The numbers are hashed here, as a client does, and only the
		// hashes are sent.
		byHash := map[string]string{}
		var hashes [][]byte
		for _, p := range []string{"138 0000 0101", "+86 138-0000-0102", "+8613800000103", "138 0000 0104", "13800000199"} {
			for _, h := range addressbook.HashPhones(st.Salt, p, st.CountryCode) {
				byHash[string(h)] = p
				hashes = append(hashes, h)
			}
		}
		ms := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbMatch{AbMatch: &pb.AbMatchRequest{Hashes: hashes}}}).GetAbMatches().GetMatches()
		if len(ms) != 1 || byHash[string(ms[0].Hash)] != "138 0000 0101" || ms[0].User != ben.id || ms[0].AccountId != "ab_ben1" {
			t.Errorf("match: got %v, want ben only", ms)
		}
		for _, bad := range [][]byte{nil, []byte("13800000101"), make([]byte, 33)} {
			if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_AbMatch{AbMatch: &pb.AbMatchRequest{Hashes: [][]byte{hashes[0], bad}}}}); code != "invalid_argument" {
				t.Errorf("match of a %d-byte hash: got %q, want invalid_argument", len(bad), code)
			}
		}
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_AbDelete{AbDelete: &pb.AbVersionRef{Version: 2}}})
		// Ann's second device learns the versions as they are now.
		var last *pb.AbVersions
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, ann))) {
			if x := ch.GetAbVersions(); x != nil {
				last = x
			}
		}
		if len(last.GetVersions()) != 1 || last.Versions[0].Version != 1 {
			t.Errorf("second device: last versions %v, want version 1 only", last)
		}
	})
}

// A group's shared address book: members read it and keep their own
// entry, the owner and admins edit all; a stranger and a removed member
// see nothing; every member's devices learn of each change.
func TestGroupAddressBook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "gbook", 3)
		owner, mem, gone := session(t, srv, us[0]), session(t, srv, us[1]), session(t, srv, us[2])
		stranger := session(t, srv, registerUser(t, srv, "gbook_stranger"))
		g := createGroup(t, owner, "三年二班家长", ids(us[1:])).Id
		set := func(r *pb.GroupBookSetRequest) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_GroupBookSet{GroupBookSet: r}}
		}
		mine := call(t, mem, set(&pb.GroupBookSetRequest{Group: g, Mine: true, Name: "小明妈妈", Phone: "13800138000", Role: "家长"})).GetGroupBookEntry()
		if mine.Member != us[1].id || mine.Name != "小明妈妈" {
			t.Fatalf("set mine: got %v", mine)
		}
		goneEntry := call(t, gone, set(&pb.GroupBookSetRequest{Group: g, Mine: true, Name: "小红爸爸"})).GetGroupBookEntry()
		teacher := call(t, owner, set(&pb.GroupBookSetRequest{Group: g, Name: "李老师", Role: "班主任"})).GetGroupBookEntry()
		if code := callCode(mem, set(&pb.GroupBookSetRequest{Group: g, Entry: teacher.Id, Name: "x"})); code != "permission_denied" {
			t.Errorf("a member editing the teacher's entry: got %q, want permission_denied", code)
		}
		if code := callCode(mem, set(&pb.GroupBookSetRequest{Group: g, Mine: true, Name: "x", Phone: "phone?"})); code != "invalid_argument" {
			t.Errorf("a bad phone: got %q, want invalid_argument", code)
		}
		call(t, owner, set(&pb.GroupBookSetRequest{Group: g, Entry: mine.Id, Name: "小明妈妈", Phone: "13800138001"}))
		for _, f := range []*pb.ClientFrame{
			{Req: &pb.ClientFrame_GroupBook{GroupBook: &pb.GroupBookRef{Group: g}}},
			{Req: &pb.ClientFrame_GroupBookHistory{GroupBookHistory: &pb.GroupBookRef{Group: g}}},
			set(&pb.GroupBookSetRequest{Group: g, Mine: true, Name: "intruder"}),
			{Req: &pb.ClientFrame_GroupBookRemove{GroupBookRemove: &pb.GroupBookRef{Group: g, Entry: mine.Id}}},
		} {
			if code := callCode(stranger, f); code != "not_found" {
				t.Errorf("a stranger's %T: got %q, want not_found", f.Req, code)
			}
		}
		// The owner removes a member: they lose the book, and their entry
		// is no longer shown.
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g, Users: []int64{us[2].id}}}})
		if code := callCode(gone, &pb.ClientFrame{Req: &pb.ClientFrame_GroupBook{GroupBook: &pb.GroupBookRef{Group: g}}}); code != "not_found" {
			t.Errorf("a removed member reading the book: got %q, want not_found", code)
		}
		book := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_GroupBook{GroupBook: &pb.GroupBookRef{Group: g}}}).GetGroupBook().GetEntries()
		if len(book) != 2 || book[0].Id != mine.Id || book[0].Phone != "13800138001" || book[1].Id != teacher.Id {
			t.Errorf("book: got %v, want ann's edited entry and the teacher's", book)
		}
		hist := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_GroupBookHistory{GroupBookHistory: &pb.GroupBookRef{Group: g, Limit: 2}}}).GetGroupBookHistory()
		if len(hist.Changes) != 2 || !hist.More || hist.Changes[0].By != us[0].id || hist.Changes[0].Action != pb.GroupBookAction_GROUP_BOOK_ACTION_EDIT {
			t.Errorf("history: got %v, want the owner's edit first and more", hist)
		}
		// The member's other device learns each entry; the removed
		// member's entry is gone for them.
		seen := map[int64]bool{}
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, us[1]))) {
			if e := ch.GetGroupBookEntry(); e != nil {
				seen[e.Id] = true
			}
			if r := ch.GetGroupBookEntryRemoved(); r != nil && r.Entry == goneEntry.Id {
				seen[-r.Entry] = true
			}
		}
		if !seen[mine.Id] || !seen[teacher.Id] || !seen[-goneEntry.Id] {
			t.Errorf("second device: saw %v, want entries %d and %d, and %d removed", seen, mine.Id, teacher.Id, goneEntry.Id)
		}
		// Once the group is dissolved its book is closed, and a device
		// syncing from the start learns every entry as gone.
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_DissolveGroup{DissolveGroup: &pb.GroupRef{Group: g}}})
		if code := callCode(mem, &pb.ClientFrame{Req: &pb.ClientFrame_GroupBook{GroupBook: &pb.GroupBookRef{Group: g}}}); code == "" {
			t.Errorf("reading a dissolved group's book: succeeded, want an error")
		}
		removed := 0
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, us[1]))) {
			if ch.GetGroupBookEntry() != nil {
				t.Errorf("after the group was dissolved: got entry %v", ch.GetGroupBookEntry())
			}
			if ch.GetGroupBookEntryRemoved() != nil {
				removed++
			}
		}
		if removed == 0 {
			t.Errorf("after the group was dissolved: no entry reported gone")
		}
	})
}
