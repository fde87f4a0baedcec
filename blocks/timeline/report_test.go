package timeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TestForReportDrawsTheErrorEpisode checks the band of the log errors that
// corroborate a cause lands where the report says they began and ended,
// apart from the ALARM shading, and is named in the legend's words in the
// alt text.
func TestForReportDrawsTheErrorEpisode(t *testing.T) {
	a := investigation.Alarm{
		Name: "orders-api-errors", State: investigation.StateAlarm, StateChangeTime: at(10, 31),
		Threshold: 5, Comparison: "GreaterThanThreshold", EvaluationPeriods: 3,
	}
	errs := &investigation.ErrorEpisode{Kind: investigation.ErrAccessDenied, Group: "/aws/lambda/orders-api",
		First: at(10, 12), Last: at(10, 38), Lines: 46}
	rep := &investigation.Report{
		Window: investigation.Window{Start: at(9, 50), End: at(10, 31)},
		Candidates: []investigation.Candidate{
			{Rank: 1, Summary: "UpdateFunctionConfiguration on orders-api", Events: []investigation.EventRef{{EventName: "UpdateFunctionConfiguration", EventTime: at(10, 5)}}},
			{Rank: 2, Summary: "DetachRolePolicy on orders-api-exec-role", Events: []investigation.EventRef{{EventName: "DetachRolePolicy", EventTime: at(10, 10)}}, Errors: errs},
		},
	}
	in := ForReport(a, rep, lambdaErrors().Series, "Errors", time.Minute, at(10, 45))
	if in.Episode.Start != errs.First || in.Episode.End != errs.Last {
		t.Fatalf("episode %v–%v, want %v–%v", in.Episode.Start, in.Episode.End, errs.First, errs.Last)
	}
	pic, img := render(t, in)
	// The band runs along the bottom from the first error to the last,
	// before the ALARM period as well as in it, and not outside the episode.
	for _, m := range []int{13, 20, 27, 36} {
		expectNear(t, img, pic.At(at(10, m), 0.3), episodeFill, fmt.Sprintf("error band at 10:%02d", m))
	}
	expectNot(t, img, pic.At(at(10, 10), 0.3), episodeFill, "before the first error")
	expectNot(t, img, pic.At(at(10, 41), 0.3), episodeFill, "after the last error")
	// The band is a strip: above it, before the ALARM period, is background.
	expectNot(t, img, pic.At(at(10, 15), 3), episodeFill, "above the band")
	expectNear(t, img, pic.At(at(10, 36), 3), alarmFill, "ALARM shading above the band")
	for _, want := range []string{"46 access denied errors in /aws/lambda/orders-api (#2) from 10:12 to 10:38"} {
		if !strings.Contains(pic.Alt, want) {
			t.Errorf("alt text lacks %q: %s", want, pic.Alt)
		}
	}

	// One error line still shows as a band a period wide; no corroborated
	// cause, no band.
	errs.Last = errs.First
	if in := ForReport(a, rep, nil, "Errors", 5*time.Minute, at(10, 45)); in.Episode.End != errs.First.Add(5*time.Minute) {
		t.Errorf("one line's band ends %v, want a period after %v", in.Episode.End, errs.First)
	}
	rep.Candidates[1].Errors = nil
	if in := ForReport(a, rep, nil, "Errors", time.Minute, at(10, 45)); !in.Episode.IsZero() {
		t.Errorf("band %v without corroborating errors", in.Episode)
	}
}
