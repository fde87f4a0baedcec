package engine

import (
	"context"
	"sync"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// unwalkedTypes are dependencies read for other purposes whose own changes do
// not break the workload: a log group is where the engine reads errors.
var unwalkedTypes = map[string]bool{investigation.TypeLogGroup: true}

// walkRun is one layer's lookups: planned from the targets, started at
// once, joined later so the lookups overlap the reads in between (layer 1
// the dependency walk; both layers the logs).
type walkRun struct {
	layer int
	todo  []*scoped
	fx    effects // what the plan left out, noted at the join
	cut   bool    // a budget cut the plan
	wait  func() []walkOutcome
}

type walkOutcome struct {
	res     investigation.LookupResult
	err     error
	skipped bool
}

// startWalk plans the lookups of a layer's targets within their window and
// the budgets, given how many lookups the triage will have spent before
// them, and starts them. CloudTrail's rate limit is per account and region,
// so each pair's lookups run in order in a goroutine of their own, the
// pairs at once; the results are taken in target order at the join
// (finishWalk), so the report does not depend on which answered first.
func (t *triage) startWalk(ctx context.Context, layer, spent int) *walkRun {
	window := Layer1Window
	if layer == 2 {
		window = Layer2Window
	}
	start, end := t.symptom.Add(-window), t.symptom
	w := &walkRun{layer: layer}
	for _, s := range t.targets {
		if s.Layer != layer || unwalkedTypes[s.Type] {
			continue
		}
		if spent+len(w.todo) >= t.lim.MaxLookups {
			w.fx.note("lookup budget of %d queries spent: %s %s and later resources were not read", t.lim.MaxLookups, s.Type, s.ID)
			w.cut = true
			break
		}
		if layer == 2 && len(w.todo) >= t.lim.MaxDependencyLookups {
			w.fx.note("dependency lookup budget of %d queries spent: %s %s and weaker dependencies were not read", t.lim.MaxDependencyLookups, s.Type, s.ID)
			w.cut = true
			break
		}
		w.todo = append(w.todo, s)
	}
	todo := w.todo
	// The queries are fixed here: a target's account and id may not
	// change while its lookups run (the dependency walk only writes the
	// accounts of layer-2 targets, before they are planned).
	queries := make([]investigation.Lookup, len(todo))
	byKey := map[string][]int{}
	var keys []string
	for i, s := range todo {
		account := t.accountOf(s.Resource)
		queries[i] = investigation.Lookup{
			Region: s.Region, Account: account, Key: investigation.AttrResourceName, Value: s.ID,
			Start: start, End: end, MaxEvents: t.lim.MaxEventsPerQuery,
		}
		k := account + "/" + s.Region
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	trail := t.engine.Trail
	w.wait = beside(t, func() []walkOutcome {
		results := make([]walkOutcome, len(todo))
		var wg sync.WaitGroup
		for _, k := range keys {
			wg.Add(1)
			go func(idx []int) {
				defer wg.Done()
				for _, i := range idx {
					if err := ctx.Err(); err != nil {
						results[i] = walkOutcome{err: err, skipped: true}
						continue
					}
					res, err := trail.Lookup(ctx, queries[i])
					results[i] = walkOutcome{res: res, err: err}
				}
			}(byKey[k])
		}
		wg.Wait()
		return results
	})
	return w
}

// finishWalk waits for a layer's lookups and keeps what they found, in
// target order.
func (t *triage) finishWalk(w *walkRun) {
	results := w.wait()
	w.fx.apply(t)
	if w.cut {
		t.truncate = true
	}
	for i, s := range w.todo {
		o := results[i]
		if o.skipped {
			t.note("walk stopped before %s %s: %v", s.Type, s.ID, o.err)
			t.truncate = true
			continue
		}
		t.lookups++
		t.calls["cloudtrail:LookupEvents"] += o.res.Calls
		if t.refusedRead(o.err, s.Resource) {
			continue
		}
		if o.err != nil {
			t.note("changes on %s %s not read: %v", s.Type, s.ID, o.err)
			continue
		}
		if o.res.More {
			t.note("changes on %s %s: more than %d events in the window, the oldest were not read", s.Type, s.ID, t.lim.MaxEventsPerQuery)
			t.truncate = true
		}
		t.scanned += len(o.res.Events)
		for _, ev := range o.res.Events {
			t.keep(ev, s)
		}
	}
}

// keep records a mutating event once, attributed to the closest target.
func (t *triage) keep(ev investigation.Event, s *scoped) {
	if ev.ReadOnly || ev.Time.After(t.symptom) || t.sibling(ev, s) {
		return
	}
	if prev, ok := t.seen[ev.ID]; ok {
		if s.Layer < prev.Target.Layer {
			prev.Target = s
			t.assignGroup(prev)
		}
		return
	}
	f := &found{Event: ev, Target: s, Kind: catalogue.KindOfEvent(ev)}
	t.assignGroup(f)
	t.seen[ev.ID] = f
	if ev.Failed() {
		t.failed = append(t.failed, *f)
	} else {
		t.changes = append(t.changes, f)
	}
}
