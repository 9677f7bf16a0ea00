package node

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/bot"
	"hongyan/internal/botapi"
	"hongyan/internal/changelog"
	"hongyan/internal/chat"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/sqldb/stores"
)

// Bus subjects of the bot runtime: a bot was created (its ID), a bot has
// new events (its ID).
// a bot opened an event stream (token, Unix ns, stream ID), a token was
// revoked (its ID).
const (
	botsNewSubject     = "hy.bots.new"
	botsEventsSubject  = "hy.bots.events"
	botsStreamsSubject = "hy.bots.streams"
	botsRevokedSubject = "hy.bots.revoked"
)

// botRuntime runs a node's part of the bots: it turns what happens to
// each bot's account into events (woken by the bot account's bus subject,
// and a periodic sweep of every bot for what the bus may have lost),
// wakes long polls on every node, and sends due webhook deliveries. Any
// number of nodes may run it: the store hands each event and delivery
// out once.
type botRuntime struct {
	svc    *bot.Service
	api    *botapi.API
	poster bot.Poster
	bus    hongyan.Bus
	log    *slog.Logger
	sweep  time.Duration

	mu      sync.Mutex
	subs    map[int64]hongyan.Subscription
	dirty   map[int64]bot.Bot
	pumpC   chan struct{}
	sendC   chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	busSubs []hongyan.Subscription
}

func newBots(cfg config.Config, db *stores.DB, accounts *account.Service, contacts *contact.Service, groups *group.Service,
	chats *chat.Service, feed *changelog.Feed, b hongyan.Bus, log *slog.Logger) *botRuntime {
	c := cfg.Bots
	bcfg := bot.DefaultConfig()
	bcfg.RequestsPerMin, bcfg.MaxAttempts = c.RequestsPerMinute, c.WebhookAttempts
	bcfg.FirstRetry, bcfg.MaxRetry = c.WebhookFirstRetry.Duration, c.WebhookMaxRetry.Duration
	bcfg.Lease = max(time.Minute, 3*c.WebhookTimeout.Duration)
	bcfg.KeepEvents = c.KeepEvents.Duration
	svc := bot.New(db.Bots(), botAccounts{accounts}, botGroups{groups, contacts}, botSource{feed, chats, contacts}, bcfg)
	rt := &botRuntime{
		svc: svc, poster: botapi.NewPoster(c.WebhookTimeout.Duration, c.AllowPrivateWebhooks), bus: b, log: log,
		sweep: c.SweepInterval.Duration, subs: map[int64]hongyan.Subscription{}, dirty: map[int64]bot.Bot{},
		pumpC: make(chan struct{}, 1), sendC: make(chan struct{}, 1),
	}
	rt.api = botapi.New(svc, botOps{chats: chats, groups: groups, accounts: accounts}, log)
	rt.api.SetFanout(botFanout{b})
	rt.api.SetProfiles(botProfiles{groups: groups, accounts: accounts})
	svc.OnRevoke(func(tokens []int64) {
		for _, t := range tokens {
			rt.api.TokenRevoked(t)
			botFanout{b}.TokenRevoked(t)
		}
	})
	svc.SetPublisher(hongyan.Publisher{Bus: b})
	svc.OnCreate(func(bb bot.Bot) {
		rt.track(bb)
		b.Publish(context.Background(), botsNewSubject, []byte(strconv.FormatInt(bb.ID, 10)))
	})
	return rt
}

func kick(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// start runs the pump and the sender until stop.
func (rt *botRuntime) start() {
	ctx, cancel := context.WithCancel(context.Background())
	rt.cancel = cancel
	onID := func(fn func(id int64)) func([]byte) {
		return func(data []byte) {
			if id, err := strconv.ParseInt(string(data), 10, 64); err == nil && id > 0 {
				fn(id)
			}
		}
	}
	if s, err := rt.bus.Subscribe(botsEventsSubject, onID(func(id int64) {
		rt.api.Notify(id)
		kick(rt.sendC)
	})); err == nil {
		rt.busSubs = append(rt.busSubs, s)
	}
	if s, err := rt.bus.Subscribe(botsRevokedSubject, onID(rt.api.TokenRevoked)); err == nil {
		rt.busSubs = append(rt.busSubs, s)
	}
	if s, err := rt.bus.Subscribe(botsStreamsSubject, func(data []byte) {
		if tok, opened, id, ok := parseStreamOpened(data); ok {
			rt.api.StreamOpened(tok, opened, id)
		}
	}); err == nil {
		rt.busSubs = append(rt.busSubs, s)
	}
	if s, err := rt.bus.Subscribe(botsNewSubject, onID(func(id int64) {
		if b, err := rt.svc.BotByID(ctx, id); err == nil {
			rt.track(b)
		}
	})); err == nil {
		rt.busSubs = append(rt.busSubs, s)
	}
	rt.wg.Add(2)
	go func() { defer rt.wg.Done(); rt.pumpLoop(ctx) }()
	go func() { defer rt.wg.Done(); rt.sendLoop(ctx) }()
}

func (rt *botRuntime) stop() {
	if rt.cancel != nil {
		rt.cancel()
	}
	rt.api.CloseStreams()
	rt.wg.Wait()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, s := range rt.busSubs {
		s.Unsubscribe()
	}
	for _, s := range rt.subs {
		s.Unsubscribe()
	}
	rt.subs = map[int64]hongyan.Subscription{}
}

// track listens to bot b's account and marks it for a pump.
func (rt *botRuntime) track(b bot.Bot) {
	rt.mu.Lock()
	if _, ok := rt.subs[b.ID]; !ok {
		s, err := rt.bus.Subscribe(hongyan.UserSubject(b.Account), func([]byte) { rt.mark(b) })
		if err == nil {
			rt.subs[b.ID] = s
		}
	}
	rt.mu.Unlock()
	rt.mark(b)
}

func (rt *botRuntime) mark(b bot.Bot) {
	rt.mu.Lock()
	rt.dirty[b.ID] = b
	rt.mu.Unlock()
	kick(rt.pumpC)
}

func (rt *botRuntime) pumpLoop(ctx context.Context) {
	t := time.NewTicker(rt.sweep)
	defer t.Stop()
	rt.sweepAll(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rt.sweepAll(ctx)
		case <-rt.pumpC:
		}
		rt.mu.Lock()
		dirty := rt.dirty
		rt.dirty = map[int64]bot.Bot{}
		rt.mu.Unlock()
		for _, b := range dirty {
			evs, err := rt.svc.Pump(ctx, b)
			if err != nil && ctx.Err() == nil {
				rt.log.Warn("bot events", "bot", b.ID, "err", err)
				rt.mark(b) // again, on the next round
			}
			if len(evs) > 0 {
				rt.bus.Publish(ctx, botsEventsSubject, []byte(strconv.FormatInt(b.ID, 10)))
				rt.api.Notify(b.ID)
				kick(rt.sendC)
			}
		}
	}
}

// sweepAll tracks every bot (those created on other nodes while the bus
// was down too) and marks each for a pump.
func (rt *botRuntime) sweepAll(ctx context.Context) {
	var after int64
	for ctx.Err() == nil {
		bs, err := rt.svc.AllBots(ctx, after, 500)
		if err != nil {
			if ctx.Err() == nil {
				rt.log.Warn("bot sweep", "err", err)
			}
			return
		}
		for _, b := range bs {
			rt.track(b)
			after = b.ID
		}
		if len(bs) < 500 {
			return
		}
	}
}

const sendBatch = 64

func (rt *botRuntime) sendLoop(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-rt.sendC:
		}
		for ctx.Err() == nil {
			n, err := rt.svc.DeliverDue(ctx, rt.poster, sendBatch)
			if err != nil && ctx.Err() == nil {
				rt.log.Warn("bot webhooks", "err", err)
			}
			if n < sendBatch {
				break
			}
		}
	}
}

// botProfiles reads members' profile cards for bots through the group
// and account features.
type botProfiles struct {
	groups   *group.Service
	accounts *account.Service
}

var errNotMember = hongyan.Errorf(hongyan.CodeNotFound, "no such member of this group")

func (p botProfiles) Profile(ctx context.Context, acct hongyan.UserID, id hongyan.ConversationID, user hongyan.UserID) (botapi.ProfileCard, error) {
	ms, err := p.groups.Members(ctx, hongyan.Caller{User: acct}, id)
	if err != nil {
		return botapi.ProfileCard{}, err
	}
	var me, them *group.Member
	for i := range ms {
		switch ms[i].User {
		case acct:
			me = &ms[i]
		case user:
			them = &ms[i]
		}
	}
	if me == nil || !me.Active {
		return botapi.ProfileCard{}, errBotNotMember
	}
	if them == nil || !them.Active {
		return botapi.ProfileCard{}, errNotMember
	}
	a, err := p.accounts.Account(ctx, user)
	if err != nil {
		return botapi.ProfileCard{}, err
	}
	card := botapi.ProfileCard{User: int64(user), Nickname: a.Profile.Nickname, GroupNickname: them.Nickname, Role: roleNames[them.Role],
		Region: a.Profile.Region, Signature: a.Profile.Signature}
	if a.Profile.Avatar != "" {
		card.Avatar = "/avatar/" + a.Profile.Avatar
	}
	return card, nil
}

// botFanout announces event streams and revoked tokens to every node.
type botFanout struct{ bus hongyan.Bus }

func (f botFanout) StreamOpened(token int64, opened int64, id string) {
	f.bus.Publish(context.Background(), botsStreamsSubject, []byte(strconv.FormatInt(token, 10)+" "+strconv.FormatInt(opened, 10)+" "+id))
}

func (f botFanout) TokenRevoked(token int64) {
	f.bus.Publish(context.Background(), botsRevokedSubject, []byte(strconv.FormatInt(token, 10)))
}

// parseStreamOpened reads botFanout.StreamOpened's message.
func parseStreamOpened(data []byte) (token, opened int64, id string, ok bool) {
	f := strings.Fields(string(data))
	if len(f) != 3 || len(f[2]) > 32 {
		return 0, 0, "", false
	}
	token, err1 := strconv.ParseInt(f[0], 10, 64)
	opened, err2 := strconv.ParseInt(f[1], 10, 64)
	return token, opened, f[2], err1 == nil && err2 == nil && token > 0
}

// resolver turns a ChangeBot entry into the owner's bot (nil once it is
// gone).
func (rt *botRuntime) resolver() changelog.Resolver {
	return each(func(ctx context.Context, me hongyan.Caller, e hongyan.Change) (any, error) {
		return found(rt.svc.Bot(ctx, me, e.Ref))
	})
}

// botAccounts creates bot accounts through the account feature.
type botAccounts struct{ accounts *account.Service }

func (a botAccounts) CreateBotAccount(ctx context.Context, accountID, nickname string) (hongyan.UserID, error) {
	acct, err := a.accounts.CreateBot(ctx, accountID, nickname)
	return acct.ID, err
}

// LookupAccountID finds an account by its account ID (built-in bots).
func (a botAccounts) LookupAccountID(ctx context.Context, accountID string) (hongyan.UserID, error) {
	acct, err := a.accounts.Lookup(ctx, accountID)
	return acct.ID, err
}

// botGroups adds bots to groups through the contact and group features.
type botGroups struct {
	groups   *group.Service
	contacts *contact.Service
}

func (g botGroups) Owner(ctx context.Context, id hongyan.ConversationID) (hongyan.UserID, error) {
	return g.groups.Owner(ctx, id)
}

// AddBot makes the owner and the bot contacts (a bot accepts at once),
// invites the bot, and accepts an invitation on its behalf when the group
// is large enough to need one.
func (g botGroups) AddBot(ctx context.Context, owner hongyan.UserID, id hongyan.ConversationID, acct hongyan.UserID) error {
	friends, _, err := g.contacts.Friendship(ctx, owner, acct)
	if err != nil {
		return err
	}
	if !friends {
		if _, err := g.contacts.SendRequest(ctx, hongyan.Caller{User: owner}, acct, "", ""); err != nil && hongyan.ErrorReason(err) != hongyan.ReasonAlreadyFriends {
			return err
		}
	}
	invs, err := g.groups.Invite(ctx, hongyan.Caller{User: owner}, id, []hongyan.UserID{acct})
	if err != nil {
		return err
	}
	for _, inv := range invs {
		if inv.Invitee == acct && inv.State == group.StateInvited {
			if _, err := g.groups.Answer(ctx, hongyan.Caller{User: acct}, inv.ID, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// RemoveBot removes the bot from the group as its owner (nothing to do
// when it is no member).
func (g botGroups) RemoveBot(ctx context.Context, owner hongyan.UserID, id hongyan.ConversationID, acct hongyan.UserID) error {
	err := g.groups.Remove(ctx, hongyan.Caller{User: owner}, id, []hongyan.UserID{acct})
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound || hongyan.ErrorCode(err) == hongyan.CodePrecondition {
		return nil
	}
	return err
}

// botSource reads a bot account's change log and resolves its entries.
type botSource struct {
	feed     *changelog.Feed
	chats    *chat.Service
	contacts *contact.Service
}

var chatKinds = map[chat.Kind]string{
	chat.KindText: "text", chat.KindImage: "image", chat.KindVoice: "voice", chat.KindVideo: "video", chat.KindFile: "file",
	chat.KindLocation: "location", chat.KindSticker: "sticker", chat.KindCard: "card", chat.KindLink: "link",
	chat.KindHistory: "history", chat.KindNotice: "notice", chat.KindTransfer: "transfer", chat.KindRedPacket: "red_packet",
	chat.KindRecalled: "recalled",
}

func (s botSource) Read(ctx context.Context, acct hongyan.UserID, after int64, limit int) ([]bot.Happening, int64, error) {
	page, err := s.feed.Page(ctx, acct, after, limit)
	if err != nil {
		return nil, after, err
	}
	if page.Reset {
		return nil, page.Head, nil // pruned: nothing older can be told
	}
	me := hongyan.Caller{User: acct}
	var refs []chat.Ref
	for _, c := range page.Changes {
		if c.Kind == hongyan.ChangeMessage {
			refs = append(refs, chat.Ref{Conversation: c.Conversation, Seq: c.Ref})
		}
	}
	msgs := map[chat.Ref]chat.Message{}
	if len(refs) > 0 {
		ms, err := s.chats.MessagesAt(ctx, me, refs)
		if err != nil {
			return nil, after, err
		}
		for _, m := range ms {
			msgs[chat.Ref{Conversation: m.Conversation, Seq: m.Seq}] = m
		}
	}
	convs := map[hongyan.ConversationID]chat.Conversation{}
	var out []bot.Happening
	next := after
	for _, c := range page.Changes {
		next = c.Seq
		switch c.Kind {
		case hongyan.ChangeMessage:
			m, ok := msgs[chat.Ref{Conversation: c.Conversation, Seq: c.Ref}]
			if !ok {
				continue // deleted or not visible to the bot
			}
			conv, ok := convs[m.Conversation]
			if !ok {
				conv, err = s.chats.Members(ctx, me, m.Conversation)
				if err != nil {
					continue
				}
				convs[m.Conversation] = conv
			}
			h := bot.Happening{Kind: bot.HappenedMessage, Time: m.Time, Message: m.ID, Sender: m.Sender, MsgKind: chatKinds[m.Kind],
				Text: m.Text, Mentions: m.Mentions, MentionAll: m.MentionAll}
			if m.Media != nil {
				h.Media = m.Media.ID
			}
			if conv.Group {
				h.Group = conv.ID
			} else {
				h.Peer = conv.Peer(acct)
			}
			if m.Notice != nil {
				h.Users = m.Notice.Users
				switch group.NoticeKind(m.Notice.Kind) {
				case group.NoticeCreated, group.NoticeJoined, group.NoticeQRJoined:
					h.Notice = "joined"
				case group.NoticeLeft, group.NoticeRemoved:
					h.Notice = "left"
				}
				if m.Notice.Actor != 0 {
					h.Sender = m.Notice.Actor
				}
				if group.NoticeKind(m.Notice.Kind) == group.NoticeLeft && len(h.Users) == 0 {
					h.Users = []hongyan.UserID{m.Notice.Actor}
				}
			}
			out = append(out, h)
		case hongyan.ChangeFriendRequest:
			if c.Ref == 0 {
				continue
			}
			r, err := s.contacts.Request(ctx, me, c.Ref)
			if err != nil {
				continue
			}
			out = append(out, bot.Happening{Kind: bot.HappenedFriendRequest, Time: r.Created, Request: r.ID, From: r.From, To: r.To, Greeting: r.Greeting})
		}
	}
	return out, next, nil
}

// botOps acts as a bot's account through the chat and group features.
type botOps struct {
	chats    *chat.Service
	groups   *group.Service
	accounts *account.Service
}

func (o botOps) Send(ctx context.Context, acct hongyan.UserID, peer hongyan.UserID, g hongyan.ConversationID, text, clientID string) (botapi.Sent, error) {
	m, err := o.chats.Send(ctx, hongyan.Caller{User: acct}, chat.Outgoing{Peer: peer, Group: g, ClientID: clientID, Kind: chat.KindText, Text: text})
	if err != nil {
		return botapi.Sent{}, err
	}
	return botapi.Sent{MessageID: int64(m.ID), Seq: m.Seq}, nil
}

func (o botOps) PostCard(ctx context.Context, acct hongyan.UserID, g hongyan.ConversationID, c botapi.Card, key string) (botapi.Sent, error) {
	card := chat.AppCard{App: int8(groupapp.AppThirdParty), Kind: int8(groupapp.CardCreated), Item: c.App,
		Description: c.Description, URL: c.URL, Image: c.Image, AppName: c.AppName}
	m, err := o.chats.PostAppCard(ctx, acct, g, card, c.Title, key, nil)
	if err != nil {
		return botapi.Sent{}, err
	}
	return botapi.Sent{MessageID: int64(m.ID), Seq: m.Seq}, nil
}

// botImages stores bots' images (a card's) through the media feature.
type botImages struct{ media *media.Service }

func (b botImages) MaxImage() int64 { return b.media.Limit(media.ClassImage) }

func (b botImages) PutImage(ctx context.Context, acct hongyan.UserID, name string, r io.Reader) (string, error) {
	info, err := b.media.Put(ctx, hongyan.Caller{User: acct}, media.Upload{Class: media.ClassImage, Name: name}, r)
	return info.ID, err
}

var errBotNotMember = hongyan.Errorf(hongyan.CodeNotFound, "the bot is not a member of this group")

func (o botOps) Group(ctx context.Context, acct hongyan.UserID, id hongyan.ConversationID) (botapi.GroupInfo, error) {
	v, err := o.groups.Get(ctx, hongyan.Caller{User: acct}, id)
	if err != nil {
		return botapi.GroupInfo{}, err
	}
	if !v.Me.Active || v.Dissolved {
		return botapi.GroupInfo{}, errBotNotMember
	}
	return botapi.GroupInfo{ID: int64(v.ID), Name: v.Name, Owner: int64(v.Owner), Members: v.Members, Announcement: v.Announcement}, nil
}

var roleNames = map[group.Role]string{group.RoleOwner: "owner", group.RoleAdmin: "admin", group.RoleMember: "member"}

func (o botOps) Members(ctx context.Context, acct hongyan.UserID, id hongyan.ConversationID) ([]botapi.MemberInfo, error) {
	ms, err := o.groups.Members(ctx, hongyan.Caller{User: acct}, id)
	if err != nil {
		return nil, err
	}
	out := make([]botapi.MemberInfo, 0, len(ms))
	var ids []hongyan.UserID
	for _, m := range ms {
		if m.Active {
			out = append(out, botapi.MemberInfo{User: int64(m.User), Role: roleNames[m.Role], Nickname: m.Nickname, Name: m.Nickname})
			ids = append(ids, m.User)
		}
	}
	for len(ids) > 0 { // account nicknames, a batch at a time
		n := min(len(ids), account.MaxBatch)
		accts, err := o.accounts.AccountsByID(ctx, ids[:n])
		if err != nil {
			return nil, err
		}
		ids = ids[n:]
		for i := range out {
			if a, ok := accts[hongyan.UserID(out[i].User)]; ok && out[i].Name == "" {
				out[i].Name = a.Profile.Nickname
			}
		}
	}
	return out, nil
}

func (o botOps) AddMembers(ctx context.Context, id hongyan.ConversationID, users []hongyan.UserID) error {
	owner, err := o.groups.Owner(ctx, id)
	if err != nil {
		return err
	}
	_, err = o.groups.Invite(ctx, hongyan.Caller{User: owner}, id, users)
	return err
}

func (o botOps) RemoveMember(ctx context.Context, id hongyan.ConversationID, user hongyan.UserID) error {
	owner, err := o.groups.Owner(ctx, id)
	if err != nil {
		return err
	}
	return o.groups.Remove(ctx, hongyan.Caller{User: owner}, id, []hongyan.UserID{user})
}
