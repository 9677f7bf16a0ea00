// The outbox: every message the user sends is written to IndexedDB first,
// with a client ID created before the first attempt. It is sent when the
// connection is ready — now, after a reconnect, or after a reload — and
// retried with the same client ID until the server answers, so the server's
// deduplication makes it arrive exactly once. An item the server refuses
// stays as "failed" with a retry action.
import { ApiError, retryable, type Connection } from "./conn";
import { Emitter } from "./events";
import { upload, type UploadKind, type Uploaded } from "./media";
import { create, MessageSchema, MessageKind, type Message, type SendResponse } from "./proto";
import type { Store } from "./store";

export type OutState = "pending" | "sending" | "failed";

export interface OutItem {
  clientId: string;
  created: number;
  peer: bigint;
  group: bigint;
  kind: MessageKind;
  text: string;
  mentions: bigint[];
  mentionAll: boolean;
  // Media: the file waits here (IndexedDB keeps Blobs) until it is uploaded.
  file?: Blob;
  fileName?: string;
  uploadKind?: UploadKind;
  durationMs?: number;
  media?: Uploaded;
  // The server's resumable upload of file, once started: a retry or a
  // reload resumes it.
  uploadId?: string;
  location?: { latitude: number; longitude: number; name: string; address: string };
  card?: bigint;
  url?: string;
  quote?: { message: bigint; sender: bigint; kind: MessageKind; text: string };
  // A forward of these messages (merged: one chat-history card).
  forward?: { messages: bigint[]; merged: boolean; original?: Message };
  state: OutState;
  // Why it failed: the server's message, code and reason (shown in the
  // user's language by the chat), kept with the item.
  error?: string;
  errorCode?: string;
  errorReason?: string;
  // Answers that said "try later" while connected; after a few the item
  // stops blocking the queue and shows as failed.
  tries?: number;
}

export type NewItem = Partial<OutItem> & { peer?: bigint; group?: bigint };

// canRetry: a retry can fix the failure (the network, a rate limit, a
// server fault); a refusal of the content cannot.
export function canRetry(it: OutItem): boolean {
  return it.state === "failed" && ["unavailable", "timeout", "rate_limited", "internal"].includes(it.errorCode ?? "internal");
}

// failed lists the chats (as "u{peer}" or "g{group}") that hold a failed item.
export function failedChats(items: Iterable<OutItem>): Set<string> {
  const out = new Set<string>();
  for (const it of items) if (it.state === "failed") out.add(it.group ? `g${it.group}` : `u${it.peer}`);
  return out;
}

export function newClientId(): string {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return "w" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export class Outbox extends Emitter {
  items = new Map<string, OutItem>();
  private flushing = false;
  private retryTimer = 0;
  private again = false;
  private recent = new Map<string, Message>();
  // Uploads under way (abort cancels one), and how far each has come.
  private uploads = new Map<string, AbortController>();
  progress = new Map<string, { sent: number; total: number }>();

  constructor(readonly conn: Connection, readonly store: Store) {
    super();
    store.completeOwn = (m) => this.complete(m);
    conn.on("ready", () => void this.flush());
  }

  async load(): Promise<void> {
    for (const it of await this.store.db.all<OutItem>("outbox")) {
      if (it.state === "sending") it.state = "pending";
      this.items.set(it.clientId, it);
    }
    this.emit("change");
  }

  // of lists the waiting items of one chat, oldest first.
  of(peer: bigint, group: bigint): OutItem[] {
    return [...this.items.values()].filter((i) => (group ? i.group === group : !i.group && i.peer === peer)).sort((a, b) => a.created - b.created);
  }

  async add(n: NewItem): Promise<OutItem> {
    const it: OutItem = {
      clientId: newClientId(),
      created: Date.now(),
      peer: 0n,
      group: 0n,
      kind: MessageKind.TEXT,
      text: "",
      mentions: [],
      mentionAll: false,
      ...n,
      state: "pending",
    };
    // Written before the first attempt: a reload or a lost answer retries
    // with the same client ID.
    await this.store.db.put("outbox", it.clientId, it);
    this.items.set(it.clientId, it);
    this.emit("change", it);
    void this.flush();
    return it;
  }

  async retry(clientId: string): Promise<void> {
    const it = this.items.get(clientId);
    if (!it) return;
    it.state = "pending";
    it.error = it.errorCode = it.errorReason = undefined;
    it.tries = 0;
    await this.save(it);
    void this.flush();
  }

  // cancel stops an item's upload and drops the item; a message whose
  // upload is done may already be on its way.
  async cancel(clientId: string): Promise<void> {
    this.uploads.get(clientId)?.abort();
    await this.discard(clientId);
  }

  async discard(clientId: string): Promise<void> {
    this.items.delete(clientId);
    this.progress.delete(clientId);
    await this.store.db.del("outbox", clientId);
    this.emit("change");
  }

  private async save(it: OutItem): Promise<void> {
    await this.store.db.put("outbox", it.clientId, it);
    this.emit("change", it);
  }

  // flush sends waiting items one at a time, oldest first, so a chat keeps
  // its order. It stops at the first failure that a retry could fix.
  async flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.again = false;
        if (!this.conn.setupDone) return;
        const todo = [...this.items.values()].filter((i) => i.state === "pending").sort((a, b) => a.created - b.created);
        for (const it of todo) {
          if (!(await this.sendOne(it))) return;
        }
      } while (this.again);
    } finally {
      this.flushing = false;
    }
  }

  private async sendOne(it: OutItem): Promise<boolean> {
    if (!this.items.has(it.clientId)) return true; // cancelled meanwhile
    it.state = "sending";
    this.emit("change", it);
    try {
      if (it.file && !it.media) {
        const ctl = new AbortController();
        this.uploads.set(it.clientId, ctl);
        try {
          it.media = await upload(it.file, it.uploadKind ?? "file", it.fileName ?? "", {
            durationMs: it.durationMs,
            signal: ctl.signal,
            resumeId: it.uploadId,
            onStarted: async (id) => {
              it.uploadId = id;
              await this.store.db.put("outbox", it.clientId, it);
            },
            onProgress: (sent, total) => {
              this.progress.set(it.clientId, { sent, total });
              this.emit("progress", { clientId: it.clientId, sent, total });
            },
          });
        } finally {
          this.uploads.delete(it.clientId);
        }
        if (!this.items.has(it.clientId)) return true;
        await this.save(it);
      }
      let sent: SendResponse;
      if (it.forward) {
        sent = await this.conn.call(
          "forward",
          { clientId: it.clientId, peer: it.peer, group: it.group, ...(it.forward.messages.length === 1 && !it.forward.merged ? { message: it.forward.messages[0] } : { messages: it.forward.messages, merged: it.forward.merged }) },
          "sent",
          20000,
        );
      } else {
        sent = await this.conn.call(
          "send",
          {
            clientId: it.clientId,
            peer: it.peer,
            group: it.group,
            kind: it.kind,
            // Only text messages carry text; the server makes the text of
            // the other kinds (docs/protocol.md).
            text: it.kind === MessageKind.TEXT ? it.text : "",
            mentions: it.mentions,
            mentionAll: it.mentionAll,
            media: it.media?.id ?? "",
            location: it.location ? { ...it.location } : undefined,
            card: it.card ?? 0n,
            url: it.url ?? "",
            quote: it.quote?.message ?? 0n,
          },
          "sent",
          20000,
        );
      }
      const m = this.message(it, sent);
      this.recent.set(it.clientId, m);
      if (this.recent.size > 200) this.recent.delete(this.recent.keys().next().value as string);
      this.items.delete(it.clientId);
      await this.store.db.del("outbox", it.clientId);
      // A link's preview and a merged forward's card are made by the
      // server: read them back; everything else is known here.
      if (this.serverMade(it)) this.store.emit("fetchMessages", [m]);
      else await this.store.addMessages([m]);
      this.emit("change", it);
      this.emit("sent", { item: it, sent });
      return true;
    } catch (e) {
      if (!this.items.has(it.clientId)) return true; // cancelled
      const lostConnection = !this.conn.setupDone;
      if (retryable(e) && (lostConnection || (it.tries ?? 0) < 3)) {
        if (!lostConnection) it.tries = (it.tries ?? 0) + 1;
        it.state = "pending";
        await this.save(it);
        // Connected but refused for now: try again shortly; otherwise the
        // reconnect flushes.
        clearTimeout(this.retryTimer);
        if (!lostConnection) this.retryTimer = window.setTimeout(() => void this.flush(), 2000 * 2 ** (it.tries ?? 1));
        return false;
      }
      it.state = "failed";
      it.error = e instanceof ApiError ? e.message : String(e);
      it.errorCode = e instanceof ApiError ? e.code : "internal";
      it.errorReason = e instanceof ApiError ? e.reason : "";
      await this.save(it);
      return true;
    }
  }

  // message builds the full message that the server stored from what this
  // device sent and the server's answer.
  private message(it: OutItem, s: Pick<SendResponse, "id" | "conversation" | "seq" | "time">): Message {
    const base = it.forward?.original;
    const { $typeName: _t, ...copy } = base ?? ({} as Partial<Message>);
    void _t;
    return create(MessageSchema, {
      ...(copy as object),
      id: s.id,
      conversation: s.conversation,
      seq: s.seq,
      time: s.time || BigInt(Date.now()),
      sender: this.store.me,
      peer: it.group ? 0n : it.peer,
      group: it.group,
      clientId: it.clientId,
      ...(base
        ? { quote: undefined, mentions: [], mentionAll: false }
        : {
            kind: it.kind,
            text: it.kind === MessageKind.LOCATION ? (it.location?.name ?? "") : it.kind === MessageKind.TEXT ? it.text : it.media?.name && it.kind === MessageKind.FILE ? it.media.name : "",
            mentions: it.mentions,
            mentionAll: it.mentionAll,
            media: it.media
              ? { id: it.media.id, type: it.media.type, size: BigInt(it.media.size || 0), width: it.media.width || 0, height: it.media.height || 0, durationMs: it.media.duration_ms || 0, name: it.media.name || "", thumbnail: !!it.media.thumbnail, poster: it.media.poster || "" }
              : undefined,
            location: it.location,
            card: it.card ?? 0n,
            link: it.url ? { url: it.url, title: "", description: "", image: "" } : undefined,
            quote: it.quote,
          }),
    });
  }

  private serverMade(it: OutItem): boolean {
    return it.kind === MessageKind.LINK || !!it.forward?.merged || (!!it.forward && !it.forward.original);
  }

  // complete turns the compact copy of an own message into the full one.
  private complete(m: Message): Message | undefined {
    const r = this.recent.get(m.clientId);
    if (r) return r;
    const it = this.items.get(m.clientId);
    if (!it || this.serverMade(it)) return undefined;
    return this.message(it, { id: m.id, conversation: m.conversation, seq: m.seq, time: 0n });
  }
}
