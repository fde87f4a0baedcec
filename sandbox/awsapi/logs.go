package awsapi

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

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
	for _, w := range a.org.all(a) {
		w.state.logs.mu.Lock()
		w.state.logs.queryDelay = d
		w.state.logs.mu.Unlock()
	}
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
