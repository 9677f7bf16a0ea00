package account

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"hongyan/internal/hongyan"
)

// Deleting one's account (PRODUCT §12): the user asks, confirming with
// their password; the account is deleted DeletionDelay later unless they
// sign in (or cancel) before. Then every feature forgets what is the
// user's alone (through the Eraser the node fills) and the account itself
// is anonymised: its row stays, so that messages already delivered to
// others keep a sender, shown under ErasedNickname.

// DeletionDelay is the cooling-off period between a request to delete an
// account and its deletion.
const DeletionDelay = 15 * 24 * time.Hour

// ErasedNickname is the name a deleted account is shown under.
const ErasedNickname = "已注销 · Deleted account"

// erasedPassword is the password hash of a deleted account: no password
// matches it.
const erasedPassword = "!erased"

// Deletion is a user's request to delete their account.
type Deletion struct {
	User      hongyan.UserID
	Requested time.Time
	Due       time.Time // when the account is deleted unless cancelled
	Erased    time.Time // zero until the account has been deleted
}

// Deletions keeps requests to delete accounts, and the accounts deleted.
type Deletions interface {
	// PutDeletion records d as user's pending request, replacing one
	// pending already, and appends changes. An account already erased is
	// CodePrecondition.
	PutDeletion(ctx context.Context, d Deletion, changes []hongyan.Change) ([]hongyan.Change, error)
	// Deletion returns user's request (CodeNotFound when there is none).
	Deletion(ctx context.Context, user hongyan.UserID) (Deletion, error)
	// CancelDeletion removes user's pending request and reports whether
	// there was one, appending changes only then; an erased account's
	// record stays.
	CancelDeletion(ctx context.Context, user hongyan.UserID, changes []hongyan.Change) (bool, []hongyan.Change, error)
	// DueDeletions lists up to limit users whose pending request is due
	// at now, the earliest due first.
	DueDeletions(ctx context.Context, now time.Time, limit int) ([]hongyan.UserID, error)
	// MarkErased records that user's account was erased at at.
	MarkErased(ctx context.Context, user hongyan.UserID, at time.Time) error
}

// DeletionGuard says whether a user's account may be deleted now: an
// error with a clear code (a wallet that is not empty) refuses. The node
// fills it from the other features.
type DeletionGuard interface {
	CanDelete(ctx context.Context, user hongyan.UserID) error
}

// Eraser deletes what other features keep of a user alone (contacts,
// Moments, media, …); it must be safe to run again after a failure. The
// node fills it from the features.
type Eraser interface {
	EraseUser(ctx context.Context, user hongyan.UserID) error
}

// SetDeletionGuard installs the check RequestDeletion and EraseDue make.
func (s *Service) SetDeletionGuard(g DeletionGuard) { s.guard = g }

// RequestDeletion schedules the caller's account for deletion
// DeletionDelay from now, after checking their password. Asking again
// keeps the first request's date.
func (s *Service) RequestDeletion(ctx context.Context, c hongyan.Caller, password string) (Deletion, error) {
	if err := s.ConfirmPassword(ctx, c, password); err != nil {
		return Deletion{}, err
	}
	if d, err := s.deletions.Deletion(ctx, c.User); err == nil && d.Erased.IsZero() {
		return d, nil
	} else if err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return Deletion{}, err
	}
	if s.guard != nil {
		if err := s.guard.CanDelete(ctx, c.User); err != nil {
			return Deletion{}, err
		}
	}
	now, delay := s.now(), s.cfg.DeletionDelay
	if delay <= 0 {
		delay = DeletionDelay
	}
	d := Deletion{User: c.User, Requested: now, Due: now.Add(delay)}
	changes, err := s.deletions.PutDeletion(ctx, d, deletionChange(c.User))
	if err != nil {
		return Deletion{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return d, nil
}

// CancelDeletion cancels the caller's pending request; without one it is
// CodeNotFound.
func (s *Service) CancelDeletion(ctx context.Context, c hongyan.Caller) error {
	ok, changes, err := s.deletions.CancelDeletion(ctx, c.User, deletionChange(c.User))
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	if !ok {
		return hongyan.Errorf(hongyan.CodeNotFound, "no deletion of this account is pending")
	}
	return nil
}

// PendingDeletion returns the caller's pending request, or CodeNotFound.
func (s *Service) PendingDeletion(ctx context.Context, c hongyan.Caller) (Deletion, error) {
	d, err := s.deletions.Deletion(ctx, c.User)
	if err != nil {
		return Deletion{}, err
	}
	if !d.Erased.IsZero() {
		return Deletion{}, hongyan.Errorf(hongyan.CodeNotFound, "no deletion of this account is pending")
	}
	return d, nil
}

// EraseDue deletes up to limit accounts whose cooling-off has ended: the
// guard is asked again (a wallet that received money meanwhile keeps the
// account: its deletion moves a day later, again until the wallet is
// empty, so that it does not hold up the others), then eraser, then the
// account is anonymised and every device signed out. It returns the
// accounts erased; the first error ends the run (the rest wait for the
// next run). Run it on one node at a time (sqldb.DB.Exclusive).
func (s *Service) EraseDue(ctx context.Context, eraser Eraser, limit int) (int, error) {
	due, err := s.deletions.DueDeletions(ctx, s.now(), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range due {
		if s.guard != nil {
			if err := s.guard.CanDelete(ctx, u); err != nil {
				if hongyan.ErrorCode(err) != hongyan.CodePrecondition {
					return n, err
				}
				if err := s.postpone(ctx, u); err != nil {
					return n, err
				}
				continue
			}
		}
		if err := eraser.EraseUser(ctx, u); err != nil {
			return n, fmt.Errorf("erasing user %d: %w", u, err)
		}
		if err := s.anonymise(ctx, u); err != nil {
			return n, err
		}
		if err := s.deletions.MarkErased(ctx, u, s.now()); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// postponeBy is how much later a deletion the guard refused is tried again.
const postponeBy = 24 * time.Hour

// postpone moves u's pending deletion postponeBy from now.
func (s *Service) postpone(ctx context.Context, u hongyan.UserID) error {
	d, err := s.deletions.Deletion(ctx, u)
	if err != nil {
		return err
	}
	d.Due = s.now().Add(postponeBy)
	changes, err := s.deletions.PutDeletion(ctx, d, deletionChange(u))
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// anonymise replaces what the account says about its owner with nothing,
// and signs out every device. Its ID stays (messages others keep name it).
func (s *Service) anonymise(ctx context.Context, u hongyan.UserID) error {
	a, err := s.accounts.Account(ctx, u)
	if err != nil {
		return err
	}
	a.AccountID = "deleted_" + strconv.FormatInt(int64(u), 36) // within 20 characters
	a.AccountIDChanged = true
	a.PasswordHash = erasedPassword
	a.Phone, a.Email = "", ""
	a.Profile = Profile{Nickname: ErasedNickname}
	a.Settings = Settings{AddNeedsVerification: true}
	changes, err := s.accounts.UpdateAccount(ctx, a, []hongyan.Change{{User: u, Kind: hongyan.ChangeProfile}})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	_, changes, err = s.devices.DeleteDevices(ctx, u, nil, []hongyan.Change{{User: u, Kind: hongyan.ChangeDevices}})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}

// Erased reports whether account a has been deleted.
func (a Account) Erased() bool { return a.PasswordHash == erasedPassword }

// cancelDeletionOnSignIn cancels a pending deletion when its user signs
// in (the cooling-off promise).
func (s *Service) cancelDeletionOnSignIn(ctx context.Context, user hongyan.UserID) error {
	_, changes, err := s.deletions.CancelDeletion(ctx, user, deletionChange(user))
	s.pub.PublishChanges(ctx, changes)
	return err
}

// deletionChange tells every device of user that their account's
// deletion was asked for or cancelled.
func deletionChange(user hongyan.UserID) []hongyan.Change {
	return []hongyan.Change{{User: user, Kind: hongyan.ChangeAccountDeletion}}
}

// DeletionState returns the caller's pending deletion, or a zero
// Deletion (Due zero) when none is pending: what a device shows.
func (s *Service) DeletionState(ctx context.Context, c hongyan.Caller) (Deletion, error) {
	d, err := s.PendingDeletion(ctx, c)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Deletion{User: c.User}, nil
	}
	return d, err
}
