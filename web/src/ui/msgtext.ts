// One-line descriptions of messages: chat-list previews, quotes, notices.
import { formatYuan } from "../lib/money";
import { t, type Key } from "../lib/i18n";
import { app } from "../lib/app";
import { MessageKind, NoticeKind, type Message, type Notice } from "../lib/proto";
import { CallEnd } from "../gen/hongyan/v1/call_pb.js";

const kindKey: Partial<Record<MessageKind, Key>> = {
  [MessageKind.IMAGE]: "kind_image",
  [MessageKind.VOICE]: "kind_voice",
  [MessageKind.VIDEO]: "kind_video",
  [MessageKind.FILE]: "kind_file",
  [MessageKind.LOCATION]: "kind_location",
  [MessageKind.STICKER]: "kind_sticker",
  [MessageKind.CONTACT_CARD]: "kind_card",
  [MessageKind.LINK]: "kind_link",
  [MessageKind.CHAT_HISTORY]: "kind_history",
  [MessageKind.TRANSFER]: "kind_transfer",
  [MessageKind.RED_PACKET]: "kind_red_packet",
  [MessageKind.APP_CARD]: "kind_app_card",
};

export const mmss = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};

// endText says how a call ended, as the one who sees it: I placed it
// (mine) or not.
export function endText(end: CallEnd, mine: boolean, durationMs = 0): string {
  switch (end) {
    case CallEnd.HUNG_UP:
      return t("c_duration", mmss(durationMs));
    case CallEnd.FAILED:
      return durationMs > 0 ? t("c_duration", mmss(durationMs)) : t("c_failed");
    case CallEnd.DECLINED:
      return t("c_declined");
    case CallEnd.BUSY:
      return mine ? t("c_busy") : t("c_missed");
    case CallEnd.CANCELLED:
      return mine ? t("c_cancelled") : t("c_missed");
    case CallEnd.NO_ANSWER:
      return mine ? t("c_no_answer") : t("c_missed");
  }
  return "";
}

// callText is a call record's line, as its reader sees it.
export function callText(m: Message): string {
  const r = m.call;
  if (!r) return "";
  if (m.group) return r.end === CallEnd.NONE ? t("gc_started") : t("gc_ended", mmss(r.durationMs)); // a group call's card
  return endText(r.end, m.sender === app.store!.me, r.durationMs);
}



export function kindLabel(k: MessageKind): string {
  const key = kindKey[k];
  return key ? `[${t(key)}]` : "";
}

// summary is the short text of a message (no sender).
export function summary(m: Message): string {
  const st = app.store!;
  switch (m.kind) {
    case MessageKind.TEXT:
      return m.text;
    case MessageKind.RECALLED:
      return m.sender === st.me ? t("you_recalled") : t("x_recalled", st.name(m.sender, m.group));
    case MessageKind.NOTICE:
      return m.notice ? noticeText(m.notice, m.group) : m.text;
    case MessageKind.FILE:
      return `${kindLabel(m.kind)} ${m.media?.name || m.text}`;
    case MessageKind.LOCATION:
      return `${kindLabel(m.kind)} ${m.location?.name || m.text}`;
    case MessageKind.LINK:
      return `${kindLabel(m.kind)} ${m.link?.title || m.link?.url || m.text}`;
    case MessageKind.CHAT_HISTORY:
      return `${kindLabel(m.kind)} ${m.history?.title || ""}`;
    case MessageKind.CONTACT_CARD:
      return `${kindLabel(m.kind)} ${m.card ? st.name(m.card) : ""}`;
    case MessageKind.TRANSFER:
      return `${kindLabel(m.kind)} ${m.money ? formatYuan(m.money.amount) : ""}`;
    case MessageKind.RED_PACKET:
    case MessageKind.APP_CARD:
      return `${kindLabel(m.kind)} ${m.text}`;
    case MessageKind.CALL:
      return `[${t(m.call?.video ? "c_record_video" : "c_record_voice")}] ${callText(m)}`;
    default:
      return kindLabel(m.kind) || m.text;
  }
}

// preview is the chat-list line: in groups, prefixed by the sender.
export function preview(m: Message): string {
  const st = app.store!;
  const s = summary(m);
  if (m.group && m.sender && m.sender !== st.me && m.kind !== MessageKind.NOTICE && m.kind !== MessageKind.RECALLED) return `${st.name(m.sender, m.group)}: ${s}`;
  return s;
}

export function noticeText(n: Notice, group: bigint): string {
  const st = app.store!;
  const who = (u: bigint) => (u === st.me ? t("you") : st.name(u, group));
  const actor = who(n.actor);
  const users = n.users.map(who).join(t("list_sep"));
  switch (n.kind) {
    case NoticeKind.CREATED:
      return t("n_created", actor, users);
    case NoticeKind.JOINED:
      return t("n_joined", actor, users);
    case NoticeKind.QR_JOINED:
      return t("n_qr_joined", users);
    case NoticeKind.LEFT:
      return t("n_left", actor);
    case NoticeKind.REMOVED:
      return t("n_removed", actor, users);
    case NoticeKind.RENAMED:
      return t("n_renamed", actor, n.text);
    case NoticeKind.ANNOUNCEMENT:
      return t("n_announcement", actor, n.text);
    case NoticeKind.OWNER:
      return t("n_owner", users);
    case NoticeKind.ADMIN_ADDED:
      return t("n_admin_added", actor, users);
    case NoticeKind.ADMIN_REMOVED:
      return t("n_admin_removed", actor, users);
    case NoticeKind.MEMBER_MUTED:
      return t("n_member_muted", actor, users);
    case NoticeKind.MEMBER_UNMUTED:
      return t("n_member_unmuted", actor, users);
    case NoticeKind.ALL_MUTED:
      return t("n_all_muted", actor);
    case NoticeKind.ALL_UNMUTED:
      return t("n_all_unmuted", actor);
    case NoticeKind.APPROVAL_ON:
      return t("n_approval_on", actor);
    case NoticeKind.APPROVAL_OFF:
      return t("n_approval_off", actor);
    case NoticeKind.AVATAR:
      return t("n_avatar", actor);
    case NoticeKind.DISSOLVED:
      return t("n_dissolved", actor);
    default:
      return n.text;
  }
}
