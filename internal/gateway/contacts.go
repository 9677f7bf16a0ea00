package gateway

import (
	"context"

	"hongyan/internal/contact"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// contactRoutes adds the contact requests: finding people, friend
// requests, contacts, blocks.
func contactRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_SearchUser) (*pb.ServerFrame, error) {
		s := c.g.s
		id, err := s.Contacts.Search(ctx, me, r.SearchUser.Query)
		if err != nil {
			return nil, err
		}
		a, err := s.Accounts.Account(ctx, id)
		return profileFrame(publicProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_FriendRequest) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.FriendRequest
		req, err := s.Contacts.SendRequest(ctx, me, hongyan.UserID(q.User), q.Greeting, q.Remark)
		if err != nil {
			return nil, err
		}
		fr, err := c.friendRequest(ctx, me, req.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_FriendRequest{FriendRequest: fr}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AnswerRequest) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.AnswerRequest
		req, err := s.Contacts.Answer(ctx, me, q.Request, q.Accept, q.Remark)
		if err != nil {
			return nil, err
		}
		fr, err := c.friendRequest(ctx, me, req.ID)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_FriendRequest{FriendRequest: fr}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_ListContacts) (*pb.ServerFrame, error) {
		s := c.g.s
		cs, err := s.Contacts.Contacts(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.ContactList{Contacts: make([]*pb.Contact, 0, len(cs))}
		for _, ct := range cs {
			a, err := s.Accounts.Account(ctx, ct.User)
			if err != nil {
				return nil, err
			}
			list.Contacts = append(list.Contacts, contactPB(ct, publicProfile(a)))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Contacts{Contacts: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_ListRequests) (*pb.ServerFrame, error) {
		s := c.g.s
		rs, err := s.Contacts.Requests(ctx, me)
		if err != nil {
			return nil, err
		}
		list := &pb.FriendRequestList{Requests: make([]*pb.FriendRequest, 0, len(rs))}
		for _, req := range rs {
			other := req.From
			if other == me.User {
				other = req.To
			}
			a, err := s.Accounts.Account(ctx, other)
			if err != nil {
				return nil, err
			}
			list.Requests = append(list.Requests, requestPB(req, publicProfile(a)))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Requests{Requests: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_UpdateContact) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.UpdateContact
		u := contact.Update{Remark: q.Remark, Description: q.Description, Starred: q.Starred}
		if q.SetTags {
			tags := q.Tags
			u.Tags = &tags
		}
		if _, err := s.Contacts.UpdateContact(ctx, me, hongyan.UserID(q.User), u); err != nil {
			return nil, err
		}
		ct, err := c.contact(ctx, me, hongyan.UserID(q.User))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Contact{Contact: ct}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_DeleteContact) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Contacts.Delete(ctx, me, hongyan.UserID(r.DeleteContact.User))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Block) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Contacts.Block(ctx, me, hongyan.UserID(r.Block.User), r.Block.Blocked)
	})
}
