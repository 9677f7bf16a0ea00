package spam

import (
	"strings"
	"unicode/utf8"
)

// The classifier looks for a few hundred literals in each text: the
// rules' plain words and their expressions' prefilters. Looking for each
// with strings.Contains walks the text once per literal; the lexicon
// finds all of them in one walk instead, indexing the literals by their
// first two bytes, and a text's hits are a bit set the rules then read.

// maxLiterals bounds the literals (the size of a text's bit set).
const maxLiterals = 1024

// hits is the set of literals found in a text, by literal number.
type hits [maxLiterals / 64]uint64

// lexicon numbers literals and finds them in texts.
type lexicon struct {
	lits []string
	ids  map[string]int32
	one  [256][]int32       // one-byte literals by their byte
	two  map[uint16][]int32 // longer literals by their first two bytes
}

var lex = &lexicon{ids: map[string]int32{}, two: map[uint16][]int32{}}

// set numbers the literals ws (adding the new ones) and returns their
// numbers as a set. It runs while the rules are built (package
// initialisation), before any text is looked at.
func (l *lexicon) set(ws []string) hits {
	var out hits
	for _, w := range ws {
		id, ok := l.ids[w]
		if !ok {
			if len(l.lits) >= maxLiterals {
				panic("spam: too many literals")
			}
			id = int32(len(l.lits))
			l.lits = append(l.lits, w)
			l.ids[w] = id
			if len(w) == 1 {
				l.one[w[0]] = append(l.one[w[0]], id)
			} else {
				k := uint16(w[0])<<8 | uint16(w[1])
				l.two[k] = append(l.two[k], id)
			}
		}
		out[id/64] |= 1 << (id % 64)
	}
	return out
}

// scan sets in h the literals t contains. t is valid UTF-8 (normalised)
// and so are the literals, so they can only start where a character does.
func (l *lexicon) scan(t string, h *hits) {
	for i := 0; i < len(t); i++ {
		b := t[i]
		if b >= 0x80 && !utf8.RuneStart(b) {
			continue
		}
		for _, id := range l.one[b] {
			h[id/64] |= 1 << (id % 64)
		}
		if i+1 < len(t) {
			for _, id := range l.two[uint16(b)<<8|uint16(t[i+1])] {
				if h[id/64]&(1<<(id%64)) == 0 && strings.HasPrefix(t[i:], l.lits[id]) {
					h[id/64] |= 1 << (id % 64)
				}
			}
		}
	}
}

// any reports whether h and o have a literal in common.
func (h *hits) any(o *hits) bool {
	var x uint64
	for i := range h {
		x |= h[i] & o[i]
	}
	return x != 0
}
