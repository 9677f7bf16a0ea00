// Package group holds the rules of group chats: who may create, invite,
// join, remove, post, and change what; the owner, admins and members; the
// invitation and approval state machine; the group QR code. The messages of
// a group chat belong to the chat feature; a group's changes appear in its
// chat as notices, written together with the change.
package group
