package load

import (
	"fmt"
	"slices"
)

// ViewMessage is a message as one device found it in its change log.
type ViewMessage struct {
	ID, Conversation, Seq int64
	Sender                int64
	Peer                  int64 // the other party, seen from the device's user
	ClientID              string
}

// DeviceView is everything one device saw when it read its change log from
// cursor 0 to the end: its messages, in change-log order.
type DeviceView struct {
	User     int64
	Device   string // a name for reports
	Messages []ViewMessage
}

// Report is what Check found. The violations are Lost, Duplicates, Gaps,
// Divergent, Phantom, FailedPresent and AckMismatch; every other count
// describes the history.
type Report struct {
	Sent    int // sends invoked (one per client ID)
	Acked   int // acknowledged (OK)
	Failed  int // refused by the server
	Unknown int // outcome unknown to the client (including never completed)

	// Lost: acknowledged sends missing from a device of the sender or
	// the recipient.
	Lost int
	// Duplicates: a message ID seen twice in one device's log, a client ID
	// (per sender) carried by two messages, or two messages with the same
	// seq in one conversation. Each distinct duplicate counts once however
	// many devices see it.
	Duplicates int
	// Gaps: (conversation, seq) pairs missing below the highest seq a
	// device saw in that conversation.
	Gaps int
	// Divergent: conversations whose messages (ids, in log order) are not
	// identical on every device of both members, or not in seq order.
	Divergent int
	// Phantom: messages no recorded send accounts for.
	Phantom int
	// FailedPresent: sends the server refused that are visible anyway.
	FailedPresent int
	// AckMismatch: acknowledged sends visible with another id or seq than
	// the acknowledgement said, or retries acknowledged differently.
	AckMismatch int

	UnknownPresent int // unknown sends that are visible (exactly once or duplicated)
	UnknownAbsent  int // unknown sends that are visible nowhere

	Problems []string // the first problems found, for people
}

// maxProblems bounds Report.Problems.
const maxProblems = 20

// OK reports whether the history shows no violation.
func (r Report) OK() bool {
	return r.Lost == 0 && r.Duplicates == 0 && r.Gaps == 0 && r.Divergent == 0 &&
		r.Phantom == 0 && r.FailedPresent == 0 && r.AckMismatch == 0
}

func (r *Report) problem(format string, args ...any) {
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

type senderCID struct {
	sender int64
	cid    string
}

// Check compares the history of sends with what every device finally saw.
// views must hold every device of every user that sent or received in ops.
func Check(ops []SendOp, views []DeviceView) Report {
	var r Report
	dups := map[string]bool{}
	dup := func(key, format string, args ...any) {
		if !dups[key] {
			dups[key] = true
			r.problem(format, args...)
		}
	}
	gaps := map[[2]int64]bool{}
	divergent := map[int64]bool{}
	diverge := func(conv int64, format string, args ...any) {
		if !divergent[conv] {
			divergent[conv] = true
			r.problem(format, args...)
		}
	}

	known := make(map[senderCID]*SendOp, len(ops))
	for i := range ops {
		known[senderCID{ops[i].Sender, ops[i].ClientID}] = &ops[i]
	}
	// present[k][v]: the messages of send k in view v.
	present := map[senderCID]map[int][]ViewMessage{}
	viewsOf := map[int64][]int{}              // user → view indexes
	convs := map[int64]map[int64]bool{}       // conversation → member users
	convIDs := map[int64]map[int][][2]int64{} // conversation → view → (id, seq) in log order

	phantoms := map[int64]bool{}
	for vi, v := range views {
		viewsOf[v.User] = append(viewsOf[v.User], vi)
		ids := map[int64]bool{}
		cids := map[senderCID]int64{}
		seqs := map[[2]int64]int64{} // (conversation, seq) → id
		lastSeq := map[int64]int64{}
		for _, m := range v.Messages {
			if ids[m.ID] {
				dup(fmt.Sprintf("id:%d", m.ID), "duplicate: message %d twice on %s", m.ID, v.Device)
			}
			ids[m.ID] = true
			k := senderCID{m.Sender, m.ClientID}
			if id, ok := cids[k]; ok && id != m.ID {
				dup(fmt.Sprintf("cid:%d/%s", m.Sender, m.ClientID), "duplicate: client id %q of user %d in messages %d and %d on %s", m.ClientID, m.Sender, id, m.ID, v.Device)
			}
			cids[k] = m.ID
			cs := [2]int64{m.Conversation, m.Seq}
			if id, ok := seqs[cs]; ok && id != m.ID {
				dup(fmt.Sprintf("seq:%d/%d", m.Conversation, m.Seq), "duplicate: seq %d of conversation %d held by messages %d and %d on %s", m.Seq, m.Conversation, id, m.ID, v.Device)
			}
			seqs[cs] = m.ID
			if m.Seq <= lastSeq[m.Conversation] {
				diverge(m.Conversation, "divergent: conversation %d on %s: seq %d after %d", m.Conversation, v.Device, m.Seq, lastSeq[m.Conversation])
			}
			lastSeq[m.Conversation] = max(lastSeq[m.Conversation], m.Seq)

			if convs[m.Conversation] == nil {
				convs[m.Conversation] = map[int64]bool{}
				convIDs[m.Conversation] = map[int][][2]int64{}
			}
			convs[m.Conversation][v.User] = true
			convs[m.Conversation][m.Peer] = true
			convIDs[m.Conversation][vi] = append(convIDs[m.Conversation][vi], [2]int64{m.ID, m.Seq})

			if _, ok := known[k]; !ok {
				if !phantoms[m.ID] {
					phantoms[m.ID] = true
					r.problem("phantom: message %d (client id %q of user %d) on %s was never sent", m.ID, m.ClientID, m.Sender, v.Device)
				}
				continue
			}
			if present[k] == nil {
				present[k] = map[int][]ViewMessage{}
			}
			present[k][vi] = append(present[k][vi], m)
		}
		for conv, hi := range lastSeq {
			for s := int64(1); s < hi; s++ {
				cs := [2]int64{conv, s}
				if _, ok := seqs[cs]; !ok && !gaps[cs] {
					gaps[cs] = true
					r.problem("gap: conversation %d has no seq %d on %s (up to %d)", conv, s, v.Device, hi)
				}
			}
		}
	}

	// Every device of both members sees the same messages in the same order.
	convList := make([]int64, 0, len(convs))
	for c := range convs {
		convList = append(convList, c)
	}
	slices.Sort(convList)
	for _, conv := range convList {
		var members []int64
		for u := range convs[conv] {
			members = append(members, u)
		}
		slices.Sort(members)
		var ref [][2]int64
		refName := ""
		for _, u := range members {
			for _, vi := range viewsOf[u] {
				got := convIDs[conv][vi]
				if refName == "" {
					ref, refName = got, views[vi].Device
					continue
				}
				if !slices.Equal(got, ref) {
					diverge(conv, "divergent: conversation %d: %s has %d messages %s, %s has %d %s", conv, refName, len(ref), head(ref), views[vi].Device, len(got), head(got))
				}
			}
		}
	}

	for i := range ops {
		op := &ops[i]
		r.Sent++
		k := senderCID{op.Sender, op.ClientID}
		seen := present[k]
		switch op.Status {
		case OK:
			r.Acked++
			if op.AckConflict {
				r.AckMismatch++
				r.problem("ack mismatch: retries of %q were acknowledged differently", op.ClientID)
			}
			devices := append(slices.Clone(viewsOf[op.Sender]), viewsOf[op.Peer]...)
			lost, mismatch := len(devices) == 0, false
			for _, vi := range devices {
				ms := seen[vi]
				if len(ms) == 0 {
					if !lost {
						r.problem("lost: acknowledged %q (id %d seq %d) is missing on %s", op.ClientID, op.ID, op.Seq, views[vi].Device)
					}
					lost = true
					continue
				}
				if m := ms[0]; m.ID != op.ID || m.Seq != op.Seq || m.Conversation != op.Conversation {
					if !mismatch {
						r.problem("ack mismatch: %q acknowledged as id %d seq %d, %s has id %d seq %d", op.ClientID, op.ID, op.Seq, views[vi].Device, m.ID, m.Seq)
					}
					mismatch = true
				}
			}
			if lost {
				r.Lost++
			}
			if mismatch && !op.AckConflict {
				r.AckMismatch++
			}
		case Failed:
			r.Failed++
			if len(seen) > 0 {
				r.FailedPresent++
				r.problem("failed present: %q was refused (%s) but is visible", op.ClientID, op.Err)
			}
		default: // Unknown, or never completed
			r.Unknown++
			if len(seen) > 0 {
				r.UnknownPresent++
			} else {
				r.UnknownAbsent++
			}
		}
	}
	r.Duplicates = len(dups)
	r.Gaps = len(gaps)
	r.Divergent = len(divergent)
	r.Phantom = len(phantoms)
	return r
}

// head shows the first few (id, seq) pairs of a list.
func head(ids [][2]int64) string {
	if len(ids) <= 5 {
		return fmt.Sprint(ids)
	}
	return fmt.Sprint(ids[:5]) + "…"
}
