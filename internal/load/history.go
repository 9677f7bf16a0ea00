package load

import (
	"sync"
)

// Status is where a recorded send stands, Jepsen style.
type Status int

// The states of a send. A send starts Invoked. A reply from the server makes
// it OK (acknowledged: the server returned an id and seq) or Failed (the
// server refused it with an error). A send whose outcome the client cannot
// know — the connection died or the call timed out — is Unknown; it may have
// committed or not. A retry with the same client ID that then succeeds turns
// an Unknown send into OK.
const (
	Invoked Status = iota
	OK
	Failed
	Unknown
)

func (s Status) String() string {
	switch s {
	case Invoked:
		return "invoked"
	case OK:
		return "ok"
	case Failed:
		return "failed"
	case Unknown:
		return "unknown"
	}
	return "?"
}

// SendOp is one logical send: one client ID, however many attempts.
type SendOp struct {
	Index    int    // order of invocation in the history
	ClientID string // unique in the run; the message text carries it too
	Sender   int64  // user
	Peer     int64  // recipient user
	Status   Status
	Attempts int
	// Set when OK: the acknowledgement.
	ID, Conversation, Seq int64
	// AckConflict is set when two attempts were acknowledged with
	// different (id, seq): idempotent retry is broken.
	AckConflict bool
	Err         string // the last error (Failed, Unknown)
}

// History records sends. It is safe for concurrent use; each SendOp is
// updated only through the History.
type History struct {
	mu  sync.Mutex
	ops []*SendOp
}

// Invoke records the first attempt of a send.
func (h *History) Invoke(clientID string, sender, peer int64) *SendOp {
	h.mu.Lock()
	defer h.mu.Unlock()
	op := &SendOp{Index: len(h.ops), ClientID: clientID, Sender: sender, Peer: peer, Status: Invoked, Attempts: 1}
	h.ops = append(h.ops, op)
	return op
}

// Retry records another attempt of op with the same client ID.
func (h *History) Retry(op *SendOp) {
	h.mu.Lock()
	op.Attempts++
	h.mu.Unlock()
}

// OK records that an attempt of op was acknowledged.
func (h *History) OK(op *SendOp, id, conversation, seq int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if op.Status == OK && (op.ID != id || op.Seq != seq) {
		op.AckConflict = true
	}
	op.Status, op.ID, op.Conversation, op.Seq, op.Err = OK, id, conversation, seq, ""
}

// Fail records that the server refused an attempt of op. After an
// earlier attempt ended Unknown the send stays Unknown: that attempt may
// have committed.
func (h *History) Fail(op *SendOp, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch op.Status {
	case OK:
	case Unknown:
		op.Err = err.Error()
	default:
		op.Status, op.Err = Failed, err.Error()
	}
}

// Unknown records that an attempt of op ended without an answer.
func (h *History) Unknown(op *SendOp, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if op.Status != OK {
		op.Status, op.Err = Unknown, err.Error()
	}
}

// Ops returns a copy of every recorded send, in invocation order.
func (h *History) Ops() []SendOp {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]SendOp, len(h.ops))
	for i, op := range h.ops {
		out[i] = *op
	}
	return out
}
