package scenario

import (
	"encoding/json"
	"time"
)

// TopologyFile is topology.json, in AWS Config vocabulary.
type TopologyFile struct {
	Resources []ConfigItem `json:"resources"`
}

// ConfigItem is one resource as AWS Config records it.
type ConfigItem struct {
	Type          string            `json:"type"`
	ID            string            `json:"id"`
	Name          string            `json:"name,omitempty"`
	ARN           string            `json:"arn,omitempty"`
	Region        string            `json:"region,omitempty"`
	Configuration json.RawMessage   `json:"configuration,omitempty"`
	Relationships []ConfigRelatedTo `json:"relationships,omitempty"`
	// History holds earlier configuration items of the resource, oldest
	// first, as GetResourceConfigHistory would return them before this one.
	History []ConfigHistoryItem `json:"history,omitempty"`
}

// ConfigHistoryItem is an earlier recorded state of a ConfigItem.
type ConfigHistoryItem struct {
	CaptureTime   time.Time         `json:"configurationItemCaptureTime"`
	Configuration json.RawMessage   `json:"configuration,omitempty"`
	Relationships []ConfigRelatedTo `json:"relationships,omitempty"`
}

// ConfigRelatedTo is one relationship of a ConfigItem.
type ConfigRelatedTo struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"` // the relation, e.g. "Is associated with Role"
	ARN  string `json:"arn,omitempty"`
}

// LogsFile is logs.json.
type LogsFile struct {
	Groups []LogGroup `json:"groups"`
}

// LogGroup is one CloudWatch Logs group and its events.
type LogGroup struct {
	Name string `json:"name"`
	// Account owns the group; "" is the alarm's account.
	Account string     `json:"account,omitempty"`
	Events  []LogEvent `json:"events"`
}

// LogEvent is one log event; Timestamp is in milliseconds since the epoch.
type LogEvent struct {
	Timestamp int64  `json:"timestamp"`
	Message   string `json:"message"`
}

// IAMFile is iam.json.
type IAMFile struct {
	Roles    []IAMRole   `json:"roles"`
	Policies []IAMPolicy `json:"policies"`
}

// IAMRole is a role with its attached and inline policies.
type IAMRole struct {
	Name             string                     `json:"name"`
	ARN              string                     `json:"arn"`
	AssumeRolePolicy json.RawMessage            `json:"assume_role_policy,omitempty"`
	Attached         []string                   `json:"attached"`
	Inline           map[string]json.RawMessage `json:"inline"`
}

// IAMPolicy is a managed policy and its versions.
type IAMPolicy struct {
	ARN            string             `json:"arn"`
	DefaultVersion string             `json:"default_version"`
	Versions       []IAMPolicyVersion `json:"versions"`
}

// IAMPolicyVersion is one version of a managed policy.
type IAMPolicyVersion struct {
	ID       string          `json:"id"`
	Created  time.Time       `json:"created"`
	Document json.RawMessage `json:"document"`
}

// ModelFile is model.json: the scripted answers of the sandbox Bedrock.
type ModelFile struct {
	Turns []ModelTurn `json:"turns"`
}

// ModelTurn is what one Converse call returns.
type ModelTurn struct {
	Content    []json.RawMessage `json:"content"`
	StopReason string            `json:"stopReason"`
	Usage      struct {
		InputTokens  int `json:"inputTokens"`
		OutputTokens int `json:"outputTokens"`
		TotalTokens  int `json:"totalTokens"`
	} `json:"usage"`
	// Error makes this call fail the way Bedrock does, e.g. "ThrottlingException".
	Error string `json:"error,omitempty"`
}

// FeedsFile is feeds.json: what the services' own read APIs answer, each
// entry one object in the shape of the real API's response element. They stay
// raw until the sources that read them are typed.
type FeedsFile struct {
	ECSServices           []json.RawMessage `json:"ecs_services,omitempty"`
	ECSTasks              []json.RawMessage `json:"ecs_tasks,omitempty"`
	TargetHealth          []json.RawMessage `json:"target_health,omitempty"`
	RDSEvents             []json.RawMessage `json:"rds_events,omitempty"`
	AutoScalingActivities []json.RawMessage `json:"autoscaling_activities,omitempty"`
	LambdaFunctions       []json.RawMessage `json:"lambda_functions,omitempty"`
}

// MetricsFile is metrics.json: CloudWatch metric data points.
type MetricsFile struct {
	Series []MetricSeries `json:"series"`
}

// MetricSeries is one metric's data points, Timestamps[i] holding Values[i].
type MetricSeries struct {
	Namespace  string            `json:"namespace"`
	MetricName string            `json:"metric_name"`
	Dimensions []MetricDimension `json:"dimensions,omitempty"`
	Stat       string            `json:"stat"`
	Period     int               `json:"period"`
	Timestamps []time.Time       `json:"timestamps"`
	Values     []float64         `json:"values"`
}

// MetricDimension is spelled as CloudWatch spells it.
type MetricDimension struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}
