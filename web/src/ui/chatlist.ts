// The chat list: pinned first, unread badges (a dot when muted), drafts,
// @mentions, the last message and its time.
import { h, icon, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import type { ConversationState } from "../lib/proto";
import { I } from "./icons";
import { avatar, badge, confirmBox, empty, errorText, groupAvatar, header, iconButton, sheet, toastError } from "./widgets";
import { failedChats } from "../lib/outbox";
import { atMessage, resultRow } from "./discover";
import type { Message } from "../lib/proto";
import { preview } from "./msgtext";
import type { View } from "./shell";
import { VList } from "./vlist";
import { onLongPress } from "./touchmenu";
import { oaStrip } from "./officialacct";

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
  const oa = oaStrip();
  scope.add(oa.dispose);
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
    searchBar(),
    oa.el,
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
    if (c.group && app.isGroupMember(c.group) && st.needsMembers(c.group)) void app.loadMembers(c.group).catch(() => {});
    const av = c.group ? groupAvatar(title, g?.avatar, st.groupFaces(c.group)) : avatar(title, st.profileOf(c.peer)?.avatar);
    const failed = failedNow.has(c.group ? `g${c.group}` : `u${c.peer}`);
    const typing = st.typing.get(key(c.conversation));
    let line: (string | HTMLElement)[];
    if (typing && typing.until > Date.now() && !c.group) line = [h("span", "typing", t("typing"))];
    else if (c.draft && !on) line = [h("span", "draft-tag", t("draft_tag")), " ", c.draft];
    else line = [c.unreadMentions > 0 ? h("span", "mention-tag", t("mention_tag")) : "", c.last ? preview(c.last) : ""];
    if (failed) line.unshift(h("span", { class: "failed-mark", attrs: { role: "img", "aria-label": t("failed_chat"), title: t("failed_chat") } }, "!"));
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
    const faces = c.group ? st.groupFaces(c.group).map((f) => f.avatar ?? f.name).join(",") : "";
    const failed = failedNow.has(c.group ? `g${c.group}` : `u${c.peer}`);
    return [key(c.conversation), title, avatarPath ?? "", faces, failed, c.pinned, c.muted, c.unread, c.unreadMentions, c.draft,
      c.last?.id ?? "", c.last?.kind ?? "", c.lastSeq, typing && typing.until > Date.now() ? 1 : 0, on].join("\u0000");
  };

  let failedNow = new Set<string>();
  const render = () => {
    failedNow = app.outbox ? failedChats(app.outbox.items.values()) : new Set();
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

  for (const topic of ["convs", "contacts", "groups", "users", "profile", "typing", "members"]) scope.add(st.on(topic, render));
  if (app.outbox) scope.add(app.outbox.on("change", render));
  scope.add(router.on("route", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

// The chat list's own search: contacts and groups by name as one types,
// messages on Enter (or the "search messages" row); results replace the
// list until the box is cleared.
function searchBar(): HTMLElement {
  const st = app.store!;
  const q = h("input", { attrs: { type: "search", name: "q", placeholder: t("search"), "aria-label": t("search_all"), autocomplete: "off", maxlength: 100 } });
  const results = h("div", { class: "list-search-results", attrs: { role: "region", "aria-label": t("search_all") } });
  results.hidden = true;
  let asked = "";
  const norm = (x: string) => x.toLowerCase();
  const show = (msgs?: Message[] | string) => {
    const query = q.value.trim();
    const wrap = q.closest(".pane")?.querySelector<HTMLElement>(".chat-list-wrap");
    results.hidden = !query;
    box.classList.toggle("active", !!query);
    if (wrap) wrap.hidden = !!query;
    if (!query) return replace(results);
    const n = norm(query);
    const contacts = [...st.contacts.values()].filter((c) => {
      const p = c.profile;
      return [st.name(c.user), c.remark, p?.nickname, p?.accountId].some((x) => x && norm(x).includes(n));
    });
    const groups = [...st.groups.values()].filter((g) => app.isGroupMember(g.id) && norm(st.groupTitle(g.id)).includes(n));
    const part = (title: string, items: HTMLElement[]) => (items.length ? h("section", "group", h("h2", "group-title", title), ...items) : null);
    replace(
      results,
      part(
        t("search_contacts"),
        contacts.slice(0, 20).map((c) =>
          h("button", { class: "row", attrs: { type: "button" }, data: { resultContact: st.name(c.user) }, on: { click: () => open(`/chat/u/${c.user}`) } }, h("span", "row-icon", avatar(st.name(c.user), c.profile?.avatar, "s")), h("span", "row-main", h("span", "row-title", st.name(c.user)), c.profile?.accountId ? h("span", "row-sub", c.profile.accountId) : null)),
        ),
      ),
      part(
        t("search_groups"),
        groups.slice(0, 20).map((g) =>
          h("button", { class: "row", attrs: { type: "button" }, data: { resultGroup: st.groupTitle(g.id) }, on: { click: () => open(`/chat/g/${g.id}`) } }, h("span", "row-icon", groupAvatar(st.groupTitle(g.id), g.avatar, st.groupFaces(g.id), "s")), h("span", "row-main", h("span", "row-title", st.groupTitle(g.id)), h("span", "row-sub", t("members_n", g.memberCount)))),
        ),
      ),
      h(
        "section",
        "group",
        h("h2", "group-title", t("search_messages")),
        msgs === undefined
          ? h("button", { class: "row", attrs: { type: "button" }, data: { action: "search-messages" }, on: { click: () => void messages() } }, h("span", "row-icon", icon(I.search, 20)), h("span", "row-main", h("span", "row-title", t("search_messages_for", query))))
          : typeof msgs === "string"
            ? h("p", "empty", msgs)
            : msgs.length
              ? h("div", "results padded", ...msgs.map((m) => resultRow(m, () => open(atMessage(m)))))
              : h("p", "empty", t("no_results")),
      ),
    );
  };
  const open = (path: string | undefined) => {
    if (path) router.go(path);
  };
  const messages = async () => {
    const query = q.value.trim();
    if (!query) return;
    asked = query;
    show([]);
    results.querySelector(".group:last-child .empty")?.replaceChildren(t("loading"));
    try {
      const r = await app.conn.call("search", { query, limit: 30 }, "messages");
      if (asked === q.value.trim()) show(r.messages);
    } catch (e) {
      show(errorText(e));
    }
  };
  q.addEventListener("input", () => show());
  q.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      void messages();
    } else if (e.key === "Escape" && q.value) {
      q.value = "";
      show();
    }
  });
  const box = h("div", { class: "list-search" }, h("label", "search-box", icon(I.search, 16), q), results);
  return box;
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
