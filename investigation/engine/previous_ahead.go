package engine

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// groupsAhead is how many groups of changes have their configuration
// history read before ranking: the strongest by their own score, one more
// than the candidates ranking keeps, since corroboration can still reorder
// them.
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
// changes found so far, each group scored by its best change as ranking
// scores it before weighing it against the logs and the other groups. It
// reads every change once and sorts only the chosen groups' times: the
// reads ahead cost a fraction of ranking even at 100,000 changes.
func (t *triage) readAroundAhead(ctx context.Context) {
	hist, ok := t.engine.Topology.(investigation.ConfigHistory)
	if !ok || len(t.changes) == 0 {
		return
	}
	for _, c := range t.strongestGroups(groupsAhead) {
		holders := t.historyHolders(&group{rep: c})
		for _, holder := range holders[:min(len(holders), holdersAhead)] {
			t.around(ctx, hist, holder, t.groupStart(c))
		}
	}
}

// strongestGroups is the best-scored change of each of the n strongest
// group keys, strongest first; ties go to the change found first.
func (t *triage) strongestGroups(n int) []*found {
	type best struct {
		score float64
		seq   int
	}
	bests := make([]best, len(t.groupIDs))
	for i := range bests {
		bests[i].seq = -1
	}
	for i, f := range t.changes {
		if score := t.breakdown(f, t.symptom, 0).Total(); bests[f.group].seq < 0 || score > bests[f.group].score {
			bests[f.group] = best{score, i}
		}
	}
	var top []best
	for _, b := range bests {
		if b.seq >= 0 {
			top = append(top, b)
		}
	}
	slices.SortFunc(top, func(a, b best) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := make([]*found, 0, min(n, len(top)))
	for _, b := range top[:min(n, len(top))] {
		out = append(out, t.changes[b.seq])
	}
	return out
}

// groupStart is when the group holding c begins: its key's calls chain
// into one group while each follows the last within GroupSpan.
func (t *triage) groupStart(c *found) time.Time {
	var times []time.Time
	for _, f := range t.changes {
		if f.group == c.group {
			times = append(times, f.Time)
		}
	}
	slices.SortFunc(times, time.Time.Compare)
	start := times[0]
	for i := 1; i < len(times) && !times[i].After(c.Time); i++ {
		if times[i].Sub(times[i-1]) > GroupSpan {
			start = times[i]
		}
	}
	return start
}
