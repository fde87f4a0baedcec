// Package redact removes credentials from everything Trailhound shows a
// person or sends a model: event JSON, stored artifacts shown back, tool
// outputs, report text, change tables, thread answers and fallback text.
//
// One package does it so that every output hides the same shapes: a
// redactor per renderer drifts, and the issue that led here found the
// event-JSON path missing two thirds of the common ones.
//
// What a person needs to check a claim stays: event ids, times, names and
// sources, regions, ARNs, resource names, request ids and policy documents
// are never shapes a rule matches, and JSON keeps its key order and
// formatting, so a redacted record reads like the original.
//
// The package imports only the standard library, so that every other
// package can use it without an import cycle.
package redact

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// Marker replaces what must not be shown. A known token kind keeps its
// prefix in front of it ("AKIA[redacted]", "xoxb-[redacted]") because the
// kind — a long-lived key or a temporary one, a bot token or a user's — is
// often what a person triaging needs, and the prefix is not secret.
const Marker = "[redacted]"

// Kind names what was removed, for counts in a log line.
type Kind int

// The kinds a Redactor counts.
const (
	AccessKeyID     Kind = iota // AKIA…, ASIA… and the other IAM unique-id prefixes
	SecretAccessKey             // a secret access key, by its name or next to a key id
	SessionToken                // an STS session token, by its name or its own prefix
	Authorization               // an Authorization header's credentials
	URLPassword                 // the password of user:pass@host in a URL
	KeyValue                    // password=, token=, api_key=, secret=, signature= … in text
	CredentialField             // a JSON value under a credential key
	Environment                 // a value of an ECS, Lambda, Batch or CodeBuild environment
	PrivateKey                  // a PEM private key block
	VendorToken                 // GitHub, Slack, Stripe and Google keys, Slack webhook paths
	JWT                         // a JSON Web Token
	numKinds
)

var kindNames = [numKinds]string{
	"access key id", "secret access key", "session token", "authorization",
	"URL password", "key=value secret", "credential field", "environment value",
	"private key", "vendor token", "JWT",
}

func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Redactor redacts like the package functions and counts what it removed,
// so that a caller can log how much a message lost. Its zero value is
// ready; it is safe for concurrent use. A nil *Redactor redacts without
// counting.
type Redactor struct {
	n [numKinds]atomic.Int64
}

// JSON redacts a JSON document: values under credential keys at any depth,
// environment values, credential shapes inside every string, and strings
// that are themselves JSON, redacted the same way and re-encoded. Valid
// input gives valid output with its key order and whitespace kept; input
// that is not JSON is redacted as text.
func JSON(b []byte) []byte { return (*Redactor)(nil).JSON(b) }

// Text redacts free text: report lines, change tables, thread answers,
// fallback text, the model's input. It is idempotent.
func Text(s string) string { return (*Redactor)(nil).Text(s) }

// Field redacts one value shown next to its name, as a table row or a
// "name: value" line: the whole value when the name is a credential's,
// otherwise the credential shapes inside it.
func Field(name, value string) string { return (*Redactor)(nil).Field(name, value) }

// IsCredentialKey reports whether a key or parameter name holds a
// credential (password, secretAccessKey, sessionToken, apiKey, …). Case,
// '-', '_', '.' and spaces are ignored; pagination and idempotency tokens
// (nextToken, clientToken) are not credentials.
func IsCredentialKey(name string) bool {
	var buf [maxKey]byte
	return credentialKey(normKey(buf[:0], name))
}

// Field is the package Field, counting.
func (r *Redactor) Field(name, value string) string {
	if IsCredentialKey(name) {
		return r.mask(value, CredentialField)
	}
	return r.Text(value)
}

// JSON is the package JSON, counting.
func (r *Redactor) JSON(b []byte) []byte {
	return r.json(b, ctx{})
}

// Text is the package Text, counting.
func (r *Redactor) Text(s string) string {
	// One removal can expose a shape another rule declined (a boundary that
	// was a letter is now a bracket), so the rules run until nothing
	// changes; that is what makes Text(Text(s)) == Text(s). Text without a
	// secret costs one pass.
	for range 4 {
		t := r.textOnce(s)
		if t == s {
			return t
		}
		s = t
	}
	return s
}

// Counts returns how many values of each kind were removed so far.
func (r *Redactor) Counts() map[Kind]int64 {
	m := map[Kind]int64{}
	if r == nil {
		return m
	}
	for k := range numKinds {
		if v := r.n[k].Load(); v > 0 {
			m[k] = v
		}
	}
	return m
}

// Total is how many values were removed so far.
func (r *Redactor) Total() int64 {
	var t int64
	if r == nil {
		return 0
	}
	for k := range numKinds {
		t += r.n[k].Load()
	}
	return t
}

// String summarises the counts for a log line: "3 redacted (2 access key
// id, 1 URL password)", or "nothing redacted".
func (r *Redactor) String() string {
	total := r.Total()
	if total == 0 {
		return "nothing redacted"
	}
	var parts []string
	for k := range numKinds {
		if v := r.n[k].Load(); v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", v, k))
		}
	}
	return fmt.Sprintf("%d redacted (%s)", total, strings.Join(parts, ", "))
}

func (r *Redactor) count(k Kind) {
	if r != nil {
		r.n[k].Add(1)
	}
}

// mask hides a whole value known to be a credential. Empty values, values
// already hidden (by us, or by CloudTrail's HIDDEN_DUE_TO_SECURITY_REASONS
// or a run of '*') and ARNs stay: they are not secrets, and an ARN says
// where a secret lives, which a person may need.
func (r *Redactor) mask(v string, k Kind) string {
	if isARN(v) {
		return r.Text(v)
	}
	m := masked(v)
	if m != v {
		r.count(k)
	}
	return m
}

func masked(v string) string {
	if v == "" || v == hiddenByAWS || strings.Trim(v, "*") == "" {
		return v
	}
	for _, p := range tokenPrefixes {
		// The length check keeps a prefix alone (or a short word that
		// happens to start like one) from being read as a token kind.
		if strings.HasPrefix(v, p) && len(v) >= len(p)+len(Marker) {
			return p + Marker
		}
	}
	return Marker
}

// hiddenByAWS is what CloudTrail writes in place of some sensitive values.
const hiddenByAWS = "HIDDEN_DUE_TO_SECURITY_REASONS"

// tokenPrefixes are the token kinds whose prefix a masked value keeps.
var tokenPrefixes = []string{
	"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA", "ABIA", "ACCA", "ASCA",
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
	"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-",
	"sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_", "AIza",
}

func isARN(v string) bool {
	return strings.HasPrefix(v, "arn:aws:") || strings.HasPrefix(v, "arn:aws-")
}
