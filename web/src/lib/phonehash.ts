// Hashing of phone numbers for address-book matching: the numbers of the
// user's contacts never leave the device in clear. Each number is
// normalized and taken with and without the server's country code exactly
// as the server does (internal/addressbook PhoneForms; the same table of
// numbers is tested on both sides), and each form is sent as
// HMAC-SHA256(salt, form) under the salt the server gives (ab_salt).

// normalizePhone returns a number as digits with an optional leading "+"
// ("00" read as "+"), dropping spaces, dashes, dots and parentheses; ""
// when it holds anything else or is not 5 to 15 digits.
export function normalizePhone(p: string): string {
  p = p.replace(/^[\s\u00a0]+|[\s\u00a0]+$/g, "");
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c >= "0" && c <= "9") out += c;
    else if (c === "+" && i === 0) out += c;
    else if (c === " " || c === "-" || c === "." || c === "(" || c === ")" || c === "\u00a0") continue;
    else return "";
  }
  if (out.startsWith("00")) out = "+" + out.slice(2);
  const d = out.startsWith("+") ? out.slice(1) : out;
  return d.length < 5 || d.length > 15 ? "" : out;
}

// phoneForms returns the ways p may be bound to an account: normalized,
// and with or without "+" countryCode ("" for none); [] when p is not a
// number.
export function phoneForms(p: string, countryCode: string): string[] {
  const n = normalizePhone(p);
  if (!n) return [];
  const out = [n];
  const cc = "+" + countryCode;
  if (countryCode === "") return out;
  if (n.startsWith(cc) && n.length - cc.length >= 5) out.push(n.slice(cc.length));
  else if (!n.startsWith("+")) out.push(cc + n);
  return out;
}

// hashForms returns HMAC-SHA256(salt, form) of each form, by Web Crypto.
export async function hashForms(salt: Uint8Array, forms: string[]): Promise<Uint8Array[]> {
  const key = await crypto.subtle.importKey("raw", salt as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const enc = new TextEncoder();
  return Promise.all(forms.map(async (f) => new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(f)))));
}

// hex writes bytes as lower-case hex (a map key for a hash).
export function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
