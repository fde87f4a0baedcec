package engine

import (
	"context"

	"github.com/trailhound/trailhound/investigation"
)

// The reads after ranking (the candidates' configuration histories, the
// calls before their changes, the stack updates) are independent of each
// other: each starts as soon as what decides it is known, all run at once,
// and their results and notes are taken in rank order, as when they ran one
// after another. Which of them the lookup budget allows is decided in that
// order too, before any is waited for.

// startPrevious starts reading, for each ranked candidate, the record of its
// resource just before the change: AWS Config's configuration item when the
// topology keeps history, else the previous call of the same API on the
// resource, first among the events the walk already holds, then with one
// bounded lookup further back. The returned finish keeps what they read.
func (t *triage) startPrevious(ctx context.Context) (finish func()) {
	t.previous = map[*group]previousRead{}
	// The candidates' configuration histories are read at once, one
	// goroutine per candidate (at most MaxCandidates).
	configs := make([]func() configPrevious, len(t.ranked))
	for i, g := range t.ranked {
		configs[i] = beside(t, func() configPrevious {
			var c configPrevious
			c.read, c.ok = t.previousFromConfig(ctx, &c.fx, g)
			return c
		})
	}
	var reads []func() configPrevious
	for i, g := range t.ranked {
		c := configs[i]()
		if ctx.Err() != nil {
			break
		}
		reads = append(reads, t.startPreviousOf(ctx, g, c))
	}
	return func() {
		for i, read := range reads {
			c := read()
			c.fx.apply(t)
			if c.ok {
				t.previous[t.ranked[i]] = c.read
			}
		}
		if len(reads) < len(t.ranked) {
			t.note("previous values not read: %v", ctx.Err())
			return
		}
		for arn, err := range t.policies.errs {
			t.note("versions of %s not read: %v", arn, err)
		}
	}
}

// configPrevious is what was read of a candidate's previous values, with
// the notes the reads left.
type configPrevious struct {
	read previousRead
	ok   bool
	fx   effects
}

// startPreviousOf goes on from what g's configuration history said: the
// walk's own events, else a lookup further back started now, else g's own
// record once that lookup found nothing.
func (t *triage) startPreviousOf(ctx context.Context, g *group, c configPrevious) func() configPrevious {
	done := func() configPrevious { return c }
	if c.ok {
		return done
	}
	if p, ok := t.previousFromCalls(g, t.changes); ok {
		c.read, c.ok = p, true
		return done
	}
	lookup := t.startPriorLookup(ctx, g, &c.fx)
	return func() configPrevious {
		if lookup != nil {
			if p, ok := lookup(&c.fx); ok {
				c.read, c.ok = p, true
				return c
			}
		}
		c.read, c.ok = previousFromRequest(g)
		return c
	}
}

// startPriorLookup starts the lookup further back than the walk for the
// previous call of the representative event's API on its resource: one
// lookup, within the triage's lookup budget (nil, with a note, when it is
// spent). Its wait compares what it found.
func (t *triage) startPriorLookup(ctx context.Context, g *group, fx *effects) func(*effects) (previousRead, bool) {
	f := g.rep
	if t.lookups >= t.lim.MaxLookups {
		fx.note("lookup budget spent: the call before %s on %s was not read", f.Name, f.Target.ID)
		return nil
	}
	region := f.Region
	if region == "" {
		region = f.Target.Region
	}
	q := investigation.Lookup{
		Region: region, Account: t.accountOf(f.Target.Resource), Key: investigation.AttrResourceName, Value: f.Target.ID,
		Start: f.Time.Add(-priorLookback), End: g.first(), MaxEvents: priorMaxEvents,
	}
	t.lookups++
	wait := t.startLookup(ctx, q)
	return func(fx *effects) (previousRead, bool) {
		r := wait()
		t.calls["cloudtrail:LookupEvents"] += r.res.Calls
		if r.err != nil {
			fx.note("the call before %s on %s not read: %v", f.Name, f.Target.ID, r.err)
			return previousRead{}, false
		}
		var earlier []*found
		for _, ev := range r.res.Events {
			if !ev.ReadOnly && ev.Time.Before(g.first()) {
				earlier = append(earlier, &found{Event: ev, Target: f.Target})
			}
		}
		return t.previousFromCalls(g, earlier)
	}
}

// lookupRead is one lookup's answer.
type lookupRead struct {
	res investigation.LookupResult
	err error
}

// startLookup sends q beside the triage; the wait yields its answer.
func (t *triage) startLookup(ctx context.Context, q investigation.Lookup) func() lookupRead {
	trail := t.engine.Trail
	return beside(t, func() lookupRead {
		res, err := trail.Lookup(ctx, q)
		return lookupRead{res: res, err: err}
	})
}

// readAfterRanking reads what the ranked candidates' next steps name: the
// values their changes replaced and the stack updates that made them. The
// stack updates' lookup comes after the candidates' in the budget; it
// starts first only when the budget holds one lookup for every candidate
// besides it, so that which lookups are made never depends on timing.
func (t *triage) readAfterRanking(ctx context.Context) {
	var stacks func()
	if t.lookups+len(t.ranked) < t.lim.MaxLookups {
		stacks = t.startStackTemplates(ctx)
	}
	previous := t.startPrevious(ctx)
	if stacks == nil {
		stacks = t.startStackTemplates(ctx)
	}
	previous()
	stacks()
}
