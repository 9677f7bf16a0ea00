// Package account holds accounts, profiles, privacy settings and device
// sessions (PRODUCT.md §1): registration and the account ID rules, password
// login per device, remote sign-out, recovery by one-time code, and
// second-device login by QR code. Storage is behind Store; delivery of
// recovery codes is behind Sender.
package account
