package engine

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// referenceClassify is the classification as the patterns alone define it:
// each whole expression run on the line, in order.
var (
	referencePlatform = regexp.MustCompile(lambdaPlatformLine)
	referenceDeploy   = regexp.MustCompile(deployMarker)
	referenceErrors   = func() []*regexp.Regexp {
		var out []*regexp.Regexp
		for _, p := range errorPatterns {
			out = append(out, regexp.MustCompile(p.expr))
		}
		return out
	}()
)

func referenceClassify(msg string) (investigation.ErrorKind, bool) {
	if referencePlatform.MatchString(msg) {
		return "", false
	}
	if strings.HasPrefix(msg, "REPORT RequestId") {
		switch {
		case strings.Contains(msg, "Status: timeout"):
			return investigation.ErrExhaustion, false
		case strings.Contains(msg, "Status: error"):
			return investigation.ErrApplication, false
		}
		return "", referenceDeploy.MatchString(msg)
	}
	masked := referenceMaskMeasures(msg)
	for i, re := range referenceErrors {
		if re.MatchString(masked) {
			return errorPatterns[i].kind, false
		}
	}
	return "", referenceDeploy.MatchString(msg)
}

// corpusLogLines returns every log line of the scenario corpus.
func corpusLogLines(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("../../testdata/scenarios/*/logs.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus logs: %v", err)
	}
	var lines []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var doc struct {
			Groups []struct {
				Events []struct {
					Message string `json:"message"`
				} `json:"events"`
			} `json:"groups"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for _, g := range doc.Groups {
			for _, e := range g.Events {
				lines = append(lines, e.Message)
			}
		}
	}
	return lines
}

// Lines that probe the edges of the one-pass matcher: case, word
// boundaries, literals split by the case-sensitive branch, and characters
// that case-fold to ASCII letters.
var classifyProbes = []string{
	"", "error", "ERROR: x", "errors=0", "xerror", "Error.", "TERRORS", "an exception occurred",
	"AccessDeniedException", "accessdenied", "KMS.KMSInvalidStateException", "kmsfooexception", "key abc is disabled",
	"DB_URL is not set", "db_url is not set", "DB_URL  is not set", "X_Y missing", "environment variable FOO missing",
	"HTTP 503", "code=5034", "status 500", "429", "a429b", "Unauthorized", "Unauthorizedx", "timeout of 30ms exceeded",
	"timeout of 30 ms exceeded", "\u212aMS key", "s\u017fDisabledException", "\u017flowdown", "Slow\u212aown", "ünicode error",
	"START RequestId: x", "INIT_START Runtime", " START RequestId", "REPORT RequestId: x Status: timeout",
	"REPORT RequestId: x deployed", "deployed v2", "redeployed", "flag checkout turned on", "config reloaded", "git-sha abc",
	"Runtime.ExitError", "RuntimeXExitError", "Gateway Timeout", "Gateway Time-out", "NullPointer", "Handler 'x' missing",
}

// The whole expressions are slow (the reason for the one-pass matcher), so by
// default the test compares every eighth corpus line; -all-log-lines
// compares all of them.
var allLogLines = flag.Bool("all-log-lines", false, "compare the classification of every corpus log line, not a sample")

func TestClassifyMatchesPatterns(t *testing.T) {
	stride := 8
	if *allLogLines {
		stride = 1
	}
	var lines []string
	for i, l := range corpusLogLines(t) {
		if i%stride == 0 {
			lines = append(lines, l)
		}
	}
	lines = append(lines, classifyProbes...)
	kinds := map[investigation.ErrorKind]int{}
	for _, l := range lines {
		wantK, wantD := referenceClassify(l)
		gotK, gotD := classifyLine(l)
		if gotK != wantK || gotD != wantD {
			t.Errorf("line %q: got (%q, %v), want (%q, %v)", l, gotK, gotD, wantK, wantD)
		}
		kinds[gotK]++
	}
	// The corpus must exercise the classifier: most kinds occur.
	if len(kinds) < 8 {
		t.Errorf("corpus lines show only %d kinds: %v", len(kinds), kinds)
	}
}

func FuzzClassifyMatchesPatterns(f *testing.F) {
	for _, p := range classifyProbes {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, l string) {
		wantK, wantD := referenceClassify(l)
		if gotK, gotD := classifyLine(l); gotK != wantK || gotD != wantD {
			t.Errorf("line %q: got (%q, %v), want (%q, %v)", l, gotK, gotD, wantK, wantD)
		}
	})
}

// BenchmarkClassifyLine classifies every log line of the corpus; ns/line is
// the figure to read.
func BenchmarkClassifyLine(b *testing.B) {
	lines := corpusLogLines(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, l := range lines {
			classifyLine(l)
		}
		n += len(lines)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/line")
}

// BenchmarkClassifyLineExpressions is the same work done by running the whole
// expressions on each line, the baseline of BenchmarkClassifyLine.
func BenchmarkClassifyLineExpressions(b *testing.B) {
	lines := corpusLogLines(b)
	n := 0
	for b.Loop() {
		for _, l := range lines {
			referenceClassify(l)
		}
		n += len(lines)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/line")
}
