package contact

import (
	"testing"
	"time"
)

func TestRelCache(t *testing.T) {
	t0 := time.Unix(1_760_000_000, 0)
	friends := Relation{FromHasTo: true, ToHasFrom: true}
	var c relCache
	if _, ok := c.get(1, 2, t0); ok {
		t.Fatal("empty cache: got a relation")
	}
	c.put(1, 2, friends, c.begin(), t0)
	if r, ok := c.get(1, 2, t0.Add(RelationTTL/2)); !ok || r != friends {
		t.Errorf("fresh entry: got %v, %v; want friends", r, ok)
	}
	if _, ok := c.get(2, 1, t0); ok {
		t.Error("the other direction was cached too")
	}
	if _, ok := c.get(1, 2, t0.Add(RelationTTL)); ok {
		t.Error("an entry as old as RelationTTL was used")
	}
	// A read that began before a change is not cached, and a change
	// forgets what was.
	gen := c.begin()
	c.invalidate()
	c.put(1, 3, friends, gen, t0)
	if _, ok := c.get(1, 3, t0); ok {
		t.Error("a read from before a change was cached")
	}
	c.put(1, 2, friends, c.begin(), t0)
	c.invalidate()
	if _, ok := c.get(1, 2, t0); ok {
		t.Error("an entry survived invalidate")
	}
}
