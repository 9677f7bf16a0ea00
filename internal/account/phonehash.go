package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"

	"hongyan/internal/hongyan"
)

// Phone numbers are also kept as keyed hashes, so that a client may ask
// which of its contacts' numbers belong to users without sending the
// numbers themselves: it asks for the server's salt, hashes each number
// (PhoneHash) and sends only the hashes. The salt is random, made once per
// server (per database) on first use, and every stored phone's hash is
// kept in the same transaction as the phone.

// PhoneSaltLen is the length of the phone salt; PhoneHashLen of a hash.
const (
	PhoneSaltLen = 32
	PhoneHashLen = sha256.Size
)

// PhoneHash returns HMAC-SHA256(salt, phone): the key under which an
// account's phone number, exactly as bound, is found by hash.
func PhoneHash(salt []byte, phone string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(phone))
	return m.Sum(nil)
}

// PhoneHashes is what an Accounts store may offer besides: the server's
// phone salt and the accounts by the hash of their phone.
type PhoneHashes interface {
	// PhoneSalt returns the salt of the phone hashes and its version
	// (Unix milliseconds of its making), making it and hashing every bound
	// phone when there is none yet.
	PhoneSalt(ctx context.Context) (salt []byte, version int64, err error)
	// AccountsByPhoneHash returns the accounts whose phone hashes to one
	// of hashes.
	AccountsByPhoneHash(ctx context.Context, hashes [][]byte) ([]Account, error)
}

// PhoneSalt returns the salt clients hash phone numbers with
// (PhoneHash) and its version.
func (s *Service) PhoneSalt(ctx context.Context) ([]byte, int64, error) {
	h, ok := s.accounts.(PhoneHashes)
	if !ok {
		return nil, 0, hongyan.Errorf(hongyan.CodeUnavailable, "this server cannot find users by phone hash")
	}
	return h.PhoneSalt(ctx)
}

// FindableByPhoneHash returns, by hash (as a string of its bytes), the
// users whose bound phone hashes to one of hashes and who let others find
// them by phone number. Like FindableByPhone it is for features that hold
// their own limits on who may ask.
func (s *Service) FindableByPhoneHash(ctx context.Context, hashes [][]byte) (map[string]hongyan.UserID, error) {
	if len(hashes) > MaxFindPhones {
		return nil, hongyan.Errorf(hongyan.CodeTooLarge, "at most %d hashes at a time", MaxFindPhones)
	}
	for _, h := range hashes {
		if len(h) != PhoneHashLen {
			return nil, hongyan.Errorf(hongyan.CodeInvalid, "a phone hash has %d bytes", PhoneHashLen)
		}
	}
	h, ok := s.accounts.(PhoneHashes)
	if !ok {
		return nil, hongyan.Errorf(hongyan.CodeUnavailable, "this server cannot find users by phone hash")
	}
	salt, _, err := h.PhoneSalt(ctx)
	if err != nil {
		return nil, err
	}
	as, err := h.AccountsByPhoneHash(ctx, hashes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]hongyan.UserID, len(as))
	for _, a := range as {
		if a.Phone != "" && a.Settings.FindByPhone {
			out[string(PhoneHash(salt, a.Phone))] = a.ID
		}
	}
	return out, nil
}
