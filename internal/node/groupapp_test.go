package node_test

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	pb "hongyan/internal/gen/hongyanv1"
)

// Group apps over the protocol: a poll, check-in and homework in a group;
// cards in the group chat; muting; a stranger and a removed member get
// not_found; another device of a member, syncing from the start, ends
// with the state the member sees now, and the removed member's learns
// nothing of what came after.
func TestGroupApps(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "gapp", 3)
		owner, mem, gone := session(t, srv, us[0]), session(t, srv, us[1]), session(t, srv, us[2])
		stranger := session(t, srv, registerUser(t, srv, "gapp_stranger"))
		g := createGroup(t, owner, "徒步群", ids(us[1:])).Id

		create := &pb.ClientFrame{Req: &pb.ClientFrame_AppPollCreate{AppPollCreate: &pb.PollCreateRequest{Group: g, Question: "周六去哪？",
			Options: []string{"香山", "百望山", "八大处"}, Deadline: time.Now().Add(time.Hour).UnixMilli()}}}
		if code := callCode(stranger, create); code != "not_found" {
			t.Errorf("a stranger creating a poll: got %q, want not_found", code)
		}
		p := call(t, mem, create).GetAppPoll()
		if p.Id == 0 || len(p.Options) != 3 || !p.Open || p.Creator != us[1].id {
			t.Fatalf("create poll: got %v", p)
		}
		vote := func(c int64, choices ...uint32) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_AppPollVote{AppPollVote: &pb.PollVoteRequest{Group: g, Poll: c, Choices: choices}}}
		}
		call(t, mem, vote(p.Id, 0))
		call(t, gone, vote(p.Id, 1))
		got := call(t, owner, vote(p.Id, 1)).GetAppPoll()
		if !slices.Equal(got.Counts, []uint32{1, 2, 0}) || got.Voters != 3 || !slices.Equal(got.Mine, []uint32{1}) {
			t.Errorf("after three votes: got %v", got)
		}
		if code := callCode(owner, vote(p.Id, 0, 1)); code != "invalid_argument" {
			t.Errorf("two choices on a single-choice poll: got %q, want invalid_argument", code)
		}
		if code := callCode(owner, vote(p.Id, 7)); code != "invalid_argument" {
			t.Errorf("a choice out of range: got %q, want invalid_argument", code)
		}

		// The owner removes a member and mutes the group: the removed
		// member and a stranger see nothing; a plain member may vote but
		// not create.
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g, Users: []int64{us[2].id}}}})
		muted := true
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g, MutedAll: &muted}}})
		for _, f := range []*pb.ClientFrame{
			{Req: &pb.ClientFrame_AppPollGet{AppPollGet: &pb.GroupAppRef{Group: g, Id: p.Id}}},
			{Req: &pb.ClientFrame_AppPolls{AppPolls: &pb.GroupAppPage{Group: g}}},
			vote(p.Id, 0),
			{Req: &pb.ClientFrame_AppCheckin{AppCheckin: &pb.GroupRef{Group: g}}},
			{Req: &pb.ClientFrame_AppCheckinBoard{AppCheckinBoard: &pb.GroupRef{Group: g}}},
			{Req: &pb.ClientFrame_AppHomeworks{AppHomeworks: &pb.GroupAppPage{Group: g}}},
		} {
			if code := callCode(stranger, f); code != "not_found" {
				t.Errorf("a stranger's %T: got %q, want not_found", f.Req, code)
			}
			if code := callCode(gone, f); code != "not_found" {
				t.Errorf("a removed member's %T: got %q, want not_found", f.Req, code)
			}
		}
		if code := callCode(mem, create); code != "permission_denied" {
			t.Errorf("a member creating a poll in a muted group: got %q, want permission_denied", code)
		}
		call(t, mem, vote(p.Id, 2)) // changes the vote
		closePoll := &pb.ClientFrame{Req: &pb.ClientFrame_AppPollClose{AppPollClose: &pb.GroupAppRef{Group: g, Id: p.Id}}}
		if code := callCode(mem, closePoll); code != "permission_denied" {
			t.Errorf("its muted creator closing the poll: got %q, want permission_denied (it posts a card)", code)
		}
		closed := call(t, owner, closePoll).GetAppPoll()
		if closed.Open || closed.Closed == 0 {
			t.Errorf("closed poll: got %v", closed)
		}

		// Check-in and homework.
		b := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppCheckin{AppCheckin: &pb.GroupRef{Group: g}}}).GetAppCheckinBoard()
		if b.Me.GetStreak() != 1 || !b.Me.GetToday() || b.Today != 1 || b.Zone != "Asia/Shanghai" || len(b.Ranking) != 1 {
			t.Errorf("check-in: got %v", b)
		}
		post := &pb.ClientFrame{Req: &pb.ClientFrame_AppHomeworkPost{AppHomeworkPost: &pb.HomeworkPostRequest{Group: g, Title: "路线图",
			Text: "画出路线", Due: time.Now().Add(24 * time.Hour).UnixMilli()}}}
		if code := callCode(mem, post); code != "permission_denied" {
			t.Errorf("a member posting homework: got %q, want permission_denied", code)
		}
		h := call(t, owner, post).GetAppHomework()
		if !h.Manager || !slices.Equal(h.Missing, []int64{us[1].id}) {
			t.Fatalf("posted homework: got %v, want mem missing", h)
		}
		remind := &pb.ClientFrame{Req: &pb.ClientFrame_AppHomeworkRemind{AppHomeworkRemind: &pb.GroupAppRef{Group: g, Id: h.Id}}}
		call(t, owner, remind)
		if code := callCode(owner, remind); code != "rate_limited" {
			t.Errorf("a second reminder at once: got %q, want rate_limited", code)
		}
		sub := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppHomeworkSubmit{AppHomeworkSubmit: &pb.HomeworkSubmitRequest{Group: g,
			Homework: h.Id, Text: "见附图"}}}).GetAppHomework()
		if sub.Manager || sub.Missing != nil || sub.Mine.GetText() != "见附图" || sub.Submitted != 1 {
			t.Errorf("submitted: got %v", sub)
		}

		// The announcements board: the owner posts (pinned), a member may not.
		announce := &pb.ClientFrame{Req: &pb.ClientFrame_AppAnnounce{AppAnnounce: &pb.AnnounceRequest{Group: g, Text: "周六集合：南门\n八点出发", Pinned: true}}}
		if code := callCode(mem, announce); code != "permission_denied" {
			t.Errorf("a member announcing: got %q, want permission_denied", code)
		}
		ann := call(t, owner, announce).GetAppAnnouncement()
		old := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppAnnounce{AppAnnounce: &pb.AnnounceRequest{Group: g, Text: "带水"}}}).GetAppAnnouncement()
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppAnnounceRemove{AppAnnounceRemove: &pb.GroupAppRef{Group: g, Id: old.Id}}})
		board := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppAnnouncements{AppAnnouncements: &pb.AnnouncementsRequest{Group: g}}}).GetAppAnnouncements().GetAnnouncements()
		if len(board) != 1 || board[0].Id != ann.Id || !board[0].Pinned {
			t.Errorf("board: got %v, want the pinned one only", board)
		}
		if code := callCode(gone, &pb.ClientFrame{Req: &pb.ClientFrame_AppAnnouncements{AppAnnouncements: &pb.AnnouncementsRequest{Group: g}}}); code != "not_found" {
			t.Errorf("a removed member reading the board: got %q, want not_found", code)
		}

		// An event with one place: the owner waits, and gets the place when
		// the member cancels.
		eventReq := &pb.ClientFrame{Req: &pb.ClientFrame_AppEventCreate{AppEventCreate: &pb.EventCreateRequest{Group: g, Title: "登山",
			Place: "香山东门", Start: time.Now().Add(72 * time.Hour).UnixMilli(), Limit: 1}}}
		if code := callCode(mem, eventReq); code != "permission_denied" {
			t.Errorf("a member creating an event in a muted group: got %q, want permission_denied", code)
		}
		e := call(t, owner, eventReq).GetAppEvent()
		ref := &pb.GroupAppRef{Group: g, Id: e.Id}
		call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppEventSignup{AppEventSignup: ref}})
		waiting := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppEventSignup{AppEventSignup: ref}}).GetAppEvent()
		if waiting.Mine != 2 || waiting.WaitingAt != 1 || !slices.Equal(waiting.Going, []int64{us[1].id}) {
			t.Errorf("the owner signing up for a full event: got %v, want waiting first", waiting)
		}
		if code := callCode(gone, &pb.ClientFrame{Req: &pb.ClientFrame_AppEventSignup{AppEventSignup: ref}}); code != "not_found" {
			t.Errorf("a removed member signing up: got %q, want not_found", code)
		}
		call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppEventCancel{AppEventCancel: ref}})

		// The member's other device, from the start: the cards in the chat
		// and each app's state as it is now.
		var cards []*pb.AppCard
		var lastPoll *pb.GroupPoll
		var lastBoard *pb.CheckinBoard
		var lastHomework *pb.GroupHomework
		var reminder *pb.Message
		removed := map[int64]bool{}
		var lastEvent *pb.GroupEvent
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, us[1]))) {
			if m := ch.GetMessage(); m.GetKind() == pb.MessageKind_MESSAGE_KIND_APP_CARD {
				cards = append(cards, m.AppCard)
				if m.AppCard.GetKind() == pb.AppCardKind_APP_CARD_KIND_REMINDER {
					reminder = m
				}
			}
			if x := ch.GetAppPoll(); x != nil {
				lastPoll = x
			}
			if x := ch.GetAppCheckinBoard(); x != nil {
				lastBoard = x
			}
			if x := ch.GetAppHomework(); x != nil {
				lastHomework = x
			}
			if x := ch.GetAppAnnouncement(); x != nil {
				removed[x.Id] = x.Removed
			}
			if x := ch.GetAppEvent(); x != nil {
				lastEvent = x
			}
		}
		if want := map[int64]bool{ann.Id: false, old.Id: true}; len(removed) != 2 || removed[ann.Id] || !removed[old.Id] {
			t.Errorf("second device's announcements (removed by ID): got %v, want %v", removed, want)
		}
		want := []*pb.AppCard{
			{App: pb.GroupApp_GROUP_APP_POLL, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: p.Id, Title: "周六去哪？"},
			{App: pb.GroupApp_GROUP_APP_POLL, Kind: pb.AppCardKind_APP_CARD_KIND_CLOSED, Item: p.Id, Title: "周六去哪？"},
			{App: pb.GroupApp_GROUP_APP_HOMEWORK, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: h.Id, Title: "路线图"},
			{App: pb.GroupApp_GROUP_APP_HOMEWORK, Kind: pb.AppCardKind_APP_CARD_KIND_REMINDER, Item: h.Id, Title: "路线图"},
			{App: pb.GroupApp_GROUP_APP_ANNOUNCEMENT, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: ann.Id, Title: "周六集合：南门"},
			{App: pb.GroupApp_GROUP_APP_ANNOUNCEMENT, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: old.Id, Title: "带水"},
			{App: pb.GroupApp_GROUP_APP_EVENT, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: e.Id, Title: "登山"},
			{App: pb.GroupApp_GROUP_APP_EVENT, Kind: pb.AppCardKind_APP_CARD_KIND_PROMOTED, Item: e.Id, Title: "登山"},
		}
		if lastEvent == nil || !slices.Equal(lastEvent.Going, []int64{us[0].id}) || lastEvent.Mine != 0 || len(lastEvent.Waiting) != 0 {
			t.Errorf("second device's event: got %v, want the owner going, promoted", lastEvent)
		}
		if len(cards) != len(want) {
			t.Fatalf("cards: got %v, want %v", cards, want)
		}
		for i := range want {
			if !proto.Equal(cards[i], want[i]) {
				t.Errorf("card %d: got %v, want %v", i, cards[i], want[i])
			}
		}
		if reminder == nil || !slices.Equal(reminder.Mentions, []int64{us[1].id}) || reminder.Sender != us[0].id {
			t.Errorf("reminder: got %v, want the owner mentioning mem", reminder)
		}
		if lastPoll == nil || lastPoll.Open || !slices.Equal(lastPoll.Counts, []uint32{0, 2, 1}) || !slices.Equal(lastPoll.Mine, []uint32{2}) {
			t.Errorf("second device's poll: got %v, want closed, counts [0 2 1] (a vote stays when its voter leaves)", lastPoll)
		}
		if lastBoard == nil || lastBoard.Today != 1 {
			t.Errorf("second device's board: got %v", lastBoard)
		}
		if lastHomework == nil || lastHomework.Mine.GetText() != "见附图" {
			t.Errorf("second device's homework: got %v", lastHomework)
		}
		// Blocking someone does not hide a group's apps: membership decides.
		call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: us[0].id, Blocked: true}}})
		if got := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppAnnouncements{AppAnnouncements: &pb.AnnouncementsRequest{Group: g}}}).GetAppAnnouncements(); len(got.GetAnnouncements()) != 1 {
			t.Errorf("the board after blocking its author: got %v, want the one announcement", got)
		}
		if got := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppPollGet{AppPollGet: &pb.GroupAppRef{Group: g, Id: p.Id}}}).GetAppPoll(); got.Creator != us[1].id {
			t.Errorf("a poll by someone who blocked me: got %v", got)
		}

		// The removed member's device learns nothing of the apps now.
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, us[2]))) {
			if ch.GetAppPoll() != nil || ch.GetAppHomework() != nil || ch.GetAppCheckinBoard() != nil || ch.GetAppAnnouncement() != nil || ch.GetAppEvent() != nil {
				t.Errorf("removed member's device: got %v", ch)
			}
		}
	})
}
