// Chat settings: a one-to-one chat's info (mute, pin, clear) and a group's
// info (members, invite/remove, roles, name, announcement, my nickname,
// mute, QR code, approval, mute all, transfer, leave, dissolve).
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { key } from "../lib/store";
import { GroupRole, type ConversationState, type Group, type GroupMember } from "../lib/proto";
import { setConv } from "./chatlist";
import { askBirthday } from "./assistant";
import { ask, avatar, busy, confirmBox, empty, groupAvatar, header, modal, row, section, sheet, toast, toastError, toggleRow } from "./widgets";
import { pickContacts } from "./pickers";
import type { View } from "./shell";

function convRows(c: ConversationState | undefined): HTMLElement[] {
  if (!c) return [];
  return [
    toggleRow(t("mute_notifications"), c.muted, (on) => setConv(c, { muted: on }), "muted"),
    toggleRow(t("pin_chat"), c.pinned, (on) => setConv(c, { pinned: on }), "pinned"),
  ];
}

async function clearChat(c: ConversationState | undefined): Promise<void> {
  if (!c) return;
  if (!(await confirmBox(t("clear_chat_confirm"), t("clear"), true))) return;
  await setConv(c, { clear: true });
  toast(t("cleared"));
}

async function exportChat(c: ConversationState | undefined): Promise<void> {
  if (!c) return;
  try {
    const r = await app.conn.call("export", { conversation: c.conversation }, "export");
    const res = await fetch(`/export/${encodeURIComponent(r.id)}`, { headers: { Authorization: `Bearer ${app.session!.token}` } });
    if (!res.ok) throw new Error(`export ${res.status}`);
    const url = URL.createObjectURL(await res.blob());
    const a = h("a", { attrs: { href: url, download: `hongyan-chat-${c.conversation}.zip` } });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (e) {
    toastError(e);
  }
}

export function chatInfo(peer: bigint): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "chat-info" } }, header({ title: t("chat_info"), back: `/chat/u/${peer}` }), body);
  const render = () => {
    const c = st.convByPeer(peer);
    const name = st.name(peer);
    replace(
      body,
      section(null, row({ icon: avatar(name, st.profileOf(peer)?.avatar, "s"), title: name, onClick: () => router.go(peer === st.me ? "/me/profile" : `/contacts/${peer}`) })),
      section(null, ...convRows(c)),
      section(
        null,
        row({ title: t("search_in_chat"), onClick: () => router.go(`/chat/u/${peer}/search`), data: { action: "search-chat" } }),
        row({ title: t("export_chat"), onClick: () => void exportChat(c) }),
        row({ title: t("clear_chat"), cls: "danger", onClick: () => void clearChat(c), data: { action: "clear" } }),
      ),
    );
  };
  scope.add(st.on("convs", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

const roleName = (r: GroupRole) => (r === GroupRole.OWNER ? t("role_owner") : r === GroupRole.ADMIN ? t("role_admin") : "");

async function loadMembers(group: bigint): Promise<GroupMember[]> {
  const st = app.store!;
  await app.loadMembers(group);
  return st.members.get(key(group)) ?? [];
}

async function updateGroup(group: bigint, change: { name?: string; announcement?: string; approval?: boolean; mutedAll?: boolean }): Promise<void> {
  const g = await app.conn.call("updateGroup", { group, ...change }, "group");
  await putGroup(g);
}

async function putGroup(g: Group): Promise<void> {
  const st = app.store!;
  st.groups.set(key(g.id), g);
  await st.putOne("groups", g.id, g, "groups");
}

export function groupInfo(group: bigint): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "group-info" } }, header({ title: t("group_info"), back: `/chat/g/${group}` }), body);
  let members = st.members.get(key(group)) ?? [];

  const render = () => {
    const g = st.groups.get(key(group));
    const c = st.convs.get(key(group));
    if (!g) return replace(body, empty(t("group_not_found")));
    const member = app.isGroupMember(group);
    const owner = g.role === GroupRole.OWNER;
    const admin = g.role !== GroupRole.MEMBER;
    const grid = h(
      "div",
      { class: "member-grid", data: { members: String(members.length) } },
      ...members.slice(0, 19).map((m) => {
        const name = st.name(m.user, group);
        return h("button", { class: "member", attrs: { type: "button" }, data: { member: name }, on: { click: () => memberMenu(g, m) } }, avatar(name, m.profile?.avatar), h("span", "member-name", name), m.role ? h("span", "member-role", roleName(m.role)) : null);
      }),
      member ? h("button", { class: "member add", attrs: { type: "button", "aria-label": t("invite") }, data: { action: "invite" }, on: { click: () => void invite(g) } }, h("span", "avatar m plus", "+"), h("span", "member-name", t("invite"))) : null,
    );
    replace(
      body,
      h("div", "group-head", groupAvatar(st.groupTitle(group), g.avatar, st.groupFaces(group), "l"), h("div", "profile-main", h("div", { class: "profile-name", data: { groupName: "" } }, st.groupTitle(group)), h("div", "profile-sub", t("members_n", g.memberCount)))),
      section(null, grid, row({ title: t("all_members"), right: String(g.memberCount), onClick: () => router.go(`/chat/g/${group}/members`) })),
      member
        ? section(
            null,
            row({ title: t("group_name"), right: g.name, data: { action: "rename" }, onClick: async () => {
              if (!admin && g.approval) return toast(t("only_admins"));
              const v = await ask(t("group_name"), [{ name: "name", label: t("group_name"), value: g.name, maxlength: 64 }]);
              if (v) await updateGroup(group, { name: v.name.trim() }).catch(toastError);
            } }),
            row({ title: t("announcement"), sub: g.announcement ? `${g.announcement}${g.announcementTime ? " · " + formatTime(Number(g.announcementTime)) : ""}` : t("none"), data: { action: "announcement" }, onClick: async () => {
              if (!admin) return g.announcement ? modal(h("div", "dialog-form", h("h2", null, t("announcement")), h("p", "pre", g.announcement))) : undefined;
              const v = await ask(t("announcement"), [{ name: "text", label: t("announcement"), value: g.announcement, multiline: true, maxlength: 2000 }]);
              if (v) await updateGroup(group, { announcement: v.text }).catch(toastError);
            } }),
            row({ title: t("group_qr"), data: { action: "group-qr" }, onClick: () => void showGroupQr(g) }),
            row({ title: t("ga_title"), sub: [t("ga_tab_announce"), t("ga_tab_polls"), t("ga_tab_events"), t("ga_tab_checkin"), t("ga_tab_homework")].join(t("list_sep")), data: { action: "group-apps" }, onClick: () => router.go(`/chat/g/${group}/apps`) }),
            row({ title: t("gb_title"), data: { action: "group-book" }, onClick: () => router.go(`/chat/g/${group}/book`) }),
            row({ title: t("as_birthday"), data: { action: "assistant-birthday" }, onClick: () => void askBirthday(group) }),
            admin ? row({ title: t("group_avatar"), right: avatar(g.name, g.avatar, "s"), data: { action: "group-avatar" }, onClick: () => pickGroupAvatar(g) }) : null,
            row({ title: t("my_group_nickname"), right: g.nickname || t("not_set"), data: { action: "nickname" }, onClick: async () => {
              const v = await ask(t("my_group_nickname"), [{ name: "nickname", label: t("my_group_nickname"), value: g.nickname, maxlength: 32 }]);
              if (!v) return;
              try {
                await putGroup(await app.conn.call("myGroupSettings", { group, nickname: v.nickname.trim() }, "group"));
                members = await loadMembers(group);
                render();
              } catch (e) {
                toastError(e);
              }
            } }),
          )
        : null,
      section(
        null,
        ...convRows(c),
        member ? toggleRow(t("save_to_contacts"), g.saved, async (on) => putGroup(await app.conn.call("myGroupSettings", { group, saved: on }, "group")), "saved") : null,
        member ? toggleRow(t("show_nicknames"), g.showNicknames, async (on) => putGroup(await app.conn.call("myGroupSettings", { group, showNicknames: on }, "group")), "show_nicknames") : null,
      ),
      member && admin
        ? section(
            t("group_management"),
            owner ? toggleRow(t("invite_approval"), g.approval, (on) => updateGroup(group, { approval: on }), "approval") : null,
            toggleRow(t("mute_all"), g.mutedAll, (on) => updateGroup(group, { mutedAll: on }), "muted_all"),
            owner ? row({ title: t("transfer_owner"), onClick: () => void transfer(g) }) : null,
            owner ? row({ title: t("lc_title"), data: { action: "livecodes" }, onClick: () => router.go(`/chat/g/${group}/livecodes`) }) : null,
            owner ? row({ title: t("ba_list_title"), data: { action: "group-bots" }, onClick: () => router.go(`/chat/g/${group}/bots`) }) : null,
            row({ title: t("gd_title"), data: { action: "guard" }, onClick: () => router.go(`/chat/g/${group}/guard`) }),
            row({ title: t("as_title"), data: { action: "assistant" }, onClick: () => router.go(`/chat/g/${group}/assistant`) }),
          )
        : null,
      section(
        null,
        row({ title: t("search_in_chat"), onClick: () => router.go(`/chat/g/${group}/search`), data: { action: "search-chat" } }),
        row({ title: t("export_chat"), onClick: () => void exportChat(c) }),
        row({ title: t("clear_chat"), cls: "danger", onClick: () => void clearChat(c) }),
        member ? row({ title: t("leave_group"), cls: "danger", data: { action: "leave" }, onClick: () => void leave(g) }) : null,
        member && owner ? row({ title: t("dissolve_group"), cls: "danger", onClick: () => void dissolve(g) }) : null,
      ),
    );
  };

  const invite = async (g: Group) => {
    const who = await pickContacts(t("invite"), members.map((m) => m.user), 1);
    if (!who) return;
    try {
      await putGroup(await app.conn.call("inviteGroup", { group: g.id, users: who }, "group"));
      members = await loadMembers(group);
      toast(g.approval && g.role === GroupRole.MEMBER ? t("invite_waits_approval") : t("invited"));
      render();
    } catch (e) {
      toastError(e);
    }
  };

  const memberMenu = (g: Group, m: GroupMember) => memberActions(g, m, async () => ((members = await loadMembers(group)), render()));

  const transfer = async (g: Group) => {
    const others = members.filter((m) => m.user !== st.me);
    sheet(others.map((m) => [st.name(m.user, group), async () => {
      if (!(await confirmBox(t("transfer_confirm", st.name(m.user, group))))) return;
      try {
        await putGroup(await app.conn.call("transferGroup", { group: g.id, user: m.user }, "group"));
        members = await loadMembers(group);
        render();
      } catch (e) {
        toastError(e);
      }
    }]), t("transfer_owner"));
  };

  const leave = async (g: Group) => {
    if (!(await confirmBox(t("leave_confirm"), t("leave_group"), true))) return;
    try {
      await app.conn.raw("leaveGroup", { group: g.id });
      st.leftGroups.add(key(g.id));
      st.emit("groups");
      router.go("/", true);
    } catch (e) {
      toastError(e);
    }
  };

  const dissolve = async (g: Group) => {
    if (!(await confirmBox(t("dissolve_confirm"), t("dissolve_group"), true))) return;
    try {
      await app.conn.raw("dissolveGroup", { group: g.id });
      router.go("/", true);
    } catch (e) {
      toastError(e);
    }
  };

  for (const tp of ["groups", "convs", "contacts", "users"]) scope.add(st.on(tp, render));
  render();
  loadMembers(group).then((ms) => ((members = ms), render()), () => {});
  return { el, dispose: () => scope.dispose() };
}

// memberActions: what the viewer may do to a member.
function memberActions(g: Group, m: GroupMember, after: () => Promise<void>): void {
  const st = app.store!;
  const me = g.role;
  const name = st.name(m.user, g.id);
  const act = (fn: () => Promise<unknown>) => async () => {
    try {
      await fn();
      await after();
    } catch (e) {
      toastError(e);
    }
  };
  const canManage = m.user !== st.me && (me === GroupRole.OWNER || (me === GroupRole.ADMIN && m.role === GroupRole.MEMBER));
  sheet(
    [
      [t("view_profile"), () => router.go(m.user === st.me ? "/me/profile" : `/contacts/${m.user}`)],
      me === GroupRole.OWNER && m.user !== st.me ? [m.role === GroupRole.ADMIN ? t("remove_admin") : t("make_admin"), act(() => app.conn.call("updateMember", { group: g.id, user: m.user, admin: m.role !== GroupRole.ADMIN }, "group").then(putGroup))] : null,
      canManage ? [m.muted ? t("unmute_member") : t("mute_member"), act(() => app.conn.call("updateMember", { group: g.id, user: m.user, muted: !m.muted }, "group").then(putGroup))] : null,
      canManage ? [t("remove_member"), act(async () => {
        if (await confirmBox(t("remove_confirm", name), t("remove_member"), true)) await putGroup(await app.conn.call("removeMembers", { group: g.id, users: [m.user] }, "group"));
      }), true] : null,
    ],
    name,
  );
}

function pickGroupAvatar(g: Group): void {
  const file = h("input", { attrs: { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp" } });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (!f) return;
    if (f.size > 1 << 20) return toast(t("avatar_too_large"), "error");
    try {
      await putGroup(await app.conn.call("setGroupAvatar", { group: g.id, image: new Uint8Array(await f.arrayBuffer()) }, "group"));
    } catch (e) {
      toastError(e);
    }
  });
  file.click();
}

async function showGroupQr(g: Group): Promise<void> {
  try {
    const q = await app.conn.call("groupQr", { group: g.id }, "groupQr");
    const box = h(
      "div",
      { class: "dialog-form qr-box", data: { groupQr: q.url } },
      h("h2", null, g.name),
      h("img", { class: "qr-img", attrs: { src: `/qr/group/${encodeURIComponent(q.code)}.svg`, alt: t("group_qr"), width: 240, height: 240 } }),
      h("p", "hint", t("group_qr_hint", formatTime(Number(q.expires), true))),
      h("code", "qr-url", q.url),
      g.role === GroupRole.OWNER
        ? h("button", { class: "btn", attrs: { type: "button" }, on: { click: async (e) => { await busy(e.currentTarget as HTMLButtonElement, () => app.conn.call("groupQr", { group: g.id, reset: true }, "groupQr")); close(); void showGroupQr(g); } } }, t("reset_qr"))
        : null,
    );
    const close = modal(box);
  } catch (e) {
    toastError(e);
  }
}

export function groupMembers(group: bigint): View {
  const st = app.store!;
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "group-members" } }, header({ title: t("all_members"), back: `/chat/g/${group}/info` }), body);
  const render = (ms: GroupMember[]) => {
    const g = st.groups.get(key(group));
    replace(
      body,
      section(
        null,
        ...ms.map((m) =>
          row({
            icon: avatar(st.name(m.user, group), m.profile?.avatar, "s"),
            title: st.name(m.user, group),
            sub: [roleName(m.role), m.muted ? t("muted") : ""].filter(Boolean).join(" · "),
            data: { member: st.name(m.user, group) },
            onClick: () => g && memberActions(g, m, async () => render(await loadMembers(group))),
          }),
        ),
      ),
    );
  };
  render(st.members.get(key(group)) ?? []);
  loadMembers(group).then(render, toastError);
  return { el };
}
