package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

const momentsUsage = "moments post TEXT [--image PATH]... [--video PATH] [--link URL] [--location NAME] " +
	"[--visibility all|private|only:ID,…|except:ID,…] [--mention ID,…] | moments feed [--limit N] [--before POST_ID] | " +
	"moments user ID [--limit N] [--before POST_ID] | moments like POST_ID | moments unlike POST_ID | moments delete POST_ID | " +
	"moments comment POST_ID TEXT [--reply-to COMMENT_ID] | moments notifications | moments search TEXT [--limit N] [--before POST_ID] | " +
	"moments settings [--hide-mine-from ID] [--unhide-mine-from ID] [--hide-theirs ID] [--unhide-theirs ID] " +
	"[--strangers-see-10 on|off] [--friends-range all|6m|3d] | moments cover PATH | moments uncover"

// takeRepeated removes every --name VALUE (or --name=VALUE) from args and
// returns the values and the rest, for the flags a command repeats.
func takeRepeated(args []string, name string) (vals, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		switch {
		case a == "--"+name || a == "-"+name:
			if i+1 == len(args) {
				return nil, nil, usageErr("flag --%s needs a value", name)
			}
			vals = append(vals, args[i+1])
			i++
		case strings.HasPrefix(a, "--"+name+"="):
			vals = append(vals, strings.TrimPrefix(a, "--"+name+"="))
		default:
			rest = append(rest, a)
		}
	}
	return vals, rest, nil
}

// moments runs the Moments subcommands.
func (e *env) moments(args []string) error {
	images, args, err := takeRepeated(args, "image")
	if err != nil {
		return err
	}
	pos, fl, err := e.parse(args, -1, momentsUsage, "video", "link", "location", "visibility", "mention", "limit", "before",
		"reply-to", "hide-mine-from", "unhide-mine-from", "hide-theirs", "unhide-theirs", "strangers-see-10", "friends-range")
	if err != nil {
		return err
	}
	need := map[string]int{"post": 1, "feed": 0, "user": 1, "like": 1, "unlike": 1, "delete": 1, "comment": 2, "notifications": 0, "settings": 0, "search": 1, "cover": 1, "uncover": 0}
	n, known := need[firstOr(pos)]
	if !known || len(pos)-1 != n || (len(images) > 0 && pos[0] != "post") {
		return usageErr("usage: %s", momentsUsage)
	}
	sub, rest := pos[0], pos[1:]
	num := func(s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, usageErr("%q is not a numeric ID", s)
		}
		return n, nil
	}
	optNum := func(name string) (int64, error) {
		if v, ok := fl[name]; ok {
			return num(v)
		}
		return 0, nil
	}
	limit, err := optNum("limit")
	if err != nil {
		return err
	}
	before, err := optNum("before")
	if err != nil {
		return err
	}
	if sub == "post" {
		return e.momentPost(rest[0], images, fl)
	}
	cover := ""
	if sub == "cover" {
		// Uploaded first, as an image; then set.
		s, err := e.session()
		if err != nil {
			return err
		}
		if cover, err = e.uploadFile(s, "image", rest[0]); err != nil {
			return err
		}
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	var req pb.ClientFrame
	switch sub {
	case "cover", "uncover":
		req.Req = &pb.ClientFrame_MomentCover{MomentCover: &pb.MomentCoverRequest{Media: cover}}
	case "feed":
		req.Req = &pb.ClientFrame_MomentFeed{MomentFeed: &pb.MomentFeedRequest{Before: before, Limit: uint32(min(limit, 1000))}}
	case "user":
		u, err := e.resolvePeer(c, h, rest[0])
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_MomentAlbum{MomentAlbum: &pb.MomentAlbumRequest{User: u, Before: before, Limit: uint32(min(limit, 1000))}}
	case "like", "unlike", "delete":
		id, err := num(rest[0])
		if err != nil {
			return err
		}
		ref := &pb.MomentRef{Post: id}
		switch sub {
		case "like":
			req.Req = &pb.ClientFrame_MomentLike{MomentLike: ref}
		case "unlike":
			req.Req = &pb.ClientFrame_MomentUnlike{MomentUnlike: ref}
		default:
			req.Req = &pb.ClientFrame_MomentDelete{MomentDelete: ref}
		}
	case "comment":
		id, err := num(rest[0])
		if err != nil {
			return err
		}
		to, err := optNum("reply-to")
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_MomentComment{MomentComment: &pb.MomentCommentRequest{Post: id, Text: rest[1], ReplyTo: to}}
	case "search":
		req.Req = &pb.ClientFrame_MomentSearch{MomentSearch: &pb.MomentSearchRequest{Query: rest[0], Before: before, Limit: uint32(min(limit, 1000))}}
	case "notifications":
		req.Req = &pb.ClientFrame_MomentNotifications{MomentNotifications: &pb.MomentNotificationsRequest{Before: before, Limit: uint32(min(limit, 1000))}}
	case "settings":
		r := &pb.MomentSettingsRequest{}
		for name, into := range map[string]*[]int64{"hide-mine-from": &r.HideMineFrom, "unhide-mine-from": &r.UnhideMineFrom,
			"hide-theirs": &r.HideTheirs, "unhide-theirs": &r.UnhideTheirs} {
			if v, ok := fl[name]; ok {
				ids, err := e.resolveList(c, h, v)
				if err != nil {
					return err
				}
				*into = ids
			}
		}
		if v, ok := fl["strangers-see-10"]; ok {
			if v != "on" && v != "off" {
				return usageErr("--strangers-see-10 is on or off, not %q", v)
			}
			on := v == "on"
			r.StrangersSee_10 = &on
		}
		if v, ok := fl["friends-range"]; ok {
			rng, ok := map[string]pb.MomentRange{"all": pb.MomentRange_MOMENT_RANGE_ALL, "6m": pb.MomentRange_MOMENT_RANGE_6_MONTHS,
				"3d": pb.MomentRange_MOMENT_RANGE_3_DAYS}[v]
			if !ok {
				return usageErr("--friends-range is all, 6m or 3d, not %q", v)
			}
			r.FriendsRange = &rng
		}
		req.Req = &pb.ClientFrame_MomentSettings{MomentSettings: r}
	}
	f, err := e.call(c, &req)
	if err != nil {
		return err
	}
	switch {
	case f.GetMoments() != nil:
		for _, p := range f.GetMoments().Posts {
			if err := e.print(p); err != nil {
				return err
			}
		}
		return nil
	case f.GetMomentComment() != nil:
		return e.print(object{{"id", f.GetMomentComment().Id}})
	case f.GetMomentNotifications() != nil:
		for _, n := range f.GetMomentNotifications().Notifications {
			if err := e.print(n); err != nil {
				return err
			}
		}
		return nil
	case f.GetMomentSettings() != nil:
		return e.print(f.GetMomentSettings())
	}
	return e.print(object{{"ok", true}})
}

func firstOr(pos []string) string {
	if len(pos) == 0 {
		return ""
	}
	return pos[0]
}

// resolveList turns "ID,ID,…" (account or numeric IDs) into user IDs.
func (e *env) resolveList(c *wsclient.Conn, h *pb.HelloResponse, list string) ([]int64, error) {
	var out []int64
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := e.resolvePeer(c, h, s)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, usageErr("an empty list of IDs")
	}
	return out, nil
}

// momentPost uploads the images or video and makes the post.
func (e *env) momentPost(text string, images []string, fl map[string]string) error {
	r := &pb.MomentPostRequest{Text: text, Link: fl["link"], Location: fl["location"]}
	files := images
	kind := "image"
	if v, ok := fl["video"]; ok {
		if len(images) > 0 {
			return usageErr("a post shows images or a video, not both")
		}
		files, kind = []string{v}, "video"
	}
	s, err := e.session()
	if err != nil {
		return err
	}
	for _, path := range files {
		id, err := e.uploadFile(s, kind, path)
		if err != nil {
			return err
		}
		r.Media = append(r.Media, id)
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if v, ok := fl["mention"]; ok {
		if r.Mentions, err = e.resolveList(c, h, v); err != nil {
			return err
		}
	}
	if v, ok := fl["visibility"]; ok {
		mode, list, _ := strings.Cut(v, ":")
		switch mode {
		case "all":
			r.Visibility = pb.MomentVisibility_MOMENT_VISIBILITY_ALL
		case "private":
			r.Visibility = pb.MomentVisibility_MOMENT_VISIBILITY_PRIVATE
		case "only", "except":
			r.Visibility = pb.MomentVisibility_MOMENT_VISIBILITY_ONLY
			if mode == "except" {
				r.Visibility = pb.MomentVisibility_MOMENT_VISIBILITY_EXCEPT
			}
			// Entries are people (account or numeric IDs) or tags
			// (tag:NAME).
			for _, x := range strings.Split(list, ",") {
				if tag, ok := strings.CutPrefix(strings.TrimSpace(x), "tag:"); ok {
					r.Tags = append(r.Tags, tag)
				} else if x = strings.TrimSpace(x); x != "" {
					id, err := e.resolvePeer(c, h, x)
					if err != nil {
						return err
					}
					r.People = append(r.People, id)
				}
			}
		default:
			return usageErr("--visibility is all, private, only:ID,… or except:ID,…, not %q", v)
		}
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: r}})
	if err != nil {
		return err
	}
	return e.print(object{{"id", f.GetMoment().GetId()}})
}

// uploadFile uploads one file of kind and returns its media ID.
func (e *env) uploadFile(s session, kind, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", failErr("invalid_argument", "%v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", failErr("invalid_argument", "%v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, transferTimeout)
	defer cancel()
	info, err := wsclient.Upload(ctx, e.serverFor(&s), s.Token, kind, filepath.Base(path), f, st.Size(), 0)
	if err != nil {
		return "", err
	}
	return info.ID, nil
}
