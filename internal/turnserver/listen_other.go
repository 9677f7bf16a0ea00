//go:build !linux

package turnserver

import "net"

// listenUDP opens one socket on addr (SO_REUSEPORT is used on Linux only).
func listenUDP(addr string, _ int) ([]net.PacketConn, error) {
	c, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return nil, err
	}
	return []net.PacketConn{c}, nil
}
