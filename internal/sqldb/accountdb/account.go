package accountdb

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/hongyan"
	"hongyan/internal/sqldb"
)

// Store implements account.Store.
type Store struct{ db *sqldb.DB }

var (
	_ account.Store       = Store{}
	_ account.PhoneLookup = Store{}
)

// New returns the account store on db.
func New(db *sqldb.DB) Store { return Store{db} }

const accountCols = `id, account_id, account_id_changed, password_hash, COALESCE(phone, ''), COALESCE(email, ''),
	nickname, avatar, gender, region, signature, find_by_account_id, find_by_phone, add_needs_verification, created`

func scanAccount(scan func(...any) error) (account.Account, error) {
	var a account.Account
	var gender, created int64
	err := scan(&a.ID, &a.AccountID, &a.AccountIDChanged, &a.PasswordHash, &a.Phone, &a.Email,
		&a.Profile.Nickname, &a.Profile.Avatar, &gender, &a.Profile.Region, &a.Profile.Signature,
		&a.Settings.FindByAccountID, &a.Settings.FindByPhone, &a.Settings.AddNeedsVerification, &created)
	a.Profile.Gender = account.Gender(gender)
	a.Created = sqldb.Tm(created)
	return a, err
}

// accountKey is the case-insensitive unique key of an account ID.
func accountKey(id string) string { return strings.ToLower(id) }

// CreateAccount inserts a and returns its ID: a.ID when it is set (an ID
// already taken is hongyan.CodeExists without a reason), otherwise the next
// one the engine assigns.
func (s Store) CreateAccount(ctx context.Context, a account.Account) (hongyan.UserID, error) {
	if a.AccountID == "" {
		return 0, sqldb.Invalid("empty account ID")
	}
	if a.ID < 0 {
		return 0, sqldb.Invalid("negative user ID")
	}
	cols, vals := "", ""
	args := []any{a.AccountID, accountKey(a.AccountID), a.AccountIDChanged, a.PasswordHash, sqldb.NullIfEmpty(a.Phone), sqldb.NullIfEmpty(a.Email),
		a.Profile.Nickname, a.Profile.Avatar, int64(a.Profile.Gender), a.Profile.Region, a.Profile.Signature,
		a.Settings.FindByAccountID, a.Settings.FindByPhone, a.Settings.AddNeedsVerification, sqldb.Ms(a.Created)}
	if a.ID != 0 {
		cols, vals = "id, ", "$16, "
		args = append(args, int64(a.ID))
	}
	var id int64
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		id = 0
		hash, err := phoneHash(t, a.Phone)
		if err != nil {
			return err
		}
		found, err := t.Write(`INSERT INTO accounts (`+cols+`account_id, account_key, account_id_changed, password_hash, phone, email,
				nickname, avatar, gender, region, signature, find_by_account_id, find_by_phone, add_needs_verification, created)
			VALUES (`+vals+`$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT DO NOTHING RETURNING id`, args, &id)
		if err != nil {
			return s.uniqueErr(err)
		}
		if !found {
			if err := conflict(t, a); err != nil {
				return err
			}
			if a.ID != 0 {
				return hongyan.Errorf(hongyan.CodeExists, "user ID %d already taken", a.ID)
			}
			return hongyan.Errorf(hongyan.CodeExists, "account ID, phone or e-mail already taken")
		}
		if hash != nil {
			if _, err := t.Exec(`UPDATE accounts SET phone_hash = $2 WHERE id = $1`, id, hash); err != nil {
				return sqldb.Internal(err)
			}
		}
		return nil
	})
	return hongyan.UserID(id), err
}

// conflict reports, as hongyan.CodeExists naming the field, whether
// another account than a.ID holds a's account ID, phone or e-mail.
func conflict(t *sqldb.Tx, a account.Account) error {
	var n int64
	found, err := t.Read(`SELECT 1 FROM accounts WHERE account_key = $1 AND id <> $2`, []any{accountKey(a.AccountID), int64(a.ID)}, &n)
	if err != nil {
		return sqldb.Internal(err)
	}
	if found {
		return hongyan.Errorf(hongyan.CodeExists, "account ID %q already taken", a.AccountID).WithReason(hongyan.ReasonAccountIDTaken)
	}
	if a.Phone != "" {
		found, err := t.Read(`SELECT 1 FROM accounts WHERE phone = $1 AND id <> $2`, []any{a.Phone, int64(a.ID)}, &n)
		if err != nil {
			return sqldb.Internal(err)
		}
		if found {
			return hongyan.Errorf(hongyan.CodeExists, "phone number already bound to another account").WithReason(hongyan.ReasonPhoneTaken)
		}
	}
	if a.Email != "" {
		found, err := t.Read(`SELECT 1 FROM accounts WHERE email = $1 AND id <> $2`, []any{a.Email, int64(a.ID)}, &n)
		if err != nil {
			return sqldb.Internal(err)
		}
		if found {
			return hongyan.Errorf(hongyan.CodeExists, "e-mail address already bound to another account").WithReason(hongyan.ReasonEmailTaken)
		}
	}
	return nil
}

// uniqueErr translates the error of a statement that may have violated an
// account's unique keys. (The transaction may be aborted, so it names no
// field; conflict, run before the write, does.)
func (s Store) uniqueErr(err error) error {
	if s.db.Dialect().IsUnique(err) {
		return hongyan.Errorf(hongyan.CodeExists, "account ID, phone or e-mail already taken")
	}
	return sqldb.Internal(err)
}

// Account returns the account with ID id.
func (s Store) Account(ctx context.Context, id hongyan.UserID) (account.Account, error) {
	return s.accountWhere(ctx, `id = $1`, int64(id))
}

// AccountsByID returns the accounts of ids that exist, in queries of at
// most sqldb.RowsPerInsert IDs each.
func (s Store) AccountsByID(ctx context.Context, ids []hongyan.UserID) ([]account.Account, error) {
	if len(ids) > account.MaxBatch {
		return nil, sqldb.Invalid("%d accounts at once, at most %d", len(ids), account.MaxBatch)
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []account.Account
	for start, n := 0, 0; start < len(ids); start += n {
		n = sqldb.Chunk(len(ids) - start)
		ph := make([]string, n)
		args := make([]any, n)
		for i := range n {
			ph[i], args[i] = "$"+strconv.Itoa(i+1), int64(ids[start+i])
		}
		as, err := sqldb.QueryAll(ctx, s.db, scanAccount, `SELECT `+accountCols+` FROM accounts WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

func (s Store) accountWhere(ctx context.Context, where string, arg any) (account.Account, error) {
	st, err := s.db.Stmt(ctx, `SELECT `+accountCols+` FROM accounts WHERE `+where)
	if err != nil {
		return account.Account{}, sqldb.Internal(err)
	}
	a, err := scanAccount(st.QueryRowContext(ctx, arg).Scan)
	if sqldb.IsNoRows(err) {
		return account.Account{}, sqldb.NotFound("no such account")
	}
	return a, sqldb.Internal(err)
}

// AccountBy finds an account by "account_id" (case-insensitively), "phone"
// or "email". Any other field is hongyan.CodeInvalid.
func (s Store) AccountBy(ctx context.Context, field, value string) (account.Account, error) {
	var where string
	switch field {
	case "account_id":
		where, value = `account_key = $1`, accountKey(value)
	case "phone":
		where = `phone = $1`
	case "email":
		where = `email = $1`
	default:
		return account.Account{}, sqldb.Invalid("cannot look accounts up by %q", field)
	}
	if value == "" {
		return account.Account{}, sqldb.NotFound("no such account")
	}
	return s.accountWhere(ctx, where, value)
}

// UpdateAccount replaces every field of the stored account a.ID except its
// creation time.
func (s Store) UpdateAccount(ctx context.Context, a account.Account, changes []hongyan.Change) ([]hongyan.Change, error) {
	if a.AccountID == "" {
		return nil, sqldb.Invalid("empty account ID")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, err
	}
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		out = nil
		hash, err := phoneHash(t, a.Phone)
		if err != nil {
			return err
		}
		if err := conflict(t, a); err != nil {
			return err
		}
		n, err := t.Exec(`UPDATE accounts SET account_id = $2, account_key = $3, account_id_changed = $4, password_hash = $5,
				phone = $6, email = $7, nickname = $8, avatar = $9, gender = $10, region = $11, signature = $12,
				find_by_account_id = $13, find_by_phone = $14, add_needs_verification = $15, phone_hash = $16
			WHERE id = $1`,
			int64(a.ID), a.AccountID, accountKey(a.AccountID), a.AccountIDChanged, a.PasswordHash,
			sqldb.NullIfEmpty(a.Phone), sqldb.NullIfEmpty(a.Email), a.Profile.Nickname, a.Profile.Avatar, int64(a.Profile.Gender),
			a.Profile.Region, a.Profile.Signature, a.Settings.FindByAccountID, a.Settings.FindByPhone, a.Settings.AddNeedsVerification, hash)
		if err != nil {
			return s.uniqueErr(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such account")
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return out, err
}

const deviceCols = `id, user_id, name, address, token_hash, created, last_seen`

func scanDevice(scan func(...any) error) (account.Device, error) {
	var d account.Device
	var created, seen int64
	err := scan(&d.ID, &d.User, &d.Name, &d.Address, &d.TokenHash, &created, &seen)
	d.Created, d.LastSeen = sqldb.Tm(created), sqldb.Tm(seen)
	return d, err
}

// CreateDevice inserts d (d.ID is ignored) and returns its new ID.
func (s Store) CreateDevice(ctx context.Context, d account.Device, changes []hongyan.Change) (hongyan.DeviceID, []hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return 0, nil, err
	}
	var id hongyan.DeviceID
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		var err error
		id, out = 0, nil
		if id, err = s.insertDevice(t, d); err != nil {
			return err
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return id, out, err
}

func (s Store) insertDevice(t *sqldb.Tx, d account.Device) (hongyan.DeviceID, error) {
	if err := accountExists(t, d.User); err != nil {
		return 0, err
	}
	var id int64
	found, err := t.Write(`INSERT INTO devices (user_id, name, address, token_hash, created, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
		[]any{int64(d.User), d.Name, d.Address, sqldb.NonNil(d.TokenHash), sqldb.Ms(d.Created), sqldb.Ms(d.LastSeen)}, &id)
	if err != nil {
		return 0, sqldb.Internal(err)
	}
	if !found {
		return 0, hongyan.Errorf(hongyan.CodeExists, "device token already in use")
	}
	return hongyan.DeviceID(id), nil
}

// accountExists returns hongyan.CodeNotFound unless account id exists.
func accountExists(t *sqldb.Tx, id hongyan.UserID) error {
	var n int64
	found, err := t.Read(`SELECT 1 FROM accounts WHERE id = $1`, []any{int64(id)}, &n)
	if err != nil {
		return sqldb.Internal(err)
	}
	if !found {
		return sqldb.NotFound("no such account")
	}
	return nil
}

// DeviceByToken returns the device whose token hashes to tokenHash.
func (s Store) DeviceByToken(ctx context.Context, tokenHash []byte) (account.Device, error) {
	st, err := s.db.Stmt(ctx, `SELECT `+deviceCols+` FROM devices WHERE token_hash = $1`)
	if err != nil {
		return account.Device{}, sqldb.Internal(err)
	}
	d, err := scanDevice(st.QueryRowContext(ctx, sqldb.NonNil(tokenHash)).Scan)
	if sqldb.IsNoRows(err) {
		return account.Device{}, sqldb.NotFound("no such session")
	}
	return d, sqldb.Internal(err)
}

// Devices lists user's devices, oldest first.
func (s Store) Devices(ctx context.Context, user hongyan.UserID) ([]account.Device, error) {
	return sqldb.QueryAll(ctx, s.db, scanDevice, `SELECT `+deviceCols+` FROM devices WHERE user_id = $1 ORDER BY id`, int64(user))
}

// DeleteDevices removes the given devices of user (all of them when ids is
// empty) and returns how many it removed.
func (s Store) DeleteDevices(ctx context.Context, user hongyan.UserID, ids []hongyan.DeviceID, changes []hongyan.Change) (int, []hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return 0, nil, err
	}
	var removed int64
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		removed, out = 0, nil
		if len(ids) == 0 {
			n, err := t.Exec(`DELETE FROM devices WHERE user_id = $1`, int64(user))
			if err != nil {
				return sqldb.Internal(err)
			}
			removed = n
		}
		for _, id := range ids {
			n, err := t.Exec(`DELETE FROM devices WHERE user_id = $1 AND id = $2`, int64(user), int64(id))
			if err != nil {
				return sqldb.Internal(err)
			}
			removed += n
		}
		var err error
		out, err = t.AppendChanges(changes)
		return err
	})
	return int(removed), out, err
}

// TouchDevice records that device id was seen at seen from address.
func (s Store) TouchDevice(ctx context.Context, id hongyan.DeviceID, seen time.Time, address string) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE devices SET last_seen = $2, address = $3 WHERE id = $1`, int64(id), sqldb.Ms(seen), address)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such device")
		}
		return nil
	})
}

// PutRecoveryCode replaces the user's pending recovery code.
func (s Store) PutRecoveryCode(ctx context.Context, c account.RecoveryCode) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		if err := accountExists(t, c.User); err != nil {
			return err
		}
		_, err := t.Exec(`INSERT INTO recovery_codes (user_id, code_hash, expires, attempts) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET code_hash = excluded.code_hash, expires = excluded.expires, attempts = excluded.attempts`,
			int64(c.User), sqldb.NonNil(c.CodeHash), sqldb.Ms(c.Expires), int64(c.Attempts))
		return sqldb.Internal(err)
	})
}

// RecoveryCode returns the user's pending recovery code.
func (s Store) RecoveryCode(ctx context.Context, user hongyan.UserID) (account.RecoveryCode, error) {
	c := account.RecoveryCode{User: user}
	var expires, attempts int64
	found, err := s.db.QueryRow(ctx, `SELECT code_hash, expires, attempts FROM recovery_codes WHERE user_id = $1`,
		[]any{int64(user)}, &c.CodeHash, &expires, &attempts)
	if err != nil {
		return account.RecoveryCode{}, err
	}
	if !found {
		return account.RecoveryCode{}, sqldb.NotFound("no recovery code pending")
	}
	c.Expires, c.Attempts = sqldb.Tm(expires), int(attempts)
	return c, nil
}

// CountRecoveryAttempt adds one failed attempt to the user's code.
func (s Store) CountRecoveryAttempt(ctx context.Context, user hongyan.UserID) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE recovery_codes SET attempts = attempts + 1 WHERE user_id = $1`, int64(user))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no recovery code pending")
		}
		return nil
	})
}

// TakeRecoveryCode deletes the user's code if its hash is codeHash and
// reports whether it did.
func (s Store) TakeRecoveryCode(ctx context.Context, user hongyan.UserID, codeHash []byte) (bool, error) {
	var took bool
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2`, int64(user), sqldb.NonNil(codeHash))
		took = n == 1
		return sqldb.Internal(err)
	})
	return took, err
}

// PutVerification replaces the pending code of (v.Channel, v.To).
func (s Store) PutVerification(ctx context.Context, v account.Verification) error {
	if v.Channel == "" || v.To == "" {
		return sqldb.Invalid("empty verification channel or address")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO verifications (channel, to_addr, code_hash, expires, attempts) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (channel, to_addr) DO UPDATE SET code_hash = excluded.code_hash, expires = excluded.expires, attempts = excluded.attempts`,
			v.Channel, v.To, sqldb.NonNil(v.CodeHash), sqldb.Ms(v.Expires), int64(v.Attempts))
		return sqldb.Internal(err)
	})
}

// Verification returns the pending code of (channel, to).
func (s Store) Verification(ctx context.Context, channel, to string) (account.Verification, error) {
	v := account.Verification{Channel: channel, To: to}
	var expires, attempts int64
	found, err := s.db.QueryRow(ctx, `SELECT code_hash, expires, attempts FROM verifications WHERE channel = $1 AND to_addr = $2`,
		[]any{channel, to}, &v.CodeHash, &expires, &attempts)
	if err != nil {
		return account.Verification{}, err
	}
	if !found {
		return account.Verification{}, sqldb.NotFound("no verification code pending")
	}
	v.Expires, v.Attempts = sqldb.Tm(expires), int(attempts)
	return v, nil
}

// CountVerificationAttempt adds one failed attempt to the code of
// (channel, to).
func (s Store) CountVerificationAttempt(ctx context.Context, channel, to string) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE verifications SET attempts = attempts + 1 WHERE channel = $1 AND to_addr = $2`, channel, to)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no verification code pending")
		}
		return nil
	})
}

// TakeVerification deletes the code of (channel, to) if its hash is
// codeHash and reports whether it did.
func (s Store) TakeVerification(ctx context.Context, channel, to string, codeHash []byte) (bool, error) {
	var took bool
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`DELETE FROM verifications WHERE channel = $1 AND to_addr = $2 AND code_hash = $3`, channel, to, sqldb.NonNil(codeHash))
		took = n == 1
		return sqldb.Internal(err)
	})
	return took, err
}

// PruneVerifications deletes up to limit codes that expired before t.
func (s Store) PruneVerifications(ctx context.Context, t time.Time, limit int) (int, error) {
	return s.prune(ctx, `DELETE FROM verifications WHERE (channel, to_addr) IN
		(SELECT channel, to_addr FROM verifications WHERE expires < $1 ORDER BY expires LIMIT $2)`, t, limit)
}

// AddOutbox stores m (m.ID is ignored).
func (s Store) AddOutbox(ctx context.Context, m account.OutboxMessage) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO outbox (channel, to_addr, body, created) VALUES ($1, $2, $3, $4)`,
			m.Channel, m.To, m.Body, sqldb.Ms(m.Created))
		return sqldb.Internal(err)
	})
}

// Outbox returns up to limit outbox messages, newest first.
func (s Store) Outbox(ctx context.Context, limit int) ([]account.OutboxMessage, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, channel, to_addr, body, created FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.OutboxMessage
	for rows.Next() {
		var m account.OutboxMessage
		var created int64
		if err := rows.Scan(&m.ID, &m.Channel, &m.To, &m.Body, &created); err != nil {
			return nil, sqldb.Internal(err)
		}
		m.Created = sqldb.Tm(created)
		out = append(out, m)
	}
	return out, sqldb.Internal(rows.Err())
}

// CreateQRLogin stores q; a code hash already stored is
// hongyan.CodeExists.
func (s Store) CreateQRLogin(ctx context.Context, q account.QRLogin) error {
	if len(q.CodeHash) == 0 {
		return sqldb.Invalid("empty QR code hash")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`INSERT INTO qr_logins (code_hash, secret_hash, device_name, address, created, expires, state, user_id, device_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			q.CodeHash, sqldb.NonNil(q.SecretHash), q.DeviceName, q.Address, sqldb.Ms(q.Created), sqldb.Ms(q.Expires),
			int64(q.State), int64(q.User), int64(q.Device))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return hongyan.Errorf(hongyan.CodeExists, "QR code already exists")
		}
		return nil
	})
}

// QRLogin returns the QR login whose code hashes to codeHash.
func (s Store) QRLogin(ctx context.Context, codeHash []byte) (account.QRLogin, error) {
	q := account.QRLogin{}
	var created, expires, state int64
	found, err := s.db.QueryRow(ctx, `SELECT code_hash, secret_hash, device_name, address, created, expires, state, user_id, device_id
		FROM qr_logins WHERE code_hash = $1`, []any{sqldb.NonNil(codeHash)},
		&q.CodeHash, &q.SecretHash, &q.DeviceName, &q.Address, &created, &expires, &state, &q.User, &q.Device)
	if err != nil {
		return account.QRLogin{}, err
	}
	if !found {
		return account.QRLogin{}, sqldb.NotFound("no such QR code")
	}
	q.Created, q.Expires, q.State = sqldb.Tm(created), sqldb.Tm(expires), account.QRState(state)
	return q, nil
}

// qrPrecondition explains why a QR login could not move on: missing code
// (not found) or wrong state / expired (failed precondition).
func qrPrecondition(t *sqldb.Tx, codeHash []byte, want string) error {
	var n int64
	found, err := t.Read(`SELECT 1 FROM qr_logins WHERE code_hash = $1`, []any{sqldb.NonNil(codeHash)}, &n)
	if err != nil {
		return sqldb.Internal(err)
	}
	if !found {
		return sqldb.NotFound("no such QR code")
	}
	return hongyan.Errorf(hongyan.CodePrecondition, "QR code is not %s or has expired", want)
}

// ConfirmQRLogin moves a pending code that has not expired at now to
// confirmed by user.
func (s Store) ConfirmQRLogin(ctx context.Context, codeHash []byte, user hongyan.UserID, now time.Time) error {
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		n, err := t.Exec(`UPDATE qr_logins SET state = $2, user_id = $3 WHERE code_hash = $1 AND state = $4 AND expires > $5`,
			sqldb.NonNil(codeHash), int64(account.QRConfirmed), int64(user), int64(account.QRPending), sqldb.Ms(now))
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return qrPrecondition(t, codeHash, "pending")
		}
		return nil
	})
}

// ClaimQRLogin moves a confirmed code that has not expired at now to
// claimed and creates device d for the confirming user (d.User is
// ignored) in the same transaction.
func (s Store) ClaimQRLogin(ctx context.Context, codeHash []byte, d account.Device, now time.Time, changes []hongyan.Change) (hongyan.DeviceID, []hongyan.Change, error) {
	if err := sqldb.CheckChanges(changes); err != nil {
		return 0, nil, err
	}
	var id hongyan.DeviceID
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		id, out = 0, nil
		var user int64
		found, err := t.Write(`UPDATE qr_logins SET state = $2 WHERE code_hash = $1 AND state = $3 AND expires > $4 RETURNING user_id`,
			[]any{sqldb.NonNil(codeHash), int64(account.QRClaimed), int64(account.QRConfirmed), sqldb.Ms(now)}, &user)
		if err != nil {
			return sqldb.Internal(err)
		}
		if !found {
			return qrPrecondition(t, codeHash, "confirmed")
		}
		d.User = hongyan.UserID(user)
		if id, err = s.insertDevice(t, d); err != nil {
			return err
		}
		if _, err := t.Exec(`UPDATE qr_logins SET device_id = $2 WHERE code_hash = $1`, sqldb.NonNil(codeHash), int64(id)); err != nil {
			return sqldb.Internal(err)
		}
		out, err = t.AppendChanges(changes)
		return err
	})
	return id, out, err
}

// PutAvatar stores a. Avatars are addressed by content hash, so storing a
// hash again keeps the first copy.
func (s Store) PutAvatar(ctx context.Context, a account.Avatar) error {
	if a.Hash == "" {
		return sqldb.Invalid("empty avatar hash")
	}
	return s.db.Write(ctx, func(t *sqldb.Tx) error {
		_, err := t.Exec(`INSERT INTO avatars (hash, content_type, data) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING`,
			a.Hash, a.ContentType, sqldb.NonNil(a.Data))
		return sqldb.Internal(err)
	})
}

// Avatar returns the avatar with content hash hash.
func (s Store) Avatar(ctx context.Context, hash string) (account.Avatar, error) {
	a := account.Avatar{Hash: hash}
	found, err := s.db.QueryRow(ctx, `SELECT content_type, data FROM avatars WHERE hash = $1`, []any{hash}, &a.ContentType, &a.Data)
	if err != nil {
		return account.Avatar{}, err
	}
	if !found {
		return account.Avatar{}, sqldb.NotFound("no such avatar")
	}
	return a, nil
}

// prune deletes up to limit rows that q (a DELETE with the cut-off time as
// $1 and the limit as $2) selects.
func (s Store) prune(ctx context.Context, q string, t time.Time, limit int) (int, error) {
	if err := sqldb.CheckLimit(limit); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = tx.Exec(q, sqldb.Ms(t), limit)
		return sqldb.Internal(err)
	})
	return int(n), err
}

// PruneQRLogins deletes up to limit QR login codes that expired before t.
func (s Store) PruneQRLogins(ctx context.Context, t time.Time, limit int) (int, error) {
	return s.prune(ctx, `DELETE FROM qr_logins WHERE code_hash IN
		(SELECT code_hash FROM qr_logins WHERE expires < $1 ORDER BY expires LIMIT $2)`, t, limit)
}

// PruneRecoveryCodes deletes up to limit recovery codes that expired
// before t.
func (s Store) PruneRecoveryCodes(ctx context.Context, t time.Time, limit int) (int, error) {
	return s.prune(ctx, `DELETE FROM recovery_codes WHERE user_id IN
		(SELECT user_id FROM recovery_codes WHERE expires < $1 ORDER BY expires LIMIT $2)`, t, limit)
}

// PruneOutbox deletes up to limit of the oldest outbox messages created
// before t.
func (s Store) PruneOutbox(ctx context.Context, t time.Time, limit int) (int, error) {
	return s.prune(ctx, `DELETE FROM outbox WHERE id IN
		(SELECT id FROM outbox WHERE created < $1 ORDER BY created, id LIMIT $2)`, t, limit)
}

// SetPassword replaces user's password hash, deletes every device of user
// but keep (all when keep is 0) and the QR logins user confirmed but no
// device claimed, in one transaction.
func (s Store) SetPassword(ctx context.Context, user hongyan.UserID, hash string, keep hongyan.DeviceID, changes []hongyan.Change) ([]hongyan.DeviceID, []hongyan.Change, error) {
	if hash == "" {
		return nil, nil, sqldb.Invalid("empty password hash")
	}
	if err := sqldb.CheckChanges(changes); err != nil {
		return nil, nil, err
	}
	var revoked []hongyan.DeviceID
	var out []hongyan.Change
	err := s.db.Write(ctx, func(t *sqldb.Tx) error {
		revoked, out = nil, nil
		n, err := t.Exec(`UPDATE accounts SET password_hash = $2 WHERE id = $1`, int64(user), hash)
		if err != nil {
			return sqldb.Internal(err)
		}
		if n == 0 {
			return sqldb.NotFound("no such account")
		}
		rows, err := t.Query(`DELETE FROM devices WHERE user_id = $1 AND id <> $2 RETURNING id`, int64(user), int64(keep))
		if err != nil {
			return sqldb.Internal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return sqldb.Internal(err)
			}
			revoked = append(revoked, hongyan.DeviceID(id))
		}
		if err := rows.Close(); err != nil {
			return sqldb.Internal(err)
		}
		if err := rows.Err(); err != nil {
			return sqldb.Internal(err)
		}
		t.MarkDirty()
		if _, err := t.Exec(`DELETE FROM qr_logins WHERE user_id = $1 AND state = $2`, int64(user), int64(account.QRConfirmed)); err != nil {
			return sqldb.Internal(err)
		}
		if len(revoked) > 0 {
			out, err = t.AppendChanges(changes)
		}
		return err
	})
	return revoked, out, err
}

// AccountsByPhone returns the accounts that have bound one of phones, in
// queries of at most sqldb.RowsPerInsert numbers each.
func (s Store) AccountsByPhone(ctx context.Context, phones []string) ([]account.Account, error) {
	var out []account.Account
	for start, n := 0, 0; start < len(phones); start += n {
		n = sqldb.Chunk(len(phones) - start)
		ph := make([]string, n)
		args := make([]any, n)
		for i := range n {
			ph[i], args[i] = "$"+strconv.Itoa(i+1), phones[start+i]
		}
		as, err := sqldb.QueryAll(ctx, s.db, scanAccount, `SELECT `+accountCols+` FROM accounts WHERE phone IN (`+strings.Join(ph, ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}
