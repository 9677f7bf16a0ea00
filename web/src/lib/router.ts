// Client routes (History API). The server answers every one of them with
// index.html (internal/webui keeps the same list of prefixes).
import { Emitter } from "./events";

export type Tab = "chats" | "contacts" | "discover" | "me";

export interface Route {
  path: string;
  tab: Tab;
  // The detail view and its parameters ("" when only the tab's list shows).
  view: string;
  params: string[];
}

const patterns: [RegExp, Tab, string][] = [
  [/^\/chat\/u\/(\d+)$/, "chats", "chat-user"],
  [/^\/chat\/g\/(\d+)$/, "chats", "chat-group"],
  [/^\/chat\/u\/(\d+)\/m\/(\d+)$/, "chats", "chat-user"],
  [/^\/chat\/g\/(\d+)\/m\/(\d+)$/, "chats", "chat-group"],
  [/^\/chat\/([ug])\/(\d+)\/search$/, "chats", "chat-search"],
  [/^\/chat\/u\/(\d+)\/info$/, "chats", "chat-info"],
  [/^\/chat\/g\/(\d+)\/info$/, "chats", "group-info"],
  [/^\/chat\/g\/(\d+)\/members$/, "chats", "group-members"],
  [/^\/chat\/g\/(\d+)\/book$/, "chats", "group-book"],
  [/^\/chat\/g\/(\d+)\/livecodes$/, "chats", "group-livecodes"],
  [/^\/chat\/g\/(\d+)\/bots$/, "chats", "group-bots"],
  [/^\/chat\/g\/(\d+)\/guard$/, "chats", "group-guard"],
  [/^\/chat\/g\/(\d+)\/assistant$/, "chats", "group-assistant"],
  [/^\/livecode\/(\d+)$/, "chats", "livecode"],
  [/^\/chat\/g\/(\d+)\/apps(?:\/(polls|checkin|homework|announce|events|files|album))?$/, "chats", "group-apps"],
  [/^\/contacts\/new$/, "contacts", "requests"],
  [/^\/contacts\/add$/, "contacts", "add"],
  [/^\/contacts\/groups$/, "contacts", "groups"],
  [/^\/contacts\/common$/, "contacts", "common-members"],
  [/^\/contacts\/groups\/new$/, "contacts", "group-new"],
  [/^\/contacts\/invitations$/, "contacts", "invitations"],
  [/^\/contacts\/phonebook$/, "contacts", "phonebook"],
  [/^\/contacts\/(\d+)$/, "contacts", "contact"],
  [/^\/discover\/search$/, "discover", "search"],
  [/^\/discover\/favorites$/, "discover", "favorites"],
  [/^\/discover\/oa$/, "discover", "oa-home"],
  [/^\/oa\/subscriptions$/, "chats", "oa-subscriptions"],
  [/^\/oa\/console$/, "discover", "oa-console"],
  [/^\/oa\/console\/(\d+)$/, "discover", "oa-console-account"],
  [/^\/oa\/article\/(\d+)$/, "discover", "oa-article"],
  [/^\/oa\/(\d+)$/, "discover", "oa-profile"],
  [/^\/oa\/(\d+)\/chat$/, "chats", "oa-chat"],
  [/^\/oa\/(\d+)\/forum$/, "discover", "oa-forum"],
  [/^\/oa\/forum\/(\d+)$/, "discover", "oa-forum-post"],
  [/^\/q\/([A-Za-z0-9_-]{1,128})$/, "discover", "oa-scan"],
  [/^\/discover\/moments$/, "discover", "moments"],
  [/^\/discover\/moments\/new$/, "discover", "moment-new"],
  [/^\/discover\/moments\/notifications$/, "discover", "moment-notifications"],
  [/^\/discover\/moments\/settings$/, "discover", "moment-settings"],
  [/^\/discover\/moments\/search$/, "discover", "moment-search"],
  [/^\/discover\/moments\/p\/(\d+)$/, "discover", "moment-post"],
  [/^\/discover\/moments\/u\/(\d+)$/, "discover", "moment-album"],
  [/^\/discover\/broadcast$/, "discover", "broadcast"],
  [/^\/discover\/tag-broadcast$/, "discover", "tag-broadcast"],
  [/^\/discover\/scan$/, "discover", "scan"],
  [/^\/discover\/nearby$/, "discover", "nearby"],
  [/^\/discover\/shake$/, "discover", "shake"],
  [/^\/discover\/bottles$/, "discover", "bottles"],
  [/^\/discover\/bottles\/(\d+)$/, "discover", "bottle"],
  [/^\/me\/profile$/, "me", "profile"],
  [/^\/me\/qr$/, "me", "myqr"],
  [/^\/me\/devices$/, "me", "devices"],
  [/^\/me\/privacy$/, "me", "privacy"],
  [/^\/me\/password$/, "me", "password"],
  [/^\/me\/delete-account$/, "me", "delete-account"],
  [/^\/me\/language$/, "me", "language"],
  [/^\/me\/notifications$/, "me", "notifications"],
  [/^\/me\/wallet$/, "me", "wallet"],
  [/^\/me\/bots$/, "me", "bots"],
  [/^\/me\/bots\/(\d+)$/, "me", "bot"],
  [/^\/add\/(\d+)$/, "contacts", "add-link"],
  [/^\/qr-login\/([A-Za-z0-9_-]{1,64})$/, "me", "qr-confirm"],
  [/^\/join\/([A-Za-z0-9_-]{1,64})$/, "contacts", "join"],
  [/^\/l\/([A-Z2-7]{1,64})$/, "contacts", "livecode-join"],
];

const tabs: Record<string, Tab> = { "/": "chats", "/chats": "chats", "/contacts": "contacts", "/discover": "discover", "/me": "me" };

export function parse(path: string): Route {
  if (tabs[path]) return { path, tab: tabs[path], view: "", params: [] };
  for (const [re, tab, view] of patterns) {
    const m = re.exec(path);
    if (m) return { path, tab, view, params: m.slice(1) };
  }
  return { path: "/", tab: "chats", view: "", params: [] };
}

class Router extends Emitter {
  route: Route = parse(location.pathname);

  constructor() {
    super();
    addEventListener("popstate", () => this.set(location.pathname));
  }

  private depth = 0;

  go(path: string, replace = false): void {
    if (path === location.pathname) return;
    if (replace) history.replaceState(null, "", path);
    else {
      history.pushState(null, "", path);
      this.depth++;
    }
    this.set(path);
  }

  // back returns to the previous screen of this app, or to fallback when
  // the app was opened on this one.
  back(fallback: string): void {
    if (this.depth > 0) {
      this.depth--;
      history.back();
    } else this.go(fallback, true);
  }

  private set(path: string): void {
    this.route = parse(path);
    this.emit("route", this.route);
  }
}

export const router = new Router();

// linkPath turns a scanned code or pasted link into a route of this client
// when it is one of ours (/add/, /qr-login/, /join/, /l/, a Moments post), on
// this host or any.
export function linkPath(text: string): string | undefined {
  const s = text.trim();
  let path = s;
  try {
    path = new URL(s, location.origin).pathname;
  } catch {
    return undefined;
  }
  const r = parse(path);
  return ["add-link", "qr-confirm", "join", "livecode-join", "moment-post"].includes(r.view) ? path : undefined;
}

// momentLink turns the link of a Moments post (forwarded into a chat, or
// saved to favorites) into its route on this host, or undefined.
export function momentLink(url: string): string | undefined {
  try {
    const u = new URL(url, location.origin);
    if (u.origin !== location.origin) return undefined;
    return parse(u.pathname).view === "moment-post" ? u.pathname : undefined;
  } catch {
    return undefined;
  }
}
