// Package accounttest is the conformance suite of the account feature's
// storage ports, one part per port (account.Accounts, Devices, Recovery,
// Outbox, QRLogins, Avatars): every storage engine runs it.
package accounttest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/account"
	"hongyan/internal/hongyan"
)

// Run runs every part of the suite on a store that holds them all; open
// returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) account.Store) {
	t.Run("Accounts", func(t *testing.T) { RunAccounts(t, func(t *testing.T) account.Accounts { return open(t) }) })
	t.Run("Devices", func(t *testing.T) { RunDevices(t, func(t *testing.T) DeviceStore { return open(t) }) })
	t.Run("Recovery", func(t *testing.T) { RunRecovery(t, func(t *testing.T) RecoveryStore { return open(t) }) })
	t.Run("Verifications", func(t *testing.T) { RunVerifications(t, func(t *testing.T) account.Verifications { return open(t) }) })
	t.Run("Outbox", func(t *testing.T) { RunOutbox(t, func(t *testing.T) account.Outbox { return open(t) }) })
	t.Run("QRLogins", func(t *testing.T) { RunQRLogins(t, func(t *testing.T) QRStore { return open(t) }) })
	t.Run("Avatars", func(t *testing.T) { RunAvatars(t, func(t *testing.T) account.Avatars { return open(t) }) })
	t.Run("Deletions", func(t *testing.T) { RunDeletions(t, func(t *testing.T) account.Deletions { return open(t) }) })
}

// DeviceStore is what the devices part needs: devices belong to accounts.
type DeviceStore interface {
	account.Accounts
	account.Devices
}

// RecoveryStore is what the recovery part needs: codes belong to accounts.
type RecoveryStore interface {
	account.Accounts
	account.Recovery
}

// QRStore is what the QR login part needs: a claimed code creates a
// device of an account.
type QRStore interface {
	account.Accounts
	account.Devices
	account.QRLogins
}

// RunAccounts runs the part of account.Accounts.
func RunAccounts(t *testing.T, open func(t *testing.T) account.Accounts) {
	t.Run("CreateAndGet", func(t *testing.T) { testCreateAndGet(t, open(t)) })
	t.Run("AccountBy", func(t *testing.T) { testAccountBy(t, open(t)) })
	t.Run("AccountsByID", func(t *testing.T) { testAccountsByID(t, open(t)) })
	t.Run("Unique", func(t *testing.T) { testUnique(t, open(t)) })
	t.Run("ConcurrentCreate", func(t *testing.T) { testConcurrentCreate(t, open(t)) })
	t.Run("UpdateAccount", func(t *testing.T) { testUpdateAccount(t, open(t)) })
	t.Run("ChosenID", func(t *testing.T) { testChosenID(t, open(t)) })
	t.Run("PhoneHashes", func(t *testing.T) { testPhoneHashes(t, open(t)) })
}

// RunDevices runs the part of account.Devices.
func RunDevices(t *testing.T, open func(t *testing.T) DeviceStore) {
	t.Run("Devices", func(t *testing.T) { testDevices(t, open(t)) })
}

// RunRecovery runs the part of account.Recovery.
func RunRecovery(t *testing.T, open func(t *testing.T) RecoveryStore) {
	t.Run("RecoveryCode", func(t *testing.T) { testRecoveryCode(t, open(t)) })
	t.Run("RecoveryCodeRace", func(t *testing.T) { testRecoveryCodeRace(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPruneRecoveryCodes(t, open(t)) })
}

// RunOutbox runs the part of account.Outbox.
func RunOutbox(t *testing.T, open func(t *testing.T) account.Outbox) {
	t.Run("Outbox", func(t *testing.T) { testOutbox(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPruneOutbox(t, open(t)) })
}

// RunQRLogins runs the part of account.QRLogins.
func RunQRLogins(t *testing.T, open func(t *testing.T) QRStore) {
	t.Run("QRLogin", func(t *testing.T) { testQRLogin(t, open(t)) })
	t.Run("QRLoginRace", func(t *testing.T) { testQRLoginRace(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPruneQRLogins(t, open(t)) })
	t.Run("SetPassword", func(t *testing.T) { testSetPassword(t, open(t)) })
}

// RunAvatars runs the part of account.Avatars.
func RunAvatars(t *testing.T, open func(t *testing.T) account.Avatars) {
	t.Run("Avatar", func(t *testing.T) { testAvatar(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func newAccount(accountID, phone, email string) account.Account {
	return account.Account{
		AccountID:    accountID,
		PasswordHash: "$argon2id$" + accountID,
		Phone:        phone,
		Email:        email,
		Profile:      account.Profile{Nickname: "昵称 " + accountID, Gender: account.GenderFemale, Region: "CN", Signature: "hi"},
		Settings:     account.DefaultSettings,
		Created:      T0,
	}
}

func mustCreate(t *testing.T, s account.Accounts, a account.Account) account.Account {
	t.Helper()
	id, err := s.CreateAccount(t.Context(), a)
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", a.AccountID, err)
	}
	if id <= 0 {
		t.Fatalf("CreateAccount(%q): got ID %d, want a positive ID", a.AccountID, id)
	}
	a.ID = id
	return a
}

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func testCreateAndGet(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "+8613800000000", "zs@example.com"))
	b := mustCreate(t, s, newAccount("li_si", "", ""))
	if a.ID == b.ID {
		t.Fatalf("two accounts got the same ID %d", a.ID)
	}
	for _, want := range []account.Account{a, b} {
		got, err := s.Account(ctx, want.ID)
		if err != nil {
			t.Fatalf("Account(%d): %v", want.ID, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Account(%d) (-want +got):\n%s", want.ID, diff)
		}
	}
	_, err := s.Account(ctx, b.ID+100)
	wantCode(t, "Account(missing)", err, hongyan.CodeNotFound)
}

func testAccountsByID(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	var made []account.Account
	for i := range 5 {
		made = append(made, mustCreate(t, s, newAccount(fmt.Sprintf("batch_%d", i), "", "")))
	}
	missing := made[4].ID + 1000
	ids := []hongyan.UserID{made[3].ID, made[0].ID, missing, made[3].ID, made[2].ID}
	got, err := s.AccountsByID(ctx, ids)
	if err != nil {
		t.Fatalf("AccountsByID: %v", err)
	}
	slices.SortFunc(got, func(a, b account.Account) int { return int(a.ID - b.ID) })
	want := []account.Account{made[0], made[2], made[3]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AccountsByID(%v) (-want +got):\n%s", ids, diff)
	}
	if got, err := s.AccountsByID(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("AccountsByID(nil): got %v, %v; want none", got, err)
	}
	// A page of the largest size, mostly missing, in several queries.
	big := make([]hongyan.UserID, account.MaxBatch)
	for i := range big {
		big[i] = missing + hongyan.UserID(i)
	}
	big[len(big)-1] = made[1].ID
	if got, err := s.AccountsByID(ctx, big); err != nil || len(got) != 1 || got[0].ID != made[1].ID {
		t.Errorf("AccountsByID(%d ids): got %d accounts, %v; want only %d", len(big), len(got), err, made[1].ID)
	}
	_, err = s.AccountsByID(ctx, append(big, made[0].ID))
	wantCode(t, "AccountsByID(too many)", err, hongyan.CodeInvalid)
}

func testAccountBy(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("Zhang_San", "+8613800000000", "zs@example.com"))
	mustCreate(t, s, newAccount("li_si", "", ""))
	for _, c := range []struct{ field, value string }{
		{"account_id", "Zhang_San"},
		{"account_id", "zhang_san"},
		{"account_id", "ZHANG_SAN"},
		{"phone", "+8613800000000"},
		{"email", "zs@example.com"},
	} {
		got, err := s.AccountBy(ctx, c.field, c.value)
		if err != nil {
			t.Errorf("AccountBy(%s, %q): %v", c.field, c.value, err)
			continue
		}
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("AccountBy(%s, %q) (-want +got):\n%s", c.field, c.value, diff)
		}
	}
	for _, c := range []struct{ field, value string }{
		{"account_id", "wang_wu"},
		{"phone", "+8613900000000"},
		{"email", "ZS@example.org"},
		{"phone", ""}, // li_si has no phone: "" must not find him
		{"email", ""},
		{"account_id", ""},
	} {
		_, err := s.AccountBy(ctx, c.field, c.value)
		wantCode(t, fmt.Sprintf("AccountBy(%s, %q)", c.field, c.value), err, hongyan.CodeNotFound)
	}
	for _, field := range []string{"id", "nickname", "", "phone; DROP TABLE accounts", "Account_ID"} {
		_, err := s.AccountBy(ctx, field, "x")
		wantCode(t, fmt.Sprintf("AccountBy(%q)", field), err, hongyan.CodeInvalid)
	}
}

func testUnique(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "+8613800000000", "zs@example.com"))
	// Unbound phone and e-mail never collide.
	mustCreate(t, s, newAccount("li_si", "", ""))
	mustCreate(t, s, newAccount("wang_wu", "", ""))
	for name, dup := range map[string]account.Account{
		"account ID in other case": newAccount("ZHANG_san", "", ""),
		"phone":                    newAccount("zhao_liu", "+8613800000000", ""),
		"email":                    newAccount("zhao_liu", "", "zs@example.com"),
	} {
		_, err := s.CreateAccount(ctx, dup)
		wantCode(t, "CreateAccount(taken "+name+")", err, hongyan.CodeExists)
	}
	if _, err := s.AccountBy(ctx, "account_id", "zhao_liu"); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a refused account was stored: AccountBy got %v", err)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("the first account changed (-want +got):\n%s", diff)
	}
}

// testConcurrentCreate registers one account ID from many goroutines at
// once: exactly one wins, the others get CodeExists.
func testConcurrentCreate(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "race_user"
			if i%2 == 1 {
				id = "RACE_USER"
			}
			_, errs[i] = s.CreateAccount(ctx, newAccount(id, fmt.Sprintf("+86%d", i), ""))
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch hongyan.ErrorCode(err) {
		case "":
			won++
		case hongyan.CodeExists:
		default:
			t.Errorf("CreateAccount %d: got %v, want nil or %s", i, err, hongyan.CodeExists)
		}
	}
	if won != 1 {
		t.Fatalf("concurrent CreateAccount of one account ID: %d succeeded, want 1", won)
	}
}

func testUpdateAccount(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "+8613800000000", ""))
	b := mustCreate(t, s, newAccount("li_si", "+8613900000000", "ls@example.com"))

	a.AccountID, a.AccountIDChanged = "Zhang_San_2", true
	a.PasswordHash = "new hash"
	a.Phone, a.Email = "", "zs@example.com"
	a.Profile = account.Profile{Nickname: "三", Avatar: "abc123", Gender: account.GenderMale, Region: "Beijing", Signature: "签名"}
	a.Settings = account.Settings{FindByAccountID: false, FindByPhone: true, AddNeedsVerification: false}
	changes := []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeProfile}, {User: b.ID, Kind: hongyan.ChangeContact, Ref: int64(a.ID)}}
	got, err := s.UpdateAccount(ctx, a, changes)
	if err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	want := []hongyan.Change{{User: a.ID, Seq: 1, Kind: hongyan.ChangeProfile}, {User: b.ID, Seq: 1, Kind: hongyan.ChangeContact, Ref: int64(a.ID)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("UpdateAccount changes (-want +got):\n%s", diff)
	}
	stored, err := s.Account(ctx, a.ID)
	if err != nil {
		t.Fatalf("Account: %v", err)
	}
	if diff := cmp.Diff(a, stored); diff != "" {
		t.Fatalf("updated account (-want +got):\n%s", diff)
	}
	if _, err := s.AccountBy(ctx, "account_id", "zhang_san"); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("old account ID still finds the account: %v", err)
	}
	if _, err := s.AccountBy(ctx, "phone", "+8613800000000"); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("unbound phone still finds the account: %v", err)
	}
	if got, err := s.AccountBy(ctx, "account_id", "zhang_san_2"); err != nil || got.ID != a.ID {
		t.Errorf("AccountBy(new account ID): got %d, %v, want %d", got.ID, err, a.ID)
	}

	// Taking another account's keys is refused and changes nothing.
	for name, mod := range map[string]func(*account.Account){
		"account ID": func(x *account.Account) { x.AccountID = "LI_SI" },
		"phone":      func(x *account.Account) { x.Phone = b.Phone },
		"email":      func(x *account.Account) { x.Email = b.Email },
	} {
		x := a
		x.Profile.Nickname = "should not be stored"
		mod(&x)
		_, err := s.UpdateAccount(ctx, x, []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeProfile}})
		wantCode(t, "UpdateAccount(taken "+name+")", err, hongyan.CodeExists)
	}
	if stored, err = s.Account(ctx, a.ID); err != nil {
		t.Fatalf("Account: %v", err)
	}
	if diff := cmp.Diff(a, stored); diff != "" {
		t.Fatalf("account after refused updates (-want +got):\n%s", diff)
	}
	// Keeping one's own keys is fine.
	if _, err := s.UpdateAccount(ctx, stored, nil); err != nil {
		t.Fatalf("UpdateAccount(unchanged): %v", err)
	}
	missing := a
	missing.ID = b.ID + 100
	missing.AccountID, missing.Phone, missing.Email = "nobody_here", "", ""
	_, err = s.UpdateAccount(ctx, missing, nil)
	wantCode(t, "UpdateAccount(missing)", err, hongyan.CodeNotFound)
}

func testDevices(t *testing.T, s DeviceStore) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "", ""))
	b := mustCreate(t, s, newAccount("li_si", "", ""))
	mk := func(user hongyan.UserID, name string) account.Device {
		return account.Device{User: user, Name: name, Address: "127.0.0.1:1", TokenHash: []byte("hash of " + name),
			Created: T0, LastSeen: T0}
	}
	var devs []account.Device
	for i, d := range []account.Device{mk(a.ID, "phone"), mk(a.ID, "laptop"), mk(a.ID, "tablet"), mk(b.ID, "b-phone")} {
		id, changes, err := s.CreateDevice(ctx, d, []hongyan.Change{{User: d.User, Kind: hongyan.ChangeDevices}})
		if err != nil {
			t.Fatalf("CreateDevice(%s): %v", d.Name, err)
		}
		d.ID = id
		devs = append(devs, d)
		wantSeq := int64(i + 1)
		if d.User == b.ID {
			wantSeq = 1
		}
		if len(changes) != 1 || changes[0].Seq != wantSeq {
			t.Fatalf("CreateDevice(%s) changes: got %v, want one with Seq %d", d.Name, changes, wantSeq)
		}
	}
	got, err := s.Devices(ctx, a.ID)
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if diff := cmp.Diff(devs[:3], got); diff != "" {
		t.Fatalf("Devices (-want +got):\n%s", diff)
	}
	d, err := s.DeviceByToken(ctx, []byte("hash of laptop"))
	if err != nil {
		t.Fatalf("DeviceByToken: %v", err)
	}
	if diff := cmp.Diff(devs[1], d); diff != "" {
		t.Fatalf("DeviceByToken (-want +got):\n%s", diff)
	}
	for _, h := range [][]byte{[]byte("hash of nothing"), nil, {}} {
		_, err = s.DeviceByToken(ctx, h)
		wantCode(t, fmt.Sprintf("DeviceByToken(%q)", h), err, hongyan.CodeNotFound)
	}
	_, _, err = s.CreateDevice(ctx, mk(a.ID, "laptop"), nil)
	wantCode(t, "CreateDevice(token hash in use)", err, hongyan.CodeExists)
	_, _, err = s.CreateDevice(ctx, account.Device{User: b.ID + 100, TokenHash: []byte("x")}, nil)
	wantCode(t, "CreateDevice(missing account)", err, hongyan.CodeNotFound)

	seen := T0.Add(time.Hour)
	if err := s.TouchDevice(ctx, devs[0].ID, seen, "10.0.0.1:2"); err != nil {
		t.Fatalf("TouchDevice: %v", err)
	}
	devs[0].LastSeen, devs[0].Address = seen, "10.0.0.1:2"
	if d, err = s.DeviceByToken(ctx, devs[0].TokenHash); err != nil {
		t.Fatalf("DeviceByToken: %v", err)
	}
	if diff := cmp.Diff(devs[0], d); diff != "" {
		t.Fatalf("touched device (-want +got):\n%s", diff)
	}
	wantCode(t, "TouchDevice(missing)", s.TouchDevice(ctx, devs[3].ID+100, seen, ""), hongyan.CodeNotFound)

	// Deleting names devices of the user only.
	n, changes, err := s.DeleteDevices(ctx, a.ID, []hongyan.DeviceID{devs[1].ID, devs[3].ID, devs[3].ID + 100},
		[]hongyan.Change{{User: a.ID, Kind: hongyan.ChangeDevices}})
	if err != nil || n != 1 {
		t.Fatalf("DeleteDevices(laptop, b's phone, missing): got %d, %v, want 1, nil", n, err)
	}
	if len(changes) != 1 || changes[0].Seq != 4 {
		t.Fatalf("DeleteDevices changes: got %v, want one with Seq 4", changes)
	}
	if got, err = s.Devices(ctx, a.ID); err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if diff := cmp.Diff([]account.Device{devs[0], devs[2]}, got); diff != "" {
		t.Fatalf("Devices after deleting one (-want +got):\n%s", diff)
	}
	if _, err := s.DeviceByToken(ctx, devs[3].TokenHash); err != nil {
		t.Fatalf("b's device was deleted by a: %v", err)
	}
	if n, _, err = s.DeleteDevices(ctx, a.ID, nil, nil); err != nil || n != 2 {
		t.Fatalf("DeleteDevices(all): got %d, %v, want 2, nil", n, err)
	}
	if got, err = s.Devices(ctx, a.ID); err != nil || len(got) != 0 {
		t.Fatalf("Devices after deleting all: got %v, %v, want none", got, err)
	}
	if got, err = s.Devices(ctx, b.ID); err != nil || len(got) != 1 {
		t.Fatalf("b's Devices: got %v, %v, want one", got, err)
	}
}

func testRecoveryCode(t *testing.T, s RecoveryStore) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "", ""))
	_, err := s.RecoveryCode(ctx, a.ID)
	wantCode(t, "RecoveryCode(none)", err, hongyan.CodeNotFound)
	wantCode(t, "CountRecoveryAttempt(none)", s.CountRecoveryAttempt(ctx, a.ID), hongyan.CodeNotFound)

	c := account.RecoveryCode{User: a.ID, CodeHash: []byte("h1"), Expires: T0.Add(10 * time.Minute)}
	if err := s.PutRecoveryCode(ctx, c); err != nil {
		t.Fatalf("PutRecoveryCode: %v", err)
	}
	for range 2 {
		if err := s.CountRecoveryAttempt(ctx, a.ID); err != nil {
			t.Fatalf("CountRecoveryAttempt: %v", err)
		}
	}
	c.Attempts = 2
	got, err := s.RecoveryCode(ctx, a.ID)
	if err != nil {
		t.Fatalf("RecoveryCode: %v", err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Fatalf("RecoveryCode (-want +got):\n%s", diff)
	}
	// A new code replaces the old one, attempts and all.
	c = account.RecoveryCode{User: a.ID, CodeHash: []byte("h2"), Expires: T0.Add(20 * time.Minute)}
	if err := s.PutRecoveryCode(ctx, c); err != nil {
		t.Fatalf("PutRecoveryCode: %v", err)
	}
	if got, err = s.RecoveryCode(ctx, a.ID); err != nil {
		t.Fatalf("RecoveryCode: %v", err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Fatalf("replaced RecoveryCode (-want +got):\n%s", diff)
	}
	if ok, err := s.TakeRecoveryCode(ctx, a.ID, []byte("h1")); err != nil || ok {
		t.Fatalf("TakeRecoveryCode(old hash): got %v, %v, want false, nil", ok, err)
	}
	if ok, err := s.TakeRecoveryCode(ctx, a.ID, nil); err != nil || ok {
		t.Fatalf("TakeRecoveryCode(nil): got %v, %v, want false, nil", ok, err)
	}
	if ok, err := s.TakeRecoveryCode(ctx, a.ID, []byte("h2")); err != nil || !ok {
		t.Fatalf("TakeRecoveryCode(right hash): got %v, %v, want true, nil", ok, err)
	}
	_, err = s.RecoveryCode(ctx, a.ID)
	wantCode(t, "RecoveryCode(taken)", err, hongyan.CodeNotFound)
	if ok, err := s.TakeRecoveryCode(ctx, a.ID, []byte("h2")); err != nil || ok {
		t.Fatalf("TakeRecoveryCode(again): got %v, %v, want false, nil", ok, err)
	}
	wantCode(t, "PutRecoveryCode(missing account)",
		s.PutRecoveryCode(ctx, account.RecoveryCode{User: a.ID + 100, CodeHash: []byte("x")}), hongyan.CodeNotFound)
}

func testRecoveryCodeRace(t *testing.T, s RecoveryStore) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "", ""))
	if err := s.PutRecoveryCode(ctx, account.RecoveryCode{User: a.ID, CodeHash: []byte("h"), Expires: T0}); err != nil {
		t.Fatalf("PutRecoveryCode: %v", err)
	}
	const n = 20
	took := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			took[i], errs[i] = s.TakeRecoveryCode(ctx, a.ID, []byte("h"))
		}()
	}
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("TakeRecoveryCode %d: %v", i, errs[i])
		}
		if took[i] {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("concurrent TakeRecoveryCode: %d got true, want 1", won)
	}
}

func testOutbox(t *testing.T, s account.Outbox) {
	ctx := t.Context()
	if got, err := s.Outbox(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("Outbox(empty): got %v, %v, want none", got, err)
	}
	var want []account.OutboxMessage
	for i := range 3 {
		m := account.OutboxMessage{Channel: "email", To: fmt.Sprintf("u%d@example.com", i), Body: fmt.Sprintf("code %d", i),
			Created: T0.Add(time.Duration(i) * time.Second)}
		if err := s.AddOutbox(ctx, m); err != nil {
			t.Fatalf("AddOutbox: %v", err)
		}
		want = append([]account.OutboxMessage{m}, want...) // newest first
	}
	got, err := s.Outbox(ctx, 2)
	if err != nil {
		t.Fatalf("Outbox: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("Outbox(2): got %d messages, want 2", len(got))
	}
	if got[0].ID <= got[1].ID {
		t.Errorf("Outbox IDs: got %d then %d, want newest (largest) first", got[0].ID, got[1].ID)
	}
	for i := range got {
		want[i].ID = got[i].ID
	}
	if diff := cmp.Diff(want[:2], got); diff != "" {
		t.Fatalf("Outbox(2) (-want +got):\n%s", diff)
	}
	_, err = s.Outbox(ctx, 0)
	wantCode(t, "Outbox(0)", err, hongyan.CodeInvalid)
}

func newQR(code string) account.QRLogin {
	return account.QRLogin{CodeHash: []byte(code), SecretHash: []byte("secret " + code), DeviceName: "Web", Address: "1.2.3.4:5",
		Created: T0, Expires: T0.Add(2 * time.Minute), State: account.QRPending}
}

func testQRLogin(t *testing.T, s QRStore) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "", ""))
	q := newQR("code1")
	if err := s.CreateQRLogin(ctx, q); err != nil {
		t.Fatalf("CreateQRLogin: %v", err)
	}
	wantCode(t, "CreateQRLogin(same code)", s.CreateQRLogin(ctx, q), hongyan.CodeExists)
	got, err := s.QRLogin(ctx, q.CodeHash)
	if err != nil {
		t.Fatalf("QRLogin: %v", err)
	}
	if diff := cmp.Diff(q, got); diff != "" {
		t.Fatalf("QRLogin (-want +got):\n%s", diff)
	}
	_, err = s.QRLogin(ctx, []byte("nope"))
	wantCode(t, "QRLogin(missing)", err, hongyan.CodeNotFound)

	now := T0.Add(time.Minute)
	d := account.Device{Name: "Web", Address: "1.2.3.4:5", TokenHash: []byte("token"), Created: now, LastSeen: now}
	_, _, err = s.ClaimQRLogin(ctx, q.CodeHash, d, now, nil)
	wantCode(t, "ClaimQRLogin(pending)", err, hongyan.CodePrecondition)
	wantCode(t, "ConfirmQRLogin(missing)", s.ConfirmQRLogin(ctx, []byte("nope"), a.ID, now), hongyan.CodeNotFound)
	wantCode(t, "ConfirmQRLogin(at expiry)", s.ConfirmQRLogin(ctx, q.CodeHash, a.ID, q.Expires), hongyan.CodePrecondition)
	if err := s.ConfirmQRLogin(ctx, q.CodeHash, a.ID, now); err != nil {
		t.Fatalf("ConfirmQRLogin: %v", err)
	}
	wantCode(t, "ConfirmQRLogin(again)", s.ConfirmQRLogin(ctx, q.CodeHash, a.ID, now), hongyan.CodePrecondition)
	q.State, q.User = account.QRConfirmed, a.ID
	if got, err = s.QRLogin(ctx, q.CodeHash); err != nil {
		t.Fatalf("QRLogin: %v", err)
	}
	if diff := cmp.Diff(q, got); diff != "" {
		t.Fatalf("confirmed QRLogin (-want +got):\n%s", diff)
	}

	_, _, err = s.ClaimQRLogin(ctx, q.CodeHash, d, q.Expires.Add(time.Millisecond), nil)
	wantCode(t, "ClaimQRLogin(expired)", err, hongyan.CodePrecondition)
	_, _, err = s.ClaimQRLogin(ctx, []byte("nope"), d, now, nil)
	wantCode(t, "ClaimQRLogin(missing)", err, hongyan.CodeNotFound)
	id, changes, err := s.ClaimQRLogin(ctx, q.CodeHash, d, now, []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeDevices}})
	if err != nil {
		t.Fatalf("ClaimQRLogin: %v", err)
	}
	if len(changes) != 1 || changes[0].Seq != 1 || changes[0].User != a.ID {
		t.Fatalf("ClaimQRLogin changes: got %v, want one for user %d with Seq 1", changes, a.ID)
	}
	d.ID, d.User = id, a.ID
	dev, err := s.DeviceByToken(ctx, []byte("token"))
	if err != nil {
		t.Fatalf("DeviceByToken(claimed): %v", err)
	}
	if diff := cmp.Diff(d, dev); diff != "" {
		t.Fatalf("claimed device (-want +got):\n%s", diff)
	}
	q.State, q.Device = account.QRClaimed, id
	if got, err = s.QRLogin(ctx, q.CodeHash); err != nil {
		t.Fatalf("QRLogin: %v", err)
	}
	if diff := cmp.Diff(q, got); diff != "" {
		t.Fatalf("claimed QRLogin (-want +got):\n%s", diff)
	}
	d.TokenHash = []byte("token 2")
	_, _, err = s.ClaimQRLogin(ctx, q.CodeHash, d, now, nil)
	wantCode(t, "ClaimQRLogin(again)", err, hongyan.CodePrecondition)
	if devs, err := s.Devices(ctx, a.ID); err != nil || len(devs) != 1 {
		t.Fatalf("Devices after claims: got %v, %v, want exactly the claimed one", devs, err)
	}

	// A claim whose device cannot be created (token in use) leaves the
	// code confirmed.
	q2 := newQR("code2")
	if err := s.CreateQRLogin(ctx, q2); err != nil {
		t.Fatalf("CreateQRLogin: %v", err)
	}
	if err := s.ConfirmQRLogin(ctx, q2.CodeHash, a.ID, now); err != nil {
		t.Fatalf("ConfirmQRLogin: %v", err)
	}
	d.TokenHash = []byte("token")
	_, _, err = s.ClaimQRLogin(ctx, q2.CodeHash, d, now, nil)
	wantCode(t, "ClaimQRLogin(token in use)", err, hongyan.CodeExists)
	if got, err := s.QRLogin(ctx, q2.CodeHash); err != nil || got.State != account.QRConfirmed {
		t.Fatalf("after a failed claim: got state %d, %v, want confirmed", got.State, err)
	}
	_, err = s.QRLogin(ctx, nil)
	wantCode(t, "QRLogin(nil)", err, hongyan.CodeNotFound)
}

// testQRLoginRace confirms and claims one code from many goroutines: exactly
// one of each succeeds and only one device is created.
func testQRLoginRace(t *testing.T, s QRStore) {
	ctx := t.Context()
	var users []hongyan.UserID
	for i := range 4 {
		users = append(users, mustCreate(t, s, newAccount(fmt.Sprintf("user_%d", i), "", "")).ID)
	}
	q := newQR("race")
	if err := s.CreateQRLogin(ctx, q); err != nil {
		t.Fatalf("CreateQRLogin: %v", err)
	}
	now := T0.Add(time.Second)
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.ConfirmQRLogin(ctx, q.CodeHash, users[i%len(users)], now)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch hongyan.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Fatalf("ConfirmQRLogin: calls %d and %d both succeeded", won, i)
			}
			won = i
		case hongyan.CodePrecondition:
		default:
			t.Fatalf("ConfirmQRLogin %d: got %v, want nil or %s", i, err, hongyan.CodePrecondition)
		}
	}
	if won < 0 {
		t.Fatalf("ConfirmQRLogin: no call succeeded")
	}
	got, err := s.QRLogin(ctx, q.CodeHash)
	if err != nil || got.User != users[won%len(users)] {
		t.Fatalf("confirmed by: got %d, %v, want %d (the winner)", got.User, err, users[won%len(users)])
	}

	ids := make([]hongyan.DeviceID, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := account.Device{Name: "Web", TokenHash: fmt.Appendf(nil, "token %d", i), Created: now, LastSeen: now}
			ids[i], _, errs[i] = s.ClaimQRLogin(ctx, q.CodeHash, d, now, nil)
		}()
	}
	wg.Wait()
	won = -1
	for i, err := range errs {
		switch hongyan.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Fatalf("ClaimQRLogin: calls %d and %d both succeeded", won, i)
			}
			won = i
		case hongyan.CodePrecondition:
		default:
			t.Fatalf("ClaimQRLogin %d: got %v, want nil or %s", i, err, hongyan.CodePrecondition)
		}
	}
	if won < 0 {
		t.Fatalf("ClaimQRLogin: no call succeeded")
	}
	var devs []account.Device
	for _, u := range users {
		ds, err := s.Devices(ctx, u)
		if err != nil {
			t.Fatalf("Devices: %v", err)
		}
		devs = append(devs, ds...)
	}
	if len(devs) != 1 || devs[0].ID != ids[won] || !bytes.Equal(devs[0].TokenHash, fmt.Appendf(nil, "token %d", won)) {
		t.Fatalf("devices after racing claims: got %+v, want only the winner's (%d)", devs, ids[won])
	}
}

func testAvatar(t *testing.T, s account.Avatars) {
	ctx := t.Context()
	a := account.Avatar{Hash: "sha256-abc", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}}
	if err := s.PutAvatar(ctx, a); err != nil {
		t.Fatalf("PutAvatar: %v", err)
	}
	if err := s.PutAvatar(ctx, a); err != nil {
		t.Fatalf("PutAvatar(again): %v", err)
	}
	got, err := s.Avatar(ctx, a.Hash)
	if err != nil {
		t.Fatalf("Avatar: %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Fatalf("Avatar (-want +got):\n%s", diff)
	}
	_, err = s.Avatar(ctx, "sha256-missing")
	wantCode(t, "Avatar(missing)", err, hongyan.CodeNotFound)
	big := account.Avatar{Hash: "sha256-big", ContentType: "image/jpeg", Data: bytes.Repeat([]byte{7}, 1<<20)}
	if err := s.PutAvatar(ctx, big); err != nil {
		t.Fatalf("PutAvatar(1 MiB): %v", err)
	}
	if got, err = s.Avatar(ctx, big.Hash); err != nil || !bytes.Equal(got.Data, big.Data) {
		t.Fatalf("Avatar(1 MiB): got %d bytes, %v, want the same %d bytes", len(got.Data), err, len(big.Data))
	}
}

func testPruneRecoveryCodes(t *testing.T, s RecoveryStore) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("prune_a", "", ""))
	b := mustCreate(t, s, newAccount("prune_b", "", ""))
	for _, c := range []account.RecoveryCode{
		{User: a.ID, CodeHash: []byte("a"), Expires: T0},
		{User: b.ID, CodeHash: []byte("b"), Expires: T0.Add(time.Second)},
	} {
		if err := s.PutRecoveryCode(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PruneRecoveryCodes(ctx, T0, 0); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
		t.Errorf("prune with limit 0: got %v, want invalid_argument", err)
	}
	n, err := s.PruneRecoveryCodes(ctx, T0.Add(time.Millisecond), 10)
	if err != nil || n != 1 {
		t.Fatalf("prune codes expired before T0+1ms: got %d, %v; want 1", n, err)
	}
	if _, err := s.RecoveryCode(ctx, a.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("expired code after pruning: got %v, want not_found", err)
	}
	if _, err := s.RecoveryCode(ctx, b.ID); err != nil {
		t.Errorf("live code after pruning: %v", err)
	}
}

func testPruneOutbox(t *testing.T, s account.Outbox) {
	ctx := t.Context()
	for i := range 5 {
		m := account.OutboxMessage{Channel: "sms", To: "1", Body: fmt.Sprint(i), Created: T0.Add(time.Duration(i) * time.Second)}
		if err := s.AddOutbox(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneOutbox(ctx, T0.Add(3*time.Second), 2)
	if err != nil || n != 2 {
		t.Fatalf("prune 2 of the 3 messages before T0+3s: got %d, %v", n, err)
	}
	n, err = s.PruneOutbox(ctx, T0.Add(3*time.Second), 10)
	if err != nil || n != 1 {
		t.Fatalf("prune the rest before T0+3s: got %d, %v; want 1", n, err)
	}
	out, err := s.Outbox(ctx, 10)
	var got []string
	for _, m := range out {
		got = append(got, m.Body)
	}
	if err != nil || !cmp.Equal(got, []string{"4", "3"}) {
		t.Errorf("outbox after pruning: got %v, %v; want [4 3]", got, err)
	}
}

func testPruneQRLogins(t *testing.T, s QRStore) {
	ctx := t.Context()
	for i, state := range []account.QRState{account.QRPending, account.QRConfirmed, account.QRPending} {
		q := account.QRLogin{CodeHash: []byte{byte(i)}, SecretHash: []byte("s"), Created: T0, Expires: T0.Add(time.Duration(i) * time.Second), State: state}
		if err := s.CreateQRLogin(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneQRLogins(ctx, T0.Add(2*time.Second), 10)
	if err != nil || n != 2 {
		t.Fatalf("prune codes expired before T0+2s: got %d, %v; want 2", n, err)
	}
	for i, want := range []hongyan.Code{hongyan.CodeNotFound, hongyan.CodeNotFound, ""} {
		if _, err := s.QRLogin(ctx, []byte{byte(i)}); hongyan.ErrorCode(err) != want {
			t.Errorf("code %d after pruning: got %v, want %q", i, err, want)
		}
	}
}

// testSetPassword: a new password signs out every other device of the
// user, and QR logins the user confirmed but no device claimed, at once.
func testSetPassword(t *testing.T, s QRStore) {
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "", ""))
	b := mustCreate(t, s, newAccount("li_si", "", ""))
	var ids []hongyan.DeviceID
	for i, u := range []hongyan.UserID{a.ID, a.ID, a.ID, b.ID} {
		d := account.Device{User: u, Name: fmt.Sprint("device ", i), TokenHash: []byte(fmt.Sprint("token ", i)), Created: T0, LastSeen: T0}
		id, _, err := s.CreateDevice(ctx, d, nil)
		if err != nil {
			t.Fatalf("CreateDevice: %v", err)
		}
		ids = append(ids, id)
	}
	now := T0.Add(time.Minute)
	mine, theirs := newQR("a confirmed"), newQR("b confirmed")
	for _, q := range []struct {
		qr   account.QRLogin
		user hongyan.UserID
	}{{mine, a.ID}, {theirs, b.ID}} {
		if err := s.CreateQRLogin(ctx, q.qr); err != nil {
			t.Fatalf("CreateQRLogin: %v", err)
		}
		if err := s.ConfirmQRLogin(ctx, q.qr.CodeHash, q.user, now); err != nil {
			t.Fatalf("ConfirmQRLogin: %v", err)
		}
	}

	revoked, changes, err := s.SetPassword(ctx, a.ID, "new hash", ids[1], []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeDevices}})
	if err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if diff := cmp.Diff([]hongyan.DeviceID{ids[0], ids[2]}, revoked); diff != "" {
		t.Errorf("SetPassword revoked (-want +got):\n%s", diff)
	}
	if len(changes) != 1 || changes[0].User != a.ID || changes[0].Seq == 0 {
		t.Errorf("SetPassword changes: got %v, want one of a's with its sequence", changes)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil || got.PasswordHash != "new hash" {
		t.Errorf("password hash after SetPassword: got %q, %v, want %q", got.PasswordHash, err, "new hash")
	}
	devs, err := s.Devices(ctx, a.ID)
	if err != nil || len(devs) != 1 || devs[0].ID != ids[1] {
		t.Errorf("a's devices after SetPassword: got %v, %v, want only %d", devs, err, ids[1])
	}
	if devs, err := s.Devices(ctx, b.ID); err != nil || len(devs) != 1 {
		t.Errorf("b's devices after a's SetPassword: got %v, %v, want one", devs, err)
	}
	d := account.Device{Name: "Web", TokenHash: []byte("qr token"), Created: now, LastSeen: now}
	_, _, err = s.ClaimQRLogin(ctx, mine.CodeHash, d, now, nil)
	wantCode(t, "ClaimQRLogin(confirmed before the password changed)", err, hongyan.CodeNotFound)
	if _, _, err := s.ClaimQRLogin(ctx, theirs.CodeHash, d, now, nil); err != nil {
		t.Errorf("ClaimQRLogin(b's): %v", err)
	}

	// Keeping no device signs every one out; nothing to sign out appends
	// no change.
	if revoked, _, err = s.SetPassword(ctx, a.ID, "newer hash", 0, nil); err != nil || len(revoked) != 1 || revoked[0] != ids[1] {
		t.Errorf("SetPassword(keep none): got %v, %v, want [%d]", revoked, err, ids[1])
	}
	revoked, changes, err = s.SetPassword(ctx, a.ID, "newest hash", 0, []hongyan.Change{{User: a.ID, Kind: hongyan.ChangeDevices}})
	if err != nil || len(revoked) != 0 || len(changes) != 0 {
		t.Errorf("SetPassword(no devices): got %v, %v, %v, want none, none, nil", revoked, changes, err)
	}
	_, _, err = s.SetPassword(ctx, b.ID+100, "hash", 0, nil)
	wantCode(t, "SetPassword(missing user)", err, hongyan.CodeNotFound)
}

// testChosenID: an account created with an ID keeps it (the service picks
// random public IDs); an ID taken is CodeExists without a reason, so that
// the caller can pick another.
func testChosenID(t *testing.T, s account.Accounts) {
	ctx := t.Context()
	a := newAccount("zhang_san", "+8613800000000", "")
	a.ID = 1<<52 + 12345
	if id, err := s.CreateAccount(ctx, a); err != nil || id != a.ID {
		t.Fatalf("CreateAccount(ID %d): got %d, %v", a.ID, id, err)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("Account (-want +got):\n%s", diff)
	}
	b := newAccount("li_si", "", "")
	b.ID = a.ID
	_, err = s.CreateAccount(ctx, b)
	wantCode(t, "CreateAccount(ID taken)", err, hongyan.CodeExists)
	if r := hongyan.ErrorReason(err); r != "" {
		t.Errorf("CreateAccount(ID taken): got reason %q, want none", r)
	}
	c := newAccount("ZHANG_SAN", "", "")
	c.ID = a.ID + 1
	_, err = s.CreateAccount(ctx, c)
	if r := hongyan.ErrorReason(err); r != hongyan.ReasonAccountIDTaken {
		t.Errorf("CreateAccount(fresh ID, account ID taken): got %v, want %s", err, hongyan.ReasonAccountIDTaken)
	}
	b.ID = 7
	if id, err := s.CreateAccount(ctx, b); err != nil || id != 7 {
		t.Errorf("CreateAccount(ID 7): got %d, %v", id, err)
	}
}

// RunVerifications runs the part of account.Verifications.
func RunVerifications(t *testing.T, open func(t *testing.T) account.Verifications) {
	t.Run("Verification", func(t *testing.T) { testVerification(t, open(t)) })
	t.Run("Prune", func(t *testing.T) { testPruneVerifications(t, open(t)) })
}

func testVerification(t *testing.T, s account.Verifications) {
	ctx := t.Context()
	_, err := s.Verification(ctx, "phone", "+8613800000000")
	wantCode(t, "Verification(none)", err, hongyan.CodeNotFound)
	wantCode(t, "CountVerificationAttempt(none)", s.CountVerificationAttempt(ctx, "phone", "+8613800000000"), hongyan.CodeNotFound)
	v := account.Verification{Channel: "phone", To: "+8613800000000", CodeHash: []byte("hash 1"), Expires: T0}
	e := account.Verification{Channel: "email", To: "+8613800000000", CodeHash: []byte("hash e"), Expires: T0}
	for _, x := range []account.Verification{v, e} {
		if err := s.PutVerification(ctx, x); err != nil {
			t.Fatalf("PutVerification: %v", err)
		}
	}
	for i := 0; i < 2; i++ {
		if err := s.CountVerificationAttempt(ctx, "phone", v.To); err != nil {
			t.Fatalf("CountVerificationAttempt: %v", err)
		}
	}
	v.Attempts = 2
	got, err := s.Verification(ctx, "phone", v.To)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(v, got); diff != "" {
		t.Errorf("Verification (-want +got):\n%s", diff)
	}
	if got, err := s.Verification(ctx, "email", e.To); err != nil || got.Attempts != 0 || string(got.CodeHash) != "hash e" {
		t.Errorf("the other channel's code: got %v, %v, want its own, untouched", got, err)
	}
	// A new code replaces the pending one, attempts and all.
	v = account.Verification{Channel: "phone", To: v.To, CodeHash: []byte("hash 2"), Expires: T0.Add(time.Minute)}
	if err := s.PutVerification(ctx, v); err != nil {
		t.Fatal(err)
	}
	if got, err = s.Verification(ctx, "phone", v.To); err != nil || !cmp.Equal(v, got) {
		t.Errorf("replaced Verification: got %v, %v, want %v", got, err, v)
	}
	if took, err := s.TakeVerification(ctx, "phone", v.To, []byte("hash 1")); err != nil || took {
		t.Errorf("TakeVerification(old hash): got %v, %v, want false", took, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			took, err := s.TakeVerification(ctx, "phone", v.To, []byte("hash 2"))
			if err != nil {
				t.Errorf("TakeVerification: %v", err)
			}
			if took {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("concurrent TakeVerification: %d took the code, want 1", won)
	}
	_, err = s.Verification(ctx, "phone", v.To)
	wantCode(t, "Verification(taken)", err, hongyan.CodeNotFound)
}

func testPruneVerifications(t *testing.T, s account.Verifications) {
	ctx := t.Context()
	for i := range 5 {
		v := account.Verification{Channel: "email", To: fmt.Sprintf("u%d@example.org", i), CodeHash: []byte("h"), Expires: T0.Add(time.Duration(i) * time.Minute)}
		if err := s.PutVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	// Expired before T0+3m: the first three, two at a time.
	if n, err := s.PruneVerifications(ctx, T0.Add(3*time.Minute), 2); err != nil || n != 2 {
		t.Fatalf("PruneVerifications(limit 2): got %d, %v, want 2", n, err)
	}
	if n, err := s.PruneVerifications(ctx, T0.Add(3*time.Minute), 10); err != nil || n != 1 {
		t.Fatalf("PruneVerifications: got %d, %v, want 1", n, err)
	}
	for i := range 5 {
		_, err := s.Verification(ctx, "email", fmt.Sprintf("u%d@example.org", i))
		if kept := err == nil; kept != (i >= 3) {
			t.Errorf("code %d: kept=%v (%v), want kept=%v", i, kept, err, i >= 3)
		}
	}
}

// testPhoneHashes checks that a store offering account.PhoneHashes keeps
// every phone's hash with the phone: found when set, moved when changed,
// gone when removed.
func testPhoneHashes(t *testing.T, s account.Accounts) {
	h, ok := s.(account.PhoneHashes)
	if !ok {
		t.Skip("the store does not offer account.PhoneHashes")
	}
	ctx := t.Context()
	a := mustCreate(t, s, newAccount("zhang_san", "+8613800000000", ""))
	b := mustCreate(t, s, newAccount("li_si", "", ""))
	salt, version, err := h.PhoneSalt(ctx)
	if err != nil {
		t.Fatalf("PhoneSalt: %v", err)
	}
	if len(salt) != account.PhoneSaltLen || version == 0 {
		t.Fatalf("PhoneSalt: got %d bytes, version %d; want %d bytes and a version", len(salt), version, account.PhoneSaltLen)
	}
	if again, v2, err := h.PhoneSalt(ctx); err != nil || !bytes.Equal(again, salt) || v2 != version {
		t.Fatalf("PhoneSalt again: got %x, %d, %v; want the same salt and version", again, v2, err)
	}
	find := func(phones ...string) []hongyan.UserID {
		t.Helper()
		hs := make([][]byte, len(phones))
		for i, p := range phones {
			hs[i] = account.PhoneHash(salt, p)
		}
		as, err := h.AccountsByPhoneHash(ctx, hs)
		if err != nil {
			t.Fatalf("AccountsByPhoneHash: %v", err)
		}
		var ids []hongyan.UserID
		for _, a := range as {
			ids = append(ids, a.ID)
		}
		return ids
	}
	check := func(what string, got []hongyan.UserID, want ...hongyan.UserID) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
	}
	check("a's phone by hash", find("+8613800000000", "+8613900000000", "13800000000"), a.ID)

	b.Phone = "+8613900000000"
	if _, err := s.UpdateAccount(ctx, b, nil); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	check("b's newly set phone by hash", find("+8613900000000"), b.ID)

	a.Phone = "+8613700000000"
	if _, err := s.UpdateAccount(ctx, a, nil); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	check("a's old phone by hash", find("+8613800000000"))
	check("a's changed phone by hash", find("+8613700000000"), a.ID)

	a.Phone = ""
	if _, err := s.UpdateAccount(ctx, a, nil); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	check("a's removed phone by hash", find("+8613700000000"))
	check("b's phone after a's changes", find("+8613900000000"), b.ID)
}

// RunDeletions tests account.Deletions: a pending request replaced, read,
// cancelled, listed when due (earliest first, bounded), and an erased
// account's record kept and never pending again.
func RunDeletions(t *testing.T, open func(t *testing.T) account.Deletions) {
	ctx := t.Context()
	s := open(t)
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	if _, err := s.Deletion(ctx, 1); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Fatalf("Deletion of nobody: got %v, want not_found", err)
	}
	for i, u := range []hongyan.UserID{3, 1, 2} {
		d := account.Deletion{User: u, Requested: base, Due: base.Add(time.Duration(i+1) * time.Hour)}
		if _, err := s.PutDeletion(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing user 3's request moves it later.
	if _, err := s.PutDeletion(ctx, account.Deletion{User: 3, Requested: base, Due: base.Add(10 * time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Deletion(ctx, 3)
	if err != nil || !got.Due.Equal(base.Add(10*time.Hour)) || !got.Requested.Equal(base) || !got.Erased.IsZero() {
		t.Fatalf("Deletion(3): got %+v, %v; want due +10h, not erased", got, err)
	}
	due, err := s.DueDeletions(ctx, base.Add(3*time.Hour), 10)
	if err != nil || fmt.Sprint(due) != "[1 2]" {
		t.Fatalf("DueDeletions at +3h: got %v, %v; want [1 2]", due, err)
	}
	if due, _ := s.DueDeletions(ctx, base.Add(3*time.Hour), 1); fmt.Sprint(due) != "[1]" {
		t.Errorf("DueDeletions limit 1: got %v, want [1]", due)
	}
	// The devices' change log hears of a request and of a cancellation,
	// not of a cancellation that found nothing.
	ch := []hongyan.Change{{User: 1, Kind: hongyan.ChangeAccountDeletion}}
	out, err := s.PutDeletion(ctx, account.Deletion{User: 1, Requested: base, Due: base.Add(2 * time.Hour)}, ch)
	if err != nil || len(out) != 1 || out[0].Seq <= 0 || out[0].Kind != hongyan.ChangeAccountDeletion {
		t.Fatalf("PutDeletion with a change: got %+v, %v; want it appended with a sequence", out, err)
	}
	ok, out, err := s.CancelDeletion(ctx, 1, ch)
	if err != nil || !ok || len(out) != 1 || out[0].Seq <= 0 {
		t.Fatalf("CancelDeletion(1): got %v, %+v, %v; want true and the change appended", ok, out, err)
	}
	if ok, out, _ := s.CancelDeletion(ctx, 1, ch); ok || len(out) != 0 {
		t.Errorf("CancelDeletion(1) again: got %v, %+v; want false and no change", ok, out)
	}
	if err := s.MarkErased(ctx, 2, base.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueDeletions(ctx, base.Add(24*time.Hour), 10); fmt.Sprint(due) != "[3]" {
		t.Errorf("DueDeletions after cancel and erase: got %v, want [3]", due)
	}
	if ok, _, _ := s.CancelDeletion(ctx, 2, nil); ok {
		t.Errorf("CancelDeletion of an erased account: got true, want false")
	}
	d, err := s.Deletion(ctx, 2)
	if err != nil || !d.Erased.Equal(base.Add(4*time.Hour)) {
		t.Errorf("Deletion(2) after erase: got %+v, %v", d, err)
	}
	if _, err := s.PutDeletion(ctx, account.Deletion{User: 2, Requested: base, Due: base}, nil); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Errorf("PutDeletion on an erased account: got %v, want precondition", err)
	}
}
