package chat

import (
	"context"
	"strconv"

	"hongyan/internal/hongyan"
)

// Screened is what a Screener sees of a message about to be sent.
type Screened struct {
	Sender hongyan.UserID
	// Target names the recipient or group ("u:ID", "g:ID").
	Target string
	Kind   Kind
	Text   string
	Link   bool // a link card
	Image  bool // an image or sticker
	// Media is an image's or sticker's uploaded media ID ("" if none):
	// the screener may look inside it (QR codes).
	Media string
}

// Screener looks at each message before it is committed (spam and scam
// detection, which the node fills). An error refuses the message and
// nothing is stored; nil lets it through, with flagged set when it looks
// like spam all the same (then the message carries Message.Spam, and its
// recipients are warned).
type Screener interface {
	ScreenMessage(ctx context.Context, m Screened) (flagged bool, err error)
}

// screen asks the Screener, if there is one, about o from sender.
func (s *Service) screen(ctx context.Context, sender hongyan.UserID, o Outgoing) (bool, error) {
	if s.x.Screen == nil || o.screened {
		return o.flagged, nil
	}
	m := Screened{Sender: sender, Kind: o.Kind, Text: o.Text, Link: o.URL != ""}
	if o.content != nil {
		m.Kind, m.Text, m.Link = o.content.Kind, o.content.Text, o.content.Kind == KindLink
	}
	m.Image = m.Kind == KindImage || m.Kind == KindSticker
	if m.Image {
		m.Media = o.Media
		if o.content != nil && o.content.Media != nil {
			m.Media = o.content.Media.ID
		}
	}
	if o.Group > 0 {
		m.Target = "g:" + strconv.FormatInt(int64(o.Group), 10)
	} else {
		m.Target = "u:" + strconv.FormatInt(int64(o.Peer), 10)
	}
	return s.x.Screen.ScreenMessage(ctx, m)
}
