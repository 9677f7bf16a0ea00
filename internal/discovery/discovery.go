// Package discovery is the Discover tab's ways of meeting strangers
// (PRODUCT §6): people nearby, shake and drift bottles.
//
// Privacy holds the feature together. Nearby is opt-in: a user appears only
// after sharing a location, and disappears when clearing it or when the
// entry expires (Config.SpotTTL). Others never learn a position: they see a
// distance band (within 100 m, 200 m, 500 m, 1 km, 2 km, 5 km, 10 km) of a
// distance jittered by an amount fixed per viewer, person and shared
// location (so asking again does not average it away), and a user may ask
// once per Config.NearbyEvery. People who blocked each other never meet
// through any of the three. Rate limits count in the store, so that every
// node of a cluster shares them; shaking is matched in the store too.
package discovery

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Gender is the gender a profile states. The values are those of the
// account feature and the protocol.
type Gender int8

// The genders.
const (
	GenderAny    Gender = 0 // unset on a profile; no filter in a query
	GenderMale   Gender = 1
	GenderFemale Gender = 2
)

// Point is a position in degrees (WGS 84).
type Point struct{ Lat, Lon float64 }

// Card is what strangers are shown of a user: the profile's public part,
// taken when the user shares a location or shakes.
type Card struct {
	Nickname  string `json:"n,omitempty"`
	Avatar    string `json:"a,omitempty"`
	Gender    Gender `json:"g,omitempty"`
	Region    string `json:"r,omitempty"`
	Signature string `json:"s,omitempty"`
}

// Spot is a user's shared location for people nearby. Cells are the grid
// cells of Point at each of Levels (see Cells) that the store indexes.
type Spot struct {
	User    hongyan.UserID
	Point   Point
	Cells   [3]int64
	Card    Card
	Updated time.Time
}

// Shake is a user's shake: when, where (when shared) and with whom it was
// matched (0: waiting).
type Shake struct {
	User    hongyan.UserID
	At      time.Time
	Point   Point
	Located bool
	Card    Card
	Match   hongyan.UserID
}

// Bottle is a drift bottle. Picker holds it while picked (0: drifting);
// Replied: the picker answered and the two talk in Messages.
type Bottle struct {
	ID      int64
	Thrower hongyan.UserID
	Text    string
	// Voice is the media ID of the voice clip the bottle carries (empty:
	// text only), VoiceMS its length.
	Voice   string
	VoiceMS int
	Created time.Time
	Expires time.Time
	Picker  hongyan.UserID
	Replied bool
}

// BottleMessage is one message of a bottle's conversation.
type BottleMessage struct {
	ID          int64
	Bottle      int64
	FromThrower bool
	Text        string
	Created     time.Time
}

// Store keeps discovery durably; it is the union of the ports by concern.
// A missing object is an error with hongyan.CodeNotFound.
type Store interface {
	Spots
	Shakes
	Bottles
	Quotas
}

// Spots keeps the shared locations of people nearby.
type Spots interface {
	// SetSpot stores s, replacing the user's previous spot.
	SetSpot(ctx context.Context, s Spot) error
	// ClearSpot removes user's spot (none is not an error).
	ClearSpot(ctx context.Context, user hongyan.UserID) error
	Spot(ctx context.Context, user hongyan.UserID) (Spot, error)
	// Around returns up to limit spots other than user's in the given
	// cells of Levels[level], updated at
	// or after since, of gender g (any when GenderAny), in no set order,
	// without their cards (Spot.Card is zero: see Cards).
	Around(ctx context.Context, user hongyan.UserID, cells []int64, level int, since time.Time, g Gender, limit int) ([]Spot, error)
	// Cards returns the cards of the spots of users (those without a spot
	// are left out).
	Cards(ctx context.Context, users []hongyan.UserID) (map[hongyan.UserID]Card, error)
	// PruneSpots removes spots updated before before and returns how many.
	PruneSpots(ctx context.Context, before time.Time) (int, error)
}

// Shakes keeps shakes and matches them, so that every node sees them.
type Shakes interface {
	// AddShake stores s (unmatched), replacing the user's previous shake.
	AddShake(ctx context.Context, s Shake) error
	// ShakeAndPair stores s (unmatched, replacing the user's previous
	// shake) and, in the same transaction, matches it with the first of
	// candidates (at most MaxCandidates, in order) whose shake made since
	// since still waits, returning that user (0: none still waited, s
	// waits) and the changes of kind hongyan.ChangeShake to each (Ref =
	// the other).
	ShakeAndPair(ctx context.Context, s Shake, candidates []hongyan.UserID, since time.Time) (other hongyan.UserID, changes []hongyan.Change, err error)
	// Shakers returns up to limit unmatched shakes other than user's made
	// at or after since, oldest first.
	Shakers(ctx context.Context, user hongyan.UserID, since time.Time, limit int) ([]Shake, error)
	// Pair matches the shakes of a and b if both are still unmatched and
	// made at or after since, atomically, and appends one change of kind
	// hongyan.ChangeShake to each (Ref = the other). ok is false when
	// either was matched or gone meanwhile; then nothing changed, and
	// matched is whom a's shake is matched with (0: no one, or gone) as
	// the same statement saw it, so that a caller matched meanwhile learns
	// it without another read.
	Pair(ctx context.Context, a, b hongyan.UserID, since time.Time) (changes []hongyan.Change, ok bool, matched hongyan.UserID, err error)
	// ShakeOf returns user's latest shake.
	ShakeOf(ctx context.Context, user hongyan.UserID) (Shake, error)
	// ShakesOf returns the latest shakes of users (at most 256; those
	// without one are left out), in no set order.
	ShakesOf(ctx context.Context, users []hongyan.UserID) ([]Shake, error)
	// PruneShakes removes shakes made before before.
	PruneShakes(ctx context.Context, before time.Time) (int, error)
}

// Bottles keeps drift bottles and their conversations.
type Bottles interface {
	// Throw stores b (its ID is assigned) drifting.
	Throw(ctx context.Context, b Bottle) (Bottle, error)
	// Pick gives user a random drifting bottle that is not user's, not
	// expired at now and not one user threw back, atomically.
	// hongyan.CodeNotFound when there is none.
	Pick(ctx context.Context, user hongyan.UserID, now time.Time) (Bottle, error)
	// Return throws back the bottle user holds and has not answered: it
	// drifts again, and user never picks it again.
	Return(ctx context.Context, user hongyan.UserID, id int64) error
	Bottle(ctx context.Context, id int64) (Bottle, error)
	// AddMessage stores m (its ID is assigned), marks the bottle replied
	// and appends one change of kind hongyan.ChangeBottle (Ref = the
	// bottle) to each of notify.
	AddMessage(ctx context.Context, m BottleMessage, notify []hongyan.UserID) (BottleMessage, []hongyan.Change, error)
	// BottlesOf returns up to limit bottles user threw or holds, newest
	// first.
	BottlesOf(ctx context.Context, user hongyan.UserID, limit int) ([]Bottle, error)
	// Messages returns up to limit messages of bottle, oldest first.
	Messages(ctx context.Context, bottle int64, limit int) ([]BottleMessage, error)
	// CanHear reports whether user threw or holds one of thrower's
	// bottles that carries voice clip voice.
	CanHear(ctx context.Context, thrower, user hongyan.UserID, voice string) (bool, error)
	// PruneBottles removes the bottles that expired before before and were
	// never answered, and returns how many.
	PruneBottles(ctx context.Context, before time.Time) (int, error)
}

// Quotas counts uses per user in fixed periods, in the store so that every
// node of a cluster shares the count.
type Quotas interface {
	// Take counts one use of what by user in period (a number the caller
	// derives from the time: a minute, a day) if fewer than max were
	// counted in it, and reports whether it did.
	Take(ctx context.Context, user hongyan.UserID, what string, period int64, max int) (bool, error)
}
