package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/trailhound/trailhound/blocks/timeline"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

// metricReader is what the picture reads the alarm's datapoints with.
type metricReader interface {
	GetMetricData(ctx context.Context, req tools.MetricDataRequest) ([]tools.MetricSeries, error)
}

// timelinePictures draws the bot's timeline pictures.
type timelinePictures struct {
	metrics metricReader
	now     func() time.Time
}

func (p timelinePictures) Picture(ctx context.Context, a investigation.Alarm, rep *investigation.Report) (chat.File, error) {
	pic, err := drawTimeline(ctx, p.metrics, a, rep, p.now())
	if err != nil {
		return chat.File{}, err
	}
	return chat.File{Name: pictureName(a.Name), Title: "Timeline of " + a.Name, AltText: pic.Alt, Data: pic.PNG}, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// pictureName is a file name for the alarm's timeline.
func pictureName(alarm string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(alarm, "-"), "-.")
	if name == "" || len(name) > 80 {
		name = "alarm"
	}
	return name + "-timeline.png"
}

// pictureError is a reason the picture cannot be drawn, written for people.
type pictureError string

func (e pictureError) Error() string      { return string(e) }
func (e pictureError) UserReason() string { return string(e) }

// drawTimeline reads the alarm's own series (its statistic, period or
// metric math) over the picture's window and draws it with the report's
// causes.
func drawTimeline(ctx context.Context, md metricReader, a investigation.Alarm, rep *investigation.Report, now time.Time) (*timeline.Picture, error) {
	qs := tools.AlarmQueries(a)
	if len(qs) == 0 {
		return nil, pictureError("the alarm has no metric of its own to draw (a composite alarm)")
	}
	period, label := alarmSeriesName(a)
	in := timeline.ForReport(a, rep, nil, label, period, now)
	start, end := in.Window.Start, in.Window.End
	if in.Window.IsZero() {
		start, end = a.StateChangeTime.Add(-time.Hour), a.StateChangeTime.Add(20*time.Minute)
	}
	series, err := md.GetMetricData(ctx, tools.MetricDataRequest{Region: a.Region, Queries: qs, Start: start, End: end})
	if err != nil && !errors.Is(err, tools.ErrMetricDataTruncated) {
		return nil, fmt.Errorf("read the alarm's metric: %w", err)
	}
	if len(series) == 0 || len(series[0].Points) == 0 {
		return nil, pictureError("CloudWatch returned no datapoints for the alarm's metric in the window")
	}
	for _, p := range series[0].Points {
		in.Series = append(in.Series, timeline.Point{Time: p.Time, Value: p.Value})
	}
	if l := series[0].Label; l != "" && l != series[0].ID && len(a.Metrics) > 1 {
		in.SeriesLabel = l
	}
	return timeline.Render(in)
}

// writePicture draws the timeline into path and says what it did: the
// report stands whether or not the picture could be drawn.
func writePicture(ctx context.Context, md metricReader, a investigation.Alarm, rep *investigation.Report, now time.Time, path string) string {
	pic, err := drawTimeline(ctx, md, a, rep, now)
	if err != nil {
		return "No timeline picture: " + err.Error()
	}
	if err := os.WriteFile(path, pic.PNG, 0o644); err != nil {
		return fmt.Sprintf("No timeline picture: write %s: %v", path, err)
	}
	return fmt.Sprintf("Timeline picture: %s (%d×%d, %d KB) — %s", path, pic.Width, pic.Height, (len(pic.PNG)+1023)/1024, pic.Alt)
}

// alarmSeriesName is the alarm's period and the legend's name of its series.
func alarmSeriesName(a investigation.Alarm) (time.Duration, string) {
	var period int
	for _, m := range a.Metrics {
		period = max(period, m.Period)
	}
	if len(a.Metrics) == 1 && a.Metrics[0].Expression == "" {
		m := a.Metrics[0]
		return time.Duration(period) * time.Second, timeline.SeriesLabel(m.Name, m.Stat, m.Period)
	}
	for _, m := range a.Metrics {
		if m.Expression != "" {
			return time.Duration(period) * time.Second, m.Expression
		}
	}
	return time.Duration(period) * time.Second, a.Name
}
