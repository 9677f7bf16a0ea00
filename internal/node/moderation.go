package node

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/adminapi"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/clientaddr"
	"hongyan/internal/config"
	"hongyan/internal/group"
	"hongyan/internal/hongyan"
	"hongyan/internal/moderation"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/sqldb/stores"
)

// newModeration builds administrators, reports and penalties, asking the
// other features through its ports.
func newModeration(cfg config.Config, db *stores.DB, accounts *account.Service, chats *chat.Service, groups *group.Service,
	posts *moments.Service, oas *officialacct.Service, pub hongyan.Publisher) *moderation.Service {
	mcfg := moderation.DefaultConfig()
	m := cfg.Moderation
	mcfg.SessionTTL, mcfg.ReportsPerDay, mcfg.Issuer = m.SessionTTL.Duration, m.ReportsPerDay, m.Issuer
	mcfg.PasswordHashes = cfg.Limits.PasswordHashes
	mcfg.PasswordCost = cfg.PasswordCost // zero: the production cost
	dir := modUsers{accounts}
	mod := moderation.New(db.Moderation(), dir, modSnapshots{dir, accounts, chats, groups, posts, oas}, dir, pub, mcfg)
	mod.SetActivity(modActivity{db.Accounts(), db.Chats()})
	if sharedLimits(cfg) {
		mod.UseLimiters(db.Limits().Limiters) // administrators' sign-in attempts count across the cluster
	}
	sus := newSuspensions(mod)
	mod.OnSuspension(sus.forget)
	groups.SetSuspensions(sus)
	oas.SetSuspensions(sus)
	return mod
}

// modActivity gives the dashboard the figures of accounts and chats
// through their Counts ports.
type modActivity struct {
	accounts account.Counts
	chats    chat.Counts
}

func (a modActivity) Activity(ctx context.Context, activeSince time.Time, days []time.Time, until time.Time) (int64, int64, []int64, error) {
	users, err := a.accounts.CountUsers(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	devices, err := a.accounts.CountActiveDevices(ctx, activeSince)
	if err != nil {
		return 0, 0, nil, err
	}
	msgs, err := a.chats.MessagesPerDay(ctx, days, until)
	return users, devices, msgs, err
}

// withModeration adds the resolver of penalty entries: the user's own
// penalty.
func withModeration(rs changelog.Resolvers, mod *moderation.Service) changelog.Resolvers {
	rs[hongyan.ChangePenalty] = each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return found(mod.MyPenalty(ctx, me, e.Ref))
	})
	return rs
}

// modUsers lets moderation find users and sign them out.
type modUsers struct{ accounts *account.Service }

func (u modUsers) Resolve(ctx context.Context, id string) (hongyan.UserID, error) {
	a, err := u.accounts.Lookup(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return 0, hongyan.Errorf(hongyan.CodeNotFound, "no such user")
	}
	return a.ID, err
}

func (u modUsers) SignOut(ctx context.Context, user hongyan.UserID) error {
	return u.accounts.SignOutAll(ctx, user)
}

func (u modUsers) ResetPassword(ctx context.Context, user hongyan.UserID) (string, error) {
	return u.accounts.ResetPassword(ctx, user)
}

// modSnapshots reads reported content as the reporter sees it, from the
// feature that owns it.
type modSnapshots struct {
	users    modUsers
	accounts *account.Service
	chats    *chat.Service
	groups   *group.Service
	posts    *moments.Service
	oas      *officialacct.Service
}

var errNothing = hongyan.Errorf(hongyan.CodeNotFound, "nothing to report there")

func (s modSnapshots) Snapshot(ctx context.Context, reporter hongyan.UserID, kind moderation.TargetKind, target string) (moderation.Snapshot, error) {
	me := hongyan.Caller{User: reporter}
	num := func(x string) (int64, error) {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil || n <= 0 {
			return 0, errNothing
		}
		return n, nil
	}
	switch kind {
	case moderation.TargetUser:
		id, err := s.users.Resolve(ctx, target)
		if err != nil {
			return moderation.Snapshot{}, err
		}
		a, err := s.accounts.Account(ctx, id)
		if err != nil {
			return moderation.Snapshot{}, err
		}
		return moderation.Snapshot{Owner: a.ID, Title: a.Profile.Nickname, Text: "account " + a.AccountID + "\n" + a.Profile.Signature}, nil
	case moderation.TargetGroup:
		id, err := num(target)
		if err != nil {
			return moderation.Snapshot{}, err
		}
		g, err := s.groups.Get(ctx, me, hongyan.ConversationID(id))
		if err != nil || !g.Me.Active {
			return moderation.Snapshot{}, errNothing // members only, not former ones
		}
		return moderation.Snapshot{Owner: g.Owner, Title: g.Name, Text: g.Announcement}, nil
	case moderation.TargetMessage:
		conv, seq, ok := strings.Cut(target, ":")
		c, err1 := num(conv)
		q, err2 := num(seq)
		if !ok || err1 != nil || err2 != nil {
			return moderation.Snapshot{}, hongyan.Errorf(hongyan.CodeInvalid, "a message is CONVERSATION:SEQ")
		}
		ms, err := s.chats.History(ctx, me, hongyan.ConversationID(c), q+1, 1)
		if err != nil || len(ms) != 1 || ms[0].Seq != q || ms[0].Kind == chat.KindRecalled {
			return moderation.Snapshot{}, errNothing
		}
		return moderation.Snapshot{Owner: ms[0].Sender, Title: "message", Text: ms[0].Text}, nil
	case moderation.TargetPost:
		id, err := num(target)
		if err != nil {
			return moderation.Snapshot{}, err
		}
		v, err := s.posts.Get(ctx, me, id)
		if err != nil {
			return moderation.Snapshot{}, errNothing
		}
		return moderation.Snapshot{Owner: v.Post.Author, Title: "Moments post", Text: v.Post.Text}, nil
	case moderation.TargetOA:
		id, err := num(target)
		if err != nil {
			return moderation.Snapshot{}, err
		}
		a, err := s.oas.Account(ctx, officialacct.AccountID(id))
		if err != nil {
			return moderation.Snapshot{}, errNothing
		}
		return moderation.Snapshot{Title: a.Name, Text: a.Intro}, nil
	}
	return moderation.Snapshot{}, errNothing
}

// adminAPI is the administrator console's API (/admin/api/).
func (n *Node) adminAPI(clients *clientaddr.Resolver, groups *group.Service) http.Handler {
	cfg := n.cfg
	return adminapi.Handler(adminapi.Options{
		Moderation:       n.mod,
		Accounts:         n.accounts,
		OfficialAccounts: n.oas,
		Groups:           groups,
		ClientAddr:       clients.Addr,
		Secure:           strings.HasPrefix(publicURL(cfg), "https://"),
		// What super admins see of the configuration: limits and rules,
		// never addresses or secrets.
		Config: func() any {
			return map[string]any{"storage_driver": cfg.Storage.Driver, "limits": cfg.Limits, "groups": cfg.Groups,
				"history": cfg.History, "moments": cfg.Moments, "discovery": cfg.Discovery, "moderation": cfg.Moderation}
		},
	})
}

// Moderation returns the node's moderation service (admin commands).
func (n *Node) Moderation() *moderation.Service { return n.mod }

// LookupUser finds a user by numeric ID or account ID (admin commands).
func (n *Node) LookupUser(ctx context.Context, id string) (hongyan.UserID, error) {
	return n.mod.ResolveUser(ctx, id)
}

// FirstAdmin creates the super admin "admin" with a one-time password
// when the server has no administrator yet, and returns the password ("" when
// there was one already, or another node made it at the same moment).
func (n *Node) FirstAdmin(ctx context.Context) (name, password string, err error) {
	count, err := n.mod.AdminCount(ctx)
	if err != nil || count > 0 {
		return "", "", err
	}
	a, pw, err := n.mod.CreateAdmin(ctx, moderation.System, "admin", moderation.RoleSuper)
	if hongyan.ErrorCode(err) == hongyan.CodeExists {
		return "", "", nil
	}
	return a.Name, pw, err
}
