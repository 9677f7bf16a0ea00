package node

import (
	"context"
	"fmt"
	"time"

	"hongyan/internal/addressbook"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/favorite"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/moments"
	"hongyan/internal/wallet"
)

// Deleting accounts: the wallet decides whether an account may go (only
// when its balance is zero), and each feature forgets what is the user's
// alone when the cooling-off ends. What was delivered to others (messages
// in their chats, comments under their posts, groups they share) stays
// with them; the sender is shown under account.ErasedNickname.

// deletionGuard refuses to delete an account whose wallet is not empty.
type deletionGuard struct{ wallet *wallet.Service }

func (g deletionGuard) CanDelete(ctx context.Context, u hongyan.UserID) error {
	bal, err := g.wallet.Balance(ctx, hongyan.Caller{User: u})
	if err != nil {
		return err
	}
	if bal != 0 {
		return hongyan.Errorf(hongyan.CodePrecondition, "the wallet holds ¥%d.%02d: withdraw or spend it before deleting the account", bal/100, bal%100).
			WithReason(hongyan.ReasonWalletNotEmpty)
	}
	return nil
}

// userEraser deletes a user's own data from each feature, acting as the
// user through the features' own rules (so every change reaches the
// other side's devices as usual).
type userEraser struct {
	contacts  *contact.Service
	moments   *moments.Service
	favorites *favorite.Service
	finds     *discovery.Service
	books     *addressbook.Service
	media     *media.Service
}

func (e userEraser) EraseUser(ctx context.Context, u hongyan.UserID) error {
	c := hongyan.Caller{User: u}
	// Contacts, both ways: deleting a contact removes the friendship.
	cs, err := e.contacts.Contacts(ctx, c)
	if err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	for _, x := range cs {
		if err := e.contacts.Delete(ctx, c, x.User); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return fmt.Errorf("contact %d: %w", x.User, err)
		}
		// Their entry of the deleted account goes too (a contact that
		// can no longer answer); their chat with it stays.
		if err := e.contacts.Delete(ctx, hongyan.Caller{User: x.User}, u); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
			return fmt.Errorf("contact %d of %d: %w", u, x.User, err)
		}
	}
	// Moments posts (with their likes and comments).
	for {
		views, _, err := e.moments.Album(ctx, c, u, 0, 100)
		if err != nil {
			return fmt.Errorf("moments: %w", err)
		}
		if len(views) == 0 {
			break
		}
		for _, v := range views {
			if err := e.moments.Delete(ctx, c, v.Post.ID); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return fmt.Errorf("moments post %d: %w", v.Post.ID, err)
			}
		}
	}
	// Favorites.
	for {
		favs, err := e.favorites.List(ctx, c, "", 0, 100)
		if err != nil {
			return fmt.Errorf("favorites: %w", err)
		}
		if len(favs) == 0 {
			break
		}
		for _, f := range favs {
			if err := e.favorites.Delete(ctx, c, f.ID); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
				return fmt.Errorf("favorite %d: %w", f.ID, err)
			}
		}
	}
	// A shared location, and address-book backups.
	if err := e.finds.ClearLocation(ctx, c); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return fmt.Errorf("location: %w", err)
	}
	if err := e.books.DeleteBackup(ctx, c, 0); err != nil && hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		return fmt.Errorf("address-book backups: %w", err)
	}
	// Last, the media the user alone has: those of the Moments posts
	// deleted above, uploads never sent. What was sent into a chat or an
	// official account's community stays with its readers.
	if _, err := e.media.EraseOwner(ctx, u, keptBySharing); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// eraseAccounts deletes, every interval, the accounts whose cooling-off
// has ended, on one node of the cluster at a time.
func (n *Node) eraseAccounts(ctx context.Context) {
	every := n.cfg.Accounts.DeletionInterval.Duration
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n.job(ctx, "account-erase", func(ctx context.Context) error {
			k, err := n.EraseDueAccounts(ctx)
			if k > 0 {
				n.log.Info("deleted accounts whose cooling-off ended", "count", k)
			}
			return err
		})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// EraseDueAccounts deletes the accounts whose cooling-off has ended (what
// the periodic job runs).
func (n *Node) EraseDueAccounts(ctx context.Context) (int, error) {
	total := 0
	for {
		k, err := n.accounts.EraseDue(ctx, n.eraser, 100)
		total += k
		if err != nil || k < 100 {
			return total, err
		}
	}
}

// keptBySharing reports whether media sent into conv stay when their owner
// leaves: chats (positive IDs) and forum posts do; Moments posts
// (momentRef) are deleted with the account.
func keptBySharing(conv hongyan.ConversationID) bool {
	return conv > 0 || conv < forumBase/2
}
