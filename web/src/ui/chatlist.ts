// The chat list: pinned first, unread badges (a dot when muted), drafts,
// @mentions, the last message and its time.
import { h, icon } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import type { ConversationState } from "../lib/proto";
import { I } from "./icons";
import { avatar, badge, confirmBox, empty, header, iconButton, sheet, toastError } from "./widgets";
import { preview } from "./msgtext";
import type { View } from "./shell";
import { VList } from "./vlist";
import { onLongPress } from "./touchmenu";

// A row of the list. Its key changes with anything the row shows, so that
// the virtualised list renders a changed row again.
interface Row {
  key: string;
  c: ConversationState;
  on: boolean;
}

export function chatPath(c: ConversationState): string {
  return c.group ? `/chat/g/${c.group}` : `/chat/u/${c.peer}`;
}

export function chatList(): View {
  const scope = new Scope();
  const st = app.store!;
  // Only the rows near the viewport are in the DOM: a long chat list
  // scrolls as lightly as a short one.
  const vlist = new VList<Row>((r) => renderRow(r), 72, "vlist chat-list", false);
  vlist.el.setAttribute("role", "list");
  const none = h("div", { class: "chat-list-empty" }, empty(t("no_chats")));
  const list = h("div", { class: "chat-list-wrap" }, vlist.el, none);
  const el = h(
    "div",
    { class: "pane", data: { list: "chats" } },
    header({
      title: t("tab_chats"),
      actions: [
        iconButton(I.plus, t("more_actions"), () =>
          sheet([
            [t("new_group"), () => router.go("/contacts/groups/new")],
            [t("add_friend"), () => router.go("/contacts/add")],
            [t("scan"), () => router.go("/discover/scan")],
          ]),
        ),
      ],
    }),
    h("button", { class: "search-entry", attrs: { type: "button" }, on: { click: () => router.go("/discover/search") } }, icon(I.search, 16), t("search")),
    list,
  );

  const renderRow = ({ c, on }: Row): HTMLElement => {
    const el = rowOf(c, on);
    onLongPress(el.querySelector<HTMLElement>(".chat-item-btn")!, () => menu(c));
    return el;
  };

  const rowOf = (c: ConversationState, on: boolean): HTMLElement => {
    const path = chatPath(c);
    const title = st.convTitle(c);
    const g = c.group ? st.groups.get(key(c.group)) : undefined;
    const av = c.group ? avatar(title, g?.avatar) : avatar(title, st.profileOf(c.peer)?.avatar);
    const typing = st.typing.get(key(c.conversation));
    let line: (string | HTMLElement)[];
    if (typing && typing.until > Date.now() && !c.group) line = [h("span", "typing", t("typing"))];
    else if (c.draft && !on) line = [h("span", "draft-tag", t("draft_tag")), " ", c.draft];
    else line = [c.unreadMentions > 0 ? h("span", "mention-tag", t("mention_tag")) : "", c.last ? preview(c.last) : ""];
    return h(
      "div",
      { class: `chat-item ${c.pinned ? "pinned" : ""} ${on ? "on" : ""}`, data: { conv: key(c.conversation), title }, attrs: { role: "listitem" } },
      h(
        "button",
        {
          class: "chat-item-btn",
          attrs: { type: "button" },
          on: {
            click: () => router.go(path),
            contextmenu: (e) => {
              e.preventDefault();
              menu(c);
            },
          },
        },
        h("span", "chat-item-avatar", av, c.muted ? badge(c.unread, true) : badge(c.unread)),
        h(
          "span",
          "chat-item-main",
          h("span", "chat-item-top", h("span", "chat-item-title", title), h("span", "chat-item-time", c.last?.time ? formatTime(Number(c.last.time)) : "")),
          h("span", "chat-item-bottom", h("span", "chat-item-preview", ...line), c.muted ? h("span", { class: "muted-icon", attrs: { title: t("muted") } }, icon(I.mute, 14)) : null),
        ),
      ),
    );
  };

  // What a row shows, as a string: a row whose signature changed is
  // rendered again.
  const signature = (c: ConversationState, on: boolean): string => {
    const title = st.convTitle(c);
    const typing = st.typing.get(key(c.conversation));
    const g = c.group ? st.groups.get(key(c.group)) : undefined;
    const avatarPath = c.group ? g?.avatar : st.profileOf(c.peer)?.avatar;
    return [key(c.conversation), title, avatarPath ?? "", c.pinned, c.muted, c.unread, c.unreadMentions, c.draft,
      c.last?.id ?? "", c.last?.kind ?? "", c.lastSeq, typing && typing.until > Date.now() ? 1 : 0, on].join("\u0000");
  };

  const render = () => {
    const convs = st.sortedConvs().filter((c) => !deleted(c));
    const route = router.route;
    none.hidden = convs.length > 0;
    vlist.el.hidden = convs.length === 0;
    vlist.setItems(convs.map((c) => {
      const on = route.path === chatPath(c);
      return { key: signature(c, on), c, on };
    }));
  };

  const menu = (c: ConversationState) =>
    sheet(
      [
        [c.pinned ? t("unpin") : t("pin"), () => setConv(c, { pinned: !c.pinned })],
        [c.muted ? t("unmute") : t("mute"), () => setConv(c, { muted: !c.muted })],
        c.unread ? [t("mark_read"), () => setConv(c, { readSeq: c.lastSeq })] : null,
        [t("delete_chat"), () => void deleteChat(c), true],
      ],
      st.convTitle(c),
    );

  for (const topic of ["convs", "contacts", "groups", "users", "profile", "typing"]) scope.add(st.on(topic, render));
  scope.add(router.on("route", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

// A deleted chat is one cleared up to its last message, with no draft: it
// leaves the list until a new message arrives.
export function deleted(c: ConversationState): boolean {
  return c.clearedSeq > 0n && c.clearedSeq >= c.lastSeq && !c.draft;
}

// deleteChat removes a chat from the list and its history from this
// user's devices (the others in it keep theirs).
async function deleteChat(c: ConversationState): Promise<void> {
  if (!(await confirmBox(t("delete_chat_confirm"), t("delete"), true))) return;
  await setConv(c, { clear: true, pinned: false, draft: "" });
}

export async function setConv(c: ConversationState, change: { pinned?: boolean; muted?: boolean; draft?: string; readSeq?: bigint; clear?: boolean }): Promise<void> {
  try {
    const r = await app.conn.call("setConversation", { conversation: c.conversation, ...change }, "conversation");
    await app.store!.setConvs([r]);
  } catch (e) {
    toastError(e);
  }
}
