package accountdb

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"

	"hongyan/internal/account"
	"hongyan/internal/sqldb"
)

// PhoneSalt returns the salt of the phone hashes, making it (and the
// hashes of every bound phone) when there is none yet.
func (s Store) PhoneSalt(ctx context.Context) ([]byte, int64, error) {
	var salt []byte
	var version int64
	found, err := s.db.QueryRow(ctx, `SELECT salt, version FROM account_phone_salt WHERE id = 1`, nil, &salt, &version)
	if err != nil || found {
		return salt, version, err
	}
	err = s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		salt, version, err = phoneSalt(t)
		return err
	})
	return salt, version, err
}

// phoneSalt returns the salt within t, making it when there is none and
// then hashing every bound phone. Writes of a phone call it before they
// touch any account, so that a write racing with the salt's making waits
// for it (the unique id) rather than leaving a phone unhashed.
func phoneSalt(t *sqldb.Tx) ([]byte, int64, error) {
	var salt []byte
	var version int64
	found, err := t.Read(`SELECT salt, version FROM account_phone_salt WHERE id = 1`, nil, &salt, &version)
	if err != nil || found {
		return salt, version, err
	}
	candidate := make([]byte, account.PhoneSaltLen)
	if _, err := rand.Read(candidate); err != nil {
		return nil, 0, sqldb.Internal(err)
	}
	made, err := t.Write(`INSERT INTO account_phone_salt (id, salt, version) VALUES (1, $1, $2) ON CONFLICT DO NOTHING RETURNING id`,
		[]any{candidate, sqldb.Ms(t.Now())}, new(int64))
	if err != nil {
		return nil, 0, sqldb.Internal(err)
	}
	if _, err := t.Read(`SELECT salt, version FROM account_phone_salt WHERE id = 1`, nil, &salt, &version); err != nil {
		return nil, 0, err
	}
	if made {
		if err := hashPhones(t, salt); err != nil {
			return nil, 0, err
		}
	}
	return salt, version, nil
}

// hashPhones writes the hash of every bound phone under salt.
func hashPhones(t *sqldb.Tx, salt []byte) error {
	type row struct {
		id    int64
		phone string
	}
	rs, err := t.Query(`SELECT id, phone FROM accounts WHERE phone IS NOT NULL`)
	if err != nil {
		return sqldb.Internal(err)
	}
	var rows []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.phone); err != nil {
			rs.Close()
			return sqldb.Internal(err)
		}
		rows = append(rows, r)
	}
	if err := rs.Close(); err != nil {
		return sqldb.Internal(err)
	}
	if err := rs.Err(); err != nil {
		return sqldb.Internal(err)
	}
	// Hashes under an earlier salt go first (the index is unique).
	if _, err := t.Exec(`UPDATE accounts SET phone_hash = NULL WHERE phone_hash IS NOT NULL`); err != nil {
		return sqldb.Internal(err)
	}
	for _, r := range rows {
		if _, err := t.Exec(`UPDATE accounts SET phone_hash = $2 WHERE id = $1`, r.id, account.PhoneHash(salt, r.phone)); err != nil {
			return sqldb.Internal(err)
		}
	}
	return nil
}

// phoneHash is the value of a's phone_hash column under the database's
// salt: NULL without a phone.
func phoneHash(t *sqldb.Tx, phone string) (any, error) {
	salt, _, err := phoneSalt(t)
	if err != nil {
		return nil, err
	}
	if phone == "" {
		return nil, nil
	}
	return account.PhoneHash(salt, phone), nil
}

// AccountsByPhoneHash returns the accounts whose phone hashes to one of
// hashes, in queries of at most sqldb.RowsPerInsert hashes each.
func (s Store) AccountsByPhoneHash(ctx context.Context, hashes [][]byte) ([]account.Account, error) {
	var out []account.Account
	for start, n := 0, 0; start < len(hashes); start += n {
		n = sqldb.Chunk(len(hashes) - start)
		ph := make([]string, n)
		args := make([]any, n)
		for i := range n {
			ph[i], args[i] = "$"+strconv.Itoa(i+1), hashes[start+i]
		}
		as, err := sqldb.QueryAll(ctx, s.db, scanAccount, `SELECT `+accountCols+` FROM accounts WHERE phone_hash IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}
