// Package intake turns a CloudWatch alarm notification, in whatever shape it
// was delivered, into an investigation.Alarm.
//
// Parse recognises the SNS Lambda event, the SNS HTTP/SQS envelope, the bare
// alarm message (SQS raw delivery), EventBridge "CloudWatch Alarm State
// Change" events, Lambda alarm-action events, and the SNS e-mail text as an
// e-mail integration posts it into Slack. A chat notification (AWS Chatbot /
// Amazon Q Developer) names the alarm but not its metrics: Parse reports it,
// like any notification that lacks what triage needs, as an *IncompleteError
// whose Ref says which alarm to fetch with DescribeAlarms.
//
// The region always comes from the alarm ARN. Only a notification without an
// ARN falls back to a region code in a console link, then to the display name
// ("EU (Ireland)"). Parse never fills a missing field with a default: what it
// cannot read from the notification it reports as an error naming the field.
package intake

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// MaxPayloadBytes bounds what Parse reads. SNS and EventBridge cap a message
// at 256 KiB and an alarm notification is a few KiB, so anything larger is not
// one of ours and is refused before any decoding work.
const MaxPayloadBytes = 256 << 10

// ErrNotAlarm marks input that is recognisably something else: a plain SNS
// message, a CloudWatch Logs event, an alarm configuration change. Callers
// that watch a busy channel or queue can drop these quietly.
var ErrNotAlarm = errors.New("not a CloudWatch alarm")

// Ref identifies an alarm a notification names without describing it.
type Ref struct {
	Name    string
	Region  string
	Account string              // empty when the notification does not say
	State   investigation.State // empty when the notification does not say
	Time    time.Time           // the state change, zero when not stated
}

// IncompleteError reports a notification that names an alarm and its region
// but lacks what triage needs (its metrics, or its state-change details).
// The caller fetches the alarm with DescribeAlarms using Ref.
type IncompleteError struct {
	Ref      Ref
	Delivery investigation.Delivery
	Missing  string // what the notification lacks
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("alarm %q in %s: %s notification lacks %s; describe the alarm to triage it",
		e.Ref.Name, e.Ref.Region, e.Delivery, e.Missing)
}

var utf8BOM = []byte("\xef\xbb\xbf")

// Parse reads one alarm notification. It returns the alarm with Delivery set,
// an *IncompleteError when the notification only identifies the alarm, or an
// error naming what is missing or malformed (wrapping ErrNotAlarm when the
// input is something other than an alarm state change). An SNS Lambda event
// holds one notification: its records are read only when they all repeat the
// same message.
func Parse(data []byte) (investigation.Alarm, error) {
	if len(data) > MaxPayloadBytes {
		return investigation.Alarm{}, fmt.Errorf("notification is %d bytes, over the %d-byte limit of an SNS or EventBridge message", len(data), MaxPayloadBytes)
	}
	data = bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))
	if len(data) == 0 {
		return investigation.Alarm{}, errors.New("notification is empty")
	}
	if data[0] == '{' || data[0] == '[' {
		return parseJSON(data, false)
	}
	return parseText(string(data))
}

// parseText handles notifications posted into a channel: the e-mail text, a
// chat notification, or alarm JSON pasted inside a code block.
func parseText(raw string) (investigation.Alarm, error) {
	text := plainText(raw)
	if trimmed := strings.TrimSpace(text); strings.HasPrefix(trimmed, "{") {
		return parseJSON([]byte(trimmed), false)
	}
	if looksLikeEmail(text) {
		return parseEmail(text)
	}
	ref, err := ParseChatbot(raw)
	if err != nil {
		return investigation.Alarm{}, fmt.Errorf("%w: text is neither JSON, a CloudWatch alarm e-mail, nor a chat notification (%v)", ErrNotAlarm, err)
	}
	return investigation.Alarm{}, &IncompleteError{Ref: ref, Delivery: investigation.DeliveryChatbot, Missing: "the alarm's metrics and reason"}
}

// finish validates what every delivery shape must yield and sets Delivery.
// scoped says whether the notification carried the alarm's metrics or rule.
func finish(a investigation.Alarm, d investigation.Delivery, scoped bool, missing string) (investigation.Alarm, error) {
	a.Delivery = d
	switch {
	case a.Name == "":
		return investigation.Alarm{}, fmt.Errorf("%s notification has no alarm name", d)
	case a.Region == "":
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %s notification has no region", a.Name, d)
	case a.State == "":
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %s notification has no state", a.Name, d)
	case a.StateChangeTime.IsZero():
		return investigation.Alarm{}, fmt.Errorf("alarm %q: %s notification has no state-change time", a.Name, d)
	case !scoped:
		ref := Ref{Name: a.Name, Region: a.Region, Account: a.Account, State: a.State, Time: a.StateChangeTime}
		return investigation.Alarm{}, &IncompleteError{Ref: ref, Delivery: d, Missing: missing}
	}
	return a, nil
}

// parseState accepts the three CloudWatch states. what names the field for
// the error.
func parseState(what, s string) (investigation.State, error) {
	switch st := investigation.State(strings.TrimSpace(s)); st {
	case investigation.StateAlarm, investigation.StateOK, investigation.StateInsufficientData:
		return st, nil
	}
	return "", fmt.Errorf("%s %q is not ALARM, OK or INSUFFICIENT_DATA", what, s)
}

// parsePreviousState is parseState for the state an alarm left, which is
// absent ("" or "N/A") when the alarm has just been created.
func parsePreviousState(what, s string) (investigation.State, error) {
	if s = strings.TrimSpace(s); s == "" || s == "N/A" {
		return "", nil
	}
	return parseState(what, s)
}

// locate sets ARN, Region and Account. The ARN decides when there is one; a
// malformed ARN is an error rather than a reason to trust weaker hints.
// Without an ARN the region comes from regionHint (a code, or a display name)
// and the account from accountHint when it is a 12-digit id.
func locate(a *investigation.Alarm, arn, regionHint, accountHint string) error {
	if strings.TrimSpace(arn) != "" {
		parsed, err := parseAlarmARN(arn)
		if err != nil {
			return err
		}
		a.ARN, a.Region, a.Account = parsed.ARN, parsed.Region, parsed.Account
		return nil
	}
	if accountID.MatchString(strings.TrimSpace(accountHint)) {
		a.Account = strings.TrimSpace(accountHint)
	}
	if strings.TrimSpace(regionHint) == "" {
		return nil
	}
	code, ok := regionByName(regionHint)
	if !ok {
		return fmt.Errorf("region %q is neither a region code nor a known region name", regionHint)
	}
	a.Region = code
	return nil
}

// normaliseStat spells the upper-case statistics of SNS alarm messages
// ("AVERAGE", "SAMPLE_COUNT") the way the CloudWatch API and EventBridge do,
// so one alarm reads the same whatever its delivery.
func normaliseStat(s string) string {
	switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "_", "")) {
	case "AVERAGE":
		return "Average"
	case "SUM":
		return "Sum"
	case "MINIMUM":
		return "Minimum"
	case "MAXIMUM":
		return "Maximum"
	case "SAMPLECOUNT":
		return "SampleCount"
	}
	return strings.TrimSpace(s)
}
