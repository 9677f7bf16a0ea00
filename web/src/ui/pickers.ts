// Choosers: a chat to forward to, contacts to add, a member to mention.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { key } from "../lib/store";
import type { GroupMember } from "../lib/proto";
import { avatar, groupAvatar, modal } from "./widgets";

export interface Target {
  peer: bigint;
  group: bigint;
  title: string;
}

// pickTarget: recent chats first, then contacts.
export function pickTarget(title = t("forward_to")): Promise<Target | null> {
  const st = app.store!;
  return new Promise((resolve) => {
    let chosen: Target | null = null;
    const seen = new Set<string>();
    const targets: Target[] = [];
    for (const c of st.sortedConvs()) {
      if (c.group && !app.isGroupMember(c.group)) continue;
      const tg = { peer: c.group ? 0n : c.peer, group: c.group, title: st.convTitle(c) };
      seen.add(c.group ? `g${c.group}` : `u${c.peer}`);
      targets.push(tg);
    }
    for (const c of st.contacts.values()) if (!seen.has(`u${c.user}`)) targets.push({ peer: c.user, group: 0n, title: st.name(c.user) });
    const filter = h("input", { attrs: { type: "search", placeholder: t("search"), "aria-label": t("search") } });
    const list = h("div", "pick-list");
    const render = () => {
      const q = filter.value.trim().toLowerCase();
      replace(
        list,
        ...targets
          .filter((x) => !q || x.title.toLowerCase().includes(q))
          .map((x) =>
            h(
              "button",
              { class: "row", attrs: { type: "button" }, data: { target: x.title }, on: { click: () => ((chosen = x), close()) } },
              h("span", "row-icon", x.group ? groupAvatar(x.title, st.groups.get(key(x.group))?.avatar, st.groupFaces(x.group), "s") : avatar(x.title, st.profileOf(x.peer)?.avatar, "s")),
              h("span", "row-main", h("span", "row-title", x.title)),
            ),
          ),
      );
    };
    filter.addEventListener("input", render);
    render();
    const close = modal(h("div", "picker", h("h2", null, title), filter, list), { onClose: () => resolve(chosen) });
  });
}

// pickContacts: choose several contacts (group members, broadcast).
export function pickContacts(title: string, exclude: bigint[] = [], min = 1): Promise<bigint[] | null> {
  const st = app.store!;
  return new Promise((resolve) => {
    let result: bigint[] | null = null;
    const chosen = new Set<string>();
    const ok = h("button", { class: "btn primary", attrs: { type: "button" }, props: { disabled: true } }, t("done"));
    const ex = new Set(exclude.map(key));
    const contacts = [...st.contacts.values()].filter((c) => !ex.has(key(c.user)) && c.user !== st.me).sort((a, b) => st.name(a.user).localeCompare(st.name(b.user)));
    const list = h(
      "div",
      "pick-list",
      ...contacts.map((c) => {
        const box = h("input", { attrs: { type: "checkbox", "aria-label": st.name(c.user) } });
        box.addEventListener("change", () => {
          if (box.checked) chosen.add(key(c.user));
          else chosen.delete(key(c.user));
          ok.disabled = chosen.size < min;
          ok.textContent = chosen.size ? `${t("done")} (${chosen.size})` : t("done");
        });
        return h("label", { class: "row", data: { contact: st.name(c.user) } }, box, h("span", "row-icon", avatar(st.name(c.user), c.profile?.avatar, "s")), h("span", "row-main", h("span", "row-title", st.name(c.user))));
      }),
    );
    if (!contacts.length) list.appendChild(h("p", "empty", t("no_contacts")));
    ok.addEventListener("click", () => {
      result = contacts.filter((c) => chosen.has(key(c.user))).map((c) => c.user);
      close();
    });
    const close = modal(h("div", "picker", h("h2", null, title), list, h("div", "dialog-actions", ok)), { onClose: () => resolve(result) });
  });
}

// pickMember: someone to @mention (or everyone, for owners and admins).
export function pickMember(group: bigint, members: GroupMember[], canAll: boolean): Promise<GroupMember | "all" | null> {
  const st = app.store!;
  return new Promise((resolve) => {
    let chosen: GroupMember | "all" | null = null;
    const list = h(
      "div",
      "pick-list",
      canAll ? h("button", { class: "row", attrs: { type: "button" }, data: { member: "all" }, on: { click: () => ((chosen = "all"), close()) } }, h("span", "row-main", h("span", "row-title", t("mention_all")))) : null,
      ...members
        .filter((m) => m.user !== st.me)
        .map((m) =>
          h(
            "button",
            { class: "row", attrs: { type: "button" }, data: { member: st.name(m.user, group) }, on: { click: () => ((chosen = m), close()) } },
            h("span", "row-icon", avatar(st.name(m.user, group), m.profile?.avatar, "s")),
            h("span", "row-main", h("span", "row-title", st.name(m.user, group))),
          ),
        ),
    );
    const close = modal(h("div", "picker", h("h2", null, t("mention_who")), list), { onClose: () => resolve(chosen) });
  });
}
