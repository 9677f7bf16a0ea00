package gateway

import (
	"context"

	"hongyan/internal/account"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// accountRoutes adds the account requests: registration, login and
// recovery, QR login, profile, settings, devices.
func accountRoutes(rs routes) {
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Register) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.Register
		sess, err := s.Accounts.Register(ctx, account.Registration{
			AccountID: q.AccountId, Password: q.Password, Nickname: q.Nickname,
			Phone: q.Phone, Email: q.Email, PhoneCode: q.PhoneCode, EmailCode: q.EmailCode, DeviceName: q.DeviceName, Address: c.addr})
		if err != nil {
			return nil, err
		}
		return c.sessionFrame(sess), nil
	}, public)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_VerifyContact) (*pb.ServerFrame, error) {
		return done(), c.g.s.Accounts.VerifyContact(ctx, r.VerifyContact.Channel, r.VerifyContact.To, c.addr)
	}, public)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Login) (*pb.ServerFrame, error) {
		s := c.g.s
		sess, err := s.Accounts.Login(ctx, r.Login.Login, r.Login.Password, r.Login.DeviceName, c.addr)
		if err != nil {
			return nil, err
		}
		if err := c.admitSignIn(ctx, hongyan.Caller{User: sess.User, Device: sess.Device}); err != nil {
			return nil, err
		}
		return c.sessionFrame(sess), nil
	}, public)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Logout) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Accounts.Logout(ctx, me)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Me) (*pb.ServerFrame, error) {
		s := c.g.s
		a, err := s.Accounts.Account(ctx, me.User)
		return profileFrame(ownProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_GetProfile) (*pb.ServerFrame, error) {
		s := c.g.s
		u := hongyan.UserID(r.GetProfile.User)
		if u != me.User {
			// Profiles of contacts and of people who sent or received a
			// request are visible; strangers are found by Search.
			if _, err := s.Contacts.Contact(ctx, me, u); err != nil {
				return nil, hongyan.Errorf(hongyan.CodeNotFound, "no such user among your contacts")
			}
		}
		a, err := s.Accounts.Account(ctx, u)
		if u == me.User {
			return profileFrame(ownProfile, a, err)
		}
		return profileFrame(publicProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Devices) (*pb.ServerFrame, error) {
		s := c.g.s
		ds, err := s.Accounts.Devices(ctx, me)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_Devices{Devices: devicesPB(ds, me.Device)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RevokeDevice) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Accounts.RevokeDevice(ctx, me, hongyan.DeviceID(r.RevokeDevice.Device))
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RevokeAll) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Accounts.RevokeAll(ctx, me)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_ChangePassword) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Accounts.ChangePassword(ctx, me, r.ChangePassword.OldPassword, r.ChangePassword.NewPassword)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_UpdateProfile) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.UpdateProfile
		u := account.ProfileUpdate{Nickname: q.Nickname, Region: q.Region, Signature: q.Signature, Phone: q.Phone, Email: q.Email,
			PhoneCode: q.PhoneCode, EmailCode: q.EmailCode}
		if q.Gender != nil {
			// Checked before the conversion: account.Gender is an int8, so
			// 257 would become male.
			if err := defined("gender", *q.Gender, pb.Gender_name); err != nil {
				return nil, err
			}
			g := account.Gender(*q.Gender)
			u.Gender = &g
		}
		a, err := s.Accounts.UpdateProfile(ctx, me, u)
		return profileFrame(ownProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_ChangeAccountId) (*pb.ServerFrame, error) {
		s := c.g.s
		a, err := s.Accounts.ChangeAccountID(ctx, me, r.ChangeAccountId.AccountId)
		return profileFrame(ownProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_UpdateSettings) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.UpdateSettings
		a, err := s.Accounts.UpdateSettings(ctx, me, account.SettingsUpdate{
			FindByAccountID: q.FindByAccountId, FindByPhone: q.FindByPhone, AddNeedsVerification: q.AddNeedsVerification})
		return profileFrame(ownProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_SetAvatar) (*pb.ServerFrame, error) {
		s := c.g.s
		a, err := s.Accounts.SetAvatar(ctx, me, r.SetAvatar.Image)
		return profileFrame(ownProfile, a, err)
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_RecoveryCode) (*pb.ServerFrame, error) {
		s := c.g.s
		return done(), s.Accounts.RequestRecovery(ctx, r.RecoveryCode.AccountId, r.RecoveryCode.Via, c.addr)
	}, public)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_Recover) (*pb.ServerFrame, error) {
		s := c.g.s
		q := r.Recover
		sess, err := s.Accounts.Recover(ctx, q.AccountId, q.Code, q.NewPassword, q.DeviceName, c.addr)
		if err != nil {
			return nil, err
		}
		if err := c.admitSignIn(ctx, hongyan.Caller{User: sess.User, Device: sess.Device}); err != nil {
			return nil, err
		}
		return c.sessionFrame(sess), nil
	}, public)

	// QR login
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_QrLoginStart) (*pb.ServerFrame, error) {
		s := c.g.s
		st, err := s.Accounts.StartQRLogin(ctx, r.QrLoginStart.DeviceName, c.addr)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: &pb.QrLogin{
			Code: st.Code, Secret: st.Secret, Expires: st.Expires.UnixMilli(), Url: c.g.qrLoginURL(st.Code),
			DeviceName: r.QrLoginStart.DeviceName, Address: c.addr}}}, nil
	}, public)
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_QrLoginInspect) (*pb.ServerFrame, error) {
		s := c.g.s
		q, err := s.Accounts.InspectQRLogin(ctx, me, r.QrLoginInspect.Code)
		if err != nil {
			return nil, err
		}
		return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: qrPB(q, r.QrLoginInspect.Code)}}, nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_QrLoginConfirm) (*pb.ServerFrame, error) {
		s := c.g.s
		if err := s.Accounts.ConfirmQRLogin(ctx, me, r.QrLoginConfirm.Code); err != nil {
			return nil, err
		}
		return done(), nil
	})
	on(rs, func(c *conn, ctx context.Context, me hongyan.Caller, r *pb.ClientFrame_QrLoginClaim) (*pb.ServerFrame, error) {
		return c.claimQR(ctx, r.QrLoginClaim)
	}, public, waits)
}
