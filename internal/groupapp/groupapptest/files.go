package groupapptest

import (
	"fmt"
	"testing"
	"time"

	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
)

func testFileStore(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	var ids []int64
	for i, size := range []int64{100, 200, 300} {
		f, changes, err := s.AddFile(ctx, groupapp.File{Group: Group, Uploader: Alice, Media: "m" + string(rune('a'+i)), Name: "a.pdf",
			Type: "application/pdf", Size: size, Created: T0}, 1000, notify(groupapp.ChangeFile, 0, Owner, Alice))
		if err != nil {
			t.Fatalf("AddFile %d: %v", i, err)
		}
		checkChanges(t, "AddFile", changes, f.ID, Owner, Alice)
		ids = append(ids, f.ID)
	}
	_, _, err := s.AddFile(ctx, groupapp.File{Group: Group, Uploader: Bob, Media: "md", Name: "big", Size: 401, Created: T0}, 1000, nil)
	wantCode(t, "AddFile over the quota", err, hongyan.CodePrecondition)
	if used, err := s.FileUsage(ctx, Group); err != nil || used != 600 {
		t.Errorf("FileUsage: got %d, %v, want 600", used, err)
	}
	fs, err := s.Files(ctx, Group, 0, 2)
	if err != nil || len(fs) != 2 || fs[0].ID != ids[2] || fs[1].ID != ids[1] {
		t.Fatalf("Files page 1: got %+v, %v", fs, err)
	}
	if fs[0].Size != 300 || fs[0].Uploader != Alice || fs[0].Name != "a.pdf" || !fs[0].Created.Equal(T0) {
		t.Errorf("Files: got %+v", fs[0])
	}
	fs, err = s.Files(ctx, Group, fs[1].ID, 2)
	if err != nil || len(fs) != 1 || fs[0].ID != ids[0] {
		t.Errorf("Files page 2: got %+v, %v", fs, err)
	}
	changes, err := s.DeleteFile(ctx, Group, ids[1], T0.Add(time.Minute), notify(groupapp.ChangeFile, 0, Owner))
	if err != nil {
		t.Fatal(err)
	}
	checkChanges(t, "DeleteFile", changes, ids[1], Owner)
	if changes, err := s.DeleteFile(ctx, Group, ids[1], T0.Add(time.Hour), notify(groupapp.ChangeFile, 0, Owner)); err != nil || len(changes) != 0 {
		t.Errorf("DeleteFile again: got %v, %v, want no change", changes, err)
	}
	_, err = s.DeleteFile(ctx, Group+1, ids[0], T0, nil)
	wantCode(t, "DeleteFile of another group", err, hongyan.CodeNotFound)
	if used, _ := s.FileUsage(ctx, Group); used != 400 {
		t.Errorf("FileUsage after a delete: got %d, want 400", used)
	}
	f, err := s.File(ctx, Group, ids[1])
	if err != nil || !f.Deleted.Equal(T0.Add(time.Minute)) {
		t.Errorf("File deleted: got %+v, %v", f, err)
	}
	if fs, _ := s.Files(ctx, Group, 0, 10); len(fs) != 2 {
		t.Errorf("Files lists %d, want the 2 not deleted", len(fs))
	}
	if fs, err := s.FilesOfMedia(ctx, Group, "mb"); err != nil || len(fs) != 0 {
		t.Errorf("FilesOfMedia of a deleted file: got %+v, %v", fs, err)
	}
	if fs, err := s.FilesOfMedia(ctx, Group, "mc"); err != nil || len(fs) != 1 || fs[0].ID != ids[2] {
		t.Errorf("FilesOfMedia: got %+v, %v", fs, err)
	}
	if fs, _ := s.FilesOfMedia(ctx, Group+1, "mc"); len(fs) != 0 {
		t.Errorf("FilesOfMedia of another group: got %+v", fs)
	}
	_, err = s.File(ctx, Group+1, ids[0])
	wantCode(t, "File of another group", err, hongyan.CodeNotFound)
}

func testFileRules(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	pdf := f.Media.Upload(Alice, "notes.pdf", 600)
	_, err := f.S.AddFile(ctx, caller(Bob), Group, pdf)
	wantCode(t, "AddFile of someone else's upload", err, hongyan.CodeNotFound)
	_, err = f.S.AddFile(ctx, caller(Stranger), Group, f.Media.Upload(Stranger, "x", 1))
	wantCode(t, "AddFile by a stranger", err, hongyan.CodeNotFound)
	file, err := f.S.AddFile(ctx, caller(Alice), Group, pdf)
	if err != nil {
		t.Fatalf("AddFile: %v", err)
	}
	if file.Name != "notes.pdf" || file.Size != 600 || file.Uploader != Alice || file.Media != pdf {
		t.Errorf("AddFile: got %+v", file)
	}
	if got, want := f.Cards.Last(), (Posted{Group, Alice, groupapp.Card{App: groupapp.AppFile, Kind: groupapp.CardCreated, Item: file.ID, Title: "notes.pdf"}}); got.Card.App != want.Card.App || got.Card.Item != want.Card.Item || got.Card.Title != want.Card.Title || got.From != Alice {
		t.Errorf("card: got %+v, want %+v", got, want)
	}
	big := f.Media.Upload(Bob, "big.zip", FileQuota-599)
	cards := len(f.Cards.Cards)
	_, err = f.S.AddFile(ctx, caller(Bob), Group, big)
	wantCode(t, "AddFile over the quota", err, hongyan.CodePrecondition)
	if e, ok := err.(*hongyan.Error); !ok || e.Reason != groupapp.ReasonQuotaFull {
		t.Errorf("AddFile over the quota: got %v, want reason %s", err, groupapp.ReasonQuotaFull)
	}
	if len(f.Cards.Cards) != cards {
		t.Errorf("a refused file posted a card")
	}
	used, quota, err := f.S.FileUsage(ctx, caller(Bob), Group)
	if err != nil || used != 600 || quota != FileQuota {
		t.Errorf("FileUsage: got %d of %d, %v; want 600 of %d", used, quota, err, FileQuota)
	}

	// Muted members may not share (it posts a card).
	f.Groups.Set(Group, groupapp.Member{User: Bob, Muted: true})
	_, err = f.S.AddFile(ctx, caller(Bob), Group, f.Media.Upload(Bob, "b.txt", 1))
	wantCode(t, "AddFile by a muted member", err, hongyan.CodeDenied)
	f.Groups.Set(Group, groupapp.Member{User: Bob})

	fs, err := f.S.Files(ctx, caller(Bob), Group, 0, 0)
	if err != nil || len(fs) != 1 || fs[0].ID != file.ID {
		t.Errorf("Files: got %+v, %v", fs, err)
	}
	if ok, err := f.S.CanReadFile(ctx, Bob, Group, pdf); !ok || err != nil {
		t.Errorf("CanReadFile by a member: got %v, %v, want true", ok, err)
	}
	if ok, _ := f.S.CanReadFile(ctx, Stranger, Group, pdf); ok {
		t.Errorf("CanReadFile by a stranger: got true")
	}
	if ok, _ := f.S.CanReadFile(ctx, Bob, Group, big); ok {
		t.Errorf("CanReadFile of media never registered: got true")
	}
	if _, err := f.S.FileOf(ctx, caller(Bob), Group, file.ID); err != nil {
		t.Errorf("FileOf by a member: %v", err)
	}

	_, err = f.S.DeleteFile(ctx, caller(Bob), Group, file.ID)
	wantCode(t, "DeleteFile by another member", err, hongyan.CodeDenied)
	f.Groups.Remove(Group, Bob)
	if ok, _ := f.S.CanReadFile(ctx, Bob, Group, pdf); ok {
		t.Errorf("CanReadFile by a removed member: got true")
	}
	_, err = f.S.FileOf(ctx, caller(Bob), Group, file.ID)
	wantCode(t, "FileOf by a removed member", err, hongyan.CodeNotFound)
	_, err = f.S.Files(ctx, caller(Bob), Group, 0, 0)
	wantCode(t, "Files by a removed member", err, hongyan.CodeNotFound)

	del, err := f.S.DeleteFile(ctx, caller(Admin), Group, file.ID)
	if err != nil || del.Deleted.IsZero() {
		t.Fatalf("DeleteFile by an admin: got %+v, %v", del, err)
	}
	if ok, _ := f.S.CanReadFile(ctx, Alice, Group, pdf); ok {
		t.Errorf("CanReadFile of a deleted file: got true")
	}
	if used, _, _ := f.S.FileUsage(ctx, caller(Alice), Group); used != 0 {
		t.Errorf("FileUsage after the delete: got %d, want 0", used)
	}
	// The quota freed, Alice's own upload fits; she deletes it herself.
	mine, err := f.S.AddFile(ctx, caller(Alice), Group, f.Media.Upload(Alice, "", FileQuota))
	if err != nil || mine.Name != "file" {
		t.Fatalf("AddFile to the full quota: got %+v, %v", mine, err)
	}
	if _, err := f.S.DeleteFile(ctx, caller(Alice), Group, mine.ID); err != nil {
		t.Errorf("DeleteFile by its uploader: %v", err)
	}
	_, err = f.S.AddFile(ctx, caller(Alice), Group, "")
	wantCode(t, "AddFile without media", err, hongyan.CodeInvalid)
}

func testHomeworkFiles(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	h, err := f.S.PostHomework(ctx, caller(Owner), Group, groupapp.NewHomework{Title: "Essay", Due: T0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a1, a2 := f.Media.Upload(Alice, "essay.pdf", 300), f.Media.Upload(Alice, "figure.png", 200)
	v, err := f.S.SubmitFiles(ctx, caller(Alice), Group, h.ID, "", []string{a1, a2})
	if err != nil {
		t.Fatalf("SubmitFiles: %v", err)
	}
	if v.Mine == nil || len(v.Mine.Files) != 2 || v.Mine.Files[0].Name != "essay.pdf" || v.Mine.Files[0].Homework != h.ID {
		t.Errorf("SubmitFiles: mine is %+v", v.Mine)
	}
	_, err = f.S.SubmitFiles(ctx, caller(Bob), Group, h.ID, "", []string{a1})
	wantCode(t, "SubmitFiles of someone else's upload", err, hongyan.CodeNotFound)
	_, err = f.S.SubmitFiles(ctx, caller(Bob), Group, h.ID, "", nil)
	wantCode(t, "SubmitFiles of nothing", err, hongyan.CodeInvalid)
	_, err = f.S.SubmitFiles(ctx, caller(Bob), Group, h.ID, "x", []string{f.Media.Upload(Bob, "huge", FileQuota)})
	wantCode(t, "SubmitFiles over the quota", err, hongyan.CodePrecondition)

	pv, err := f.S.Homework(ctx, caller(Owner), Group, h.ID)
	if err != nil || len(pv.Submissions) != 1 || len(pv.Submissions[0].Files) != 2 {
		t.Fatalf("the poster's view: got %+v, %v", pv.Submissions, err)
	}
	for _, c := range []struct {
		who  hongyan.UserID
		want bool
	}{{Alice, true}, {Owner, true}, {Admin, true}, {Bob, false}, {Stranger, false}} {
		if ok, err := f.S.CanReadFile(ctx, c.who, Group, a1); ok != c.want || err != nil {
			t.Errorf("CanReadFile of a homework file by %d: got %v, %v, want %v", c.who, ok, err, c.want)
		}
	}
	if fs, _ := f.S.Files(ctx, caller(Alice), Group, 0, 0); len(fs) != 0 {
		t.Errorf("homework files are listed with the group's files: %+v", fs)
	}
	_, err = f.S.DeleteFile(ctx, caller(Alice), Group, pv.Submissions[0].Files[0].ID)
	wantCode(t, "DeleteFile of a homework file", err, hongyan.CodeNotFound)
	if used, _, _ := f.S.FileUsage(ctx, caller(Alice), Group); used != 500 {
		t.Errorf("FileUsage with homework files: got %d, want 500", used)
	}
	// A new submission replaces the files.
	a3 := f.Media.Upload(Alice, "essay2.pdf", 100)
	v, err = f.S.SubmitFiles(ctx, caller(Alice), Group, h.ID, "v2", []string{a3})
	if err != nil || len(v.Mine.Files) != 1 || v.Mine.Files[0].Media != a3 || v.Mine.Text != "v2" {
		t.Fatalf("SubmitFiles again: got %+v, %v", v.Mine, err)
	}
	if ok, _ := f.S.CanReadFile(ctx, Owner, Group, a1); ok {
		t.Errorf("a replaced homework file is still readable")
	}
	if used, _, _ := f.S.FileUsage(ctx, caller(Alice), Group); used != 100 {
		t.Errorf("FileUsage after the new submission: got %d, want 100", used)
	}
	if _, err := f.S.Submit(ctx, caller(Alice), Group, h.ID, "text only"); err != nil {
		t.Fatal(err)
	}
	if used, _, _ := f.S.FileUsage(ctx, caller(Alice), Group); used != 0 {
		t.Errorf("FileUsage after a text-only submission: got %d, want 0", used)
	}
}

func testEventReminders(t *testing.T, s groupapp.Store) {
	ctx := t.Context()
	f := NewFixture(s)
	start := T0.Add(48 * time.Hour)
	for _, bad := range [][]time.Duration{{time.Minute}, {8 * 24 * time.Hour}, {time.Hour + time.Second}, {time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour}} {
		_, err := f.S.CreateEvent(ctx, caller(Alice), Group, groupapp.NewEvent{Title: "Hike", Start: start, RemindBefore: bad})
		wantCode(t, fmt.Sprint("CreateEvent with reminders ", bad), err, hongyan.CodeInvalid)
	}
	e, err := f.S.CreateEvent(ctx, caller(Alice), Group, groupapp.NewEvent{Title: "Hike", Start: start,
		RemindBefore: []time.Duration{24 * time.Hour, time.Hour, time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.S.EventOf(ctx, caller(Bob), Group, e.ID); len(got.RemindBefore) != 2 || got.RemindBefore[0] != time.Hour || got.RemindBefore[1] != 24*time.Hour {
		t.Errorf("RemindBefore: got %v, want [1h 24h]", got.RemindBefore)
	}
	quiet, err := f.S.CreateEvent(ctx, caller(Bob), Group, groupapp.NewEvent{Title: "Nobody comes", Start: start, RemindBefore: []time.Duration{time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.SignUp(ctx, caller(Bob), Group, e.ID); err != nil {
		t.Fatal(err)
	}
	cards := func() []groupapp.Card {
		var out []groupapp.Card
		for _, p := range f.Cards.Cards {
			if p.Card.Kind == groupapp.CardReminder {
				out = append(out, p.Card)
			}
		}
		return out
	}
	run := func(at time.Time, want int) {
		t.Helper()
		f.Clock.Set(at)
		n, err := f.S.SendDueReminders(ctx)
		if err != nil || n != want {
			t.Errorf("SendDueReminders at %v: got %d, %v, want %d", at, n, err, want)
		}
	}
	run(start.Add(-25*time.Hour), 0)
	run(start.Add(-24*time.Hour), 1)
	run(start.Add(-24*time.Hour+time.Minute), 0) // never twice
	if cs := cards(); len(cs) != 1 || cs[0].Item != e.ID || !cs[0].At.Equal(start.Add(-24*time.Hour)) || len(cs[0].Mentions) != 1 || cs[0].Mentions[0] != Bob {
		t.Errorf("reminder cards: got %+v", cs)
	}
	// A restarted node (a new service on the same store) sends nothing again.
	g := NewFixture(s)
	g.Clock.Set(start.Add(-2 * time.Hour))
	if n, err := g.S.SendDueReminders(ctx); n != 0 || err != nil {
		t.Errorf("SendDueReminders after a restart: got %d, %v, want 0", n, err)
	}
	run(start.Add(-30*time.Minute), 1) // the 1 h one, late; the quiet event's has nobody to remind
	run(start.Add(-20*time.Minute), 0)
	if cs := cards(); len(cs) != 2 || cs[1].Item != e.ID || !cs[1].At.Equal(start.Add(-time.Hour)) {
		t.Errorf("reminder cards: got %+v", cs)
	}
	for _, c := range cards() {
		if c.Item == quiet.ID {
			t.Errorf("an event nobody signed up for was reminded: %+v", c)
		}
	}
	// Reminders of an event that has started are never sent.
	late, err := f.S.CreateEvent(ctx, caller(Alice), Group, groupapp.NewEvent{Title: "Late", Start: start.Add(time.Hour), RemindBefore: []time.Duration{30 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.S.SignUp(ctx, caller(Bob), Group, late.ID); err != nil {
		t.Fatal(err)
	}
	run(start.Add(2*time.Hour), 0)
}
