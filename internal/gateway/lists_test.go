package gateway

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/hongyan"
)

// TestEveryListBounded: every repeated field of every request, at any
// depth, has its limit in listLimits.
func TestEveryListBounded(t *testing.T) {
	seen := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		fs := md.Fields()
		for i := range fs.Len() {
			fd := fs.Get(i)
			if fd.IsList() || fd.IsMap() {
				if _, ok := listLimits[fd.FullName()]; !ok {
					t.Errorf("repeated field %s has no limit in listLimits", fd.FullName())
				}
			}
			if fd.Message() != nil {
				walk(fd.Message())
			}
		}
	}
	fields := reqOneof.Fields()
	for i := range fields.Len() {
		walk(fields.Get(i).Message())
	}
	if len(listy) < 5 {
		t.Errorf("found %d requests with lists; the walk is broken", len(listy))
	}
	for name := range listLimits {
		if !seen[name.Parent()] {
			t.Errorf("listLimits names %s, which no request holds", name)
		}
	}
}

func TestCheckLists(t *testing.T) {
	many := make([]int64, 501)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name string
		f    *pb.ClientFrame
		ok   bool
	}{
		{"create at the limit", &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Members: many[:500]}}}, true},
		{"create over", &pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{Members: many}}}, false},
		{"invite over", &pb.ClientFrame{Req: &pb.ClientFrame_InviteGroup{InviteGroup: &pb.GroupUsersRequest{Users: many}}}, false},
		{"remove over", &pb.ClientFrame{Req: &pb.ClientFrame_RemoveMembers{RemoveMembers: &pb.GroupUsersRequest{Users: many}}}, false},
		{"mentions over", &pb.ClientFrame{Req: &pb.ClientFrame_Send{Send: &pb.SendRequest{Mentions: many[:101]}}}, false},
		{"broadcast over", &pb.ClientFrame{Req: &pb.ClientFrame_Broadcast{Broadcast: &pb.BroadcastRequest{Peers: many[:201]}}}, false},
		{"forward over", &pb.ClientFrame{Req: &pb.ClientFrame_Forward{Forward: &pb.ForwardRequest{Messages: many[:101]}}}, false},
		{"tags over", &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{Tags: make([]string, 21)}}}, false},
		{"tags at the limit", &pb.ClientFrame{Req: &pb.ClientFrame_UpdateContact{UpdateContact: &pb.UpdateContactRequest{Tags: make([]string, 20)}}}, true},
		{"no lists", &pb.ClientFrame{Req: &pb.ClientFrame_Ping{Ping: &pb.Ping{}}}, true},
		{"empty", &pb.ClientFrame{}, true},
	}
	for _, tt := range tests {
		err := checkLists(tt.f)
		if got := err == nil; got != tt.ok {
			t.Errorf("%s: got %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && hongyan.ErrorCode(err) != hongyan.CodeInvalid {
			t.Errorf("%s: got %v, want invalid_argument", tt.name, err)
		}
	}
}
