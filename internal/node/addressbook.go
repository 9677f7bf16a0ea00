package node

import (
	"context"

	"hongyan/internal/account"
	"hongyan/internal/addressbook"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb/stores"
)

// newAddressBooks builds the address-book feature on the node's store,
// asking the account, contact and group features what it may not read
// itself.
func newAddressBooks(cfg config.Config, db *stores.DB, accounts *account.Service, contacts *contact.Service, groups *group.Service, pub hongyan.Publisher) *addressbook.Service {
	c := addressbook.DefaultConfig()
	a := cfg.AddressBook
	c.MatchPerRequest, c.MatchPerDay, c.BackupsPerDay, c.Keep, c.CountryCode = a.MatchPerRequest, a.MatchPerDay, a.BackupsPerDay, a.KeepVersions, a.CountryCode
	return addressbook.New(db.AddressBooks(), accounts, bookRelations{contacts}, bookGroups{groups}, pub, c)
}

// bookRelations tells the address books who blocked whom.
type bookRelations struct{ contacts *contact.Service }

func (r bookRelations) Blocked(ctx context.Context, a, b hongyan.UserID) (bool, error) {
	_, blocked, err := r.contacts.Friendship(ctx, a, b)
	return blocked, err
}

// bookGroups lists a group's members for its shared address book.
type bookGroups struct{ groups *group.Service }

func (g bookGroups) Members(ctx context.Context, user hongyan.UserID, id hongyan.ConversationID) ([]addressbook.Member, error) {
	ms, err := g.groups.Members(ctx, hongyan.Caller{User: user}, id)
	if err != nil {
		return nil, err
	}
	out := make([]addressbook.Member, 0, len(ms))
	for _, m := range ms {
		if m.Active {
			out = append(out, addressbook.Member{User: m.User, Role: addressbook.Role(m.Role)})
		}
	}
	return out, nil
}
