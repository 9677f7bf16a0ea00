package gateway

import (
	"context"

	"hongyan/internal/chat"
	"hongyan/internal/favorite"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// dispatchFavorite serves the favorite requests; ok is false for any other.
func (c *conn) dispatchFavorite(ctx context.Context, me hongyan.Caller, f *pb.ClientFrame) (resp *pb.ServerFrame, ok bool, err error) {
	fav := c.g.s.Favorites
	if fav == nil {
		return nil, false, nil
	}
	one := func(x favorite.Favorite, err error) (*pb.ServerFrame, bool, error) {
		if err != nil {
			return nil, true, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Favorite{Favorite: favoritePB(x, me.User)}}, true, nil
	}
	switch r := f.Req.(type) {
	case *pb.ClientFrame_FavoriteAdd:
		q := r.FavoriteAdd
		return one(fav.Add(ctx, me, favorite.Item{Message: hongyan.MessageID(q.Message), URL: q.Url, Note: q.Note}))
	case *pb.ClientFrame_FavoriteEdit:
		return one(fav.Edit(ctx, me, r.FavoriteEdit.Favorite, r.FavoriteEdit.Text))
	case *pb.ClientFrame_FavoriteDelete:
		return done(), true, fav.Delete(ctx, me, r.FavoriteDelete.Favorite)
	case *pb.ClientFrame_FavoriteList:
		q := r.FavoriteList
		limit := int(q.Limit)
		if limit <= 0 || limit > favorite.MaxPage {
			limit = favorite.MaxPage
		}
		fs, err := fav.List(ctx, me, q.Query, q.Before, limit+1)
		if err != nil {
			return nil, true, err
		}
		list := &pb.FavoriteList{More: len(fs) > limit}
		for _, x := range fs[:min(len(fs), limit)] {
			list.Favorites = append(list.Favorites, favoritePB(x, me.User))
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Favorites{Favorites: list}}, true, nil
	case *pb.ClientFrame_FavoriteSend:
		q := r.FavoriteSend
		x, err := fav.Get(ctx, me, q.Favorite)
		if err != nil {
			return nil, true, err
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
			return nil, true, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Sent{Sent: sentPB(m)}}, true, nil
	}
	return nil, false, nil
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

// fillFavorite turns a favorite change-log entry into its protocol change.
func (c *conn) fillFavorite(ctx context.Context, me hongyan.Caller, ch hongyan.Change, item *pb.Change) error {
	if c.g.s.Favorites == nil {
		return nil
	}
	x, err := c.g.s.Favorites.Get(ctx, me, ch.Ref)
	switch hongyan.ErrorCode(err) {
	case "":
		item.Item = &pb.Change_Favorite{Favorite: favoritePB(x, me.User)}
	case hongyan.CodeNotFound:
		item.Item = &pb.Change_FavoriteRemoved{FavoriteRemoved: ch.Ref}
	default:
		return err
	}
	return nil
}
