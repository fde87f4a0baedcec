package awsapi

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// DescribeLogGroups over logs.json: a group exists in the scenario's
// region from its first event on (or from now, when it holds none).

// maxLogGroupsPage is DescribeLogGroups' largest and default page.
const maxLogGroupsPage = 50

var logGroupPattern = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]*$`)

type logGroupOut struct {
	LogGroupName      string `json:"logGroupName"`
	Arn               string `json:"arn"`
	LogGroupArn       string `json:"logGroupArn"`
	CreationTime      int64  `json:"creationTime"`
	StoredBytes       int64  `json:"storedBytes"`
	MetricFilterCount int    `json:"metricFilterCount"`
	LogGroupClass     string `json:"logGroupClass"`
}

func (a *Emulator) describeLogGroups(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
		LogGroupNamePattern string `json:"logGroupNamePattern"`
		Limit               int    `json:"limit"`
		NextToken           string `json:"nextToken"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "":
		return nil, clientError("InvalidParameterException", "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
	case !logGroupPattern.MatchString(in.LogGroupNamePrefix + in.LogGroupNamePattern):
		return nil, clientError("InvalidParameterException", "1 validation error detected: Value at 'logGroupNamePrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
	case in.Limit < 0 || in.Limit > maxLogGroupsPage:
		return nil, clientError("InvalidParameterException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", in.Limit, maxLogGroupsPage)
	}
	logs := a.state.logs
	region := a.requestRegion(r)
	var names []string
	if region == logs.region {
		for name := range logs.groups {
			// The pattern matches anywhere in the name, case-insensitively.
			if strings.HasPrefix(name, in.LogGroupNamePrefix) && strings.Contains(strings.ToLower(name), strings.ToLower(in.LogGroupNamePattern)) {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	size := in.Limit
	if size == 0 {
		size = maxLogGroupsPage
	}
	start, end, next, ok := pageWindow(in.NextToken, size, len(names), "DescribeLogGroups|"+region+"|"+in.LogGroupNamePrefix+"|"+in.LogGroupNamePattern)
	if !ok {
		return nil, clientError("InvalidParameterException", "The specified nextToken is invalid.")
	}
	out := []logGroupOut{}
	for _, name := range names[start:end] {
		events := logs.groups[name]
		created := a.sc.Meta.Now.UnixMilli()
		var stored int64
		for _, e := range events {
			created = min(created, e.Timestamp)
			stored += int64(len(e.Message))
		}
		arn := "arn:aws:logs:" + region + ":" + a.sc.Meta.Account + ":log-group:" + name
		out = append(out, logGroupOut{LogGroupName: name, Arn: arn + ":*", LogGroupArn: arn, CreationTime: created, StoredBytes: stored, LogGroupClass: "STANDARD"})
	}
	resp := map[string]any{"logGroups": out}
	if next != "" {
		resp["nextToken"] = next
	}
	return resp, nil
}
