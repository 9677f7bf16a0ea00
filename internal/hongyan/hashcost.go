package hongyan

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
