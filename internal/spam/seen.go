package spam

import (
	"hash/maphash"
	"strconv"
	"sync"
	"time"
)

// seen remembers, on this node, the first chat each text of each user
// went to in a window, so that the shared counters are touched only once
// a text reaches a second chat: an ordinary message (a text sent to one
// chat) then costs no store write at all. From the second chat on, each
// chat the text goes to is counted in the store (the first one too), so
// the count is shared by the nodes of a cluster as before.
//
// It is bounded: two generations of at most seenGeneration texts each;
// when the newer one fills, the older one is forgotten. A text forgotten
// before it reached a second chat is counted from scratch when it comes
// again; the texts known to have reached a second chat are kept apart
// (at most seenGeneration of them, forgotten with their window), so a
// campaign already seen keeps being counted. docs/operations.md
// describes what this trades.
type seen struct {
	mu     sync.Mutex
	seed   maphash.Seed
	cur    map[uint64]string // text key → the first chat it went to
	old    map[uint64]string
	shared map[uint64]struct{} // text keys that reached a second chat
	win    time.Time           // the window shared is of
	gen    int                 // the size of a generation
}

// seenGeneration is the number of texts a generation holds (some 60
// bytes each).
const seenGeneration = 1 << 17

func newSeen(gen int) *seen {
	return &seen{seed: maphash.MakeSeed(), cur: map[uint64]string{}, shared: map[uint64]struct{}{}, gen: gen}
}

// note notes that user sent text to target in the window starting at
// win. It returns count false while the text is only known to have gone
// to that one chat; then nothing needs counting in the store. Otherwise
// the store counts target, and also first when first is not "" (the chat
// the text went to first, not counted until now).
func (s *seen) note(user int64, text, target string, win time.Time) (count bool, first string) {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var b [20]byte
	h.Write(strconv.AppendInt(b[:0], user, 10))
	h.WriteByte(0)
	h.Write(strconv.AppendInt(b[:0], win.UnixMilli(), 10))
	h.WriteByte(0)
	h.WriteString(text)
	key := h.Sum64()

	s.mu.Lock()
	defer s.mu.Unlock()
	if !win.Equal(s.win) {
		s.win, s.shared = win, map[uint64]struct{}{}
	}
	if _, ok := s.shared[key]; ok {
		return true, ""
	}
	f, ok := s.cur[key]
	if !ok {
		if f, ok = s.old[key]; ok {
			s.put(key, f)
		}
	}
	if !ok {
		s.put(key, target)
		return false, ""
	}
	if f == target {
		return false, ""
	}
	if len(s.shared) < s.gen {
		s.shared[key] = struct{}{}
		delete(s.cur, key)
		delete(s.old, key)
	}
	return true, f
}

func (s *seen) put(key uint64, target string) {
	if len(s.cur) >= s.gen {
		s.old, s.cur = s.cur, make(map[uint64]string, s.gen/4)
	}
	s.cur[key] = target
}
