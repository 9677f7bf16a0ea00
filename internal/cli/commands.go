package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// defaultDevice names the devices the CLI signs in, unless --device says
// otherwise.
const defaultDevice = "hongyan cli"

const (
	sendAttempts = 4                // tries of one send on connection failures
	qrWait       = 25 * time.Second // how long one QR claim waits at the server
)

func deviceName(flags map[string]string) string {
	if d, ok := flags["device"]; ok {
		return d
	}
	return defaultDevice
}

// oldSession returns the profile's current session, if any, so that a new
// sign-in on the same profile defaults to the same server.
func (e *env) oldSession() *session {
	s, err := e.prof.loadSession()
	if err != nil {
		return nil
	}
	return &s
}

// saveSession stores a new session in the profile (resetting its cursor)
// and prints {"user":…,"device":…}.
func (e *env) saveSession(server string, s *pb.Session) error {
	if s.GetToken() == "" {
		return failErr("internal", "the server returned a session without a token")
	}
	if err := e.prof.saveSession(session{Server: server, Token: s.Token, User: s.User, Device: s.Device}); err != nil {
		return err
	}
	return e.print(object{{"user", s.User}, {"device", s.Device}})
}

func (e *env) register(args []string) error {
	pos, fl, err := e.parse(args, 2, "register ID PASSWORD [--nickname N] [--phone P --phone-code C] [--email E --email-code C] [--device NAME]",
		"nickname", "phone", "phone-code", "email", "email-code", "device")
	if err != nil {
		return err
	}
	server := e.serverFor(e.oldSession())
	c, err := e.dial(server)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	defer cancel()
	s, err := c.Register(ctx, &pb.RegisterRequest{
		AccountId: pos[0], Password: pos[1], Nickname: fl["nickname"],
		Phone: fl["phone"], Email: fl["email"], PhoneCode: fl["phone-code"], EmailCode: fl["email-code"], DeviceName: deviceName(fl),
	})
	if err != nil {
		return err
	}
	return e.saveSession(server, s)
}

// verifyContact asks the server to send a code to a phone or e-mail, which
// register --phone-code / --email-code then passes back.
func (e *env) verifyContact(args []string) error {
	pos, _, err := e.parse(args, 2, "verify-contact phone|email TO")
	if err != nil {
		return err
	}
	server := e.serverFor(e.oldSession())
	c, err := e.dial(server)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	defer cancel()
	if _, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_VerifyContact{VerifyContact: &pb.VerifyContactRequest{Channel: pos[0], To: pos[1]}}}); err != nil {
		return err
	}
	return e.print(object{{"ok", true}})
}

func (e *env) login(args []string) error {
	pos, fl, err := e.parse(args, 2, "login ID PASSWORD [--device NAME]", "device")
	if err != nil {
		return err
	}
	server := e.serverFor(e.oldSession())
	c, err := e.dial(server)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	defer cancel()
	s, err := c.Login(ctx, &pb.LoginRequest{Login: pos[0], Password: pos[1], DeviceName: deviceName(fl)})
	if err != nil {
		return err
	}
	return e.saveSession(server, s)
}

func (e *env) me(args []string) error {
	if _, _, err := e.parse(args, 0, "me"); err != nil {
		return err
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Me{Me: &pb.Empty{}}})
	if err != nil {
		return err
	}
	return e.print(f.GetProfile())
}

func (e *env) devices(args []string) error {
	const use = "devices | devices revoke DEVICE_ID"
	pos, _, err := e.parse(args, -1, use)
	if err != nil {
		return err
	}
	var revoke int64
	switch {
	case len(pos) == 0:
	case len(pos) == 2 && pos[0] == "revoke":
		revoke, err = strconv.ParseInt(pos[1], 10, 64)
		if err != nil || revoke <= 0 {
			return usageErr("DEVICE_ID must be a device number, not %q", pos[1])
		}
	default:
		return usageErr("usage: %s", use)
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	if revoke != 0 {
		if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_RevokeDevice{RevokeDevice: &pb.DeviceRef{Device: revoke}}}); err != nil {
			// Revoking this very device closes the connection (see logout).
			if revoke != h.Device || wsclient.ErrorCode(err) != "" || !e.sessionGone() {
				return err
			}
		}
		if revoke == h.Device {
			if err := e.prof.clear(); err != nil {
				return err
			}
		}
		return e.print(object{{"revoked", revoke}})
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Devices{Devices: &pb.Empty{}}})
	if err != nil {
		return err
	}
	for _, d := range f.GetDevices().GetDevices() {
		if err := e.print(d); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) logout(args []string) error {
	if _, _, err := e.parse(args, 0, "logout"); err != nil {
		return err
	}
	c, _, _, err := e.signIn()
	if wsclient.ErrorCode(err) == "unauthenticated" {
		// The server already signed this device out: finish locally.
		if err := e.prof.clear(); err != nil {
			return err
		}
		return e.print(object{{"logged_out", true}})
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Logout{Logout: &pb.Empty{}}}); err != nil {
		// The server closes a signed-out device's connection, which may
		// overtake the answer. If the session no longer works, the logout
		// happened.
		if wsclient.ErrorCode(err) != "" || !e.sessionGone() {
			return err
		}
	}
	if err := e.prof.clear(); err != nil {
		return err
	}
	return e.print(object{{"logged_out", true}})
}

// sessionGone reports whether the server now refuses the profile's
// session token.
func (e *env) sessionGone() bool {
	c, _, _, err := e.signIn()
	if err != nil {
		return wsclient.ErrorCode(err) == "unauthenticated"
	}
	c.Close()
	return false
}

func (e *env) profile(args []string) error {
	const use = "profile set [--nickname N] [--signature S] [--region R] [--gender male|female]"
	pos, fl, err := e.parse(args, 1, use, "nickname", "signature", "region", "gender")
	if err != nil {
		return err
	}
	if pos[0] != "set" {
		return usageErr("usage: %s", use)
	}
	u := &pb.UpdateProfileRequest{}
	set := false
	opt := func(name string) *string {
		if v, ok := fl[name]; ok {
			set = true
			return &v
		}
		return nil
	}
	u.Nickname, u.Signature, u.Region = opt("nickname"), opt("signature"), opt("region")
	if g := opt("gender"); g != nil {
		var v pb.Gender
		switch *g {
		case "male":
			v = pb.Gender_GENDER_MALE
		case "female":
			v = pb.Gender_GENDER_FEMALE
		case "unset":
			v = pb.Gender_GENDER_UNSET
		default:
			return usageErr("--gender must be male or female, not %q", *g)
		}
		u.Gender = &v
	}
	if !set {
		return usageErr("profile set needs at least one of --nickname, --signature, --region, --gender")
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_UpdateProfile{UpdateProfile: u}})
	if err != nil {
		return err
	}
	return e.print(f.GetProfile())
}

func (e *env) friends(args []string) error {
	const use = "friends request ID [--greeting TEXT] | friends accept ID | friends decline ID | friends list | friends requests"
	pos, fl, err := e.parse(args, -1, use, "greeting", "remark")
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 2 && pos[0] == "request":
	case len(pos) == 2 && (pos[0] == "accept" || pos[0] == "decline"):
	case len(pos) == 1 && (pos[0] == "list" || pos[0] == "requests"):
	default:
		return usageErr("usage: %s", use)
	}
	c, _, h, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	switch pos[0] {
	case "request":
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_SearchUser{SearchUser: &pb.SearchUserRequest{Query: pos[1]}}})
		if err != nil {
			return err
		}
		user := f.GetProfile().GetId()
		if user == 0 {
			return failErr("not_found", "no user %q", pos[1])
		}
		f, err = e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{
			User: user, Greeting: fl["greeting"], Remark: fl["remark"]}}})
		if err != nil {
			return err
		}
		return e.print(f.GetFriendRequest())
	case "accept", "decline":
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_ListRequests{ListRequests: &pb.Empty{}}})
		if err != nil {
			return err
		}
		var id int64
		for _, r := range f.GetRequests().GetRequests() {
			if r.To == h.User && r.State == pb.RequestState_REQUEST_STATE_PENDING &&
				(r.GetOther().GetAccountId() == pos[1] || strconv.FormatInt(r.From, 10) == pos[1]) {
				id = r.Id
				break
			}
		}
		if id == 0 {
			return failErr("not_found", "no pending friend request from %q", pos[1])
		}
		f, err = e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerRequest{AnswerRequest: &pb.AnswerRequest{
			Request: id, Accept: pos[0] == "accept", Remark: fl["remark"]}}})
		if err != nil {
			return err
		}
		return e.print(f.GetFriendRequest())
	case "list":
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_ListContacts{ListContacts: &pb.Empty{}}})
		if err != nil {
			return err
		}
		for _, ct := range f.GetContacts().GetContacts() {
			if err := e.print(ct); err != nil {
				return err
			}
		}
		return nil
	default: // requests
		f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_ListRequests{ListRequests: &pb.Empty{}}})
		if err != nil {
			return err
		}
		for _, r := range f.GetRequests().GetRequests() {
			if err := e.print(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// newClientID returns a fresh client message ID: 16 random bytes in hex.
func newClientID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (e *env) send(args []string) error {
	pos, fl, err := e.parse(args, 2, "send PEER|group:GID TEXT [--mention ID[,ID...]|all] [--client-id ID]", "client-id", "mention")
	if err != nil {
		return err
	}
	if ref, ok := strings.CutPrefix(pos[0], "oa:"); ok {
		return e.sendOA(ref, pos[1])
	}
	req := &pb.SendRequest{ClientId: clientIDFlag(fl), Kind: pb.MessageKind_MESSAGE_KIND_TEXT, Text: pos[1]}
	if m := fl["mention"]; m != "" {
		if !strings.HasPrefix(pos[0], "group:") {
			return usageErr("--mention is for group chats (send group:GID …)")
		}
		for _, id := range strings.Split(m, ",") {
			id = strings.TrimSpace(id)
			if id == "all" {
				req.MentionAll = true
				continue
			}
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
				req.Mentions = append(req.Mentions, n)
				continue
			}
			if id == "" {
				return usageErr("--mention takes account IDs, user IDs or all, not %q", m)
			}
			e.mentionNames = append(e.mentionNames, id)
		}
	}
	return e.sendTo(pos[0], req)
}

// resolveMentions turns the account IDs given to --mention into the user
// IDs of the group's members, appending them to req.Mentions (once: a
// retry reuses them). An account ID that is not a member's is not_found.
func (e *env) resolveMentions(c *wsclient.Conn, req *pb.SendRequest) error {
	if len(e.mentionNames) == 0 {
		return nil
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_GroupMembers{GroupMembers: &pb.GroupRef{Group: req.Group}}})
	if err != nil {
		return err
	}
	byAccount := make(map[string]int64)
	for _, m := range f.GetGroupMembers().GetMembers() {
		if a := m.GetProfile().GetAccountId(); a != "" {
			byAccount[a] = m.User
		}
	}
	for _, name := range e.mentionNames {
		id, ok := byAccount[name]
		if !ok {
			return failErr("not_found", "no member %q in group %d", name, req.Group)
		}
		req.Mentions = append(req.Mentions, id)
	}
	e.mentionNames = nil
	return nil
}

// sendTo sends req to target (PEER or group:GID), retrying on connection
// failures with the same client ID, and prints the message sent.
func (e *env) sendTo(target string, req *pb.SendRequest) error {
	if g, ok := cutGroup(target); ok {
		id, err := strconv.ParseInt(g, 10, 64)
		if err != nil || id <= 0 {
			return usageErr("group:GID needs the group's numeric ID, not %q", g)
		}
		req.Group = id
	}
	// The client ID is fixed before the first attempt, so a retry after a
	// lost response returns the original message instead of a copy.
	for attempt := 1; ; attempt++ {
		sent, err := e.sendOnce(req, target)
		if err == nil {
			return e.print(object{{"id", sent.Id}, {"conversation", sent.Conversation}, {"seq", sent.Seq}})
		}
		if attempt == sendAttempts || !e.retryable(err) {
			return err
		}
		t := time.NewTimer(time.Duration(attempt) * 250 * time.Millisecond)
		select {
		case <-t.C:
		case <-e.ctx.Done():
			t.Stop()
			return err
		}
	}
}

// cutGroup returns the GID of a group:GID target.
func cutGroup(target string) (string, bool) { return strings.CutPrefix(target, "group:") }

// sendOnce connects and sends req, first resolving its peer from peerArg
// (and remembering it in req for the next attempt).
func (e *env) sendOnce(req *pb.SendRequest, peerArg string) (*pb.SendResponse, error) {
	c, _, h, err := e.signIn()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if req.Peer == 0 && req.Group == 0 {
		if req.Peer, err = e.resolvePeer(c, h, peerArg); err != nil {
			return nil, err
		}
	}
	if err := e.resolveMentions(c, req); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(e.ctx, callTimeout)
	defer cancel()
	return c.Send(ctx, req)
}

// retryable reports whether err is a connection failure worth another
// attempt, as opposed to an answer from the server.
func (e *env) retryable(err error) bool {
	if e.ctx.Err() != nil {
		return false
	}
	var ce *cliError
	if errors.As(err, &ce) {
		return ce.code == "unavailable"
	}
	if code := wsclient.ErrorCode(err); code != "" {
		return code == "unavailable"
	}
	return errors.Is(err, wsclient.ErrClosed) || errors.Is(err, context.DeadlineExceeded)
}

// resolvePeer turns a PEER argument into a user ID: "me" is the caller
// (the file-transfer assistant), digits are a user ID, anything else an
// account ID looked up among contacts, then as the caller's own, then by
// search (so that sending to a stranger reaches the server and gets its
// refusal).
func (e *env) resolvePeer(c *wsclient.Conn, h *pb.HelloResponse, arg string) (int64, error) {
	if arg == "me" {
		return h.User, nil
	}
	if n, err := strconv.ParseInt(arg, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_ListContacts{ListContacts: &pb.Empty{}}})
	if err != nil {
		return 0, err
	}
	for _, ct := range f.GetContacts().GetContacts() {
		if ct.GetProfile().GetAccountId() == arg {
			return ct.User, nil
		}
	}
	f, err = e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_Me{Me: &pb.Empty{}}})
	if err != nil {
		return 0, err
	}
	if f.GetProfile().GetAccountId() == arg {
		return h.User, nil
	}
	f, err = e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_SearchUser{SearchUser: &pb.SearchUserRequest{Query: arg}}})
	if err != nil {
		return 0, err
	}
	if id := f.GetProfile().GetId(); id != 0 {
		return id, nil
	}
	return 0, failErr("not_found", "no user %q", arg)
}

// sync prints the changes after the profile's cursor. With --wait, when
// there are none, it waits up to that long for the next ones and returns
// as soon as it has printed something new; --until N keeps going until N
// changes are printed (or the wait is over).
func (e *env) sync(args []string) error {
	_, fl, err := e.parse(args, 0, "sync [--wait SECONDS] [--until N]", "wait", "until")
	if err != nil {
		return err
	}
	var wait time.Duration
	if v, ok := fl["wait"]; ok {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs < 0 || math.IsInf(secs, 0) || math.IsNaN(secs) || secs > 1e9 {
			return usageErr("--wait must be a number of seconds, not %q", v)
		}
		wait = time.Duration(secs * float64(time.Second))
	}
	until := -1
	if v, ok := fl["until"]; ok {
		if until, err = strconv.Atoi(v); err != nil || until < 0 {
			return usageErr("--until must be a count, not %q", v)
		}
	}
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	cursor, err := e.prof.loadCursor()
	if err != nil {
		return err
	}
	s := wsclient.NewSyncer(c, cursor)
	// The server no longer keeps what happened since the cursor: say so
	// (one JSON line; the state is for the list commands to show) and go
	// on from its head.
	s.OnReset = func(_ context.Context, head int64) error {
		if err := e.print(map[string]any{"reset": true, "head": head}); err != nil {
			return err
		}
		return e.prof.saveCursor(head)
	}
	printed := 0
	ctx := e.ctx // the whole run; narrowed to --wait once caught up
	waiting := false
	for until < 0 || printed < until {
		if s.Live() {
			// Caught up: without --wait, or once something new has
			// been printed (unless --until asks for more), that is all.
			if wait <= 0 || until < 0 && printed > 0 {
				return nil
			}
			if !waiting {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(e.ctx, wait)
				defer cancel()
				waiting = true
			}
		}
		nctx, ncancel := ctx, context.CancelFunc(func() {})
		if !s.Live() {
			nctx, ncancel = context.WithTimeout(ctx, callTimeout)
		}
		changes, err := s.Next(nctx)
		ncancel()
		if err != nil {
			if waiting && ctx.Err() != nil && e.ctx.Err() == nil {
				return nil // waited long enough
			}
			return err
		}
		// Print, then save the cursor: a run killed in between prints
		// the page again next time rather than skip it.
		last := int64(-1)
		for _, ch := range changes {
			if err := e.print(changeObject(ch)); err != nil {
				return err
			}
			printed++
			last = ch.GetSeq()
			if printed == until {
				break
			}
		}
		if last >= 0 {
			if err := e.prof.saveCursor(last); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *env) qrLogin(args []string) error {
	const use = "qr-login show [--device NAME] | qr-login confirm CODE"
	pos, fl, err := e.parse(args, -1, use, "device")
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 1 && pos[0] == "show":
		return e.qrShow(deviceName(fl))
	case len(pos) == 2 && pos[0] == "confirm":
		return e.qrConfirm(pos[1])
	}
	return usageErr("usage: %s", use)
}

// qrShow starts a QR login for a new device, prints the code at once and
// waits until a signed-in device confirms it.
func (e *env) qrShow(device string) error {
	server := e.serverFor(e.oldSession())
	c, err := e.dial(server)
	if err != nil {
		return err
	}
	defer func() { c.Close() }()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginStart{QrLoginStart: &pb.QrLoginStartRequest{DeviceName: device}}})
	if err != nil {
		return err
	}
	q := f.GetQrLogin()
	if q.GetCode() == "" {
		return failErr("internal", "the server started a QR login without a code")
	}
	if err := e.print(object{{"code", q.Code}, {"url", q.Url}, {"expires", q.Expires}}); err != nil {
		return err
	}
	claim := &pb.QrLoginClaimRequest{Code: q.Code, Secret: q.Secret, WaitMs: uint32(qrWait / time.Millisecond)}
	failures := 0
	for {
		ctx, cancel := context.WithTimeout(e.ctx, qrWait+callTimeout)
		f, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginClaim{QrLoginClaim: claim}})
		cancel()
		if err != nil {
			// The wait is long; survive a dropped connection or two.
			if failures++; failures > 3 || !e.retryable(err) {
				return err
			}
			c.Close()
			if c, err = e.dial(server); err != nil {
				return err
			}
			continue
		}
		failures = 0
		r := f.GetQrLogin()
		switch {
		case r.GetSession() != nil:
			return e.saveSession(server, r.Session)
		case r.GetState() == pb.QrState_QR_STATE_EXPIRED:
			return failErr("failed_precondition", "the login code expired before it was confirmed")
		case r.GetState() == pb.QrState_QR_STATE_CLAIMED:
			return failErr("failed_precondition", "the login code was already used")
		}
	}
}

// qrConfirm lets the device showing code sign in as this profile's user.
func (e *env) qrConfirm(code string) error {
	c, _, _, err := e.signIn()
	if err != nil {
		return err
	}
	defer c.Close()
	f, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginInspect{QrLoginInspect: &pb.QrCodeRef{Code: code}}})
	if err != nil {
		return err
	}
	q := f.GetQrLogin()
	if _, err := e.call(c, &pb.ClientFrame{Req: &pb.ClientFrame_QrLoginConfirm{QrLoginConfirm: &pb.QrCodeRef{Code: code}}}); err != nil {
		return err
	}
	return e.print(object{{"confirmed", true}, {"device_name", q.GetDeviceName()}, {"address", q.GetAddress()}})
}
