// Package wsclient is a Go client of the Hongyan client protocol: protobuf
// frames over a WebSocket at /ws. A Conn multiplexes concurrent requests on
// one connection and delivers server pushes on a channel; a Syncer
// implements the device side of the sync model on top of it.
//
// It is used by the command-line client, tests, the load generator and bots.
package wsclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/gen/hongyanv1"
)

// ReadLimit is the largest frame a Conn accepts from the server.
const ReadLimit = 1 << 20

// Defaults for the Dial options.
const (
	DefaultPushBuffer   = 1024
	DefaultWriteTimeout = 30 * time.Second
)

// Error is an error response from the server: the request was received and
// refused. Code is one of the protocol's error codes (invalid_argument,
// not_found, failed_precondition, …); Message is safe to show to users;
// Reason, when set, tells cases of one code apart (account_id_taken, …).
type Error struct {
	Code    string
	Message string
	Reason  string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the Code of the first *Error in err's chain, or "" when
// err is nil or not a server error (a connection failure, a timeout).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ErrorReason returns the Reason of the first *Error in err's chain, or
// "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

var (
	// ErrClosed is the cause of failures after Close was called.
	ErrClosed = errors.New("wsclient: connection closed")
	// ErrSlowConsumer is the cause when the connection was closed because
	// pushes arrived faster than the reader of Pushes took them.
	ErrSlowConsumer = errors.New("wsclient: push consumer too slow")
)

// An Option configures Dial.
type Option func(*options)

type options struct {
	httpClient   *http.Client
	header       http.Header
	pushBuffer   int
	writeTimeout time.Duration
}

// WithHTTPClient dials with c instead of http.DefaultClient.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.httpClient = c } }

// WithHeader adds h to the HTTP handshake request.
func WithHeader(h http.Header) Option { return func(o *options) { o.header = h } }

// WithPushBuffer sets how many pushes may wait unread in the Pushes channel
// before the connection is closed with ErrSlowConsumer (default
// DefaultPushBuffer).
func WithPushBuffer(n int) Option { return func(o *options) { o.pushBuffer = n } }

// WithWriteTimeout bounds how long writing one frame may take before the
// connection is considered dead (default DefaultWriteTimeout).
func WithWriteTimeout(d time.Duration) Option { return func(o *options) { o.writeTimeout = d } }

// Conn is a client connection. Its methods are safe for concurrent use.
type Conn struct {
	t *transport
	// ctx is the connection's own lifetime, cancelled when it fails or
	// is closed.
	ctx    context.Context
	cancel context.CancelFunc
	pushes chan *hongyanv1.ServerFrame
	done   chan struct{} // closed when the reader goroutine has exited
	nextID atomic.Uint32

	mu      sync.Mutex
	pending map[uint32]pendingCall // guarded by mu
	err     error                  // guarded by mu; why the connection ended
}

// pendingCall is a call waiting for its response: on ch (Call) or through
// done (Go).
type pendingCall struct {
	ch   chan *hongyanv1.ServerFrame
	done func(*hongyanv1.ServerFrame, error)
}

// failPending ends the calls made with Go that wait for a response, when
// the connection has ended (Call's waiters see c.done).
func (c *Conn) failPending() {
	c.mu.Lock()
	var dones []func(*hongyanv1.ServerFrame, error)
	for id, p := range c.pending {
		if p.done != nil {
			dones = append(dones, p.done)
			delete(c.pending, id)
		}
	}
	err := c.err
	c.mu.Unlock()
	for _, done := range dones {
		done(nil, c.closedErr(err))
	}
}

// WSURL returns the WebSocket endpoint of the server at serverURL:
// http://host:port becomes ws://host:port/ws and https becomes wss. A
// ws:// or wss:// URL is used with /ws appended unless it already ends so.
func WSURL(serverURL string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("server URL: %w", err)
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("server URL %q: scheme must be http or https", serverURL)
	}
	if u.Host == "" {
		return "", fmt.Errorf("server URL %q: no host", serverURL)
	}
	if !strings.HasSuffix(u.Path, "/ws") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/ws"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String(), nil
}

// Dial connects to the Hongyan server at serverURL (such as
// http://127.0.0.1:8080). ctx bounds only the handshake. The returned Conn
// is unauthenticated; call Hello with a session token, or Register, Login or
// a QR login first.
func Dial(ctx context.Context, serverURL string, opts ...Option) (*Conn, error) {
	o := options{pushBuffer: DefaultPushBuffer, writeTimeout: DefaultWriteTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	u, err := WSURL(serverURL)
	if err != nil {
		return nil, err
	}
	t, err := dialTransport(ctx, u, o)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	c := &Conn{
		t:       t,
		pushes:  make(chan *hongyanv1.ServerFrame, max(o.pushBuffer, 1)),
		done:    make(chan struct{}),
		pending: make(map[uint32]pendingCall),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.readLoop()
	return c, nil
}

// readLoop reads frames until the connection ends, routing responses to
// their callers and pushes to the Pushes channel. It exits when a read
// fails (which includes Close) and then closes the Pushes channel.
func (c *Conn) readLoop() {
	defer close(c.done)
	defer close(c.pushes)
	defer c.failPending()
	for {
		op, data, err := c.t.read(ReadLimit)
		if err != nil {
			c.fail(fmt.Errorf("read: %w", err))
			return
		}
		if op != opBinary {
			c.fail(errors.New("wsclient: server sent a text frame"))
			return
		}
		f := new(hongyanv1.ServerFrame)
		if err := proto.Unmarshal(data, f); err != nil {
			c.fail(fmt.Errorf("wsclient: bad frame from server: %w", err))
			return
		}
		if f.Id == 0 {
			select {
			case c.pushes <- f:
				continue
			default:
				c.fail(ErrSlowConsumer)
				return
			}
		}
		c.mu.Lock()
		p, ok := c.pending[f.Id]
		delete(c.pending, f.Id)
		c.mu.Unlock()
		switch {
		case !ok:
		case p.done != nil:
			p.done(response(f))
		default:
			p.ch <- f // buffered; never blocks
		}
		// A response nobody waits for belongs to a call whose context
		// ended; drop it.
	}
}

// fail records err as the reason the connection ended (the first reason
// wins) and tears the connection down.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.cancel()
	c.t.close()
}

// Err returns why the connection ended, or nil while it is open.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Done is closed when the connection has ended and its reader has exited.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Pushes returns the channel of server pushes (frames with id 0: changes,
// typing, kicked), in the order the server sent them. The channel is closed
// when the connection ends. If more than the push buffer's worth of pushes
// wait unread, the connection is closed with ErrSlowConsumer rather than
// dropping any.
func (c *Conn) Pushes() <-chan *hongyanv1.ServerFrame { return c.pushes }

// Close closes the connection with a normal close handshake and waits for
// its reader to exit. Calls in flight fail with an error wrapping
// ErrClosed.
func (c *Conn) Close() error {
	c.mu.Lock()
	failed := c.err != nil
	if !failed {
		c.err = ErrClosed
	}
	c.mu.Unlock()
	// The close handshake: the server answers the close frame and the
	// reader, reading it, ends; a server that does not answer in time is
	// cut off.
	err := c.t.writeClose(1000)
	timer := time.AfterFunc(closeWait, func() { c.t.close() })
	<-c.done
	timer.Stop()
	c.t.close()
	c.cancel()
	if failed || errors.Is(err, net.ErrClosed) {
		// Already closed, or it failed and Err tells why.
		return nil
	}
	return err
}

// Call sends req, after setting its id (so req must not be shared between
// concurrent calls), and waits for the response. A
// response carrying an error is returned as a *Error. Other errors mean the
// request may or may not have reached the server: the connection failed,
// or ctx ended first (which leaves the connection open).
func (c *Conn) Call(ctx context.Context, req *hongyanv1.ClientFrame) (*hongyanv1.ServerFrame, error) {
	ch := make(chan *hongyanv1.ServerFrame, 1)
	id, err := c.start(req, pendingCall{ch: ch})
	if err != nil {
		return nil, err
	}
	select {
	case f := <-ch:
		return response(f)
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	case <-c.done:
		select {
		case f := <-ch:
			return response(f)
		default:
		}
		c.forget(id)
		return nil, c.closedErr(c.Err())
	}
}

// Go sends req as Call does but does not wait: done gets the response
// (or, as Call returns them, its error or the connection's failure)
// exactly once, on the connection's reader goroutine, so it must not
// block. When Go returns an error, the request was not sent and done is
// not called. It spares a caller with many requests in flight a
// goroutine for each (the load generator's open loop).
func (c *Conn) Go(req *hongyanv1.ClientFrame, done func(*hongyanv1.ServerFrame, error)) error {
	_, err := c.start(req, pendingCall{done: done})
	return err
}

// start registers p for req's response and sends req.
func (c *Conn) start(req *hongyanv1.ClientFrame, p pendingCall) (uint32, error) {
	id := c.nextID.Add(1)
	for id == 0 {
		id = c.nextID.Add(1)
	}
	req.Id = id
	data, err := proto.Marshal(req)
	if err != nil {
		return 0, fmt.Errorf("wsclient: encode request: %w", err)
	}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return 0, c.closedErr(err)
	}
	c.pending[id] = p
	c.mu.Unlock()
	if err := c.t.writeFrame(opBinary, data); err != nil {
		c.fail(fmt.Errorf("write: %w", err))
		if !c.forget(id) {
			// The reader, ending, has taken the call and answered it
			// with the connection's failure.
			return id, nil
		}
		return 0, c.closedErr(c.Err())
	}
	return id, nil
}

// forget drops the call id waits for; it reports whether it was waiting.
func (c *Conn) forget(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pending[id]
	delete(c.pending, id)
	return ok
}

func (c *Conn) closedErr(cause error) error {
	if errors.Is(cause, ErrClosed) {
		return cause
	}
	return fmt.Errorf("%w: %w", ErrClosed, cause)
}

func response(f *hongyanv1.ServerFrame) (*hongyanv1.ServerFrame, error) {
	if e := f.GetError(); e != nil {
		return f, &Error{Code: e.Code, Message: e.Message, Reason: e.Reason}
	}
	return f, nil
}
