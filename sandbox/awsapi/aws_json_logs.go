package awsapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// logStreamName is the one stream the sandbox files every event of a group under.
const logStreamName = "trailhound-sandbox"

// logsState holds the scenario's log groups and the Logs Insights queries
// started against them.
type logsState struct {
	region string
	groups map[string][]scenario.LogEvent // oldest first

	mu         sync.Mutex
	queryDelay time.Duration
	queries    map[string]*insightsQuery
}

// insightsQuery is one StartQuery: its answer is computed at once and shown
// when the query's run time has passed, as a slow real query would.
type insightsQuery struct {
	started time.Time
	runFor  time.Duration
	stopped bool
	results [][]resultField
	stats   queryStatistics
}

type resultField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

type queryStatistics struct {
	RecordsMatched float64 `json:"recordsMatched"`
	RecordsScanned float64 `json:"recordsScanned"`
	BytesScanned   float64 `json:"bytesScanned"`
}

// maxRunningQueries is Logs Insights' limit of concurrent queries per account.
const maxRunningQueries = 30

func newLogsState(sc *scenario.Scenario) (*logsState, error) {
	s := &logsState{region: sc.Meta.Region, groups: map[string][]scenario.LogEvent{}, queries: map[string]*insightsQuery{}}
	for _, g := range sc.Logs.Groups {
		if g.Name == "" {
			return nil, fmt.Errorf("scenario %s: logs.json: a group has no name", sc.Dir)
		}
		events := append(s.groups[g.Name], g.Events...)
		sort.SliceStable(events, func(i, j int) bool { return events[i].Timestamp < events[j].Timestamp })
		s.groups[g.Name] = events
	}
	return s, nil
}

// SetQueryDelay makes every Logs Insights query run for d (Scheduled, then
// Running) before it completes.
func (a *Emulator) SetQueryDelay(d time.Duration) {
	a.state.logs.mu.Lock()
	defer a.state.logs.mu.Unlock()
	a.state.logs.queryDelay = d
}

// groupEvents finds a log group by name or ARN in the region the request was
// signed for; groups live in the scenario's region.
func (s *logsState) groupEvents(region, nameOrARN string) (string, []scenario.LogEvent, *apiError) {
	name := nameOrARN
	if strings.HasPrefix(nameOrARN, "arn:") {
		parts := strings.SplitN(nameOrARN, ":", 7)
		if len(parts) < 7 || parts[2] != "logs" || !strings.HasPrefix(parts[5], "log-group") {
			return "", nil, clientError("InvalidParameterException", "%q is not a log group ARN", nameOrARN)
		}
		region = parts[3]
		name = strings.TrimSuffix(strings.TrimPrefix(parts[5]+":"+parts[6], "log-group:"), ":*")
	}
	events, ok := s.groups[name]
	if name == "" || !ok || region != s.region {
		return "", nil, clientError("ResourceNotFoundException", "The specified log group does not exist.")
	}
	return name, events, nil
}

type filterLogEventsInput struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	Limit               *int     `json:"limit"`
	NextToken           string   `json:"nextToken"`
}

type filteredLogEvent struct {
	EventID       string `json:"eventId"`
	IngestionTime int64  `json:"ingestionTime"`
	LogStreamName string `json:"logStreamName"`
	Message       string `json:"message"`
	Timestamp     int64  `json:"timestamp"`
}

type searchedLogStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type filterLogEventsOutput struct {
	Events             []filteredLogEvent  `json:"events"`
	NextToken          string              `json:"nextToken,omitempty"`
	SearchedLogStreams []searchedLogStream `json:"searchedLogStreams"`
}

// A FilterLogEvents page holds at most 10,000 events (the default) and 1 MB
// of them, each event counting its message and a fixed overhead.
const (
	maxFilterLimit     = 10000
	maxFilterPageBytes = 1 << 20
	logEventOverhead   = 26
)

func (a *Emulator) filterLogEvents(r *http.Request, body []byte) (any, *apiError) {
	var in filterLogEventsInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	ident := in.LogGroupIdentifier
	switch {
	case in.LogGroupName != "" && ident != "":
		return nil, clientError("InvalidParameterException", "logGroupName and logGroupIdentifier are mutually exclusive")
	case ident == "":
		ident = in.LogGroupName
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, clientError("InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	limit := maxFilterLimit
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > maxFilterLimit {
			return nil, clientError("InvalidParameterException", "limit must be between 1 and %d", maxFilterLimit)
		}
		limit = *in.Limit
	}
	match, err := compileFilterPattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	name, events, apiErr := a.state.logs.groupEvents(a.requestRegion(r), ident)
	if apiErr != nil {
		return nil, apiErr
	}
	streamWanted := len(in.LogStreamNames) == 0 && strings.HasPrefix(logStreamName, in.LogStreamNamePrefix)
	for _, s := range in.LogStreamNames {
		streamWanted = streamWanted || s == logStreamName
	}

	// The token names the query it was issued for, so a token replayed with
	// another is refused; the page size may change from page to page.
	params := fmt.Sprintf("%s|%s|%s|%s|%q|%s", name, optionalInt(in.StartTime), optionalInt(in.EndTime), in.FilterPattern, in.LogStreamNames, in.LogStreamNamePrefix)
	offset := 0
	if in.NextToken != "" {
		var ok bool
		if offset, ok = decodeOffsetToken(in.NextToken, params); !ok {
			return nil, clientError("InvalidParameterException", "The specified nextToken is invalid.")
		}
	}
	out := filterLogEventsOutput{Events: []filteredLogEvent{}, SearchedLogStreams: []searchedLogStream{}}
	if !streamWanted {
		return out, nil
	}
	i, size := offset, 0
	for ; i < len(events) && len(out.Events) < limit; i++ {
		e := events[i]
		if in.StartTime != nil && e.Timestamp < *in.StartTime || in.EndTime != nil && e.Timestamp > *in.EndTime || !match(e.Message) {
			continue
		}
		if size += len(e.Message) + logEventOverhead; size > maxFilterPageBytes && len(out.Events) > 0 {
			break
		}
		out.Events = append(out.Events, filteredLogEvent{
			EventID:       logEventID(e.Timestamp, i),
			IngestionTime: e.Timestamp,
			LogStreamName: logStreamName,
			Message:       e.Message,
			Timestamp:     e.Timestamp,
		})
	}
	// Like the real API, a full page hands out a token even when nothing is
	// left; the next page is then empty and tokenless.
	if i < len(events) {
		out.NextToken = encodeOffsetToken(i, params)
	}
	out.SearchedLogStreams = append(out.SearchedLogStreams, searchedLogStream{LogStreamName: logStreamName, SearchedCompletely: out.NextToken == ""})
	return out, nil
}

func optionalInt(p *int64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatInt(*p, 10)
}

func logEventID(ts int64, index int) string {
	return fmt.Sprintf("%d%012d", ts, index)
}

// encodeOffsetToken makes an opaque page token bound to the parameters it
// pages through.
func encodeOffsetToken(offset int, params string) string {
	sum := sha256.Sum256([]byte(params))
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + ":" + base64.RawURLEncoding.EncodeToString(sum[:12])))
}

func decodeOffsetToken(token, params string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	off, sum, ok := strings.Cut(string(raw), ":")
	if !ok {
		return 0, false
	}
	want := sha256.Sum256([]byte(params))
	if sum != base64.RawURLEncoding.EncodeToString(want[:12]) {
		return 0, false
	}
	n, err := strconv.Atoi(off)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

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

type startQueryInput struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupNames       []string `json:"logGroupNames"`
	LogGroupIdentifiers []string `json:"logGroupIdentifiers"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	QueryString         string   `json:"queryString"`
	Limit               *int     `json:"limit"`
}

func (a *Emulator) startQuery(r *http.Request, body []byte) (any, *apiError) {
	var in startQueryInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if in.StartTime == nil || in.EndTime == nil {
		return nil, clientError("InvalidParameterException", "startTime and endTime are required")
	}
	if *in.EndTime < *in.StartTime {
		return nil, clientError("InvalidParameterException", "endTime must not be before startTime")
	}
	var idents []string
	if in.LogGroupName != "" {
		idents = append(idents, in.LogGroupName)
	}
	idents = append(append(idents, in.LogGroupNames...), in.LogGroupIdentifiers...)
	if len(idents) == 0 {
		return nil, clientError("InvalidParameterException", "name at least one log group")
	}
	q, err := parseInsightsQuery(in.QueryString)
	if err != nil {
		return nil, clientError("MalformedQueryException", "%v", err)
	}
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > maxInsightsLimit {
			return nil, clientError("InvalidParameterException", "limit must be between 1 and %d", maxInsightsLimit)
		}
		q.limit = *in.Limit
	}
	start, end := *in.StartTime*1000, *in.EndTime*1000+999
	var records []insightsRecord
	var scanned, bytesScanned int
	for _, ident := range idents {
		name, events, apiErr := a.state.logs.groupEvents(a.requestRegion(r), ident)
		if apiErr != nil {
			return nil, apiErr
		}
		for _, e := range events {
			if e.Timestamp < start || e.Timestamp > end {
				continue
			}
			scanned++
			bytesScanned += len(e.Message)
			records = append(records, insightsRecord{
				"@timestamp": formatInsightsTime(time.UnixMilli(e.Timestamp)),
				"@message":   e.Message,
				"@logStream": logStreamName,
				"@log":       a.sc.Meta.Account + ":" + name,
			})
		}
	}
	rows, matched := q.run(records)

	s := a.state.logs
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	running := 0
	for _, other := range s.queries {
		if !other.stopped && now.Sub(other.started) < other.runFor {
			running++
		}
	}
	if running >= maxRunningQueries {
		return nil, clientError("LimitExceededException", "Account maximum query concurrency limit of [%d] reached.", maxRunningQueries)
	}
	id := newUUID()
	s.queries[id] = &insightsQuery{
		started: now,
		runFor:  s.queryDelay,
		results: rows,
		stats:   queryStatistics{RecordsMatched: float64(matched), RecordsScanned: float64(scanned), BytesScanned: float64(bytesScanned)},
	}
	return map[string]string{"queryId": id}, nil
}

type queryIDInput struct {
	QueryID string `json:"queryId"`
}

type getQueryResultsOutput struct {
	Status     string          `json:"status"`
	Results    [][]resultField `json:"results"`
	Statistics queryStatistics `json:"statistics"`
}

func (a *Emulator) getQueryResults(_ *http.Request, body []byte) (any, *apiError) {
	var in queryIDInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	s := a.state.logs
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queries[in.QueryID]
	if !ok {
		return nil, clientError("ResourceNotFoundException", "Query does not exist: %s", in.QueryID)
	}
	elapsed := time.Since(q.started)
	out := getQueryResultsOutput{Results: [][]resultField{}}
	switch {
	case q.stopped:
		out.Status = "Cancelled"
	case elapsed < q.runFor/4:
		out.Status = "Scheduled"
	case elapsed < q.runFor:
		out.Status = "Running"
	default:
		out.Status = "Complete"
		out.Results = q.results
		out.Statistics = q.stats
	}
	return out, nil
}

func (a *Emulator) stopQuery(_ *http.Request, body []byte) (any, *apiError) {
	var in queryIDInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	s := a.state.logs
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queries[in.QueryID]
	if !ok {
		return nil, clientError("ResourceNotFoundException", "Query does not exist: %s", in.QueryID)
	}
	if q.stopped || time.Since(q.started) >= q.runFor {
		return nil, clientError("InvalidParameterException", "Query %s is not running", in.QueryID)
	}
	q.stopped = true
	return json.RawMessage(`{"success":true}`), nil
}
