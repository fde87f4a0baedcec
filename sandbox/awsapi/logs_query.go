package awsapi

import (
	"encoding/json"
	"net/http"
	"time"
)

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
