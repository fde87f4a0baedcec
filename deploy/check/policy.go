package check

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Policy is an IAM policy document.
type Policy struct {
	Version   string
	Id        string `json:",omitempty"`
	Statement []Statement
}

// Statement is one statement of a policy. Principal and Resource stay
// generic: in a template they may hold intrinsic functions.
type Statement struct {
	Sid       string `json:",omitempty"`
	Effect    string
	Principal any `json:",omitempty"`
	Action    any
	Resource  any `json:",omitempty"`
	Condition any `json:",omitempty"`
}

// ParsePolicy decodes a policy document, rejecting unknown keys (a misspelt
// "Actions" would otherwise grant nothing without a word).
func ParsePolicy(b []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return &p, nil
}

// PolicyFromValue decodes a policy document found inside a template.
func PolicyFromValue(v any) (*Policy, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return ParsePolicy(b)
}

// Actions is the statement's actions, sorted.
func (s Statement) Actions() []string {
	out := asStrings(s.Action)
	slices.Sort(out)
	return out
}

// Resources is the statement's literal resources; intrinsic functions are
// left out.
func (s Statement) Resources() []string { return asStrings(s.Resource) }

// MatchesARN tells whether an IAM resource pattern (with * and ?) covers arn.
func MatchesARN(pattern, arn string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(arn)
}
