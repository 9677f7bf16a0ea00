// Me: the profile card and settings — profile and avatar, my QR code,
// devices, privacy, password, language, sign out — and confirming a QR
// login for a new device.
import { h, replace } from "../lib/dom";
import { t, currentLang, setLang, formatSize, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { Scope } from "../lib/events";
import { Gender, QrState } from "../lib/proto";
import { ask, avatar, busy, confirmBox, errorText, header, row, section, toast, toastError, toggleRow } from "./widgets";
import type { View } from "./shell";
import { alertPrefs, notificationPermission, playChime, setAlertPrefs } from "./alerts";

export function meList(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { list: "me" } }, header({ title: t("tab_me") }), body);
  const render = () => {
    const p = st.profile;
    const name = p?.nickname || p?.accountId || "";
    replace(
      body,
      h(
        "button",
        { class: "me-card", attrs: { type: "button" }, data: { action: "profile" }, on: { click: () => router.go("/me/profile") } },
        avatar(name, p?.avatar, "l"),
        h("span", "profile-main", h("span", { class: "profile-name", data: { me: "" } }, name), h("span", "profile-id", `${t("account_id")}: ${p?.accountId ?? ""}`)),
      ),
      section(
        null,
        row({ title: t("me_wallet"), onClick: () => router.go("/me/wallet"), data: { entry: "wallet" } }),
        row({ title: t("me_bots"), onClick: () => router.go("/me/bots"), data: { entry: "bots" } }),
      ),
      section(
        null,
        row({ title: t("my_qr"), onClick: () => router.go("/me/qr"), data: { entry: "qr" } }),
        row({ title: t("devices"), onClick: () => router.go("/me/devices"), data: { entry: "devices" } }),
        row({ title: t("privacy"), onClick: () => router.go("/me/privacy"), data: { entry: "privacy" } }),
        row({ title: t("notifications"), onClick: () => router.go("/me/notifications"), data: { entry: "notifications" } }),
        row({ title: t("change_password"), onClick: () => router.go("/me/password"), data: { entry: "password" } }),
        row({ title: t("language"), right: currentLang() === "zh" ? "中文" : "English", onClick: () => router.go("/me/language"), data: { entry: "language" } }),
      ),
      section(null, exportRow()),
      section(
        null,
        row({ title: t("del_title"), cls: "danger", onClick: () => router.go("/me/delete-account"), data: { entry: "delete-account" } }),
        row({
          title: t("sign_out"),
          cls: "danger",
          data: { action: "sign-out" },
          onClick: async () => {
            if (await confirmBox(t("sign_out_confirm"), t("sign_out"), true)) await app.signOut();
          },
        }),
      ),
    );
  };
  scope.add(st.on("profile", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

export function profileEdit(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "profile" } }, header({ title: t("profile"), back: "/me" }), body);
  const save = async (change: Record<string, unknown>) => {
    const p = await app.conn.call("updateProfile", change, "profile");
    await st.setProfile(p);
  };
  const edit = (field: "nickname" | "region" | "signature" | "phone" | "email", label: string, max: number) => async () => {
    const p = st.profile!;
    const v = await ask(label, [{ name: "v", label, value: p[field], maxlength: max }]);
    if (!v) return;
    const value = v.v.trim();
    if ((field === "phone" || field === "email") && value && value !== p[field]) {
      // A new phone or e-mail is bound only with the code sent to it.
      try {
        await app.conn.done("verifyContact", { channel: field, to: value });
      } catch (e) {
        return toastError(e);
      }
      const c = await ask(t("verify_title", value), [{ name: "code", label: t("code"), maxlength: 16 }]);
      if (!c) return;
      await save({ [field]: value, [field === "phone" ? "phoneCode" : "emailCode"]: c.code.trim() }).catch(toastError);
      return;
    }
    await save({ [field]: value }).catch(toastError);
  };
  const render = () => {
    const p = st.profile;
    if (!p) return;
    const name = p.nickname || p.accountId;
    const file = h("input", { attrs: { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp", hidden: true, "aria-label": t("avatar") } });
    file.addEventListener("change", async () => {
      const f = file.files?.[0];
      if (!f) return;
      if (f.size > 1 << 20) return toast(t("avatar_too_large"), "error");
      try {
        const np = await app.conn.call("setAvatar", { image: new Uint8Array(await f.arrayBuffer()) }, "profile");
        await st.setProfile(np);
      } catch (e) {
        toastError(e);
      }
    });
    const genders: [string, string][] = [[String(Gender.UNSET), t("gender_unset")], [String(Gender.MALE), t("gender_male")], [String(Gender.FEMALE), t("gender_female")]];
    replace(
      body,
      section(
        null,
        row({ title: t("avatar"), right: avatar(name, p.avatar, "m"), onClick: () => file.click(), data: { action: "avatar" } }),
        file,
        row({ title: t("nickname"), right: p.nickname, onClick: edit("nickname", t("nickname"), 32), data: { action: "nickname" } }),
        row({
          title: t("account_id"),
          right: p.accountId,
          data: { action: "account-id" },
          onClick: async () => {
            if (p.accountIdChanged) return toast(t("account_id_changed_once"));
            const v = await ask(t("account_id"), [{ name: "id", label: t("account_id_once"), value: p.accountId, maxlength: 20 }]);
            if (!v) return;
            try {
              await st.setProfile(await app.conn.call("changeAccountId", { accountId: v.id.trim() }, "profile"));
            } catch (e) {
              toastError(e);
            }
          },
        }),
        row({
          title: t("gender"),
          right: genders.find(([g]) => g === String(p.gender))?.[1] ?? "",
          onClick: async () => {
            const v = await ask(t("gender"), [{ name: "g", label: t("gender"), value: String(p.gender), options: genders }]);
            if (v) await save({ gender: Number(v.g) }).catch(toastError);
          },
        }),
        row({ title: t("region"), right: p.region, onClick: edit("region", t("region"), 64) }),
        row({ title: t("signature"), sub: p.signature, onClick: edit("signature", t("signature"), 30), data: { action: "signature" } }),
      ),
      section(null, row({ title: t("phone"), right: p.phone, onClick: edit("phone", t("phone"), 32) }), row({ title: t("email"), right: p.email, onClick: edit("email", t("email"), 128) })),
    );
  };
  scope.add(st.on("profile", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

export function myQr(): View {
  const st = app.store!;
  const p = st.profile;
  const name = p?.nickname || p?.accountId || "";
  const url = `${location.origin}/add/${st.me}`;
  const el = h(
    "div",
    { class: "pane", data: { screen: "myqr" } },
    header({ title: t("my_qr"), back: "/me" }),
    h(
      "div",
      "pane-body padded center",
      h(
        "div",
        "qr-card",
        h("div", "qr-card-head", avatar(name, p?.avatar, "m"), h("div", "profile-main", h("div", "profile-name", name), p?.region ? h("div", "profile-sub", p.region) : null)),
        h("img", { class: "qr-img", attrs: { src: `/qr/user/${st.me}.svg`, alt: t("my_qr"), width: 240, height: 240 } }),
        h("p", "hint", t("my_qr_hint")),
        h("code", "qr-url", url),
      ),
    ),
  );
  return { el };
}

export function devices(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const all = h("button", { class: "btn danger wide", attrs: { type: "button" }, data: { action: "revoke-all" } }, t("sign_out_everywhere"));
  all.addEventListener("click", () =>
    busy(all, async () => {
      if (!(await confirmBox(t("sign_out_everywhere_confirm"), t("sign_out"), true))) return;
      await app.conn.done("revokeAll", {});
      await app.signedOut();
    }),
  );
  const el = h("div", { class: "pane", data: { screen: "devices" } }, header({ title: t("devices"), back: "/me" }), body, h("div", "actions", all));
  const render = () => {
    replace(
      body,
      section(
        null,
        ...st.devices.map((d) =>
          row({
            title: d.name || t("device_n", d.id),
            sub: `${d.address} · ${t("last_seen")} ${formatTime(Number(d.lastSeen))}`,
            data: { device: d.name },
            right: d.current
              ? h("span", "row-state", t("this_device"))
              : h(
                  "button",
                  {
                    class: "btn small danger",
                    attrs: { type: "button" },
                    data: { action: "revoke" },
                    on: {
                      click: (e) =>
                        busy(e.currentTarget as HTMLButtonElement, async () => {
                          if (!(await confirmBox(t("revoke_confirm", d.name), t("sign_out"), true))) return;
                          await app.conn.done("revokeDevice", { device: d.id });
                          await load();
                        }),
                    },
                  },
                  t("sign_out"),
                ),
          }),
        ),
      ),
    );
  };
  const load = async () => {
    const r = await app.conn.call("devices", {}, "devices");
    st.devices = r.devices;
    await st.db.put("kv", "devices", r.devices);
    render();
  };
  scope.add(st.on("devices", render));
  render();
  load().catch(() => {});
  return { el, dispose: () => scope.dispose() };
}

export function privacy(): View {
  const st = app.store!;
  const scope = new Scope();
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "privacy" } }, header({ title: t("privacy"), back: "/me" }), body);
  const set = async (change: Record<string, boolean>) => st.setProfile(await app.conn.call("updateSettings", change, "profile"));
  const render = () => {
    const s = st.profile?.settings;
    replace(
      body,
      section(
        null,
        toggleRow(t("find_by_id"), !!s?.findByAccountId, (on) => set({ findByAccountId: on }), "find_by_account_id"),
        toggleRow(t("find_by_phone"), !!s?.findByPhone, (on) => set({ findByPhone: on }), "find_by_phone"),
        toggleRow(t("add_needs_verification"), !!s?.addNeedsVerification, (on) => set({ addNeedsVerification: on }), "add_needs_verification"),
      ),
    );
  };
  scope.add(st.on("profile", render));
  render();
  return { el, dispose: () => scope.dispose() };
}

export function password(): View {
  const err = h("p", { class: "form-error", attrs: { role: "alert" } });
  const f = h(
    "form",
    { class: "auth-form", data: { form: "password" } },
    h("label", "field", h("span", null, t("old_password")), h("input", { attrs: { name: "old", type: "password", autocomplete: "current-password", required: "" } })),
    h("label", "field", h("span", null, t("new_password")), h("input", { attrs: { name: "new", type: "password", autocomplete: "new-password", minlength: 8, required: "" } })),
    h("label", "field", h("span", null, t("confirm_password")), h("input", { attrs: { name: "confirm", type: "password", autocomplete: "new-password", minlength: 8, required: "" } })),
    err,
    h("button", { class: "btn primary wide", attrs: { type: "submit" } }, t("change_password")),
  );
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = new FormData(f);
    if (d.get("new") !== d.get("confirm")) {
      err.textContent = t("passwords_differ");
      return;
    }
    try {
      await app.conn.done("changePassword", { oldPassword: String(d.get("old")), newPassword: String(d.get("new")) });
      toast(t("password_changed"));
      f.reset();
      err.textContent = "";
    } catch (x) {
      err.textContent = errorText(x);
    }
  });
  return { el: h("div", { class: "pane", data: { screen: "password" } }, header({ title: t("change_password"), back: "/me" }), h("div", "pane-body padded", f)) };
}

export function language(): View {
  const choose = (l: "zh" | "en") => {
    setLang(l);
    app.emit("lang");
  };
  const el = h(
    "div",
    { class: "pane", data: { screen: "language" } },
    header({ title: t("language"), back: "/me" }),
    h(
      "div",
      "pane-body",
      section(
        null,
        row({ title: "中文（简体）", right: currentLang() === "zh" ? "✓" : "", onClick: () => choose("zh"), data: { lang: "zh" } }),
        row({ title: "English", right: currentLang() === "en" ? "✓" : "", onClick: () => choose("en"), data: { lang: "en" } }),
      ),
    ),
  );
  return { el };
}

// qrConfirm: a signed-in device confirms a QR login (/qr-login/{code}).
export function qrConfirm(code: string): View {
  const body = h("div", "pane-body padded center");
  const el = h("div", { class: "pane", data: { screen: "qr-confirm" } }, header({ title: t("qr_login_title"), back: "/me" }), body);
  const load = async () => {
    replace(body, h("p", "hint", t("loading")));
    try {
      await app.conn.ready();
      const q = await app.conn.call("qrLoginInspect", { code }, "qrLogin");
      if (q.state !== QrState.PENDING) {
        replace(body, h("p", "empty", q.state === QrState.EXPIRED ? t("qr_expired") : t("qr_used")));
        return;
      }
      const confirm = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "confirm" } }, t("confirm_login"));
      confirm.addEventListener("click", () =>
        busy(confirm, async () => {
          await app.conn.done("qrLoginConfirm", { code });
          replace(body, h("p", { class: "hint", data: { done: "" } }, t("qr_login_done")));
          setTimeout(() => router.go("/me", true), 1500);
        }),
      );
      replace(
        body,
        h("p", null, t("qr_login_question")),
        h("dl", "kv", h("dt", null, t("device")), h("dd", { data: { device: "" } }, q.deviceName || "—"), h("dt", null, t("address")), h("dd", null, q.address || "—"), h("dt", null, t("expires")), h("dd", null, formatTime(Number(q.expires), true))),
        h("p", "hint warn", t("qr_login_warning")),
        confirm,
        h("button", { class: "btn wide", attrs: { type: "button" }, on: { click: () => router.go("/me", true) } }, t("cancel")),
      );
    } catch (e) {
      replace(body, h("p", "empty", errorText(e)));
    }
  };
  void load();
  return { el };
}

// exportRow downloads everything the server holds for this user (GET
// /export: a ZIP of the profile, contacts, groups, favorites and every
// chat with its files), showing how much has arrived.
function exportRow(): HTMLElement {
  const status = h("span", { attrs: { role: "status" } });
  let running = false;
  return row({
    title: t("export_data"),
    sub: t("export_data_hint"),
    right: status,
    data: { entry: "export" },
    onClick: async () => {
      if (running) return;
      running = true;
      status.textContent = t("export_preparing");
      try {
        const p = app.store!.profile;
        const res = await fetch("/export", { headers: { Authorization: `Bearer ${app.session!.token}` } });
        if (!res.ok || !res.body) throw new Error(t("export_failed", res.status));
        const parts: Uint8Array[] = [];
        let got = 0;
        const reader = res.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          got += value.length;
          status.textContent = t("export_received", formatSize(got));
        }
        const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: "application/zip" }));
        const a = h("a", { attrs: { href: url, download: `hongyan-${p?.accountId || app.store!.me}-${new Date().toISOString().slice(0, 10)}.zip` } });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        status.textContent = t("export_done", formatSize(got));
      } catch (e) {
        status.textContent = "";
        toastError(e);
      } finally {
        running = false;
      }
    },
  });
}

// notifications: this device's alerts for new messages — desktop
// notifications (asking the browser's permission) and a sound.
export function notifications(): View {
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "notifications" } }, header({ title: t("notifications"), back: "/me" }), body);
  const render = () => {
    const p = alertPrefs();
    const perm = notificationPermission();
    const hint = perm === "unsupported" ? t("notify_unsupported") : perm === "denied" ? t("notify_blocked") : "";
    replace(
      body,
      section(
        null,
        toggleRow(t("notify_desktop"), p.notify && perm === "granted", async (on) => {
          if (on && notificationPermission() === "default") await Notification.requestPermission();
          setAlertPrefs({ ...alertPrefs(), notify: on });
          render();
        }, "notify"),
        toggleRow(t("notify_sound"), p.sound, (on) => {
          setAlertPrefs({ ...alertPrefs(), sound: on });
          if (on) playChime();
        }, "sound"),
      ),
      hint ? h("p", "hint padded", hint) : null,
      h("p", "hint padded", t("notify_muted_hint")),
    );
  };
  render();
  return { el };
}
