package cli

import (
	"bytes"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"hongyan/internal/addressbook"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

const addressBookUsage = "addressbook backup FILE | addressbook versions | addressbook restore VERSION|latest FILE | " +
	"addressbook delete VERSION|all | addressbook match FILE   (FILE: vCard, or CSV with name/phone/email columns)"

// readContacts reads an address book file, refusing one over the limit
// before reading it.
func readContacts(path string) ([]addressbook.Contact, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, failErr("invalid_argument", "%v", err)
	}
	if st.Size() > addressbook.MaxFileBytes {
		return nil, failErr("too_large", "%s is over %d bytes", path, addressbook.MaxFileBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, failErr("invalid_argument", "%v", err)
	}
	cs, err := addressbook.Parse(data)
	if err != nil {
		return nil, failErr("invalid_argument", "%s: %v", path, err)
	}
	return cs, nil
}

// addressBook runs the address-book subcommands.
func (e *env) addressBook(args []string) error {
	pos, _, err := e.parse(args, -1, addressBookUsage)
	if err != nil {
		return err
	}
	need := map[string]int{"backup": 1, "versions": 0, "restore": 2, "delete": 1, "match": 1}
	if len(pos) == 0 {
		return usageErr("usage: %s", addressBookUsage)
	}
	if n, ok := need[pos[0]]; !ok || len(pos)-1 != n {
		return usageErr("usage: %s", addressBookUsage)
	}
	sub, rest := pos[0], pos[1:]
	version := func(s, all string) (int64, error) {
		if s == all {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, usageErr("VERSION is a number or %q, not %q", all, s)
		}
		return n, nil
	}
	var req pb.ClientFrame
	var contacts []addressbook.Contact
	switch sub {
	case "backup", "match":
		if contacts, err = readContacts(rest[0]); err != nil {
			return err
		}
		if len(contacts) == 0 {
			return failErr("invalid_argument", "%s holds no contact with a phone number or an e-mail address", rest[0])
		}
		r := &pb.AbBackupRequest{}
		for _, c := range contacts {
			r.Contacts = append(r.Contacts, &pb.AbContact{Name: c.Name, Phones: c.Phones, Emails: c.Emails})
		}
		req.Req = &pb.ClientFrame_AbBackup{AbBackup: r}
	case "versions":
		req.Req = &pb.ClientFrame_AbVersions{AbVersions: &pb.Empty{}}
	case "restore":
		v, err := version(rest[0], "latest")
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AbRestore{AbRestore: &pb.AbVersionRef{Version: v}}
	case "delete":
		v, err := version(rest[0], "all")
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AbDelete{AbDelete: &pb.AbVersionRef{Version: v}}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if sub == "match" {
		return e.matchContacts(c, contacts)
	}
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	switch {
	case f.GetAbVersion() != nil:
		return e.print(versionObject(f.GetAbVersion()))
	case f.GetAbVersions() != nil:
		for _, v := range f.GetAbVersions().GetVersions() {
			if err := e.print(versionObject(v)); err != nil {
				return err
			}
		}
		return nil
	case f.GetAbBackup() != nil:
		b := f.GetAbBackup()
		cs := make([]addressbook.Contact, len(b.Contacts))
		for i, x := range b.Contacts {
			cs[i] = addressbook.Contact{Name: x.Name, Phones: x.Phones, Emails: x.Emails}
		}
		var out bytes.Buffer
		if strings.HasSuffix(strings.ToLower(rest[1]), ".csv") {
			err = addressbook.WriteCSV(&out, cs)
		} else {
			err = addressbook.WriteVCard(&out, cs)
		}
		if err == nil {
			err = os.WriteFile(rest[1], out.Bytes(), 0o600)
		}
		if err != nil {
			return failErr("internal", "write %s: %v", rest[1], err)
		}
		return e.print(object{{"version", b.GetVersion().GetVersion()}, {"contacts", len(cs)}, {"file", rest[1]}})
	}
	return e.print(object{{"ok", true}})
}

func versionObject(v *pb.AbVersion) object {
	return object{{"version", v.Version}, {"contacts", v.Contacts}, {"time", v.Time}}
}

// matchContacts asks which of contacts' numbers belong to users who may be
// found by phone, sending only their hashes under the server's salt (as
// many per request as the server takes), and prints one line per matched
// number with the contact's name from the file.
func (e *env) matchContacts(c *wsclient.Conn, contacts []addressbook.Contact) error {
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_AbSalt{AbSalt: &pb.Empty{}}})
	if err != nil {
		return err
	}
	st := f.GetAbSalt()
	per := max(int(st.GetPerRequest()), 2)
	names := map[string]string{}
	byHash := map[string]string{} // hash → the number as written
	var batches [][][]byte
	var batch [][]byte
	for _, x := range contacts {
		for _, p := range x.Phones {
			if _, dup := names[p]; dup {
				continue
			}
			names[p] = x.Name
			hs := addressbook.HashPhones(st.GetSalt(), p, st.GetCountryCode())
			if len(batch)+len(hs) > per {
				batches, batch = append(batches, batch), nil
			}
			for _, h := range hs {
				if _, dup := byHash[string(h)]; !dup {
					byHash[string(h)] = p
					batch = append(batch, h)
				}
			}
		}
	}
	if len(batch) > 0 {
		batches = append(batches, batch)
	}
	found := map[string]*pb.AbMatch{}
	for _, b := range batches {
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_AbMatch{AbMatch: &pb.AbMatchRequest{Hashes: b}}})
		if err != nil {
			return err
		}
		for _, m := range f.GetAbMatches().GetMatches() {
			if p, ok := byHash[string(m.Hash)]; ok && found[p] == nil {
				found[p] = m
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(found)) {
		m := found[p]
		if err := e.print(object{{"phone", p}, {"name", names[p]}, {"user", m.User},
			{"account_id", m.AccountId}, {"nickname", m.Nickname}}); err != nil {
			return err
		}
	}
	return nil
}

const groupBookUsage = "groups book GID [show | set-mine --name N [--phone P] [--email E] [--role R] [--notes T] | " +
	"set ENTRY_ID --name N … | add --name N … | remove ENTRY_ID | history [--before CHANGE_ID] [--limit N] | export FILE]"

var groupBookFlags = []string{"name", "phone", "email", "role", "notes", "before", "limit"}

// groupBook runs the subcommands of a group's shared address book.
func (e *env) groupBook(args []string) error {
	pos, fl, err := e.parse(args, -1, groupBookUsage, groupBookFlags...)
	if err != nil {
		return err
	}
	if len(pos) == 1 {
		pos = append(pos, "show")
	}
	need := map[string]int{"show": 0, "set-mine": 0, "set": 1, "add": 0, "remove": 1, "history": 0, "export": 1}
	if len(pos) < 2 {
		return usageErr("usage: %s", groupBookUsage)
	}
	if n, ok := need[pos[1]]; !ok || len(pos)-2 != n {
		return usageErr("usage: %s", groupBookUsage)
	}
	gid, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || gid <= 0 {
		return usageErr("GID is the group's numeric ID, not %q", pos[0])
	}
	sub, rest := pos[1], pos[2:]
	num := func(s, what string) (int64, error) {
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, usageErr("%s is a number, not %q", what, s)
		}
		return n, nil
	}
	set := &pb.GroupBookSetRequest{Group: gid, Name: fl["name"], Phone: fl["phone"], Email: fl["email"], Role: fl["role"], Notes: fl["notes"]}
	var req pb.ClientFrame
	switch sub {
	case "show", "export":
		req.Req = &pb.ClientFrame_GroupBook{GroupBook: &pb.GroupBookRef{Group: gid}}
	case "set-mine", "add":
		set.Mine = sub == "set-mine"
		req.Req = &pb.ClientFrame_GroupBookSet{GroupBookSet: set}
	case "set", "remove":
		id, err := num(rest[0], "ENTRY_ID")
		if err != nil || id == 0 {
			return usageErr("ENTRY_ID is a positive number, not %q", rest[0])
		}
		if sub == "set" {
			set.Entry = id
			req.Req = &pb.ClientFrame_GroupBookSet{GroupBookSet: set}
		} else {
			req.Req = &pb.ClientFrame_GroupBookRemove{GroupBookRemove: &pb.GroupBookRef{Group: gid, Entry: id}}
		}
	case "history":
		before, err := num(fl["before"], "--before")
		if err != nil {
			return err
		}
		limit, err := num(fl["limit"], "--limit")
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_GroupBookHistory{GroupBookHistory: &pb.GroupBookRef{Group: gid, Before: before, Limit: int32(min(limit, 1000))}}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	switch {
	case sub == "export":
		var cs []addressbook.Contact
		for _, x := range f.GetGroupBook().GetEntries() {
			c := addressbook.Contact{Name: x.Name}
			if x.Phone != "" {
				c.Phones = []string{x.Phone}
			}
			if x.Email != "" {
				c.Emails = []string{x.Email}
			}
			cs = append(cs, c)
		}
		var out bytes.Buffer
		if strings.HasSuffix(strings.ToLower(rest[0]), ".csv") {
			err = addressbook.WriteCSV(&out, cs)
		} else {
			err = addressbook.WriteVCard(&out, cs)
		}
		if err == nil {
			err = os.WriteFile(rest[0], out.Bytes(), 0o600)
		}
		if err != nil {
			return failErr("internal", "write %s: %v", rest[0], err)
		}
		return e.print(object{{"group", gid}, {"entries", len(cs)}, {"file", rest[0]}})
	case f.GetGroupBook() != nil:
		for _, x := range f.GetGroupBook().GetEntries() {
			if err := e.print(entryObject(x)); err != nil {
				return err
			}
		}
	case f.GetGroupBookEntry() != nil:
		return e.print(entryObject(f.GetGroupBookEntry()))
	case f.GetGroupBookHistory() != nil:
		actions := map[pb.GroupBookAction]string{pb.GroupBookAction_GROUP_BOOK_ACTION_ADD: "add",
			pb.GroupBookAction_GROUP_BOOK_ACTION_EDIT: "edit", pb.GroupBookAction_GROUP_BOOK_ACTION_REMOVE: "remove"}
		for _, h := range f.GetGroupBookHistory().GetChanges() {
			if err := e.print(object{{"change", h.Id}, {"action", actions[h.Action]}, {"by", h.By}, {"time", h.Time}, {"entry", entryObject(h.Entry)}}); err != nil {
				return err
			}
		}
	default:
		return e.print(object{{"ok", true}})
	}
	return nil
}

func entryObject(x *pb.GroupBookEntry) object {
	return object{{"entry", x.Id}, {"member", x.Member}, {"name", x.Name}, {"phone", x.Phone}, {"email", x.Email},
		{"role", x.Role}, {"notes", x.Notes}, {"updated", x.Updated}, {"updated_by", x.UpdatedBy}}
}
