package groupapp

import (
	"context"
	"slices"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// Homework is an assignment posted in a group by its owner or an admin.
// Members submit text until Due; the poster (and the owner and admins)
// see every submission and who has not submitted, and may remind those
// at most once per Config.RemindEvery.
type Homework struct {
	ID       int64
	Group    hongyan.ConversationID
	Creator  hongyan.UserID
	Title    string
	Body     string
	Due      time.Time
	Created  time.Time
	Reminded time.Time // the last reminder (zero: none)
}

// Submission is a member's answer to a homework.
type Submission struct {
	Homework int64
	User     hongyan.UserID
	Text     string
	At       time.Time
	// Files handed in with the answer (Homework and Uploader set; their
	// IDs assigned by the store).
	Files []File
}

// MaxSubmissionFiles is the most files one submission hands in.
const MaxSubmissionFiles = 9

// HomeworkView is a homework as a member sees it.
type HomeworkView struct {
	Homework
	Open      bool // takes submissions
	Submitted int  // members who submitted
	Members   int  // active members other than the poster
	Mine      *Submission
	// For the poster, the owner and admins only: every submission (of
	// members still in the group) and the members who have not
	// submitted.
	Submissions []Submission
	Missing     []hongyan.UserID
	Manager     bool // the viewer sees the above
}

// NewHomework is what the owner or an admin asks to post.
type NewHomework struct {
	Title string
	Body  string
	Due   time.Time
}

// PostHomework posts a homework in group and its card; the owner and
// admins may.
func (s *Service) PostHomework(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, nh NewHomework) (Homework, error) {
	now := s.now()
	nh.Title = strings.TrimSpace(nh.Title)
	if err := text("title", nh.Title, MaxTitle, false); err != nil {
		return Homework{}, err
	}
	if nh.Body != "" {
		if err := text("text", nh.Body, MaxHomeworkBody, true); err != nil {
			return Homework{}, err
		}
	}
	if !nh.Due.After(now) || nh.Due.Sub(now) > maxAhead {
		return Homework{}, hongyan.Errorf(hongyan.CodeInvalid, "the due time must be in the coming year")
	}
	m, err := s.poster(ctx, c, group)
	if err != nil {
		return Homework{}, err
	}
	if !m.Admin() {
		return Homework{}, errAdminsOnly
	}
	notify, err := s.notify(ctx, c, group, ChangeHomework, 0)
	if err != nil {
		return Homework{}, err
	}
	h, changes, err := s.store.CreateHomework(ctx, Homework{Group: group, Creator: c.User, Title: nh.Title, Body: nh.Body,
		Due: nh.Due, Created: now}, notify)
	if err != nil {
		return Homework{}, err
	}
	s.publish(ctx, changes)
	s.post(ctx, group, c.User, Card{App: AppHomework, Kind: CardCreated, Item: h.ID, Title: h.Title})
	return h, nil
}

// Submit stores the caller's answer to homework id of group, in place of
// an earlier one, until it is due.
func (s *Service) Submit(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, answer string) (HomeworkView, error) {
	return s.SubmitFiles(ctx, c, group, id, answer, nil)
}

// SubmitFiles is Submit with files: media the caller uploaded, handed in
// with the answer (which may then be empty) and counted in the group's
// file quota. The files of an earlier submission are replaced.
func (s *Service) SubmitFiles(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64, answer string, files []string) (HomeworkView, error) {
	if answer != "" || len(files) == 0 {
		if err := text("answer", answer, MaxSubmission, true); err != nil {
			return HomeworkView{}, err
		}
	}
	if len(files) > MaxSubmissionFiles {
		return HomeworkView{}, hongyan.Errorf(hongyan.CodeInvalid, "a submission hands in at most %d files", MaxSubmissionFiles)
	}
	m, err := s.member(ctx, c, group)
	if err != nil {
		return HomeworkView{}, err
	}
	h, err := s.store.Homework(ctx, group, id)
	if err != nil {
		return HomeworkView{}, err
	}
	now := s.now()
	if !now.Before(h.Due) {
		return HomeworkView{}, hongyan.Errorf(hongyan.CodePrecondition, "the homework was due").WithReason(hongyan.ReasonExpired)
	}
	if h.Creator == c.User {
		return HomeworkView{}, hongyan.Errorf(hongyan.CodePrecondition, "you posted this homework")
	}
	sub := Submission{Homework: id, User: c.User, Text: answer, At: now}
	var size int64
	for _, media := range files {
		info, err := s.share(ctx, c.User, group, media)
		if err != nil {
			return HomeworkView{}, err
		}
		size += info.Size
		sub.Files = append(sub.Files, File{Group: group, Uploader: c.User, Media: info.Media, Name: fileName(info), Type: info.Type,
			Size: info.Size, Homework: id, Created: now})
	}
	if size > 0 {
		used, err := s.store.FileUsage(ctx, group)
		if err != nil {
			return HomeworkView{}, err
		}
		if used+size > s.cfg.FileQuota {
			return HomeworkView{}, s.quotaError(used, size)
		}
	}
	notify, err := s.notify(ctx, c, group, ChangeHomework, id)
	if err != nil {
		return HomeworkView{}, err
	}
	changes, err := s.store.Submit(ctx, group, sub, s.cfg.FileQuota, notify)
	if err != nil {
		return HomeworkView{}, err
	}
	s.publish(ctx, changes)
	return s.homeworkView(ctx, c, m, h, now)
}

// Remind posts a card mentioning the members who have not submitted
// homework id of group; its poster, the owner and admins may, once per
// Config.RemindEvery, while it is open.
func (s *Service) Remind(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (HomeworkView, error) {
	m, err := s.poster(ctx, c, group)
	if err != nil {
		return HomeworkView{}, err
	}
	h, err := s.store.Homework(ctx, group, id)
	if err != nil {
		return HomeworkView{}, err
	}
	if h.Creator != c.User && !m.Admin() {
		return HomeworkView{}, errAdminsOnly
	}
	now := s.now()
	if !now.Before(h.Due) {
		return HomeworkView{}, hongyan.Errorf(hongyan.CodePrecondition, "the homework was due").WithReason(hongyan.ReasonExpired)
	}
	v, err := s.homeworkView(ctx, c, m, h, now)
	if err != nil {
		return HomeworkView{}, err
	}
	if len(v.Missing) == 0 {
		return HomeworkView{}, hongyan.Errorf(hongyan.CodePrecondition, "everyone has submitted")
	}
	ok, err := s.store.Remind(ctx, group, id, now, now.Add(-s.cfg.RemindEvery))
	if err != nil {
		return HomeworkView{}, err
	}
	if !ok {
		return HomeworkView{}, hongyan.Errorf(hongyan.CodeRateLimited, "a reminder was sent less than %v ago", s.cfg.RemindEvery)
	}
	v.Reminded = now
	mentions := v.Missing
	if len(mentions) > MaxReminded {
		mentions = mentions[:MaxReminded]
	}
	s.post(ctx, group, c.User, Card{App: AppHomework, Kind: CardReminder, Item: h.ID, Title: h.Title, Mentions: mentions, At: now})
	return v, nil
}

// Homework returns homework id of group as the caller sees it.
func (s *Service) Homework(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, id int64) (HomeworkView, error) {
	m, err := s.member(ctx, c, group)
	if err != nil {
		return HomeworkView{}, err
	}
	h, err := s.store.Homework(ctx, group, id)
	if err != nil {
		return HomeworkView{}, err
	}
	return s.homeworkView(ctx, c, m, h, s.now())
}

// Homeworks returns a page of group's homework, newest first, below ID
// before (0: from the newest).
func (s *Service) Homeworks(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]HomeworkView, error) {
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	m, err := s.member(ctx, c, group)
	if err != nil {
		return nil, err
	}
	hs, err := s.store.Homeworks(ctx, group, before, page(limit))
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]HomeworkView, 0, len(hs))
	for _, h := range hs {
		v, err := s.homeworkView(ctx, c, m, h, now)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) homeworkView(ctx context.Context, c hongyan.Caller, m Member, h Homework, now time.Time) (HomeworkView, error) {
	members, err := s.groups.Members(ctx, h.Group, c.User)
	if err != nil {
		return HomeworkView{}, err
	}
	subs, err := s.store.Submissions(ctx, h.ID)
	if err != nil {
		return HomeworkView{}, err
	}
	v := HomeworkView{Homework: h, Open: now.Before(h.Due), Manager: h.Creator == c.User || m.Admin()}
	done := make(map[hongyan.UserID]bool, len(subs))
	for _, sub := range subs {
		if !slices.Contains(members, sub.User) {
			continue
		}
		done[sub.User] = true
		v.Submitted++
		if sub.User == c.User {
			mine := sub
			v.Mine = &mine
		}
		if v.Manager {
			v.Submissions = append(v.Submissions, sub)
		}
	}
	for _, u := range members {
		if u == h.Creator {
			continue
		}
		v.Members++
		if v.Manager && !done[u] {
			v.Missing = append(v.Missing, u)
		}
	}
	return v, nil
}
