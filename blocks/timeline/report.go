package timeline

import (
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
)

// afterAlarm is how much of the ALARM period the picture shows past the
// state change, at most: enough to read whether the metric recovered.
const afterAlarm = 20 * time.Minute

// ForReport is the picture of a triage: the alarm's series over the walk
// window and a little past the state change, its threshold and ALARM period,
// and the report's causes as markers #1–#3 named by their headlines.
// period is the alarm's period; now bounds the ALARM shading.
func ForReport(a investigation.Alarm, rep *investigation.Report, series []Point, label string, period time.Duration, now time.Time) Input {
	end := a.StateChangeTime.Add(afterAlarm)
	if now.Before(end) && now.After(a.StateChangeTime) {
		end = now
	}
	in := Input{
		Title:       a.Name,
		Series:      series,
		SeriesLabel: label,
		Threshold:   a.Threshold,
		Comparison:  a.Comparison,
		Window:      Span{Start: rep.Window.Start, End: end},
	}
	if a.State == investigation.StateAlarm && period > 0 {
		in.Alarm = AlarmPeriod(a.StateChangeTime, a.EvaluationPeriods, period, end)
	}
	if rep.Window.Start.IsZero() || !end.After(rep.Window.Start) {
		in.Window = Span{}
	}
	for i, c := range rep.Candidates {
		if i == maxChanges {
			break
		}
		var first time.Time
		for _, e := range c.Events {
			if !e.EventTime.IsZero() && (first.IsZero() || e.EventTime.Before(first)) {
				first = e.EventTime
			}
		}
		if !first.IsZero() {
			in.Changes = append(in.Changes, Change{N: c.Rank, Time: first, Label: blocks.Headline(c)})
		}
	}
	return in
}
