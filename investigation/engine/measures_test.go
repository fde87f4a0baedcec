package engine

import (
	"regexp"
	"testing"
)

// The expressions maskMeasures stands for, the reference of its output.
var (
	referenceMeasuredNumber = regexp.MustCompile(`(?i)((?:duration|elapsed\w*|latency|took|memory used|age|bytes|size|count|records|ms|millis\w*|seconds|time\w*)["']?\s*[:=]?\s*)\d+`)
	referenceNumberParts    = regexp.MustCompile(`\d+(?:[.:,]\d+)+|\d+\s?(?:ms|s|sec|MB|KB|GB|bytes)\b`)
)

func referenceMaskMeasures(msg string) string {
	msg = referenceMeasuredNumber.ReplaceAllString(msg, "${1}#")
	return referenceNumberParts.ReplaceAllString(msg, "#")
}

func TestMaskMeasures(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"HTTP 404 returned", "HTTP 404 returned"},
		{`{"elapsedMs":404,"status":500}`, `{"elapsedMs":#,"status":500}`},
		{"at 10:21:42.503 status 503", "at # status 503"},
		{"duration = 503", "duration = #"},
		{`took "  : 12`, `took "  : 12`},
		{`took"  : 12`, `took"  : #`},
		{"time123", "time12#"},
		{"timeout5x after 30ms", "timeout#x after #"},
		{"Usage: 401", "Usage: #"},
		{"items5", "items#"},
		{"MEMORY USED: 128 MB", "MEMORY USED: # MB"},
		{"size 12 MB", "size # MB"},
		{"got 12 MB", "got #"},
		{"got 12 MBx", "got 12 MBx"},
		{"wait 3 secs 4 sec", "wait 3 secs #"},
		{"1,2 and 3. and 4:x", "# and 3. and 4:x"},
		{"500\tbytes", "#"},
		{"too\u212a 502", "too\u212a #"},
		{"\u017fize=404", "\u017fize=#"},
		{"elapsed\u017f\u212a9", "elapsed\u017f\u212a#"},
		{"ms\xc5", "ms\xc5"},
		{"SECONDS:\n 7", "SECONDS:\n #"},
	}
	for _, tt := range tests {
		if got := maskMeasures(tt.in); got != tt.want {
			t.Errorf("maskMeasures(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if ref := referenceMaskMeasures(tt.in); ref != tt.want {
			t.Errorf("reference(%q) = %q, want %q", tt.in, ref, tt.want)
		}
	}
}

// Every corpus log line is masked as the expressions mask it.
func TestMaskMeasuresMatchesExpressions(t *testing.T) {
	lines := append(corpusLogLines(t), classifyProbes...)
	changed := 0
	for _, l := range lines {
		want := referenceMaskMeasures(l)
		if got := maskMeasures(l); got != want {
			t.Errorf("maskMeasures(%q) = %q, want %q", l, got, want)
		}
		if want != l {
			changed++
		}
	}
	// The corpus must exercise the masking, not only lines it leaves alone.
	if changed < 100 {
		t.Errorf("only %d of %d corpus lines carry a measure", changed, len(lines))
	}
}

func FuzzMaskMeasures(f *testing.F) {
	for _, l := range []string{"elapsedMs: 404", "10:21:42.503", "12 MB", "time123", "too\u212a 5", "\u017fize 3"} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, l string) {
		if got, want := maskMeasures(l), referenceMaskMeasures(l); got != want {
			t.Errorf("maskMeasures(%q) = %q, want %q", l, got, want)
		}
	})
}
