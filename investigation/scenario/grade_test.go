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
