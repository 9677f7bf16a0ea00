package sqldb_test

import (
	"context"
	"errors"
	"testing"
)

// A job runs on one node at a time: while one run holds its name, another
// run of the same name — from a second connection to the database on
// PostgreSQL, as another node would be — does not run, a job of another name
// does, and once the first run ends the name is free again (also after a run
// that failed).
func TestExclusive(t *testing.T) {
	run(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		loc := e.loc(t)
		db := mustOpen(t, e, loc)
		other := db
		if e.name == "postgres" {
			other = mustOpen(t, e, loc) // another node's pool
		}
		inside, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			ran, err := db.Exclusive(ctx, "prune", func(context.Context) error {
				close(inside)
				<-release
				return nil
			})
			if err == nil && !ran {
				err = errors.New("the first run did not run")
			}
			done <- err
		}()
		<-inside
		ran, err := other.Exclusive(ctx, "prune", func(context.Context) error {
			t.Error("a second run of the job ran while the first held it")
			return nil
		})
		if err != nil || ran {
			t.Errorf("second run while held: got ran %v, err %v, want false, nil", ran, err)
		}
		ran, err = other.Exclusive(ctx, "expire", func(context.Context) error { return nil })
		if err != nil || !ran {
			t.Errorf("another job while prune is held: got ran %v, err %v, want true, nil", ran, err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatalf("first run: %v", err)
		}
		boom := errors.New("boom")
		if ran, err := other.Exclusive(ctx, "prune", func(context.Context) error { return boom }); !ran || !errors.Is(err, boom) {
			t.Errorf("after release: got ran %v, err %v, want true, boom", ran, err)
		}
		if ran, err := db.Exclusive(ctx, "prune", func(context.Context) error { return nil }); !ran || err != nil {
			t.Errorf("after a failed run: got ran %v, err %v, want true, nil", ran, err)
		}
	})
}
