// Money in the client: amounts are integers of fen (bigint) from the input
// box to the wire; they are never floats. Keys make a payment that is sent
// again after a lost answer count once (docs/protocol.md "Wallet").

// parseYuan reads what a person types ("12", "12.3", "12.34", "0.05") as
// fen; undefined when it is not an amount of yuan with at most two
// decimals.
export function parseYuan(s: string): bigint | undefined {
  const m = /^\s*(\d{1,9})(?:[.,](\d{0,2}))?\s*$/.exec(s);
  if (!m) return undefined;
  return BigInt(m[1]) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
}

// formatYuan writes fen as "¥12.34" (negative: "-¥12.34").
export function formatYuan(fen: bigint): string {
  const neg = fen < 0n;
  const a = neg ? -fen : fen;
  return `${neg ? "-" : ""}¥${a / 100n}.${(a % 100n).toString().padStart(2, "0")}`;
}

// signedYuan writes a movement: "+¥1.00" into the wallet, "-¥1.00" out.
export function signedYuan(fen: bigint): string {
  return fen > 0n ? `+${formatYuan(fen)}` : formatYuan(fen);
}

// newKey makes an idempotency key for one payment (kept for its retries).
export function newKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// lockedUntil reads the time in a pin_locked error's message (RFC 3339), if
// there is one.
export function lockedUntil(message: string): Date | undefined {
  const m = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))/.exec(message);
  if (!m) return undefined;
  const d = new Date(m[1]);
  return isNaN(d.getTime()) ? undefined : d;
}
