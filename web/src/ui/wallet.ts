// The wallet: Me → Wallet (balance, top-up and withdrawal through the
// payment provider, the ledger with each movement's details, the payment
// password), the six-digit pad that confirms a payment, transfers and red
// packets sent from a chat, and their cards in the chat. Amounts are fen
// (bigint) throughout; formatYuan only writes them. Every change of a
// balance, transfer or red packet arrives through the change log (the
// store's "money" event), so other tabs and devices follow live.
import { h, replace } from "../lib/dom";
import { t, formatTime, type Key } from "../lib/i18n";
import { app } from "../lib/app";
import { ApiError, retryable } from "../lib/conn";
import { Scope } from "../lib/events";
import type { Store } from "../lib/store";
import { formatYuan, lockedUntil, newKey, parseYuan, signedYuan } from "../lib/money";
import { MessageKind, type Change, type Message } from "../lib/proto";
import { RedPacketState, TransferState, WalletEntryKind, type RedPacket, type Transfer, type WalletMovement } from "../gen/hongyan/v1/wallet_pb.js";
import { avatar, empty, errorText, header, modal, row, section, sheet, toast } from "./widgets";
import type { View } from "./shell";

// ---- what this client knows of transfers and red packets ----

const transfers = new Map<string, Transfer>();
const packets = new Map<string, RedPacket>();
const loading = new Map<string, Promise<void>>();
const cards = new Set<HTMLElement>();
let bound: Store | undefined;
let balance: bigint | undefined;
const listeners = new Set<(it: Change["item"]) => void>();

// bind follows the signed-in store's money changes (once per store).
function bind(): Store {
  const st = app.store!;
  if (bound === st) return st;
  bound = st;
  transfers.clear();
  packets.clear();
  balance = undefined;
  st.on("money", (x) => {
    if (bound !== st) return;
    const it = x as Change["item"];
    if (it.case === "walletBalance") balance = it.value.balance;
    else if (it.case === "transfer") keepTransfer(it.value);
    else if (it.case === "redPacket") keepPacket(it.value);
    for (const fn of [...listeners]) fn(it);
  });
  return st;
}

function keepTransfer(x: Transfer): void {
  transfers.set(`t${x.id}`, x);
  refreshCards(`t${x.id}`);
}

function keepPacket(x: RedPacket): void {
  packets.set(`p${x.id}`, x);
  refreshCards(`p${x.id}`);
}

function refreshCards(k: string): void {
  for (const el of [...cards]) {
    if (!el.isConnected) {
      cards.delete(el);
      continue;
    }
    if (el.dataset.money === k) fillCard(el);
  }
}

// load reads a transfer or red packet this client has not seen yet (one
// request at a time for each).
function load(k: string): Promise<void> {
  let p = loading.get(k);
  if (p) return p;
  const id = BigInt(k.slice(1));
  p = (k[0] === "t" ? app.conn.call("transferShow", { transfer: id }, "transfer").then(keepTransfer) : app.conn.call("redPacketShow", { packet: id }, "redPacket").then(keepPacket)).finally(() =>
    loading.delete(k),
  );
  loading.set(k, p);
  return p;
}

const grabbedBy = (p: RedPacket, u: bigint) => p.grabs.find((g) => g.user === u);

// ---- cards in a chat ----

// moneyCard is the card of a transfer or red packet message; it follows the
// state of what it shows.
export function moneyCard(m: Message): HTMLElement {
  bind();
  const transfer = m.kind === MessageKind.TRANSFER;
  const id = transfer ? m.money?.transfer : m.money?.packet;
  const k = `${transfer ? "t" : "p"}${id ?? 0n}`;
  const el = h("button", {
    class: `money-card ${transfer ? "transfer" : "packet"}`,
    attrs: { type: "button" },
    data: { money: k, sender: String(m.sender), text: m.text, amount: String(m.money?.amount ?? 0n), [transfer ? "transfer" : "packet"]: String(id ?? 0n) },
    on: { click: (e) => (e.stopPropagation(), transfer ? openTransfer(id ?? 0n) : openPacket(id ?? 0n, m.sender)) },
  });
  cards.add(el);
  fillCard(el);
  if (id && !(transfer ? transfers : packets).has(k)) load(k).catch(() => {});
  return el;
}

function fillCard(el: HTMLElement): void {
  const st = app.store!;
  const k = el.dataset.money!;
  const sender = BigInt(el.dataset.sender ?? "0");
  const mine = sender === st.me;
  if (k[0] === "t") {
    const x = transfers.get(k);
    const amount = x?.amount ?? BigInt(el.dataset.amount ?? "0");
    let state = t("w_transfer");
    let s = "loading";
    if (x) {
      s = ["pending", "accepted", "returned", "refunded"][x.state] ?? "pending";
      if (x.state === TransferState.PENDING) state = mine ? t("w_t_wait_them", st.name(x.to)) : t("w_t_tap_accept");
      else if (x.state === TransferState.ACCEPTED) state = mine ? t("w_t_accepted_them") : t("w_t_accepted_me");
      else if (x.state === TransferState.RETURNED) state = t("w_t_returned");
      else state = t("w_t_refunded");
    }
    el.dataset.state = s;
    el.classList.toggle("done", !!x && x.state !== TransferState.PENDING);
    replace(el, h("span", { class: "mc-icon", attrs: { "aria-hidden": "true" } }, "⇄"), h("span", "mc-main", h("span", "mc-title", formatYuan(amount)), h("span", "mc-sub", x?.note || el.dataset.text || state)), h("span", "mc-state", state), h("span", "mc-foot", t("w_transfer")));
    return;
  }
  const p = packets.get(k);
  let state = t("w_p_open_it");
  let s = "loading";
  if (p) {
    const g = grabbedBy(p, st.me);
    if (g) [s, state] = ["grabbed", t("w_p_grabbed", formatYuan(g.amount))];
    else if (p.state === RedPacketState.FINISHED) [s, state] = ["finished", p.group ? t("w_p_all_taken") : t("w_p_taken")];
    else if (p.state === RedPacketState.REFUNDED || Number(p.expires) <= Date.now()) [s, state] = ["expired", t("w_p_expired")];
    else if (mine && !p.group) [s, state] = ["open", t("w_p_not_opened")];
    else s = "open";
  }
  el.dataset.state = s;
  el.classList.toggle("done", s !== "open" && s !== "loading");
  replace(el, h("span", { class: "mc-icon", attrs: { "aria-hidden": "true" } }, "福"), h("span", "mc-main", h("span", "mc-title", p?.greeting || el.dataset.text || t("w_p_default_greeting")), h("span", "mc-sub", state)), h("span", "mc-foot", t("w_red_packet")));
}

// ---- the payment password pad ----

interface PadOpts<T> {
  title: string;
  hint?: string;
  amount?: bigint;
  // submit gets the six digits; what it throws shows in the pad, which
  // stays open for another try.
  submit: (pin: string) => Promise<T>;
}

// pinPad asks for six digits (typed, or on its own keypad) and runs
// submit with them; it resolves with submit's result, or undefined when
// closed.
export function pinPad<T>(o: PadOpts<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    let done = false;
    let running = false;
    let tries = 0;
    const input = h("input", {
      class: "pin-input",
      attrs: { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: 6, pattern: "[0-9]*", "aria-label": t("w_pin"), name: "pin" },
      data: { pinInput: "" },
    });
    const dots = h("div", { class: "pin-dots", attrs: { "aria-hidden": "true" } }, ...Array.from({ length: 6 }, () => h("span", "pin-dot")));
    const status = h("div", { class: "pay-status", attrs: { role: "status", "aria-live": "polite" }, data: { payStatus: "" } });
    const show = () => {
      const n = input.value.length;
      dots.querySelectorAll(".pin-dot").forEach((d, i) => d.classList.toggle("on", i < n));
    };
    const go = async () => {
      if (running || input.value.length !== 6) return;
      running = true;
      box.dataset.state = "busy";
      input.disabled = true;
      status.className = "pay-status busy";
      replace(status, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), o.amount !== undefined ? t("w_paying") : t("w_checking"));
      try {
        const r = await o.submit(input.value);
        done = true;
        close();
        resolve(r);
      } catch (e) {
        box.dataset.state = "error";
        box.dataset.tries = String(++tries);
        status.className = "pay-status error";
        replace(status, padError(e));
        input.value = "";
        show();
      } finally {
        running = false;
        input.disabled = false;
        if (!done) input.focus();
      }
    };
    input.addEventListener("input", () => {
      input.value = input.value.replace(/\D/g, "").slice(0, 6);
      show();
      if (input.value.length === 6) void go();
    });
    const key = (label: string, fn: () => void, name: string, aria?: string) =>
      h("button", { class: "pin-key", attrs: { type: "button", "aria-label": aria ?? label, tabindex: -1 }, data: { key: name }, on: { click: () => !running && (fn(), show(), input.value.length === 6 ? void go() : input.focus()) } }, label);
    const digit = (d: string) => key(d, () => (input.value = (input.value + d).slice(0, 6)), d);
    const pad = h(
      "div",
      "pin-keys",
      ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map(digit),
      h("span", "pin-key blank"),
      digit("0"),
      key("⌫", () => (input.value = input.value.slice(0, -1)), "back", t("w_pin_delete")),
    );
    const box = h(
      "div",
      { class: "pay-pad", data: { pay: "" } },
      h("h2", null, o.title),
      o.amount !== undefined ? h("div", { class: "pay-amount", data: { payAmount: "" } }, formatYuan(o.amount)) : null,
      h("p", "hint", o.hint ?? t("w_enter_pin")),
      h("label", "pin-field", dots, input),
      status,
      pad,
      h("button", { class: "btn wide", attrs: { type: "button" }, on: { click: () => close() } }, t("cancel")),
    );
    const close = modal(box, { cls: "pay-back", onClose: () => !done && resolve(undefined) });
    input.focus();
  });
}

// padError says in plain words why a payment or password was refused; a
// locked password says until when.
function padError(e: unknown): string {
  if (e instanceof ApiError && e.reason === "pin_locked") {
    const until = lockedUntil(e.message);
    return until ? t("w_pin_locked_until", formatTime(until.getTime(), true)) : t("err_r_pin_locked");
  }
  if (e instanceof ApiError && e.reason === "wrong_pin" && e.code === "unauthenticated") return t("w_pin_wrong");
  return errorText(e);
}

// pay confirms a payment with the payment password: the key is made once
// and kept while the answer may have been lost (so a retry pays once); a
// refusal makes a new one for the next try.
export function pay<T>(title: string, amount: bigint, run: (pin: string, key: string) => Promise<T>): Promise<T | undefined> {
  let key = newKey();
  return pinPad({
    title,
    amount,
    submit: async (pin) => {
      try {
        return await run(pin, key);
      } catch (e) {
        if (!retryable(e)) key = newKey();
        throw e;
      }
    },
  });
}

// ---- forms with an amount ----

interface FormField {
  name: string;
  label: string;
  kind?: "amount" | "count" | "text" | "password" | "select";
  value?: string;
  max?: number;
  options?: [string, string][];
}

// moneyForm asks for an amount and more; check returns an error to show
// (the form stays) or undefined; a live line (the total) follows typing.
function moneyForm(
  title: string,
  fields: FormField[],
  okLabel: string,
  check: (v: Record<string, string>) => string | undefined,
  live?: (v: Record<string, string>, form: HTMLFormElement) => string,
): Promise<Record<string, string> | null> {
  return new Promise((resolve) => {
    let done = false;
    const inputs = fields.map((f) => {
      const attrs: Record<string, string | number> = { name: f.name, "aria-label": f.label };
      let el: HTMLInputElement | HTMLSelectElement;
      if (f.kind === "select") el = h("select", { attrs }, ...(f.options ?? []).map(([v, l]) => h("option", { attrs: { value: v }, props: { selected: v === f.value } }, l)));
      else if (f.kind === "amount") el = h("input", { attrs: { ...attrs, inputmode: "decimal", placeholder: "0.00", autocomplete: "off" }, props: { value: f.value ?? "" } });
      else if (f.kind === "count") el = h("input", { attrs: { ...attrs, inputmode: "numeric", placeholder: "1", autocomplete: "off" }, props: { value: f.value ?? "" } });
      else if (f.kind === "password") el = h("input", { attrs: { ...attrs, type: "password", maxlength: f.max ?? 128, autocomplete: "current-password" }, props: { value: "" } });
      else el = h("input", { attrs: { ...attrs, maxlength: f.max ?? 100, autocomplete: "off" }, props: { value: f.value ?? "" } });
      return [f, el] as const;
    });
    const values = () => Object.fromEntries(inputs.map(([f, el]) => [f.name, el.value]));
    const err = h("div", { class: "form-error", attrs: { role: "alert" }, data: { formError: "" } });
    const total = h("div", { class: "form-total", data: { formTotal: "" } });
    const form = h(
      "form",
      { class: "dialog-form money-form", attrs: { novalidate: true } },
      h("h2", null, title),
      ...inputs.map(([f, el]) =>
        h("label", { class: `field ${f.kind === "amount" ? "amount-field" : ""}`, data: { field: f.name } }, h("span", null, f.label), f.kind === "amount" ? h("span", "yuan-sign", "¥") : null, el),
      ),
      total,
      err,
      h(
        "div",
        "dialog-actions",
        h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("cancel")),
        h("button", { class: "btn primary", attrs: { type: "submit" }, data: { action: "submit" } }, okLabel),
      ),
    );
    const update = () => {
      if (live) total.textContent = live(values(), form);
    };
    form.addEventListener("input", () => {
      err.textContent = "";
      update();
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const v = values();
      const bad = check(v);
      if (bad) {
        err.textContent = bad;
        return;
      }
      done = true;
      close();
      resolve(v);
    });
    update();
    const close = modal(form, { onClose: () => !done && resolve(null) });
  });
}

function amountError(s: string, max?: bigint): string | undefined {
  const fen = parseYuan(s);
  if (fen === undefined) return t("w_amount_format");
  if (fen < 1n) return t("w_amount_min");
  if (max !== undefined && fen > max) return t("w_amount_max", formatYuan(max));
  return undefined;
}

const MAX_PACKET = 20000n; // fen: 200 yuan, the server's default limit

// ---- sending from a chat ----

// sendTransfer asks for an amount and a note, then the payment password.
export async function sendTransfer(peer: bigint): Promise<void> {
  const st = bind();
  const v = await moneyForm(
    t("w_transfer_to", st.name(peer)),
    [
      { name: "amount", label: t("w_amount"), kind: "amount" },
      { name: "note", label: t("w_note_optional"), kind: "text", max: 100 },
    ],
    t("w_transfer"),
    (v) => amountError(v.amount),
  );
  if (!v) return;
  const amount = parseYuan(v.amount)!;
  const note = v.note.trim();
  const r = await pay(t("w_transfer_to", st.name(peer)), amount, (pin, key) => app.conn.call("transfer", { to: peer, amount, note, pin, key }, "transfer"));
  if (r) keepTransfer(r);
}

// sendRedPacket asks for the packet (in a group: lucky or the same each,
// how many, the amount), the greeting, then the payment password.
export async function sendRedPacket(to: { peer?: bigint; group?: bigint }): Promise<void> {
  const st = bind();
  const group = to.group ?? 0n;
  const members = group ? (st.groups.get(String(group))?.memberCount ?? 100) : 1;
  const fields: FormField[] = group
    ? [
        { name: "type", label: t("w_p_type"), kind: "select", value: "lucky", options: [["lucky", t("w_p_lucky")], ["normal", t("w_p_normal")]] },
        { name: "count", label: t("w_p_count", Math.min(100, members)), kind: "count" },
        { name: "amount", label: t("w_p_amount_total"), kind: "amount" },
        { name: "greeting", label: t("w_p_greeting"), kind: "text", max: 60 },
      ]
    : [
        { name: "amount", label: t("w_amount"), kind: "amount" },
        { name: "greeting", label: t("w_p_greeting"), kind: "text", max: 60 },
      ];
  const totalOf = (v: Record<string, string>): bigint | undefined => {
    const fen = parseYuan(v.amount);
    if (fen === undefined) return undefined;
    if (!group || v.type === "lucky") return fen;
    const n = /^\d{1,3}$/.test(v.count ?? "") ? BigInt(v.count) : 0n;
    return fen * n;
  };
  const v = await moneyForm(
    t("w_red_packet"),
    fields,
    t("w_p_put_money"),
    (v) => {
      if (group) {
        const n = /^\d{1,3}$/.test(v.count) ? Number(v.count) : 0;
        if (n < 1 || n > Math.min(100, members)) return t("w_p_count_bad", Math.min(100, members));
        const bad = amountError(v.amount);
        if (bad) return bad;
        const total = totalOf(v)!;
        if (total < BigInt(n)) return t("w_p_share_min");
        if (total > MAX_PACKET) return t("w_amount_max", formatYuan(MAX_PACKET));
        return undefined;
      }
      return amountError(v.amount, MAX_PACKET);
    },
    (v, form) => {
      if (group) {
        const lab = form.querySelector('[data-field="amount"] > span');
        if (lab) lab.textContent = v.type === "lucky" ? t("w_p_amount_total") : t("w_p_amount_each");
      }
      return formatYuan(totalOf(v) ?? 0n);
    },
  );
  if (!v) return;
  const amount = totalOf(v)!;
  const greeting = v.greeting.trim();
  const count = group ? Number(v.count) : 1;
  const lucky = !!group && v.type === "lucky";
  const r = await pay(t("w_red_packet"), amount, (pin, key) =>
    app.conn.call("redPacketSend", { peer: to.peer ?? 0n, group, amount, count, lucky, greeting, pin, key }, "redPacket"),
  );
  if (r) keepPacket(r);
}

// ---- transfer details ----

function transferState(x: Transfer, me: bigint): string {
  const st = app.store!;
  switch (x.state) {
    case TransferState.PENDING:
      return x.from === me ? t("w_t_wait_them", st.name(x.to)) : t("w_t_wait_you");
    case TransferState.ACCEPTED:
      return x.from === me ? t("w_t_accepted_them") : t("w_t_accepted_me");
    case TransferState.RETURNED:
      return t("w_t_returned");
    default:
      return t("w_t_refunded");
  }
}

export async function openTransfer(id: bigint): Promise<void> {
  const st = bind();
  const k = `t${id}`;
  const body = h("div", { class: "money-detail transfer-detail", data: { screen: "transfer-detail", transfer: String(id) } });
  const status = h("div", { class: "pay-status", attrs: { role: "status", "aria-live": "polite" } });
  const close = modal(h("div", null, h("h2", "sr-only", t("w_transfer")), body, status), { label: t("w_transfer"), cls: "money-back" });
  const act = async (what: "transferAccept" | "transferReturn") => {
    body.querySelectorAll("button").forEach((b) => (b.disabled = true));
    status.className = "pay-status busy";
    replace(status, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), what === "transferAccept" ? t("w_t_accepting") : t("w_t_returning"));
    try {
      keepTransfer(await app.conn.call(what, { transfer: id }, "transfer"));
      replace(status);
      status.className = "pay-status";
    } catch (e) {
      status.className = "pay-status error";
      replace(status, errorText(e));
      load(k).catch(() => {});
    }
    render();
  };
  const render = () => {
    const x = transfers.get(k);
    if (!body.isConnected) return;
    if (!x) return replace(body, h("p", "hint", t("loading")));
    body.dataset.state = ["pending", "accepted", "returned", "refunded"][x.state] ?? "";
    const toMe = x.to === st.me;
    replace(
      body,
      h("div", { class: `md-icon ${x.state === TransferState.PENDING ? "" : "done"}`, attrs: { "aria-hidden": "true" } }, x.state === TransferState.ACCEPTED ? "✓" : "⇄"),
      h("div", { class: "md-state", data: { transferState: "" } }, transferState(x, st.me)),
      h("div", { class: "md-amount", data: { transferAmount: "" } }, formatYuan(x.amount)),
      x.note ? h("p", "md-note", x.note) : null,
      x.state === TransferState.PENDING && toMe
        ? h(
            "div",
            "md-actions",
            h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "accept" }, on: { click: () => void act("transferAccept") } }, t("w_t_accept")),
            h("button", { class: "btn wide", attrs: { type: "button" }, data: { action: "return" }, on: { click: () => void act("transferReturn") } }, t("w_t_return")),
          )
        : null,
      x.state === TransferState.PENDING ? h("p", "hint", toMe ? t("w_t_hint_receiver") : t("w_t_hint_sender")) : null,
      h(
        "dl",
        "md-facts",
        h("dt", null, t("w_t_from")),
        h("dd", null, st.name(x.from)),
        h("dt", null, t("w_t_to")),
        h("dd", null, st.name(x.to)),
        h("dt", null, t("w_t_created")),
        h("dd", null, formatTime(Number(x.created), true)),
        x.settled ? [h("dt", null, t("w_t_settled")), h("dd", null, formatTime(Number(x.settled), true))] : null,
      ),
      h("button", { class: "btn wide", attrs: { type: "button" }, on: { click: () => close() } }, t("close")),
    );
  };
  const off = (it: Change["item"]) => it.case === "transfer" && it.value.id === id && render();
  listeners.add(off);
  const obs = new MutationObserver(() => !body.isConnected && (listeners.delete(off), obs.disconnect()));
  obs.observe(document.body, { childList: true });
  render();
  await load(k).catch((e) => replace(body, h("p", "form-error", errorText(e))));
  render();
}

// ---- red packets ----

export async function openPacket(id: bigint, sender: bigint): Promise<void> {
  const st = bind();
  const k = `p${id}`;
  const body = h("div", { class: "money-detail packet-view", data: { packet: String(id) } });
  const close = modal(h("div", null, h("h2", "sr-only", t("w_red_packet")), body), { label: t("w_red_packet"), cls: "money-back packet-back" });
  let note = "";
  let opened = false;
  const head = (p: RedPacket | undefined) => {
    const from = p?.sender ?? sender;
    const name = st.name(from, p?.group || undefined);
    return h(
      "div",
      "pk-head",
      avatar(name, st.profileOf(from)?.avatar, "m"),
      h("div", "pk-from", t("w_p_from", name)),
      h("div", "pk-greeting", p?.greeting || t("w_p_default_greeting")),
    );
  };
  const canGrab = (p: RedPacket) =>
    !grabbedBy(p, st.me) && p.state === RedPacketState.OPEN && Number(p.expires) > Date.now() && (p.group ? app.isGroupMember(p.group) : p.peer === st.me);
  const grab = async (btn: HTMLButtonElement) => {
    btn.disabled = true;
    const status = body.querySelector<HTMLElement>("[data-pay-status]")!;
    status.className = "pay-status busy";
    replace(status, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), t("w_p_opening"));
    try {
      await app.conn.call("redPacketGrab", { packet: id }, "redPacketGrabbed");
      opened = true;
    } catch (e) {
      note = e instanceof ApiError && e.reason === "all_taken" ? t("w_p_too_late") : errorText(e);
    }
    await load(k).catch(() => {});
    render();
  };
  const render = () => {
    if (!body.isConnected) return;
    const p = packets.get(k);
    if (!p) return replace(body, head(undefined), h("p", "hint", t("loading")));
    if (canGrab(p) && !opened && !note) {
      body.dataset.screen = "packet-open";
      const btn = h("button", { class: "pk-open", attrs: { type: "button", "aria-label": t("w_p_open") }, data: { action: "open-packet" } }, t("w_p_open_char"));
      btn.addEventListener("click", () => void grab(btn));
      replace(body, head(p), btn, h("div", { class: "pay-status", attrs: { role: "status", "aria-live": "polite" }, data: { payStatus: "" } }));
      return;
    }
    body.dataset.screen = "packet-detail";
    const mine = grabbedBy(p, st.me);
    body.dataset.state = mine ? "grabbed" : p.state === RedPacketState.FINISHED ? "finished" : p.state === RedPacketState.REFUNDED ? "expired" : "open";
    const taken = p.total - p.left;
    let line = "";
    if (p.state === RedPacketState.FINISHED) line = t("w_p_line_finished", p.count, formatYuan(p.total));
    else if (p.state === RedPacketState.REFUNDED) line = t("w_p_line_refunded", p.count - p.leftCount, p.count, formatYuan(p.refunded));
    else line = t("w_p_line_open", p.count - p.leftCount, p.count, formatYuan(taken), formatYuan(p.total));
    replace(
      body,
      head(p),
      mine ? h("div", { class: "md-amount pk-mine", data: { myShare: "" } }, formatYuan(mine.amount)) : null,
      mine ? h("p", "hint center", t("w_p_in_wallet")) : null,
      note ? h("p", { class: "pk-note", attrs: { role: "alert" }, data: { packetNote: "" } }, note) : null,
      !mine && !note && p.sender === st.me && !p.group && p.state === RedPacketState.OPEN ? h("p", "hint center", t("w_p_not_opened")) : null,
      !mine && !note && p.state === RedPacketState.REFUNDED ? h("p", { class: "pk-note", data: { packetNote: "" } }, t("w_p_expired_long")) : null,
      h("div", { class: "pk-line", data: { packetLine: "" } }, `${p.lucky ? t("w_p_lucky") : t("w_p_normal")} · ${line}`),
      p.grabs.length
        ? h(
            "ul",
            { class: "pk-grabs", attrs: { "aria-label": t("w_p_who") } },
            ...p.grabs.map((g) => {
              const name = st.name(g.user, p.group || undefined);
              const best = p.luckiest !== 0n && p.luckiest === g.user;
              return h(
                "li",
                { class: "pk-grab", data: { grab: String(g.user), ...(best ? { luckiest: "" } : {}) } },
                avatar(name, st.profileOf(g.user)?.avatar, "s"),
                h("span", "pk-grab-main", h("span", "pk-grab-name", name), h("span", "pk-grab-time", formatTime(Number(g.time), true))),
                h("span", "pk-grab-right", h("span", "pk-grab-amount", formatYuan(g.amount)), best ? h("span", "pk-best", t("w_p_best")) : null),
              );
            }),
          )
        : h("p", "empty", t("w_p_nobody")),
      h("button", { class: "btn wide", attrs: { type: "button" }, on: { click: () => close() } }, t("close")),
    );
  };
  const off = (it: Change["item"]) => it.case === "redPacket" && it.value.id === id && render();
  listeners.add(off);
  const obs = new MutationObserver(() => !body.isConnected && (listeners.delete(off), obs.disconnect()));
  obs.observe(document.body, { childList: true });
  render();
  // Always read it afresh: a group packet's card is not told of others'
  // grabs.
  await load(k).catch((e) => replace(body, head(undefined), h("p", "form-error", errorText(e))));
  render();
}

// ---- Me → Wallet ----

const kindKey: Record<number, Key> = {
  [WalletEntryKind.TOP_UP]: "w_k_topup",
  [WalletEntryKind.WITHDRAW]: "w_k_withdraw",
  [WalletEntryKind.WITHDRAW_REVERT]: "w_k_withdraw_revert",
  [WalletEntryKind.TRANSFER_SEND]: "w_k_transfer_send",
  [WalletEntryKind.TRANSFER_ACCEPT]: "w_k_transfer_accept",
  [WalletEntryKind.TRANSFER_RETURN]: "w_k_transfer_return",
  [WalletEntryKind.TRANSFER_REFUND]: "w_k_transfer_refund",
  [WalletEntryKind.RED_PACKET_SEND]: "w_k_packet_send",
  [WalletEntryKind.RED_PACKET_GRAB]: "w_k_packet_grab",
  [WalletEntryKind.RED_PACKET_REFUND]: "w_k_packet_refund",
};

function movementTitle(m: WalletMovement): string {
  const label = kindKey[m.kind] ? t(kindKey[m.kind]) : t("w_k_other");
  return m.peer ? `${label} · ${app.store!.name(m.peer)}` : label;
}

const isTransferKind = (k: WalletEntryKind) => k >= WalletEntryKind.TRANSFER_SEND && k <= WalletEntryKind.TRANSFER_REFUND;
const isPacketKind = (k: WalletEntryKind) => k >= WalletEntryKind.RED_PACKET_SEND && k <= WalletEntryKind.RED_PACKET_REFUND;

function movementDetail(m: WalletMovement): void {
  const st = app.store!;
  const box = h(
    "div",
    { class: "money-detail movement-detail", data: { screen: "movement", entry: String(m.entry) } },
    h("h2", null, kindKey[m.kind] ? t(kindKey[m.kind]) : t("w_k_other")),
    h("div", { class: `md-amount ${m.amount > 0n ? "in" : "out"}` }, signedYuan(m.amount)),
    h(
      "dl",
      "md-facts",
      h("dt", null, t("w_m_time")),
      h("dd", null, formatTime(Number(m.time), true)),
      m.peer ? [h("dt", null, m.amount > 0n ? t("w_m_from") : t("w_m_to")), h("dd", null, st.name(m.peer))] : null,
      h("dt", null, t("w_m_entry")),
      h("dd", null, String(m.entry)),
    ),
    m.ref && isTransferKind(m.kind)
      ? h("button", { class: "btn wide", attrs: { type: "button" }, data: { action: "show-transfer" }, on: { click: () => (close(), void openTransfer(m.ref)) } }, t("w_m_show_transfer"))
      : null,
    m.ref && isPacketKind(m.kind)
      ? h("button", { class: "btn wide", attrs: { type: "button" }, data: { action: "show-packet" }, on: { click: () => (close(), void openPacket(m.ref, 0n)) } }, t("w_m_show_packet"))
      : null,
    h("button", { class: "btn wide", attrs: { type: "button" }, on: { click: () => close() } }, t("close")),
  );
  const close = modal(box, { cls: "money-back" });
}

const PAGE = 30;

export function walletView(): View {
  bind();
  const scope = new Scope();
  const balanceEl = h("div", { class: "wallet-balance", data: { balance: "" } }, "¥—");
  const busyEl = h("div", { class: "pay-status", attrs: { role: "status", "aria-live": "polite" }, data: { walletStatus: "" } });
  const summaryEl = h("div", { class: "wallet-summary", data: { summary: "" } });
  const listEl = h("div", { class: "wallet-list", data: { ledger: "" } });
  const filter = h(
    "select",
    { class: "wallet-filter", attrs: { "aria-label": t("w_filter") }, data: { filter: "" } },
    h("option", { attrs: { value: "" } }, t("w_f_all")),
    h("option", { attrs: { value: "in" } }, t("w_f_in")),
    h("option", { attrs: { value: "out" } }, t("w_f_out")),
    h("option", { attrs: { value: "transfer" } }, t("w_f_transfer")),
    h("option", { attrs: { value: "packet" } }, t("w_f_packet")),
    h("option", { attrs: { value: "provider" } }, t("w_f_provider")),
  );
  let movements: WalletMovement[] = [];
  let more = false;
  let failed = "";
  let loaded = false;
  const kindsOf = (f: string): WalletEntryKind[] =>
    f === "transfer"
      ? [WalletEntryKind.TRANSFER_SEND, WalletEntryKind.TRANSFER_ACCEPT, WalletEntryKind.TRANSFER_RETURN, WalletEntryKind.TRANSFER_REFUND]
      : f === "packet"
        ? [WalletEntryKind.RED_PACKET_SEND, WalletEntryKind.RED_PACKET_GRAB, WalletEntryKind.RED_PACKET_REFUND]
        : f === "provider"
          ? [WalletEntryKind.TOP_UP, WalletEntryKind.WITHDRAW, WalletEntryKind.WITHDRAW_REVERT]
          : [];
  const renderBalance = () => (balanceEl.textContent = balance === undefined ? "¥—" : formatYuan(balance));
  const renderList = () => {
    if (!loaded) return replace(listEl, h("p", "hint center", failed || t("loading")));
    if (!movements.length) return replace(listEl, failed ? h("p", "form-error", failed) : empty(filter.value ? t("w_empty_filtered") : t("w_empty")));
    replace(
      listEl,
      ...movements.map((m) =>
        row({
          title: movementTitle(m),
          sub: formatTime(Number(m.time), true),
          right: h("span", { class: `amount ${m.amount > 0n ? "in" : "out"}` }, signedYuan(m.amount)),
          onClick: () => movementDetail(m),
          data: { movement: String(m.entry), kind: String(m.kind) },
        }),
      ),
      more ? h("button", { class: "btn wide", attrs: { type: "button" }, data: { action: "more" }, on: { click: () => void page(false) } }, t("w_more")) : null,
    );
  };
  const page = async (first: boolean) => {
    const f = filter.value;
    try {
      const r = await app.conn.call(
        "walletHistory",
        { kinds: kindsOf(f) as never, onlyIn: f === "in", onlyOut: f === "out", before: first || !movements.length ? 0n : movements[movements.length - 1].entry, limit: PAGE },
        "walletHistory",
      );
      if (f !== filter.value) return;
      movements = first ? r.movements : [...movements, ...r.movements];
      more = r.more;
      failed = "";
    } catch (e) {
      failed = errorText(e);
    }
    loaded = true;
    renderList();
  };
  const loadSummary = async () => {
    try {
      const r = await app.conn.call("walletSummary", { months: 1, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "" }, "walletSummary");
      const m = r.months[0];
      replace(summaryEl, m ? t("w_month", formatYuan(m.moneyIn), formatYuan(m.moneyOut)) : "");
    } catch {
      replace(summaryEl);
    }
  };
  const loadBalance = async () => {
    try {
      balance = (await app.conn.call("walletBalance", {}, "walletBalance")).balance;
    } catch (e) {
      if (balance === undefined) busyEl.textContent = errorText(e);
    }
    renderBalance();
  };
  const reloadAll = () => void Promise.all([loadBalance(), page(true), loadSummary()]);
  filter.addEventListener("change", () => {
    movements = [];
    loaded = false;
    renderList();
    void page(true);
  });

  // Top-up and withdrawal through the payment provider, with progress.
  const provider = async (what: "walletTopup" | "walletWithdraw") => {
    const top = what === "walletTopup";
    const v = await moneyForm(top ? t("w_topup") : t("w_withdraw"), [{ name: "amount", label: t("w_amount"), kind: "amount" }], top ? t("w_topup") : t("w_withdraw"), (v) =>
      amountError(v.amount, top ? undefined : balance),
    );
    if (!v) return;
    const amount = parseYuan(v.amount)!;
    const key = newKey();
    el.querySelectorAll<HTMLButtonElement>(".wallet-actions button").forEach((b) => (b.disabled = true));
    busyEl.className = "pay-status busy";
    replace(busyEl, h("span", { class: "spinner", attrs: { "aria-hidden": "true" } }), top ? t("w_topping_up", formatYuan(amount)) : t("w_withdrawing", formatYuan(amount)));
    for (let attempt = 0; ; attempt++) {
      try {
        await app.conn.call(what, { amount, key }, "walletMovement", 60000);
        busyEl.className = "pay-status";
        replace(busyEl);
        toast(top ? t("w_topped_up", formatYuan(amount)) : t("w_withdrawn", formatYuan(amount)));
        break;
      } catch (e) {
        // Lost on the way: ask again with the same key (it moves once).
        if (retryable(e) && attempt < 2 && !(e instanceof ApiError && e.reason)) {
          await app.conn.soon().catch(() => {});
          continue;
        }
        busyEl.className = "pay-status error";
        replace(busyEl, errorText(e));
        break;
      }
    }
    el.querySelectorAll<HTMLButtonElement>(".wallet-actions button").forEach((b) => (b.disabled = false));
    reloadAll();
  };

  const showCode = (code: string) => {
    const box = h(
      "div",
      { class: "dialog-form", data: { screen: "recovery-code" } },
      h("h2", null, t("w_pin_set_done")),
      h("p", null, t("w_recovery_hint")),
      h("code", { class: "recovery-code", data: { recoveryCode: "" } }, code),
      h("div", "dialog-actions", h("button", { class: "btn primary", attrs: { type: "button" }, on: { click: () => close() } }, t("done"))),
    );
    const close = modal(box);
  };
  const newPin = async (title: string, then: (pin: string) => Promise<string>) => {
    const first = await pinPad({ title, hint: t("w_pin_new_hint"), submit: async (p) => p });
    if (!first) return;
    const code = await pinPad({
      title,
      hint: t("w_pin_again"),
      submit: async (p) => {
        if (p !== first) throw new Error(t("w_pin_mismatch"));
        return then(p);
      },
    });
    if (code === undefined) return;
    if (code) showCode(code);
    else toast(t("w_pin_changed"));
  };
  const setPin = () => newPin(t("w_pin_set"), async (pin) => (await app.conn.call("walletSetPin", { pin }, "walletPinSet")).recoveryCode);
  const changePin = async () => {
    const old = await pinPad({ title: t("w_pin_change"), hint: t("w_pin_old_hint"), submit: async (p) => p });
    if (!old) return;
    await newPin(t("w_pin_change"), async (pin) => {
      try {
        return (await app.conn.call("walletSetPin", { pin, old }, "walletPinSet")).recoveryCode;
      } catch (e) {
        // The current password was checked only now: start again.
        if (e instanceof ApiError && e.reason === "wrong_pin" && e.code === "unauthenticated") throw new Error(t("w_pin_old_wrong"));
        throw e;
      }
    });
  };
  const resetPin = async () => {
    const v = await moneyForm(
      t("w_pin_reset"),
      [
        { name: "password", label: t("w_account_password"), kind: "password", max: 128 },
        { name: "code", label: t("w_recovery_code"), kind: "text", max: 64 },
      ],
      t("ok"),
      (v) => (!v.password ? t("w_account_password_needed") : v.code.trim() ? undefined : t("w_recovery_needed")),
    );
    if (!v) return;
    await newPin(t("w_pin_reset"), async (pin) => {
      try {
        return (await app.conn.call("walletResetPin", { password: v.password, recoveryCode: v.code.trim(), pin }, "walletPinSet")).recoveryCode;
      } catch (e) {
        // The account password was checked only now: start again.
        if (e instanceof ApiError && e.reason === "wrong_password") throw new Error(t("w_account_password_wrong"));
        throw e;
      }
    });
  };

  const el = h(
    "div",
    { class: "pane", data: { screen: "wallet" } },
    header({ title: t("w_wallet"), back: "/me" }),
    h(
      "div",
      "pane-body",
      h(
        "div",
        "wallet-card",
        h("div", "wallet-label", t("w_balance")),
        balanceEl,
        h(
          "div",
          "wallet-actions",
          h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "topup" }, on: { click: () => void provider("walletTopup") } }, t("w_topup")),
          h("button", { class: "btn", attrs: { type: "button" }, data: { action: "withdraw" }, on: { click: () => void provider("walletWithdraw") } }, t("w_withdraw")),
        ),
        busyEl,
        h("p", "hint", t("w_sandbox_hint")),
      ),
      section(
        null,
        row({
          title: t("w_pin"),
          sub: t("w_pin_sub"),
          data: { action: "pin" },
          onClick: () =>
            sheet(
              [
                [t("w_pin_set"), () => void setPin()],
                [t("w_pin_change"), () => void changePin()],
                [t("w_pin_reset"), () => void resetPin()],
              ],
              t("w_pin"),
            ),
        }),
      ),
      h("section", "group wallet-ledger", h("div", "wallet-ledger-head", h("h2", "group-title", t("w_ledger")), filter), summaryEl, listEl),
    ),
  );

  let timer = 0;
  const onMoney = (it: Change["item"]) => {
    if (it.case === "walletBalance") renderBalance();
    clearTimeout(timer);
    timer = window.setTimeout(() => void Promise.all([page(true), loadSummary()]), 150);
  };
  listeners.add(onMoney);
  scope.add(() => listeners.delete(onMoney));
  scope.add(() => clearTimeout(timer));
  scope.add(app.conn.on("ready", reloadAll));
  renderBalance();
  renderList();
  reloadAll();
  return { el, dispose: () => scope.dispose() };
}
