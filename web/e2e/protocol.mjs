// A minimal protocol client for the tests (seeding data, probing what the
// server supports), on the same generated code as the app.
import WebSocket from "ws";
import { create, toBinary, fromBinary } from "@bufbuild/protobuf";
import { ClientFrameSchema, ServerFrameSchema } from "../src/gen/hongyan/v1/client_pb.js";

export class Client {
  static async open(url) {
    const c = new Client();
    c.ws = new WebSocket(url.replace(/^http/, "ws") + "/ws", { headers: { Origin: url } });
    c.ws.binaryType = "nodebuffer";
    c.next = 1;
    c.pending = new Map();
    c.ws.on("message", (d) => {
      const f = fromBinary(ServerFrameSchema, new Uint8Array(d));
      const p = c.pending.get(f.id);
      if (!p) return;
      c.pending.delete(f.id);
      if (f.error?.code) p.reject(Object.assign(new Error(`${f.error.code}: ${f.error.message}`), { code: f.error.code }));
      else p.resolve(f);
    });
    c.ws.on("close", () => {
      for (const p of c.pending.values()) p.reject(Object.assign(new Error("connection closed"), { code: "unavailable" }));
      c.pending.clear();
    });
    await new Promise((res, rej) => (c.ws.once("open", res), c.ws.once("error", rej)));
    return c;
  }

  call(kase, value) {
    const id = this.next++;
    const frame = create(ClientFrameSchema, { id, req: { case: kase, value } });
    if (this.ws.readyState !== WebSocket.OPEN) return Promise.reject(Object.assign(new Error("connection closed"), { code: "unavailable" }));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(toBinary(ClientFrameSchema, frame));
    });
  }

  async body(kase, value) {
    const f = await this.call(kase, value);
    return f.body.value;
  }

  close() {
    this.ws.close();
  }
}

// signIn registers (or logs in) a user and says hello.
export async function user(url, accountId, nickname, password = "a long password 1") {
  const c = await Client.open(url);
  let s;
  try {
    s = await c.body("register", { accountId, password, nickname, deviceName: "e2e seeder" });
  } catch (e) {
    if (e.code !== "already_exists") throw e;
    s = await c.body("login", { login: accountId, password, deviceName: "e2e seeder" });
  }
  await c.call("hello", { token: s.token });
  c.session = s;
  return c;
}

// supports tells whether the server implements a request (anything but
// "unimplemented" counts).
export async function supports(c, kase, value) {
  try {
    await c.call(kase, value);
    return true;
  } catch (e) {
    return e.code !== "unimplemented";
  }
}
