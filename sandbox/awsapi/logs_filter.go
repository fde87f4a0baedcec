package awsapi

import (
	"regexp"
	"strings"
	"unicode"
)

// compileFilterPattern turns a filter pattern into a matcher. It supports what
// unstructured logs use: terms (all required), ?terms (any of them), -terms
// (none of them), "quoted phrases" in each, and a standalone %regex%. Like
// the real service, matching is case-sensitive and a term matches whole
// words: "Exception" does not match inside "NullPointerException".
// JSON ({ $.x = … }) and space-delimited ([a, b]) patterns are refused with
// an explicit message rather than misread.
func compileFilterPattern(pattern string) (func(string) bool, *apiError) {
	p := strings.TrimSpace(pattern)
	switch {
	case p == "":
		return func(string) bool { return true }, nil
	case strings.HasPrefix(p, "{") || strings.HasPrefix(p, "["):
		return nil, clientError("InvalidParameterException", "the sandbox does not evaluate JSON or space-delimited filter patterns: %q", pattern)
	case len(p) >= 2 && strings.HasPrefix(p, "%") && strings.HasSuffix(p, "%"):
		return compileFilterRegex(p[1 : len(p)-1])
	}
	var all, anyOf, none []func(string) bool
	for _, t := range splitFilterTerms(p) {
		kind := byte(0)
		if t[0] == '?' || t[0] == '-' {
			kind, t = t[0], t[1:]
		}
		t = strings.Trim(t, `"`)
		if t == "" {
			return nil, clientError("InvalidParameterException", "invalid filter pattern %q: empty term", pattern)
		}
		m := termMatcher(t)
		switch kind {
		case '?':
			anyOf = append(anyOf, m)
		case '-':
			none = append(none, m)
		default:
			all = append(all, m)
		}
	}
	return func(msg string) bool {
		for _, m := range all {
			if !m(msg) {
				return false
			}
		}
		for _, m := range none {
			if m(msg) {
				return false
			}
		}
		if len(anyOf) == 0 {
			return true
		}
		for _, m := range anyOf {
			if m(msg) {
				return true
			}
		}
		return false
	}, nil
}

// splitFilterTerms splits on blanks outside double quotes.
func splitFilterTerms(p string) []string {
	var terms []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case unicode.IsSpace(r) && !quoted:
			if cur.Len() > 0 {
				terms = append(terms, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		terms = append(terms, cur.String())
	}
	return terms
}

// termMatcher matches term where it is not glued to other letters or digits.
func termMatcher(term string) func(string) bool {
	return func(msg string) bool {
		for from := 0; ; {
			i := strings.Index(msg[from:], term)
			if i < 0 {
				return false
			}
			start, end := from+i, from+i+len(term)
			if !wordChar(msg, start-1) && !wordChar(msg, end) {
				return true
			}
			from = start + 1
		}
	}
}

func wordChar(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// filterRegexChars is what CloudWatch Logs accepts inside %regex%: letters,
// digits, a few symbols and the operators; parentheses and blanks are refused.
const filterRegexChars = `_#=@/;,-^$?[]{}|\*+.:`

func compileFilterRegex(expr string) (func(string) bool, *apiError) {
	for _, r := range expr {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(filterRegexChars, r)) {
			return nil, clientError("InvalidParameterException", "invalid character %q in filter pattern regex %%%s%%", r, expr)
		}
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, clientError("InvalidParameterException", "invalid filter pattern regex %%%s%%: %v", expr, err)
	}
	return re.MatchString, nil
}
