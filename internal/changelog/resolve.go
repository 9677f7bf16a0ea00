package changelog

import (
	"context"

	"hongyan/internal/hongyan"
)

// A Resolver turns entries of one kind into the current state of what
// they name, as the caller sees it: into[i] for entries[i], left nil when
// the object is gone or not the caller's to see. The values are the
// features' own (a chat.Message, a group.View…); a transport turns them
// into its frames. An entry may carry data its event brought (a new
// message): a resolver uses it instead of reading the store.
type Resolver func(ctx context.Context, me hongyan.Caller, entries []hongyan.Change, into []any) error

// Resolvers holds the resolver of each kind of entry; the node fills it
// from the features.
type Resolvers map[hongyan.ChangeKind]Resolver

// Resolve returns the state each entry names (see Resolver), in order:
// nil for an object that is gone and for a kind without a resolver. Each
// kind's resolver is asked once, for all its entries (a page of 1,000
// messages is one query).
func (f *Feed) Resolve(ctx context.Context, me hongyan.Caller, entries []hongyan.Change) ([]any, error) {
	values := make([]any, len(entries))
	if len(entries) == 0 {
		return values, nil
	}
	// Most pushes hold entries of one kind (a message): no grouping.
	same := true
	for _, e := range entries[1:] {
		same = same && e.Kind == entries[0].Kind
	}
	if same {
		if r := f.resolvers[entries[0].Kind]; r != nil {
			if err := r(ctx, me, entries, values); err != nil {
				return nil, err
			}
		}
		return values, nil
	}
	var done []hongyan.ChangeKind
	for _, e := range entries {
		k := e.Kind
		r := f.resolvers[k]
		if r == nil || containsKind(done, k) {
			continue
		}
		done = append(done, k)
		var of []hongyan.Change
		var at []int
		for i, e := range entries {
			if e.Kind == k {
				of, at = append(of, e), append(at, i)
			}
		}
		into := make([]any, len(of))
		if err := r(ctx, me, of, into); err != nil {
			return nil, err
		}
		for i, v := range into {
			values[at[i]] = v
		}
	}
	return values, nil
}

func containsKind(ks []hongyan.ChangeKind, k hongyan.ChangeKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
