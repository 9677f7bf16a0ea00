package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
)

// FuzzClientFrame sends arbitrary bytes as a frame to a live node, before
// and after hello. Whatever arrives, the node must answer (an error frame
// or a response) and keep serving: a panic would crash this process.
func FuzzClientFrame(f *testing.F) {
	seeds := []*pb.ClientFrame{
		{Id: 1, Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: 1, ClientId: "x", Text: "hi"}}},
		{Id: 2, Req: &pb.ClientFrame_Sync{Sync: &pb.SyncRequest{After: 0, Limit: 10}}},
		{Id: 3, Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: "fuzz_user", Password: "p"}}},
		{Id: 4, Req: &pb.ClientFrame_QrLoginClaim{QrLoginClaim: &pb.QrLoginClaimRequest{Code: "c", Secret: "s"}}},
		{Id: 5, Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: -1, SetTags: true, Tags: []string{""}}}},
		{Id: 6, Req: &pb.ClientFrame_History{History: &pb.HistoryRequest{Conversation: -5, Before: -1, Limit: 1 << 31}}},
		{Id: 7, Req: &pb.ClientFrame_SetAvatar{SetAvatar: &pb.SetAvatarRequest{Image: []byte("GIF89a")}}},
	}
	for _, s := range seeds {
		b, _ := proto.Marshal(s)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x80, 0x80, 0x80, 0x80, 0x10})

	cfg := config.Default()
	cfg.Data = f.TempDir()
	srv := startNode(f, cfg)
	ctx := context.Background()
	anon, err := wsDial(ctx, srv.URL)
	if err != nil {
		f.Fatal(err)
	}
	reg, _ := proto.Marshal(&pb.ClientFrame{Id: 1, Req: &pb.ClientFrame_Register{Register: &pb.RegisterRequest{AccountId: "fuzz_owner", Password: "fuzz-password"}}})
	resp := roundTrip(f, anon, reg)
	hello, _ := proto.Marshal(&pb.ClientFrame{Id: 1, Req: &pb.ClientFrame_Hello{Hello: &pb.Hello{Token: resp.GetSession().GetToken()}}})
	authed, err := wsDial(ctx, srv.URL)
	if err != nil {
		f.Fatal(err)
	}
	if r := roundTrip(f, authed, hello); r.GetHello() == nil {
		f.Fatalf("hello: got %v", r)
	}

	f.Fuzz(func(t *testing.T, frame []byte) {
		var req pb.ClientFrame
		if proto.Unmarshal(frame, &req) == nil && (req.GetHello() != nil || req.GetLogout() != nil || req.GetRevokeAll() != nil || req.GetRevokeDevice() != nil || req.GetQrLoginClaim() != nil) {
			return // these end or outlive the shared sessions, or wait
		}
		for _, ws := range []*websocket.Conn{anon, authed} {
			roundTrip(t, ws, frame)
		}
	})
}

func wsDial(ctx context.Context, url string) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", nil)
	if err == nil {
		ws.SetReadLimit(8 << 20)
	}
	return ws, err
}

// roundTrip writes a frame, then a ping with id 0xfffff, and reads until the
// ping's pong: the node answered everything before it and is still serving.
// It returns the first response frame to the written one (id ≠ pong's).
func roundTrip(t testing.TB, ws *websocket.Conn, frame []byte) *pb.ServerFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ws.Write(ctx, websocket.MessageBinary, frame); err != nil {
		t.Fatalf("write: %v", err)
	}
	ping, _ := proto.Marshal(&pb.ClientFrame{Id: 0xfffff, Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}})
	if err := ws.Write(ctx, websocket.MessageBinary, ping); err != nil {
		t.Fatalf("write ping: %v", err)
	}
	var first *pb.ServerFrame
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("node stopped answering after frame %x: %v", frame, err)
		}
		var f pb.ServerFrame
		if err := proto.Unmarshal(data, &f); err != nil {
			t.Fatalf("node sent an undecodable frame: %v", err)
		}
		if f.Id == 0xfffff && f.GetPong() != nil {
			return first
		}
		if first == nil && f.Id != 0 {
			first = &f
		}
	}
}
