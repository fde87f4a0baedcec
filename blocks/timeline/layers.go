package timeline

import (
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The picture's colours: the series in blue and the threshold in red, as
// CloudWatch's own graphs have them; the ALARM period a pale red behind
// everything; the error episode amber, distinct from both; the changes in
// purple, a colour nothing else uses.
var (
	seriesInk    = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9c, A: 0xff}
	thresholdInk = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	alarmFill    = color.RGBA{R: 0xfb, G: 0xdc, B: 0xdc, A: 0xff}
	episodeFill  = color.RGBA{R: 0xf2, G: 0xa5, B: 0x3a, A: 0xff}
	markerInk    = color.RGBA{R: 0x6a, G: 0x3d, B: 0x9a, A: 0xff}
)

const (
	seriesWidth    = 2.5
	thresholdWidth = 3
	markerWidth    = 3
	// episodeShare is the height of the error band, a strip along the
	// bottom of the data area, so that it never hides the ALARM shading.
	episodeShare = 0.07
	// dotsUpTo is how many datapoints are drawn as dots on the line too:
	// a sparse series reads as measurements, not as a smooth curve.
	dotsUpTo  = 60
	dotRadius = 3.5
	// loneRadius is a datapoint with no neighbour: without a line to
	// follow, it has to be found.
	loneRadius = 5
	badgeH     = 24
	badgePad   = 6
)

// addLayers adds what the data area shows, back to front.
func addLayers(p *plot.Plot, in Input, pts []Point) {
	if !in.Alarm.IsZero() {
		p.Add(spanLayer{span: in.Alarm, fill: alarmFill, share: 1})
	}
	if !in.Episode.IsZero() {
		p.Add(spanLayer{span: in.Episode.Span, fill: episodeFill, share: episodeShare})
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal = draw.LineStyle{Color: gridInk, Width: 1}
	p.Add(grid)
	p.Add(markerLines{changes: in.Changes})
	if in.Comparison != "" {
		p.Add(thresholdLayer{value: in.Threshold})
	}
	p.Add(seriesLayer{pts: pts})
	p.Add(badgeLayer{changes: in.Changes})
	if !hasData(pts) {
		p.Add(noteLayer{text: "no datapoints"})
	}
}

func hasData(pts []Point) bool {
	return slices.ContainsFunc(pts, func(p Point) bool { return !math.IsNaN(p.Value) })
}

// spanLayer shades a span of time over the bottom share of the data area.
type spanLayer struct {
	span  Span
	fill  color.Color
	share float64
}

func (s spanLayer) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	x0 := clampX(c, tx(unixSeconds(s.span.Start)))
	x1 := clampX(c, tx(unixSeconds(s.span.End)))
	if x1 <= x0 {
		return
	}
	top := c.Min.Y + vg.Length(s.share)*(c.Max.Y-c.Min.Y)
	c.SetColor(s.fill)
	c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: top}}.Path())
}

func clampX(c draw.Canvas, x vg.Length) vg.Length { return min(max(x, c.Min.X), c.Max.X) }

// thresholdLayer is the alarm's threshold across the data area.
type thresholdLayer struct{ value float64 }

func (t thresholdLayer) Plot(c draw.Canvas, p *plot.Plot) {
	_, ty := p.Transforms(&c)
	y := ty(t.value)
	c.StrokeLine2(draw.LineStyle{Color: thresholdInk, Width: thresholdWidth}, c.Min.X, y, c.Max.X, y)
}

// seriesLayer is the metric's line, broken at gaps (NaN), with dots where
// the series is sparse or a point stands alone.
type seriesLayer struct{ pts []Point }

func (s seriesLayer) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	line := draw.LineStyle{Color: seriesInk, Width: seriesWidth}
	dot := draw.GlyphStyle{Color: seriesInk, Radius: dotRadius, Shape: draw.CircleGlyph{}}
	dots := len(s.pts) <= dotsUpTo
	var seg []vg.Point
	flush := func() {
		if len(seg) > 1 {
			strokeChunked(c, line, thin(seg))
		}
		lone := dot
		lone.Radius = loneRadius
		for _, pt := range seg {
			switch {
			case !c.Contains(pt):
			case len(seg) == 1:
				c.DrawGlyph(lone, pt)
			case dots:
				c.DrawGlyph(dot, pt)
			}
		}
		seg = seg[:0]
	}
	for _, pt := range s.pts {
		if math.IsNaN(pt.Value) {
			flush()
			continue
		}
		seg = append(seg, vg.Point{X: tx(unixSeconds(pt.Time)), Y: ty(pt.Value)})
	}
	flush()
}

// strokeChunk is how many points one stroke takes. The rasterizer looks
// cells up linearly along a scanline, so one long zigzag path costs
// seconds; short paths (sharing their end points) cost milliseconds.
const strokeChunk = 64

func strokeChunked(c draw.Canvas, sty draw.LineStyle, pts []vg.Point) {
	for i := 0; i < len(pts)-1; i += strokeChunk {
		c.StrokeLines(sty, c.ClipLinesXY(pts[i:min(i+strokeChunk+1, len(pts))])...)
	}
}

// thin keeps, of each pixel column a dense line crosses, only its first,
// lowest, highest and last points: the stroke looks the same, and the
// rasterizer has far fewer segments to cover.
func thin(seg []vg.Point) []vg.Point {
	if len(seg) <= 4*Width {
		return seg
	}
	out := make([]vg.Point, 0, 4*Width)
	for i := 0; i < len(seg); {
		col := math.Floor(float64(seg[i].X))
		j := i
		lo, hi := i, i
		for j < len(seg) && math.Floor(float64(seg[j].X)) == col {
			if seg[j].Y < seg[lo].Y {
				lo = j
			}
			if seg[j].Y > seg[hi].Y {
				hi = j
			}
			j++
		}
		for _, k := range sortedUnique(i, min(lo, hi), max(lo, hi), j-1) {
			out = append(out, seg[k])
		}
		i = j
	}
	return out
}

// sortedUnique is a ≤ b ≤ c ≤ d without repeats.
func sortedUnique(a, b, c, d int) []int {
	out := []int{a}
	for _, x := range []int{b, c, d} {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// markerLines are the changes' vertical lines, from the bottom of the data
// area up to where their badges sit. A change outside the window has no
// line: its badge alone, pinned to the edge, says which side it lies on.
type markerLines struct{ changes []Change }

func (m markerLines) Plot(c draw.Canvas, p *plot.Plot) {
	for _, b := range placeBadges(c, p, m.changes) {
		if b.edge == 0 {
			c.StrokeLine2(draw.LineStyle{Color: markerInk, Width: markerWidth}, b.x, c.Min.Y, b.x, b.box.Min.Y)
		}
	}
}

// badgeLayer draws the "#1" badges at the top of the marker lines, on top
// of the series.
type badgeLayer struct{ changes []Change }

func (m badgeLayer) Plot(c draw.Canvas, p *plot.Plot) {
	sty := textStyle(badgeSize, true, color.White)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	for _, b := range placeBadges(c, p, m.changes) {
		c.SetColor(markerInk)
		c.Fill(b.box.Path())
		c.FillText(sty, vg.Point{X: (b.box.Min.X + b.box.Max.X) / 2, Y: (b.box.Min.Y + b.box.Max.Y) / 2}, b.text)
	}
}

type badge struct {
	x    vg.Length // the change's x, clamped to the data area
	edge int       // -1 before the window, +1 after it, 0 inside
	box  vg.Rectangle
	text string
}

// placeBadges lays the badges out along the top of the data area, moving a
// badge down a row when it would overlap one to its left.
func placeBadges(c draw.Canvas, p *plot.Plot, changes []Change) []badge {
	tx, _ := p.Transforms(&c)
	sty := textStyle(badgeSize, true, color.White)
	bs := make([]badge, 0, len(changes))
	for _, ch := range changes {
		b := badge{x: tx(unixSeconds(ch.Time)), text: "#" + strconv.Itoa(ch.N)}
		switch {
		case b.x < c.Min.X:
			b.x, b.edge, b.text = c.Min.X, -1, "← "+b.text
		case b.x > c.Max.X:
			b.x, b.edge, b.text = c.Max.X, 1, b.text+" →"
		}
		w := sty.Width(b.text) + 2*badgePad
		left := b.x - w/2
		switch b.edge {
		case -1:
			left = c.Min.X
		case 1:
			left = c.Max.X - w
		}
		left = min(max(left, c.Min.X), c.Max.X-w)
		b.box = vg.Rectangle{Min: vg.Point{X: left, Y: c.Max.Y - badgeH}, Max: vg.Point{X: left + w, Y: c.Max.Y}}
		bs = append(bs, b)
	}
	order := make([]int, len(bs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmpLength(bs[i].box.Min.X, bs[j].box.Min.X) })
	var rowEnds []vg.Length // the right edge of the last badge in each row
	for _, i := range order {
		row := 0
		for row < len(rowEnds) && bs[i].box.Min.X < rowEnds[row]+4 {
			row++
		}
		if row == len(rowEnds) {
			rowEnds = append(rowEnds, 0)
		}
		rowEnds[row] = bs[i].box.Max.X
		dy := vg.Length(row) * (badgeH + 4)
		bs[i].box.Min.Y -= dy + 2
		bs[i].box.Max.Y -= dy + 2
	}
	return bs
}

func cmpLength(a, b vg.Length) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// noteLayer writes a note in the middle of the data area, on a white card
// so that marker lines passing behind it do not strike it through.
type noteLayer struct{ text string }

func (n noteLayer) Plot(c draw.Canvas, _ *plot.Plot) {
	sty := textStyle(noteSize, false, mutedInk)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	mid := c.Center()
	w, h := sty.Width(n.text)+24, sty.Height(n.text)+14
	card := vg.Rectangle{Min: vg.Point{X: mid.X - w/2, Y: mid.Y - h/2}, Max: vg.Point{X: mid.X + w/2, Y: mid.Y + h/2}}
	c.SetColor(color.White)
	c.Fill(card.Path())
	c.SetLineStyle(draw.LineStyle{Color: gridInk, Width: 1})
	c.Stroke(card.Path())
	c.FillText(sty, mid, n.text)
}
