package agent

import (
	"encoding/json"
	"time"
)

// The result types the registry's backends return; the AWS adapters in
// package tools produce them.

// IAMRole is an IAM role.
type IAMRole struct {
	Name             string          `json:"name"`
	ARN              string          `json:"arn"`
	ID               string          `json:"id,omitempty"`
	Path             string          `json:"path,omitempty"`
	Created          time.Time       `json:"created,omitzero"`
	AssumeRolePolicy json.RawMessage `json:"assume_role_policy,omitempty"`
}

// AttachedPolicy is a managed policy attached to a role.
type AttachedPolicy struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// ManagedPolicy is a managed policy's metadata.
type ManagedPolicy struct {
	Name            string    `json:"name"`
	ARN             string    `json:"arn"`
	Path            string    `json:"path,omitempty"`
	DefaultVersion  string    `json:"default_version"`
	AttachmentCount int       `json:"attachment_count"`
	Created         time.Time `json:"created,omitzero"`
	Updated         time.Time `json:"updated,omitzero"`
}

// AlarmHistoryQuery selects alarm history entries.
type AlarmHistoryQuery struct {
	Region string // "" is the configuration's region
	Name   string // one alarm; "" reads every alarm's history
	// Composite reads composite alarms' history, which CloudWatch otherwise leaves out.
	Composite bool
	ItemType  string    // ConfigurationUpdate, StateUpdate or Action; "" for all
	Start     time.Time // zero: no lower bound
	End       time.Time // zero: no upper bound
	Max       int       // entries to read at most; default 100
}

// AlarmHistoryItem is one entry of an alarm's history.
type AlarmHistoryItem struct {
	Alarm    string    `json:"alarm"`
	Type     string    `json:"alarm_type"`
	ItemType string    `json:"item_type"`
	Time     time.Time `json:"time"`
	Summary  string    `json:"summary"`
	Data     string    `json:"data,omitempty"` // JSON as CloudWatch returns it
}

// SignatureCount is how many lines showed one error signature in one minute.
type SignatureCount struct {
	Minute    time.Time `json:"minute"`
	Signature string    `json:"signature"`
	Count     int       `json:"count"`
}
