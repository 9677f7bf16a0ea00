package contact

import (
	"context"
	"sync"
	"time"

	"hongyan/internal/hongyan"
)

// RelationCheck is how often the relation cache asks the store whether any
// relation changed (one read of one row for the whole node). Changes made
// through this service take effect at once; changes made on another node,
// within RelationCheck.
const RelationCheck = 100 * time.Millisecond

// maxCachedRelations bounds the cache; past it, it starts afresh.
const maxCachedRelations = 1 << 16

// relCache remembers relations between sends: every message checks the
// sender's relation to the recipient, and it rarely changes. Entries stay
// while the store's relations version stays the same (read at most every
// RelationCheck), so a user who sends once a minute costs no read either.
// Any change of contacts or blocks through the service, or a new version
// seen in the store, moves the generation on, and an entry (or a read
// that began) of an older generation is never used.
type relCache struct {
	mu       sync.Mutex
	gen      uint64
	m        map[[2]hongyan.UserID]relEntry
	version  int64     // the store's relations version the entries belong to
	checked  time.Time // when version was last read; zero: never
	checking bool      // a read of the version is under way
}

type relEntry struct {
	r   Relation
	gen uint64
}

// get returns the cached relation of from to to, if current.
func (c *relCache) get(from, to hongyan.UserID) (Relation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[[2]hongyan.UserID{from, to}]
	if !ok || e.gen != c.gen {
		return Relation{}, false
	}
	return e.r, true
}

// refresh reads the store's relations version when the last reading is
// RelationCheck old (one caller at a time; the others go on with the
// cache as it is) and forgets every entry when it moved. A reading that
// fails forgets them too: what they rest on is unknown.
func (c *relCache) refresh(ctx context.Context, now time.Time, read func(context.Context) (int64, error)) {
	c.mu.Lock()
	due := !c.checking && (c.checked.IsZero() || now.Sub(c.checked) >= RelationCheck || now.Before(c.checked))
	if !due {
		c.mu.Unlock()
		return
	}
	c.checking = true
	gen := c.gen
	c.mu.Unlock()

	v, err := read(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.checking = false
	if err != nil {
		c.gen++
		clear(c.m)
		c.checked = time.Time{}
		return
	}
	c.checked = now
	if v != c.version || gen != c.gen {
		// Moved (or a local change meanwhile, which moves it too): the
		// entries cached so far may predate it.
		c.version = v
		if gen == c.gen {
			c.gen++
			clear(c.m)
		}
	}
}

// begin returns the generation a store read starts in.
func (c *relCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches r, read in generation gen, unless something changed since.
func (c *relCache) put(from, to hongyan.UserID, r Relation, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedRelations {
		c.m = make(map[[2]hongyan.UserID]relEntry)
	}
	c.m[[2]hongyan.UserID{from, to}] = relEntry{r: r, gen: gen}
}

// invalidate forgets every cached relation; call it after a change of
// contacts or blocks is committed.
func (c *relCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
