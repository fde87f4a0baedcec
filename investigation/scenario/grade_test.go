package scenario

import (
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

func TestNextStepNamesPreviousValue(t *testing.T) {
	cause := investigation.Candidate{
		Confidence: investigation.ConfidenceHigh,
		Events:     []investigation.EventRef{{EventID: "e1"}},
		NextStep:   "Set the timeout back to 30 seconds.",
	}
	other := investigation.Candidate{Confidence: investigation.ConfidenceLow, Events: []investigation.EventRef{{EventID: "e2"}}}
	ids := map[string]bool{"e1": true, "e2": true}
	cases := []struct {
		name       string
		want       Expect
		candidates []investigation.Candidate
		has, named bool
	}{
		{"named", Expect{Cause: []string{"e1"}, PreviousValues: []string{"3", "30 SECONDS"}}, []investigation.Candidate{cause, other}, true, true},
		{"not named", Expect{Cause: []string{"e1"}, PreviousValues: []string{"60"}}, []investigation.Candidate{cause}, true, false},
		{"rank 1 wrong", Expect{Cause: []string{"e1"}, PreviousValues: []string{"30"}}, []investigation.Candidate{other, cause}, true, false},
		{"no previous values", Expect{Cause: []string{"e1"}}, []investigation.Candidate{cause}, false, false},
		{"blind spot", Expect{BlindSpot: "delivery-lag", PreviousValues: []string{"30"}}, []investigation.Candidate{cause}, false, false},
	}
	for _, c := range cases {
		g := GradeReport(c.want, &investigation.Report{Candidates: c.candidates}, ids)
		if g.HasPrevious != c.has || g.NextStep != c.named {
			t.Errorf("%s: has %v named %v, want %v %v", c.name, g.HasPrevious, g.NextStep, c.has, c.named)
		}
	}
	s := Summarize([]Result{
		{Grade: GradeReport(cases[0].want, &investigation.Report{Candidates: cases[0].candidates}, ids)},
		{Grade: GradeReport(cases[1].want, &investigation.Report{Candidates: cases[1].candidates}, ids)},
		{Grade: GradeReport(cases[3].want, &investigation.Report{Candidates: cases[3].candidates}, ids)},
	}, 3)
	if s.NextStepScenarios != 2 || s.NextStep != 1 || s.CauseScenarios != 3 {
		t.Errorf("summary %+v", s)
	}
}

func TestCoverageGapAndBlindSpotKinds(t *testing.T) {
	high := investigation.Candidate{Confidence: investigation.ConfidenceHigh, Events: []investigation.EventRef{{EventID: "e1"}}}
	medium := investigation.Candidate{Confidence: investigation.ConfidenceMedium, Events: []investigation.EventRef{{EventID: "e1"}}}
	low := investigation.Candidate{Confidence: investigation.ConfidenceLow, Events: []investigation.EventRef{{EventID: "e2"}}}
	gap := func(k investigation.CoverageGapKind) []investigation.CoverageGap {
		return []investigation.CoverageGap{{Kind: k}}
	}
	spot := func(k investigation.BlindSpotKind) []investigation.BlindSpot {
		return []investigation.BlindSpot{{Kind: k}}
	}
	ids := map[string]bool{"e1": true, "e2": true}
	cases := []struct {
		name                string
		want                Expect
		rep                 investigation.Report
		named, honest, spot bool
	}{
		{"gap named, lowered", Expect{Cause: []string{"e1"}, CoverageGap: "region_not_covered"},
			investigation.Report{Candidates: []investigation.Candidate{medium}, CoverageGaps: gap(investigation.GapRegionNotCovered)}, true, true, false},
		{"gap named, still high", Expect{Cause: []string{"e1"}, CoverageGap: "no_trail"},
			investigation.Report{Candidates: []investigation.Candidate{high}, CoverageGaps: gap(investigation.GapNoTrail)}, true, false, false},
		{"other gap", Expect{Cause: []string{"e1"}, CoverageGap: "logging_stopped"},
			investigation.Report{Candidates: []investigation.Candidate{medium}, CoverageGaps: gap(investigation.GapNoTrail)}, false, false, false},
		{"trail blind spot", Expect{BlindSpot: "trail", CoverageGap: "data_events_off"},
			investigation.Report{Candidates: []investigation.Candidate{low}, BlindSpots: spot(investigation.BlindTrail), CoverageGaps: gap(investigation.GapDataEventsOff)}, true, true, true},
		{"account blind spot", Expect{BlindSpot: "account"},
			investigation.Report{Candidates: []investigation.Candidate{low}, BlindSpots: spot("account")}, false, false, true},
		{"account expected, trail named", Expect{BlindSpot: "account"},
			investigation.Report{BlindSpots: spot(investigation.BlindTrail)}, false, false, false},
	}
	var rows []Result
	for _, c := range cases {
		g := GradeReport(c.want, &c.rep, ids)
		if g.GapNamed != c.named || g.GapHonest != c.honest || (!g.HasCause && g.Honest != c.spot) {
			t.Errorf("%s: named %v honest %v blind-spot honest %v, want %v %v %v", c.name, g.GapNamed, g.GapHonest, g.Honest, c.named, c.honest, c.spot)
		}
		rows = append(rows, Result{Grade: g})
	}
	if s := Summarize(rows, len(rows)); s.CoverageScenarios != 4 || s.CoverageHonest != 2 || s.BlindScenarios != 3 || s.BlindHonest != 2 {
		t.Errorf("summary %+v", s)
	}
}
