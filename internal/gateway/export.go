package gateway

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"hongyan/internal/chat"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// Export archives are ZIP files streamed as they are written:
//
//	README.txt
//	profile.json                      your profile (everything export only)
//	contacts.json, groups.json, favorites.json
//	chats/{id}/chat.json              the chat as your chat list shows it
//	chats/{id}/messages.json          every message you see, oldest first
//	chats/{id}/media/{media id}{ext}  the files those messages carry
//
// JSON is the protocol's, in protojson form (proto field names).

// exportURL is where the archive of one chat (or, for 0, of all the
// caller's data) is downloaded.
func exportURL(conv hongyan.ConversationID) string {
	if conv == 0 {
		return "/export"
	}
	return "/export/" + strconv.FormatInt(int64(conv), 10)
}

var exportJSON = protojson.MarshalOptions{UseProtoNames: true, Multiline: true, Indent: "  "}

const exportReadme = `This archive holds data exported from a Hongyan server.
Each chat is a folder under chats/: chat.json describes it, messages.json
lists its messages oldest first (as the Hongyan protocol describes them),
media/ holds the files its messages carry, named by media id.
`

// dispatchExport answers an export request with where to download it.
func (c *conn) dispatchExport(ctx context.Context, me hongyan.Caller, r *pb.ExportRequest) (*pb.ServerFrame, error) {
	conv := hongyan.ConversationID(r.Conversation)
	id := "all"
	if conv != 0 {
		if _, err := c.g.s.Chat.Conversation(ctx, me, conv); err != nil {
			return nil, err
		}
		id = strconv.FormatInt(int64(conv), 10)
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Export{Export: &pb.ExportResponse{Id: id, Url: exportURL(conv)}}}, nil
}

// serveExport streams an archive of one chat or of all the caller's data.
func (g *Gateway) serveExport(w http.ResponseWriter, r *http.Request) {
	me, err := g.mediaCaller(r)
	if err != nil {
		g.mediaError(w, r, me, err)
		return
	}
	ctx := r.Context()
	var convs []hongyan.ConversationID
	if s := r.PathValue("conversation"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			g.mediaError(w, r, me, hongyan.Errorf(hongyan.CodeNotFound, "no such conversation"))
			return
		}
		// Check before the first byte, so that a refusal is a clear error.
		if _, err := g.s.Chat.Conversation(ctx, me, hongyan.ConversationID(id)); err != nil {
			g.mediaError(w, r, me, err)
			return
		}
		convs = []hongyan.ConversationID{hongyan.ConversationID(id)}
	} else {
		// Every chat, page by page (the chat list shows only the newest).
		for {
			page, err := g.s.Chat.ConversationIDs(ctx, me, last(convs), chat.MaxPage)
			if err != nil {
				g.mediaError(w, r, me, err)
				return
			}
			convs = append(convs, page...)
			if len(page) < chat.MaxPage {
				break
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="hongyan-export-%d-%s.zip"`, me.User, time.Now().UTC().Format("20060102-150405")))
	z := zip.NewWriter(w)
	if err := g.writeExport(ctx, z, me, convs, r.PathValue("conversation") == ""); err != nil {
		// The status is sent; a broken archive is how the client learns.
		if r.Context().Err() == nil {
			g.log.Warn("export failed", "user", int64(me.User), "device", int64(me.Device), "err", err)
		}
		return
	}
	z.Close()
}

// last is the last of ids, or 0.
func last(ids []hongyan.ConversationID) hongyan.ConversationID {
	if len(ids) == 0 {
		return 0
	}
	return ids[len(ids)-1]
}

func (g *Gateway) writeExport(ctx context.Context, z *zip.Writer, me hongyan.Caller, convs []hongyan.ConversationID, everything bool) error {
	now := time.Now()
	create := func(name string) (io.Writer, error) {
		return z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
	}
	put := func(name string, m proto.Message) error {
		b, err := exportJSON.Marshal(m)
		if err != nil {
			return err
		}
		f, err := create(name)
		if err == nil {
			_, err = f.Write(b)
		}
		return err
	}
	f, err := create("README.txt")
	if err != nil {
		return err
	}
	io.WriteString(f, exportReadme)
	if everything {
		a, err := g.s.Accounts.Account(ctx, me.User)
		if err != nil {
			return err
		}
		if err := put("profile.json", ownProfile(a)); err != nil {
			return err
		}
		cs, err := g.s.Contacts.Contacts(ctx, me)
		if err != nil {
			return err
		}
		list := &pb.ContactList{}
		for _, ct := range cs {
			if a, err := g.s.Accounts.Account(ctx, ct.User); err == nil {
				list.Contacts = append(list.Contacts, contactPB(ct, publicProfile(a)))
			}
		}
		if err := put("contacts.json", list); err != nil {
			return err
		}
		if g.s.Groups != nil {
			vs, err := g.s.Groups.List(ctx, me)
			if err != nil {
				return err
			}
			gl := &pb.GroupList{}
			for _, v := range vs {
				gl.Groups = append(gl.Groups, g.groupPB(v))
			}
			if err := put("groups.json", gl); err != nil {
				return err
			}
		}
		if g.s.Favorites != nil {
			fl := &pb.FavoriteList{}
			for before := int64(0); ; {
				fs, err := g.s.Favorites.List(ctx, me, "", before, 200)
				if err != nil {
					return err
				}
				for _, x := range fs {
					fl.Favorites = append(fl.Favorites, favoritePB(x, me.User))
				}
				if len(fs) < 200 {
					break
				}
				before = fs[len(fs)-1].ID
			}
			if err := put("favorites.json", fl); err != nil {
				return err
			}
		}
	}
	for _, conv := range convs {
		if err := g.exportChat(ctx, z, me, conv, put); err != nil {
			return err
		}
	}
	return nil
}

// exportChat writes one chat's folder.
func (g *Gateway) exportChat(ctx context.Context, z *zip.Writer, me hongyan.Caller, conv hongyan.ConversationID, put func(string, proto.Message) error) error {
	dir := path.Join("chats", strconv.FormatInt(int64(conv), 10))
	sum, err := g.s.Chat.Conversation(ctx, me, conv)
	if err != nil {
		return err
	}
	if err := put(path.Join(dir, "chat.json"), summaryPB(sum, me.User)); err != nil {
		return err
	}
	peer := sum.Conversation.Peer(me.User)
	var msgs []chat.Message
	for before := int64(0); ; {
		page, err := g.s.Chat.History(ctx, me, conv, before, chat.MaxPage)
		if err != nil {
			return err
		}
		msgs = append(page, msgs...)
		if len(page) == 0 || page[0].Seq <= 1 {
			break
		}
		before = page[0].Seq
	}
	list := &pb.MessageList{Messages: make([]*pb.Message, len(msgs))}
	var files []string
	for i, m := range msgs {
		list.Messages[i] = messagePB(m, me.User, peer)
		for _, id := range mediaOf(m) {
			if !slices.Contains(files, id) {
				files = append(files, id)
			}
		}
	}
	if err := put(path.Join(dir, "messages.json"), list); err != nil {
		return err
	}
	if g.s.Media == nil {
		return nil
	}
	for _, id := range files {
		info, rc, err := g.s.Media.Open(ctx, me, id, false)
		if err != nil {
			continue // gone, or no longer yours to see: the message still says what it was
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: path.Join(dir, "media", id+extension(info.Type)), Method: zip.Store, Modified: info.Created})
		if err == nil {
			_, err = io.Copy(f, rc)
		}
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// mediaOf lists the media a message carries (in a chat history card too).
func mediaOf(m chat.Message) []string {
	var out []string
	if m.Media != nil {
		out = append(out, m.Media.ID)
	}
	if m.Link != nil && m.Link.Image != "" {
		out = append(out, m.Link.Image)
	}
	if m.History != nil {
		for _, h := range m.History.Messages {
			out = append(out, mediaOf(h)...)
		}
	}
	return out
}
