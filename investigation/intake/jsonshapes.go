package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// parseJSON detects the delivery shape of a JSON notification by its
// distinguishing keys. nested is set for the message inside an SNS wrapper,
// which cannot itself be another SNS wrapper.
func parseJSON(data []byte, nested bool) (investigation.Alarm, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return investigation.Alarm{}, fmt.Errorf("%w: JSON %s is not an object", ErrNotAlarm, typeErr.Value)
		}
		return investigation.Alarm{}, fmt.Errorf("notification is not valid JSON: %w", err)
	}
	has := func(key string) bool { _, ok := top[key]; return ok }
	switch {
	case has("Records") && !nested:
		return parseSNSRecords(top["Records"])
	case has("Type") && has("Message") && !nested:
		return parseSNSEnvelope(data)
	case has("alarmData"):
		return parseAlarmAction(data)
	case has("detail-type"):
		return parseEventBridge(data)
	case has("AlarmName") || has("AlarmArn") || has("NewStateValue"):
		return parseAlarmMessage(data, investigation.DeliveryRaw)
	case has("awslogs"):
		return investigation.Alarm{}, fmt.Errorf("%w: this is a CloudWatch Logs subscription event", ErrNotAlarm)
	case nested && (has("Records") || has("Type")):
		return investigation.Alarm{}, fmt.Errorf("%w: SNS message is itself an SNS wrapper", ErrNotAlarm)
	}
	return investigation.Alarm{}, fmt.Errorf("%w: JSON object has none of Records, Type and Message, detail-type, alarmData or AlarmName", ErrNotAlarm)
}

// snsMessage is the part of an SNS notification shared by the Lambda record's
// "Sns" object and the HTTP/SQS envelope. SigningCertURL (Lambda spells it
// SigningCertUrl) and the signature are not read: the SQS and Lambda paths are
// authenticated by IAM, and an HTTP endpoint verifies signatures before parsing.
type snsMessage struct {
	Type      string           `json:"Type"`
	MessageID string           `json:"MessageId"`
	TopicArn  string           `json:"TopicArn"`
	Message   *json.RawMessage `json:"Message"`
}

type snsRecord struct {
	EventSource string      `json:"EventSource"`
	Sns         *snsMessage `json:"Sns"`
}

// parseSNSRecords reads the SNS→Lambda event. SNS invokes a function with one
// record; records that repeat the same message (a redelivery, or a test event
// built by copying) are one notification, so the first is read. Records with
// different messages are different notifications that no single Alarm can
// hold: they are refused rather than silently dropped.
func parseSNSRecords(raw json.RawMessage) (investigation.Alarm, error) {
	var records []snsRecord
	if err := json.Unmarshal(raw, &records); err != nil {
		return investigation.Alarm{}, fmt.Errorf("decode Records: %w", err)
	}
	if len(records) == 0 {
		return investigation.Alarm{}, errors.New("event has no Records")
	}
	var first []byte
	for i, r := range records {
		if !strings.EqualFold(r.EventSource, "aws:sns") || r.Sns == nil {
			return investigation.Alarm{}, fmt.Errorf("%w: Records[%d] has EventSource %q, not an aws:sns message", ErrNotAlarm, i, r.EventSource)
		}
		if r.Sns.Message == nil {
			return investigation.Alarm{}, fmt.Errorf("Records[%d].Sns has no Message", i)
		}
		if i == 0 {
			first = *r.Sns.Message
		} else if !bytes.Equal(*r.Sns.Message, first) {
			return investigation.Alarm{}, fmt.Errorf("event holds %d records with different SNS messages; parse each record on its own", len(records))
		}
	}
	return parseSNSMessage(records[0].Sns, investigation.DeliverySNSLambda)
}

func parseSNSEnvelope(data []byte) (investigation.Alarm, error) {
	var env snsMessage
	if err := json.Unmarshal(data, &env); err != nil {
		return investigation.Alarm{}, fmt.Errorf("decode SNS envelope: %w", err)
	}
	return parseSNSMessage(&env, investigation.DeliverySNSEnvelope)
}

// parseSNSMessage unwraps the alarm JSON that SNS carries as a string.
func parseSNSMessage(m *snsMessage, d investigation.Delivery) (investigation.Alarm, error) {
	switch m.Type {
	case "Notification", "":
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		return investigation.Alarm{}, fmt.Errorf("%w: SNS %s for topic %q (confirm it through its SubscribeURL)", ErrNotAlarm, m.Type, m.TopicArn)
	default:
		return investigation.Alarm{}, fmt.Errorf("%w: SNS message type %q", ErrNotAlarm, m.Type)
	}
	if m.Message == nil {
		return investigation.Alarm{}, errors.New("SNS notification has no Message")
	}
	var body string
	if err := json.Unmarshal(*m.Message, &body); err != nil {
		return investigation.Alarm{}, fmt.Errorf("SNS Message is not a string: %w", err)
	}
	body = strings.TrimSpace(body)
	if !strings.HasPrefix(body, "{") {
		return investigation.Alarm{}, fmt.Errorf("%w: SNS message is not JSON", ErrNotAlarm)
	}
	a, err := parseJSON([]byte(body), true)
	var incomplete *IncompleteError
	switch {
	case errors.As(err, &incomplete):
		incomplete.Delivery = d
		return investigation.Alarm{}, incomplete
	case err != nil:
		return investigation.Alarm{}, fmt.Errorf("SNS message: %w", err)
	}
	if a.Account == "" {
		// The topic is the alarm's when nothing else names the account:
		// an alarm publishes to a topic of its own account.
		if topic, ok := investigation.ParseARN(m.TopicArn); ok {
			a.Account = accountOrEmpty(topic.Account)
		}
	}
	a.Delivery = d
	return a, nil
}

// accountOrEmpty is s when it is a 12-digit account id, else "".
func accountOrEmpty(s string) string {
	if s = strings.TrimSpace(s); accountID.MatchString(s) {
		return s
	}
	return ""
}

// dimensions decodes both spellings of a metric's dimensions: the SNS list
// [{"name":…,"value":…}] and the EventBridge / alarm-action map {"Name":"value"}.
// A map has no order, so its entries are sorted by name.
type dimensions []investigation.Dimension

func (ds *dimensions) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*ds = nil
		return nil
	}
	if len(b) > 0 && b[0] == '{' {
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("dimensions map: %w", err)
		}
		out := make(dimensions, 0, len(m))
		for name, value := range m {
			out = append(out, investigation.Dimension{Name: name, Value: value})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		*ds = out
		return nil
	}
	var list []investigation.Dimension
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("dimensions list: %w", err)
	}
	*ds = list
	return nil
}

// snsAlarm is the alarm message CloudWatch publishes to SNS.
type snsAlarm struct {
	AlarmName          string      `json:"AlarmName"`
	AlarmDescription   string      `json:"AlarmDescription"`
	AWSAccountID       string      `json:"AWSAccountId"`
	NewStateValue      string      `json:"NewStateValue"`
	NewStateReason     string      `json:"NewStateReason"`
	StateChangeTime    string      `json:"StateChangeTime"`
	Region             string      `json:"Region"`
	AlarmArn           string      `json:"AlarmArn"`
	OldStateValue      string      `json:"OldStateValue"`
	Trigger            *snsTrigger `json:"Trigger"`
	AlarmRule          string      `json:"AlarmRule"`
	TriggeringChildren []struct {
		Arn string `json:"Arn"`
	} `json:"TriggeringChildren"`
}

type snsTrigger struct {
	MetricName        string     `json:"MetricName"`
	Namespace         string     `json:"Namespace"`
	Statistic         string     `json:"Statistic"`
	ExtendedStatistic string     `json:"ExtendedStatistic"`
	Dimensions        dimensions `json:"Dimensions"`
	Period            int        `json:"Period"`
	EvaluationPeriods int        `json:"EvaluationPeriods"`
	Metrics           []snsQuery `json:"Metrics"`
	// ComparisonOperator and Threshold draw the alarm's line in the picture.
	ComparisonOperator string  `json:"ComparisonOperator"`
	Threshold          float64 `json:"Threshold"`
}

type snsQuery struct {
	ID         string `json:"Id"`
	Expression string `json:"Expression"`
	Period     int    `json:"Period"`
	AccountID  string `json:"AccountId"`
	MetricStat *struct {
		Metric struct {
			MetricName string     `json:"MetricName"`
			Namespace  string     `json:"Namespace"`
			Dimensions dimensions `json:"Dimensions"`
		} `json:"Metric"`
		Period int    `json:"Period"`
		Stat   string `json:"Stat"`
	} `json:"MetricStat"`
}

// parseAlarmMessage reads the alarm message SNS carries (also delivered bare
// by SQS raw message delivery).
func parseAlarmMessage(data []byte, d investigation.Delivery) (investigation.Alarm, error) {
	var m snsAlarm
	if err := json.Unmarshal(data, &m); err != nil {
		return investigation.Alarm{}, fmt.Errorf("decode alarm message: %w", err)
	}
	if strings.TrimSpace(m.AlarmName) == "" {
		return investigation.Alarm{}, errors.New("alarm message has no AlarmName")
	}
	a := investigation.Alarm{
		Name:        strings.TrimSpace(m.AlarmName),
		Description: m.AlarmDescription,
		Reason:      m.NewStateReason,
		AlarmRule:   m.AlarmRule,
	}
	if err := locate(&a, m.AlarmArn, m.Region, m.AWSAccountID); err != nil {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	var err error
	if a.State, err = parseState("NewStateValue", m.NewStateValue); err != nil {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	if a.PreviousState, err = parsePreviousState("OldStateValue", m.OldStateValue); err != nil {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	if m.StateChangeTime == "" {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: alarm message has no StateChangeTime", a.Name)
	}
	if a.StateChangeTime, err = parseISOTime(m.StateChangeTime); err != nil {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: StateChangeTime: %w", a.Name, err)
	}
	for _, c := range m.TriggeringChildren {
		if c.Arn != "" {
			a.TriggeringChildren = append(a.TriggeringChildren, normaliseARN(c.Arn))
		}
	}
	if t := m.Trigger; t != nil {
		a.EvaluationPeriods = t.EvaluationPeriods
		a.Comparison, a.Threshold = t.ComparisonOperator, t.Threshold
		if t.MetricName != "" {
			stat := t.Statistic
			if stat == "" {
				stat = t.ExtendedStatistic
			}
			a.Metrics = append(a.Metrics, investigation.Metric{
				Namespace: t.Namespace, Name: t.MetricName, Dimensions: t.Dimensions,
				Stat: normaliseStat(stat), Period: t.Period,
			})
		}
		for _, q := range t.Metrics {
			metric := investigation.Metric{ID: q.ID, Expression: q.Expression, Period: q.Period, AccountID: accountOrEmpty(q.AccountID)}
			if s := q.MetricStat; s != nil {
				metric.Namespace, metric.Name, metric.Dimensions = s.Metric.Namespace, s.Metric.MetricName, s.Metric.Dimensions
				metric.Stat = normaliseStat(s.Stat)
				if s.Period != 0 {
					metric.Period = s.Period
				}
			}
			a.Metrics = append(a.Metrics, metric)
		}
	}
	return finish(a, d, len(a.Metrics) > 0 || a.AlarmRule != "", "both Trigger and AlarmRule")
}
