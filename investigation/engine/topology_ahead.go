package engine

import (
	"context"
	"errors"
	"sort"

	"github.com/trailhound/trailhound/investigation"
)

// maxReadsAhead bounds the dependency reads the walk keeps started ahead of
// the resource it takes: each is a Config or describe round trip or two, so
// a handful at once takes a fan of siblings in the time of one, while the
// services' per-second request rates stay far away.
const maxReadsAhead = 4

// depsRead is what reading one resource's dependencies said.
type depsRead struct {
	deps []investigation.Dependency
	err  error
	// owner is the account the resource was found in when its own was
	// only assumed from its parent's (owned says one was found).
	owner string
	owned bool
}

// readsAhead reads the dependencies of the strongest queued resources
// before the walk takes them. The walk still takes resources one at a time
// in its own order and decides everything from the answers as before, so
// the scope does not depend on which read finished first; only the waiting
// overlaps. A read started for a resource the reads budget then leaves
// unread is wasted, never used.
type readsAhead struct {
	t       *triage
	ctx     context.Context
	topo    investigation.Topology
	started map[*scoped]func() depsRead
}

func newReadsAhead(ctx context.Context, t *triage, topo investigation.Topology) *readsAhead {
	return &readsAhead{t: t, ctx: ctx, topo: topo, started: map[*scoped]func() depsRead{}}
}

// fill starts the reads of the queued resources the walk takes next, within
// the reads it may still make, keeping at most maxReadsAhead unanswered.
func (a *readsAhead) fill(q walkQueue, budget int) {
	if len(q) == 0 || budget <= 0 || len(a.started) >= maxReadsAhead {
		return
	}
	next := append(walkQueue(nil), q...)
	sort.Sort(next)
	for _, it := range next[:min(len(next), budget)] {
		if len(a.started) >= maxReadsAhead {
			return
		}
		if _, ok := a.started[it.s]; !ok {
			s := it.s
			a.started[s] = beside(a.t, func() depsRead { return a.read(s) })
		}
	}
}

// take yields s's dependencies: the read started ahead, else one made now.
func (a *readsAhead) take(s *scoped) depsRead {
	wait, ok := a.started[s]
	if !ok {
		return a.read(s)
	}
	delete(a.started, s)
	return wait()
}

// read reads s's dependencies in its account. When that account was only
// assumed (its parent's) and does not know s, it asks who owns s: a
// relation names a subnet shared from a network account, or a key of a
// security account, by id alone. The topology asks the accounts it may
// read; the owner found becomes s's account when the walk takes s, for its
// lookups as for its dependencies.
func (a *readsAhead) read(s *scoped) depsRead {
	deps, err := a.topo.Dependencies(a.t.inAccount(a.ctx, s.Resource), s.Resource)
	if !errors.Is(err, investigation.ErrUnknownResource) || !s.inherited {
		return depsRead{deps: deps, err: err}
	}
	owners, ok := a.topo.(investigation.Owners)
	if !ok {
		return depsRead{err: investigation.ErrUnknownResource}
	}
	account, deps, err := owners.Owner(a.t.inAccount(a.ctx, s.Resource), s.Resource)
	if err != nil {
		return depsRead{err: err}
	}
	for i := range deps {
		if deps[i].Account == "" {
			deps[i].Account = account
		}
	}
	return depsRead{deps: deps, owner: account, owned: true}
}
