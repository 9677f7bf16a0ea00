// Discover: search across chats, favorites, the broadcast assistant, the
// QR scanner, and the file-transfer assistant.
import { h, icon, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { linkPath, momentLink, router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import { newClientId } from "../lib/outbox";
import { FavoriteKind, MessageKind, type Favorite, type Message } from "../lib/proto";
import { I } from "./icons";
import { ask, busy, confirmBox, empty, errorText, header, row, section, sheet, toast, toastError } from "./widgets";
import { content, isSystem, systemLine } from "./message";
import { pickContacts, pickTarget } from "./pickers";
import { momentCard, momentsEntry } from "./moments";
import type { View } from "./shell";

export function discoverList(): View {
  const st = app.store!;
  const scope = new Scope();
  const el = h(
    "div",
    { class: "pane", data: { list: "discover" } },
    header({ title: t("tab_discover") }),
    h(
      "div",
      "pane-body",
      section(null, momentsEntry(scope)),
      section(
        null,
        row({ icon: h("span", "row-glyph blue", icon(I.search, 20)), title: t("search_chats"), onClick: () => router.go("/discover/search"), data: { entry: "search" } }),
        row({ icon: h("span", "row-glyph orange", icon(I.fav, 20)), title: t("favorites"), onClick: () => router.go("/discover/favorites"), data: { entry: "favorites" } }),
        row({ icon: h("span", "row-glyph blue", icon(I.broadcast, 20)), title: t("oa_title"), onClick: () => router.go("/discover/oa"), data: { entry: "oa" } }),
      ),
      section(
        null,
        row({ icon: h("span", "row-glyph green", icon(I.scan, 20)), title: t("scan"), onClick: () => router.go("/discover/scan"), data: { entry: "scan" } }),
        row({ icon: h("span", "row-glyph green", icon(I.transfer, 20)), title: t("file_transfer"), onClick: () => router.go(`/chat/u/${st.me}`), data: { entry: "file-transfer" } }),
        row({ icon: h("span", "row-glyph blue", icon(I.broadcast, 20)), title: t("broadcast"), onClick: () => router.go("/discover/broadcast"), data: { entry: "broadcast" } }),
        row({ icon: h("span", "row-glyph blue", icon(I.broadcast, 20)), title: t("or_tag_broadcast"), onClick: () => router.go("/discover/tag-broadcast"), data: { entry: "tag-broadcast" } }),
      ),
      section(
        null,
        row({ icon: h("span", "row-glyph blue", icon(I.location, 20)), title: t("people_nearby"), onClick: () => router.go("/discover/nearby"), data: { entry: "nearby" } }),
        row({ icon: h("span", "row-glyph orange", icon(I.discover, 20)), title: t("shake"), onClick: () => router.go("/discover/shake"), data: { entry: "shake" } }),
        row({ icon: h("span", "row-glyph green", icon(I.send, 20)), title: t("bottles"), onClick: () => router.go("/discover/bottles"), data: { entry: "bottles" } }),
      ),
    ),
  );
  return { el, dispose: () => scope.dispose() };
}

// atMessage is the route that opens a message's chat at that message.
export function atMessage(m: Message): string | undefined {
  const c = app.store!.convs.get(key(m.conversation));
  if (m.group || c?.group) return `/chat/g/${m.group || c!.group}/m/${m.seq}`;
  const peer = c?.peer ?? (m.sender === app.store!.me ? m.peer : m.sender);
  return peer ? `/chat/u/${peer}/m/${m.seq}` : undefined;
}

export function resultRow(m: Message, onClick?: () => void): HTMLElement {
  const st = app.store!;
  const c = st.convs.get(key(m.conversation));
  const where = c ? st.convTitle(c) : "";
  return h(
    "button",
    { class: "result", attrs: { type: "button" }, data: { result: String(m.id), resultMessage: String(m.seq) }, on: { click: onClick ?? (() => {}) } },
    h("div", "result-meta", `${where}${where ? " · " : ""}${st.name(m.sender, m.group || undefined)} · ${formatTime(Number(m.time))}`),
    isSystem(m) ? systemLine(m) : content(m, true),
  );
}

// messageSearch: a search box over messages (of one chat when conversation
// is set); a result opens its chat at the message.
export function messageSearch(conversation = 0n): { el: HTMLElement; input: HTMLInputElement } {
  const { el, q } = searchBody(conversation);
  return { el, input: q };
}

export function search(): View {
  const { el: body, q } = searchBody(0n);
  const el = h("div", { class: "pane", data: { screen: "search" } }, header({ title: t("search_chats"), back: "/discover" }), h("div", "pane-body padded", body));
  queueMicrotask(() => q.focus());
  return { el };
}

// chatSearch: the search of one chat, from its info page.
export function chatSearch(kind: "user" | "group", who: bigint): View {
  const st = app.store!;
  const c = kind === "group" ? st.convs.get(key(who)) : st.convByPeer(who);
  const { el: body, q } = searchBody(c?.conversation ?? -1n);
  const el = h(
    "div",
    { class: "pane", data: { screen: "chat-search" } },
    header({ title: t("search_in_chat"), back: kind === "group" ? `/chat/g/${who}/info` : `/chat/u/${who}/info` }),
    h("div", "pane-body padded", body),
  );
  queueMicrotask(() => q.focus());
  return { el };
}

function searchBody(conversation: bigint): { el: HTMLElement; q: HTMLInputElement } {
  const q = h("input", { attrs: { type: "search", name: "q", placeholder: t("search_chats"), "aria-label": t("search_chats"), autocomplete: "off", maxlength: 100 } });
  const results = h("div", "results");
  const more = h("button", { class: "btn wide", attrs: { type: "button" } }, t("load_more"));
  let last: Message | undefined;
  let query = "";
  const run = async (append: boolean) => {
    if (!append) {
      query = q.value.trim();
      last = undefined;
      replace(results, h("p", "hint", t("loading")));
    }
    if (!query) return replace(results);
    if (conversation < 0n) return replace(results, empty(t("no_results")));
    try {
      const r = await app.conn.call("search", { query, conversation, before: last?.id ?? 0n, limit: 30 }, "messages");
      if (!append) replace(results);
      if (!r.messages.length && !append) results.appendChild(empty(t("no_results")));
      for (const m of r.messages) {
        results.appendChild(resultRow(m, () => {
          const to = atMessage(m);
          if (to) router.go(to);
        }));
      }
      last = r.messages[r.messages.length - 1];
      if (r.messages.length === 30) results.appendChild(more);
      else more.remove();
    } catch (e) {
      replace(results, h("p", "empty", errorText(e)));
    }
  };
  more.addEventListener("click", () => void run(true));
  const form = h("form", { class: "search-form", data: { form: "search" } }, q, h("button", { class: "btn primary", attrs: { type: "submit" } }, t("search")));
  form.addEventListener("submit", (e) => (e.preventDefault(), void run(false)));
  return { el: h("div", null, form, results), q };
}

export function favorites(): View {
  const st = app.store!;
  const scope = new Scope();
  const q = h("input", { attrs: { type: "search", placeholder: t("search_favorites"), "aria-label": t("search_favorites") } });
  const list = h("div", "results");
  const render = (items: Favorite[]) => {
    if (!items.length) return replace(list, empty(t("no_favorites")));
    replace(
      list,
      ...items.map((f) => {
        const body =
          f.kind === FavoriteKind.MESSAGE && f.message
            ? [f.message.kind === MessageKind.TEXT && f.text && f.text !== f.message.text ? h("div", "text", f.text) : content(f.message, true)]
            : f.kind === FavoriteKind.LINK
              ? [momentCard(f.url, true) ?? h("div", "text", f.url), f.text ? h("div", "hint", f.text) : null]
              : [h("div", "text", f.text)];
        return h(
          "button",
          { class: "result", attrs: { type: "button" }, data: { favorite: String(f.id) }, on: { click: () => favMenu(f) } },
          h("div", "result-meta", `${f.message ? st.name(f.message.sender) + " · " : ""}${formatTime(Number(f.updated || f.time))}`),
          ...body,
        );
      }),
    );
  };
  const load = async () => {
    try {
      const r = await app.conn.call("favoriteList", { query: q.value.trim(), limit: 100 }, "favorites");
      if (!q.value.trim()) await st.setList("favorites", st.favorites, r.favorites, (x) => x.id);
      render(r.favorites);
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  const favMenu = (f: Favorite) =>
    sheet([
      f.kind === FavoriteKind.LINK && momentLink(f.url) ? [t("mo_open"), () => router.go(momentLink(f.url)!)] : null,
      [t("send_to_chat"), async () => {
        const to = await pickTarget(t("send_to_chat"));
        if (!to) return;
        try {
          await app.conn.call("favoriteSend", { favorite: f.id, peer: to.peer, group: to.group, clientId: newClientId() }, "sent");
          toast(t("sent"));
        } catch (e) {
          toastError(e);
        }
      }],
      [t("edit"), async () => {
        const v = await ask(t("edit"), [{ name: "text", label: t("text"), value: f.text || f.message?.text || "", multiline: true }]);
        if (!v) return;
        try {
          const nf = await app.conn.call("favoriteEdit", { favorite: f.id, text: v.text }, "favorite");
          st.favorites.set(key(nf.id), nf);
          await load();
        } catch (e) {
          toastError(e);
        }
      }],
      [t("delete"), async () => {
        if (!(await confirmBox(t("delete_favorite_confirm"), t("delete"), true))) return;
        try {
          await app.conn.done("favoriteDelete", { favorite: f.id });
          await load();
        } catch (e) {
          toastError(e);
        }
      }, true],
    ]);
  const add = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "note" }, on: { click: async () => {
    const v = await ask(t("new_note"), [{ name: "note", label: t("note"), multiline: true }, { name: "url", label: t("or_link"), type: "url" }]);
    if (!v || (!v.note.trim() && !v.url.trim())) return;
    try {
      await app.conn.call("favoriteAdd", v.url.trim() ? { url: v.url.trim() } : { note: v.note }, "favorite");
      await load();
    } catch (e) {
      toastError(e);
    }
  } } }, t("new_note"));
  q.addEventListener("change", () => void load());
  const el = h("div", { class: "pane", data: { screen: "favorites" } }, header({ title: t("favorites"), back: "/discover", actions: [add] }), h("div", "pane-body padded", q, list));
  render([...st.favorites.values()].sort((a, b) => Number(b.id - a.id)));
  scope.add(st.on("favorites", () => !q.value && render([...st.favorites.values()].sort((a, b) => Number(b.id - a.id)))));
  void load();
  return { el, dispose: () => scope.dispose() };
}

export function broadcast(): View {
  const st = app.store!;
  let peers: bigint[] = [];
  const who = h("p", "hint", t("no_recipients"));
  const text = h("textarea", { attrs: { rows: 4, "aria-label": t("message"), placeholder: t("message"), maxlength: 4000 } });
  const result = h("div", "results");
  const choose = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "choose" }, on: { click: async () => {
    const r = await pickContacts(t("choose_recipients"), [], 1);
    if (!r) return;
    peers = r;
    who.textContent = t("recipients_n", peers.length) + ": " + peers.map((p) => st.name(p)).join(t("list_sep"));
  } } }, t("choose_recipients"));
  const send = h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "send" } }, t("send"));
  send.addEventListener("click", () =>
    busy(send, async () => {
      if (!peers.length || !text.value.trim()) return;
      const r = await app.conn.call("broadcast", { peers, clientId: newClientId().slice(0, 40), kind: MessageKind.TEXT, text: text.value.trim() }, "broadcast");
      const failed = r.results.filter((x) => x.error);
      replace(result, h("p", "hint", t("broadcast_done", r.results.length - failed.length, failed.length)), ...failed.map((f) => h("p", "form-error", `${st.name(f.peer)}: ${f.error?.message ?? ""}`)));
      text.value = "";
    }),
  );
  const el = h("div", { class: "pane", data: { screen: "broadcast" } }, header({ title: t("broadcast"), back: "/discover" }), h("div", "pane-body padded", h("p", "hint", t("broadcast_hint")), choose, who, text, send, result));
  return { el };
}

// scan reads a QR code with the camera — through the browser's
// BarcodeDetector where it has one, else with a small JavaScript decoder
// (@paulmillr/qr, loaded only then) on frames drawn to a canvas — or takes
// a pasted link; codes of this client (/add/, /qr-login/, /join/) open
// their screen.
type Detect = (v: HTMLVideoElement) => Promise<string | undefined>;

async function qrReader(): Promise<Detect> {
  const BD = (globalThis as unknown as { BarcodeDetector?: new (o: { formats: string[] }) => { detect: (v: HTMLVideoElement) => Promise<{ rawValue: string }[]> } }).BarcodeDetector;
  if (BD) {
    const det = new BD({ formats: ["qr_code"] });
    return async (v) => (await det.detect(v).catch(() => []))[0]?.rawValue;
  }
  const { decodeQR } = await import("@paulmillr/qr/decode.js");
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
  return async (v) => {
    const w = v.videoWidth;
    const hh = v.videoHeight;
    if (!w || !hh) return undefined;
    // At most 640 px wide: enough for a code filling part of the view.
    const k = Math.min(1, 640 / w);
    canvas.width = Math.round(w * k);
    canvas.height = Math.round(hh * k);
    ctx.drawImage(v, 0, 0, canvas.width, canvas.height);
    try {
      return decodeQR(ctx.getImageData(0, 0, canvas.width, canvas.height));
    } catch {
      return undefined; // no code in this frame
    }
  };
}

export function scan(): View {
  const video = h("video", { class: "scan-video", attrs: { playsinline: true, muted: true } });
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  const link = h("input", { attrs: { type: "url", name: "link", placeholder: t("paste_link"), "aria-label": t("paste_link") } });
  const form = h("form", { class: "search-form", data: { form: "link" } }, link, h("button", { class: "btn primary", attrs: { type: "submit" } }, t("open")));
  let stream: MediaStream | undefined;
  let stopped = false;
  const open = (text: string) => {
    const p = linkPath(text);
    if (!p) {
      status.textContent = t("not_our_code");
      return false;
    }
    router.go(p);
    return true;
  };
  form.addEventListener("submit", (e) => (e.preventDefault(), open(link.value)));
  const start = async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      status.textContent = t("no_camera");
      video.hidden = true;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      if (stopped) return stream.getTracks().forEach((x) => x.stop());
      video.srcObject = stream;
      await video.play();
      const read = await qrReader();
      status.textContent = t("point_camera");
      while (!stopped) {
        const code = await read(video);
        if (code && open(code)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    } catch (e) {
      status.textContent = errorText(e);
      video.hidden = true;
    }
  };
  void start();
  const el = h("div", { class: "pane", data: { screen: "scan" } }, header({ title: t("scan"), back: "/discover" }), h("div", "pane-body padded", video, status, form));
  return {
    el,
    dispose: () => {
      stopped = true;
      stream?.getTracks().forEach((x) => x.stop());
    },
  };
}
