// The local state of the signed-in user: what the chat list, contacts and
// chat screens show. It is kept in memory and in IndexedDB, so reopening the
// app shows everything at once, before the network answers. The sync feed
// (sync.ts) changes it only through applyChanges, which writes the entries
// and the new cursor in one transaction.
import { DB, type StoreName } from "./db";
import type { Call } from "../gen/hongyan/v1/call_pb.js";
import { t } from "./i18n";
import { Emitter } from "./events";
import {
  create,
  MessageKind,
  ConversationStateSchema,
  type Change,
  type Contact,
  type ConversationState,
  type Device,
  type Favorite,
  type FriendRequest,
  type Group,
  type GroupInvitation,
  type GroupMember,
  type Message,
  type Profile,
} from "./proto";

export interface MsgRec {
  c: number;
  s: number;
  m: Message;
}

export const key = (x: bigint | number): string => String(x);
const msgKey = (c: bigint | number, s: bigint | number): [number, number] => [Number(c), Number(s)];

// An own message pushed back in compact form (id, conversation, seq,
// client_id only).
export function isCompact(m: Message): boolean {
  return m.sender === 0n && m.time === 0n && m.clientId !== "";
}

export class Store extends Emitter {
  cursor = 0n;
  profile?: Profile;
  convs = new Map<string, ConversationState>();
  contacts = new Map<string, Contact>();
  requests = new Map<string, FriendRequest>();
  groups = new Map<string, Group>();
  leftGroups = new Set<string>();
  invitations = new Map<string, GroupInvitation>();
  users = new Map<string, Profile>();
  favorites = new Map<string, Favorite>();
  // Unread Moments notifications (from the change log and the last read).
  momentsUnread = 0;
  // momentsCover: the media ID of my Moments cover ("" none; undefined:
  // not known yet, the feed asks the server).
  momentsCover: string | undefined;
  blocked = new Set<string>();
  devices: Device[] = [];
  members = new Map<string, GroupMember[]>();
  // The first members of each group (up to nine), kept across visits: they
  // name unnamed groups and make their grid avatars.
  memberPreview = new Map<string, bigint[]>();
  typing = new Map<string, { user: bigint; until: number }>();
  // The conversation on screen: its new messages do not count as unread.
  openConv = "";
  // completeOwn fills in a compact own message from what this device sent
  // (the outbox); set by the outbox.
  completeOwn: (m: Message) => Message | undefined = () => undefined;
  // New messages from others that may deserve an alert, announced as
  // "arrived" once stored (alerts.ts decides).
  private arrivals: Message[] = [];

  private constructor(readonly db: DB, readonly me: bigint) {
    super();
  }

  static async open(me: bigint): Promise<Store> {
    const s = new Store(await DB.open(`hongyan-${me}`), me);
    await s.load();
    return s;
  }

  static dbName(me: bigint): string {
    return `hongyan-${me}`;
  }

  private async load(): Promise<void> {
    const db = this.db;
    const [kv, convs, contacts, requests, groups, invs, users, favs] = await Promise.all([
      db.entries<unknown>("kv"),
      db.all<ConversationState>("convs"),
      db.all<Contact>("contacts"),
      db.all<FriendRequest>("requests"),
      db.all<Group>("groups"),
      db.all<GroupInvitation>("invitations"),
      db.all<Profile>("users"),
      db.all<Favorite>("favorites"),
    ]);
    const m = new Map(kv);
    this.cursor = (m.get("cursor") as bigint) ?? 0n;
    this.profile = m.get("profile") as Profile | undefined;
    this.devices = (m.get("devices") as Device[]) ?? [];
    this.blocked = new Set((m.get("blocked") as string[]) ?? []);
    this.leftGroups = new Set((m.get("leftGroups") as string[]) ?? []);
    for (const [g, us] of Object.entries((m.get("memberPreview") as Record<string, bigint[]>) ?? {})) this.memberPreview.set(g, us);
    for (const c of convs) this.convs.set(key(c.conversation), c);
    for (const c of contacts) this.contacts.set(key(c.user), c);
    for (const r of requests) this.requests.set(key(r.id), r);
    for (const g of groups) this.groups.set(key(g.id), g);
    for (const i of invs) this.invitations.set(key(i.id), i);
    for (const u of users) this.users.set(key(u.id), u);
    for (const f of favs) this.favorites.set(key(f.id), f);
  }

  close(): void {
    this.db.close();
  }

  // ---- names ----

  // name is how this user calls someone: the remark, the nickname in the
  // group (when given), the nickname, the account ID.
  name(user: bigint, group?: bigint): string {
    if (user === this.me && this.profile) return this.profile.nickname || this.profile.accountId;
    const c = this.contacts.get(key(user));
    if (c?.remark) return c.remark;
    if (group) {
      const mem = this.members.get(key(group))?.find((x) => x.user === user);
      if (mem?.nickname) return mem.nickname;
    }
    const p = c?.profile ?? this.users.get(key(user));
    if (p) return p.nickname || p.accountId;
    return `#${user}`;
  }

  profileOf(user: bigint): Profile | undefined {
    if (user === this.me) return this.profile;
    return this.contacts.get(key(user))?.profile ?? this.users.get(key(user));
  }

  // groupTitle: the group's name or, for a group without one, its first
  // members' names ("Alice、Bob、Carol…").
  groupTitle(group: bigint): string {
    const name = this.groups.get(key(group))?.name;
    if (name) return name;
    const others = (this.memberPreview.get(key(group)) ?? []).filter((u) => u !== this.me);
    if (!others.length) return t("group_chat");
    return others.slice(0, 3).map((u) => this.name(u, group)).join(t("list_sep")) + (others.length > 3 ? "…" : "");
  }

  // groupFaces: the first members' names and avatars, for a grid avatar.
  groupFaces(group: bigint): { name: string; avatar?: string }[] {
    return (this.memberPreview.get(key(group)) ?? []).map((u) => ({ name: this.name(u, group), avatar: this.profileOf(u)?.avatar }));
  }

  // needsMembers: the preview of a group's members is missing or stale.
  needsMembers(group: bigint): boolean {
    const p = this.memberPreview.get(key(group));
    const g = this.groups.get(key(group));
    return !p || (!!g && p.length !== Math.min(9, g.memberCount));
  }

  async setMembers(group: bigint, list: GroupMember[]): Promise<void> {
    this.members.set(key(group), list);
    this.memberPreview.set(key(group), list.slice(0, 9).map((m) => m.user));
    await this.db.put("kv", "memberPreview", Object.fromEntries(this.memberPreview));
    this.emit("members", group);
  }

  convTitle(c: ConversationState): string {
    if (c.group) return this.groupTitle(c.group);
    if (c.peer === this.me) return t("file_transfer");
    return this.name(c.peer);
  }

  convByPeer(peer: bigint): ConversationState | undefined {
    for (const c of this.convs.values()) if (!c.group && c.peer === peer) return c;
    return undefined;
  }

  // sortedConvs: pinned first, then by the newest message.
  sortedConvs(): ConversationState[] {
    const time = (c: ConversationState) => Number(c.last?.time ?? 0n);
    return [...this.convs.values()]
      .filter((c) => c.lastSeq > 0n || c.draft || c.group)
      .sort((a, b) => Number(b.pinned) - Number(a.pinned) || time(b) - time(a) || Number(b.conversation - a.conversation));
  }

  // ---- the sync feed ----

  // applyChanges stores a page of change-log entries and the cursor after
  // them in one transaction, then tells the screens.
  async applyChanges(changes: Change[], cursor: bigint): Promise<void> {
    const topics = new Set<string>();
    const msgs: Message[] = [];
    const fetch: Message[] = [];
    const money: Change["item"][] = [];
    const calls: Call[] = [];
    await this.db.tx(["kv", "convs", "msgs", "contacts", "requests", "groups", "invitations", "users", "favorites"], "readwrite", (t) => {
      const put = (s: StoreName, k: IDBValidKey, v: unknown) => t.objectStore(s).put(v, k);
      const del = (s: StoreName, k: IDBValidKey | IDBKeyRange) => t.objectStore(s).delete(k);
      for (const ch of changes) {
        const it = ch.item;
        switch (it.case) {
          case "message": {
            let m = it.value;
            if (isCompact(m)) {
              const full = this.completeOwn(m);
              if (!full) {
                fetch.push(m);
                continue;
              }
              m = full;
            }
            if (this.storeMessage(m, put)) msgs.push(m);
            topics.add("convs");
            break;
          }
          case "conversation":
            this.storeConv(it.value, put, del);
            topics.add("convs");
            break;
          case "contact":
            this.contacts.set(key(it.value.user), it.value);
            put("contacts", key(it.value.user), it.value);
            topics.add("contacts");
            break;
          case "contactRemoved":
            this.contacts.delete(key(it.value));
            del("contacts", key(it.value));
            topics.add("contacts");
            break;
          case "friendRequest":
            this.requests.set(key(it.value.id), it.value);
            put("requests", key(it.value.id), it.value);
            if (it.value.other) this.putUser(it.value.other, put);
            topics.add("requests");
            break;
          case "profile":
            if (it.value.id === this.me) {
              this.profile = it.value;
              put("kv", "profile", it.value);
              topics.add("profile");
            } else this.putUser(it.value, put);
            break;
          case "devices":
            this.devices = it.value.devices;
            put("kv", "devices", this.devices);
            topics.add("devices");
            break;
          case "block":
            if (it.value.blocked) this.blocked.add(key(it.value.user));
            else this.blocked.delete(key(it.value.user));
            put("kv", "blocked", [...this.blocked]);
            topics.add("contacts");
            break;
          case "messageRemoved": {
            const r = it.value;
            del("msgs", msgKey(r.conversation, r.seq));
            this.emit("msgRemoved", r);
            const c = this.convs.get(key(r.conversation));
            if (c?.last && c.last.seq === r.seq) {
              c.last = undefined;
              put("convs", key(c.conversation), c);
            }
            topics.add("convs");
            break;
          }
          case "group":
            this.storeGroup(it.value, put);
            topics.add("groups");
            topics.add("convs");
            break;
          case "groupRemoved":
            this.leftGroups.add(key(it.value));
            put("kv", "leftGroups", [...this.leftGroups]);
            topics.add("groups");
            break;
          case "groupInvitation":
            this.invitations.set(key(it.value.id), it.value);
            put("invitations", key(it.value.id), it.value);
            topics.add("invitations");
            break;
          case "favorite":
            this.favorites.set(key(it.value.id), it.value);
            put("favorites", key(it.value.id), it.value);
            topics.add("favorites");
            break;
          case "favoriteRemoved":
            this.favorites.delete(key(it.value));
            del("favorites", key(it.value));
            topics.add("favorites");
            break;
          case "momentSettings":
            // My Moments settings changed (on any device): the cover is
            // what the feed shows.
            this.momentsCover = it.value.cover;
            topics.add("momentsCover");
            break;
          case "momentNotification":
          case "momentUnread":
            // Moments screens read posts from the server; the store keeps
            // only the unread count of Moments notifications.
            this.momentsUnread = it.value.unread;
            topics.add("moments");
            break;
          case "oaMessage":
          case "oaFollow":
            // Official accounts' screens load what they show from the
            // server; they are told that something changed.
            topics.add("oa");
            break;
          case "bot":
            // Me → Bots loads what it shows from the server.
            topics.add("bots");
            break;
          case "bottle":
          case "shake":
            // Discovery's screens load what they show from the server.
            topics.add(it.case);
            break;
          case "appPoll":
          case "appCheckinBoard":
          case "appHomework":
          case "appAnnouncement":
          case "appEvent":
          case "appFile":
          case "appAlbum":
            // The group apps' screens load what they show from the server.
            topics.add("apps");
            break;
          case "accountDeletion":
            // Me → Delete account loads its state from the server.
            topics.add("account-deletion");
            break;
          case "oaForumReply":
            // A reply to one of my posts in an account's community.
            topics.add("oa-forum");
            break;
          case "call":
            // Calls live in ui/call.ts, which is handed each change.
            calls.push(it.value);
            break;
          case "walletBalance":
          case "transfer":
          case "redPacket":
            // The wallet's screens and money cards keep what they show
            // (ui/wallet.ts); they are handed each change.
            money.push(it);
            break;
        }
      }
      put("kv", "cursor", cursor);
    });
    this.cursor = cursor;
    for (const m of msgs) this.emit("msg", m);
    for (const tp of topics) this.emit(tp);
    for (const it of money) this.emit("money", it);
    for (const c of calls) this.emit("call", c);
    this.announceArrivals();
    if (fetch.length) this.emit("fetchMessages", fetch);
  }

  // storeMessage keeps a message and moves its chat's summary; false when
  // the chat was cleared past it.
  private storeMessage(m: Message, put: (s: StoreName, k: IDBValidKey, v: unknown) => void): boolean {
    const ck = key(m.conversation);
    let c = this.convs.get(ck);
    if (!c) {
      c = create(ConversationStateSchema, { conversation: m.conversation, peer: m.group ? 0n : m.peer, group: m.group });
      this.convs.set(ck, c);
    }
    if (m.seq <= c.clearedSeq) return false;
    put("msgs", msgKey(m.conversation, m.seq), { c: Number(m.conversation), s: Number(m.seq), m } satisfies MsgRec);
    if (m.seq >= c.lastSeq) {
      const fresh = m.seq > c.lastSeq;
      if (fresh && m.sender !== this.me && m.kind !== MessageKind.RECALLED && (m.kind !== MessageKind.NOTICE || m.mentionAll) && m.seq > c.readSeq) this.arrivals.push(m);
      c.last = m;
      c.lastSeq = m.seq;
      if (fresh && m.sender !== this.me && m.kind !== MessageKind.NOTICE && m.kind !== MessageKind.RECALLED && m.seq > c.readSeq) {
        if (this.openConv === ck && document.visibilityState === "visible") c.readSeq = m.seq;
        else {
          c.unread++;
          if (m.mentionAll || m.mentions.includes(this.me)) c.unreadMentions++;
        }
      }
      if (m.sender === this.me && m.seq > c.readSeq) {
        c.readSeq = m.seq;
        c.unread = 0;
        c.unreadMentions = 0;
      }
    }
    put("convs", ck, c);
    return true;
  }

  private announceArrivals(): void {
    if (this.arrivals.length) this.emit("arrived", this.arrivals.splice(0));
  }

  private storeConv(cs: ConversationState, put: (s: StoreName, k: IDBValidKey, v: unknown) => void, del: (s: StoreName, k: IDBValidKey | IDBKeyRange) => void): void {
    const ck = key(cs.conversation);
    const old = this.convs.get(ck);
    if (!cs.last && old?.last && old.last.seq > cs.clearedSeq) {
      cs.last = old.last;
      if (old.lastSeq > cs.lastSeq) cs.lastSeq = old.lastSeq;
    }
    if (cs.clearedSeq > (old?.clearedSeq ?? 0n)) {
      del("msgs", IDBKeyRange.bound(msgKey(cs.conversation, 0), msgKey(cs.conversation, cs.clearedSeq)));
      if (cs.last && cs.last.seq <= cs.clearedSeq) cs.last = undefined;
      this.emit("cleared", cs);
    }
    this.convs.set(ck, cs);
    put("convs", ck, cs);
  }

  private storeGroup(g: Group, put: (s: StoreName, k: IDBValidKey, v: unknown) => void): void {
    this.groups.set(key(g.id), g);
    put("groups", key(g.id), g);
    if (this.leftGroups.delete(key(g.id))) put("kv", "leftGroups", [...this.leftGroups]);
    if (!this.convs.has(key(g.id))) {
      const c = create(ConversationStateSchema, { conversation: g.id, group: g.id });
      this.convs.set(key(g.id), c);
      put("convs", key(g.id), c);
    }
  }

  private putUser(p: Profile, put: (s: StoreName, k: IDBValidKey, v: unknown) => void): void {
    this.users.set(key(p.id), p);
    put("users", key(p.id), p);
  }

  // ---- direct updates (answers to requests) ----

  // addMessages stores messages learnt outside the change log (history
  // pages, own sends) without moving the cursor.
  async addMessages(list: Message[]): Promise<void> {
    const shown: Message[] = [];
    await this.db.tx(["convs", "msgs"], "readwrite", (t) => {
      const put = (s: StoreName, k: IDBValidKey, v: unknown) => t.objectStore(s).put(v, k);
      for (const m of list) if (!isCompact(m) && this.storeMessage(m, put)) shown.push(m);
    });
    for (const m of shown) this.emit("msg", m);
    if (shown.length) this.emit("convs");
    this.announceArrivals();
  }

  async setConvs(list: ConversationState[]): Promise<void> {
    await this.db.tx(["convs", "msgs"], "readwrite", (t) => {
      const put = (s: StoreName, k: IDBValidKey, v: unknown) => t.objectStore(s).put(v, k);
      const del = (s: StoreName, k: IDBValidKey | IDBKeyRange) => t.objectStore(s).delete(k);
      for (const c of list) this.storeConv(c, put, del);
    });
    this.emit("convs");
  }

  async patchConv(c: ConversationState): Promise<void> {
    this.convs.set(key(c.conversation), c);
    await this.db.put("convs", key(c.conversation), c);
    this.emit("convs");
  }

  async setList<T>(store: "contacts" | "requests" | "groups" | "invitations" | "favorites", map: Map<string, T>, list: T[], k: (x: T) => bigint): Promise<void> {
    map.clear();
    await this.db.tx([store], "readwrite", (t) => {
      const s = t.objectStore(store);
      s.clear();
      for (const x of list) {
        map.set(key(k(x)), x);
        s.put(x, key(k(x)));
      }
    });
    this.emit(store);
  }

  async putOne(store: "contacts" | "requests" | "groups" | "invitations" | "favorites" | "users", k: bigint, v: unknown, topic?: string): Promise<void> {
    await this.db.put(store, key(k), v);
    if (topic) this.emit(topic);
  }

  async setProfile(p: Profile): Promise<void> {
    this.profile = p;
    await this.db.put("kv", "profile", p);
    this.emit("profile");
  }

  async setUsers(list: Profile[]): Promise<void> {
    await this.db.tx(["users"], "readwrite", (t) => {
      for (const p of list) {
        this.users.set(key(p.id), p);
        t.objectStore("users").put(p, key(p.id));
      }
    });
    this.emit("users");
  }

  async messages(conv: bigint, beforeSeq: bigint, n: number): Promise<Message[]> {
    const hi = beforeSeq > 0n ? Number(beforeSeq) - 1 : Number.MAX_SAFE_INTEGER;
    const recs = await this.db.last<MsgRec>("msgs", IDBKeyRange.bound(msgKey(conv, 0), [Number(conv), hi]), n);
    return recs.map((r) => r.m).reverse();
  }

  async removeMessage(conv: bigint, seq: bigint): Promise<void> {
    await this.db.del("msgs", msgKey(conv, seq));
    this.emit("msgRemoved", { conversation: conv, seq });
  }

  setTyping(conv: bigint, user: bigint): void {
    this.typing.set(key(conv), { user, until: Date.now() + 6000 });
    this.emit("typing", conv);
    setTimeout(() => this.emit("typing", conv), 6100);
  }
}
