package bot

import (
	"fmt"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// episodeOf names the ALARM episode of a state change at t: its minute, in
// UTC.
//
// CloudWatch notifies only on state transitions, and every copy of one
// transition (SNS redeliveries, the same alarm delivered by SNS, EventBridge
// and a chat integration at once, an SQS message seen twice) carries the same
// StateChangeTime. A new ALARM after OK is a new transition with a new time.
// The minute, not the millisecond, because the human-readable deliveries
// (e-mail text, chat notifications) do not carry milliseconds or seconds
// reliably, and they must land on the same key as the JSON ones. Two
// distinct episodes within one minute merge into one triage, which is the
// right outcome for a flapping alarm anyway. The form sorts
// chronologically as a string, which telling an old OK from a new episode
// relies on.
func episodeOf(t time.Time) string {
	return t.UTC().Truncate(time.Minute).Format("20060102T1504Z")
}

// alarmKey is the key of the alarm's current episode: its identity and the
// minute its state changed. Account and region come from the alarm, or from
// its ARN when the delivery did not carry them.
func alarmKey(a investigation.Alarm) (EpisodeKey, error) {
	arn := a.Identity()
	switch {
	case arn == "":
		return EpisodeKey{}, fmt.Errorf("alarm %q has no ARN, and no account to build one from", a.Name)
	case a.StateChangeTime.IsZero():
		return EpisodeKey{}, fmt.Errorf("alarm key for %s: state change time is unknown", arn)
	}
	k := EpisodeKey{Account: a.Account, Region: a.Region, AlarmARN: arn, Episode: episodeOf(a.StateChangeTime)}
	if parsed, ok := investigation.ParseAlarmARN(arn); ok {
		k.Account = firstNonEmpty(k.Account, parsed.Account)
		k.Region = firstNonEmpty(k.Region, parsed.Region)
	}
	return k, nil
}
