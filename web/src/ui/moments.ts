// Moments (朋友圈): the feed with the cover and avatar header and the "new
// messages" bar, posts (text, a grid of up to 9 photos, a video, a link
// card, a location, mentions, likes and comments with replies), the
// full-screen photo viewer, composing a post, a person's album, the
// notifications, the settings and the search. Every post comes from the
// server as the viewer may see it: who sees a post, and whose likes and
// comments, is the server's rule, never this file's.
import { h, icon, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router, momentLink } from "../lib/router";
import { Scope } from "../lib/events";
import { blobURL, upload } from "../lib/media";
import { MessageKind } from "../lib/proto";
import { MomentNotificationKind, MomentRange, MomentVisibility, type MomentMedia, type MomentNotification, type MomentPost, type MomentSettings } from "../gen/hongyan/v1/moments_pb.js";
import { I } from "./icons";
import { avatar, badge, busy, confirmBox, empty, errorText, header, iconButton, modal, row, section, sheet, toast, toastError, toggleRow, ask } from "./widgets";
import { pickContacts, pickTarget } from "./pickers";
import { safeLink } from "./message";
import type { View } from "./shell";

const PAGE = 10;
const MAX_IMAGES = 9;
const MAX_VIDEO_MS = 15000;

// relTime: "Just now", "5 min ago", "3 h ago", "Yesterday", "3 days ago",
// then the date.
export function relTime(ms: number, now = Date.now()): string {
  const d = Math.max(0, now - ms);
  if (d < 60000) return t("mo_just_now");
  if (d < 3600000) return t("mo_minutes_ago", Math.floor(d / 60000));
  if (d < 86400000) return t("mo_hours_ago", Math.floor(d / 3600000));
  if (d < 2 * 86400000) return t("mo_yesterday");
  if (d < 7 * 86400000) return t("mo_days_ago", Math.floor(d / 86400000));
  return formatTime(ms);
}

// momentsUnread asks the server how many notifications are unread.
export async function refreshUnread(): Promise<void> {
  const st = app.store;
  if (!st) return;
  await app.conn.soon();
  const r = await app.conn.call("momentNotifications", { limit: 1 }, "momentNotifications");
  st.momentsUnread = r.unread;
  st.emit("moments");
}

// ---- media ----

function thumb(m: MomentMedia, cls: string): HTMLImageElement {
  const img = h("img", { class: cls, attrs: { alt: "", loading: "lazy" } });
  const id = m.video ? m.poster : m.id;
  if (!id) return img;
  blobURL(id, !m.video && m.thumbnail)
    .catch(() => blobURL(id))
    .then((u) => (img.src = u))
    .catch(() => img.classList.add("broken"));
  return img;
}

// viewer shows the photos of a post full screen, from photo i: arrows,
// the keys ← → and a swipe move between them; Escape or a tap beside the
// photo closes it.
export function viewer(media: MomentMedia[], i: number): void {
  const img = h("img", { class: "viewer-img", attrs: { alt: "", draggable: "false" } });
  const count = h("div", { class: "mo-count", attrs: { "aria-live": "polite" } });
  const show = () => {
    img.removeAttribute("src");
    blobURL(media[i].id).then((u) => (img.src = u), toastError);
    count.textContent = media.length > 1 ? `${i + 1} / ${media.length}` : "";
    img.setAttribute("alt", t("mo_image_n", i + 1, media.length));
  };
  const go = (d: number) => {
    i = (i + d + media.length) % media.length;
    show();
  };
  const tool = (action: string, label: string, d: string, fn: () => void) =>
    h("button", { class: "viewer-btn", attrs: { type: "button", "aria-label": label, title: label }, data: { action }, on: { click: (e) => (e.stopPropagation(), fn()) } }, icon(d));
  const stage = h("div", { class: "viewer-stage" }, img);
  stage.addEventListener("click", (e) => e.target === stage && close());
  let x0: number | undefined;
  stage.addEventListener("pointerdown", (e) => (x0 = e.clientX));
  stage.addEventListener("pointerup", (e) => {
    if (x0 !== undefined && Math.abs(e.clientX - x0) > 50 && media.length > 1) go(e.clientX < x0 ? 1 : -1);
    x0 = undefined;
  });
  const bar = h(
    "div",
    "viewer-bar",
    media.length > 1 ? tool("prev", t("mo_prev"), I.back, () => go(-1)) : null,
    count,
    media.length > 1 ? tool("next", t("mo_next"), I.forward, () => go(1)) : null,
    tool("close", t("viewer_close"), I.close, () => close()),
  );
  const box = h("div", { class: "viewer", data: { screen: "moments-viewer" } }, stage, bar);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowLeft") go(-1);
    else if (e.key === "ArrowRight") go(1);
  };
  addEventListener("keydown", onKey);
  const close = modal(box, { cls: "viewer-back", label: t("kind_image"), onClose: () => removeEventListener("keydown", onKey) });
  show();
}

function playVideo(m: MomentMedia): void {
  const v = h("video", { class: "viewer-img", attrs: { controls: true, playsinline: true, autoplay: true } });
  blobURL(m.id).then((u) => (v.src = u), toastError);
  const stage = h("div", { class: "viewer-stage" }, v);
  stage.addEventListener("click", (e) => e.target === stage && close());
  const close = modal(h("div", { class: "viewer", data: { screen: "moments-video" } }, stage), { cls: "viewer-back", label: t("kind_video") });
}

function mediaBlock(p: MomentPost): HTMLElement | null {
  const ms = p.media;
  if (!ms.length) return null;
  if (ms[0].video) {
    return h(
      "button",
      { class: "mo-video", attrs: { type: "button", "aria-label": t("mo_play") }, data: { media: ms[0].id }, on: { click: () => playVideo(ms[0]) } },
      thumb(ms[0], "mo-video-img"),
      h("span", "mo-play", icon(I.play, 32)),
    );
  }
  const cols = ms.length === 1 ? 1 : ms.length === 2 || ms.length === 4 ? 2 : 3;
  return h(
    "div",
    { class: `mo-grid cols-${cols} n-${ms.length}` },
    ...ms.map((m, i) =>
      h("button", { class: "mo-cell", attrs: { type: "button", "aria-label": t("mo_image_n", i + 1, ms.length) }, data: { media: m.id }, on: { click: () => viewer(ms, i) } }, thumb(m, "mo-img")),
    ),
  );
}

// ---- a post ----

export function postURL(id: bigint): string {
  return `${location.origin}/discover/moments/p/${id}`;
}

async function savePost(p: MomentPost): Promise<void> {
  await app.conn.call("favoriteAdd", { url: postURL(p.id) }, "favorite");
  toast(t("saved_to_favorites"));
}

async function forwardPost(p: MomentPost): Promise<void> {
  const to = await pickTarget(t("mo_forward"));
  if (!to) return;
  await app.outbox!.add({ peer: to.peer, group: to.group, kind: MessageKind.LINK, url: postURL(p.id) });
  toast(t("sent"));
}

interface PostOpts {
  // Called with the post as the server now shows it, or null once it is
  // gone.
  onChange: (p: MomentPost | null) => void;
  noAuthorLink?: boolean;
}

// postCard shows one post. Likes and comments change it through the
// server, which answers with the post as this viewer may see it.
export function postCard(p: MomentPost, o: PostOpts): HTMLElement {
  const st = app.store!;
  const mine = p.author === st.me;
  const liked = p.likes.some((l) => l.user === st.me);
  const reload = async () => {
    try {
      o.onChange(await app.conn.call("momentGet", { post: p.id }, "moment"));
    } catch (e) {
      if ((e as { code?: string }).code === "not_found") o.onChange(null);
      else toastError(e);
    }
  };
  const comment = async (replyTo?: { id: bigint; author: bigint }) => {
    const v = await ask(replyTo ? t("mo_reply_to", st.name(replyTo.author)) : t("mo_comment"), [{ name: "text", label: t("mo_comment"), multiline: true, maxlength: 500 }], t("send"));
    if (!v || !v.text.trim()) return;
    try {
      await app.conn.call("momentComment", { post: p.id, text: v.text.trim(), replyTo: replyTo?.id ?? 0n }, "momentComment");
      await reload();
    } catch (e) {
      toastError(e);
    }
  };
  const likeBtn = h("button", { class: `mo-act ${liked ? "on" : ""}`, attrs: { type: "button", "aria-pressed": liked }, data: { action: "like" } }, icon(I.fav, 16), liked ? t("mo_unlike") : t("mo_like"));
  likeBtn.addEventListener("click", () =>
    busy(likeBtn, async () => {
      await app.conn.done(liked ? "momentUnlike" : "momentLike", { post: p.id });
      await reload();
    }),
  );
  const more = () =>
    sheet([
      [t("mo_forward"), () => void forwardPost(p).catch(toastError)],
      [t("mo_save"), () => void savePost(p).catch(toastError)],
      mine
        ? [t("delete"), async () => {
            if (!(await confirmBox(t("mo_delete_post"), t("delete"), true))) return;
            try {
              await app.conn.done("momentDelete", { post: p.id });
              toast(t("mo_deleted"));
              o.onChange(null);
            } catch (e) {
              toastError(e);
            }
          }, true]
        : null,
    ]);
  const who = st.name(p.author);
  const likes = p.likes.length
    ? h("div", { class: "mo-likes", data: { likes: String(p.likes.length) } }, icon(I.fav, 14), p.likes.map((l) => st.name(l.user)).join(t("list_sep")))
    : null;
  const comments = p.comments.length
    ? h(
        "ul",
        "mo-comments",
        ...p.comments.map((c) => {
          const own = c.author === st.me;
          const open = async () => {
            if (own || mine) {
              sheet([
                !own ? [t("mo_reply_to", st.name(c.author)), () => void comment({ id: c.id, author: c.author })] : null,
                [t("delete"), async () => {
                  if (!(await confirmBox(t("mo_delete_comment"), t("delete"), true))) return;
                  try {
                    await app.conn.done("momentDeleteComment", { comment: c.id });
                    await reload();
                  } catch (e) {
                    toastError(e);
                  }
                }, true],
              ]);
            } else void comment({ id: c.id, author: c.author });
          };
          return h(
            "li",
            null,
            h(
              "button",
              { class: "mo-comment", attrs: { type: "button" }, data: { comment: String(c.id) }, on: { click: () => void open() } },
              c.replyTo
                ? [h("b", null, st.name(c.author)), ` ${t("mo_reply_word")} `, h("b", null, st.name(c.replyUser))]
                : h("b", null, st.name(c.author)),
              `: ${c.text}`,
            ),
          );
        }),
      )
    : null;
  const vis =
    mine && p.visibility === MomentVisibility.PRIVATE ? t("mo_visibility_note_private") : mine && p.visibility !== MomentVisibility.ALL ? t("mo_visibility_note_limited") : "";
  return h(
    "article",
    { class: "mo-post", data: { post: String(p.id), author: String(p.author) } },
    h("button", { class: "mo-avatar", attrs: { type: "button", "aria-label": who }, on: { click: () => router.go(`/discover/moments/u/${p.author}`) } }, avatar(who, st.profileOf(p.author)?.avatar, "m")),
    h(
      "div",
      "mo-main",
      h("button", { class: "mo-name", attrs: { type: "button" }, on: { click: () => router.go(`/discover/moments/u/${p.author}`) } }, who),
      p.text ? h("div", "mo-text", p.text) : null,
      mediaBlock(p),
      p.link
        ? h("div", { class: "mo-link", data: { link: p.link.url } }, icon(I.link, 20), safeLink(p.link.url, p.link.title || p.link.url))
        : null,
      p.location ? h("div", { class: "mo-loc", data: { location: p.location } }, icon(I.location, 14), p.location) : null,
      p.mentions.length ? h("div", "mo-mentions", t("mo_mentioned", p.mentions.map((u) => "@" + st.name(u)).join(" "))) : null,
      h(
        "div",
        "mo-foot",
        h("button", { class: "mo-time", attrs: { type: "button", title: formatTime(Number(p.time), true) }, on: { click: () => router.go(`/discover/moments/p/${p.id}`) } }, relTime(Number(p.time))),
        vis ? h("span", "mo-vis", vis) : null,
        h("span", "mo-spacer"),
        likeBtn,
        h("button", { class: "mo-act", attrs: { type: "button" }, data: { action: "comment" }, on: { click: () => void comment() } }, t("mo_comment")),
        iconButton(I.more, t("more_actions"), more, "mo-more"),
      ),
      likes || comments ? h("div", "mo-reactions", likes, comments) : null,
    ),
  );
}

// ---- lists of posts: the feed and an album ----

interface Pager {
  load: (before: bigint) => Promise<{ posts: MomentPost[]; next: bigint }>;
  emptyText: string;
}

// postList shows pages of posts: the next page when its end scrolls into
// view, all afresh on refresh() (or a pull down at the top on a phone).
function postList(scroller: HTMLElement, pg: Pager): { el: HTMLElement; refresh: () => Promise<void>; dispose: () => void } {
  const list = h("div", "mo-list");
  const foot = h("div", { class: "mo-end", attrs: { role: "status" } });
  let next = 0n;
  let loading = false;
  let generation = 0;
  const add = (p: MomentPost) => {
    let el: HTMLElement;
    const o: PostOpts = {
      onChange: (np) => {
        if (!np) return el.remove();
        const nel = postCard(np, o);
        el.replaceWith(nel);
        el = nel;
      },
    };
    el = postCard(p, o);
    list.appendChild(el);
  };
  const page = async (fresh: boolean) => {
    if (loading && !fresh) return;
    const gen = fresh ? ++generation : generation;
    loading = true;
    foot.textContent = t("mo_loading_more");
    try {
      // A screen opened as the app starts waits for the connection.
      await app.conn.soon();
      const r = await pg.load(fresh ? 0n : next);
      if (gen !== generation) return;
      if (fresh) replace(list);
      for (const p of r.posts) add(p);
      next = r.next;
      if (!list.childElementCount) replace(foot, empty(pg.emptyText));
      else foot.textContent = next ? "" : t("mo_no_more");
    } catch (e) {
      if (gen === generation) replace(foot, h("p", "empty", errorText(e)));
    } finally {
      if (gen === generation) loading = false;
    }
  };
  const io = new IntersectionObserver((es) => {
    if (es.some((e) => e.isIntersecting) && next && !loading) void page(false);
  }, { root: scroller, rootMargin: "400px" });
  io.observe(foot);
  // Pull to refresh: a pull of 70 px down from the top refreshes.
  const pull = h("div", { class: "mo-pull", attrs: { "aria-hidden": "true" } });
  let y0: number | undefined;
  let dy = 0;
  scroller.addEventListener("touchstart", (e) => (y0 = scroller.scrollTop <= 0 ? e.touches[0].clientY : undefined), { passive: true });
  scroller.addEventListener("touchmove", (e) => {
    if (y0 === undefined) return;
    dy = Math.max(0, e.touches[0].clientY - y0);
    pull.style.height = `${Math.min(80, dy / 2)}px`;
    pull.textContent = dy > 70 ? t("mo_release") : dy > 10 ? t("mo_pull") : "";
  }, { passive: true });
  scroller.addEventListener("touchend", () => {
    if (y0 !== undefined && dy > 70) void page(true);
    y0 = undefined;
    dy = 0;
    pull.style.height = "0";
    pull.textContent = "";
  });
  void page(true);
  return { el: h("div", null, pull, list, foot), refresh: () => page(true), dispose: () => io.disconnect() };
}

export function momentsFeed(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", { class: "pane-body mo-body" });
  const bar = h("div", "mo-bar-slot");
  const renderBar = () => {
    const n = st.momentsUnread;
    replace(bar, n > 0 ? h("button", { class: "mo-newbar", attrs: { type: "button" }, data: { action: "notifications", unread: n }, on: { click: () => router.go("/discover/moments/notifications") } }, icon(I.bell, 16), t("mo_new_messages", n)) : null);
  };
  const cover = h("div", { class: "mo-cover", data: { cover: "" } });
  const renderCover = () => {
    const me = st.name(st.me);
    replace(
      cover,
      coverImage(st.momentsCover ?? "", true),
      h("button", { class: "mo-me", attrs: { type: "button" }, on: { click: () => router.go(`/discover/moments/u/${st.me}`) } }, h("span", "mo-me-name", me), avatar(me, st.profile?.avatar, "l")),
    );
  };
  renderCover();
  scope.add(st.on("profile", renderCover));
  scope.add(st.on("momentsCover", renderCover));
  if (st.momentsCover === undefined) {
    app.conn.call("momentSettings", {}, "momentSettings").then((s) => {
      st.momentsCover = s.cover;
      renderCover();
    }, () => {});
  }
  const feed = postList(body, {
    load: async (before) => {
      const r = await app.conn.call("momentFeed", { before, limit: PAGE }, "moments");
      return { posts: r.posts, next: r.next };
    },
    emptyText: t("mo_empty_feed"),
  });
  replace(body, cover, bar, feed.el);
  const el = h(
    "div",
    { class: "pane", data: { screen: "moments" } },
    header({
      title: t("moments"),
      back: "/discover",
      actions: [
        // Desktop has no pull: a refresh button does it (hidden on a phone).
        iconButton(I.refresh, t("mo_refresh"), () => void feed.refresh(), "mo-refresh-btn"),
        iconButton(I.search, t("mo_search"), () => router.go("/discover/moments/search"), "mo-search-btn"),
        iconButton(I.more, t("more_actions"), () =>
          sheet([
            [t("mo_messages"), () => router.go("/discover/moments/notifications")],
            [t("mo_my_album"), () => router.go(`/discover/moments/u/${st.me}`)],
            [t("mo_settings"), () => router.go("/discover/moments/settings")],
          ]), "mo-menu-btn"),
        iconButton(I.camera, t("mo_new_post"), () => router.go("/discover/moments/new"), "mo-new-btn"),
      ],
    }),
    body,
  );
  renderBar();
  scope.add(st.on("moments", renderBar));
  void refreshUnread().catch(() => {});
  return { el, dispose: () => (scope.dispose(), feed.dispose()) };
}

export function momentsAlbum(user: bigint): View {
  const st = app.store!;
  const who = st.name(user);
  const body = h("div", { class: "pane-body mo-body" });
  const head = h("div", { class: "mo-cover", data: { cover: "" } });
  const renderHead = (id: string) =>
    replace(head, coverImage(id, user === st.me), h("div", "mo-me", h("span", "mo-me-name", who), avatar(who, st.profileOf(user)?.avatar, "l")));
  renderHead("");
  const list = postList(body, {
    load: async (before) => {
      const r = await app.conn.call("momentAlbum", { user, before, limit: PAGE }, "moments");
      if (!before) renderHead(r.cover); // the first page says the cover
      return { posts: r.posts, next: r.next };
    },
    emptyText: t("mo_empty_album"),
  });
  replace(body, head, list.el);
  const el = h("div", { class: "pane", data: { screen: "moments-album", user: String(user) } }, header({ title: user === st.me ? t("mo_my_album") : t("mo_album", who), back: "/discover/moments" }), body);
  return { el, dispose: list.dispose };
}

// coverImage is the top of a Moments page: the cover image (fetched with
// the session token) or the plain gradient; on one's own page a tap
// chooses a new cover.
function coverImage(id: string, mine: boolean): HTMLElement {
  const box = h(mine ? "button" : "div", {
    class: "mo-cover-img",
    attrs: mine ? { type: "button", "aria-label": t("mo_change_cover"), title: t("mo_change_cover") } : {},
    data: { coverMedia: id },
  });
  if (id) {
    blobURL(id).then(
      (url) => {
        const img = h("img", { attrs: { alt: "", src: url } });
        box.replaceChildren(img);
      },
      () => {},
    );
  }
  if (mine) box.addEventListener("click", () => pickCover());
  return box;
}

// pickCover lets me choose an image, uploads it and makes it my cover.
function pickCover(): void {
  const fi = h("input", { attrs: { type: "file", accept: "image/*" }, data: { coverFile: "1" } });
  fi.hidden = true;
  document.body.appendChild(fi);
  fi.addEventListener("change", async () => {
    const f = fi.files?.[0];
    fi.remove();
    if (!f) return;
    try {
      toast(t("mo_cover_uploading"));
      const u = await upload(f, "image", f.name || "cover");
      const s = await app.conn.call("momentCover", { media: u.id }, "momentSettings");
      app.store!.momentsCover = s.cover;
      app.store!.emit("momentsCover");
      toast(t("mo_cover_set"));
    } catch (e) {
      toastError(e);
    }
  });
  fi.click();
}

export function momentPost(id: bigint): View {
  const body = h("div", "pane-body mo-body padded", h("p", "hint", t("loading")));
  const show = (p: MomentPost | null) => {
    if (!p) return replace(body, empty(t("mo_unavailable")));
    replace(body, postCard(p, { onChange: show }));
  };
  app.conn.soon().then(() => app.conn.call("momentGet", { post: id }, "moment")).then(show, (e) => {
    if ((e as { code?: string }).code === "not_found") show(null);
    else replace(body, h("p", "empty", errorText(e)));
  });
  return { el: h("div", { class: "pane", data: { screen: "moment-post" } }, header({ title: t("moments"), back: "/discover/moments" }), body) };
}

// ---- composing ----

function videoDuration(f: File): Promise<number> {
  return new Promise((resolve) => {
    const v = document.createElement("video");
    v.preload = "metadata";
    const u = URL.createObjectURL(f);
    const done = (n: number) => (URL.revokeObjectURL(u), resolve(n));
    v.onloadedmetadata = () => done(Number.isFinite(v.duration) ? v.duration * 1000 : 0);
    v.onerror = () => done(0);
    v.src = u;
  });
}

export function momentCompose(): View {
  const st = app.store!;
  let files: File[] = [];
  let video: { file: File; ms: number } | undefined;
  let mentions: bigint[] = [];
  let people: bigint[] = [];
  const text = h("textarea", { attrs: { rows: 4, name: "text", maxlength: 2000, placeholder: t("mo_text_ph"), "aria-label": t("mo_text_ph") } });
  const previews = h("div", "mo-grid cols-3 mo-previews");
  const error = h("p", { class: "form-error", attrs: { role: "alert" } });
  const progress = h("progress", { attrs: { max: 100, value: 0 }, props: { hidden: true } });
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  const renderPreviews = () => {
    replace(
      previews,
      ...files.map((f, i) => {
        const u = URL.createObjectURL(f);
        return h("button", { class: "mo-cell", attrs: { type: "button", "aria-label": `${t("mo_remove")} ${i + 1}` }, data: { preview: i }, on: { click: () => ((files = files.filter((_, j) => j !== i)), renderPreviews()) } }, h("img", { class: "mo-img", attrs: { src: u, alt: "" } }));
      }),
      video ? h("div", { class: "mo-cell", data: { preview: "video" } }, h("span", "mo-vid-name", `${video.file.name} · ${Math.round(video.ms / 1000)}″`)) : null,
    );
  };
  const imgInput = h("input", { attrs: { type: "file", accept: "image/*", multiple: true, name: "images", "aria-label": t("mo_add_images") }, props: { hidden: true } });
  const vidInput = h("input", { attrs: { type: "file", accept: "video/*", name: "video", "aria-label": t("mo_add_video") }, props: { hidden: true } });
  imgInput.addEventListener("change", () => {
    error.textContent = "";
    const add = [...(imgInput.files ?? [])];
    imgInput.value = "";
    if (video) return void (error.textContent = t("mo_images_or_video"));
    if (files.length + add.length > MAX_IMAGES) error.textContent = t("mo_too_many_images");
    files = [...files, ...add].slice(0, MAX_IMAGES);
    renderPreviews();
  });
  vidInput.addEventListener("change", async () => {
    error.textContent = "";
    const f = vidInput.files?.[0];
    vidInput.value = "";
    if (!f) return;
    if (files.length) return void (error.textContent = t("mo_images_or_video"));
    const ms = await videoDuration(f);
    if (ms > MAX_VIDEO_MS) return void (error.textContent = t("mo_video_too_long"));
    video = { file: f, ms };
    renderPreviews();
  });
  const link = h("input", { attrs: { type: "url", name: "link", placeholder: "https://", "aria-label": t("mo_link") } });
  const linkTitle = h("input", { attrs: { type: "text", name: "link_title", maxlength: 200, placeholder: t("mo_link_title"), "aria-label": t("mo_link_title") } });
  const place = h("input", { attrs: { type: "text", name: "location", maxlength: 100, placeholder: t("mo_location"), "aria-label": t("mo_location") } });
  const mentionInfo = h("span", "row-sub");
  const peopleInfo = h("p", "hint");
  const tags = h("input", { attrs: { type: "text", name: "tags", placeholder: t("mo_tags"), "aria-label": t("mo_tags") } });
  const vis = h(
    "select",
    { attrs: { name: "visibility", "aria-label": t("mo_who_can_see") } },
    ...([
      [MomentVisibility.ALL, t("mo_vis_all")],
      [MomentVisibility.PRIVATE, t("mo_vis_private")],
      [MomentVisibility.ONLY, t("mo_vis_only")],
      [MomentVisibility.EXCEPT, t("mo_vis_except")],
    ] as [number, string][]).map(([v, l]) => h("option", { attrs: { value: v } }, l)),
  );
  const choosePeople = h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "people" } }, t("mo_choose_people"));
  const audience = h("div", { class: "mo-audience", props: { hidden: true } }, choosePeople, peopleInfo, h("label", "field", h("span", null, t("mo_tags")), tags));
  vis.addEventListener("change", () => (audience.hidden = Number(vis.value) !== MomentVisibility.ONLY && Number(vis.value) !== MomentVisibility.EXCEPT));
  choosePeople.addEventListener("click", async () => {
    const r = await pickContacts(t("mo_choose_people"), [], 1);
    if (!r) return;
    people = r;
    peopleInfo.textContent = people.map((u) => st.name(u)).join(t("list_sep"));
  });
  const mentionRow = row({
    title: t("mo_mention"),
    sub: mentionInfo,
    data: { action: "mention" },
    onClick: async () => {
      const r = await pickContacts(t("mo_mention"), [], 1);
      if (!r) return;
      mentions = r;
      mentionInfo.textContent = mentions.map((u) => "@" + st.name(u)).join(" ");
    },
  });
  const submit = h("button", { class: "btn primary", attrs: { type: "submit" }, data: { action: "post" } }, t("mo_post"));
  const form = h(
    "form",
    { class: "mo-compose", data: { form: "moment" } },
    text,
    previews,
    h(
      "div",
      "mo-tools",
      h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "images" }, on: { click: () => imgInput.click() } }, icon(I.camera, 16), t("mo_add_images")),
      h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "video" }, on: { click: () => vidInput.click() } }, icon(I.play, 16), t("mo_add_video")),
      imgInput,
      vidInput,
    ),
    h("label", "field", h("span", null, t("mo_link")), link),
    h("label", "field", h("span", null, t("mo_link_title")), linkTitle),
    h("label", "field", h("span", null, t("mo_location")), place),
    section(null, mentionRow),
    h("label", "field", h("span", null, t("mo_who_can_see")), vis),
    audience,
    progress,
    status,
    error,
    h("div", "dialog-actions", submit),
  );
  let sending = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (sending) return;
    error.textContent = "";
    const all = video ? [video.file] : files;
    if (!text.value.trim() && !all.length && !link.value.trim()) return void (error.textContent = t("mo_nothing_to_post"));
    sending = true;
    submit.disabled = true;
    try {
      const media: string[] = [];
      const total = all.reduce((n, f) => n + f.size, 0) || 1;
      let done = 0;
      progress.hidden = !all.length;
      for (const [i, f] of all.entries()) {
        status.textContent = t("mo_uploading", i + 1, all.length);
        const u = await upload(f, video ? "video" : "image", f.name || `moment-${i}`, {
          durationMs: video?.ms,
          onProgress: (sent) => (progress.value = Math.round(((done + sent) / total) * 100)),
        });
        done += f.size;
        media.push(u.id);
      }
      status.textContent = t("mo_posting");
      const v = Number(vis.value) as MomentVisibility;
      const limited = v === MomentVisibility.ONLY || v === MomentVisibility.EXCEPT;
      await app.conn.call(
        "momentPost",
        {
          text: text.value.trim(),
          media,
          link: link.value.trim(),
          linkTitle: linkTitle.value.trim(),
          location: place.value.trim(),
          mentions,
          visibility: v,
          tags: limited ? tags.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean) : [],
          people: limited ? people : [],
        },
        "moment",
      );
      toast(t("mo_posted"));
      router.go("/discover/moments", true);
    } catch (x) {
      error.textContent = errorText(x);
      status.textContent = "";
    } finally {
      sending = false;
      submit.disabled = false;
      progress.hidden = true;
    }
  });
  queueMicrotask(() => text.focus());
  return { el: h("div", { class: "pane", data: { screen: "moment-new" } }, header({ title: t("mo_new_post"), back: "/discover/moments" }), h("div", "pane-body padded", form)) };
}

// ---- notifications ----

function noteLine(n: MomentNotification): string {
  switch (n.kind) {
    case MomentNotificationKind.MOMENT_NOTIFICATION_LIKE:
      return t("mo_liked_you");
    case MomentNotificationKind.MOMENT_NOTIFICATION_COMMENT:
      return t("mo_commented", n.comment?.text ?? "");
    case MomentNotificationKind.MOMENT_NOTIFICATION_REPLY:
      return t("mo_replied_you", n.comment?.text ?? "");
    case MomentNotificationKind.MOMENT_NOTIFICATION_MENTION:
      return t("mo_mentioned_you");
  }
  return "";
}

export function momentNotifications(): View {
  const st = app.store!;
  const list = h("div", "results");
  const more = h("button", { class: "btn wide", attrs: { type: "button" }, props: { hidden: true } }, t("load_more"));
  let last = 0n;
  const load = async (before: bigint) => {
    try {
      await app.conn.soon();
      const r = await app.conn.call("momentNotifications", { before, limit: 30 }, "momentNotifications");
      if (!before) replace(list);
      if (!r.notifications.length && !before) list.appendChild(empty(t("mo_empty_notes")));
      for (const n of r.notifications) {
        const who = st.name(n.actor);
        const pic = n.post?.media[0];
        list.appendChild(
          h(
            "button",
            { class: "result mo-note", attrs: { type: "button" }, data: { note: String(n.id), kind: n.kind }, on: { click: () => n.post && router.go(`/discover/moments/p/${n.post.id}`) } },
            avatar(who, st.profileOf(n.actor)?.avatar, "s"),
            h("span", "mo-note-main", h("b", null, who), h("span", "mo-note-what", noteLine(n)), h("span", "result-meta", relTime(Number(n.time)))),
            pic ? thumb(pic, "mo-note-img") : n.post?.text ? h("span", "mo-note-text", n.post.text.slice(0, 40)) : null,
          ),
        );
      }
      last = r.notifications[r.notifications.length - 1]?.id ?? 0n;
      more.hidden = r.notifications.length < 30;
      // Opening the list reads it: everything up to the newest.
      const newest = r.notifications[0]?.id;
      if (!before && newest && r.unread > 0) {
        await app.conn.done("momentRead", { upto: newest });
        st.momentsUnread = 0;
        st.emit("moments");
      }
      if (!before) list.dataset.read = "done";
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  more.addEventListener("click", () => void load(last));
  void load(0n);
  return { el: h("div", { class: "pane", data: { screen: "moment-notifications" } }, header({ title: t("mo_messages"), back: "/discover/moments" }), h("div", "pane-body padded", list, more)) };
}

// ---- settings ----

export function momentSettings(): View {
  const st = app.store!;
  const body = h("div", "pane-body", h("p", "hint padded", t("loading")));
  const call = (req: Record<string, unknown>) => app.conn.call("momentSettings", req, "momentSettings");
  const people = (title: string, ids: bigint[], add: string, remove: string) =>
    section(
      title,
      ...(ids.length ? ids : []).map((u) =>
        row({
          icon: avatar(st.name(u), st.profileOf(u)?.avatar, "s"),
          title: st.name(u),
          right: h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "unhide" }, on: { click: () => void change({ [remove]: [u] }) } }, t("mo_remove")),
          data: { person: String(u) },
        }),
      ),
      ids.length ? null : row({ title: t("mo_nobody") }),
      row({
        title: t("mo_add_people"),
        data: { action: add },
        onClick: async () => {
          const r = await pickContacts(title, ids, 1);
          if (r) await change({ [add]: r });
        },
      }),
    );
  const render = (s: MomentSettings) => {
    const range = h(
      "select",
      { attrs: { name: "friends_range", "aria-label": t("mo_friends_range") } },
      ...([
        [MomentRange.MOMENT_RANGE_ALL, t("mo_range_all")],
        [MomentRange.MOMENT_RANGE_6_MONTHS, t("mo_range_6m")],
        [MomentRange.MOMENT_RANGE_3_DAYS, t("mo_range_3d")],
      ] as [number, string][]).map(([v, l]) => h("option", { attrs: { value: v }, props: { selected: s.friendsRange === v } }, l)),
    );
    range.addEventListener("change", () => void change({ friendsRange: Number(range.value) }));
    replace(
      body,
      section(
        null,
        toggleRow(t("mo_strangers_see_10"), s.strangersSee10, async (v) => void render(await call({ strangersSee10: v })), "strangers_see_10"),
        h("label", "row", h("span", "row-main", h("span", "row-title", t("mo_friends_range"))), range),
      ),
      people(t("mo_hide_mine_from"), s.hideMineFrom, "hideMineFrom", "unhideMineFrom"),
      people(t("mo_hide_theirs"), s.hideTheirs, "hideTheirs", "unhideTheirs"),
    );
  };
  const change = async (req: Record<string, unknown>) => {
    try {
      render(await call(req));
    } catch (e) {
      toastError(e);
    }
  };
  app.conn.soon().then(() => call({})).then(render, (e) => replace(body, h("p", "empty", errorText(e))));
  return { el: h("div", { class: "pane", data: { screen: "moment-settings" } }, header({ title: t("mo_settings"), back: "/discover/moments" }), body) };
}

// ---- search ----

export function momentSearch(): View {
  const q = h("input", { attrs: { type: "search", name: "q", maxlength: 100, placeholder: t("mo_search"), "aria-label": t("mo_search"), autocomplete: "off" } });
  const results = h("div", "mo-list");
  const more = h("button", { class: "btn wide", attrs: { type: "button" }, props: { hidden: true } }, t("load_more"));
  let next = 0n;
  let query = "";
  const run = async (append: boolean) => {
    if (!append) {
      query = q.value.trim();
      next = 0n;
      replace(results, query ? h("p", "hint", t("loading")) : null);
    }
    if (!query) return;
    try {
      const r = await app.conn.call("momentSearch", { query, before: next, limit: PAGE }, "moments");
      if (!append) replace(results);
      if (!r.posts.length && !append) results.appendChild(empty(t("no_results")));
      for (const p of r.posts) {
        let el: HTMLElement;
        const o: PostOpts = {
          onChange: (np) => {
            if (!np) return el.remove();
            const nel = postCard(np, o);
            el.replaceWith(nel);
            el = nel;
          },
        };
        el = postCard(p, o);
        results.appendChild(el);
      }
      next = r.next;
      more.hidden = !next;
    } catch (e) {
      replace(results, h("p", "empty", errorText(e)));
    }
  };
  more.addEventListener("click", () => void run(true));
  const form = h("form", { class: "search-form", data: { form: "moment-search" } }, q, h("button", { class: "btn primary", attrs: { type: "submit" } }, t("search")));
  form.addEventListener("submit", (e) => (e.preventDefault(), void run(false)));
  queueMicrotask(() => q.focus());
  return {
    el: h(
      "div",
      { class: "pane", data: { screen: "moment-search" } },
      header({ title: t("mo_search"), back: "/discover/moments" }),
      h("div", "pane-body padded", h("p", "hint", t("mo_search_hint")), form, results, more),
    ),
  };
}

// momentCard shows a forwarded or saved post's link as a card that opens
// the post here (the server decides whether the reader may see it).
// An inert card (inside a row that is itself a button) does not open.
export function momentCard(url: string, inert = false): HTMLElement | null {
  const path = momentLink(url);
  if (!path) return null;
  if (inert) return h("div", { class: "card link-card mo-card", data: { momentCard: path } }, h("span", "card-main", h("span", "card-title", t("mo_card"))), h("span", "card-foot", t("moments")));
  return h(
    "button",
    { class: "card link-card mo-card", attrs: { type: "button" }, data: { momentCard: path }, on: { click: (e) => (e.stopPropagation(), router.go(path)) } },
    h("span", "card-main", h("span", "card-title", t("mo_card")), h("span", "card-sub", t("mo_open"))),
    h("span", "card-foot", t("moments")),
  );
}

// momentsEntry is the Discover row of Moments, with the unread count.
export function momentsEntry(scope: Scope): HTMLElement {
  const st = app.store!;
  const slot = h("span", "mo-entry-badge");
  const render = () => replace(slot, badge(st.momentsUnread));
  render();
  scope.add(st.on("moments", render));
  void refreshUnread().catch(() => {});
  return row({ icon: h("span", "row-glyph green", icon(I.moments, 20)), title: t("moments"), right: slot, onClick: () => router.go("/discover/moments"), data: { entry: "moments" } });
}

