package node_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	pb "hongyan/internal/gen/hongyanv1"
)

// The console's follower search matches nicknames (from the account
// feature), remarks and openids on the server, page by page; a stranger
// may not search and a bad query changes nothing.
func TestOfficialAccountFollowerSearch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, srv *httptest.Server) {
		owner, stranger := registerUser(t, srv, "fs_owner01"), registerUser(t, srv, "fs_strange1")
		o, s := session(t, srv, owner), session(t, srv, stranger)
		acct := call(t, o, oaReq(&pb.OaCreateRequest{Org: "Shop", Name: "Fruit Shop", Kind: pb.OaKind_OA_KIND_SERVICE})).GetOaCreated().GetAccount()
		names := []string{"fs_Apple01", "fs_pear001", "fs_apple02", "fs_plum001", "fs_grape01", "fs_APPLE03", "fs_kiwi001"}
		ids := map[int64]string{}
		for _, n := range names {
			u := registerUser(t, srv, n)
			ids[u.id] = n
			call(t, session(t, srv, u), &pb.ClientFrame{Req: &pb.ClientFrame_OaFollow{OaFollow: &pb.OaRef{Ref: acct.Appid}}})
		}
		list := func(search, after string, limit uint32) *pb.OaFanList {
			t.Helper()
			return call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_OaFollowers{OaFollowers: &pb.OaFollowersRequest{Account: acct.Id, Search: search, After: after, Limit: limit}}}).GetOaFollowers()
		}
		// Every follower comes with their nickname, in one page.
		all := list("", "", 0)
		if len(all.Fans) != len(names) || all.Next != "" {
			t.Fatalf("followers: got %d (next %q), want %d and no next", len(all.Fans), all.Next, len(names))
		}
		for _, f := range all.Fans {
			if f.Nickname != ids[f.User] {
				t.Errorf("follower %d: got nickname %q, want %q", f.User, f.Nickname, ids[f.User])
			}
		}
		// Paged: two at a time, following next, gives each follower once.
		var seen []int64
		for after, pages := "", 0; ; pages++ {
			if pages > len(names) {
				t.Fatalf("paging does not end")
			}
			p := list("", after, 2)
			for _, f := range p.Fans {
				seen = append(seen, f.User)
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if slices.Sort(seen); len(slices.Compact(seen)) != len(names) {
			t.Errorf("paged followers: got %d distinct, want %d", len(slices.Compact(seen)), len(names))
		}
		// Nicknames match ignoring case, a page of 2 at a time.
		var apples []string
		for after := ""; ; {
			p := list("APPLE", after, 2)
			if len(p.Fans) > 2 {
				t.Fatalf("search page: got %d, want at most 2", len(p.Fans))
			}
			for _, f := range p.Fans {
				apples = append(apples, f.Nickname)
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		slices.Sort(apples)
		if want := []string{"fs_APPLE03", "fs_Apple01", "fs_apple02"}; !slices.Equal(apples, want) {
			t.Errorf("search APPLE: got %v, want %v", apples, want)
		}
		// A remark matches too, and an openid exactly.
		var kiwi *pb.OaFan
		for _, f := range all.Fans {
			if f.Nickname == "fs_kiwi001" {
				kiwi = f
			}
		}
		remark := "VIP 客户"
		call(t, o, oaReq(&pb.OaFollowerUpdate{Account: acct.Id, User: kiwi.User, Remark: &remark}))
		if got := list("vip", "", 0).Fans; len(got) != 1 || got[0].User != kiwi.User || got[0].Nickname != "fs_kiwi001" {
			t.Errorf("search by remark: got %v, want the kiwi follower", got)
		}
		if got := list(kiwi.Openid, "", 0).Fans; len(got) != 1 || got[0].User != kiwi.User {
			t.Errorf("search by openid: got %v, want the kiwi follower", got)
		}
		if got := list("durian", "", 0); len(got.Fans) != 0 || got.Next != "" {
			t.Errorf("search durian: got %v, want none", got)
		}
		// A stranger may not list or search; a bad query is refused.
		req := func(search string) *pb.ClientFrame {
			return &pb.ClientFrame{Req: &pb.ClientFrame_OaFollowers{OaFollowers: &pb.OaFollowersRequest{Account: acct.Id, Search: search}}}
		}
		if got := callCode(s, req("apple")); got != "permission_denied" {
			t.Errorf("stranger searches followers: got %q, want permission_denied", got)
		}
		if got := callCode(o, req(strings.Repeat("长", 31))); got != "invalid_argument" {
			t.Errorf("31-character search: got %q, want invalid_argument", got)
		}
		long := &pb.ClientFrame{Req: &pb.ClientFrame_OaFollowers{OaFollowers: &pb.OaFollowersRequest{Account: acct.Id, After: strings.Repeat("o", 65)}}}
		if got := callCode(o, long); got != "invalid_argument" {
			t.Errorf("65-byte cursor: got %q, want invalid_argument", got)
		}
	})
}
