package ws

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzReader reads arbitrary bytes as a client's stream: no input may
// panic, and everything returned keeps the protocol's promises (messages
// within the limit, text in UTF-8, control frames of at most 125 bytes).
func FuzzReader(f *testing.F) {
	f.Add(frame(true, OpBinary, []byte("hello")))
	f.Add(cat(frame(false, OpText, []byte("he")), frame(true, OpPing, nil), frame(true, OpContinuation, []byte("llo"))))
	f.Add(frame(true, OpClose, closePayload(1000, "bye")))
	f.Add(frame(true, OpClose, []byte{0x03}))
	f.Add([]byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}) // a 2^63-byte frame
	f.Add([]byte{0x82, 0xfe, 0x04, 0x01, 1, 2, 3, 4})                                     // 1,025 bytes declared, none sent
	f.Add([]byte{0x8b, 0x80, 1, 2, 3, 4})                                                 // unknown control opcode
	f.Add([]byte{0x09, 0x80, 1, 2, 3, 4})                                                 // fragmented ping
	const limit = 1 << 10
	f.Fuzz(func(t *testing.T, stream []byte) {
		var r Reader
		r.Reset(bytes.NewReader(stream), nil, limit, nil)
		for range len(stream) + 1 {
			m, err := r.Next()
			var ce *CloseError
			if errors.As(err, &ce) {
				if !ValidCloseCode(ce.Code) {
					t.Fatalf("close error with status %d, which may not be sent", ce.Code)
				}
				r.Closing()
				continue
			}
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("error %v from a bytes.Reader", err)
				}
				return
			}
			switch m.Op {
			case OpText, OpBinary:
				if len(m.Data) > limit {
					t.Fatalf("message of %d bytes over the limit %d", len(m.Data), limit)
				}
				if m.Op == OpText && !utf8.Valid(m.Data) {
					t.Fatalf("text message %q is not UTF-8", m.Data)
				}
			case OpClose, OpPing, OpPong:
				if len(m.Data) > 125 {
					t.Fatalf("control frame of %d bytes", len(m.Data))
				}
				if m.Op == OpClose && m.Code != StatusNoStatus && !ValidCloseCode(m.Code) {
					t.Fatalf("close frame with invalid status %d returned", m.Code)
				}
			default:
				t.Fatalf("returned opcode %d", m.Op)
			}
		}
		t.Fatalf("more results than bytes in the stream")
	})
}
