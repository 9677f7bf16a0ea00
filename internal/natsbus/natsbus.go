// Package natsbus is the hongyan.Bus of a cluster: nodes publish and
// subscribe on core NATS subjects, so an event committed on one node reaches
// the devices connected to any other.
//
// Core NATS delivers at most once. That suits what travels here: pushes to
// connected devices, which the change log backs (a device that misses a push
// finds the gap at its next event or sync and reads the store). A consumer
// that must not miss an event does not use this bus.
//
// One NATS connection serves the node. Local subscribers of one subject share
// one NATS subscription, and every subscription feeds one channel read by one
// goroutine, so a node with tens of thousands of connected users holds no
// goroutine per user and each publisher's messages arrive in the order sent.
//
// Every payload starts with a version byte (Version). A node drops, and
// counts, a payload of a version it does not read, so nodes of two releases
// can run side by side during a rolling upgrade as long as a release that
// changes a payload first ships a reader of the new version.
package natsbus

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"hongyan/internal/hongyan"
)

// Version is the version byte this build writes before every payload, and
// the only one it reads.
const Version byte = 1

// Options tune a Bus; the zero value is usable.
type Options struct {
	// Name identifies the node to the NATS server (shown in its monitoring).
	Name string
	// Pending bounds the messages received and not yet dispatched; beyond
	// it NATS drops messages for this node (counted as Dropped). 0: 65,536.
	Pending int
	// FlushTimeout bounds the round trip that makes a new subscription
	// active before Subscribe returns. 0: 5 s.
	FlushTimeout time.Duration
	Log          *slog.Logger
}

// Bus is a hongyan.Bus on a NATS connection. Use Open; Close releases it.
type Bus struct {
	nc      *nats.Conn
	in      chan *nats.Msg
	done    chan struct{}
	stopped chan struct{}
	flush   time.Duration
	log     *slog.Logger

	mu   sync.RWMutex
	subs map[string]*subject

	dropped    atomic.Int64 // lost by NATS as a slow consumer, or of a version not read
	closedOnce sync.Once
}

// subject is one NATS subscription and the local handlers it feeds.
type subject struct {
	ns  *nats.Subscription
	fns []*sub // copy on write: the dispatcher iterates a slice read under the lock
}

type sub struct {
	bus  *Bus
	name string
	fn   func([]byte)
	once sync.Once
}

// Open connects to the NATS servers at url (one URL, or several separated by
// commas) and returns a bus. It reconnects for ever after a connection is
// lost; subscriptions are restored by the client.
func Open(url string, o Options) (*Bus, error) {
	if o.Pending <= 0 {
		o.Pending = 1 << 16
	}
	if o.FlushTimeout <= 0 {
		o.FlushTimeout = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	b := &Bus{
		in:      make(chan *nats.Msg, o.Pending),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
		flush:   o.FlushTimeout,
		log:     o.Log,
		subs:    make(map[string]*subject),
	}
	nc, err := nats.Connect(url,
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.log.Warn("bus: disconnected from NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("bus: reconnected to NATS", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				b.dropped.Add(1)
				return
			}
			b.log.Warn("bus: NATS error", "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("bus: connect to NATS at %s: %w", redact(url), err)
	}
	b.nc = nc
	// Every node takes every fan-out and keeps what its own subscribers
	// want (see PublishFanout).
	if _, err := nc.ChanSubscribe(FanoutSubject, b.in); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: subscribe to %s: %w", FanoutSubject, err)
	}
	go b.dispatch()
	return b, nil
}

// Publish sends data to every subscriber of subject on every node. It
// returns once the message is in the connection's buffer (core NATS: at
// most once); while the node is reconnecting, messages wait in the client's
// reconnect buffer.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg := make([]byte, 1+len(data))
	msg[0] = Version
	copy(msg[1:], data)
	if err := b.nc.Publish(subject, msg); err != nil {
		return hongyan.Wrap(err, hongyan.CodeUnavailable, "bus: publish")
	}
	return nil
}

var _ hongyan.FanoutBus = (*Bus)(nil)

// FanoutSubject carries fan-outs (hongyan.Fanout) to every node.
const FanoutSubject = "hy.fanout"

// PublishFanout sends f as one NATS message that every node receives; each
// node hands the members it serves their events (f.Payload), so a group
// message crosses the network once per node instead of once per member.
// Encoding after the version byte: the change's kind (a byte), conversation
// and reference (varints), its data (length as an unsigned varint, then the
// bytes), then each member's user and sequence number (varints).
func (b *Bus) PublishFanout(ctx context.Context, f hongyan.Fanout) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := f.Change
	msg := make([]byte, 0, 1+1+3*binary.MaxVarintLen64+len(c.Data)+2*binary.MaxVarintLen64*len(f.Members))
	msg = append(msg, Version, byte(c.Kind))
	msg = binary.AppendVarint(msg, int64(c.Conversation))
	msg = binary.AppendVarint(msg, c.Ref)
	msg = binary.AppendUvarint(msg, uint64(len(c.Data)))
	msg = append(msg, c.Data...)
	for _, m := range f.Members {
		msg = binary.AppendVarint(msg, int64(m.User))
		msg = binary.AppendVarint(msg, m.Seq)
	}
	if err := b.nc.Publish(FanoutSubject, msg); err != nil {
		return hongyan.Wrap(err, hongyan.CodeUnavailable, "bus: publish")
	}
	return nil
}

// fanout hands this node's subscribers their events from fan-out data
// (PublishFanout's encoding after the version byte). A malformed fan-out is
// counted as dropped; what it delivered before the fault stays delivered
// (each event is whole).
func (b *Bus) fanout(data []byte) {
	bad := func() { b.dropped.Add(1) }
	varint := func() (int64, bool) {
		v, k := binary.Varint(data)
		if k <= 0 {
			return 0, false
		}
		data = data[k:]
		return v, true
	}
	if len(data) == 0 {
		bad()
		return
	}
	var f hongyan.Fanout
	f.Change.Kind, data = hongyan.ChangeKind(data[0]), data[1:]
	conv, ok1 := varint()
	ref, ok2 := varint()
	l, k := binary.Uvarint(data)
	if !ok1 || !ok2 || k <= 0 || l > uint64(len(data)-k) {
		bad()
		return
	}
	f.Change.Conversation, f.Change.Ref = hongyan.ConversationID(conv), ref
	if l > 0 {
		f.Change.Data = data[k : k+int(l)]
	}
	data = data[k+int(l):]
	for len(data) > 0 {
		u, ok1 := varint()
		seq, ok2 := varint()
		if !ok1 || !ok2 {
			bad()
			return
		}
		m := hongyan.FanoutMember{User: hongyan.UserID(u), Seq: seq}
		b.mu.RLock()
		cur := b.subs[hongyan.UserSubject(m.User)]
		b.mu.RUnlock()
		if cur == nil {
			continue // a user served by another node
		}
		payload := f.Payload(m)
		for _, s := range cur.fns {
			s.fn(payload)
		}
	}
}

// Subscribe calls fn for each message published on subject, from any node,
// until the subscription is closed. The subscription is active on the NATS
// server when Subscribe returns. fn runs on the bus's one dispatching
// goroutine and must only queue.
func (b *Bus) Subscribe(name string, fn func([]byte)) (hongyan.Subscription, error) {
	s := &sub{bus: b, name: name, fn: fn}
	b.mu.Lock()
	cur := b.subs[name]
	if cur != nil {
		fns := make([]*sub, len(cur.fns), len(cur.fns)+1)
		copy(fns, cur.fns)
		b.subs[name] = &subject{ns: cur.ns, fns: append(fns, s)}
		b.mu.Unlock()
		return s, nil
	}
	// When the channel is full, NATS drops the message and reports a slow
	// consumer (counted in Dropped).
	ns, err := b.nc.ChanSubscribe(name, b.in)
	if err != nil {
		b.mu.Unlock()
		return nil, hongyan.Wrap(err, hongyan.CodeUnavailable, "bus: subscribe")
	}
	b.subs[name] = &subject{ns: ns, fns: []*sub{s}}
	b.mu.Unlock()
	// The round trip that makes the interest known to the server, outside
	// the lock so that other subscribers need not wait for it.
	if err := b.nc.FlushTimeout(b.flush); err != nil {
		s.Unsubscribe()
		return nil, hongyan.Wrap(err, hongyan.CodeUnavailable, "bus: subscribe")
	}
	return s, nil
}

// Unsubscribe stops deliveries to s; it is safe to call more than once.
func (s *sub) Unsubscribe() error {
	var err error
	s.once.Do(func() { err = s.bus.remove(s) })
	return err
}

func (b *Bus) remove(s *sub) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.subs[s.name]
	if cur == nil {
		return nil
	}
	fns := make([]*sub, 0, len(cur.fns))
	for _, o := range cur.fns {
		if o != s {
			fns = append(fns, o)
		}
	}
	if len(fns) > 0 {
		b.subs[s.name] = &subject{ns: cur.ns, fns: fns}
		return nil
	}
	delete(b.subs, s.name)
	if err := cur.ns.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		return err
	}
	return nil
}

// dispatch hands each received message to the local subscribers of its
// subject, in the order NATS delivered them.
func (b *Bus) dispatch() {
	defer close(b.stopped)
	for {
		select {
		case <-b.done:
			return
		case m := <-b.in:
			if len(m.Data) == 0 || m.Data[0] != Version {
				b.dropped.Add(1)
				continue
			}
			if m.Subject == FanoutSubject {
				b.fanout(m.Data[1:])
				continue
			}
			b.mu.RLock()
			cur := b.subs[m.Subject]
			b.mu.RUnlock()
			if cur == nil {
				continue // unsubscribed while the message was queued
			}
			data := m.Data[1:]
			for _, s := range cur.fns {
				s.fn(data)
			}
		}
	}
}

// Dropped returns how many messages this node lost: NATS dropped them
// because the node fell behind, or they carried a version it does not read.
func (b *Bus) Dropped() int64 { return b.dropped.Load() }

// Connected reports whether the node holds a connection to a NATS server
// now (the client's own state, not the callbacks', which run later).
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// Close flushes what was published, closes the connection and stops
// dispatching; publishing and subscribing fail afterwards.
func (b *Bus) Close() error {
	b.closedOnce.Do(func() {
		b.nc.FlushTimeout(b.flush)
		b.nc.Close()
		close(b.done)
		<-b.stopped
	})
	return nil
}

// redact hides a password in a NATS URL for messages.
func redact(url string) string {
	i, j := strings.Index(url, "://"), strings.LastIndex(url, "@")
	if i >= 0 && j > i {
		return url[:i+3] + "…" + url[j:]
	}
	return url
}
