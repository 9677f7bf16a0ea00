// The chat screen: the message list (virtualised, with older history loaded
// while scrolling up), the composer (text, emoji, @mentions, voice,
// attachments, quotes), message actions and multi-select forwarding.
import { h, replace } from "../lib/dom";
import { t, formatSize, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import { localURL, type UploadKind } from "../lib/media";
import type { OutItem } from "../lib/outbox";
import { MessageKind, type ConversationState, type GroupMember, type Message } from "../lib/proto";
import { I } from "./icons";
import { ask, avatar, confirmBox, header, iconButton, modal, sheet, toast, toastError } from "./widgets";
import { bare, content, isSystem, quoteBlock, systemLine } from "./message";
import { kindLabel, summary } from "./msgtext";
import { emojiPicker } from "./emoji";
import { pickContacts, pickMember, pickTarget } from "./pickers";
import { Recorder } from "./recorder";
import { VList, type VItem } from "./vlist";
import type { View } from "./shell";
import { loadRecalled, recalledKey, rememberRecalled, type Recalled } from "./reedit";

interface Row extends VItem {
  msg?: Message;
  out?: OutItem;
}

const PAGE = 50;
const RECALL_MS = 2 * 60 * 1000;

export function chatView(kind: "user" | "group", who: bigint): View {
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

  const isMember = () => !group || app.isGroupMember(group);
  const title = () => (group ? st.groups.get(key(group))?.name || `#${group}` : peer === st.me ? t("file_transfer") : st.name(peer));
  const headerBox = h("div", "chat-header");
  const vlist = new VList<Row>((r) => renderRow(r), 72, "vlist messages");
  const quoteBar = h("div", "quote-bar");
  const input = h("textarea", { class: "composer-input", attrs: { rows: 1, "aria-label": t("message"), placeholder: t("message"), maxlength: 4000, enterkeyhint: "send" } });
  const extra = h("div", "composer-extra");
  const composer = h("div", { class: "composer", data: { composer: "" } });
  const selectBar = h("div", "select-bar");
  const el = h("div", { class: "chat", data: { screen: "chat", chat: group ? `g${group}` : `u${peer}` } }, headerBox, vlist.el, quoteBar, composer, extra);

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
        actions: [iconButton(I.more, t("chat_info"), () => router.go(group ? `/chat/g/${group}/info` : `/chat/u/${peer}/info`), "chat-info-btn")],
      }),
    );
  };

  // ---- rows ----
  const renderRow = (r: Row): HTMLElement => {
    if (r.out) return withUpload(outRow(r.out), r.out);
    const m = r.msg!;
    const prev = msgs.get(key(m.seq - 1n));
    const showTime = !prev || Number(m.time) - Number(prev.time) > 5 * 60 * 1000;
    const time = showTime && m.time ? h("div", "time-line", formatTime(Number(m.time), true)) : null;
    if (isSystem(m)) return h("div", { class: "msg-row sys", data: { seq: String(m.seq) } }, time, withReedit(systemLine(m), m));
    const mine = m.sender === st.me;
    const name = st.name(m.sender, group || undefined);
    const sel = selecting ? h("input", { class: "msg-check", attrs: { type: "checkbox", "aria-label": t("select") }, props: { checked: selecting.has(key(m.id)) }, on: { change: (e) => toggleSel(m, (e.target as HTMLInputElement).checked) } }) : null;
    const body = h(
      "div",
      { class: `bubble ${bare(m) ? "bare" : ""} kind-${m.kind}`, attrs: { tabindex: 0 }, on: { click: () => (selecting ? toggleSel(m) : actions(m)), contextmenu: (e) => (e.preventDefault(), actions(m)) } },
      quoteBlock(m),
      content(m),
    );
    const mentioned = m.mentionAll || m.mentions.includes(st.me);
    return h(
      "div",
      { class: `msg-row ${mine ? "mine" : "theirs"} ${mentioned && !mine ? "mentioned" : ""}`, data: { seq: String(m.seq), id: String(m.id), kind: String(m.kind) } },
      time,
      h(
        "div",
        "msg",
        sel,
        h("button", { class: "msg-avatar", attrs: { type: "button", "aria-label": name }, on: { click: () => router.go(m.sender === st.me ? "/me/profile" : `/contacts/${m.sender}`) } }, avatar(name, st.profileOf(m.sender)?.avatar, "s")),
        h("div", "msg-body", group && !mine ? h("div", "msg-name", name) : null, body),
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
    const state =
      o.state === "failed"
        ? h(
            "button",
            { class: "out-state failed", attrs: { type: "button", "aria-label": t("send_failed"), title: o.error ?? "" }, on: { click: () => failedMenu(o) } },
            "!",
          )
        : h("span", { class: "out-state pending", attrs: { "aria-label": t("sending"), title: t("sending") } });
    return h("div", { class: "msg-row mine out", data: { out: o.clientId, state: o.state } }, h("div", "msg", h("span", "msg-avatar"), h("div", "msg-body out-body", state, body)));
  };

  const failedMenu = (o: OutItem) =>
    sheet([[t("retry"), () => void ob.retry(o.clientId)], [t("delete"), () => void ob.discard(o.clientId), true]], `${t("send_failed")}: ${o.error ?? ""}`);

  const rows = (): Row[] => {
    const out: Row[] = sorted.map((m) => ({ key: `s${m.seq}`, msg: m }));
    for (const o of ob.of(peer, group)) out.push({ key: `o${o.clientId}`, out: o });
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
  const emojiBtn = iconButton(I.emoji, t("emoji"), () => togglePanel("emoji"), "emoji-btn");
  const attachBtn = iconButton(I.attach, t("attach"), () => togglePanel("attach"), "attach-btn");
  let panel = "";

  const renderComposer = () => {
    const g = group ? st.groups.get(key(group)) : undefined;
    if (!isMember()) {
      replace(composer, h("p", "composer-note", g?.dissolved ? t("group_dissolved") : t("not_member")));
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
  };

  const onInput = () => {
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

  const sendText = async () => {
    const text = input.value.trim();
    if (!text) return;
    const ms = mentions.filter((m) => text.includes(`@${m.name}`)).map((m) => m.user);
    const all = mentionAll && text.includes(`@${t("mention_all_word")}`);
    const q = quote;
    input.value = "";
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
        ] as [string, string, () => void][]
      ).map(([label, name, fn]) => h("button", { class: "attach-item", attrs: { type: "button" }, data: { attach: name }, on: { click: () => (togglePanel(""), fn()) } }, label)),
    );

  const sendLocation = async () => {
    const pos = await new Promise<GeolocationPosition | null>((res) => {
      if (!navigator.geolocation) return res(null);
      navigator.geolocation.getCurrentPosition(res, () => res(null), { timeout: 8000 });
    });
    const v = await ask(t("attach_location"), [
      { name: "name", label: t("place_name"), value: "" },
      { name: "address", label: t("address"), value: "" },
      { name: "lat", label: t("latitude"), value: pos ? pos.coords.latitude.toFixed(6) : "" },
      { name: "lon", label: t("longitude"), value: pos ? pos.coords.longitude.toFixed(6) : "" },
    ]);
    if (!v) return;
    const lat = Number(v.lat);
    const lon = Number(v.lon);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return toast(t("bad_coordinates"), "error");
    await ob.add({ ...target(), kind: MessageKind.LOCATION, text: v.name, location: { latitude: lat, longitude: lon, name: v.name, address: v.address } });
  };

  const sendCard = async () => {
    const who = await pickContacts(t("attach_card"), [], 1);
    if (!who) return;
    for (const u of who) await ob.add({ ...target(), kind: MessageKind.CONTACT_CARD, card: u });
  };

  const sendLink = async () => {
    const v = await ask(t("attach_link"), [{ name: "url", label: "URL", type: "url", placeholder: "https://" }]);
    if (!v || !/^https?:\/\//i.test(v.url.trim())) return;
    await ob.add({ ...target(), kind: MessageKind.LINK, url: v.url.trim(), text: v.url.trim() });
  };

  const toggleVoice = async () => {
    if (recorder.recording) {
      const clip = await recorder.stop();
      voiceBtn.classList.remove("recording");
      if (clip && clip.durationMs >= 500) await sendFile(new File([clip.blob], "voice" + clip.ext, { type: clip.blob.type }), "voice", clip.durationMs);
      return;
    }
    try {
      await recorder.start(60000, () => void toggleVoice());
      voiceBtn.classList.add("recording");
      toast(t("recording"));
    } catch (e) {
      toastError(e);
    }
  };

  // ---- quote ----
  const setQuote = (m: Message | undefined) => {
    quote = m;
    if (!m) replace(quoteBar);
    else replace(quoteBar, h("div", "quote", `${st.name(m.sender, group || undefined)}: ${summary(m).slice(0, 80)}`), iconButton(I.close, t("cancel"), () => setQuote(undefined)));
  };

  // ---- actions ----
  const actions = (m: Message) => {
    if (isSystem(m)) return;
    const mine = m.sender === st.me;
    const canRecall = mine && Date.now() - Number(m.time) < RECALL_MS;
    sheet([
      m.kind === MessageKind.TEXT ? [t("copy"), () => void navigator.clipboard?.writeText(m.text).then(() => toast(t("copied")), () => {})] : null,
      isMember() ? [t("reply"), () => (setQuote(m), input.focus())] : null,
      [t("forward"), () => void forward([m], false)],
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
      const r = await app.conn.call("groupMembers", { group }, "groupMembers");
      members = r.members;
      st.members.set(key(group), members);
      await st.setUsers(members.flatMap((m) => (m.profile ? [m.profile] : [])));
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
