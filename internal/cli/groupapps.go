package cli

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
)

const groupAppsUsage = "groups app GID poll create QUESTION OPTION... [--multi] [--anonymous] [--deadline TIME] | " +
	"groups app GID poll vote POLL_ID OPTION_INDEX... | groups app GID poll close POLL_ID | groups app GID poll show POLL_ID | " +
	"groups app GID poll list [--before ID] [--limit N] | groups app GID checkin | groups app GID checkin show | " +
	"groups app GID homework post TITLE --due TIME [--text T] | groups app GID homework submit ID TEXT | " +
	"groups app GID homework remind ID | groups app GID homework show ID | groups app GID homework list [--before ID] [--limit N] | " +
	"groups app GID announce post TEXT [--pin] | groups app GID announce pin|unpin|remove ID | groups app GID announce list [--pinned] [--before ID] [--limit N] | " +
	"groups app GID event create TITLE --start TIME [--place P] [--limit N] | groups app GID event signup|cancel|remind|show ID | " +
	"groups app GID event list [--before ID] [--limit N] | " +
	"groups app GID files upload PATH | groups app GID files list [--before ID] [--limit N] | groups app GID files get ID PATH | " +
	"groups app GID files delete ID | groups app GID album create NAME | groups app GID album rename ID NAME | " +
	"groups app GID album delete|show ID | groups app GID album list | groups app GID album add ID PATH... | " +
	"groups app GID album photos ID [--before ID] | groups app GID album delete-photo PHOTO_ID | " +
	"groups app GID album comment PHOTO_ID TEXT | groups app GID album comments PHOTO_ID | groups app GID album uncomment COMMENT_ID " +
	"(homework submit takes --files PATH,PATH…; event create takes --remind 1h,24h)"

// groupAppFlags are the flags of groups app (besides the switches
// --multi, --anonymous, --pin and --pinned, which take no value).
var groupAppFlags = []string{"deadline", "due", "text", "before", "limit", "start", "place", "files", "remind"}

// parseWhen reads a time given as RFC 3339 ("2026-03-02T18:00:00+08:00"),
// as a local date and time ("2026-03-02 18:00"), or as a duration from now
// ("48h", "90m").
func parseWhen(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("TIME is RFC 3339, \"YYYY-MM-DD HH:MM\" or a duration such as 48h, not %q", s)
}

// isSwitch reports whether a is the flag --name (or -name).
func isSwitch(a, name string) bool { return a == "--"+name || a == "-"+name }

// switches are the flags of groups app that take no value.
var switches = []string{"multi", "anonymous", "pin", "pinned"}

// withoutSwitches returns args without the switches.
func withoutSwitches(args []string) []string { return dropSwitches(args, switches) }

// dropSwitches returns args without the switches named.
func dropSwitches(args, names []string) []string {
	return slices.DeleteFunc(slices.Clone(args), func(a string) bool {
		return slices.ContainsFunc(names, func(s string) bool { return isSwitch(a, s) })
	})
}

// groupApps runs the group-app subcommands (args follow "groups app").
func (e *env) groupApps(args []string) error {
	multi := slices.ContainsFunc(args, func(a string) bool { return isSwitch(a, "multi") })
	anonymous := slices.ContainsFunc(args, func(a string) bool { return isSwitch(a, "anonymous") })
	pin := slices.ContainsFunc(args, func(a string) bool { return isSwitch(a, "pin") || isSwitch(a, "pinned") })
	args = withoutSwitches(args)
	pos, fl, err := e.parse(args, -1, groupAppsUsage, groupAppFlags...)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageErr("usage: %s", groupAppsUsage)
	}
	gid, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || gid <= 0 {
		return usageErr("GID is the group's numeric ID, not %q", pos[0])
	}
	app, rest := pos[1], pos[2:]
	sub := ""
	if len(rest) > 0 {
		sub, rest = rest[0], rest[1:]
	}
	num := func(s, what string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, usageErr("%s is a number, not %q", what, s)
		}
		return n, nil
	}
	page := func() (*pb.GroupAppPage, error) {
		p := &pb.GroupAppPage{Group: gid}
		if v := fl["before"]; v != "" {
			n, err := num(v, "--before")
			if err != nil {
				return nil, err
			}
			p.Before = n
		}
		if v := fl["limit"]; v != "" {
			n, err := num(v, "--limit")
			if err != nil || n > 50 {
				return nil, usageErr("--limit is a number up to 50, not %q", v)
			}
			p.Limit = uint32(n)
		}
		return p, nil
	}
	ref := func() (*pb.GroupAppRef, error) {
		if len(rest) != 1 {
			return nil, usageErr("usage: %s", groupAppsUsage)
		}
		id, err := num(rest[0], "ID")
		return &pb.GroupAppRef{Group: gid, Id: id}, err
	}
	var req pb.ClientFrame
	saveTo := "" // files get: where the file goes
	switch app + " " + sub {
	case "poll create":
		if len(rest) < 3 {
			return usageErr("usage: %s", groupAppsUsage)
		}
		r := &pb.PollCreateRequest{Group: gid, Question: rest[0], Options: rest[1:], Multi: multi, Anonymous: anonymous}
		if v := fl["deadline"]; v != "" {
			t, err := parseWhen(v, time.Now())
			if err != nil {
				return err
			}
			r.Deadline = t.UnixMilli()
		}
		req.Req = &pb.ClientFrame_AppPollCreate{AppPollCreate: r}
	case "poll vote":
		if len(rest) < 2 {
			return usageErr("usage: %s", groupAppsUsage)
		}
		id, err := num(rest[0], "POLL_ID")
		if err != nil {
			return err
		}
		r := &pb.PollVoteRequest{Group: gid, Poll: id}
		for _, s := range rest[1:] {
			n, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return usageErr("OPTION_INDEX is a number from 0, not %q", s)
			}
			r.Choices = append(r.Choices, uint32(n))
		}
		req.Req = &pb.ClientFrame_AppPollVote{AppPollVote: r}
	case "poll close", "poll show":
		r, err := ref()
		if err != nil {
			return err
		}
		if sub == "close" {
			req.Req = &pb.ClientFrame_AppPollClose{AppPollClose: r}
		} else {
			req.Req = &pb.ClientFrame_AppPollGet{AppPollGet: r}
		}
	case "poll list":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppPolls{AppPolls: p}
	case "checkin ":
		req.Req = &pb.ClientFrame_AppCheckin{AppCheckin: &pb.GroupRef{Group: gid}}
	case "checkin show":
		req.Req = &pb.ClientFrame_AppCheckinBoard{AppCheckinBoard: &pb.GroupRef{Group: gid}}
	case "homework post":
		if len(rest) != 1 || fl["due"] == "" {
			return usageErr("usage: %s", groupAppsUsage)
		}
		due, err := parseWhen(fl["due"], time.Now())
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppHomeworkPost{AppHomeworkPost: &pb.HomeworkPostRequest{Group: gid, Title: rest[0], Text: fl["text"], Due: due.UnixMilli()}}
	case "homework submit":
		if len(rest) < 1 || len(rest) > 2 || (len(rest) == 1 && fl["files"] == "") {
			return usageErr("usage: %s", groupAppsUsage)
		}
		id, err := num(rest[0], "ID")
		if err != nil {
			return err
		}
		r := &pb.HomeworkSubmitRequest{Group: gid, Homework: id}
		if len(rest) == 2 {
			r.Text = rest[1]
		}
		if v := fl["files"]; v != "" {
			for _, path := range strings.Split(v, ",") {
				m, err := e.uploadGroupFile(path)
				if err != nil {
					return err
				}
				r.Files = append(r.Files, m)
			}
		}
		req.Req = &pb.ClientFrame_AppHomeworkSubmit{AppHomeworkSubmit: r}
	case "homework remind", "homework show":
		r, err := ref()
		if err != nil {
			return err
		}
		if sub == "remind" {
			req.Req = &pb.ClientFrame_AppHomeworkRemind{AppHomeworkRemind: r}
		} else {
			req.Req = &pb.ClientFrame_AppHomeworkGet{AppHomeworkGet: r}
		}
	case "homework list":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppHomeworks{AppHomeworks: p}
	case "announce post":
		if len(rest) != 1 {
			return usageErr("usage: %s", groupAppsUsage)
		}
		req.Req = &pb.ClientFrame_AppAnnounce{AppAnnounce: &pb.AnnounceRequest{Group: gid, Text: rest[0], Pinned: pin}}
	case "announce pin", "announce unpin", "announce remove":
		r, err := ref()
		if err != nil {
			return err
		}
		if sub == "remove" {
			req.Req = &pb.ClientFrame_AppAnnounceRemove{AppAnnounceRemove: r}
		} else {
			req.Req = &pb.ClientFrame_AppAnnouncePin{AppAnnouncePin: &pb.AnnouncePinRequest{Group: gid, Id: r.Id, Pinned: sub == "pin"}}
		}
	case "event create":
		if len(rest) != 1 || fl["start"] == "" {
			return usageErr("usage: %s", groupAppsUsage)
		}
		start, err := parseWhen(fl["start"], time.Now())
		if err != nil {
			return err
		}
		r := &pb.EventCreateRequest{Group: gid, Title: rest[0], Place: fl["place"], Start: start.UnixMilli()}
		if v := fl["limit"]; v != "" {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageErr("--limit is a number of places, not %q", v)
			}
			r.Limit = uint32(n)
		}
		if v := fl["remind"]; v != "" {
			for _, d := range strings.Split(v, ",") {
				t, err := time.ParseDuration(d)
				if err != nil || t < time.Minute || t%time.Minute != 0 {
					return usageErr("--remind is durations before the start in whole minutes, such as 1h,24h, not %q", v)
				}
				r.RemindBeforeMinutes = append(r.RemindBeforeMinutes, uint32(min(t/time.Minute, 1<<20)))
			}
		}
		req.Req = &pb.ClientFrame_AppEventCreate{AppEventCreate: r}
	case "event signup", "event cancel", "event remind", "event show":
		r, err := ref()
		if err != nil {
			return err
		}
		switch sub {
		case "signup":
			req.Req = &pb.ClientFrame_AppEventSignup{AppEventSignup: r}
		case "cancel":
			req.Req = &pb.ClientFrame_AppEventCancel{AppEventCancel: r}
		case "remind":
			req.Req = &pb.ClientFrame_AppEventRemind{AppEventRemind: r}
		default:
			req.Req = &pb.ClientFrame_AppEventGet{AppEventGet: r}
		}
	case "event list":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppEvents{AppEvents: p}
	case "announce list":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppAnnouncements{AppAnnouncements: &pb.AnnouncementsRequest{Group: gid, Before: p.Before, Limit: p.Limit, Pinned: pin}}
	case "files upload":
		if len(rest) != 1 {
			return usageErr("usage: %s", groupAppsUsage)
		}
		m, err := e.uploadGroupFile(rest[0])
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppFileAdd{AppFileAdd: &pb.FileAddRequest{Group: gid, Media: m}}
	case "files list":
		p, err := page()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppFiles{AppFiles: p}
	case "files get":
		if len(rest) != 2 {
			return usageErr("usage: %s", groupAppsUsage)
		}
		id, err := num(rest[0], "ID")
		if err != nil {
			return err
		}
		saveTo = rest[1]
		req.Req = &pb.ClientFrame_AppFileGet{AppFileGet: &pb.GroupAppRef{Group: gid, Id: id}}
	case "files delete":
		r, err := ref()
		if err != nil {
			return err
		}
		req.Req = &pb.ClientFrame_AppFileDelete{AppFileDelete: r}
	case "album create", "album rename", "album delete", "album show", "album list", "album add", "album photos",
		"album delete-photo", "album comment", "album comments", "album uncomment":
		if err := albumRequest(&req, gid, sub, rest, page, num, e.uploadAlbumPhoto); err != nil {
			return err
		}
	default:
		return usageErr("usage: %s", groupAppsUsage)
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
	case f.GetAppFile() != nil && saveTo != "":
		if err := e.saveMedia(f.GetAppFile().Media, saveTo); err != nil {
			os.Remove(saveTo)
			return err
		}
		return e.print(append(fileObject(f.GetAppFile()), field{"path", saveTo}))
	case f.GetAppFile() != nil:
		return e.print(fileObject(f.GetAppFile()))
	case f.GetAppAlbum() != nil:
		return e.print(albumObject(f.GetAppAlbum()))
	case f.GetAppAlbums() != nil:
		return e.print(object{{"albums", listOf(f.GetAppAlbums().GetAlbums(), albumObject)}})
	case f.GetAppPhotos() != nil:
		return e.print(object{{"photos", listOf(f.GetAppPhotos().GetPhotos(), fileObject)}})
	case f.GetAppPhotoComments() != nil:
		return e.print(object{{"comments", listOf(f.GetAppPhotoComments().GetComments(), commentObject)}})
	case f.GetAppFiles() != nil:
		l := f.GetAppFiles()
		return e.print(object{{"files", filesObject(l.Files)}, {"used", l.Used}, {"quota", l.Quota}})
	case f.GetAppPoll() != nil:
		return e.print(pollObject(f.GetAppPoll()))
	case f.GetAppPolls() != nil:
		for _, p := range f.GetAppPolls().GetPolls() {
			if err := e.print(pollObject(p)); err != nil {
				return err
			}
		}
	case f.GetAppCheckinBoard() != nil:
		return e.print(boardObject(f.GetAppCheckinBoard()))
	case f.GetAppHomework() != nil:
		return e.print(homeworkObject(f.GetAppHomework()))
	case f.GetAppHomeworks() != nil:
		for _, h := range f.GetAppHomeworks().GetHomework() {
			if err := e.print(homeworkObject(h)); err != nil {
				return err
			}
		}
	case f.GetAppEvent() != nil:
		return e.print(eventObject(f.GetAppEvent()))
	case f.GetAppEvents() != nil:
		for _, ev := range f.GetAppEvents().GetEvents() {
			if err := e.print(eventObject(ev)); err != nil {
				return err
			}
		}
	case f.GetAppAnnouncement() != nil:
		return e.print(announcementObject(f.GetAppAnnouncement()))
	case f.GetAppAnnouncements() != nil:
		for _, a := range f.GetAppAnnouncements().GetAnnouncements() {
			if err := e.print(announcementObject(a)); err != nil {
				return err
			}
		}
	default:
		return e.print(object{{"ok", true}})
	}
	return nil
}

func eventObject(e *pb.GroupEvent) object {
	mine := map[uint32]string{0: "", 1: "going", 2: "waiting"}[e.Mine]
	return object{{"id", e.Id}, {"group", e.Group}, {"creator", e.Creator}, {"title", e.Title}, {"place", e.Place}, {"start", when(e.Start)},
		{"limit", e.Limit}, {"open", e.Open}, {"going", emptyList(e.Going)}, {"waiting", emptyList(e.Waiting)}, {"mine", mine}, {"waiting_at", e.WaitingAt},
		{"remind_before_minutes", emptyList(e.RemindBeforeMinutes)}}
}

func announcementObject(a *pb.GroupAnnouncement) object {
	return object{{"id", a.Id}, {"group", a.Group}, {"author", a.Author}, {"text", a.Text}, {"pinned", a.Pinned},
		{"created", when(a.Created)}, {"updated", when(a.Updated)}, {"removed", a.Removed}}
}

// when formats unix milliseconds as RFC 3339 in UTC ("" for 0).
func when(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

func pollObject(p *pb.GroupPoll) object {
	o := object{{"id", p.Id}, {"group", p.Group}, {"creator", p.Creator}, {"question", p.Question}, {"options", emptyList(p.Options)},
		{"multi", p.Multi}, {"anonymous", p.Anonymous}, {"deadline", when(p.Deadline)}, {"closed", when(p.Closed)}, {"open", p.Open},
		{"counts", emptyList(p.Counts)}, {"voters", p.Voters}, {"mine", emptyList(p.Mine)}}
	if !p.Anonymous {
		by := make([][]int64, len(p.ByOption))
		for i, v := range p.ByOption {
			by[i] = emptyList(v.Users)
		}
		o = append(o, field{"by_option", by})
	}
	return o
}

func rankObject(r *pb.CheckinRank) object {
	return object{{"user", r.GetUser()}, {"streak", r.GetStreak()}, {"best", r.GetBest()}, {"total", r.GetTotal()}, {"today", r.GetToday()}}
}

func boardObject(b *pb.CheckinBoard) object {
	ranking := make([]object, 0, len(b.Ranking))
	for _, r := range b.Ranking {
		ranking = append(ranking, rankObject(r))
	}
	return object{{"group", b.Group}, {"date", time.Unix(b.Day*86400, 0).UTC().Format("2006-01-02")}, {"zone", b.Zone},
		{"me", rankObject(b.GetMe())}, {"today", b.Today}, {"ranking", ranking}}
}

func homeworkObject(h *pb.GroupHomework) object {
	o := object{{"id", h.Id}, {"group", h.Group}, {"creator", h.Creator}, {"title", h.Title}, {"text", h.Text}, {"due", when(h.Due)},
		{"open", h.Open}, {"submitted", h.Submitted}, {"members", h.Members}}
	if h.Mine != nil {
		o = append(o, field{"mine", object{{"text", h.Mine.Text}, {"at", when(h.Mine.At)}, {"files", filesObject(h.Mine.Files)}}})
	}
	if h.Manager {
		subs := make([]object, 0, len(h.Submissions))
		for _, s := range h.Submissions {
			subs = append(subs, object{{"user", s.User}, {"text", s.Text}, {"at", when(s.At)}, {"files", filesObject(s.Files)}})
		}
		o = append(o, field{"missing", emptyList(h.Missing)}, field{"submissions", subs}, field{"reminded", when(h.Reminded)})
	}
	return o
}

// emptyList keeps an empty list a list ([]) in JSON.
func emptyList[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
