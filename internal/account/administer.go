package account

import (
	"context"
	"strconv"
	"strings"

	"hongyan/internal/hongyan"
)

// Lookup finds an account for the server's administrators: by numeric ID
// or account ID, whatever its owner allows strangers to find.
func (s *Service) Lookup(ctx context.Context, id string) (Account, error) {
	id = strings.TrimSpace(id)
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
		return s.accounts.Account(ctx, hongyan.UserID(n))
	}
	if ValidAccountID(id) != nil {
		return Account{}, hongyan.Errorf(hongyan.CodeNotFound, "no such user")
	}
	return s.accounts.AccountBy(ctx, "account_id", id)
}

// ResetPassword gives a user a new random password, which it returns
// (for an administrator to hand over), and signs every device out.
func (s *Service) ResetPassword(ctx context.Context, user hongyan.UserID) (string, error) {
	if _, err := s.accounts.Account(ctx, user); err != nil {
		return "", err
	}
	pw := newCode()[:16]
	hash, err := s.hashPassword(ctx, pw)
	if err != nil {
		return "", err
	}
	return pw, s.setPassword(ctx, user, hash, 0)
}

// SignOutAll signs every device of user out (for the server's
// administrators); no devices is not an error.
func (s *Service) SignOutAll(ctx context.Context, user hongyan.UserID) error {
	err := s.revoke(ctx, user, nil)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil
	}
	return err
}
