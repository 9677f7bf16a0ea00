package groupapptest

import (
	"fmt"
	"testing"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
)

func testAlbums(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	_, err := f.S.CreateAlbum(ctx, caller(Alice), Group, " ")
	wantCode(t, "CreateAlbum without a name", err, hongyan.CodeInvalid)
	for _, name := range []string{"Trip\u202egpj.exe", "Tr\u200bip"} {
		_, err = f.S.CreateAlbum(ctx, caller(Alice), Group, name)
		wantCode(t, fmt.Sprintf("CreateAlbum named %q (a bidi override or a zero-width space)", name), err, hongyan.CodeInvalid)
	}
	_, err = f.S.CreateAlbum(ctx, caller(Stranger), Group, "Trip")
	wantCode(t, "CreateAlbum by a stranger", err, hongyan.CodeNotFound)
	a, err := f.S.CreateAlbum(ctx, caller(Alice), Group, " Trip ")
	if err != nil || a.Name != "Trip" || a.Creator != Alice {
		t.Fatalf("CreateAlbum: got %+v, %v", a, err)
	}
	_, err = f.S.RenameAlbum(ctx, caller(Bob), Group, a.ID, "Mine")
	wantCode(t, "RenameAlbum by another member", err, hongyan.CodeDenied)
	if r, err := f.S.RenameAlbum(ctx, caller(Admin), Group, a.ID, "Trip 2026"); err != nil || r.Name != "Trip 2026" {
		t.Errorf("RenameAlbum by an admin: got %+v, %v", r, err)
	}

	var media []string
	for i := range 5 {
		media = append(media, f.Media.UploadType(Bob, "p.jpg", "image/jpeg", int64(10+i)))
	}
	_, err = f.S.AddPhotos(ctx, caller(Bob), Group, a.ID, []string{f.Media.Upload(Bob, "x.pdf", 1)})
	wantCode(t, "AddPhotos of a PDF", err, hongyan.CodeInvalid)
	_, err = f.S.AddPhotos(ctx, caller(Bob), Group, a.ID, nil)
	wantCode(t, "AddPhotos of nothing", err, hongyan.CodeInvalid)
	_, err = f.S.AddPhotos(ctx, caller(Bob), Group, a.ID, []string{f.Media.UploadType(Bob, "huge.jpg", "image/jpeg", FileQuota+1)})
	wantCode(t, "AddPhotos over the quota", err, hongyan.CodePrecondition)
	photos, err := f.S.AddPhotos(ctx, caller(Bob), Group, a.ID, media)
	if err != nil || len(photos) != 5 || photos[0].Album != a.ID || photos[0].ID == 0 {
		t.Fatalf("AddPhotos: got %+v, %v", photos, err)
	}
	last := f.Cards.Last()
	if last.From != Bob || last.Card.App != groupapp.AppAlbum || last.Card.Kind != groupapp.CardPhotosAdded || last.Card.Count != 5 ||
		last.Card.Item != a.ID || last.Card.Title != "Trip 2026" {
		t.Errorf("the batch's card: got %+v, want one card of 5 photos", last)
	}
	got, err := f.S.AlbumOf(ctx, caller(Alice), Group, a.ID)
	if err != nil || got.Photos != 5 || got.Cover != media[4] {
		t.Errorf("AlbumOf: got %+v, %v, want 5 photos, the newest as cover", got, err)
	}
	page, err := f.S.Photos(ctx, caller(Alice), Group, a.ID, 0, 2)
	if err != nil || len(page) != 2 || page[0].ID != photos[4].ID {
		t.Errorf("Photos: got %+v, %v", page, err)
	}
	if fs, _ := f.S.Files(ctx, caller(Alice), Group, 0, 0); len(fs) != 0 {
		t.Errorf("photos are listed with the group's files: %+v", fs)
	}
	if ok, _ := f.S.CanReadFile(ctx, Alice, Group, media[0]); !ok {
		t.Errorf("a member cannot read an album's photo")
	}

	// Muted members may not add photos nor comment.
	f.Groups.Set(Group, groupapp.Member{User: Alice, Muted: true})
	_, err = f.S.Comment(ctx, caller(Alice), Group, photos[0].ID, "nice")
	wantCode(t, "Comment by a muted member", err, hongyan.CodeDenied)
	f.Groups.Set(Group, groupapp.Member{User: Alice})
	c1, err := f.S.Comment(ctx, caller(Alice), Group, photos[0].ID, " nice ")
	if err != nil || c1.Text != "nice" {
		t.Fatalf("Comment: got %+v, %v", c1, err)
	}
	c2, err := f.S.Comment(ctx, caller(Bob), Group, photos[0].ID, "thanks")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := f.S.Comments(ctx, caller(Owner), Group, photos[0].ID, 0, 0)
	if err != nil || len(cs) != 2 || cs[0].ID != c1.ID || cs[1].ID != c2.ID {
		t.Errorf("Comments: got %+v, %v", cs, err)
	}
	wantCode(t, "DeleteComment of another's", f.S.DeleteComment(ctx, caller(Bob), Group, c1.ID), hongyan.CodeDenied)
	if err := f.S.DeleteComment(ctx, caller(Bob), Group, c2.ID); err != nil {
		t.Errorf("DeleteComment of one's own: %v", err)
	}
	if err := f.S.DeleteComment(ctx, caller(Admin), Group, c1.ID); err != nil {
		t.Errorf("DeleteComment by an admin: %v", err)
	}
	if cs, _ := f.S.Comments(ctx, caller(Owner), Group, photos[0].ID, 0, 0); len(cs) != 0 {
		t.Errorf("Comments after deleting both: %+v", cs)
	}

	_, err = f.S.DeleteFile(ctx, caller(Alice), Group, photos[1].ID)
	wantCode(t, "deleting another's photo", err, hongyan.CodeDenied)
	if _, err := f.S.DeleteFile(ctx, caller(Bob), Group, photos[1].ID); err != nil {
		t.Errorf("deleting one's own photo: %v", err)
	}
	if used, _, _ := f.S.FileUsage(ctx, caller(Bob), Group); used != 10+12+13+14 {
		t.Errorf("FileUsage with photos: got %d, want %d", used, 10+12+13+14)
	}

	f.Groups.Remove(Group, Bob)
	if ok, _ := f.S.CanReadFile(ctx, Bob, Group, media[0]); ok {
		t.Errorf("a removed member can read an album's photo")
	}
	_, err = f.S.DeleteAlbum(ctx, caller(Alice), Group, a.ID) // her album
	if err != nil {
		t.Fatalf("DeleteAlbum by its creator: %v", err)
	}
	if ok, _ := f.S.CanReadFile(ctx, Owner, Group, media[0]); ok {
		t.Errorf("a deleted album's photo is still readable")
	}
	if used, _, _ := f.S.FileUsage(ctx, caller(Owner), Group); used != 0 {
		t.Errorf("FileUsage after the album was deleted: got %d, want 0", used)
	}
	if as, _ := f.S.AlbumList(ctx, caller(Owner), Group, 0, 0); len(as) != 0 {
		t.Errorf("AlbumList lists a deleted album: %+v", as)
	}
	_, err = f.S.Photos(ctx, caller(Owner), Group, a.ID, 0, 0)
	wantCode(t, "Photos of a deleted album", err, hongyan.CodeNotFound)
	_, err = f.S.AddPhotos(ctx, caller(Owner), Group, a.ID, []string{f.Media.UploadType(Owner, "a.png", "image/png", 1)})
	wantCode(t, "AddPhotos to a deleted album", err, hongyan.CodeNotFound)
}
