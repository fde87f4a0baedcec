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
	// arounds are the configuration history reads, some started before
	// ranking (previous_ahead.go).
	arounds aroundReads
	// reads are the reads running beside the walk, joined before run returns.
	reads sync.WaitGroup
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

// run is the triage. The LookupEvents walk sets its pace; every other read
// starts as soon as what it needs is known and runs beside the walk
// (overlap.go), joined before anything uses it.
func (t *triage) run(ctx context.Context) {
	defer t.reads.Wait()
	threshold := t.startThreshold(ctx)
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
	trails := t.startCoverage(ctx)
	if t.engine.Topology != nil {
		t.resolveTargets(ctx, t.engine.Topology)
	}
	// The alarm's own resources are settled once resolved: their lookups
	// run while the dependencies are read, and each dependency's as soon
	// as its place in the walk is known.
	layer1 := t.startWalk(ctx, 1, 0)
	t.offer(layer1, t.targets)
	history := t.startEarlyHistory(ctx, len(layer1.todo))
	layer2 := t.startWalk(ctx, 2, len(layer1.todo))
	t.expandTopology(ctx, layer2)
	t.offer(layer2, layer2Of(t.targets))
	t.progress(StageScoped)
	logs := t.startLogs(ctx)

	t.finishWalk(layer1)
	t.progress(StageLayer1)
	if history == nil {
		history = t.startHistory(ctx, logs, len(layer2.todo))
	}
	t.finishWalk(layer2)
	t.progress(StageLayer2)
	t.readAroundAhead(ctx)

	policies := t.startPolicyVersions(ctx)
	t.finishLogs(logs)
	// The trail setup's lookups need the logs only: they run beside the
	// evidence lookups when the budget holds both (coverage.go).
	coverage, early := t.startReadCoverage(ctx, trails, DelayedLookups+EvidenceLookups+ClassLookups)
	t.followEvidence(ctx, history)
	if !early {
		coverage, _ = t.startReadCoverage(ctx, trails, 0)
	}
	coverage()
	t.readPolicyVersions(ctx, policies)
	t.completeThreshold(threshold)
	t.rank()
	t.readAfterRanking(ctx)
	t.refreshNextSteps()
	t.accountNotes()
	t.progress(StageRanked)
}

// logRead is what the log groups and status feeds said, read beside the walk.
type logRead struct {
	fx       effects
	read     []string
	lines    []investigation.LogLine
	evidence *LogEvidence // nil when no group was read
}

// startLogs starts reading the error lines of the workloads' log groups
// and the status feeds around the symptom. It needs only the scope, so it
// runs while the walk waits for its turns; finishLogs joins it.
func (t *triage) startLogs(ctx context.Context) func() *logRead {
	groups := t.logGroups()
	return beside(t, func() *logRead { return t.fetchLogs(ctx, groups) })
}

func (t *triage) fetchLogs(ctx context.Context, groups []logGroup) *logRead {
	r := &logRead{}
	logs := t.engine.Logs
	start := t.symptom.Add(-Layer2Window)
	end := t.symptom.Add(LogTail)
	if end.After(t.now) {
		end = t.now
	}
	// Status feeds are read as lines of their own pseudo-groups, through
	// the same classification as the logs.
	r.lines, r.read = t.readFeeds(ctx, &r.fx, start, end)
	if logs == nil {
		groups = nil
	} else if len(groups) == 0 {
		groups = t.findLogGroups(ctx, &r.fx)
	}
	for _, g := range groups {
		got, err := logs.Errors(investigation.WithAccount(ctx, g.account), g.name, start, end, t.lim.MaxLogLines)
		if errors.Is(err, investigation.ErrUnknownResource) || r.fx.refused(err, investigation.Resource{Type: investigation.TypeLogGroup, ID: g.name}) {
			continue
		}
		if err != nil {
			r.fx.note("log group %s not read: %v", g.name, err)
			continue
		}
		r.read = append(r.read, g.name)
		r.lines = append(r.lines, got...)
	}
	if len(r.read) > 0 {
		r.evidence = newLogEvidence(r.read, r.lines, t.symptom)
	}
	return r
}

// finishLogs waits for the logs and keeps them as evidence.
func (t *triage) finishLogs(wait func() *logRead) {
	r := wait()
	r.fx.apply(t)
	t.logs = r.evidence
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
