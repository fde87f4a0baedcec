// Package engine is the deterministic investigation: it scopes an alarm to
// resources, expands their dependencies, walks the trail, reads the logs,
// then ranks and explains the changes that most likely caused the alarm.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// Windows and bounds of a triage (DESIGN §3).
const (
	// Layer1Window is how far back changes on the alarm's own resources are read.
	Layer1Window = 30 * time.Minute
	// Layer2Window is how far back changes on their dependencies are read.
	Layer2Window = 60 * time.Minute
	// DeliveryLag is how long CloudTrail typically takes to make an event
	// visible; a younger symptom may have its cause still in flight.
	DeliveryLag = 5 * time.Minute
	// LogTail is how long after the symptom log errors are still read: errors
	// keep coming while the alarm is on, and they tell what kind of failure it is.
	LogTail = 10 * time.Minute

	DefaultMaxLookups        = 40
	DefaultMaxEventsPerQuery = 500
	DefaultMaxResources      = 50
	DefaultMaxLogLines       = 2000
	DefaultTimeBudget        = 50 * time.Second
)

// Limits bound one triage.
type Limits struct {
	MaxLookups        int // LookupEvents queries
	MaxEventsPerQuery int // events read per query
	MaxResources      int // resources in scope, dependencies included
	// MaxTopologyReads bounds the Topology.Dependencies calls of the walk.
	MaxTopologyReads int
	// MaxDependencyLookups bounds the LookupEvents queries on dependencies.
	MaxDependencyLookups int
	MaxLogLines          int           // log lines read per group
	TimeBudget           time.Duration // wall time of the whole triage
}

func (l Limits) withDefaults() Limits {
	if l.MaxLookups <= 0 {
		l.MaxLookups = DefaultMaxLookups
	}
	if l.MaxEventsPerQuery <= 0 {
		l.MaxEventsPerQuery = DefaultMaxEventsPerQuery
	}
	if l.MaxResources <= 0 {
		l.MaxResources = DefaultMaxResources
	}
	if l.MaxTopologyReads <= 0 {
		l.MaxTopologyReads = DefaultMaxTopologyReads
	}
	if l.MaxDependencyLookups <= 0 {
		l.MaxDependencyLookups = DefaultMaxDependencyLookups
	}
	if l.MaxLogLines <= 0 {
		l.MaxLogLines = DefaultMaxLogLines
	}
	if l.TimeBudget <= 0 {
		l.TimeBudget = DefaultTimeBudget
	}
	return l
}

// Stage names a step of a triage, for progress reports.
type Stage string

const (
	StageScoped Stage = "scoped"
	StageLayer1 Stage = "layer1"
	StageLayer2 Stage = "layer2"
	StageRanked Stage = "ranked"
)

// Progress is reported after each stage so a placeholder message can say how far the walk is.
type Progress struct {
	Stage     Stage
	Resources int // resources in scope so far
	Events    int // mutating events found so far
}

// Engine triages alarms. Trail is required; every other source is optional and
// its absence is stated in the report.
type Engine struct {
	Trail    investigation.Trail
	Topology investigation.Topology
	Logs     investigation.Logs
	IAM      investigation.IAM
	Alarms   investigation.Alarms
	// Feeds reads the resources' own status feeds, read as log lines.
	Feeds investigation.StatusFeeds
	// Coverage reads the account's trail setup, so the report states what
	// the walk could not see.
	Coverage TrailSetups
	Limits   Limits
	// Now is the clock; reports are reproducible when a scenario fixes it.
	Now func() time.Time
	// OnProgress, when set, is called after each stage from the triage's goroutine.
	OnProgress func(Progress)
	Logger     *slog.Logger
}

// scoped is a resource with the layer it was reached at and why.
type scoped struct {
	investigation.Resource
	Layer    int
	Relation string                 // how it relates to Parent
	Parent   investigation.Resource // the resource it is a dependency of (layer 2)
	// Depth is the number of relations between the alarm's resource and
	// this one (0 for layer 1). Strength is the product of the relation
	// strengths along that path (1 for layer 1): how strongly a change here
	// can break the alarm's resource (see relationStrength).
	Depth    int
	Strength float64
	// inherited says the account is its parent's, assumed because the
	// relation did not name one; the owner may be another account.
	inherited bool
}

// found is an event with the scoped resource whose lookup returned it.
type found struct {
	investigation.Event
	Target *scoped
	Kind   catalogue.ChangeKind
	group  int // index of its group key (see assignGroup)
}

// Triage runs the deterministic investigation of a. It returns an error only
// when the alarm cannot be triaged at all; missing sources degrade the report.
func (e *Engine) Triage(ctx context.Context, a investigation.Alarm) (*investigation.Report, error) {
	if e.Trail == nil {
		return nil, errors.New("triage: no trail configured")
	}
	if a.StateChangeTime.IsZero() {
		return nil, fmt.Errorf("triage %s: alarm has no state change time", a.Name)
	}
	lim := e.Limits.withDefaults()
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	log := e.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, lim.TimeBudget)
	defer cancel()

	t := &triage{engine: e, lim: lim, alarm: a, now: now(), log: log,
		calls: map[string]int{}, seen: map[string]*found{}}
	t.symptom = a.StateChangeTime
	t.run(investigation.WithAlarmName(investigation.WithAccount(ctx, a.Account), a.Name))

	rep := t.report()
	rep.Stats.DurationMS = time.Since(started).Milliseconds()
	return rep, nil
}

// triage is the state of one run.
type triage struct {
	engine  *Engine
	lim     Limits
	alarm   investigation.Alarm
	now     time.Time
	symptom time.Time
	log     *slog.Logger

	scope    ScopeResult
	targets  []*scoped
	unknown  []string // resource types the topology could not expand
	seen     map[string]*found
	changes  []*found // successful calls, in the order found
	groupIDs map[groupKey]int
	failed   []found
	// refused are the accounts a read was refused in (accounts.go).
	refused  map[string]*refusal
	calls    map[string]int
	lookups  int
	scanned  int
	truncate bool
	notes    []string
	logs     *LogEvidence
	cands    []investigation.Candidate
	ranked   []*group
	// policies holds the versions of the managed policies the walk saw
	// changed, read before ranking so that ranking does no I/O.
	policies policyVersions
	// more is what the lookups that follow the evidence found (evidence.go).
	more *further
	// previous holds what the ranked candidates' changes replaced, read
	// after ranking (which does no I/O) for the next steps.
	previous map[*group]previousRead
	// stacks holds, per candidate CloudFormation made, what to update its
	// stack back to (stack.go).
	stacks map[*group]string
	// coverage is what the trail setup kept from the walk; nil when not read.
	coverage *coverage
}

func (t *triage) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

func (t *triage) progress(s Stage) {
	if t.engine.OnProgress == nil {
		return
	}
	n := 0
	for _, f := range t.seen {
		if !f.Failed() {
			n++
		}
	}
	t.engine.OnProgress(Progress{Stage: s, Resources: len(t.targets), Events: n})
}

func (t *triage) run(ctx context.Context) {
	t.completeThreshold(ctx)
	t.scope = Scope(ctx, t.alarm, t.engine.Alarms)
	t.notes = append(t.notes, t.scope.Notes...)
	for i := range t.scope.Resources {
		t.targets = append(t.targets, &scoped{Resource: t.scope.Resources[i], Layer: 1})
	}
	// The reads that name no account (lookups by event name, log groups
	// by name) are about the workload: in the account of the alarm's
	// resource, which is not the alarm's when it watches another
	// account's metric.
	ctx = investigation.WithAccount(ctx, t.workloadAccount())
	t.expandTopology(ctx)
	t.progress(StageScoped)

	t.walk(ctx, 1)
	t.progress(StageLayer1)
	t.walk(ctx, 2)
	t.progress(StageLayer2)

	t.readLogs(ctx)
	t.followEvidence(ctx)
	t.readCoverage(ctx)
	t.readPolicyVersions(ctx)
	t.rank()
	t.readPrevious(ctx)
	t.readStackTemplates(ctx)
	t.refreshNextSteps()
	t.accountNotes()
	t.progress(StageRanked)
}

// unwalkedTypes are dependencies read for other purposes whose own changes do
// not break the workload: a log group is where the engine reads errors.
var unwalkedTypes = map[string]bool{investigation.TypeLogGroup: true}

// walk looks up the changes on every target of a layer within its window.
// CloudTrail's rate limit is per region, so each region's lookups run in a
// goroutine of their own, in order; results are then taken in target order,
// so the report does not depend on which region answered first.
func (t *triage) walk(ctx context.Context, layer int) {
	window := Layer1Window
	if layer == 2 {
		window = Layer2Window
	}
	start, end := t.symptom.Add(-window), t.symptom
	var todo []*scoped
	for _, s := range t.targets {
		if s.Layer != layer || unwalkedTypes[s.Type] {
			continue
		}
		if t.lookups+len(todo) >= t.lim.MaxLookups {
			t.note("lookup budget of %d queries spent: %s %s and later resources were not read", t.lim.MaxLookups, s.Type, s.ID)
			t.truncate = true
			break
		}
		if layer == 2 && len(todo) >= t.lim.MaxDependencyLookups {
			t.note("dependency lookup budget of %d queries spent: %s %s and weaker dependencies were not read", t.lim.MaxDependencyLookups, s.Type, s.ID)
			t.truncate = true
			break
		}
		todo = append(todo, s)
	}
	type outcome struct {
		res     investigation.LookupResult
		err     error
		skipped bool
	}
	results := make([]outcome, len(todo))
	// CloudTrail's rate limit is per account and region: each pair's
	// lookups run in order, the pairs at once.
	byRegion := map[string][]int{}
	for i, s := range todo {
		k := t.accountOf(s.Resource) + "/" + s.Region
		byRegion[k] = append(byRegion[k], i)
	}
	var wg sync.WaitGroup
	for _, idx := range byRegion {
		wg.Add(1)
		go func(idx []int) {
			defer wg.Done()
			for _, i := range idx {
				if ctx.Err() != nil {
					results[i] = outcome{err: ctx.Err(), skipped: true}
					continue
				}
				s := todo[i]
				res, err := t.engine.Trail.Lookup(ctx, investigation.Lookup{
					Region: s.Region, Account: t.accountOf(s.Resource), Key: investigation.AttrResourceName, Value: s.ID,
					Start: start, End: end, MaxEvents: t.lim.MaxEventsPerQuery,
				})
				results[i] = outcome{res: res, err: err}
			}
		}(idx)
	}
	wg.Wait()
	for i, s := range todo {
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

// readLogs reads error lines of the workloads' log groups around the symptom.
func (t *triage) readLogs(ctx context.Context) {
	logs := t.engine.Logs
	groups := t.logGroups()
	start := t.symptom.Add(-Layer2Window)
	end := t.symptom.Add(LogTail)
	if end.After(t.now) {
		end = t.now
	}
	// Status feeds are read as lines of their own pseudo-groups, through
	// the same classification as the logs.
	lines, read := t.readFeeds(ctx, start, end)
	if logs == nil {
		groups = nil
	} else if len(groups) == 0 {
		groups = t.findLogGroups(ctx)
	}
	for _, g := range groups {
		got, err := logs.Errors(investigation.WithAccount(ctx, g.account), g.name, start, end, t.lim.MaxLogLines)
		if errors.Is(err, investigation.ErrUnknownResource) || t.refusedRead(err, investigation.Resource{Type: investigation.TypeLogGroup, ID: g.name}) {
			continue
		}
		if err != nil {
			t.note("log group %s not read: %v", g.name, err)
			continue
		}
		read = append(read, g.name)
		lines = append(lines, got...)
	}
	if len(read) > 0 {
		t.logs = newLogEvidence(read, lines, t.symptom)
	}
}

func dedupeStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
