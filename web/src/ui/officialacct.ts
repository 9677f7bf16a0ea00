// Official accounts, the user's side: find and follow accounts (also by a
// QR code's link), the Subscriptions entry and service accounts in the chat
// list, an account's chat with its custom menu, its profile, and the
// article reader. Article bodies are blocks built with DOM APIs: nothing
// an operator writes is ever parsed as markup.
import { h, icon, ownPath, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import type { OaAccount, OaButton, OaContent, OaMessage } from "../gen/hongyan/v1/officialacct_pb.js";
import { OaKind } from "../gen/hongyan/v1/officialacct_pb.js";
import { I } from "./icons";
import { avatar, empty, errorText, header, iconButton, row, section, toastError } from "./widgets";
import { upload, type UploadKind } from "../lib/media";
import { Recorder } from "./recorder";
import type { View } from "./shell";

// safeURL returns an http(s) URL to open, or undefined.
function safeURL(u: string): string | undefined {
  try {
    const x = new URL(u);
    return x.protocol === "https:" || x.protocol === "http:" ? x.href : undefined;
  } catch {
    return undefined;
  }
}

function openExternal(u: string): void {
  const href = safeURL(u);
  if (href) window.open(href, "_blank", "noopener,noreferrer");
}

// preview is one line of what a message says.
export function oaPreview(c: OaContent | undefined): string {
  if (!c) return "";
  switch (c.kind) {
    case "text":
      return c.text;
    case "image":
      return t("oa_image");
    case "voice":
      return t("oa_voice");
    case "video":
      return c.title ? `${t("oa_video")} ${c.title}` : t("oa_video");
    case "music":
      return c.title ? `${t("oa_music")} ${c.title}` : t("oa_music");
    case "news":
      return c.articles[0]?.title ?? t("oa_article");
    case "template":
      return c.title || t("oa_template");
  }
  return "";
}

// The chat-list strip: a Subscriptions entry for subscription accounts,
// and a row per service account, each with its newest message.
export function oaStrip(): { el: HTMLElement; dispose: () => void } {
  const scope = new Scope();
  const el = h("div", { class: "oa-strip", data: { oa: "strip" } });
  const render = async () => {
    try {
      const following = (await app.conn.call("oaFollowing", {}, "oaAccounts")).accounts;
      const subs = following.filter((a) => a.kind !== OaKind.SERVICE);
      const rows: HTMLElement[] = [];
      if (subs.length)
        rows.push(
          row({
            icon: h("span", "row-glyph blue", icon(I.broadcast, 20)),
            title: t("oa_subscriptions"),
            sub: subs.map((a) => a.name).join(" · "),
            onClick: () => router.go("/oa/subscriptions"),
            data: { entry: "subscriptions" },
          }),
        );
      for (const a of following.filter((a) => a.kind === OaKind.SERVICE))
        rows.push(row({ icon: avatar(a.name, a.avatar), title: a.name, onClick: () => router.go(`/oa/${a.id}/chat`), data: { oaChat: String(a.id) } }));
      replace(el, ...rows);
    } catch {
      replace(el);
    }
  };
  scope.add(app.store!.on("oa", () => void render()));
  void render();
  return { el, dispose: () => scope.dispose() };
}

// Discover → Official accounts: search, and the accounts you follow.
export function oaHome(): View {
  const q = h("input", { attrs: { type: "search", placeholder: t("oa_search"), "aria-label": t("oa_search") } });
  const results = h("div", "oa-results");
  const list = (as: OaAccount[]) =>
    as.length
      ? section(null, ...as.map((a) => row({ icon: avatar(a.name, a.avatar), title: a.name, sub: a.intro || kindName(a.kind), onClick: () => router.go(`/oa/${a.id}`), data: { oa: String(a.id) } })))
      : empty(t("oa_none"));
  const load = async () => {
    try {
      const text = q.value.trim();
      const r = text ? await app.conn.call("oaSearch", { query: text }, "oaAccounts") : await app.conn.call("oaFollowing", {}, "oaAccounts");
      replace(results, text ? null : h("h2", "section-title", t("oa_following")), list(r.accounts));
    } catch (e) {
      replace(results, h("p", "empty", errorText(e)));
    }
  };
  let timer = 0;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void load(), 250);
  });
  void load();
  const console = h("button", { class: "btn", attrs: { type: "button" }, data: { entry: "oa-console" }, on: { click: () => router.go("/oa/console") } }, t("oa_console"));
  const el = h("div", { class: "pane", data: { screen: "oa-home" } }, header({ title: t("oa_title"), back: "/discover", actions: [console] }), h("div", "pane-body padded", q, results));
  return { el };
}

function kindName(k: OaKind): string {
  return k === OaKind.SERVICE ? t("oa_service") : t("oa_subscription");
}

// The Subscriptions entry: the subscription accounts you follow.
export function oaSubscriptions(): View {
  const body = h("div", "pane-body padded");
  const scope = new Scope();
  const load = async () => {
    try {
      const as = (await app.conn.call("oaFollowing", {}, "oaAccounts")).accounts.filter((a) => a.kind !== OaKind.SERVICE);
      if (!as.length) return replace(body, empty(t("oa_no_subscriptions")));
      replace(body, section(null, ...as.map((a) => row({ icon: avatar(a.name, a.avatar), title: a.name, sub: a.intro, onClick: () => router.go(`/oa/${a.id}/chat`), data: { oaChat: String(a.id) } }))));
    } catch (e) {
      replace(body, h("p", "empty", errorText(e)));
    }
  };
  scope.add(app.store!.on("oa", () => void load()));
  void load();
  const el = h("div", { class: "pane", data: { screen: "oa-subscriptions" } }, header({ title: t("oa_subscriptions"), back: "/chats" }), body);
  return { el, dispose: () => scope.dispose() };
}

// An account's profile: who it is, follow or unfollow, its recent articles.
export function oaProfile(ref: { id?: bigint; ticket?: string }): View {
  const body = h("div", "pane-body padded", h("p", "hint", t("loading")));
  const title = h("span", null, t("oa_title"));
  const show = (p: Awaited<ReturnType<typeof load>>) => {
    const a = p.account!;
    title.textContent = a.name;
    const follow = h(
      "button",
      { class: p.following ? "btn" : "btn primary", attrs: { type: "button" }, data: { oaFollow: p.following ? "unfollow" : "follow" } },
      p.following ? t("oa_unfollow") : t("oa_follow"),
    );
    follow.addEventListener("click", async () => {
      follow.disabled = true;
      try {
        if (p.following) {
          await app.conn.done("oaUnfollow", { account: a.id });
          show({ ...p, following: false });
        } else show(await app.conn.call("oaFollow", { account: a.id }, "oaProfile"));
      } catch (e) {
        toastError(e);
        follow.disabled = false;
      }
    });
    replace(
      body,
      h(
        "div",
        "oa-card",
        avatar(a.name, a.avatar, "l"),
        h("h2", null, a.name, a.verified ? h("span", { class: "oa-verified", attrs: { title: t("oa_verified") } }, " ✓") : null),
        h("div", "hint", `${kindName(a.kind)} · ${t("oa_followers", String(p.followers))}`),
        a.intro ? h("p", null, a.intro) : null,
        h(
          "div",
          "oa-actions",
          follow,
          p.following ? h("button", { class: "btn primary", attrs: { type: "button" }, data: { oaOpenChat: "1" }, on: { click: () => router.go(`/oa/${a.id}/chat`) } }, t("oa_open_chat")) : null,
          p.following ? h("button", { class: "btn", attrs: { type: "button" }, data: { oaOpenForum: "1" }, on: { click: () => router.go(`/oa/${a.id}/forum`) } }, t("oa_forum")) : null,
        ),
      ),
      p.articles.length
        ? section(t("oa_articles"), ...p.articles.map((x) => row({ title: x.title, sub: x.digest || formatTime(Number(x.published)), onClick: () => router.go(`/oa/article/${x.id}`), data: { article: String(x.id) } })))
        : empty(t("oa_no_articles")),
    );
  };
  const load = async () => {
    if (ref.ticket) return app.conn.call("oaScan", { ticket: ref.ticket }, "oaProfile");
    return app.conn.call("oaProfile", { account: ref.id! }, "oaProfile");
  };
  load().then(show, (e) => replace(body, h("p", "empty", errorText(e))));
  const el = h("div", { class: "pane", data: { screen: "oa-profile" } }, header({ title, back: "/discover/oa" }), body);
  return { el };
}

// An article, read: title, author, time, cover and its blocks.
export function oaArticle(id: bigint): View {
  const body = h("article", "pane-body padded oa-article", h("p", "hint", t("loading")));
  app.conn.call("oaArticle", { id }, "oaArticle").then(
    (a) => {
      const blocks = a.body.map((b) => {
        switch (b.kind) {
          case "h":
            return h("h3", null, b.text);
          case "quote":
            return h("blockquote", null, b.text);
          case "li":
            return h("p", "oa-li", "• ", b.text);
          case "img": {
            const src = ownPath(b.src);
            return src ? h("figure", null, h("img", { attrs: { src, alt: b.text, loading: "lazy" } }), b.text ? h("figcaption", null, b.text) : null) : null;
          }
          default:
            return h("p", null, b.text);
        }
      });
      const cover = ownPath(a.cover);
      replace(
        body,
        h("h2", { data: { articleTitle: "1" } }, a.title),
        h("div", "hint", [a.author, formatTime(Number(a.publishedAt || a.updated))].filter(Boolean).join(" · ")),
        cover ? h("img", { class: "oa-cover", attrs: { src: cover, alt: "" } }) : null,
        ...blocks,
      );
    },
    (e) => replace(body, h("p", "empty", errorText(e))),
  );
  const el = h("div", { class: "pane", data: { screen: "oa-article" } }, header({ title: t("oa_article"), back: "/discover/oa" }), body);
  return { el };
}

// bubble shows one message of an account's chat.
function bubble(m: OaMessage): HTMLElement {
  const c = m.content;
  let inner: HTMLElement;
  if (c?.kind === "news") {
    inner = h(
      "div",
      "oa-news",
      ...c.articles.map((a) =>
        h(
          "button",
          {
            class: "oa-news-item",
            attrs: { type: "button" },
            on: { click: () => (a.article ? router.go(`/oa/article/${a.article}`) : openExternal(a.url)) },
          },
          h("strong", null, a.title),
          a.description ? h("span", "hint", a.description) : null,
        ),
      ),
    );
  } else if (c?.kind === "template") {
    inner = h(
      "div",
      "oa-template",
      h("strong", null, c.title),
      ...c.fields.map((f) => h("div", null, h("span", "hint", f.name + ": "), f.value)),
      c.url && safeURL(c.url) ? h("button", { class: "link-btn", attrs: { type: "button" }, on: { click: () => openExternal(c.url) } }, t("oa_details")) : null,
    );
  } else if (c?.kind === "image") {
    inner = h("div", "text", t("oa_image"));
  } else if (c?.kind === "voice") {
    inner = h("div", { class: "text", data: { oaKind: "voice" } }, t("oa_voice"));
  } else if (c?.kind === "video") {
    inner = h(
      "div",
      { class: "oa-template", data: { oaKind: "video" } },
      h("strong", null, c.title ? `${t("oa_video")} ${c.title}` : t("oa_video")),
      c.text ? h("div", "hint", c.text) : null,
    );
  } else if (c?.kind === "music") {
    inner = h(
      "div",
      { class: "oa-template", data: { oaKind: "music" } },
      h("strong", null, c.title ? `${t("oa_music")} ${c.title}` : t("oa_music")),
      c.text ? h("div", "hint", c.text) : null,
      c.url && safeURL(c.url) ? h("button", { class: "link-btn", attrs: { type: "button" }, on: { click: () => openExternal(c.url) } }, t("oa_play_music")) : null,
    );
  } else {
    inner = h("div", "text", c?.text ?? "");
  }
  return h(
    "div",
    { class: `msg ${m.out ? "in" : "out mine"}`, data: { oaMessage: String(m.id), out: m.out ? "1" : "0" } },
    h("div", "bubble", inner, h("div", "msg-time", formatTime(Number(m.time)))),
  );
}

// An account's chat: the messages both ways, the input bar, and the
// account's menu in its place on demand.
export function oaChat(id: bigint): View {
  const scope = new Scope();
  const title = h("span", null, "");
  const log = h("div", { class: "oa-log", attrs: { role: "log", "aria-live": "polite" } });
  const input = h("input", { attrs: { type: "text", placeholder: t("oa_type"), "aria-label": t("oa_type"), maxlength: "2000" } });
  const send = h("button", { class: "btn primary", attrs: { type: "button" }, data: { oaSend: "1" } }, t("send"));
  const menuBar = h("div", { class: "oa-menu", data: { oaMenu: "1" } });
  // Voice clips (click the microphone to record, again to send) and a
  // photo or video, uploaded first (POST /media) and then sent by ID.
  const recorder = new Recorder();
  const recBox = h("div", "oa-rec");
  const status = h("div", { class: "oa-upload", attrs: { role: "status" } });
  status.hidden = true;
  const voiceBtn = iconButton(I.mic, t("hold_to_talk"), () => void toggleVoice(), "voice-btn");
  voiceBtn.dataset.oaVoice = "1";
  const file = h("input", { attrs: { type: "file", accept: "image/*,video/*", hidden: true, "aria-label": t("attach_photo") }, data: { oaFile: "1" } });
  const attachBtn = iconButton(I.attach, t("attach_photo"), () => file.click());
  attachBtn.dataset.oaAttach = "1";
  const inputBar = h("div", "oa-input", voiceBtn, input, attachBtn, send);
  const toggle = h("button", { class: "icon-btn", attrs: { type: "button", "aria-label": t("oa_menu"), title: t("oa_menu") }, data: { oaToggle: "1" } }, icon(I.more, 20));
  const footer = h("div", "oa-footer", toggle, inputBar, menuBar);
  let menuOn = false;
  const setMenu = (on: boolean) => {
    menuOn = on;
    inputBar.hidden = on;
    menuBar.hidden = !on;
  };
  toggle.addEventListener("click", () => setMenu(!menuOn));
  setMenu(false);
  toggle.hidden = true;

  const tap = async (b: OaButton) => {
    try {
      const r = await app.conn.call("oaClick", { account: id, key: b.type === "view" ? b.url : b.key }, "oaClick");
      if (r.type === "view") openExternal(r.url);
      await load();
    } catch (e) {
      toastError(e);
    }
  };
  const renderMenu = (buttons: OaButton[]) => {
    replace(
      menuBar,
      ...buttons.map((b) => {
        if (!b.sub.length) return h("button", { class: "oa-menu-btn", attrs: { type: "button" }, data: { menuKey: b.key || b.url }, on: { click: () => void tap(b) } }, b.name);
        const pop = h("div", { class: "oa-sub", attrs: { role: "menu" } }, ...b.sub.map((s) => h("button", { attrs: { type: "button", role: "menuitem" }, data: { menuKey: s.key || s.url }, on: { click: () => ((pop.hidden = true), void tap(s)) } }, s.name)));
        pop.hidden = true;
        return h("div", "oa-menu-group", h("button", { class: "oa-menu-btn", attrs: { type: "button", "aria-haspopup": "menu" }, on: { click: () => (pop.hidden = !pop.hidden) } }, b.name), pop);
      }),
    );
  };
  const load = async () => {
    try {
      const r = await app.conn.call("oaHistory", { account: id, limit: 50 }, "oaMessages");
      const ms = [...r.messages].reverse();
      replace(log, ...(ms.length ? ms.map(bubble) : [empty(t("oa_no_messages"))]));
      log.scrollTop = log.scrollHeight;
    } catch (e) {
      replace(log, h("p", "empty", errorText(e)));
    }
  };
  const doSend = async () => {
    const text = input.value.trim();
    if (!text) return;
    send.disabled = true;
    try {
      await app.conn.call("oaSend", { account: id, text }, "oaMessage");
      input.value = "";
      await load();
    } catch (e) {
      toastError(e);
    } finally {
      send.disabled = false;
    }
  };
  const sendMedia = async (f: Blob, kind: UploadKind, name: string, durationMs = 0) => {
    const bar = h("progress", { attrs: { max: 100, "aria-label": t("uploading_x", name) }, props: { value: 0 } });
    replace(status, h("span", "hint", t("uploading_x", name)), bar);
    status.hidden = false;
    try {
      const u = await upload(f, kind, name, { durationMs, onProgress: (sent, total) => (bar.value = Math.round((sent / Math.max(total, 1)) * 100)) });
      await app.conn.call("oaSend", kind === "image" ? { account: id, mediaId: u.id } : { account: id, kind, mediaId: u.id }, "oaMessage");
      await load();
    } catch (e) {
      toastError(e);
    } finally {
      status.hidden = true;
    }
  };
  file.addEventListener("change", () => {
    const f = file.files?.[0];
    file.value = "";
    if (f) void sendMedia(f, f.type.startsWith("video/") ? "video" : "image", f.name || "media");
  });
  let recTimer = 0;
  const finishRec = async (sendIt: boolean) => {
    clearInterval(recTimer);
    replace(recBox);
    voiceBtn.classList.remove("recording");
    if (!recorder.recording) return;
    if (!sendIt) return recorder.cancel();
    const clip = await recorder.stop();
    if (clip && clip.durationMs >= 500) await sendMedia(new File([clip.blob], "voice" + clip.ext, { type: clip.blob.type }), "voice", "voice" + clip.ext, clip.durationMs);
  };
  const toggleVoice = async () => {
    if (recorder.recording) return finishRec(true);
    try {
      await recorder.start(60000, () => void finishRec(true));
    } catch (e) {
      return toastError(e);
    }
    const time = h("span", "rec-time", "0:00");
    replace(
      recBox,
      h(
        "div",
        { class: "rec-panel", attrs: { role: "status" } },
        h("span", "rec-dot"),
        time,
        h("span", "rec-hint", t("recording")),
        h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "rec-cancel" }, on: { click: () => void finishRec(false) } }, t("rec_cancel")),
        h("button", { class: "btn small primary", attrs: { type: "button" }, data: { action: "rec-send" }, on: { click: () => void finishRec(true) } }, t("rec_send")),
      ),
    );
    recTimer = window.setInterval(() => {
      const sec = Math.floor(recorder.elapsed / 1000);
      time.textContent = `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, "0")}`;
    }, 200);
    voiceBtn.classList.add("recording");
  };
  voiceBtn.addEventListener("keydown", (e) => e.key === "Escape" && recorder.recording && void finishRec(false));
  scope.add(() => {
    clearInterval(recTimer);
    if (recorder.recording) void recorder.cancel();
  });
  send.addEventListener("click", () => void doSend());
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.isComposing) void doSend();
  });
  app.conn.call("oaProfile", { account: id }, "oaProfile").then(
    (p) => {
      title.textContent = p.account?.name ?? "";
      const buttons = p.account?.menu?.buttons ?? [];
      if (buttons.length) {
        renderMenu(buttons);
        toggle.hidden = false;
        setMenu(true);
      }
    },
    () => {},
  );
  scope.add(app.store!.on("oa", () => void load()));
  void load();
  const info = h("button", { class: "icon-btn", attrs: { type: "button", "aria-label": t("oa_profile"), title: t("oa_profile") }, on: { click: () => router.go(`/oa/${id}`) } }, icon(I.more, 20));
  const el = h("div", { class: "pane oa-chat", data: { screen: "oa-chat", oa: String(id) } }, header({ title, back: "/chats", actions: [info] }), log, status, recBox, footer, file);
  return { el, dispose: () => scope.dispose() };
}
