package contact

import (
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// RelationTTL is how long a relation read from the store answers sends
// without reading it again. Changes made through this service take effect
// at once; changes made on another node, within RelationTTL.
const RelationTTL = time.Second

// maxCachedRelations bounds the cache; past it, it starts afresh.
const maxCachedRelations = 1 << 16

// relCache remembers relations between sends: every message checks the
// sender's relation to the recipient, and it rarely changes. Any change
// of contacts or blocks through the service moves the generation on, and
// an entry (or a read that began) of an older generation is never used.
type relCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[[2]hongyan.UserID]relEntry
}

type relEntry struct {
	r   Relation
	gen uint64
	at  time.Time
}

// get returns the cached relation of from to to, if fresh.
func (c *relCache) get(from, to hongyan.UserID, now time.Time) (Relation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[[2]hongyan.UserID{from, to}]
	if !ok || e.gen != c.gen || now.Sub(e.at) >= RelationTTL || now.Before(e.at) {
		return Relation{}, false
	}
	return e.r, true
}

// begin returns the generation a store read starts in.
func (c *relCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches r, read in generation gen, unless something changed since.
func (c *relCache) put(from, to hongyan.UserID, r Relation, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedRelations {
		c.m = make(map[[2]hongyan.UserID]relEntry)
	}
	c.m[[2]hongyan.UserID{from, to}] = relEntry{r: r, gen: gen, at: now}
}

// invalidate forgets every cached relation; call it after a change of
// contacts or blocks is committed.
func (c *relCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
