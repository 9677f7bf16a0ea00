// Signing in: password login, registration, QR login (this device shows a
// code that a signed-in device confirms) and password recovery.
import { h, replace } from "../lib/dom";
import { t, currentLang, setLang } from "../lib/i18n";
import { app } from "../lib/app";
import { deviceName } from "../lib/session";
import { QrState } from "../lib/proto";
import { busy, errorText } from "./widgets";

type Mode = "login" | "register" | "qr" | "recover";

export function authScreen(initial: Mode = "login", note = ""): HTMLElement {
  let mode: Mode = initial;
  let stopQr = () => {};
  const body = h("div", "auth-body");
  const tabs = h("div", { class: "auth-tabs", attrs: { role: "tablist" } });
  const root = h(
    "div",
    { class: "auth", data: { screen: "auth" } },
    h(
      "div",
      "auth-card",
      h("div", "auth-brand", h("div", "logo", "鸿雁"), h("div", "auth-name", t("app_name")), h("p", "auth-tagline", t("tagline"))),
      note ? h("p", "auth-note", note) : null,
      tabs,
      body,
      h(
        "div",
        "auth-lang",
        h("button", { class: "link", attrs: { type: "button" }, on: { click: () => switchLang() } }, currentLang() === "zh" ? "English" : "中文"),
      ),
    ),
  );

  const switchLang = () => {
    setLang(currentLang() === "zh" ? "en" : "zh");
    stopQr();
    root.replaceWith(authScreen(mode, note));
  };

  const show = (m: Mode) => {
    stopQr();
    mode = m;
    replace(
      tabs,
      ...(["login", "register", "qr"] as Mode[]).map((x) =>
        h("button", { class: `auth-tab ${x === m ? "on" : ""}`, attrs: { type: "button", role: "tab", "aria-selected": String(x === m) }, data: { tab: x }, on: { click: () => show(x) } }, t(x === "login" ? "auth_login" : x === "register" ? "auth_register" : "auth_qr")),
      ),
    );
    if (m === "login") replace(body, loginForm(show));
    else if (m === "register") replace(body, registerForm());
    else if (m === "recover") replace(body, recoverForm(show));
    else {
      const q = qrPanel();
      stopQr = q.stop;
      replace(body, q.el);
    }
  };
  show(mode);
  return root;
}

function field(name: string, label: string, type = "text", extra: Record<string, string | number> = {}): HTMLElement {
  return h("label", "field", h("span", null, label), h("input", { attrs: { name, type, "aria-label": label, ...extra } }));
}

function formValues(f: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(f).forEach((v, k) => (out[k] = String(v)));
  return out;
}

function errorLine(): HTMLElement {
  return h("p", { class: "form-error", attrs: { role: "alert" } });
}

function loginForm(show: (m: Mode) => void): HTMLElement {
  const err = errorLine();
  const submit = h("button", { class: "btn primary wide", attrs: { type: "submit" } }, t("sign_in"));
  const f = h(
    "form",
    { class: "auth-form", data: { form: "login" } },
    field("login", t("login_id"), "text", { autocomplete: "username", required: "" }),
    field("password", t("password"), "password", { autocomplete: "current-password", required: "" }),
    err,
    submit,
    h("button", { class: "link", attrs: { type: "button" }, on: { click: () => show("recover") } }, t("forgot_password")),
  );
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = formValues(f);
    err.textContent = "";
    submit.disabled = true;
    try {
      await app.conn.soon();
      const s = await app.conn.call("login", { login: v.login.trim(), password: v.password, deviceName: deviceName() }, "session");
      await app.signIn(s);
    } catch (x) {
      err.textContent = errorText(x);
    } finally {
      submit.disabled = false;
    }
  });
  return f;
}

function registerForm(): HTMLElement {
  const err = errorLine();
  const submit = h("button", { class: "btn primary wide", attrs: { type: "submit" } }, t("register"));
  const f = h(
    "form",
    { class: "auth-form", data: { form: "register" } },
    field("account_id", t("account_id"), "text", { autocomplete: "username", required: "", minlength: 6, maxlength: 20, pattern: "[A-Za-z][A-Za-z0-9_\\-]{5,19}" }),
    h("p", "hint", t("account_id_hint")),
    field("nickname", t("nickname"), "text", { required: "", maxlength: 32 }),
    field("password", t("password"), "password", { autocomplete: "new-password", required: "", minlength: 8, maxlength: 128 }),
    field("phone", t("phone_optional"), "tel", { autocomplete: "tel" }),
    // A phone is bound only with the code sent to it.
    h("button", {
      class: "btn",
      attrs: { type: "button" },
      data: { action: "send-phone-code" },
      on: {
        click: (e) =>
          busy(e.currentTarget as HTMLButtonElement, async () => {
            const phone = formValues(f).phone.trim();
            if (!phone) return;
            err.textContent = "";
            try {
              await app.conn.soon();
              await app.conn.done("verifyContact", { channel: "phone", to: phone });
              err.textContent = t("code_sent_to", phone);
            } catch (x) {
              err.textContent = errorText(x);
            }
          }),
      },
    }, t("send_code")),
    field("phone_code", t("phone_code"), "text", { inputmode: "numeric", autocomplete: "one-time-code" }),
    err,
    submit,
  );
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = formValues(f);
    err.textContent = "";
    submit.disabled = true;
    try {
      await app.conn.soon();
      const s = await app.conn.call("register", { accountId: v.account_id.trim(), nickname: v.nickname.trim(), password: v.password, phone: v.phone.trim(), phoneCode: v.phone_code.trim(), deviceName: deviceName() }, "session");
      await app.signIn(s);
    } catch (x) {
      err.textContent = errorText(x);
    } finally {
      submit.disabled = false;
    }
  });
  return f;
}

function recoverForm(show: (m: Mode) => void): HTMLElement {
  const err = errorLine();
  const f = h(
    "form",
    { class: "auth-form", data: { form: "recover" } },
    h("p", "hint", t("recover_hint")),
    field("account_id", t("account_id"), "text", { required: "" }),
    h("label", "field", h("span", null, t("recover_via")), h("select", { attrs: { name: "via" } }, h("option", { attrs: { value: "phone" } }, t("phone")), h("option", { attrs: { value: "email" } }, t("email")))),
    h("button", {
      class: "btn",
      attrs: { type: "button" },
      on: {
        click: (e) =>
          busy(e.currentTarget as HTMLButtonElement, async () => {
            const v = formValues(f);
            await app.conn.soon();
            await app.conn.done("recoveryCode", { accountId: v.account_id.trim(), via: v.via });
            err.textContent = t("code_sent");
          }),
      },
    }, t("send_code")),
    field("code", t("code"), "text", { inputmode: "numeric" }),
    field("new_password", t("new_password"), "password", { autocomplete: "new-password", minlength: 8 }),
    err,
    h("button", { class: "btn primary wide", attrs: { type: "submit" } }, t("reset_password")),
    h("button", { class: "link", attrs: { type: "button" }, on: { click: () => show("login") } }, t("back_to_login")),
  );
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = formValues(f);
    try {
      await app.conn.soon();
      const s = await app.conn.call("recover", { accountId: v.account_id.trim(), code: v.code.trim(), newPassword: v.new_password, deviceName: deviceName() }, "session");
      await app.signIn(s);
    } catch (x) {
      err.textContent = errorText(x);
    }
  });
  return f;
}

// qrPanel starts a QR login, shows the code and waits for a signed-in
// device to confirm it.
function qrPanel(): { el: HTMLElement; stop: () => void } {
  let stopped = false;
  const box = h("div", { class: "qr-login", data: { qr: "login" } });
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  const el = h("div", null, box, status);

  const run = async () => {
    replace(box, h("div", "qr-wait", t("loading")));
    status.textContent = "";
    try {
      await app.conn.ready();
      const q = await app.conn.call("qrLoginStart", { deviceName: deviceName() }, "qrLogin");
      if (stopped) return;
      replace(
        box,
        h("img", { class: "qr-img", attrs: { src: `/qr/login/${encodeURIComponent(q.code)}.svg`, alt: t("qr_login_code"), width: 220, height: 220 } }),
        h("p", "hint", t("qr_login_hint")),
        h("code", { class: "qr-url", data: { url: q.url } }, q.url),
      );
      const until = Number(q.expires) || Date.now() + 120000;
      while (!stopped && Date.now() < until + 1000) {
        let r;
        try {
          r = await app.conn.call("qrLoginClaim", { code: q.code, secret: q.secret, waitMs: 25000 }, "qrLogin", 40000);
        } catch (e) {
          if (stopped) return;
          await app.conn.ready();
          continue;
        }
        if (stopped) return;
        if (r.session && r.session.token) {
          status.textContent = t("signing_in");
          await app.signIn(r.session);
          return;
        }
        if (r.state === QrState.CONFIRMED) status.textContent = t("qr_confirmed");
        if (r.state === QrState.EXPIRED || r.state === QrState.CLAIMED) break;
      }
      if (stopped) return;
      replace(box, h("p", "hint", t("qr_expired")), h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => void run() } }, t("refresh")));
    } catch (e) {
      if (!stopped) {
        status.textContent = errorText(e);
        replace(box, h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => void run() } }, t("retry")));
      }
    }
  };
  void run();
  return { el, stop: () => (stopped = true) };
}
