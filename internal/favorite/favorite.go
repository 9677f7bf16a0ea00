// Package favorite holds a user's favorites: saved messages (a copy taken
// when saved, so they outlive the chat), links and notes; their text can be
// edited and searched, and a favorite can be sent into a chat.
package favorite

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"hongyan/internal/hongyan"
)

// Kind is what a favorite holds. The values are those of the protocol.
type Kind int8

// The kinds.
const (
	KindMessage Kind = 0
	KindLink    Kind = 1
	KindNote    Kind = 2
)

// Favorite is one saved item.
type Favorite struct {
	ID    int64
	Owner hongyan.UserID
	Kind  Kind
	// Message kind: the saved message, as encoded by whoever saved it
	// (Messages.Snapshot), and its ID.
	Snapshot []byte
	Source   hongyan.MessageID
	URL      string // link kind
	// Text is what search finds and what is shown: the note, the message's
	// text, the link; the owner may edit it.
	Text    string
	Created time.Time
	Updated time.Time
}

// Store keeps favorites. A missing favorite, or one of another owner, is
// an error with hongyan.CodeNotFound.
type Store interface {
	// Add stores f (its ID is assigned) and appends changes, atomically.
	Add(ctx context.Context, f Favorite, changes []hongyan.Change) (Favorite, []hongyan.Change, error)
	Get(ctx context.Context, owner hongyan.UserID, id int64) (Favorite, error)
	// List returns up to limit of owner's favorites with ID below before
	// (all when 0), newest first, whose text contains query (ignoring case;
	// all when empty).
	List(ctx context.Context, owner hongyan.UserID, query string, before int64, limit int) ([]Favorite, error)
	// SetText changes a favorite's text and Updated time, appending changes.
	SetText(ctx context.Context, owner hongyan.UserID, id int64, text string, at time.Time, changes []hongyan.Change) ([]hongyan.Change, error)
	// Delete removes a favorite, appending changes.
	Delete(ctx context.Context, owner hongyan.UserID, id int64, changes []hongyan.Change) ([]hongyan.Change, error)
}

// Messages copies the messages a user may save (the chat feature).
type Messages interface {
	// Snapshot returns an encoded copy of message id and its text, if the
	// caller can see it.
	Snapshot(ctx context.Context, c hongyan.Caller, id hongyan.MessageID) (snapshot []byte, text string, err error)
}

// Limits of the favorite rules.
const (
	MaxText = 10000 // characters of a note or an edited text
	MaxURL  = 2048
	MaxPage = 200
)

// Service implements the favorite rules. It is safe for concurrent use.
type Service struct {
	store Store
	msgs  Messages
	pub   hongyan.Publisher
	now   func() time.Time
}

// New returns a Service.
func New(store Store, msgs Messages, pub hongyan.Publisher) *Service {
	return &Service{store: store, msgs: msgs, pub: pub, now: time.Now}
}

// Item is what to save: exactly one of a message, a link or a note.
type Item struct {
	Message hongyan.MessageID
	URL     string
	Note    string
}

// Add saves an item to the caller's favorites.
func (s *Service) Add(ctx context.Context, c hongyan.Caller, it Item) (Favorite, error) {
	set := 0
	for _, ok := range []bool{it.Message != 0, it.URL != "", it.Note != ""} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return Favorite{}, hongyan.Errorf(hongyan.CodeInvalid, "save one message, link or note")
	}
	now := s.now()
	f := Favorite{Owner: c.User, Created: now, Updated: now}
	switch {
	case it.Message != 0:
		snap, text, err := s.msgs.Snapshot(ctx, c, it.Message)
		if err != nil {
			return Favorite{}, err
		}
		f.Kind, f.Snapshot, f.Source, f.Text = KindMessage, snap, it.Message, text
	case it.URL != "":
		u, err := url.Parse(it.URL)
		if err != nil || len(it.URL) > MaxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Favorite{}, hongyan.Errorf(hongyan.CodeInvalid, "a link needs an http or https URL of at most %d bytes", MaxURL)
		}
		f.Kind, f.URL, f.Text = KindLink, it.URL, it.URL
	default:
		if err := hongyan.ValidText("note", it.Note, MaxText); err != nil {
			return Favorite{}, err
		}
		if strings.TrimSpace(it.Note) == "" {
			return Favorite{}, hongyan.Errorf(hongyan.CodeInvalid, "empty note")
		}
		f.Kind, f.Text = KindNote, it.Note
	}
	f, changes, err := s.store.Add(ctx, f, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeFavorite}})
	if err != nil {
		return Favorite{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return f, nil
}

// Get returns one of the caller's favorites.
func (s *Service) Get(ctx context.Context, c hongyan.Caller, id int64) (Favorite, error) {
	return s.store.Get(ctx, c.User, id)
}

// List returns the caller's favorites containing query (all when empty),
// newest first, below ID before (0: from the newest).
func (s *Service) List(ctx context.Context, c hongyan.Caller, query string, before int64, limit int) ([]Favorite, error) {
	if !utf8.ValidString(query) || utf8.RuneCountInString(query) > 100 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "search text must be valid and at most 100 characters")
	}
	if before < 0 {
		return nil, hongyan.Errorf(hongyan.CodeInvalid, "before must not be negative")
	}
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	return s.store.List(ctx, c.User, query, before, limit)
}

// Edit replaces the text of one of the caller's favorites.
func (s *Service) Edit(ctx context.Context, c hongyan.Caller, id int64, text string) (Favorite, error) {
	if err := hongyan.ValidText("text", text, MaxText); err != nil {
		return Favorite{}, err
	}
	changes, err := s.store.SetText(ctx, c.User, id, text, s.now(), []hongyan.Change{{User: c.User, Kind: hongyan.ChangeFavorite, Ref: id}})
	if err != nil {
		return Favorite{}, err
	}
	s.pub.PublishChanges(ctx, changes)
	return s.store.Get(ctx, c.User, id)
}

// Delete removes one of the caller's favorites.
func (s *Service) Delete(ctx context.Context, c hongyan.Caller, id int64) error {
	changes, err := s.store.Delete(ctx, c.User, id, []hongyan.Change{{User: c.User, Kind: hongyan.ChangeFavorite, Ref: id}})
	if err != nil {
		return err
	}
	s.pub.PublishChanges(ctx, changes)
	return nil
}
