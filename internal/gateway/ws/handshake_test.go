package ws

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The example of RFC 6455 §1.3.
func TestAcceptKey(t *testing.T) {
	if got, want := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
		t.Errorf("AcceptKey: got %q, want %q", got, want)
	}
}

func TestAccept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, pre, err := Accept(w, r)
		if err != nil {
			return
		}
		defer nc.Close()
		// Echo the first message back, to show the bytes read ahead
		// were kept.
		var rd Reader
		rd.Reset(nc, pre, 1<<10, nil)
		if m, err := rd.Next(); err == nil {
			nc.Write(append(AppendHeader(nil, OpBinary, len(m.Data)), m.Data...))
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	good := "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	tests := []struct {
		name    string
		request string
		status  int
	}{
		{"good", good + "\r\n", 101},
		{"same origin", good + "Origin: http://" + host + "\r\n\r\n", 101},
		{"other origin", good + "Origin: http://evil.example\r\n\r\n", 403},
		{"HTTP/1.0", strings.Replace(good, "HTTP/1.1", "HTTP/1.0", 1) + "\r\n", 426},
		{"no upgrade", strings.Replace(good, "Upgrade: websocket\r\n", "", 1) + "\r\n", 426},
		{"POST", strings.Replace(good, "GET", "POST", 1) + "Content-Length: 0\r\n\r\n", 405},
		{"version 8", strings.Replace(good, "Version: 13", "Version: 8", 1) + "\r\n", 400},
		{"no key", strings.Replace(good, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "", 1) + "\r\n", 400},
		{"two keys", good + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 400},
		{"short key", strings.Replace(good, "dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=", 1) + "\r\n", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			// The first frame travels with the handshake, as a client
			// that does not wait for the answer sends it.
			io.WriteString(nc, tt.request+string(frame(true, OpBinary, []byte("echo"))))
			br := bufio.NewReader(nc)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 101 {
				return
			}
			if got, want := resp.Header.Get("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="; got != want {
				t.Errorf("Sec-WebSocket-Accept: got %q, want %q", got, want)
			}
			echo := make([]byte, 6)
			if _, err := io.ReadFull(br, echo); err != nil || string(echo[2:]) != "echo" {
				t.Errorf("echo of the frame sent with the handshake: got %q, %v", echo, err)
			}
		})
	}
}
