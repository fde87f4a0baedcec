package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

// TestTriagePNG draws the timeline of a scenario through the sandbox
// CloudWatch and checks the file is the picture the output names; a
// composite alarm has no metric, and the report still prints with the reason.
func TestTriagePNG(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.png")
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"triage", "--scenario", "../../testdata/scenarios/001-lambda-role-policy-detached", "--png", path}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 500 {
		t.Errorf("picture is %v, want 1200×500", b)
	}
	for _, want := range []string{"Timeline picture: " + path, "change #1 Role policy detached from checkout-role", "#1 Role policy detached",
		"access denied errors in /aws/lambda/checkout (#1) from 13:56 to 14:06"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	composite := filepath.Join(dir, "c.png")
	if code := run(context.Background(), []string{"triage", "--scenario", "../../testdata/scenarios/021-composite-ingest-kms-key-pending-deletion", "--png", composite}, &out, &errs); code != 0 {
		t.Fatalf("composite: exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "No timeline picture: the alarm has no metric of its own") || !strings.Contains(out.String(), "#1 ") {
		t.Errorf("composite output lacks the report or the reason:\n%s", out.String())
	}
	if _, err := os.Stat(composite); err == nil {
		t.Error("a picture was written for a composite alarm")
	}
}

// TestThresholdFromDescribeAlarms: an EventBridge state change carries no
// threshold; the triage reads it with DescribeAlarms through the sandbox, so
// the report states it and the picture draws the line. When DescribeAlarms is
// refused, the report says why and the picture is drawn without the line.
func TestThresholdFromDescribeAlarms(t *testing.T) {
	sc, err := scenario.Load(filepath.Join(corpus, "002-lambda-policy-new-default-version"))
	if err != nil {
		t.Fatal(err)
	}
	alarm, err := intake.Parse(sc.Alarm)
	if err != nil {
		t.Fatal(err)
	}
	if alarm.Comparison != "" {
		t.Fatalf("the EventBridge notification states comparison %q: the test needs one that does not", alarm.Comparison)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, denied := range []bool{false, true} {
		t.Run(fmt.Sprintf("denied=%v", denied), func(t *testing.T) {
			run, err := startSandboxRun(ctx, sc, sandboxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Close()
			if denied {
				run.server.Emulator().SetFault("cloudwatch:DescribeAlarms", awsapi.Fault{ErrorCode: "AccessDenied", Status: 403})
			}
			rep, err := run.triage(ctx, sc, alarm, nil)
			if err != nil {
				t.Fatalf("triage: %v", err)
			}
			var text bytes.Buffer
			writeReportText(&text, rep)
			pic, err := drawTimeline(ctx, run.aws.Metrics, alarm, rep, sc.Meta.Now)
			if err != nil {
				t.Fatalf("picture: %v", err)
			}
			img, err := png.Decode(bytes.NewReader(pic.PNG))
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(rep.Notes, "\n")
			// Where the threshold line would be, away from the series and markers.
			probe := pic.At(rep.Window.Start.Add(5*time.Minute), 2)
			red := hasColorNear(img, probe, thresholdRed, 1)
			if !denied {
				if rep.Alarm.Comparison != "GreaterThanThreshold" || rep.Alarm.Threshold != 2 {
					t.Errorf("report's alarm %+v, want the threshold > 2 DescribeAlarms returns", rep.Alarm)
				}
				if !strings.Contains(text.String(), "threshold > 2") || !strings.Contains(pic.Alt, "crossed 2 at") || !red {
					t.Errorf("threshold not stated (%v) or not drawn (red at %v: %v); alt %q\n%s", strings.Contains(text.String(), "threshold > 2"), probe, red, pic.Alt, text.String())
				}
				// The error episode that corroborates #1 is a band along the
				// bottom of the data area, from its first error line to its last.
				e := rep.Candidates[0].Errors
				if e == nil {
					t.Fatal("cause #1 carries no error episode")
				}
				for _, at := range []time.Time{e.First.Add(30 * time.Second), e.First.Add(e.Last.Sub(e.First) / 2), e.Last.Add(-30 * time.Second)} {
					pt := pic.At(at, 0)
					pt.Y -= 4 // inside the band, above the axis
					if !hasColorNear(img, pt, episodeAmber, 1) {
						t.Errorf("no error band at %s (%v)", at.Format("15:04:05"), pt)
					}
				}
				before := pic.At(e.First.Add(-3*time.Minute), 0)
				before.Y -= 4
				if hasColorNear(img, before, episodeAmber, 1) {
					t.Errorf("error band drawn 3 min before the first error line (%v)", before)
				}
				return
			}
			if rep.Alarm.Comparison != "" || strings.Contains(text.String(), "threshold >") || red || strings.Contains(pic.Alt, "crossed") {
				t.Errorf("a threshold was stated or drawn though DescribeAlarms was refused (red %v); alt %q", red, pic.Alt)
			}
			if !strings.Contains(notes, "threshold of invoice-render-errors not read") || !strings.Contains(notes, "DescribeAlarms") {
				t.Errorf("the notes do not say why the threshold is missing:\n%s", notes)
			}
			if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != sc.Expect.Cause[0] {
				t.Errorf("the refused read changed the ranking: %+v", rep.Candidates)
			}
		})
	}
}

// The threshold line's and the error band's colours in blocks/timeline.
var (
	thresholdRed = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	episodeAmber = color.RGBA{R: 0xf2, G: 0xa5, B: 0x3a, A: 0xff}
)

func hasColorNear(img image.Image, pt image.Point, want color.Color, r int) bool {
	wr, wg, wb, _ := want.RGBA()
	near := func(a, b uint32) bool { return max(a, b)-min(a, b) <= 14<<8 }
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			cr, cg, cb, _ := img.At(pt.X+dx, pt.Y+dy).RGBA()
			if near(cr, wr) && near(cg, wg) && near(cb, wb) {
				return true
			}
		}
	}
	return false
}
