package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trailhound/trailhound/sandbox/slackapi"
)

// play posts every alarm, one twice and one followed by OK, and waits until
// every thread holds its report.
func (d *demo) play(ctx context.Context) error {
	for i, r := range d.runs {
		if r == d.sqs {
			if err := d.publish(ctx, r); err != nil {
				return err
			}
			continue
		}
		if _, err := d.postAlarm(r.sc.Alarm); err != nil {
			return err
		}
		if i == 0 {
			// The same notification again, as SNS retries or a second
			// subscription deliver it: no second triage.
			time.Sleep(300 * time.Millisecond)
			if _, err := d.postAlarm(r.sc.Alarm); err != nil {
				return err
			}
		}
	}
	if err := d.slack.WaitFor(ctx, func() bool { return d.reports() >= len(d.runs) }); err != nil {
		return fmt.Errorf("demo: %d of %d reports posted before giving up: %w", d.reports(), len(d.runs), err)
	}
	d.converse(ctx)
	// The first alarm recovers: its OK notification marks the thread resolved.
	if ok, err := okNotification(d.runs[0].sc.Alarm, d.runs[0].alarm.StateChangeTime.Add(12*time.Minute)); err == nil {
		if _, err := d.postAlarm(ok); err != nil {
			return err
		}
		_ = d.slack.WaitFor(ctx, func() bool { return d.resolved() })
	}
	return nil
}

// converse asks what an on-call engineer asks: a follow-up under the first
// report and a slash command, each answered in the channel. A missing answer
// is reported in the transcript rather than failing the demo.
func (d *demo) converse(ctx context.Context) {
	first := d.firstReportThread()
	if first == "" {
		return
	}
	before := len(d.slack.Thread(demoChannel, first))
	if _, err := d.slack.Post(slackapi.Post{Channel: demoChannel, ThreadTS: first, User: "U0BOB", Text: "<@" + demoBotUserID + "> why is #2 below #1?"}); err == nil {
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		_ = d.slack.WaitFor(wait, func() bool { return len(d.slack.Thread(demoChannel, first)) > before+1 })
		cancel()
	}
	roots := len(d.slack.Messages(demoChannel))
	sc := d.runs[0]
	cmd := fmt.Sprintf("changes %s before %s window 1h", sc.alarm.Name, sc.alarm.StateChangeTime.UTC().Format(time.RFC3339))
	if _, err := d.slack.SlashCommand(demoChannel, "U0ALICE", cmd); err == nil {
		wait, cancel := context.WithTimeout(ctx, 15*time.Second)
		_ = d.slack.WaitFor(wait, func() bool { return len(d.slack.Messages(demoChannel)) > roots })
		cancel()
	}
}

// firstReportThread is the thread of the first alarm posted in the channel.
func (d *demo) firstReportThread() string {
	for _, m := range d.slack.Messages(demoChannel) {
		if m.ThreadTS == m.TS {
			return m.TS
		}
	}
	return ""
}

// postAlarm posts a notification as the integration that delivers it: the
// e-mail integration for e-mail text, a webhook for JSON. Slack escapes
// &, < and > in message text, and so does this.
func (d *demo) postAlarm(payload []byte) (string, error) {
	text := string(payload)
	bot, name := demoHookBot, "alarm-webhook"
	if !json.Valid(payload) {
		bot, name = demoEmailBot, "AWS Notifications"
	}
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return d.slack.PostAsBot(demoChannel, bot, name, esc.Replace(text))
}

// publish sends the scenario's alarm message to its SNS topic; SNS delivers
// it to the queue the bot polls.
func (d *demo) publish(ctx context.Context, r *demoRun) error {
	msg, err := snsMessage(r.sc.Alarm)
	if err != nil {
		return err
	}
	err = r.run.aws.SNS().Publish(ctx, r.run.server.Emulator().AlarmTopicARN(), fmt.Sprintf("ALARM: %q", r.alarm.Name), msg)
	if err != nil {
		return fmt.Errorf("demo: publish %s to SNS: %w", r.alarm.Name, err)
	}
	return nil
}

// snsMessage returns the alarm message an SNS notification carries.
func snsMessage(payload []byte) (string, error) {
	var lambda struct {
		Records []struct {
			Sns struct{ Message string }
		}
	}
	var envelope struct{ Message string }
	switch {
	case json.Unmarshal(payload, &lambda) == nil && len(lambda.Records) > 0:
		return lambda.Records[0].Sns.Message, nil
	case json.Unmarshal(payload, &envelope) == nil && envelope.Message != "":
		return envelope.Message, nil
	case json.Valid(payload):
		return string(payload), nil
	}
	return "", errors.New("demo: the alarm is not an SNS message")
}

// okNotification turns an SNS alarm message into the OK message that ends its
// episode, as CloudWatch sends it when the metric recovers.
func okNotification(payload []byte, at time.Time) ([]byte, error) {
	msg, err := snsMessage(payload)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msg), &m); err != nil || m["AlarmName"] == nil {
		return nil, errors.New("demo: not an SNS alarm message")
	}
	m["OldStateValue"], m["NewStateValue"] = "ALARM", "OK"
	m["NewStateReason"] = "Threshold Crossed: 1 datapoint was not greater than or equal to the threshold."
	m["StateChangeTime"] = at.UTC().Format("2006-01-02T15:04:05.000-0700")
	return json.Marshal(m)
}

// reports counts the bot's messages that hold a final report.
func (d *demo) reports() int {
	n := 0
	for _, m := range d.allMessages() {
		if m.User == demoBotUserID && bytes.Contains(m.Blocks, []byte(`"footer`)) {
			n++
		}
	}
	return n
}

func (d *demo) resolved() bool {
	for _, m := range d.allMessages() {
		if m.User == demoBotUserID && (strings.Contains(strings.ToLower(m.Text), "resolved") || bytes.Contains(bytes.ToLower(m.Blocks), []byte("resolved"))) {
			return true
		}
	}
	return false
}

func (d *demo) allMessages() []slackapi.Message {
	var out []slackapi.Message
	for _, root := range d.slack.Messages(demoChannel) {
		out = append(out, root)
		if root.ThreadTS == root.TS {
			thread := d.slack.Thread(demoChannel, root.TS)
			if len(thread) > 1 {
				out = append(out, thread[1:]...)
			}
		}
	}
	return out
}

// poll waits until cond holds, checking every 50 ms.
func poll(ctx context.Context, cond func() bool) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
