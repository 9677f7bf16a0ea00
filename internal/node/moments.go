package node

import (
	"context"
	"math"

	"hongyan/internal/chat"
	"hongyan/internal/contact"
	"hongyan/internal/discovery"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/media"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
)

// momentRelations lets Moments ask the contact feature who are friends.
type momentRelations struct{ contacts *contact.Service }

func (r momentRelations) Friends(ctx context.Context, user hongyan.UserID) ([]moments.Friend, error) {
	cs, err := r.contacts.Friends(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]moments.Friend, len(cs))
	for i, c := range cs {
		out[i] = moments.Friend{User: c.User, Tags: c.Tags}
	}
	return out, nil
}

func (r momentRelations) Friendship(ctx context.Context, a, b hongyan.UserID) (bool, bool, error) {
	return r.contacts.Friendship(ctx, a, b)
}

// A post's media are referenced from the media feature as the
// "conversation" -postID: chat conversations have positive IDs, so the two
// never meet, and mediaReaders asks Moments about the negative ones.
func momentRef(post int64) hongyan.ConversationID { return hongyan.ConversationID(-post) }

// momentFiles lets Moments show uploaded media in posts.
type momentFiles struct{ media *media.Service }

func (f momentFiles) Share(ctx context.Context, user hongyan.UserID, id string, post int64) (moments.Media, error) {
	i, err := f.media.Attach(ctx, user, id, momentRef(post))
	if err != nil {
		return moments.Media{}, err
	}
	return moments.Media{ID: i.ID, Video: i.Class == media.ClassVideo, Type: i.Type, Size: i.Size, Width: i.Width, Height: i.Height,
		DurationMS: i.DurationMS, Thumbnail: i.Thumbnail, Poster: i.Poster}, nil
}

// A user's Moments cover is referenced from the media feature as the
// "conversation" coverBase + the user's ID (below 2^53): between the
// bottles' range (below -2^62 + 2^53) and Moments' posts (from -2^54).
const (
	coverBase = bottleBase / 2
	coverSpan = 1 << 53
)

func coverRef(owner hongyan.UserID) hongyan.ConversationID {
	return hongyan.ConversationID(coverBase + int64(owner))
}

func (f momentFiles) ShareCover(ctx context.Context, user hongyan.UserID, id string) error {
	i, err := f.media.Attach(ctx, user, id, coverRef(user))
	if err == nil && i.Class != media.ClassImage {
		return hongyan.Errorf(hongyan.CodeInvalid, "a cover is an image, not a %s", i.Class)
	}
	return err
}

// mediaReaders answers the media feature who may read what was sent into
// a chat conversation (the chat feature) or shown by a post (Moments, set
// once it is built).
type mediaReaders struct {
	chats   *chat.Service
	moments *moments.Service
	forum   *officialacct.Service
	bottles *discovery.Service
	apps    *groupapp.Service
}

// An official account's forum post's images are referenced as the
// "conversation" forumBase + postID: far below the negative IDs of Moments
// (whose post IDs stay below 2^54), so the three never meet.
const forumBase = math.MinInt64

func forumRef(post int64) hongyan.ConversationID { return hongyan.ConversationID(forumBase + post) }

// forumImages lets official accounts' forums show uploaded images.
type forumImages struct{ media *media.Service }

func (f forumImages) Share(ctx context.Context, user hongyan.UserID, id string, post int64) error {
	i, err := f.media.Attach(ctx, user, id, forumRef(post))
	if err == nil && i.Class != media.ClassImage {
		return hongyan.Errorf(hongyan.CodeInvalid, "a post shows images only")
	}
	return err
}

func (r *mediaReaders) CanReadMedia(ctx context.Context, user hongyan.UserID, conv hongyan.ConversationID, id string) (bool, error) {
	if conv < forumBase/2 {
		if r.forum == nil {
			return false, nil
		}
		return r.forum.CanSeePost(ctx, user, int64(conv)-forumBase)
	}
	if conv < bottleBase+bottleSpan {
		if r.bottles == nil {
			return false, nil
		}
		return r.bottles.CanHear(ctx, user, hongyan.UserID(conv-bottleBase), id)
	}
	if conv < coverBase+coverSpan {
		if r.moments == nil || conv < coverBase {
			return false, nil
		}
		return r.moments.CanSeeCover(ctx, user, hongyan.UserID(conv-coverBase), id)
	}
	if conv < 0 {
		// Media are shared with a post only by posting it (momentFiles).
		if r.moments == nil {
			return false, nil
		}
		return r.moments.CanSee(ctx, user, int64(-conv))
	}
	ok, err := r.chats.CanReadMedia(ctx, user, conv, id)
	if ok || err != nil || r.apps == nil {
		return ok, err
	}
	// A file shared with the group (group files, homework files) is
	// readable by the members the group apps say, while it stands.
	return r.apps.CanReadFile(ctx, user, conv, id)
}
