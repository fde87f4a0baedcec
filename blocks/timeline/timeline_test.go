package timeline

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden alt texts")

func render(t *testing.T, in Input) (*Picture, image.Image) {
	t.Helper()
	pic, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pic.PNG))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height || pic.Width != Width || pic.Height != Height {
		t.Fatalf("size %v (picture says %dx%d), want %dx%d", b, pic.Width, pic.Height, Width, Height)
	}
	return pic, img
}

func similar(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) bool { return max(x, y)-min(x, y) <= 14<<8 }
	return d(r1, r2) && d(g1, g2) && d(b1, b2)
}

// hasNear reports whether a pixel of colour want lies within r pixels of pt.
func hasNear(img image.Image, pt image.Point, want color.Color, r int) bool {
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			if similar(img.At(pt.X+dx, pt.Y+dy), want) {
				return true
			}
		}
	}
	return false
}

func expectNear(t *testing.T, img image.Image, pt image.Point, want color.Color, what string) {
	t.Helper()
	if !hasNear(img, pt, want, 1) {
		t.Errorf("%s: no %v within 1 px of %v (found %v)", what, want, pt, img.At(pt.X, pt.Y))
	}
}

func expectNot(t *testing.T, img image.Image, pt image.Point, unwanted color.Color, what string) {
	t.Helper()
	if hasNear(img, pt, unwanted, 2) {
		t.Errorf("%s: %v drawn within 2 px of %v", what, unwanted, pt)
	}
}

func TestRenderDrawsWhereTheDataSays(t *testing.T) {
	in := lambdaErrors()
	pic, img := render(t, in)
	area := pic.DataArea()
	if area.Dx() < 600 || area.Dy() < 300 || !area.In(image.Rect(0, 0, Width, Height)) {
		t.Fatalf("data area %v", area)
	}
	// The threshold (5) is drawn at 5, not at 4 or 6, across the window.
	for _, tm := range []time.Time{at(10, 5), at(10, 13), at(10, 48)} {
		expectNear(t, img, pic.At(tm, 5), thresholdInk, "threshold at "+tm.Format("15:04"))
		expectNot(t, img, pic.At(tm, 4), thresholdInk, "below the threshold")
		expectNot(t, img, pic.At(tm, 6), thresholdInk, "above the threshold")
	}
	// Each change is a vertical marker at its own time, and nowhere else.
	for _, c := range in.Changes {
		for _, v := range []float64{3, 8, 12} {
			expectNear(t, img, pic.At(c.Time, v), markerInk, fmt.Sprintf("marker #%d at %g", c.N, v))
		}
		expectNot(t, img, pic.At(c.Time.Add(-time.Minute), 8), markerInk, fmt.Sprintf("a minute before #%d", c.N))
	}
	// The ALARM period is shaded, the error episode is a band along the
	// bottom, and a place where nothing is drawn is background.
	expectNear(t, img, pic.At(at(10, 40), 3), alarmFill, "ALARM period")
	expectNot(t, img, pic.At(at(10, 15), 3), alarmFill, "before the ALARM period")
	expectNear(t, img, pic.At(at(10, 35), 0.5), episodeFill, "error episode")
	expectNot(t, img, pic.At(at(10, 10), 0.5), episodeFill, "before the episode")
	if c := img.At(pic.At(at(10, 5), 12).X, pic.At(at(10, 5), 12).Y); !similar(c, color.White) {
		t.Errorf("empty plot area is %v, want background", c)
	}
	// The series passes through its datapoints.
	expectNear(t, img, pic.At(at(10, 31), in.Series[41].Value), seriesInk, "series at 10:31")
	// The corners of the data area map to the window and the y range.
	if got := pic.At(in.Window.Start, 0); abs(got.X-area.Min.X) > 1 || abs(got.Y-area.Max.Y) > 1 {
		t.Errorf("(window start, 0) at %v, want the data area's bottom left %v", got, area)
	}
	if got := pic.At(in.Window.End, 0); abs(got.X-area.Max.X) > 1 {
		t.Errorf("window end at x %d, want %d", got.X, area.Max.X)
	}
}

func abs(x int) int { return max(x, -x) }

func TestRenderEdgeCases(t *testing.T) {
	base := lambdaErrors()
	t.Run("no datapoints", func(t *testing.T) {
		in := base
		in.Series = nil
		pic, img := render(t, in)
		if !strings.Contains(pic.Alt, "no datapoints from 09:50 to 10:50 UTC") {
			t.Errorf("alt %q", pic.Alt)
		}
		expectNear(t, img, pic.At(at(10, 21), 2), markerInk, "a marker without data")
		expectNear(t, img, pic.At(at(10, 0), 5), thresholdInk, "the threshold without data")
		expectNot(t, img, pic.At(at(10, 0), 1), seriesInk, "no series")
	})
	t.Run("single point", func(t *testing.T) {
		in := base
		in.Series = []Point{{at(10, 30), 9}}
		pic, img := render(t, in)
		expectNear(t, img, pic.At(at(10, 30), 9), seriesInk, "the lone datapoint")
		if !strings.Contains(pic.Alt, "crossed 5 at 10:30 UTC") {
			t.Errorf("alt %q", pic.Alt)
		}
	})
	t.Run("NaN is a gap", func(t *testing.T) {
		in := base
		in.Changes, in.Alarm, in.Episode = nil, Span{}, Episode{}
		in.Series = []Point{{at(9, 50), 2}, {at(10, 0), 2}, {at(10, 10), math.NaN()}, {at(10, 20), 2}, {at(10, 30), math.Inf(1)}, {at(10, 40), 2}}
		pic, img := render(t, in)
		expectNear(t, img, pic.At(at(9, 55), 2), seriesInk, "between two datapoints")
		expectNot(t, img, pic.At(at(10, 10), 2), seriesInk, "across the NaN")
		expectNot(t, img, pic.At(at(10, 30), 2), seriesInk, "across the infinity")
		expectNear(t, img, pic.At(at(10, 40), 2), seriesInk, "a point after a gap")
	})
	t.Run("markers outside the window", func(t *testing.T) {
		in := base
		in.Changes = []Change{{N: 1, Time: at(9, 10), Label: "early"}, {N: 2, Time: at(11, 30), Label: "late"}}
		pic, img := render(t, in)
		area := pic.DataArea()
		for x := area.Min.X + 1; x < area.Max.X; x++ {
			if similar(img.At(x, area.Min.Y+area.Dy()/2), markerInk) {
				t.Fatalf("a marker line at x %d for changes outside the window", x)
			}
		}
		expectNear(t, img, image.Point{area.Min.X + 4, area.Min.Y + 12}, markerInk, "badge pinned left")
		expectNear(t, img, image.Point{area.Max.X - 4, area.Min.Y + 12}, markerInk, "badge pinned right")
		if !strings.Contains(pic.Alt, "early at 09:10, 1 h 15 min before (before the window)") ||
			!strings.Contains(pic.Alt, "late at 11:30, 1 h 5 min after (after the window)") {
			t.Errorf("alt %q", pic.Alt)
		}
	})
	t.Run("very large values", func(t *testing.T) {
		in := base
		in.Changes, in.Episode = nil, Episode{}
		in.Threshold = 3e12
		in.Series = []Point{{at(10, 0), 1e12}, {at(10, 10), 5e12}, {at(10, 20), math.Inf(1)}, {at(10, 30), 2e12}}
		pic, img := render(t, in)
		expectNear(t, img, pic.At(at(10, 40), 3e12), thresholdInk, "threshold of 3T")
		if !strings.Contains(pic.Alt, "crossed 3T at 10:10 UTC (highest 5T at 10:10)") {
			t.Errorf("alt %q", pic.Alt)
		}
		// Beyond what any metric reaches, values are clamped, not overflowed.
		in.Series = append(in.Series, Point{at(10, 40), math.MaxFloat64}, Point{at(10, 45), -math.MaxFloat64})
		pic, img = render(t, in)
		expectNear(t, img, pic.At(at(10, 40), 1e300), seriesInk, "a clamped extreme")
	})
	t.Run("10k points", func(t *testing.T) {
		in := base
		in.Series = nil
		for i := range 10_000 {
			in.Series = append(in.Series, Point{at(9, 50).Add(time.Duration(i) * 360 * time.Millisecond), float64(i % 10)})
		}
		start := time.Now()
		render(t, in)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("10k points took %v", d)
		}
	})
	t.Run("no window, fitted", func(t *testing.T) {
		in := base
		in.Window = Span{}
		pic, img := render(t, in)
		expectNear(t, img, pic.At(at(10, 21), 8), markerInk, "marker in a fitted window")
	})
	t.Run("empty", func(t *testing.T) {
		if _, err := Render(Input{}); err == nil {
			t.Error("an input with nothing to place in time rendered")
		}
	})
}

func TestAltTextGolden(t *testing.T) {
	var b strings.Builder
	for _, s := range []struct {
		name string
		in   Input
	}{{"lambda-errors", lambdaErrors()}, {"latency-math", latencyMath()}, {"healthy-hosts", healthyHosts()}} {
		pic, err := Render(s.in)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s:\n%s\n\n", s.name, pic.Alt)
	}
	path := filepath.Join("testdata", "alt.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("alt texts differ from %s (-update rewrites it):\n%s", path, b.String())
	}
}

func TestTimeTicksAreRoundWallClock(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	cases := []struct {
		win  Span
		loc  *time.Location
		want []string
	}{
		{Span{at(9, 53), at(10, 47)}, time.UTC, []string{"10:00", "10:10", "10:20", "10:30", "10:40"}},
		{Span{at(9, 53), at(10, 47)}, ist, []string{"15:30", "15:40", "15:50", "16:00", "16:10"}},
		{Span{at(22, 0), at(22, 0).Add(5 * time.Hour)}, time.UTC, []string{"Dec 6 22:00", "Dec 6 23:00", "Dec 7 00:00", "Dec 7 01:00", "Dec 7 02:00", "Dec 7 03:00"}},
		{Span{at(9, 0), at(9, 0).Add(30 * time.Hour)}, time.UTC, []string{"Dec 6 12:00", "Dec 6 18:00", "Dec 7 00:00", "Dec 7 06:00", "Dec 7 12:00"}},
	}
	for _, c := range cases {
		tt := timeTicks{loc: c.loc, layout: clockLayout(c.win, c.loc)}
		var got []string
		for _, tick := range tt.Ticks(unixSeconds(c.win.Start), unixSeconds(c.win.End)) {
			got = append(got, tick.Label)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%v in %v: ticks %q, want %q", c.win, c.loc, got, c.want)
		}
	}
}

func TestHelpers(t *testing.T) {
	if got := SeriesLabel("Errors", "Sum", 60); got != "Errors (Sum per 1 min)" {
		t.Errorf("SeriesLabel %q", got)
	}
	if got := SeriesLabel("Latency", "p99", 10); got != "Latency (p99 per 10 s)" {
		t.Errorf("SeriesLabel %q", got)
	}
	if got := AlarmPeriod(at(10, 31), 3, time.Minute, at(10, 50)); got != (Span{at(10, 28), at(10, 50)}) {
		t.Errorf("AlarmPeriod %v", got)
	}
	for v, want := range map[float64]string{0: "0", 5: "5", 0.25: "0.25", 1500: "1.5k", 2_124_000: "2.124M", 3e12: "3T", -42: "-42", 1e300: "1e+300"} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%g) = %q, want %q", v, got, want)
		}
	}
}
