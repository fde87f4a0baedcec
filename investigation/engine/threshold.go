package engine

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// thresholdTimeout bounds the DescribeAlarms call that reads a threshold
// the notification left out: the walk must not wait on it.
const thresholdTimeout = 10 * time.Second

// staticComparisons are the comparisons against a fixed threshold. The
// anomaly-detection ones compare against a band, which no single line draws.
var staticComparisons = map[string]bool{
	"GreaterThanThreshold": true, "GreaterThanOrEqualToThreshold": true,
	"LessThanThreshold": true, "LessThanOrEqualToThreshold": true,
}

// startThreshold reads the alarm's threshold and comparison with
// DescribeAlarms when the notification does not carry them (e-mail and
// EventBridge deliveries), so that the report can state them and the
// picture draw the line. Nothing before ranking needs them, so the read
// runs beside the scope and the walk; completeThreshold joins it. Nil when
// there is nothing to read.
func (t *triage) startThreshold(ctx context.Context) func() thresholdRead {
	a := t.alarm
	// Without CloudWatch access there is no picture either: nothing to say.
	if a.Comparison != "" || a.IsComposite() || len(a.Metrics) == 0 || a.Name == "" || t.engine.Alarms == nil {
		return nil
	}
	t.calls["cloudwatch:DescribeAlarms"]++
	alarms, log := t.engine.Alarms, t.log
	return beside(t, func() thresholdRead {
		ctx, cancel := context.WithTimeout(ctx, thresholdTimeout)
		defer cancel()
		described, err := alarms.DescribeAlarms(ctx, a.Region, []string{a.Name})
		if err != nil {
			log.Warn("threshold not read", "alarm", a.Name, "error", err)
			return thresholdRead{note: fmt.Sprintf("threshold of %s not read, so the picture has no threshold line: %s", a.Name, describeFailure(err))}
		}
		for _, d := range described {
			if d.Name != a.Name || d.IsComposite() {
				continue
			}
			if !staticComparisons[d.Comparison] {
				return thresholdRead{} // an anomaly band, or none: there is no line to draw
			}
			return thresholdRead{found: true, comparison: d.Comparison, threshold: d.Threshold, periods: d.EvaluationPeriods}
		}
		// An alarm CloudWatch does not describe (deleted since, or read
		// from a recording) leaves the report as the notification had it.
		return thresholdRead{}
	})
}

// thresholdRead is what DescribeAlarms said of the alarm's threshold.
type thresholdRead struct {
	found      bool
	comparison string
	threshold  float64
	periods    int
	note       string // why it was not read
}

// completeThreshold waits for the threshold and completes the alarm with
// it. Its note, when the read failed, goes first, where the read started.
func (t *triage) completeThreshold(wait func() thresholdRead) {
	if wait == nil {
		return
	}
	r := wait()
	if r.note != "" {
		t.notes = slices.Insert(t.notes, 0, r.note)
	}
	if !r.found {
		return
	}
	t.alarm.Comparison, t.alarm.Threshold = r.comparison, r.threshold
	if t.alarm.EvaluationPeriods == 0 {
		t.alarm.EvaluationPeriods = r.periods
	}
}

// describeFailure says in a few words why DescribeAlarms failed: the
// reason and, when access was denied, the permission to grant.
func describeFailure(err error) string {
	switch investigation.ReasonOf(err) {
	case investigation.ReasonAccessDenied:
		return "access denied (the role needs cloudwatch:DescribeAlarms)"
	case investigation.ReasonThrottled:
		return "CloudWatch throttled the call"
	case investigation.ReasonTimeout:
		return "CloudWatch did not answer in time"
	case investigation.ReasonUnavailable:
		return "CloudWatch was unavailable"
	}
	return "cloudwatch:DescribeAlarms failed"
}
