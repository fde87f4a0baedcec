package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

// harness runs one bot against fakes.
type harness struct {
	t       *testing.T
	rec     *recorder
	socket  *fakeSocket
	slack   *fakeSlack
	triager *fakeTriager
	alarms  *fakeAlarms
	queue   *fakeQueue
	store   testStore
	reg     *prometheus.Registry
	chat    *slackchat.Client
	bot     *Bot
	cancel  context.CancelFunc
	done    chan error
	seq     int
}

// testOptions are fast: no real pacing, short intervals.
func testOptions() Options {
	return Options{
		Channels:        []string{testChannel},
		AlertChannel:    testAlerts,
		ProgressEvery:   10 * time.Millisecond,
		Workers:         2,
		ShutdownTimeout: 3 * time.Second,
		PoisonReceives:  3,
		Owner:           "test-replica",
	}
}

// testChatOptions are the Slack transport's, as fast: no real pacing.
func testChatOptions() slackchat.Options {
	return slackchat.Options{
		PostInterval:  time.Millisecond,
		PostBurst:     100,
		SlackAttempts: 4,
		SlackTimeout:  2 * time.Second,
	}
}

type harnessConfig struct {
	opts    Options
	chat    slackchat.Options
	store   func(*recorder, testing.TB) testStore
	queue   bool
	advisor Advisor
}

func newHarness(t *testing.T, configure ...func(*harnessConfig)) *harness {
	t.Helper()
	cfg := harnessConfig{
		opts: testOptions(),
		chat: testChatOptions(),
		store: func(rec *recorder, t testing.TB) testStore {
			return recStore{StoreAdapter: RedisStore(openStore(t)), rec: rec}
		},
	}
	for _, c := range configure {
		c(&cfg)
	}
	rec := &recorder{}
	h := &harness{
		t: t, rec: rec, socket: newFakeSocket(rec), slack: newFakeSlack(t, rec), triager: newFakeTriager(),
		alarms: &fakeAlarms{alarms: map[string]investigation.Alarm{}}, reg: prometheus.NewRegistry(),
		store: cfg.store(rec, t), done: make(chan error, 1),
	}
	co := cfg.chat
	co.Envelopes, co.Logger, co.Metrics = h.store, testLogger(t), h.reg
	sc, err := slackchat.New(h.slack.api, h.socket, co)
	if err != nil {
		t.Fatalf("slack transport: %v", err)
	}
	h.chat = sc
	deps := Deps{Chat: sc, Triager: h.triager, Store: h.store, Alarms: h.alarms,
		Logger: testLogger(t), Metrics: h.reg}
	if cfg.queue {
		h.queue = &fakeQueue{}
		deps.Queue = h.queue
	}
	deps.Advisor = cfg.advisor
	b, err := New(deps, cfg.opts)
	if err != nil {
		t.Fatalf("new bot: %v", err)
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(func() { h.stop() })
	eventually(t, 2*time.Second, "socket mode hello", sc.Connected)
	return h
}

// stop cancels Run and returns how long it took to return and its error.
func (h *harness) stop() (time.Duration, error) {
	start := time.Now()
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err
		return time.Since(start), err
	case <-time.After(15 * time.Second):
		h.t.Fatal("Run did not return after cancel")
		return 0, nil
	}
}

// post delivers a message event and returns the message's ts.
func (h *harness) post(msg map[string]any) string {
	h.t.Helper()
	h.seq++
	ts := fmt.Sprintf("1700001000.%06d", h.seq)
	if _, ok := msg["ts"]; !ok {
		msg["ts"] = ts
	}
	if _, ok := msg["channel"]; !ok {
		msg["channel"] = testChannel
	}
	h.socket.events <- messageEvent(h.t, fmt.Sprintf("env-%d", h.seq), fmt.Sprintf("Ev%d", h.seq), msg)
	return msg["ts"].(string)
}

// postMail delivers an alarm e-mail posted by the e-mail integration's bot.
func (h *harness) postMail(name, state string, at time.Time) string {
	return h.post(map[string]any{"subtype": "bot_message", "bot_id": mailBotID, "username": "AWS Notifications", "text": alarmEmail(name, state, at)})
}

// waitReport waits for the report in the thread of ts and returns it.
func (h *harness) waitReport(channel, ts string) fakeMessage {
	h.t.Helper()
	var report fakeMessage
	eventually(h.t, 5*time.Second, "report in thread "+ts, func() bool {
		for _, m := range h.slack.thread(channel, ts) {
			if m.hasBlock(reportBlockID) {
				report = m
				return true
			}
		}
		return false
	})
	return report
}

var episodeStart = time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)

func TestAckComesBeforeAnyWork(t *testing.T) {
	h := newHarness(t)
	eventually(t, 2*time.Second, "ready", h.bot.Ready)
	ts := h.postMail("checkout-errors", "ALARM", episodeStart)
	report := h.waitReport(testChannel, ts)

	ack := h.rec.index("ack env-1")
	for _, work := range []string{"claim-envelope", "claim-alarm", "post "} {
		i := h.rec.index(work)
		if ack < 0 || i < 0 || ack > i {
			t.Errorf("ack at %d, %q at %d: the envelope must be acknowledged first\n%s", ack, work, i, strings.Join(h.rec.calls, "\n"))
		}
	}
	link := investigation.EventLink("us-east-1", "ev-checkout-errors")
	if !strings.Contains(string(report.Blocks), link) {
		t.Errorf("report does not link the first cause's event %s:\n%s", link, report.Blocks)
	}
	if report.Updates < 1 {
		t.Errorf("the report should replace the placeholder (chat.update), got %d updates", report.Updates)
	}
	if n := len(h.slack.thread(testChannel, ts)); n != 1 {
		t.Errorf("thread has %d bot messages, want the placeholder turned report only", n)
	}
}

func TestWhichMessagesAreTriaged(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.chat.IntakeWorkers = 1 })
	mail := func(name string) string { return alarmEmail(name, "ALARM", episodeStart) }
	cases := []struct {
		name    string
		msg     map[string]any
		triaged bool
	}{
		{"own-user", map[string]any{"user": testBotUser, "text": mail("own-user")}, false},
		{"own-bot", map[string]any{"subtype": "bot_message", "bot_id": testBotID, "text": mail("own-bot")}, false},
		{"edited", map[string]any{"subtype": "message_changed", "message": map[string]any{"text": mail("edited"), "user": "U0ONCALL", "ts": "1.1"}}, false},
		{"other-channel", map[string]any{"channel": "C0RANDOM", "user": "U0ONCALL", "text": mail("other-channel")}, false},
		{"chatter", map[string]any{"user": "U0ONCALL", "text": "anyone for lunch? the alarm in #ops is noisy &amp; &lt;annoying&gt;"}, false},
		{"integration-bot", map[string]any{"subtype": "bot_message", "bot_id": mailBotID, "text": mail("integration-bot")}, true},
		{"pasted-by-human", map[string]any{"user": "U0ONCALL", "text": "```" + mail("pasted-by-human") + "```"}, true},
		{"json-by-webhook", map[string]any{"subtype": "bot_message", "bot_id": "B0HOOK", "text": strings.ReplaceAll(alarmJSON("json-by-webhook", "ALARM", episodeStart), "&", "&amp;")}, true},
	}
	for _, c := range cases {
		h.post(c.msg)
	}
	// One intake worker: once the last one is triaged, every earlier one was handled.
	eventually(t, 5*time.Second, "last message triaged", func() bool { return h.triager.count("json-by-webhook") == 1 })
	for _, c := range cases {
		want := 0
		if c.triaged {
			want = 1
		}
		if got := h.triager.count(c.name); got != want {
			t.Errorf("%s: %d triages, want %d", c.name, got, want)
		}
	}
	for _, m := range h.slack.roots(testChannel) {
		t.Errorf("unexpected top-level message: %s", m.Text)
	}
}

func TestRefireOfTheSameEpisodeAddsOneNote(t *testing.T) {
	h := newHarness(t)
	first := h.postMail("checkout-errors", "ALARM", episodeStart)
	h.waitReport(testChannel, first)

	second := h.postMail("checkout-errors", "ALARM", episodeStart.Add(20*time.Second))
	eventually(t, 5*time.Second, "re-fire note", func() bool { return len(h.slack.thread(testChannel, first)) == 2 })
	third := h.postMail("checkout-errors", "ALARM", episodeStart.Add(40*time.Second))
	eventually(t, 5*time.Second, "note counts the third notification", func() bool {
		replies := h.slack.thread(testChannel, first)
		return len(replies) == 2 && strings.Contains(string(replies[1].Blocks), "3 notifications")
	})
	if n := h.triager.count("checkout-errors"); n != 1 {
		t.Errorf("%d triages, want 1", n)
	}
	// The note says when the alarm fired, as the notification has it.
	fired := strconv.FormatInt(episodeStart.Add(40*time.Second).Unix(), 10)
	if note := string(h.slack.thread(testChannel, first)[1].Blocks); !strings.Contains(note, "!date^"+fired+"^") {
		t.Errorf("re-fire note does not show the notification's time %s: %s", fired, note)
	}
	for _, ts := range []string{second, third} {
		if replies := h.slack.thread(testChannel, ts); len(replies) != 0 {
			t.Errorf("the re-fire got its own thread (%d replies): notes belong in the episode's thread", len(replies))
		}
	}
	if got := counter(t, h.reg, "trailhound_dedup_hits_total", map[string]string{"state": "done"}); got != 2 {
		t.Errorf("dedup hits (done) = %v, want 2", got)
	}
}

func TestOKMarksTheReportResolved(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.chat.IntakeWorkers = 1 })
	root := h.postMail("checkout-errors", "ALARM", episodeStart)
	h.waitReport(testChannel, root)

	h.postMail("checkout-errors", "OK", episodeStart.Add(25*time.Minute))
	eventually(t, 5*time.Second, "resolved report", func() bool {
		r := h.slack.thread(testChannel, root)
		return len(r) == 1 && strings.Contains(r[0].Text, "resolved")
	})
	eventually(t, 5*time.Second, "✅ on the root", func() bool {
		return h.rec.index("react "+testChannel+" "+root+" "+resolvedReaction) >= 0
	})
	// The same OK from another path changes nothing.
	h.postMail("checkout-errors", "OK", episodeStart.Add(25*time.Minute))
	h.postMail("unknown-alarm", "OK", episodeStart.Add(25*time.Minute))
	sentinel := h.postMail("sentinel", "ALARM", episodeStart)
	h.waitReport(testChannel, sentinel) // one intake worker: the OKs before it are handled
	if n := h.rec.count("react "); n != 1 {
		t.Errorf("%d reactions, want 1", n)
	}
	if r := h.slack.thread(testChannel, root); len(r) != 1 {
		t.Errorf("thread has %d replies after a repeated OK, want 1", len(r))
	}
	if got := counter(t, h.reg, "trailhound_dedup_hits_total", map[string]string{"state": "resolved"}); got != 1 {
		t.Errorf("resolved dedup hits = %v, want 1", got)
	}
}

func TestTriageErrorReleasesTheClaim(t *testing.T) {
	h := newHarness(t)
	h.triager.err = &tools.APIError{Op: "cloudtrail:LookupEvents", Reason: investigation.ReasonAccessDenied, Code: "AccessDenied",
		Permission: "cloudtrail:LookupEvents", Err: errors.New("lookup events: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/x is not authorized")}
	root := h.postMail("checkout-errors", "ALARM", episodeStart)
	eventually(t, 5*time.Second, "error in the thread", func() bool {
		r := h.slack.thread(testChannel, root)
		// The reason and the missing permission, not the raw error.
		return len(r) == 1 && strings.Contains(r[0].Text, "Triage failed") && strings.Contains(string(r[0].Blocks), "access denied") &&
			strings.Contains(string(r[0].Blocks), "cloudtrail:LookupEvents") && !strings.Contains(string(r[0].Blocks), "not authorized")
	})
	key, err := alarmKey(investigation.Alarm{Name: "checkout-errors", ARN: "arn:aws:cloudwatch:us-east-1:" + testAccount + ":alarm:checkout-errors", StateChangeTime: episodeStart})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "claim released", func() bool {
		c, err := h.store.ClaimEpisode(context.Background(), key, "probe", time.Second)
		if err == nil && c.State == ClaimWon {
			return c.Lease.Release(context.Background()) == nil
		}
		return false
	})
	if got := counter(t, h.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeFailed}); got != 1 {
		t.Errorf("failed triages = %v, want 1", got)
	}

	// The next notification retries, in the thread the episode already has.
	h.triager.mu.Lock()
	h.triager.err = nil
	h.triager.mu.Unlock()
	h.postMail("checkout-errors", "ALARM", episodeStart.Add(30*time.Second))
	eventually(t, 5*time.Second, "retry reported", func() bool {
		for _, m := range h.slack.thread(testChannel, root) {
			if m.hasBlock(reportBlockID) {
				return true
			}
		}
		return false
	})
	if n := h.triager.count("checkout-errors"); n != 2 {
		t.Errorf("%d triages, want 2 (the failure and the retry)", n)
	}
}

func TestRedisDownStillTriagesWithAWarning(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) {
		c.store = func(*recorder, testing.TB) testStore { return downStore{} }
	})
	if h.bot.Ready() {
		t.Error("ready although the store never answered")
	}
	root := h.postMail("checkout-errors", "ALARM", episodeStart)
	report := h.waitReport(testChannel, root)
	if !report.hasBlock("dedup-note") || !strings.Contains(string(report.Blocks), "dedup unavailable") {
		t.Errorf("report lacks the dedup warning: %s", report.Blocks)
	}
	// The same replica still never triages an episode twice.
	h.postMail("checkout-errors", "ALARM", episodeStart.Add(10*time.Second))
	eventually(t, 5*time.Second, "re-fire note from local memory", func() bool { return len(h.slack.thread(testChannel, root)) == 2 })
	if n := h.triager.count("checkout-errors"); n != 1 {
		t.Errorf("%d triages, want 1", n)
	}
}
