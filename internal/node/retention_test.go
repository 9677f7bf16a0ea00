package node

import (
	"testing"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/config"
	"hongyan/internal/hongyan"
)

// The periodic pruning deletes expired QR login codes, recovery codes and
// the outbox messages that carried them, and keeps the live ones.
func TestPruneExpired(t *testing.T) {
	ctx := t.Context()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	n, err := New(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	store := n.db.Accounts()
	now := time.Now()
	uid, err := store.CreateAccount(ctx, account.Account{AccountID: "prune_me", Settings: account.DefaultSettings, Created: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []account.QRLogin{
		{CodeHash: []byte("old"), SecretHash: []byte("s"), Created: now.Add(-time.Hour), Expires: now.Add(-time.Minute)},
		{CodeHash: []byte("live"), SecretHash: []byte("s"), Created: now, Expires: now.Add(time.Minute)},
	} {
		if err := store.CreateQRLogin(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.PutRecoveryCode(ctx, account.RecoveryCode{User: uid, CodeHash: []byte("c"), Expires: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	for _, created := range []time.Time{now.Add(-24 * time.Hour), now} {
		if err := store.AddOutbox(ctx, account.OutboxMessage{Channel: "sms", To: "1", Body: created.String(), Created: created}); err != nil {
			t.Fatal(err)
		}
	}

	n.Prune(ctx)

	if _, err := store.QRLogin(ctx, []byte("old")); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("expired QR login after pruning: got %v, want not_found", err)
	}
	if _, err := store.QRLogin(ctx, []byte("live")); err != nil {
		t.Errorf("live QR login after pruning: %v", err)
	}
	if _, err := store.RecoveryCode(ctx, uid); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("expired recovery code after pruning: got %v, want not_found", err)
	}
	out, err := store.Outbox(ctx, 10)
	if err != nil || len(out) != 1 || !out[0].Created.After(now.Add(-time.Minute)) {
		t.Errorf("outbox after pruning: got %+v, %v; want only the new message", out, err)
	}
}
