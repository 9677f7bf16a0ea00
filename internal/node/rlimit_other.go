//go:build !unix

package node

// RaiseFileLimit does nothing on systems without RLIMIT_NOFILE; it returns
// 0 (no limit known).
func RaiseFileLimit() (uint64, error) { return 0, nil }
