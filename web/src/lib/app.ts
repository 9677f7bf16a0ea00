// The running client: session, connection, local store, sync and outbox,
// wired together. Screens reach everything through `app`.
import { ApiError, Connection } from "./conn";
import { Emitter } from "./events";
import { setMediaToken } from "./media";
import { Outbox } from "./outbox";
import type { Message, Session as PSession } from "./proto";
import { clearSession, loadSession, saveSession, type Session } from "./session";
import { key, Store } from "./store";
import { Syncer } from "./sync";
import { DB } from "./db";

class App extends Emitter {
  conn = new Connection();
  session?: Session;
  store?: Store;
  sync?: Syncer;
  outbox?: Outbox;
  private lastRefresh = 0;

  get me(): bigint {
    return this.store!.me;
  }

  async boot(): Promise<void> {
    this.conn.onOpen = () => this.onOpen();
    this.conn.onPush = (f) => {
      switch (f.body.case) {
        case "changes":
          this.sync?.push(f.body.value);
          break;
        case "typing":
          this.store?.setTyping(f.body.value.conversation, f.body.value.user);
          break;
        case "kicked":
          void this.signedOut();
          break;
        case "callSignal":
          // Signalling from the other device of my call (ui/call.ts).
          this.emit("callSignal", f.body.value);
          break;
        case "groupCall":
          // A room of one of my groups changed (ui/groupcall.ts).
          this.emit("groupCall", f.body.value);
          break;
      }
    };
    const s = loadSession();
    if (s) await this.open(s);
    this.conn.start();
  }

  // open loads the local store of a session, so the screens can show it
  // before the connection is up.
  private async open(s: Session): Promise<void> {
    this.session = s;
    setMediaToken(s.token);
    const store = await Store.open(BigInt(s.user));
    this.store = store;
    this.sync = new Syncer(this.conn, store, { onReset: () => this.refresh(true) });
    this.outbox = new Outbox(this.conn, store);
    await this.outbox.load();
    store.on("fetchMessages", (ms) => void this.fetchMessages(ms as Message[]));
    this.emit("session");
  }

  private async onOpen(): Promise<void> {
    if (!this.session || !this.store) return;
    try {
      await this.conn.raw("hello", { token: this.session.token });
    } catch (e) {
      if (e instanceof ApiError && e.code === "unauthenticated") {
        await this.signedOut();
        return;
      }
      throw e;
    }
    await this.sync!.start();
    void this.refresh();
  }

  // signIn starts using a new session (from register, login or QR login).
  async signIn(p: PSession): Promise<void> {
    const s = { token: p.token, user: String(p.user), device: String(p.device) };
    saveSession(s);
    await this.open(s);
    this.conn.drop("signed in");
    this.conn.kick();
    await this.conn.ready();
  }

  async signOut(): Promise<void> {
    try {
      await this.conn.done("logout", {});
    } catch {
      /* the token is forgotten anyway */
    }
    await this.signedOut();
  }

  // signedOut forgets the session and this device's cache of it.
  async signedOut(): Promise<void> {
    const store = this.store;
    clearSession();
    this.session = undefined;
    this.store = undefined;
    this.sync = undefined;
    this.outbox = undefined;
    setMediaToken("");
    if (store) {
      store.close();
      await DB.drop(Store.dbName(store.me));
    }
    this.conn.drop("signed out");
    this.emit("session");
  }

  // refresh reloads the lists that are cheap to read whole, so that the
  // cache never drifts (at most once a minute).
  async refresh(force = false): Promise<void> {
    const st = this.store;
    if (!st || (!force && Date.now() - this.lastRefresh < 60000)) return;
    this.lastRefresh = Date.now();
    const c = this.conn;
    const jobs: Promise<unknown>[] = [
      c.call("me", {}, "profile").then((p) => st.setProfile(p)),
      c.call("conversations", {}, "conversations").then((l) => st.setConvs(l.conversations)),
      c.call("listContacts", {}, "contacts").then((l) => st.setList("contacts", st.contacts, l.contacts, (x) => x.user)),
      c.call("listRequests", {}, "requests").then((l) => {
        void st.setUsers(l.requests.flatMap((r) => (r.other ? [r.other] : [])));
        return st.setList("requests", st.requests, l.requests, (x) => x.id);
      }),
      c.call("listGroups", {}, "groups").then((l) => st.setList("groups", st.groups, l.groups, (x) => x.id)),
      c.call("groupInvitations", {}, "groupInvitations").then((l) => st.setList("invitations", st.invitations, l.invitations, (x) => x.id)),
      c.call("momentNotifications", { limit: 1 }, "momentNotifications").then((r) => {
        st.momentsUnread = r.unread;
        st.emit("moments");
      }),
    ];
    await Promise.allSettled(jobs);
  }

  // fetchMessages reads messages this device knows only by reference (an
  // own message sent from another tab, a server-made card) from history.
  private async fetchMessages(ms: Message[]): Promise<void> {
    for (const m of ms) {
      try {
        const r = await this.conn.call("history", { conversation: m.conversation, before: m.seq + 1n, limit: 1 }, "messages");
        await this.store?.addMessages(r.messages.filter((x) => x.seq === m.seq));
      } catch {
        /* shown on the next history read */
      }
    }
  }

  private loadingMembers = new Map<string, Promise<void>>();
  private membersFailed = new Map<string, number>();

  // loadMembers reads a group's members (names and avatars of an unnamed
  // group, @mentions, the info page); callers at the same time share one
  // request.
  loadMembers(group: bigint): Promise<void> {
    const st = this.store;
    const k = key(group);
    if (!st) return Promise.resolve();
    let p = this.loadingMembers.get(k);
    if (p) return p;
    // A group whose members could not be read is not asked again for a
    // minute (the chat list asks on every render).
    if (Date.now() - (this.membersFailed.get(k) ?? 0) < 60000) return Promise.reject(new Error("members unavailable"));
    p = (async () => {
      const r = await this.conn.call("groupMembers", { group }, "groupMembers");
      await st.setUsers(r.members.flatMap((m) => (m.profile ? [m.profile] : [])));
      await st.setMembers(group, r.members);
    })()
      .catch((e) => {
        this.membersFailed.set(k, Date.now());
        throw e;
      })
      .finally(() => this.loadingMembers.delete(k));
    this.loadingMembers.set(k, p);
    return p;
  }

  isGroupMember(group: bigint): boolean {
    return !!this.store?.groups.has(key(group)) && !this.store.leftGroups.has(key(group));
  }
}

export const app = new App();
