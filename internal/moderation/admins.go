package moderation

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strconv"
	"time"

	"github.com/pquerna/otp/totp"

	"hongyan/internal/hongyan"
)

// validAdminName checks an administrator's sign-in name.
func validAdminName(name string) error {
	if len(name) < 3 || len(name) > MaxAdminName {
		return hongyan.Errorf(hongyan.CodeInvalid, "an administrator's name is 3–%d characters", MaxAdminName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return hongyan.Errorf(hongyan.CodeInvalid, "an administrator's name has only letters, digits, _ . and -")
		}
	}
	return nil
}

func (s *Service) need(p Principal, r Role) error {
	if p.Role.rank() < r.rank() {
		return hongyan.Errorf(hongyan.CodeDenied, "this needs the %s role", r)
	}
	return nil
}

func (s *Service) audit(p Principal, action, target, reason string) Audit {
	return Audit{Admin: p.Admin, Name: p.Name, Action: action, Target: target, Reason: reason, At: s.now()}
}

func adminTarget(id AdminID) string { return "admin:" + strconv.FormatInt(int64(id), 10) }

// CreateAdmin adds an administrator with a one-time password, which it
// returns: the first sign-in replaces it and enrols TOTP. Only a super
// admin (or System) may.
func (s *Service) CreateAdmin(ctx context.Context, p Principal, name string, role Role) (Admin, string, error) {
	if err := s.need(p, RoleSuper); err != nil {
		return Admin{}, "", err
	}
	if err := validAdminName(name); err != nil {
		return Admin{}, "", err
	}
	if !role.Valid() {
		return Admin{}, "", hongyan.Errorf(hongyan.CodeInvalid, "role is super, moderator or viewer")
	}
	pw := randomString(15) // 120 bits, 24 characters
	hash, err := s.hash(ctx, pw)
	if err != nil {
		return Admin{}, "", err
	}
	a := Admin{Name: name, Role: role, PasswordHash: hash, MustChange: true, Created: s.now()}
	a.ID, err = s.store.CreateAdmin(ctx, a, s.audit(p, "admin.create", "admin-name:"+name, string(role)))
	if err != nil {
		return Admin{}, "", err
	}
	return a, pw, nil
}

// Admins lists the administrators (any role may read it).
func (s *Service) Admins(ctx context.Context, p Principal) ([]Admin, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.ListAdmins(ctx)
}

// AdminCount is the number of administrators (for first start).
func (s *Service) AdminCount(ctx context.Context) (int, error) {
	as, err := s.store.ListAdmins(ctx)
	return len(as), err
}

// UpdateAdmin changes another administrator's role or disables them (a
// super admin only; never oneself, so the last super admin cannot lock
// everyone out by mistake). Disabling signs them out.
func (s *Service) UpdateAdmin(ctx context.Context, p Principal, id AdminID, role Role, disabled bool, reason string) (Admin, error) {
	if err := s.need(p, RoleSuper); err != nil {
		return Admin{}, err
	}
	if id == p.Admin {
		return Admin{}, hongyan.Errorf(hongyan.CodePrecondition, "you cannot change your own role")
	}
	if !role.Valid() {
		return Admin{}, hongyan.Errorf(hongyan.CodeInvalid, "role is super, moderator or viewer")
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return Admin{}, err
	}
	a, err := s.store.Admin(ctx, id)
	if err != nil {
		return Admin{}, err
	}
	a.Role, a.Disabled = role, disabled
	if err := s.store.UpdateAdmin(ctx, a, s.audit(p, "admin.update", adminTarget(id), fmt.Sprintf("role=%s disabled=%t %s", role, disabled, reason))); err != nil {
		return Admin{}, err
	}
	if disabled {
		if err := s.store.DeleteSessions(ctx, id); err != nil {
			return Admin{}, err
		}
	}
	return a, nil
}

// SignInResult is a signed-in (or half signed-in) administrator.
type SignInResult struct {
	Token   string // the cookie's value
	Session Session
	Admin   Admin
}

var errSignIn = hongyan.Errorf(hongyan.CodeUnauth, "wrong name, password or code").WithReason(hongyan.ReasonWrongCredentials)

// SignIn checks an administrator's name and password, and the TOTP code
// once TOTP is enrolled. An administrator without TOTP, or with a
// one-time password, gets a session in StageSetup that can only finish
// the setup (Enrol, Setup). Attempts are limited per name and per address.
func (s *Service) SignIn(ctx context.Context, name, password, code, addr string) (SignInResult, error) {
	now := s.now()
	limited := hongyan.Errorf(hongyan.CodeRateLimited, "too many sign-in attempts; try again later")
	if err := hongyan.Limit(ctx, s.signIns, "addr:"+hongyan.AddressKey(addr), now, limited); err != nil {
		return SignInResult{}, err
	}
	if err := hongyan.Limit(ctx, s.signIns, "name:"+name, now, limited); err != nil {
		return SignInResult{}, err
	}
	if len(name) > MaxAdminName || len(password) > MaxPassword || len(code) > 10 {
		return SignInResult{}, errSignIn
	}
	a, err := s.store.AdminByName(ctx, name)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		s.hash(ctx, password) // the same cost as a wrong password
		return SignInResult{}, errSignIn
	}
	if err != nil {
		return SignInResult{}, err
	}
	ok, err := s.check(ctx, a.PasswordHash, password)
	if err != nil {
		return SignInResult{}, err
	}
	if !ok || a.Disabled {
		return SignInResult{}, errSignIn
	}
	stage := StageFull
	if a.TOTPEnrolled {
		if err := s.useCode(ctx, a, code, now); err != nil {
			return SignInResult{}, err
		}
	}
	if !a.TOTPEnrolled || a.MustChange {
		stage = StageSetup
	}
	tok := randomString(20)
	sess := Session{TokenHash: HashToken(tok), CSRF: randomString(20), Admin: a.ID, Stage: stage, Created: now, Expires: now.Add(s.cfg.SessionTTL)}
	if stage == StageSetup {
		sess.Expires = now.Add(s.cfg.SetupTTL)
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return SignInResult{}, err
	}
	if err := s.store.AppendAudit(ctx, Audit{Admin: a.ID, Name: a.Name, Action: "admin.sign-in", Target: adminTarget(a.ID), Reason: string(stage), At: now}); err != nil {
		return SignInResult{}, err
	}
	return SignInResult{Token: tok, Session: sess, Admin: a}, nil
}

// useCode checks a TOTP code of a's secret (the current 30-second step or
// one either side) and spends it: each step's code is good once.
func (s *Service) useCode(ctx context.Context, a Admin, code string, now time.Time) error {
	if len(code) != 6 || a.TOTPSecret == "" {
		return errSignIn
	}
	step := now.Unix() / 30
	for _, st := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCode(a.TOTPSecret, time.Unix(st*30, 0))
		if err != nil {
			return hongyan.Wrap(err, hongyan.CodeInternal, "bad TOTP secret")
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if err := s.store.UseStep(ctx, a.ID, st); err != nil {
				if hongyan.ErrorCode(err) == hongyan.CodePrecondition {
					return errSignIn // a code used already
				}
				return err
			}
			return nil
		}
	}
	return errSignIn
}

// Authenticate returns the session behind a cookie's token and its
// administrator, who must not be disabled.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, Admin, error) {
	bad := hongyan.Errorf(hongyan.CodeUnauth, "sign in first")
	if token == "" || len(token) > 64 {
		return Session{}, Admin{}, bad
	}
	sess, err := s.store.Session(ctx, HashToken(token), s.now())
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Session{}, Admin{}, bad
	}
	if err != nil {
		return Session{}, Admin{}, err
	}
	a, err := s.store.Admin(ctx, sess.Admin)
	if err != nil {
		return Session{}, Admin{}, err
	}
	if a.Disabled {
		return Session{}, Admin{}, bad
	}
	return sess, a, nil
}

// CheckCSRF compares a request's CSRF header with its session's.
func CheckCSRF(sess Session, header string) error {
	if header == "" || subtle.ConstantTimeCompare([]byte(header), []byte(sess.CSRF)) != 1 {
		return hongyan.Errorf(hongyan.CodeDenied, "missing or wrong CSRF token")
	}
	return nil
}

// Enrolment is a TOTP secret waiting to be confirmed.
type Enrolment struct {
	Secret string
	URL    string // otpauth:// URL, shown as a QR code
}

// Enrol starts (or shows again) the TOTP enrolment of a session in setup.
func (s *Service) Enrol(ctx context.Context, sess Session) (Enrolment, error) {
	if sess.Stage != StageSetup {
		return Enrolment{}, hongyan.Errorf(hongyan.CodePrecondition, "already set up")
	}
	a, err := s.store.Admin(ctx, sess.Admin)
	if err != nil {
		return Enrolment{}, err
	}
	if a.TOTPEnrolled {
		return Enrolment{}, hongyan.Errorf(hongyan.CodePrecondition, "two-factor sign-in is set up already")
	}
	if a.TOTPSecret == "" {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.Issuer, AccountName: a.Name})
		if err != nil {
			return Enrolment{}, hongyan.Wrap(err, hongyan.CodeInternal, "generate a TOTP secret")
		}
		a.TOTPSecret = key.Secret()
		if err := s.store.UpdateAdmin(ctx, a, Audit{}); err != nil {
			return Enrolment{}, err
		}
	}
	return Enrolment{Secret: a.TOTPSecret, URL: otpURL(s.cfg.Issuer, a.Name, a.TOTPSecret)}, nil
}

func otpURL(issuer, name, secret string) string {
	return "otpauth://totp/" + urlEscape(issuer) + ":" + urlEscape(name) + "?secret=" + secret + "&issuer=" + urlEscape(issuer) + "&algorithm=SHA1&digits=6&period=30"
}

func urlEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

// Setup finishes a session in setup: a new password when the old one was
// one-time (newPassword, otherwise ignored), and a code from the enrolled
// secret when TOTP is not enrolled yet. The session becomes full.
func (s *Service) Setup(ctx context.Context, sess Session, newPassword, code string) error {
	if sess.Stage != StageSetup {
		return hongyan.Errorf(hongyan.CodePrecondition, "already set up")
	}
	a, err := s.store.Admin(ctx, sess.Admin)
	if err != nil {
		return err
	}
	if a.MustChange {
		if len(newPassword) < MinPassword || len(newPassword) > MaxPassword {
			return hongyan.Errorf(hongyan.CodeInvalid, "a password is %d–%d characters", MinPassword, MaxPassword).WithReason(hongyan.ReasonPasswordLength)
		}
		if a.PasswordHash, err = s.hash(ctx, newPassword); err != nil {
			return err
		}
		a.MustChange = false
	}
	if !a.TOTPEnrolled {
		if a.TOTPSecret == "" {
			return hongyan.Errorf(hongyan.CodePrecondition, "start the two-factor enrolment first")
		}
		if err := s.useCode(ctx, a, code, s.now()); err != nil {
			return hongyan.Errorf(hongyan.CodeInvalid, "wrong code; check the authenticator's clock").WithReason(hongyan.ReasonWrongCode)
		}
		a.TOTPEnrolled = true
	}
	if err := s.store.UpdateAdmin(ctx, a, Audit{Admin: a.ID, Name: a.Name, Action: "admin.setup", Target: adminTarget(a.ID), At: s.now()}); err != nil {
		return err
	}
	return s.store.SetStage(ctx, sess.TokenHash, StageFull)
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, sess Session) error {
	return s.store.DeleteSession(ctx, sess.TokenHash)
}
