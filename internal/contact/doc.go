// Package contact holds friendships, friend requests and blocks (PRODUCT.md
// §2): finding people by account ID or phone within their privacy settings,
// requests with greetings, accept/decline, remarks, descriptions, tags,
// stars, deleting and blocking. Storage is behind Store; what it needs to
// know about accounts it asks of a Directory.
package contact
