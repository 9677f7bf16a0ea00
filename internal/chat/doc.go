// Package chat holds conversations and messages (PRODUCT.md §3): one-to-one
// chats and the file-transfer assistant, idempotent sends by client message
// ID, per-conversation gapless sequences, history, and each user's
// conversation state (unread, mute, pin, draft) synced across devices.
// Storage is behind Store; who may message whom it asks of Relations.
package chat
