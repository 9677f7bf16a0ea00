package hongyan

// UserID is the internal, immutable identity of an account. The account ID
// users see and type (e.g. "zhang_san") is a separate, changeable string.
type UserID int64

// DeviceID identifies one signed-in device session of a user.
type DeviceID int64

// ConversationID identifies a conversation (a one-to-one chat, the
// file-transfer assistant, and later a group).
type ConversationID int64

// MessageID is the server-assigned, node-wide unique ID of a message.
type MessageID int64
