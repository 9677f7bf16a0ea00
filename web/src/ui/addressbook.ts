// Address books: the phone-contacts screen (back up a vCard or CSV file as
// a version sealed on the server, restore or delete versions, find which
// contacts are users here) and a group's shared address book (each member
// keeps their own entry, owner and admins edit all, history, export).
import { h, replace } from "../lib/dom";
import { t, formatTime } from "../lib/i18n";
import { app } from "../lib/app";
import { router } from "../lib/router";
import { key } from "../lib/store";
import { GroupRole } from "../lib/proto";
import { hashForms, hex, phoneForms } from "../lib/phonehash";
import type { AbContact, AbMatch, AbVersion, GroupBookEntry } from "../gen/hongyan/v1/addressbook_pb.js";
import { GroupBookAction } from "../gen/hongyan/v1/addressbook_pb.js";
import { ask, avatar, confirmBox, empty, header, modal, row, section, sheet, toast, toastError } from "./widgets";
import type { View } from "./shell";

// The limits the server holds too (internal/addressbook): a file's bytes,
// its contacts, one match request's numbers.
const MAX_FILE = 4 << 20;
const MAX_CONTACTS = 5000;

type Contact = { name: string; phones: string[]; emails: string[] };

const phoneOK = (p: string) => /^\+?[0-9 ()\-.\u00a0]+$/.test(p.trim()) && p.trim().length <= 32 && (p.replace(/\D/g, "").length >= 5 && p.replace(/\D/g, "").length <= 15);
const emailOK = (e: string) => /^[^@\s,;<>"]+@[^@\s,;<>"]+$/.test(e) && e.length <= 254;

// parseContacts reads a vCard (2.1/3.0/4.0) or CSV file the way the server's
// parser does (internal/addressbook.Parse): FN (or N), TEL and EMAIL of each
// card; CSV columns by their header (name, phone/mobile/tel, mail; 姓名,
// 手机/电话, 邮箱) or, without one, name, phone, e-mail.
export function parseContacts(text: string): Contact[] {
  text = text.replace(/^\ufeff/, "");
  const out: Contact[] = [];
  const clean = (c: Contact): Contact => ({
    name: c.name.trim().slice(0, 100),
    phones: c.phones.map((p) => p.trim()).filter(phoneOK).slice(0, 10),
    emails: c.emails.map((e) => e.trim().replace(/^mailto:/i, "")).filter(emailOK).slice(0, 10),
  });
  if (/^\s*BEGIN:VCARD/i.test(text)) {
    const lines: string[] = [];
    for (const l of text.split(/\r?\n/)) {
      if ((l.startsWith(" ") || l.startsWith("\t")) && lines.length) lines[lines.length - 1] += l.slice(1);
      else lines.push(l);
    }
    let cur: Contact | null = null;
    let n = "";
    const unesc = (s: string) => s.replace(/\\([,;\\])/g, "$1").replace(/\\n/gi, " ");
    for (const l of lines) {
      const i = l.indexOf(":");
      if (i < 0) continue;
      let prop = l.slice(0, i).split(";")[0].toUpperCase();
      prop = prop.slice(prop.lastIndexOf(".") + 1);
      const v = l.slice(i + 1);
      if (prop === "BEGIN" && /^vcard$/i.test(v)) (cur = { name: "", phones: [], emails: [] }), (n = "");
      else if (prop === "END" && cur) {
        if (!cur.name && n) {
          const [fam = "", given = ""] = n.split(";").map(unesc);
          cur.name = /\p{Script=Han}/u.test(fam + given) ? fam + given : `${given} ${fam}`.trim();
        }
        out.push(cur);
        cur = null;
      } else if (cur && prop === "FN") cur.name = unesc(v);
      else if (prop === "N") n = v;
      else if (cur && prop === "TEL") cur.phones.push(v.replace(/^tel:/i, ""));
      else if (cur && prop === "EMAIL") cur.emails.push(unesc(v));
    }
  } else {
    const rows = csvRows(text);
    let name = -1;
    let phones: number[] = [];
    let emails: number[] = [];
    rows[0]?.forEach((raw, i) => {
      const c = raw.trim().toLowerCase();
      if (c.includes("mail") || c.includes("邮箱")) emails.push(i);
      else if (/phone|mobile|tel|电话|手机/.test(c)) phones.push(i);
      else if (name < 0 && (c.includes("name") || c.includes("姓名") || c === "名字")) name = i;
    });
    let start = 1;
    if (name < 0 && !phones.length && !emails.length) [name, phones, emails, start] = [0, [1], [2], 0];
    const cells = (r: string[], cols: number[]) => cols.flatMap((i) => (r[i] ?? "").split(/[/;]/)).filter((x) => x.trim());
    for (const r of rows.slice(start)) out.push({ name: name >= 0 ? (r[name] ?? "") : "", phones: cells(r, phones), emails: cells(r, emails) });
  }
  return out.map(clean).filter((c) => c.phones.length || c.emails.length);
}

// csvRows splits CSV text into records (quoted fields may hold commas,
// quotes doubled and line breaks).
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let rec: string[] = [];
  let f = "";
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (f += '"'), i++;
      else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"' && f === "") q = true;
    else if (ch === ",") rec.push(f), (f = "");
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      rec.push(f), rows.push(rec), (rec = []), (f = "");
    } else f += ch;
  }
  if (f !== "" || rec.length) rec.push(f), rows.push(rec);
  return rows.filter((r) => r.some((x) => x.trim()));
}

// vcard writes contacts as vCard 3.0.
export function vcard(cs: { name: string; phones: string[]; emails: string[] }[]): string {
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/,/g, "\\,").replace(/;/g, "\\;").replace(/\n/g, "\\n");
  return cs
    .map((c) => ["BEGIN:VCARD", "VERSION:3.0", `FN:${esc(c.name)}`, `N:${esc(c.name)};;;;`, ...c.phones.map((p) => `TEL;TYPE=CELL:${esc(p)}`), ...c.emails.map((e) => `EMAIL:${esc(e)}`), "END:VCARD"].join("\r\n"))
    .join("\r\n") + "\r\n";
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/vcard" }));
  const a = h("a", { attrs: { href: url, download: name } });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// phonebook is the phone-contacts screen (Contacts → Phone contacts).
export function phonebook(): View {
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "phonebook" } }, header({ title: t("ab_title"), back: "/contacts" }), body);
  let versions: AbVersion[] = [];
  let matches: { m: AbMatch; name: string; phone: string }[] | null = null;
  let busyMsg = "";
  const file = h("input", { attrs: { type: "file", accept: ".vcf,.csv,text/vcard,text/csv", "aria-label": t("ab_upload") }, class: "sr-only", data: { input: "ab-file" } });
  file.addEventListener("change", () => void upload());

  const load = async () => {
    try {
      versions = (await app.conn.call("abVersions", {}, "abVersions")).versions;
    } catch (e) {
      toastError(e);
    }
    render();
  };

  const upload = async () => {
    const f = file.files?.[0];
    file.value = "";
    if (!f) return;
    if (f.size > MAX_FILE) return toast(t("ab_file_too_big"), "error");
    const cs = parseContacts(await f.text());
    if (!cs.length) return toast(t("ab_no_file_contacts"), "error");
    if (cs.length > MAX_CONTACTS) return toast(t("ab_too_many", MAX_CONTACTS), "error");
    busyMsg = t("ab_uploading");
    render();
    try {
      const v = await app.conn.call("abBackup", { contacts: cs }, "abVersion");
      toast(t("ab_backed_up", v.contacts));
    } catch (e) {
      toastError(e);
    }
    busyMsg = "";
    await load();
  };

  const match = async () => {
    busyMsg = t("ab_matching");
    render();
    try {
      const b = await app.conn.call("abRestore", { version: 0n }, "abBackup");
      const names = new Map<string, string>();
      for (const c of b.contacts) for (const p of c.phones) if (!names.has(p)) names.set(p, c.name);
      // Only hashes of the numbers leave the device (lib/phonehash.ts).
      const st = await app.conn.call("abSalt", {}, "abSalt");
      const per = Math.max(st.perRequest, 2);
      const byHash = new Map<string, string>();
      const batches: Uint8Array[][] = [];
      let batch: Uint8Array[] = [];
      for (const p of names.keys()) {
        const hs = await hashForms(st.salt, phoneForms(p, st.countryCode));
        if (batch.length + hs.length > per) (batches.push(batch), (batch = []));
        for (const x of hs) {
          const k = hex(x);
          if (byHash.has(k)) continue;
          byHash.set(k, p);
          batch.push(x);
        }
      }
      if (batch.length) batches.push(batch);
      const found: { m: AbMatch; name: string; phone: string }[] = [];
      const seen = new Set<string>();
      for (const hashes of batches) {
        const r = await app.conn.call("abMatch", { hashes }, "abMatches");
        for (const m of r.matches) {
          const p = byHash.get(hex(m.hash));
          if (p === undefined || seen.has(p)) continue;
          seen.add(p);
          found.push({ m, name: names.get(p) ?? "", phone: p });
        }
      }
      found.sort((a, b) => (a.phone < b.phone ? -1 : a.phone > b.phone ? 1 : 0));
      matches = found;
    } catch (e) {
      toastError(e);
    }
    busyMsg = "";
    render();
  };

  const versionMenu = (v: AbVersion) =>
    sheet([
      [t("ab_restore"), async () => {
        try {
          const b = await app.conn.call("abRestore", { version: v.version }, "abBackup");
          download(`contacts-v${v.version}.vcf`, vcard(b.contacts as AbContact[]));
        } catch (e) {
          toastError(e);
        }
      }],
      [t("ab_delete"), async () => {
        if (!(await confirmBox(t("ab_delete_confirm"), t("delete"), true))) return;
        await app.conn.done("abDelete", { version: v.version }).catch(toastError);
        await load();
      }, true],
    ], t("ab_version", String(v.version)));

  const render = () => {
    const st = app.store!;
    replace(
      body,
      file,
      section(
        t("ab_backup_section"),
        row({ title: t("ab_upload"), sub: t("ab_hint"), onClick: () => file.click(), data: { action: "ab-upload" } }),
        ...versions.map((v) => row({ title: t("ab_version", String(v.version)), sub: formatTime(Number(v.time), true), right: t("ab_contacts_n", v.contacts), onClick: () => versionMenu(v), data: { version: String(v.version) } })),
        versions.length ? null : empty(t("ab_no_backups")),
      ),
      section(
        t("ab_match_section"),
        versions.length ? row({ title: t("ab_match"), sub: t("ab_match_hint"), onClick: () => void match(), data: { action: "ab-match" } }) : null,
        busyMsg ? h("p", { class: "hint center", attrs: { role: "status" } }, busyMsg) : null,
        ...(matches ?? []).map(({ m, name, phone }) => {
          const shown = m.nickname || m.accountId;
          const isContact = st.contacts.has(key(m.user));
          return row({ icon: avatar(shown, m.avatar, "s"), title: name || shown, sub: `${shown} · ${phone}`, right: isContact ? t("ab_added") : t("ab_add"), onClick: () => router.go(isContact ? `/contacts/${m.user}` : `/add/${m.user}`), data: { match: name || shown } });
        }),
        matches && !matches.length ? empty(t("ab_no_matches")) : null,
      ),
    );
  };
  render();
  void load();
  return { el, dispose: () => undefined };
}

// groupBook is a group's shared address book (group info → Group address book).
export function groupBook(group: bigint): View {
  const st = app.store!;
  const body = h("div", "pane-body");
  const el = h("div", { class: "pane", data: { screen: "group-book" } }, header({ title: t("gb_title"), back: `/chat/g/${group}/info` }), body);
  let entries: GroupBookEntry[] = [];
  let loaded = false;
  const admin = () => (st.groups.get(key(group))?.role ?? GroupRole.MEMBER) !== GroupRole.MEMBER;

  const load = async () => {
    try {
      entries = (await app.conn.call("groupBook", { group }, "groupBook")).entries;
    } catch (e) {
      toastError(e);
    }
    loaded = true;
    render();
  };

  const form = async (title: string, e?: GroupBookEntry) =>
    ask(title, [
      { name: "name", label: t("gb_name"), value: e?.name ?? "", maxlength: 50 },
      { name: "phone", label: t("phone"), value: e?.phone ?? "", type: "tel", maxlength: 32 },
      { name: "email", label: t("email"), value: e?.email ?? "", type: "email", maxlength: 254 },
      { name: "role", label: t("gb_role"), value: e?.role ?? "", maxlength: 30 },
      { name: "notes", label: t("gb_notes"), value: e?.notes ?? "", multiline: true, maxlength: 200 },
    ]);

  const save = async (req: { mine?: boolean; entry?: bigint }, title: string, e?: GroupBookEntry) => {
    const v = await form(title, e);
    if (!v) return;
    try {
      await app.conn.call("groupBookSet", { group, ...req, ...v }, "groupBookEntry");
    } catch (err) {
      return toastError(err);
    }
    await load();
  };

  const history = async () => {
    try {
      const r = await app.conn.call("groupBookHistory", { group, limit: 100 }, "groupBookHistory");
      const say = { [GroupBookAction.ADD]: "gb_action_add", [GroupBookAction.EDIT]: "gb_action_edit", [GroupBookAction.REMOVE]: "gb_action_remove" } as const;
      modal(
        h(
          "div",
          { class: "dialog-form", data: { dialog: "gb-history" } },
          h("h2", null, t("gb_history")),
          r.changes.length
            ? h("ul", "plain-list", ...r.changes.map((c) => h("li", null, t(say[c.action as 1 | 2 | 3] ?? "gb_action_edit", st.name(c.by, group), c.entry?.name ?? ""), h("span", "hint", " · " + formatTime(Number(c.time), true)))))
            : empty(t("gb_no_history")),
        ),
      );
    } catch (e) {
      toastError(e);
    }
  };

  const entryMenu = (e: GroupBookEntry) => {
    const mine = e.member === st.me;
    const may = mine || admin();
    sheet([
      e.phone ? [t("gb_call"), () => void (location.href = `tel:${e.phone.replace(/[^0-9+]/g, "")}`)] : null,
      may ? [t("gb_edit"), () => void save({ entry: e.id }, t("gb_edit"), e)] : null,
      may ? [t("gb_remove"), async () => {
        if (!(await confirmBox(t("gb_remove_confirm"), t("gb_remove"), true))) return;
        await app.conn.done("groupBookRemove", { group, entry: e.id }).catch(toastError);
        await load();
      }, true] : null,
    ], e.name);
  };

  const render = () => {
    const mine = entries.find((e) => e.member === st.me);
    replace(
      body,
      section(
        null,
        row({ title: t("gb_my_entry"), sub: mine ? [mine.name, mine.phone, mine.role].filter(Boolean).join(" · ") : t("gb_not_set"), onClick: () => void save({ mine: true }, t("gb_my_entry"), mine), data: { action: "gb-mine" } }),
        admin() ? row({ title: t("gb_add"), onClick: () => void save({}, t("gb_add")), data: { action: "gb-add" } }) : null,
      ),
      section(
        null,
        ...entries.map((e) => row({ icon: avatar(e.name, undefined, "s"), title: e.name, sub: [e.role, e.phone, e.email].filter(Boolean).join(" · "), right: e.notes, onClick: () => entryMenu(e), data: { entry: e.name } })),
        loaded && !entries.length ? empty(t("gb_empty")) : null,
      ),
      section(
        null,
        row({ title: t("gb_history"), onClick: () => void history(), data: { action: "gb-history" } }),
        entries.length ? row({ title: t("gb_export"), onClick: () => download(`group-${group}.vcf`, vcard(entries.map((e) => ({ name: e.name, phones: e.phone ? [e.phone] : [], emails: e.email ? [e.email] : [] })))), data: { action: "gb-export" } }) : null,
      ),
    );
  };
  render();
  void load();
  return { el, dispose: () => undefined };
}
