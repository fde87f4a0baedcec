package bot

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/intake"
)

// syncBuffer is a log sink tests read while the bot writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// namedAlarmJSON is an SNS alarm message without its metrics: the bot must
// describe the alarm, an AWS call, to triage it.
func namedAlarmJSON(name string, at time.Time) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(alarmJSON(name, "ALARM", at)), &m)
	delete(m, "Trigger")
	b, _ := json.Marshal(m)
	return string(b)
}

// TestSandboxPastedAlarmNeedsACommandUser: an alarm pasted by a member who
// may not run commands gets a refusal only they see, and nothing reads
// AWS; the same paste by a member who may is triaged.
func TestSandboxPastedAlarmNeedsACommandUser(t *testing.T) {
	opts := sandboxOptions(sandboxChannel)
	opts.CommandUsers = []string{berliner}
	triager := newFakeTriager()
	alarms := &fakeAlarms{alarms: map[string]investigation.Alarm{}}
	a := startAsker(t, triager, opts, func(d *Deps) { d.Alarms = alarms })

	at := askNow.Add(-5 * time.Minute)
	pastes := []string{
		"```" + alarmJSON("pasted-whole", "ALARM", at) + "```",
		namedAlarmJSON("pasted-named", at),
		alarmEmail("pasted-mail", "ALARM", at),
	}
	for i, text := range pastes {
		if _, err := a.sb.PostAsUser(sandboxChannel, newYork, text); err != nil {
			t.Fatal(err)
		}
		waitSandbox(t, a.sb, 5*time.Second, "the refusal", func() bool { return len(a.ephemerals(newYork)) == i+1 })
	}
	for _, m := range a.ephemerals(newYork) {
		if m.Text != pastedAlarmRefusal {
			t.Errorf("refusal %q, want %q", m.Text, pastedAlarmRefusal)
		}
	}
	// Chatter by the same member is left alone.
	if _, err := a.sb.PostAsUser(sandboxChannel, newYork, "is checkout down for anyone else?"); err != nil {
		t.Fatal(err)
	}
	// The allowed member's paste is triaged: once it is, every earlier
	// message was handled.
	if _, err := a.sb.PostAsUser(sandboxChannel, berliner, namedAlarmJSON("allowed-paste", at)); err != nil {
		t.Fatal(err)
	}
	alarms.mu.Lock()
	alarms.alarms["us-east-1/allowed-paste"] = investigation.Alarm{Name: "allowed-paste", Region: "us-east-1", Account: testAccount,
		ARN: "arn:aws:cloudwatch:us-east-1:" + testAccount + ":alarm:allowed-paste", State: investigation.StateAlarm, StateChangeTime: at,
		Metrics: []investigation.Metric{{Namespace: "AWS/Lambda", Name: "Errors", Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}}}}
	alarms.mu.Unlock()
	eventually(t, 10*time.Second, "the allowed paste triaged", func() bool { return triager.count("allowed-paste") == 1 })

	if n := triager.total(); n != 1 {
		t.Errorf("%d triages, want only the allowed member's", n)
	}
	alarms.mu.Lock()
	calls := alarms.calls
	alarms.mu.Unlock()
	if calls != 1 {
		t.Errorf("%d DescribeAlarms calls, want 1 (the allowed paste's)", calls)
	}
	if n := len(a.ephemerals(newYork)); n != len(pastes) {
		t.Errorf("%d ephemeral messages for the refused member, want %d (chatter answered?)", n, len(pastes))
	}
	for _, m := range a.sb.Messages(sandboxChannel) {
		if m.BotID == a.sb.Options().BotID && !strings.Contains(content(m), "allowed-paste") && m.ThreadTS == "" {
			t.Errorf("the bot posted in the channel for a refused paste: %s", m.Text)
		}
	}
}

// TestSandboxUnreadableAlarmGetsOneLine: a notification that looks like an
// alarm but cannot be read — cut short, binary, a field missing, too large —
// gets one line saying what is wrong in its thread and a log line; nothing
// is triaged, nothing crashes, and chatter gets nothing.
func TestSandboxUnreadableAlarmGetsOneLine(t *testing.T) {
	logs := &syncBuffer{}
	triager := newFakeTriager()
	a := startAsker(t, triager, sandboxOptions(sandboxChannel), func(d *Deps) {
		d.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	at := askNow.Add(-5 * time.Minute)
	whole := alarmJSON("checkout-errors", "ALARM", at)
	mail := alarmEmail("checkout-errors", "ALARM", at)
	noTime := strings.Replace(whole, `"StateChangeTime"`, `"StateChangedAt"`, 1)
	binary := whole[:60] + "\x00\x01\xff\xfe\x89PNG\r\n\x1a\n" + whole[60:]
	huge := `{"AlarmName":"checkout-errors","AlarmDescription":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name, text, want string
		// direct: handed to the bot as the transport would, for what
		// Slack itself refuses to carry as one message's text.
		direct bool
	}{
		{name: "cut-short JSON", text: whole[:len(whole)/2], want: "cut short"},
		{name: "cut-short e-mail", text: mail[:strings.Index(mail, "region has")], want: "names no alarm"},
		{name: "binary inside", text: binary, want: "malformed"},
		{name: "no state-change time", text: noTime, want: "no StateChangeTime"},
		{name: "one megabyte", text: huge, want: "over the 262144-byte limit", direct: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.text
			if c.direct {
				text = "notification follows"
			}
			ts, err := a.sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", text)
			if err != nil {
				t.Fatal(err)
			}
			if c.direct {
				a.bot.OnMessage(t.Context(), chat.Message{Channel: sandboxChannel, TS: ts, BotID: mailBotID, SubType: "bot_message",
					Text: c.text, Texts: []string{c.text}, Received: askNow})
			}
			waitSandbox(t, a.sb, 10*time.Second, "a reply", func() bool { return len(a.botReplies(ts)) > 0 })
			time.Sleep(100 * time.Millisecond) // a second reply would come now
			replies := a.botReplies(ts)
			if len(replies) != 1 {
				t.Fatalf("%d replies, want one", len(replies))
			}
			line := replies[0].Text
			if strings.Contains(line, "\n") || len(line) > 400 || !strings.Contains(line, c.want) {
				t.Errorf("reply is not one line saying %q: %q", c.want, line)
			}
		})
	}
	if n := triager.total(); n != 0 {
		t.Errorf("%d triages of unreadable notifications", n)
	}
	if n := strings.Count(logs.String(), "alarm-like message could not be read"); n != len(cases) {
		t.Errorf("%d log lines for %d unreadable notifications", n, len(cases))
	}
	// Chatter and binary noise that names no alarm get nothing.
	for _, text := range []string{"{not json at all", "\x00\x01\x02 garbage \xff", "deploying checkout now"} {
		ts, err := a.sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", text)
		if err != nil {
			t.Fatal(err)
		}
		// A readable alarm after it: once it is triaged, the noise was handled.
		if _, err := a.sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("after-"+ts, "ALARM", at)); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the alarm after the noise", func() bool { return triager.count("after-"+ts) == 1 })
		if r := a.botReplies(ts); len(r) != 0 {
			t.Errorf("noise %q got a reply: %s", text, r[0].Text)
		}
	}
}

// FuzzUnreadableReply: whatever a message holds, reading it as a possible
// alarm does not panic, and the reply to an unreadable one is a single
// bounded line without the credentials it may quote.
func FuzzUnreadableReply(f *testing.F) {
	at := time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)
	whole := alarmJSON("checkout-errors", "ALARM", at)
	for _, s := range []string{whole, whole[:len(whole)/2], alarmEmail("checkout-errors", "ALARM", at)[:200],
		`{"AlarmName":"x","NewStateValue":"ALARM","AlarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:AKIAIOSFODNN7EXAMPLE"`,
		"\x00\xff{\"AlarmName\"", "deploying checkout"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		readsAsAlarm([]string{text})
		_, err := intake.Parse([]byte(text))
		if err == nil {
			return
		}
		reason := unreadableReason(err)
		if strings.ContainsAny(reason, "\n\r") || len(reason) > maxUnreadableReason {
			t.Fatalf("reason is not one bounded line: %q", reason)
		}
		if strings.Contains(reason, "IOSFODNN7EXAMPLE") {
			t.Fatalf("reason quotes a key id: %q", reason)
		}
	})
}
