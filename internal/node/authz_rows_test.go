package node_test

import (
	"net/url"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	"hongyan/internal/bot"
	pb "hongyan/internal/gen/hongyanv1"
)

// The rows of the authorisation matrix (authz_matrix_test.go says how to
// add one). Columns: anonymous, self, friend, stranger, blocked, member,
// group-admin, group-owner, removed-member, oa-operator. In the fixture,
// self wrote the message (to the friend), the Moment, the favorite, the
// transfer (to the friend) and blocked "blocked"; the group owner made the
// group, its poll, live code, red packet and bot; the operator runs the
// official account, which the member follows.
var wsRows = map[string]wsRow{
	// Sessions and the connection.
	"hello":             {func(w *world) proto.Message { return &pb.Hello{Token: "bogus"} }, "Uaaaaaaaaa"},
	"ping":              {nil, "AAAAAAAAAA"},
	"sync":              {nil, "UAAAAAAAAA"},
	"register":          {nil, "IIIIIIIIII"},
	"login":             {nil, "UUUUUUUUUU"},
	"logout":            {nil, "Uaaaaaaaaa"},
	"me":                {nil, "UAAAAAAAAA"},
	"devices":           {nil, "UAAAAAAAAA"},
	"revoke_device":     {func(w *world) proto.Message { return &pb.DeviceRef{Device: w.users[self].device} }, "UaNNNNNNNN"},
	"revoke_all":        {nil, "Uaaaaaaaaa"},
	"change_password":   {nil, "UIIIIIIIII"},
	"update_profile":    {nil, "UAAAAAAAAA"},
	"change_account_id": {nil, "UIIIIIIIII"},
	"update_settings":   {nil, "UAAAAAAAAA"},
	"recovery_code":     {nil, "IIIIIIIIII"},
	"recover":           {nil, "IIIIIIIIII"},
	"set_avatar":        {nil, "UIIIIIIIII"},
	// Blocking keeps the contact: the blocked person still sees the profile
	// (not the Moments, nor may they message).
	"get_profile":           {func(w *world) proto.Message { return &pb.UserRef{User: w.users[self].id} }, "UAANANNNNN"},
	"verify_contact":        {nil, "IIIIIIIIII"},
	"qr_login_start":        {nil, "AAAAAAAAAA"},
	"qr_login_inspect":      {nil, "UNNNNNNNNN"},
	"qr_login_confirm":      {nil, "UNNNNNNNNN"},
	"qr_login_claim":        {nil, "NNNNNNNNNN"},
	"account_delete":        {nil, "Uaaaaaaaaa"},
	"account_cancel_delete": {nil, "UNNNNNNNNN"},
	"account_deletion":      {nil, "UAAAAAAAAA"},

	// Chats.
	"send": {func(w *world) proto.Message {
		return &pb.SendRequest{Group: w.group, ClientId: "mxs" + time.Now().Format("150405.000000000"), Text: "hi"}
	}, "UNNNNAAANN"},
	"typing": {func(w *world) proto.Message { return &pb.TypingRequest{Conversation: w.msgConv} }, "UAANNNNNNN"},
	"set_conversation": {func(w *world) proto.Message {
		f := false
		return &pb.ConversationStateRequest{Conversation: w.msgConv, Muted: &f}
	}, "UAANNNNNNN"},
	"history":        {func(w *world) proto.Message { return &pb.HistoryRequest{Conversation: w.msgConv} }, "UAANNNNNNN"},
	"conversations":  {nil, "UAAAAAAAAA"},
	"recall":         {func(w *world) proto.Message { return &pb.RecallRequest{Message: w.msg} }, "UaDNNNNNNN"},
	"search":         {nil, "UIIIIIIIII"},
	"broadcast":      {nil, "UIIIIIIIII"},
	"delete_message": {func(w *world) proto.Message { return &pb.DeleteMessageRequest{Message: w.msg} }, "UaaNNNNNNN"},
	"forward": {func(w *world) proto.Message {
		return &pb.ForwardRequest{Message: w.msg, Peer: w.users[friend].id, ClientId: "mxf" + time.Now().Format("150405.000000000")}
	}, "UAANNNNNNN"},

	// Contacts.
	"search_user":    {nil, "UNNNNNNNNN"},
	"friend_request": {func(w *world) proto.Message { return &pb.FriendRequestRequest{User: w.users[self].id, Greeting: "hi"} }, "UIIADAAAAA"},
	"answer_request": {func(w *world) proto.Message { return &pb.AnswerRequest{Request: 999999, Accept: true} }, "UNNNNNNNNN"},
	"list_contacts":  {nil, "UAAAAAAAAA"},
	"list_requests":  {nil, "UAAAAAAAAA"},
	"update_contact": {func(w *world) proto.Message {
		r := "pal"
		return &pb.UpdateContactRequest{User: w.users[friend].id, Remark: &r}
	}, "UANNNNNNNN"},
	"delete_contact": {func(w *world) proto.Message { return &pb.UserRef{User: w.users[friend].id} }, "UaNNNNNNNN"},
	"block":          {func(w *world) proto.Message { return &pb.BlockRequest{User: w.users[friend].id, Blocked: true} }, "UaIAAAAAAA"},

	// Favorites and export.
	"favorite_add":    {func(w *world) proto.Message { return &pb.FavoriteAddRequest{Message: w.groupMsg} }, "UNNNNAAAAN"},
	"favorite_list":   {nil, "UAAAAAAAAA"},
	"favorite_edit":   {func(w *world) proto.Message { return &pb.FavoriteEditRequest{Favorite: w.favorite, Text: "edited"} }, "UANNNNNNNN"},
	"favorite_delete": {func(w *world) proto.Message { return &pb.FavoriteRef{Favorite: w.favorite} }, "UaNNNNNNNN"},
	"favorite_send": {func(w *world) proto.Message {
		return &pb.FavoriteSendRequest{Favorite: w.favorite, Peer: w.users[friend].id, ClientId: "mxv" + time.Now().Format("150405.000000000")}
	}, "UANNNNNNNN"},
	"export": {func(w *world) proto.Message { return &pb.ExportRequest{Conversation: w.msgConv} }, "UAANNNNNNN"},

	// Groups.
	"create_group": {nil, "UIIIIIIIII"},
	"invite_group": {func(w *world) proto.Message {
		return &pb.GroupUsersRequest{Group: w.group, Users: []int64{w.target.id}}
	}, "UDDDDDDDDD"},
	"remove_members": {func(w *world) proto.Message {
		return &pb.GroupUsersRequest{Group: w.group, Users: []int64{w.users[member].id}}
	}, "UNNNNDaaNN"},
	"leave_group":      {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNaaaNN"},
	"dissolve_group":   {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNDDaNN"},
	"update_group":     {func(w *world) proto.Message { n := "Matrix"; return &pb.UpdateGroupRequest{Group: w.group, Name: &n} }, "UNNNNDAANN"},
	"set_group_avatar": {func(w *world) proto.Message { return &pb.SetGroupAvatarRequest{Group: w.group} }, "UNNNNDIINN"},
	"update_member": {func(w *world) proto.Message {
		f := false
		return &pb.UpdateMemberRequest{Group: w.group, User: w.users[member].id, Muted: &f}
	}, "UNNNNIAANN"},
	"transfer_group": {func(w *world) proto.Message { return &pb.GroupUserRef{Group: w.group, User: w.users[member].id} }, "UNNNNDDaNN"},
	"my_group_settings": {func(w *world) proto.Message {
		s := true
		return &pb.MyGroupSettingsRequest{Group: w.group, ShowNicknames: &s}
	}, "UNNNNAAANN"},
	"group_members": {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNAAANN"},
	// A removed member still gets the group, by its name only (group.viewOf).
	"get_group":         {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNAAAAN"},
	"list_groups":       {nil, "UAAAAAAAAA"},
	"group_qr":          {func(w *world) proto.Message { return &pb.GroupQrRequest{Group: w.group} }, "UNNNNAAANN"},
	"join_group":        {func(w *world) proto.Message { return &pb.JoinGroupRequest{Code: "nosuchcode"} }, "UNNNNNNNNN"},
	"group_invitations": {nil, "UAAAAAAAAA"},
	"answer_invitation": {func(w *world) proto.Message { return &pb.AnswerInvitationRequest{Invitation: 999999, Accept: true} }, "UNNNNNNNNN"},

	// Official accounts: readers.
	"oa_search":    {nil, "UIIIIIIIII"},
	"oa_profile":   {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UAAAAAAAAA"},
	"oa_follow":    {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "Uaaaaaaaaa"},
	"oa_unfollow":  {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UNNNNaNNNN"},
	"oa_scan":      {nil, "UIIIIIIIII"},
	"oa_send":      {func(w *world) proto.Message { return &pb.OaSendRequest{Account: w.oa, Text: "hello"} }, "UIIIIAIIII"},
	"oa_click":     {func(w *world) proto.Message { return &pb.OaClickRequest{Account: w.oa, Key: "k"} }, "UIIIINIIII"},
	"oa_history":   {func(w *world) proto.Message { return &pb.OaHistoryRequest{Account: w.oa} }, "UAAAAAAAAA"},
	"oa_following": {nil, "UAAAAAAAAA"},
	"oa_article":   {func(w *world) proto.Message { return &pb.OaItemRef{Account: w.oa, Id: 999999} }, "UNNNNNNNNN"},
	"oa_authorize": {nil, "UIIIIIIIII"},
	// Official accounts: operators.
	"oa_preview":         {func(w *world) proto.Message { return &pb.OaBroadcastRequest{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_set_ip_allow":    {func(w *world) proto.Message { return &pb.OaIpAllowRequest{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_create":          {nil, "UIIIIIIIII"},
	"oa_operated":        {nil, "UAAAAAAAAA"},
	"oa_update_profile":  {func(w *world) proto.Message { return &pb.OaProfileUpdate{Account: w.oa, Name: "Matrix News"} }, "UDDDDDDDDA"},
	"oa_set_replies":     {func(w *world) proto.Message { return &pb.OaRepliesRequest{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_add_rule":        {func(w *world) proto.Message { return &pb.OaRule{Account: w.oa, Keyword: "hi"} }, "UDDDDDDDDI"},
	"oa_rules":           {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_delete_rule":     {func(w *world) proto.Message { return &pb.OaItemRef{Account: w.oa, Id: 999999} }, "UDDDDDDDDN"},
	"oa_set_menu":        {func(w *world) proto.Message { return &pb.OaMenuRequest{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_save_article":    {func(w *world) proto.Message { return &pb.OaArticle{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_publish_article": {func(w *world) proto.Message { return &pb.OaItemRef{Account: w.oa, Id: 999999} }, "UDDDDDDDDN"},
	"oa_articles":        {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_delete_article":  {func(w *world) proto.Message { return &pb.OaItemRef{Account: w.oa, Id: 999999} }, "UDDDDDDDDN"},
	"oa_add_template":    {func(w *world) proto.Message { return &pb.OaTemplateRequest{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_templates":       {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_delete_template": {func(w *world) proto.Message { return &pb.OaTemplateRef{Account: w.oa, Id: "nosuch"} }, "UDDDDDDDDN"},
	"oa_broadcast":       {func(w *world) proto.Message { return &pb.OaBroadcastRequest{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_broadcasts":      {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_followers":       {func(w *world) proto.Message { return &pb.OaFollowersRequest{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_update_follower": {func(w *world) proto.Message {
		r := "fan"
		return &pb.OaFollowerUpdate{Account: w.oa, User: w.users[member].id, Remark: &r}
	}, "UDDDDDDDDA"},
	"oa_tags":          {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_save_tag":      {func(w *world) proto.Message { return &pb.OaTagRequest{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_delete_tag":    {func(w *world) proto.Message { return &pb.OaItemRef{Account: w.oa, Id: 999999} }, "UDDDDDDDDN"},
	"oa_tag_followers": {func(w *world) proto.Message { return &pb.OaTagFollowersRequest{Account: w.oa, Tag: 999999} }, "UDDDDDDDDI"},
	"oa_stats":         {func(w *world) proto.Message { return &pb.OaStatsRequest{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_set_server":    {func(w *world) proto.Message { return &pb.OaServerRequest{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_reset_secret":  {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDa"},
	"oa_set_operator":  {func(w *world) proto.Message { return &pb.OaOperatorRequest{Account: w.oa, User: w.users[member].id} }, "UDDDDDDDDA"},
	"oa_operators":     {func(w *world) proto.Message { return &pb.OaRef{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_create_qr":     {func(w *world) proto.Message { return &pb.OaQrRequest{Account: w.oa} }, "UDDDDDDDDI"},
	"oa_inbox":         {func(w *world) proto.Message { return &pb.OaInboxRequest{Account: w.oa} }, "UDDDDDDDDA"},
	"oa_forum_post":    {func(w *world) proto.Message { return &pb.OaForumPostRequest{Account: w.oa, Text: "post"} }, "UIIIIAIIII"},
	"oa_forum_reply":   {func(w *world) proto.Message { return &pb.OaForumReplyRequest{Post: 999999, Text: "reply"} }, "UNNNNNNNNN"},
	"oa_forum_list":    {func(w *world) proto.Message { return &pb.OaForumListRequest{Account: w.oa} }, "UIIIIAIIIA"},
	"oa_forum_thread":  {func(w *world) proto.Message { return &pb.OaForumThreadRequest{Post: 999999} }, "UNNNNNNNNN"},
	"oa_forum_pin":     {func(w *world) proto.Message { return &pb.OaForumPinRequest{Post: 999999, Pinned: true} }, "UNNNNNNNNN"},
	"oa_forum_remove":  {func(w *world) proto.Message { return &pb.OaForumRemoveRequest{Post: 999999} }, "UNNNNNNNNN"},

	// Moments.
	"moment_post": {nil, "UIIIIIIIII"},
	"moment_feed": {nil, "UAAAAAAAAA"},
	// Everyone gets an album; a stranger's and a blocked person's are empty.
	"moment_album":  {func(w *world) proto.Message { return &pb.MomentAlbumRequest{User: w.users[self].id} }, "UAAAAAAAAA"},
	"moment_get":    {func(w *world) proto.Message { return &pb.MomentRef{Post: w.moment} }, "UAANNNNNNN"},
	"moment_delete": {func(w *world) proto.Message { return &pb.MomentRef{Post: w.moment} }, "UaNNNNNNNN"},
	"moment_like":   {func(w *world) proto.Message { return &pb.MomentRef{Post: w.moment} }, "UAANNNNNNN"},
	// Unlike takes one's own like back, also from a post one no longer sees;
	// it changes nothing for anyone else.
	"moment_unlike":         {func(w *world) proto.Message { return &pb.MomentRef{Post: w.moment} }, "UAAAAAAAAA"},
	"moment_comment":        {func(w *world) proto.Message { return &pb.MomentCommentRequest{Post: w.moment, Text: "hi"} }, "UAANNNNNNN"},
	"moment_delete_comment": {func(w *world) proto.Message { return &pb.MomentCommentRef{Comment: w.comment} }, "UaaNNNNNNN"},
	"moment_notifications":  {nil, "UAAAAAAAAA"},
	"moment_read":           {nil, "UAAAAAAAAA"},
	"moment_settings":       {nil, "UAAAAAAAAA"},
	"moment_search":         {nil, "UIIIIIIIII"},
	"moment_cover":          {nil, "UAAAAAAAAA"},

	// Discovery.
	"nearby_set":    {nil, "UAAAAAAAAA"},
	"nearby_list":   {nil, "UAAAAAAAAA"},
	"nearby_clear":  {nil, "UAAAAAAAAA"},
	"shake":         {nil, "UAAAAAAAAA"},
	"shake_result":  {nil, "UAAAAAAAAA"},
	"bottle_throw":  {nil, "UIIIIIIIII"},
	"bottle_pick":   {nil, "UAAAAAAAAA"},
	"bottle_reply":  {func(w *world) proto.Message { return &pb.BottleReplyRequest{Bottle: 999999, Text: "hi"} }, "UNNNNNNNNN"},
	"bottle_return": {func(w *world) proto.Message { return &pb.BottleRef{Bottle: 999999} }, "UNNNNNNNNN"},
	"bottles":       {nil, "UAAAAAAAAA"},
	"bottle_get":    {func(w *world) proto.Message { return &pb.BottleRef{Bottle: 999999} }, "UNNNNNNNNN"},
	"bottle_greet":  {func(w *world) proto.Message { return &pb.BottleGreetRequest{Bottle: 999999} }, "UNNNNNNNNN"},

	// Address books.
	"ab_backup":          {nil, "UIIIIIIIII"},
	"ab_versions":        {nil, "UAAAAAAAAA"},
	"ab_restore":         {func(w *world) proto.Message { return &pb.AbVersionRef{Version: 999999} }, "UNNNNNNNNN"},
	"ab_delete":          {func(w *world) proto.Message { return &pb.AbVersionRef{Version: 999999} }, "UNNNNNNNNN"},
	"ab_match":           {nil, "UAAAAAAAAA"},
	"ab_salt":            {nil, "UAAAAAAAAA"},
	"group_book":         {func(w *world) proto.Message { return &pb.GroupBookRef{Group: w.group} }, "UNNNNAAANN"},
	"group_book_set":     {func(w *world) proto.Message { return &pb.GroupBookSetRequest{Group: w.group, Mine: true, Name: "me"} }, "UNNNNAAANN"},
	"group_book_remove":  {func(w *world) proto.Message { return &pb.GroupBookRef{Group: w.group, Entry: 999999} }, "UNNNNNNNNN"},
	"group_book_history": {func(w *world) proto.Message { return &pb.GroupBookRef{Group: w.group} }, "UNNNNAAANN"},

	// Wallet.
	"wallet_balance":   {nil, "UAAAAAAAAA"},
	"wallet_history":   {nil, "UAAAAAAAAA"},
	"wallet_summary":   {nil, "UIIIIIIIII"},
	"wallet_topup":     {nil, "UIIIIIIIII"},
	"wallet_withdraw":  {nil, "UIIIIIIIII"},
	"wallet_set_pin":   {nil, "UIIIIIIIII"},
	"wallet_reset_pin": {nil, "UIIIIIIIII"},
	"transfer":         {nil, "UIIIIIIIII"},
	"transfer_accept":  {func(w *world) proto.Message { return &pb.TransferRef{Transfer: w.transfer} }, "UNANNNNNNN"},
	"transfer_return":  {func(w *world) proto.Message { return &pb.TransferRef{Transfer: w.transfer} }, "UNINNNNNNN"},
	"transfer_show":    {func(w *world) proto.Message { return &pb.TransferRef{Transfer: w.transfer} }, "UAANNNNNNN"},
	"red_packet_send":  {nil, "UIIIIIIIII"},
	"red_packet_grab":  {func(w *world) proto.Message { return &pb.RedPacketRef{Packet: w.packet} }, "UNNNNAAANN"},
	"red_packet_show":  {func(w *world) proto.Message { return &pb.RedPacketRef{Packet: w.packet} }, "UNNNNAAANN"},

	// Live codes.
	"livecode_create": {nil, "UIIIIIIIII"},
	"livecode_list":   {nil, "UAAAAAAAAA"},
	"livecode_get":    {func(w *world) proto.Message { return &pb.LiveCodeRef{Id: w.livecode} }, "UNNNNNNANN"},
	"livecode_scan":   {func(w *world) proto.Message { return &pb.LiveCodeScanRequest{Token: "nosuchtoken"} }, "UNNNNNNNNN"},

	// Moderation.
	"report": {func(w *world) proto.Message {
		return &pb.ReportRequest{Kind: "message", Target: itoa(w.msgConv) + ":" + itoa(w.msgSeq), Reason: "spam"}
	}, "UAANNNNNNN"},
	"my_penalties": {nil, "UAAAAAAAAA"},
	"appeal":       {func(w *world) proto.Message { return &pb.AppealRequest{Penalty: 999999, Text: "sorry"} }, "UNNNNNNNNN"},

	// Group apps.
	"app_poll_create": {func(w *world) proto.Message {
		return &pb.PollCreateRequest{Group: w.group, Question: "when?", Options: []string{"now", "later"}}
	}, "UNNNNAAANN"},
	"app_poll_vote": {func(w *world) proto.Message {
		return &pb.PollVoteRequest{Group: w.group, Poll: w.poll, Choices: []uint32{0}}
	}, "UNNNNAAANN"},
	"app_poll_close":    {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: w.poll} }, "UNNNNDAANN"},
	"app_poll_get":      {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: w.poll} }, "UNNNNAAANN"},
	"app_polls":         {func(w *world) proto.Message { return &pb.GroupAppPage{Group: w.group} }, "UNNNNAAANN"},
	"app_checkin":       {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNAAANN"},
	"app_checkin_board": {func(w *world) proto.Message { return &pb.GroupRef{Group: w.group} }, "UNNNNAAANN"},
	"app_homework_post": {func(w *world) proto.Message {
		return &pb.HomeworkPostRequest{Group: w.group, Title: "read", Text: "chapter 1"}
	}, "UIIIIIIIII"},
	"app_homework_submit": {func(w *world) proto.Message {
		return &pb.HomeworkSubmitRequest{Group: w.group, Homework: 999999, Text: "done"}
	}, "UNNNNNNNNN"},
	"app_homework_remind": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_homework_get":    {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_homeworks":       {func(w *world) proto.Message { return &pb.GroupAppPage{Group: w.group} }, "UNNNNAAANN"},
	"app_announce":        {func(w *world) proto.Message { return &pb.AnnounceRequest{Group: w.group, Text: "notice"} }, "UNNNNDAANN"},
	"app_announce_pin":    {func(w *world) proto.Message { return &pb.AnnouncePinRequest{Group: w.group, Id: 999999, Pinned: true} }, "UNNNNNNNNN"},
	"app_announce_remove": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_announcements":   {func(w *world) proto.Message { return &pb.AnnouncementsRequest{Group: w.group} }, "UNNNNAAANN"},
	"app_event_create": {func(w *world) proto.Message {
		return &pb.EventCreateRequest{Group: w.group, Title: "dinner", Place: "here", Start: time.Now().Add(48 * time.Hour).Unix()}
	}, "UIIIIIIIII"},
	"app_event_signup": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_event_cancel": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_event_remind": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_event_get":    {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_events":       {func(w *world) proto.Message { return &pb.GroupAppPage{Group: w.group} }, "UNNNNAAANN"},

	// Calls.
	"call_place":     {func(w *world) proto.Message { return &pb.CallPlaceRequest{Peer: w.users[friend].id} }, "UaIDDDDDDD"},
	"call_accept":    {func(w *world) proto.Message { return &pb.CallRef{Call: 999999} }, "UNNNNNNNNN"},
	"call_decline":   {func(w *world) proto.Message { return &pb.CallRef{Call: 999999} }, "UNNNNNNNNN"},
	"call_hangup":    {func(w *world) proto.Message { return &pb.CallHangupRequest{Call: 999999} }, "UNNNNNNNNN"},
	"call_video":     {func(w *world) proto.Message { return &pb.CallVideoRequest{Call: 999999} }, "UNNNNNNNNN"},
	"call_signal":    {func(w *world) proto.Message { return &pb.CallSignal{Call: 999999} }, "UIIIIIIIII"},
	"call_keepalive": {func(w *world) proto.Message { return &pb.CallRef{Call: 999999} }, "UNNNNNNNNN"},
	"call_get":       {func(w *world) proto.Message { return &pb.CallRef{Call: 999999} }, "UNNNNNNNNN"},
	"call_current":   {nil, "UAAAAAAAAA"},

	// Bots.
	"bot_create":       {nil, "UIIIIIIIII"},
	"bot_list":         {nil, "UAAAAAAAAA"},
	"bot_token":        {func(w *world) proto.Message { return &pb.BotTokenRequest{Bot: w.bot, Scopes: []string{bot.ScopeSend}} }, "UNNNNNNANN"},
	"bot_add_to_group": {func(w *world) proto.Message { return &pb.BotAddToGroupRequest{Group: w.group, Bot: w.bot} }, "UDDDDDDADD"},
	"bot_webhook_set":  {func(w *world) proto.Message { return &pb.BotWebhookRequest{Bot: w.bot} }, "UNNNNNNANN"},
	"bot_webhook_get":  {func(w *world) proto.Message { return &pb.BotRef{Bot: w.bot} }, "UNNNNNNANN"},
	"bot_deliveries":   {func(w *world) proto.Message { return &pb.BotDeliveriesRequest{Bot: w.bot} }, "UNNNNNNANN"},

	// The Group Assistant: its settings are the owner's and admins'; a
	// member's own birthday is the member's.
	"assistant_get":    {func(w *world) proto.Message { return &pb.AssistantRef{Group: w.group} }, "UNNNNDAANN"},
	"assistant_enable": {func(w *world) proto.Message { return &pb.AssistantEnableRequest{Group: w.group} }, "UNNNNDDaNN"},
	"assistant_set_welcome": {func(w *world) proto.Message {
		return &pb.AssistantWelcomeRequest{Group: w.group, Text: "welcome"}
	}, "UNNNNDIINN"},
	"assistant_add_keyword": {func(w *world) proto.Message {
		return &pb.AssistantKeywordRequest{Group: w.group, Keyword: "rules", Reply: "be kind"}
	}, "UNNNNDIINN"},
	"assistant_remove_keyword":  {func(w *world) proto.Message { return &pb.AssistantItemRef{Group: w.group, Id: 999999} }, "UNNNNDIINN"},
	"assistant_put_schedule":    {func(w *world) proto.Message { return &pb.AssistantScheduleRequest{Group: w.group, Text: "hi"} }, "UIIIIIIIII"},
	"assistant_cancel_schedule": {func(w *world) proto.Message { return &pb.AssistantItemRef{Group: w.group, Id: 999999} }, "UNNNNDIINN"},
	"assistant_stats":           {func(w *world) proto.Message { return &pb.AssistantStatsRequest{Group: w.group, Days: 7} }, "UNNNNDIINN"},
	"assistant_lottery_create": {func(w *world) proto.Message {
		return &pb.AssistantLotteryRequest{Group: w.group, Title: "draw"}
	}, "UIIIIIIIII"},
	"assistant_lotteries": {func(w *world) proto.Message { return &pb.AssistantRef{Group: w.group} }, "UNNNNDIINN"},
	"assistant_birthday_set": {func(w *world) proto.Message {
		return &pb.AssistantBirthdayRequest{Group: w.group, Month: 5, Day: 6}
	}, "UNNNNIIINN"},
	"assistant_birthday_get": {func(w *world) proto.Message { return &pb.AssistantRef{Group: w.group} }, "UNNNNAAANN"},

	// Group files and the album: the group's members; an object that is
	// not there is not_found to everyone.
	"app_file_add":     {func(w *world) proto.Message { return &pb.FileAddRequest{Group: w.group, Media: w.media} }, "UNNNNNNNNN"},
	"app_file_delete":  {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_file_get":     {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_files":        {func(w *world) proto.Message { return &pb.GroupAppPage{Group: w.group} }, "UNNNNAAANN"},
	"app_album_create": {func(w *world) proto.Message { return &pb.AlbumCreateRequest{Group: w.group, Name: "Trip"} }, "UNNNNAAANN"},
	"app_album_rename": {func(w *world) proto.Message { return &pb.AlbumRenameRequest{Group: w.group, Id: 999999, Name: "X"} }, "UNNNNNNNNN"},
	"app_album_delete": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_album_get":    {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_albums":       {func(w *world) proto.Message { return &pb.GroupAppPage{Group: w.group} }, "UNNNNAAANN"},
	"app_album_add_photos": {func(w *world) proto.Message {
		return &pb.AlbumPhotosRequest{Group: w.group, Id: 999999, Media: []string{w.media}}
	}, "UNNNNNNNNN"},
	"app_album_photos": {func(w *world) proto.Message { return &pb.AlbumPhotosPage{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_photo_delete": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},
	"app_photo_comment": {func(w *world) proto.Message {
		return &pb.PhotoCommentRequest{Group: w.group, Photo: 999999, Text: "nice"}
	}, "UNNNNNNNNN"},
	"app_photo_comments":       {func(w *world) proto.Message { return &pb.PhotoCommentsPage{Group: w.group, Photo: 999999} }, "UNNNNNNNNN"},
	"app_photo_comment_delete": {func(w *world) proto.Message { return &pb.GroupAppRef{Group: w.group, Id: 999999} }, "UNNNNNNNNN"},

	// Group calls: active members only; answering, the floor and status
	// need a place in the room first.
	"group_call_join": {func(w *world) proto.Message {
		return &pb.GroupCallJoinRequest{Group: w.group, Kind: pb.GroupCallKind_GROUP_CALL_KIND_VOICE}
	}, "UNNNNaaaNN"},
	"group_call_answer": {func(w *world) proto.Message {
		return &pb.GroupCallAnswerRequest{Group: w.group, Kind: pb.GroupCallKind_GROUP_CALL_KIND_VOICE, Sdp: "v=0"}
	}, "UIIIIIIIII"},
	// Leaving is idempotent: one who is in no room leaves nothing.
	"group_call_leave": {func(w *world) proto.Message {
		return &pb.GroupCallRef{Group: w.group, Kind: pb.GroupCallKind_GROUP_CALL_KIND_VOICE}
	}, "UAAAAAAAAA"},
	"group_call_current": {func(w *world) proto.Message {
		return &pb.GroupCallRef{Group: w.group, Kind: pb.GroupCallKind_GROUP_CALL_KIND_VOICE}
	}, "UNNNNAAANN"},
	"group_call_floor": {func(w *world) proto.Message { return &pb.GroupCallFloorRequest{Group: w.group, Take: true} }, "UIIIIIIIII"},
	"group_call_status": {func(w *world) proto.Message {
		return &pb.GroupCallStatusRequest{Group: w.group, Kind: pb.GroupCallKind_GROUP_CALL_KIND_VOICE, Muted: true}
	}, "UIIIIIIIII"},

	// Third-party group apps: the bot's owner registers it; the group's
	// owner consents and revokes (both change the fixture's grant).
	"bot_app_register": {func(w *world) proto.Message {
		return &pb.BotAppRegisterRequest{Bot: w.bot, Description: "matrix app", RedirectUri: "https://app.example/cb", Scopes: []string{bot.ScopeGroupsRead}}
	}, "UNNNNNNANN"},
	"bot_app_get": {func(w *world) proto.Message { return &pb.BotRef{Bot: w.bot} }, "UAAAAAAAAA"},
	"bot_app_authorize": {func(w *world) proto.Message {
		return &pb.BotAppAuthorizeRequest{App: w.bot, Group: w.group, Scopes: []string{bot.ScopeGroupsRead}, RedirectUri: "https://app.example/cb"}
	}, "UDDDDDDaDD"},
	"bot_group_apps": {func(w *world) proto.Message { return &pb.BotGroupAppsRequest{Group: w.group} }, "UDDDDDDADD"},
	"bot_app_revoke": {func(w *world) proto.Message { return &pb.BotAppRevokeRequest{Group: w.group, Bot: w.bot} }, "UDDDDDDaDD"},

	// The Group Guard: the owner's and admins' (anyone else: permission
	// denied, reason owner_only, as docs/protocol.md says); outreach: any
	// user, for their own contacts and groups.
	"guard_get":      {func(w *world) proto.Message { return &pb.GuardGetRequest{Group: w.group} }, "UDDDDDAADD"},
	"guard_set":      {func(w *world) proto.Message { return &pb.GuardRules{Group: w.group} }, "UDDDDDAADD"},
	"guard_log":      {func(w *world) proto.Message { return &pb.GuardLogRequest{Group: w.group} }, "UDDDDDAADD"},
	"guard_undo":     {func(w *world) proto.Message { return &pb.GuardUndoRequest{Action: 999999} }, "UNNNNNNNNN"},
	"common_members": {func(w *world) proto.Message { return &pb.CommonMembersRequest{MinShared: 2, Limit: 10} }, "UAAAAAAAAA"},
	"tag_broadcast": {func(w *world) proto.Message {
		return &pb.TagBroadcastRequest{Tag: "nosuchtag", Text: "hi", ClientId: "mxtag"}
	}, "UIIIIIIIII"},
	"group_forward": {func(w *world) proto.Message {
		return &pb.GroupForwardRequest{FromGroup: w.group, Seq: 1, ToGroups: []int64{w.group}}
	}, "UIIIIIIIII"},
	"group_invite_batch": {func(w *world) proto.Message {
		return &pb.GroupInviteBatchRequest{Group: w.group, Users: []int64{w.target.id}}
	}, "UDDDDDaaDD"},
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Columns: anonymous, user (self), stranger, bot:messages:send,
// bot:groups:read, bot:members:manage, bot:apps:write, oa-token,
// admin:viewer, admin:moderator, admin:super. The bot is in the group; the
// official account is the operator's.
var httpRows = map[string]httpRow{
	"GET /ws":                      {path("/ws"), "IIIIIIIIIII"},
	"GET /avatar/{hash}":           {path("/avatar/nosuchhash"), "NNNNNNNNNNN"},
	"GET /qr/user/{file}":          {func(w *world) (string, any) { return "/qr/user/" + itoa(w.users[self].id) + ".png", nil }, "AAAAAAAAAAA"},
	"GET /qr/login/{file}":         {path("/qr/login/nosuchcode.png"), "AAAAAAAAAAA"},
	"GET /qr/group/{file}":         {func(w *world) (string, any) { return "/qr/group/" + itoa(w.group) + ".png", nil }, "AAAAAAAAAAA"},
	"GET /qr/livecode/{file}":      {path("/qr/livecode/nosuchtoken.png"), "NNNNNNNNNNN"},
	"GET /export":                  {path("/export"), "UAAUUUUUUUU"},
	"GET /export/{conversation}":   {func(w *world) (string, any) { return "/export/" + itoa(w.msgConv), nil }, "UANUUUUUUUU"},
	"POST /media":                  {func(w *world) (string, any) { return "/media?kind=file&name=a.txt", "file" }, "UAAUUUUUUUU"},
	"POST /media/uploads":          {func(w *world) (string, any) { return "/media/uploads?kind=file&name=a.txt&size=4", "" }, "UIIUUUUUUUU"},
	"PATCH /media/uploads/{id}":    {path("/media/uploads/nosuchupload"), "UIIUUUUUUUU"},
	"HEAD /media/uploads/{id}":     {path("/media/uploads/nosuchupload"), "UNNUUUUUUUU"},
	"GET /media/{id}":              {func(w *world) (string, any) { return "/media/" + w.media, nil }, "UANUUUUUUUU"},
	"GET /media/{id}/{variant}":    {func(w *world) (string, any) { return "/media/" + w.media + "/thumb", nil }, "UNNUUUUUUUU"},
	"GET /media/oa/{account}/{id}": {func(w *world) (string, any) { return "/media/oa/" + itoa(w.oa) + "/nosuch", nil }, "UDDUUUUUUUU"},
	"GET /cgi-bin/token":           {path("/cgi-bin/token?grant_type=client_credential&appid=nosuch&secret=nosuch"), "UUUUUUUUUUU"},
	"POST /cgi-bin/stable_token": {func(w *world) (string, any) {
		return "/cgi-bin/stable_token", map[string]string{"grant_type": "client_credential", "appid": "nosuch", "secret": "nosuch"}
	}, "UUUUUUUUUUU"},
	"POST /cgi-bin/clear_quota":      {func(w *world) (string, any) { return "/cgi-bin/clear_quota", map[string]string{"appid": w.oaAppID} }, "UUUUUUUAUUU"},
	"GET /cgi-bin/getcallbackip":     {path("/cgi-bin/getcallbackip"), "UUUUUUUAUUU"},
	"GET /cgi-bin/get_api_domain_ip": {path("/cgi-bin/get_api_domain_ip"), "UUUUUUUAUUU"},
	"POST /cgi-bin/menu/create": {func(w *world) (string, any) {
		return "/cgi-bin/menu/create", map[string]any{"button": []any{map[string]string{"type": "click", "name": "Hi", "key": "k"}}}
	}, "UUUUUUUAUUU"},
	"GET /cgi-bin/menu/get":                  {path("/cgi-bin/menu/get"), "UUUUUUUAUUU"},
	"GET /cgi-bin/get_current_selfmenu_info": {path("/cgi-bin/get_current_selfmenu_info"), "UUUUUUUAUUU"},
	"GET /cgi-bin/menu/delete":               {path("/cgi-bin/menu/delete"), "UUUUUUUAUUU"},
	"POST /cgi-bin/message/custom/send": {func(w *world) (string, any) {
		return "/cgi-bin/message/custom/send", map[string]any{"touser": "nosuch", "msgtype": "text", "text": map[string]string{"content": "hi"}}
	}, "UUUUUUUNUUU"},
	"POST /cgi-bin/message/custom/typing": {func(w *world) (string, any) {
		return "/cgi-bin/message/custom/typing", map[string]any{"touser": "nosuch", "command": "Typing"}
	}, "UUUUUUUNUUU"},
	"POST /cgi-bin/template/api_add_template":         {func(w *world) (string, any) { return "/cgi-bin/template/api_add_template", map[string]any{} }, "UUUUUUUIUUU"},
	"GET /cgi-bin/template/get_all_private_template":  {path("/cgi-bin/template/get_all_private_template"), "UUUUUUUAUUU"},
	"POST /cgi-bin/template/get_all_private_template": {func(w *world) (string, any) { return "/cgi-bin/template/get_all_private_template", map[string]any{} }, "UUUUUUUAUUU"},
	"POST /cgi-bin/template/del_private_template": {func(w *world) (string, any) {
		return "/cgi-bin/template/del_private_template", map[string]any{"template_id": "nosuch"}
	}, "UUUUUUUIUUU"},
	"POST /cgi-bin/message/template/send": {func(w *world) (string, any) {
		return "/cgi-bin/message/template/send", map[string]any{"touser": "nosuch", "template_id": "nosuch"}
	}, "UUUUUUUIUUU"},
	"POST /cgi-bin/message/mass/sendall": {func(w *world) (string, any) {
		return "/cgi-bin/message/mass/sendall", map[string]any{"filter": map[string]any{"is_to_all": true}, "msgtype": "text", "text": map[string]string{"content": "hi"}}
	}, "UUUUUUUAUUU"},
	"POST /cgi-bin/message/mass/send": {func(w *world) (string, any) {
		return "/cgi-bin/message/mass/send", map[string]any{"touser": []string{"nosuch"}, "msgtype": "text", "text": map[string]string{"content": "hi"}}
	}, "UUUUUUUIUUU"},
	"POST /cgi-bin/message/mass/preview": {func(w *world) (string, any) {
		return "/cgi-bin/message/mass/preview", map[string]any{"touser": "nosuch", "msgtype": "text", "text": map[string]string{"content": "hi"}}
	}, "UUUUUUUNUUU"},
	"POST /cgi-bin/message/mass/get":    {func(w *world) (string, any) { return "/cgi-bin/message/mass/get", map[string]any{"msg_id": 999999} }, "UUUUUUUIUUU"},
	"POST /cgi-bin/message/mass/delete": {func(w *world) (string, any) { return "/cgi-bin/message/mass/delete", map[string]any{"msg_id": 999999} }, "UUUUUUUIUUU"},
	"GET /cgi-bin/user/info":            {path("/cgi-bin/user/info?openid=nosuch"), "UUUUUUUNUUU"},
	"POST /cgi-bin/user/info/batchget": {func(w *world) (string, any) {
		return "/cgi-bin/user/info/batchget", map[string]any{"user_list": []any{map[string]string{"openid": "nosuch"}}}
	}, "UUUUUUUNUUU"},
	"POST /cgi-bin/user/info/updateremark": {func(w *world) (string, any) {
		return "/cgi-bin/user/info/updateremark", map[string]any{"openid": "nosuch", "remark": "x"}
	}, "UUUUUUUNUUU"},
	"GET /cgi-bin/user/get": {path("/cgi-bin/user/get"), "UUUUUUUAUUU"},
	"POST /cgi-bin/tags/create": {func(w *world) (string, any) {
		return "/cgi-bin/tags/create", map[string]any{"tag": map[string]string{"name": "fans"}}
	}, "UUUUUUUAUUU"},
	"GET /cgi-bin/tags/get": {path("/cgi-bin/tags/get"), "UUUUUUUAUUU"},
	"POST /cgi-bin/tags/update": {func(w *world) (string, any) {
		return "/cgi-bin/tags/update", map[string]any{"tag": map[string]any{"id": 999999, "name": "x"}}
	}, "UUUUUUUIUUU"},
	"POST /cgi-bin/tags/delete": {func(w *world) (string, any) {
		return "/cgi-bin/tags/delete", map[string]any{"tag": map[string]any{"id": 999999}}
	}, "UUUUUUUIUUU"},
	"POST /cgi-bin/user/tag/get": {func(w *world) (string, any) { return "/cgi-bin/user/tag/get", map[string]any{"tagid": 999999} }, "UUUUUUUAUUU"},
	"POST /cgi-bin/tags/members/batchtagging": {func(w *world) (string, any) {
		return "/cgi-bin/tags/members/batchtagging", map[string]any{"tagid": 999999, "openid_list": []string{"nosuch"}}
	}, "UUUUUUUNUUU"},
	"POST /cgi-bin/tags/members/batchuntagging": {func(w *world) (string, any) {
		return "/cgi-bin/tags/members/batchuntagging", map[string]any{"tagid": 999999, "openid_list": []string{"nosuch"}}
	}, "UUUUUUUNUUU"},
	"POST /cgi-bin/tags/getidlist": {func(w *world) (string, any) { return "/cgi-bin/tags/getidlist", map[string]any{"openid": "nosuch"} }, "UUUUUUUNUUU"},
	"POST /cgi-bin/qrcode/create": {func(w *world) (string, any) {
		return "/cgi-bin/qrcode/create", map[string]any{"action_name": "QR_LIMIT_SCENE", "action_info": map[string]any{"scene": map[string]any{"scene_id": 1}}}
	}, "UUUUUUUAUUU"},
	"GET /cgi-bin/showqrcode": {path("/cgi-bin/showqrcode?ticket=nosuch"), "NNNNNNNNNNN"},
	"GET /connect/oauth2/authorize": {func(w *world) (string, any) {
		return "/connect/oauth2/authorize?appid=" + w.oaAppID + "&redirect_uri=" + url.QueryEscape("https://example.com/") + "&response_type=code&scope=snsapi_base", nil
	}, "AAAAAAAAAAA"},
	"GET /sns/oauth2/access_token":  {path("/sns/oauth2/access_token?appid=nosuch&secret=nosuch&code=nosuch&grant_type=authorization_code"), "UUUUUUUUUUU"},
	"GET /sns/oauth2/refresh_token": {path("/sns/oauth2/refresh_token?appid=nosuch&grant_type=refresh_token&refresh_token=nosuch"), "UUUUUUUUUUU"},
	"GET /sns/userinfo":             {path("/sns/userinfo?openid=nosuch"), "UUUUUUUUUUU"},
	"GET /sns/auth":                 {path("/sns/auth?openid=nosuch"), "UUUUUUUUUUU"},
	"POST /cgi-bin/media/upload":    {path("/cgi-bin/media/upload?type=image"), "UUUUUUUIUUU"},
	"GET /cgi-bin/media/get":        {path("/cgi-bin/media/get?media_id=nosuch"), "UUUUUUUNUUU"},
	"/cgi-bin/":                     {path("/cgi-bin/nosuch"), "DDDDDDDDDDD"},
	"/sns/":                         {path("/sns/nosuch"), "DDDDDDDDDDD"},
	"POST /admin/api/sign-in": {func(w *world) (string, any) {
		return "/admin/api/sign-in", map[string]string{"name": "nosuchadmin", "password": "wrong password"}
	}, "U----------"},
	"GET /admin/api/me":        {path("/admin/api/me"), "UUUUUUUUAAA"},
	"POST /admin/api/sign-out": {func(w *world) (string, any) { return "/admin/api/sign-out", map[string]string{} }, "UUUUUUUUaaa"},
	"GET /admin/api/setup":     {path("/admin/api/setup"), "UUUUUUUUIII"},
	"POST /admin/api/setup": {func(w *world) (string, any) {
		return "/admin/api/setup", map[string]string{"new_password": "another long password", "code": "000000"}
	}, "UUUUUUUUIII"},
	"GET /admin/api/reports":               {path("/admin/api/reports"), "UUUUUUUUAAA"},
	"GET /admin/api/reports/{id}":          {path("/admin/api/reports/999999"), "UUUUUUUUNNN"},
	"POST /admin/api/reports/{id}/dismiss": {func(w *world) (string, any) { return "/admin/api/reports/999999/dismiss", map[string]string{} }, "UUUUUUUUDNN"},
	"GET /admin/api/penalties":             {path("/admin/api/penalties"), "UUUUUUUUAAA"},
	"POST /admin/api/penalties": {func(w *world) (string, any) {
		return "/admin/api/penalties", map[string]string{"user": w.target.account, "kind": "warn", "for": "1m", "reason": "matrix"}
	}, "UUUUUUUUDAA"},
	"POST /admin/api/penalties/{id}/lift": {func(w *world) (string, any) { return "/admin/api/penalties/999999/lift", map[string]string{} }, "UUUUUUUUDNN"},
	"POST /admin/api/penalties/{id}/appeal": {func(w *world) (string, any) {
		return "/admin/api/penalties/999999/appeal", map[string]bool{"accept": true}
	}, "UUUUUUUUDNN"},
	"GET /admin/api/users":      {func(w *world) (string, any) { return "/admin/api/users?q=" + w.target.account, nil }, "UUUUUUUUAAA"},
	"GET /admin/api/users/{id}": {func(w *world) (string, any) { return "/admin/api/users/" + w.target.account, nil }, "UUUUUUUUAAA"},
	"POST /admin/api/users/{id}/sign-out": {func(w *world) (string, any) {
		return "/admin/api/users/" + w.target.account + "/sign-out", map[string]string{}
	}, "UUUUUUUUDAA"},
	"POST /admin/api/users/{id}/reset-password": {func(w *world) (string, any) {
		return "/admin/api/users/" + w.target.account + "/reset-password", map[string]string{}
	}, "UUUUUUUUDAA"},
	"GET /admin/api/audit":  {path("/admin/api/audit"), "UUUUUUUUAAA"},
	"GET /admin/api/admins": {path("/admin/api/admins"), "UUUUUUUUAAA"},
	"POST /admin/api/admins": {func(w *world) (string, any) {
		return "/admin/api/admins", map[string]string{"name": "mxnew" + itoa(time.Now().UnixNano()%1e9), "role": "viewer"}
	}, "UUUUUUUUDDA"},
	"POST /admin/api/admins/{id}": {func(w *world) (string, any) { return "/admin/api/admins/999999", map[string]any{"role": "viewer"} }, "UUUUUUUUDDN"},
	"GET /admin/api/config":       {path("/admin/api/config"), "UUUUUUUUDDA"},
	"GET /admin/api/groups/{id}":  {func(w *world) (string, any) { return "/admin/api/groups/" + itoa(w.group), nil }, "UUUUUUUUAAA"},
	"GET /admin/api/oa":           {path("/admin/api/oa?q=Matrix"), "UUUUUUUUAAA"},
	"POST /admin/api/oa/{id}/verified": {func(w *world) (string, any) {
		return "/admin/api/oa/" + itoa(w.oa) + "/verified", map[string]any{"verified": true}
	}, "UUUUUUUUDAA"},
	"GET /admin/api/stats": {path("/admin/api/stats"), "UUUUUUUUAAA"},
	// The suspension rows act on the official account (the HTTP rows of
	// the official accounts' API ran before): suspended, then lifted.
	"GET /admin/api/suspensions/{kind}/{target}": {func(w *world) (string, any) { return "/admin/api/suspensions/oa/" + itoa(w.oa), nil }, "UUUUUUUUAAA"},
	"POST /admin/api/suspensions/{kind}/{target}": {func(w *world) (string, any) {
		return "/admin/api/suspensions/oa/" + itoa(w.oa), map[string]string{"for": "1h", "reason": "matrix"}
	}, "UUUUUUUUDAA"},
	"POST /admin/api/suspensions/{kind}/{target}/lift": {func(w *world) (string, any) {
		return "/admin/api/suspensions/oa/" + itoa(w.oa) + "/lift", map[string]string{}
	}, "UUUUUUUUDAN"},
	"/admin/api/":    {path("/admin/api/nosuch"), "NNNNNNNNNNN"},
	"GET /bot/v1/me": {path("/bot/v1/me"), "UUUAAAAUUUU"},
	"POST /bot/v1/messages": {func(w *world) (string, any) {
		return "/bot/v1/messages", map[string]any{"chat": map[string]any{"type": "group", "id": w.group}, "text": "hi", "client_id": "mxb" + itoa(time.Now().UnixNano())}
	}, "UUUADDDUUUU"},
	"GET /bot/v1/groups/{group}":         {func(w *world) (string, any) { return "/bot/v1/groups/" + itoa(w.group), nil }, "UUUDADDUUUU"},
	"GET /bot/v1/groups/{group}/members": {func(w *world) (string, any) { return "/bot/v1/groups/" + itoa(w.group) + "/members", nil }, "UUUDADDUUUU"},
	"POST /bot/v1/groups/{group}/members": {func(w *world) (string, any) {
		return "/bot/v1/groups/" + itoa(w.group) + "/members", map[string]any{"users": []int64{w.target.id}}
	}, "UUUDDDDUUUU"},
	"DELETE /bot/v1/groups/{group}/members/{user}": {func(w *world) (string, any) {
		return "/bot/v1/groups/" + itoa(w.group) + "/members/" + itoa(w.users[removed].id), nil
	}, "UUUDDDDUUUU"},
	"POST /bot/v1/groups/{group}/cards": {func(w *world) (string, any) {
		return "/bot/v1/groups/" + itoa(w.group) + "/cards", map[string]any{"title": "Matrix card", "url": "https://app.example/card"}
		// apps:write: denied too, since a row above narrowed the bot's grant
		// in the group (TestBotAppCards posts with the grant).
	}, "UUUDDDDUUUU"},
	"POST /bot/v1/media": {func(w *world) (string, any) { return "/bot/v1/media?name=m.png", string(mediaPNG(4, 4)) }, "UUUDDDAUUUU"},
	"GET /bot/v1/events": {path("/bot/v1/events?timeout=0"), "UUUAAAAUUUU"},
	// The event stream answers only a WebSocket upgrade; revoking a
	// token ends it (not run: the fixture's tokens are needed).
	"GET /bot/v1/events/stream": {path("/bot/v1/events/stream"), "UUUIIIIUUUU"},
	"DELETE /bot/v1/token":      {path("/bot/v1/token"), "UUUaaaaUUUU"},
	"POST /bot/v1/apps/token": {func(w *world) (string, any) {
		return "/bot/v1/apps/token", map[string]any{"app_id": w.bot, "client_secret": "hya_wrong", "code": "hyc_wrong", "redirect_uri": "https://app.example/cb"}
	}, "UUUUUUUUUUU"},
	"GET /bot/v1/groups/{group}/members/{user}": {func(w *world) (string, any) {
		return "/bot/v1/groups/" + itoa(w.group) + "/members/" + itoa(w.users[member].id), nil
	}, "UUUDDDDUUUU"},
	"DELETE /bot/v1/groups/{group}/messages/{message}": {func(w *world) (string, any) {
		return "/bot/v1/groups/" + itoa(w.group) + "/messages/" + itoa(w.groupMsg), nil
	}, "UUUDDaDUUUU"},
	"/bot/v1/":     {path("/bot/v1/nosuch"), "NNNNNNNNNNN"},
	"/":            {path("/"), "AAAAAAAAAAA"},
	"GET /healthz": {path("/healthz"), "AAAAAAAAAAA"},
	"GET /readyz":  {path("/readyz"), "AAAAAAAAAAA"},
}
