// Package media holds the pictures, voice clips, videos, files and stickers
// people send (PRODUCT.md §3): uploads in one request or resumable in
// chunks, content-type sniffing (the name never decides the type), size and
// pixel limits, EXIF removal and thumbnails for images, poster frames for
// videos, and who may download what.
//
// Content lives in a BlobStore, addressed by its SHA-256, so two uploads of
// the same bytes share one blob; each upload is a media object of its own
// with a random, unguessable ID, kept in a Store with the conversations it
// was sent into. A user may read a media object they uploaded, or one
// carried by a message they see (asked of Readers, which node fills from
// the chat feature: inside their window of a group chat, not recalled), or
// one they kept (a favorite); to everyone else it does not exist.
package media
