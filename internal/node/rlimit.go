//go:build unix

package node

import "syscall"

// RaiseFileLimit raises the soft limit on open files (RLIMIT_NOFILE) to
// the hard limit and returns the soft limit in force. Every client
// connection is a file, so a node meant to hold tens of thousands of
// connections needs every file the system allows it. (Go raises the limit
// by itself at start since 1.19 on most systems; this makes it explicit,
// and reports the figure.)
func RaiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur >= l.Max {
		return uint64(l.Cur), nil
	}
	want := l
	want.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		return uint64(l.Cur), err
	}
	return uint64(want.Cur), nil
}
