package stores_test

import (
	"bytes"
	"testing"
	"time"

	"hongyan/internal/account"
)

// Phones bound before the phone hashes existed (as the migration leaves a
// database: no salt, no hashes) are hashed when the salt is made; the
// rotation of docs/operations.md (delete the salt, clear the hashes) makes
// a new salt under which every phone is found again and the old hashes
// find no one.
func TestPhoneSaltBackfillAndRotation(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		ctx := t.Context()
		loc := e.loc(t)
		db, err := e.open(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := db.Accounts()
		var ids []int64
		for _, a := range []account.Account{
			{AccountID: "salt_ann", PasswordHash: "x", Phone: "+8613800000001", Created: time.UnixMilli(1)},
			{AccountID: "salt_ben", PasswordHash: "x", Phone: "13800000002", Created: time.UnixMilli(1)},
			{AccountID: "salt_cat", PasswordHash: "x", Created: time.UnixMilli(1)},
		} {
			id, err := s.CreateAccount(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, int64(id))
		}
		raw := e.raw(t, loc)
		defer raw.Close()
		forget := func() {
			t.Helper()
			for _, q := range []string{`DELETE FROM account_phone_salt`, `UPDATE accounts SET phone_hash = NULL`} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		found := func(salt []byte) []int64 {
			t.Helper()
			as, err := s.AccountsByPhoneHash(ctx, [][]byte{account.PhoneHash(salt, "+8613800000001"), account.PhoneHash(salt, "13800000002")})
			if err != nil {
				t.Fatalf("AccountsByPhoneHash: %v", err)
			}
			var out []int64
			for _, a := range as {
				out = append(out, int64(a.ID))
			}
			return out
		}
		forget() // as after the migration
		salt1, v1, err := s.PhoneSalt(ctx)
		if err != nil {
			t.Fatalf("PhoneSalt: %v", err)
		}
		if got := found(salt1); len(got) != 2 {
			t.Errorf("after the backfill: got accounts %v, want %v", got, ids[:2])
		}
		forget() // the rotation
		salt2, v2, err := s.PhoneSalt(ctx)
		if err != nil {
			t.Fatalf("PhoneSalt after rotation: %v", err)
		}
		if bytes.Equal(salt1, salt2) || len(salt2) != account.PhoneSaltLen || v2 < v1 {
			t.Errorf("rotated salt: got %x (version %d), want a new %d-byte salt, version at least %d", salt2, v2, account.PhoneSaltLen, v1)
		}
		if got := found(salt2); len(got) != 2 {
			t.Errorf("under the new salt: got accounts %v, want %v", got, ids[:2])
		}
		if got := found(salt1); len(got) != 0 {
			t.Errorf("under the old salt: got accounts %v, want none", got)
		}
	})
}
