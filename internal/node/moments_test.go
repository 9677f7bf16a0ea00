package node_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

func mPost(t *testing.T, c *wsclient.Conn, r *pb.MomentPostRequest) *pb.MomentPost {
	t.Helper()
	return call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: r}}).GetMoment()
}

func mFeed(t *testing.T, c *wsclient.Conn) []*pb.MomentPost {
	t.Helper()
	return call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentFeed{MomentFeed: &pb.MomentFeedRequest{Limit: 50}}}).GetMoments().GetPosts()
}

func mAlbum(t *testing.T, c *wsclient.Conn, user int64) []*pb.MomentPost {
	t.Helper()
	return call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentAlbum{MomentAlbum: &pb.MomentAlbumRequest{User: user}}}).GetMoments().GetPosts()
}

func mGet(c *wsclient.Conn, post int64) (*pb.MomentPost, string) {
	resp, err := c.Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_MomentGet{MomentGet: &pb.MomentRef{Post: post}}})
	return resp.GetMoment(), wsclient.ErrorCode(err)
}

func mComment(c *wsclient.Conn, post int64, text string, replyTo int64) (*pb.MomentComment, string) {
	resp, err := c.Call(context.Background(), &pb.ClientFrame{Req: &pb.ClientFrame_MomentComment{MomentComment: &pb.MomentCommentRequest{Post: post, Text: text, ReplyTo: replyTo}}})
	return resp.GetMomentComment(), wsclient.ErrorCode(err)
}

func mLike(c *wsclient.Conn, post int64) string {
	return callCode(c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentLike{MomentLike: &pb.MomentRef{Post: post}}})
}

func mSettings(t *testing.T, c *wsclient.Conn, r *pb.MomentSettingsRequest) *pb.MomentSettings {
	t.Helper()
	return call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentSettings{MomentSettings: r}}).GetMomentSettings()
}

func postIDs(ps []*pb.MomentPost) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.Id)
	}
	return out
}

// reactors returns who liked, in user order (likes made in the same
// millisecond have no order of their own), and who commented, as the
// viewer got them.
func reactors(p *pb.MomentPost) (likes, comments []int64) {
	for _, l := range p.GetLikes() {
		likes = append(likes, l.User)
	}
	slices.Sort(likes)
	for _, c := range p.GetComments() {
		comments = append(comments, c.Author)
	}
	return likes, comments
}

func findPost(ps []*pb.MomentPost, id int64) *pb.MomentPost {
	for _, p := range ps {
		if p.Id == id {
			return p
		}
	}
	return nil
}

// Moments: visibility per post and per person, strangers, blocks and
// unfriending at once, and THE RULE on every path: a viewer sees only the
// likes and comments of their own friends; the author sees all.
func TestMoments(t *testing.T) {
	forEachEngine(t, testMoments)
}

// The same with no post fanned out: every timeline is read from the
// friends' posts (the path of authors with many friends).
func TestMomentsReadFanout(t *testing.T) {
	forEachEngineWith(t, func(c *config.Config) { c.Moments.FanoutLimit = -1 }, testMoments)
}

func testMoments(t *testing.T, srv *httptest.Server) {
	{
		ann, ben, cat := registerUser(t, srv, "mo_ann"), registerUser(t, srv, "mo_ben"), registerUser(t, srv, "mo_cat")
		dan, eve := registerUser(t, srv, "mo_dan"), registerUser(t, srv, "mo_eve")
		// ann's friends: ben, cat, eve. ben and eve are friends; cat knows
		// nobody else; dan is a stranger to all.
		befriend(t, srv, ann, ben)
		befriend(t, srv, ann, cat)
		befriend(t, srv, ann, eve)
		befriend(t, srv, ben, eve)
		a, b, c, d, e := session(t, srv, ann), session(t, srv, ben), session(t, srv, cat), session(t, srv, dan), session(t, srv, eve)

		p1 := mPost(t, a, &pb.MomentPostRequest{Text: "今天去爬山了", Location: "香山"})
		if p1.Id <= 0 || p1.Author != ann.id || p1.Text != "今天去爬山了" || p1.Location != "香山" {
			t.Fatalf("post: got %v", p1)
		}
		for _, x := range []*wsclient.Conn{b, c, e} {
			if code := mLike(x, p1.Id); code != "" {
				t.Fatalf("like: %s", code)
			}
		}
		cb, code := mComment(b, p1.Id, "好看", 0)
		if code != "" {
			t.Fatalf("comment: %s", code)
		}
		if _, code := mComment(c, p1.Id, "我也想去", 0); code != "" {
			t.Fatalf("comment: %s", code)
		}
		// cat may not reply to ben, whom cat cannot see.
		if _, code := mComment(c, p1.Id, "你是谁", cb.Id); code != "not_found" {
			t.Errorf("cat replies to ben's comment: got %q, want not_found", code)
		}
		if _, code := mComment(e, p1.Id, "同意", cb.Id); code != "" {
			t.Fatalf("eve replies to ben: %s", code)
		}
		// dan, a stranger, sees nothing and may do nothing.
		if _, code := mGet(d, p1.Id); code != "not_found" {
			t.Errorf("stranger gets a post: %q, want not_found", code)
		}
		if code := mLike(d, p1.Id); code != "not_found" {
			t.Errorf("stranger likes: %q, want not_found", code)
		}

		// THE RULE, on the feed, the album, a single post.
		want := map[string]struct {
			c               *wsclient.Conn
			likes, comments []int64
		}{
			"ann": {a, []int64{ben.id, cat.id, eve.id}, []int64{ben.id, cat.id, eve.id}},
			"ben": {b, []int64{ben.id, eve.id}, []int64{ben.id, eve.id}},
			"cat": {c, []int64{cat.id}, []int64{cat.id}},
			"eve": {e, []int64{ben.id, eve.id}, []int64{ben.id, eve.id}},
		}
		for who, w := range want {
			for path, p := range map[string]*pb.MomentPost{
				"feed":  findPost(mFeed(t, w.c), p1.Id),
				"album": findPost(mAlbum(t, w.c, ann.id), p1.Id),
				"get":   func() *pb.MomentPost { p, _ := mGet(w.c, p1.Id); return p }(),
			} {
				if p == nil {
					t.Errorf("%s's %s: post missing", who, path)
					continue
				}
				likes, comments := reactors(p)
				if !slices.Equal(likes, slices.Sorted(slices.Values(w.likes))) || !slices.Equal(comments, w.comments) {
					t.Errorf("%s's %s: likes %v comments %v; want %v and %v", who, path, likes, comments, w.likes, w.comments)
				}
			}
		}

		// Visibility per post: only ben; all except the tag 同事 (cat).
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: cat.id, Tags: []string{"同事"}, SetTags: true}}})
		only := mPost(t, a, &pb.MomentPostRequest{Text: "only ben", Visibility: pb.MomentVisibility_MOMENT_VISIBILITY_ONLY, People: []int64{ben.id}})
		except := mPost(t, a, &pb.MomentPostRequest{Text: "not colleagues", Visibility: pb.MomentVisibility_MOMENT_VISIBILITY_EXCEPT, Tags: []string{"同事"}})
		private := mPost(t, a, &pb.MomentPostRequest{Text: "mine", Visibility: pb.MomentVisibility_MOMENT_VISIBILITY_PRIVATE})
		feeds := func(what string, wants map[*wsclient.Conn][]int64) {
			t.Helper()
			for x, w := range wants {
				if got := postIDs(mFeed(t, x)); !slices.Equal(got, w) {
					t.Errorf("%s: feed %v, want %v", what, got, w)
				}
			}
		}
		feeds("visibility", map[*wsclient.Conn][]int64{
			a: {private.Id, except.Id, only.Id, p1.Id},
			b: {except.Id, only.Id, p1.Id},
			c: {p1.Id},
			e: {except.Id, p1.Id},
			d: {},
		})
		if got, _ := mGet(c, only.Id); got != nil {
			t.Errorf("cat gets a post only for ben: %v", got)
		}
		if bad := mPost(t, a, &pb.MomentPostRequest{Text: "x", Visibility: pb.MomentVisibility_MOMENT_VISIBILITY_ONLY, People: []int64{eve.id}}); bad.Tags != nil || bad.People[0] != eve.id {
			t.Errorf("the author sees whom a post is for: got %v", bad)
		}
		if p, _ := mGet(e, except.Id); p == nil || p.Tags != nil || p.People != nil {
			t.Errorf("a viewer sees the post but not whom it excludes: got %v", p)
		}

		// Hide mine from ben, at once; and back.
		mSettings(t, a, &pb.MomentSettingsRequest{HideMineFrom: []int64{ben.id}})
		if got := mFeed(t, b); len(got) != 0 {
			t.Errorf("hidden from ben: ben's feed %v, want empty", postIDs(got))
		}
		if got := mAlbum(t, b, ann.id); len(got) != 0 {
			t.Errorf("hidden from ben: ann's album %v, want empty", postIDs(got))
		}
		set := mSettings(t, a, &pb.MomentSettingsRequest{UnhideMineFrom: []int64{ben.id}})
		if len(set.HideMineFrom) != 0 || len(mFeed(t, b)) == 0 {
			t.Errorf("unhidden: settings %v, ben's feed %v", set, postIDs(mFeed(t, b)))
		}
		// Don't see theirs: out of eve's feed, still in the album.
		mSettings(t, e, &pb.MomentSettingsRequest{HideTheirs: []int64{ann.id}})
		if got := mFeed(t, e); len(got) != 0 {
			t.Errorf("eve hides ann: feed %v, want empty", postIDs(got))
		}
		if got := mAlbum(t, e, ann.id); len(got) == 0 {
			t.Errorf("eve hides ann: album empty, want ann's posts")
		}
		mSettings(t, e, &pb.MomentSettingsRequest{UnhideTheirs: []int64{ann.id}})

		// Strangers see the latest 10 posts for all friends when allowed.
		on := true
		mSettings(t, a, &pb.MomentSettingsRequest{StrangersSee_10: &on})
		if got := postIDs(mAlbum(t, d, ann.id)); !slices.Equal(got, []int64{p1.Id}) {
			t.Errorf("stranger's album: %v, want %v", got, []int64{p1.Id})
		}
		if p, _ := mGet(d, p1.Id); p == nil || len(p.Likes) != 0 || len(p.Comments) != 0 {
			t.Errorf("stranger's view: %v, want the post without anyone's likes or comments", p)
		}
		if code := mLike(d, p1.Id); code != "not_found" {
			t.Errorf("stranger likes: %q, want not_found", code)
		}

		// Media: friends who see the post may download its image; others not.
		img := upload(t, srv, ann.token, "kind=image", mediaPNG(40, 30)).media(t)
		withImg := mPost(t, a, &pb.MomentPostRequest{Text: "照片", Media: []string{img.ID}})
		if len(withImg.Media) != 1 || withImg.Media[0].Width != 40 || withImg.Media[0].Type != "image/png" {
			t.Errorf("post with an image: %v", withImg.Media)
		}
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, ben.token, nil); r.status != http.StatusOK {
			t.Errorf("friend downloads a post's image: %d", r.status)
		}
		mSettings(t, a, &pb.MomentSettingsRequest{HideMineFrom: []int64{ben.id}})
		if r := request(t, "GET", srv.URL+"/media/"+img.ID, ben.token, nil); r.status != http.StatusNotFound {
			t.Errorf("hidden friend downloads a post's image: %d, want 404", r.status)
		}
		mSettings(t, a, &pb.MomentSettingsRequest{UnhideMineFrom: []int64{ben.id}})
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: &pb.MomentPostRequest{Media: []string{"nosuchmedia"}}}}); code != "not_found" {
			t.Errorf("post someone else's or no media: %q, want not_found", code)
		}

		// Notifications: ann's likes and comments; a reply to ben; unread.
		notes := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_MomentNotifications{MomentNotifications: &pb.MomentNotificationsRequest{}}}).GetMomentNotifications()
		if len(notes.Notifications) != 6 || notes.Unread != 6 {
			t.Errorf("ann's notifications: %d, unread %d; want 6 and 6", len(notes.Notifications), notes.Unread)
		}
		bn := call(t, b, &pb.ClientFrame{Req: &pb.ClientFrame_MomentNotifications{MomentNotifications: &pb.MomentNotificationsRequest{}}}).GetMomentNotifications()
		if len(bn.Notifications) != 1 || bn.Notifications[0].Kind != pb.MomentNotificationKind_MOMENT_NOTIFICATION_REPLY || bn.Notifications[0].Actor != eve.id {
			t.Errorf("ben's notifications: %v, want eve's reply", bn.Notifications)
		}
		var fromLog int
		for _, ch := range collectChanges(t, a) {
			if ch.GetMomentNotification() != nil {
				fromLog++
			}
		}
		if fromLog != 6 {
			t.Errorf("ann's change log: %d notifications, want 6", fromLog)
		}
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_MomentRead{MomentRead: &pb.MomentReadRequest{Upto: notes.Notifications[0].Id}}})
		if n := call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_MomentNotifications{MomentNotifications: &pb.MomentNotificationsRequest{}}}).GetMomentNotifications(); n.Unread != 0 {
			t.Errorf("after read: unread %d", n.Unread)
		}
		// A mention notifies cat.
		mPost(t, a, &pb.MomentPostRequest{Text: "@cat", Mentions: []int64{cat.id}})
		cn := call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_MomentNotifications{MomentNotifications: &pb.MomentNotificationsRequest{}}}).GetMomentNotifications()
		if len(cn.Notifications) != 1 || cn.Notifications[0].Kind != pb.MomentNotificationKind_MOMENT_NOTIFICATION_MENTION {
			t.Errorf("cat's notifications: %v, want a mention", cn.Notifications)
		}
		if code := callCode(a, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: &pb.MomentPostRequest{Text: "x", Mentions: []int64{dan.id}}}}); code != "invalid_argument" {
			t.Errorf("mention a stranger: %q, want invalid_argument", code)
		}

		// A block takes effect at once, both ways.
		call(t, c, &pb.ClientFrame{Req: &pb.ClientFrame_Block{Block: &pb.BlockRequest{User: ann.id, Blocked: true}}})
		if p, code := mGet(c, p1.Id); code != "not_found" {
			t.Errorf("blocked: cat gets ann's post: %v %q", p, code)
		}
		if got := mFeed(t, c); len(got) != 0 {
			t.Errorf("blocked: cat's feed %v, want empty", postIDs(got))
		}
		if got := mAlbum(t, c, ann.id); len(got) != 0 {
			t.Errorf("blocked: ann's album for cat %v, want empty (not even a stranger's 10)", postIDs(got))
		}
		// Unfriending, at once: ben deletes ann.
		call(t, b, &pb.ClientFrame{Req: &pb.ClientFrame_DeleteContact{DeleteContact: &pb.UserRef{User: ann.id}}})
		if got := mFeed(t, b); len(got) != 0 {
			t.Errorf("unfriended: ben's feed %v, want empty", postIDs(got))
		}
		// eve still sees ben's comment (they are friends), ann sees all.
		if p, _ := mGet(e, p1.Id); p == nil || len(p.Comments) != 2 {
			t.Errorf("eve's view after ben left ann: %v", p)
		}

		// Delete: ann only.
		if code := callCode(e, &pb.ClientFrame{Req: &pb.ClientFrame_MomentDelete{MomentDelete: &pb.MomentRef{Post: p1.Id}}}); code != "not_found" {
			t.Errorf("eve deletes ann's post: %q, want not_found", code)
		}
		call(t, a, &pb.ClientFrame{Req: &pb.ClientFrame_MomentDelete{MomentDelete: &pb.MomentRef{Post: p1.Id}}})
		if _, code := mGet(e, p1.Id); code != "not_found" {
			t.Errorf("deleted post: %q, want not_found", code)
		}

		// Bad input changes nothing.
		for _, bad := range []*pb.MomentPostRequest{
			{}, {Text: "x", Visibility: 9}, {Text: "x", Visibility: pb.MomentVisibility_MOMENT_VISIBILITY_ONLY},
			{Text: "x", Link: "javascript:alert(1)"}, {Text: "x", Media: make([]string, 10)}, {Text: "x", People: []int64{dan.id}},
		} {
			if code := callCode(e, &pb.ClientFrame{Req: &pb.ClientFrame_MomentPost{MomentPost: bad}}); code == "" {
				t.Errorf("post %v: succeeded, want an error", bad)
			}
		}
		if got := mAlbum(t, e, eve.id); len(got) != 0 {
			t.Errorf("eve's album after bad posts: %v, want empty", postIDs(got))
		}
	}
}
