package awsapi

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
)

// cwScenarioAlarm derives, from the notification in alarm.json, the alarm as
// DescribeAlarms would return it, so the alarm being triaged is always
// describable. It reads the structured deliveries (SNS HTTP/SQS envelope, SNS
// to Lambda records, the bare alarm message, EventBridge state changes and
// Lambda alarm actions) and keeps only what the notification states: name,
// ARN, description, state, reason, times, the metric or metrics, the
// threshold settings and the composite rule. Text deliveries (e-mail, chat)
// carry no definition and yield nothing; alarms.json can describe them.
func cwScenarioAlarm(raw []byte) (map[string]any, string, bool) {
	doc, err := cwDecodeJSON(raw)
	if err != nil {
		return nil, "", false
	}
	m, _ := doc.(map[string]any)
	switch {
	case m == nil:
		return nil, "", false
	case m["Records"] != nil:
		records, _ := m["Records"].([]any)
		if len(records) == 0 {
			return nil, "", false
		}
		rec, _ := records[0].(map[string]any)
		sns, _ := rec["Sns"].(map[string]any)
		return cwFromSNSMessageText(sns["Message"])
	case m["Type"] == "Notification":
		return cwFromSNSMessageText(m["Message"])
	case m["detail-type"] == "CloudWatch Alarm State Change":
		detail, _ := m["detail"].(map[string]any)
		resources, _ := m["resources"].([]any)
		arn := ""
		if len(resources) > 0 {
			arn, _ = resources[0].(string)
		}
		return cwFromEvent(detail, arn)
	case m["alarmData"] != nil:
		data, _ := m["alarmData"].(map[string]any)
		arn, _ := m["alarmArn"].(string)
		return cwFromEvent(data, arn)
	case m["AlarmName"] != nil:
		return cwFromSNSMessage(m)
	}
	return nil, "", false
}

func cwFromSNSMessageText(v any) (map[string]any, string, bool) {
	text, _ := v.(string)
	doc, err := cwDecodeJSON([]byte(text))
	if err != nil {
		return nil, "", false
	}
	m, _ := doc.(map[string]any)
	return cwFromSNSMessage(m)
}

// cwFromSNSMessage maps the alarm message CloudWatch publishes to SNS.
func cwFromSNSMessage(m map[string]any) (map[string]any, string, bool) {
	name, _ := m["AlarmName"].(string)
	if name == "" {
		return nil, "", false
	}
	out := map[string]any{"AlarmName": name}
	cwCopy(out, m, map[string]string{
		"AlarmArn": "AlarmArn", "AlarmDescription": "AlarmDescription",
		"NewStateValue": "StateValue", "NewStateReason": "StateReason",
	})
	cwSetTimes(out, m["StateChangeTime"], "StateUpdatedTimestamp", "StateTransitionedTimestamp")
	cwSetTimes(out, m["AlarmConfigurationUpdatedTimestamp"], "AlarmConfigurationUpdatedTimestamp")
	if rule, _ := m["AlarmRule"].(string); rule != "" {
		out["AlarmRule"] = rule
		if data := cwTriggeringAlarms(m["TriggeringChildren"]); data != "" {
			out["StateReasonData"] = data
		}
		return out, cwCompositeAlarm, true
	}
	trigger, _ := m["Trigger"].(map[string]any)
	if trigger == nil {
		return out, cwMetricAlarm, true
	}
	cwCopy(out, trigger, map[string]string{
		"MetricName": "MetricName", "Namespace": "Namespace", "Unit": "Unit", "Period": "Period",
		"EvaluationPeriods": "EvaluationPeriods", "DatapointsToAlarm": "DatapointsToAlarm",
		"ComparisonOperator": "ComparisonOperator", "Threshold": "Threshold",
		"ThresholdMetricId": "ThresholdMetricId", "EvaluateLowSampleCountPercentile": "EvaluateLowSampleCountPercentile",
		"ExtendedStatistic": "ExtendedStatistic",
	})
	if stat, _ := trigger["Statistic"].(string); stat != "" {
		if trigger["StatisticType"] == "ExtendedStatistic" {
			out["ExtendedStatistic"] = stat
		} else {
			out["Statistic"] = cwStatisticName(stat)
		}
	}
	// SNS renders TreatMissingData as "- TreatMissingData:   missing".
	if tmd, _ := trigger["TreatMissingData"].(string); tmd != "" {
		fields := strings.Fields(tmd)
		if v := fields[len(fields)-1]; slices.Contains([]string{"missing", "ignore", "breaching", "notBreaching"}, v) {
			out["TreatMissingData"] = v
		}
	}
	if dims := cwDimensions(trigger["Dimensions"]); dims != nil {
		out["Dimensions"] = dims
	}
	if metrics, _ := trigger["Metrics"].([]any); len(metrics) > 0 {
		list := make([]any, 0, len(metrics))
		for _, e := range metrics {
			entry, _ := e.(map[string]any)
			if entry == nil {
				continue
			}
			if stat, ok := entry["MetricStat"].(map[string]any); ok {
				if metric, ok := stat["Metric"].(map[string]any); ok {
					if dims := cwDimensions(metric["Dimensions"]); dims != nil {
						metric["Dimensions"] = dims
					}
				}
			}
			list = append(list, entry)
		}
		out["Metrics"] = list
	}
	return out, cwMetricAlarm, true
}

// cwFromEvent maps the alarm of an EventBridge state change (detail) or of a
// Lambda alarm action (alarmData): both use camel-case keys.
func cwFromEvent(d map[string]any, arn string) (map[string]any, string, bool) {
	name, _ := d["alarmName"].(string)
	if name == "" {
		return nil, "", false
	}
	out := map[string]any{"AlarmName": name}
	if arn != "" {
		out["AlarmArn"] = arn
	}
	if state, ok := d["state"].(map[string]any); ok {
		cwCopy(out, state, map[string]string{"value": "StateValue", "reason": "StateReason", "reasonData": "StateReasonData"})
		cwSetTimes(out, state["timestamp"], "StateUpdatedTimestamp", "StateTransitionedTimestamp")
	}
	cfg, _ := d["configuration"].(map[string]any)
	cwCopy(out, cfg, map[string]string{
		"description": "AlarmDescription", "actionsSuppressor": "ActionsSuppressor",
		"actionsSuppressorWaitPeriod": "ActionsSuppressorWaitPeriod", "actionsSuppressorExtensionPeriod": "ActionsSuppressorExtensionPeriod",
	})
	if rule, _ := cfg["alarmRule"].(string); rule != "" {
		out["AlarmRule"] = rule
		return out, cwCompositeAlarm, true
	}
	events, _ := cfg["metrics"].([]any)
	var metrics []map[string]any
	for _, e := range events {
		if m, ok := e.(map[string]any); ok {
			metrics = append(metrics, cwEventMetric(m))
		}
	}
	// A plain alarm's single metric is reported as a one-entry list; the API
	// returns it as the alarm's own MetricName, Namespace and Dimensions.
	if len(metrics) == 1 && metrics[0]["MetricStat"] != nil && metrics[0]["Expression"] == nil {
		stat := metrics[0]["MetricStat"].(map[string]any)
		metric := stat["Metric"].(map[string]any)
		for k, v := range metric {
			out[k] = v
		}
		cwCopy(out, stat, map[string]string{"Period": "Period", "Unit": "Unit"})
		if s, _ := stat["Stat"].(string); s != "" {
			if slices.Contains(cwBasicStatistics, s) {
				out["Statistic"] = s
			} else {
				out["ExtendedStatistic"] = s
			}
		}
		return out, cwMetricAlarm, true
	}
	if len(metrics) > 0 {
		list := make([]any, len(metrics))
		for i, m := range metrics {
			list[i] = m
		}
		out["Metrics"] = list
	}
	return out, cwMetricAlarm, true
}

func cwEventMetric(m map[string]any) map[string]any {
	out := map[string]any{}
	cwCopy(out, m, map[string]string{"id": "Id", "expression": "Expression", "label": "Label", "returnData": "ReturnData", "period": "Period", "accountId": "AccountId"})
	stat, _ := m["metricStat"].(map[string]any)
	if stat == nil {
		return out
	}
	metric := map[string]any{}
	if src, ok := stat["metric"].(map[string]any); ok {
		cwCopy(metric, src, map[string]string{"namespace": "Namespace", "name": "MetricName"})
		if dims := cwDimensions(src["dimensions"]); dims != nil {
			metric["Dimensions"] = dims
		}
	}
	ms := map[string]any{"Metric": metric}
	cwCopy(ms, stat, map[string]string{"period": "Period", "stat": "Stat", "unit": "Unit"})
	out["MetricStat"] = ms
	return out
}

// cwDimensions converts SNS ([{"name","value"}]) and event ({"Name":"value"})
// dimensions into the API's [{"Name","Value"}], sorted by name.
func cwDimensions(v any) []any {
	var dims []map[string]any
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			d, _ := e.(map[string]any)
			name, value := cwFirstString(d, "Name", "name"), cwFirstString(d, "Value", "value")
			if name != "" {
				dims = append(dims, map[string]any{"Name": name, "Value": value})
			}
		}
	case map[string]any:
		for k, val := range x {
			s, _ := val.(string)
			dims = append(dims, map[string]any{"Name": k, "Value": s})
		}
	}
	if dims == nil {
		return nil
	}
	sort.Slice(dims, func(i, j int) bool { return dims[i]["Name"].(string) < dims[j]["Name"].(string) })
	out := make([]any, len(dims))
	for i, d := range dims {
		out[i] = d
	}
	return out
}

// cwTriggeringAlarms renders an SNS composite message's TriggeringChildren as
// the StateReasonData a composite alarm carries.
func cwTriggeringAlarms(v any) string {
	children, _ := v.([]any)
	type state struct {
		Value     string `json:"value,omitempty"`
		Timestamp string `json:"timestamp,omitempty"`
	}
	type child struct {
		ARN   string `json:"arn"`
		State state  `json:"state"`
	}
	var list []child
	for _, c := range children {
		m, _ := c.(map[string]any)
		arn := cwFirstString(m, "Arn", "arn")
		if arn == "" {
			continue
		}
		st, _ := m["State"].(map[string]any)
		list = append(list, child{ARN: arn, State: state{Value: cwFirstString(st, "Value", "value"), Timestamp: cwFirstString(st, "Timestamp", "timestamp")}})
	}
	if len(list) == 0 {
		return ""
	}
	b, err := json.Marshal(map[string]any{"triggeringAlarms": list})
	if err != nil {
		return ""
	}
	return string(b)
}

var cwBasicStatistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

// cwStatisticName maps SNS's upper-case statistic (SAMPLE_COUNT) to the API's name.
func cwStatisticName(s string) string {
	key := strings.ReplaceAll(strings.ToLower(s), "_", "")
	for _, name := range cwBasicStatistics {
		if strings.ToLower(name) == key {
			return name
		}
	}
	return s
}

func cwCopy(dst, src map[string]any, names map[string]string) {
	for from, to := range names {
		if v, ok := src[from]; ok && v != nil && v != "" {
			dst[to] = v
		}
	}
}

func cwFirstString(m map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := m[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// cwSetTimes stores a notification time under the given members; a time the
// notification garbles is left out rather than guessed.
func cwSetTimes(out map[string]any, v any, members ...string) {
	s, _ := v.(string)
	t, err := cwParseTime(s)
	if err != nil {
		return
	}
	for _, m := range members {
		out[m] = t.Format(time.RFC3339Nano)
	}
}
