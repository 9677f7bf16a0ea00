package account

import (
	"context"
	"errors"
	"testing"
	"time"

	"hongyan/internal/hongyan"
)

type guardFunc func(hongyan.UserID) error

func (g guardFunc) CanDelete(_ context.Context, u hongyan.UserID) error { return g(u) }

type eraserFunc func(hongyan.UserID) error

func (e eraserFunc) EraseUser(_ context.Context, u hongyan.UserID) error { return e(u) }

// The cooling-off: a request needs the password and the guard's yes, is
// due 15 days later, is cancelled by signing in; once due, the job erases
// the account: the features' data through the eraser, the profile
// anonymised, devices signed out, no sign-in possible.
func TestDeletionLifecycle(t *testing.T) {
	ctx := context.Background()
	s, m := newTestService(Config{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return now }
	sess, err := s.Register(ctx, Registration{AccountID: "leaving_user", Password: "right-password", Phone: ""})
	if err != nil {
		t.Fatal(err)
	}
	c := hongyan.Caller{User: sess.User, Device: sess.Device}
	if _, err := s.RequestDeletion(ctx, c, "wrong-password"); hongyan.ErrorCode(err) != hongyan.CodeUnauth {
		t.Fatalf("wrong password: got %v, want unauthenticated", err)
	}
	refuse := true
	s.SetDeletionGuard(guardFunc(func(hongyan.UserID) error {
		if refuse {
			return hongyan.Errorf(hongyan.CodePrecondition, "wallet not empty")
		}
		return nil
	}))
	if _, err := s.RequestDeletion(ctx, c, "right-password"); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Fatalf("guard refusing: got %v, want precondition", err)
	}
	if _, err := s.PendingDeletion(ctx, c); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("a refused request left %v", err)
	}
	refuse = false
	d, err := s.RequestDeletion(ctx, c, "right-password")
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(15 * 24 * time.Hour); !d.Due.Equal(want) {
		t.Errorf("due: got %v, want %v", d.Due, want)
	}

	// Signing in cancels it.
	if _, err := s.Login(ctx, "leaving_user", "right-password", "phone", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PendingDeletion(ctx, c); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("after signing in: got %v, want no pending deletion", err)
	}
	if err := s.CancelDeletion(ctx, c); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("cancel with none pending: got %v, want not_found", err)
	}
	if _, err := s.RequestDeletion(ctx, c, "right-password"); err != nil {
		t.Fatal(err)
	}
	erased := []hongyan.UserID{}
	eraser := eraserFunc(func(u hongyan.UserID) error { erased = append(erased, u); return nil })
	// Not yet due.
	now = now.Add(15*24*time.Hour - time.Minute)
	if n, err := s.EraseDue(ctx, eraser, 10); err != nil || n != 0 {
		t.Fatalf("EraseDue before due: got %d, %v; want 0", n, err)
	}
	now = now.Add(2 * time.Minute)
	// A guard that refuses at erase time keeps the account, and moves its
	// deletion a day later.
	refuse = true
	if n, err := s.EraseDue(ctx, eraser, 10); err != nil || n != 0 || len(erased) != 0 {
		t.Fatalf("EraseDue with the guard refusing: got %d, %v, erased %v; want 0", n, err, erased)
	}
	if d, err := s.PendingDeletion(ctx, c); err != nil || !d.Due.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("after a refusal: got %+v, %v; want due a day later", d, err)
	}
	refuse = false
	if n, _ := s.EraseDue(ctx, eraser, 10); n != 0 {
		t.Fatalf("EraseDue before the new date: got %d, want 0", n)
	}
	now = now.Add(24 * time.Hour)
	// An eraser that fails leaves it pending for the next run.
	if _, err := s.EraseDue(ctx, eraserFunc(func(hongyan.UserID) error { return errors.New("disk full") }), 10); err == nil {
		t.Fatal("EraseDue with a failing eraser: got nil error")
	}
	if n, err := s.EraseDue(ctx, eraser, 10); err != nil || n != 1 || len(erased) != 1 || erased[0] != sess.User {
		t.Fatalf("EraseDue when due: got %d, %v, erased %v; want user %d", n, err, erased, sess.User)
	}
	a, err := s.Account(ctx, sess.User)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Erased() || a.Profile.Nickname != ErasedNickname || a.AccountID == "leaving_user" || a.Phone != "" {
		t.Errorf("erased account: got %+v", a)
	}
	m.mu.Lock()
	for _, d := range m.devices {
		if d.User == sess.User {
			t.Errorf("device %d still signed in after erasure", d.ID)
		}
	}
	m.mu.Unlock()
	if _, err := s.Login(ctx, a.AccountID, "right-password", "phone", "10.0.0.1"); hongyan.ErrorCode(err) != hongyan.CodeUnauth {
		t.Errorf("signing in to an erased account: got %v, want unauthenticated", err)
	}
	if _, err := s.Login(ctx, a.AccountID, erasedPassword, "phone", "10.0.0.1"); hongyan.ErrorCode(err) != hongyan.CodeUnauth {
		t.Errorf("signing in with the marker as password: got %v, want unauthenticated", err)
	}
	if n, _ := s.EraseDue(ctx, eraser, 10); n != 0 {
		t.Errorf("EraseDue again: got %d, want 0 (done once)", n)
	}
}
