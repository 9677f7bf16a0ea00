package node_test

import (
	"bytes"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/postgres/pgtest"
	"hongyan/internal/wsclient"
)

// Group files over the protocol: a member uploads through the media path
// and shares the upload with the group (a card in the chat); members list
// and download it; a removed member no longer can; the group's quota
// refuses what does not fit, with its reason; the uploader deletes it and
// nobody can download it any more. Homework takes files, which the poster
// downloads and other members may not.
func TestGroupFiles(t *testing.T) {
	forEachEngineWith(t, func(c *config.Config) { c.GroupApps.FileQuota = 1 << 20 }, func(t *testing.T, srv *httptest.Server) {
		us := groupOfFriends(t, srv, "gfile", 3)
		owner, mem, gone := session(t, srv, us[0]), session(t, srv, us[1]), session(t, srv, us[2])
		g := createGroup(t, owner, "资料群", ids(us[1:])).Id
		put := func(u user, name string, size int) string {
			t.Helper()
			data := bytes.Repeat([]byte("hongyan "), size/8+1)[:size]
			info, err := wsclient.Upload(t.Context(), srv.URL, u.token, "file", name, bytes.NewReader(data), int64(size), 0)
			if err != nil {
				t.Fatalf("upload %s: %v", name, err)
			}
			return info.ID
		}
		canGet := func(u user, media string) bool {
			var b bytes.Buffer
			return wsclient.Download(t.Context(), srv.URL, u.token, media, &b) == nil
		}
		add := func(media string) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_AppFileAdd{AppFileAdd: &pb.FileAddRequest{Group: g, Media: media}}}
		}
		notes := put(us[1], "notes.txt", 1000)
		if code := callCode(mem, add(put(us[0], "theirs.txt", 10))); code != "not_found" {
			t.Errorf("sharing someone else's upload: got %q, want not_found", code)
		}
		f := call(t, mem, add(notes)).GetAppFile()
		if f.GetId() == 0 || f.Name != "notes.txt" || f.Size != 1000 || f.Uploader != us[1].id {
			t.Fatalf("app_file_add: got %v", f)
		}
		list := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppFiles{AppFiles: &pb.GroupAppPage{Group: g}}}).GetAppFiles()
		if len(list.Files) != 1 || list.Files[0].Id != f.Id || list.Used != 1000 || list.Quota != 1<<20 {
			t.Errorf("app_files: got %v", list)
		}
		if !canGet(us[0], notes) || !canGet(us[2], notes) {
			t.Errorf("members cannot download a group file")
		}
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: g, Users: []int64{us[2].id}}}})
		if canGet(us[2], notes) {
			t.Errorf("a removed member can still download a group file")
		}
		if code := callCode(gone, &pb.ClientFrame{Req: &pb.ClientFrame_AppFileGet{AppFileGet: &pb.GroupAppRef{Group: g, Id: f.Id}}}); code != "not_found" {
			t.Errorf("a removed member's app_file_get: got %q, want not_found", code)
		}
		_, err := owner.Call(t.Context(), add(put(us[0], "big.bin", 1<<20)))
		if wsclient.ErrorCode(err) != "failed_precondition" || wsclient.ErrorReason(err) != "quota_full" {
			t.Errorf("a file over the quota: got %v, want failed_precondition/quota_full", err)
		}

		// Homework with files.
		h := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppHomeworkPost{AppHomeworkPost: &pb.HomeworkPostRequest{Group: g, Title: "报告",
			Due: time.Now().Add(time.Hour).UnixMilli()}}}).GetAppHomework()
		essay := put(us[1], "essay.txt", 500)
		sub := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppHomeworkSubmit{AppHomeworkSubmit: &pb.HomeworkSubmitRequest{Group: g,
			Homework: h.Id, Files: []string{essay}}}}).GetAppHomework()
		if len(sub.Mine.GetFiles()) != 1 || sub.Mine.Files[0].Name != "essay.txt" {
			t.Errorf("submitted with a file: got %v", sub.Mine)
		}
		seen := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppHomeworkGet{AppHomeworkGet: &pb.GroupAppRef{Group: g, Id: h.Id}}}).GetAppHomework()
		if len(seen.Submissions) != 1 || len(seen.Submissions[0].Files) != 1 || !canGet(us[0], essay) {
			t.Errorf("the poster does not get the submitted file: %v", seen.Submissions)
		}

		// An album: a batch of photos posts one card with its count; the
		// other device sees the cards and the album.
		album := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppAlbumCreate{AppAlbumCreate: &pb.AlbumCreateRequest{Group: g, Name: "春游"}}}).GetAppAlbum()
		var pics []string
		for i := range 3 {
			png := mediaPNG(8+i, 8)
			info, err := wsclient.Upload(t.Context(), srv.URL, us[1].token, "image", "p.png", bytes.NewReader(png), int64(len(png)), 0)
			if err != nil {
				t.Fatalf("upload a photo: %v", err)
			}
			pics = append(pics, info.ID)
		}
		added := call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppAlbumAddPhotos{AppAlbumAddPhotos: &pb.AlbumPhotosRequest{Group: g, Id: album.Id, Media: pics}}}).GetAppPhotos()
		if len(added.GetPhotos()) != 3 || added.Photos[0].Album != album.Id {
			t.Fatalf("app_album_add_photos: got %v", added)
		}
		call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppPhotoComment{AppPhotoComment: &pb.PhotoCommentRequest{Group: g, Photo: added.Photos[0].Id, Text: "真美"}}})
		if !canGet(us[0], pics[0]) {
			t.Errorf("a member cannot download an album's photo")
		}
		var cards []*pb.AppCard
		var lastAlbum *pb.GroupAlbum
		for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, us[0]))) {
			if m := ch.GetMessage(); m.GetKind() == pb.MessageKind_MESSAGE_KIND_APP_CARD {
				cards = append(cards, m.AppCard)
			}
			if x := ch.GetAppAlbum(); x != nil {
				lastAlbum = x
			}
		}
		want := []*pb.AppCard{
			{App: pb.GroupApp_GROUP_APP_FILE, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: f.Id, Title: "notes.txt"},
			{App: pb.GroupApp_GROUP_APP_HOMEWORK, Kind: pb.AppCardKind_APP_CARD_KIND_CREATED, Item: h.Id, Title: "报告"},
			{App: pb.GroupApp_GROUP_APP_ALBUM, Kind: pb.AppCardKind_APP_CARD_KIND_PHOTOS_ADDED, Item: album.Id, Title: "春游", Count: 3},
		}
		if len(cards) != len(want) {
			t.Fatalf("cards: got %v, want %v", cards, want)
		}
		for i := range want {
			if !proto.Equal(cards[i], want[i]) {
				t.Errorf("card %d: got %v, want %v", i, cards[i], want[i])
			}
		}
		if lastAlbum.GetPhotos() != 3 || lastAlbum.GetName() != "春游" {
			t.Errorf("second device's album: got %v", lastAlbum)
		}

		if code := callCode(owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppFileDelete{AppFileDelete: &pb.GroupAppRef{Group: g, Id: f.Id}}}); code != "" {
			t.Errorf("the owner deleting a file: got %q", code)
		}
		if canGet(us[0], notes) {
			t.Errorf("a deleted file can still be downloaded by a member")
		}
	})
}

// An event's automatic reminder is posted by the node's job once its time
// has come (here at once: 5 minutes before a start 4 minutes away), from
// the event's creator, mentioning the member going; running the job again
// posts nothing.
func TestEventAutoReminder(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := config.Default()
			cfg.Data = t.TempDir()
			if engine == "postgres" {
				cfg.Storage.Driver, cfg.Storage.Postgres = "postgres", pgtest.DSN(t)
			}
			srv, n := startNodeWith(t, cfg)
			us := groupOfFriends(t, srv, "gremind", 3)
			owner, mem := session(t, srv, us[0]), session(t, srv, us[1])
			g := createGroup(t, owner, "提醒群", ids(us[1:])).Id
			e := call(t, owner, &pb.ClientFrame{Req: &pb.ClientFrame_AppEventCreate{AppEventCreate: &pb.EventCreateRequest{Group: g, Title: "聚餐",
				Start: time.Now().Add(4 * time.Minute).UnixMilli(), RemindBeforeMinutes: []uint32{5}}}}).GetAppEvent()
			if len(e.RemindBeforeMinutes) != 1 || e.RemindBeforeMinutes[0] != 5 {
				t.Fatalf("app_event_create: got %v", e)
			}
			call(t, mem, &pb.ClientFrame{Req: &pb.ClientFrame_AppEventSignup{AppEventSignup: &pb.GroupAppRef{Group: g, Id: e.Id}}})
			for i, want := range []int{1, 0} {
				if got, err := n.SendEventReminders(t.Context()); got != want || err != nil {
					t.Errorf("run %d of the reminder job: got %d, %v, want %d", i+1, got, err, want)
				}
			}
			var cards []*pb.Message
			for _, ch := range collectChanges(t, session(t, srv, secondDevice(t, srv, us[1]))) {
				if m := ch.GetMessage(); m.GetAppCard().GetKind() == pb.AppCardKind_APP_CARD_KIND_REMINDER {
					cards = append(cards, m)
				}
			}
			if len(cards) != 1 || cards[0].AppCard.Item != e.Id || cards[0].Sender != us[0].id || !slices.Contains(cards[0].Mentions, us[1].id) {
				t.Errorf("reminder cards: got %v, want one of the event, from its creator, mentioning the member going", cards)
			}
		})
	}
}
