package turnserver

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"hongyan/internal/testenv"
)

// coturn's test client, turnutils_uclient (Debian package coturn), relays
// datagrams between two of its own allocations through the built-in
// server with credentials the server issued, and must lose none.
func TestCoturnClientInterop(t *testing.T) {
	bin, err := exec.LookPath("turnutils_uclient")
	if err != nil {
		testenv.Missing(t, "turnutils_uclient is not installed (apt-get install coturn)")
		return
	}
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			s := start(t, func(c *Config) { c.TCPListen = "127.0.0.1:0" })
			user, pass := issued(t, s, "1001")
			port := port(s.UDPAddr())
			args := []string{"-y", "-X", "-n", "50", "-m", "2", "-l", "170", "-z", "5", "-u", user, "-w", pass, "-p", port}
			if transport == "tcp" {
				urls := s.URLs()
				tcpPort := regexp.MustCompile(`:(\d+)\?transport=tcp$`).FindStringSubmatch(urls[len(urls)-1])[1]
				args = append(args[:len(args)-1], tcpPort, "-t")
			}
			args = append(args, "127.0.0.1")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("turnutils_uclient %v: %v\n%s", args, err, out)
			}
			sent, recv, lost := uclientTotals(t, string(out))
			if sent == 0 || recv != sent || lost != 0 {
				t.Fatalf("turnutils_uclient sent %d, received %d, lost %d; want all received\n%s", sent, recv, lost, out)
			}
			if st := s.Stats(); st.Created < 2 || st.PacketsToPeers < int64(sent) {
				t.Errorf("server Stats %+v after the client's %d messages", st, sent)
			}
		})
	}
}

// uclientTotals reads the summary turnutils_uclient prints at the end.
func uclientTotals(t *testing.T, out string) (sent, recv, lost int) {
	t.Helper()
	num := func(re string) int {
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("turnutils_uclient output lacks %q:\n%s", re, out)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	// The final totals: the line without "msz=".
	return num(`start_mclient: tot_send_msgs=(\d+)`), num(`start_mclient: tot_send_msgs=\d+, tot_recv_msgs=(\d+)`), num(`Total lost packets (\d+)`)
}
