package awsapi

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// This file evaluates the subset of the Logs Insights query language that
// error-signature queries use: fields (names and coalesce), parse with a
// regular expression, filter (ispresent, like, =, !=, joined by and/or),
// stats count(*) by bin() and fields, sort, limit. Anything else is refused
// as MalformedQueryException, naming what the sandbox does not evaluate,
// so a query the sandbox accepts is one whose meaning it knows.

// insightsRecord is one log event as a query sees it: field → value.
type insightsRecord map[string]string

// insightsTimeLayout is how Logs Insights prints @timestamp and bin() values.
const insightsTimeLayout = "2006-01-02 15:04:05.000"

// Logs Insights returns 1,000 rows unless told otherwise, 10,000 at most.
const (
	defaultInsightsLimit = 1000
	maxInsightsLimit     = 10000
)

func formatInsightsTime(t time.Time) string { return t.UTC().Format(insightsTimeLayout) }

type insightsProgram struct {
	stages []insightsStage
	limit  int
}

// stageFunc transforms the records and the visible columns.
type stageFunc func(recs []insightsRecord, cols []string) ([]insightsRecord, []string)

// insightsStage is one command of a query.
type insightsStage struct {
	apply      stageFunc
	aggregates bool // stats: the records it receives are the ones the query matched
}

// run evaluates the program; matched counts the records that reached the
// first aggregation (or the end), as recordsMatched does.
func (p *insightsProgram) run(recs []insightsRecord) (rows [][]resultField, matched int) {
	cols := []string{"@timestamp", "@message"}
	matched = -1
	for _, st := range p.stages {
		if st.aggregates && matched < 0 {
			matched = len(recs)
		}
		recs, cols = st.apply(recs, cols)
	}
	if matched < 0 {
		matched = len(recs)
	}
	if len(recs) > p.limit {
		recs = recs[:p.limit]
	}
	rows = make([][]resultField, 0, len(recs))
	for _, r := range recs {
		row := make([]resultField, 0, len(cols))
		for _, c := range cols {
			if v, ok := r[c]; ok {
				row = append(row, resultField{Field: c, Value: v})
			}
		}
		rows = append(rows, row)
	}
	return rows, matched
}

func parseInsightsQuery(q string) (*insightsProgram, error) {
	if strings.TrimSpace(q) == "" {
		return nil, errors.New("the query is empty")
	}
	cmds, err := splitInsights(q, '|')
	if err != nil {
		return nil, err
	}
	p := &insightsProgram{limit: defaultInsightsLimit}
	for _, cmd := range cmds {
		cmd = strings.TrimSpace(cmd)
		verb, rest := cmd, ""
		if i := strings.IndexFunc(cmd, unicode.IsSpace); i >= 0 {
			verb, rest = cmd[:i], strings.TrimSpace(cmd[i:])
		}
		var st stageFunc
		switch strings.ToLower(verb) {
		case "fields", "display":
			st, err = parseFieldsCommand(rest, strings.EqualFold(verb, "display"))
		case "parse":
			st, err = parseParseCommand(rest)
		case "filter":
			st, err = parseFilterCommand(rest)
		case "stats":
			st, err = parseStatsCommand(rest)
		case "sort":
			st, err = parseSortCommand(rest)
		case "limit":
			n, convErr := strconv.Atoi(rest)
			if convErr != nil || n < 1 || n > maxInsightsLimit {
				return nil, fmt.Errorf("limit takes a number from 1 to %d, not %q", maxInsightsLimit, rest)
			}
			p.limit = n
			continue
		default:
			return nil, fmt.Errorf("the sandbox does not evaluate the %q command", verb)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", verb, err)
		}
		p.stages = append(p.stages, insightsStage{apply: st, aggregates: strings.EqualFold(verb, "stats")})
	}
	return p, nil
}

// splitInsights splits s on sep where sep is outside quotes, /regex/ and
// parentheses.
func splitInsights(s string, sep byte) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`' || c == '/':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c in %q", quote, s)
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced parentheses in %q", s)
	}
	return append(parts, s[start:]), nil
}

var insightsFieldName = regexp.MustCompile(`^@?[A-Za-z_][A-Za-z0-9_.@-]*$`)

func fieldName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '`' && s[len(s)-1] == '`' {
		return s[1 : len(s)-1], nil
	}
	if !insightsFieldName.MatchString(s) {
		return "", fmt.Errorf("%q is not a field name the sandbox evaluates", s)
	}
	return s, nil
}

// splitAlias splits "expr as alias".
func splitAlias(item string) (expr, alias string) {
	item = strings.TrimSpace(item)
	if i := strings.LastIndex(strings.ToLower(item), " as "); i > 0 && !strings.ContainsAny(item[i:], "()/\"") {
		return strings.TrimSpace(item[:i]), strings.TrimSpace(item[i+4:])
	}
	return item, ""
}

// call splits "fn(a, b)" into fn and its arguments.
func call(expr string) (fn string, args []string, ok bool, err error) {
	open := strings.IndexByte(expr, '(')
	if open <= 0 || !strings.HasSuffix(expr, ")") {
		return "", nil, false, nil
	}
	args, err = splitInsights(expr[open+1:len(expr)-1], ',')
	return strings.ToLower(strings.TrimSpace(expr[:open])), args, true, err
}
