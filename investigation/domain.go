// Package investigation is Trailhound's domain: alarms, resources, trail
// events and the report a triage produces, and the vocabulary every other
// package shares (ARNs, error reasons, alarm identity, asked-for times).
//
// The package imports nothing of the project. It defines the small
// interfaces the engine consumes (Trail, Topology, Logs, IAM, Alarms); the
// adapters in package tools, the sandbox and the tests implement them. The
// engine, the change catalogue and the agent live in sub-packages.
package investigation

import (
	"encoding/json"
	"strings"
	"time"
)

// State is a CloudWatch alarm state.
type State string

const (
	StateAlarm            State = "ALARM"
	StateOK               State = "OK"
	StateInsufficientData State = "INSUFFICIENT_DATA"
)

// Delivery names the shape an alarm notification arrived in.
type Delivery string

const (
	DeliverySNSLambda   Delivery = "sns-lambda"   // {"Records":[{"Sns":{"Message":"<json string>"}}]}
	DeliverySNSEnvelope Delivery = "sns-envelope" // SNS HTTP/SQS body with Type/Message/Signing*
	DeliveryRaw         Delivery = "raw"          // the alarm message itself (SQS raw delivery)
	DeliveryEventBridge Delivery = "eventbridge"  // "CloudWatch Alarm State Change"
	DeliveryAlarmAction Delivery = "lambda-alarm-action"
	DeliveryEmail       Delivery = "sns-email" // the e-mail text, as posted into a channel
	DeliveryChatbot     Delivery = "chatbot"   // AWS Chatbot / Amazon Q Developer message
)

// Dimension is one CloudWatch metric dimension.
type Dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Metric is one metric an alarm watches: the single metric of a plain alarm,
// or one entry of a metric-math alarm (Expression set for the math rows).
type Metric struct {
	ID         string      `json:"id,omitempty"`
	Namespace  string      `json:"namespace,omitempty"`
	Name       string      `json:"name,omitempty"`
	Dimensions []Dimension `json:"dimensions,omitempty"`
	Expression string      `json:"expression,omitempty"`
	Stat       string      `json:"stat,omitempty"`
	Period     int         `json:"period,omitempty"` // seconds
	// AccountID is the account the metric belongs to when it is not the
	// alarm's (CloudWatch cross-account observability): its resource lives there.
	AccountID string `json:"account_id,omitempty"`
}

// Alarm is a CloudWatch alarm notification, whatever shape it was delivered in.
type Alarm struct {
	Name            string    `json:"name"`
	ARN             string    `json:"arn"`
	Account         string    `json:"account"`
	Region          string    `json:"region"`
	Description     string    `json:"description,omitempty"`
	State           State     `json:"state"`
	PreviousState   State     `json:"previous_state,omitempty"`
	StateChangeTime time.Time `json:"state_change_time"`
	Reason          string    `json:"reason,omitempty"`

	// Metrics holds the watched metric (one entry) or every metric of a
	// metric-math alarm. Empty for composite alarms.
	Metrics           []Metric `json:"metrics,omitempty"`
	EvaluationPeriods int      `json:"evaluation_periods,omitempty"`
	// Comparison is the alarm's ComparisonOperator ("GreaterThanThreshold")
	// and Threshold its threshold; "" when the notification did not say.
	Comparison string  `json:"comparison,omitempty"`
	Threshold  float64 `json:"threshold,omitempty"`

	// Composite alarms: the rule and the children that triggered it
	// (ARNs or names, as delivered).
	AlarmRule          string   `json:"alarm_rule,omitempty"`
	TriggeringChildren []string `json:"triggering_children,omitempty"`

	Delivery Delivery `json:"delivery,omitempty"`

	// Resources is filled by scoping: the resources the alarm is about.
	Resources []Resource `json:"resources,omitempty"`
}

// IsComposite reports whether the alarm is a composite alarm.
func (a Alarm) IsComposite() bool { return a.AlarmRule != "" || len(a.TriggeringChildren) > 0 }

// Resource is an AWS resource in AWS Config / CloudFormation vocabulary.
type Resource struct {
	Type   string `json:"type"`             // e.g. "AWS::Lambda::Function"
	ID     string `json:"id"`               // name or id as CloudTrail records it
	ARN    string `json:"arn,omitempty"`    // when known
	Region string `json:"region,omitempty"` // where its API calls are recorded
	// Account owns the resource, from its ARN; "" is the alarm's account.
	Account string `json:"account,omitempty"`
}

// Key identifies a resource regardless of how it was found.
func (r Resource) Key() string { return r.Type + "|" + r.ID }

// EventResource is one entry of a CloudTrail event's Resources list as
// LookupEvents reports it.
type EventResource struct {
	Type string `json:"type"`
	Name string `json:"id"`
}

// Event is one CloudTrail management event.
type Event struct {
	ID          string          `json:"event_id"`
	Name        string          `json:"event_name"`
	Source      string          `json:"event_source"` // e.g. "iam.amazonaws.com"
	Time        time.Time       `json:"event_time"`
	Region      string          `json:"region"`
	Account     string          `json:"account,omitempty"`
	Actor       Actor           `json:"-"`
	UserAgent   string          `json:"-"`
	SourceIP    string          `json:"-"`
	ReadOnly    bool            `json:"-"`
	ErrorCode   string          `json:"error_code,omitempty"`
	ErrorMsg    string          `json:"-"`
	Resources   []EventResource `json:"resources,omitempty"`
	RequestJSON json.RawMessage `json:"-"` // requestParameters
	// Raw is the whole record as CloudTrail delivered it.
	Raw json.RawMessage `json:"-"`
}

// Service is the short name of the service that recorded the call, e.g. "iam".
func (e Event) Service() string { return strings.TrimSuffix(e.Source, ".amazonaws.com") }

// Failed reports whether the call was refused or failed: evidence, never a change.
func (e Event) Failed() bool { return e.ErrorCode != "" }

// ActorKind says who is behind a call, from userIdentity and userAgent.
type ActorKind string

const (
	ActorConsole    ActorKind = "console"    // a person in the AWS console
	ActorHuman      ActorKind = "human"      // a person with CLI/SDK credentials
	ActorAutomation ActorKind = "automation" // a pipeline or IaC tool
	ActorService    ActorKind = "service"    // AWS on its own or on someone's behalf
	ActorUnknown    ActorKind = "unknown"
)

// Actor is who made a call.
type Actor struct {
	Name string    `json:"name"` // user name, role session or service
	ARN  string    `json:"arn,omitempty"`
	Kind ActorKind `json:"kind"`
}

// LogLine is one log event read for corroboration.
type LogLine struct {
	Group   string    `json:"group"`
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
}

// PolicyVersion is one version of a managed IAM policy.
type PolicyVersion struct {
	ID        string          `json:"id"`
	Created   time.Time       `json:"created"`
	IsDefault bool            `json:"is_default"`
	Document  json.RawMessage `json:"document,omitempty"`
}

// PreviousPolicyVersion is the version to go back to when a change made a new
// default version at changeAt: the newest one created before it; nil if none.
func PreviousPolicyVersion(versions []PolicyVersion, changeAt time.Time) *PolicyVersion {
	var prev *PolicyVersion
	for i := range versions {
		v := &versions[i]
		if v.Created.Before(changeAt) && (prev == nil || v.Created.After(prev.Created)) {
			prev = v
		}
	}
	return prev
}
