package engine

import (
	"cmp"
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// Budgets of the lookups the walk adds once it has read the logs. Each is
// paced like the rest of the walk (the trail adapter's limiter) and counted
// in the triage's lookup budget too.
const (
	// DelayedLookups bounds the EventName lookups for kinds of change that
	// bite later: one per kind, over its own look-back.
	DelayedLookups = 4
	// HistoryLookups bounds the longer lookups on the alarm's own resources,
	// made to read the values a limit change replaced and capacity cuts that
	// wait for the next peak.
	HistoryLookups = 2
	// HistoryWindow is how far back those lookups read: a day and the
	// margin of a daily peak.
	HistoryWindow = 26 * time.Hour
	// ClassLookups bounds the EventName lookups an error class selects: the
	// kinds of change of the services the errors name that produce them.
	ClassLookups = 3
	// classMinWeight keeps those lookups to changes that break (catalogue
	// weights of in-place changes and above): additions rarely explain errors.
	classMinWeight = 0.7
	// EvidenceLookups bounds the ResourceName lookups of names the error
	// lines give (an ARN, a key, a security group) that the topology did not.
	EvidenceLookups = 3
)

// further is what the lookups after the logs found.
type further struct {
	// history holds older events on the alarm's own resources: they give the
	// values later changes replaced and are not candidates themselves.
	history []investigation.Event
	// latent holds, per change that bites later, when and why it took effect.
	latent map[*found]*latency
	// moves holds which way each change that set limits moved them.
	moves map[*found][]catalogue.Move
	// cannotStop holds the changes that set limits above zero when the
	// alarm says the work stopped altogether.
	cannotStop []*found
	// looked holds the event names already looked up by name.
	looked map[string]bool
	// episode is when the workload's errors began (zero without logs), and
	// specific the episodes of kinds that point at a kind of change.
	episode  time.Time
	edge     time.Time // episode plus OnsetGrace: later changes cannot have started it
	specific []*KindOnset
	// logKinds lists the logs' error kinds: a group marks those its change
	// can produce by their places here.
	logKinds []investigation.ErrorKind
}

// latency is a change whose effect waits for a trigger.
type latency struct {
	delay   catalogue.Delay
	moves   []catalogue.Move
	trigger *found    // the recorded call that set it off, when the trail shows one
	at      time.Time // when it took effect; zero when unknown
}

// followEvidence runs the lookups the logs and the kinds of change call for,
// then reads which way each change moved its limits and when latent changes
// took effect. All I/O happens here, before ranking.
func (t *triage) followEvidence(ctx context.Context, history []historyRead) {
	if t.more == nil {
		t.more = &further{latent: map[*found]*latency{}}
	}
	t.lookHistory(history)
	delayed := t.startDelayed(ctx)
	// The lookups by error class are decided by the logs and the delayed
	// kinds' picks alone. They come after the named resources' in the
	// budget, so they start with the delayed kinds' only when the budget
	// holds every lookup of both: which lookups are made never depends on
	// timing. What they found is kept last either way.
	var byClass *effects
	if t.lookups+EvidenceLookups+ClassLookups <= t.lim.MaxLookups {
		byClass = t.startByClass(ctx)
	}
	delayed.apply(t)
	t.lookNamed(ctx)
	if byClass == nil {
		byClass = t.startByClass(ctx)
	}
	byClass.apply(t)
	t.prepare()
}

// startExtraLookup starts one lookup beside the triage, under its budget,
// and returns a wait that reports its events; a lookup that fails leaves a
// note and nothing else. The budget is spent when it starts, with ahead
// lookups of a walk still running counted as spent; its notes are left
// when its wait is called.
func (t *triage) startExtraLookup(ctx context.Context, q investigation.Lookup, what string, ahead int) func() []investigation.Event {
	if t.lookups+ahead >= t.lim.MaxLookups || ctx.Err() != nil {
		return func() []investigation.Event {
			t.note("%s not read: lookup budget of %d queries spent", what, t.lim.MaxLookups)
			t.truncate = true
			return nil
		}
	}
	q.MaxEvents = t.lim.MaxEventsPerQuery
	wait := t.startLookup(ctx, q)
	t.lookups++
	return func() []investigation.Event {
		r := wait()
		res, err := r.res, r.err
		t.calls["cloudtrail:LookupEvents"] += res.Calls
		if t.refusedRead(err, investigation.Resource{}) {
			return nil
		}
		if err != nil {
			t.note("%s not read: %v", what, err)
			return nil
		}
		if res.More {
			t.note("%s: more than %d events, the oldest were not read", what, t.lim.MaxEventsPerQuery)
		}
		t.scanned += len(res.Events)
		return res.Events
	}
}

// historyRead is a lookup of an alarm's resource further back than layer 1.
type historyRead struct {
	target *scoped
	events func() []investigation.Event
}

// startEarlyHistory starts the history lookups with layer 1's when the
// symptom alone decides them (a saturated metric: neither layer 1 nor the
// logs are waited for) and the lookup budget holds them whatever the
// dependency walk plans, so that which lookups are made never depends on
// when they start. It returns nil when they must wait.
func (t *triage) startEarlyHistory(ctx context.Context, layer1 int) []historyRead {
	planned := layer1 + t.lim.MaxDependencyLookups
	if !t.metricMatches(saturationMetric) || planned+HistoryLookups > t.lim.MaxLookups {
		return nil
	}
	return t.startHistory(ctx, nil, planned)
}

// startHistory starts reading the alarm's own resources further back than
// layer 1, when a change on them set a limit without saying the old value
// or when the symptom is saturation (a lowered capacity waits for the next
// peak). Both are known once layer 1 and the logs are read, so the lookups
// start while layer 2's still run; planned is how many those are, spent
// before these in the lookup budget.
func (t *triage) startHistory(ctx context.Context, logs func() *logRead, planned int) []historyRead {
	// The logs are waited for only when the metric and the target's own
	// changes leave the question open: they take longer than layer 1.
	metricSaturated := t.metricMatches(saturationMetric)
	var reads []historyRead
	for _, s := range t.targets {
		if s.Layer != 1 || len(reads) >= HistoryLookups || unwalkedTypes[s.Type] {
			continue
		}
		if !metricSaturated && !t.needsPrior(s) && !t.saturatedWith(logs().evidence) {
			continue
		}
		reads = append(reads, historyRead{target: s, events: t.startExtraLookup(ctx, investigation.Lookup{Region: s.Region, Account: t.accountOf(s.Resource),
			Key: investigation.AttrResourceName, Value: s.ID, Start: t.symptom.Add(-HistoryWindow), End: t.symptom.Add(-Layer1Window)}, "history of "+s.ID, planned)})
	}
	return reads
}

// lookHistory keeps what the history lookups found: every earlier change
// as the values later ones replaced, and as a candidate the changes that
// bite later or, when the symptom is saturation, lowered a limit.
func (t *triage) lookHistory(reads []historyRead) {
	saturated := t.saturated()
	for _, h := range reads {
		for _, ev := range h.events() {
			if ev.ReadOnly || ev.Failed() {
				continue
			}
			t.more.history = append(t.more.history, ev)
			k := catalogue.KindOfEvent(ev)
			if _, delayed := catalogue.DelayOf(k, false); delayed || (saturated && lowers(ev)) {
				t.keep(ev, h.target)
			}
		}
	}
}

// needsPrior reports whether a change on s set a limit whose old value the
// change itself does not show.
func (t *triage) needsPrior(s *scoped) bool {
	for _, f := range t.changes {
		if f.Target != s {
			continue
		}
		for _, m := range catalogue.Moves(f.Event) {
			if !m.OldKnown {
				return true
			}
		}
	}
	return false
}

// lowers reports whether an event lowered a limit by its own account.
func lowers(ev investigation.Event) bool {
	for _, m := range catalogue.Moves(ev) {
		if m.Lowered() {
			return true
		}
	}
	return false
}

// startDelayed looks up, by event name, the kinds of change that bite later
// over their own look-back; its effects keep those that touched something
// in scope or something the error lines name. Kinds that can produce the
// errors seen go first, then kinds on a service the scope holds resources of.
func (t *triage) startDelayed(ctx context.Context) *effects {
	type pick struct {
		k     catalogue.ChangeKind
		d     catalogue.Delay
		score int
	}
	var picks []pick
	for _, k := range catalogue.DelayedKinds() {
		d, _ := catalogue.DelayOf(k, false)
		score := 0
		if t.errorsFit(k) {
			score += 2 // the errors are of its kind
		}
		if t.scopeHasType(d.Touches) {
			score++ // it acts on something in scope
		}
		if t.triggered(d.Trigger) {
			score++ // what sets it off happened in the window
		}
		if score >= 2 {
			picks = append(picks, pick{k, d, score})
		}
	}
	slices.SortStableFunc(picks, func(a, b pick) int { return b.score - a.score })
	// The lookups start together; what they found is kept in pick order.
	var fx effects
	for i, p := range picks {
		t.lookedUp(p.k.Name)
		if i == DelayedLookups {
			fx.note("longer look-back skipped for %s of delayed change (budget of %d)", investigation.Plural(len(picks)-i, "kind", "kinds"), DelayedLookups)
			break
		}
		region := t.alarm.Region
		if globalSources[p.k.Source] {
			region = investigation.GlobalServiceRegion
		}
		found := t.startExtraLookup(ctx, investigation.Lookup{Region: region, Key: investigation.AttrEventName, Value: p.k.Name,
			Start: t.symptom.Add(-p.d.LookBack), End: t.symptom}, p.k.Name+" over the last "+ago(p.d.LookBack), 0)
		fx.then(func(t *triage) { t.keepAttributed(found()) })
	}
	return &fx
}

// keepAttributed keeps the events that touched something in scope or named
// in the errors.
func (t *triage) keepAttributed(evs []investigation.Event) {
	for _, ev := range evs {
		if s := t.attribute(ev); s != nil {
			t.keep(ev, s)
		}
	}
}

// globalSources record their calls in us-east-1 whatever the resource's region.
var globalSources = map[string]bool{"iam.amazonaws.com": true, "route53.amazonaws.com": true, "cloudfront.amazonaws.com": true, "sts.amazonaws.com": true}

// errorsFit reports whether the workload's specific errors are of a kind k produces.
func (t *triage) errorsFit(k catalogue.ChangeKind) bool {
	if t.logs == nil {
		return false
	}
	for kind := range t.logs.Kinds {
		if !genericKinds[kind] && k.Produces(kind) {
			return true
		}
	}
	return false
}

// scopeHasType reports whether a resource of one of types is in scope.
func (t *triage) scopeHasType(types []string) bool {
	for _, s := range t.targets {
		if slices.Contains(types, s.Type) {
			return true
		}
	}
	return false
}

// triggered reports whether the walk found a call that sets off tr.
func (t *triage) triggered(tr catalogue.Trigger) bool {
	for _, f := range t.changes {
		if slices.Contains(catalogue.TriggersOf(f.Source, f.Name), tr) {
			return true
		}
	}
	return false
}

// attribute finds the scoped resource an event touched, or the name the
// error lines give that it touched; nil when it touched neither.
func (t *triage) attribute(ev investigation.Event) *scoped {
	names := map[string]bool{}
	for _, r := range ev.Resources {
		names[r.Name] = true
	}
	requestValues(ev.RequestJSON, names)
	for _, s := range t.targets {
		if names[s.ID] || (s.ARN != "" && names[s.ARN]) {
			return s
		}
	}
	// In order, so that the same trail always gives the same target.
	for _, n := range slices.Sorted(maps.Keys(names)) {
		if len(n) >= minNamedLen && !iamAction.MatchString(n) && t.errorsName(n) {
			return t.namedTarget(n, ev)
		}
	}
	return nil
}

// iamAction matches a value that names an API action ("s3:PutObject" in a
// policy document), which error lines quote without naming a resource.
var iamAction = regexp.MustCompile(`^[a-z0-9-]+:[A-Z*][A-Za-z0-9*]*$`)

// minNamedLen: shorter values (ports, flags) name nothing on their own.
const minNamedLen = 8

// errorsName reports whether an error line of the episode names n.
func (t *triage) errorsName(n string) bool {
	if t.logs == nil {
		return false
	}
	for _, o := range t.logs.Kinds {
		for _, l := range o.Sample {
			if strings.Contains(l.Message, n) {
				return true
			}
		}
	}
	return false
}

// namedTarget is a resource the error lines name, in scope from now on.
func (t *triage) namedTarget(name string, ev investigation.Event) *scoped {
	for _, s := range t.targets {
		if s.ID == name {
			return s
		}
	}
	typ := ""
	for _, r := range ev.Resources {
		typ = r.Type
	}
	s := &scoped{Resource: investigation.Resource{Type: typ, ID: name, Region: ev.Region}, Layer: 2,
		Relation: relationNamed, Parent: t.scope.Resources[0]}
	if len(t.scope.Resources) == 0 {
		s.Parent = investigation.Resource{ID: "the workload"}
	}
	t.targets = append(t.targets, s)
	return s
}

// relationNamed is how a resource found through the error lines relates to the workload.
const relationNamed = "resource named in its error lines"

// namePatterns pull resource names out of error lines: ARNs and the ids EC2
// gives its resources.
var namePatterns = regexp.MustCompile(`arn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:[\w\-/:.+=@]+|\b(?:sg|vpce|subnet|rtb|acl|nat|tgw|igw|eni|lt|dopt)-[0-9a-f]{8,17}\b`)

// lookNamed looks up the resources the error lines name that the walk did
// not read: the error says what broke even when the topology does not.
func (t *triage) lookNamed(ctx context.Context) {
	if t.logs == nil || len(t.scope.Resources) == 0 {
		return
	}
	walked := map[string]bool{}
	for _, s := range t.targets {
		walked[s.ID], walked[s.ARN] = true, true
	}
	n := 0
	// The lookups start together; what they found is kept, and the names
	// over the budget noted, in the order the lines name them.
	var fx effects
	defer fx.apply(t)
	for _, o := range t.logs.sortedKinds() {
		for _, l := range o.Sample {
			for _, name := range namePatterns.FindAllString(l.Message, -1) {
				name = principalOf(strings.TrimRight(name, ".,:;'\")"))
				if name == "" || walked[name] || walked[resourceID(name)] {
					continue
				}
				walked[name] = true
				if n == EvidenceLookups {
					fx.note("%s, named in the error lines, was not looked up (budget of %d)", name, EvidenceLookups)
					continue
				}
				n++
				region, account := t.alarm.Region, ""
				if a, ok := investigation.ParseARN(name); ok {
					region = cmp.Or(a.Region, region)
					if a.Account != "aws" {
						account = a.Account
					}
				}
				// The errors name it, so its changes matter even when they
				// are older than the dependency window: read a day back.
				found := t.startExtraLookup(ctx, investigation.Lookup{Region: region, Account: account, Key: investigation.AttrResourceName, Value: name,
					Start: t.symptom.Add(-HistoryWindow), End: t.symptom}, "changes on "+name+" (named in the errors)", 0)
				fx.then(func(t *triage) {
					for _, ev := range found() {
						t.keep(ev, t.namedTarget(name, ev))
					}
				})
			}
		}
	}
}

// principalOf turns a session's ARN into its role's name, the resource the
// walk knows: arn:aws:sts::…:assumed-role/ROLE/SESSION is ROLE. An ARN of a
// run (a state machine execution, an ECS task) names no control-plane
// resource and gives "".
func principalOf(name string) string {
	a, ok := investigation.ParseARN(name)
	if !ok {
		return name
	}
	if rest, isSession := strings.CutPrefix(a.Resource, "assumed-role/"); isSession {
		role, _, _ := strings.Cut(rest, "/")
		return role
	}
	if strings.HasPrefix(a.Resource, "execution:") || strings.HasPrefix(a.Resource, "task/") {
		return ""
	}
	return name
}

// resourceID is the last part of an ARN, the id CloudTrail often records;
// for an S3 object it is the bucket.
func resourceID(name string) string {
	if rest, ok := strings.CutPrefix(name, "arn:aws:s3:::"); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		return bucket
	}
	if i := strings.LastIndexAny(name, "/:"); i >= 0 {
		return name[i+1:]
	}
	return name
}

func (t *triage) lookedUp(name string) {
	if t.more.looked == nil {
		t.more.looked = map[string]bool{}
	}
	t.more.looked[name] = true
}

func cmpWeight(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
