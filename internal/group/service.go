package group

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"time"

	"hongyan/internal/hongyan"
)

// Relations decides whom a user may bring into a group: their contacts.
type Relations interface {
	// CanMessage returns nil if from may message to (a contact who has not
	// blocked them), or an error saying why not.
	CanMessage(ctx context.Context, from, to hongyan.UserID) error
}

// Images stores a group's avatar image.
type Images interface {
	// StoreImage checks and stores an image, returning its hash.
	StoreImage(ctx context.Context, img []byte) (string, error)
}

// Config holds a server's group limits.
type Config struct {
	MaxMembers  int           // size limit of every group
	AcceptAbove int           // above this many members, an invitee must accept
	QRTTL       time.Duration // lifetime of a group QR code
	CreateRate  hongyan.Rate  // groups one user may create (zero: no limit)
}

// DefaultConfig is WeChat's: 500 members, acceptance above 40, QR codes for
// 7 days.
func DefaultConfig() Config {
	return Config{MaxMembers: 500, AcceptAbove: 40, QRTTL: 7 * 24 * time.Hour}
}

// Limits of the group rules.
const (
	MaxName         = 30   // characters of a group name
	MaxAnnouncement = 2000 // characters of an announcement
	MaxNickname     = 32   // characters of a nickname in a group
	MaxBatch        = 500  // users in one create, invite or remove
)

// Service implements the group rules. It is safe for concurrent use.
type Service struct {
	store Store
	rel   Relations
	img   Images
	pub   hongyan.Publisher
	cfg   Config
	now   func() time.Time
	// creates limits the groups each user creates.
	creates hongyan.RateLimiter
	// screen is told of each join by QR code (nil: nobody).
	screen JoinScreener
	// suspensions says which groups are suspended (nil: none).
	suspensions Suspensions
}

// JoinScreener looks at a user joining a group by its QR code (spam
// detection counts mass joins; the node fills it). An error refuses the
// join and nothing changes.
type JoinScreener interface {
	ScreenJoin(ctx context.Context, user hongyan.UserID, group hongyan.ConversationID) error
}

// SetJoinScreener installs the JoinScreener.
func (s *Service) SetJoinScreener(j JoinScreener) { s.screen = j }

// New returns a Service.
func New(store Store, rel Relations, img Images, pub hongyan.Publisher, cfg Config) *Service {
	return &Service{store: store, rel: rel, img: img, pub: pub, cfg: cfg, now: time.Now, creates: hongyan.NewLimiter(cfg.CreateRate)}
}

// UseLimiters makes the service's rate limiter with mk (a limit that holds
// across a cluster's nodes) in place of the in-memory one New made. Call
// it before the service is used.
func (s *Service) UseLimiters(mk hongyan.Limiters) { s.creates = mk("group.create", s.cfg.CreateRate) }

// SetClock replaces the service's clock; tests use it to step past the QR
// code's lifetime.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// View is a group as one member sees it.
type View struct {
	Group
	Me        Member
	Suspended bool // an administrator suspended the group (Get and List say)
}

var (
	errNoGroup   = hongyan.Errorf(hongyan.CodeNotFound, "no such group")
	errNotMember = hongyan.Errorf(hongyan.CodeNotFound, "you are not a member of this group")
	errAdminOnly = hongyan.Errorf(hongyan.CodeDenied, "only the group's owner and admins may do that").WithReason(hongyan.ReasonAdminOnly)
	errOwnerOnly = hongyan.Errorf(hongyan.CodeDenied, "only the group's owner may do that").WithReason(hongyan.ReasonOwnerOnly)
)

// Create makes a group of the caller (its owner) and users, who must be
// the caller's contacts. Up to the acceptance threshold they join at once;
// the rest receive invitations to accept.
func (s *Service) Create(ctx context.Context, c hongyan.Caller, name string, users []hongyan.UserID) (View, error) {
	if err := hongyan.ValidName("group name", name, MaxName); err != nil {
		return View{}, err
	}
	if len(users)+1 > s.cfg.MaxMembers {
		return View{}, hongyan.Errorf(hongyan.CodePrecondition, "a group holds at most %d members", s.cfg.MaxMembers).WithReason(hongyan.ReasonGroupFull)
	}
	users, err := others(users, c.User, MaxBatch)
	if err != nil {
		return View{}, err
	}
	if len(users) < 2 {
		return View{}, hongyan.Errorf(hongyan.CodeInvalid, "a group starts with at least 2 of your contacts")
	}
	if err := hongyan.Limit(ctx, s.creates, strconv.FormatInt(int64(c.User), 10), s.now(), hongyan.Errorf(hongyan.CodeRateLimited, "you have created too many groups lately; try again later")); err != nil {
		return View{}, err
	}
	if err := s.contacts(ctx, c.User, users); err != nil {
		return View{}, err
	}
	now := s.now()
	direct := users[:min(len(users), max(s.cfg.AcceptAbove-1, 2))]
	g := Group{Name: name, Owner: c.User, Created: now}
	members := []Member{{User: c.User, Role: RoleOwner, Joined: now, Active: true}}
	var changes []hongyan.Change
	for _, u := range append([]hongyan.UserID{c.User}, direct...) {
		if u != c.User {
			members = append(members, Member{User: u, Role: RoleMember, Joined: now, Active: true})
		}
		changes = append(changes, hongyan.Change{User: u, Kind: hongyan.ChangeGroup})
	}
	var invites []Invitation
	for _, u := range users[len(direct):] {
		invites = append(invites, Invitation{Inviter: c.User, Invitee: u, State: StateInvited, Created: now, Updated: now,
			Notify: []hongyan.UserID{u}})
	}
	g, changes, err = s.store.Create(ctx, g, members, invites,
		Notice{Kind: NoticeCreated, Actor: c.User, Users: direct}, changes)
	if err != nil {
		return View{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return View{Group: g, Me: members[0]}, nil
}

// Get returns group id as the caller sees it; a former member still sees
// it (Me.Active false), but only as it was named: what the group does
// after they left (its announcement, avatar, owner, members, settings) is
// no longer theirs to see.
func (s *Service) Get(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) (View, error) {
	m, err := s.store.Member(ctx, id, c.User)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return View{}, errNoGroup
	}
	if err != nil {
		return View{}, err
	}
	g, err := s.store.Group(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.withSuspension(ctx, viewOf(g, m))
}

// withSuspension marks v suspended when it is, for a member.
func (s *Service) withSuspension(ctx context.Context, v View) (View, error) {
	if !v.Me.Active {
		return v, nil
	}
	err := s.notSuspended(ctx, v.ID)
	if hongyan.ErrorReason(err) == hongyan.ReasonSuspended {
		v.Suspended = true
		return v, nil
	}
	return v, err
}

// viewOf is group g as member m sees it: all of it while they are in it,
// its ID, name and whether it is dissolved once they left.
func viewOf(g Group, m Member) View {
	if !m.Active {
		g = Group{ID: g.ID, Name: g.Name, Dissolved: g.Dissolved, Created: g.Created}
	}
	return View{Group: g, Me: m}
}

// Name returns group id's name, which is what someone invited to it sees.
func (s *Service) Name(ctx context.Context, id hongyan.ConversationID) (string, error) {
	g, err := s.store.Group(ctx, id)
	return g.Name, err
}

// Owner returns group id's owner (CodeNotFound for no group or a
// dissolved one). The bot feature asks it who may add a bot.
func (s *Service) Owner(ctx context.Context, id hongyan.ConversationID) (hongyan.UserID, error) {
	g, err := s.store.Group(ctx, id)
	if err != nil {
		return 0, err
	}
	if g.Dissolved {
		return 0, errNoGroup
	}
	return g.Owner, nil
}

// List returns the groups the caller is a member of.
func (s *Service) List(ctx context.Context, c hongyan.Caller) ([]View, error) {
	gs, err := s.store.Groups(ctx, c.User)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(gs))
	for _, g := range gs {
		m, err := s.store.Member(ctx, g.ID, c.User)
		if err != nil {
			return nil, err
		}
		v, err := s.withSuspension(ctx, viewOf(g, m))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Members lists group id's members; only its members may.
func (s *Service) Members(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) ([]Member, error) {
	if _, _, err := s.active(ctx, id, c.User); err != nil {
		return nil, err
	}
	return s.store.Members(ctx, id)
}

// active returns group id and user's membership if user is an active
// member of a group that still exists.
func (s *Service) active(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) (Group, Member, error) {
	m, err := s.store.Member(ctx, id, user)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && !m.Active) {
		return Group{}, Member{}, errNotMember
	}
	if err != nil {
		return Group{}, Member{}, err
	}
	g, err := s.store.Group(ctx, id)
	if err != nil {
		return Group{}, Member{}, err
	}
	if g.Dissolved {
		return Group{}, Member{}, hongyan.Errorf(hongyan.CodePrecondition, "the group was dissolved").WithReason(hongyan.ReasonGroupDissolved)
	}
	return g, m, nil
}

// CanPost returns nil if user may post in group chat id, mentioning
// mentions (or everyone, with all).
func (s *Service) CanPost(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID, mentions []hongyan.UserID, all bool) error {
	g, m, err := s.active(ctx, id, user)
	if err != nil {
		return err
	}
	if err := s.notSuspended(ctx, id); err != nil {
		return err
	}
	switch {
	case m.Muted && !m.Admin():
		return hongyan.Errorf(hongyan.CodeDenied, "you were muted in this group").WithReason(hongyan.ReasonMuted)
	case g.MutedAll && !m.Admin():
		return hongyan.Errorf(hongyan.CodeDenied, "only the owner and admins may post while the group is muted").WithReason(hongyan.ReasonMuted)
	case all && !m.Admin():
		return hongyan.Errorf(hongyan.CodeDenied, "only the owner and admins may mention everyone")
	}
	for _, u := range mentions {
		if u == user {
			continue
		}
		mm, err := s.store.Member(ctx, id, u)
		if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && !mm.Active) {
			return hongyan.Errorf(hongyan.CodeInvalid, "user %d is not a member of this group", u)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// maxAttempts bounds the retries of a change that lost a race with
// another change of the same group.
const maxAttempts = 8

// change computes an Op from the group's current state and applies it,
// again if another change came first. build returns a zero Op (no Group
// ID) when there is nothing to do.
func (s *Service) change(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID, build func(g Group, me Member, members []Member) (Op, error)) error {
	for range maxAttempts {
		g, me, err := s.active(ctx, id, user)
		if err != nil {
			return err
		}
		members, err := s.store.Members(ctx, id)
		if err != nil {
			return err
		}
		op, err := build(g, me, members)
		if err != nil || op.Group.ID == 0 {
			return err
		}
		op.Group.Version, op.Time = g.Version, s.now()
		changes, err := s.store.Apply(ctx, op)
		if hongyan.ErrorCode(err) == hongyan.CodePrecondition {
			continue
		}
		if err != nil {
			return err
		}
		s.pub.PublishChanges(ctx, changes)
		return nil
	}
	return hongyan.Errorf(hongyan.CodeUnavailable, "the group is changing too often; try again")
}

// Invite brings users (contacts of the caller) into group id. Who joins at
// once and who gets an invitation follows the group's rules: with approval
// on, a plain member's invitations wait for the owner or an admin; above
// the acceptance threshold, invitees must accept.
func (s *Service) Invite(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, users []hongyan.UserID) ([]Invitation, error) {
	users, err := others(users, c.User, MaxBatch)
	if err != nil {
		return nil, err
	}
	if err := s.notSuspended(ctx, id); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "invite 1 to %d users", MaxBatch)
	}
	if err := s.contacts(ctx, c.User, users); err != nil {
		return nil, err
	}
	var invites []Invitation
	err = s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
		fresh := newcomers(members, users)
		if len(fresh) == 0 {
			return Op{}, nil
		}
		if g.Members+len(fresh) > s.cfg.MaxMembers {
			return Op{}, hongyan.Errorf(hongyan.CodePrecondition, "a group holds at most %d members", s.cfg.MaxMembers).WithReason(hongyan.ReasonGroupFull)
		}
		now := s.now()
		invites = nil
		if g.Approval && !me.Admin() {
			approvers := admins(members)
			for _, u := range fresh {
				invites = append(invites, Invitation{Group: id, Inviter: c.User, Invitee: u, State: StateApproval,
					Created: now, Updated: now, Notify: approvers})
			}
			return Op{Group: g, Invitations: invites}, nil
		}
		room := max(0, s.cfg.AcceptAbove-g.Members)
		direct := fresh[:min(room, len(fresh))]
		for _, u := range fresh[len(direct):] {
			invites = append(invites, Invitation{Group: id, Inviter: c.User, Invitee: u, State: StateInvited,
				Created: now, Updated: now, Notify: []hongyan.UserID{u}})
		}
		op := s.joinOp(g, members, direct, Notice{Kind: NoticeJoined, Actor: c.User, Users: direct})
		op.Invitations = invites
		return op, nil
	})
	return invites, err
}

// joinOp adds users to g with notice.
func (s *Service) joinOp(g Group, members []Member, users []hongyan.UserID, n Notice) Op {
	op := Op{Group: g}
	if len(users) == 0 {
		return op
	}
	now := s.now()
	for _, u := range users {
		op.Put = append(op.Put, Member{Group: g.ID, User: u, Role: RoleMember, Joined: now, Active: true})
	}
	after := append(userIDs(members), users...)
	op.Notice, op.NoticeTo = &n, after
	op.Changes = groupChanges(g.ID, after, hongyan.ChangeGroup)
	return op
}

// Answer settles invitation id: its invitee accepts or declines it
// (StateInvited); the group's owner or an admin approves or refuses it
// (StateApproval).
func (s *Service) Answer(ctx context.Context, c hongyan.Caller, invID int64, accept bool) (Invitation, error) {
	inv, err := s.store.Invitation(ctx, invID)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Invitation{}, hongyan.Errorf(hongyan.CodeNotFound, "no such invitation")
	}
	if err != nil {
		return Invitation{}, err
	}
	switch inv.State {
	case StateInvited:
		if inv.Invitee != c.User {
			return Invitation{}, hongyan.Errorf(hongyan.CodeNotFound, "no such invitation")
		}
	case StateApproval:
		if _, m, err := s.active(ctx, inv.Group, c.User); err != nil || !m.Admin() {
			return Invitation{}, hongyan.Errorf(hongyan.CodeNotFound, "no such invitation")
		}
	default:
		return Invitation{}, hongyan.Errorf(hongyan.CodePrecondition, "the invitation was already answered")
	}
	// The change runs as the inviter or the approver; an invitee is not a
	// member yet, so it runs as the group's owner.
	g, err := s.store.Group(ctx, inv.Group)
	if err != nil {
		return Invitation{}, err
	}
	actor := c.User
	if inv.State == StateInvited {
		actor = g.Owner
	}
	var out Invitation
	err = s.change(ctx, inv.Group, actor, func(g Group, _ Member, members []Member) (Op, error) {
		now := s.now()
		next := inv
		next.Updated, next.Notify = now, nil
		approvers := admins(members)
		op := Op{Group: g}
		switch {
		case !accept:
			next.State = StateDeclined
		case len(newcomers(members, []hongyan.UserID{inv.Invitee})) == 0:
			next.State = StateJoined
		case g.Members >= s.cfg.MaxMembers:
			return Op{}, hongyan.Errorf(hongyan.CodePrecondition, "a group holds at most %d members", s.cfg.MaxMembers).WithReason(hongyan.ReasonGroupFull)
		case inv.State == StateApproval && !inv.ByQR && g.Members >= s.cfg.AcceptAbove:
			next.State = StateInvited
		default:
			next.State = StateJoined
			n := Notice{Kind: NoticeJoined, Actor: inv.Inviter, Users: []hongyan.UserID{inv.Invitee}}
			if inv.ByQR {
				n = Notice{Kind: NoticeQRJoined, Users: []hongyan.UserID{inv.Invitee}}
			}
			op = s.joinOp(g, members, []hongyan.UserID{inv.Invitee}, n)
		}
		next.Notify = []hongyan.UserID{inv.Invitee}
		if inv.State == StateApproval {
			next.Notify = append(next.Notify, approvers...)
		}
		op.Invitations = []Invitation{next}
		out = next
		return op, nil
	})
	return out, err
}

// Invitations lists the invitations waiting for the caller.
func (s *Service) Invitations(ctx context.Context, c hongyan.Caller) ([]Invitation, error) {
	return s.store.Invitations(ctx, c.User)
}

// Invitation returns invitation id to its invitee, its inviter, or an
// owner or admin of its group.
func (s *Service) Invitation(ctx context.Context, c hongyan.Caller, id int64) (Invitation, error) {
	inv, err := s.store.Invitation(ctx, id)
	if err != nil {
		return Invitation{}, err
	}
	if inv.Invitee == c.User || inv.Inviter == c.User {
		return inv, nil
	}
	if m, err := s.store.Member(ctx, inv.Group, c.User); err == nil && m.Admin() {
		return inv, nil
	}
	return Invitation{}, hongyan.Errorf(hongyan.CodeNotFound, "no such invitation")
}

// Remove takes users out of group id: the owner removes anyone else, an
// admin removes plain members. They see the notice and nothing after it.
func (s *Service) Remove(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, users []hongyan.UserID) error {
	users, err := others(users, 0, MaxBatch)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "remove 1 to %d members", MaxBatch)
	}
	return s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
		if !me.Admin() {
			return Op{}, errAdminOnly
		}
		byUser := index(members)
		for _, u := range users {
			m, ok := byUser[u]
			switch {
			case !ok:
				return Op{}, hongyan.Errorf(hongyan.CodeNotFound, "user %d is not a member of this group", u)
			case u == c.User:
				return Op{}, hongyan.Errorf(hongyan.CodeInvalid, "leave the group instead of removing yourself")
			case m.Role == RoleOwner || (me.Role == RoleAdmin && m.Role == RoleAdmin):
				return Op{}, hongyan.Errorf(hongyan.CodeDenied, "you cannot remove user %d", u)
			}
		}
		return s.leaveOp(g, members, users, Notice{Kind: NoticeRemoved, Actor: c.User, Users: users}), nil
	})
}

// leaveOp ends users' membership of g with notice.
func (s *Service) leaveOp(g Group, members []Member, users []hongyan.UserID, n Notice) Op {
	before := userIDs(members)
	leaving := make(map[hongyan.UserID]bool, len(users))
	for _, u := range users {
		leaving[u] = true
	}
	var after []hongyan.UserID
	for _, u := range before {
		if !leaving[u] {
			after = append(after, u)
		}
	}
	return Op{
		Group: g, Remove: users, Notice: &n, NoticeTo: before,
		Changes: append(groupChanges(g.ID, after, hongyan.ChangeGroup), groupChanges(g.ID, users, hongyan.ChangeGroupRemoved)...),
	}
}

// Leave takes the caller out of group id. An owner who leaves passes the
// group to an admin (or else the longest-standing member); the last member
// to leave dissolves it.
func (s *Service) Leave(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) error {
	return s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
		n := Notice{Kind: NoticeLeft, Actor: c.User}
		var heir *Member
		if me.Role == RoleOwner {
			for i := range members {
				m := &members[i]
				if m.User != c.User && (heir == nil || (m.Role == RoleAdmin && heir.Role != RoleAdmin)) {
					heir = m
				}
			}
			if heir == nil {
				g.Dissolved = true
			} else {
				g.Owner = heir.User
				n.Users = []hongyan.UserID{heir.User}
			}
		}
		op := s.leaveOp(g, members, []hongyan.UserID{c.User}, n)
		if heir != nil {
			h := *heir
			h.Role = RoleOwner
			op.Put = []Member{h}
		}
		return op, nil
	})
}

// Dissolve ends group id (owner only): every member is removed, and its
// chat stays readable up to the notice.
func (s *Service) Dissolve(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID) error {
	return s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
		if me.Role != RoleOwner {
			return Op{}, errOwnerOnly
		}
		g.Dissolved = true
		return s.leaveOp(g, members, userIDs(members), Notice{Kind: NoticeDissolved, Actor: c.User}), nil
	})
}

// Update lists group settings to change; nil leaves one as it is.
type Update struct {
	Name, Announcement *string
	Approval           *bool // owner only
	MutedAll           *bool
}

// Update changes group id's settings (owner and admins); each change
// appears in the chat as a notice, an announcement alerting every member.
func (s *Service) Update(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, u Update) (View, error) {
	if u.Name != nil {
		if err := hongyan.ValidName("group name", *u.Name, MaxName); err != nil {
			return View{}, err
		}
	}
	if u.Announcement != nil {
		if err := hongyan.ValidText("announcement", *u.Announcement, MaxAnnouncement); err != nil {
			return View{}, err
		}
	}
	type step struct {
		apply func(g *Group) bool // changes g; false: nothing to change
		n     Notice
		owner bool
	}
	var steps []step
	if u.Name != nil {
		name := *u.Name
		steps = append(steps, step{func(g *Group) bool { ok := g.Name != name; g.Name = name; return ok },
			Notice{Kind: NoticeRenamed, Actor: c.User, Text: name}, false})
	}
	if u.Announcement != nil {
		text := *u.Announcement
		steps = append(steps, step{func(g *Group) bool {
			ok := g.Announcement != text
			g.Announcement, g.AnnouncementTime = text, s.now()
			return ok
		}, Notice{Kind: NoticeAnnouncement, Actor: c.User, Text: text, All: text != ""}, false})
	}
	if u.Approval != nil {
		on := *u.Approval
		k := NoticeApprovalOff
		if on {
			k = NoticeApprovalOn
		}
		steps = append(steps, step{func(g *Group) bool { ok := g.Approval != on; g.Approval = on; return ok },
			Notice{Kind: k, Actor: c.User}, true})
	}
	if u.MutedAll != nil {
		on := *u.MutedAll
		k := NoticeAllUnmuted
		if on {
			k = NoticeAllMuted
		}
		steps = append(steps, step{func(g *Group) bool { ok := g.MutedAll != on; g.MutedAll = on; return ok },
			Notice{Kind: k, Actor: c.User}, false})
	}
	for _, st := range steps {
		err := s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
			if !me.Admin() {
				return Op{}, errAdminOnly
			}
			if st.owner && me.Role != RoleOwner {
				return Op{}, errOwnerOnly
			}
			if !st.apply(&g) {
				return Op{}, nil
			}
			return s.noticeOp(g, members, st.n), nil
		})
		if err != nil {
			return View{}, err
		}
	}
	return s.Get(ctx, c, id)
}

// noticeOp tells every member of g of a change of g.
func (s *Service) noticeOp(g Group, members []Member, n Notice) Op {
	all := userIDs(members)
	return Op{Group: g, Notice: &n, NoticeTo: all, Changes: groupChanges(g.ID, all, hongyan.ChangeGroup)}
}

// SetAvatar changes group id's avatar (owner and admins).
func (s *Service) SetAvatar(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, img []byte) (View, error) {
	if _, me, err := s.active(ctx, id, c.User); err != nil {
		return View{}, err
	} else if !me.Admin() {
		return View{}, errAdminOnly
	}
	hash, err := s.img.StoreImage(ctx, img)
	if err != nil {
		return View{}, err
	}
	err = s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
		if !me.Admin() {
			return Op{}, errAdminOnly
		}
		g.Avatar = hash
		return s.noticeOp(g, members, Notice{Kind: NoticeAvatar, Actor: c.User}), nil
	})
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, c, id)
}

// MemberUpdate lists changes to one member; nil leaves one as it is.
type MemberUpdate struct {
	Admin *bool // owner only
	Muted *bool // the owner mutes anyone else, an admin plain members
}

// UpdateMember makes user an admin or not, or mutes them or not.
func (s *Service) UpdateMember(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, user hongyan.UserID, u MemberUpdate) error {
	if u.Admin != nil {
		admin := *u.Admin
		err := s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
			m, err := target(me, members, user)
			if err != nil {
				return Op{}, err
			}
			if me.Role != RoleOwner {
				return Op{}, errOwnerOnly
			}
			role, k := RoleMember, NoticeAdminRemoved
			if admin {
				role, k = RoleAdmin, NoticeAdminAdded
			}
			if m.Role == role {
				return Op{}, nil
			}
			m.Role = role
			op := s.noticeOp(g, members, Notice{Kind: k, Actor: c.User, Users: []hongyan.UserID{user}})
			op.Put = []Member{m}
			return op, nil
		})
		if err != nil {
			return err
		}
	}
	if u.Muted != nil {
		muted := *u.Muted
		return s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
			m, err := target(me, members, user)
			if err != nil {
				return Op{}, err
			}
			if !me.Admin() || (me.Role == RoleAdmin && m.Role != RoleMember) {
				return Op{}, hongyan.Errorf(hongyan.CodeDenied, "you cannot mute user %d", user)
			}
			if m.Muted == muted {
				return Op{}, nil
			}
			m.Muted = muted
			k := NoticeMemberUnmuted
			if muted {
				k = NoticeMemberMuted
			}
			op := s.noticeOp(g, members, Notice{Kind: k, Actor: c.User, Users: []hongyan.UserID{user}})
			op.Put = []Member{m}
			return op, nil
		})
	}
	return nil
}

// target returns another active member, user.
func target(me Member, members []Member, user hongyan.UserID) (Member, error) {
	if user == me.User {
		return Member{}, hongyan.Errorf(hongyan.CodeInvalid, "choose another member")
	}
	m, ok := index(members)[user]
	if !ok {
		return Member{}, hongyan.Errorf(hongyan.CodeNotFound, "user %d is not a member of this group", user)
	}
	if m.Role == RoleOwner {
		return Member{}, hongyan.Errorf(hongyan.CodeDenied, "the owner cannot be changed this way")
	}
	return m, nil
}

// Transfer makes user the owner of group id (owner only); the caller
// becomes a plain member.
func (s *Service) Transfer(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, user hongyan.UserID) error {
	return s.change(ctx, id, c.User, func(g Group, me Member, members []Member) (Op, error) {
		if me.Role != RoleOwner {
			return Op{}, errOwnerOnly
		}
		m, err := target(me, members, user)
		if err != nil {
			return Op{}, err
		}
		m.Role, me.Role, g.Owner = RoleOwner, RoleMember, user
		op := s.noticeOp(g, members, Notice{Kind: NoticeOwner, Actor: c.User, Users: []hongyan.UserID{user}})
		op.Put = []Member{m, me}
		return op, nil
	})
}

// Settings lists the caller's own settings of a group; nil leaves one as
// it is.
type Settings struct {
	Nickname            *string
	Saved, ShowNickname *bool
}

// SetMine changes the caller's own settings of group id: their nickname in
// it, whether it is saved to their contacts, whether they see nicknames.
func (s *Service) SetMine(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, u Settings) (View, error) {
	if u.Nickname != nil {
		if err := hongyan.ValidName("nickname", *u.Nickname, MaxNickname); err != nil {
			return View{}, err
		}
	}
	err := s.change(ctx, id, c.User, func(g Group, me Member, _ []Member) (Op, error) {
		if u.Nickname != nil {
			me.Nickname = *u.Nickname
		}
		if u.Saved != nil {
			me.Saved = *u.Saved
		}
		if u.ShowNickname != nil {
			me.ShowNicknames = *u.ShowNickname
		}
		return Op{Group: g, Put: []Member{me}, Changes: groupChanges(id, []hongyan.UserID{c.User}, hongyan.ChangeGroup)}, nil
	})
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, c, id)
}

// QR returns group id's QR code, making a new one when there is none or it
// expired; the owner may reset it, so that the old one stops working.
func (s *Service) QR(ctx context.Context, c hongyan.Caller, id hongyan.ConversationID, reset bool) (Group, error) {
	var out Group
	err := s.change(ctx, id, c.User, func(g Group, me Member, _ []Member) (Op, error) {
		if reset && me.Role != RoleOwner {
			return Op{}, errOwnerOnly
		}
		out = g
		if !reset && g.QRCode != "" && s.now().Before(g.QRExpires) {
			return Op{}, nil
		}
		g.QRCode, g.QRExpires = newCode(), s.now().Add(s.cfg.QRTTL)
		out = g
		return Op{Group: g}, nil
	})
	return out, err
}

// Preview returns the group a QR code leads to, for a user deciding
// whether to join it.
func (s *Service) Preview(ctx context.Context, code string) (Group, error) {
	g, err := s.store.GroupByCode(ctx, code)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || (err == nil && g.Dissolved) {
		return Group{}, hongyan.Errorf(hongyan.CodeNotFound, "no such group code")
	}
	if err != nil {
		return Group{}, err
	}
	if !s.now().Before(g.QRExpires) {
		return Group{}, hongyan.Errorf(hongyan.CodePrecondition, "the group's QR code expired").WithReason(hongyan.ReasonCodeExpired)
	}
	return g, nil
}

// Join adds the caller to the group of QR code code. With approval on, it
// returns an invitation that waits for the owner or an admin instead.
func (s *Service) Join(ctx context.Context, c hongyan.Caller, code string) (View, *Invitation, error) {
	g, err := s.Preview(ctx, code)
	if err != nil {
		return View{}, nil, err
	}
	if err := s.notSuspended(ctx, g.ID); err != nil {
		return View{}, nil, err
	}
	if s.screen != nil {
		if err := s.screen.ScreenJoin(ctx, c.User, g.ID); err != nil {
			return View{}, nil, err
		}
	}
	var inv *Invitation
	err = s.change(ctx, g.ID, g.Owner, func(cur Group, _ Member, members []Member) (Op, error) {
		if cur.QRCode != code || !s.now().Before(cur.QRExpires) {
			return Op{}, hongyan.Errorf(hongyan.CodePrecondition, "the group's QR code expired").WithReason(hongyan.ReasonCodeExpired)
		}
		if len(newcomers(members, []hongyan.UserID{c.User})) == 0 {
			return Op{}, nil
		}
		if cur.Members >= s.cfg.MaxMembers {
			return Op{}, hongyan.Errorf(hongyan.CodePrecondition, "a group holds at most %d members", s.cfg.MaxMembers).WithReason(hongyan.ReasonGroupFull)
		}
		if cur.Approval {
			now := s.now()
			inv = &Invitation{Group: cur.ID, Inviter: cur.Owner, Invitee: c.User, State: StateApproval, ByQR: true,
				Created: now, Updated: now, Notify: admins(members)}
			return Op{Group: cur, Invitations: []Invitation{*inv}}, nil
		}
		return s.joinOp(cur, members, []hongyan.UserID{c.User}, Notice{Kind: NoticeQRJoined, Users: []hongyan.UserID{c.User}}), nil
	})
	if err != nil || inv != nil {
		return View{}, inv, err
	}
	v, err := s.Get(ctx, c, g.ID)
	return v, nil, err
}

// contacts checks that every user is a contact of owner's.
func (s *Service) contacts(ctx context.Context, owner hongyan.UserID, users []hongyan.UserID) error {
	for _, u := range users {
		if err := s.rel.CanMessage(ctx, owner, u); err != nil {
			if hongyan.ErrorCode(err) == hongyan.CodeInternal || hongyan.ErrorCode(err) == hongyan.CodeUnavailable {
				return err
			}
			return hongyan.Errorf(hongyan.CodeDenied, "user %d is not your contact", u)
		}
	}
	return nil
}

// others returns users without duplicates, zero IDs and self, in order.
// A list longer than limit is refused before any work (duplicates count:
// a client has no reason to send them), and the rest takes linear time.
func others(users []hongyan.UserID, self hongyan.UserID, limit int) ([]hongyan.UserID, error) {
	if len(users) > limit {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "at most %d users at once", limit)
	}
	seen := make(map[hongyan.UserID]bool, len(users))
	out := make([]hongyan.UserID, 0, len(users))
	for _, u := range users {
		if u > 0 && u != self && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out, nil
}

// newcomers returns the users that are not active members.
func newcomers(members []Member, users []hongyan.UserID) []hongyan.UserID {
	in := index(members)
	var out []hongyan.UserID
	for _, u := range users {
		if _, ok := in[u]; !ok {
			out = append(out, u)
		}
	}
	return out
}

func index(members []Member) map[hongyan.UserID]Member {
	out := make(map[hongyan.UserID]Member, len(members))
	for _, m := range members {
		out[m.User] = m
	}
	return out
}

func userIDs(members []Member) []hongyan.UserID {
	out := make([]hongyan.UserID, len(members))
	for i, m := range members {
		out[i] = m.User
	}
	return out
}

// admins lists the owner and admins.
func admins(members []Member) []hongyan.UserID {
	var out []hongyan.UserID
	for _, m := range members {
		if m.Admin() {
			out = append(out, m.User)
		}
	}
	return out
}

func groupChanges(id hongyan.ConversationID, users []hongyan.UserID, kind hongyan.ChangeKind) []hongyan.Change {
	out := make([]hongyan.Change, len(users))
	for i, u := range users {
		out[i] = hongyan.Change{User: u, Kind: kind, Conversation: id}
	}
	return out
}

// newCode returns a new group QR code: 128 random bits.
func newCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// Spawn makes a new group of owner alone with the settings of template, a
// group owner owns (its announcement, its avatar, whether all are muted):
// the next group of a live code whose groups are full. Only the owner is
// told (the group has no one else yet).
func (s *Service) Spawn(ctx context.Context, owner hongyan.UserID, template hongyan.ConversationID, name string) (Group, error) {
	if err := hongyan.ValidName("group name", name, MaxName); err != nil {
		return Group{}, err
	}
	t, _, err := s.active(ctx, template, owner)
	if err != nil {
		return Group{}, err
	}
	if t.Owner != owner {
		return Group{}, errOwnerOnly
	}
	now := s.now()
	g := Group{Name: name, Owner: owner, Created: now, Avatar: t.Avatar, MutedAll: t.MutedAll}
	if t.Announcement != "" {
		g.Announcement, g.AnnouncementTime = t.Announcement, now
	}
	members := []Member{{User: owner, Role: RoleOwner, Joined: now, Active: true}}
	g, changes, err := s.store.Create(ctx, g, members, nil, Notice{Kind: NoticeCreated, Actor: owner},
		[]hongyan.Change{{User: owner, Kind: hongyan.ChangeGroup}})
	if err != nil {
		return Group{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return g, nil
}

// JoinUpTo adds user to group id as a scan of its QR code would, unless
// the group holds limit members already (or the group limit, whichever is
// lower): then CodePrecondition with ReasonGroupFull. The group's approval
// rule is not asked: the owner's live code that leads here is the owner's
// consent. A member already is no error.
func (s *Service) JoinUpTo(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID, limit int) error {
	limit = min(limit, s.cfg.MaxMembers)
	g, err := s.store.Group(ctx, id)
	if err != nil {
		return err
	}
	if err := s.notSuspended(ctx, id); err != nil {
		return err
	}
	if m, err := s.store.Member(ctx, id, user); s.screen != nil && (err != nil || !m.Active) {
		// A join by a scan, as a join by the group's own QR code is.
		if err := s.screen.ScreenJoin(ctx, user, id); err != nil {
			return err
		}
	}
	return s.change(ctx, id, g.Owner, func(cur Group, _ Member, members []Member) (Op, error) {
		if len(newcomers(members, []hongyan.UserID{user})) == 0 {
			return Op{}, nil
		}
		if cur.Members >= limit {
			return Op{}, hongyan.Errorf(hongyan.CodePrecondition, "the group holds %d members, as many as it may", limit).WithReason(hongyan.ReasonGroupFull)
		}
		return s.joinOp(cur, members, []hongyan.UserID{user}, Notice{Kind: NoticeQRJoined, Users: []hongyan.UserID{user}}), nil
	})
}
