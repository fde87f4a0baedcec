package timeline

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// legendEntry is one row of the legend: a swatch and its words.
type legendEntry struct {
	swatch func(c draw.Canvas, box vg.Rectangle)
	text   string
}

const (
	swatchW     = 34
	swatchGap   = 10
	lineSpacing = 1.3
	entryGap    = 10
)

// legendEntries lists what the picture draws, in the order of the report:
// the symptom, its threshold and ALARM period, the episode, then the changes.
func legendEntries(in Input, pts []Point, f frame) []legendEntry {
	var es []legendEntry
	name := seriesName(in)
	if !hasData(pts) {
		name += " (no datapoints)"
	}
	es = append(es, legendEntry{lineSwatch(seriesInk, seriesWidth), name})
	if in.Comparison != "" {
		es = append(es, legendEntry{lineSwatch(thresholdInk, thresholdWidth),
			fmt.Sprintf("threshold %s %s", symbol(in.Comparison), formatValue(in.Threshold))})
	}
	if !in.Alarm.IsZero() {
		es = append(es, legendEntry{boxSwatch(alarmFill, 1), "ALARM " + f.clockWhole(in.Alarm.Start) + "–" + f.clockWhole(in.Alarm.End)})
	}
	if !in.Episode.IsZero() {
		es = append(es, legendEntry{boxSwatch(episodeFill, 0.45),
			episodeName(in.Episode) + " " + f.clockWhole(in.Episode.Start) + "–" + f.clockWhole(in.Episode.End)})
	}
	for _, c := range in.Changes {
		words := shorten(c.Label, 70)
		if words != "" {
			words += " · "
		}
		words += f.clockWhole(c.Time)
		if out := f.outside(c.Time); out != "" {
			words += " (" + out + ")"
		} else if rel := f.relative(c.Time); rel != "" {
			words += ", " + rel
		}
		es = append(es, legendEntry{badgeSwatch(c.N), words})
	}
	return es
}

// drawLegend writes the entries top down in c, each wrapped to the panel's
// width; entries that no longer fit are left out rather than drawn over
// the axis.
func drawLegend(c draw.Canvas, es []legendEntry) {
	sty := textStyle(legendSize, false, ink)
	sty.YAlign = draw.YTop
	textX := c.Min.X + swatchW + swatchGap
	lineH := vg.Length(legendSize * lineSpacing)
	y := c.Max.Y - 6
	for _, e := range es {
		lines := wrap(e.text, sty, c.Max.X-textX)
		h := vg.Length(len(lines)) * lineH
		if y-h < c.Min.Y {
			return
		}
		box := vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: y - lineH}, Max: vg.Point{X: c.Min.X + swatchW, Y: y}}
		e.swatch(c, box)
		for i, l := range lines {
			c.FillText(sty, vg.Point{X: textX, Y: y - vg.Length(i)*lineH - 1}, l)
		}
		y -= h + entryGap
	}
}

func lineSwatch(clr color.Color, width vg.Length) func(draw.Canvas, vg.Rectangle) {
	return func(c draw.Canvas, box vg.Rectangle) {
		mid := (box.Min.Y + box.Max.Y) / 2
		c.StrokeLine2(draw.LineStyle{Color: clr, Width: width}, box.Min.X, mid, box.Max.X, mid)
	}
}

// boxSwatch fills the lower share of the box, as the span fills the data area.
func boxSwatch(clr color.Color, share float64) func(draw.Canvas, vg.Rectangle) {
	return func(c draw.Canvas, box vg.Rectangle) {
		inner := vg.Rectangle{Min: vg.Point{X: box.Min.X, Y: box.Min.Y + 2}, Max: vg.Point{X: box.Max.X, Y: box.Max.Y - 2}}
		inner.Max.Y = inner.Min.Y + vg.Length(share)*(inner.Max.Y-inner.Min.Y)
		c.SetColor(clr)
		c.Fill(inner.Path())
	}
}

func badgeSwatch(n int) func(draw.Canvas, vg.Rectangle) {
	return func(c draw.Canvas, box vg.Rectangle) {
		sty := textStyle(badgeSize, true, color.White)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
		c.SetColor(markerInk)
		c.Fill(vg.Rectangle{Min: vg.Point{X: box.Min.X, Y: box.Min.Y}, Max: vg.Point{X: box.Max.X, Y: box.Max.Y + 2}}.Path())
		c.FillText(sty, vg.Point{X: (box.Min.X + box.Max.X) / 2, Y: (box.Min.Y+box.Max.Y)/2 + 1}, "#"+strconv.Itoa(n))
	}
}
