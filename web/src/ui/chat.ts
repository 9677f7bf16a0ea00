// The chat screen: the message list (virtualised, with older history loaded
// while scrolling up), the composer (text, emoji, @mentions, voice,
// attachments, quotes), message actions and multi-select forwarding.
import { h, replace } from "../lib/dom";
import { t, formatSeparator, formatSize } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import { localURL, type UploadKind } from "../lib/media";
import { canRetry, type OutItem } from "../lib/outbox";
import { ApiError } from "../lib/conn";
import { MessageKind, RequestState, type ConversationState, type GroupMember, type Message } from "../lib/proto";
import { I } from "./icons";
import { ask, avatar, confirmBox, errorText, header, iconButton, menuAt, modal, sheet, toast, toastError, type MenuItem } from "./widgets";
import { locationPicker } from "./location";
import { sendRedPacket, sendTransfer } from "./wallet";
import { placeCall } from "./call";
import { groupCallBar, groupCallButtons } from "./groupcall";
import { bare, content, isSystem, quoteBlock, systemLine } from "./message";
import { kindLabel, summary } from "./msgtext";
import { emojiPicker } from "./emoji";
import { pickContacts, pickMember, pickTarget } from "./pickers";
import { forwardToGroups } from "./outreach";
import { Recorder } from "./recorder";
import { VList, type VItem } from "./vlist";
import type { View } from "./shell";
import { loadRecalled, recalledKey, rememberRecalled, type Recalled } from "./reedit";

interface Row extends VItem {
  msg?: Message;
  out?: OutItem;
  intro?: boolean;
}

const MAX_TEXT = 4000;

// coarse: a touch screen, where a message's actions open by long-press in
// a sheet; with a mouse they open at the cursor.
const coarse = () => matchMedia("(pointer: coarse)").matches;

// actionsMenu shows actions at a point (mouse, keyboard) or as a sheet
// (touch).
function actionsMenu(items: MenuItem[], title: string, at?: { x: number; y: number }): void {
  if (at && !coarse()) menuAt(items, at.x, at.y, title);
  else sheet(items, title || undefined);
}

// splitText cuts a long text into parts of at most max characters, each
// ending at a line break or a space near its end when there is one, so
// that joined again they make the text.
export function splitText(text: string, max = MAX_TEXT): string[] {
  const cs = Array.from(text);
  const parts: string[] = [];
  let i = 0;
  while (i < cs.length) {
    let end = Math.min(i + max, cs.length);
    if (end < cs.length) {
      for (let j = end; j > end - 300 && j > i; j--) {
        if (/\s/.test(cs[j - 1])) {
          end = j;
          break;
        }
      }
    }
    parts.push(cs.slice(i, end).join(""));
    i = end;
  }
  return parts;
}

const PAGE = 50;
const RECALL_MS = 2 * 60 * 1000;

export function chatView(kind: "user" | "group", who: bigint, at?: bigint): View {
  const st = app.store!;
  const ob = app.outbox!;
  const scope = new Scope();
  const peer = kind === "user" ? who : 0n;
  const group = kind === "group" ? who : 0n;
  const conv = (): ConversationState | undefined => (group ? st.convs.get(key(group)) : st.convByPeer(peer));
  let convId = conv()?.conversation ?? 0n;
  const msgs = new Map<string, Message>(); // by seq
  let sorted: Message[] = [];
  let reachedStart = false;
  let loading = false;
  let members: GroupMember[] = st.members.get(key(group)) ?? [];
  let quote: Message | undefined;
  let mentions: { user: bigint; name: string }[] = [];
  let mentionAll = false;
  let selecting: Set<string> | undefined;
  let lastTyping = 0;
  // Opened at a message (a search result): the loaded window ends at hi,
  // and newer messages load as the user scrolls down (0: at the newest).
  let hi = 0n;
  let loadingNewer = false;

  const isMember = () => !group || app.isGroupMember(group);
  const title = () => (group ? st.groupTitle(group) : peer === st.me ? t("file_transfer") : st.name(peer));
  const headerBox = h("div", "chat-header");
  const vlist = new VList<Row>((r) => renderRow(r), 72, "vlist messages");
  const quoteBar = h("div", "quote-bar");
  const input = h("textarea", { class: "composer-input", attrs: { rows: 1, "aria-label": t("message"), placeholder: t("message"), enterkeyhint: "send" } });
  const tooLong = h("div", { class: "too-long-box", attrs: { "aria-live": "polite" } });
  const recBox = h("div", "rec-box");
  const extra = h("div", "composer-extra");
  const composer = h("div", { class: "composer", data: { composer: "" } });
  const selectBar = h("div", "select-bar");
  const callBar = group ? groupCallBar(group) : undefined;
  if (callBar) scope.add(callBar.dispose);
  const el = h("div", { class: "chat", data: { screen: "chat", chat: group ? `g${group}` : `u${peer}` } }, headerBox, callBar?.el ?? "", vlist.el, quoteBar, tooLong, recBox, composer, extra);

  // ---- header ----
  const renderHeader = () => {
    const c = conv();
    const typing = c ? st.typing.get(key(c.conversation)) : undefined;
    const g = group ? st.groups.get(key(group)) : undefined;
    const sub = typing && typing.until > Date.now() ? (group ? t("x_typing", st.name(typing.user, group)) : t("typing")) : g ? t("members_n", g.memberCount) : "";
    replace(
      headerBox,
      header({
        title: h("span", { data: { title: "" } }, title()),
        sub: sub ? h("span", { class: "chat-sub", data: { sub: "" } }, sub) : undefined,
        back: "/",
        actions: [
          ...(peer && peer !== st.me && st.contacts.has(key(peer))
            ? [iconButton(I.phone, t("c_voice"), () => void placeCall(peer, false), "call-voice-btn"), iconButton(I.video, t("c_video"), () => void placeCall(peer, true), "call-video-btn")]
            : []),
          ...(group && isMember() ? groupCallButtons(group) : []),
          iconButton(I.more, t("chat_info"), () => router.go(group ? `/chat/g/${group}/info` : `/chat/u/${peer}/info`), "chat-info-btn"),
        ],
      }),
    );
  };

  // ---- rows ----
  const renderRow = (r: Row): HTMLElement => {
    if (r.intro) return introRow();
    if (r.out) return withUpload(outRow(r.out), r.out);
    const m = r.msg!;
    const prev = msgs.get(key(m.seq - 1n));
    const showTime = !prev || Number(m.time) - Number(prev.time) > 5 * 60 * 1000;
    const time = showTime && m.time ? h("div", "time-line", formatSeparator(Number(m.time))) : null;
    if (isSystem(m)) return h("div", { class: "msg-row sys", data: { seq: String(m.seq) } }, time, withReedit(systemLine(m), m));
    const mine = m.sender === st.me;
    const name = st.name(m.sender, group || undefined);
    const sel = selecting ? h("input", { class: "msg-check", attrs: { type: "checkbox", "aria-label": t("select") }, props: { checked: selecting.has(key(m.id)) }, on: { change: (e) => toggleSel(m, (e.target as HTMLInputElement).checked) } }) : null;
    const body = h(
      "div",
      { class: `bubble ${bare(m) ? "bare" : ""} kind-${m.kind}`, attrs: { tabindex: 0, role: "article", "aria-label": `${name}: ${summary(m)}`.slice(0, 200), "aria-keyshortcuts": "Enter ContextMenu" } },
      quoteBlock(m),
      content(m),
    );
    bindActions(body, m);
    const mentioned = m.mentionAll || m.mentions.includes(st.me);
    return h(
      "div",
      { class: `msg-row ${mine ? "mine" : "theirs"} ${mentioned && !mine ? "mentioned" : ""} ${at === m.seq ? "highlight" : ""}`, data: { seq: String(m.seq), id: String(m.id), kind: String(m.kind) } },
      time,
      h(
        "div",
        "msg",
        sel,
        h("button", { class: "msg-avatar", attrs: { type: "button", "aria-label": name }, on: { click: () => router.go(m.sender === st.me ? "/me/profile" : `/contacts/${m.sender}`) } }, avatar(name, st.profileOf(m.sender)?.avatar, "s")),
        h(
          "div",
          "msg-body",
          group && !mine ? h("div", "msg-name", name) : null,
          // The server sets spam_warning only for recipients' devices.
          m.spamWarning && !mine ? h("div", { class: "spam-warning", attrs: { role: "note" } }, t("spam_warning")) : null,
          body,
        ),
      ),
    );
  };

  const outRow = (o: OutItem): HTMLElement => {
    let body: HTMLElement;
    if (o.file && (o.uploadKind === "image" || o.uploadKind === "sticker")) {
      const img = h("img", { class: "msg-img", attrs: { alt: "", width: 160, height: 120 } });
      img.src = localURL(o.file);
      body = h("div", "bubble bare", img);
    } else if (o.file) body = h("div", "bubble", h("div", "text", `${kindLabel(kindOfUpload(o.uploadKind))} ${o.fileName ?? ""}`));
    else if (o.forward) body = h("div", "bubble", h("div", "text", o.forward.original ? summary(o.forward.original) : t("kind_history")));
    else body = h("div", "bubble", h("div", "text", o.kind === MessageKind.TEXT ? o.text : `${kindLabel(o.kind)} ${o.text || o.url || ""}`));
    const reason = o.state === "failed" ? failReason(o) : "";
    const state =
      o.state === "failed"
        ? h(
            "button",
            { class: "out-state failed", attrs: { type: "button", "aria-label": `${t("send_failed")}: ${reason}`, title: reason }, on: { click: (e) => failedMenu(o, e.currentTarget as HTMLElement) } },
            "!",
          )
        : h("span", { class: "out-state pending", attrs: { "aria-label": t("sending"), title: t("sending") } });
    return h(
      "div",
      { class: "msg-row mine out", data: { out: o.clientId, state: o.state } },
      h("div", "msg", h("span", "msg-avatar"), h("div", "msg-body out-body", state, body)),
      reason ? h("div", { class: "out-reason", attrs: { role: "status" } }, reason) : null,
    );
  };

  const failReason = (o: OutItem) => errorText(new ApiError(o.errorCode ?? "internal", o.error ?? "", o.errorReason ?? ""));

  // A retry is offered only where it can help (the network, a rate limit);
  // deleting always.
  const failedMenu = (o: OutItem, anchor: HTMLElement) => {
    const r = anchor.getBoundingClientRect();
    actionsMenu(
      [canRetry(o) ? [t("retry"), () => void ob.retry(o.clientId)] : null, [t("delete"), () => void ob.discard(o.clientId), true]],
      `${t("send_failed")}: ${failReason(o)}`,
      { x: r.left, y: r.bottom + 4 },
    );
  };

  // The request's greeting and a note open the chat of a new friend.
  const friendRequest = () =>
    peer && peer !== st.me ? [...st.requests.values()].find((r) => r.state === RequestState.ACCEPTED && ((r.from === peer && r.to === st.me) || (r.from === st.me && r.to === peer))) : undefined;
  const introRow = (): HTMLElement => {
    const r = friendRequest()!;
    const incoming = r.from === peer;
    const who = st.name(peer);
    const greeting = r.greeting
      ? h("div", { class: `msg-row ${incoming ? "theirs" : "mine"} intro` }, h("div", "msg", h("span", "msg-avatar", avatar(incoming ? who : st.name(st.me), st.profileOf(incoming ? peer : st.me)?.avatar, "s")), h("div", "msg-body", h("div", "bubble", h("div", "text", r.greeting)))))
      : null;
    return h("div", { class: "intro-block", data: { intro: "" } }, greeting, h("div", "msg-row sys", h("div", "sys-line", h("span", null, incoming ? t("friend_added_you", who) : t("friend_accepted_you", who)))));
  };

  // rows: the messages, with this device's unsent items in their place in
  // time (a failed send stays where it was written).
  const rows = (): Row[] => {
    const out: Row[] = [];
    if (reachedStart && friendRequest()) out.push({ key: "intro", intro: true });
    const waiting = hi ? [] : ob.of(peer, group);
    let j = 0;
    for (const m of sorted) {
      while (j < waiting.length && m.time && waiting[j].created < Number(m.time)) {
        const o = waiting[j++];
        out.push({ key: `o${o.clientId}:${o.state}`, out: o });
      }
      out.push({ key: `s${m.seq}`, msg: m });
    }
    for (; j < waiting.length; j++) out.push({ key: `o${waiting[j].clientId}:${waiting[j].state}`, out: waiting[j] });
    return out;
  };

  const refresh = () => {
    sorted = [...msgs.values()].sort((a, b) => Number(a.seq - b.seq));
    vlist.setItems(rows());
  };

  const merge = (list: Message[]) => {
    const c = conv();
    const cleared = c?.clearedSeq ?? 0n;
    let changed = false;
    for (const m of list) {
      if (m.seq <= cleared) continue;
      const k = key(m.seq);
      const old = msgs.get(k);
      if (old && old.kind === m.kind && old.id === m.id && old.text === m.text) continue;
      msgs.set(k, m);
      if (old) vlist.refresh(`s${m.seq}`);
      changed = true;
    }
    if (changed) refresh();
  };

  // ---- loading ----
  const loadInitial = async () => {
    if (!convId) {
      reachedStart = true;
      refresh();
      return;
    }
    if (at) return loadAround(at);
    merge(await st.messages(convId, 0n, PAGE));
    refresh();
    vlist.scrollToBottom();
    markRead();
    try {
      await app.conn.ready();
      const r = await app.conn.call("history", { conversation: convId, before: 0n, limit: PAGE }, "messages");
      await st.addMessages(r.messages);
      merge(r.messages);
      if (r.messages.length < PAGE) reachedStart = true;
    } catch {
      /* offline: the cache is what we have */
    }
    markRead();
  };

  // loadAround opens the chat at one message with history on both sides of
  // it, highlighted in the middle of the view.
  const loadAround = async (seq: bigint) => {
    const half = BigInt(PAGE / 2);
    hi = seq + half;
    vlist.unstick();
    let list: Message[];
    try {
      await app.conn.soon();
      list = (await app.conn.call("history", { conversation: convId, before: hi + 1n, limit: PAGE }, "messages")).messages;
      await st.addMessages(list);
    } catch {
      list = await st.messages(convId, hi + 1n, PAGE);
    }
    if (list.length && list[0].seq <= (conv()?.clearedSeq ?? 0n) + 1n) reachedStart = true;
    if (hi >= (conv()?.lastSeq ?? 0n)) hi = 0n;
    merge(list);
    refresh();
    vlist.scrollToKey(`s${seq}`);
    markRead();
  };

  // loadNewer continues a chat opened at an older message downwards.
  const loadNewer = async () => {
    if (!hi || loadingNewer || !convId) return;
    const last = conv()?.lastSeq ?? 0n;
    if (hi >= last) {
      hi = 0n;
      refresh();
      return;
    }
    loadingNewer = true;
    try {
      const r = await app.conn.call("history", { conversation: convId, before: hi + BigInt(PAGE) + 1n, limit: PAGE }, "messages");
      hi += BigInt(PAGE);
      if (hi >= last) hi = 0n;
      await st.addMessages(r.messages);
      merge(r.messages);
      refresh();
    } catch {
      /* try again on the next scroll */
    } finally {
      loadingNewer = false;
    }
  };
  vlist.onNearBottom = () => void loadNewer();

  const loadOlder = async () => {
    if (loading || reachedStart || !convId || !sorted.length) return;
    const first = sorted[0].seq;
    const c = conv();
    if (first <= (c?.clearedSeq ?? 0n) + 1n) {
      reachedStart = true;
      return;
    }
    loading = true;
    try {
      const cached = await st.messages(convId, first, PAGE * 2);
      if (cached.length && cached[cached.length - 1].seq === first - 1n && isContiguous(cached)) {
        merge(cached);
        return;
      }
      const r = await app.conn.call("history", { conversation: convId, before: first, limit: PAGE * 2 }, "messages");
      if (!r.messages.length) reachedStart = true;
      await st.addMessages(r.messages);
      merge(r.messages);
    } catch {
      /* try again on the next scroll */
    } finally {
      loading = false;
    }
  };
  vlist.onNearTop = () => void loadOlder();

  // ---- read position and drafts ----
  let readTimer = 0;
  const readNow = async () => {
    clearTimeout(readTimer);
    readTimer = 0;
    const c = conv();
    if (!c || document.visibilityState !== "visible") return;
    if (c.unread === 0 && c.readSeq >= c.lastSeq) return;
    c.unread = 0;
    c.unreadMentions = 0;
    c.readSeq = c.lastSeq;
    await st.patchConv(c);
    try {
      const r = await app.conn.call("setConversation", { conversation: c.conversation, readSeq: c.lastSeq }, "conversation");
      await st.setConvs([r]);
    } catch {
      /* the next open marks it */
    }
  };
  // markRead moves the read position soon (several arrivals share one
  // request); leaving the chat does it at once.
  const markRead = () => {
    clearTimeout(readTimer);
    readTimer = window.setTimeout(() => void readNow(), 300);
  };

  let savedDraft = conv()?.draft ?? "";
  input.value = savedDraft;
  let draftTimer = 0;
  const saveDraft = async () => {
    clearTimeout(draftTimer);
    const c = conv();
    const text = input.value;
    if (!c || text === savedDraft) return;
    savedDraft = text;
    c.draft = text;
    await st.patchConv(c);
    try {
      await app.conn.call("setConversation", { conversation: c.conversation, draft: text }, "conversation");
    } catch {
      /* kept locally; saved with the next change */
    }
  };

  // ---- composer ----
  const sendBtn = h("button", { class: "btn primary send-btn", attrs: { type: "button" }, on: { click: () => void sendText() } }, t("send"));
  const recorder = new Recorder();
  const voiceBtn = iconButton(I.mic, t("hold_to_talk"), () => void toggleVoice(), "voice-btn");
  voiceBtn.addEventListener("keydown", (e) => e.key === "Escape" && recorder.recording && void finishRec(false));
  const emojiBtn = iconButton(I.emoji, t("emoji"), () => togglePanel("emoji"), "emoji-btn");
  const attachBtn = iconButton(I.attach, t("attach"), () => togglePanel("attach"), "attach-btn");
  let panel = "";

  const renderComposer = () => {
    const g = group ? st.groups.get(key(group)) : undefined;
    if (!isMember()) {
      replace(composer, h("p", "composer-note", g?.dissolved ? t("group_dissolved") : t("not_member")));
      return;
    }
    if (g?.suspended) {
      replace(composer, h("p", "composer-note", t("group_suspended")));
      return;
    }
    if (g && (g.muted || (g.mutedAll && g.role === 0))) {
      replace(composer, h("p", "composer-note", t("you_are_muted")));
      return;
    }
    if (selecting) {
      replace(composer, selectBar);
      renderSelectBar();
      return;
    }
    replace(composer, voiceBtn, input, emojiBtn, attachBtn, sendBtn);
  };

  const togglePanel = (p: string) => {
    panel = panel === p ? "" : p;
    if (panel === "emoji")
      replace(
        extra,
        emojiPicker((e) => {
          insertAt(e);
          input.focus();
        }),
      );
    else if (panel === "attach") replace(extra, attachMenu());
    else replace(extra);
  };

  const insertAt = (s: string) => {
    const a = input.selectionStart ?? input.value.length;
    const b = input.selectionEnd ?? a;
    input.value = input.value.slice(0, a) + s + input.value.slice(b);
    input.selectionStart = input.selectionEnd = a + s.length;
    onInput();
    grow();
  };

  // grow fits the composer to its text, up to six lines (then it scrolls).
  const grow = () => {
    input.style.height = "auto";
    const cs = getComputedStyle(input);
    const max = parseFloat(cs.lineHeight) * 6 + parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
    input.style.height = `${Math.min(input.scrollHeight, max || 150)}px`;
  };

  // A text over the limit is never cut: say so, and offer to send it in
  // parts or as a file.
  const checkLength = () => {
    const n = Array.from(input.value.trim()).length;
    if (n <= MAX_TEXT) return replace(tooLong);
    const parts = splitText(input.value.trim()).length;
    replace(
      tooLong,
      h(
        "div",
        { class: "too-long", attrs: { role: "alert" } },
        h("span", "too-long-text", t("too_long_n", n)),
        h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "send-parts" }, on: { click: () => void sendParts() } }, t("send_parts", parts)),
        h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "send-file" }, on: { click: () => void sendAsFile() } }, t("send_as_file")),
      ),
    );
  };

  const onInput = () => {
    grow();
    checkLength();
    clearTimeout(draftTimer);
    draftTimer = window.setTimeout(() => void saveDraft(), 1500);
    const c = conv();
    if (c && Date.now() - lastTyping > 4000 && input.value) {
      lastTyping = Date.now();
      app.conn.done("typing", { conversation: c.conversation }).catch(() => {});
    }
  };

  input.addEventListener("input", (e) => {
    onInput();
    const ie = e as InputEvent;
    if (group && ie.data === "@") void mention();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void sendText();
    }
  });

  const mention = async () => {
    if (!members.length) await loadMembers();
    const g = st.groups.get(key(group));
    const who = await pickMember(group, members, !!g && g.role > 0);
    input.focus();
    if (!who) return;
    // The "@" is already typed: add the name after it.
    if (who === "all") {
      mentionAll = true;
      insertAt(`${t("mention_all_word")} `);
    } else {
      const name = st.name(who.user, group);
      mentions.push({ user: who.user, name });
      insertAt(`${name} `);
    }
  };

  const target = () => ({ peer, group });

  const clearInput = () => {
    input.value = "";
    grow();
    checkLength();
  };

  const sendParts = async () => {
    const parts = splitText(input.value.trim());
    clearInput();
    for (const p of parts) await ob.add({ ...target(), kind: MessageKind.TEXT, text: p });
    vlist.scrollToBottom();
    void saveDraft();
  };

  const sendAsFile = async () => {
    const text = input.value.trim();
    clearInput();
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
    await sendFile(new File([text], `message-${stamp}.txt`, { type: "text/plain" }), "file");
    void saveDraft();
  };

  const sendText = async () => {
    const text = input.value.trim();
    if (!text) return;
    if (Array.from(text).length > MAX_TEXT) {
      checkLength();
      tooLong.querySelector<HTMLButtonElement>("[data-action=send-parts]")?.focus();
      return;
    }
    const ms = mentions.filter((m) => text.includes(`@${m.name}`)).map((m) => m.user);
    const all = mentionAll && text.includes(`@${t("mention_all_word")}`);
    const q = quote;
    clearInput();
    mentions = [];
    mentionAll = false;
    setQuote(undefined);
    await ob.add({
      ...target(),
      kind: MessageKind.TEXT,
      text,
      mentions: [...new Set(ms)],
      mentionAll: all,
      quote: q ? { message: q.id, sender: q.sender, kind: q.kind, text: summary(q).slice(0, 100) } : undefined,
    });
    vlist.scrollToBottom();
    void saveDraft();
  };

  const sendFile = async (file: File, kind: UploadKind, durationMs = 0) => {
    await ob.add({ ...target(), kind: kindOfUpload(kind), text: "", file, fileName: file.name || `${kind}`, uploadKind: kind, durationMs });
    vlist.scrollToBottom();
  };

  const pickFiles = (accept: string, multiple: boolean, each: (f: File) => void) => {
    const fi = h("input", { attrs: { type: "file", accept, multiple } });
    fi.addEventListener("change", () => {
      for (const f of Array.from(fi.files ?? [])) each(f);
    });
    fi.click();
  };

  const attachMenu = () =>
    h(
      "div",
      "attach-grid",
      ...(
        [
          [t("attach_photo"), "photo", () => pickFiles("image/*,video/*", true, (f) => void sendFile(f, f.type.startsWith("video/") ? "video" : "image"))],
          [t("attach_file"), "file", () => pickFiles("*/*", true, (f) => void sendFile(f, "file"))],
          [t("attach_sticker"), "sticker", () => pickFiles("image/*", false, (f) => void sendFile(f, "sticker"))],
          [t("attach_location"), "location", () => void sendLocation()],
          [t("attach_card"), "card", () => void sendCard()],
          [t("attach_link"), "link", () => void sendLink()],
          peer && peer !== st.me ? [t("w_transfer"), "transfer", () => void sendTransfer(peer)] : null,
          peer !== st.me ? [t("w_red_packet"), "red-packet", () => void sendRedPacket(group ? { group } : { peer })] : null,
        ].filter((x) => x !== null) as [string, string, () => void][]
      ).map(([label, name, fn]) => h("button", { class: "attach-item", attrs: { type: "button" }, data: { attach: name }, on: { click: () => (togglePanel(""), fn()) } }, label)),
    );

  const sendLocation = async () => {
    const loc = await locationPicker();
    if (loc) await ob.add({ ...target(), kind: MessageKind.LOCATION, location: loc });
  };

  const sendCard = async () => {
    const who = await pickContacts(t("attach_card"), [], 1);
    if (!who) return;
    for (const u of who) await ob.add({ ...target(), kind: MessageKind.CONTACT_CARD, card: u });
  };

  const sendLink = async () => {
    const v = await ask(t("attach_link"), [{ name: "url", label: "URL", type: "url", placeholder: "https://" }]);
    if (!v || !/^https?:\/\//i.test(v.url.trim())) return;
    await ob.add({ ...target(), kind: MessageKind.LINK, url: v.url.trim() });
  };

  // ---- voice: click to record and again to send (a mouse), or hold to
  // record and release to send, sliding up to cancel (a touch screen); a
  // timer runs meanwhile ----
  let recTimer = 0;
  let recHold = false;
  let recArmed = false;
  let recStarting: Promise<boolean> | undefined;
  const recTime = h("span", "rec-time", "0:00");
  const recHint = h("span", "rec-hint");
  const showRec = (hold: boolean) => {
    recHold = hold;
    recArmed = false;
    recTime.textContent = "0:00";
    recHint.textContent = hold ? t("rec_slide_cancel") : "";
    replace(
      recBox,
      h(
        "div",
        { class: "rec-panel", attrs: { role: "status" } },
        h("span", "rec-dot"),
        recTime,
        recHint,
        hold ? null : h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "rec-cancel" }, on: { click: () => void finishRec(false) } }, t("rec_cancel")),
        hold ? null : h("button", { class: "btn small primary", attrs: { type: "button" }, data: { action: "rec-send" }, on: { click: () => void finishRec(true) } }, t("rec_send")),
      ),
    );
    recTimer = window.setInterval(() => {
      const s = Math.floor(recorder.elapsed / 1000);
      recTime.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    }, 200);
    voiceBtn.classList.add("recording");
  };
  const startRec = async (hold: boolean): Promise<boolean> => {
    try {
      await recorder.start(60000, () => void finishRec(true));
      showRec(hold);
      return true;
    } catch (e) {
      toastError(e);
      return false;
    }
  };
  const finishRec = async (send: boolean) => {
    if (recStarting && !(await recStarting)) return;
    recStarting = undefined;
    clearInterval(recTimer);
    replace(recBox);
    voiceBtn.classList.remove("recording");
    if (!recorder.recording) return;
    if (!send) return recorder.cancel();
    const clip = await recorder.stop();
    if (clip && clip.durationMs >= 500) await sendFile(new File([clip.blob], "voice" + clip.ext, { type: clip.blob.type }), "voice", clip.durationMs);
  };
  const toggleVoice = async () => {
    // A second click while the microphone is still starting sends too.
    if (recorder.recording || recStarting) return finishRec(true);
    recStarting = startRec(false);
    await recStarting;
    recStarting = undefined;
  };
  let holdY = 0;
  let touched = false;
  voiceBtn.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "mouse" || recorder.recording) return;
    e.preventDefault();
    touched = true;
    holdY = e.clientY;
    voiceBtn.setPointerCapture?.(e.pointerId);
    recStarting = startRec(true);
  });
  voiceBtn.addEventListener("pointermove", (e) => {
    if (!recStarting && !recHold) return;
    const armed = holdY - e.clientY > 60;
    if (armed === recArmed) return;
    recArmed = armed;
    recBox.firstElementChild?.classList.toggle("cancel", armed);
    recHint.textContent = armed ? t("rec_release_cancel") : t("rec_slide_cancel");
  });
  const release = (cancel: boolean) => () => {
    if (!touched) return;
    void finishRec(!cancel && !recArmed);
    recHold = false;
  };
  voiceBtn.addEventListener("pointerup", release(false));
  voiceBtn.addEventListener("pointercancel", release(true));
  voiceBtn.addEventListener("contextmenu", (e) => e.preventDefault());
  voiceBtn.addEventListener(
    "click",
    (e) => {
      if (!touched) return;
      touched = false;
      e.stopImmediatePropagation();
    },
    true,
  );

  // ---- quote ----
  const setQuote = (m: Message | undefined) => {
    quote = m;
    if (!m) replace(quoteBar);
    else replace(quoteBar, h("div", "quote", `${st.name(m.sender, group || undefined)}: ${summary(m).slice(0, 80)}`), iconButton(I.close, t("cancel"), () => setQuote(undefined)));
  };

  // ---- actions: long-press on a touch screen, right-click at the cursor,
  // Enter or the context-menu key from the keyboard; a plain tap or click
  // does nothing (media open by their own tap) ----
  // swallowClick drops the click that lifting the finger after a long
  // press makes, so that it neither closes the menu just opened nor picks
  // an item under the finger.
  const swallowClick = () => {
    const drop = (e: Event) => {
      e.preventDefault();
      e.stopPropagation();
    };
    addEventListener("click", drop, { capture: true, once: true });
    setTimeout(() => removeEventListener("click", drop, { capture: true }), 1000);
  };

  const bindActions = (body: HTMLElement, m: Message) => {
    let timer = 0;
    let pressed = false;
    let touchDown = false;
    let x0 = 0;
    let y0 = 0;
    const stop = () => {
      clearTimeout(timer);
      timer = 0;
    };
    body.addEventListener("pointerdown", (e) => {
      touchDown = e.pointerType !== "mouse";
      pressed = false;
      if (!touchDown || selecting) return;
      x0 = e.clientX;
      y0 = e.clientY;
      stop();
      timer = window.setTimeout(() => {
        timer = 0;
        pressed = true;
        navigator.vibrate?.(15);
        swallowClick();
        actions(m);
      }, 500);
    });
    body.addEventListener("pointermove", (e) => {
      if (timer && Math.hypot(e.clientX - x0, e.clientY - y0) > 10) stop();
    });
    for (const ev of ["pointerup", "pointercancel", "pointerleave"]) body.addEventListener(ev, stop);
    body.addEventListener(
      "click",
      (e) => {
        if (pressed) {
          pressed = false;
          e.preventDefault();
          e.stopPropagation();
        } else if (selecting) {
          e.stopPropagation();
          toggleSel(m);
        }
      },
      true,
    );
    body.addEventListener("contextmenu", (e) => {
      e.preventDefault();
      if (selecting) return;
      if (touchDown) {
        // The browser's own long-press: the same as the timer above.
        if (!pressed) {
          stop();
          pressed = true;
          swallowClick();
          actions(m);
        }
        return;
      }
      actions(m, { x: e.clientX, y: e.clientY });
    });
    body.addEventListener("keydown", (e) => {
      if (e.target !== body) return;
      if (e.key === "Enter" || e.key === "ContextMenu" || (e.key === "F10" && e.shiftKey)) {
        e.preventDefault();
        if (selecting) return toggleSel(m);
        const r = body.getBoundingClientRect();
        actions(m, { x: r.left + 8, y: r.bottom + 4 }, true);
      }
    });
  };

  const actions = (m: Message, point?: { x: number; y: number }, keyboard = false) => {
    if (isSystem(m)) return;
    const mine = m.sender === st.me;
    const canRecall = mine && Date.now() - Number(m.time) < RECALL_MS;
    const show = (items: MenuItem[]) => (keyboard && point ? menuAt(items, point.x, point.y, t("message_actions")) : actionsMenu(items, "", point));
    show([
      m.kind === MessageKind.TEXT ? [t("copy"), () => void navigator.clipboard?.writeText(m.text).then(() => toast(t("copied")), () => {})] : null,
      isMember() ? [t("reply"), () => (setQuote(m), input.focus())] : null,
      [t("forward"), () => void forward([m], false)],
      group && m.kind === MessageKind.TEXT ? [t("or_forward_groups"), () => forwardToGroups(m)] : null,
      [t("favorite"), () => void favorite(m)],
      [t("multi_select"), () => startSelect(m)],
      canRecall ? [t("recall"), () => void recall(m), true] : null,
      [t("delete_for_me"), () => void deleteForMe(m), true],
    ]);
  };

  const forward = async (list: Message[], merged: boolean) => {
    const to = await pickTarget();
    if (!to) return;
    if (merged) await ob.add({ peer: to.peer, group: to.group, kind: MessageKind.CHAT_HISTORY, forward: { messages: list.map((m) => m.id), merged: true } });
    else for (const m of list) await ob.add({ peer: to.peer, group: to.group, kind: m.kind, text: m.text, forward: { messages: [m.id], merged: false, original: m } });
    toast(t("forwarded"));
  };

  const favorite = async (m: Message) => {
    try {
      const f = await app.conn.call("favoriteAdd", { message: m.id }, "favorite");
      st.favorites.set(key(f.id), f);
      await st.putOne("favorites", f.id, f, "favorites");
      toast(t("saved_to_favorites"));
    } catch (e) {
      toastError(e);
    }
  };

  const recall = async (m: Message) => {
    try {
      if (m.kind === MessageKind.TEXT && m.text) recalled = await rememberRecalled(st, m);
      const r = await app.conn.call("recall", { message: m.id }, "messages");
      await st.addMessages(r.messages);
    } catch (e) {
      toastError(e);
    }
  };

  const deleteForMe = async (m: Message) => {
    if (!(await confirmBox(t("delete_for_me_confirm"), t("delete"), true))) return;
    try {
      await app.conn.done("deleteMessage", { message: m.id });
      await st.removeMessage(m.conversation, m.seq);
    } catch (e) {
      toastError(e);
    }
  };

  // ---- upload progress, with cancel ----
  const percent = (sent: number, total: number) => `${total ? Math.floor((sent / total) * 100) : 100}%`;
  const withUpload = (row: HTMLElement, o: OutItem): HTMLElement => {
    if (!o.file || o.media || o.state === "failed") return row;
    const total = o.file.size;
    const sent = ob.progress.get(o.clientId)?.sent ?? 0;
    row.append(
      h(
        "div",
        { class: "upload", data: { upload: o.clientId } },
        h("progress", { attrs: { max: total, "aria-label": t("uploading_x", o.fileName ?? "") }, props: { value: sent } }),
        h("span", "upload-pct", `${percent(sent, total)} · ${formatSize(total)}`),
        h("button", { class: "link upload-cancel", attrs: { type: "button" }, data: { action: "cancel-upload" }, on: { click: () => void ob.cancel(o.clientId) } }, t("cancel_upload")),
      ),
    );
    return row;
  };
  scope.add(
    ob.on("progress", (x) => {
      const p = x as { clientId: string; sent: number; total: number };
      const box = vlist.el.querySelector(`[data-upload="${p.clientId}"]`);
      if (!box) return;
      box.querySelector("progress")!.value = p.sent;
      box.querySelector(".upload-pct")!.textContent = `${percent(p.sent, p.total)} · ${formatSize(p.total)}`;
    }),
  );

  // ---- paste and drop images and files ----
  const filesOf = (dt: DataTransfer | null): File[] => (dt ? Array.from(dt.files) : []);
  const carriesFiles = (dt: DataTransfer | null) => !!dt && Array.from(dt.types).includes("Files");
  input.addEventListener("paste", (e) => {
    const files = filesOf(e.clipboardData);
    if (!files.length) return;
    e.preventDefault();
    offerFiles(files);
  });
  el.addEventListener("dragover", (e) => {
    if (!carriesFiles(e.dataTransfer) || !isMember()) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = "copy";
    el.classList.add("dropping");
  });
  el.addEventListener("dragleave", (e) => {
    if (!el.contains(e.relatedTarget as Node | null)) el.classList.remove("dropping");
  });
  el.addEventListener("drop", (e) => {
    el.classList.remove("dropping");
    const files = filesOf(e.dataTransfer);
    if (!files.length || !isMember()) return;
    e.preventDefault();
    offerFiles(files);
  });
  // offerFiles asks before sending what was pasted or dropped, showing it.
  const offerFiles = (files: File[]) => {
    const urls: string[] = [];
    const items = files.map((f) => {
      let preview: HTMLElement | null = null;
      if (uploadKindOf(f) === "image") {
        const u = localURL(f);
        urls.push(u);
        preview = h("img", { class: "drop-thumb", attrs: { src: u, alt: "" } });
      }
      return h("li", "drop-file", preview, h("span", "drop-name", f.name || t("kind_file")), h("span", "drop-size", formatSize(f.size)));
    });
    const send = h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "send-files" } }, t("send"));
    const box = h(
      "div",
      { class: "dialog-form", data: { dialog: "send-files" } },
      h("h2", null, t("send_files_to", title())),
      h("ul", "drop-list", ...items),
      h("div", "dialog-actions", h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("cancel")), send),
    );
    const close = modal(box, { onClose: () => urls.forEach((u) => URL.revokeObjectURL(u)) });
    send.addEventListener("click", () => {
      close();
      for (const f of files) void sendFile(f, uploadKindOf(f));
      input.focus();
    });
  };

  // ---- re-edit a recalled message (on the device that recalled it) ----
  let recalled = new Map<string, Recalled>();
  void loadRecalled(st).then((r) => {
    recalled = r;
    if (r.size) vlist.refreshAll();
  });
  const withReedit = (line: HTMLElement, m: Message): HTMLElement => {
    const r = m.kind === MessageKind.RECALLED && m.sender === st.me ? recalled.get(recalledKey(m)) : undefined;
    if (r && isMember()) line.append(h("button", { class: "link reedit", attrs: { type: "button" }, data: { action: "reedit" }, on: { click: () => reEdit(r) } }, t("reedit")));
    return line;
  };
  const reEdit = (r: Recalled) => {
    for (const u of r.mentions) {
      const user = BigInt(u);
      if (group && !mentions.some((x) => x.user === user)) mentions.push({ user, name: st.name(user, group) });
    }
    input.focus();
    insertAt(r.text);
  };

  // ---- multi-select ----
  const startSelect = (m: Message) => {
    selecting = new Set([key(m.id)]);
    vlist.refreshAll();
    renderComposer();
  };
  const toggleSel = (m: Message, on?: boolean) => {
    if (!selecting) return;
    const k = key(m.id);
    if (on ?? !selecting.has(k)) selecting.add(k);
    else selecting.delete(k);
    vlist.refresh(`s${m.seq}`);
    renderSelectBar();
  };
  const endSelect = () => {
    selecting = undefined;
    vlist.refreshAll();
    renderComposer();
  };
  const renderSelectBar = () => {
    const chosen = () => sorted.filter((m) => selecting?.has(key(m.id)));
    replace(
      selectBar,
      h("span", "select-count", t("selected_n", selecting?.size ?? 0)),
      h("button", { class: "btn", attrs: { type: "button" }, data: { action: "forward-each" }, on: { click: async () => (await forward(chosen(), false), endSelect()) } }, t("forward_each")),
      h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "forward-merged" }, on: { click: async () => (await forward(chosen(), true), endSelect()) } }, t("forward_merged")),
      h("button", { class: "btn", attrs: { type: "button" }, on: { click: endSelect } }, t("cancel")),
    );
  };

  // ---- groups ----
  const loadMembers = async () => {
    if (!group) return;
    try {
      await app.loadMembers(group);
      members = st.members.get(key(group)) ?? [];
      vlist.refreshAll();
    } catch {
      /* names fall back to what is cached */
    }
  };

  // ---- live updates ----
  scope.add(
    st.on("msg", (x) => {
      const m = x as Message;
      const ours = group ? m.group === group : !m.group && m.peer === peer;
      if (!ours) return;
      if (!convId) convId = m.conversation;
      if (hi && m.seq > hi) return; // beyond the window opened at a message: loads on scrolling down
      const stick = vlist.atBottom();
      merge([m]);
      if (stick) vlist.scrollToBottom();
      markRead();
    }),
  );
  scope.add(
    st.on("msgRemoved", (x) => {
      const r = x as { conversation: bigint; seq: bigint };
      if (r.conversation !== convId) return;
      if (msgs.delete(key(r.seq))) refresh();
    }),
  );
  scope.add(
    st.on("cleared", (x) => {
      const c = x as ConversationState;
      if (c.conversation !== convId) return;
      for (const [k, m] of msgs) if (m.seq <= c.clearedSeq) msgs.delete(k);
      refresh();
    }),
  );
  scope.add(ob.on("change", () => vlist.setItems(rows())));
  scope.add(ob.on("sent", () => vlist.setItems(rows())));
  scope.add(st.on("requests", () => vlist.setItems(rows())));
  for (const tp of ["typing", "groups", "contacts", "users"]) scope.add(st.on(tp, renderHeader));
  scope.add(st.on("groups", renderComposer));
  scope.add(st.on("convs", () => {
    const c = conv();
    if (c && !convId) {
      convId = c.conversation;
      void loadInitial();
    }
  }));
  const onVis = () => document.visibilityState === "visible" && markRead();
  document.addEventListener("visibilitychange", onVis);
  scope.add(() => document.removeEventListener("visibilitychange", onVis));

  st.openConv = convId ? key(convId) : "";
  renderHeader();
  renderComposer();
  requestAnimationFrame(() => (grow(), checkLength()));
  void loadInitial();
  if (group) void loadMembers();
  queueMicrotask(() => matchMedia("(min-width: 900px)").matches && input.focus());

  // Exposed for the browser tests' scroll measurement.
  el.dataset.rows = "0";
  vlist.onScroll = () => (el.dataset.rows = String(vlist.rendered));

  return {
    el,
    dispose: () => {
      void saveDraft();
      void readNow();
      st.openConv = "";
      if (recorder.recording) void recorder.stop();
      scope.dispose();
    },
  };
}

function isContiguous(ms: Message[]): boolean {
  for (let i = 1; i < ms.length; i++) if (ms[i].seq !== ms[i - 1].seq + 1n) return false;
  return true;
}

// uploadKindOf: how a pasted or dropped file is sent — the images the
// server takes as images, videos as videos, anything else as a file.
export function uploadKindOf(f: File): UploadKind {
  if (["image/jpeg", "image/png", "image/gif", "image/webp"].includes(f.type)) return "image";
  if (f.type.startsWith("video/")) return "video";
  return "file";
}

export function kindOfUpload(k: UploadKind | undefined): MessageKind {
  switch (k) {
    case "image":
      return MessageKind.IMAGE;
    case "voice":
      return MessageKind.VOICE;
    case "video":
      return MessageKind.VIDEO;
    case "sticker":
      return MessageKind.STICKER;
    default:
      return MessageKind.FILE;
  }
}
