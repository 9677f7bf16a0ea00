// The location picker: the browser's own position (Geolocation API) with a
// place name typed freely, or a place found by name among the locations in
// the user's chats (the server's message search). No map service is called.
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { app } from "../lib/app";
import { MessageKind } from "../lib/proto";
import { errorText, modal, toast } from "./widgets";

export interface Place {
  latitude: number;
  longitude: number;
  name: string;
  address: string;
}

export function locationPicker(): Promise<Place | null> {
  return new Promise((resolve) => {
    let chosen: Place | null = null;
    const input = (name: string, label: string, extra: Record<string, string | number> = {}) =>
      h("input", { attrs: { name, "aria-label": label, placeholder: label, autocomplete: "off", ...extra } });
    const name = input("name", t("place_name"), { maxlength: 200 });
    const address = input("address", t("address"), { maxlength: 200 });
    const lat = input("lat", t("latitude"), { inputmode: "decimal" });
    const lon = input("lon", t("longitude"), { inputmode: "decimal" });
    const status = h("p", { class: "hint", attrs: { role: "status" } });
    const place = input("place", t("search_places"), { type: "search", maxlength: 100 });
    const found = h("div", "place-results");
    const mine = h("button", { class: "btn wide", attrs: { type: "button" }, data: { action: "my-location" } }, t("my_location"));
    mine.addEventListener("click", () => {
      if (!navigator.geolocation) return (status.textContent = t("no_location"));
      status.textContent = t("locating");
      navigator.geolocation.getCurrentPosition(
        (p) => {
          lat.value = p.coords.latitude.toFixed(6);
          lon.value = p.coords.longitude.toFixed(6);
          status.textContent = t("located", lat.value, lon.value, Math.round(p.coords.accuracy));
          name.focus();
        },
        () => (status.textContent = t("no_location")),
        { timeout: 10000, enableHighAccuracy: true },
      );
    });
    let timer = 0;
    let asked = "";
    const search = async () => {
      const q = place.value.trim();
      if (q === asked) return;
      asked = q;
      if (!q) return replace(found);
      try {
        const r = await app.conn.call("search", { query: q, limit: 50 }, "messages");
        if (q !== asked) return;
        const seen = new Set<string>();
        const places: Place[] = [];
        for (const m of r.messages) {
          const l = m.location;
          if (m.kind !== MessageKind.LOCATION || !l) continue;
          const k = `${l.name}|${l.latitude}|${l.longitude}`;
          if (seen.has(k)) continue;
          seen.add(k);
          places.push({ latitude: l.latitude, longitude: l.longitude, name: l.name, address: l.address });
        }
        replace(
          found,
          places.length
            ? places.map((p) =>
                h(
                  "button",
                  { class: "row", attrs: { type: "button" }, data: { place: p.name }, on: { click: () => ((chosen = p), close()) } },
                  h("span", "row-main", h("span", "row-title", p.name || `${p.latitude.toFixed(5)}, ${p.longitude.toFixed(5)}`), h("span", "row-sub", p.address || `${p.latitude.toFixed(5)}, ${p.longitude.toFixed(5)}`)),
                ),
              )
            : h("p", "hint", t("place_results_none")),
        );
      } catch (e) {
        replace(found, h("p", "hint", errorText(e)));
      }
    };
    place.addEventListener("input", () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => void search(), 250);
    });
    place.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        void search();
      }
    });
    const form = h(
      "form",
      "dialog-form location-form",
      h("h2", null, t("attach_location")),
      mine,
      status,
      h("label", "field", h("span", null, t("place_name")), name),
      h("label", "field", h("span", null, t("address")), address),
      h("div", "field coords", h("span", null, t("coordinates")), h("div", "coords-row", lat, lon)),
      h(
        "div",
        "dialog-actions",
        h("button", { class: "btn", attrs: { type: "button" }, on: { click: () => close() } }, t("cancel")),
        h("button", { class: "btn primary", attrs: { type: "submit" } }, t("send")),
      ),
      h("label", "field", h("span", null, t("search_places")), place),
      found,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const la = Number(lat.value);
      const lo = Number(lon.value);
      if (!lat.value.trim() || !lon.value.trim() || !isFinite(la) || !isFinite(lo) || Math.abs(la) > 90 || Math.abs(lo) > 180) {
        toast(t("bad_coordinates"), "error");
        return;
      }
      chosen = { latitude: la, longitude: lo, name: name.value.trim(), address: address.value.trim() };
      close();
    });
    const close = modal(form, { onClose: () => resolve(chosen) });
  });
}
