package engine

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// groupsAhead is how many changes have their configuration history read
// before ranking: the strongest by their own score, a few more than the
// candidates ranking keeps, since corroboration can still reorder them.
const groupsAhead = MaxCandidates + 1

// aroundKey names one configuration history read: a holder at a moment.
type aroundKey struct {
	holder investigation.Resource
	at     int64 // Unix nanoseconds
}

// aroundReads are the configuration history reads of one triage. Those of
// the strongest changes the walk found start as soon as the walk ends,
// while the lookups that follow the evidence still run; the next steps
// after ranking take them, or start the ones ranking asks for that were
// not read ahead. The same holder at the same moment is read once, so
// what the next steps say does not depend on which reads went ahead; a
// read ranking does not ask for is wasted.
type aroundReads struct {
	mu    sync.Mutex
	reads map[aroundKey]func() configAround
}

// around yields the read of holder's history at at, starting it if needed.
func (t *triage) around(ctx context.Context, hist investigation.ConfigHistory, holder investigation.Resource, at time.Time) func() configAround {
	a := &t.arounds
	key := aroundKey{holder, at.UnixNano()}
	a.mu.Lock()
	defer a.mu.Unlock()
	if read, ok := a.reads[key]; ok {
		return read
	}
	if a.reads == nil {
		a.reads = map[aroundKey]func() configAround{}
	}
	read := beside(t, func() configAround {
		c, err := hist.ConfigurationAround(ctx, holder, at)
		return configAround{c, err}
	})
	a.reads[key] = read
	return read
}

// readAroundAhead starts the configuration history reads the next steps
// will most likely ask for: the first holders of the strongest groups of
// changes found so far, scored as ranking scores them before it weighs
// them against the logs and each other.
func (t *triage) readAroundAhead(ctx context.Context) {
	hist, ok := t.engine.Topology.(investigation.ConfigHistory)
	if !ok || len(t.changes) == 0 {
		return
	}
	groups := t.groups(t.symptom)
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(b.score, a.score) })
	for _, g := range groups[:min(len(groups), groupsAhead)] {
		holders := t.historyHolders(g)
		for _, holder := range holders[:min(len(holders), holdersAhead)] {
			t.around(ctx, hist, holder, g.first())
		}
	}
}
