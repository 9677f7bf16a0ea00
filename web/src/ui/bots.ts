// Me → Bots: my bots (create one; its first token shown once), and each
// bot's tokens, webhook (URL and signing secret) and delivery log. The bot
// itself uses the HTTP API of docs/bots.md.
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { ask, busy, empty, errorText, header, modal, row, section, toastError } from "./widgets";
import { Scope } from "../lib/events";
import type { View } from "./shell";

// secretBox shows a value once, selectable, with a warning.
function secretBox(title: string, label: string, value: string): void {
  const input = h("input", { attrs: { type: "text", readonly: "", "aria-label": label }, props: { value }, data: { secret: "" } });
  const box = h(
    "div",
    "dialog-form",
    h("h2", null, title),
    h("p", "hint", t("b_token_once")),
    h("label", "field", h("span", null, label), input),
    h("div", "dialog-actions", h("button", { class: "btn primary", attrs: { type: "button" }, on: { click: () => close() } }, t("ok"))),
  );
  const close = modal(box);
  input.select();
}

export function botsView(): View {
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "bots" } }, header({ title: t("b_title"), back: "/me" }), body);
  const load = async () => {
    try {
      const list = await app.conn.call("botList", {}, "bots");
      const create = h("button", { class: "btn primary", attrs: { type: "button" }, data: { action: "bot-create" } }, t("b_create"));
      create.addEventListener("click", async () => {
        const v = await ask(t("b_create"), [{ name: "name", label: t("b_name"), maxlength: 32 }]);
        if (!v || !v.name.trim()) return;
        await busy(create, async () => {
          const c = await app.conn.call("botCreate", { name: v.name.trim() }, "botCreated");
          await load();
          secretBox(c.bot?.name ?? "", t("b_token"), c.token);
        });
      });
      replace(
        body,
        h("div", "form-actions", create),
        list.bots.length
          ? section(
              null,
              ...list.bots.map((b) =>
                row({ title: b.name, sub: `${t("b_account")}: ${b.accountId}`, onClick: () => router.go(`/me/bots/${b.id}`), data: { bot: String(b.id) } }),
              ),
            )
          : empty(t("b_empty")),
      );
    } catch (e) {
      replace(body, h("p", "form-error", errorText(e)));
    }
  };
  // A bot made on another device appears here too.
  const scope = new Scope();
  scope.add(app.store!.on("bots", () => void load()));
  load();
  return { el, dispose: () => scope.dispose() };
}

export function botView(id: bigint): View {
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "bot" } }, header({ title: t("me_bots"), back: "/me/bots" }), body);
  const load = async () => {
    try {
      const [list, hook, log] = await Promise.all([
        app.conn.call("botList", {}, "bots"),
        app.conn.call("botWebhookGet", { bot: id }, "botWebhook"),
        app.conn.call("botDeliveries", { bot: id, limit: 50 }, "botDeliveries"),
      ]);
      const b = list.bots.find((x) => x.id === id);
      const tokenBtn = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "bot-token" } }, t("b_new_token"));
      tokenBtn.addEventListener("click", async () => {
        const v = await ask(t("b_new_token"), [
          { name: "scopes", label: t("b_scopes"), value: "messages:send,groups:read" },
          { name: "group", label: t("b_group_only"), maxlength: 20 },
        ]);
        if (!v) return;
        const group = /^\d+$/.test(v.group.trim()) ? BigInt(v.group.trim()) : 0n;
        const scopes = v.scopes.split(",").map((s) => s.trim()).filter(Boolean);
        await busy(tokenBtn, async () => {
          const r = await app.conn.call("botToken", { bot: id, scopes, group }, "botToken");
          secretBox(b?.name ?? "", t("b_token"), r.token);
        });
      });
      const hookBtn = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "bot-webhook" } }, t("b_webhook_set"));
      hookBtn.addEventListener("click", async () => {
        const v = await ask(t("b_webhook_set"), [{ name: "url", label: t("b_webhook"), value: hook.url, type: "url", maxlength: 2048 }]);
        if (!v || !v.url.trim()) return;
        await busy(hookBtn, async () => {
          const w = await app.conn.call("botWebhookSet", { bot: id, url: v.url.trim() }, "botWebhook");
          await load();
          secretBox(b?.name ?? "", t("b_secret"), w.secret);
        });
      });
      const offBtn = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "bot-webhook-off" } }, t("b_webhook_off"));
      offBtn.addEventListener("click", () => busy(offBtn, async () => {
        await app.conn.call("botWebhookSet", { bot: id, url: "" }, "botWebhook");
        await load();
      }));
      const refresh = h("button", { class: "btn", attrs: { type: "button" }, data: { action: "bot-refresh" } }, t("b_refresh"));
      refresh.addEventListener("click", () => load().catch(toastError));
      const statusName = (s: string) => (s === "delivered" ? t("b_status_delivered") : s === "failed" ? t("b_status_failed") : t("b_status_pending"));
      replace(
        body,
        h("div", "me-card", h("span", "profile-main", h("span", "profile-name", b?.name ?? ""), h("span", "profile-id", `${t("b_account")}: ${b?.accountId ?? ""}`))),
        h("div", "form-actions", tokenBtn),
        section(
          t("b_webhook"),
          hook.url ? row({ title: hook.url, data: { webhook: "" } }) : h("p", "hint", t("b_webhook_none")),
          h("div", "form-actions", hookBtn, hook.url ? offBtn : null),
        ),
        section(
          t("b_deliveries"),
          h("div", "form-actions", refresh),
          log.deliveries.length
            ? h(
                "div",
                { data: { list: "deliveries" } },
                ...log.deliveries.map((d) =>
                  row({
                    title: `${d.eventType} · ${statusName(d.status)}`,
                    sub: `${t("b_attempts", String(d.attempts))}${d.lastStatus ? ` · HTTP ${d.lastStatus}` : ""}${d.lastError ? ` · ${d.lastError}` : ""}`,
                    right: formatTime(Number(d.updated)),
                    data: { delivery: d.status },
                  }),
                ),
              )
            : empty(t("b_deliveries_empty")),
        ),
      );
    } catch (e) {
      replace(body, h("p", "form-error", errorText(e)));
    }
  };
  load();
  return { el };
}
