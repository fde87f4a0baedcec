package engine

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
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

// group is one candidate change: related events on one target.
type group struct {
	events       []*found // in time order
	rep          *found   // the event that scores highest
	score        float64
	breakdown    investigation.ScoreBreakdown
	corrob       *KindOnset
	contradicted *KindOnset // AccessDenied errors that blame another kind of policy
	corrobName   bool
	unexplained  bool // the workload's errors are of kinds it does not produce
	quiet        bool // its change cannot produce any symptom
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

// first and last are when its first and last calls were made; read from
// the events only when asked, since most groups are never asked.
func (g *group) first() time.Time { return g.events[0].Time }
func (g *group) last() time.Time  { return g.events[len(g.events)-1].Time }

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

// groups collects the successful changes into candidate groups and scores
// each group by the best of its events, without corroboration. At 100k
// changes cache misses, not arithmetic, dominate ranking: changes are scored
// in the order they were found, bucketed by group key as compact values, and
// sorted by time only within a key; after that only each group's best event
// is read.
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
	var spans []span
	for k := 0; k+1 < len(starts); k++ {
		bucket := byKey[starts[k]:starts[k+1]]
		slices.SortFunc(bucket, compareChanges)
		spans = splitKey(bucket, starts[k], spans)
	}
	// Groups in the order of their first calls, as if every change had
	// been sorted: ties between equal candidates go to the earlier one.
	slices.SortFunc(spans, func(a, b span) int { return compareChanges(byKey[a.off], byKey[b.off]) })
	slab := make([]group, len(spans))
	events := make([]*found, len(t.changes))
	out := make([]*group, len(spans))
	for i, sp := range spans {
		g := &slab[i]
		g.events = events[sp.off : sp.off+sp.n : sp.off+sp.n]
		for j, c := range byKey[sp.off : sp.off+sp.n] {
			g.events[j] = t.changes[c.seq]
		}
		g.rep = t.changes[sp.rep]
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

// span is one group: a run of one key's changes, each within GroupSpan of the last.
type span struct {
	off, n int32 // its changes in the bucketed slice
	rep    int32 // the first of its best-scored changes, by the order found
}

// splitKey appends the groups of one key's changes, sorted by time, which
// begin at off in the bucketed slice.
func splitKey(bucket []change, off int32, spans []span) []span {
	var best float64
	for i, c := range bucket {
		if i == 0 || c.at-bucket[i-1].at > int64(GroupSpan) {
			spans = append(spans, span{off: off + int32(i), rep: c.seq})
			best = c.score
		} else if c.score > best {
			spans[len(spans)-1].rep, best = c.seq, c.score
		}
		spans[len(spans)-1].n++
	}
	return spans
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

// ranksAbove orders candidates: higher score, then the later change, then
// the event id, so reports are reproducible.
func ranksAbove(a, b *group) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if al, bl := a.last(), b.last(); !al.Equal(bl) {
		return al.After(bl)
	}
	return a.rep.ID < b.rep.ID
}

// rank scores every change, keeps the best MaxCandidates and builds their claims.
func (t *triage) rank() {
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
	groups := t.groups(onset)
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
	for i, g := range t.ranked {
		t.cands = append(t.cands, t.candidate(i+1, g))
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
