package engine

import (
	"context"
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

// completeThreshold reads the alarm's threshold and comparison with
// DescribeAlarms when the notification does not carry them (e-mail and
// EventBridge deliveries), so that the report can state them and the
// picture draw the line. When the read fails the report says why and goes
// on without them.
func (t *triage) completeThreshold(ctx context.Context) {
	a := &t.alarm
	// Without CloudWatch access there is no picture either: nothing to say.
	if a.Comparison != "" || a.IsComposite() || len(a.Metrics) == 0 || a.Name == "" || t.engine.Alarms == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, thresholdTimeout)
	defer cancel()
	t.calls["cloudwatch:DescribeAlarms"]++
	described, err := t.engine.Alarms.DescribeAlarms(ctx, a.Region, []string{a.Name})
	if err != nil {
		t.log.Warn("threshold not read", "alarm", a.Name, "error", err)
		t.note("threshold of %s not read, so the picture has no threshold line: %s", a.Name, describeFailure(err))
		return
	}
	for _, d := range described {
		if d.Name != a.Name || d.IsComposite() {
			continue
		}
		if !staticComparisons[d.Comparison] {
			return // an anomaly band, or none: there is no line to draw
		}
		a.Comparison, a.Threshold = d.Comparison, d.Threshold
		if a.EvaluationPeriods == 0 {
			a.EvaluationPeriods = d.EvaluationPeriods
		}
		return
	}
	// An alarm CloudWatch does not describe (deleted since, or read from a
	// recording) leaves the report as the notification had it.
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
