package sqldb

import (
	"context"
	"sync"
)

// Hold makes the writer run an operation that blocks until release is
// called, and returns once the writer is blocked in it. Operations written
// meanwhile queue up and are committed together, in the next batch.
func (db *DB) Hold() (release func()) {
	held, rel := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go db.Write(context.Background(), func(*Tx) error {
		once.Do(func() { close(held) })
		<-rel
		return nil
	})
	<-held
	return func() { close(rel) }
}
