package gateway

import (
	"context"

	"hongyan/internal/account"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
)

// officialAccountForumRoutes adds the micro-community's requests: post,
// reply, list, read a thread, pin and remove.
func officialAccountForumRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaForumPost) (*pb.ServerFrame, error) {
		q := r.OaForumPost
		p, err := c.g.s.OfficialAccounts.ForumPost(ctx, me, oa.AccountID(q.Account), q.Text, q.MediaIds)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaForumPost{OaForumPost: c.named(ctx, oaPostPB(p))[0]}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaForumReply) (*pb.ServerFrame, error) {
		q := r.OaForumReply
		p, err := c.g.s.OfficialAccounts.ForumReply(ctx, me, q.Post, q.Text)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaForumPost{OaForumPost: c.named(ctx, oaPostPB(p))[0]}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaForumList) (*pb.ServerFrame, error) {
		q := r.OaForumList
		id := oa.AccountID(q.Account)
		limit := int(q.Limit)
		if limit <= 0 || limit > oa.MaxForumPage {
			limit = 20
		}
		ps, err := c.g.s.OfficialAccounts.ForumPosts(ctx, me, id, oa.PostPage{After: q.After, AfterPinned: q.AfterPinned, Limit: limit + 1})
		if err != nil {
			return nil, err
		}
		write, moderate, err := c.g.s.OfficialAccounts.ForumRole(ctx, me, id)
		if err != nil {
			return nil, err
		}
		list := &pb.OaForumList{More: len(ps) > limit, CanWrite: write, CanModerate: moderate}
		for _, p := range ps[:min(len(ps), limit)] {
			list.Posts = append(list.Posts, oaPostPB(p))
		}
		c.named(ctx, list.Posts...)
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaForumList{OaForumList: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaForumThread) (*pb.ServerFrame, error) {
		q := r.OaForumThread
		limit := int(q.Limit)
		if limit <= 0 || limit > 2*oa.MaxForumPage-1 {
			limit = 2*oa.MaxForumPage - 1
		}
		p, rs, err := c.g.s.OfficialAccounts.ForumThread(ctx, me, q.Post, q.After, limit+1)
		if err != nil {
			return nil, err
		}
		write, moderate, err := c.g.s.OfficialAccounts.ForumRole(ctx, me, p.Account)
		if err != nil {
			return nil, err
		}
		th := &pb.OaForumThread{Post: oaPostPB(p), More: len(rs) > limit, CanWrite: write, CanModerate: moderate}
		for _, x := range rs[:min(len(rs), limit)] {
			th.Replies = append(th.Replies, oaPostPB(x))
		}
		c.named(ctx, append([]*pb.OaForumPost{th.Post}, th.Replies...)...)
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaForumThread{OaForumThread: th}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaForumPin) (*pb.ServerFrame, error) {
		p, err := c.g.s.OfficialAccounts.ForumPin(ctx, me, r.OaForumPin.Post, r.OaForumPin.Pinned)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_OaForumPost{OaForumPost: c.named(ctx, oaPostPB(p))[0]}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_OaForumRemove) (*pb.ServerFrame, error) {
		return done(), c.g.s.OfficialAccounts.ForumRemove(ctx, me, r.OaForumRemove.Post)
	})
}

func oaPostPB(p oa.Post) *pb.OaForumPost {
	return &pb.OaForumPost{Id: p.ID, Account: int64(p.Account), Author: int64(p.Author), Parent: p.Parent, Text: p.Text,
		MediaIds: p.Media, Pinned: p.Pinned, Replies: int32(p.Replies), Time: p.Created.UnixMilli()}
}

// publicNames returns the public profiles of users (those that exist), in
// one lookup, for the screens that show people who are not one's
// contacts: the authors of an account's community, the senders in its
// inbox to its operators. Names are decoration: a failed lookup shows none.
func (c *conn) publicNames(ctx context.Context, users []hongyan.UserID) map[hongyan.UserID]account.Account {
	out, err := c.g.s.Accounts.AccountsByID(ctx, users)
	if err != nil {
		return map[hongyan.UserID]account.Account{}
	}
	return out
}

// named fills in the authors' nicknames and avatars of posts.
func (c *conn) named(ctx context.Context, ps ...*pb.OaForumPost) []*pb.OaForumPost {
	users := make([]hongyan.UserID, len(ps))
	for i, p := range ps {
		users[i] = hongyan.UserID(p.Author)
	}
	names := c.publicNames(ctx, users)
	for _, p := range ps {
		if a, ok := names[hongyan.UserID(p.Author)]; ok {
			pp := publicProfile(a)
			p.AuthorName, p.AuthorAvatar = pp.Nickname, pp.Avatar
		}
	}
	return ps
}
