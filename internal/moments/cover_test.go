package moments_test

import (
	"context"
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/moments"
	"hongyan/internal/sqlite"
)

// coverFiles is a fake media feature: the images each user uploaded.
type coverFiles struct{ images map[string]hongyan.UserID }

func (f coverFiles) Share(context.Context, hongyan.UserID, string, int64) (moments.Media, error) {
	return moments.Media{}, hongyan.Errorf(hongyan.CodeInvalid, "not in this test")
}

func (f coverFiles) ShareCover(_ context.Context, user hongyan.UserID, id string) error {
	if f.images[id] != user {
		return hongyan.Errorf(hongyan.CodeNotFound, "no such media")
	}
	return nil
}

// Who sees a cover: the owner, friends, strangers only when the owner lets
// strangers see 10 posts, nobody across a block or hidden from.
func TestCover(t *testing.T) {
	db, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rel := &friends{pairs: map[[2]hongyan.UserID]bool{}, blocks: map[[2]hongyan.UserID]bool{}}
	s := moments.New(db.Moments(), rel, coverFiles{images: map[string]hongyan.UserID{"img-1": 1, "img-2": 2}}, hongyan.Publisher{Bus: membus.New()}, moments.Config{})
	ctx := t.Context()
	owner, friend, stranger, hidden := hongyan.Caller{User: 1}, hongyan.Caller{User: 2}, hongyan.Caller{User: 3}, hongyan.Caller{User: 4}
	rel.befriend(1, 2)
	rel.befriend(1, 4)
	if _, err := s.SetCover(ctx, owner, "img-2"); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("someone else's image: got %v, want not found", err)
	}
	set, err := s.SetCover(ctx, owner, "img-1")
	if err != nil || set.Cover != "img-1" {
		t.Fatalf("SetCover: got %+v, %v", set, err)
	}
	if _, err := s.Update(ctx, owner, moments.Update{HideMineFrom: []hongyan.UserID{4}}); err != nil {
		t.Fatal(err)
	}
	sees := func(who hongyan.Caller, want string) {
		t.Helper()
		if got, err := s.Cover(ctx, who, 1); err != nil || got != want {
			t.Errorf("user %d sees cover %q, %v; want %q", who.User, got, err, want)
		}
		if ok, err := s.CanSeeCover(ctx, who.User, 1, "img-1"); err != nil || ok != (want != "") {
			t.Errorf("user %d may fetch the cover: got %v, %v", who.User, ok, err)
		}
	}
	sees(owner, "img-1")
	sees(friend, "img-1")
	sees(stranger, "")
	sees(hidden, "")
	on := true
	if _, err := s.Update(ctx, owner, moments.Update{StrangersSee10: &on}); err != nil {
		t.Fatal(err)
	}
	sees(stranger, "img-1")
	rel.blocks[[2]hongyan.UserID{1, 2}] = true
	sees(friend, "")
	if ok, _ := s.CanSeeCover(ctx, 3, 1, "img-2"); ok {
		t.Errorf("a stranger may fetch an image that is not the cover")
	}
	if set, err := s.SetCover(ctx, owner, ""); err != nil || set.Cover != "" {
		t.Errorf("remove the cover: got %+v, %v", set, err)
	}
	sees(stranger, "")
}
