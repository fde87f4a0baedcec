package investigation

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Score weights. A candidate's score is its kind weight times the weighted
// sum of how well it lines up with the symptom, so a metadata-only change can
// never outrank a breaking one by timing alone. The weights add up to 1.
const (
	WeightKind          = 0.25 // the kind of change, on its own
	WeightTime          = 0.30 // how close before the symptom's onset
	WeightLayer         = 0.10 // on the alarm's resource rather than a dependency
	WeightCorroboration = 0.30 // log errors of the matching kind began after it
	WeightActor         = 0.05 // an ad-hoc human change rather than the usual pipeline
)

// Factors that feed the weights.
const (
	layerOneFactor = 1.0
	layerTwoFactor = 0.5

	// TimeGrace: a change this close before the onset is as suspicious as one at it.
	TimeGrace = 2 * time.Minute
	// TimeDecay: the suspicion of an older change falls by 1/e per this much age.
	TimeDecay = 12 * time.Minute
	// DefaultEvaluationSpan is assumed when the alarm does not say how long
	// the metric was bad before it fired.
	DefaultEvaluationSpan = 5 * time.Minute
	maxEvaluationSpan     = 30 * time.Minute

	// CorroborationMaxLag: errors starting later than this after a change are
	// not counted as its effect.
	CorroborationMaxLag = 20 * time.Minute
	corroboratedByKind  = 0.7 // errors of the change's kind began after it
	corroboratedByName  = 1.0 // and they name what it changed

	// Confidence that a candidate caused the symptom.
	HighScore   = 0.55 // and corroborated
	MediumScore = 0.30
	// MinCandidateScore drops changes too slight to be worth a reader's time.
	MinCandidateScore = 0.05

	// GroupSpan: calls by one actor on one resource within this span are one change.
	GroupSpan     = 10 * time.Minute
	MaxCandidates = 3
)

// actorFactor: an ad-hoc human change is more suspicious than the pipeline's usual work.
func actorFactor(k ActorKind) float64 {
	switch k {
	case ActorConsole:
		return 1.0
	case ActorHuman:
		return 0.8
	case ActorAutomation:
		return 0.4
	case ActorService:
		return 0.2
	default:
		return 0.6
	}
}

// group is one candidate change: related events on one target.
type group struct {
	events      []*found
	first, last time.Time
	rep         *found // the event that scores highest
	score       float64
	breakdown   ScoreBreakdown
	corrob      *KindOnset
	corrobName  bool
	confidence  Confidence
}

func (g *group) start() time.Time { return g.first }
func (g *group) end() time.Time   { return g.last }

// onset estimates when the metric went bad: the alarm fires only after its
// evaluation periods were breaching.
func (t *triage) onset() time.Time {
	span := time.Duration(0)
	periods := t.alarm.EvaluationPeriods
	if periods <= 0 {
		periods = 1
	}
	for _, m := range t.alarm.Metrics {
		if d := time.Duration(m.Period) * time.Second * time.Duration(periods); d > span {
			span = d
		}
	}
	if span == 0 {
		span = DefaultEvaluationSpan
	}
	if span > maxEvaluationSpan {
		span = maxEvaluationSpan
	}
	return t.symptom.Add(-span)
}

func timeFactor(at, onset time.Time) float64 {
	edge := onset.Add(-TimeGrace)
	if !at.Before(edge) {
		return 1
	}
	return math.Exp(-float64(edge.Sub(at)) / float64(TimeDecay))
}

// groups collects the successful changes into candidate groups. Changes are
// sorted as compact values read once in memory order: at 100k changes cache
// misses, not arithmetic, dominate ranking.
func (t *triage) groups() []*group {
	type change struct {
		at  int64
		seq int // insertion order breaks ties, so the result is reproducible
		f   *found
	}
	changes := make([]change, len(t.changes))
	for i, f := range t.changes {
		changes[i] = change{f.Time.UnixNano(), i, f}
	}
	slices.SortFunc(changes, func(a, b change) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return cmp.Compare(a.seq, b.seq)
	})
	open := make([]*group, len(t.groupIDs))
	// One slab for every group: there are at most as many groups as changes.
	slab := make([]group, 0, len(changes))
	var out []*group
	for _, c := range changes {
		f := c.f
		if g := open[f.group]; g != nil && f.Time.Sub(g.last) <= GroupSpan {
			g.events = append(g.events, f)
			g.last = f.Time
			continue
		}
		slab = append(slab, group{events: []*found{f}, first: f.Time, last: f.Time})
		g := &slab[len(slab)-1]
		open[f.group] = g
		out = append(out, g)
	}
	return out
}

// groupKey is what makes calls one change: one target, one kind of change, one actor.
type groupKey struct {
	target *scoped
	cat    Category
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

// ranksAbove orders candidates: higher score, then the later change, then
// the event id, so reports are reproducible.
func ranksAbove(a, b *group) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if !a.last.Equal(b.last) {
		return a.last.After(b.last)
	}
	return a.rep.ID < b.rep.ID
}

// rank scores every change, keeps the best MaxCandidates and builds their claims.
func (t *triage) rank(ctx context.Context) {
	onset := t.onset()
	groups := t.groups()
	for _, g := range groups {
		t.score(g, onset)
	}
	t.corroborate(groups, onset)
	for _, g := range groups {
		if g.score < MinCandidateScore {
			continue
		}
		i := len(t.ranked)
		for i > 0 && ranksAbove(g, t.ranked[i-1]) {
			i--
		}
		if i < MaxCandidates {
			t.ranked = slices.Insert(t.ranked, i, g)
			if len(t.ranked) > MaxCandidates {
				t.ranked = t.ranked[:MaxCandidates]
			}
		}
	}
	for i, g := range t.ranked {
		t.cands = append(t.cands, t.candidate(ctx, i+1, g))
	}
}

// score computes a group's score without corroboration: the best of its events.
func (t *triage) score(g *group, onset time.Time) {
	for _, f := range g.events {
		b := t.breakdown(f, onset, 0)
		if g.rep == nil || b.Total() > g.score {
			g.rep, g.score, g.breakdown = f, b.Total(), b
		}
	}
}

func (t *triage) breakdown(f *found, onset time.Time, corroboration float64) ScoreBreakdown {
	k := f.Kind.Weight
	layer := layerOneFactor
	if f.Target.Layer == 2 {
		layer = layerTwoFactor
	}
	return ScoreBreakdown{
		Kind:          k * WeightKind,
		Time:          k * WeightTime * timeFactor(f.Time, onset),
		Layer:         k * WeightLayer * layer,
		Corroboration: k * WeightCorroboration * corroboration,
		Actor:         k * WeightActor * actorFactor(f.Actor.Kind),
	}
}

// rounded is the breakdown as reports show it.
func (b ScoreBreakdown) rounded() ScoreBreakdown {
	return ScoreBreakdown{Kind: round3(b.Kind), Time: round3(b.Time), Layer: round3(b.Layer),
		Corroboration: round3(b.Corroboration), Actor: round3(b.Actor)}
}

// corroborate credits each error onset in the logs to the latest change before
// it whose kind produces such errors: an earlier change of the same kind was
// followed by a quiet log, so the errors are not its doing.
func (t *triage) corroborate(groups []*group, onset time.Time) {
	if t.logs == nil {
		return
	}
	for _, o := range t.logs.sortedKinds() {
		var best *group
		for _, g := range groups {
			at := g.start()
			if !producesKind(g.rep.Kind, o.Kind) || at.After(o.First.Time) || o.First.Time.Sub(at) > CorroborationMaxLag {
				continue
			}
			if best == nil || at.After(best.start()) {
				best = g
			}
		}
		if best == nil || best.corrob != nil {
			continue
		}
		best.corrob = o
		best.corrobName = mentionsTarget(o, best)
		factor := corroboratedByKind
		if best.corrobName {
			factor = corroboratedByName
		}
		b := t.breakdown(best.rep, onset, factor)
		best.breakdown, best.score = b, b.Total()
	}
}

func producesKind(k ChangeKind, e ErrorKind) bool {
	for _, s := range k.Symptoms() {
		if s == e {
			return true
		}
	}
	return false
}

// mentionsTarget reports whether the error lines name what the change touched.
func mentionsTarget(o *KindOnset, g *group) bool {
	names := map[string]bool{g.rep.Target.ID: true}
	for _, f := range g.events {
		for _, r := range f.Resources {
			names[r.Name] = true
		}
	}
	for _, l := range o.Sample {
		for n := range names {
			if len(n) >= 3 && strings.Contains(l.Message, n) {
				return true
			}
		}
	}
	return false
}

func confidenceOf(g *group) Confidence {
	switch {
	case g.corrob != nil && g.score >= HighScore:
		return ConfidenceHigh
	case g.score >= MediumScore:
		return ConfidenceMedium
	default:
		return ConfidenceLow
	}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// candidate turns a ranked group into the report's candidate with its claims.
func (t *triage) candidate(ctx context.Context, rank int, g *group) Candidate {
	g.confidence = confidenceOf(g)
	rep := g.rep
	shown := g.breakdown.rounded()
	c := Candidate{
		Rank:       rank,
		Summary:    summarize(rep, len(g.events)),
		Category:   rep.Kind.Category,
		Confidence: g.confidence,
		Score:      round3(shown.Total()),
		Layer:      rep.Target.Layer,
		Resource:   ResourceRef{Type: rep.Target.Type, ID: rep.Target.ID},
		Breakdown:  shown,
	}
	var ids []string
	for _, f := range g.events {
		c.Events = append(c.Events, eventRef(f.Event))
		ids = append(ids, f.ID)
	}
	c.Claims = append(c.Claims, Claim{
		Text:       factSentence(rep, len(g.events)),
		Confidence: ConfidenceHigh,
		EventIDs:   ids,
	})
	if rep.Target.Layer == 2 {
		c.Claims = append(c.Claims, Claim{
			Text:       fmt.Sprintf("%s is the %s of %s, which the alarm watches.", rep.Target.ID, relationText(rep.Target), rep.Target.Parent.ID),
			Confidence: ConfidenceHigh,
		})
	}
	if g.corrob != nil {
		c.Claims = append(c.Claims, Claim{
			Text:       corroborationSentence(g),
			Confidence: ConfidenceHigh,
			EventIDs:   []string{rep.ID},
		})
	}
	c.Claims = append(c.Claims, Claim{
		Text:       t.causalSentence(g),
		Confidence: g.confidence,
		EventIDs:   []string{rep.ID},
	})
	c.NextStep = t.nextStep(ctx, g)
	return c
}

func eventRef(e Event) EventRef {
	return EventRef{
		EventID: e.ID, EventName: e.Name, EventSource: e.Source,
		EventTime: e.Time.UTC(), Actor: e.Actor.Name, Region: e.Region,
		Link: EventLink(e.Region, e.ID),
	}
}

func relationText(s *scoped) string {
	if s.Relation != "" {
		return strings.ToLower(strings.TrimPrefix(s.Relation, "Is associated with "))
	}
	return "dependency"
}
