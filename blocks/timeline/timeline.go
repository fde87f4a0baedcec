// Package timeline draws the picture a triage thread carries: the alarm's
// metric over the walk window, its threshold, the ALARM period, the candidate
// changes as numbered markers and the error episode from the logs, so that an
// on-call sees what changed when against the symptom. It is a pure renderer:
// the caller reads the datapoints (tools.MetricData) and the ranking; this
// package knows neither Slack nor AWS.
package timeline

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The picture's size in pixels: wide enough for an hour of minute datapoints
// to read as a curve, and in the aspect Slack previews a thread image in.
const (
	Width  = 1200
	Height = 500
)

// maxChanges is how many candidate changes get a marker: the report ranks
// #1–#3, and more badges would crowd the top of the plot.
const maxChanges = 3

// dpi is 72 so that one point of gonum's vg lengths is one pixel: sizes in
// this package are then pixel sizes, and the pixel transform is exact.
const dpi = 72

// Point is one datapoint of the series. A NaN or infinite Value is a gap.
type Point struct {
	Time  time.Time
	Value float64
}

// Span is a stretch of time; a zero Start means "none".
type Span struct {
	Start, End time.Time
}

// IsZero reports whether the span is unset.
func (s Span) IsZero() bool { return s.Start.IsZero() }

// Change is a candidate change, drawn as a vertical marker numbered N.
type Change struct {
	N     int // the rank the report shows (#1–#3); 0 numbers by position
	Time  time.Time
	Label string // short: "Role policy detached from orders-api-exec-role"
}

// Episode is the error episode found in the logs, drawn as a band.
type Episode struct {
	Span
	Label string // "" is "error episode"
}

// Input is everything the picture shows.
type Input struct {
	Title       string  // the alarm's name
	Series      []Point // in any order
	SeriesLabel string  // "Errors (Sum per 1 min)", or a metric-math expression's label
	Threshold   float64
	// Comparison is the alarm's ComparisonOperator in CloudWatch's words
	// ("GreaterThanThreshold"); "" draws no threshold line.
	Comparison string
	Alarm      Span // the ALARM period; see AlarmPeriod
	Changes    []Change
	Episode    Episode
	Window     Span           // the x axis; zero fits the data, changes and spans
	Location   *time.Location // of the axis and alt-text times; nil is UTC
}

// AlarmPeriod is the span an alarm has been in ALARM for, as the picture
// shades it: from the first of the evaluation periods that breached (the
// state change looks back over them) to now.
func AlarmPeriod(stateChange time.Time, evaluationPeriods int, period time.Duration, now time.Time) Span {
	start := stateChange.Add(-time.Duration(max(evaluationPeriods, 1)) * period)
	if now.Before(stateChange) {
		now = stateChange
	}
	return Span{Start: start, End: now}
}

// SeriesLabel names a plain metric's series the way the picture's legend
// does: "Errors (Sum per 1 min)".
func SeriesLabel(metric, stat string, periodSeconds int) string {
	if stat == "" || periodSeconds <= 0 {
		return metric
	}
	return fmt.Sprintf("%s (%s per %s)", metric, stat, periodName(periodSeconds))
}

func periodName(s int) string {
	switch {
	case s%3600 == 0:
		return fmt.Sprintf("%d h", s/3600)
	case s%60 == 0:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d s", s)
}

// Picture is a rendered timeline.
type Picture struct {
	PNG           []byte
	Alt           string // the picture in words, for the upload's alt text
	Width, Height int

	area    image.Rectangle
	toPixel func(x, y float64) image.Point
}

// At is the pixel (from the image's top left) where the plot puts the value v
// at time t, by the plot's own transform; tests probe the image there.
func (p *Picture) At(t time.Time, v float64) image.Point {
	return p.toPixel(unixSeconds(t), v)
}

// DataArea is the pixel rectangle of the plot's data area.
func (p *Picture) DataArea() image.Rectangle { return p.area }

// Render draws the timeline of in.
func Render(in Input) (*Picture, error) {
	if in.Location == nil {
		in.Location = time.UTC
	}
	in.Changes = numbered(in.Changes)
	pts := sortedSeries(in.Series)
	win := window(in, pts)
	if !win.End.After(win.Start) {
		return nil, fmt.Errorf("timeline: window %v–%v is empty", win.Start, win.End)
	}
	ymin, ymax := valueRange(in, pts)
	f := newFrame(in, pts, win)

	p := plot.New()
	styleAxes(p, in, win)
	p.X.Min, p.X.Max = unixSeconds(win.Start), unixSeconds(win.End)
	addLayers(p, in, pts)
	// After Add: the line plotters' own data ranges must not widen the axes
	// past the window or the headroom the badges need.
	p.X.Min, p.X.Max = unixSeconds(win.Start), unixSeconds(win.End)
	p.Y.Min, p.Y.Max = ymin, ymax

	img := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(dpi))
	c := draw.New(img)
	plotArea, legendArea := layout(c)
	drawTitle(c, in.Title, seriesName(in))
	p.Draw(plotArea)
	drawLegend(legendArea, legendEntries(in, pts, f))

	data := p.DataCanvas(plotArea)
	tx, ty := p.Transforms(&data)
	toPixel := func(x, y float64) image.Point {
		return image.Point{X: int(math.Floor(float64(tx(x)))), Y: int(math.Floor(Height - float64(ty(y))))}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("timeline: encode png: %w", err)
	}
	return &Picture{
		PNG: buf.Bytes(), Alt: altText(in, pts, f), Width: Width, Height: Height,
		area:    image.Rect(int(data.Min.X), Height-int(data.Max.Y), int(data.Max.X), Height-int(data.Min.Y)),
		toPixel: toPixel,
	}, nil
}

// layout splits the canvas into the plot (left) and the legend panel
// (right); the legend sits beside the data, never over it.
func layout(c draw.Canvas) (plotArea, legendArea draw.Canvas) {
	top := vg.Length(titleHeight)
	plotArea = draw.Crop(c, margin, -(legendWidth + margin), margin, -top)
	legendArea = draw.Crop(c, Width-legendWidth, -margin, margin, -top)
	return plotArea, legendArea
}

const (
	margin      = 14
	titleHeight = 46
	legendWidth = 330
)

// numbered keeps the first maxChanges changes, numbered by position where
// the caller gave no rank.
func numbered(cs []Change) []Change {
	out := slices.Clone(cs[:min(len(cs), maxChanges)])
	for i := range out {
		if out[i].N == 0 {
			out[i].N = i + 1
		}
	}
	return out
}

// maxMagnitude bounds plotted values: past it the axis arithmetic (range
// plus headroom) would overflow float64, and no CloudWatch metric gets there.
const maxMagnitude = 1e300

// sortedSeries is the series in time order, values beyond ±maxMagnitude
// clamped and infinities made gaps.
func sortedSeries(in []Point) []Point {
	pts := slices.Clone(in)
	for i := range pts {
		switch v := pts[i].Value; {
		case math.IsInf(v, 0):
			pts[i].Value = math.NaN()
		case v > maxMagnitude:
			pts[i].Value = maxMagnitude
		case v < -maxMagnitude:
			pts[i].Value = -maxMagnitude
		}
	}
	slices.SortStableFunc(pts, func(a, b Point) int { return a.Time.Compare(b.Time) })
	return pts
}

// window is the x axis: the walk window when given, else everything the
// picture has to show, with a margin.
func window(in Input, pts []Point) Span {
	if !in.Window.IsZero() {
		return in.Window
	}
	var ts []time.Time
	for _, p := range pts {
		ts = append(ts, p.Time)
	}
	for _, c := range in.Changes {
		ts = append(ts, c.Time)
	}
	for _, s := range []Span{in.Alarm, in.Episode.Span} {
		if !s.IsZero() {
			ts = append(ts, s.Start, s.End)
		}
	}
	if len(ts) == 0 {
		return Span{}
	}
	lo, hi := slices.MinFunc(ts, time.Time.Compare), slices.MaxFunc(ts, time.Time.Compare)
	pad := max(hi.Sub(lo)/20, time.Minute)
	return Span{Start: lo.Add(-pad), End: hi.Add(pad)}
}

// headroom is the share of the y range above the data kept free for the
// change badges.
const headroom = 0.28

// valueRange is the y axis: the finite values and the threshold, from zero
// when all are positive (a count read against zero), with headroom on top.
func valueRange(in Input, pts []Point) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if !math.IsNaN(p.Value) {
			lo, hi = min(lo, p.Value), max(hi, p.Value)
		}
	}
	if in.Comparison != "" {
		lo, hi = min(lo, in.Threshold), max(hi, in.Threshold)
	}
	if math.IsInf(lo, 1) { // nothing to show: a unit range
		lo, hi = 0, 1
	}
	lo = min(lo, 0)
	if hi <= lo {
		hi = lo + max(math.Abs(lo), 1)
	}
	return lo, hi + (hi-lo)*headroom
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

func fromUnix(x float64) time.Time {
	sec, frac := math.Modf(x)
	return time.Unix(int64(sec), int64(frac*1e9))
}
