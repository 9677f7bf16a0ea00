package cli

import (
	"strconv"

	pb "hongyan/internal/gen/hongyanv1"
)

const favoritesUsage = "favorites add MESSAGE_ID | favorites note TEXT | favorites link URL | " +
	"favorites list [--query TEXT] | favorites edit FAVORITE_ID TEXT | favorites delete FAVORITE_ID | " +
	"favorites send FAVORITE_ID PEER|group:GID [--client-id ID]"

// favorites runs the favorite subcommands.
func (e *env) favorites(args []string) error {
	pos, fl, err := e.parse(args, -1, favoritesUsage, "query", "client-id")
	if err != nil {
		return err
	}
	need := map[string]int{"add": 1, "note": 1, "link": 1, "list": 0, "edit": 2, "delete": 1, "send": 2}
	if len(pos) == 0 || need[pos[0]] != len(pos)-1 || (pos[0] != "list" && need[pos[0]] == 0) {
		return usageErr("usage: %s", favoritesUsage)
	}
	sub, rest := pos[0], pos[1:]
	id := func() (int64, error) {
		n, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil || n <= 0 {
			return 0, usageErr("%q is not a numeric ID", rest[0])
		}
		return n, nil
	}
	var req pb.ClientFrame
	switch sub {
	case "add":
		n, err := id()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_FavoriteAdd{FavoriteAdd: &pb.FavoriteAddRequest{Message: n}}
	case "note":
		req.Req = &pb.ClientFrame_FavoriteAdd{FavoriteAdd: &pb.FavoriteAddRequest{Note: rest[0]}}
	case "link":
		req.Req = &pb.ClientFrame_FavoriteAdd{FavoriteAdd: &pb.FavoriteAddRequest{Url: rest[0]}}
	case "list":
		req.Req = &pb.ClientFrame_FavoriteList{FavoriteList: &pb.FavoriteListRequest{Query: fl["query"]}}
	case "edit", "delete":
		n, err := id()
		if err != nil {
			return err
		}
		if sub == "edit" {
			req.Req = &pb.ClientFrame_FavoriteEdit{FavoriteEdit: &pb.FavoriteEditRequest{Favorite: n, Text: rest[1]}}
		} else {
			req.Req = &pb.ClientFrame_FavoriteDelete{FavoriteDelete: &pb.FavoriteRef{Favorite: n}}
		}
	case "send":
		n, err := id()
		if err != nil {
			return err
		}
		return e.sendFavorite(n, rest[1], clientIDFlag(fl))
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
	if x := f.GetFavorite(); x != nil {
		return e.print(x)
	}
	if l := f.GetFavorites(); l != nil {
		for _, x := range l.Favorites {
			if err := e.print(x); err != nil {
				return err
			}
		}
		return nil
	}
	return e.print(object{{"ok", true}})
}

// sendFavorite sends favorite id into the chat target names.
func (e *env) sendFavorite(id int64, target, clientID string) error {
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	q := &pb.FavoriteSendRequest{Favorite: id, ClientId: clientID}
	if g, ok := cutGroup(target); ok {
		if q.Group, err = strconv.ParseInt(g, 10, 64); err != nil || q.Group <= 0 {
			return usageErr("group:GID needs the group's numeric ID, not %q", g)
		}
	} else if q.Peer, err = e.resolvePeer(c, h, target); err != nil {
		return err
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_FavoriteSend{FavoriteSend: q}})
	if err != nil {
		return err
	}
	s := f.GetSent()
	return e.print(object{{"id", s.GetId()}, {"conversation", s.GetConversation()}, {"seq", s.GetSeq()}})
}
