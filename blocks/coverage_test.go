package blocks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestReportShowsCoverageGaps(t *testing.T) {
	rep := &investigation.Report{
		Alarm: investigation.AlarmSummary{Name: "exports-4xx", State: investigation.StateAlarm, StateChangeTime: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)},
		BlindSpots: []investigation.BlindSpot{{Kind: investigation.BlindTrail,
			Note: "The symptom involves object access on arn:aws:s3:::exports/.", WhereToLook: "the bucket's server access logs"}},
		CoverageGaps: []investigation.CoverageGap{{Kind: investigation.GapDataEventsOff, Note: "No trail records S3 data events <!channel>.", ConfidenceSteps: 1}},
	}
	m := Report(rep, ReportOptions{})
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"Trail coverage", "Data events off", "confidence lowered 1 grade", "Trail coverage:*"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(text, "<!channel>") {
		t.Error("a gap's note reached Slack unescaped")
	}
}
