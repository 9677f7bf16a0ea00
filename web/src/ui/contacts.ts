// Contacts: the list, friend requests, adding by ID/phone/QR link, profile
// cards with remark/description/tags/star/block/delete, and the group
// entry points (group list, new group, invitations, join by link).
import { h, icon, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import { InvitationState, RequestState, type Contact, type Profile } from "../lib/proto";
import { I } from "./icons";
import { ask, avatar, badge, busy, confirmBox, empty, errorText, groupAvatar, header, iconButton, row, section, toast, toastError, toggleRow } from "./widgets";
import type { View } from "./shell";

// Contacts in A–Z order by pinyin (Intl.Collator with the pinyin collation,
// which Chromium, Firefox and Safari ship), grouped by initial letter: a
// name's first Han character falls under the letter whose first character
// (阿 for A, 八 for B, …) it sorts after; Latin names by their letter;
// anything else under "#".
const pinyin = new Intl.Collator("zh-u-co-pinyin", { numeric: true });
const LETTERS: [string, string][] = [
  ["A", "阿"], ["B", "八"], ["C", "嚓"], ["D", "咑"], ["E", "妸"], ["F", "发"], ["G", "旮"], ["H", "哈"], ["J", "丌"], ["K", "咔"], ["L", "垃"], ["M", "妈"],
  ["N", "拿"], ["O", "噢"], ["P", "妑"], ["Q", "七"], ["R", "呥"], ["S", "仨"], ["T", "他"], ["W", "屲"], ["X", "夕"], ["Y", "丫"], ["Z", "帀"],
];

export function initialOf(name: string): string {
  const ch = Array.from(name.trim())[0] ?? "";
  if (/^[a-z]$/i.test(ch)) return ch.toUpperCase();
  if (!/\p{Script=Han}/u.test(ch)) return "#";
  let letter = "#";
  for (const [l, first] of LETTERS) {
    if (pinyin.compare(ch, first) < 0) break;
    letter = l;
  }
  return letter;
}

export function contactsList(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { list: "contacts" } }, header({ title: t("tab_contacts"), actions: [iconButton(I.plus, t("add_friend"), () => router.go("/contacts/add"), "add-friend-btn")] }), body);
  const render = () => {
    const pending = [...st.requests.values()].filter((r) => r.state === RequestState.PENDING && r.to === st.me).length;
    const invites = [...st.invitations.values()].filter((i) => i.state === InvitationState.APPROVAL || (i.state === InvitationState.INVITED && i.invitee === st.me)).length;
    const all = [...st.contacts.values()].sort((a, b) => pinyin.compare(st.name(a.user), st.name(b.user)));
    const starred = all.filter((c) => c.starred);
    const contactRow = (c: Contact) =>
      row({
        icon: avatar(st.name(c.user), c.profile?.avatar, "s"),
        title: st.name(c.user),
        sub: st.blocked.has(key(c.user)) ? t("blocked") : c.tags.length ? c.tags.join(" · ") : "",
        onClick: () => router.go(`/contacts/${c.user}`),
        data: { contact: st.name(c.user) },
        cls: router.route.path === `/contacts/${c.user}` ? "on" : "",
      });
    replace(
      body,
      section(
        null,
        row({ icon: h("span", "row-glyph orange", icon(I.contacts, 20)), title: t("new_friends"), right: badge(pending, false, t("new_n", pending)), onClick: () => router.go("/contacts/new"), data: { entry: "requests" } }),
        row({ icon: h("span", "row-glyph green", icon(I.group, 20)), title: t("group_chats"), onClick: () => router.go("/contacts/groups"), data: { entry: "groups" } }),
        row({ icon: h("span", "row-glyph green", icon(I.group, 20)), title: t("or_common"), onClick: () => router.go("/contacts/common"), data: { entry: "common" } }),
        row({ icon: h("span", "row-glyph blue", icon(I.bell, 20)), title: t("group_invitations"), right: badge(invites, false, t("new_n", invites)), onClick: () => router.go("/contacts/invitations"), data: { entry: "invitations" } }),
        row({ icon: h("span", "row-glyph green", icon(I.contacts, 20)), title: t("ab_title"), onClick: () => router.go("/contacts/phonebook"), data: { entry: "phonebook" } }),
      ),
      starred.length ? section(t("starred"), ...starred.map(contactRow)) : null,
      ...lettered(all, contactRow),
      all.length ? h("p", "hint center", t("contacts_n", all.length)) : empty(t("no_contacts")),
    );
    index.replaceChildren(...letters.map((l) => h("button", { attrs: { type: "button", "aria-label": l }, data: { jump: l }, on: { click: () => body.querySelector(`[data-letter="${l}"]`)?.scrollIntoView({ block: "start" }) } }, l)));
    index.hidden = letters.length < 2;
  };
  let letters: string[] = [];
  const index = h("nav", { class: "az-index", attrs: { "aria-label": "A–Z" } });
  el.appendChild(index);
  const lettered = (list: Contact[], rowOf: (c: Contact) => HTMLElement): HTMLElement[] => {
    const groups = new Map<string, Contact[]>();
    for (const c of list) {
      const l = initialOf(st.name(c.user));
      groups.set(l, [...(groups.get(l) ?? []), c]);
    }
    letters = [...groups.keys()].sort((a, b) => (a === "#" ? 1 : b === "#" ? -1 : a.localeCompare(b)));
    return letters.map((l) => h("section", { class: "group az-group", data: { letter: l } }, h("h2", "group-title", l), ...groups.get(l)!.map(rowOf)));
  };
  for (const tp of ["contacts", "requests", "invitations", "users"]) scope.add(st.on(tp, render));
  scope.add(router.on("route", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

// ---- friend requests ----

export function requests(): View {
  const st = app.store!;
  const scope = new Scope();
  const list = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "requests" } }, header({ title: t("new_friends"), back: "/contacts", actions: [iconButton(I.plus, t("add_friend"), () => router.go("/contacts/add"))] }), list);
  const render = () => {
    const rs = [...st.requests.values()].sort((a, b) => Number(b.time - a.time));
    if (!rs.length) return replace(list, empty(t("no_requests")));
    replace(
      list,
      section(
        null,
        ...rs.map((r) => {
          const incoming = r.to === st.me;
          const other = incoming ? r.from : r.to;
          const name = r.other?.nickname || r.other?.accountId || st.name(other);
          let right: HTMLElement;
          if (r.state === RequestState.PENDING && incoming) {
            right = h(
              "span",
              "row-buttons",
              h("button", { class: "btn primary small", attrs: { type: "button" }, data: { action: "accept" }, on: { click: (e) => void answer(e, r.id, true) } }, t("accept")),
              h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "decline" }, on: { click: (e) => void answer(e, r.id, false) } }, t("decline")),
            );
          } else {
            right = h("span", "row-state", r.state === RequestState.ACCEPTED ? t("added") : r.state === RequestState.DECLINED ? t("declined") : t("waiting"));
          }
          return row({ icon: avatar(name, r.other?.avatar, "s"), title: name, sub: r.greeting || formatTime(Number(r.time)), right, data: { request: name } });
        }),
      ),
    );
  };
  const answer = async (e: Event, id: bigint, accept: boolean) =>
    busy(e.currentTarget as HTMLButtonElement, async () => {
      const r = await app.conn.call("answerRequest", { request: id, accept }, "friendRequest");
      st.requests.set(key(r.id), r);
      await st.putOne("requests", r.id, r, "requests");
      if (accept) {
        void app.refresh(true);
        // The new friend's chat opens with the request's greeting.
        router.go(`/chat/u/${r.from === st.me ? r.to : r.from}`);
      }
    });
  scope.add(st.on("requests", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

// ---- adding ----

export async function sendRequest(user: bigint, name: string): Promise<void> {
  const me = app.store!.profile;
  const v = await ask(t("add_friend"), [
    { name: "greeting", label: t("greeting"), value: t("greeting_default", me?.nickname ?? ""), maxlength: 100 },
    { name: "remark", label: t("remark"), value: name, maxlength: 32 },
  ], t("send"));
  if (!v) return;
  try {
    const r = await app.conn.call("friendRequest", { user, greeting: v.greeting, remark: v.remark }, "friendRequest");
    app.store!.requests.set(key(r.id), r);
    await app.store!.putOne("requests", r.id, r, "requests");
    toast(r.state === RequestState.ACCEPTED ? t("now_friends") : t("request_sent"));
    if (r.state === RequestState.ACCEPTED) void app.refresh(true);
  } catch (e) {
    toastError(e);
  }
}

export function addFriend(): View {
  const result = h("div", "search-result");
  const q = h("input", { attrs: { type: "search", name: "query", placeholder: t("search_id_phone"), "aria-label": t("search_id_phone"), autocomplete: "off" } });
  const form = h("form", { class: "search-form", data: { form: "add" } }, q, h("button", { class: "btn primary", attrs: { type: "submit" } }, t("search")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const query = q.value.trim();
    if (!query) return;
    replace(result, h("p", "hint", t("loading")));
    try {
      const p = await app.conn.call("searchUser", { query }, "profile");
      replace(result, profileCard(p, true));
    } catch (x) {
      replace(result, h("p", "empty", errorText(x)));
    }
  });
  const el = h(
    "div",
    { class: "pane", data: { screen: "add" } },
    header({ title: t("add_friend"), back: "/contacts" }),
    h(
      "div",
      "pane-body padded",
      form,
      result,
      section(
        null,
        row({ icon: icon(I.scan, 20), title: t("scan"), onClick: () => router.go("/discover/scan") }),
        row({ icon: icon(I.qr, 20), title: t("my_qr"), onClick: () => router.go("/me/qr") }),
      ),
    ),
  );
  return { el };
}

function profileCard(p: Profile, withAdd: boolean): HTMLElement {
  const st = app.store!;
  const isContact = st.contacts.has(key(p.id));
  const name = p.nickname || p.accountId;
  return h(
    "div",
    { class: "profile-card", data: { profile: p.accountId } },
    avatar(name, p.avatar, "l"),
    h("div", "profile-main", h("div", "profile-name", name), h("div", "profile-id", `${t("account_id")}: ${p.accountId}`), p.region ? h("div", "profile-sub", p.region) : null, p.signature ? h("div", "profile-sub", p.signature) : null),
    withAdd
      ? p.id === st.me
        ? h("p", "hint", t("this_is_you"))
        : isContact
          ? h("button", { class: "btn primary", attrs: { type: "button" }, on: { click: () => router.go(`/contacts/${p.id}`) } }, t("view_profile"))
          : h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "add" }, on: { click: () => void sendRequest(p.id, name) } }, t("add_to_contacts"))
      : null,
  );
}

// addLink: someone's personal QR code (/add/{id}). A stranger's profile is
// not visible before they are friends, nor whether the ID belongs to
// anyone (the server answers a request to someone hidden from discovery as
// it does for no one): the screen offers to send a request, without
// showing internal numbers.
export function addLink(user: bigint): View {
  const st = app.store!;
  if (user === st.me) queueMicrotask(() => router.go("/me/qr", true));
  else if (st.contacts.has(key(user))) queueMicrotask(() => router.go(`/contacts/${user}`, true));
  const p = st.users.get(key(user));
  const body = h("div", "pane-body padded");
  const el = h("div", { class: "pane", data: { screen: "add-link" } }, header({ title: t("add_friend"), back: "/contacts" }), body);
  const offer = (card: HTMLElement, hint: string, name: string) =>
    replace(body, card, h("p", "hint", hint), h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "add" }, on: { click: () => void sendRequest(user, name) } }, t("add_to_contacts")));
  if (p) offer(profileCard(p, false), t("add_link_hint"), p.nickname);
  else offer(h("div", "profile-card", avatar("?", undefined, "l"), h("div", "profile-main", h("div", "profile-name", t("user_hidden")), h("div", "profile-sub", t("user_hidden_hint")))), t("add_link_hint"), "");
  return { el };
}

// ---- a contact's card ----

export function contactCard(user: bigint): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "contact" } }, header({ title: t("profile"), back: "/contacts" }), body);
  const update = async (change: { remark?: string; description?: string; tags?: string[]; setTags?: boolean; starred?: boolean }) => {
    const c = await app.conn.call("updateContact", { user, ...change }, "contact");
    st.contacts.set(key(c.user), c);
    await st.putOne("contacts", c.user, c, "contacts");
  };
  const render = () => {
    const c = st.contacts.get(key(user));
    const p = c?.profile ?? st.users.get(key(user));
    if (!c) {
      replace(body, p ? profileCard(p, true) : empty(t("not_a_contact")));
      return;
    }
    const name = st.name(user);
    replace(
      body,
      h(
        "div",
        { class: "profile-card", data: { profile: p?.accountId ?? "" } },
        avatar(name, p?.avatar, "l"),
        h(
          "div",
          "profile-main",
          h("div", "profile-name", name, c.starred ? h("span", { class: "star", attrs: { "aria-label": t("starred") } }, " ★") : null),
          c.remark && p ? h("div", "profile-sub", `${t("nickname")}: ${p.nickname}`) : null,
          p ? h("div", "profile-id", `${t("account_id")}: ${p.accountId}`) : null,
          p?.region ? h("div", "profile-sub", `${t("region")}: ${p.region}`) : null,
          p?.signature ? h("div", "profile-sub", p.signature) : null,
        ),
      ),
      section(
        null,
        row({
          title: t("remark_and_tags"),
          sub: [c.remark, c.description, c.tags.join(", ")].filter(Boolean).join(" · "),
          data: { action: "remark" },
          onClick: async () => {
            const v = await ask(t("remark_and_tags"), [
              { name: "remark", label: t("remark"), value: c.remark, maxlength: 32 },
              { name: "description", label: t("description"), value: c.description, multiline: true, maxlength: 200 },
              { name: "tags", label: t("tags_hint"), value: c.tags.join(", ") },
            ]);
            if (!v) return;
            const tags = v.tags.split(/[,，]/).map((x) => x.trim()).filter(Boolean);
            await update({ remark: v.remark.trim(), description: v.description.trim(), tags, setTags: true }).catch(toastError);
          },
        }),
        toggleRow(t("star"), c.starred, (on) => update({ starred: on }), "starred"),
        toggleRow(t("block"), st.blocked.has(key(user)), async (on) => {
          await app.conn.done("block", { user, blocked: on });
          if (on) st.blocked.add(key(user));
          else st.blocked.delete(key(user));
          st.emit("contacts");
        }, "blocked"),
      ),
      section(null, row({ title: t("moments"), data: { action: "moments" }, onClick: () => router.go(`/discover/moments/u/${user}`) })),
      h(
        "div",
        "actions",
        h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "message" }, on: { click: () => router.go(`/chat/u/${user}`) } }, t("send_message")),
        h("button", {
          class: "btn danger wide",
          attrs: { type: "button" },
          data: { action: "delete" },
          on: {
            click: async () => {
              if (!(await confirmBox(t("delete_contact_confirm", name), t("delete"), true))) return;
              try {
                await app.conn.done("deleteContact", { user });
                st.contacts.delete(key(user));
                await st.db.del("contacts", key(user));
                st.emit("contacts");
                router.go("/contacts", true);
              } catch (e) {
                toastError(e);
              }
            },
          },
        }, t("delete_contact")),
      ),
    );
  };
  for (const tp of ["contacts", "users"]) scope.add(st.on(tp, render));
  render();
  return { el, dispose: () => scope.dispose() };
}

// ---- groups ----

export function groupsList(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "groups" } }, header({ title: t("group_chats"), back: "/contacts", actions: [iconButton(I.plus, t("new_group"), () => router.go("/contacts/groups/new"), "new-group-btn")] }), body);
  const render = () => {
    const gs = [...st.groups.values()].filter((g) => app.isGroupMember(g.id)).sort((a, b) => pinyin.compare(st.groupTitle(a.id), st.groupTitle(b.id)));
    replace(
      body,
      gs.length
        ? section(null, ...gs.map((g) => row({ icon: groupAvatar(st.groupTitle(g.id), g.avatar, st.groupFaces(g.id), "s"), title: st.groupTitle(g.id), sub: t("members_n", g.memberCount), onClick: () => router.go(`/chat/g/${g.id}`), data: { group: g.name } })))
        : empty(t("no_groups")),
    );
  };
  scope.add(st.on("groups", render));
  scope.add(st.on("members", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

export function createGroup(): View {
  const st = app.store!;
  const chosen = new Set<string>();
  const name = h("input", { attrs: { name: "name", placeholder: t("group_name_optional"), "aria-label": t("group_name"), maxlength: 64 } });
  const create = h("button", { class: "btn primary", attrs: { type: "button", "data-action": "create" }, props: { disabled: true } }, t("create"));
  const contacts = [...st.contacts.values()].filter((c) => c.user !== st.me).sort((a, b) => st.name(a.user).localeCompare(st.name(b.user), "zh"));
  const list = section(
    t("choose_members"),
    ...contacts.map((c) => {
      const box = h("input", { attrs: { type: "checkbox", "aria-label": st.name(c.user) } });
      box.addEventListener("change", () => {
        if (box.checked) chosen.add(key(c.user));
        else chosen.delete(key(c.user));
        create.disabled = chosen.size < 2;
        create.textContent = chosen.size ? `${t("create")} (${chosen.size})` : t("create");
      });
      return h("label", { class: "row", data: { contact: st.name(c.user) } }, box, h("span", "row-icon", avatar(st.name(c.user), c.profile?.avatar, "s")), h("span", "row-main", h("span", "row-title", st.name(c.user))));
    }),
  );
  create.addEventListener("click", () =>
    busy(create, async () => {
      const members = contacts.filter((c) => chosen.has(key(c.user))).map((c) => c.user);
      const g = await app.conn.call("createGroup", { name: name.value.trim(), members }, "group");
      st.groups.set(key(g.id), g);
      await st.putOne("groups", g.id, g, "groups");
      router.go(`/chat/g/${g.id}`, true);
    }),
  );
  const el = h(
    "div",
    { class: "pane", data: { screen: "group-new" } },
    header({ title: t("new_group"), back: "/contacts/groups", actions: [create] }),
    h("div", "pane-body", h("div", "padded", name, h("p", "hint", t("group_min_members"))), contacts.length ? list : empty(t("no_contacts"))),
  );
  return { el };
}

export function invitations(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "invitations" } }, header({ title: t("group_invitations"), back: "/contacts" }), body);
  const stateText = (s: InvitationState) => ({ [InvitationState.APPROVAL]: t("inv_approval"), [InvitationState.INVITED]: t("inv_invited"), [InvitationState.JOINED]: t("inv_joined"), [InvitationState.DECLINED]: t("inv_declined") })[s] ?? "";
  const render = () => {
    const list = [...st.invitations.values()].sort((a, b) => Number(b.time - a.time));
    if (!list.length) return replace(body, empty(t("no_invitations")));
    replace(
      body,
      section(
        null,
        ...list.map((i) => {
          const actionable = i.state === InvitationState.APPROVAL ? i.invitee !== st.me : i.state === InvitationState.INVITED && i.invitee === st.me;
          const who = i.invitee === st.me ? t("inv_you_by", st.name(i.inviter)) : t("inv_x_by_y", st.name(i.invitee), st.name(i.inviter));
          return row({
            icon: avatar(i.groupName, undefined, "s"),
            title: i.groupName || `#${i.group}`,
            sub: `${who} · ${stateText(i.state)}`,
            data: { invitation: i.groupName },
            right: actionable
              ? h(
                  "span",
                  "row-buttons",
                  h("button", { class: "btn primary small", attrs: { type: "button" }, data: { action: "accept" }, on: { click: (e) => void answerInv(e, i.id, true) } }, i.state === InvitationState.APPROVAL ? t("approve") : t("accept")),
                  h("button", { class: "btn small", attrs: { type: "button" }, data: { action: "decline" }, on: { click: (e) => void answerInv(e, i.id, false) } }, t("decline")),
                )
              : undefined,
          });
        }),
      ),
    );
  };
  const answerInv = (e: Event, id: bigint, accept: boolean) =>
    busy(e.currentTarget as HTMLButtonElement, async () => {
      const r = await app.conn.call("answerInvitation", { invitation: id, accept }, "groupInvitation");
      st.invitations.set(key(r.id), r);
      await st.putOne("invitations", r.id, r, "invitations");
      void app.refresh(true);
    });
  scope.add(st.on("invitations", render));
  scope.add(st.on("contacts", render));
  render();
  void app.conn
    .call("groupInvitations", {}, "groupInvitations")
    .then((l) => st.setList("invitations", st.invitations, l.invitations, (x) => x.id))
    .catch(() => {});
  return { el, dispose: () => scope.dispose() };
}

// joinByLink: a group's QR code (/join/{code}).
export function joinByLink(code: string): View {
  const st = app.store!;
  const btn = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "join" } }, t("join_group"));
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  btn.addEventListener("click", () =>
    busy(btn, async () => {
      const f = await app.conn.raw("joinGroup", { code });
      if (f.body.case === "group") {
        const g = f.body.value;
        st.groups.set(key(g.id), g);
        await st.putOne("groups", g.id, g, "groups");
        router.go(`/chat/g/${g.id}`, true);
      } else if (f.body.case === "groupInvitation") {
        status.textContent = t("join_waiting");
      } else status.textContent = t("join_requested");
    }),
  );
  const el = h("div", { class: "pane", data: { screen: "join" } }, header({ title: t("join_group"), back: "/contacts" }), h("div", "pane-body padded", h("p", null, t("join_hint")), btn, status));
  return { el };
}
