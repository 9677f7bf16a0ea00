package sqldb

import (
	"strconv"
	"strings"
	"sync"

	"hongyan/internal/hongyan"
)

// CheckChanges validates changes before they are submitted to the writer.
func CheckChanges(changes []hongyan.Change) error {
	for _, c := range changes {
		if c.User <= 0 {
			return Invalid("change for user %d", c.User)
		}
	}
	return nil
}

// RowsPerInsert bounds the rows of one multi-row statement.
const RowsPerInsert = 128

// Chunk returns how many of remaining rows the next multi-row statement
// takes: the largest power of two not above remaining or RowsPerInsert.
// Powers of two keep the number of distinct statements (each prepared once
// on the writer connection) small.
func Chunk(remaining int) int {
	n := RowsPerInsert
	for n > remaining {
		n /= 2
	}
	return n
}

// RowsSQL returns head, then n parenthesised rows of len(types) numbered
// parameters, then tail. A non-empty types[j] casts the j-th parameter of
// each row (PostgreSQL cannot infer the types of parameters in a VALUES
// list that is not an INSERT's). Results are cached: statements are
// prepared once per text.
func (d Dialect) RowsSQL(head string, n int, types []string, tail string) string {
	k := rowsKey{head, n, tail, d.AnonymousParams}
	if q, ok := rowsCache.Load(k); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(head)
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j, typ := range types {
			if j > 0 {
				b.WriteString(", ")
			}
			ph := "$" + strconv.Itoa(p)
			if d.AnonymousParams {
				ph = "?"
			}
			if typ != "" {
				ph = "CAST(" + ph + " AS " + typ + ")"
			}
			b.WriteString(ph)
			p++
		}
		b.WriteString(")")
	}
	b.WriteString(tail)
	q := b.String()
	rowsCache.Store(k, q)
	return q
}

type rowsKey struct {
	head string
	n    int
	tail string
	anon bool
}

var rowsCache sync.Map // rowsKey → string
