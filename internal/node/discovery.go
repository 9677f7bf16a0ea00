package node

import (
	"context"
	"time"

	"hongyan/internal/account"
	"hongyan/internal/config"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/sqldb/stores"
)

// newDiscovery builds people nearby, shake and drift bottles from cfg.
func newDiscovery(cfg config.Config, db *stores.DB, contacts *contact.Service, accounts *account.Service, pub hongyan.Publisher) *discovery.Service {
	d := cfg.Discovery
	dcfg := discovery.Config{SpotTTL: d.LocationTTL.Duration, NearbyEvery: d.NearbyEvery.Duration, ShakeWindow: d.ShakeWindow.Duration,
		ShakesPerMinute: d.ShakesPerMinute, BottleTTL: d.BottleTTL.Duration, ThrowsPerDay: d.ThrowsPerDay, PicksPerDay: d.PicksPerDay,
		RepliesPerHour: d.RepliesPerHour}
	if loc, err := time.LoadLocation(d.DayZone); err == nil {
		dcfg.Day = loc // Validate has checked it
	}
	s := discovery.New(db.Discovery(), discoveryRelations{contacts}, discoveryProfiles{accounts}, pub, dcfg)
	if sharedLimits(cfg) {
		// Shakes per user then hold across the cluster (limitdb: one
		// autocommit statement on PostgreSQL, outside the write batches).
		s.UseLimiters(db.Limits().Limiters)
	}
	return s
}

// discoveryRelations lets discovery ask the contact feature about blocks.
type discoveryRelations struct{ contacts *contact.Service }

func (r discoveryRelations) Blocked(ctx context.Context, a, b hongyan.UserID) (bool, error) {
	_, blocked, err := r.contacts.Friendship(ctx, a, b)
	return blocked, err
}

func (r discoveryRelations) Greet(ctx context.Context, from, to hongyan.UserID, greeting string) error {
	_, err := r.contacts.SendRequest(ctx, hongyan.Caller{User: from}, to, greeting, "")
	return err
}

// discoveryProfiles lets discovery show strangers a user's public profile.
type discoveryProfiles struct{ accounts *account.Service }

func (p discoveryProfiles) Card(ctx context.Context, user hongyan.UserID) (discovery.Card, error) {
	a, err := p.accounts.Account(ctx, user)
	if err != nil {
		return discovery.Card{}, err
	}
	c := discovery.Card{Nickname: a.Profile.Nickname, Gender: discovery.Gender(a.Profile.Gender), Region: a.Profile.Region,
		Signature: a.Profile.Signature}
	if a.Profile.Avatar != "" {
		c.Avatar = "/avatar/" + a.Profile.Avatar
	}
	return c, nil
}

// A user's drift-bottle voice clips are referenced from the media feature
// as the "conversation" bottleBase + the thrower's user ID: user IDs stay
// below 2^53 (account.MaxUserID), so these lie between the forum's
// (below forumBase/2 = -2^62) and Moments' (from -2^54), and the media
// feature asks discovery (CanHear) about them.
const (
	bottleBase = forumBase / 2
	bottleSpan = 1 << 53
)

func bottleRef(thrower hongyan.UserID) hongyan.ConversationID {
	return hongyan.ConversationID(bottleBase + int64(thrower))
}

// bottleVoices lets drift bottles carry the thrower's voice clips.
type bottleVoices struct{ media *media.Service }

func (v bottleVoices) ShareVoice(ctx context.Context, user hongyan.UserID, id string) (time.Duration, error) {
	i, err := v.media.Attach(ctx, user, id, bottleRef(user))
	if err != nil {
		return 0, err
	}
	if i.Class != media.ClassVoice {
		return 0, hongyan.Errorf(hongyan.CodeInvalid, "a bottle carries a voice clip, not a %s", i.Class)
	}
	return time.Duration(i.DurationMS) * time.Millisecond, nil
}
