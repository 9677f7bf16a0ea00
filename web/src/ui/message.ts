// How each kind of message looks. Text is always a text node; media load
// from this server through blob: URLs; links open only http(s) addresses.
import { momentCard } from "./moments";
import { h, icon, type Child } from "../lib/dom";
import { t, formatSize, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { blobURL, download } from "../lib/media";
import { router } from "../lib/router";
import { MessageKind, type Media, type Message } from "../lib/proto";
import { I } from "./icons";
import { avatar, modal, toastError } from "./widgets";
import { callText, kindLabel, noticeText, summary } from "./msgtext";
import { moneyCard } from "./wallet";
import { appCard } from "./groupapps";
import { GroupApp } from "../gen/hongyan/v1/groupapp_pb.js";

export function isSystem(m: Message): boolean {
  return m.kind === MessageKind.NOTICE || m.kind === MessageKind.RECALLED;
}

// systemLine: a notice or a recall, centred.
export function systemLine(m: Message): HTMLElement {
  const text = m.kind === MessageKind.NOTICE ? (m.notice ? noticeText(m.notice, m.group) : m.text) : summary(m);
  return h("div", { class: "sys-line", data: { kind: m.kind === MessageKind.NOTICE ? "notice" : "recalled" } }, h("span", null, text));
}

const urlRe = /\bhttps?:\/\/[^\s<>"']+/g;

// richText: text with http(s) links made clickable, everything as text.
export function richText(s: string): Child[] {
  const out: Child[] = [];
  let last = 0;
  for (const m of s.matchAll(urlRe)) {
    const i = m.index ?? 0;
    if (i > last) out.push(s.slice(last, i));
    out.push(safeLink(m[0], m[0]));
    last = i + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

export function safeLink(url: string, label: Child): HTMLElement {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === "https:" || u.protocol === "http:";
  } catch {
    ok = false;
  }
  if (!ok) return h("span", null, label);
  return h("a", { attrs: { href: url, target: "_blank", rel: "noopener noreferrer nofollow" } }, label);
}

// fit scales media to at most max×max, keeping its ratio: rows get their
// final height before the image arrives.
function fit(w: number, hgt: number, max = 220): [number, number] {
  if (!w || !hgt) return [max, Math.round(max * 0.75)];
  const s = Math.min(1, max / Math.max(w, hgt));
  return [Math.max(40, Math.round(w * s)), Math.max(40, Math.round(hgt * s))];
}

export function mediaImg(id: string, thumb: boolean, w: number, hgt: number, cls: string, max = 220): HTMLImageElement {
  const [fw, fh] = fit(w, hgt, max);
  const img = h("img", { class: cls, attrs: { alt: "", width: fw, height: fh } });
  blobURL(id, thumb)
    .catch(() => (thumb ? blobURL(id) : Promise.reject()))
    .then((u) => (img.src = u))
    .catch(() => img.classList.add("broken"));
  return img;
}

// showImage: the picture full size, with buttons to close, zoom and save;
// the wheel and a double click zoom too, and a zoomed picture is dragged.
export function showImage(id: string, name = "", type = ""): void {
  const img = h("img", { class: "viewer-img", attrs: { alt: "", draggable: "false" } });
  let scale = 1;
  let dx = 0;
  let dy = 0;
  const apply = () => (img.style.transform = `translate(${dx}px, ${dy}px) scale(${scale})`);
  const zoom = (f: number) => {
    scale = Math.min(8, Math.max(1, scale * f));
    if (scale === 1) dx = dy = 0;
    apply();
  };
  blobURL(id).then((u) => (img.src = u), toastError);
  const tool = (action: string, label: string, d: string, fn: () => void) =>
    h("button", { class: "viewer-btn", attrs: { type: "button", "aria-label": label, title: label }, data: { action }, on: { click: (e) => (e.stopPropagation(), fn()) } }, icon(d));
  const save = () => {
    const ext = ({ "image/png": "png", "image/gif": "gif", "image/webp": "webp" } as Record<string, string>)[type] ?? "jpg";
    download(id, /\.(png|jpe?g|gif|webp)$/i.test(name) ? name : `image-${id.slice(0, 8)}.${ext}`).catch(toastError);
  };
  const stage = h("div", { class: "viewer-stage" }, img);
  stage.addEventListener("click", (e) => e.target === stage && close());
  stage.addEventListener("dblclick", () => (scale > 1 ? ((scale = 1), (dx = dy = 0), apply()) : zoom(2)));
  stage.addEventListener("wheel", (e) => (e.preventDefault(), zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2)), { passive: false });
  let drag: { x: number; y: number } | undefined;
  img.addEventListener("pointerdown", (e) => scale > 1 && ((drag = { x: e.clientX - dx, y: e.clientY - dy }), img.setPointerCapture(e.pointerId)));
  img.addEventListener("pointermove", (e) => drag && ((dx = e.clientX - drag.x), (dy = e.clientY - drag.y), apply()));
  img.addEventListener("pointerup", () => (drag = undefined));
  const bar = h(
    "div",
    "viewer-bar",
    tool("zoom-out", t("zoom_out"), I.minus, () => zoom(1 / 1.5)),
    tool("zoom-in", t("zoom_in"), I.plus, () => zoom(1.5)),
    tool("save", t("save_image"), I.download, save),
    tool("close", t("viewer_close"), I.close, () => close()),
  );
  const close = modal(h("div", { class: "viewer" }, stage, bar), { cls: "viewer-back" });
}

function voice(m: Message, media: Media): HTMLElement {
  const secs = Math.max(1, Math.round((media.durationMs || 0) / 1000));
  const btn = h("button", { class: "voice", attrs: { type: "button", "aria-label": t("play_voice") }, data: { media: media.id } }, icon(I.play, 18), h("span", null, `${secs}″`));
  btn.style.width = `${Math.min(220, 70 + secs * 4)}px`;
  let audio: HTMLAudioElement | undefined;
  btn.addEventListener("click", async (e) => {
    e.stopPropagation();
    try {
      if (!audio) audio = new Audio(await blobURL(media.id));
      if (audio.paused) {
        btn.classList.add("playing");
        audio.onended = () => btn.classList.remove("playing");
        await audio.play();
      } else {
        audio.pause();
        btn.classList.remove("playing");
      }
    } catch (x) {
      btn.classList.remove("playing");
      toastError(x);
    }
  });
  void m;
  return btn;
}

function video(media: Media): HTMLElement {
  const box = h("div", { class: "video", data: { media: media.id } });
  const [w, hh] = fit(media.width, media.height);
  box.style.width = `${w}px`;
  box.style.height = `${hh}px`;
  if (media.poster) box.appendChild(mediaImg(media.poster, false, media.width, media.height, "video-poster"));
  const play = h("button", { class: "video-play", attrs: { type: "button", "aria-label": t("play_video") } }, icon(I.play, 32));
  box.appendChild(play);
  play.addEventListener("click", async (e) => {
    e.stopPropagation();
    try {
      const v = h("video", { class: "video-el", attrs: { controls: true, playsinline: true }, props: { src: await blobURL(media.id) } });
      box.replaceChildren(v);
      await v.play().catch(() => {});
    } catch (x) {
      toastError(x);
    }
  });
  return box;
}

function fileCard(m: Message, media: Media): HTMLElement {
  const name = media.name || m.text || t("kind_file");
  return h(
    "button",
    { class: "card file-card", attrs: { type: "button" }, data: { media: media.id }, on: { click: (e) => (e.stopPropagation(), download(media.id, name).catch(toastError)) } },
    h("span", "card-main", h("span", "card-title", name), h("span", "card-sub", formatSize(Number(media.size)))),
    h("span", "card-icon", icon(I.file, 32)),
  );
}

function locationCard(m: Message): HTMLElement {
  const l = m.location;
  const lat = l?.latitude ?? 0;
  const lon = l?.longitude ?? 0;
  const url = `https://www.openstreetmap.org/?mlat=${lat.toFixed(6)}&mlon=${lon.toFixed(6)}#map=16/${lat.toFixed(6)}/${lon.toFixed(6)}`;
  return h(
    "div",
    "card location-card",
    h("span", "card-main", h("span", "card-title", l?.name || m.text || t("kind_location")), h("span", "card-sub", l?.address || `${lat.toFixed(5)}, ${lon.toFixed(5)}`)),
    h("span", "card-icon", icon(I.location, 32)),
    h("span", "card-foot", safeLink(url, t("open_map"))),
  );
}

function contactCard(m: Message): HTMLElement {
  const st = app.store!;
  const p = st.profileOf(m.card);
  const name = st.name(m.card);
  return h(
    "button",
    { class: "card contact-card", attrs: { type: "button" }, on: { click: (e) => (e.stopPropagation(), router.go(st.contacts.has(String(m.card)) || m.card === st.me ? `/contacts/${m.card}` : `/add/${m.card}`)) } },
    avatar(name, p?.avatar, "s"),
    h("span", "card-main", h("span", "card-title", name), h("span", "card-sub", p?.accountId ?? "")),
    h("span", "card-foot", t("kind_card")),
  );
}

function linkCard(m: Message): HTMLElement {
  const l = m.link;
  const url = l?.url || m.text;
  const post = momentCard(url);
  if (post) return post;
  const card = h(
    "div",
    "card link-card",
    h("span", "card-main", h("span", "card-title", l?.title || url), l?.description ? h("span", "card-sub", l.description) : null),
    l?.image ? mediaImg(l.image, false, 64, 64, "link-img", 56) : null,
    h("span", "card-foot", safeLink(url, url)),
  );
  return card;
}

// httpURL is url if it is an absolute http(s) address, else "".
function httpURL(url: string): string {
  try {
    const u = new URL(url);
    return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password ? u.href : "";
  } catch {
    return "";
  }
}

// appLinkCard: a third-party app's card (posted through the bot API): its
// image, title, description and the app's name; it opens the app's link
// (http(s) only) in a new tab, never fetched here.
function appLinkCard(m: Message): HTMLElement {
  const c = m.appCard!;
  const url = httpURL(c.url);
  const body: Child[] = [
    h("span", "card-main", h("span", "card-title", m.text), c.description ? h("span", "card-desc", c.description) : null),
    c.image ? mediaImg(c.image, true, 64, 64, "link-img", 56) : null,
    h("span", "card-foot", c.appName || t("ga_card_app")),
  ];
  if (!url) return h("div", { class: "card app-link-card", data: { appLink: "" } }, ...body);
  return h(
    "a",
    { class: "card app-link-card", attrs: { href: url, target: "_blank", rel: "noopener noreferrer nofollow" }, data: { appLink: url }, on: { click: (e) => e.stopPropagation() } },
    ...body,
  );
}

function historyCard(m: Message): HTMLElement {
  const hist = m.history;
  const lines = (hist?.messages ?? []).slice(0, 3).map((x) => h("span", "card-line", `${app.store!.name(x.sender)}: ${summary(x)}`));
  return h(
    "button",
    { class: "card history-card", attrs: { type: "button" }, on: { click: (e) => (e.stopPropagation(), openHistory(m)) } },
    h("span", "card-main", h("span", "card-title", hist?.title || t("kind_history")), ...lines),
    h("span", "card-foot", t("kind_history")),
  );
}

// openHistory shows the messages of a merged forward.
export function openHistory(m: Message): void {
  const hist = m.history;
  const list = h(
    "div",
    "history-view",
    h("h2", null, hist?.title || t("kind_history")),
    ...(hist?.messages ?? []).map((x) =>
      h(
        "div",
        "history-item",
        h("div", "history-meta", `${app.store!.name(x.sender)} · ${formatTime(Number(x.time), true)}`),
        isSystem(x) ? systemLine(x) : content(x, true),
      ),
    ),
  );
  modal(list, { cls: "history-back" });
}

// content renders the body of a message (inside or without a bubble).
export function content(m: Message, inHistory = false): HTMLElement {
  const media = m.media;
  switch (m.kind) {
    case MessageKind.IMAGE:
      if (!media) break;
      return h("button", { class: "image-msg", attrs: { type: "button", "aria-label": t("kind_image") }, data: { media: media.id }, on: { click: (e) => (e.stopPropagation(), showImage(media.id, media.name, media.type)) } }, mediaImg(media.id, media.thumbnail, media.width, media.height, "msg-img"));
    case MessageKind.STICKER:
      if (!media) break;
      return h("div", { class: "sticker", data: { media: media.id } }, mediaImg(media.id, false, media.width, media.height, "sticker-img", 120));
    case MessageKind.VOICE:
      if (!media) break;
      return voice(m, media);
    case MessageKind.VIDEO:
      if (!media) break;
      return video(media);
    case MessageKind.FILE:
      if (!media) break;
      return fileCard(m, media);
    case MessageKind.LOCATION:
      return locationCard(m);
    case MessageKind.CONTACT_CARD:
      return contactCard(m);
    case MessageKind.LINK:
      return linkCard(m);
    case MessageKind.CHAT_HISTORY:
      return inHistory ? h("div", "text", summary(m)) : historyCard(m);
    case MessageKind.CALL:
      return h("div", { class: "text call-record", data: { callRecord: String(m.call?.end ?? 0) } }, icon(m.call?.video ? I.video : I.phone), " ", callText(m));
    case MessageKind.TRANSFER:
    case MessageKind.RED_PACKET:
      return inHistory ? h("div", "text", summary(m)) : moneyCard(m);
    case MessageKind.APP_CARD:
      if (inHistory || !m.group) return h("div", "text", summary(m));
      return m.appCard?.app === GroupApp.THIRD_PARTY ? appLinkCard(m) : appCard(m);
  }
  if (m.kind !== MessageKind.TEXT && !m.text) return h("div", "text", kindLabel(m.kind) || t("unsupported"));
  return h("div", "text", ...richText(m.text));
}

// bubbleless kinds are shown without a chat bubble.
export function bare(m: Message): boolean {
  return [MessageKind.IMAGE, MessageKind.STICKER, MessageKind.VIDEO].includes(m.kind) && !!m.media;
}

export function quoteBlock(m: Message): HTMLElement | null {
  const q = m.quote;
  if (!q || !q.message) return null;
  const st = app.store!;
  return h("div", { class: "quote", data: { quote: String(q.message) } }, `${st.name(q.sender, m.group)}: `, q.text || kindLabel(q.kind));
}
