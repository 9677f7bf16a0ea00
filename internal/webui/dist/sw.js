// Service worker (copied into the build by vite.config.ts with the list of
// built files): an offline shell. Navigations go to the network first and
// fall back to the cached index.html; built assets come from the cache.
// Everything else — the protocol, media, avatars, QR codes — is never
// cached here (the app keeps its own data in IndexedDB).
const VERSION = "78beafa1b3e87782";
const SHELL = ["/","/assets/admin-DGxREH0K.js","/assets/decode-ZjkDR2x9.js","/assets/index-BMQ3xaSS.css","/assets/index-BStVbQbE.js","/manifest.webmanifest","/icon.svg","/icon-192.png"];
const CACHE = "hongyan-shell-" + VERSION;

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("hongyan-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.mode === "navigate") {
    e.respondWith(fetch(req).catch(() => caches.match("/", { cacheName: CACHE })));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    e.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((r) => r || fetch(req)));
  }
});
