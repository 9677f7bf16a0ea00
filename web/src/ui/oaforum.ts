// The micro-community (微社区) of an official account: followers post
// (text and up to 9 images) and reply; admins and editors pin and remove;
// authors remove their own. The list shows pinned posts first, then the
// newest. The console's moderation section is here too. Everything users
// write goes into the DOM as text.
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { blobURL, upload } from "../lib/media";
import type { OaForumPost } from "../gen/hongyan/v1/officialacct_pb.js";
import { confirmBox, empty, errorText, header, toast, toastError } from "./widgets";
import type { View } from "./shell";

const MAX_IMAGES = 9;

function images(ids: string[]): HTMLElement | null {
  if (!ids.length) return null;
  return h(
    "div",
    "oa-post-images",
    ...ids.map((id) => {
      const img = h("img", { attrs: { alt: t("oa_image"), loading: "lazy" }, data: { media: id } });
      blobURL(id, true)
        .catch(() => blobURL(id))
        .then((u) => (img.src = u))
        .catch(() => (img.alt = t("oa_image_gone")));
      return img;
    }),
  );
}

// authorName is how a post names its author: a contact as this user
// knows them, else the author's public nickname.
function authorName(p: OaForumPost): string {
  const known = app.store!.name(p.author);
  return known !== `#${p.author}` ? known : p.authorName || known;
}

type Moderation = { canModerate: boolean; reload: () => Promise<void> };

// postActions are the pin and remove buttons a post or reply offers.
function postActions(p: OaForumPost, m: Moderation): HTMLElement | null {
  const mine = p.author === app.store!.me;
  const out: HTMLElement[] = [];
  if (m.canModerate && p.parent === 0n) {
    out.push(
      h(
        "button",
        {
          class: "btn",
          attrs: { type: "button" },
          data: { oaPin: p.pinned ? "unpin" : "pin" },
          on: {
            click: async () => {
              try {
                await app.conn.call("oaForumPin", { post: p.id, pinned: !p.pinned }, "oaForumPost");
                await m.reload();
              } catch (e) {
                toastError(e);
              }
            },
          },
        },
        p.pinned ? t("oa_forum_unpin") : t("oa_forum_pin"),
      ),
    );
  }
  if (m.canModerate || mine) {
    out.push(
      h(
        "button",
        {
          class: "btn danger",
          attrs: { type: "button" },
          data: { oaRemove: "1" },
          on: {
            click: async () => {
              if (!(await confirmBox(p.parent ? t("oa_forum_remove_reply_q") : t("oa_forum_remove_q"), t("delete"), true))) return;
              try {
                await app.conn.done("oaForumRemove", { post: p.id });
                toast(t("oa_forum_removed"));
                await m.reload();
              } catch (e) {
                toastError(e);
              }
            },
          },
        },
        t("oa_forum_remove"),
      ),
    );
  }
  return out.length ? h("div", "oa-post-actions", ...out) : null;
}

// postCard shows a post (open: a click opens its thread) or a reply.
function postCard(p: OaForumPost, m: Moderation, open?: () => void): HTMLElement {
  const body = h(
    "div",
    "oa-post-body",
    h(
      "div",
      "oa-post-head",
      h("strong", null, authorName(p)),
      p.pinned ? h("span", { class: "oa-pin-badge", data: { pinned: "1" } }, t("oa_forum_pinned")) : null,
      h("span", "hint", formatTime(Number(p.time))),
    ),
    h("div", "oa-post-text", p.text),
    images(p.mediaIds),
  );
  const foot = p.parent === 0n ? h("div", "hint", t("oa_forum_replies", String(p.replies))) : null;
  return h(
    "article",
    { class: `oa-post${p.parent ? " reply" : ""}`, data: { post: String(p.id), pinnedPost: p.pinned ? "1" : "0" } },
    open ? h("button", { class: "oa-post-open", attrs: { type: "button" }, on: { click: open } }, body, foot) : h("div", null, body, foot),
    postActions(p, m),
  );
}

// composer is the box to write a post (with images) or a reply.
function composer(opts: { placeholder: string; max: number; withImages: boolean; send: (text: string, media: string[]) => Promise<void> }): HTMLElement {
  const text = h("textarea", { attrs: { rows: 3, maxlength: String(opts.max), placeholder: opts.placeholder, "aria-label": opts.placeholder, name: "forum-text" } });
  const media: string[] = [];
  const chosen = h("div", "oa-post-images");
  const file = h("input", { attrs: { type: "file", accept: "image/*", multiple: true, hidden: true, "aria-label": t("oa_forum_add_image") }, data: { forumFile: "1" } });
  const add = h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => file.click() } }, t("oa_forum_add_image"));
  const showChosen = () => replace(chosen, ...media.map((id) => h("span", { class: "oa-chosen", data: { chosen: id } }, t("oa_image"))));
  file.addEventListener("change", async () => {
    for (const f of Array.from(file.files ?? [])) {
      if (media.length >= MAX_IMAGES) break;
      try {
        media.push((await upload(f, "image", f.name)).id);
        showChosen();
      } catch (e) {
        toastError(e);
      }
    }
    file.value = "";
  });
  const send = h("button", { class: "btn primary", attrs: { type: "button" }, data: { forumSend: "1" } }, t("send"));
  send.addEventListener("click", async () => {
    if (!text.value.trim() && !media.length) return;
    send.disabled = true;
    try {
      await opts.send(text.value, [...media]);
      text.value = "";
      media.length = 0;
      showChosen();
    } catch (e) {
      toastError(e);
    } finally {
      send.disabled = false;
    }
  });
  return h("div", { class: "oa-composer", data: { forumComposer: "1" } }, text, opts.withImages ? chosen : null, h("div", "oa-actions", opts.withImages ? add : null, opts.withImages ? file : null, send));
}

// postList loads an account's posts page by page into list; the returned
// load starts again from the first page.
function postList(account: bigint, list: HTMLElement, onRole: (canWrite: boolean, canModerate: boolean) => void, open: (p: OaForumPost) => void): () => Promise<void> {
  const load = async (): Promise<void> => {
    try {
      let r = await app.conn.call("oaForumList", { account, limit: 20 }, "oaForumList");
      const posts = [...r.posts];
      const more = h("button", { class: "btn", attrs: { type: "button" }, data: { forumMore: "1" } }, t("oa_forum_more"));
      const m: Moderation = { canModerate: r.canModerate, reload: load };
      onRole(r.canWrite, r.canModerate);
      const render = async () => {
        replace(list, ...(posts.length ? posts.map((p) => postCard(p, m, () => open(p))) : [empty(t("oa_forum_empty"))]), r.more ? more : null);
      };
      more.addEventListener("click", async () => {
        const last = posts[posts.length - 1];
        try {
          r = await app.conn.call("oaForumList", { account, after: last.id, afterPinned: last.pinned, limit: 20 }, "oaForumList");
          posts.push(...r.posts);
          await render();
        } catch (e) {
          toastError(e);
        }
      });
      await render();
    } catch (e) {
      replace(list, h("p", "empty", errorText(e)));
    }
  };
  return load;
}

// The account's community, as its followers see it.
export function oaForum(account: bigint): View {
  const scope = new Scope();
  const title = h("span", null, t("oa_forum"));
  const list = h("div", { class: "oa-posts", data: { forumPosts: "1" } });
  const compose = h("div", null);
  let shown = false;
  const load = postList(
    account,
    list,
    (canWrite) => {
      if (canWrite && !shown) {
        shown = true;
        replace(
          compose,
          composer({
            placeholder: t("oa_forum_write"),
            max: 2000,
            withImages: true,
            send: async (text, mediaIds) => {
              await app.conn.call("oaForumPost", { account, text, mediaIds }, "oaForumPost");
              await load();
            },
          }),
        );
      } else if (!canWrite && !shown) replace(compose, h("p", "hint", t("oa_forum_follow_to_write")));
    },
    (p) => router.go(`/oa/forum/${p.id}`),
  );
  app.conn.call("oaProfile", { account }, "oaProfile").then(
    (p) => (title.textContent = `${p.account?.name ?? ""} · ${t("oa_forum")}`),
    () => {},
  );
  scope.add(app.store!.on("oa-forum", () => void load()));
  void load();
  const el = h("div", { class: "pane", data: { screen: "oa-forum", oa: String(account) } }, header({ title, back: `/oa/${account}` }), h("div", "pane-body padded oa-forum", compose, list));
  return { el, dispose: () => scope.dispose() };
}

// A post and its replies.
export function oaForumThread(post: bigint): View {
  const scope = new Scope();
  const body = h("div", "pane-body padded oa-forum", h("p", "hint", t("loading")));
  let back = "/discover/oa";
  const load = async (): Promise<void> => {
    try {
      const th = await app.conn.call("oaForumThread", { post }, "oaForumThread");
      const p = th.post!;
      back = `/oa/${p.account}/forum`;
      const m: Moderation = {
        canModerate: th.canModerate,
        reload: async () => {
          try {
            await app.conn.call("oaForumThread", { post, limit: 1 }, "oaForumThread");
            await load();
          } catch {
            router.go(back); // the post itself was removed
          }
        },
      };
      replace(
        body,
        postCard(p, m),
        h("h2", "section-title", t("oa_forum_replies", String(p.replies))),
        h("div", { class: "oa-replies", data: { forumReplies: "1" } }, ...th.replies.map((r) => postCard(r, m))),
        th.canWrite
          ? composer({
              placeholder: t("oa_forum_reply"),
              max: 500,
              withImages: false,
              send: async (text) => {
                await app.conn.call("oaForumReply", { post, text }, "oaForumPost");
                await load();
              },
            })
          : h("p", "hint", t("oa_forum_follow_to_write")),
      );
    } catch (e) {
      replace(body, h("p", "empty", errorText(e)));
    }
  };
  scope.add(app.store!.on("oa-forum", () => void load()));
  void load();
  const el = h("div", { class: "pane", data: { screen: "oa-forum-post" } }, header({ title: t("oa_forum"), back: "/discover/oa" }), body);
  return { el, dispose: () => scope.dispose() };
}

// The console's moderation: the posts with their pin and remove buttons,
// and each post's replies on demand.
export function forumModeration(account: bigint, card: (title: string, data: string, ...children: (HTMLElement | null)[]) => HTMLElement): HTMLElement {
  const list = h("div", { class: "oa-posts", data: { forumPosts: "1" } });
  const thread = h("div", { class: "oa-replies", data: { forumReplies: "1" } });
  const showThread = async (p: OaForumPost) => {
    try {
      const th = await app.conn.call("oaForumThread", { post: p.id }, "oaForumThread");
      const m: Moderation = { canModerate: th.canModerate, reload: () => showThread(p).then(load) };
      replace(thread, h("h3", null, t("oa_forum_replies", String(th.post?.replies ?? 0))), ...(th.replies.length ? th.replies.map((r) => postCard(r, m)) : [empty(t("oa_forum_no_replies"))]));
    } catch (e) {
      replace(thread, h("p", "empty", errorText(e)));
    }
  };
  const load = postList(account, list, () => {}, (p) => void showThread(p));
  void load();
  return card(t("oa_forum"), "forum", h("p", "hint", t("oa_forum_console_hint")), list, thread);
}
