package redact

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// leakShapes are secret shapes that must never survive redaction. They are
// written apart from the rules, as a reader would spot a leak.
var leakShapes = map[string]*regexp.Regexp{
	"access key id":   regexp.MustCompile(`\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|APKA|AIPA|ABIA|ACCA|ASCA)[A-Z0-9]{16,17}\b`),
	"session token":   regexp.MustCompile(`(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{16,}`),
	"private key":     regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/]{16,}`),
	"GitHub token":    regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36}\b`),
	"Slack token":     regexp.MustCompile(`\bxox[bpa]-[0-9]+-[0-9A-Za-z-]{8,}`),
	"Stripe key":      regexp.MustCompile(`\bsk_live_[A-Za-z0-9]{16,}`),
	"Google API key":  regexp.MustCompile(`AIza[0-9A-Za-z_-]{35}`),
	"JWT":             regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.`),
	"URL password":    regexp.MustCompile(`\b[a-z]+://[A-Za-z0-9._-]*:([A-Za-z0-9._~-]{3,})@[a-z]`),
	"password=value":  regexp.MustCompile(`(?i)\bpassword=([A-Za-z0-9!._~-]{3,})`),
	"bearer":          regexp.MustCompile(`(?i)\bauthorization: bearer [A-Za-z0-9._~+/-]{16,}`),
	"secret key name": regexp.MustCompile(`(?i)aws_secret_access_key\s*=\s*[A-Za-z0-9/+]{40}`),
}

// leaks names a secret shape found in s, or "".
func leaks(s string) string {
	for name, re := range leakShapes {
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			if len(m) > 1 && strings.HasPrefix(m[1], "redacted") {
				continue
			}
			return name + " " + m[0]
		}
	}
	return ""
}

// leaksJSON looks for a leak in every decoded string of a document and in
// every value under a credential key.
func leaksJSON(v any) string {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if l := leaks(k); l != "" {
				return l
			}
			if s, ok := x.(string); ok && IsCredentialKey(k) && masked(s) != s && !isARN(s) {
				return "value of " + k + ": " + s
			}
			if l := leaksJSON(x); l != "" {
				return l
			}
		}
	case []any:
		for _, x := range t {
			if l := leaksJSON(x); l != "" {
				return l
			}
		}
	case string:
		if l := leaks(t); l != "" {
			return l
		}
		var inner any
		if looksJSON(t) && json.Unmarshal([]byte(t), &inner) == nil {
			return leaksJSON(inner)
		}
	}
	return ""
}

func addSeeds(f *testing.F) {
	f.Add(`{"eventID":"ee73c230-44bc-4492-8542-cfb189eae287","eventTime":"2026-03-19T13:56:41Z","eventName":"DetachRolePolicy","requestParameters":{"password":"x"}}`)
	for _, c := range textShapes {
		f.Add(c.in)
	}
	for _, c := range jsonShapes {
		f.Add(c.in)
	}
	for _, s := range keptText {
		f.Add(s)
	}
	if b, err := os.ReadFile(samplesDir + "/stratus-red-team_detonation-logs/aws.credential-access.secretsmanager-retrieve-secrets.json"); err == nil {
		f.Add(string(b))
	}
}

func FuzzText(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		once := Text(s)
		if twice := Text(once); twice != once {
			t.Fatalf("not idempotent:\n in %q\n 1: %q\n 2: %q", s, once, twice)
		}
		if l := leaks(once); l != "" {
			t.Fatalf("%s survived in %q (from %q)", l, once, s)
		}
	})
}

func FuzzJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		in := []byte(s)
		once := JSON(in)
		if twice := JSON(once); string(twice) != string(once) {
			t.Fatalf("not idempotent:\n in %s\n 1: %s\n 2: %s", in, once, twice)
		}
		if json.Valid(in) && !json.Valid(once) {
			t.Fatalf("valid JSON in, invalid out:\n in %s\nout %s", in, once)
		}
		if !json.Valid(once) {
			// Not JSON (nor made JSON by redaction): redacted as text.
			if l := leaks(string(once)); l != "" {
				t.Fatalf("%s survived in %q", l, once)
			}
			return
		}
		var v any
		if err := json.Unmarshal(once, &v); err != nil {
			t.Fatal(err)
		}
		if l := leaksJSON(v); l != "" {
			t.Fatalf("%s survived:\n in %s\nout %s", l, in, once)
		}
		if k := brokenIdentity(in, v); k != "" {
			t.Fatalf("%s changed:\n in %s\nout %s", k, in, once)
		}
	})
}

// identityShapes are the real shapes of what a person uses to find a
// record in CloudTrail: its id, time and name.
var identityShapes = map[string]*regexp.Regexp{
	"eventID":   regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`),
	"eventTime": regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`),
	"eventName": regexp.MustCompile(`^[A-Z][a-z]+(?:[A-Z0-9][a-z0-9]*){0,40}$`),
}

// brokenIdentity names the member of a record's identity that redaction
// changed, when the input holds it in its real shape.
func brokenIdentity(in []byte, out any) string {
	var orig map[string]any
	if json.Unmarshal(in, &orig) != nil {
		return ""
	}
	red, _ := out.(map[string]any)
	for k, re := range identityShapes {
		if s, ok := orig[k].(string); ok && re.MatchString(s) && red[k] != s {
			return k
		}
	}
	return ""
}
