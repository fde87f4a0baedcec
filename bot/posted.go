package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/investigation/redact"
)

// Messages posted in a channel that may be alarms: who may have one
// triaged, and the answer to one that cannot be read.

// mayTriagePosted says whether the message's poster may have an alarm in
// it triaged. A refused member who posted what reads as an alarm is told,
// only them; chatter is left alone. The reading is intake's alone, without
// AWS, so that a refused paste costs no API call.
func (b *Bot) mayTriagePosted(ctx context.Context, m chat.Message) bool {
	r := request{via: viaMessage, channel: m.Channel, user: m.User, botID: m.BotID, what: whatAlarm, readsAWS: true}
	if b.decide(r).ok {
		return true
	}
	if !readsAsAlarm(m.Texts) {
		return false
	}
	if v := b.authorize(r); v.tell != "" && m.User != "" {
		at := chat.Ref{Channel: m.Channel, TS: m.ThreadTS}
		if err := b.chat.Ephemeral(ctx, at, m.User, blocks.Message{Text: v.tell}); err != nil {
			b.log.Warn("could not tell a member their pasted alarm is not triaged", "user", m.User, "error", err)
		}
	}
	return false
}

// readsAsAlarm says whether one of the texts is an alarm notification,
// whole, naming an alarm to describe, or alarm-like but unreadable.
func readsAsAlarm(texts []string) bool {
	for _, t := range texts {
		_, err := intake.Parse([]byte(t))
		if err == nil || !errors.Is(err, intake.ErrNotAlarm) && looksLikeAlarm(t) {
			return true
		}
		var inc *intake.IncompleteError
		if errors.As(err, &inc) {
			return true
		}
	}
	return false
}

// alarmMarkers are words only CloudWatch alarm notifications carry in
// every shape: the SNS message and e-mail, EventBridge events, alarm
// actions, chat notifications and console links.
var alarmMarkers = []string{
	"alarmname", "alarmarn", "alarmdata", "newstatevalue", "cloudwatch alarm",
	"arn:aws:cloudwatch:", "cloudwatch/home",
}

// markerScan bounds how much of a text looksLikeAlarm reads: markers come
// in a notification's first lines.
const markerScan = 64 << 10

// looksLikeAlarm says whether text reads as an alarm notification to a
// person, whether or not intake can read it.
func looksLikeAlarm(text string) bool {
	head := strings.ToLower(clipBytes(text, markerScan))
	for _, m := range alarmMarkers {
		if strings.Contains(head, m) {
			return true
		}
	}
	return false
}

// maxUnreadableReason bounds the reason quoted back to the channel.
const maxUnreadableReason = 200

// unreadable answers a message intake could not read. One that looks like
// an alarm notification (cut short, binary, too large, a field missing)
// gets a one-line reply in its thread saying what is wrong, and a log
// line; anything else is chatter, left alone.
func (b *Bot) unreadable(ctx context.Context, m chat.Message, err error) {
	if errors.Is(err, intake.ErrNotAlarm) || !anyLooksLikeAlarm(m.Texts) {
		b.log.Debug("message is not an alarm notification", "channel", m.Channel, "ts", m.TS, "error", err)
		return
	}
	reason := unreadableReason(err)
	b.log.Warn("alarm-like message could not be read", "channel", m.Channel, "ts", m.TS, "bytes", len(m.Text), "reason", reason)
	line := "⚠️ This looks like a CloudWatch alarm notification, but I cannot triage it: " + oneLine(reason) + "."
	if _, perr := b.postText(ctx, chat.Ref{Channel: m.Channel, TS: m.Root()}, line); perr != nil {
		b.log.Warn("could not answer an unreadable alarm notification", "error", perr)
	}
}

func anyLooksLikeAlarm(texts []string) bool {
	for _, t := range texts {
		if looksLikeAlarm(t) {
			return true
		}
	}
	return false
}

// unreadableReason says in a few words what intake missed: the input is
// quoted back only through the redactor and clipped.
func unreadableReason(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		if strings.Contains(syntax.Error(), "unexpected end") {
			return "its JSON ends early, as if the notification was cut short"
		}
		return "its JSON is malformed at byte " + strconv.FormatInt(syntax.Offset, 10) + ", as if it was cut or mangled on the way"
	}
	reason := strings.TrimPrefix(err.Error(), "notification ")
	return clipBytes(redact.Text(strings.Join(strings.Fields(reason), " ")), maxUnreadableReason)
}
