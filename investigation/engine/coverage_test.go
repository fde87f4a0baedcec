package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func TestCoverageGaps(t *testing.T) {
	symptom := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	all := investigation.TrailConfig{Name: "org", HomeRegion: "us-east-1", MultiRegion: true, Logging: true, ManagementEvents: true,
		LatestDelivery: symptom.Add(-5 * time.Minute)}
	single := all
	single.MultiRegion = false
	stopped := all
	stopped.Logging, stopped.StoppedLogging = false, symptom.Add(-48*time.Hour)
	stalled := all
	stalled.LatestDelivery = symptom.Add(-3 * DeliveryStalled)
	withData := all
	withData.DataEvents = []investigation.DataEventSelector{{ResourceType: dataS3Object, Values: []string{"arn:aws:s3:::exports/"}}}
	objects := []dataAccess{{resourceType: dataS3Object, arn: "arn:aws:s3:::exports/", why: "4xx"}}
	otherBucket := []dataAccess{{resourceType: dataS3Object, arn: "arn:aws:s3:::reports/", why: "4xx"}}
	cases := []struct {
		name   string
		trails []investigation.TrailConfig
		region string
		need   []dataAccess
		want   []investigation.CoverageGapKind
		note   string
	}{
		{"covered", []investigation.TrailConfig{all}, "eu-west-1", nil, nil, ""},
		{"no trail", nil, "eu-west-1", objects, []investigation.CoverageGapKind{investigation.GapNoTrail}, "90-day event history"},
		{"single region elsewhere", []investigation.TrailConfig{single}, "eu-west-1", nil, []investigation.CoverageGapKind{investigation.GapRegionNotCovered}, "single-region, us-east-1"},
		{"single region here", []investigation.TrailConfig{single}, "us-east-1", nil, nil, ""},
		{"stopped", []investigation.TrailConfig{stopped}, "eu-west-1", nil, []investigation.CoverageGapKind{investigation.GapLoggingStopped}, "stopped logging at 2026-04-29T10:00:00Z"},
		{"stopped, another delivering", []investigation.TrailConfig{stopped, all}, "eu-west-1", nil, nil, ""},
		{"logging but not delivering", []investigation.TrailConfig{stalled}, "eu-west-1", nil, []investigation.CoverageGapKind{investigation.GapLoggingStopped}, "last delivered"},
		{"data events off", []investigation.TrailConfig{all}, "eu-west-1", objects, []investigation.CoverageGapKind{investigation.GapDataEventsOff}, "arn:aws:s3:::exports/"},
		{"data events on", []investigation.TrailConfig{withData}, "eu-west-1", objects, nil, ""},
		{"data events on another bucket", []investigation.TrailConfig{withData}, "eu-west-1", otherBucket, []investigation.CoverageGapKind{investigation.GapDataEventsOff}, "reports"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gaps := gapsOf(tc.trails, "111111111111", tc.region, symptom)
			if d := dataEventsGap(tc.trails, "111111111111", tc.region, tc.need); d != nil {
				gaps = append(gaps, *d)
			}
			var kinds []investigation.CoverageGapKind
			for _, g := range gaps {
				kinds = append(kinds, g.Kind)
			}
			if len(kinds) != len(tc.want) || (len(kinds) > 0 && kinds[0] != tc.want[0]) {
				t.Fatalf("gaps %v, want %v", kinds, tc.want)
			}
			if tc.note != "" && !strings.Contains(gaps[0].Note, tc.note) {
				t.Errorf("note %q lacks %q", gaps[0].Note, tc.note)
			}
		})
	}
}

func TestGapsLowerConfidence(t *testing.T) {
	c := &coverage{gaps: []investigation.CoverageGap{{Kind: investigation.GapRegionNotCovered}, {Kind: investigation.GapDataEventsOff}}}
	tr := &triage{coverage: c}
	for _, tc := range []struct{ from, want investigation.Confidence }{
		{investigation.ConfidenceHigh, investigation.ConfidenceLow},
		{investigation.ConfidenceMedium, investigation.ConfidenceLow},
	} {
		g := &group{confidence: tc.from}
		before := tr.lowerConfidence(g)
		if before != tc.from || g.confidence != tc.want {
			t.Errorf("%s lowered to %s (before %s), want %s", tc.from, g.confidence, before, tc.want)
		}
		if s := tr.loweredSentence(before, g.confidence); !strings.Contains(s, "region not covered, data events off") {
			t.Errorf("sentence %q does not name the gaps", s)
		}
	}
	if got := (&triage{}).coverage.steps(); got != 0 {
		t.Errorf("no coverage read takes %d grades off", got)
	}
}

func TestUnrecordedObjectContentLeavesLeadsOnly(t *testing.T) {
	c := &coverage{gaps: []investigation.CoverageGap{{Kind: investigation.GapDataEventsOff}},
		data: []dataAccess{{resourceType: dataS3Object, arn: "arn:aws:s3:::rules/", content: true}}}
	tr := &triage{coverage: c}
	unnamed := &group{confidence: investigation.ConfidenceHigh}
	tr.lowerConfidence(unnamed)
	named := &group{confidence: investigation.ConfidenceHigh, corrobName: true}
	tr.lowerConfidence(named)
	if unnamed.confidence != investigation.ConfidenceLow || named.confidence != investigation.ConfidenceMedium {
		t.Errorf("unnamed %s, named %s; want low and medium", unnamed.confidence, named.confidence)
	}
	c.data[0].content = false // access denied: a policy change explains it
	access := &group{confidence: investigation.ConfidenceHigh}
	tr.lowerConfidence(access)
	if access.confidence != investigation.ConfidenceMedium {
		t.Errorf("access errors: %s, want medium", access.confidence)
	}
}

func TestAttributeIgnoresActionNames(t *testing.T) {
	for n, want := range map[string]bool{"s3:PutObject": true, "kms:*": true, "payroll-archive-345678901234": false, "arn:aws:s3:::b": false} {
		if iamAction.MatchString(n) != want {
			t.Errorf("%s: action %v, want %v", n, !want, want)
		}
	}
}
