package bot

// The bot end to end on the fake Slack: queue intake, the bounded pool,
// Slack's rate limit, shutdown, commands and the AI section.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
)

func TestQueueAlarmOpensAThreadAndIsDeletedAfterTheReport(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.queue = true })
	id := h.queue.send(alarmJSON("queue-alarm", "ALARM", episodeStart))
	dup := h.queue.send(alarmJSON("queue-alarm", "ALARM", episodeStart))
	eventually(t, 5*time.Second, "root in the alert channel", func() bool { return len(h.slack.roots(testAlerts)) == 1 })
	root := h.slack.roots(testAlerts)[0]
	if !strings.Contains(root.Text, "queue-alarm") {
		t.Errorf("root message %q does not name the alarm", root.Text)
	}
	h.waitReport(testAlerts, root.TS)
	eventually(t, 5*time.Second, "both messages deleted", func() bool { return len(h.queue.deletedIDs()) == 2 })
	if i, r := h.rec.index("update "+testAlerts), h.rec.count("post "+testAlerts); i < 0 || r < 2 {
		t.Errorf("expected the root, the placeholder and its update: %v", h.rec.calls)
	}
	if n := h.triager.count("queue-alarm"); n != 1 {
		t.Errorf("%d triages, want 1", n)
	}
	if got := counter(t, h.reg, "trailhound_sqs_messages_total", map[string]string{"outcome": sqsTriaged}); got != 1 {
		t.Errorf("triaged messages = %v, want 1", got)
	}
	_, _ = id, dup
}

func TestPoisonQueueMessageIsDeletedAfterNReceives(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.queue = true })
	id := h.queue.send(`{"Type":"Notification","Message":"hello, not an alarm"}`)
	for receive := 1; receive <= 3; receive++ {
		eventually(t, 5*time.Second, fmt.Sprintf("receive %d handled", receive), func() bool {
			return counter(t, h.reg, "trailhound_sqs_messages_total", map[string]string{"outcome": sqsRetry})+
				float64(len(h.queue.deletedIDs())) >= float64(receive)
		})
		if receive < 3 {
			if d := h.queue.deletedIDs(); len(d) != 0 {
				t.Fatalf("deleted after %d receives, want it kept until 3", receive)
			}
			h.queue.redeliver()
		}
	}
	if d := h.queue.deletedIDs(); len(d) != 1 || d[0] != id {
		t.Errorf("deleted %v, want [%s]", d, id)
	}
	if n := h.triager.total(); n != 0 {
		t.Errorf("%d triages of a poison message", n)
	}
}

func TestFullPoolSaysSoInTheThread(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) {
		c.opts.Workers = 1
		c.opts.QueueSize = -1
	})
	h.triager.release = make(chan struct{})
	first := h.postMail("first", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "first running", func() bool { return h.triager.count("first") == 1 })
	second := h.postMail("second", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "capacity note", func() bool {
		r := h.slack.thread(testChannel, second)
		return len(r) == 1 && strings.Contains(r[0].Text, "capacity")
	})
	if got := counter(t, h.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeRefused}); got != 1 {
		t.Errorf("refused triages = %v, want 1", got)
	}
	close(h.triager.release)
	h.waitReport(testChannel, first)
	if n := h.triager.count("second"); n != 0 {
		t.Errorf("the refused alarm was triaged %d times", n)
	}
}

func TestRateLimitedPostIsRetried(t *testing.T) {
	h := newHarness(t)
	h.slack.mu.Lock()
	h.slack.rateLimited = 2
	h.slack.mu.Unlock()
	root := h.postMail("checkout-errors", "ALARM", episodeStart)
	h.waitReport(testChannel, root)
	if got := counter(t, h.reg, "trailhound_slack_rate_limited_total", map[string]string{"method": "chat.postMessage"}); got != 2 {
		t.Errorf("429s counted = %v, want 2", got)
	}
	if got := counter(t, h.reg, "trailhound_slack_retries_total", map[string]string{"reason": "ratelimited"}); got != 2 {
		t.Errorf("retries = %v, want 2", got)
	}
}

func TestShutdownHandsBackUnfinishedTriages(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.opts.Workers = 1 })
	h.triager.release = make(chan struct{}) // never released: the deadline cuts the triage
	running := h.postMail("running", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "running", func() bool { return h.triager.count("running") == 1 })
	queued := h.postMail("queued", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "queued placeholder", func() bool { return len(h.slack.thread(testChannel, queued)) == 1 })

	took, err := h.stop()
	if err != nil {
		t.Errorf("Run returned %v, want nil on a clean stop", err)
	}
	if took > 3*time.Second+500*time.Millisecond {
		t.Errorf("stop took %s, over the 3s shutdown timeout", took)
	}
	for _, ts := range []string{running, queued} {
		r := h.slack.thread(testChannel, ts)
		if len(r) != 1 || !strings.Contains(r[0].Text, "interrupted") {
			t.Errorf("thread %s does not say the triage was interrupted: %+v", ts, r)
		}
	}
	for _, name := range []string{"running", "queued"} {
		key, _ := alarmKey(investigation.Alarm{Name: name, ARN: "arn:aws:cloudwatch:us-east-1:" + testAccount + ":alarm:" + name, StateChangeTime: episodeStart})
		c, err := h.store.ClaimEpisode(context.Background(), key, "probe", time.Second)
		if err != nil || c.State != ClaimWon {
			t.Errorf("claim of %s not released: %+v %v", name, c, err)
		}
	}
	if got := counter(t, h.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeAbandoned}); got != 2 {
		t.Errorf("abandoned triages = %v, want 2", got)
	}
}

func TestSlashCommands(t *testing.T) {
	h := newHarness(t)
	h.alarms.alarms["eu-west-1/checkout errors / live"] = investigation.Alarm{
		Name: "checkout errors / live", ARN: "arn:aws:cloudwatch:eu-west-1:" + testAccount + ":alarm:checkout errors / live",
		Account: testAccount, Region: "eu-west-1", State: investigation.StateAlarm, StateChangeTime: episodeStart,
	}
	h.socket.events <- slashEvent("c1", testChannel, "U0ONCALL", "help")
	h.socket.events <- slashEvent("c2", testChannel, "U0ONCALL", "frobnicate now")
	h.socket.events <- slashEvent("c3", "C0RANDOM", "U0ONCALL", "help")
	h.socket.events <- slashEvent("c4", testChannel, "U0ONCALL", "triage nonexistent eu-west-1")
	h.socket.events <- slashEvent("c5", testChannel, "U0ONCALL", "triage checkout errors / live eu-west-1")
	eventually(t, 5*time.Second, "four ephemeral answers", func() bool { return len(h.slack.ephemeralTexts()) == 4 })
	all := strings.Join(h.slack.ephemeralTexts(), "\n")
	for _, want := range []string{"triage <alarm name or ARN>", "I don't know `frobnicate`", "only works in the channels", "no alarm named"} {
		if !strings.Contains(all, want) {
			t.Errorf("ephemeral answers lack %q:\n%s", want, all)
		}
	}
	eventually(t, 5*time.Second, "thread for the command", func() bool { return len(h.slack.roots(testChannel)) == 1 })
	root := h.slack.roots(testChannel)[0]
	if !strings.Contains(root.Text, "<@U0ONCALL> asked") {
		t.Errorf("root %q does not quote the asker", root.Text)
	}
	h.waitReport(testChannel, root.TS)
}

func TestChatNotificationIsDescribed(t *testing.T) {
	h := newHarness(t)
	h.alarms.alarms["us-west-2/checkout-latency-p99"] = investigation.Alarm{
		Name: "checkout-latency-p99", ARN: "arn:aws:cloudwatch:us-west-2:" + testAccount + ":alarm:checkout-latency-p99",
		Account: testAccount, Region: "us-west-2", State: investigation.StateOK, StateChangeTime: episodeStart.Add(-time.Hour),
		Metrics: []investigation.Metric{{Namespace: "AWS/Lambda", Name: "Duration", Dimensions: []investigation.Dimension{{Name: "FunctionName", Value: "checkout"}}}},
	}
	root := h.post(map[string]any{"subtype": "bot_message", "bot_id": "B0CHATBOT", "attachments": []map[string]any{{
		"color": "danger",
		"title": "CloudWatch Alarm | checkout-latency-p99 | US West (Oregon) | Account: " + testAccount,
		"text":  "The alarm checkout-latency-p99 changed state to ALARM\n2026-03-19T14:00:00.000Z",
	}}})
	h.waitReport(testChannel, root)
	if h.alarms.calls != 1 {
		t.Errorf("DescribeAlarms called %d times, want 1", h.alarms.calls)
	}
}

func TestAllowlistRefusalIsPolite(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.opts.Regions = []string{"eu-west-1"} })
	root := h.postMail("checkout-errors", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "refusal", func() bool {
		r := h.slack.thread(testChannel, root)
		return len(r) == 1 && strings.Contains(r[0].Text, "Not triaging") && strings.Contains(r[0].Text, "us-east-1")
	})
	if n := h.triager.total(); n != 0 {
		t.Errorf("%d triages of a refused alarm", n)
	}
}

func TestRedeliveredEventIsHandledOnce(t *testing.T) {
	h := newHarness(t)
	msg := map[string]any{"subtype": "bot_message", "bot_id": mailBotID, "ts": "1700002000.000001", "channel": testChannel,
		"text": alarmEmail("checkout-errors", "ALARM", episodeStart)}
	h.socket.events <- messageEvent(t, "env-a", "EvSame", msg)
	h.socket.events <- messageEvent(t, "env-b", "EvSame", msg) // Slack's retry: new envelope, same event
	h.waitReport(testChannel, "1700002000.000001")
	eventually(t, 5*time.Second, "duplicate envelope counted", func() bool {
		return counter(t, h.reg, "trailhound_envelopes_total", map[string]string{"outcome": "duplicate"}) == 1
	})
	if n := len(h.slack.thread(testChannel, "1700002000.000001")); n != 1 {
		t.Errorf("%d replies, want 1: a redelivered event is not a re-fire", n)
	}
	if h.rec.index("ack env-b") < 0 {
		t.Error("the redelivery was not acknowledged")
	}
}

// fakeAdvisor answers with a fixed assessment after a delay, as a model would.
type fakeAdvisor struct{ delay time.Duration }

func (f fakeAdvisor) Advise(ctx context.Context, _ investigation.Alarm, rep *investigation.Report) *blocks.AIAssessment {
	time.Sleep(f.delay)
	rep.AI = investigation.AIStatus{Used: true, Model: "scripted", InputTokens: 1200, OutputTokens: 80, ToolCalls: 1}
	return &blocks.AIAssessment{Model: "scripted", InputTokens: 1200, OutputTokens: 80, ToolCalls: 1,
		Ranking: []blocks.AIRank{{EventIDs: []string{"ev-checkout-errors"}, Plausibility: 0.8, Reason: "the detach precedes the errors"}}}
}

func TestAdvisorAddsTheAISectionToThePostedReport(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.advisor = fakeAdvisor{delay: 200 * time.Millisecond} })
	ts := h.postMail("checkout-errors", "ALARM", episodeStart)
	h.waitReport(testChannel, ts)
	var updated fakeMessage
	eventually(t, 5*time.Second, "AI section in the same message", func() bool {
		for _, m := range h.slack.thread(testChannel, ts) {
			if m.hasBlock(reportBlockID) && bytes.Contains(m.Blocks, []byte("the detach precedes the errors")) {
				updated = m
				return true
			}
		}
		return false
	})
	// Placeholder → deterministic report → the same report with the AI section.
	if updated.Updates < 2 {
		t.Errorf("%d updates: the deterministic report must be posted before the model answers", updated.Updates)
	}
	if n := len(h.slack.thread(testChannel, ts)); n != 1 {
		t.Errorf("thread has %d bot messages, want the one report updated in place", n)
	}
}
