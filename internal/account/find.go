package account

import (
	"context"

	"hongyan/internal/hongyan"
)

// PhoneLookup is what an Accounts store may offer besides: the accounts
// that bound any of many phone numbers, in a few queries. Stores without
// it are asked one number at a time.
type PhoneLookup interface {
	AccountsByPhone(ctx context.Context, phones []string) ([]Account, error)
}

// MaxFindPhones bounds the numbers of one FindableByPhone call.
const MaxFindPhones = 5000

// FindableByPhone returns, by number, the users who bound one of phones
// and let others find them by phone number (Settings.FindByPhone). It is
// for features that hold their own limits on who may ask (address-book
// matching); it answers about no one else.
func (s *Service) FindableByPhone(ctx context.Context, phones []string) (map[string]hongyan.UserID, error) {
	if len(phones) > MaxFindPhones {
		return nil, hongyan.Errorf(hongyan.CodeTooLarge, "at most %d numbers at a time", MaxFindPhones)
	}
	var as []Account
	if l, ok := s.accounts.(PhoneLookup); ok {
		var err error
		if as, err = l.AccountsByPhone(ctx, phones); err != nil {
			return nil, err
		}
	} else {
		for _, p := range phones {
			a, err := s.accounts.AccountBy(ctx, "phone", p)
			if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			as = append(as, a)
		}
	}
	out := make(map[string]hongyan.UserID, len(as))
	for _, a := range as {
		if a.Phone != "" && a.Settings.FindByPhone {
			out[a.Phone] = a.ID
		}
	}
	return out, nil
}
