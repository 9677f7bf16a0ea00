// The console's inbox: what followers sent the account (text, images,
// voice clips, videos), newest first, a page at a time; an operator plays
// a voice clip or a video in place (fetched from /media/oa/… with the
// session token, shown through a blob: URL).
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { oaMediaURL } from "../lib/media";
import type { OaMessage } from "../gen/hongyan/v1/officialacct_pb.js";
import { empty, errorText, toastError } from "./widgets";

type Card = (title: string, data: string, ...children: (HTMLElement | null)[]) => HTMLElement;

export function oaInbox(account: bigint, card: Card): HTMLElement {
  const list = h("div", { class: "oa-inbox", data: { oaInbox: "1" } });
  let shown: OaMessage[] = [];
  let more = false;
  const moreBtn = h("button", { class: "btn", attrs: { type: "button" }, data: { oaMore: "inbox" } }, t("load_more"));
  const refresh = h("button", { class: "btn", attrs: { type: "button" }, data: { oaRefresh: "inbox" } }, t("oa_refresh"));
  const play = (m: OaMessage, kind: "voice" | "video", slot: HTMLElement, b: HTMLButtonElement) => async () => {
    b.disabled = true;
    try {
      const url = await oaMediaURL(account, m.content?.mediaId ?? "");
      const el = h(kind === "voice" ? "audio" : "video", { attrs: { controls: true, preload: "metadata" }, data: { oaPlayer: kind } });
      el.src = url;
      replace(slot, el);
      void el.play().catch(() => {});
    } catch (e) {
      b.disabled = false;
      toastError(e);
    }
  };
  const item = (m: OaMessage) => {
    const c = m.content;
    const who = app.store!.name(m.user);
    const name = who !== `#${m.user}` ? who : m.nickname || who;
    let body: HTMLElement;
    if (c?.kind === "voice" || c?.kind === "video") {
      const kind = c.kind;
      const slot = h("div", "oa-inbox-media");
      const b = h("button", { class: "btn small", attrs: { type: "button" }, data: { oaPlay: kind } }, kind === "voice" ? t("oa_play_voice") : t("oa_play_video"));
      b.addEventListener("click", () => void play(m, kind, slot, b)());
      replace(slot, b);
      body = h("div", null, h("span", "hint", kind === "voice" ? t("oa_voice") : t("oa_video")), slot);
    } else if (c?.kind === "image") {
      body = h("span", "hint", t("oa_image"));
    } else {
      body = h("span", null, c?.text ?? "");
    }
    return h(
      "div",
      { class: "oa-inbox-item", data: { inboxMessage: String(m.id), inboxKind: c?.kind || "text" } },
      h("div", "oa-inbox-head", h("strong", null, name), h("span", "hint", formatTime(Number(m.time)))),
      body,
    );
  };
  const render = () => {
    moreBtn.hidden = !more;
    replace(list, ...(shown.length ? shown.map(item) : [empty(t("oa_no_messages"))]));
  };
  const load = async (older = false) => {
    try {
      const before = older && shown.length ? shown[shown.length - 1].id : 0n;
      const r = await app.conn.call("oaInbox", { account, before, limit: 30 }, "oaMessages");
      shown = older ? [...shown, ...r.messages] : r.messages;
      more = r.more;
      render();
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  moreBtn.addEventListener("click", () => void load(true));
  refresh.addEventListener("click", () => void load());
  void load();
  return card(t("oa_inbox"), "inbox", h("div", "oa-form-row", refresh), list, moreBtn);
}
