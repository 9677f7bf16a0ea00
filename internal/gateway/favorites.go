package gateway

import (
	"context"

	"hongyan/internal/chat"
	"hongyan/internal/favorite"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// favoriteRoutes adds the favorite requests.
func favoriteRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_FavoriteAdd) (*pb.ServerFrame, error) {
		q := r.FavoriteAdd
		return favoriteFrame(me)(c.g.s.Favorites.Add(ctx, me, favorite.Item{Message: hongyan.MessageID(q.Message), URL: q.Url, Note: q.Note}))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_FavoriteEdit) (*pb.ServerFrame, error) {
		return favoriteFrame(me)(c.g.s.Favorites.Edit(ctx, me, r.FavoriteEdit.Favorite, r.FavoriteEdit.Text))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_FavoriteDelete) (*pb.ServerFrame, error) {
		return done(), c.g.s.Favorites.Delete(ctx, me, r.FavoriteDelete.Favorite)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_FavoriteList) (*pb.ServerFrame, error) {
		q := r.FavoriteList
		limit := int(q.Limit)
		if limit <= 0 || limit > favorite.MaxPage {
			limit = favorite.MaxPage
		}
		fs, err := c.g.s.Favorites.List(ctx, me, q.Query, q.Before, limit+1)
		if err != nil {
			return nil, err
		}
		list := &pb.FavoriteList{More: len(fs) > limit}
		for _, x := range fs[:min(len(fs), limit)] {
			list.Favorites = append(list.Favorites, favoritePB(x, me.User))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Favorites{Favorites: list}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_FavoriteSend) (*pb.ServerFrame, error) {
		q := r.FavoriteSend
		x, err := c.g.s.Favorites.Get(ctx, me, q.Favorite)
		if err != nil {
			return nil, err
		}
		to := chat.Target{Peer: hongyan.UserID(q.Peer), Group: hongyan.ConversationID(q.Group)}
		c.sentHere(q.ClientId, true)
		var m chat.Message
		switch x.Kind {
		case favorite.KindMessage:
			m, err = c.g.s.Chat.SendSnapshot(ctx, me, x.Snapshot, to, q.ClientId)
		case favorite.KindLink:
			m, err = c.g.s.Chat.Send(ctx, me, chat.Outgoing{Peer: to.Peer, Group: to.Group, ClientID: q.ClientId, Kind: chat.KindLink, URL: x.URL})
		default:
			m, err = c.g.s.Chat.Send(ctx, me, chat.Outgoing{Peer: to.Peer, Group: to.Group, ClientID: q.ClientId, Kind: chat.KindText, Text: x.Text})
		}
		if err != nil {
			c.sentHere(q.ClientId, false)
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Sent{Sent: sentPB(m)}}, nil
	}, waits)
}

// favoriteFrame returns how to answer with one favorite as me sees it.
func favoriteFrame(me hongyan.Caller) func(favorite.Favorite, error) (*pb.ServerFrame, error) {
	return func(x favorite.Favorite, err error) (*pb.ServerFrame, error) {
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Favorite{Favorite: favoritePB(x, me.User)}}, nil
	}
}

func favoritePB(f favorite.Favorite, viewer hongyan.UserID) *pb.Favorite {
	out := &pb.Favorite{Id: f.ID, Kind: pb.FavoriteKind(f.Kind), Url: f.URL, Text: f.Text,
		Time: f.Created.UnixMilli(), Updated: f.Updated.UnixMilli()}
	if f.Kind == favorite.KindMessage {
		if m, err := chat.DecodeMessage(f.Snapshot); err == nil {
			out.Message = copyPB(m, viewer)
		}
	}
	return out
}
