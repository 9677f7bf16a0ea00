// Package guard is the Group Guard (PRODUCT.md §10, issue 15): a built-in
// bot that a group's owner adds to a group, and whose rules the owner and
// admins set — keywords, links, QR codes in images, new members posting
// links — with what to do on a match: remove the message, and/or remove
// the member after a configurable number of warnings. Every action goes to
// a log the owner and admins read, and a removal of a member can be undone
// (an invitation the member must accept; a removed message cannot be
// restored, and undo says so).
//
// The Guard is no private shortcut: it acts only through the bot API's
// operations with its own principal (the Bot port, which the node fills
// from internal/botapi), so it can do no more than the group's owner
// granted it. It reads what happens from its bot's event log, from a
// cursor kept in the store, one runner at a time across a cluster.
package guard

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Rule names: why a message matched.
const (
	RuleKeyword       = "keyword"
	RuleLink          = "link"
	RuleQRImage       = "qr_image"
	RuleNewMemberLink = "new_member_link"
)

// What the Guard did.
const (
	DidRemoveMessage = "remove_message"
	DidWarn          = "warn"
	DidRemoveMember  = "remove_member"
	DidReinvite      = "reinvite" // an undo
)

// Limits of input.
const (
	MaxKeywords    = 50  // keywords of a group
	MaxKeywordLen  = 32  // characters of a keyword
	MaxWarnings    = 10  // warnings before removal
	MaxNewHours    = 720 // "new member" window, hours
	MaxLogPage     = 100 // log entries in one read
	MaxText        = 4096
	DefaultNewHour = 24
)

// Rules is a group's configuration.
type Rules struct {
	Group   hongyan.ConversationID
	Enabled bool
	// What matches.
	Keywords       []string // case-insensitive substrings
	Links          bool     // any link
	QRImages       bool     // an image carrying a QR code
	NewMemberLinks bool     // a link from a member who joined less than NewMemberHours ago
	NewMemberHours int
	// What happens on a match.
	RemoveMessage bool
	RemoveMember  bool
	Warnings      int // warnings before the member is removed (0: at once)

	UpdatedBy hongyan.UserID
	Updated   time.Time
}

// Action is one entry of a group's log.
type Action struct {
	ID      int64
	Group   hongyan.ConversationID
	User    hongyan.UserID    // the member acted on
	Message hongyan.MessageID // the message that matched (0: none)
	Rule    string            // why (a Rule name; "" for an undo)
	Did     string            // what (a Did name)
	Detail  string            // the keyword matched, …
	At      time.Time
	// Error says why the bot could not do it ("": done), e.g. the
	// group's owner did not grant the scope it needs.
	Error string
	// Undone is when a removal was undone, by whom (zero: not undone).
	Undone   time.Time
	UndoneBy hongyan.UserID
}

// Store keeps rules, the log, joins and the event cursor.
type Store interface {
	// SetRules stores r in place of the group's rules.
	SetRules(ctx context.Context, r Rules) error
	// Rules returns the group's rules (CodeNotFound if none were set).
	Rules(ctx context.Context, group hongyan.ConversationID) (Rules, error)
	// AddAction stores a and returns it with its ID. When a.Message is not
	// 0, a second action with the same message and Did is not stored:
	// CodeExists (a replayed event acts once).
	AddAction(ctx context.Context, a Action) (Action, error)
	// Action returns action id (CodeNotFound if none).
	Action(ctx context.Context, id int64) (Action, error)
	// Actions returns the group's actions with IDs below before (0: the
	// newest), newest first.
	Actions(ctx context.Context, group hongyan.ConversationID, before int64, limit int) ([]Action, error)
	// CountActions counts the group's actions on user of kind did that
	// are not undone, since t.
	CountActions(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID, did string, since time.Time) (int, error)
	// FailAction records why action id could not be done.
	FailAction(ctx context.Context, id int64, msg string) error
	// MarkUndone sets the action's Undone and UndoneBy if it is not undone
	// yet (CodePrecondition if it is).
	MarkUndone(ctx context.Context, id int64, by hongyan.UserID, at time.Time) error
	// SetJoined records that user joined group at t.
	SetJoined(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID, t time.Time) error
	// Joined returns when user joined group (zero: not seen joining).
	Joined(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (time.Time, error)
	// Cursor returns the last event seq handled of bot.
	Cursor(ctx context.Context, bot int64) (int64, error)
	// MoveCursor moves bot's cursor from `from` to `to`; CodePrecondition
	// (nothing changed) if it is no longer at from.
	MoveCursor(ctx context.Context, bot int64, from, to int64) error
}

// Member is a group member as the bot API shows it.
type Member struct {
	User hongyan.UserID
	Role string // owner, admin or member
}

// Bot is what the Guard does, as its bot, through the bot API (each call
// checked against the token's scopes and the group owner's grant).
type Bot interface {
	// Members lists the group's active members (groups:read).
	Members(ctx context.Context, group hongyan.ConversationID) ([]Member, error)
	// Send posts text to the group (messages:send).
	Send(ctx context.Context, group hongyan.ConversationID, text string, mention hongyan.UserID) error
	// RemoveMessage removes a message of the group (members:manage).
	RemoveMessage(ctx context.Context, group hongyan.ConversationID, msg hongyan.MessageID) error
	// RemoveMember removes user from the group (members:manage).
	RemoveMember(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) error
	// Invite invites user to the group; they must accept (members:manage).
	Invite(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) error
}

// Images tells whether an image the bot can read carries a QR code.
type Images interface {
	HasQR(ctx context.Context, media string) (bool, error)
}

// Roles tells a user's role in a group ("" when not an active member):
// who may read and set the rules (the group feature, filled by the node).
type Roles interface {
	Role(ctx context.Context, group hongyan.ConversationID, user hongyan.UserID) (string, error)
}

// Service implements the Guard's rules. It is safe for concurrent use.
type Service struct {
	store  Store
	bot    Bot
	images Images
	roles  Roles
	now    func() time.Time
	id     Identity
}

// New returns a Service; images may be nil (QR rules then match nothing).
func New(store Store, bot Bot, images Images, roles Roles) *Service {
	return &Service{store: store, bot: bot, images: images, roles: roles, now: time.Now}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var errNotAdmin = hongyan.Errorf(hongyan.CodeDenied, "only the group's owner and admins may manage the Group Guard").WithReason(hongyan.ReasonOwnerOnly)

// admin checks that c is the group's owner or an admin.
func (s *Service) admin(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) error {
	if group <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "bad group ID")
	}
	role, err := s.roles.Role(ctx, group, c.User)
	if err != nil {
		return err
	}
	if role != "owner" && role != "admin" {
		return errNotAdmin
	}
	return nil
}

// GetRules returns the group's rules to its owner and admins (disabled
// defaults when none were set).
func (s *Service) GetRules(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID) (Rules, error) {
	if err := s.admin(ctx, c, group); err != nil {
		return Rules{}, err
	}
	r, err := s.store.Rules(ctx, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Rules{Group: group, NewMemberHours: DefaultNewHour, RemoveMessage: true}, nil
	}
	return r, err
}

// SetRules checks and stores the group's rules (owner and admins).
func (s *Service) SetRules(ctx context.Context, c hongyan.Caller, r Rules) (Rules, error) {
	if err := s.admin(ctx, c, r.Group); err != nil {
		return Rules{}, err
	}
	if len(r.Keywords) > MaxKeywords {
		return Rules{}, hongyan.Errorf(hongyan.CodeInvalid, "at most %d keywords", MaxKeywords)
	}
	var kws []string
	for _, k := range r.Keywords {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if !utf8.ValidString(k) || utf8.RuneCountInString(k) > MaxKeywordLen {
			return Rules{}, hongyan.Errorf(hongyan.CodeInvalid, "a keyword has 1 to %d characters", MaxKeywordLen)
		}
		k = strings.ToLower(k)
		if !slices.Contains(kws, k) {
			kws = append(kws, k)
		}
	}
	r.Keywords = kws
	if r.Warnings < 0 || r.Warnings > MaxWarnings {
		return Rules{}, hongyan.Errorf(hongyan.CodeInvalid, "warnings is 0 to %d", MaxWarnings)
	}
	if r.NewMemberHours == 0 {
		r.NewMemberHours = DefaultNewHour
	}
	if r.NewMemberHours < 1 || r.NewMemberHours > MaxNewHours {
		return Rules{}, hongyan.Errorf(hongyan.CodeInvalid, "new-member hours is 1 to %d", MaxNewHours)
	}
	if r.Enabled && !r.RemoveMessage && !r.RemoveMember {
		return Rules{}, hongyan.Errorf(hongyan.CodeInvalid, "choose what happens on a match: remove the message, the member, or both")
	}
	r.UpdatedBy, r.Updated = c.User, s.now()
	if err := s.store.SetRules(ctx, r); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// Log returns the group's actions to its owner and admins, newest first,
// with IDs below before (0: from the newest).
func (s *Service) Log(ctx context.Context, c hongyan.Caller, group hongyan.ConversationID, before int64, limit int) ([]Action, error) {
	if err := s.admin(ctx, c, group); err != nil {
		return nil, err
	}
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if limit <= 0 || limit > MaxLogPage {
		limit = MaxLogPage
	}
	return s.store.Actions(ctx, group, before, limit)
}

// Undo undoes action id of the log (owner and admins of its group): a
// removed member is invited back — an invitation they must accept. A
// removed message cannot be restored (its content is gone), and a warning
// is only withdrawn (it no longer counts towards removal).
func (s *Service) Undo(ctx context.Context, c hongyan.Caller, id int64) (Action, error) {
	a, err := s.store.Action(ctx, id)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Action{}, hongyan.Errorf(hongyan.CodeNotFound, "no such Group Guard action")
	}
	if err != nil {
		return Action{}, err
	}
	if err := s.admin(ctx, c, a.Group); err != nil {
		if hongyan.ErrorCode(err) == hongyan.CodeDenied {
			return Action{}, hongyan.Errorf(hongyan.CodeNotFound, "no such Group Guard action")
		}
		return Action{}, err
	}
	if !a.Undone.IsZero() {
		return Action{}, hongyan.Errorf(hongyan.CodePrecondition, "this action was undone already")
	}
	switch a.Did {
	case DidRemoveMessage:
		return Action{}, hongyan.Errorf(hongyan.CodePrecondition, "a removed message cannot be restored: its content is deleted")
	case DidReinvite:
		return Action{}, hongyan.Errorf(hongyan.CodePrecondition, "an undo cannot be undone")
	case DidRemoveMember:
		if err := s.bot.Invite(ctx, a.Group, a.User); err != nil {
			return Action{}, err
		}
	}
	now := s.now()
	if err := s.store.MarkUndone(ctx, a.ID, c.User, now); err != nil {
		return Action{}, err
	}
	if a.Did == DidRemoveMember {
		if _, err := s.store.AddAction(ctx, Action{Group: a.Group, User: a.User, Did: DidReinvite, Detail: "undo of action " + itoa(a.ID), At: now}); err != nil {
			return Action{}, err
		}
	}
	a.Undone, a.UndoneBy = now, c.User
	return a, nil
}

// Event is one event of the Guard's bot, as the bot API shows it.
type Event struct {
	Seq  int64
	Type string // message, mention, member_joined, …
	Time time.Time
	Data json.RawMessage
}

type messageData struct {
	MessageID int64 `json:"message_id"`
	Chat      struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"chat"`
	Sender int64  `json:"sender"`
	Kind   string `json:"kind"`
	Text   string `json:"text"`
	Media  string `json:"media"`
}

type memberData struct {
	Group int64   `json:"group"`
	Users []int64 `json:"users"`
}

// Handle applies the rules to one event: a joined member is remembered
// (for the new-member rule); a group message that matches is acted on.
// An event handled twice acts once (the log is unique per message and
// action).
func (s *Service) Handle(ctx context.Context, self hongyan.UserID, e Event) error {
	switch e.Type {
	case "member_joined":
		var d memberData
		if json.Unmarshal(e.Data, &d) != nil || d.Group <= 0 {
			return nil
		}
		for _, u := range d.Users {
			if err := s.store.SetJoined(ctx, hongyan.ConversationID(d.Group), hongyan.UserID(u), e.Time); err != nil {
				return err
			}
		}
		return nil
	case "message", "mention":
	default:
		return nil
	}
	var d messageData
	if json.Unmarshal(e.Data, &d) != nil || d.Chat.Type != "group" || d.Chat.ID <= 0 || hongyan.UserID(d.Sender) == self {
		return nil
	}
	group := hongyan.ConversationID(d.Chat.ID)
	r, err := s.store.Rules(ctx, group)
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return nil
	}
	if err != nil || !r.Enabled {
		return err
	}
	sender := hongyan.UserID(d.Sender)
	rule, detail, err := s.match(ctx, r, sender, d, e.Time)
	if err != nil || rule == "" {
		return err
	}
	// The owner and admins are never acted on.
	ms, err := s.bot.Members(ctx, group)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.User == sender && m.Role != "member" {
			return nil
		}
	}
	msg := hongyan.MessageID(d.MessageID)
	act := func(did, det string, do func() error) error {
		a, err := s.store.AddAction(ctx, Action{Group: group, User: sender, Message: msg, Rule: rule, Did: did, Detail: det, At: s.now()})
		if hongyan.ErrorCode(err) == hongyan.CodeExists {
			return nil // done when this event was handled before
		}
		if err != nil {
			return err
		}
		if derr := do(); derr != nil {
			// Logged as tried: the grant may lack a scope, the member
			// may have left. The owner and admins read why in the log.
			return s.store.FailAction(ctx, a.ID, errText(derr))
		}
		return nil
	}
	if r.RemoveMessage {
		if err := act(DidRemoveMessage, detail, func() error { return s.bot.RemoveMessage(ctx, group, msg) }); err != nil {
			return err
		}
	}
	if r.RemoveMember {
		warned, err := s.store.CountActions(ctx, group, sender, DidWarn, time.Time{})
		if err != nil {
			return err
		}
		if warned < r.Warnings {
			left := r.Warnings - warned
			text := "⚠️ " + warningText(rule, left)
			return act(DidWarn, detail, func() error { return s.bot.Send(ctx, group, text, sender) })
		}
		return act(DidRemoveMember, detail, func() error { return s.bot.RemoveMember(ctx, group, sender) })
	}
	return nil
}

// warningText is the Guard's warning in the group (zh and en: the group's
// members may read either).
func warningText(rule string, left int) string {
	why := map[string]string{
		RuleKeyword:       "消息含有本群禁止的内容 / the message holds words this group does not allow",
		RuleLink:          "本群不允许发送链接 / links are not allowed in this group",
		RuleQRImage:       "本群不允许发送二维码图片 / QR-code images are not allowed in this group",
		RuleNewMemberLink: "新成员暂不能发送链接 / new members may not post links yet",
	}[rule]
	return why + "。再违规 " + itoa(int64(left)) + " 次将被移出本群 / " + itoa(int64(left)) + " more and you will be removed."
}

var linkRe = regexp.MustCompile(`(?i)(https?://|www\.)\S+|[a-z0-9][a-z0-9-]*\.(com|cn|net|org|io|cc|top|xyz|me|ly|co|info|vip|shop|site|club|link|app)\b`)

// HasLink reports whether text carries a link.
func HasLink(text string) bool {
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	return linkRe.MatchString(text)
}

// match returns the rule a message breaks ("" if none) and a detail.
func (s *Service) match(ctx context.Context, r Rules, sender hongyan.UserID, d messageData, at time.Time) (string, string, error) {
	text := d.Text
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	low := strings.ToLower(text)
	for _, k := range r.Keywords {
		if strings.Contains(low, k) {
			return RuleKeyword, k, nil
		}
	}
	link := d.Kind == "link" || HasLink(text)
	if link && r.Links {
		return RuleLink, "", nil
	}
	if link && r.NewMemberLinks {
		joined, err := s.store.Joined(ctx, hongyan.ConversationID(d.Chat.ID), sender)
		if err != nil {
			return "", "", err
		}
		if !joined.IsZero() && at.Sub(joined) < time.Duration(r.NewMemberHours)*time.Hour {
			return RuleNewMemberLink, "", nil
		}
	}
	if r.QRImages && (d.Kind == "image" || d.Kind == "sticker") && d.Media != "" && s.images != nil {
		found, err := s.images.HasQR(ctx, d.Media)
		if err == nil && found { // an image that cannot be searched is no match
			return RuleQRImage, "", nil
		}
	}
	return "", "", nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// errText is an error as the log keeps it (at most 200 bytes).
func errText(err error) string {
	m := hongyan.ErrorMessage(err)
	if len(m) > 200 {
		m = m[:200]
	}
	return m
}

// Identity is the Guard's bot: what a group's owner adds to a group.
type Identity struct {
	Bot     int64
	Account hongyan.UserID
}

// SetIdentity records the Guard's bot (the node, once it is made).
func (s *Service) SetIdentity(id Identity) { s.id = id }

// Identity returns the Guard's bot.
func (s *Service) Identity() Identity { return s.id }
