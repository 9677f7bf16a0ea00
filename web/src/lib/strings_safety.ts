// Deleting one's account (ui/deleteaccount.ts) and the spam warning above
// a flagged message (ui/chat.ts), spread into strings.ts.
// zh must have every key of en.
export const safetyEn = {
  del_title: "Delete account",
  del_what:
    "Your account is deleted 15 days after you ask. Signing in on any device before then cancels it. Deleted: your profile, phone and e-mail, contacts, signed-in devices, Moments posts, favorites, address-book backups, a shared location and pictures or files only you had. Kept: messages you already sent stay with the people who received them, shown under \"Deleted account\". Your wallet must be empty first. Download your data (Export) before, if you want to keep it.",
  del_password: "Password",
  del_confirm_btn: "Delete my account",
  del_confirm: "Delete your account 15 days from now?",
  del_pending: "Your account will be deleted on {0}.",
  del_pending_hint: "Signing in on any device, or cancelling here, keeps it.",
  del_cancel_btn: "Cancel deletion",
  del_cancelled: "Deletion cancelled. Your account stays.",
  del_requested: "Deletion requested.",
  err_r_wallet_not_empty: "Your wallet still holds money: withdraw or spend it first.",
  err_r_held_as_spam: "Held for review: this looks like spam or a scam to the server.",
  spam_warning: "This message may be spam or a scam. Don't send money or codes.",
};

export const safetyZh: Record<keyof typeof safetyEn, string> = {
  del_title: "注销账号",
  del_what:
    "申请后 15 天注销账号。在此之前在任一设备登录即取消注销。将删除：个人资料、手机号和邮箱、联系人、已登录设备、朋友圈、收藏、通讯录备份、共享的位置以及只有你拥有的图片和文件。将保留：已发给他人的消息仍留在对方处，显示为“已注销账号”。钱包须先清零。如需保留数据，请先导出。",
  del_password: "密码",
  del_confirm_btn: "注销我的账号",
  del_confirm: "确定在 15 天后注销账号？",
  del_pending: "你的账号将于 {0} 注销。",
  del_pending_hint: "在任一设备登录，或在此取消，账号即保留。",
  del_cancel_btn: "取消注销",
  del_cancelled: "已取消注销，账号保留。",
  del_requested: "已申请注销。",
  err_r_wallet_not_empty: "钱包里还有余额：请先提现或用完。",
  err_r_held_as_spam: "已暂缓发送：系统判断可能是垃圾信息或诈骗，待审核。",
  spam_warning: "这条消息可能是垃圾信息或诈骗。不要转账，也不要告诉对方验证码。",
};
