package moderation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"hongyan/internal/hongyan"
)

// A Suspension stops an official account or a group from Start to End: a
// suspended account reaches no follower and its developer API is refused;
// a suspended group takes no messages and no new members. The features
// that own them enforce it (through ports the node fills from Suspended).
type Suspension struct {
	Kind       TargetKind // TargetOA or TargetGroup
	Target     int64
	Reason     string
	By         AdminID
	Start, End time.Time
}

// Suspensions is where suspensions are kept.
type Suspensions interface {
	// Suspend stores s, replacing a suspension of the same target, with
	// the audit entry.
	Suspend(ctx context.Context, s Suspension, audit Audit) error
	// LiftSuspension ends target's suspension at at (CodeNotFound when
	// none is in force), with the audit entry.
	LiftSuspension(ctx context.Context, kind TargetKind, target int64, at time.Time, audit Audit) error
	// ActiveSuspension returns target's suspension in force at t
	// (CodeNotFound when none is).
	ActiveSuspension(ctx context.Context, kind TargetKind, target int64, t time.Time) (Suspension, error)
}

func suspendable(kind TargetKind, target int64) error {
	if kind != TargetOA && kind != TargetGroup {
		return hongyan.Errorf(hongyan.CodeInvalid, "only official accounts (oa) and groups (group) are suspended")
	}
	if target <= 0 {
		return hongyan.Errorf(hongyan.CodeInvalid, "no such %s", kind)
	}
	return nil
}

func suspensionTarget(kind TargetKind, target int64) string {
	return string(kind) + ":" + strconv.FormatInt(target, 10)
}

// Suspend suspends an official account or a group for d with a reason (a
// moderator), replacing a suspension it has.
func (s *Service) Suspend(ctx context.Context, p Principal, kind TargetKind, target int64, reason string, d time.Duration) (Suspension, error) {
	if err := s.need(p, RoleModerator); err != nil {
		return Suspension{}, err
	}
	if err := suspendable(kind, target); err != nil {
		return Suspension{}, err
	}
	if d <= 0 || d > MaxDuration {
		return Suspension{}, hongyan.Errorf(hongyan.CodeInvalid, "a suspension lasts from a second to 100 years")
	}
	if strings.TrimSpace(reason) == "" {
		return Suspension{}, hongyan.Errorf(hongyan.CodeInvalid, "give a reason")
	}
	if err := hongyan.ValidText("reason", reason, MaxReason); err != nil {
		return Suspension{}, err
	}
	now := s.now()
	sus := Suspension{Kind: kind, Target: target, Reason: reason, By: p.Admin, Start: now, End: now.Add(d)}
	err := s.store.Suspend(ctx, sus, s.audit(p, "suspension.add", suspensionTarget(kind, target), "for "+d.String()+": "+reason))
	s.changedSuspension(kind, target)
	return sus, err
}

// LiftSuspension ends a suspension now (a moderator).
func (s *Service) LiftSuspension(ctx context.Context, p Principal, kind TargetKind, target int64) error {
	if err := s.need(p, RoleModerator); err != nil {
		return err
	}
	if err := suspendable(kind, target); err != nil {
		return err
	}
	err := s.store.LiftSuspension(ctx, kind, target, s.now(), s.audit(p, "suspension.lift", suspensionTarget(kind, target), ""))
	s.changedSuspension(kind, target)
	return err
}

// OnSuspension has f told of each suspension this service sets or lifts
// (the node's cache of them forgets the target).
func (s *Service) OnSuspension(f func(kind TargetKind, target int64)) { s.onSuspension = f }

func (s *Service) changedSuspension(kind TargetKind, target int64) {
	if s.onSuspension != nil {
		s.onSuspension(kind, target)
	}
}

// Suspension returns target's suspension in force (an administrator).
func (s *Service) Suspension(ctx context.Context, p Principal, kind TargetKind, target int64) (Suspension, error) {
	if err := s.need(p, RoleViewer); err != nil {
		return Suspension{}, err
	}
	if err := suspendable(kind, target); err != nil {
		return Suspension{}, err
	}
	return s.store.ActiveSuspension(ctx, kind, target, s.now())
}

// Suspended returns target's suspension in force, if any: what the
// features that own accounts and groups ask before they act for them.
func (s *Service) Suspended(ctx context.Context, kind TargetKind, target int64) (Suspension, bool, error) {
	sus, err := s.store.ActiveSuspension(ctx, kind, target, s.now())
	if hongyan.ErrorCode(err) == hongyan.CodeNotFound {
		return Suspension{}, false, nil
	}
	if err != nil {
		return Suspension{}, false, err
	}
	return sus, true, nil
}
