package chat

import (
	"context"
	"math"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// mediaClass is the media class each media-carrying kind needs.
var mediaClass = map[Kind][]string{
	KindImage:   {"image"},
	KindVoice:   {"voice"},
	KindVideo:   {"video"},
	KindFile:    {"file", "image", "voice", "video"},
	KindSticker: {"sticker", "image"},
}

// checkContent checks what a device sent, before anything is looked up.
func checkContent(o Outgoing) error {
	text := func(required bool) error {
		if required && o.Text == "" {
			return hongyan.Errorf(hongyan.CodeInvalid, "empty message")
		}
		if len(o.Text) > MaxTextBytes || utf8.RuneCountInString(o.Text) > MaxText {
			return hongyan.Errorf(hongyan.CodeTooLarge, "a text message holds at most %d characters", MaxText).WithReason(hongyan.ReasonTextTooLong)
		}
		if !utf8.ValidString(o.Text) {
			return hongyan.Errorf(hongyan.CodeInvalid, "message is not valid UTF-8")
		}
		return nil
	}
	only := func(what string, set bool) error {
		if set {
			return hongyan.Errorf(hongyan.CodeInvalid, "a %s message carries no %s", kindName(o.Kind), what)
		}
		return nil
	}
	var errs []error
	switch o.Kind {
	case KindText:
		errs = append(errs, text(true), only("media", o.Media != ""), only("location", o.Location != nil),
			only("card", o.Card != 0), only("link", o.URL != ""))
	case KindImage, KindVoice, KindVideo, KindFile, KindSticker:
		if o.Media == "" || len(o.Media) > 64 {
			return hongyan.Errorf(hongyan.CodeInvalid, "a %s message needs an uploaded media ID", kindName(o.Kind))
		}
		errs = append(errs, only("text", o.Text != ""), only("location", o.Location != nil),
			only("card", o.Card != 0), only("link", o.URL != ""))
	case KindLocation:
		l := o.Location
		if l == nil || math.IsNaN(l.Latitude) || math.IsNaN(l.Longitude) ||
			l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180 {
			return hongyan.Errorf(hongyan.CodeInvalid, "a location needs a latitude in [-90, 90] and a longitude in [-180, 180]")
		}
		if err := hongyan.ValidText("place name", l.Name, MaxPlace); err != nil {
			return err
		}
		if err := hongyan.ValidText("address", l.Address, MaxPlace); err != nil {
			return err
		}
		errs = append(errs, only("text", o.Text != ""), only("media", o.Media != ""), only("card", o.Card != 0), only("link", o.URL != ""))
	case KindCard:
		if o.Card <= 0 {
			return hongyan.Errorf(hongyan.CodeInvalid, "a contact card needs a user")
		}
		errs = append(errs, only("text", o.Text != ""), only("media", o.Media != ""), only("location", o.Location != nil), only("link", o.URL != ""))
	case KindLink:
		u, err := url.Parse(o.URL)
		if err != nil || len(o.URL) > MaxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return hongyan.Errorf(hongyan.CodeInvalid, "a link needs an http or https URL of at most %d bytes", MaxURL)
		}
		errs = append(errs, only("text", o.Text != ""), only("media", o.Media != ""), only("location", o.Location != nil), only("card", o.Card != 0))
	case KindHistory:
		return hongyan.Errorf(hongyan.CodeInvalid, "chat history is sent by forwarding messages merged")
	case KindNotice, KindRecalled, KindTransfer, KindRedPacket, KindAppCard, KindCall:
		return hongyan.Errorf(hongyan.CodeInvalid, "%s messages are written by the server", kindName(o.Kind))
	default:
		return hongyan.Errorf(hongyan.CodeInvalid, "unknown message kind %d", o.Kind)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fill completes nm with what the message's content refers to: the media,
// the link preview, the quoted message, the card's user.
func (s *Service) fill(ctx context.Context, c hongyan.Caller, o Outgoing, nm *NewMessage) error {
	m := &nm.Message
	m.Kind, m.Text = o.Kind, o.Text
	if o.Quote != 0 {
		q, qconv, err := s.message(ctx, c, o.Quote)
		if err != nil {
			return err
		}
		if !sameChat(qconv, nm) || q.Kind == KindRecalled {
			return hongyan.Errorf(hongyan.CodeInvalid, "a reply quotes a message of the same chat")
		}
		vis, err := s.visible(ctx, c, []Message{q})
		if err != nil {
			return err
		}
		if len(vis) == 0 {
			return hongyan.Errorf(hongyan.CodeNotFound, "no such message")
		}
		m.Quote = &Quote{Message: q.ID, Sender: q.Sender, Kind: q.Kind, Text: excerpt(q.Text, MaxQuoteText)}
	}
	switch o.Kind {
	case KindImage, KindVoice, KindVideo, KindFile, KindSticker:
		if s.x.Media == nil {
			return hongyan.Errorf(hongyan.CodeUnimplemented, "media messages are not available")
		}
		conv, err := s.target(ctx, nm)
		if err != nil {
			return err
		}
		md, err := s.x.Media.Attach(ctx, c.User, o.Media, conv)
		if err != nil {
			return err
		}
		if !slices.Contains(mediaClass[o.Kind], md.Class) {
			return hongyan.Errorf(hongyan.CodeInvalid, "media %s is a %s, not a %s", md.ID, md.Class, kindName(o.Kind))
		}
		if o.Kind == KindVoice && (md.DurationMS <= 0 || md.DurationMS > 60_000) {
			return hongyan.Errorf(hongyan.CodeInvalid, "a voice message lasts at most 60 seconds").WithReason(hongyan.ReasonVoiceTooLong)
		}
		m.Media = &md
		if o.Kind == KindFile {
			m.Text = md.Name
		}
	case KindLocation:
		l := *o.Location
		m.Location, m.Text = &l, l.Name
	case KindCard:
		if err := s.rel.CanMessage(ctx, c.User, o.Card); err != nil {
			return hongyan.Errorf(hongyan.CodeDenied, "you can share the card of a contact only")
		}
		m.Card = o.Card
	case KindLink:
		link := Link{URL: o.URL}
		if s.x.Previews != nil {
			// A page that cannot be fetched still makes a card: its URL.
			if p, err := s.x.Previews.Preview(ctx, c.User, o.URL); err == nil {
				link = p
				link.URL = o.URL
			}
		}
		if link.Image != "" {
			if s.x.Media == nil {
				link.Image = ""
			} else if err := s.attachLinkImage(ctx, c, nm, link.Image); err != nil {
				link.Image = ""
			}
		}
		link.Title = excerpt(link.Title, 200)
		link.Description = excerpt(link.Description, 500)
		m.Link = &link
		m.Text = strings.TrimSpace(link.Title + " " + link.URL)
	}
	return nil
}

// attachCopies lets the members of the chat nm goes to download the media a
// forwarded message (or the messages of a chat history) carries.
func (s *Service) attachCopies(ctx context.Context, c hongyan.Caller, nm *NewMessage) error {
	ids := nm.Message.MediaIDs()
	if len(ids) == 0 {
		return nil
	}
	if s.x.Media == nil {
		return hongyan.Errorf(hongyan.CodeUnimplemented, "media messages are not available")
	}
	conv, err := s.target(ctx, nm)
	if err != nil {
		return err
	}
	for _, id := range ids {
		md, err := s.x.Media.Attach(ctx, c.User, id, conv)
		if err != nil {
			return err
		}
		if app := nm.Message.App; app != nil && app.Image == id && md.Class != "image" {
			return hongyan.Errorf(hongyan.CodeInvalid, "a card's image is an image, not a %s", md.Class)
		}
	}
	return nil
}

func (s *Service) attachLinkImage(ctx context.Context, c hongyan.Caller, nm *NewMessage, id string) error {
	conv, err := s.target(ctx, nm)
	if err != nil {
		return err
	}
	_, err = s.x.Media.Attach(ctx, c.User, id, conv)
	return err
}

// target returns the conversation nm goes to, creating an empty
// one-to-one conversation if it does not exist yet (media must know where
// they are sent before the message is).
func (s *Service) target(ctx context.Context, nm *NewMessage) (hongyan.ConversationID, error) {
	if nm.Group != 0 {
		return nm.Group, nil
	}
	dc, err := s.store.DirectConversation(ctx, nm.A, nm.B)
	return dc.ID, err
}

// sameChat reports whether conv is the chat nm goes to.
func sameChat(conv Conversation, nm *NewMessage) bool {
	if nm.Group != 0 {
		return conv.ID == nm.Group
	}
	return !conv.Group && conv.A == nm.A && conv.B == nm.B
}

// copyContent copies what src carries into m (a forward).
func copyContent(m *Message, src Message) {
	m.Kind, m.Text = src.Kind, src.Text
	m.Media, m.Location, m.Card, m.Link, m.History, m.Money, m.App = src.Media, src.Location, src.Card, src.Link, src.History, src.Money, src.App
	m.Call = src.Call
}

// excerpt cuts s to at most n characters.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func dedupe(ids []hongyan.UserID) []hongyan.UserID {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func kindName(k Kind) string {
	switch k {
	case KindText:
		return "text"
	case KindImage:
		return "image"
	case KindVoice:
		return "voice"
	case KindVideo:
		return "video"
	case KindFile:
		return "file"
	case KindLocation:
		return "location"
	case KindSticker:
		return "sticker"
	case KindCard:
		return "contact card"
	case KindLink:
		return "link"
	case KindHistory:
		return "chat history"
	case KindNotice:
		return "notice"
	case KindTransfer:
		return "transfer"
	case KindRedPacket:
		return "red packet"
	case KindAppCard:
		return "group app card"
	case KindCall:
		return "call record"
	case KindRecalled:
		return "recalled"
	}
	return "unknown"
}
