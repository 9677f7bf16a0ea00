package gateway

import (
	"google.golang.org/protobuf/reflect/protoreflect"
	"hongyan/internal/bot"
	"hongyan/internal/guard"
	"hongyan/internal/outreach"

	"hongyan/internal/addressbook"
	"hongyan/internal/chat"
	"hongyan/internal/contact"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/group"
	"hongyan/internal/groupapp"
	"hongyan/internal/hongyan"
	"hongyan/internal/moments"
	"hongyan/internal/officialacct"
	"hongyan/internal/wallet"
)

// Every repeated field a request may carry is bounded by the limit its
// feature sets, and checked on the decoded frame before the request is
// served, so that no handler or feature works on a list longer than the
// product allows (a 2 MiB frame holds two million one-byte user IDs).
// TestEveryListBounded finds every repeated field of every request: a new
// one must be given its limit here.
var listLimits = map[protoreflect.FullName]int{
	"hongyan.v1.SendRequest.mentions":       chat.MaxMentions,
	"hongyan.v1.BroadcastRequest.peers":     chat.MaxBroadcast,
	"hongyan.v1.ForwardRequest.messages":    chat.MaxForward,
	"hongyan.v1.UpdateContactRequest.tags":  contact.MaxTags,
	"hongyan.v1.CreateGroupRequest.members": group.MaxBatch,
	"hongyan.v1.GroupUsersRequest.users":    group.MaxBatch,
	// Moments.
	"hongyan.v1.MomentPostRequest.media":                moments.MaxImages,
	"hongyan.v1.MomentPostRequest.mentions":             moments.MaxMentions,
	"hongyan.v1.MomentPostRequest.tags":                 moments.MaxTags,
	"hongyan.v1.MomentPostRequest.people":               moments.MaxPeople,
	"hongyan.v1.MomentSettingsRequest.hide_mine_from":   moments.MaxHidesAtOnce,
	"hongyan.v1.MomentSettingsRequest.unhide_mine_from": moments.MaxHidesAtOnce,
	"hongyan.v1.MomentSettingsRequest.hide_theirs":      moments.MaxHidesAtOnce,
	"hongyan.v1.MomentSettingsRequest.unhide_theirs":    moments.MaxHidesAtOnce,
	// Official accounts.
	"hongyan.v1.OaBroadcastRequest.users":       officialacct.MaxTargetUser,
	"hongyan.v1.OaContent.articles":             officialacct.MaxNews,
	"hongyan.v1.OaContent.fields":               officialacct.MaxFields,
	"hongyan.v1.OaIpAllowRequest.allow":         officialacct.MaxIPAllow,
	"hongyan.v1.OaIpAllowRequest.oauth_domains": officialacct.MaxOAuthDomains,
	"hongyan.v1.OaMenu.buttons":                 3,
	"hongyan.v1.OaButton.sub":                   5,
	"hongyan.v1.OaArticle.body":                 officialacct.MaxBlocks,
	"hongyan.v1.OaTagFollowersRequest.users":    50,
	"hongyan.v1.OaForumPostRequest.media_ids":   officialacct.MaxForumMedia,
	// Wallet.
	"hongyan.v1.WalletHistoryRequest.kinds": wallet.MaxKinds,
	// Address books.
	"hongyan.v1.AbBackupRequest.contacts": addressbook.MaxContacts,
	"hongyan.v1.AbContact.phones":         addressbook.MaxPhones,
	"hongyan.v1.AbContact.emails":         addressbook.MaxEmails,
	"hongyan.v1.AbMatchRequest.hashes":    addressbook.MaxMatchRequest,
	// Group apps.
	"hongyan.v1.PollCreateRequest.options":                groupapp.MaxPollOptions,
	"hongyan.v1.PollVoteRequest.choices":                  groupapp.MaxPollOptions,
	"hongyan.v1.HomeworkSubmitRequest.files":              groupapp.MaxSubmissionFiles,
	"hongyan.v1.EventCreateRequest.remind_before_minutes": groupapp.MaxAutoReminders,
	"hongyan.v1.AlbumPhotosRequest.media":                 groupapp.MaxPhotosPerAdd,
	// Bots.
	"hongyan.v1.BotTokenRequest.scopes":        bot.MaxScopes,
	"hongyan.v1.BotAppRegisterRequest.scopes":  bot.MaxScopes,
	"hongyan.v1.BotAppAuthorizeRequest.scopes": bot.MaxScopes,
	"hongyan.v1.BotAddToGroupRequest.scopes":   bot.MaxScopes,
	"hongyan.v1.GuardRules.keywords":           guard.MaxKeywords,
	"hongyan.v1.GroupForwardRequest.to_groups": outreach.MaxForwardTargets,
	"hongyan.v1.GroupInviteBatchRequest.users": outreach.MaxInviteBatch,
}

// defaultListLimit bounds a repeated field missing from listLimits (a test
// keeps there from being any).
const defaultListLimit = 100

var (
	reqOneof = (&pb.ClientFrame{}).ProtoReflect().Descriptor().Oneofs().ByName("req")
	// listy holds the request messages that hold a repeated field, at any
	// depth: only those are walked.
	listy = func() map[protoreflect.FullName]bool {
		m := map[protoreflect.FullName]bool{}
		fields := reqOneof.Fields()
		for i := range fields.Len() {
			if md := fields.Get(i).Message(); md != nil {
				hasList(md, m, map[protoreflect.FullName]bool{})
			}
		}
		return m
	}()
)

// hasList reports whether md holds a repeated field at any depth, noting
// the messages that do in out.
func hasList(md protoreflect.MessageDescriptor, out, seen map[protoreflect.FullName]bool) bool {
	if seen[md.FullName()] {
		return out[md.FullName()]
	}
	seen[md.FullName()] = true
	found := false
	fs := md.Fields()
	for i := range fs.Len() {
		fd := fs.Get(i)
		if fd.IsList() || fd.IsMap() {
			found = true
		}
		if fd.Message() != nil && hasList(fd.Message(), out, seen) {
			found = true
		}
	}
	if found {
		out[md.FullName()] = true
	}
	return found
}

// checkLists refuses a request with a repeated field longer than its limit.
func checkLists(f *pb.ClientFrame) error {
	m := f.ProtoReflect()
	fd := m.WhichOneof(reqOneof)
	if fd == nil || fd.Message() == nil || !listy[fd.Message().FullName()] {
		return nil
	}
	return walkLists(m.Get(fd).Message())
}

func walkLists(m protoreflect.Message) error {
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() || fd.IsMap():
			n := 0
			if fd.IsList() {
				n = v.List().Len()
			} else {
				n = v.Map().Len()
			}
			limit, ok := listLimits[fd.FullName()]
			if !ok {
				limit = defaultListLimit
			}
			if n > limit {
				err = hongyan.Errorf(hongyan.CodeInvalid, "%s: at most %d entries, got %d", fd.Name(), limit, n)
				return false
			}
			if fd.IsList() && fd.Message() != nil && listy[fd.Message().FullName()] {
				for i := range n {
					if err = walkLists(v.List().Get(i).Message()); err != nil {
						return false
					}
				}
			}
		case fd.Message() != nil && listy[fd.Message().FullName()]:
			err = walkLists(v.Message())
		}
		return err == nil
	})
	return err
}
