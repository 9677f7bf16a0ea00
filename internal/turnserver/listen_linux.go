package turnserver

import (
	"context"
	"net"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// listenUDP opens n sockets on addr with SO_REUSEPORT, so that the kernel
// spreads clients over them (each client's datagrams always reach the
// same socket, and so the same allocations); n ≤ 0: one per CPU, at most 8.
func listenUDP(addr string, n int) ([]net.PacketConn, error) {
	if n <= 0 {
		n = min(runtime.GOMAXPROCS(0), 8)
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}); err != nil {
			return err
		}
		return serr
	}}
	var conns []net.PacketConn
	for i := range n {
		if i == 1 {
			addr = conns[0].LocalAddr().String() // the port the first one got
		}
		c, err := lc.ListenPacket(context.Background(), "udp4", addr)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}
