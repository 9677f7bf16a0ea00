// Package livecode is the live code (活码): one permanent QR code of a
// group owner's that routes each person who scans it into a group that
// still has room, making the next group from a template when all of its
// groups are full, and counts the scans.
//
// A code's groups are its slots, in order: slot 0 is the template group
// itself; slot n+1 is claimed in the store by the one scan that found
// slots 0..n full, and holds the group that scan made. A claim whose group
// never came (its node died between the claim and the group) is taken
// over after Config.ClaimStale.
package livecode

import (
	"context"
	"time"

	"hongyan/internal/hongyan"
)

// Code is a live code.
type Code struct {
	ID         int64
	Owner      hongyan.UserID
	Name       string // the groups are named after it: "Name", "Name 2", …
	Token      string // the code's part of its URL
	Template   hongyan.ConversationID
	MaxMembers int // members a group takes before scans go to the next
	Created    time.Time
}

// Slot is one group of a code.
type Slot struct {
	Code    int64
	Index   int                    // 0 is the template
	Group   hongyan.ConversationID // 0 while the claimed group is being made
	Full    bool                   // a scan found it full
	Claimed time.Time
}

// Scan is one person's scan of a code and the group it led to.
type Scan struct {
	Code  int64
	User  hongyan.UserID
	Group hongyan.ConversationID
	At    time.Time
}

// Stats counts a code's scans.
type Stats struct {
	Scans    int
	PerGroup map[hongyan.ConversationID]int
	PerDay   []DayCount // the last days with scans, oldest first (UTC days)
}

// DayCount is the scans of one UTC day ("2006-01-02").
type DayCount struct {
	Day   string
	Scans int
}

// Store keeps live codes, their slots and their scans.
type Store interface {
	// Create stores code c (its ID is assigned; Token must be unique) and
	// its slot 0, the template group.
	Create(ctx context.Context, c Code) (Code, error)
	// Code returns code id; CodeByToken the code of token.
	Code(ctx context.Context, id int64) (Code, error)
	CodeByToken(ctx context.Context, token string) (Code, error)
	// Codes lists owner's codes, newest first.
	Codes(ctx context.Context, owner hongyan.UserID) ([]Code, error)
	// Slots lists code's slots in order.
	Slots(ctx context.Context, code int64) ([]Slot, error)
	// Claim claims slot index of code at now, if no slot index exists or
	// its group was never filled and it was claimed before stale; it
	// reports whether the caller won the claim.
	Claim(ctx context.Context, code int64, index int, now, stale time.Time) (bool, error)
	// Fill sets the group of slot index, claimed at claimed (the claim of
	// the caller's: a claim taken over since is not overwritten, and then
	// Fill returns CodePrecondition).
	Fill(ctx context.Context, code int64, index int, claimed time.Time, group hongyan.ConversationID) error
	// MarkFull records that slot index's group was found full.
	MarkFull(ctx context.Context, code int64, index int) error
	// LastScan returns the group user's latest scan of code led to (0 when
	// they never scanned it).
	LastScan(ctx context.Context, code int64, user hongyan.UserID) (hongyan.ConversationID, error)
	// RecordScan stores scan s.
	RecordScan(ctx context.Context, s Scan) error
	// Stats counts code's scans, per group and per UTC day (the days from
	// since on).
	Stats(ctx context.Context, code int64, since time.Time) (Stats, error)
}
