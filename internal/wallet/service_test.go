package wallet_test

import (
	"fmt"
	"testing"
	"time"

	"hongyan/internal/hongyan"
	"hongyan/internal/membus"
	"hongyan/internal/sandboxpay"
	"hongyan/internal/wallet"
	"hongyan/internal/wallet/wallettest"
)

func newService(t *testing.T) (*wallet.Service, *wallettest.Mem, *time.Time) {
	t.Helper()
	store := wallettest.NewMem()
	cfg := wallet.DefaultConfig()
	cfg.PINCost = wallet.PINCost{MemoryKiB: 8, Time: 1}
	svc := wallet.New(store, sandboxpay.New(sandboxpay.Config{}), simPeers{}, hongyan.Publisher{Bus: membus.New()}, cfg)
	now := time.UnixMilli(1_760_000_000_000).UTC()
	svc.SetClock(func() time.Time { return now })
	return svc, store, &now
}

func TestPINLockAndReset(t *testing.T) {
	ctx := t.Context()
	svc, _, now := newService(t)
	c := caller(1)
	if _, err := svc.TopUp(ctx, c, 1000, "t1"); err != nil {
		t.Fatal(err)
	}
	send := func(pin, key string) error {
		_, err := svc.Transfer(ctx, c, wallet.TransferRequest{To: 2, Amount: 10, PIN: pin, Key: key})
		return err
	}
	if err := send("123456", "a"); hongyan.ErrorReason(err) != hongyan.ReasonPINNotSet {
		t.Fatalf("transfer before a PIN is set: got %v, want %s", err, hongyan.ReasonPINNotSet)
	}
	recovery, err := svc.SetPIN(ctx, c, "123456", "")
	if err != nil || len(recovery) != 16 {
		t.Fatalf("SetPIN: got %q, %v; want a 16-character recovery code", recovery, err)
	}
	if _, err := svc.SetPIN(ctx, c, "654321", "000000"); hongyan.ErrorReason(err) != hongyan.ReasonWrongPIN {
		t.Errorf("changing the PIN with a wrong one: got %v, want %s", err, hongyan.ReasonWrongPIN)
	}
	for _, bad := range []string{"12345", "1234567", "12345a", "１２３４５６"} {
		if err := send(bad, "b"); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("PIN %q: got %v, want invalid_argument", bad, err)
		}
	}
	// One wrong try above; three more leave one.
	for i := 0; i < 3; i++ {
		if err := send("000000", "b"); hongyan.ErrorReason(err) != hongyan.ReasonWrongPIN {
			t.Fatalf("wrong PIN %d: got %v, want %s", i+2, err, hongyan.ReasonWrongPIN)
		}
	}
	// A right one clears the count.
	if err := send("123456", "c"); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	for i := 0; i < 5; i++ {
		if err := send("000000", "d"); hongyan.ErrorReason(err) != hongyan.ReasonWrongPIN {
			t.Fatalf("wrong PIN %d: got %v, want %s", i+1, err, hongyan.ReasonWrongPIN)
		}
	}
	if err := send("123456", "e"); hongyan.ErrorReason(err) != hongyan.ReasonPINLocked {
		t.Fatalf("right PIN after five wrong: got %v, want %s", err, hongyan.ReasonPINLocked)
	}
	*now = now.Add(3*time.Hour - time.Second)
	if err := send("123456", "e"); hongyan.ErrorReason(err) != hongyan.ReasonPINLocked {
		t.Fatalf("right PIN before three hours: got %v, want %s", err, hongyan.ReasonPINLocked)
	}
	if _, err := svc.ResetPIN(ctx, c, "account-password", "WRONGCODE", "111111"); hongyan.ErrorReason(err) != hongyan.ReasonPINLocked {
		t.Errorf("reset while locked: got %v, want %s", err, hongyan.ReasonPINLocked)
	}
	*now = now.Add(2 * time.Second)
	if _, err := svc.ResetPIN(ctx, c, "not-the-password", recovery, "111111"); hongyan.ErrorReason(err) != hongyan.ReasonWrongPassword {
		t.Errorf("reset with the right code but a wrong account password: got %v, want %s", err, hongyan.ReasonWrongPassword)
	}
	if _, err := svc.ResetPIN(ctx, c, "account-password", "WRONGCODE", "111111"); hongyan.ErrorReason(err) != hongyan.ReasonWrongCode {
		t.Errorf("reset with a wrong code: got %v, want %s", err, hongyan.ReasonWrongCode)
	}
	again, err := svc.ResetPIN(ctx, c, "account-password", recovery, "111111")
	if err != nil || again == recovery {
		t.Fatalf("reset: got %q, %v; want a new recovery code", again, err)
	}
	if err := send("111111", "f"); err != nil {
		t.Errorf("transfer with the new PIN: %v", err)
	}
	if b, _ := svc.Balance(ctx, c); b != 980 {
		t.Errorf("balance: got %d, want 980 (two transfers of 10)", b)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	ctx := t.Context()
	svc, _, _ := newService(t)
	c := caller(1)
	svc.SetPIN(ctx, c, "123456", "")
	first, err := svc.TopUp(ctx, c, 500, "k")
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.TopUp(ctx, c, 500, "k")
	if err != nil || again.Entry != first.Entry {
		t.Errorf("top-up retried: got entry %d, %v; want %d", again.Entry, err, first.Entry)
	}
	if _, err := svc.TopUp(ctx, c, 501, "k"); hongyan.ErrorReason(err) != hongyan.ReasonKeyReused {
		t.Errorf("same key, other amount: got %v, want %s", err, hongyan.ReasonKeyReused)
	}
	p, err := svc.SendPacket(ctx, c, wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 300, Count: 3, Lucky: true, PIN: "123456", Key: "p"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.SendPacket(ctx, c, wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 300, Count: 3, Lucky: true, PIN: "123456", Key: "p"})
	if err != nil || q.ID != p.ID {
		t.Errorf("red packet retried: got %d, %v; want %d", q.ID, err, p.ID)
	}
	if _, err := svc.SendPacket(ctx, c, wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 300, Count: 2, Lucky: true, PIN: "123456", Key: "p"}); hongyan.ErrorReason(err) != hongyan.ReasonKeyReused {
		t.Errorf("same key, other packet: got %v, want %s", err, hongyan.ReasonKeyReused)
	}
	if b, _ := svc.Balance(ctx, c); b != 200 {
		t.Errorf("balance: got %d, want 200", b)
	}
	for _, key := range []string{"", "with space", string(make([]byte, 65))} {
		if _, err := svc.TopUp(ctx, c, 1, key); hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("key %q: got %v, want invalid_argument", key, err)
		}
	}
}

func TestPacketLimitsAndView(t *testing.T) {
	ctx := t.Context()
	svc, _, now := newService(t)
	c := caller(1)
	svc.SetPIN(ctx, c, "123456", "")
	svc.TopUp(ctx, c, 100_000, "t")
	for name, tc := range map[string]struct {
		r    wallet.PacketRequest
		code hongyan.Code
	}{
		"above 200 yuan":  {wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 20_001, Count: 2, Lucky: true}, hongyan.CodeInvalid},
		"too many shares": {wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 700, Count: 7, Lucky: true}, hongyan.CodeInvalid},
		"under 1 fen":     {wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 2, Count: 3, Lucky: true}, hongyan.CodeInvalid},
		"uneven normal":   {wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 100, Count: 3}, hongyan.CodeInvalid},
		"1:1 with 2":      {wallet.PacketRequest{To: wallet.Target{User: 2}, Amount: 100, Count: 2, Lucky: true}, hongyan.CodeInvalid},
		"both targets":    {wallet.PacketRequest{To: wallet.Target{User: 2, Group: simGroup}, Amount: 100, Count: 1}, hongyan.CodeInvalid},
		"no group":        {wallet.PacketRequest{To: wallet.Target{Group: 5}, Amount: 100, Count: 1}, hongyan.CodeNotFound},
	} {
		tc.r.PIN, tc.r.Key = "123456", "x"
		if _, err := svc.SendPacket(ctx, c, tc.r); hongyan.ErrorCode(err) != tc.code {
			t.Errorf("%s: got %v, want %s", name, err, tc.code)
		}
	}
	p, err := svc.SendPacket(ctx, c, wallet.PacketRequest{To: wallet.Target{Group: simGroup}, Amount: 600, Count: 3, Lucky: true, Greeting: "新年快乐", PIN: "123456", Key: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Grab(ctx, caller(7), p.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("grab by a non-member: got %v, want not_found", err)
	}
	if _, err := svc.GetPacket(ctx, caller(7), p.ID); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a non-member looks: got %v, want not_found", err)
	}
	var sum int64
	for u := hongyan.UserID(1); u <= 3; u++ {
		g, err := svc.Grab(ctx, caller(u), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		sum += g.Amount
	}
	if _, err := svc.Grab(ctx, caller(4), p.ID); hongyan.ErrorReason(err) != hongyan.ReasonAllTaken {
		t.Errorf("fourth grab: got %v, want %s", err, hongyan.ReasonAllTaken)
	}
	v, err := svc.GetPacket(ctx, caller(2), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sum != 600 || v.State != wallet.PacketFinished || len(v.Grabs) != 3 || v.Luckiest == 0 {
		t.Errorf("finished packet: sum %d, view %+v; want 600, finished, 3 grabs and the luckiest", sum, v)
	}
	// A packet left alone is refunded once after 24 hours.
	q, _ := svc.SendPacket(ctx, c, wallet.PacketRequest{To: wallet.Target{User: 2}, Amount: 50, Count: 1, PIN: "123456", Key: "q"})
	before, _ := svc.Balance(ctx, c)
	*now = now.Add(24 * time.Hour)
	if _, err := svc.Grab(ctx, caller(2), q.ID); hongyan.ErrorReason(err) != hongyan.ReasonExpired {
		t.Errorf("grab after 24 hours: got %v, want %s", err, hongyan.ReasonExpired)
	}
	for i := 0; i < 2; i++ {
		if _, err := svc.Expire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := svc.Balance(ctx, c); after != before+50 {
		t.Errorf("after expiry: balance %d, want %d", after, before+50)
	}
}

// A caller that asks for one more than a page (to learn whether another
// follows) gets it: capping it to a page would hide every later page.
func TestHistoryOneMoreThanAPage(t *testing.T) {
	ctx := t.Context()
	svc, _, _ := newService(t)
	c := caller(1)
	for i := range wallet.MaxPage + 1 {
		if _, err := svc.TopUp(ctx, c, 1, fmt.Sprintf("t%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := svc.History(ctx, c, wallet.HistoryFilter{Limit: wallet.MaxPage + 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(ms), wallet.MaxPage+1; got != want {
		t.Errorf("History with limit %d: got %d movements, want %d", want, got, want)
	}
	ms, err = svc.History(ctx, c, wallet.HistoryFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(ms), wallet.MaxPage; got != want {
		t.Errorf("History with limit 1000: got %d movements, want %d (one page)", got, want)
	}
}

// A right payment password whose request is lost (a crash, a dropped
// connection: the transaction commits and the answer never comes) does not
// count as a wrong try: however often it happens, the password never
// locks.
func TestPINRightTriesLostDoNotLock(t *testing.T) {
	ctx := t.Context()
	svc, store, now := newService(t)
	c := caller(1)
	if _, err := svc.TopUp(ctx, c, 1000, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPIN(ctx, c, "123456", ""); err != nil {
		t.Fatal(err)
	}
	store.Fault = func() (fail, lost bool) { return false, true }
	for i := range 2 * wallet.DefaultConfig().PINTries {
		if _, err := svc.Transfer(ctx, c, wallet.TransferRequest{To: 2, Amount: 1, PIN: "123456", Key: fmt.Sprintf("k%d", i)}); err == nil {
			t.Fatalf("transfer %d under a lost commit: got no error", i)
		}
	}
	store.Fault = nil
	// A fresh node (no cached password) checks the hash again.
	svc2 := wallet.New(store, sandboxpay.New(sandboxpay.Config{}), simPeers{}, hongyan.Publisher{Bus: membus.New()}, svc.Config())
	svc2.SetClock(func() time.Time { return *now })
	if _, err := svc2.Transfer(ctx, c, wallet.TransferRequest{To: 2, Amount: 1, PIN: "123456", Key: "after"}); err != nil {
		t.Errorf("a right password after lost requests: got %v, want it accepted", err)
	}
}

// ExpireAt runs the expiry as of the time it is given: a transfer due then
// is refunded even though the service's clock has not reached it (what
// `hongyan admin expire-now` does), and the run ends.
func TestExpireAtRefundsTransfersDueThen(t *testing.T) {
	ctx := t.Context()
	svc, _, now := newService(t)
	from := caller(1)
	if _, err := svc.TopUp(ctx, from, 1000, "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetPIN(ctx, from, "123456", ""); err != nil {
		t.Fatal(err)
	}
	tr, err := svc.Transfer(ctx, from, wallet.TransferRequest{To: 2, Amount: 300, PIN: "123456", Key: "x1"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var n int
	go func() {
		defer close(done)
		n, err = svc.ExpireAt(ctx, now.Add(svc.Config().Expiry))
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("ExpireAt did not return: it keeps finding the transfer it does not refund")
	}
	if err != nil || n != 1 {
		t.Fatalf("ExpireAt: got %d, %v; want 1 refund", n, err)
	}
	got, err := svc.GetTransfer(ctx, from, tr.ID)
	if err != nil || got.State != wallet.TransferRefunded {
		t.Fatalf("the transfer after ExpireAt: got %v, %v; want refunded", got.State, err)
	}
	if b, err := svc.Balance(ctx, from); err != nil || b != 1000 {
		t.Errorf("sender's balance after the refund: got %d, %v; want 1000", b, err)
	}
}

// A zero payment-password cost is the production one, as for the
// account service's passwords: the node hands the wallet its configured
// cost, which is zero unless a test harness set it.
func TestZeroPINCostIsDefault(t *testing.T) {
	cfg := wallet.DefaultConfig()
	cfg.PINCost = wallet.PINCost{}
	svc := wallet.New(wallettest.NewMem(), sandboxpay.New(sandboxpay.Config{}), simPeers{}, hongyan.Publisher{Bus: membus.New()}, cfg)
	if got := svc.Config().PINCost; got != wallet.DefaultPINCost {
		t.Errorf("PINCost: got %+v, want %+v", got, wallet.DefaultPINCost)
	}
}
