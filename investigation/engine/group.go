package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// group is one candidate change: related events on one target.
type group struct {
	events       []*found // in time order
	rep          *found   // the event that scores highest
	score        float64
	breakdown    investigation.ScoreBreakdown
	corrob       *KindOnset
	contradicted *KindOnset // AccessDenied errors that blame another kind of policy
	corrobName   bool
	unexplained  bool  // the workload's errors are of kinds it does not produce
	quiet        bool  // its change cannot produce any symptom
	seq          int32 // the order its first call was found in (see before)
	// produced marks the logs' error kinds its change can produce (see
	// kindBit), read without reaching for the representative event.
	produced   uint64
	confidence investigation.Confidence
	// evidenced is the confidence the evidence alone gives, before the
	// trail setup's gaps lowered it.
	evidenced investigation.Confidence
	at        time.Time // when it took effect: its first call, or a latent change's trigger
	exposes   *group    // the latent change this trigger set off
}

// start is when the change took effect.
func (g *group) start() time.Time {
	if g.at.IsZero() {
		return g.first()
	}
	return g.at
}

// before orders groups as if every change had been sorted by time, ties
// by the order found, and each group came where its first call did. Equal
// candidates go to the group that comes before.
func (g *group) before(o *group) bool {
	if a, b := g.first().UnixNano(), o.first().UnixNano(); a != b {
		return a < b
	}
	return g.seq < o.seq
}

// first and last are when its first and last calls were made; read from
// the events only when asked, since most groups are never asked.
func (g *group) first() time.Time { return g.events[0].Time }
func (g *group) last() time.Time  { return g.events[len(g.events)-1].Time }

// groups collects the successful changes into candidate groups and scores
// each group by the best of its events, without corroboration. At 100k
// changes cache misses, not arithmetic, dominate ranking: changes are scored
// in the order they were found, bucketed by group key as compact values, and
// sorted by time only within a key; after that only each group's best event
// is read. Groups come out key by key: whatever reads them in order breaks
// ties with before.
func (t *triage) groups(onset time.Time) []*group {
	starts := make([]int32, len(t.groupIDs)+1)
	for _, f := range t.changes {
		starts[f.group+1]++
	}
	for k := 1; k < len(starts); k++ {
		starts[k] += starts[k-1]
	}
	next := slices.Clone(starts[:len(starts)-1])
	byKey := make([]change, len(t.changes))
	for i, f := range t.changes {
		byKey[next[f.group]] = change{f.Time.UnixNano(), t.breakdown(f, onset, 0).Total(), int32(i)}
		next[f.group]++
	}
	n := 0
	for k := 0; k+1 < len(starts); k++ {
		bucket := byKey[starts[k]:starts[k+1]]
		slices.SortFunc(bucket, compareChanges)
		for i := range bucket {
			if i == 0 || bucket[i].at-bucket[i-1].at > int64(GroupSpan) {
				n++
			}
		}
	}
	slab := make([]group, 0, n)
	events := make([]*found, len(t.changes))
	for k := 0; k+1 < len(starts); k++ {
		lo, hi := starts[k], starts[k+1]
		slab = t.splitKey(byKey[lo:hi], events[lo:hi], slab)
	}
	out := make([]*group, len(slab))
	for i := range slab {
		g := &slab[i]
		g.breakdown = t.breakdown(g.rep, onset, 0)
		g.score = g.breakdown.Total()
		g.quiet, g.produced = g.rep.Kind.NoSymptoms, t.producedMask(g.rep.Kind)
		if at := t.effectiveTime(g.rep); !at.Equal(g.rep.Time) {
			g.at = at
		}
		out[i] = g
	}
	return out
}

// splitKey appends the groups of one key's changes, sorted by time: a new
// group whenever its last call is more than GroupSpan old, represented by
// the first of its best-scored calls. events receives the calls.
func (t *triage) splitKey(bucket []change, events []*found, groups []group) []group {
	var best float64
	open := 0
	for i, c := range bucket {
		events[i] = t.changes[c.seq]
		if i == 0 || c.at-bucket[i-1].at > int64(GroupSpan) {
			groups = append(groups, group{seq: c.seq, rep: events[i]})
			open, best = i, c.score
		} else if c.score > best {
			groups[len(groups)-1].rep, best = events[i], c.score
		}
		groups[len(groups)-1].events = events[open : i+1 : i+1]
	}
	return groups
}

// producedMask marks the logs' error kinds a change of kind k can produce.
func (t *triage) producedMask(k catalogue.ChangeKind) uint64 {
	if t.more == nil || len(t.more.logKinds) == 0 {
		return 0
	}
	var m uint64
	for _, e := range k.Symptoms() {
		if bit, ok := t.kindBit(e); ok {
			m |= bit
		}
	}
	return m
}

// kindBit is error kind e's bit in a group's produced mask; false when e is
// not among the logs' first 64 kinds, and the change's kind must be asked.
func (t *triage) kindBit(e investigation.ErrorKind) (uint64, bool) {
	if t.more == nil {
		return 0, false
	}
	i := slices.Index(t.more.logKinds, e)
	if i < 0 || i >= 64 {
		return 0, false
	}
	return 1 << i, true
}

// produces reports whether g's change can cause errors of kind e, whose
// bit from kindBit is bit, ok.
func (g *group) produces(e investigation.ErrorKind, bit uint64, ok bool) bool {
	if ok {
		return g.produced&bit != 0
	}
	return g.rep.Kind.Produces(e)
}

// change is one call as grouping reads it.
type change struct {
	at    int64
	score float64 // without corroboration
	seq   int32   // the order it was found in breaks ties, so the result is reproducible
}

func compareChanges(a, b change) int {
	if a.at != b.at {
		return cmp.Compare(a.at, b.at)
	}
	return cmp.Compare(a.seq, b.seq)
}

// groupKey is what makes calls one change: one target, one kind of change, one actor.
type groupKey struct {
	target *scoped
	cat    investigation.Category
	actor  string
}

// assignGroup interns f's group key when the event is found, so ranking
// needs no hashing.
func (t *triage) assignGroup(f *found) {
	k := groupKey{f.Target, f.Kind.Category, f.Actor.Name}
	id, ok := t.groupIDs[k]
	if !ok {
		if t.groupIDs == nil {
			t.groupIDs = map[groupKey]int{}
		}
		id = len(t.groupIDs)
		t.groupIDs[k] = id
	}
	f.group = id
}
