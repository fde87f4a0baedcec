package blocks

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// stormFixture is a storm of n alarms: most share one revoked security
// group rule, every seventh has a cause of its own, the last few are still
// running, and the first came with a hostile name.
func stormFixture(n int) StormDigest {
	shared := StormCause{Key: "ev-revoke", Headline: "Security group rule revoked from sg-0a1b2c3d", At: symptom.Add(-8 * time.Minute), Confidence: investigation.ConfidenceHigh}
	d := StormDigest{Started: started, Active: true}
	for i := range n {
		a := StormAlarm{Name: fmt.Sprintf("orders-api-%03d-5xx", i), Channel: "C0ALERTS", ThreadTS: fmt.Sprintf("1773928%03d.000100", i), State: StormReported, Refires: i % 4}
		switch {
		case i == 0:
			a.Name = ping + " " + evil + " | pipe"
			a.Cause = &shared
		case i >= n-2:
			a.State = StormTriaging
		case i == n-3:
			a.State = StormWaiting
		case i%7 == 3:
			a.Cause = &StormCause{Key: fmt.Sprintf("ev-own-%d", i), Headline: "Function configuration updated on checkout-" + fmt.Sprint(i), At: symptom.Add(-3 * time.Minute), Confidence: investigation.ConfidenceMedium}
		case i%11 == 5:
			a.Cause = nil // no change stood out
		default:
			a.Cause = &shared
		}
		d.Alarms = append(d.Alarms, a)
	}
	// Two alarms share a second cause.
	if n > 9 {
		second := StormCause{Key: "ev-kms", Headline: "Key disabled on orders-key", At: symptom.Add(-20 * time.Minute), Confidence: investigation.ConfidenceMedium}
		d.Alarms[8].Cause, d.Alarms[9].Cause = &second, &second
	}
	return d
}

func TestStormDigestRanksSharedCauses(t *testing.T) {
	d := stormFixture(41)
	m := Storm(d)
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
	text := messageText(t, m)
	shared := 0
	for _, a := range d.Alarms {
		if a.Cause != nil && a.Cause.Key == "ev-revoke" {
			shared++
		}
	}
	want := fmt.Sprintf("41 alarms, %d share one cause:* Security group rule revoked from sg-0a1b2c3d", shared)
	if !strings.Contains(text, want) {
		t.Errorf("digest does not lead with %q:\n%s", want, text)
	}
	if !strings.Contains(text, "*B* · 2 alarms · Key disabled on orders-key") {
		t.Errorf("second shared cause not ranked B:\n%s", text)
	}
	for _, a := range d.Alarms[1:] {
		if !strings.Contains(text, "|"+a.Name+">") {
			t.Errorf("alarm %s has no linked line", a.Name)
		}
	}
	if strings.Contains(text, "…and") {
		t.Error("41 alarms summarised")
	}
}

func TestStormDigestSummarisesPastTheLimits(t *testing.T) {
	m := Storm(stormFixture(400))
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
	if len(m.Blocks) > MaxBlocks {
		t.Fatalf("%d blocks", len(m.Blocks))
	}
	text := messageText(t, m)
	if !strings.Contains(text, "more alarms, each in its own thread") || !strings.Contains(text, "🌩️ Alarm storm: 400 alarms") {
		t.Errorf("a 400-alarm digest does not say how many more:\n%.500s", text)
	}
}

// messageText is every text of m, for searching.
func messageText(t *testing.T, m Message) string {
	t.Helper()
	payload, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(payload), `\n`, "\n")
}
