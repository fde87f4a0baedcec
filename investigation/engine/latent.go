package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// Onset and delayed effects.
const (
	// OnsetGrace: log and trail clocks and delivery differ by seconds; a
	// change this close after the first error may still be its cause.
	OnsetGrace = 30 * time.Second
	// afterOnsetScale: a change made after the errors of the kinds it can
	// produce had begun cannot have started them; what is left of its score
	// is only that it touched something in scope.
	afterOnsetScale = 0.5
	// triggerShare: a trigger that only set off a latent change ranks just
	// below it when the errors are of the latent change's kind.
	triggerShare = 0.9
)

// saturationMetric matches metrics that measure load against a limit: a
// lowered capacity shows there first.
var saturationMetric = regexp.MustCompile(`(?i)CPUUtilization|MemoryUtilization|Throttl|ConcurrentExecutions|DatabaseConnections|FreeableMemory|ReadLatency|WriteLatency|TargetResponseTime|Latency|Duration|ConsumedReadCapacity|ConsumedWriteCapacity|ApproximateAgeOfOldestMessage|GroupInServiceInstances|CPUCreditBalance|ACUUtilization|ServerlessDatabaseCapacity`)

// saturated reports whether the symptom is load meeting a limit.
func (t *triage) saturated() bool {
	return t.saturatedWith(t.logs)
}

// saturatedWith is saturated with logs as the log evidence, before the
// triage keeps it.
func (t *triage) saturatedWith(logs *LogEvidence) bool {
	if t.metricMatches(saturationMetric) {
		return true
	}
	if logs == nil {
		return false
	}
	return logs.Kinds[investigation.ErrThrottled] != nil || logs.Kinds[investigation.ErrExhaustion] != nil
}

// episodeStart is when the errors that make up the symptom began: the
// earliest episode of a specific kind, or of any kind when all are generic.
func (t *triage) episodeStart() time.Time {
	if t.logs == nil {
		return time.Time{}
	}
	var first, generic time.Time
	for k, o := range t.logs.Kinds {
		at := o.First.Time
		if genericKinds[k] {
			if generic.IsZero() || at.Before(generic) {
				generic = at
			}
			continue
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if first.IsZero() {
		return generic
	}
	return first
}

// startOf is when the errors a change of kind k could produce began: the
// earliest episode of those kinds, or of any specific kind when it produces
// none of them. Zero when the logs say nothing.
func (t *triage) startOf(k catalogue.ChangeKind) time.Time {
	if t.logs == nil {
		return time.Time{}
	}
	if t.more == nil || t.more.specific == nil {
		t.indexEpisodes()
	}
	var mine time.Time
	for _, o := range t.more.specific {
		if k.Produces(o.Kind) && (mine.IsZero() || o.First.Time.Before(mine)) {
			mine = o.First.Time
		}
	}
	if mine.IsZero() {
		return t.more.episode
	}
	return mine
}

// indexEpisodes keeps the episodes of specific kinds in a slice, read once
// per change in ranking without touching a map.
func (t *triage) indexEpisodes() {
	if t.more == nil {
		t.more = &further{latent: map[*found]*latency{}}
	}
	t.more.episode = t.episodeStart()
	t.more.specific = []*KindOnset{}
	t.more.logKinds = t.more.logKinds[:0]
	for k, o := range t.logs.Kinds {
		t.more.logKinds = append(t.more.logKinds, k)
		if !genericKinds[k] {
			t.more.specific = append(t.more.specific, o)
		}
	}
}

// prepare reads, before ranking, which way each change moved the limits it
// set (old values from its own response or an earlier call on the same
// resource) and when each latent change took effect.
func (t *triage) prepare() {
	triggers := map[catalogue.Trigger][]*found{}
	for _, f := range t.changes {
		for _, tr := range catalogue.TriggersOf(f.Source, f.Name) {
			triggers[tr] = append(triggers[tr], f)
		}
	}
	for _, fs := range triggers {
		slices.SortFunc(fs, func(a, b *found) int { return a.Time.Compare(b.Time) })
	}
	stopped := stoppedWork(t.alarm)
	for _, f := range t.changes {
		moves := catalogue.Moves(f.Event)
		lowered := false
		if len(moves) > 0 {
			t.fillPriors(f, moves)
			f.Kind = catalogue.ApplyDirection(f.Kind, f.Event, moves)
			if stopped && catalogue.CannotStop(f.Event, moves) {
				// Whichever way it moved them, a limit above zero still
				// lets the work run: it cannot have stopped it.
				f.Kind.SymptomKinds, f.Kind.NoSymptoms = nil, true
				t.more.cannotStop = append(t.more.cannotStop, f)
			}
			if t.more.moves == nil {
				t.more.moves = map[*found][]catalogue.Move{}
			}
			t.more.moves[f] = moves
			for _, m := range moves {
				lowered = lowered || m.Lowered()
			}
		}
		d, ok := catalogue.DelayOf(f.Kind, lowered)
		if !ok {
			continue
		}
		l := &latency{delay: d, moves: moves}
		t.tookEffect(f, l, triggers[d.Trigger])
		t.more.latent[f] = l
	}
}

// fillPriors reads old values from the latest earlier call on the same
// resource that shows them, in the walk or in the history.
func (t *triage) fillPriors(f *found, moves []catalogue.Move) {
	var earlier []investigation.Event
	for _, g := range t.changes {
		if g.Target == f.Target && g.Time.Before(f.Time) {
			earlier = append(earlier, g.Event)
		}
	}
	for _, ev := range t.more.history {
		if ev.Time.Before(f.Time) && eventTouches(ev, f.Target) {
			earlier = append(earlier, ev)
		}
	}
	slices.SortFunc(earlier, func(a, b investigation.Event) int { return b.Time.Compare(a.Time) })
	for _, ev := range earlier {
		catalogue.FillFrom(moves, f.Event, ev)
	}
}

func eventTouches(ev investigation.Event, s *scoped) bool {
	for _, r := range ev.Resources {
		if r.Name == s.ID || (s.ARN != "" && r.Name == s.ARN) {
			return true
		}
	}
	return false
}

// tookEffect finds when a latent change took effect: the latest trigger
// after it and before the errors began, or the time its own request says
// (a deletion date, a record's TTL), or the onset of a saturation symptom
// for a lowered capacity.
func (t *triage) tookEffect(f *found, l *latency, triggers []*found) {
	limit := t.symptom
	if ep := t.startOf(f.Kind); !ep.IsZero() {
		limit = ep.Add(OnsetGrace)
	}
	for i := len(triggers) - 1; i >= 0; i-- {
		tr := triggers[i]
		if tr != f && tr.Time.After(f.Time) && !tr.Time.After(limit) && tr.Time.Sub(f.Time) <= l.delay.LookBack {
			l.trigger, l.at = tr, tr.Time
			return
		}
	}
	var at time.Time
	switch l.delay.Trigger {
	case catalogue.TriggerDeletion:
		at = deletionDate(f)
	case catalogue.TriggerExpiry:
		if ttl, ok := recordTTL(f.RequestJSON); ok {
			at = f.Time.Add(time.Duration(ttl) * time.Second)
		}
	case catalogue.TriggerLoad:
		if t.saturated() {
			at = t.onset()
		}
	}
	if !at.IsZero() && at.After(f.Time) && !at.After(t.symptom) {
		l.at = at
	}
}

// deletionLayouts are the forms CloudTrail records a KMS deletionDate in.
var deletionLayouts = []string{"Jan 2, 2006, 3:04:05 PM", "Jan 2, 2006 3:04:05 PM", time.RFC3339}

// deletionDate is when a scheduled deletion is carried out: the date the
// response gives, else the end of the day its waiting period ends on.
func deletionDate(f *found) time.Time {
	var rec struct {
		Response struct {
			DeletionDate string `json:"deletionDate"`
		} `json:"responseElements"`
	}
	if json.Unmarshal(f.Raw, &rec) == nil && rec.Response.DeletionDate != "" {
		for _, layout := range deletionLayouts {
			if at, err := time.Parse(layout, rec.Response.DeletionDate); err == nil {
				return at
			}
		}
	}
	if days, ok := requestNumber(f.RequestJSON, "pendingWindowInDays"); ok {
		return f.Time.Add(time.Duration(days) * 24 * time.Hour).Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	return time.Time{}
}

func requestNumber(raw json.RawMessage, key string) (float64, bool) {
	var req map[string]any
	if json.Unmarshal(raw, &req) != nil {
		return 0, false
	}
	n, ok := req[key].(float64)
	return n, ok
}

// recordTTL is the longest TTL a ChangeResourceRecordSets request sets.
func recordTTL(raw json.RawMessage) (float64, bool) {
	var req struct {
		ChangeBatch struct {
			Changes []struct {
				ResourceRecordSet struct {
					TTL float64 `json:"tTL"`
				} `json:"resourceRecordSet"`
			} `json:"changes"`
		} `json:"changeBatch"`
	}
	if json.Unmarshal(raw, &req) != nil {
		return 0, false
	}
	longest := 0.0
	for _, c := range req.ChangeBatch.Changes {
		longest = max(longest, c.ResourceRecordSet.TTL)
	}
	return longest, longest > 0
}

// effectiveTime is when a change took effect: its own time, or for a
// latent change the moment its trigger set it off.
func (t *triage) effectiveTime(f *found) time.Time {
	if t.more != nil && len(t.more.latent) > 0 {
		if l := t.more.latent[f]; l != nil && !l.at.IsZero() {
			return l.at
		}
	}
	return f.Time
}

// symptomFits reports whether the symptom is of a kind k produces: the
// workload's specific errors, or without them what the metric measures.
func (t *triage) symptomFits(k catalogue.ChangeKind) bool {
	if t.logs != nil && len(t.logs.Kinds) > 0 {
		return t.errorsFit(k)
	}
	switch {
	case t.metricMatches(networkMetric):
		return k.Produces(investigation.ErrNetwork) || k.Produces(investigation.ErrUnavailable)
	case t.saturated():
		return k.Produces(investigation.ErrThrottled) || k.Produces(investigation.ErrExhaustion)
	}
	return false
}

// demoteTriggers keeps a trigger below the latent change it set off when the
// symptom is of the latent change's kind: the deploy only restarted what the
// earlier change had already broken.
func (t *triage) demoteTriggers(groups []*group) {
	if t.more == nil || len(t.more.latent) == 0 {
		return
	}
	of := map[*found]*group{}
	for _, l := range t.more.latent {
		if l.trigger != nil {
			of[l.trigger] = nil
		}
	}
	for f, l := range t.more.latent {
		if l.trigger != nil {
			of[f] = nil
		}
	}
	for _, g := range groups {
		for _, f := range g.events {
			if _, ok := of[f]; ok {
				of[f] = g
			}
		}
	}
	for f, l := range t.more.latent {
		lg, tg := of[f], of[l.trigger]
		if l.trigger == nil || lg == nil || tg == nil || lg == tg || lg.rep.Kind.Weight == 0 {
			continue
		}
		if lg.corrob == nil && !t.symptomFits(lg.rep.Kind) {
			continue
		}
		tg.exposes = lg
		if tg.score >= lg.score && tg.score > 0 {
			scale := lg.score * triggerShare / tg.score
			tg.breakdown = scaled(tg.breakdown, scale)
			tg.score = tg.breakdown.Total()
		}
	}
}

func scaled(b investigation.ScoreBreakdown, x float64) investigation.ScoreBreakdown {
	return investigation.ScoreBreakdown{Kind: b.Kind * x, Time: b.Time * x, Layer: b.Layer * x, Corroboration: b.Corroboration * x, Actor: b.Actor * x}
}

// latentSentence tells when a latent change took effect and why it waited.
func (t *triage) latentSentence(f *found) string {
	if t.more == nil {
		return ""
	}
	l := t.more.latent[f]
	if l == nil || l.at.IsZero() {
		return ""
	}
	s := fmt.Sprintf("Made at %s, it took effect ", stamp(f.Time, t.symptom))
	switch {
	case l.trigger != nil:
		s += fmt.Sprintf("when %s:%s on %s at %s (%s) %s it", l.trigger.Service(), l.trigger.Name, l.trigger.Target.ID,
			stamp(l.trigger.Time, t.symptom), ago(l.trigger.Time.Sub(f.Time))+" later", triggerVerb(l.delay.Trigger))
	default:
		s += fmt.Sprintf("at %s, %s later", stamp(l.at, t.symptom), ago(l.at.Sub(f.Time)))
	}
	return s + ": " + l.delay.Why + "."
}

func triggerVerb(tr catalogue.Trigger) string {
	switch tr {
	case catalogue.TriggerReboot:
		return "rebooted into"
	case catalogue.TriggerLaunch:
		return "launched under"
	case catalogue.TriggerDeletion:
		return "carried out"
	}
	return "restarted the workload into"
}

// directionSentence says which way a change moved the limits it set, when
// the old values are known, and what that means for the symptom.
func (t *triage) directionSentence(f *found) string {
	if t.more == nil {
		return ""
	}
	if slices.Contains(t.more.cannotStop, f) {
		var set []string
		for _, m := range t.more.moves[f] {
			set = append(set, m.Field+" to "+m.NewShown)
		}
		return "It set " + strings.Join(set, ", ") + ": a limit above zero still runs the work up to it and throttles only the excess, so it cannot have stopped the work altogether, as the alarm says it did."
	}
	var parts []string
	for _, m := range t.more.moves[f] {
		if m.OldKnown && m.Old != m.New {
			parts = append(parts, fmt.Sprintf("%s %s → %s", m.Field, m.OldShown, m.NewShown))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	s := "It moved " + strings.Join(parts, ", ")
	if f.Kind.NoSymptoms {
		return s + ": a raised limit cannot starve the workload, so this change cannot have produced the symptom."
	}
	return s + "."
}

// stamp is a time of day, with its date when it is not the symptom's day.
func stamp(at, symptom time.Time) string {
	if y, m, d := at.UTC().Date(); y == symptom.UTC().Year() && m == symptom.UTC().Month() && d == symptom.UTC().Day() {
		return clock(at)
	}
	return at.UTC().Format("2 Jan 15:04:05 UTC")
}
