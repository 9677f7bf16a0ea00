package cli_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type oaCreated struct {
	AppID      string `json:"appid"`
	AppSecret  string `json:"appsecret"`
	OriginalID string `json:"original_id"`
}

type oaMessage struct {
	Kind       string            `json:"kind"`
	Text       string            `json:"text"`
	MediaID    string            `json:"media_id"`
	Title      string            `json:"title"`
	Articles   []map[string]any  `json:"articles"`
	TemplateID string            `json:"template_id"`
	Fields     map[string]string `json:"fields"`
}

func oaTexts(t *testing.T, d *device, appid string) []string {
	t.Helper()
	var out []string
	for _, l := range d.ok("oa", "messages", appid) {
		m := decode[oaMessage](t, l)
		out = append(out, m.Kind+":"+m.Text)
	}
	return out
}

// An operator creates an account and sets it up; a user follows it, chats
// with it, taps its menu and receives a broadcast; a stranger cannot
// operate it; a QR code follows with its scene.
func TestOfficialAccounts(t *testing.T) {
	srv := startNode(t)
	op, user, other := newDevice(t, srv, "operator"), newDevice(t, srv, "user"), newDevice(t, srv, "other")
	one[session](op, "register", "shop_owner", "password-o")
	one[session](user, "register", "reader_01", "password-u")
	one[session](other, "register", "reader_02", "password-r")

	acct := one[oaCreated](op, "oa", "create", "Corner Shop", "Daily Deals", "--type", "service")
	if !strings.HasPrefix(acct.AppID, "wx") || len(acct.AppID) != 18 || len(acct.AppSecret) != 32 || !strings.HasPrefix(acct.OriginalID, "gh_") {
		t.Fatalf("oa create: got %+v", acct)
	}
	if code, ec := other.fail("oa", "create", "Corner Shop", "Copycat"); code != 1 || ec != "permission_denied" {
		t.Errorf("oa create in another's organisation: got exit %d, %s; want permission_denied", code, ec)
	}
	op.ok("oa", "welcome", acct.AppID, "欢迎光临")
	op.ok("oa", "default", acct.AppID, "Sorry, I did not get that.")
	op.ok("oa", "rule", "add", acct.AppID, "hours", "We open at 9.", "--match", "contains")
	op.ok("oa", "rule", "add", acct.AppID, "DEALS_TODAY", "Half price apples.")
	op.ok("oa", "menu", acct.AppID, `{"button":[{"type":"click","name":"Deals","key":"DEALS_TODAY"},{"name":"More","sub_button":[{"type":"view","name":"Site","url":"https://shop.example/"}]}]}`)
	tpl := one[struct {
		TemplateID string `json:"template_id"`
	}](op, "oa", "template", "add", acct.AppID, "Order shipped", "Order {{no.DATA}} is on its way")
	if tpl.TemplateID == "" {
		t.Errorf("oa template add: no template_id")
	}
	if code, ec := other.fail("oa", "rule", "add", acct.AppID, "x", "y"); code != 1 || ec != "permission_denied" {
		t.Errorf("a stranger adds a rule: got exit %d, %s; want permission_denied", code, ec)
	}
	if code, ec := other.fail("send", "oa:"+acct.AppID, "hi"); code != 1 || ec != "failed_precondition" {
		t.Errorf("a message before following: got exit %d, %s; want failed_precondition", code, ec)
	}

	f := one[struct {
		AppID     string `json:"appid"`
		Following bool   `json:"following"`
	}](user, "oa", "follow", acct.AppID)
	if f.AppID != acct.AppID || !f.Following {
		t.Errorf("oa follow: got %+v", f)
	}
	user.ok("send", "oa:"+acct.AppID, "What are your hours?")
	user.ok("send", "oa:"+acct.AppID, "random words")
	click := one[struct{ Type, URL string }](user, "oa", "click", acct.AppID, "DEALS_TODAY")
	if click.Type != "click" {
		t.Errorf("oa click: got %+v", click)
	}
	view := one[struct{ Type, URL string }](user, "oa", "click", acct.AppID, "https://shop.example/")
	if view.Type != "view" || view.URL != "https://shop.example/" {
		t.Errorf("oa click of a view button: got %+v", view)
	}
	if code, ec := user.fail("oa", "click", acct.AppID, "NO_SUCH_KEY"); code != 1 || ec != "not_found" {
		t.Errorf("oa click of a missing button: got exit %d, %s; want not_found", code, ec)
	}
	bc := one[struct{ ID, Total int64 }](op, "oa", "broadcast", acct.AppID, "Sale on Sunday")
	if bc.Total != 1 {
		t.Errorf("broadcast: got %+v, want 1 follower reached", bc)
	}
	want := []string{"text:欢迎光临", "text:We open at 9.", "text:Sorry, I did not get that.", "text:Half price apples.", "text:Sale on Sunday"}
	if got := oaTexts(t, user, acct.AppID); !cmp.Equal(got, want) {
		t.Errorf("oa messages:\n got %q\nwant %q", got, want)
	}
	// The user's other devices learn it all through the change log.
	lines := user.ok("sync")
	n := 0
	for _, l := range lines {
		if strings.Contains(l, `"oa_message"`) {
			n++
		}
	}
	if n != 7 { // 2 sent, 5 received
		t.Errorf("sync: got %d official-account messages, want 7: %q", n, lines)
	}

	// A parametric QR code: the other user scans it and follows.
	qr := one[struct {
		Ticket string `json:"ticket"`
		URL    string `json:"url"`
	}](op, "oa", "qr", acct.AppID, "--scene-str", "door", "--expire", "600")
	if qr.Ticket == "" || !strings.HasSuffix(qr.URL, "/q/"+qr.Ticket) {
		t.Fatalf("oa qr: got %+v", qr)
	}
	s := one[struct {
		Following bool `json:"following"`
	}](other, "oa", "scan", qr.URL)
	if !s.Following {
		t.Errorf("oa scan: not following")
	}
	if code, ec := other.fail("oa", "scan", "no-such-ticket"); code != 1 || ec != "not_found" {
		t.Errorf("oa scan of a bad ticket: got exit %d, %s; want not_found", code, ec)
	}
	fans := op.ok("oa", "followers", acct.AppID)
	if len(fans) != 2 || !strings.Contains(strings.Join(fans, ""), "ADD_SCENE_QR_CODE") {
		t.Errorf("oa followers: got %q, want 2 with one from the QR code", fans)
	}
	if got := op.ok("oa", "inbox", acct.AppID); len(got) == 0 || !strings.Contains(got[0], `"nickname":"reader_`) {
		t.Errorf("oa inbox: got %q, want followers' messages with their nicknames", got)
	}
	if got := op.ok("oa", "followers", acct.AppID, "--search", "R_02"); len(got) != 1 || !strings.Contains(got[0], `"nickname":"reader_02"`) {
		t.Errorf("oa followers --search R_02: got %q, want reader_02 only", got)
	}
	today := time.Now().UTC().Format("2006-01-02")
	st := one[struct {
		New    int64 `json:"new"`
		MsgIn  int64 `json:"msg_in"`
		MsgOut int64 `json:"msg_out"`
	}](op, "oa", "stats", acct.AppID, today, today)
	if st.New != 2 || st.MsgIn != 2 || st.MsgOut != 6 {
		t.Errorf("oa stats: got %+v, want 2 new, 2 in, 6 out", st)
	}

	// A subscription account broadcasts once a day.
	sub := one[oaCreated](op, "oa", "create", "Corner Shop", "Shop Notes")
	op.ok("oa", "broadcast", sub.AppID, "first")
	if code, ec := op.fail("oa", "broadcast", sub.AppID, "second"); code != 1 || ec != "failed_precondition" {
		t.Errorf("a second broadcast the same day: got exit %d, %s; want failed_precondition", code, ec)
	}

	// Unfollowing ends the chat.
	user.ok("oa", "unfollow", acct.AppID)
	if code, ec := user.fail("send", "oa:"+acct.AppID, "still there?"); code != 1 || ec != "failed_precondition" {
		t.Errorf("a message after unfollowing: got exit %d, %s; want failed_precondition", code, ec)
	}
	if code, ec := user.fail("oa", "unfollow", acct.AppID); code != 1 || ec != "not_found" {
		t.Errorf("unfollowing twice: got exit %d, %s; want not_found", code, ec)
	}
}

type oaPost struct {
	ID       int64    `json:"id"`
	Account  int64    `json:"account"`
	Author   int64    `json:"author"`
	Parent   int64    `json:"parent"`
	Text     string   `json:"text"`
	MediaIDs []string `json:"media_ids"`
	Pinned   bool     `json:"pinned"`
	Replies  int      `json:"replies"`
}

// The micro-community from the command line: a follower posts, another
// replies, the operator pins and removes; strangers neither write nor
// moderate; the post's author learns of the reply through sync.
func TestOfficialAccountForum(t *testing.T) {
	srv := startNode(t)
	op, fan, other, stranger := newDevice(t, srv, "operator"), newDevice(t, srv, "fan"), newDevice(t, srv, "other"), newDevice(t, srv, "stranger")
	one[session](op, "register", "forum_owner", "password-o")
	one[session](fan, "register", "forum_fan", "password-f")
	one[session](other, "register", "forum_other", "password-r")
	one[session](stranger, "register", "forum_stranger", "password-s")
	acct := one[oaCreated](op, "oa", "create", "Town", "Town Forum", "--type", "service")
	fan.ok("oa", "follow", acct.AppID)
	other.ok("oa", "follow", acct.AppID)

	if code, ec := stranger.fail("oa", "forum", "post", acct.AppID, "hello"); code != 1 || ec != "failed_precondition" {
		t.Errorf("a stranger posts: got exit %d, %s; want failed_precondition", code, ec)
	}
	first := one[oaPost](fan, "oa", "forum", "post", acct.AppID, "Where do I park?")
	second := one[oaPost](fan, "oa", "forum", "post", acct.AppID, "Lost a glove")
	if first.ID <= 0 || first.Text != "Where do I park?" || first.Parent != 0 || first.MediaIDs == nil {
		t.Errorf("oa forum post: got %+v", first)
	}
	reply := one[oaPost](other, "oa", "forum", "reply", itoa(first.ID), "Behind the hall")
	if reply.Parent != first.ID {
		t.Errorf("oa forum reply: got %+v, want parent %d", reply, first.ID)
	}
	if code, ec := other.fail("oa", "forum", "pin", itoa(first.ID)); code != 1 || ec != "permission_denied" {
		t.Errorf("a follower pins: got exit %d, %s; want permission_denied", code, ec)
	}
	pinned := one[oaPost](op, "oa", "forum", "pin", itoa(first.ID))
	if !pinned.Pinned {
		t.Errorf("oa forum pin: got %+v", pinned)
	}
	var order []int64
	for _, l := range other.ok("oa", "forum", "list", acct.AppID) {
		order = append(order, decode[oaPost](t, l).ID)
	}
	if !cmp.Equal(order, []int64{first.ID, second.ID}) {
		t.Errorf("oa forum list: got %v, want the pinned post first: %v", order, []int64{first.ID, second.ID})
	}
	thread := other.ok("oa", "forum", "thread", itoa(first.ID))
	if len(thread) != 2 || decode[oaPost](t, thread[0]).Replies != 1 || decode[oaPost](t, thread[1]).Text != "Behind the hall" {
		t.Errorf("oa forum thread: got %q", thread)
	}
	if code, ec := stranger.fail("oa", "forum", "list", acct.AppID); code != 1 || ec != "failed_precondition" {
		t.Errorf("a stranger lists: got exit %d, %s; want failed_precondition", code, ec)
	}
	// The author's devices learn of the reply.
	n := 0
	for _, l := range fan.ok("sync") {
		if strings.Contains(l, `"oa_forum_reply"`) && strings.Contains(l, "Behind the hall") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("sync of the post's author: got %d forum replies, want 1", n)
	}
	// A post's image: its readers download it, strangers do not, and no
	// one once the post is removed.
	pic := filepath.Join(t.TempDir(), "p.png")
	f, err := os.Create(pic)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	f.Close()
	withImage := one[oaPost](fan, "oa", "forum", "post", acct.AppID, "A photo of the hall", "--image", pic)
	if len(withImage.MediaIDs) != 1 {
		t.Fatalf("oa forum post --image: got %+v, want one media ID", withImage)
	}
	img := withImage.MediaIDs[0]
	other.ok("download", img, filepath.Join(t.TempDir(), "got.png"))
	if code, ec := stranger.fail("download", img, filepath.Join(t.TempDir(), "no.png")); code != 1 || ec != "not_found" {
		t.Errorf("a stranger downloads a post's image: got exit %d, %s; want not_found", code, ec)
	}
	if code, ec := other.fail("oa", "forum", "post", acct.AppID, "no such image", "--images", "nosuchmedia0"); code != 1 || ec != "not_found" {
		t.Errorf("a post with an image that is not there: got exit %d, %s; want not_found", code, ec)
	}
	op.ok("oa", "forum", "remove", itoa(withImage.ID))
	if code, ec := other.fail("download", img, filepath.Join(t.TempDir(), "gone.png")); code != 1 || ec != "not_found" {
		t.Errorf("a removed post's image: got exit %d, %s; want not_found", code, ec)
	}

	op.ok("oa", "forum", "remove", itoa(first.ID))
	if code, ec := other.fail("oa", "forum", "reply", itoa(first.ID), "late"); code != 1 || ec != "not_found" {
		t.Errorf("a reply to a removed post: got exit %d, %s; want not_found", code, ec)
	}
	if got := other.ok("oa", "forum", "list", acct.AppID); len(got) != 1 || decode[oaPost](t, got[0]).ID != second.ID {
		t.Errorf("oa forum list after removal: got %q", got)
	}
}
