package gateway

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/chat"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// handle serves one request frame and queues its response.
func (c *conn) handle(f *pb.ClientFrame) {
	r := newReqCtx(&c.life, &c.g.reqs)
	defer r.end()
	var ctx context.Context = r
	c.begin()
	defer c.end()
	rt := c.g.routeOf(f)
	start := time.Now()
	resp, err := c.dispatch(ctx, rt, f)
	if err != nil && hongyan.ErrorCode(err) == hongyan.CodeInternal && c.gone(err) {
		// The client went away (or the node is closing) while its
		// request was in hand: nothing failed.
		err = hongyan.Wrap(err, hongyan.CodeUnavailable, errFrameClosed)
	}
	c.g.m.requests.WithLabelValues(rt.kind, string(hongyan.ErrorCode(err))).Inc()
	if rt.kind == "send" && err == nil {
		c.g.m.sendTime.Observe(time.Since(start).Seconds())
	}
	if err != nil {
		if hongyan.ErrorCode(err) == hongyan.CodeInternal {
			c.g.log.Error("request failed", c.logAttrs("kind", rt.kind, "err", err)...)
		}
		c.send(errorFrame(f.Id, err))
		return
	}
	if resp == nil {
		return // already answered (sync)
	}
	resp.Id = f.Id
	c.send(resp)
}

// gone reports whether err is the end of the connection's context: the
// client closed it, or the node is closing it.
func (c *conn) gone(err error) bool {
	return errors.Is(err, context.Canceled) && c.context().Err() != nil
}

// logAttrs returns the attributes that say whose connection a log line is
// about, followed by more.
func (c *conn) logAttrs(more ...any) []any {
	me, _ := c.identity()
	return append([]any{"user", int64(me.User), "device", int64(me.Device), "addr", c.addr}, more...)
}

// dispatch serves f by its route.
func (c *conn) dispatch(ctx context.Context, rt route, f *pb.ClientFrame) (*pb.ServerFrame, error) {
	if rt.serve == nil {
		return nil, hongyan.Errorf(hongyan.CodeUnimplemented, "unknown or empty request")
	}
	me, authed := c.identity()
	if !authed && !rt.public {
		return nil, hongyan.Errorf(hongyan.CodeUnauth, "send hello with a session token first")
	}
	if err := checkLists(f); err != nil {
		return nil, err
	}
	if err := c.restricted(ctx, me, rt.kind); err != nil {
		return nil, err
	}
	return rt.serve(c, ctx, me, f)
}

// A route is how one kind of request is served. Each feature's requests
// are added from a file of their own (accounts.go, chats.go, contacts.go,
// groups.go, favorites.go, officialacct.go, oaforum.go, moments.go, wallet.go,
// addressbook.go, livecode.go, groupapp.go, sync.go);
// routeOf finds them.
type route struct {
	kind   string // the request's name in metrics and logs ("send", "sync", …)
	public bool   // allowed before hello
	waits  bool   // may wait long (for a commit or another device): runs beside the requests after it
	serve  func(c *conn, ctx context.Context, me hongyan.Caller, f *pb.ClientFrame) (*pb.ServerFrame, error)
}

// routes holds the routes by the type of ClientFrame.Req.
type routes map[reflect.Type]route

// A routeFlag qualifies a route.
type routeFlag int

const (
	public routeFlag = iota + 1 // allowed before hello
	waits                       // may wait long
)

// on adds the route of requests R, a ClientFrame.Req wrapper such as
// *pb.ClientFrame_Send.
func on[R any](rs routes, serve func(c *conn, ctx context.Context, me hongyan.Caller, r R) (*pb.ServerFrame, error), flags ...routeFlag) {
	t := reflect.TypeFor[R]()
	name := t.Elem().Name() // ClientFrame_Send
	rt := route{
		kind: strings.ToLower(name[strings.LastIndexByte(name, '_')+1:]),
		serve: func(c *conn, ctx context.Context, me hongyan.Caller, f *pb.ClientFrame) (*pb.ServerFrame, error) {
			return serve(c, ctx, me, f.Req.(R))
		},
	}
	for _, fl := range flags {
		rt.public = rt.public || fl == public
		rt.waits = rt.waits || fl == waits
	}
	if _, dup := rs[t]; dup {
		panic("gateway: two routes for " + name)
	}
	rs[t] = rt
}

// newRoutes returns the routes of the requests of the features s has.
func newRoutes(s Services) routes {
	rs := routes{}
	syncRoutes(rs)
	accountRoutes(rs)
	accountDeletionRoutes(rs)
	contactRoutes(rs)
	chatRoutes(rs)
	if s.Groups != nil {
		groupRoutes(rs)
	}
	if s.Favorites != nil {
		favoriteRoutes(rs)
	}
	if s.OfficialAccounts != nil {
		officialAccountRoutes(rs)
		officialAccountForumRoutes(rs)
	}
	if s.Moments != nil {
		momentRoutes(rs)
	}
	if s.Wallet != nil {
		walletRoutes(rs)
	}
	if s.AddressBooks != nil {
		addressBookRoutes(rs)
	}
	if s.Discovery != nil {
		discoveryRoutes(rs)
	}
	if s.LiveCodes != nil {
		liveCodeRoutes(rs)
	}
	if s.Moderation != nil {
		moderationRoutes(rs)
	}
	if s.GroupApps != nil {
		groupAppRoutes(rs)
	}
	if s.Calls != nil {
		callRoutes(rs)
	}
	if s.Guard != nil {
		guardRoutes(rs)
	}
	if s.Outreach != nil {
		outreachRoutes(rs)
	}
	if s.GroupTools != nil {
		groupToolRoutes(rs)
	}
	if s.GroupCalls != nil {
		groupCallRoutes(rs)
	}
	if s.Bots != nil {
		botRoutes(rs)
	}
	if s.Assistant != nil {
		assistantRoutes(rs)
	}
	return rs
}

// routeOf returns the route of f; an unknown or empty request has one with
// no serve.
func (g *Gateway) routeOf(f *pb.ClientFrame) route {
	if f.Req == nil {
		return route{kind: "none"}
	}
	if rt, ok := g.routes[reflect.TypeOf(f.Req)]; ok {
		return rt
	}
	return route{kind: "unknown"}
}

// done is the response to a request whose answer is just "done".
func done() *pb.ServerFrame { return &pb.ServerFrame{} }

// messagesFrame lists messages of any of my conversations, each with its
// peer as I see it.
func (c *conn) messagesFrame(ctx context.Context, me hongyan.Caller, ms []chat.Message) (*pb.ServerFrame, error) {
	list := &pb.MessageList{Messages: make([]*pb.Message, 0, len(ms))}
	for _, m := range ms {
		peer, err := c.peer(ctx, me, m.Conversation)
		if err != nil {
			return nil, err
		}
		list.Messages = append(list.Messages, messagePB(m, me.User, peer))
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Messages{Messages: list}}, nil
}

func profileFrame(conv func(account.Account) *pb.Profile, a account.Account, err error) (*pb.ServerFrame, error) {
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Profile{Profile: conv(a)}}, nil
}

// sessionFrame answers a request that signed a device in; the connection
// gets the full hello timeout from now to say hello with it.
func (c *conn) sessionFrame(s account.Session) *pb.ServerFrame {
	c.extendHello(c.g.opt.HelloTimeout)
	return &pb.ServerFrame{Body: &pb.ServerFrame_Session{Session: sessionPB(s)}}
}

// hello authenticates the connection and subscribes it to its user's
// events. A connection says hello once.
func (c *conn) hello(ctx context.Context, h *pb.Hello) (*pb.ServerFrame, error) {
	if _, authed := c.identity(); authed {
		return nil, hongyan.Errorf(hongyan.CodePrecondition, "already authenticated")
	}
	me, err := c.g.s.Accounts.Authenticate(ctx, h.Token)
	if err != nil {
		return nil, err
	}
	if err := c.admitSignIn(ctx, me); err != nil {
		return nil, err
	}
	sub, err := c.g.s.Bus.Subscribe(hongyan.UserSubject(me.User), c.onEvent)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.caller, c.sub = me, sub
	c.mu.Unlock()
	c.rd.SetLimit(int64(c.g.opt.MaxFrameBytes)) // signed in: full-size messages
	c.signedIn()
	if err := c.g.s.Accounts.Touch(ctx, me, c.addr); err != nil {
		c.g.log.Warn("record device seen", c.logAttrs("err", err)...)
	}
	head, err := c.g.s.Changes.Head(ctx, me.User)
	if err != nil {
		return nil, err
	}
	return &pb.ServerFrame{Body: &pb.ServerFrame_Hello{Hello: &pb.HelloResponse{
		User: int64(me.User), Device: int64(me.Device), Head: head}}}, nil
}

// claimQR lets the new device claim its QR login, waiting up to wait_ms for
// a signed-in device to confirm it. The confirmation arrives over the bus.
func (c *conn) claimQR(ctx context.Context, r *pb.QrLoginClaimRequest) (*pb.ServerFrame, error) {
	wait := min(time.Duration(r.WaitMs)*time.Millisecond, maxQRWait)
	signal := make(chan struct{}, 1)
	sub, err := c.g.s.Bus.Subscribe(account.QRSubject(r.Code), func([]byte) {
		select {
		case signal <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	// The connection may wait for the confirmation past its hello
	// deadline, and say hello a while after it.
	c.extendHello(wait + c.g.opt.HelloTimeout)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		q, sess, err := c.g.s.Accounts.ClaimQRLogin(ctx, r.Code, r.Secret)
		if err != nil {
			return nil, err
		}
		if sess != nil || q.State == account.QRExpired {
			out := qrPB(q, r.Code)
			if sess != nil {
				out.Session = sessionPB(*sess)
			}
			return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: out}}, nil
		}
		select {
		case <-signal:
		case <-deadline.C:
			return &pb.ServerFrame{Body: &pb.ServerFrame_QrLogin{QrLogin: qrPB(q, r.Code)}}, nil
		case <-ctx.Done():
			return nil, hongyan.Wrap(ctx.Err(), hongyan.CodeUnavailable, errFrameClosed)
		}
	}
}

func qrPB(q account.QRLogin, code string) *pb.QrLogin {
	return &pb.QrLogin{
		Code: code, Expires: q.Expires.UnixMilli(), DeviceName: q.DeviceName, Address: q.Address,
		State: pb.QrState(q.State),
	}
}
