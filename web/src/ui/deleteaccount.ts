// Me → Delete account: ask for deletion (with the password), see the date
// it takes effect, cancel it. What is deleted and what is kept is said on
// the screen (docs/operations.md says the same).
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { busy, confirmBox, errorText, header, toast } from "./widgets";
import type { View } from "./shell";
import { Scope } from "../lib/events";

export function deleteAccount(): View {
  const body = h("div", "pane-body padded");
  const el = h("div", { class: "pane", data: { screen: "delete-account" } }, header({ title: t("del_title"), back: "/me" }), body);
  const what = () => h("p", { class: "hint", data: { del: "what" } }, t("del_what"));
  const render = (pending: boolean, due: number) => {
    if (pending) {
      const cancel = h("button", { class: "btn primary wide", attrs: { type: "button" }, data: { action: "cancel-delete" } }, t("del_cancel_btn"));
      cancel.addEventListener("click", () =>
        busy(cancel, async () => {
          await app.conn.done("accountCancelDelete", {});
          toast(t("del_cancelled"));
          await load();
        }),
      );
      replace(body, h("p", { class: "del-due", data: { del: "due" } }, t("del_pending", formatTime(due, true))), h("p", "hint", t("del_pending_hint")), cancel, what());
      return;
    }
    const err = h("p", { class: "form-error", attrs: { role: "alert" } });
    const f = h(
      "form",
      { class: "auth-form", data: { form: "delete-account" } },
      what(),
      h("label", "field", h("span", null, t("del_password")), h("input", { attrs: { name: "password", type: "password", autocomplete: "current-password", required: "" } })),
      err,
      h("button", { class: "btn danger wide", attrs: { type: "submit" }, data: { action: "delete-account" } }, t("del_confirm_btn")),
    );
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const pw = String(new FormData(f).get("password") ?? "");
      if (!(await confirmBox(t("del_confirm"), t("del_confirm_btn"), true))) return;
      try {
        const d = await app.conn.call("accountDelete", { password: pw }, "accountDeletion");
        toast(t("del_requested"));
        render(d.pending, Number(d.due));
      } catch (x) {
        err.textContent = errorText(x);
      }
    });
    replace(body, f);
  };
  const load = async () => {
    replace(body, h("p", "hint", t("loading")));
    try {
      const d = await app.conn.call("accountDeletion", {}, "accountDeletion");
      render(d.pending, Number(d.due));
    } catch (x) {
      replace(body, h("p", { class: "form-error", attrs: { role: "alert" } }, errorText(x)));
    }
  };
  // Another device asked for or cancelled the deletion.
  const scope = new Scope();
  scope.add(app.store!.on("account-deletion", () => void load()));
  load();
  return { el, dispose: () => scope.dispose() };
}
