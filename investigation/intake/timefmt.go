package intake

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// CloudWatch writes "2015-06-03T17:43:27.123+0000" (no colon in the offset);
// EventBridge envelopes and hand-built events use RFC 3339. Go accepts a
// fractional second after the seconds field even when the layout has none, so
// these two layouts cover both with and without a fraction.
var isoLayouts = []string{
	"2006-01-02T15:04:05Z0700",
	time.RFC3339,
}

// spacedColon finds whitespace around the colons of a time. ISO 8601 times
// contain no whitespace at all; AWS samples copied through documentation
// tooling arrive as "2023-08-04T12: 56: 46.138+0000".
var spacedColon = regexp.MustCompile(`\s*:\s*`)

func parseISOTime(s string) (time.Time, error) {
	clean := spacedColon.ReplaceAllString(strings.TrimSpace(s), ":")
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, clean); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not an ISO 8601 timestamp", s)
}

// emailTimeLayout is the CloudWatch e-mail's "Thursday 19 March, 2026 14:00:00 UTC"
// without its zone: the e-mail always writes UTC, and Go would otherwise invent
// a zero offset for an abbreviation it does not know.
const emailTimeLayout = "Monday 2 January, 2006 15:04:05"

func parseEmailTime(s string) (time.Time, error) {
	clean := strings.Join(strings.Fields(s), " ")
	clean = spacedColon.ReplaceAllString(clean, ":")
	bare, ok := strings.CutSuffix(clean, " UTC")
	if !ok {
		return time.Time{}, fmt.Errorf("time %q is not in UTC as CloudWatch e-mails write it", s)
	}
	t, err := time.Parse(emailTimeLayout, bare)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want %q", s, emailTimeLayout+" UTC")
	}
	return t.UTC(), nil
}
