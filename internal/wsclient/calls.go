package wsclient

import (
	"context"
	"fmt"

	"hongyan/internal/gen/hongyanv1"
)

// expect returns the body get extracts from a response, or an error when
// the call failed or the response lacks that body.
func expect[T comparable](f *hongyanv1.ServerFrame, err error, get func(*hongyanv1.ServerFrame) T, what string) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	v := get(f)
	if v == zero {
		return zero, fmt.Errorf("wsclient: response to request %d has no %s", f.GetId(), what)
	}
	return v, nil
}

// Hello authenticates the connection with a session token.
func (c *Conn) Hello(ctx context.Context, token string) (*hongyanv1.HelloResponse, error) {
	f, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Hello{Hello: &hongyanv1.Hello{Token: token}}})
	return expect(f, err, (*hongyanv1.ServerFrame).GetHello, "hello")
}

// Register creates an account and signs this connection's device in,
// returning the new session.
func (c *Conn) Register(ctx context.Context, r *hongyanv1.RegisterRequest) (*hongyanv1.Session, error) {
	f, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Register{Register: r}})
	return expect(f, err, (*hongyanv1.ServerFrame).GetSession, "session")
}

// Login signs a new device in with a password, returning its session.
func (c *Conn) Login(ctx context.Context, r *hongyanv1.LoginRequest) (*hongyanv1.Session, error) {
	f, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Login{Login: r}})
	return expect(f, err, (*hongyanv1.ServerFrame).GetSession, "session")
}

// Send sends a message. Retrying with the same ClientId returns the
// original message's id and sequence.
func (c *Conn) Send(ctx context.Context, r *hongyanv1.SendRequest) (*hongyanv1.SendResponse, error) {
	f, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Send{Send: r}})
	return expect(f, err, (*hongyanv1.ServerFrame).GetSent, "sent")
}

// Sync fetches up to limit change-log entries after the cursor (limit 0:
// the server's default page size). A response with More false turns on
// live pushes of later changes on this connection.
func (c *Conn) Sync(ctx context.Context, after int64, limit uint32) (*hongyanv1.SyncResponse, error) {
	f, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Sync{Sync: &hongyanv1.SyncRequest{After: after, Limit: limit}}})
	return expect(f, err, (*hongyanv1.ServerFrame).GetSync, "sync")
}

// Ping is the client-driven heartbeat: it reports the device's cursor and
// returns the user's change-log head. A head above the cursor means the
// device must sync.
func (c *Conn) Ping(ctx context.Context, cursor int64) (head int64, err error) {
	f, err := c.Call(ctx, &hongyanv1.ClientFrame{Req: &hongyanv1.ClientFrame_Ping{Ping: &hongyanv1.Ping{Cursor: cursor}}})
	if err != nil {
		return 0, err
	}
	return f.GetPong().GetHead(), nil
}
