package gateway

import (
	"context"

	"hongyan/internal/addressbook"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// addressBookRoutes adds the address-book requests: backups, matching and
// the groups' shared address books.
func addressBookRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AbBackup) (*pb.ServerFrame, error) {
		q := r.AbBackup
		if len(q.Contacts) > addressbook.MaxContacts {
			return nil, hongyan.Errorf(hongyan.CodeTooLarge, "a backup may hold at most %d contacts", addressbook.MaxContacts)
		}
		cs := make([]addressbook.Contact, len(q.Contacts))
		for i, x := range q.Contacts {
			cs[i] = addressbook.Contact{Name: x.Name, Phones: x.Phones, Emails: x.Emails}
		}
		v, err := c.g.s.AddressBooks.Backup(ctx, me, cs)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AbVersion{AbVersion: versionPB(v)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AbVersions) (*pb.ServerFrame, error) {
		vs, err := c.g.s.AddressBooks.Versions(ctx, me)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AbVersions{AbVersions: versionsPB(vs)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AbRestore) (*pb.ServerFrame, error) {
		v, cs, err := c.g.s.AddressBooks.Restore(ctx, me, r.AbRestore.Version)
		if err != nil {
			return nil, err
		}
		out := &pb.AbBackup{Version: versionPB(v)}
		for _, x := range cs {
			out.Contacts = append(out.Contacts, &pb.AbContact{Name: x.Name, Phones: x.Phones, Emails: x.Emails})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AbBackup{AbBackup: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AbDelete) (*pb.ServerFrame, error) {
		return done(), c.g.s.AddressBooks.DeleteBackup(ctx, me, r.AbDelete.Version)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AbSalt) (*pb.ServerFrame, error) {
		st, err := c.g.s.AddressBooks.Salt(ctx)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AbSalt{AbSalt: &pb.AbSalt{Salt: st.Salt, Version: st.Version, CountryCode: st.CountryCode, PerRequest: int32(st.PerRequest)}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AbMatch) (*pb.ServerFrame, error) {
		s := c.g.s
		ms, err := s.AddressBooks.Match(ctx, me, r.AbMatch.Hashes)
		if err != nil {
			return nil, err
		}
		out := &pb.AbMatches{}
		for _, m := range ms {
			a, err := s.Accounts.Account(ctx, m.User)
			if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			p := publicProfile(a)
			out.Matches = append(out.Matches, &pb.AbMatch{Hash: m.Hash, User: p.Id, AccountId: p.AccountId, Nickname: p.Nickname, Avatar: p.Avatar})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AbMatches{AbMatches: out}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupBook) (*pb.ServerFrame, error) {
		g := hongyan.ConversationID(r.GroupBook.Group)
		es, err := c.g.s.AddressBooks.Book(ctx, me, g)
		if err != nil {
			return nil, err
		}
		out := &pb.GroupBook{Group: int64(g)}
		for _, e := range es {
			out.Entries = append(out.Entries, bookEntryPB(e))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupBook{GroupBook: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupBookSet) (*pb.ServerFrame, error) {
		q, books := r.GroupBookSet, c.g.s.AddressBooks
		g := hongyan.ConversationID(q.Group)
		f := addressbook.EntryFields{Name: q.Name, Phone: q.Phone, Email: q.Email, Role: q.Role, Notes: q.Notes}
		var e addressbook.Entry
		var err error
		switch {
		case q.Mine && q.Entry != 0:
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "set mine or an entry, not both")
		case q.Mine:
			e, err = books.SetMine(ctx, me, g, f)
		case q.Entry != 0:
			e, err = books.Set(ctx, me, g, q.Entry, f)
		default:
			e, err = books.Add(ctx, me, g, f)
		}
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupBookEntry{GroupBookEntry: bookEntryPB(e)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupBookRemove) (*pb.ServerFrame, error) {
		q := r.GroupBookRemove
		return done(), c.g.s.AddressBooks.Remove(ctx, me, hongyan.ConversationID(q.Group), q.Entry)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GroupBookHistory) (*pb.ServerFrame, error) {
		q := r.GroupBookHistory
		limit := int(q.Limit)
		if limit <= 0 || limit > addressbook.MaxPage {
			limit = addressbook.MaxPage
		}
		hs, err := c.g.s.AddressBooks.History(ctx, me, hongyan.ConversationID(q.Group), q.Before, limit+1)
		if err != nil {
			return nil, err
		}
		out := &pb.GroupBookHistory{More: len(hs) > limit}
		for _, h := range hs[:min(len(hs), limit)] {
			out.Changes = append(out.Changes, &pb.GroupBookChange{Id: h.ID, Action: pb.GroupBookAction(h.Action), Entry: bookEntryPB(h.Entry),
				By: int64(h.By), Time: h.At.UnixMilli()})
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_GroupBookHistory{GroupBookHistory: out}}, nil
	})
}

func versionPB(v addressbook.Version) *pb.AbVersion {
	return &pb.AbVersion{Version: v.Version, Contacts: int32(v.Contacts), Time: v.Created.UnixMilli()}
}

func versionsPB(vs []addressbook.Version) *pb.AbVersions {
	out := &pb.AbVersions{}
	for _, v := range vs {
		out.Versions = append(out.Versions, versionPB(v))
	}
	return out
}

func bookEntryPB(e addressbook.Entry) *pb.GroupBookEntry {
	return &pb.GroupBookEntry{Id: e.ID, Group: int64(e.Group), Member: int64(e.Member), Name: e.Name, Phone: e.Phone, Email: e.Email,
		Role: e.Role, Notes: e.Notes, Updated: e.Updated.UnixMilli(), UpdatedBy: int64(e.UpdatedBy)}
}
