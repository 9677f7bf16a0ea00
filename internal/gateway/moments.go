package gateway

import (
	"context"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
)

// momentRoutes adds the Moments requests. The rules (who sees which post,
// and whose likes and comments) are the feature's: this file only converts.
func momentRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentPost) (*pb.ServerFrame, error) {
		q := r.MomentPost
		p, err := c.g.s.Moments.Post(ctx, me, moments.Draft{
			Text: q.Text, Media: q.Media, Link: q.Link, LinkTitle: q.LinkTitle, Location: q.Location,
			Mentions: users(q.Mentions), Visibility: moments.Visibility(q.Visibility), Tags: q.Tags, People: users(q.People),
		})
		if err != nil {
			return nil, err
		}
		return momentFrame(moments.View{Post: p}), nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentFeed) (*pb.ServerFrame, error) {
		vs, next, err := c.g.s.Moments.Feed(ctx, me, r.MomentFeed.Before, int(min(r.MomentFeed.Limit, moments.MaxPage)))
		if err != nil {
			return nil, err
		}
		return momentsFrame(vs, next), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentAlbum) (*pb.ServerFrame, error) {
		q := r.MomentAlbum
		vs, next, err := c.g.s.Moments.Album(ctx, me, hongyan.UserID(q.User), q.Before, int(min(q.Limit, moments.MaxPage)))
		if err != nil {
			return nil, err
		}
		f := momentsFrame(vs, next)
		if q.Before == 0 { // the top of the page shows the cover
			if f.GetMoments().Cover, err = c.g.s.Moments.Cover(ctx, me, hongyan.UserID(q.User)); err != nil {
				return nil, err
			}
		}
		return f, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentCover) (*pb.ServerFrame, error) {
		set, err := c.g.s.Moments.SetCover(ctx, me, r.MomentCover.Media)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_MomentSettings{MomentSettings: momentSettingsPB(set)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentSearch) (*pb.ServerFrame, error) {
		q := r.MomentSearch
		vs, next, err := c.g.s.Moments.Search(ctx, me, q.Query, q.Before, int(min(q.Limit, moments.MaxPage)))
		if err != nil {
			return nil, err
		}
		return momentsFrame(vs, next), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentGet) (*pb.ServerFrame, error) {
		v, err := c.g.s.Moments.Get(ctx, me, r.MomentGet.Post)
		if err != nil {
			return nil, err
		}
		return momentFrame(v), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentDelete) (*pb.ServerFrame, error) {
		return done(), c.g.s.Moments.Delete(ctx, me, r.MomentDelete.Post)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentLike) (*pb.ServerFrame, error) {
		return done(), c.g.s.Moments.Like(ctx, me, r.MomentLike.Post)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentUnlike) (*pb.ServerFrame, error) {
		return done(), c.g.s.Moments.Unlike(ctx, me, r.MomentUnlike.Post)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentComment) (*pb.ServerFrame, error) {
		q := r.MomentComment
		cm, err := c.g.s.Moments.Comment(ctx, me, q.Post, q.Text, q.ReplyTo)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_MomentComment{MomentComment: momentCommentPB(cm)}}, nil
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentDeleteComment) (*pb.ServerFrame, error) {
		return done(), c.g.s.Moments.DeleteComment(ctx, me, r.MomentDeleteComment.Comment)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentNotifications) (*pb.ServerFrame, error) {
		q := r.MomentNotifications
		ns, unread, err := c.g.s.Moments.Notifications(ctx, me, q.Before, int(min(q.Limit, moments.MaxPage)))
		if err != nil {
			return nil, err
		}
		list := &pb.MomentNotificationList{Unread: uint32(unread)}
		for _, n := range ns {
			list.Notifications = append(list.Notifications, momentNotificationPB(n))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_MomentNotifications{MomentNotifications: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentRead) (*pb.ServerFrame, error) {
		return done(), c.g.s.Moments.MarkRead(ctx, me, r.MomentRead.Upto)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_MomentSettings) (*pb.ServerFrame, error) {
		q := r.MomentSettings
		u := moments.Update{StrangersSee10: q.StrangersSee_10,
			HideMineFrom: users(q.HideMineFrom), UnhideMineFrom: users(q.UnhideMineFrom),
			HideTheirs: users(q.HideTheirs), UnhideTheirs: users(q.UnhideTheirs)}
		if q.FriendsRange != nil {
			rng := moments.Range(*q.FriendsRange)
			u.FriendsRange = &rng
		}
		set, err := c.g.s.Moments.Update(ctx, me, u)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_MomentSettings{MomentSettings: momentSettingsPB(set)}}, nil
	}, waits)
}

func users(ids []int64) []hongyan.UserID {
	if len(ids) == 0 {
		return nil
	}
	out := make([]hongyan.UserID, len(ids))
	for i, id := range ids {
		out[i] = hongyan.UserID(id)
	}
	return out
}

func int64s(us []hongyan.UserID) []int64 {
	if len(us) == 0 {
		return nil
	}
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = int64(u)
	}
	return out
}

func momentFrame(v moments.View) *pb.ServerFrame {
	return &pb.ServerFrame{Body: &pb.ServerFrame_Moment{Moment: momentPB(v)}}
}

func momentsFrame(vs []moments.View, next int64) *pb.ServerFrame {
	list := &pb.MomentList{Next: next, Posts: make([]*pb.MomentPost, 0, len(vs))}
	for _, v := range vs {
		list.Posts = append(list.Posts, momentPB(v))
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Moments{Moments: list}}
}

// momentPB is a post as the feature let its viewer see it (the feature
// has already left out what the viewer may not see).
func momentPB(v moments.View) *pb.MomentPost {
	p := v.Post
	out := &pb.MomentPost{Id: p.ID, Author: int64(p.Author), Text: p.Text, Location: p.Location,
		Mentions: int64s(p.Mentions), Visibility: pb.MomentVisibility(p.Visibility), Tags: p.Tags, People: int64s(p.People),
		Time: p.Created.UnixMilli()}
	for _, m := range p.Media {
		out.Media = append(out.Media, &pb.MomentMedia{Id: m.ID, Video: m.Video, Type: m.Type, Size: m.Size,
			Width: uint32(m.Width), Height: uint32(m.Height), DurationMs: uint32(m.DurationMS), Thumbnail: m.Thumbnail, Poster: m.Poster})
	}
	if p.Link != nil {
		out.Link = &pb.MomentLink{Url: p.Link.URL, Title: p.Link.Title, Description: p.Link.Description, Image: p.Link.Image}
	}
	for _, l := range v.Likes {
		out.Likes = append(out.Likes, &pb.MomentLike{User: int64(l.User), Time: l.Created.UnixMilli()})
	}
	for _, cm := range v.Comments {
		out.Comments = append(out.Comments, momentCommentPB(cm))
	}
	return out
}

func momentCommentPB(cm moments.Comment) *pb.MomentComment {
	return &pb.MomentComment{Id: cm.ID, Post: cm.Post, Author: int64(cm.Author), ReplyTo: cm.ReplyTo,
		ReplyUser: int64(cm.ReplyUser), Text: cm.Text, Time: cm.Created.UnixMilli()}
}

func momentNotificationPB(n moments.NotificationView) *pb.MomentNotification {
	out := &pb.MomentNotification{Id: n.ID, Kind: pb.MomentNotificationKind(n.Kind), Actor: int64(n.Actor),
		Post: momentPB(n.Post), Time: n.Created.UnixMilli(), Unread: uint32(n.Unread)}
	if n.Comment != nil {
		out.Comment = momentCommentPB(*n.Comment)
	}
	return out
}

func momentSettingsPB(s moments.Settings) *pb.MomentSettings {
	return &pb.MomentSettings{StrangersSee_10: s.StrangersSee10, FriendsRange: pb.MomentRange(s.FriendsRange),
		HideMineFrom: int64s(s.HideMineFrom), HideTheirs: int64s(s.HideTheirs), Cover: s.Cover}
}
