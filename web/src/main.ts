// Entry point: boots the client, shows the sign-in screens or the app, and
// registers the service worker (installable PWA with an offline shell).
import "./style.css";
import { app } from "./lib/app";
import { replace } from "./lib/dom";
import { t } from "./lib/i18n";
import { router } from "./lib/router";
import { authScreen } from "./ui/auth";
import { OAUTH_PATH, oauthScreen } from "./ui/oauth";
import { APPS_AUTHORIZE_PATH, appConsentScreen } from "./ui/botapps";
import { shell, type View } from "./ui/shell";

const root = document.getElementById("app")!;
let current: View | undefined;

// The administrator console is its own page, whoever is signed in here.
const ADMIN = location.pathname === "/admin" || location.pathname.startsWith("/admin/");

function render(): void {
  current?.dispose?.();
  if (ADMIN) {
    // Loaded only here, so that users' devices never download it.
    void import("./ui/admin").then((m) => {
      current = m.adminConsole();
      replace(root, current.el);
    });
    return;
  }
  const oauth = location.pathname === OAUTH_PATH || location.pathname === APPS_AUTHORIZE_PATH;
  if (app.store) {
    current = location.pathname === APPS_AUTHORIZE_PATH ? appConsentScreen() : oauth ? oauthScreen() : shell();
  } else {
    const r = router.route;
    const note = oauth ? t("oauth_sign_in_first") : r.view === "qr-confirm" || r.view === "add-link" || r.view === "join" ? t("sign_in_first") : "";
    current = { el: authScreen(location.pathname === "/register" ? "register" : "login", note) };
  }
  replace(root, current.el);
}

if (ADMIN) {
  render();
} else {
  app.on("session", render);
  app.on("lang", render);
  void app.boot().then(() => {
    if (!current) render();
  });
}

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  });
}
