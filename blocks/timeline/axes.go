package timeline

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"time"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Text sizes in pixels, chosen to stay legible when Slack scales the picture
// down to the width of a thread.
const (
	titleSize  = 22
	labelSize  = 16
	tickSize   = 15
	legendSize = 15
	badgeSize  = 14
	noteSize   = 20
)

var (
	ink      = color.RGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff}
	mutedInk = color.RGBA{R: 0x66, G: 0x66, B: 0x66, A: 0xff}
	gridInk  = color.RGBA{R: 0xe6, G: 0xe6, B: 0xe6, A: 0xff}
)

// textStyle is Liberation Sans of size px: the sans face reads better than
// gonum's default serif at thread size.
func textStyle(px float64, bold bool, c color.Color) text.Style {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Length(px)}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return text.Style{Color: c, Font: f, Handler: plot.DefaultTextHandler}
}

// styleAxes sets the fonts, labels and tickers of both axes.
func styleAxes(p *plot.Plot, in Input, win Span) {
	p.BackgroundColor = color.White
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Color = mutedInk
		a.Width = 1
		a.Padding = 0
		a.Tick.Color = mutedInk
		a.Tick.Length = 6
		a.Label.TextStyle = textStyle(labelSize, false, ink)
		a.Label.Padding = 6
		lbl := textStyle(tickSize, false, ink)
		lbl.XAlign, lbl.YAlign = a.Tick.Label.XAlign, a.Tick.Label.YAlign
		a.Tick.Label = lbl
	}
	p.X.Label.Text = "time (" + win.Start.In(in.Location).Format("MST") + ")"
	p.X.Tick.Marker = timeTicks{loc: in.Location, layout: clockLayout(win, in.Location)}
	// No y label: the rotated label's glyph box shrinks the data area when
	// the series label is long; the title and the legend name the series.
	p.Y.Tick.Marker = valueTicks{}
}

func seriesName(in Input) string {
	if in.SeriesLabel != "" {
		return in.SeriesLabel
	}
	return "metric"
}

// clockLayout is HH:MM, with the date when the window runs over more than
// one calendar day, so that no two ticks read alike.
func clockLayout(win Span, loc *time.Location) string {
	a, b := win.Start.In(loc), win.End.In(loc)
	if a.YearDay() != b.YearDay() || a.Year() != b.Year() {
		return "Jan 2 15:04"
	}
	return "15:04"
}

// timeTicks puts major ticks on round wall-clock times (every 1, 2, 5, 10,
// 15 or 30 minutes, or hours) in the picture's zone; gonum's default ticker
// picks round numbers of seconds, which land on times like 10:28:20.
type timeTicks struct {
	loc    *time.Location
	layout string
}

var tickSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

func (t timeTicks) Ticks(lo, hi float64) []plot.Tick {
	most := 9
	if len(t.layout) > len("15:04") { // dated labels are wider
		most = 5
	}
	span := time.Duration((hi - lo) * 1e9)
	step := tickSteps[len(tickSteps)-1]
	for _, s := range tickSteps {
		if span/s <= time.Duration(most) {
			step = s
			break
		}
	}
	for span/step > time.Duration(most) { // windows of many days
		step *= 2
	}
	start := fromUnix(lo).In(t.loc)
	midnight := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, t.loc)
	first := midnight.Add((start.Sub(midnight) + step - 1).Truncate(step))
	var ticks []plot.Tick
	for at := first; unixSeconds(at) <= hi; at = at.Add(step) {
		ticks = append(ticks, plot.Tick{Value: unixSeconds(at), Label: at.In(t.loc).Format(t.layout)})
	}
	return ticks
}

// valueTicks puts about five major ticks on round values (steps of 1, 2,
// 2.5 or 5 times a power of ten) and writes them short: 1.5M, not 1.5e+06.
// gonum's default ticker chooses three labels on ranges like 0–18.
type valueTicks struct{}

func (valueTicks) Ticks(lo, hi float64) []plot.Tick {
	step := niceStep((hi - lo) / 5)
	if step <= 0 || math.IsInf(step, 0) || math.IsNaN(step) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi && len(ticks) < 20; i++ {
		v := i * step
		ticks = append(ticks, plot.Tick{Value: v, Label: formatValue(v)})
	}
	return ticks
}

// niceStep is the smallest round step no smaller than raw.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 0
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// formatValue writes v in at most four significant digits, with an SI
// suffix from a thousand up.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.Abs(v) < 1e-9:
		return "0"
	}
	suffixes := []string{"", "k", "M", "G", "T", "P", "E"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(suffixes)-1 {
		v /= 1000
		i++
	}
	if math.Abs(v) >= 1000 { // beyond exa: scientific
		return strconv.FormatFloat(v*math.Pow(1000, float64(i)), 'g', 3, 64)
	}
	s := strconv.FormatFloat(v, 'g', 4, 64)
	return s + suffixes[i]
}

// shorten cuts s to at most n runes at a word boundary, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n-1])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;·-") + "…"
}

// wrap breaks s into lines no wider than w in style sty.
func wrap(s string, sty text.Style, w vg.Length) []string {
	var lines []string
	line := ""
	for word := range strings.SplitSeq(s, " ") {
		if word == "" {
			continue
		}
		next := word
		if line != "" {
			next = line + " " + word
		}
		if line != "" && sty.Width(next) > w {
			lines = append(lines, line)
			next = word
		}
		line = next
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// drawTitle writes the alarm's name across the top left, and after it, in
// a quieter voice, what the series is.
func drawTitle(c draw.Canvas, title, series string) {
	sty := textStyle(titleSize, true, ink)
	sty.YAlign = draw.YTop
	pt := vg.Point{X: margin + 4, Y: Height - margin}
	if title != "" {
		title = shorten(title, 60)
		c.FillText(sty, pt, title)
		pt.X += sty.Width(title) + 12
	}
	sub := textStyle(labelSize+2, false, mutedInk)
	sub.YAlign = draw.YTop
	pt.Y -= 3
	c.FillText(sub, pt, shorten(series, 70))
}
