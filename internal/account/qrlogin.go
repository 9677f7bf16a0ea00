package account

import (
	"context"
	"crypto/subtle"
	"encoding/hex"
	"time"

	"hongyan/internal/hongyan"
)

// QRStart is what the new device receives when it starts a QR login: the
// code to show (in the QR image) and the secret it keeps to claim the
// session once a signed-in device confirms.
type QRStart struct {
	Code    string
	Secret  string
	Expires time.Time
}

// QRSubject is the bus subject on which a QR login's confirmation is
// announced, so that the waiting new device learns of it at once.
func QRSubject(code string) string {
	return "hy.qr." + hex.EncodeToString(hashToken(code)[:12])
}

// StartQRLogin begins a second-device login for a new device named name.
func (s *Service) StartQRLogin(ctx context.Context, name, addr string) (QRStart, error) {
	if err := hongyan.ValidName("device name", name, MaxDeviceName); err != nil {
		return QRStart{}, err
	}
	now := s.now()
	if err := hongyan.Limit(ctx, s.login, "qr:"+hongyan.AddressKey(addr), now, hongyan.Errorf(hongyan.CodeRateLimited, "too many QR logins; try again later")); err != nil {
		return QRStart{}, err
	}
	code, secret := newCode(), newCode()
	q := QRLogin{
		CodeHash: hashToken(code), SecretHash: hashToken(secret),
		DeviceName: deviceName(name), Address: addr, Created: now, Expires: now.Add(s.cfg.QRLoginTTL),
	}
	if err := s.qr.CreateQRLogin(ctx, q); err != nil {
		return QRStart{}, err
	}
	return QRStart{Code: code, Secret: secret, Expires: q.Expires}, nil
}

func (s *Service) qrLogin(ctx context.Context, code string) (QRLogin, error) {
	if len(code) == 0 || len(code) > 64 {
		return QRLogin{}, hongyan.Errorf(hongyan.CodeNotFound, "no such login code")
	}
	q, err := s.qr.QRLogin(ctx, hashToken(code))
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return QRLogin{}, hongyan.Errorf(hongyan.CodeNotFound, "no such login code")
	}
	if err != nil {
		return QRLogin{}, err
	}
	if q.State != QRClaimed && s.now().After(q.Expires) {
		q.State = QRExpired
	}
	return q, nil
}

// InspectQRLogin shows a signed-in user which device is asking to sign in
// (its name and network address) before they confirm.
func (s *Service) InspectQRLogin(ctx context.Context, c hongyan.Caller, code string) (QRLogin, error) {
	return s.qrLogin(ctx, code)
}

// ConfirmQRLogin lets the new device that shows code sign in as the caller.
// A code is confirmed at most once.
func (s *Service) ConfirmQRLogin(ctx context.Context, c hongyan.Caller, code string) error {
	q, err := s.qrLogin(ctx, code)
	if err != nil {
		return err
	}
	if q.State != QRPending {
		return hongyan.Errorf(hongyan.CodePrecondition, "this login code was already used or has expired").WithReason(hongyan.ReasonCodeExpired)
	}
	if err := s.qr.ConfirmQRLogin(ctx, q.CodeHash, c.User, s.now()); err != nil {
		return err
	}
	s.pub.Bus.Publish(ctx, QRSubject(code), nil)
	return nil
}

// ClaimQRLogin is called by the new device with its code and secret. Once
// the code is confirmed it creates the device session and returns it; until
// then it returns the state with a nil session. A code is claimed once.
func (s *Service) ClaimQRLogin(ctx context.Context, code, secret string) (QRLogin, *Session, error) {
	q, err := s.qrLogin(ctx, code)
	if err != nil {
		return QRLogin{}, nil, err
	}
	if subtle.ConstantTimeCompare(q.SecretHash, hashToken(secret)) != 1 {
		return QRLogin{}, nil, hongyan.Errorf(hongyan.CodeUnauth, "wrong login secret")
	}
	switch q.State {
	case QRPending, QRExpired:
		return q, nil, nil
	case QRClaimed:
		return QRLogin{}, nil, hongyan.Errorf(hongyan.CodePrecondition, "this login code was already used").WithReason(hongyan.ReasonCodeExpired)
	}
	tok, hash := newToken()
	now := s.now()
	d := Device{User: q.User, Name: q.DeviceName, Address: q.Address, TokenHash: hash, Created: now, LastSeen: now}
	id, changes, err := s.qr.ClaimQRLogin(ctx, q.CodeHash, d, now, []hongyan.Change{{User: q.User, Kind: hongyan.ChangeDevices}})
	if err != nil {
		return QRLogin{}, nil, err
	}
	s.pub.PublishChanges(ctx, changes)
	q.State, q.Device = QRClaimed, id
	return q, &Session{Token: tok, User: q.User, Device: id}, nil
}
