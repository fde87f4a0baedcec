package redact

import (
	"encoding/json"
	"strings"
)

// JSON quoted in text: an environment list or map after its name
// ("environment=[{…}]", "\"Environment\": {\"Variables\": …}") and a
// name/value pair ({"name":"DB_PASSWORD","value":"…"}) that a report line
// or a log message carries. The text rules read one name and one value at
// a time and cannot tell an environment's values from other strings; the
// JSON walker can, so the fragment is handed to it.

// walkFragment is the JSON walker, counting nothing. It is set in init:
// the walker reads text, whose rules include these, and a variable set
// there breaks what would otherwise be an initialization cycle.
var walkFragment func(b []byte, c ctx) []byte

func init() { walkFragment = (*Redactor)(nil).json }

// maxEmbeddedJSON bounds the fragment the text rules hand to the walker:
// an environment a line quotes is short, and the bound keeps crafted text
// (thousands of nested "environment": [ …) linear.
const maxEmbeddedJSON = 8 << 10

// maxFragmentMisses bounds the fragments that fail to parse in one text,
// for the same reason.
const maxFragmentMisses = 64

// maxEmbeddedPair bounds one name/value pair.
const maxEmbeddedPair = 2 << 10

// envFragment matches an environment's name at at, its separator and the
// JSON value after it. Groups: the value.
func envFragment(s, _ string, at int) []int {
	i := at
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	var buf [maxKey]byte
	nk := normKey(buf[:0], s[at:i])
	i = skipQuote(s, i)
	i = skipBlanks(s, i)
	if i == len(s) || s[i] != ':' && s[i] != '=' {
		return nil
	}
	v := skipBlanks(s, i+1)
	if v == len(s) || envKind(nk, s[v], envNone) == envNone {
		return nil
	}
	end := jsonEnd(s, v, maxEmbeddedJSON)
	if end < 0 {
		return nil
	}
	return []int{at, end, v, end}
}

// hideEnvironment walks the value of an envFragment match as that
// environment. The walk counts nothing: apply counts the match.
func hideEnvironment(s string, m []int) (int, string, Kind, bool) {
	i := m[0]
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	var buf [maxKey]byte
	e := envKind(normKey(buf[:0], s[m[0]:i]), s[m[2]], envNone)
	walked := walkFragment([]byte(s[m[2]:m[3]]), ctx{mode: env, env: e})
	return m[1], s[m[0]:m[2]] + string(walked), Environment, true
}

// pairFragment matches an object at at whose first member is a pair's
// name or value ({"name": …, "value": …}).
func pairFragment(s, _ string, at int) []int {
	i := skipBlanks(s, at+1)
	if i == len(s) || s[i] != '"' {
		return nil
	}
	k := strings.IndexByte(s[i+1:], '"')
	if k < 0 || k > maxKey {
		return nil
	}
	var buf [maxKey]byte
	nk := normKey(buf[:0], s[i+1:i+1+k])
	if !pairNameKeys[string(nk)] && !pairValueKeys[string(nk)] {
		return nil
	}
	end := jsonEnd(s, at, maxEmbeddedPair)
	if end < 0 {
		return nil
	}
	return []int{at, end}
}

// hidePairValue walks a pairFragment match as the walker walks an array's
// element: the value goes when the name is a credential's.
func hidePairValue(s string, m []int) (int, string, Kind, bool) {
	walked := walkFragment([]byte(s[m[0]:m[1]]), ctx{elem: true})
	return m[1], string(walked), Environment, true
}

// jsonEnd is the end of the JSON value that starts at start, or -1 when
// no valid value starts there within limit bytes.
func jsonEnd(s string, start, limit int) int {
	win := s[start:]
	if len(win) > limit {
		win = win[:limit]
	}
	dec := json.NewDecoder(strings.NewReader(win))
	var raw json.RawMessage
	if dec.Decode(&raw) != nil {
		return -1
	}
	return start + int(dec.InputOffset())
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
