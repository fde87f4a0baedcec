package engine

import (
	"context"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// unwalkedTypes are dependencies read for other purposes whose own changes do
// not break the workload: a log group is where the engine reads errors.
var unwalkedTypes = map[string]bool{investigation.TypeLogGroup: true}

// walkRun is one layer's lookups. Targets are offered in the order the
// layer is read in, as soon as that order is known (layer 2 while the
// dependencies are still being read); each is planned under the budgets
// and its lookup started at once. The join (finishWalk) takes the results
// in target order, so the report does not depend on which answered first.
type walkRun struct {
	ctx        context.Context
	trail      investigation.Trail
	layer      int
	spent      int // lookups the triage spends before this layer's
	start, end time.Time
	offered    int // targets offered so far, planned or not
	todo       []*scoped
	fx         effects // what the plan left out, noted at the join
	cut        bool    // a budget cut the plan: later targets are not read
	// CloudTrail's rate limit is per account and region: each pair's
	// lookups run in order in a lane of their own, the pairs at once.
	lanes      map[string]chan laneJob
	lanesWG    sync.WaitGroup
	results    []walkOutcome // by todo index, written by the lanes
	closeLanes func()
	wait       func() struct{}
}

// laneJob is lookup i of the walk.
type laneJob struct {
	i int
	q investigation.Lookup
}

type walkOutcome struct {
	res     investigation.LookupResult
	err     error
	skipped bool
}

// startWalk opens a layer's walk, given how many lookups the triage will
// have spent before it.
func (t *triage) startWalk(ctx context.Context, layer, spent int) *walkRun {
	window := Layer1Window
	if layer == 2 {
		window = Layer2Window
	}
	w := &walkRun{ctx: ctx, trail: t.engine.Trail, layer: layer, spent: spent,
		start: t.symptom.Add(-window), end: t.symptom, lanes: map[string]chan laneJob{},
		results: make([]walkOutcome, max(t.lim.MaxLookups-spent, 0))}
	// The lanes are owned by one read of the triage's, which ends once the
	// walk is closed and every lane has drained.
	closed := make(chan struct{})
	w.wait = beside(t, func() struct{} {
		<-closed
		w.lanesWG.Wait()
		return struct{}{}
	})
	w.closeLanes = func() {
		for _, lane := range w.lanes {
			close(lane)
		}
		close(closed)
	}
	return w
}

// offer plans the layer's targets among ordered that were not offered yet,
// in order, and starts their lookups. ordered must extend the list of the
// previous offer: the targets offered keep their places.
func (t *triage) offer(w *walkRun, ordered []*scoped) {
	for _, s := range ordered[w.offered:] {
		w.offered++
		if w.cut || s.Layer != w.layer || unwalkedTypes[s.Type] {
			continue
		}
		if w.spent+len(w.todo) >= t.lim.MaxLookups {
			w.fx.note("lookup budget of %d queries spent: %s %s and later resources were not read", t.lim.MaxLookups, s.Type, s.ID)
			w.cut = true
			continue
		}
		if w.layer == 2 && len(w.todo) >= t.lim.MaxDependencyLookups {
			w.fx.note("dependency lookup budget of %d queries spent: %s %s and weaker dependencies were not read", t.lim.MaxDependencyLookups, s.Type, s.ID)
			w.cut = true
			continue
		}
		i := len(w.todo)
		w.todo = append(w.todo, s)
		// The query is fixed here: a target is offered once its account
		// and id are settled (see expandTopology).
		account := t.accountOf(s.Resource)
		w.send(account+"/"+s.Region, laneJob{i: i, q: investigation.Lookup{
			Region: s.Region, Account: account, Key: investigation.AttrResourceName, Value: s.ID,
			Start: w.start, End: w.end, MaxEvents: t.lim.MaxEventsPerQuery,
		}})
	}
}

// send queues lookup i on its pair's lane, opening the lane on first use.
func (w *walkRun) send(key string, job laneJob) {
	lane, ok := w.lanes[key]
	if !ok {
		// Buffered for every lookup the layer may plan: offering never
		// waits for a lookup to finish.
		lane = make(chan laneJob, len(w.results))
		w.lanes[key] = lane
		w.lanesWG.Add(1)
		go w.runLane(lane)
	}
	lane <- job
}

// runLane runs a pair's lookups in the order they were queued.
func (w *walkRun) runLane(lane <-chan laneJob) {
	defer w.lanesWG.Done()
	for job := range lane {
		if err := w.ctx.Err(); err != nil {
			w.results[job.i] = walkOutcome{err: err, skipped: true}
			continue
		}
		res, err := w.trail.Lookup(w.ctx, job.q)
		w.results[job.i] = walkOutcome{res: res, err: err}
	}
}

// finishWalk waits for a layer's lookups and keeps what they found, in
// target order.
func (t *triage) finishWalk(w *walkRun) {
	w.closeLanes()
	w.wait()
	results := w.results
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

// layer2Of is the layer-2 targets among targets, in their order.
func layer2Of(targets []*scoped) []*scoped {
	var out []*scoped
	for _, s := range targets {
		if s.Layer == 2 {
			out = append(out, s)
		}
	}
	return out
}
