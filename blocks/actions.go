package blocks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Action names: the part of an action_id before the first ':'. Slack wants
// action ids unique within a message, so each button appends where it sits
// (cause and event position); handlers dispatch on the name alone.
const (
	ActionOpenEvent    = "open_event"    // URL button to the CloudTrail console; Slack still sends the click
	ActionEventJSON    = "event_json"    // show the event's redacted JSON
	ActionFeedbackUp   = "feedback_up"   // 👍 on a cause
	ActionFeedbackDown = "feedback_down" // 👎 on a cause
	ActionWiden        = "widen"         // re-run the triage over a wider window
	ActionRerun        = "rerun"         // re-run the triage as it was
	ActionCorrectCause = "correct_cause" // after a 👎: which cause was the right one
	ActionWhyRank      = "why_rank"      // the score breakdown of a cause
	ActionOpenConsole  = "open_console"  // URL button to a cause's resource in the console
	ActionOpenLogs     = "open_logs"     // URL button to Logs Insights on a corroborating log group
)

// ActionName returns the name part of an action_id.
func ActionName(actionID string) string {
	name, _, _ := strings.Cut(actionID, ":")
	return name
}

func actionID(name string, parts ...int) string {
	var b strings.Builder
	b.WriteString(name)
	for _, p := range parts {
		fmt.Fprintf(&b, ":%d", p)
	}
	return b.String()
}

// ActionValue is what a button carries back to the bot: enough to find the
// investigation and the cause or event the click is about.
type ActionValue struct {
	Artifact     string `json:"artifact,omitempty"`
	Rank         int    `json:"rank,omitempty"`
	EventID      string `json:"event_id,omitempty"`
	Region       string `json:"region,omitempty"`
	WidenMinutes int    `json:"widen_minutes,omitempty"`
}

// artifactID is the shape of ids the store issues; anything else is not
// carried in button values (the bot can still find the investigation by its
// thread).
var artifactID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func validArtifact(id string) string {
	if artifactID.MatchString(id) {
		return id
	}
	return ""
}

func (v ActionValue) encode() (string, bool) {
	b, err := json.Marshal(v)
	if err != nil || len(b) > MaxButtonValue {
		return "", false
	}
	return string(b), true
}

// ParseActionValue reads a button value written by this package.
func ParseActionValue(s string) (ActionValue, error) {
	var v ActionValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return ActionValue{}, fmt.Errorf("parse action value %.80q: %w", s, err)
	}
	return v, nil
}
