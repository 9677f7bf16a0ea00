// The WebSocket connection: one binary protobuf frame per message, requests
// matched to responses by id, pushes handed to a listener. It reconnects on
// its own with exponential backoff and full jitter, immediately when the
// browser says the network is back.
import { create, fromBinary, toBinary, ClientFrameSchema, ServerFrameSchema } from "./proto";
import type { BodyCase, BodyValue, Init, ReqCase, ReqValue, ServerFrame } from "./proto";
import { Emitter } from "./events";

// ApiError is a refusal from the server (or "unavailable"/"timeout" from
// this connection): its code, the server's message and, when the server
// gave one, the reason that tells cases of one code apart.
export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly reason = "") {
    super(message || code);
  }
}

// Retrying may succeed later: the request never reached a server that could
// answer it, or the server asked to come back later.
export function retryable(e: unknown): boolean {
  return !(e instanceof ApiError) || ["unavailable", "rate_limited", "internal", "timeout"].includes(e.code);
}

export type ConnState = "offline" | "connecting" | "open";

interface Pending {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: number;
}

export interface ConnOptions {
  url?: string;
  baseDelay?: number; // first reconnect delay, ms
  maxDelay?: number; // cap of the backoff, ms
  timeout?: number; // default request timeout, ms
}

export class Connection extends Emitter {
  state: ConnState = "offline";
  private ws?: WebSocket;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private attempts = 0;
  private timer = 0;
  private running = false;
  private opened: (() => void)[] = [];
  readonly opt: Required<ConnOptions>;

  // onOpen runs on every new socket before anything else is sent
  // (authentication, sync); onPush receives frames with id 0.
  onOpen: () => Promise<void> = async () => {};
  onPush: (f: ServerFrame) => void = () => {};

  constructor(opt: ConnOptions = {}) {
    super();
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    this.opt = {
      url: opt.url ?? `${proto}//${location.host}/ws`,
      baseDelay: opt.baseDelay ?? 500,
      maxDelay: opt.maxDelay ?? 30000,
      timeout: opt.timeout ?? 15000,
    };
    addEventListener("online", () => this.kick());
    addEventListener("offline", () => this.drop("offline"));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.kick();
    });
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.drop("stopped");
  }

  // kick reconnects now instead of waiting for the backoff timer.
  kick(): void {
    if (!this.running || this.state !== "offline") return;
    clearTimeout(this.timer);
    this.attempts = 0;
    this.connect();
  }

  // drop closes the socket; the backoff brings a new one.
  drop(why: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = undefined;
    try {
      ws.close(1000, why);
    } catch {
      /* already closed */
    }
    this.closed();
  }

  private setState(s: ConnState): void {
    if (this.state === s) return;
    this.state = s;
    this.emit("state", s);
  }

  private connect(): void {
    if (!this.running || this.ws) return;
    this.setState("connecting");
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opt.url);
    } catch {
      this.closed();
      return;
    }
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = async () => {
      if (this.ws !== ws) return;
      this.setState("open");
      try {
        await this.onOpen();
        if (this.ws !== ws) return;
        this.attempts = 0;
        this.setupDone = true;
        for (const fn of this.opened.splice(0)) fn();
        this.emit("ready");
      } catch (e) {
        console.warn("connection setup failed", e);
        if (this.ws === ws) this.drop("setup failed");
      }
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws || !(ev.data instanceof ArrayBuffer)) return;
      let f: ServerFrame;
      try {
        f = fromBinary(ServerFrameSchema, new Uint8Array(ev.data));
      } catch {
        return;
      }
      if (f.id === 0) {
        this.onPush(f);
        return;
      }
      const p = this.pending.get(f.id);
      if (!p) return;
      this.pending.delete(f.id);
      clearTimeout(p.timer);
      if (f.error && f.error.code) p.reject(new ApiError(f.error.code, f.error.message, f.error.reason));
      else p.resolve(f);
    };
    ws.onclose = ws.onerror = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.closed();
    };
  }

  private closed(): void {
    this.setupDone = false;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ApiError("unavailable", "connection lost"));
    }
    this.pending.clear();
    this.setState("offline");
    if (!this.running) return;
    clearTimeout(this.timer);
    // Full jitter: a random wait up to base·2^n, capped.
    const ceil = Math.min(this.opt.maxDelay, this.opt.baseDelay * 2 ** this.attempts);
    this.attempts = Math.min(this.attempts + 1, 16);
    const wait = Math.max(100, Math.random() * ceil);
    this.timer = window.setTimeout(() => this.connect(), navigator.onLine === false ? Math.max(wait, 2000) : wait);
  }

  // ready resolves once a socket is open and set up (authenticated).
  ready(): Promise<void> {
    if (this.setupDone) return Promise.resolve();
    return new Promise((r) => this.opened.push(r));
  }

  // setupDone: the socket is open and onOpen has finished.
  setupDone = false;

  // raw sends a request on the open socket, even during setup.
  raw(req: ReqCase, value: object, timeout = this.opt.timeout): Promise<ServerFrame> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new ApiError("unavailable", "offline"));
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    const frame = create(ClientFrameSchema, { id, req: { case: req, value } as never });
    return new Promise((resolve, reject) => {
      const timer = window.setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError("timeout", "no answer"));
        // A socket that does not answer is probably dead: start over.
        if (this.ws === ws) this.drop("timeout");
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(toBinary(ClientFrameSchema, frame));
    });
  }

  // call sends a request and returns the body of the expected case.
  async call<C extends ReqCase, B extends BodyCase>(req: C, value: Init<ReqValue<C>>, want: B, timeout?: number): Promise<BodyValue<B>> {
    const f = await this.raw(req, value, timeout);
    if (f.body.case !== want) throw new ApiError("internal", `expected ${want}, got ${f.body.case ?? "nothing"}`);
    return f.body.value as BodyValue<B>;
  }

  // soon waits up to ms for a socket that is set up, connecting now if none
  // is: a request made while the connection is coming back (just after
  // signing out, or a network change) waits for it instead of failing.
  async soon(ms = 10000): Promise<void> {
    if (this.setupDone) return;
    this.kick();
    let timer = 0;
    const late = new Promise<never>((_, reject) => (timer = window.setTimeout(() => reject(new ApiError("unavailable", "offline")), ms)));
    try {
      await Promise.race([this.ready(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  // done sends a request whose answer is just "done".
  async done<C extends ReqCase>(req: C, value: Init<ReqValue<C>>, timeout?: number): Promise<void> {
    await this.raw(req, value, timeout);
  }
}
