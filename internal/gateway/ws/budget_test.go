package ws

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"
)

// A frame header that declares a large payload makes the reader hold only
// what arrived, not what was declared: 300 connections each sending the
// 14 bytes of a 2 MiB frame's header once held 600 MiB.
func TestDeclaredLengthNotHeld(t *testing.T) {
	const declared = 2 << 20
	header := []byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
	binary.BigEndian.PutUint64(header[2:10], declared)
	pr, pw := io.Pipe()
	budget := NewBudget(0)
	var r Reader
	r.Reset(pr, nil, 4<<20, budget)
	got := make(chan Message, 1)
	go func() {
		m, _ := r.Next()
		got <- m
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	pw.Write(header)
	pw.Write(make([]byte, 100)) // returns once the reader has taken them
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("after the header of a %d-byte frame and 100 bytes: %d bytes allocated, want at most 64 KiB", declared, n)
	}
	if n := budget.Used(); n > firstChunk {
		t.Errorf("budget held after 100 bytes: got %d, want at most %d", n, firstChunk)
	}
	// The rest arrives: the message is whole, and the budget holds its
	// buffer until the receiver releases it.
	pw.Write(make([]byte, declared-100))
	m := <-got
	if len(m.Data) != declared {
		t.Fatalf("message: got %d bytes, want %d", len(m.Data), declared)
	}
	if got, want := budget.Used(), int64(cap(m.Data)); got != want {
		t.Errorf("budget held by the returned message: got %d, want its capacity %d", got, want)
	}
	if cap(m.Data) != declared {
		t.Errorf("buffer capacity: got %d, want exactly the %d bytes received", cap(m.Data), declared)
	}
	budget.Release(int64(cap(m.Data)))
	r.Close()
	pw.Close()
}

// A budget shared by readers refuses a message that would take it past
// its bound, with 1013, and takes messages again once bytes come back.
func TestBudgetRefuses(t *testing.T) {
	budget := NewBudget(10 << 10)
	read := func(stream []byte) (Message, error) {
		var r Reader
		r.Reset(bytes.NewReader(stream), nil, 1<<20, budget)
		defer r.Close()
		return r.Next()
	}
	held, err := read(frame(true, OpBinary, make([]byte, 7<<10)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := read(frame(true, OpBinary, make([]byte, 5<<10))); closeCode(err) != StatusTryAgainLater {
		t.Fatalf("a message past the budget: got %v, want close 1013", err)
	}
	if got, want := budget.Used(), int64(cap(held.Data)); got != want {
		t.Errorf("after the refusal the budget holds %d, want %d (the refused message's bytes returned)", got, want)
	}
	budget.Release(int64(cap(held.Data)))
	m, err := read(frame(true, OpBinary, make([]byte, 5<<10)))
	if err != nil || len(m.Data) != 5<<10 {
		t.Fatalf("after the release: got %d bytes, %v; want the message", len(m.Data), err)
	}
	budget.Release(int64(cap(m.Data)))
	if n := budget.Used(); n != 0 {
		t.Errorf("at the end the budget holds %d, want 0", n)
	}
}
