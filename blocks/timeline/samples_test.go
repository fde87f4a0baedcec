package timeline

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var writePNG = flag.String("write-png", "", "write the sample incidents' pictures to this directory, for a person to look at")

// at is a time on the samples' day, in UTC.
func at(h, m int) time.Time { return time.Date(2026, 12, 6, h, m, 0, 0, time.UTC) }

// lambdaErrors is the demo's first incident: a role policy detached, the
// function's errors climbing ten minutes later.
func lambdaErrors() Input {
	var pts []Point
	for m := 0; m <= 60; m++ {
		t := at(9, 50).Add(time.Duration(m) * time.Minute)
		v := float64(m%3) * 0.5
		if t.After(at(10, 21)) {
			v = math.Min(float64(t.Sub(at(10, 21)).Minutes())*1.6, 14) + float64(m%2)
		}
		pts = append(pts, Point{t, v})
	}
	return Input{
		Title: "orders-api-errors", Series: pts, SeriesLabel: SeriesLabel("Errors", "Sum", 60),
		Threshold: 5, Comparison: "GreaterThanThreshold",
		Alarm: AlarmPeriod(at(10, 28), 3, time.Minute, at(10, 50)),
		Changes: []Change{
			{N: 1, Time: at(10, 21), Label: "Role policy detached from orders-api-exec-role · jonas.weber (console)"},
			{N: 2, Time: at(10, 19), Label: "UpdateFunctionConfiguration on orders-api"},
			{N: 3, Time: at(9, 56), Label: "Security group sg-0a12 ingress rule added"},
		},
		Episode: Episode{Span: Span{at(10, 22), at(10, 45)}, Label: "AccessDenied in /aws/lambda/orders-api"},
		Window:  Span{at(9, 50), at(10, 50)},
	}
}

// latencyMath is a metric-math alarm over a day of 10-second datapoints,
// crossing midnight, in a zone other than UTC.
func latencyMath() Input {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	start := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	var pts []Point
	for i := range 10_000 {
		t := start.Add(time.Duration(i) * 10 * time.Second)
		v := 180_000 + 40_000*math.Sin(float64(i)/900) + float64(i%37)*900
		if i > 8_200 {
			v += 1_900_000
		}
		if i%1500 == 700 {
			v = math.NaN()
		}
		pts = append(pts, Point{t, v})
	}
	cross := start.Add(8_200 * 10 * time.Second)
	return Input{
		Title: "checkout-p99-latency", Series: pts, SeriesLabel: "p99 latency in µs (m1 * 1000)",
		Threshold: 1_000_000, Comparison: "GreaterThanOrEqualToThreshold",
		Alarm: AlarmPeriod(cross.Add(5*time.Minute), 5, time.Minute, start.Add(10_000*10*time.Second)),
		Changes: []Change{
			{N: 1, Time: cross.Add(-12 * time.Minute), Label: "RDS parameter group checkout-db-params modified"},
			{N: 2, Time: cross.Add(-9 * time.Minute), Label: "ECS service checkout updated"},
			{N: 3, Time: start.Add(-3 * time.Hour), Label: "Load balancer listener rule changed"},
		},
		Episode:  Episode{Span: Span{cross.Add(2 * time.Minute), cross.Add(4 * time.Hour)}},
		Window:   Span{start, start.Add(10_000 * 10 * time.Second)},
		Location: berlin,
	}
}

// healthyHosts is a less-than alarm on a sparse series with gaps, a change
// after the window and no error episode.
func healthyHosts() Input {
	var pts []Point
	vals := []float64{4, 4, 4, math.NaN(), 4, 3, math.NaN(), math.NaN(), 1, 0, 0, 1, 2}
	for i, v := range vals {
		pts = append(pts, Point{at(14, 0).Add(time.Duration(i) * 5 * time.Minute), v})
	}
	return Input{
		Title: "web-healthy-hosts", Series: pts, SeriesLabel: SeriesLabel("HealthyHostCount", "Minimum", 300),
		Threshold: 2, Comparison: "LessThanThreshold",
		Alarm: AlarmPeriod(at(14, 45), 2, 5*time.Minute, at(15, 5)),
		Changes: []Change{
			{N: 1, Time: at(14, 31), Label: "Target group web-tg health check path changed to /healthz"},
			{N: 2, Time: at(15, 40), Label: "Auto Scaling group web-asg desired capacity set to 6"},
		},
		Window: Span{at(13, 55), at(15, 5)},
	}
}

func TestWriteSamples(t *testing.T) {
	if *writePNG == "" {
		t.Skip("-write-png DIR writes the samples")
	}
	if err := os.MkdirAll(*writePNG, 0o755); err != nil {
		t.Fatal(err)
	}
	samples := map[string]Input{"lambda-errors": lambdaErrors(), "latency-math": latencyMath(), "healthy-hosts": healthyHosts()}
	for name, in := range samples {
		pic, err := Render(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join(*writePNG, name+".png")
		if err := os.WriteFile(path, pic.PNG, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*writePNG, name+".txt"), []byte(pic.Alt+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (%d bytes): %s", path, len(pic.PNG), pic.Alt)
	}
}
