package ws

import "encoding/binary"

// AppendHeader appends the header of an unmasked, final frame of n payload
// bytes: the frames a server sends (RFC 6455 §5.1: a server never masks).
func AppendHeader(b []byte, op Opcode, n int) []byte {
	b = append(b, 0x80|byte(op))
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
}

// AppendClose appends a whole close frame with code and reason (cut to
// fit a control frame, at a character boundary). StatusNoStatus makes a
// close frame without a payload.
func AppendClose(b []byte, code StatusCode, reason string) []byte {
	if code == StatusNoStatus {
		return AppendHeader(b, OpClose, 0)
	}
	reason = truncateUTF8(reason, maxCloseReason)
	b = AppendHeader(b, OpClose, 2+len(reason))
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	return append(b, reason...)
}

// AppendClientFrame appends one masked frame as a client sends it (fin
// false starts or continues a fragmented message). The server never sends
// these; tests and tools do.
func AppendClientFrame(b []byte, fin bool, op Opcode, key [4]byte, payload []byte) []byte {
	b0 := byte(op)
	if fin {
		b0 |= 0x80
	}
	b = append(b, b0)
	switch n := len(payload); {
	case n <= 125:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0x80|127), uint64(n))
	}
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, payload...)
	mask(b[start:], key, 0)
	return b
}

// mask XORs b with the masking key (RFC 6455 §5.3), b starting at byte pos
// of the frame's payload. Masking and unmasking are the same operation.
func mask(b []byte, key [4]byte, pos int64) {
	if len(b) == 0 {
		return
	}
	// Rotate the key so that it starts at pos.
	var k [4]byte
	for i := range k {
		k[i] = key[(int(pos&3)+i)&3]
	}
	k32 := binary.LittleEndian.Uint32(k[:])
	k64 := uint64(k32)<<32 | uint64(k32)
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= k[i&3]
	}
}
