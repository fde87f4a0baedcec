package redact

import (
	"strings"
	"testing"
	"time"
)

// TestCraftedInputStaysLinear feeds 100 KB of repeated anchors and deep
// nesting: each rule tries a run of token characters once and the JSON
// walker looks ahead only to a bounded depth, so none of these may take
// long (the bound is loose: CI machines are shared).
func TestCraftedInputStaysLinear(t *testing.T) {
	n := 100000
	cases := map[string]string{
		"eyJ":       strings.Repeat("eyJ", n/3),
		"eyJdot":    strings.Repeat("eyJabcdefgh.", n/12),
		"key=":      strings.Repeat("key=", n/4),
		"keyq":      strings.Repeat(`key="`, n/5),
		"url":       strings.Repeat("a://b:c@", n/8),
		"url2":      strings.Repeat("a://", n/4),
		"AKIA":      strings.Repeat("AKIA", n/4),
		"AKIAsp":    strings.Repeat("AKIAIOSFODNN7EXAMPLE ", n/21),
		"pem":       strings.Repeat("-----BEGIN PRIVATE KEY-----", n/27),
		"pembody":   "-----BEGIN PRIVATE KEY-----" + strings.Repeat("ab-c", n/4),
		"bearer":    strings.Repeat("bearer ", n/7),
		"auth":      strings.Repeat("authorization: ", n/15),
		"sess":      strings.Repeat("IQoJb3JpZ2lu", n/12),
		"gh":        strings.Repeat("ghp_", n/4),
		"xox":       strings.Repeat("xoxb-", n/5),
		"deepjson":  strings.Repeat(`[{"environment":`, 5000) + `1` + strings.Repeat(`}]`, 5000),
		"deepjson2": strings.Repeat(`{"a":[`, 5000) + `1` + strings.Repeat(`]}`, 5000),
		"deepenv":   strings.Repeat(`{"environment":{"environment":`, 3000) + `1` + strings.Repeat(`}}`, 3000),
		"jsonstr":   `"` + strings.Repeat(`\"`, n/2) + `"`,
	}
	for name, s := range cases {
		st := time.Now()
		JSON([]byte(s))
		Text(s)
		if d := time.Since(st); d > 2*time.Second {
			t.Errorf("%s: %v for %d bytes", name, d, len(s))
		}
	}
}
