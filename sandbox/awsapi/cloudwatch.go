package awsapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// mountMonitoringServices mounts CloudWatch, IAM and Bedrock Runtime.
func (a *Emulator) mountMonitoringServices() {
	a.services["monitoring"] = newCloudWatchService(a)
	a.services["iam"] = newIAMService(a)
	a.services["bedrock"] = newBedrockService(a)
}

const (
	cwServicePath     = "/service/GraniteServiceVersion20100801/operation/"
	cwMetricAlarm     = "MetricAlarm"
	cwCompositeAlarm  = "CompositeAlarm"
	cwDefaultPageSize = 50
	cwMaxPageSize     = 100
	cwMaxAlarmNames   = 100
	cwMaxRequestBytes = 1 << 20
)

// cwAlarm is one alarm as DescribeAlarms returns it.
type cwAlarm struct {
	Name    string
	Type    string // cwMetricAlarm or cwCompositeAlarm
	Region  string
	State   string
	Rule    string   // composite alarms only
	Actions []string // alarm, OK and insufficient-data actions
	wire    cbor.Value
}

// cwHistoryItem is one entry of DescribeAlarmHistory.
type cwHistoryItem struct {
	Name     string
	Type     string
	ItemType string
	Region   string
	Time     time.Time
	wire     cbor.Value
}

// cloudWatchService answers CloudWatch from the scenario's alarms.json,
// alarm.json and metrics.json, in every protocol its clients send.
type cloudWatchService struct {
	aws     *Emulator
	alarms  []cwAlarm // sorted by name
	history []cwHistoryItem
	series  []scenario.MetricSeries // metrics.json
	loadErr error                   // a malformed scenario file: every call answers it
}

func newCloudWatchService(a *Emulator) *cloudWatchService {
	s := &cloudWatchService{aws: a}
	s.loadErr = s.load(a.sc)
	return s
}

// cwAlarmsFileMembers are the members of alarms.json: DescribeAlarms'
// response members (with the alarm type each holds), plus AlarmHistory, the
// entries DescribeAlarmHistory answers.
var cwAlarmsFileMembers = map[string]string{
	"MetricAlarms":    cwMetricAlarm,
	"CompositeAlarms": cwCompositeAlarm,
	"AlarmHistory":    "",
}

func (s *cloudWatchService) load(sc *scenario.Scenario) error {
	top := map[string]any{}
	if len(sc.Alarms) > 0 {
		doc, err := cwDecodeJSON(sc.Alarms)
		if err != nil {
			return fmt.Errorf("scenario alarms.json: %w", err)
		}
		var ok bool
		if top, ok = doc.(map[string]any); !ok {
			return fmt.Errorf("scenario alarms.json: want an object with MetricAlarms, CompositeAlarms, AlarmHistory")
		}
		for member := range top {
			if _, known := cwAlarmsFileMembers[member]; !known {
				return fmt.Errorf("scenario alarms.json: unknown member %q (want MetricAlarms, CompositeAlarms, AlarmHistory)", member)
			}
		}
	}
	// Alarms first: history entries without AlarmType take their alarm's.
	for _, member := range []string{"MetricAlarms", "CompositeAlarms"} {
		if err := s.loadList(top, member, func(obj map[string]any, path string) error {
			return s.addAlarm(obj, cwAlarmsFileMembers[member], sc.Meta.Region, path)
		}); err != nil {
			return err
		}
	}
	// The alarm being triaged must be describable even when alarms.json does
	// not list it, as it would be in the account.
	if obj, kind, ok := cwScenarioAlarm(sc.Alarm); ok && !s.hasAlarm(obj["AlarmName"].(string), cwRegionOf(obj, sc.Meta.Region)) {
		b, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("scenario alarm.json: %w", err)
		}
		doc, err := cwDecodeJSON(b)
		if err != nil {
			return fmt.Errorf("scenario alarm.json: %w", err)
		}
		if err := s.addAlarm(doc.(map[string]any), kind, sc.Meta.Region, "alarm.json"); err != nil {
			return fmt.Errorf("scenario %w", err)
		}
	}
	if err := s.loadList(top, "AlarmHistory", func(obj map[string]any, path string) error {
		return s.addHistory(obj, sc.Meta.Region, path)
	}); err != nil {
		return err
	}
	if sc.Metrics != nil {
		for i, se := range sc.Metrics.Series {
			if len(se.Timestamps) != len(se.Values) {
				return fmt.Errorf("scenario metrics.json series[%d]: %d timestamps for %d values", i, len(se.Timestamps), len(se.Values))
			}
		}
		s.series = sc.Metrics.Series
	}
	sort.Slice(s.alarms, func(i, j int) bool { return s.alarms[i].Name < s.alarms[j].Name })
	sort.SliceStable(s.history, func(i, j int) bool { return s.history[i].Time.After(s.history[j].Time) })
	return nil
}

// loadList hands each object of alarms.json's member to add.
func (s *cloudWatchService) loadList(top map[string]any, member string, add func(obj map[string]any, path string) error) error {
	list, present := top[member]
	if !present {
		return nil
	}
	items, ok := list.([]any)
	if !ok {
		return fmt.Errorf("scenario alarms.json: %s must be a list", member)
	}
	for i, item := range items {
		path := fmt.Sprintf("alarms.json %s[%d]", member, i)
		obj, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("scenario %s: not an object", path)
		}
		if err := add(obj, path); err != nil {
			return fmt.Errorf("scenario %w", err)
		}
	}
	return nil
}

func (s *cloudWatchService) hasAlarm(name, region string) bool {
	for _, a := range s.alarms {
		if a.Name == name && a.Region == region {
			return true
		}
	}
	return false
}

func (s *cloudWatchService) addAlarm(obj map[string]any, kind, defaultRegion, path string) error {
	name, _ := obj["AlarmName"].(string)
	if name == "" {
		return fmt.Errorf("%s: AlarmName is missing", path)
	}
	region := cwRegionOf(obj, defaultRegion)
	if s.hasAlarm(name, region) {
		return fmt.Errorf("%s: alarm %q is listed twice in %s", path, name, region)
	}
	wire, err := cwToCBOR(obj, "", path)
	if err != nil {
		return err
	}
	a := cwAlarm{Name: name, Type: kind, Region: region, wire: wire}
	a.State, _ = obj["StateValue"].(string)
	a.Rule, _ = obj["AlarmRule"].(string)
	for _, member := range []string{"AlarmActions", "OKActions", "InsufficientDataActions"} {
		list, _ := obj[member].([]any)
		for _, v := range list {
			if action, ok := v.(string); ok {
				a.Actions = append(a.Actions, action)
			}
		}
	}
	s.alarms = append(s.alarms, a)
	return nil
}

func (s *cloudWatchService) addHistory(obj map[string]any, defaultRegion, path string) error {
	name, _ := obj["AlarmName"].(string)
	if name == "" {
		return fmt.Errorf("%s: AlarmName is missing", path)
	}
	ts, _ := obj["Timestamp"].(string)
	t, err := cwParseTime(ts)
	if err != nil {
		return fmt.Errorf("%s: Timestamp: %w", path, err)
	}
	item := cwHistoryItem{Name: name, Time: t, Region: defaultRegion}
	item.ItemType, _ = obj["HistoryItemType"].(string)
	item.Type, _ = obj["AlarmType"].(string)
	if item.Type == "" {
		// History entries written without AlarmType take their alarm's type.
		item.Type = cwMetricAlarm
		for _, a := range s.alarms {
			if a.Name == name && a.Region == item.Region {
				item.Type = a.Type
			}
		}
		obj["AlarmType"] = item.Type
	}
	if item.wire, err = cwToCBOR(obj, "", path); err != nil {
		return err
	}
	s.history = append(s.history, item)
	return nil
}

// cwRegionOf reads the region from an alarm's ARN.
func cwRegionOf(obj map[string]any, def string) string {
	arn, _ := obj["AlarmArn"].(string)
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && parts[3] != "" {
		return strings.TrimSpace(parts[3])
	}
	return def
}

func (s *cloudWatchService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	proto, op := cwDetectProtocol(r)
	if proto == nil {
		cwCBOR.writeError(w, http.StatusNotFound, "UnknownOperationException", "", "message",
			"the sandbox serves CloudWatch over Smithy RPC v2 CBOR at "+cwServicePath+"<Operation>, JSON 1.0 and the query protocol")
		return
	}
	handle, ok := map[string]func(cwRequest, string) (cbor.Map, *cwError){
		"DescribeAlarms":       s.describeAlarms,
		"DescribeAlarmHistory": s.describeAlarmHistory,
		"GetMetricData":        s.getMetricData,
		"GetMetricStatistics":  s.getMetricStatistics,
	}[op]
	if !ok {
		proto.writeError(w, http.StatusBadRequest, "UnknownOperationException", "InvalidAction;Sender", "message", "the sandbox does not serve CloudWatch "+op)
		return
	}
	if !s.aws.begin(w, r, "cloudwatch:"+op, proto.writeFault) {
		return
	}
	if s.loadErr != nil {
		proto.writeError(w, http.StatusInternalServerError, "com.amazonaws.cloudwatch#InternalServiceFault", "InternalServiceError;Receiver", "Message", "sandbox: "+s.loadErr.Error())
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, cwMaxRequestBytes))
	if err != nil {
		proto.writeError(w, http.StatusBadRequest, "SerializationException", "", "message", "read request body: "+err.Error())
		return
	}
	req, err := proto.decode(r, body)
	if err != nil {
		proto.writeError(w, http.StatusBadRequest, "SerializationException", "", "message", err.Error())
		return
	}
	out, cerr := handle(req, s.aws.requestRegion(r))
	if cerr != nil {
		proto.writeError(w, http.StatusBadRequest, "com.amazonaws.cloudwatch#"+cerr.shape, cerr.queryCode+";Sender", "message", cerr.msg)
		return
	}
	proto.write(w, op, out)
}

// cwError is a modeled CloudWatch client error: its Smithy shape and the
// awsQuery code the service keeps for query-compatible clients.
type cwError struct {
	shape, queryCode, msg string
}

func cwInvalidValue(format string, args ...any) *cwError {
	return &cwError{"InvalidParameterValueException", "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func cwInvalidCombination(format string, args ...any) *cwError {
	return &cwError{"InvalidParameterCombinationException", "InvalidParameterCombination", fmt.Sprintf(format, args...)}
}

var cwInvalidToken = &cwError{"InvalidNextToken", "InvalidNextToken", "The service returned an invalid next token."}
