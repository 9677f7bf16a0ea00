package officialaccttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	oa "hongyan/internal/officialacct"
)

func ids(ps []oa.Post) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func sameIDs(a, b []int64) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func testForum(t *testing.T, s oa.Store) {
	ctx := t.Context()
	a := newAccount(t, s, "Forum", 1, oa.KindService)
	b := newAccount(t, s, "Forum", 2, oa.KindService)
	var posts []oa.Post
	for i := range 5 {
		p, _, err := s.AddPost(ctx, oa.Post{Account: a.ID, Author: 10, Text: fmt.Sprintf("post %d", i), Media: []string{"m1", "m2"}[:i%3], Created: T0.Add(time.Duration(i) * time.Second)}, nil)
		if err != nil {
			t.Fatalf("AddPost: %v", err)
		}
		posts = append(posts, p)
	}
	got, err := s.Post(ctx, posts[2].ID)
	if err != nil || got.Text != "post 2" || len(got.Media) != 2 || got.Media[1] != "m2" || got.Author != 10 || got.Account != a.ID || !got.Created.Equal(T0.Add(2*time.Second)) {
		t.Errorf("Post: got %+v, %v; want post 2 with two images", got, err)
	}
	if _, err := s.Post(ctx, posts[4].ID+100); code(err) != hongyan.CodeNotFound {
		t.Errorf("Post of a missing ID: got %v, want not found", err)
	}
	// Replies count on their post and notify through the change log.
	r1, changes, err := s.AddPost(ctx, oa.Post{Account: a.ID, Author: 11, Parent: posts[1].ID, Text: "reply 1", Created: T0}, []hongyan.Change{{User: 10, Kind: hongyan.ChangeOAForumReply}})
	if err != nil {
		t.Fatalf("AddPost reply: %v", err)
	}
	if len(changes) != 1 || changes[0].Ref != r1.ID || changes[0].User != 10 || changes[0].Seq <= 0 {
		t.Errorf("reply changes: got %+v, want one for user 10 with Ref %d", changes, r1.ID)
	}
	r2, _, err := s.AddPost(ctx, oa.Post{Account: a.ID, Author: 12, Parent: posts[1].ID, Text: "reply 2", Created: T0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Post(ctx, posts[1].ID); p.Replies != 2 {
		t.Errorf("replies of a post with two: got %d, want 2", p.Replies)
	}
	if _, _, err := s.AddPost(ctx, oa.Post{Account: b.ID, Author: 12, Parent: posts[1].ID, Text: "elsewhere", Created: T0}, nil); code(err) != hongyan.CodeNotFound {
		t.Errorf("reply through another account: got %v, want not found", err)
	}
	if _, _, err := s.AddPost(ctx, oa.Post{Account: a.ID, Author: 12, Parent: r1.ID, Text: "nested", Created: T0}, nil); code(err) != hongyan.CodeNotFound {
		t.Errorf("reply to a reply: got %v, want not found", err)
	}
	rs, err := s.Replies(ctx, posts[1].ID, 0, 10)
	if err != nil || !sameIDs(ids(rs), []int64{r1.ID, r2.ID}) {
		t.Errorf("Replies: got %v, %v; want %v", ids(rs), err, []int64{r1.ID, r2.ID})
	}
	if rs, _ := s.Replies(ctx, posts[1].ID, r1.ID, 10); !sameIDs(ids(rs), []int64{r2.ID}) {
		t.Errorf("Replies after the first: got %v, want %v", ids(rs), []int64{r2.ID})
	}
	// Pinned first, then newest first; pages continue across the boundary.
	if err := s.PinPost(ctx, a.ID, posts[1].ID, true); err != nil {
		t.Fatal(err)
	}
	if err := s.PinPost(ctx, b.ID, posts[3].ID, true); code(err) != hongyan.CodeNotFound {
		t.Errorf("PinPost through another account: got %v, want not found", err)
	}
	if err := s.PinPost(ctx, a.ID, r1.ID, true); code(err) != hongyan.CodeNotFound {
		t.Errorf("PinPost of a reply: got %v, want not found", err)
	}
	if n, err := s.CountPinned(ctx, a.ID); err != nil || n != 1 {
		t.Errorf("CountPinned: got %d, %v; want 1", n, err)
	}
	want := []int64{posts[1].ID, posts[4].ID, posts[3].ID, posts[2].ID, posts[0].ID}
	all, err := s.Posts(ctx, a.ID, oa.PostPage{Limit: 10})
	if err != nil || !sameIDs(ids(all), want) {
		t.Errorf("Posts: got %v, %v; want %v", ids(all), err, want)
	}
	var paged []int64
	page := oa.PostPage{Limit: 2}
	for range 5 {
		ps, err := s.Posts(ctx, a.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			break
		}
		paged = append(paged, ids(ps)...)
		last := ps[len(ps)-1]
		page.After, page.AfterPinned = last.ID, last.Pinned
	}
	if !sameIDs(paged, want) {
		t.Errorf("Posts by pages of 2: got %v, want %v", paged, want)
	}
	if ps, _ := s.Posts(ctx, b.ID, oa.PostPage{Limit: 10}); len(ps) != 0 {
		t.Errorf("Posts of an account without any: got %v", ids(ps))
	}
	// Removing: a reply stops counting; a removed post leaves the list,
	// takes no replies and is not pinned.
	if err := s.RemovePost(ctx, a.ID, r1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePost(ctx, a.ID, r1.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("RemovePost twice: got %v, want not found", err)
	}
	if p, _ := s.Post(ctx, posts[1].ID); p.Replies != 1 {
		t.Errorf("replies after removing one of two: got %d, want 1", p.Replies)
	}
	if rs, _ := s.Replies(ctx, posts[1].ID, 0, 10); !sameIDs(ids(rs), []int64{r2.ID}) {
		t.Errorf("Replies after removing one: got %v, want %v", ids(rs), []int64{r2.ID})
	}
	if err := s.RemovePost(ctx, b.ID, posts[1].ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("RemovePost through another account: got %v, want not found", err)
	}
	if err := s.RemovePost(ctx, a.ID, posts[1].ID); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Post(ctx, posts[1].ID); !p.Removed || p.Pinned {
		t.Errorf("a removed post: got %+v, want removed and not pinned", p)
	}
	if n, _ := s.CountPinned(ctx, a.ID); n != 0 {
		t.Errorf("CountPinned after removing the pinned post: got %d, want 0", n)
	}
	if _, _, err := s.AddPost(ctx, oa.Post{Account: a.ID, Author: 12, Parent: posts[1].ID, Text: "late", Created: T0}, nil); code(err) != hongyan.CodeNotFound {
		t.Errorf("reply to a removed post: got %v, want not found", err)
	}
	if err := s.PinPost(ctx, a.ID, posts[1].ID, true); code(err) != hongyan.CodeNotFound {
		t.Errorf("PinPost of a removed post: got %v, want not found", err)
	}
	if ps, _ := s.Posts(ctx, a.ID, oa.PostPage{Limit: 10}); !sameIDs(ids(ps), want[1:]) {
		t.Errorf("Posts after removing the pinned one: got %v, want %v", ids(ps), want[1:])
	}
}

type nopBus struct{}

func (nopBus) Publish(context.Context, string, []byte) error { return nil }
func (nopBus) Subscribe(string, func([]byte)) (hongyan.Subscription, error) {
	return nil, hongyan.Errorf(hongyan.CodeUnimplemented, "no subscriptions")
}

// images lets every user share media IDs but "forbidden".
type images struct{ shared map[string]int64 }

func (im *images) Share(_ context.Context, _ hongyan.UserID, id string, post int64) error {
	if id == "forbidden" {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such media")
	}
	im.shared[id] = post
	return nil
}

// testForumRules checks the forum's rules through the service on the
// store: who may read, write, pin and remove.
func testForumRules(t *testing.T, s oa.Store) {
	ctx := t.Context()
	svc := oa.New(s, hongyan.Publisher{Bus: nopBus{}})
	svc.SetForumRate(hongyan.Rate{N: 7, Per: time.Hour})
	who := func(u hongyan.UserID) hongyan.Caller { return hongyan.Caller{User: u} }
	const admin, editor, analyst, fan, other, blocked, stranger, gone = 1, 2, 3, 10, 11, 12, 13, 14
	created, err := svc.Create(ctx, who(admin), "Town", "Town Hall", oa.KindService)
	if err != nil {
		t.Fatal(err)
	}
	id := created.Account.ID
	for u, r := range map[hongyan.UserID]oa.Role{editor: oa.RoleEditor, analyst: oa.RoleAnalyst} {
		if err := svc.SetOperator(ctx, who(admin), id, u, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []hongyan.UserID{fan, other, blocked, gone} {
		if _, err := svc.Follow(ctx, who(u), id); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Unfollow(ctx, who(gone), id); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetBlocked(ctx, who(editor), id, blocked, true); err != nil {
		t.Fatal(err)
	}
	reason := hongyan.ErrorReason

	// Writing: followers only, not blocked ones, within the bounds.
	if _, err := svc.ForumPost(ctx, who(fan), id, "with an image", []string{"img0"}); code(err) != hongyan.CodeUnimplemented {
		t.Errorf("ForumPost with an image and no images: got %v, want unimplemented", err)
	}
	im := &images{shared: map[string]int64{}}
	svc.SetImages(im)
	p, err := svc.ForumPost(ctx, who(fan), id, "Is the library open on Sunday?", []string{"img1"})
	if err != nil {
		t.Fatalf("ForumPost by a follower: %v", err)
	}
	if im.shared["img1"] != p.ID {
		t.Errorf("the post's image: shared with %d, want post %d", im.shared["img1"], p.ID)
	}
	if _, err := svc.ForumPost(ctx, who(fan), id, "someone else's image", []string{"img2", "forbidden"}); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumPost with an image the author may not read: got %v, want not found", err)
	}
	if ps, _ := svc.ForumPosts(ctx, who(fan), id, oa.PostPage{}); len(ps) != 1 {
		t.Errorf("posts after one failed for its image: got %d, want 1", len(ps))
	}
	for name, tc := range map[string]struct {
		u    hongyan.UserID
		want bool
	}{"a follower": {other, true}, "an analyst": {analyst, true}, "a stranger": {stranger, false}, "a former follower": {gone, false}} {
		if ok, err := svc.CanSeePost(ctx, tc.u, p.ID); err != nil || ok != tc.want {
			t.Errorf("CanSeePost by %s: got %v, %v; want %v", name, ok, err, tc.want)
		}
	}
	for name, u := range map[string]hongyan.UserID{"a stranger": stranger, "a former follower": gone, "an operator who does not follow": admin} {
		if _, err := svc.ForumPost(ctx, who(u), id, "hello", nil); code(err) != hongyan.CodePrecondition || reason(err) != oa.ReasonNotFollowing {
			t.Errorf("ForumPost by %s: got %v, want failed_precondition not_following", name, err)
		}
		if _, err := svc.ForumReply(ctx, who(u), p.ID, "hello"); code(err) != hongyan.CodePrecondition {
			t.Errorf("ForumReply by %s: got %v, want failed_precondition", name, err)
		}
	}
	if _, err := svc.ForumPost(ctx, who(blocked), id, "hello", nil); code(err) != hongyan.CodeDenied || reason(err) != hongyan.ReasonBlocked {
		t.Errorf("ForumPost by a blocked follower: got %v, want permission_denied blocked", err)
	}
	if _, err := svc.ForumReply(ctx, who(blocked), p.ID, "hello"); code(err) != hongyan.CodeDenied {
		t.Errorf("ForumReply by a blocked follower: got %v, want permission_denied", err)
	}
	for name, tc := range map[string]struct {
		text  string
		media []string
	}{
		"empty":          {"  ", nil},
		"too long":       {strings.Repeat("字", oa.MaxPostText+1), nil},
		"ten images":     {"x", strings.Split("a,b,c,d,e,f,g,h,i,j", ",")},
		"a bad media ID": {"x", []string{"../etc/passwd"}},
		"control chars":  {"a\x00b", nil},
	} {
		if _, err := svc.ForumPost(ctx, who(fan), id, tc.text, tc.media); code(err) != hongyan.CodeInvalid {
			t.Errorf("ForumPost %s: got %v, want invalid_argument", name, err)
		}
	}
	if _, err := svc.ForumReply(ctx, who(other), p.ID, strings.Repeat("a", oa.MaxReplyText+1)); code(err) != hongyan.CodeInvalid {
		t.Errorf("ForumReply too long: got %v, want invalid_argument", err)
	}
	if _, err := svc.ForumPost(ctx, who(fan), id+100, "x", nil); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumPost to a missing account: got %v, want not found", err)
	}
	r, err := svc.ForumReply(ctx, who(other), p.ID, "Yes, 10 to 4.")
	if err != nil {
		t.Fatalf("ForumReply by a follower: %v", err)
	}
	if _, err := svc.ForumReply(ctx, who(fan), r.ID, "thanks"); code(err) != hongyan.CodeInvalid {
		t.Errorf("ForumReply to a reply: got %v, want invalid_argument", err)
	}

	// Reading: followers (blocked ones too) and operators.
	for name, u := range map[string]hongyan.UserID{"a follower": other, "a blocked follower": blocked, "an analyst": analyst} {
		ps, err := svc.ForumPosts(ctx, who(u), id, oa.PostPage{})
		if err != nil || len(ps) != 1 || ps[0].ID != p.ID || ps[0].Replies != 1 {
			t.Errorf("ForumPosts by %s: got %+v, %v; want the one post with one reply", name, ps, err)
		}
		got, rs, err := svc.ForumThread(ctx, who(u), p.ID, 0, 0)
		if err != nil || got.ID != p.ID || len(rs) != 1 || rs[0].ID != r.ID {
			t.Errorf("ForumThread by %s: got %+v %+v, %v", name, got, rs, err)
		}
	}
	for name, u := range map[string]hongyan.UserID{"a stranger": stranger, "a former follower": gone} {
		if _, err := svc.ForumPosts(ctx, who(u), id, oa.PostPage{}); code(err) != hongyan.CodePrecondition {
			t.Errorf("ForumPosts by %s: got %v, want failed_precondition", name, err)
		}
		if _, _, err := svc.ForumThread(ctx, who(u), p.ID, 0, 0); code(err) != hongyan.CodePrecondition {
			t.Errorf("ForumThread by %s: got %v, want failed_precondition", name, err)
		}
	}
	if got, err := svc.ForumReplyOf(ctx, who(fan), r.ID); err != nil || got.Text != "Yes, 10 to 4." {
		t.Errorf("ForumReplyOf: got %+v, %v", got, err)
	}

	// Moderating: admins and editors pin and remove; analysts and
	// followers do not; authors remove their own.
	p2, err := svc.ForumPost(ctx, who(other), id, "Second", nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]hongyan.UserID{"an analyst": analyst, "a follower": fan, "a stranger": stranger} {
		if _, err := svc.ForumPin(ctx, who(u), p.ID, true); code(err) != hongyan.CodeDenied {
			t.Errorf("ForumPin by %s: got %v, want permission_denied", name, err)
		}
		if err := svc.ForumRemove(ctx, who(u), p2.ID); code(err) != hongyan.CodeDenied {
			t.Errorf("ForumRemove of another's post by %s: got %v, want permission_denied", name, err)
		}
	}
	if got, err := svc.ForumPin(ctx, who(editor), p.ID, true); err != nil || !got.Pinned {
		t.Errorf("ForumPin by an editor: got %+v, %v", got, err)
	}
	if _, err := svc.ForumPin(ctx, who(admin), r.ID, true); code(err) != hongyan.CodeInvalid {
		t.Errorf("ForumPin of a reply: got %v, want invalid_argument", err)
	}
	if ps, _ := svc.ForumPosts(ctx, who(fan), id, oa.PostPage{}); !sameIDs(ids(ps), []int64{p.ID, p2.ID}) {
		t.Errorf("ForumPosts with the older post pinned: got %v, want %v", ids(ps), []int64{p.ID, p2.ID})
	}
	if write, moderate, err := svc.ForumRole(ctx, who(editor), id); err != nil || write || !moderate {
		t.Errorf("ForumRole of an editor: got write %v moderate %v, %v; want false true", write, moderate, err)
	}
	if write, moderate, err := svc.ForumRole(ctx, who(blocked), id); err != nil || write || moderate {
		t.Errorf("ForumRole of a blocked follower: got write %v moderate %v, %v; want false false", write, moderate, err)
	}
	if write, moderate, err := svc.ForumRole(ctx, who(fan), id); err != nil || !write || moderate {
		t.Errorf("ForumRole of a follower: got write %v moderate %v, %v; want true false", write, moderate, err)
	}
	if err := svc.ForumRemove(ctx, who(other), r.ID); err != nil {
		t.Errorf("ForumRemove of one's own reply: %v", err)
	}
	if err := svc.ForumRemove(ctx, who(admin), p.ID); err != nil {
		t.Errorf("ForumRemove by an admin: %v", err)
	}
	if err := svc.ForumRemove(ctx, who(admin), p.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumRemove twice: got %v, want not found", err)
	}
	// A removed post: gone from the list, its thread not found, no replies,
	// no pin.
	if ps, _ := svc.ForumPosts(ctx, who(fan), id, oa.PostPage{}); !sameIDs(ids(ps), []int64{p2.ID}) {
		t.Errorf("ForumPosts after removal: got %v, want %v", ids(ps), []int64{p2.ID})
	}
	if _, _, err := svc.ForumThread(ctx, who(fan), p.ID, 0, 0); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumThread of a removed post: got %v, want not found", err)
	}
	if _, err := svc.ForumReply(ctx, who(other), p.ID, "late"); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumReply to a removed post: got %v, want not found", err)
	}
	if _, err := svc.ForumPin(ctx, who(admin), p.ID, true); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumPin of a removed post: got %v, want not found", err)
	}
	if _, err := svc.ForumReplyOf(ctx, who(fan), r.ID); code(err) != hongyan.CodeNotFound {
		t.Errorf("ForumReplyOf a removed reply: got %v, want not found", err)
	}
	if ok, err := svc.CanSeePost(ctx, fan, p.ID); err != nil || ok {
		t.Errorf("CanSeePost of a removed post: got %v, %v; want false", ok, err)
	}

	// The rate: 7 an hour per user in this test; fan has written 2 (one
	// failed for its image), other 3 (a post, a reply, a post).
	for i := range 5 {
		if _, err := svc.ForumPost(ctx, who(fan), id, fmt.Sprintf("n%d", i), nil); err != nil {
			t.Fatalf("post %d within the rate: %v", i+2, err)
		}
	}
	if _, err := svc.ForumPost(ctx, who(fan), id, "one too many", nil); code(err) != hongyan.CodeRateLimited {
		t.Errorf("post beyond the rate: got %v, want rate_limited", err)
	}
	if _, err := svc.ForumReply(ctx, who(other), p2.ID, "still allowed"); err != nil {
		t.Errorf("another user's reply: %v", err)
	}
	// A page asked for with one more than its size gets it (to tell
	// whether more follow), at most MaxForumPage + 1.
	svc.SetForumRate(hongyan.Rate{})
	for i := range oa.MaxForumPage + 2 {
		if _, err := svc.ForumPost(ctx, who(other), id, fmt.Sprintf("bulk %d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if ps, err := svc.ForumPosts(ctx, who(fan), id, oa.PostPage{Limit: oa.MaxForumPage + 1}); err != nil || len(ps) != oa.MaxForumPage+1 {
		t.Errorf("ForumPosts of %d: got %d, %v", oa.MaxForumPage+1, len(ps), err)
	}
	if ps, _ := svc.ForumPosts(ctx, who(fan), id, oa.PostPage{Limit: 1000}); len(ps) != oa.MaxForumPage+1 {
		t.Errorf("ForumPosts of 1000: got %d, want %d", len(ps), oa.MaxForumPage+1)
	}
}
