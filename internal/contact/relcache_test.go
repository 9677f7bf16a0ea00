package contact

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRelCache(t *testing.T) {
	ctx := t.Context()
	t0 := time.Unix(1_760_000_000, 0)
	friends := Relation{FromHasTo: true, ToHasFrom: true}
	version := int64(7)
	reads := 0
	read := func(context.Context) (int64, error) { reads++; return version, nil }

	var c relCache
	c.refresh(ctx, t0, read)
	if _, ok := c.get(1, 2); ok {
		t.Fatal("empty cache: got a relation")
	}
	c.put(1, 2, friends, c.begin())
	if r, ok := c.get(1, 2); !ok || r != friends {
		t.Errorf("fresh entry: got %v, %v; want friends", r, ok)
	}
	if _, ok := c.get(2, 1); ok {
		t.Error("the other direction was cached too")
	}

	// The version is read at most every RelationCheck; while it stays,
	// entries stay however old they are.
	c.refresh(ctx, t0.Add(RelationCheck/2), read)
	if reads != 1 {
		t.Errorf("version read %d times within RelationCheck, want 1", reads)
	}
	for i := 1; i <= 3; i++ {
		c.refresh(ctx, t0.Add(time.Duration(i)*time.Minute), read)
		if r, ok := c.get(1, 2); !ok || r != friends {
			t.Fatalf("%d min later, version unchanged: got %v, %v; want friends", i, r, ok)
		}
	}
	if reads != 4 {
		t.Errorf("version reads: got %d, want 4", reads)
	}

	// Another node changed a relation: the next reading forgets them all.
	version++
	c.refresh(ctx, t0.Add(3*time.Minute), read) // not due yet
	if _, ok := c.get(1, 2); !ok {
		t.Error("forgotten before the version was read again")
	}
	c.refresh(ctx, t0.Add(3*time.Minute+RelationCheck), read)
	if _, ok := c.get(1, 2); ok {
		t.Error("an entry survived a new version")
	}

	// A read that began before a new version was seen is not cached.
	now := t0.Add(4 * time.Minute)
	gen := c.begin()
	version++
	c.refresh(ctx, now, read)
	c.put(1, 3, friends, gen)
	if _, ok := c.get(1, 3); ok {
		t.Error("a read from before a new version was cached")
	}

	// A read that began before a local change is not cached, and a local
	// change forgets what was.
	gen = c.begin()
	c.invalidate()
	c.put(1, 3, friends, gen)
	if _, ok := c.get(1, 3); ok {
		t.Error("a read from before a change was cached")
	}
	c.put(1, 2, friends, c.begin())
	c.invalidate()
	if _, ok := c.get(1, 2); ok {
		t.Error("an entry survived invalidate")
	}

	// A version that cannot be read leaves nothing cached, and is asked
	// again at the next send.
	c.put(1, 2, friends, c.begin())
	failing := func(context.Context) (int64, error) { return 0, errors.New("store down") }
	c.refresh(ctx, now.Add(time.Minute), failing)
	if _, ok := c.get(1, 2); ok {
		t.Error("an entry survived a failed version read")
	}
	before := reads
	c.refresh(ctx, now.Add(time.Minute), read)
	if reads != before+1 {
		t.Errorf("after a failed read the version was not read again at once (reads %d, want %d)", reads, before+1)
	}
}
