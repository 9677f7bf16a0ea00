package ws

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

var key = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// frame is a masked client frame.
func frame(fin bool, op Opcode, payload []byte) []byte {
	return AppendClientFrame(nil, fin, op, key, payload)
}

// closePayload is a close frame's payload.
func closePayload(code StatusCode, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

// readAll reads messages from stream until an error, which it returns
// with them.
func readAll(stream []byte, limit int64) ([]Message, error) {
	var r Reader
	r.Reset(bytes.NewReader(stream), nil, limit, nil)
	var out []Message
	for {
		m, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

// closeCode is the status of a *CloseError, 0 for any other error.
func closeCode(err error) StatusCode {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// The conformance suite: RFC 6455 §5 and §7 as a server receives them.
func TestReaderConformance(t *testing.T) {
	long := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16,000 bytes: 16-bit length, masking past 8-byte words
	split := []byte("你好")                                  // 6 bytes: split inside a character below
	tests := []struct {
		name   string
		stream []byte
		want   []Message
		code   StatusCode // 0: the stream ends cleanly (io.EOF)
		limit  int64      // the message limit; 0: 16 KiB
	}{
		{"binary", frame(true, OpBinary, []byte{1, 2, 3}), []Message{{Op: OpBinary, Data: []byte{1, 2, 3}}}, 0, 0},
		{"empty binary", frame(true, OpBinary, nil), []Message{{Op: OpBinary, Data: []byte{}}}, 0, 0},
		{"long binary unmasked right", frame(true, OpBinary, long), []Message{{Op: OpBinary, Data: long}}, 0, 0},
		{"fragments with a ping between", cat(
			frame(false, OpBinary, long[:5]), frame(true, OpPing, []byte("hi")),
			frame(false, OpContinuation, long[5:13]), frame(true, OpContinuation, long[13:100])),
			[]Message{{Op: OpPing, Data: []byte("hi")}, {Op: OpBinary, Data: long[:100]}}, 0, 0},
		{"text", frame(true, OpText, []byte("héllo")), []Message{{Op: OpText, Data: []byte("héllo")}}, 0, 0},
		{"text split inside a character", cat(frame(false, OpText, split[:2]), frame(true, OpContinuation, split[2:])),
			[]Message{{Op: OpText, Data: split}}, 0, 0},
		{"text not UTF-8", frame(true, OpText, []byte{'a', 0xff, 'b'}), nil, StatusInvalidPayload, 0},
		{"fragmented text not UTF-8", cat(frame(false, OpText, split[:2]), frame(true, OpContinuation, split[3:])), nil, StatusInvalidPayload, 0},
		{"text with a surrogate", frame(true, OpText, []byte{0xed, 0xa0, 0x80}), nil, StatusInvalidPayload, 0},
		{"pong", frame(true, OpPong, []byte("x")), []Message{{Op: OpPong, Data: []byte("x")}}, 0, 0},
		{"ping of 125 bytes", frame(true, OpPing, long[:125]), []Message{{Op: OpPing, Data: long[:125]}}, 0, 0},

		{"unmasked", []byte{0x82, 0x01, 0x00}, nil, StatusProtocolError, 0},
		{"rsv1", setBits(frame(true, OpBinary, []byte{1}), 0x40), nil, StatusProtocolError, 0},
		{"rsv2", setBits(frame(true, OpBinary, []byte{1}), 0x20), nil, StatusProtocolError, 0},
		{"rsv3", setBits(frame(true, OpPing, nil), 0x10), nil, StatusProtocolError, 0},
		{"opcode 3", frame(true, 3, nil), nil, StatusProtocolError, 0},
		{"opcode 7", frame(true, 7, nil), nil, StatusProtocolError, 0},
		{"opcode 0xB", frame(true, 0xB, nil), nil, StatusProtocolError, 0},
		{"opcode 0xF", frame(true, 0xF, nil), nil, StatusProtocolError, 0},
		{"fragmented ping", frame(false, OpPing, []byte("a")), nil, StatusProtocolError, 0},
		{"fragmented close", frame(false, OpClose, closePayload(1000, "")), nil, StatusProtocolError, 0},
		{"ping of 126 bytes", frame(true, OpPing, long[:126]), nil, StatusProtocolError, 0},
		{"close of 126 bytes", frame(true, OpClose, closePayload(1000, string(long[:124]))), nil, StatusProtocolError, 0},
		{"continuation first", frame(true, OpContinuation, []byte{1}), nil, StatusProtocolError, 0},
		{"new message inside a fragmented one", cat(frame(false, OpBinary, []byte{1}), frame(true, OpBinary, []byte{2})), nil, StatusProtocolError, 0},
		{"text inside a fragmented binary", cat(frame(false, OpBinary, []byte{1}), frame(true, OpText, []byte{2})), nil, StatusProtocolError, 0},
		{"length with the top bit set", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, nil, StatusProtocolError, 0},
		{"over the limit in one frame", frame(true, OpBinary, make([]byte, 1025)), nil, StatusMessageTooBig, 1024},
		{"over the limit in fragments", cat(frame(false, OpBinary, make([]byte, 600)), frame(true, OpContinuation, make([]byte, 600))), nil, StatusMessageTooBig, 1024},
		{"a declared 2^62 bytes", []byte{0x82, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, nil, StatusMessageTooBig, 0},

		{"close without status", frame(true, OpClose, nil), []Message{{Op: OpClose, Code: StatusNoStatus}}, 0, 0},
		{"close 1000 with reason", frame(true, OpClose, closePayload(1000, "bye 再见")),
			[]Message{{Op: OpClose, Data: closePayload(1000, "bye 再见"), Code: 1000, Reason: "bye 再见"}}, 0, 0},
		{"close with 1 byte", frame(true, OpClose, []byte{3}), nil, StatusProtocolError, 0},
		{"close reason not UTF-8", frame(true, OpClose, closePayload(1000, "\xff\xfe")), nil, StatusInvalidPayload, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = 16 << 10
			}
			got, err := readAll(tt.stream, limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if tt.code == 0 {
				if err != io.EOF {
					t.Errorf("end: got %v, want io.EOF", err)
				}
				return
			}
			if got := closeCode(err); got != tt.code {
				t.Errorf("error: got %v (close %d), want close %d", err, got, tt.code)
			}
		})
	}
}

func setBits(f []byte, bits byte) []byte {
	f[0] |= bits
	return f
}

// Close statuses a client may and may not send (RFC 6455 §7.4 and the
// IANA registry).
func TestCloseCodes(t *testing.T) {
	for _, code := range []StatusCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		got, err := readAll(frame(true, OpClose, closePayload(code, "")), 100)
		if err != io.EOF || len(got) != 1 || got[0].Code != code {
			t.Errorf("close %d: got %v, %v; want it read", code, got, err)
		}
	}
	for _, code := range []StatusCode{0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		_, err := readAll(frame(true, OpClose, closePayload(code, "")), 100)
		if got := closeCode(err); got != StatusProtocolError {
			t.Errorf("close %d: got %v, want close 1002", code, err)
		}
	}
}

// After a violation the reader discards what follows until the client's
// close frame, the rest of the refused frame included.
func TestReaderClosing(t *testing.T) {
	stream := cat(
		frame(true, OpBinary, make([]byte, 300)), // over the limit: refused, its payload skipped
		frame(true, OpBinary, []byte("dropped")),
		frame(true, OpPing, []byte("dropped too")),
		frame(true, OpClose, closePayload(1009, "")),
	)
	var r Reader
	r.Reset(bytes.NewReader(stream), nil, 100, nil)
	if _, err := r.Next(); closeCode(err) != StatusMessageTooBig {
		t.Fatalf("first frame: got %v, want close 1009", err)
	}
	r.Closing()
	m, err := r.Next()
	if err != nil || m.Op != OpClose || m.Code != 1009 {
		t.Fatalf("while closing: got %+v, %v; want the close frame 1009", m, err)
	}
}

// The bytes the HTTP server read ahead come first, then the connection.
func TestReaderPre(t *testing.T) {
	stream := cat(frame(true, OpBinary, []byte("one")), frame(true, OpBinary, []byte("two")))
	var r Reader
	r.Reset(bytes.NewReader(stream[5:]), stream[:5], 100, nil) // the split falls inside the first frame
	for _, want := range []string{"one", "two"} {
		m, err := r.Next()
		if err != nil || string(m.Data) != want {
			t.Fatalf("got %q, %v; want %q", m.Data, err, want)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("end: got %v, want io.EOF", err)
	}
}

func TestReaderTruncated(t *testing.T) {
	f := frame(true, OpBinary, []byte("hello"))
	for n := 1; n < len(f); n++ {
		if _, err := readAll(f[:n], 100); err != io.ErrUnexpectedEOF {
			t.Errorf("frame cut after %d bytes: got %v, want io.ErrUnexpectedEOF", n, err)
		}
	}
}

func TestAppendHeader(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want []byte
	}{
		{0, []byte{0x82, 0}},
		{125, []byte{0x82, 125}},
		{126, []byte{0x82, 126, 0, 126}},
		{65535, []byte{0x82, 126, 0xff, 0xff}},
		{65536, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		if got := AppendHeader(nil, OpBinary, tt.n); !bytes.Equal(got, tt.want) {
			t.Errorf("AppendHeader(%d): got %x, want %x", tt.n, got, tt.want)
		}
	}
}

func TestAppendClose(t *testing.T) {
	if got, want := AppendClose(nil, StatusNoStatus, "ignored"), []byte{0x88, 0}; !bytes.Equal(got, want) {
		t.Errorf("no status: got %x, want %x", got, want)
	}
	got := AppendClose(nil, StatusGoingAway, "bye")
	if want := []byte{0x88, 5, 0x03, 0xe9, 'b', 'y', 'e'}; !bytes.Equal(got, want) {
		t.Errorf("1001 bye: got %x, want %x", got, want)
	}
	// A long reason is cut to fit a control frame, never inside a character.
	reason := strings.Repeat("鸿", 50) // 150 bytes
	got = AppendClose(nil, StatusPolicyViolation, reason)
	if n := len(got) - 2; n > 125 {
		t.Errorf("long reason: payload of %d bytes, want at most 125", n)
	}
	if r := got[4:]; !utf8.Valid(r) || len(r) != 123 {
		t.Errorf("long reason: cut to %d bytes (valid UTF-8 %v), want 123 bytes of whole characters", len(r), utf8.Valid(r))
	}
}

// Masking is an XOR with the key from the payload's first byte, whatever
// offset a piece starts at.
func TestMaskOffsets(t *testing.T) {
	plain := []byte("the quick brown fox jumps over the lazy dog")
	whole := append([]byte(nil), plain...)
	mask(whole, key, 0)
	for cut := range len(plain) {
		pieces := append([]byte(nil), plain...)
		mask(pieces[:cut], key, 0)
		mask(pieces[cut:], key, int64(cut))
		if !bytes.Equal(pieces, whole) {
			t.Fatalf("masked in two pieces cut at %d: got %x, want %x", cut, pieces, whole)
		}
	}
}
