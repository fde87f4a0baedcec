package sandbox

import (
	"github.com/trailhound/trailhound/investigation"
)

// Grade is how a report fares against a scenario's expect.json (DESIGN §5).
type Grade struct {
	// Cause scenarios.
	HasCause bool `json:"has_cause"`
	Top1     bool `json:"top1"`
	Top3     bool `json:"top3"`
	Category bool `json:"category"` // rank 1's category is the expected one
	// Blind-spot scenarios: no candidate above low and the right blind spot first.
	BlindSpot bool `json:"blind_spot"`
	Honest    bool `json:"honest"`
	// FalseHigh counts wrong candidates marked high.
	FalseHigh int `json:"false_high"`
	// Fabricated counts cited event ids that are not in the scenario's trail.
	Fabricated int `json:"fabricated"`
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
	for i, c := range rep.Candidates {
		hit := holds(c)
		if hit && i == 0 {
			g.Top1 = true
			g.Category = want.Category == "" || string(c.Category) == want.Category
		}
		if hit && i < 3 {
			g.Top3 = true
		}
		if !hit && c.Confidence == investigation.ConfidenceHigh {
			g.FalseHigh++
		}
		for _, e := range c.Events {
			if !trailIDs[e.EventID] {
				g.Fabricated++
			}
		}
		for _, cl := range c.Claims {
			for _, id := range cl.EventIDs {
				if !trailIDs[id] {
					g.Fabricated++
				}
			}
		}
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
