package awsapi

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func parseFieldsCommand(rest string, display bool) (stageFunc, error) {
	items, err := splitInsights(rest, ',')
	if err != nil {
		return nil, err
	}
	type column struct {
		name   string
		source []string // coalesce: the first present of these
	}
	var cols []column
	for _, item := range items {
		expr, alias := splitAlias(item)
		fn, args, isCall, err := call(expr)
		if err != nil {
			return nil, err
		}
		switch {
		case isCall && fn == "coalesce" && !display:
			if alias == "" {
				return nil, fmt.Errorf("name the coalesce() result with as")
			}
			c := column{name: alias}
			for _, a := range args {
				f, err := fieldName(a)
				if err != nil {
					return nil, err
				}
				c.source = append(c.source, f)
			}
			cols = append(cols, c)
		case isCall:
			return nil, fmt.Errorf("the sandbox does not evaluate %s()", fn)
		default:
			f, err := fieldName(expr)
			if err != nil {
				return nil, err
			}
			name := f
			if alias != "" {
				name = alias
			}
			cols = append(cols, column{name: name, source: []string{f}})
		}
	}
	return func(recs []insightsRecord, _ []string) ([]insightsRecord, []string) {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.name
		}
		for _, r := range recs {
			for _, c := range cols {
				for _, src := range c.source {
					if v, ok := r[src]; ok {
						r[c.name] = v
						break
					}
				}
			}
		}
		return recs, names
	}, nil
}

// insightsRegex reads a /regex/ literal.
func insightsRegex(s string) (*regexp.Regexp, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '/' || s[len(s)-1] != '/' {
		return nil, fmt.Errorf("%q is not a /regular expression/", s)
	}
	re, err := regexp.Compile(strings.ReplaceAll(s[1:len(s)-1], `\/`, `/`))
	if err != nil {
		return nil, fmt.Errorf("regular expression %s: %w", s, err)
	}
	return re, nil
}

func parseParseCommand(rest string) (stageFunc, error) {
	field, expr, ok := strings.Cut(rest, " ")
	if !ok {
		return nil, fmt.Errorf("parse needs a field and a /regular expression/")
	}
	field, err := fieldName(field)
	if err != nil {
		return nil, err
	}
	re, err := insightsRegex(expr)
	if err != nil {
		return nil, fmt.Errorf("the sandbox evaluates only the regular-expression form of parse: %w", err)
	}
	var names []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s has no named capture group", expr)
	}
	return func(recs []insightsRecord, cols []string) ([]insightsRecord, []string) {
		for _, r := range recs {
			v, ok := r[field]
			if !ok {
				continue
			}
			m := re.FindStringSubmatch(v)
			if m == nil {
				continue
			}
			for i, n := range re.SubexpNames() {
				if n != "" && m[i] != "" {
					r[n] = m[i]
				}
			}
		}
		return recs, cols
	}, nil
}

var boolSplit = regexp.MustCompile(`(?i)\s+(and|or)\s+`)

func parseFilterCommand(rest string) (stageFunc, error) {
	// Conditions are joined left to right; regex literals may hold "and"/"or"
	// only inside slashes, which splitting outside them preserves.
	var conds []func(insightsRecord) bool
	var joins []string
	pieces, err := splitConditions(rest)
	if err != nil {
		return nil, err
	}
	for i, p := range pieces {
		if i%2 == 1 {
			joins = append(joins, strings.ToLower(p))
			continue
		}
		c, err := parseCondition(p)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	keep := func(r insightsRecord) bool {
		ok := conds[0](r)
		for i, j := range joins {
			if j == "and" {
				ok = ok && conds[i+1](r)
			} else {
				ok = ok || conds[i+1](r)
			}
		}
		return ok
	}
	return func(recs []insightsRecord, cols []string) ([]insightsRecord, []string) {
		out := recs[:0]
		for _, r := range recs {
			if keep(r) {
				out = append(out, r)
			}
		}
		return out, cols
	}, nil
}

// splitConditions splits on and/or outside regex and string literals,
// returning conditions and joins alternately.
func splitConditions(s string) ([]string, error) {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		if c == '"' || c == '\'' || c == '/' {
			quote = c
			continue
		}
		if loc := boolSplit.FindStringSubmatchIndex(s[i:]); loc != nil && loc[0] == 0 {
			out = append(out, s[start:i], s[i+loc[2]:i+loc[3]])
			start = i + loc[1]
			i = start - 1
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c in %q", quote, s)
	}
	return append(out, s[start:]), nil
}

var (
	isPresentCond = regexp.MustCompile(`(?i)^(not\s+)?ispresent\(\s*(.+?)\s*\)$`)
	compareCond   = regexp.MustCompile(`(?i)^(\S+)\s+(not\s+like|like|=~|!=|=)\s+(.+)$`)
)

func parseCondition(s string) (func(insightsRecord) bool, error) {
	s = strings.TrimSpace(s)
	if m := isPresentCond.FindStringSubmatch(s); m != nil {
		f, err := fieldName(m[2])
		if err != nil {
			return nil, err
		}
		negate := m[1] != ""
		return func(r insightsRecord) bool { _, ok := r[f]; return ok != negate }, nil
	}
	m := compareCond.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("the sandbox does not evaluate the condition %q", s)
	}
	f, err := fieldName(m[1])
	if err != nil {
		return nil, err
	}
	op := strings.ToLower(strings.Join(strings.Fields(m[2]), " "))
	operand := strings.TrimSpace(m[3])
	var match func(string) bool
	if strings.HasPrefix(operand, "/") {
		re, err := insightsRegex(operand)
		if err != nil {
			return nil, err
		}
		match = re.MatchString
	} else {
		lit, err := strconv.Unquote(operand)
		if err != nil {
			if strings.HasPrefix(operand, "'") && strings.HasSuffix(operand, "'") && len(operand) >= 2 {
				lit = operand[1 : len(operand)-1]
			} else {
				lit = operand // a bare number or word
			}
		}
		if op == "like" || op == "not like" {
			match = func(v string) bool { return strings.Contains(v, lit) }
		} else {
			match = func(v string) bool { return v == lit }
		}
	}
	switch op {
	case "like", "=~", "=":
		return func(r insightsRecord) bool { v, ok := r[f]; return ok && match(v) }, nil
	default: // "not like", "!="
		return func(r insightsRecord) bool { v, ok := r[f]; return !ok || !match(v) }, nil
	}
}

var binExpr = regexp.MustCompile(`(?i)^bin\(\s*(\d+)\s*(ms|s|m|h|d)\s*\)$`)

// statsAgg is one aggregation of a stats command.
type statsAgg struct {
	name  string
	field string // "" counts every record
}

// statsGroup is one grouping of a stats command's by clause.
type statsGroup struct {
	name  string
	field string
	bin   time.Duration // a time bin of @timestamp when set
}

func parseStatsCommand(rest string) (stageFunc, error) {
	aggPart, byPart := rest, ""
	if i := strings.Index(strings.ToLower(rest), " by "); i >= 0 {
		aggPart, byPart = rest[:i], rest[i+4:]
	}
	aggs, err := parseStatsAggs(aggPart)
	if err != nil {
		return nil, err
	}
	var groups []statsGroup
	if strings.TrimSpace(byPart) != "" {
		if groups, err = parseStatsGroups(byPart); err != nil {
			return nil, err
		}
	}
	return func(recs []insightsRecord, _ []string) ([]insightsRecord, []string) {
		return runStats(recs, aggs, groups)
	}, nil
}

func parseStatsAggs(part string) ([]statsAgg, error) {
	items, err := splitInsights(part, ',')
	if err != nil {
		return nil, err
	}
	var aggs []statsAgg
	for _, item := range items {
		expr, alias := splitAlias(item)
		fn, args, isCall, err := call(expr)
		if err != nil {
			return nil, err
		}
		if !isCall || fn != "count" || len(args) != 1 {
			return nil, fmt.Errorf("the sandbox evaluates only count() aggregations, not %q", expr)
		}
		a := statsAgg{name: expr}
		if alias != "" {
			a.name = alias
		}
		if arg := strings.TrimSpace(args[0]); arg != "*" {
			if a.field, err = fieldName(arg); err != nil {
				return nil, err
			}
		}
		aggs = append(aggs, a)
	}
	return aggs, nil
}

func parseStatsGroups(part string) ([]statsGroup, error) {
	items, err := splitInsights(part, ',')
	if err != nil {
		return nil, err
	}
	var groups []statsGroup
	for _, item := range items {
		expr, alias := splitAlias(item)
		g := statsGroup{name: expr}
		if alias != "" {
			g.name = alias
		}
		if m := binExpr.FindStringSubmatch(expr); m != nil {
			n, _ := strconv.Atoi(m[1])
			unit := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[strings.ToLower(m[2])]
			if g.bin = time.Duration(n) * unit; g.bin <= 0 {
				return nil, fmt.Errorf("%s is not a time bin", expr)
			}
		} else if g.field, err = fieldName(expr); err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// runStats counts recs per group, groups in the order they first appear.
func runStats(recs []insightsRecord, aggs []statsAgg, groups []statsGroup) ([]insightsRecord, []string) {
	type acc struct {
		key    insightsRecord
		counts []int
	}
	byKey := map[string]*acc{}
	var order []string
	for _, r := range recs {
		key, id := statsKey(r, groups)
		a := byKey[id]
		if a == nil {
			a = &acc{key: key, counts: make([]int, len(aggs))}
			byKey[id] = a
			order = append(order, id)
		}
		for i, ag := range aggs {
			if _, ok := r[ag.field]; ag.field == "" || ok {
				a.counts[i]++
			}
		}
	}
	out := make([]insightsRecord, 0, len(order))
	for _, k := range order {
		a := byKey[k]
		row := a.key
		for i, ag := range aggs {
			row[ag.name] = strconv.Itoa(a.counts[i])
		}
		out = append(out, row)
	}
	cols := make([]string, 0, len(groups)+len(aggs))
	for _, g := range groups {
		cols = append(cols, g.name)
	}
	for _, ag := range aggs {
		cols = append(cols, ag.name)
	}
	return out, cols
}

// statsKey is r's group: the grouped values it has, and an id telling a
// missing value from an empty one.
func statsKey(r insightsRecord, groups []statsGroup) (insightsRecord, string) {
	key := insightsRecord{}
	var sb strings.Builder
	for _, g := range groups {
		var v string
		var ok bool
		if g.bin > 0 {
			t, err := time.Parse(insightsTimeLayout, r["@timestamp"])
			if ok = err == nil; ok {
				v = formatInsightsTime(t.Truncate(g.bin))
			}
		} else {
			v, ok = r[g.field]
		}
		if ok {
			key[g.name] = v
		}
		fmt.Fprintf(&sb, "%t:%q|", ok, v)
	}
	return key, sb.String()
}

func parseSortCommand(rest string) (stageFunc, error) {
	items, err := splitInsights(rest, ',')
	if err != nil {
		return nil, err
	}
	type key struct {
		field string
		desc  bool
	}
	var keys []key
	for _, item := range items {
		words := strings.Fields(item)
		if len(words) == 0 || len(words) > 2 {
			return nil, fmt.Errorf("cannot sort by %q", item)
		}
		k := key{}
		if k.field, err = fieldName(words[0]); err != nil {
			return nil, err
		}
		if len(words) == 2 {
			switch strings.ToLower(words[1]) {
			case "desc":
				k.desc = true
			case "asc":
			default:
				return nil, fmt.Errorf("sort order must be asc or desc, not %q", words[1])
			}
		}
		keys = append(keys, k)
	}
	return func(recs []insightsRecord, cols []string) ([]insightsRecord, []string) {
		sort.SliceStable(recs, func(i, j int) bool {
			for _, k := range keys {
				c := compareInsightsValues(recs[i][k.field], recs[j][k.field])
				if c != 0 {
					return c < 0 != k.desc
				}
			}
			return false
		})
		return recs, cols
	}, nil
}

// compareInsightsValues orders numbers numerically and everything else as text.
func compareInsightsValues(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(a, b)
}
