// The signed-in layout. Phone: one column, bottom tabs Chats / Contacts /
// Discover / Me, a detail screen covers the list. Desktop: a sidebar with
// the tabs, the tab's list, and the detail screen beside it.
import { h, icon, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { router, type Route, type Tab } from "../lib/router";
import { Scope } from "../lib/events";
import { I } from "./icons";
import { badge, placeholder } from "./widgets";
import { chatList } from "./chatlist";
import { contactsList } from "./contacts";
import { discoverList } from "./discover";
import { meList } from "./me";
import { detailView } from "./views";
import { startAlerts } from "./alerts";
import { startCalls } from "./call";
import { startGroupCalls } from "./groupcall";

export interface View {
  el: HTMLElement;
  dispose?: () => void;
}

const lists: Record<Tab, () => View> = { chats: chatList, contacts: contactsList, discover: discoverList, me: meList };

export function shell(): View {
  const scope = new Scope();
  const nav = h("nav", { class: "tabs", attrs: { "aria-label": t("main_nav") } });
  const listPane = h("section", "list-pane");
  const detail = h("main", "detail-pane");
  const status = h("div", { class: "conn-status", attrs: { role: "status" } });
  // The connection banner sits above the panes, never over their headers.
  const root = h("div", { class: "app", data: { screen: "app" } }, nav, h("div", "main-col", status, h("div", "panes", listPane, detail)));
  let listView: View | undefined;
  let listTab: Tab | undefined;
  let detailV: View | undefined;

  const renderNav = () => {
    const st = app.store!;
    let unread = 0;
    for (const c of st.convs.values()) if (!c.muted) unread += c.unread;
    const mutedUnread = [...st.convs.values()].some((c) => c.muted && c.unread > 0);
    const requests = [...st.requests.values()].filter((r) => r.state === 0 && r.to === st.me).length;
    const invites = [...st.invitations.values()].filter((i) => i.state === 0 || (i.state === 1 && i.invitee === st.me)).length;
    const tabs: [Tab, string, string, HTMLElement | null][] = [
      ["chats", I.chats, t("tab_chats"), badge(unread) ?? badge(mutedUnread ? 1 : 0, true)],
      ["contacts", I.contacts, t("tab_contacts"), badge(requests + invites, false, t("new_n", requests + invites))],
      ["discover", I.discover, t("tab_discover"), badge(st.momentsUnread, true, t("mo_new_messages", st.momentsUnread))],
      ["me", I.me, t("tab_me"), null],
    ];
    replace(
      nav,
      ...tabs.map(([tab, d, label, b]) =>
        h(
          "button",
          { class: `tab ${router.route.tab === tab ? "on" : ""}`, attrs: { type: "button", "aria-current": router.route.tab === tab ? "page" : undefined }, data: { tab }, on: { click: () => router.go(tab === "chats" ? "/" : `/${tab}`) } },
          h("span", "tab-icon", icon(d), b),
          h("span", "tab-label", label),
        ),
      ),
    );
    document.title = unread ? `(${unread}) ${t("app_name")}` : t("app_name");
  };

  const renderStatus = () => {
    const s = app.conn.state;
    const live = app.conn.setupDone && app.sync?.live;
    status.textContent = s === "offline" ? t("offline") : !live ? t("connecting") : "";
    status.classList.toggle("on", !!status.textContent);
  };

  const render = (r: Route) => {
    if (listTab !== r.tab) {
      listView?.dispose?.();
      listView = lists[r.tab]();
      listTab = r.tab;
      replace(listPane, listView.el);
    }
    detailV?.dispose?.();
    detailV = r.view ? detailView(r) : { el: placeholder(t("welcome")) };
    replace(detail, detailV.el);
    root.classList.toggle("has-detail", !!r.view);
    renderNav();
  };

  scope.add(router.on("route", (r) => render(r as Route)));
  for (const topic of ["convs", "requests", "invitations", "moments"]) scope.add(app.store!.on(topic, renderNav));
  scope.add(app.conn.on("state", renderStatus));
  scope.add(app.conn.on("ready", renderStatus));
  scope.add(app.store!.on("live", renderStatus));
  scope.add(startAlerts());
  scope.add(startCalls());
  scope.add(startGroupCalls());
  render(router.route);
  renderStatus();
  return {
    el: root,
    dispose: () => {
      scope.dispose();
      listView?.dispose?.();
      detailV?.dispose?.();
    },
  };
}
