package node_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/wsclient"
)

// The gateway refuses a request with a list longer than its feature
// allows, at any depth, before the feature sees it: invalid_argument, with
// the gateway's message naming the field. The features, had they the
// request, would answer otherwise: the group feature refuses a group of
// 501 others as failed_precondition, the contact feature looks the contact
// up before its tags (not_found here), and the others word it their way.
func TestGatewayBoundsLists(t *testing.T) {
	cfg := config.Default()
	cfg.Data = t.TempDir()
	srv := startNode(t, cfg)
	alice, bob := registerUser(t, srv, "alice_lists"), registerUser(t, srv, "bob_lists")
	c := session(t, srv, alice)

	ids := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = bob.id + int64(i)
		}
		return out
	}
	strs := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("+86138000%05d", i)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		req  *pb.ClientFrame
		want string // the gateway's message
	}{
		{"group of 501", &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Name: "big", Members: ids(501)}}},
			"members: at most 500 entries, got 501"},
		{"101 mentions", &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Peer: bob.id, ClientId: "m1", Text: "hi", Mentions: ids(101)}}},
			"mentions: at most 100 entries, got 101"},
		{"21 tags", &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{User: bob.id, Tags: strs(21), SetTags: true}}},
			"tags: at most 20 entries, got 21"},
		{"11 phones of one backed-up contact", &pb.ClientFrame{Req: &pb.ClientFrame_AbBackup{AbBackup: &pb.AbBackupRequest{Contacts: []*pb.AbContact{{Name: "a"}, {Name: "b", Phones: strs(11)}}}}},
			"phones: at most 10 entries, got 11"},
	} {
		_, err := c.Call(context.Background(), tt.req)
		var e *wsclient.Error
		if !errors.As(err, &e) || e.Code != "invalid_argument" || e.Message != tt.want {
			t.Errorf("%s: got %v, want invalid_argument %q", tt.name, err, tt.want)
		}
	}
	// The connection goes on.
	if _, err := c.Ping(context.Background(), 0); err != nil {
		t.Fatalf("ping after the refusals: %v", err)
	}
}
