package awsapi

import (
	"encoding/base64"
	"hash/fnv"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"
)

// alarmsQuery is a DescribeAlarms request's filters.
type alarmsQuery struct {
	names, types []string
	str          map[string]string // the string members, "" when absent
	pageSize     int64
	family       bool // ChildrenOfAlarmName or ParentsOfAlarmName
}

func (s *cloudWatchService) describeAlarms(req cwRequest, region string) (cbor.Map, *cwError) {
	q, cerr := parseAlarmsQuery(req)
	if cerr != nil {
		return nil, cerr
	}
	match := s.matchAlarms(q, region)
	slices.Sort(q.names)
	slices.Sort(q.types)
	str := q.str
	fingerprint := monFingerprint(region, strings.Join(q.names, ","), strings.Join(q.types, ","), str["AlarmNamePrefix"], str["StateValue"],
		str["ActionPrefix"], str["ChildrenOfAlarmName"], str["ParentsOfAlarmName"])
	start, cerr := cwPageStart(str["NextToken"], fingerprint, len(match))
	if cerr != nil {
		return nil, cerr
	}
	end := min(start+int(q.pageSize), len(match))
	metric, composite := cbor.List{}, cbor.List{}
	for _, a := range match[start:end] {
		if a.Type == cwCompositeAlarm {
			composite = append(composite, a.wire)
		} else {
			metric = append(metric, a.wire)
		}
	}
	out := cbor.Map{"MetricAlarms": metric, "CompositeAlarms": composite}
	if end < len(match) {
		out["NextToken"] = cbor.String(cwPageToken(end, fingerprint))
	}
	return out, nil
}

// parseAlarmsQuery reads DescribeAlarms' members and refuses the
// combinations CloudWatch refuses.
func parseAlarmsQuery(req cwRequest) (alarmsQuery, *cwError) {
	var q alarmsQuery
	var err error
	if q.names, err = req.strList("AlarmNames"); err != nil {
		return q, cwInvalidValue("%v", err)
	}
	if q.types, err = req.strList("AlarmTypes"); err != nil {
		return q, cwInvalidValue("%v", err)
	}
	str := map[string]string{}
	for _, member := range []string{"AlarmNamePrefix", "StateValue", "ActionPrefix", "ChildrenOfAlarmName", "ParentsOfAlarmName", "NextToken"} {
		if str[member], err = req.str(member); err != nil {
			return q, cwInvalidValue("%v", err)
		}
	}
	q.str = str
	if q.pageSize, err = req.integer("MaxRecords", cwDefaultPageSize); err != nil {
		return q, cwInvalidValue("%v", err)
	}
	switch {
	case q.pageSize < 1 || q.pageSize > cwMaxPageSize:
		return q, cwInvalidValue("The value %d for parameter MaxRecords is not valid: it must be between 1 and %d.", q.pageSize, cwMaxPageSize)
	case len(q.names) > cwMaxAlarmNames:
		return q, cwInvalidValue("AlarmNames holds %d names; at most %d are allowed.", len(q.names), cwMaxAlarmNames)
	case len(q.names) > 0 && str["AlarmNamePrefix"] != "":
		return q, cwInvalidCombination("AlarmNames and AlarmNamePrefix cannot be specified together.")
	case str["StateValue"] != "" && !slices.Contains([]string{"OK", "ALARM", "INSUFFICIENT_DATA"}, str["StateValue"]):
		return q, cwInvalidValue("The value %s for parameter StateValue is not valid.", str["StateValue"])
	}
	for _, t := range q.types {
		if t != cwMetricAlarm && t != cwCompositeAlarm {
			return q, cwInvalidValue("The value %s for parameter AlarmTypes is not valid.", t)
		}
	}
	q.family = str["ChildrenOfAlarmName"] != "" || str["ParentsOfAlarmName"] != ""
	if q.family && (len(q.names) > 0 || len(q.types) > 0 || str["AlarmNamePrefix"] != "" || str["StateValue"] != "" ||
		str["ActionPrefix"] != "" || (str["ChildrenOfAlarmName"] != "" && str["ParentsOfAlarmName"] != "")) {
		return q, cwInvalidCombination("ChildrenOfAlarmName and ParentsOfAlarmName can only be used alone, with MaxRecords and NextToken.")
	}
	// Without AlarmTypes only metric alarms are returned; the family filters return both kinds.
	if len(q.types) == 0 && !q.family {
		q.types = []string{cwMetricAlarm}
	}
	return q, nil
}

// matchAlarms returns the alarms of region q selects, in load order.
func (s *cloudWatchService) matchAlarms(q alarmsQuery, region string) []cwAlarm {
	str := q.str
	var children map[string]bool
	if parent := str["ChildrenOfAlarmName"]; parent != "" {
		children = map[string]bool{}
		for _, a := range s.alarms {
			if a.Name == parent && a.Region == region {
				for _, c := range cwRuleChildren(a.Rule) {
					children[c] = true
				}
			}
		}
	}
	var match []cwAlarm
	for _, a := range s.alarms {
		switch {
		case a.Region != region,
			len(q.types) > 0 && !slices.Contains(q.types, a.Type),
			len(q.names) > 0 && !slices.Contains(q.names, a.Name),
			!strings.HasPrefix(a.Name, str["AlarmNamePrefix"]),
			str["StateValue"] != "" && a.State != str["StateValue"],
			str["ActionPrefix"] != "" && !slices.ContainsFunc(a.Actions, func(act string) bool { return strings.HasPrefix(act, str["ActionPrefix"]) }),
			children != nil && !children[a.Name],
			str["ParentsOfAlarmName"] != "" && !slices.Contains(cwRuleChildren(a.Rule), str["ParentsOfAlarmName"]):
			continue
		}
		match = append(match, a)
	}
	return match
}

var cwHistoryItemTypes = []string{"ConfigurationUpdate", "StateUpdate", "Action", "AlarmContributorStateUpdate", "AlarmContributorAction"}

func (s *cloudWatchService) describeAlarmHistory(req cwRequest, region string) (cbor.Map, *cwError) {
	str := map[string]string{}
	var err error
	for _, member := range []string{"AlarmName", "HistoryItemType", "ScanBy", "NextToken", "AlarmContributorId"} {
		if str[member], err = req.str(member); err != nil {
			return nil, cwInvalidValue("%v", err)
		}
	}
	types, err := req.strList("AlarmTypes")
	if err != nil {
		return nil, cwInvalidValue("%v", err)
	}
	startDate, err := req.timestamp("StartDate")
	if err != nil {
		return nil, cwInvalidValue("%v", err)
	}
	endDate, err := req.timestamp("EndDate")
	if err != nil {
		return nil, cwInvalidValue("%v", err)
	}
	pageSize, err := req.integer("MaxRecords", cwDefaultPageSize)
	if err != nil {
		return nil, cwInvalidValue("%v", err)
	}
	switch {
	case pageSize < 1 || pageSize > cwMaxPageSize:
		return nil, cwInvalidValue("The value %d for parameter MaxRecords is not valid: it must be between 1 and %d.", pageSize, cwMaxPageSize)
	case str["HistoryItemType"] != "" && !slices.Contains(cwHistoryItemTypes, str["HistoryItemType"]):
		return nil, cwInvalidValue("The value %s for parameter HistoryItemType is not valid.", str["HistoryItemType"])
	case str["ScanBy"] != "" && str["ScanBy"] != "TimestampDescending" && str["ScanBy"] != "TimestampAscending":
		return nil, cwInvalidValue("The value %s for parameter ScanBy is not valid.", str["ScanBy"])
	case !startDate.IsZero() && !endDate.IsZero() && endDate.Before(startDate):
		return nil, cwInvalidValue("EndDate must not be before StartDate.")
	}
	for _, t := range types {
		if t != cwMetricAlarm && t != cwCompositeAlarm {
			return nil, cwInvalidValue("The value %s for parameter AlarmTypes is not valid.", t)
		}
	}
	if len(types) == 0 {
		types = []string{cwMetricAlarm}
	}
	var match []cwHistoryItem
	for _, h := range s.history {
		switch {
		case h.Region != region,
			!slices.Contains(types, h.Type),
			str["AlarmName"] != "" && h.Name != str["AlarmName"],
			str["HistoryItemType"] != "" && h.ItemType != str["HistoryItemType"],
			!startDate.IsZero() && h.Time.Before(startDate),
			!endDate.IsZero() && !h.Time.Before(endDate):
			continue
		}
		match = append(match, h)
	}
	if str["ScanBy"] == "TimestampAscending" {
		slices.Reverse(match)
	}
	slices.Sort(types)
	fingerprint := monFingerprint(region, str["AlarmName"], strings.Join(types, ","), str["HistoryItemType"], str["ScanBy"],
		startDate.String(), endDate.String())
	start, cerr := cwPageStart(str["NextToken"], fingerprint, len(match))
	if cerr != nil {
		return nil, cerr
	}
	end := min(start+int(pageSize), len(match))
	items := cbor.List{}
	for _, h := range match[start:end] {
		items = append(items, h.wire)
	}
	out := cbor.Map{"AlarmHistoryItems": items}
	if end < len(match) {
		out["NextToken"] = cbor.String(cwPageToken(end, fingerprint))
	}
	return out, nil
}

// Tokens carry the offset and a fingerprint of the request, so a token is
// only valid with the parameters that produced it, as CloudWatch enforces.
func monFingerprint(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

func cwPageToken(offset int, fingerprint string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + ":" + fingerprint))
}

func cwPageStart(token, fingerprint string, total int) (int, *cwError) {
	if token == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, cwInvalidToken
	}
	offset, fp, ok := strings.Cut(string(raw), ":")
	n, err := strconv.Atoi(offset)
	if !ok || err != nil || fp != fingerprint || n < 0 || n > total {
		return 0, cwInvalidToken
	}
	return n, nil
}

// cwRuleFunction matches the alarm functions of a composite AlarmRule; the
// argument is an alarm name (quoted when it holds spaces or parentheses) or ARN.
var cwRuleFunction = regexp.MustCompile(`\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]+)"|'([^']+)'|([^()\s"',]+))\s*\)`)

// cwRuleChildren returns the names of the alarms a composite rule reads.
func cwRuleChildren(rule string) []string {
	var out []string
	for _, m := range cwRuleFunction.FindAllStringSubmatch(rule, -1) {
		name := m[1] + m[2] + m[3]
		if _, after, ok := strings.Cut(name, ":alarm:"); ok {
			name = after
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
