package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/store"
)

// describeTimeout bounds one DescribeAlarms call.
const describeTimeout = 15 * time.Second

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// describeError is a notification that names an alarm the bot could not
// describe: worth telling the channel, unlike chatter that is no alarm.
type describeError struct {
	ref intake.Ref
	err error
}

func (e *describeError) Error() string {
	return fmt.Sprintf("describe alarm %q in %s: %v", e.ref.Name, e.ref.Region, e.err)
}

func (e *describeError) Unwrap() error { return e.err }

// parseNotification reads an alarm from a notification, describing the
// alarm when the notification only names it. The notification's own state
// and time win over the description's: they say which transition this is.
func (b *Bot) parseNotification(ctx context.Context, text string) (investigation.Alarm, error) {
	a, err := intake.Parse([]byte(text))
	var inc *intake.IncompleteError
	if !errors.As(err, &inc) {
		return a, err
	}
	if ref := inc.Ref; ref.State != "" && ref.State != investigation.StateAlarm && !ref.Time.IsZero() && accountID.MatchString(ref.Account) {
		// An end of episode needs no metrics, only the alarm's ARN, which
		// the name, region and account give.
		return investigation.Alarm{Name: ref.Name, Region: ref.Region, Account: ref.Account, State: ref.State,
			StateChangeTime: ref.Time, Delivery: inc.Delivery}, nil
	}
	if b.deps.Alarms == nil {
		return investigation.Alarm{}, &describeError{ref: inc.Ref, err: tellable("no AWS access is configured to describe alarms")}
	}
	described, err := b.describeOne(ctx, inc.Ref.Region, inc.Ref.Name)
	if err != nil {
		return investigation.Alarm{}, &describeError{ref: inc.Ref, err: err}
	}
	if inc.Ref.State != "" {
		described.State = inc.Ref.State
	}
	if !inc.Ref.Time.IsZero() {
		described.StateChangeTime = inc.Ref.Time
	}
	if described.Account == "" {
		described.Account = inc.Ref.Account
	}
	described.Delivery = inc.Delivery
	return described, nil
}

// parseMessage tries each text of a chat message; the first that is not
// recognisably something other than an alarm decides.
func (b *Bot) parseMessage(ctx context.Context, texts []string) (investigation.Alarm, error) {
	err := error(fmt.Errorf("%w: the message has no text", intake.ErrNotAlarm))
	for _, text := range texts {
		var a investigation.Alarm
		a, err = b.parseNotification(ctx, text)
		if !errors.Is(err, intake.ErrNotAlarm) {
			return a, err
		}
	}
	return investigation.Alarm{}, err
}

// describeOne reads the alarm named name in region.
func (b *Bot) describeOne(ctx context.Context, region, name string) (investigation.Alarm, error) {
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	alarms, err := b.deps.Alarms.DescribeAlarms(ctx, region, []string{name})
	if err != nil {
		return investigation.Alarm{}, fmt.Errorf("describe alarm %q in %s: %w", name, region, err)
	}
	for _, a := range alarms {
		if a.Name == name {
			return a, nil
		}
	}
	return investigation.Alarm{}, tellable(fmt.Sprintf("no alarm named %q in %s", name, region))
}

var accountID = regexp.MustCompile(`^\d{12}$`)

// storeARN encodes an alarm ARN for the store's keys, which refuse spaces,
// control characters and braces that alarm names may hold. The encoding is
// injective ('%' is encoded too), so replicas agree on every key.
func storeARN(arn string) string {
	var sb strings.Builder
	for _, r := range arn {
		switch {
		case r == '%' || r == '{' || r == '}' || r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u00a0':
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&sb, "%%%02X", c)
			}
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// alarmKey is the store key of the alarm's current episode.
func alarmKey(a investigation.Alarm) (EpisodeKey, error) {
	arn := a.Identity()
	if arn == "" {
		return EpisodeKey{}, fmt.Errorf("alarm %q has no ARN, and no account to build one from", a.Name)
	}
	a.ARN = storeARN(arn)
	k, err := store.KeyFor(a)
	return EpisodeKey{Account: k.Account, Region: k.Region, AlarmARN: k.AlarmARN, Episode: string(k.Episode)}, err
}

// oneLine escapes data for a single mrkdwn line.
func oneLine(s string) string {
	return blocks.Escape(strings.Join(strings.Fields(s), " "))
}
