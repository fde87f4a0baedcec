package engine

import (
	"regexp/syntax"
	"slices"
)

// A litGroup is a set of literals one of which every match of an expression
// contains; a branch's requirement is a conjunction of such groups.
type litGroup []boundLit

// boundLit is a lowercase literal; wordBefore/wordAfter ask the scan to check
// a \b at its start or end, atStart a ^ before it, as the expression around
// it does.
type boundLit struct {
	s                     string
	wordBefore, wordAfter bool
	atStart               bool
}

// maxExactStrings bounds the strings an expression part is expanded into.
const maxExactStrings = 64

// branchRequirement analyses one branch: the groups that must all be seen
// for it to match, and whether seeing them proves the match.
func branchRequirement(re *syntax.Regexp) (groups []litGroup, exact bool) {
	parts := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		parts = re.Sub
	}
	exact = true
	runs := 0
	for i := 0; i < len(parts); {
		if parts[i].Op == syntax.OpWordBoundary || (i == 0 && parts[i].Op == syntax.OpBeginText) {
			i++
			continue
		}
		// A run of parts that each match one of few strings becomes the
		// strings of their product ("starting (version|build)").
		var run []string
		fold := true
		j := i
		for ; j < len(parts); j++ {
			set, f, ok := exactStrings(parts[j])
			if !ok {
				break
			}
			next := product(run, set, j == i)
			if len(next) > maxExactStrings {
				break
			}
			run, fold = next, fold && f
		}
		if j == i {
			exact = false
			if g, ok := necessaryGroup(parts[i]); ok {
				groups = append(groups, g)
			}
			i++
			continue
		}
		runs++
		before := i > 0 && parts[i-1].Op == syntax.OpWordBoundary
		after := j < len(parts) && parts[j].Op == syntax.OpWordBoundary
		g, ok := boundGroup(run, before, after)
		if i == 1 && parts[0].Op == syntax.OpBeginText {
			for k := range g {
				g[k].atStart = true
			}
		}
		if !ok {
			exact = false
		} else {
			groups = append(groups, g)
		}
		exact = exact && fold
		i = j
	}
	exact = exact && runs == 1 && len(groups) == 1
	return groups, exact
}

// boundGroup makes a group of strings; it refuses a set holding the empty
// string, which every line contains.
func boundGroup(set []string, before, after bool) (litGroup, bool) {
	var g litGroup
	for _, s := range set {
		if s == "" {
			return nil, false
		}
		g = append(g, boundLit{s: s, wordBefore: before, wordAfter: after})
	}
	return g, len(g) > 0
}

// necessaryGroup returns literals one of which every match of re contains.
func necessaryGroup(re *syntax.Regexp) (litGroup, bool) {
	if set, _, ok := exactStrings(re); ok {
		return boundGroup(set, false, false)
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return necessaryGroup(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return necessaryGroup(re.Sub[0])
		}
	case syntax.OpConcat:
		groups, _ := branchRequirement(re)
		var best litGroup
		for _, g := range groups {
			if shortestLit(g) > shortestLit(best) {
				best = g
			}
		}
		return unbound(best), best != nil
	case syntax.OpAlternate:
		var all litGroup
		for _, sub := range re.Sub {
			g, ok := necessaryGroup(sub)
			if !ok {
				return nil, false
			}
			all = append(all, g...)
		}
		return all, true
	}
	return nil, false
}

// unbound drops boundary checks that belonged to a part of a larger expression.
func unbound(g litGroup) litGroup {
	out := make(litGroup, len(g))
	for i, l := range g {
		out[i] = boundLit{s: l.s}
	}
	return out
}

func shortestLit(g litGroup) int {
	if len(g) == 0 {
		return 0
	}
	n := len(g[0].s)
	for _, l := range g[1:] {
		n = min(n, len(l.s))
	}
	return n
}

// exactStrings returns the lowercase strings re can match when they are few,
// and whether matching them case-insensitively is exactly what re does.
func exactStrings(re *syntax.Regexp) (set []string, fold, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r >= 0x80 {
				return nil, false, false
			}
		}
		s := lowerASCII(string(re.Rune))
		return []string{s}, re.Flags&syntax.FoldCase != 0 || !hasASCIILetter(s), true
	case syntax.OpCharClass:
		return classStrings(re.Rune)
	case syntax.OpCapture:
		return exactStrings(re.Sub[0])
	case syntax.OpEmptyMatch:
		return []string{""}, true, true
	case syntax.OpQuest:
		set, fold, ok := exactStrings(re.Sub[0])
		return union(set, []string{""}), fold, ok
	case syntax.OpConcat:
		var out []string
		fold = true
		for i, sub := range re.Sub {
			set, f, ok := exactStrings(sub)
			if !ok {
				return nil, false, false
			}
			if out = product(out, set, i == 0); len(out) > maxExactStrings {
				return nil, false, false
			}
			fold = fold && f
		}
		return out, fold, true
	case syntax.OpAlternate:
		var out []string
		fold = true
		for _, sub := range re.Sub {
			set, f, ok := exactStrings(sub)
			if !ok {
				return nil, false, false
			}
			if out = union(out, set); len(out) > maxExactStrings {
				return nil, false, false
			}
			fold = fold && f
		}
		return out, fold, true
	}
	return nil, false, false
}

// classStrings expands a small ASCII character class; it folds exactly when
// every letter in it comes with its other case.
func classStrings(ranges []rune) ([]string, bool, bool) {
	var runes []rune
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1] >= 0x80 || ranges[i+1]-ranges[i] > 8 {
			return nil, false, false
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			runes = append(runes, r)
		}
	}
	if len(runes) > 8 {
		return nil, false, false
	}
	fold := true
	var set []string
	for _, r := range runes {
		c := byte(r)
		if lo := asciiLower(c); lo != c || ('a' <= c && c <= 'z') {
			fold = fold && slices.Contains(runes, rune(lo)) && slices.Contains(runes, rune(lo-'a'+'A'))
		}
		set = union(set, []string{string(asciiLower(c))})
	}
	return set, fold, true
}

func product(prefixes, set []string, first bool) []string {
	if first {
		return slices.Clone(set)
	}
	var out []string
	for _, p := range prefixes {
		for _, s := range set {
			out = union(out, []string{p + s})
		}
	}
	return out
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
