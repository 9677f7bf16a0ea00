package wallet

// SetHashing gives s n slots for argon2id computations at once and makes
// it derive keys with idKey (which the tests wrap around argon2.IDKey to
// watch the computations).
func SetHashing(s *Service, n int, idKey func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte) {
	s.hashing, s.idKey = make(chan struct{}, n), idKey
}

// Hashing exposes the slots of s: a test takes them to play a busy
// server, and counts those taken.
func Hashing(s *Service) chan struct{} { return s.hashing }
