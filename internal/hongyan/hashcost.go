package hongyan

import "context"

// HashCost is the cost of an argon2id password hash: its memory and its
// passes (one lane). Hashes record the cost they were made with in their
// PHC string, so a hash made at one cost verifies under any other.
type HashCost struct {
	MemoryKiB uint32
	Time      uint32
}

// DefaultHashCost is the cost of every password hash a node makes unless
// told otherwise: 19 MiB, 2 passes, the OWASP minimum for argon2id.
var DefaultHashCost = HashCost{MemoryKiB: 19 * 1024, Time: 2}

// IsZero reports whether c is unset (then DefaultHashCost applies).
func (c HashCost) IsZero() bool { return c.MemoryKiB == 0 || c.Time == 0 }

// HashTurn waits for a free slot of hashing, a semaphore that bounds the
// password hashes computed at once (each holds HashCost.MemoryKiB, and a
// hundred at once would thrash), and gives up with unavailable when ctx
// ends. The caller gives its slot back with <-hashing.
func HashTurn(ctx context.Context, hashing chan struct{}) error {
	select {
	case hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return Wrap(ctx.Err(), CodeUnavailable, "the server is busy; try again")
	}
}
