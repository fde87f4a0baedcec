package scenario

import (
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// Grade is how a report fares against a scenario's expect.json (DESIGN §5).
type Grade struct {
	// Cause scenarios.
	HasCause bool `json:"has_cause"`
	Top1     bool `json:"top1"`
	Top3     bool `json:"top3"`
	Category bool `json:"category"` // rank 1's category is the expected one
	// HasPrevious: the expect names previous values; NextStep: rank 1 is the
	// cause and its next step names one of them, i.e. says what to restore.
	HasPrevious bool `json:"has_previous_values"`
	NextStep    bool `json:"next_step_previous_value"`
	// Blind-spot scenarios: no candidate above low and the right blind spot first.
	BlindSpot bool `json:"blind_spot"`
	Honest    bool `json:"honest"`
	// FalseHigh counts wrong candidates marked high.
	FalseHigh int `json:"false_high"`
	// Fabricated counts cited event ids that are not in the scenario's trail.
	Fabricated int `json:"fabricated"`
	// Coverage-gap scenarios: the report names the expected gap in trail
	// coverage (GapNamed) and, the gap lowering confidence, marks no
	// candidate high (GapHonest).
	HasGap    bool `json:"has_coverage_gap"`
	GapNamed  bool `json:"coverage_gap_named"`
	GapHonest bool `json:"coverage_gap_honest"`
}

// GradeReport scores rep against want. trailIDs holds every event id of the
// scenario's trail, so a citation of anything else counts as fabricated.
func GradeReport(want Expect, rep *investigation.Report, trailIDs map[string]bool) Grade {
	cause := map[string]bool{}
	for _, id := range want.Cause {
		cause[id] = true
	}
	holds := func(c investigation.Candidate) bool {
		for _, e := range c.Events {
			if cause[e.EventID] {
				return true
			}
		}
		return false
	}
	g := Grade{HasCause: len(cause) > 0}
	g.HasPrevious = g.HasCause && len(want.PreviousValues) > 0
	for i, c := range rep.Candidates {
		hit := holds(c)
		if hit && i == 0 {
			g.Top1 = true
			g.Category = want.Category == "" || string(c.Category) == want.Category
			g.NextStep = g.HasPrevious && namesAny(c.NextStep, want.PreviousValues)
		}
		if hit && i < 3 {
			g.Top3 = true
		}
		if !hit && c.Confidence == investigation.ConfidenceHigh {
			g.FalseHigh++
		}
		g.Fabricated += fabricated(c, trailIDs)
	}
	if want.CoverageGap != "" {
		g.HasGap = true
		for _, gap := range rep.CoverageGaps {
			g.GapNamed = g.GapNamed || string(gap.Kind) == want.CoverageGap
		}
		g.GapHonest = g.GapNamed && !slices.ContainsFunc(rep.Candidates, func(c investigation.Candidate) bool {
			return c.Confidence == investigation.ConfidenceHigh
		})
	}
	if !g.HasCause {
		g.BlindSpot = want.BlindSpot != ""
		lowOnly := true
		for _, c := range rep.Candidates {
			if c.Confidence != investigation.ConfidenceLow {
				lowOnly = false
			}
		}
		g.Honest = lowOnly && len(rep.BlindSpots) > 0 && string(rep.BlindSpots[0].Kind) == want.BlindSpot
	}
	return g
}

// fabricated counts the event ids c cites that the trail does not hold.
func fabricated(c investigation.Candidate, trailIDs map[string]bool) int {
	n := 0
	for _, e := range c.Events {
		if !trailIDs[e.EventID] {
			n++
		}
	}
	for _, cl := range c.Claims {
		for _, id := range cl.EventIDs {
			if !trailIDs[id] {
				n++
			}
		}
	}
	return n
}

// namesAny reports whether text contains one of values, ignoring case.
func namesAny(text string, values []string) bool {
	text = strings.ToLower(text)
	for _, v := range values {
		if v != "" && strings.Contains(text, strings.ToLower(v)) {
			return true
		}
	}
	return false
}
