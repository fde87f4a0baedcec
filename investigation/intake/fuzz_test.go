package intake

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// seedFiles adds every golden input whose name passes keep to the corpus.
func seedFiles(f *testing.F, keep func(path string) bool, add func(data []byte)) {
	f.Helper()
	for _, in := range goldenInputs {
		err := filepath.WalkDir(in.dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isNotification(path) || !keep(path) {
				return err
			}
			data, err := os.ReadFile(path)
			if err == nil {
				add(data)
			}
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
	}
}

// checkAlarm holds every alarm Parse returns to what the package promises.
func checkAlarm(t *testing.T, a investigation.Alarm) {
	t.Helper()
	switch {
	case a.Name == "":
		t.Fatal("alarm without a name")
	case !regionCode.MatchString(a.Region):
		t.Fatalf("alarm region %q is not a region code", a.Region)
	case a.Account != "" && !accountID.MatchString(a.Account):
		t.Fatalf("alarm account %q is not a 12-digit id", a.Account)
	case a.State != investigation.StateAlarm && a.State != investigation.StateOK && a.State != investigation.StateInsufficientData:
		t.Fatalf("alarm state %q", a.State)
	case a.StateChangeTime.IsZero() || a.StateChangeTime.Location() != time.UTC:
		t.Fatalf("state change time %v is zero or not UTC", a.StateChangeTime)
	case a.Delivery == "":
		t.Fatal("alarm without a delivery")
	case len(a.Metrics) == 0 && a.AlarmRule == "":
		t.Fatal("alarm with neither metrics nor a rule")
	}
	if a.ARN != "" {
		parsed, err := parseAlarmARN(a.ARN)
		if err != nil || parsed.Region != a.Region {
			t.Fatalf("ARN %q does not give region %q: %v", a.ARN, a.Region, err)
		}
	}
}

func checkOutcome(t *testing.T, a investigation.Alarm, err error) {
	t.Helper()
	if err == nil {
		checkAlarm(t, a)
		return
	}
	if err.Error() == "" {
		t.Fatal("empty error message")
	}
	if a.Name != "" || a.Delivery != "" {
		t.Fatalf("error %q came with a partly filled alarm", err)
	}
	var incomplete *IncompleteError
	if errors.As(err, &incomplete) && (incomplete.Ref.Name == "" || !regionCode.MatchString(incomplete.Ref.Region)) {
		t.Fatalf("incomplete notification with an unusable Ref %+v", incomplete.Ref)
	}
}

func FuzzParse(f *testing.F) {
	seedFiles(f, func(string) bool { return true }, func(data []byte) { f.Add(data) })
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse(data)
		checkOutcome(t, a, err)
	})
}

func FuzzParseEmail(f *testing.F) {
	seedFiles(f, func(path string) bool { return strings.HasPrefix(filepath.Base(path), "email-") },
		func(data []byte) { f.Add(string(data)) })
	f.Fuzz(func(t *testing.T, text string) {
		a, err := parseEmail(plainText(text))
		checkOutcome(t, a, err)
		if err == nil && a.Delivery != investigation.DeliveryEmail {
			t.Fatalf("e-mail parsed with delivery %q", a.Delivery)
		}
	})
}

func FuzzParseChatbot(f *testing.F) {
	seedFiles(f, func(path string) bool { return strings.HasSuffix(path, ".txt") },
		func(data []byte) { f.Add(string(data)) })
	f.Fuzz(func(t *testing.T, text string) {
		ref, err := ParseChatbot(text)
		if err != nil {
			return
		}
		switch {
		case strings.TrimSpace(ref.Name) == "":
			t.Fatalf("Ref without a name: %+v", ref)
		case !regionCode.MatchString(ref.Region):
			t.Fatalf("Ref region %q is not a region code", ref.Region)
		case ref.Account != "" && !accountID.MatchString(ref.Account):
			t.Fatalf("Ref account %q", ref.Account)
		}
	})
}

// BenchmarkParseLargeInputs feeds Parse near-limit inputs built to stress each
// text pass (continuation lines, dimension lists, links, flattened e-mails):
// every one must stay linear in its size.
func BenchmarkParseLargeInputs(b *testing.B) {
	n := MaxPayloadBytes - 1024
	inputs := map[string]string{
		"continuations": "Alarm Details:\n- Reason for State Change: a\n" + strings.Repeat("b\n", n/2),
		"flattened":     "Alarm Details: " + strings.Repeat(" - Name: x", n/10),
		"dimensions":    emailWith("- Dimensions: [a = " + strings.Repeat("b,", n/2-1000) + "]"),
		"links":         strings.Repeat("<https://a.example|b>", n/21),
		"console links": strings.Repeat("https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/x ", n/90),
		"records":       `{"Records":[` + strings.Repeat(`{"EventSource":"aws:sns","Sns":{"Message":"{}"}},`, n/52) + `{}]}`,
	}
	for name, in := range inputs {
		data := []byte(in)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				_, _ = Parse(data)
			}
		})
	}
}
