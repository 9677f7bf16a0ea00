package botapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/bot"
	"hongyan/internal/hongyan"
)

// App cards (docs/bots.md "App cards"): a bot or third-party app holding
// apps:write, granted in the group, posts a card — title, description, a
// link the client opens, an optional image — into the group chat as its
// account. The server checks the link's form and never fetches it.

// Limits of an app card.
const (
	MaxCardTitle       = 64   // characters
	MaxCardDescription = 200  // characters
	MaxCardURL         = 2048 // bytes
	maxCardImage       = 128  // bytes of a media ID
)

// Card is an app card as the node posts it: the app's name shown on it
// (the bot's) and the app's bot ID.
type Card struct {
	App         int64
	AppName     string
	Title       string
	Description string
	URL         string
	Image       string
}

// CardBody is POST /bot/v1/groups/{group}/cards.
type CardBody struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	Image       string `json:"image,omitempty"`
	ClientID    string `json:"client_id,omitempty"`
}

// CheckCard checks a card's fields: a title of 1–64 characters, a
// description of at most 200 (lines of text), an http or https URL of at
// most 2048 bytes with a host and no user info (or none: a card that opens
// nothing), and an image media ID of
// at most 128 bytes or none.
func CheckCard(b CardBody) error {
	if strings.TrimSpace(b.Title) == "" {
		return hongyan.Errorf(hongyan.CodeInvalid, "a card needs a title")
	}
	if err := hongyan.ValidText("title", b.Title, MaxCardTitle); err != nil {
		return err
	}
	if utf8.RuneCountInString(b.Description) > MaxCardDescription {
		return hongyan.Errorf(hongyan.CodeInvalid, "description must be at most %d characters", MaxCardDescription)
	}
	for _, line := range strings.Split(b.Description, "\n") {
		if err := hongyan.ValidText("description", line, MaxCardDescription); err != nil {
			return err
		}
	}
	if b.URL != "" {
		if err := CheckCardURL(b.URL); err != nil {
			return err
		}
	}
	if len(b.Image) > maxCardImage || strings.ContainsFunc(b.Image, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return hongyan.Errorf(hongyan.CodeInvalid, "image is a media ID of at most %d bytes", maxCardImage)
	}
	if len(b.ClientID) > maxClientIDLen {
		return hongyan.Errorf(hongyan.CodeInvalid, "client_id has at most %d bytes", maxClientIDLen)
	}
	return nil
}

// CheckCardURL checks the link a card opens: absolute http or https, a
// host, no user info (https://bank.example@evil.example), no spaces or
// control characters, at most MaxCardURL bytes.
func CheckCardURL(s string) error {
	bad := hongyan.Errorf(hongyan.CodeInvalid, "url must be an http or https URL of at most %d bytes, with a host and no user info", MaxCardURL)
	if s == "" || len(s) > MaxCardURL || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return bad
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" || strings.Contains(u.Host, "@") {
		return bad
	}
	return nil
}

func (a *API) postCard(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	id, err := pathID(r, "group")
	if err != nil {
		return err
	}
	g := hongyan.ConversationID(id)
	if err := a.svc.Allow(r.Context(), p, bot.ScopeApps, g); err != nil {
		return err
	}
	var b CardBody
	if err := decode(w, r, &b); err != nil {
		return err
	}
	if err := CheckCard(b); err != nil {
		return err
	}
	if a.ops == nil {
		return hongyan.Errorf(hongyan.CodeUnimplemented, "app cards are not served here")
	}
	if b.ClientID == "" {
		b.ClientID = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	s, err := a.ops.PostCard(r.Context(), p.Bot.Account, g, Card{App: p.Bot.ID, AppName: p.Bot.Name,
		Title: b.Title, Description: b.Description, URL: b.URL, Image: b.Image}, cardKey(p.Bot.ID, b.ClientID))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

// cardKey names a bot's card by its client ID, short enough for a
// message's client ID whatever the bot sent.
func cardKey(bot int64, clientID string) string {
	sum := sha256.Sum256([]byte(clientID))
	return "b" + strconv.FormatInt(bot, 36) + ":" + hex.EncodeToString(sum[:16])
}

// PostCard posts an app card into group (POST /bot/v1/groups/{group}/cards).
func (l *Local) PostCard(ctx context.Context, group int64, b CardBody) (Sent, error) {
	var s Sent
	return s, l.Do(ctx, http.MethodPost, "groups/"+strconv.FormatInt(group, 10)+"/cards", b, &s)
}

// Images stores an image a bot uploads, as its account's media (the node
// fills it from the media feature, which checks the content and its size).
type Images interface {
	// MaxImage is the most bytes an image may have.
	MaxImage() int64
	// PutImage stores r, an image named name, as account's; it returns
	// the media ID.
	PutImage(ctx context.Context, account hongyan.UserID, name string, r io.Reader) (string, error)
}

// SetImages sets where bots' images go (before serving).
func (a *API) SetImages(i Images) { a.images = i }

// maxImageName is the most bytes of an uploaded image's name.
const maxImageName = 100

// uploadImage answers POST /bot/v1/media?name=NAME with the image in the
// body (JPEG, PNG, GIF or WebP, sniffed; at most the node's image limit):
// {"media": ID}, an image the bot's account owns, for a card's image.
// apps:write in any group the token may act in.
func (a *API) uploadImage(w http.ResponseWriter, r *http.Request, p bot.Principal) error {
	if !p.Token.Has(bot.ScopeApps) {
		return hongyan.Errorf(hongyan.CodeDenied, "this token lacks the scope %s", bot.ScopeApps)
	}
	if a.images == nil {
		return hongyan.Errorf(hongyan.CodeUnimplemented, "images are not stored here")
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "card-image"
	}
	if len(name) > maxImageName {
		return hongyan.Errorf(hongyan.CodeInvalid, "name has at most %d bytes", maxImageName)
	}
	if err := hongyan.ValidText("name", name, maxImageName); err != nil {
		return err
	}
	limit := a.images.MaxImage()
	if r.ContentLength > limit {
		return hongyan.Errorf(hongyan.CodeTooLarge, "an image has at most %d bytes", limit)
	}
	id, err := a.images.PutImage(r.Context(), p.Bot.Account, name, http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return hongyan.Errorf(hongyan.CodeTooLarge, "an image has at most %d bytes", limit)
		}
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"media": id})
	return nil
}
