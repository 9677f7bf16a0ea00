// Package contacttest is the conformance suite of contact.Store: every
// storage engine runs it.
package contacttest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hongyan/internal/contact"
	"hongyan/internal/hongyan"
)

// Run runs the suite; open returns a fresh, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) contact.Store) {
	t.Run("Requests", func(t *testing.T) { testRequests(t, open(t)) })
	t.Run("AnswerRequest", func(t *testing.T) { testAnswerRequest(t, open(t)) })
	t.Run("AnswerRequestRace", func(t *testing.T) { testAnswerRequestRace(t, open(t)) })
	t.Run("AddContactsKeepsExisting", func(t *testing.T) { testAddContactsKeepsExisting(t, open(t)) })
	t.Run("UpdateAndDelete", func(t *testing.T) { testUpdateAndDelete(t, open(t)) })
	t.Run("Blocks", func(t *testing.T) { testBlocks(t, open(t)) })
	t.Run("Relation", func(t *testing.T) { testRelation(t, open(t)) })
	t.Run("Friends", func(t *testing.T) { testFriends(t, open(t)) })
	t.Run("RelationsVersion", func(t *testing.T) { testRelationsVersion(t, open(t)) })
}

// T0 is a time with millisecond precision, as stores keep times.
var T0 = time.UnixMilli(1_760_000_000_123).UTC()

func wantCode(t *testing.T, what string, err error, code hongyan.Code) {
	t.Helper()
	if got := hongyan.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

func newRequest(from, to hongyan.UserID, at time.Time) contact.Request {
	return contact.Request{From: from, To: to, Greeting: "我是小明", Remark: "Ming", State: contact.RequestPending,
		Created: at, Updated: at}
}

func mustRequest(t *testing.T, s contact.Store, r contact.Request) contact.Request {
	t.Helper()
	id, _, err := s.CreateRequest(t.Context(), r, nil)
	if err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	r.ID = id
	return r
}

func testRequests(t *testing.T, s contact.Store) {
	ctx := t.Context()
	r := newRequest(1, 2, T0)
	id, changes, err := s.CreateRequest(ctx, r, []hongyan.Change{{User: 2, Kind: hongyan.ChangeFriendRequest}})
	if err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	if id <= 0 {
		t.Fatalf("CreateRequest: got ID %d, want a positive ID", id)
	}
	r.ID = id
	// The entry about the new request is given the request's ID.
	if want := []hongyan.Change{{User: 2, Seq: 1, Kind: hongyan.ChangeFriendRequest, Ref: id}}; !cmp.Equal(want, changes) {
		t.Fatalf("CreateRequest changes: got %v, want %v", changes, want)
	}
	got, err := s.Request(ctx, id)
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Fatalf("Request (-want +got):\n%s", diff)
	}
	_, err = s.Request(ctx, id+100)
	wantCode(t, "Request(missing)", err, hongyan.CodeNotFound)

	r2 := mustRequest(t, s, newRequest(3, 1, T0.Add(time.Second)))
	r3 := mustRequest(t, s, newRequest(2, 3, T0.Add(2*time.Second)))
	r4 := mustRequest(t, s, newRequest(1, 4, T0.Add(3*time.Second)))
	for _, c := range []struct {
		user  hongyan.UserID
		limit int
		want  []contact.Request
	}{
		{1, 10, []contact.Request{r4, r2, r}},
		{1, 2, []contact.Request{r4, r2}},
		{2, 10, []contact.Request{r3, r}},
		{3, 10, []contact.Request{r3, r2}},
		{9, 10, nil},
	} {
		got, err := s.Requests(ctx, c.user, c.limit)
		if err != nil {
			t.Fatalf("Requests(%d, %d): %v", c.user, c.limit, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("Requests(%d, %d) (-want +got):\n%s", c.user, c.limit, diff)
		}
	}
	_, err = s.Requests(ctx, 1, 0)
	wantCode(t, "Requests(limit 0)", err, hongyan.CodeInvalid)
}

func testAnswerRequest(t *testing.T, s contact.Store) {
	ctx := t.Context()
	r := mustRequest(t, s, newRequest(1, 2, T0))
	adds := []contact.Contact{
		{Owner: 1, User: 2, Remark: "Ming", Tags: []string{"同学", "football"}, Since: T0},
		{Owner: 2, User: 1, Since: T0},
	}
	changes := []hongyan.Change{
		{User: 1, Kind: hongyan.ChangeContact, Ref: 2},
		{User: 2, Kind: hongyan.ChangeContact, Ref: 1},
		{User: 1, Kind: hongyan.ChangeFriendRequest, Ref: r.ID},
	}
	got, err := s.AnswerRequest(ctx, r.ID, contact.RequestAccepted, adds, changes)
	if err != nil {
		t.Fatalf("AnswerRequest: %v", err)
	}
	want := []hongyan.Change{
		{User: 1, Seq: 1, Kind: hongyan.ChangeContact, Ref: 2},
		{User: 2, Seq: 1, Kind: hongyan.ChangeContact, Ref: 1},
		{User: 1, Seq: 2, Kind: hongyan.ChangeFriendRequest, Ref: r.ID},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("AnswerRequest changes (-want +got):\n%s", diff)
	}
	stored, err := s.Request(ctx, r.ID)
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	if stored.State != contact.RequestAccepted {
		t.Fatalf("answered request: got state %d, want accepted", stored.State)
	}
	if stored.Updated.Before(r.Updated) {
		t.Errorf("answered request: Updated %v went back from %v", stored.Updated, r.Updated)
	}
	for _, want := range adds {
		got, err := s.Contact(ctx, want.Owner, want.User)
		if err != nil {
			t.Fatalf("Contact(%d, %d): %v", want.Owner, want.User, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Contact(%d, %d) (-want +got):\n%s", want.Owner, want.User, diff)
		}
	}

	// Answering again, either way, is refused and changes nothing.
	_, err = s.AnswerRequest(ctx, r.ID, contact.RequestDeclined, []contact.Contact{{Owner: 1, User: 9}}, changes)
	wantCode(t, "AnswerRequest(answered)", err, hongyan.CodePrecondition)
	if _, err := s.Contact(ctx, 1, 9); hongyan.ErrorCode(err) != hongyan.CodeNotFound {
		t.Errorf("a refused answer added a contact: %v", err)
	}
	if stored, err = s.Request(ctx, r.ID); err != nil || stored.State != contact.RequestAccepted {
		t.Errorf("after a refused answer: got state %d, %v, want accepted", stored.State, err)
	}
	_, err = s.AnswerRequest(ctx, r.ID+100, contact.RequestAccepted, nil, nil)
	wantCode(t, "AnswerRequest(missing)", err, hongyan.CodeNotFound)

	// Declining adds nothing.
	r2 := mustRequest(t, s, newRequest(3, 1, T0))
	if _, err := s.AnswerRequest(ctx, r2.ID, contact.RequestDeclined, nil, nil); err != nil {
		t.Fatalf("AnswerRequest(decline): %v", err)
	}
	if stored, err = s.Request(ctx, r2.ID); err != nil || stored.State != contact.RequestDeclined {
		t.Fatalf("declined request: got state %d, %v, want declined", stored.State, err)
	}
	if cs, err := s.Contacts(ctx, 3); err != nil || len(cs) != 0 {
		t.Fatalf("Contacts after declining: got %v, %v, want none", cs, err)
	}
}

// testAnswerRequestRace answers one request from many goroutines: exactly
// one answer wins.
func testAnswerRequestRace(t *testing.T, s contact.Store) {
	ctx := t.Context()
	r := mustRequest(t, s, newRequest(1, 2, T0))
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			state := contact.RequestAccepted
			if i%2 == 1 {
				state = contact.RequestDeclined
			}
			_, errs[i] = s.AnswerRequest(ctx, r.ID, state, nil, []hongyan.Change{{User: 1, Kind: hongyan.ChangeFriendRequest}})
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch hongyan.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Fatalf("AnswerRequest: calls %d and %d both succeeded", won, i)
			}
			won = i
		case hongyan.CodePrecondition:
		default:
			t.Fatalf("AnswerRequest %d: got %v, want nil or %s", i, err, hongyan.CodePrecondition)
		}
	}
	if won < 0 {
		t.Fatalf("AnswerRequest: no call succeeded")
	}
	want := contact.RequestAccepted
	if won%2 == 1 {
		want = contact.RequestDeclined
	}
	if got, err := s.Request(ctx, r.ID); err != nil || got.State != want {
		t.Fatalf("request state: got %d, %v, want the winner's %d", got.State, err, want)
	}
}

func testAddContactsKeepsExisting(t *testing.T, s contact.Store) {
	ctx := t.Context()
	orig := contact.Contact{Owner: 1, User: 2, Remark: "old remark", Description: "desc", Tags: []string{"a"}, Starred: true, Since: T0}
	if _, err := s.AddContacts(ctx, []contact.Contact{orig}, nil); err != nil {
		t.Fatalf("AddContacts: %v", err)
	}
	again := contact.Contact{Owner: 1, User: 2, Remark: "new remark", Since: T0.Add(time.Hour)}
	other := contact.Contact{Owner: 2, User: 1, Since: T0}
	changes, err := s.AddContacts(ctx, []contact.Contact{again, other}, []hongyan.Change{{User: 2, Kind: hongyan.ChangeContact, Ref: 1}})
	if err != nil {
		t.Fatalf("AddContacts: %v", err)
	}
	if len(changes) != 1 || changes[0].Seq != 1 {
		t.Fatalf("AddContacts changes: got %v, want one with Seq 1", changes)
	}
	got, err := s.Contacts(ctx, 1)
	if err != nil {
		t.Fatalf("Contacts: %v", err)
	}
	if diff := cmp.Diff([]contact.Contact{orig}, got); diff != "" {
		t.Fatalf("Contacts(1) after re-adding (-want +got):\n%s", diff)
	}
	if got, err = s.Contacts(ctx, 2); err != nil {
		t.Fatalf("Contacts: %v", err)
	}
	if diff := cmp.Diff([]contact.Contact{other}, got); diff != "" {
		t.Fatalf("Contacts(2) (-want +got):\n%s", diff)
	}
}

func testUpdateAndDelete(t *testing.T, s contact.Store) {
	ctx := t.Context()
	var all []contact.Contact
	for _, u := range []hongyan.UserID{5, 3, 4} {
		all = append(all, contact.Contact{Owner: 1, User: u, Since: T0})
	}
	if _, err := s.AddContacts(ctx, all, nil); err != nil {
		t.Fatalf("AddContacts: %v", err)
	}
	got, err := s.Contacts(ctx, 1)
	if err != nil {
		t.Fatalf("Contacts: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("Contacts: got %d, want 3", len(got))
	}
	upd := contact.Contact{Owner: 1, User: 3, Remark: "老王", Description: "neighbour, \"quoted\"", Tags: []string{"家人", "a,b", "[x]"},
		Starred: true, Since: T0.Add(time.Hour)}
	changes, err := s.UpdateContact(ctx, upd, []hongyan.Change{{User: 1, Kind: hongyan.ChangeContact, Ref: 3}})
	if err != nil {
		t.Fatalf("UpdateContact: %v", err)
	}
	if len(changes) != 1 || changes[0].Seq != 1 {
		t.Fatalf("UpdateContact changes: got %v, want one with Seq 1", changes)
	}
	upd.Since = T0 // not editable
	c, err := s.Contact(ctx, 1, 3)
	if err != nil {
		t.Fatalf("Contact: %v", err)
	}
	if diff := cmp.Diff(upd, c); diff != "" {
		t.Fatalf("updated contact (-want +got):\n%s", diff)
	}
	upd.Tags, upd.Starred = nil, false
	if _, err := s.UpdateContact(ctx, upd, nil); err != nil {
		t.Fatalf("UpdateContact: %v", err)
	}
	if c, err = s.Contact(ctx, 1, 3); err != nil {
		t.Fatalf("Contact: %v", err)
	}
	if diff := cmp.Diff(upd, c); diff != "" {
		t.Fatalf("contact with tags removed (-want +got):\n%s", diff)
	}
	_, err = s.UpdateContact(ctx, contact.Contact{Owner: 1, User: 9}, nil)
	wantCode(t, "UpdateContact(missing)", err, hongyan.CodeNotFound)
	_, err = s.Contact(ctx, 3, 1)
	wantCode(t, "Contact(other direction)", err, hongyan.CodeNotFound)

	if _, err := s.DeleteContact(ctx, 1, 3, []hongyan.Change{{User: 1, Kind: hongyan.ChangeContact, Ref: 3}}); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	_, err = s.DeleteContact(ctx, 1, 3, nil)
	wantCode(t, "DeleteContact(again)", err, hongyan.CodeNotFound)
	_, err = s.Contact(ctx, 1, 3)
	wantCode(t, "Contact(deleted)", err, hongyan.CodeNotFound)
	if got, err = s.Contacts(ctx, 1); err != nil {
		t.Fatalf("Contacts: %v", err)
	}
	var users []hongyan.UserID
	for _, c := range got {
		users = append(users, c.User)
	}
	if diff := cmp.Diff([]hongyan.UserID{4, 5}, users); diff != "" {
		t.Fatalf("Contacts after deleting 3, by user ID (-want +got):\n%s", diff)
	}
}

func testRelation(t *testing.T, s contact.Store) {
	ctx := t.Context()
	check := func(from, to hongyan.UserID, want contact.Relation) {
		t.Helper()
		got, err := s.Relation(ctx, from, to)
		if err != nil || got != want {
			t.Fatalf("Relation(%d, %d): got %+v, %v; want %+v", from, to, got, err, want)
		}
	}
	check(1, 2, contact.Relation{})
	if _, err := s.AnswerRequest(ctx, mustRequest(t, s, newRequest(1, 2, T0)).ID, contact.RequestAccepted, []contact.Contact{
		{Owner: 1, User: 2, Since: T0}, {Owner: 2, User: 1, Since: T0},
	}, nil); err != nil {
		t.Fatalf("AnswerRequest: %v", err)
	}
	check(1, 2, contact.Relation{FromHasTo: true, ToHasFrom: true})
	if _, err := s.DeleteContact(ctx, 2, 1, nil); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	check(1, 2, contact.Relation{FromHasTo: true})
	check(2, 1, contact.Relation{ToHasFrom: true})
	if _, err := s.SetBlocked(ctx, 2, 1, true, 0, nil); err != nil {
		t.Fatalf("SetBlocked: %v", err)
	}
	check(1, 2, contact.Relation{FromHasTo: true, ToBlocksFrom: true})
	check(2, 1, contact.Relation{ToHasFrom: true})
}

// testRelationsVersion: every change of contacts or blocks moves the
// version on once it is committed, whoever made it.
func testRelationsVersion(t *testing.T, s contact.Store) {
	ctx := t.Context()
	last, err := s.RelationsVersion(ctx)
	if err != nil {
		t.Fatalf("RelationsVersion: %v", err)
	}
	moved := func(what string) {
		t.Helper()
		v, err := s.RelationsVersion(ctx)
		if err != nil {
			t.Fatalf("RelationsVersion after %s: %v", what, err)
		}
		if v == last {
			t.Errorf("RelationsVersion after %s: got %d, want a new version", what, v)
		}
		last = v
	}
	if _, err := s.AnswerRequest(ctx, mustRequest(t, s, newRequest(1, 2, T0)).ID, contact.RequestAccepted, []contact.Contact{
		{Owner: 1, User: 2, Since: T0}, {Owner: 2, User: 1, Since: T0},
	}, nil); err != nil {
		t.Fatalf("AnswerRequest: %v", err)
	}
	moved("accepting a request")
	if _, err := s.AddContacts(ctx, []contact.Contact{{Owner: 3, User: 1, Since: T0}}, nil); err != nil {
		t.Fatalf("AddContacts: %v", err)
	}
	moved("adding a contact")
	if _, err := s.DeleteContact(ctx, 2, 1, nil); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	moved("deleting a contact")
	if _, err := s.SetBlocked(ctx, 2, 1, true, 0, nil); err != nil {
		t.Fatalf("SetBlocked: %v", err)
	}
	moved("a block")
	if _, err := s.SetBlocked(ctx, 2, 1, false, 0, nil); err != nil {
		t.Fatalf("SetBlocked(false): %v", err)
	}
	moved("an unblock")
}

func testBlocks(t *testing.T, s contact.Store) {
	ctx := t.Context()
	check := func(owner, user hongyan.UserID, want bool) {
		t.Helper()
		got, err := s.Blocked(ctx, owner, user)
		if err != nil || got != want {
			t.Fatalf("Blocked(%d, %d): got %v, %v, want %v, nil", owner, user, got, err, want)
		}
	}
	check(1, 2, false)
	changes, err := s.SetBlocked(ctx, 1, 2, true, 0, []hongyan.Change{{User: 1, Kind: hongyan.ChangeBlock, Ref: 2}})
	if err != nil {
		t.Fatalf("SetBlocked: %v", err)
	}
	if len(changes) != 1 || changes[0].Seq != 1 {
		t.Fatalf("SetBlocked changes: got %v, want one with Seq 1", changes)
	}
	check(1, 2, true)
	check(2, 1, false)
	if _, err := s.SetBlocked(ctx, 1, 2, true, 0, nil); err != nil {
		t.Fatalf("SetBlocked(again): %v", err)
	}
	check(1, 2, true)
	if _, err := s.SetBlocked(ctx, 1, 2, false, 0, nil); err != nil {
		t.Fatalf("SetBlocked(false): %v", err)
	}
	check(1, 2, false)
	if _, err := s.SetBlocked(ctx, 1, 2, false, 0, nil); err != nil {
		t.Fatalf("SetBlocked(false, again): %v", err)
	}
	check(1, 2, false)

	// At most max blocks: a new one beyond is refused and changes nothing,
	// while blocking again someone already blocked still succeeds.
	for _, u := range []hongyan.UserID{2, 3} {
		if _, err := s.SetBlocked(ctx, 1, u, true, 2, nil); err != nil {
			t.Fatalf("SetBlocked(1, %d, max 2): %v", u, err)
		}
	}
	if _, err := s.SetBlocked(ctx, 1, 4, true, 2, []hongyan.Change{{User: 1, Kind: hongyan.ChangeBlock, Ref: 4}}); hongyan.ErrorCode(err) != hongyan.CodePrecondition {
		t.Fatalf("third block with max 2: got %v, want %s", err, hongyan.CodePrecondition)
	}
	check(1, 4, false)
	if _, err := s.SetBlocked(ctx, 1, 3, true, 2, nil); err != nil {
		t.Fatalf("blocking 3 again at the limit: %v", err)
	}
	// Blocking a user ID that belongs to no one is stored like any other.
	if _, err := s.SetBlocked(ctx, 5, 987654321, true, 2, nil); err != nil {
		t.Fatalf("SetBlocked(5, unknown): %v", err)
	}
	check(5, 987654321, true)
}

func testFriends(t *testing.T, s contact.Store) {
	ctx := t.Context()
	check := func(owner hongyan.UserID, want ...hongyan.UserID) {
		t.Helper()
		cs, err := s.Friends(ctx, owner)
		if err != nil {
			t.Fatalf("Friends(%d): %v", owner, err)
		}
		var got []hongyan.UserID
		for _, c := range cs {
			if c.Owner != owner {
				t.Errorf("Friends(%d): an entry of %d", owner, c.Owner)
			}
			got = append(got, c.User)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("Friends(%d): got %v, want %v", owner, got, want)
		}
	}
	if _, err := s.AddContacts(ctx, []contact.Contact{
		{Owner: 1, User: 2, Tags: []string{"家人"}, Since: T0}, {Owner: 2, User: 1, Since: T0},
		{Owner: 1, User: 3, Since: T0}, {Owner: 3, User: 1, Since: T0},
		{Owner: 1, User: 4, Since: T0}, // 4 does not hold 1
		{Owner: 5, User: 1, Since: T0}, // 1 does not hold 5
	}, nil); err != nil {
		t.Fatalf("AddContacts: %v", err)
	}
	check(1, 2, 3)
	cs, _ := s.Friends(ctx, 1)
	if len(cs) == 0 || len(cs[0].Tags) != 1 || cs[0].Tags[0] != "家人" {
		t.Errorf("Friends(1): got %+v, want 2 first with its tag", cs)
	}
	check(5)
	if _, err := s.SetBlocked(ctx, 3, 1, true, 0, nil); err != nil {
		t.Fatalf("SetBlocked: %v", err)
	}
	check(1, 2)
	check(3)
	if _, err := s.DeleteContact(ctx, 2, 1, nil); err != nil {
		t.Fatalf("DeleteContact: %v", err)
	}
	check(1)
}
