package gateway

import (
	"context"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
)

// groupAppRoutes adds the group apps: polls, check-in, homework, the
// announcements board and events. The
// rules (who may see, create, vote, close, submit and remind) are the
// feature's: this file only converts.
func groupAppRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPollCreate) (*pb.ServerFrame, error) {
		q := r.AppPollCreate
		p, err := c.g.s.GroupApps.CreatePoll(ctx, me, hongyan.ConversationID(q.Group), groupapp.NewPoll{Question: q.Question, Options: q.Options,
			Multi: q.Multi, Anonymous: q.Anonymous, Deadline: msTime(q.Deadline)})
		if err != nil {
			return nil, err
		}
		return pollFrame(c.g.s.GroupApps.Poll(ctx, me, p.Group, p.ID))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPollVote) (*pb.ServerFrame, error) {
		q := r.AppPollVote
		choices := make([]int, len(q.Choices))
		for i, o := range q.Choices {
			choices[i] = int(min(o, 1<<20))
		}
		return pollFrame(c.g.s.GroupApps.Vote(ctx, me, hongyan.ConversationID(q.Group), q.Poll, choices))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPollClose) (*pb.ServerFrame, error) {
		return pollFrame(c.g.s.GroupApps.ClosePoll(ctx, me, hongyan.ConversationID(r.AppPollClose.Group), r.AppPollClose.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPollGet) (*pb.ServerFrame, error) {
		return pollFrame(c.g.s.GroupApps.Poll(ctx, me, hongyan.ConversationID(r.AppPollGet.Group), r.AppPollGet.Id))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPolls) (*pb.ServerFrame, error) {
		q := r.AppPolls
		ps, err := c.g.s.GroupApps.Polls(ctx, me, hongyan.ConversationID(q.Group), q.Before, int(q.Limit))
		if err != nil {
			return nil, err
		}
		out := &pb.GroupPollList{Polls: pbList(ps, PollPB)}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AppPolls{AppPolls: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppCheckin) (*pb.ServerFrame, error) {
		return boardFrame(c.g.s.GroupApps.CheckIn(ctx, me, hongyan.ConversationID(r.AppCheckin.Group)))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppCheckinBoard) (*pb.ServerFrame, error) {
		return boardFrame(c.g.s.GroupApps.Board(ctx, me, hongyan.ConversationID(r.AppCheckinBoard.Group)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppHomeworkPost) (*pb.ServerFrame, error) {
		q := r.AppHomeworkPost
		h, err := c.g.s.GroupApps.PostHomework(ctx, me, hongyan.ConversationID(q.Group), groupapp.NewHomework{Title: q.Title, Body: q.Text, Due: msTime(q.Due)})
		if err != nil {
			return nil, err
		}
		return homeworkFrame(c.g.s.GroupApps.Homework(ctx, me, h.Group, h.ID))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppHomeworkSubmit) (*pb.ServerFrame, error) {
		q := r.AppHomeworkSubmit
		return homeworkFrame(c.g.s.GroupApps.SubmitFiles(ctx, me, hongyan.ConversationID(q.Group), q.Homework, q.Text, q.Files))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppHomeworkRemind) (*pb.ServerFrame, error) {
		return homeworkFrame(c.g.s.GroupApps.Remind(ctx, me, hongyan.ConversationID(r.AppHomeworkRemind.Group), r.AppHomeworkRemind.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppHomeworkGet) (*pb.ServerFrame, error) {
		return homeworkFrame(c.g.s.GroupApps.Homework(ctx, me, hongyan.ConversationID(r.AppHomeworkGet.Group), r.AppHomeworkGet.Id))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppHomeworks) (*pb.ServerFrame, error) {
		q := r.AppHomeworks
		hs, err := c.g.s.GroupApps.Homeworks(ctx, me, hongyan.ConversationID(q.Group), q.Before, int(q.Limit))
		if err != nil {
			return nil, err
		}
		out := &pb.GroupHomeworkList{Homework: pbList(hs, HomeworkPB)}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AppHomeworks{AppHomeworks: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAnnounce) (*pb.ServerFrame, error) {
		q := r.AppAnnounce
		return announcementFrame(c.g.s.GroupApps.Announce(ctx, me, hongyan.ConversationID(q.Group), q.Text, q.Pinned))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAnnouncePin) (*pb.ServerFrame, error) {
		q := r.AppAnnouncePin
		return announcementFrame(c.g.s.GroupApps.PinAnnouncement(ctx, me, hongyan.ConversationID(q.Group), q.Id, q.Pinned))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAnnounceRemove) (*pb.ServerFrame, error) {
		q := r.AppAnnounceRemove
		return announcementFrame(c.g.s.GroupApps.RemoveAnnouncement(ctx, me, hongyan.ConversationID(q.Group), q.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAnnouncements) (*pb.ServerFrame, error) {
		q := r.AppAnnouncements
		as, err := c.g.s.GroupApps.Announcements(ctx, me, hongyan.ConversationID(q.Group), q.Before, int(q.Limit), q.Pinned)
		if err != nil {
			return nil, err
		}
		out := &pb.GroupAnnouncementList{Announcements: pbList(as, AnnouncementPB)}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AppAnnouncements{AppAnnouncements: out}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppEventCreate) (*pb.ServerFrame, error) {
		q := r.AppEventCreate
		before := make([]time.Duration, len(q.RemindBeforeMinutes))
		for i, m := range q.RemindBeforeMinutes {
			before[i] = time.Duration(min(m, 1<<20)) * time.Minute
		}
		e, err := c.g.s.GroupApps.CreateEvent(ctx, me, hongyan.ConversationID(q.Group), groupapp.NewEvent{Title: q.Title, Place: q.Place,
			Start: msTime(q.Start), Limit: int(min(q.Limit, groupapp.MaxEventLimit+1)), RemindBefore: before})
		if err != nil {
			return nil, err
		}
		return eventFrame(c.g.s.GroupApps.EventOf(ctx, me, e.Group, e.ID))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppEventSignup) (*pb.ServerFrame, error) {
		return eventFrame(c.g.s.GroupApps.SignUp(ctx, me, hongyan.ConversationID(r.AppEventSignup.Group), r.AppEventSignup.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppEventCancel) (*pb.ServerFrame, error) {
		return eventFrame(c.g.s.GroupApps.CancelSignup(ctx, me, hongyan.ConversationID(r.AppEventCancel.Group), r.AppEventCancel.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppEventRemind) (*pb.ServerFrame, error) {
		return eventFrame(c.g.s.GroupApps.RemindEvent(ctx, me, hongyan.ConversationID(r.AppEventRemind.Group), r.AppEventRemind.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppEventGet) (*pb.ServerFrame, error) {
		return eventFrame(c.g.s.GroupApps.EventOf(ctx, me, hongyan.ConversationID(r.AppEventGet.Group), r.AppEventGet.Id))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppEvents) (*pb.ServerFrame, error) {
		q := r.AppEvents
		es, err := c.g.s.GroupApps.Events(ctx, me, hongyan.ConversationID(q.Group), q.Before, int(q.Limit))
		if err != nil {
			return nil, err
		}
		out := &pb.GroupEventList{Events: pbList(es, EventPB)}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AppEvents{AppEvents: out}}, nil
	})
	groupFileRoutes(rs)
	albumRoutes(rs)
}

// albumRoutes adds the group albums: albums, their photos and comments.
func albumRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbumCreate) (*pb.ServerFrame, error) {
		return albumFrame(c.g.s.GroupApps.CreateAlbum(ctx, me, hongyan.ConversationID(r.AppAlbumCreate.Group), r.AppAlbumCreate.Name))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbumRename) (*pb.ServerFrame, error) {
		q := r.AppAlbumRename
		return albumFrame(c.g.s.GroupApps.RenameAlbum(ctx, me, hongyan.ConversationID(q.Group), q.Id, q.Name))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbumDelete) (*pb.ServerFrame, error) {
		return albumFrame(c.g.s.GroupApps.DeleteAlbum(ctx, me, hongyan.ConversationID(r.AppAlbumDelete.Group), r.AppAlbumDelete.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbumGet) (*pb.ServerFrame, error) {
		return albumFrame(c.g.s.GroupApps.AlbumOf(ctx, me, hongyan.ConversationID(r.AppAlbumGet.Group), r.AppAlbumGet.Id))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbums) (*pb.ServerFrame, error) {
		q := r.AppAlbums
		as, err := c.g.s.GroupApps.AlbumList(ctx, me, hongyan.ConversationID(q.Group), q.Before, int(q.Limit))
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AppAlbums{AppAlbums: &pb.GroupAlbumList{Albums: pbList(as, AlbumPB)}}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbumAddPhotos) (*pb.ServerFrame, error) {
		q := r.AppAlbumAddPhotos
		return photosFrame(c.g.s.GroupApps.AddPhotos(ctx, me, hongyan.ConversationID(q.Group), q.Id, q.Media))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppAlbumPhotos) (*pb.ServerFrame, error) {
		q := r.AppAlbumPhotos
		return photosFrame(c.g.s.GroupApps.Photos(ctx, me, hongyan.ConversationID(q.Group), q.Id, q.Before, int(q.Limit)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPhotoDelete) (*pb.ServerFrame, error) {
		return fileFrame(c.g.s.GroupApps.DeleteFile(ctx, me, hongyan.ConversationID(r.AppPhotoDelete.Group), r.AppPhotoDelete.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPhotoComment) (*pb.ServerFrame, error) {
		q := r.AppPhotoComment
		cm, err := c.g.s.GroupApps.Comment(ctx, me, hongyan.ConversationID(q.Group), q.Photo, q.Text)
		if err != nil {
			return nil, err
		}
		return commentsFrame([]groupapp.Comment{cm}, nil)
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPhotoComments) (*pb.ServerFrame, error) {
		q := r.AppPhotoComments
		return commentsFrame(c.g.s.GroupApps.Comments(ctx, me, hongyan.ConversationID(q.Group), q.Photo, q.After, int(q.Limit)))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppPhotoCommentDelete) (*pb.ServerFrame, error) {
		q := r.AppPhotoCommentDelete
		if err := c.g.s.GroupApps.DeleteComment(ctx, me, hongyan.ConversationID(q.Group), q.Id); err != nil {
			return nil, err
		}
		return done(), nil
	}, waits)
}

func albumFrame(a groupapp.Album, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppAlbum{AppAlbum: AlbumPB(a)}}, nil
}

// AlbumPB converts an album; the change-log resolver uses it too.
func AlbumPB(a groupapp.Album) *pb.GroupAlbum {
	return &pb.GroupAlbum{Id: a.ID, Group: int64(a.Group), Creator: int64(a.Creator), Name: a.Name, Created: timeMS(a.Created),
		Updated: timeMS(a.Updated), Deleted: timeMS(a.Deleted), Photos: uint32(a.Photos), Cover: a.Cover}
}

func photosFrame(ps []groupapp.File, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppPhotos{AppPhotos: &pb.GroupPhotoList{Photos: pbList(ps, FilePB)}}}, nil
}

func commentsFrame(cs []groupapp.Comment, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	out := pbList(cs, func(c groupapp.Comment) *pb.PhotoComment {
		return &pb.PhotoComment{Id: c.ID, Photo: c.Photo, Author: int64(c.Author), Text: c.Text, Created: timeMS(c.Created)}
	})
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppPhotoComments{AppPhotoComments: &pb.PhotoCommentList{Comments: out}}}, nil
}

// groupFileRoutes adds the group files: share an upload, delete, get,
// list.
func groupFileRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppFileAdd) (*pb.ServerFrame, error) {
		return fileFrame(c.g.s.GroupApps.AddFile(ctx, me, hongyan.ConversationID(r.AppFileAdd.Group), r.AppFileAdd.Media))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppFileDelete) (*pb.ServerFrame, error) {
		return fileFrame(c.g.s.GroupApps.DeleteFile(ctx, me, hongyan.ConversationID(r.AppFileDelete.Group), r.AppFileDelete.Id))
	}, waits)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppFileGet) (*pb.ServerFrame, error) {
		return fileFrame(c.g.s.GroupApps.FileOf(ctx, me, hongyan.ConversationID(r.AppFileGet.Group), r.AppFileGet.Id))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_AppFiles) (*pb.ServerFrame, error) {
		q := r.AppFiles
		fs, err := c.g.s.GroupApps.Files(ctx, me, hongyan.ConversationID(q.Group), q.Before, int(q.Limit))
		if err != nil {
			return nil, err
		}
		used, quota, err := c.g.s.GroupApps.FileUsage(ctx, me, hongyan.ConversationID(q.Group))
		if err != nil {
			return nil, err
		}
		out := &pb.GroupFileList{Files: pbList(fs, FilePB), Used: used, Quota: quota}
		return &pb.ServerFrame{Body: &pb.ServerFrame_AppFiles{AppFiles: out}}, nil
	})
}

func fileFrame(f groupapp.File, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppFile{AppFile: FilePB(f)}}, nil
}

// FilePB converts a group's file; the change-log resolver uses it too.
func FilePB(f groupapp.File) *pb.GroupFile {
	return &pb.GroupFile{Id: f.ID, Group: int64(f.Group), Uploader: int64(f.Uploader), Media: f.Media, Name: f.Name, Type: f.Type,
		Size: f.Size, Created: timeMS(f.Created), Deleted: timeMS(f.Deleted), Homework: f.Homework, Album: f.Album}
}

func minutes(ds []time.Duration) []uint32 {
	out := make([]uint32, len(ds))
	for i, d := range ds {
		out[i] = uint32(d / time.Minute)
	}
	return out
}

func eventFrame(v groupapp.EventView, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppEvent{AppEvent: EventPB(v)}}, nil
}

// EventPB converts an event as its viewer sees it; the change-log resolver
// uses it too.
func EventPB(v groupapp.EventView) *pb.GroupEvent {
	return &pb.GroupEvent{Id: v.ID, Group: int64(v.Group), Creator: int64(v.Creator), Title: v.Title, Place: v.Place, Start: timeMS(v.Start),
		Limit: uint32(v.Limit), Created: timeMS(v.Created), Reminded: timeMS(v.Reminded), Open: v.Open, Going: users64(v.Going),
		Waiting: users64(v.Waiting), Mine: uint32(v.Mine), WaitingAt: uint32(v.WaitingAt), RemindBeforeMinutes: minutes(v.RemindBefore)}
}

func announcementFrame(a groupapp.Announcement, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppAnnouncement{AppAnnouncement: AnnouncementPB(a)}}, nil
}

// AnnouncementPB converts an announcement; the change-log resolver uses it
// too.
func AnnouncementPB(a groupapp.Announcement) *pb.GroupAnnouncement {
	return &pb.GroupAnnouncement{Id: a.ID, Group: int64(a.Group), Author: int64(a.Author), Text: a.Text, Pinned: a.Pinned,
		Created: timeMS(a.Created), Updated: timeMS(a.Updated), Removed: a.Removed}
}

// msTime is unix milliseconds as a time (0: the zero time).
func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// timeMS is the inverse of msTime.
func timeMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func pollFrame(v groupapp.PollView, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppPoll{AppPoll: PollPB(v)}}, nil
}

func boardFrame(b groupapp.Board, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppCheckinBoard{AppCheckinBoard: BoardPB(b)}}, nil
}

func homeworkFrame(v groupapp.HomeworkView, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_AppHomework{AppHomework: HomeworkPB(v)}}, nil
}

func users64(us []hongyan.UserID) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = int64(u)
	}
	return out
}

func uints(xs []int) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = uint32(x)
	}
	return out
}

// PollPB converts a poll as its viewer sees it; the change-log resolver
// uses it too.
func PollPB(v groupapp.PollView) *pb.GroupPoll {
	out := &pb.GroupPoll{Id: v.ID, Group: int64(v.Group), Creator: int64(v.Creator), Question: v.Question, Options: v.Options,
		Multi: v.Multi, Anonymous: v.Anonymous, Deadline: timeMS(v.Deadline), Created: timeMS(v.Created), Closed: timeMS(v.Closed),
		Open: v.Open, Counts: uints(v.Counts), Voters: uint32(v.Voters), Mine: uints(v.Mine)}
	for _, us := range v.ByOption {
		out.ByOption = append(out.ByOption, &pb.PollOptionVoters{Users: users64(us)})
	}
	return out
}

func rankPB(r groupapp.Rank) *pb.CheckinRank {
	return &pb.CheckinRank{User: int64(r.User), Streak: uint32(r.Streak), Best: uint32(r.Best), Total: uint32(r.Total), Today: r.Today}
}

// BoardPB converts a check-in board; the change-log resolver uses it too.
func BoardPB(b groupapp.Board) *pb.CheckinBoard {
	out := &pb.CheckinBoard{Group: int64(b.Group), Day: b.Day, Zone: b.Zone, Me: rankPB(b.Me), Today: uint32(b.Today)}
	for _, r := range b.Ranking {
		out.Ranking = append(out.Ranking, rankPB(r))
	}
	return out
}

func submissionPB(s groupapp.Submission) *pb.HomeworkSubmission {
	return &pb.HomeworkSubmission{User: int64(s.User), Text: s.Text, At: timeMS(s.At), Files: pbList(s.Files, FilePB)}
}

// HomeworkPB converts a homework as its viewer sees it; the change-log
// resolver uses it too.
func HomeworkPB(v groupapp.HomeworkView) *pb.GroupHomework {
	out := &pb.GroupHomework{Id: v.ID, Group: int64(v.Group), Creator: int64(v.Creator), Title: v.Title, Text: v.Body, Due: timeMS(v.Due),
		Created: timeMS(v.Created), Reminded: timeMS(v.Reminded), Open: v.Open, Submitted: uint32(v.Submitted), Members: uint32(v.Members),
		Manager: v.Manager, Missing: users64(v.Missing)}
	if v.Mine != nil {
		out.Mine = submissionPB(*v.Mine)
	}
	for _, s := range v.Submissions {
		out.Submissions = append(out.Submissions, submissionPB(s))
	}
	return out
}

// pbList converts xs to their protobuf messages with f, in order.
func pbList[T, P any](xs []T, f func(T) P) []P {
	out := make([]P, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
