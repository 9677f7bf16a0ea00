package officialacct

import "context"

// SetVerified gives an account the verification badge or takes it away
// (for the server's administrators).
func (s *Service) SetVerified(ctx context.Context, id AccountID, verified bool) (Account, error) {
	a, err := s.store.Account(ctx, id)
	if err != nil {
		return Account{}, err
	}
	a.Verified = verified
	return a, s.store.UpdateProfile(ctx, a)
}
