// Outreach phrases (see strings.ts).
export const outreachEn = {
  or_tag_broadcast: "Broadcast by tag",
  or_tag: "Tag",
  or_tag_hint: "One message to each of your contacts carrying this tag, as separate chats. At most 200 contacts, and a few broadcasts an hour.",
  or_common: "People in my groups",
  or_common_hint: "People who are in several of your groups.",
  or_min: "Shared groups",
  or_min_n: "At least {0}",
  or_groups_n: "{0} groups",
  or_none: "Nobody shares that many of your groups.",
  or_invite_batch: "Invite contacts",
  or_invited: "{0} invited, {1} failed",
};

export const outreachZh: Record<keyof typeof outreachEn, string> = {
  or_tag_broadcast: "按标签群发",
  or_tag: "标签",
  or_tag_hint: "给带有这个标签的每位联系人各发一条消息（分别单聊）。最多 200 人，每小时只能发几次。",
  or_common: "共同群成员",
  or_common_hint: "同在你多个群里的人。",
  or_min: "共同群数",
  or_min_n: "至少 {0} 个",
  or_groups_n: "{0} 个群",
  or_none: "没有人和你同在这么多个群。",
  or_invite_batch: "批量邀请联系人",
  or_invited: "已邀请 {0} 人，失败 {1} 人",
};
