package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// A group of 50 users against the real binary, some on two devices, with
// members sending at once and the owner changing the group meanwhile:
// every device sees every message and notice in the same order.
func TestGroupOf50AcrossDevices(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	users := make([]device, 50)
	for i := range users {
		users[i] = register(t, s, fmt.Sprintf("crowd_%02d", i))
	}
	for _, u := range users[1:] {
		befriend(t, s, users[0], u)
	}
	ids := func(ds []device) []int64 {
		var out []int64
		for _, d := range ds {
			out = append(out, d.user)
		}
		return out
	}
	g := call(t, s, users[0], &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{
		Name: "五十人", Members: ids(users[1:])}}}).GetGroup()
	// Beyond 40 members the rest were invited; they accept.
	for _, u := range users[40:] {
		invs := call(t, s, u, &pb.ClientFrame{Req: &pb.ClientFrame_GroupInvitations{GroupInvitations: &pb.Empty{}}}).GetGroupInvitations().GetInvitations()
		if len(invs) != 1 {
			t.Fatalf("user %d: got %d invitations, want 1", u.user, len(invs))
		}
		call(t, s, u, &pb.ClientFrame{Req: &pb.ClientFrame_AnswerInvitation{AnswerInvitation: &pb.AnswerInvitationRequest{Invitation: invs[0].Id, Accept: true}}})
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			ctx := context.Background()
			c, err := connect(ctx, s, users[i*5+1])
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for j := range 10 {
				if _, err := c.Send(ctx, &pb.SendRequest{Group: g.Id, ClientId: fmt.Sprintf("c%d-%d", i, j), Text: fmt.Sprintf("%d说%d", i, j)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	ann := "周日爬山"
	call(t, s, users[0], &pb.ClientFrame{Req: &pb.ClientFrame_UpdateGroup{UpdateGroup: &pb.UpdateGroupRequest{Group: g.Id, Announcement: &ann}}})
	wg.Wait()

	devices := append([]device{}, users...)
	for i := range 5 {
		devices = append(devices, login(t, s, fmt.Sprintf("crowd_%02d", i*10)))
	}
	var want []int64 // the owner's view
	for i, d := range devices {
		var got []int64
		for _, m := range history(t, s, d) {
			if m.Conversation == g.Id {
				got = append(got, m.Seq, m.Id)
			}
		}
		if i == 0 {
			want = got
			// created, 10 joined, 100 messages, the announcement
			if len(want) != 2*112 {
				t.Fatalf("the owner sees %d group messages, want 112", len(want)/2)
			}
			continue
		}
		// Everyone sees the same tail from where they joined.
		if len(got) == 0 || len(got) > len(want) {
			t.Fatalf("device %d of user %d sees %d group messages", i, d.user, len(got)/2)
		}
		tail := want[len(want)-len(got):]
		for k := range got {
			if got[k] != tail[k] {
				t.Fatalf("device %d of user %d: position %d is %d, the owner's is %d", i, d.user, k/2, got[k], tail[k])
			}
		}
	}
}
