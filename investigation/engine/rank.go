package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
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
	// contradictedByLogs: the errors are of kinds this change does not
	// produce, and another change explains them; that weighs as much
	// against it as errors it named would weigh for it.
	contradictedByLogs = corroboratedByName

	// Confidence that a candidate caused the symptom.
	HighScore   = 0.55 // and corroborated
	MediumScore = 0.30
	// timelyFactor: without log errors to back it, a change is a medium
	// suspect only when it took effect close to the onset (its time factor
	// at least this); kind and place alone do not explain a symptom.
	timelyFactor = 0.5
	// MinCandidateScore drops changes too slight to be worth a reader's time.
	MinCandidateScore = 0.05

	// GroupSpan: calls by one actor on one resource within this span are one change.
	GroupSpan     = 10 * time.Minute
	MaxCandidates = 3
)

// actorFactor: an ad-hoc human change is more suspicious than the pipeline's usual work.
func actorFactor(k investigation.ActorKind) float64 {
	switch k {
	case investigation.ActorConsole:
		return 1.0
	case investigation.ActorHuman:
		return 0.8
	case investigation.ActorAutomation:
		return 0.4
	case investigation.ActorService:
		return 0.2
	default:
		return 0.6
	}
}

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

// ranksAbove orders candidates: higher score, then the later change, then
// the event id, then the earlier group, so reports are reproducible.
func ranksAbove(a, b *group) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if al, bl := a.last(), b.last(); !al.Equal(bl) {
		return al.After(bl)
	}
	if a.rep.ID != b.rep.ID {
		return a.rep.ID < b.rep.ID
	}
	return a.before(b)
}

// rank scores every change, keeps the best MaxCandidates and builds their claims.
func (t *triage) rank() {
	onset := t.rankingOnset()
	t.judge(t.groups(onset), onset)
	for i, g := range t.ranked {
		t.cands = append(t.cands, t.candidate(i+1, g))
	}
}

// rankingOnset indexes the logs' error episodes and says when the symptom began.
func (t *triage) rankingOnset() time.Time {
	if t.more == nil {
		t.more = &further{latent: map[*found]*latency{}}
	}
	t.more.episode = t.episodeStart()
	t.more.edge = t.more.episode.Add(OnsetGrace)
	if t.logs != nil {
		t.indexEpisodes()
	}
	onset := t.onset()
	if ep := t.more.episode; !ep.IsZero() && ep.Before(onset) {
		onset = ep // the errors say when the symptom really began
	}
	return onset
}

// judge weighs the groups against the logs and each other and keeps the
// best MaxCandidates. The groups may come in any order.
func (t *triage) judge(groups []*group, onset time.Time) {
	t.corroborate(groups, onset)
	t.discountUnexplained(groups)
	t.demoteTriggers(groups)
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
}

func (t *triage) breakdown(f *found, onset time.Time, corroboration float64) investigation.ScoreBreakdown {
	k := f.Kind.Weight
	layer := layerOneFactor
	if f.Target.Layer == 2 {
		layer = layerTwoFactor
	}
	b := investigation.ScoreBreakdown{
		Kind:          k * WeightKind,
		Time:          k * WeightTime * timeFactor(t.effectiveTime(f), onset),
		Layer:         k * WeightLayer * layer,
		Corroboration: k * WeightCorroboration * corroboration,
		Actor:         k * WeightActor * actorFactor(f.Actor.Kind),
	}
	if t.afterOnset(f) {
		b = scaled(b, afterOnsetScale)
		b.Time = 0
	}
	return b
}

// afterOnset reports whether a change came after the errors it could
// produce had begun: it cannot have started them.
func (t *triage) afterOnset(f *found) bool {
	if t.more == nil || t.more.episode.IsZero() || !f.Time.After(t.more.edge) {
		return false
	}
	start := t.startOf(f.Kind)
	return !start.IsZero() && f.Time.After(start.Add(OnsetGrace))
}

// rounded is the breakdown as reports show it.
func rounded(b investigation.ScoreBreakdown) investigation.ScoreBreakdown {
	return investigation.ScoreBreakdown{Kind: round3(b.Kind), Time: round3(b.Time), Layer: round3(b.Layer),
		Corroboration: round3(b.Corroboration), Actor: round3(b.Actor)}
}

func confidenceOf(g *group) investigation.Confidence {
	switch {
	case (g.contradicted != nil || g.unexplained) && g.corrob == nil:
		return investigation.ConfidenceLow
	case g.corrob != nil && g.score >= HighScore && g.exposes == nil:
		// A trigger that only set off an earlier change is not the cause
		// itself, however well the errors follow it.
		return investigation.ConfidenceHigh
	case g.score >= MediumScore && (g.corrob != nil || g.breakdown.Time >= g.rep.Kind.Weight*WeightTime*timelyFactor):
		return investigation.ConfidenceMedium
	default:
		return investigation.ConfidenceLow
	}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// candidate turns a ranked group into the report's candidate with its claims.
func (t *triage) candidate(rank int, g *group) investigation.Candidate {
	g.confidence = confidenceOf(g)
	g.evidenced = t.lowerConfidence(g)
	rep := g.rep
	shown := rounded(g.breakdown)
	c := investigation.Candidate{
		Rank:       rank,
		Summary:    summarize(rep, len(g.events)),
		Category:   rep.Kind.Category,
		Confidence: g.confidence,
		Score:      round3(shown.Total()),
		Layer:      rep.Target.Layer,
		Resource:   investigation.ResourceRef{Type: rep.Target.Type, ID: rep.Target.ID},
		Breakdown:  shown,
	}
	var ids []string
	for _, f := range g.events {
		ref := eventRef(f.Event)
		if f.Account != t.alarm.Account {
			// Only another account's events say so: the console link
			// opens in whatever account the reader is signed in to.
			ref.Account = f.Account
		}
		c.Events = append(c.Events, ref)
		ids = append(ids, f.ID)
	}
	c.Claims = append(c.Claims, investigation.Claim{
		Text:       factSentence(rep, len(g.events)),
		Confidence: investigation.ConfidenceHigh,
		EventIDs:   ids,
	})
	if rep.Target.Layer == 2 {
		c.Claims = append(c.Claims, investigation.Claim{Text: relationSentence(rep.Target), Confidence: investigation.ConfidenceHigh})
	}
	if s := t.directionSentence(rep); s != "" {
		c.Claims = append(c.Claims, investigation.Claim{Text: s, Confidence: investigation.ConfidenceHigh, EventIDs: []string{rep.ID}})
	}
	if s := t.latentSentence(rep); s != "" {
		c.Claims = append(c.Claims, investigation.Claim{Text: s, Confidence: investigation.ConfidenceHigh, EventIDs: []string{rep.ID}})
	}
	if l := g.exposes; l != nil {
		c.Claims = append(c.Claims, investigation.Claim{
			Text: fmt.Sprintf("This call only set off the earlier %s on %s (%s): the errors are of that change's kind, so going back on this one alone would fail the same way.",
				l.rep.Name, l.rep.Target.ID, clock(l.rep.Time)),
			Confidence: investigation.ConfidenceMedium, EventIDs: []string{rep.ID, l.rep.ID}})
	}
	if o := g.contradicted; o != nil && g.corrob == nil {
		c.Claims = append(c.Claims, investigation.Claim{
			Text: fmt.Sprintf("The AccessDenied errors in %s blame a %s policy; this change edits a %s policy, so it cannot have produced them.",
				o.First.Group, policyTypeList(o.PolicyTypes), policyTypeOf(rep.Event)),
			Confidence: investigation.ConfidenceHigh,
			EventIDs:   []string{rep.ID},
		})
	}
	if g.corrob != nil {
		c.LogGroups = []string{g.corrob.First.Group}
		c.Errors = &investigation.ErrorEpisode{Kind: g.corrob.Kind, Group: g.corrob.First.Group,
			First: g.corrob.First.Time.UTC(), Last: g.corrob.Last.Time.UTC(), Lines: g.corrob.Count}
		c.Claims = append(c.Claims, investigation.Claim{
			Text:       corroborationSentence(g),
			Confidence: investigation.ConfidenceHigh,
			EventIDs:   []string{rep.ID},
		})
	}
	c.Claims = append(c.Claims, investigation.Claim{
		Text:       t.causalSentence(g),
		Confidence: g.confidence,
		EventIDs:   []string{rep.ID},
	})
	c.NextStep = t.nextStep(g)
	return c
}

func eventRef(e investigation.Event) investigation.EventRef {
	return investigation.EventRef{
		EventID: e.ID, EventName: e.Name, EventSource: e.Source,
		EventTime: e.Time.UTC(), Actor: e.Actor.Name, Via: e.Actor.Kind, Region: e.Region,
		Link: investigation.EventLink(e.Region, e.ID),
	}
}

// relationSentence says how a dependency relates to what the alarm watches,
// in AWS Config's words ("Is associated with Role") or the describes' ("execution role").
// Further out than the alarm's own dependencies, the parent is not what the
// alarm watches but something that relies on, so the sentence says so.
func relationSentence(s *scoped) string {
	rel := s.Relation
	which, and := "which the alarm watches", "the alarm watches "+s.Parent.ID
	if s.Depth > 1 {
		which, and = "which the alarm's resources rely on", "the alarm's resources rely on "+s.Parent.ID
	}
	switch {
	case rel == "":
		return fmt.Sprintf("%s is a dependency of %s, %s.", s.ID, s.Parent.ID, which)
	case strings.HasPrefix(rel, "Is ") || strings.HasPrefix(rel, "Contains ") || strings.HasPrefix(rel, "Has "):
		return fmt.Sprintf("%s %s %s (%s), and %s.", s.Parent.ID, lowerFirst(rel), s.ID, shortType(s.Type), and)
	default:
		return fmt.Sprintf("%s is the %s of %s, %s.", s.ID, rel, s.Parent.ID, which)
	}
}

func policyTypeList(types map[PolicyType]int) string {
	var out []string
	for t := range types {
		out = append(out, string(t))
	}
	slices.Sort(out)
	return strings.Join(out, "-based or ") + "-based"
}
