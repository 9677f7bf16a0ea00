package load

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// The abuse attacks are requests of signed-in (or signing-in) clients that
// are each allowed, sent to make the node spend memory or CPU:
//
//	attack-recovery  password-recovery requests for account IDs of
//	                 --frame-bytes (1 MiB) and for ever new valid ones
//	attack-group     group create, invite and remove with member lists
//	                 that fill a frame (hundreds of thousands of IDs)
//	attack-decode    image uploads whose pixels take far more memory than
//	                 their bytes: a 16-bit PNG of 6000×6000 (288 MB
//	                 decoded) and an 8-bit one of 7000×7000 (196 MB)
//	attack-flood     typing notices as fast as the node answers, to a
//	                 second attacker account that counts the ones it gets,
//	                 groups with it and a third account created as fast
//	                 (every fourth request), and resumable uploads of 1 GiB
//	                 opened and left open
//
// Each counts the node's answers by kind and code (AttackAnswers). The
// attacker dials from its own loopback address, as in the other attacks.

// abuseWorkloads are the attacks abuse.go runs.
var abuseWorkloads = []string{"attack-recovery", "attack-group", "attack-decode", "attack-flood"}

// defaultAbuseConns is the attacker's connections (concurrent requests) of each.
var defaultAbuseConns = map[string]int{"attack-recovery": 8, "attack-group": 4, "attack-decode": 8, "attack-flood": 20}

const (
	defaultRecoveryIDBytes = 1 << 20
	groupListIDs           = 500_000 // 3-byte varints: 1.5 MB, under the 2 MiB frame limit
)

// abuser is one abuse attack, set up before the server's memory is read.
type abuser struct {
	workload string
	server   string
	idBytes  int
	http     *http.Client // dials from the attacker's address
	token    string       // the attacker's session
	// attack-flood: the second account, whose connection counts typing
	// pushes, and the conversation between the two.
	peer        *wsclient.Conn
	conv        int64
	accomplices []int64 // the second and third accounts, the groups' members
	// attack-decode: the images.
	images [][]byte

	requests  atomic.Int64
	delivered atomic.Int64
	mu        sync.Mutex
	answers   map[string]int
}

// newAbuser registers the attacker's accounts (from src) and prepares what
// the attack sends.
func newAbuser(ctx context.Context, workload string, opt Options, src netip.Addr) (*abuser, error) {
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: src.AsSlice()}}).DialContext, MaxIdleConnsPerHost: 64}
	a := &abuser{workload: workload, server: opt.Server, http: &http.Client{Transport: tr}, answers: map[string]int{}}
	a.idBytes = int(opt.FrameBytes)
	if a.idBytes <= 0 {
		a.idBytes = defaultRecoveryIDBytes
	}
	a.idBytes = min(a.idBytes, (2<<20)-1024)
	run := runID()
	c, err := a.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	s, err := c.Register(ctx, &pb.RegisterRequest{AccountId: "attacker" + run, Password: "attacker-password-" + run, DeviceName: "attacker"})
	if err != nil {
		return nil, fmt.Errorf("attacker account: %w", err)
	}
	a.token = s.Token
	switch workload {
	case "attack-decode":
		fmt.Fprintf(opt.Log, "%s: encoding the images\n", workload)
		a.images = [][]byte{pngOfZeros(6000, 6000, 16), pngOfZeros(7000, 7000, 8)}
	case "attack-flood":
		if err := a.setUpPeer(ctx, run); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// setUpPeer registers the attacker's second and third accounts, befriends
// them (a group starts with two contacts) and opens the conversation with
// the second that the typing notices go to; the second's connection stays
// open to count them.
func (a *abuser) setUpPeer(ctx context.Context, run string) error {
	c, err := a.session(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	for i, name := range []string{"accomplice", "accomplice2-"} {
		p, err := a.dial(ctx)
		if err != nil {
			return err
		}
		ps, err := p.Register(ctx, &pb.RegisterRequest{AccountId: name + run, Password: "attacker-password-" + run, DeviceName: "accomplice"})
		if err == nil {
			_, err = p.Hello(ctx, ps.Token)
		}
		if err == nil {
			err = befriend(ctx, &participant{conn: c}, &participant{id: ps.User, conn: p})
		}
		if err != nil {
			p.Close()
			return fmt.Errorf("attacker account %s: %w", name, err)
		}
		a.accomplices = append(a.accomplices, ps.User)
		if i > 0 {
			p.Close()
			continue
		}
		sent, err := c.Call(ctx, &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: ps.User, ClientId: "hello-" + run, Text: "hi"}}})
		if err != nil {
			p.Close()
			return err
		}
		a.peer, a.conv = p, sent.GetSent().Conversation
	}
	return nil
}

func (a *abuser) dial(ctx context.Context) (*wsclient.Conn, error) {
	return wsclient.Dial(ctx, a.server, wsclient.WithHTTPClient(a.http), wsclient.WithPushBuffer(4096))
}

// session dials and signs in as the attacker.
func (a *abuser) session(ctx context.Context) (*wsclient.Conn, error) {
	c, err := a.dial(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.Hello(ctx, a.token); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// answer counts one answer of kind with err's code.
func (a *abuser) answer(kind string, err error) {
	a.requests.Add(1)
	code := "ok"
	if err != nil {
		code = wsclient.ErrorCode(err)
		if code == "" {
			code = "failed"
		}
	}
	a.mu.Lock()
	a.answers[kind+":"+code]++
	a.mu.Unlock()
}

// run sends the attack from conns workers until ctx ends.
func (a *abuser) run(ctx context.Context, conns int) {
	if a.peer != nil {
		go func() {
			for f := range a.peer.Pushes() {
				if f.GetTyping() != nil {
					a.delivered.Add(1)
				}
			}
		}()
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range conns {
		wg.Go(func() {
			switch a.workload {
			case "attack-decode":
				a.decodeWorker(ctx, w)
			case "attack-flood":
				if w%2 == 1 {
					a.uploadWorker(ctx)
					return
				}
				fallthrough
			default:
				a.frameWorker(ctx, &next)
			}
		})
	}
	wg.Wait()
}

// frameWorker sends the attack's WebSocket requests one after another on
// a connection of its own, reconnecting when the server closes it.
func (a *abuser) frameWorker(ctx context.Context, next *atomic.Int64) {
	var c *wsclient.Conn
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for ctx.Err() == nil {
		if c == nil {
			var err error
			if c, err = a.session(ctx); err != nil {
				a.answer("connect", err)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
		}
		kind, f := a.request(next.Add(1))
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := c.Call(rctx, f)
		cancel()
		if ctx.Err() != nil {
			return
		}
		a.answer(kind, err)
		if c.Err() != nil {
			c.Close()
			c = nil
		}
	}
}

// request is the i-th request of the attack.
func (a *abuser) request(i int64) (kind string, f *pb.ClientFrame) {
	switch a.workload {
	case "attack-recovery":
		id := fmt.Sprintf("victim%08d", i) // a new valid account ID each time
		kind = "recovery_valid_id"
		if i%2 == 0 {
			id = fmt.Sprintf("%08d", i) + strings.Repeat("x", a.idBytes)
			kind = "recovery_long_id"
		}
		return kind, &pb.ClientFrame{Req: &pb.ClientFrame_RecoveryCode{RecoveryCode: &pb.RecoveryCodeRequest{AccountId: id, Via: "phone"}}}
	case "attack-group":
		users := memberList(i)
		switch i % 3 {
		case 0:
			return "create_group", &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "g", Members: users}}}
		case 1:
			return "invite_group", &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Group: 1, Users: users}}}
		default:
			return "remove_members", &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Group: 1, Users: users}}}
		}
	}
	if i%4 == 0 {
		// A valid group of the three attacker accounts: each allowed alone.
		return "create_group", &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "flood", Members: a.accomplices}}}
	}
	return "typing", &pb.ClientFrame{Req: &pb.ClientFrame_Typing{Typing: &pb.TypingRequest{Conversation: a.conv}}}
}

// memberList is groupListIDs distinct user IDs, shifted by i.
func memberList(i int64) []int64 {
	out := make([]int64, groupListIDs)
	base := 20_000 + i%1000
	for j := range out {
		out[j] = base + int64(j)
	}
	return out
}

// decodeWorker uploads the attack's images one after another.
func (a *abuser) decodeWorker(ctx context.Context, w int) {
	for i := w; ctx.Err() == nil; i++ {
		img := a.images[i%len(a.images)]
		kind := "image_16bit_36mpx"
		if i%len(a.images) == 1 {
			kind = "image_8bit_49mpx"
		}
		err := a.post(ctx, "/media?kind=image&name=a.png", "image/png", img)
		if ctx.Err() != nil {
			return
		}
		a.answer(kind, err)
	}
}

// uploadWorker opens resumable uploads of 1 GiB and leaves them open.
func (a *abuser) uploadWorker(ctx context.Context) {
	for ctx.Err() == nil {
		err := a.post(ctx, "/media/uploads", "application/json", []byte(`{"kind":"file","name":"big.bin","size":1073741824}`))
		if ctx.Err() != nil {
			return
		}
		a.answer("upload_start", err)
	}
}

// post sends body to path as the attacker and returns the node's error
// (as a *wsclient.Error with its code) for an answer that is not 2xx.
func (a *abuser) post(ctx context.Context, path, typ string, body []byte) error {
	u, err := url.JoinPath(a.server, "/")
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(u, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", typ)
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	code := "http_" + fmt.Sprint(resp.StatusCode)
	if _, rest, ok := strings.Cut(string(b), `"code":"`); ok {
		code, _, _ = strings.Cut(rest, `"`)
	}
	return &wsclient.Error{Code: code, Message: strings.TrimSpace(string(b))}
}

// close ends the attack's remaining connections.
func (a *abuser) close() {
	if a.peer != nil {
		a.peer.Close()
	}
	a.http.CloseIdleConnections()
}

// report puts what the attack counted into r and the log.
func (a *abuser) report(r *Result, log io.Writer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r.AttackRequests = a.requests.Load()
	r.AttackAnswers = map[string]int{}
	keys := make([]string, 0, len(a.answers))
	for k, n := range a.answers {
		r.AttackAnswers[k] = n
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, a.answers[k]))
	}
	fmt.Fprintf(log, "%s: %d requests answered: %s\n", a.workload, r.AttackRequests, strings.Join(parts, ", "))
	if a.peer != nil {
		r.AttackDelivered = a.delivered.Load()
		fmt.Fprintf(log, "%s: the second attacker account received %d typing notices\n", a.workload, r.AttackDelivered)
	}
}

// pngOfZeros is a valid PNG of w×h RGBA pixels of depth bits a channel,
// all zero: a few hundred kilobytes that decode to w×h×(depth/2) bytes.
func pngOfZeros(w, h int, depth byte) []byte {
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w*4*int(depth)/8) // filter byte 0, then the pixels
	for range h {
		zw.Write(row)
	}
	zw.Close()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, 6, 0, 0, 0)
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}
