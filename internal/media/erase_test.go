package media_test

import (
	"testing"

	"hongyan/internal/hongyan"
	"hongyan/internal/media"
)

// EraseOwner deletes a leaving user's media that only they have: not what
// was sent into a chat (its members keep it), not what someone else keeps
// a copy of, not another user's; a blob another medium shares stays.
func TestEraseOwner(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t, media.Config{}, readers{10: {alice.User, bob.User}})
	save := func(owner hongyan.UserID, w int) media.Info {
		t.Helper()
		i, err := e.s.Save(ctx, owner, media.ClassImage, "p.png", pngBytes(w, 100))
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
	alone := save(alice.User, 200) // e.g. a Moments picture of a deleted post
	sent := save(alice.User, 201)  // sent into chat 10
	kept := save(alice.User, 202)  // bob keeps a copy
	twin := save(alice.User, 203)  // the same bytes as bob's medium
	bobs := save(bob.User, 203)    // bob's, sharing twin's blob
	if _, err := e.s.Attach(ctx, alice.User, sent.ID, 10); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddKeep(ctx, kept.ID, bob.User); err != nil {
		t.Fatal(err)
	}
	before := e.blobs.count()
	n, err := e.s.EraseOwner(ctx, alice.User, func(c hongyan.ConversationID) bool { return c > 0 })
	if err != nil || n != 2 {
		t.Fatalf("EraseOwner: got %d, %v; want 2 (alone, twin)", n, err)
	}
	for _, id := range []string{alone.ID, twin.ID} {
		if _, err := e.store.Media(ctx, id); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			t.Errorf("medium %s after erasure: got %v, want not_found", id, err)
		}
	}
	for _, id := range []string{sent.ID, kept.ID, bobs.ID} {
		if _, err := e.store.Media(ctx, id); err != nil {
			t.Errorf("medium %s that others have: %v", id, err)
		}
	}
	// alone's content and thumbnail went; twin's content stays (bob's uses
	// it) but its thumbnail, being the same picture, stays too.
	if got, want := e.blobs.count(), before-2; got != want {
		t.Errorf("blobs after erasure: got %d, want %d", got, want)
	}
	if _, _, err := e.s.Open(ctx, bob, bobs.ID, false); err != nil {
		t.Errorf("bob's medium sharing a blob: %v", err)
	}
	if n, err := e.s.EraseOwner(ctx, alice.User, func(c hongyan.ConversationID) bool { return c > 0 }); err != nil || n != 0 {
		t.Errorf("EraseOwner again: got %d, %v; want 0", n, err)
	}
}
