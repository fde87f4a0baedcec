package engine

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// A ruleSet answers "does rule i match this line" for many alternations of
// regular expressions with one pass over the line. Each rule is split into its
// top-level branches; every branch yields literals one of which any match must
// contain, and one multi-pattern automaton finds them all, case-folded, in a
// single scan. A branch that is a bare case-insensitive literal is proven by
// the scan alone; any other branch runs its own small expression only when one
// of its literals was seen. Most log lines contain none, and no expression runs.
//
// The answers are those of the rules' own expressions: the automaton only
// decides which branches cannot match.
type ruleSet struct {
	rules    []*regexp.Regexp // whole rules, for lines the scan cannot judge
	first    []int            // rules[i]'s branches are branches[first[i]:first[i+1]]
	branches []ruleBranch
	ac       literalMatcher
}

type ruleBranch struct {
	re     *regexp.Regexp
	groups []int // literal groups that must all be seen for the branch to match
	exact  bool  // seeing them proves the match
}

// maxLiteralGroups bounds the literal groups of a ruleSet so a scan's hits
// fit a fixed bit set on the stack.
const maxLiteralGroups = 512

type groupHits [maxLiteralGroups / 64]uint64

func (h *groupHits) set(i int)      { h[i>>6] |= 1 << (i & 63) }
func (h *groupHits) has(i int) bool { return h[i>>6]&(1<<(i&63)) != 0 }

// newRuleSet compiles rules; a rule the splitter cannot take apart is a
// programming error in a constant table, caught by the package's tests.
func newRuleSet(exprs ...string) *ruleSet {
	rs := &ruleSet{}
	var lits []boundLit
	var owners []int
	nGroups := 0
	for _, expr := range exprs {
		rs.rules = append(rs.rules, regexp.MustCompile(expr))
		rs.first = append(rs.first, len(rs.branches))
		for _, b := range splitBranches(expr) {
			re, err := syntax.Parse(b, syntax.Perl)
			if err != nil {
				panic(fmt.Sprintf("log rule branch %q: %v", b, err))
			}
			groups, exact := branchRequirement(re.Simplify())
			br := ruleBranch{re: regexp.MustCompile(b), exact: exact}
			for _, g := range groups {
				br.groups = append(br.groups, nGroups)
				for _, l := range g {
					lits = append(lits, l)
					owners = append(owners, nGroups)
				}
				nGroups++
			}
			rs.branches = append(rs.branches, br)
		}
	}
	rs.first = append(rs.first, len(rs.branches))
	if nGroups > maxLiteralGroups {
		panic(fmt.Sprintf("log rules have %d literal groups, more than %d", nGroups, maxLiteralGroups))
	}
	rs.ac = newLiteralMatcher(lits, owners)
	return rs
}

// ruleScan is one line's scan: which branches may match.
type ruleScan struct {
	rs   *ruleSet
	msg  string
	hits groupHits
	// slow is set for lines holding a character that case-folds to an ASCII
	// letter (the Kelvin sign, the long s): the scan folds ASCII only, so
	// such lines are judged by the whole expressions.
	slow bool
	// anyLiteral: some literal of the rules occurs in the line, whether or
	// not the boundaries around it hold.
	anyLiteral bool
}

func (rs *ruleSet) scan(msg string) ruleScan {
	s := ruleScan{rs: rs, msg: msg}
	nonASCII, any := rs.ac.scan(msg, &s.hits)
	s.anyLiteral = any
	s.slow = nonASCII && (strings.Contains(msg, "\u212a") || strings.Contains(msg, "\u017f"))
	return s
}

// match reports whether rule i matches the line.
func (s *ruleScan) match(i int) bool {
	if s.slow {
		return s.rs.rules[i].MatchString(s.msg)
	}
	for b := s.rs.first[i]; b < s.rs.first[i+1]; b++ {
		br := &s.rs.branches[b]
		if !s.seen(br.groups) {
			continue
		}
		if (br.exact && len(br.groups) > 0) || br.re.MatchString(s.msg) {
			return true
		}
	}
	return false
}

func (s *ruleScan) seen(groups []int) bool {
	for _, g := range groups {
		if !s.hits.has(g) {
			return false
		}
	}
	return true
}

// splitBranches splits expr at its top-level "|" and carries flag groups
// such as (?i) set at the top level into the branches after them, so each
// branch alone matches what it matched inside the alternation.
func splitBranches(expr string) []string {
	var out []string
	flags, start, depth, inClass := "", 0, 0, false
	branchFlags := ""
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(expr) && expr[i+1] == '^' {
				i++
			}
			if i+1 < len(expr) && expr[i+1] == ']' {
				i++
			}
		case c == '(':
			if depth == 0 && strings.HasPrefix(expr[i:], "(?") {
				if end := strings.IndexByte(expr[i:], ')'); end > 2 && isFlagGroup(expr[i+2:i+end]) {
					flags += expr[i+2 : i+end]
					i += end
					continue
				}
			}
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, withFlags(branchFlags, expr[start:i]))
			start, branchFlags = i+1, flags
		}
	}
	return append(out, withFlags(branchFlags, expr[start:]))
}

func isFlagGroup(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("imsU", c) {
			if c == '-' {
				panic("log rules: negated flag groups are not supported")
			}
			return false
		}
	}
	return s != ""
}

func withFlags(flags, branch string) string {
	if flags == "" {
		return branch
	}
	return "(?" + flags + ")" + branch
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 0x80 {
			panic(fmt.Sprintf("log rules: literal %q is not ASCII", s))
		}
		b[i] = asciiLower(c)
	}
	return string(b)
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func hasASCIILetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := asciiLower(s[i]); 'a' <= c && c <= 'z' {
			return true
		}
	}
	return false
}
