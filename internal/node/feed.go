package node

import (
	"context"

	"hongyan/internal/account"
	"hongyan/internal/addressbook"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/favorite"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/wallet"
)

// resolvers tell the change-log feed the state each kind of entry names,
// from the features: a chat.Message, chat.Summary, contact.Contact,
// contact.Request, account.Account, []account.Device, a bool (blocked),
// group.View, group.Invitation, favorite.Favorite, officialacct.Message,
// officialacct.FollowState, officialacct.Post, wallet.Balance, wallet.Transfer,
// wallet.PacketView, []addressbook.Version, addressbook.Entry, groupapp.PollView,
// groupapp.Board, groupapp.HomeworkView, groupapp.Announcement or
// groupapp.EventView — nil when the object
// is gone. Transports turn them into their frames.
func resolvers(accounts *account.Service, contacts *contact.Service, chats *chat.Service, groups *group.Service, favorites *favorite.Service, oas *officialacct.Service, posts *moments.Service, money *wallet.Service, finds *discovery.Service, books *addressbook.Service, apps *groupapp.Service) changelog.Resolvers {
	rs := changelog.Resolvers{
		hongyan.ChangeMessage: messages(chats),
		hongyan.ChangeConversation: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(chats.Conversation(ctx, me, e.Conversation))
		}),
		hongyan.ChangeContact: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(contacts.Contact(ctx, me, hongyan.UserID(e.Ref)))
		}),
		hongyan.ChangeFriendRequest: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(contacts.Request(ctx, me, e.Ref))
		}),
		hongyan.ChangeAccountDeletion: each(func(ctx context.Context, me hongyan.Caller, _ hongyan.Change) (any, error) {
			return accounts.DeletionState(ctx, me)
		}),
		hongyan.ChangeProfile:  own(accounts),
		hongyan.ChangeSettings: own(accounts),
		hongyan.ChangeDevices: each(func(ctx context.Context, me hongyan.Caller, _ hongyan.Change) (any, error) {
			return accounts.Devices(ctx, me)
		}),
		hongyan.ChangeBlock: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return contacts.Blocked(ctx, me, hongyan.UserID(e.Ref))
		}),
		hongyan.ChangeGroup: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(groups.Get(ctx, me, e.Conversation))
		}),
		hongyan.ChangeGroupInvitation: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(groups.Invitation(ctx, me, e.Ref))
		}),
		hongyan.ChangeFavorite: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(favorites.Get(ctx, me, e.Ref))
		}),
		hongyan.ChangeOAMessage: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(oas.Message(ctx, me, e.Ref))
		}),
		hongyan.ChangeOAFollow: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(oas.FollowState(ctx, me, officialacct.AccountID(e.Ref)))
		}),
		hongyan.ChangeOAForumReply: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(oas.ForumReplyOf(ctx, me, e.Ref))
		}),
		hongyan.ChangeMomentsNotification: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(posts.Notification(ctx, me, e.Ref))
		}),
		hongyan.ChangeMomentsRead: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return posts.Read(ctx, me, e.Ref)
		}),
		hongyan.ChangeMomentsSettings: each(func(ctx context.Context, me hongyan.Caller, _ hongyan.Change) (any, error) {
			return posts.Settings(ctx, me)
		}),
		// The wallet: the balance now (one read for a page's entries), a
		// transfer, a red packet with its grabs.
		hongyan.ChangeWallet: func(ctx context.Context, me hongyan.Caller, entries []hongyan.Change, out []any) error {
			b, err := money.Balance(ctx, me)
			if err != nil {
				return err
			}
			for i := range entries {
				out[i] = wallet.Balance{Fen: b}
			}
			return nil
		},
		hongyan.ChangeShake: each(func(ctx context.Context, me hongyan.Caller, _ hongyan.Change) (any, error) {
			m, err := finds.ShakeResult(ctx, me)
			if m == nil || err != nil {
				return nil, err // an old match: nothing to show
			}
			return m, nil
		}),
		hongyan.ChangeBottle: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(finds.Get(ctx, me, e.Ref))
		}),
		hongyan.ChangeTransfer: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(money.GetTransfer(ctx, me, e.Ref))
		}),
		hongyan.ChangePacket: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			return found(money.GetPacket(ctx, me, e.Ref))
		}),
		// Address books: my backups now; an entry of a shared address
		// book (nil once removed or no longer mine to see).
		hongyan.ChangeAddressBook: each(func(ctx context.Context, me hongyan.Caller, _ hongyan.Change) (any, error) {
			return books.Versions(ctx, me)
		}),
		hongyan.ChangeGroupBook: each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
			x, err := books.Entry(ctx, me, e.Conversation, e.Ref)
			if hongyan.ErrorCode(err) == hongyan.CodePrecondition { // the group was dissolved
				return nil, nil
			}
			return found(x, err)
		}),
	}
	groupAppResolvers(rs, apps)
	return rs
}

// messages resolves message entries: a new message travels with its
// event (its data), the rest are read in one query. A recalled one is
// read again through the caller's view, since the caller may have deleted
// it for themselves.
func messages(chats *chat.Service) changelog.Resolver {
	return func(ctx context.Context, me hongyan.Caller, entries []hongyan.Change, out []any) error {
		var refs []chat.Ref
		for i, e := range entries {
			ref := chat.Ref{Conversation: e.Conversation, Seq: e.Ref}
			if len(e.Data) > 0 {
				if m, err := chat.DecodeMessage(e.Data); err == nil && m.Conversation == ref.Conversation && m.Seq == ref.Seq && m.Kind != chat.KindRecalled {
					out[i] = m
					continue
				}
			}
			refs = append(refs, ref)
		}
		if len(refs) == 0 {
			return nil
		}
		ms, err := chats.MessagesAt(ctx, me, refs)
		if err != nil {
			return err
		}
		byRef := make(map[chat.Ref]chat.Message, len(ms))
		for _, m := range ms {
			byRef[chat.Ref{Conversation: m.Conversation, Seq: m.Seq}] = m
		}
		for i, e := range entries {
			if out[i] != nil {
				continue
			}
			if m, ok := byRef[chat.Ref{Conversation: e.Conversation, Seq: e.Ref}]; ok {
				out[i] = m
			}
		}
		return nil
	}
}

// each resolves entries one by one.
func each(one func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error)) changelog.Resolver {
	return func(ctx context.Context, me hongyan.Caller, entries []hongyan.Change, out []any) error {
		for i, e := range entries {
			v, err := one(ctx, me, e)
			if err != nil {
				return err
			}
			out[i] = v
		}
		return nil
	}
}

// own resolves to the caller's own account.
func own(accounts *account.Service) changelog.Resolver {
	return each(func(ctx context.Context, me hongyan.Caller, _ hongyan.Change) (any, error) {
		return accounts.Account(ctx, me.User)
	})
}

// found turns "not found" into a nil value: the object is gone.
func found[T any](v T, err error) (any, error) {
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}
