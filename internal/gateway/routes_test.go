package gateway

import (
	"hongyan/internal/bot"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"hongyan/internal/addressbook"
	"hongyan/internal/assistant"
	"hongyan/internal/call"
	"hongyan/internal/discovery"
	"hongyan/internal/favorite"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/groupcall"
	"hongyan/internal/guard"
	"hongyan/internal/livecode"
	"hongyan/internal/moderation"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/outreach"
	"hongyan/internal/wallet"
)

// Every request of the protocol has a route, named after it, and only the
// requests the protocol lets a device make before hello are public.
func TestEveryRequestHasARoute(t *testing.T) {
	g := New(Services{Groups: &group.Service{}, Favorites: &favorite.Service{}, OfficialAccounts: &officialacct.Service{}, Moments: &moments.Service{}, Wallet: &wallet.Service{}, Discovery: &discovery.Service{}, AddressBooks: &addressbook.Service{}, LiveCodes: &livecode.Service{}, Moderation: &moderation.Service{}, GroupApps: &groupapp.Service{}, Calls: &call.Service{}, GroupCalls: &groupcall.Service{}, Bots: &bot.Service{}, Guard: &guard.Service{}, Outreach: &outreach.Service{}, GroupTools: &outreach.GroupTools{}, Assistant: &assistant.Service{}}, Options{})
	wantPublic := map[string]bool{
		"hello": true, "ping": true, "register": true, "verify_contact": true, "login": true, "recovery_code": true,
		"recover": true, "qr_login_start": true, "qr_login_claim": true,
	}
	oneof := (&pb.ClientFrame{}).ProtoReflect().Descriptor().Oneofs().ByName("req")
	fields := oneof.Fields()
	if fields.Len() < 50 {
		t.Fatalf("ClientFrame.req has %d fields; the descriptor walk is broken", fields.Len())
	}
	for i := range fields.Len() {
		fd := fields.Get(i)
		f := &pb.ClientFrame{}
		m := f.ProtoReflect()
		m.Set(fd, protoreflect.ValueOfMessage(m.NewField(fd).Message()))
		rt := g.routeOf(f)
		if rt.serve == nil {
			t.Errorf("request %s: no route", fd.Name())
			continue
		}
		if got, want := rt.public, wantPublic[string(fd.Name())]; got != want {
			t.Errorf("request %s: public %v, want %v", fd.Name(), got, want)
		}
	}
	if rt := g.routeOf(&pb.ClientFrame{}); rt.serve != nil || rt.kind != "none" {
		t.Errorf("empty request: got route %q, want none", rt.kind)
	}
	// A node without groups and favorites does not route their requests.
	bare := New(Services{}, Options{})
	if rt := bare.routeOf(&pb.ClientFrame{Req: &pb.ClientFrame_CreateGroup{CreateGroup: &pb.CreateGroupRequest{}}}); rt.serve != nil {
		t.Errorf("create_group without groups: got a route")
	}
}
