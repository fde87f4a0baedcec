package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

const (
	stateChangeDetail  = "CloudWatch Alarm State Change"
	configChangeDetail = "CloudWatch Alarm Configuration Change"
)

// alarmBody is what EventBridge carries in "detail" and a Lambda alarm action
// in "alarmData": the alarm's name, current and previous state, and its
// configuration (metrics for a metric alarm, alarmRule for a composite).
type alarmBody struct {
	AlarmName     string      `json:"alarmName"`
	Operation     string      `json:"operation"`
	State         *alarmState `json:"state"`
	PreviousState *alarmState `json:"previousState"`
	Configuration struct {
		Description       string        `json:"description"`
		AlarmRule         string        `json:"alarmRule"`
		EvaluationPeriods int           `json:"evaluationPeriods"`
		Metrics           []metricQuery `json:"metrics"`
	} `json:"configuration"`
}

type alarmState struct {
	Value      string `json:"value"`
	Reason     string `json:"reason"`
	ReasonData string `json:"reasonData"`
	Timestamp  string `json:"timestamp"`
}

type metricQuery struct {
	ID         string `json:"id"`
	Expression string `json:"expression"`
	Period     int    `json:"period"`
	AccountID  string `json:"accountId"`
	MetricStat *struct {
		Metric struct {
			Namespace  string     `json:"namespace"`
			Name       string     `json:"name"`
			Dimensions dimensions `json:"dimensions"`
		} `json:"metric"`
		Period int    `json:"period"`
		Stat   string `json:"stat"`
	} `json:"metricStat"`
}

// envelope holds the fields around the body. EventBridge writes account,
// region, time and resources (the alarm ARN); a Lambda alarm action writes
// alarmArn, accountId, region and time.
type envelope struct {
	DetailType string     `json:"detail-type"`
	Source     string     `json:"source"`
	Account    string     `json:"account"`
	AccountID  string     `json:"accountId"`
	Region     string     `json:"region"`
	Time       string     `json:"time"`
	Resources  []string   `json:"resources"`
	AlarmArn   string     `json:"alarmArn"`
	Detail     *alarmBody `json:"detail"`
	AlarmData  *alarmBody `json:"alarmData"`
}

// alarmARNOf picks the alarm ARN: alarmArn when present, else the first
// resource that is a CloudWatch alarm ARN (EventBridge lists it there).
func (e envelope) alarmARNOf() string {
	if strings.TrimSpace(e.AlarmArn) != "" {
		return e.AlarmArn
	}
	for _, r := range e.Resources {
		if _, ok := investigation.ParseAlarmARN(strings.TrimSpace(r)); ok {
			return r
		}
	}
	return ""
}

func parseEventBridge(data []byte) (investigation.Alarm, error) {
	var e envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return investigation.Alarm{}, fmt.Errorf("decode EventBridge event: %w", err)
	}
	switch {
	case e.Source != "aws.cloudwatch":
		return investigation.Alarm{}, fmt.Errorf("%w: EventBridge event %q from source %q", ErrNotAlarm, e.DetailType, e.Source)
	case e.DetailType == configChangeDetail:
		op := ""
		if e.Detail != nil {
			op = e.Detail.Operation
		}
		return investigation.Alarm{}, fmt.Errorf("%w: EventBridge %q (operation %q) reports an edit to the alarm, not a state change", ErrNotAlarm, e.DetailType, op)
	case e.DetailType != stateChangeDetail:
		return investigation.Alarm{}, fmt.Errorf("%w: EventBridge event %q is not a %q", ErrNotAlarm, e.DetailType, stateChangeDetail)
	case e.Detail == nil:
		return investigation.Alarm{}, fmt.Errorf("EventBridge %q has no detail", e.DetailType)
	}
	return fromBody(e, e.Detail, investigation.DeliveryEventBridge)
}

// parseAlarmAction reads the event CloudWatch sends a Lambda alarm action.
// Some published copies wrap alarmData in an EventBridge envelope (account,
// resources, detail-type); the body is the same, so both envelopes are read.
func parseAlarmAction(data []byte) (investigation.Alarm, error) {
	var e envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return investigation.Alarm{}, fmt.Errorf("decode alarm-action event: %w", err)
	}
	switch {
	case e.Source != "aws.cloudwatch":
		return investigation.Alarm{}, fmt.Errorf("%w: alarm-action event from source %q, not aws.cloudwatch", ErrNotAlarm, e.Source)
	case e.DetailType == configChangeDetail:
		return investigation.Alarm{}, fmt.Errorf("%w: %q reports an edit to the alarm, not a state change", ErrNotAlarm, e.DetailType)
	case e.AlarmData == nil:
		return investigation.Alarm{}, errors.New("alarm-action event has a null alarmData")
	}
	return fromBody(e, e.AlarmData, investigation.DeliveryAlarmAction)
}

func fromBody(e envelope, b *alarmBody, d investigation.Delivery) (investigation.Alarm, error) {
	if strings.TrimSpace(b.AlarmName) == "" {
		return investigation.Alarm{}, fmt.Errorf("%s event has no alarmName", d)
	}
	a := investigation.Alarm{
		Name:              strings.TrimSpace(b.AlarmName),
		Description:       b.Configuration.Description,
		AlarmRule:         b.Configuration.AlarmRule,
		EvaluationPeriods: b.Configuration.EvaluationPeriods,
	}
	fail := func(err error) (investigation.Alarm, error) {
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %w", a.Name, err)
	}
	account := e.AccountID
	if account == "" {
		account = e.Account
	}
	if err := locate(&a, e.alarmARNOf(), e.Region, account); err != nil {
		return fail(err)
	}
	if b.State == nil {
		return fail(errors.New("event has no state"))
	}
	var err error
	if a.State, err = parseState("state.value", b.State.Value); err != nil {
		return fail(err)
	}
	if b.PreviousState != nil {
		if a.PreviousState, err = parsePreviousState("previousState.value", b.PreviousState.Value); err != nil {
			return fail(err)
		}
	}
	a.Reason = b.State.Reason
	// state.timestamp is the evaluation that changed the state, to the
	// millisecond; the envelope's time is when the event was emitted.
	when := b.State.Timestamp
	if when == "" {
		when = e.Time
	}
	if when == "" {
		return fail(errors.New("event has neither state.timestamp nor time"))
	}
	if a.StateChangeTime, err = parseISOTime(when); err != nil {
		return fail(fmt.Errorf("state.timestamp: %w", err))
	}
	if a.AlarmRule != "" && b.State.ReasonData != "" {
		if a.TriggeringChildren, err = triggeringAlarms(b.State.ReasonData); err != nil {
			return fail(err)
		}
	}
	for _, q := range b.Configuration.Metrics {
		metric := investigation.Metric{ID: q.ID, Expression: q.Expression, Period: q.Period, AccountID: accountOrEmpty(q.AccountID)}
		if s := q.MetricStat; s != nil {
			metric.Namespace, metric.Name, metric.Dimensions = s.Metric.Namespace, s.Metric.Name, s.Metric.Dimensions
			metric.Stat = normaliseStat(s.Stat)
			if s.Period != 0 {
				metric.Period = s.Period
			}
		}
		a.Metrics = append(a.Metrics, metric)
	}
	return finish(a, d, len(a.Metrics) > 0 || a.AlarmRule != "", "both configuration.metrics and configuration.alarmRule")
}

// triggeringAlarms reads the child ARNs a composite alarm's reasonData (a JSON
// document inside a string) names as having triggered the change.
func triggeringAlarms(reasonData string) ([]string, error) {
	var rd struct {
		TriggeringAlarms []struct {
			Arn string `json:"arn"`
		} `json:"triggeringAlarms"`
	}
	if err := json.Unmarshal([]byte(reasonData), &rd); err != nil {
		return nil, fmt.Errorf("state.reasonData: %w", err)
	}
	var arns []string
	for _, t := range rd.TriggeringAlarms {
		if t.Arn != "" {
			arns = append(arns, normaliseARN(t.Arn))
		}
	}
	return arns, nil
}
