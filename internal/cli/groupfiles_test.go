package cli

import (
	"strconv"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

func TestAlbumRequest(t *testing.T) {
	num := func(s, what string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, usageErr("%s", what)
		}
		return n, nil
	}
	page := func() (*pb.GroupAppPage, error) { return &pb.GroupAppPage{Group: 7, Limit: 5}, nil }
	var uploaded []string
	upload := func(path string) (string, error) { uploaded = append(uploaded, path); return "M-" + path, nil }
	var req pb.ClientFrame
	if err := albumRequest(&req, 7, "add", []string{"3", "a.jpg", "b.png"}, page, num, upload); err != nil {
		t.Fatal(err)
	}
	got := req.GetAppAlbumAddPhotos()
	if got.GetGroup() != 7 || got.GetId() != 3 || len(got.GetMedia()) != 2 || got.Media[1] != "M-b.png" || len(uploaded) != 2 {
		t.Errorf("album add: got %v (uploaded %v)", got, uploaded)
	}
	if err := albumRequest(&req, 7, "comment", []string{"9", "好看"}, page, num, upload); err != nil || req.GetAppPhotoComment().GetText() != "好看" {
		t.Errorf("album comment: got %v, %v", req.GetAppPhotoComment(), err)
	}
	if err := albumRequest(&req, 7, "photos", []string{"3"}, page, num, upload); err != nil || req.GetAppAlbumPhotos().GetLimit() != 5 {
		t.Errorf("album photos: got %v, %v", req.GetAppAlbumPhotos(), err)
	}
	for _, bad := range [][]string{{"create"}, {"rename", "x", "y"}, {"add", "3"}, {"comment", "9"}} {
		if err := albumRequest(&req, 7, bad[0], bad[1:], page, num, upload); err == nil {
			t.Errorf("album %v: got no error", bad)
		}
	}
}
