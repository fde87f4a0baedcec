package blocks

import (
	"strings"
	"testing"
)

func TestCorrectionMenuOffersOnlyTheOtherCauses(t *testing.T) {
	rep := highIAMReport()
	b, err := Encode(CorrectionMenu(*rep, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if strings.Contains(got, ActionCorrectCause+":1") {
		t.Error("the cause voted down is offered as the right one")
	}
	for _, c := range rep.Candidates[1:] {
		if !strings.Contains(got, ActionCorrectCause+":"+string(rune('0'+c.Rank))) {
			t.Errorf("cause #%d is not offered", c.Rank)
		}
	}
}
