package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// describer answers DescribeAlarms with alarms or err, counting calls.
type describer struct {
	alarms []investigation.Alarm
	err    error
	calls  int
}

func (d *describer) DescribeAlarms(context.Context, string, []string) ([]investigation.Alarm, error) {
	d.calls++
	return d.alarms, d.err
}

type deniedError struct{}

func (deniedError) Error() string                       { return "AccessDenied: not authorized" }
func (deniedError) FailureReason() investigation.Reason { return investigation.ReasonAccessDenied }
func (deniedError) MissingPermission() string           { return "cloudwatch:DescribeAlarms" }

func TestCompleteThreshold(t *testing.T) {
	symptom := time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)
	alarm := investigation.Alarm{Name: "checkout-errors", Region: "eu-west-1", Account: "123456789012", State: investigation.StateAlarm,
		StateChangeTime: symptom, Metrics: []investigation.Metric{{Namespace: "AWS/Lambda", Name: "Errors", Stat: "Sum", Period: 60,
			Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}}}}
	described := alarm
	described.Comparison, described.Threshold, described.EvaluationPeriods = "GreaterThanOrEqualToThreshold", 5, 3
	band := alarm
	band.Comparison = "LessThanLowerOrGreaterThanUpperThreshold"
	stated := alarm
	stated.Comparison, stated.Threshold = "LessThanThreshold", 1
	tests := []struct {
		name      string
		alarm     investigation.Alarm
		d         *describer
		wantCmp   string
		wantTh    float64
		wantCalls int
		wantNote  string
	}{
		{"read when the notification lacks it", alarm, &describer{alarms: []investigation.Alarm{described}}, "GreaterThanOrEqualToThreshold", 5, 1, ""},
		{"stated by the notification: not read", stated, &describer{alarms: []investigation.Alarm{described}}, "LessThanThreshold", 1, 0, ""},
		{"denied: said, not drawn", alarm, &describer{err: deniedError{}}, "", 0, 1, "access denied (the role needs cloudwatch:DescribeAlarms)"},
		{"an anomaly band has no line", alarm, &describer{alarms: []investigation.Alarm{band}}, "", 0, 1, ""},
		{"not described", alarm, &describer{}, "", 0, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng := &Engine{Trail: &fakeTrail{}, Topology: checkoutTopology, Alarms: tc.d, Now: func() time.Time { return symptom.Add(5 * time.Minute) }}
			rep, err := eng.Triage(context.Background(), tc.alarm)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Alarm.Comparison != tc.wantCmp || rep.Alarm.Threshold != tc.wantTh || tc.d.calls != tc.wantCalls {
				t.Errorf("comparison %q threshold %g after %d calls, want %q %g after %d",
					rep.Alarm.Comparison, rep.Alarm.Threshold, tc.d.calls, tc.wantCmp, tc.wantTh, tc.wantCalls)
			}
			notes := strings.Join(rep.Notes, "\n")
			if tc.wantNote != "" && !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes lack %q:\n%s", tc.wantNote, notes)
			}
			if tc.wantNote == "" && strings.Contains(notes, "threshold") {
				t.Errorf("a note about the threshold without a failure:\n%s", notes)
			}
		})
	}
}

// waitingDescriber fails DescribeAlarms once the trail was asked for the
// alarm's resource, or after overlapWait: the threshold read and the walk
// overlap only when it answers before that wait.
type waitingDescriber struct {
	trail  *fakeTrail
	waited bool
}

func (d *waitingDescriber) DescribeAlarms(context.Context, string, []string) ([]investigation.Alarm, error) {
	deadline := time.Now().Add(overlapWait)
	for !d.trail.asked("checkout") {
		if time.Now().After(deadline) {
			d.waited = true
			break
		}
		time.Sleep(time.Millisecond)
	}
	return nil, deniedError{}
}

// TestThresholdReadBesideTheWalk: the threshold is read while the walk
// runs, and the note of its failure still comes first.
func TestThresholdReadBesideTheWalk(t *testing.T) {
	trail := &fakeTrail{fail: map[string]error{"checkout-role": errors.New("lookup refused")}}
	d := &waitingDescriber{trail: trail}
	eng := &Engine{Trail: trail, Topology: checkoutTopology, Alarms: d, Now: func() time.Time { return symptom.Add(5 * time.Minute) }}
	rep, err := eng.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if d.waited {
		t.Error("the walk waited for the threshold")
	}
	if len(rep.Notes) < 2 || !strings.Contains(rep.Notes[0], "threshold of checkout-errors not read") {
		t.Errorf("the threshold's note is not first among several: %q", rep.Notes)
	}
}
