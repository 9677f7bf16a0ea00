package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"image"
	"image/png"
	"strconv"
)

type momentOut struct {
	ID       int64  `json:"id"`
	Author   int64  `json:"author"`
	Text     string `json:"text"`
	Location string `json:"location"`
	Media    []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"media"`
	Likes []struct {
		User int64 `json:"user"`
	} `json:"likes"`
	Comments []struct {
		ID      int64  `json:"id"`
		Author  int64  `json:"author"`
		ReplyTo int64  `json:"reply_to"`
		Text    string `json:"text"`
	} `json:"comments"`
}

type idOut struct {
	ID int64 `json:"id"`
}

// The Moments commands, as the scriptable surface names them: post with an
// image and a visibility, feed and album with the likes and comments the
// viewer may see, comment and reply, notifications and settings.
func TestCLIMoments(t *testing.T) {
	server := startNode(t)
	ann, ben, cat := newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat")
	a := one[session](ann, "register", "cli_ann", "password-a")
	b := one[session](ben, "register", "cli_ben", "password-b")
	c := one[session](cat, "register", "cli_cat", "password-c")
	for _, d := range []*device{ben, cat} {
		d.ok("friends", "request", "cli_ann")
		ann.ok("friends", "accept", map[*device]string{ben: "cli_ben", cat: "cli_cat"}[d])
	}

	pic := filepath.Join(t.TempDir(), "p.png")
	f, err := os.Create(pic)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	f.Close()

	p := one[idOut](ann, "moments", "post", "周末爬山", "--image", pic, "--image", pic, "--location", "香山", "--mention", "cli_ben")
	only := one[idOut](ann, "moments", "post", "for ben", "--visibility", "only:cli_ben")
	if p.ID == 0 || only.ID == 0 {
		t.Fatalf("post printed %+v, %+v", p, only)
	}
	if code, ecode := ann.fail("moments", "post", "x", "--image", pic, "--video", pic); code != 2 || ecode != "usage" {
		t.Errorf("images and a video: exit %d, %q; want 2, usage", code, ecode)
	}
	if code, ecode := ann.fail("moments", "post", "x", "--visibility", "only:"); code != 1 || ecode != "invalid_argument" {
		t.Errorf("only nobody: exit %d, %q; want 1, invalid_argument", code, ecode)
	}
	// The cover: set from a file, shown in the settings; removed.
	set := one[struct {
		Cover string `json:"cover"`
	}](ann, "moments", "cover", pic)
	if set.Cover == "" {
		t.Errorf("moments cover: got %+v, want a cover", set)
	}
	if code, ecode := ann.fail("moments", "cover", filepath.Join(t.TempDir(), "none.png")); code != 1 || ecode != "invalid_argument" {
		t.Errorf("a missing cover file: exit %d, %q; want 1, invalid_argument", code, ecode)
	}
	if got := one[struct {
		Cover string `json:"cover"`
	}](ann, "moments", "uncover"); got.Cover != "" {
		t.Errorf("moments uncover: got %+v", got)
	}
	ann.ok("moments", "cover", pic)
	ben.ok("moments", "like", itoa(p.ID))
	cat.ok("moments", "like", itoa(p.ID))
	cb := one[idOut](ben, "moments", "comment", itoa(p.ID), "好看")
	one[idOut](ann, "moments", "comment", itoa(p.ID), "谢谢", "--reply-to", itoa(cb.ID))

	feed := func(d *device, args ...string) []momentOut {
		var out []momentOut
		for _, l := range d.ok(append([]string{"moments"}, args...)...) {
			out = append(out, decode[momentOut](t, l))
		}
		return out
	}
	if got := feed(ann, "feed"); len(got) != 2 || got[1].ID != p.ID || len(got[1].Media) != 2 || len(got[1].Likes) != 2 || len(got[1].Comments) != 2 {
		t.Errorf("ann's feed: %+v; want both posts, the first with 2 images, 2 likes, 2 comments", got)
	}
	// cat is not ben's friend: cat sees only their own like and ann's reply.
	got := feed(cat, "feed")
	if len(got) != 1 || got[0].ID != p.ID || len(got[0].Likes) != 1 || got[0].Likes[0].User != c.User {
		t.Fatalf("cat's feed: %+v; want the post with only cat's like", got)
	}
	for _, cm := range got[0].Comments {
		if cm.Author == b.User || cm.ReplyTo == cb.ID {
			t.Errorf("cat sees %+v, which involves ben, not cat's friend", cm)
		}
	}
	if got := feed(ben, "user", "cli_ann", "--limit", "1"); len(got) != 1 || got[0].ID != only.ID {
		t.Errorf("ann's album for ben, one: %+v; want the post for ben", got)
	}
	notes := ben.ok("moments", "notifications")
	if len(notes) != 2 {
		t.Errorf("ben's notifications: %q; want the mention and the reply", notes)
	}
	for _, n := range notes {
		var got struct {
			Unread int `json:"unread"`
		}
		if err := json.Unmarshal([]byte(n), &got); err != nil || got.Unread != 2 {
			t.Errorf("ben's notification %s: unread %d (%v), want 2", n, got.Unread, err)
		}
	}
	if got := feed(cat, "search", "爬山"); len(got) != 1 || got[0].ID != p.ID {
		t.Errorf("cat searches 爬山: %+v; want ann's post %d", got, p.ID)
	}
	if got := feed(cat, "search", "for ben"); len(got) != 0 {
		t.Errorf("cat searches the post only ben may see: %+v; want none", got)
	}
	type settingsOut struct {
		StrangersSee10 bool    `json:"strangers_see_10"`
		FriendsRange   string  `json:"friends_range"`
		HideMineFrom   []int64 `json:"hide_mine_from"`
	}
	s := one[settingsOut](ann, "moments", "settings", "--hide-mine-from", "cli_cat", "--strangers-see-10", "on", "--friends-range", "3d")
	if !s.StrangersSee10 || s.FriendsRange != "3_days" || len(s.HideMineFrom) != 1 || s.HideMineFrom[0] != c.User {
		t.Errorf("settings: %+v", s)
	}
	if got := feed(cat, "feed"); len(got) != 0 {
		t.Errorf("hidden from cat: %+v", got)
	}
	if code, ecode := ann.fail("moments", "settings", "--friends-range", "1y"); code != 2 || ecode != "usage" {
		t.Errorf("bad range: exit %d, %q", code, ecode)
	}
	ann.ok("moments", "delete", itoa(only.ID))
	if code, ecode := ben.fail("moments", "like", itoa(only.ID)); code != 1 || ecode != "not_found" {
		t.Errorf("like a deleted post: exit %d, %q", code, ecode)
	}
	_ = a
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
