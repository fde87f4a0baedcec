package bot

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/sandbox/slackapi"
	"github.com/trailhound/trailhound/store"
	"github.com/trailhound/trailhound/tools"
)

// End-to-end tests: the unmodified slack-go Socket Mode client against the
// sandbox workspace, a store on miniredis, and a fake triager.

const sandboxChannel = "C0ALERTS"

func startSandbox(t testing.TB, opts slackapi.Options) *slackapi.Server {
	t.Helper()
	sb := slackapi.New(opts)
	if _, err := sb.Start(""); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// replica is one bot process connected to the sandbox.
type replica struct {
	bot    *Bot
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

// sandboxChat connects the Slack transport to the sandbox workspace.
func sandboxChat(t testing.TB, sb *slackapi.Server, st slackchat.Envelopes, reg prometheus.Registerer, o slackchat.Options) *slackchat.Client {
	t.Helper()
	so := sb.Options()
	o.Envelopes, o.Logger, o.Metrics = st, testLogger(t), reg
	c, err := slackchat.Open(so.BotToken, so.AppToken, sb.URL()+"/api/", o)
	if err != nil {
		t.Fatalf("slack transport: %v", err)
	}
	return c
}

func startReplica(t testing.TB, sb *slackapi.Server, st *StoreAdapter, triager Triager, opts Options, chatOpts ...slackchat.Options) *replica {
	t.Helper()
	r := &replica{reg: prometheus.NewRegistry(), done: make(chan error, 1)}
	var co slackchat.Options
	if len(chatOpts) > 0 {
		co = chatOpts[0]
	}
	// Wired as the binary wires it: what the transport acknowledges is
	// recorded as work first, so an alarm handed back is read again.
	co.Record = st.s
	b, err := New(Deps{
		Chat: sandboxChat(t, sb, st, r.reg, co), Triager: triager, Store: st, Work: st,
		Logger: testLogger(t), Metrics: r.reg,
	}, opts)
	if err != nil {
		t.Fatalf("new bot: %v", err)
	}
	r.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- b.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	eventually(t, 5*time.Second, "replica ready", b.Ready)
	return r
}

func (r *replica) stop(t testing.TB) (time.Duration, error) {
	start := time.Now()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		return time.Since(start), err
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
		return 0, nil
	}
}

// sharedRedis is one miniredis for several stores, as replicas share one Redis.
func sharedRedis(t testing.TB) string {
	t.Helper()
	m := miniredis.RunT(t)
	return "redis://" + m.Addr()
}

func openStoreAt(t testing.TB, url string) *StoreAdapter {
	t.Helper()
	s, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return RedisStore(s)
}

func sandboxOptions(channels ...string) Options {
	return Options{
		Channels:        channels,
		ProgressEvery:   200 * time.Millisecond,
		ShutdownTimeout: 3 * time.Second,
		Owner:           "replica",
	}
}

// botReport returns the bot's report in the thread of ts, if any.
func botReport(sb *slackapi.Server, channel, ts string) (slackapi.Message, bool) {
	for _, m := range sb.Thread(channel, ts) {
		if m.BotID == sb.Options().BotID && m.IsReply() && bytes.Contains(m.Blocks, []byte(`"block_id":"`+reportBlockID+`"`)) {
			return m, true
		}
	}
	return slackapi.Message{}, false
}

func waitSandbox(t testing.TB, sb *slackapi.Server, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stretch(timeout))
	defer cancel()
	if err := sb.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func TestSandboxAlarmThreadFromMailToResolved(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{})
	triager := newFakeTriager()
	triager.delay = 300 * time.Millisecond
	r := startReplica(t, sb, openStoreAt(t, ""), triager, sandboxOptions(sandboxChannel))

	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the report", func() bool { _, ok := botReport(sb, sandboxChannel, root); return ok })

	report, _ := botReport(sb, sandboxChannel, root)
	rootMsg, _ := sb.Message(sandboxChannel, root)
	if len(report.Edits) == 0 || !strings.Contains(report.Edits[0].Text, "Walking the trail") {
		t.Errorf("the report did not replace a placeholder; edits: %+v", report.Edits)
	}
	if d := report.Posted.Sub(rootMsg.Posted); d > time.Second {
		t.Errorf("placeholder came %s after the alarm, want ≤ 1s", d)
	}
	link := investigation.EventLink("us-east-1", causeEventID(investigation.Alarm{Name: "checkout-errors"}))
	if !strings.Contains(string(report.Blocks), link) {
		t.Errorf("report does not link the first cause's event %s", link)
	}
	for _, a := range sb.Acks() {
		if a.Latency > 3*time.Second || a.Late || a.Unknown {
			t.Errorf("ack %+v: every envelope must be acknowledged within 3s", a)
		}
	}
	if ab := sb.Abandoned(); len(ab) > 0 {
		t.Errorf("abandoned envelopes: %v", ab)
	}

	// The same episode again: a note, no second triage.
	if _, err := sb.PostAsBot(sandboxChannel, "B0CHATBOT", "AWS Chatbot", alarmEmail("checkout-errors", "ALARM", episodeStart.Add(30*time.Second))); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the re-fire note", func() bool { return len(sb.Thread(sandboxChannel, root)) == 3 })
	if n := triager.count("checkout-errors"); n != 1 {
		t.Errorf("%d triages, want 1", n)
	}

	// OK: the report says resolved and the root carries a ✅.
	if _, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "OK", episodeStart.Add(20*time.Minute))); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "resolved", func() bool {
		rep, _ := botReport(sb, sandboxChannel, root)
		m, _ := sb.Message(sandboxChannel, root)
		return strings.Contains(rep.Text, "resolved") && len(m.Reactions) == 1 && m.Reactions[0].Name == resolvedReaction
	})
	if got := counter(t, r.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeReported}); got != 1 {
		t.Errorf("reported triages = %v, want 1", got)
	}
}

func TestSandboxReconnectLosesNoEvent(t *testing.T) {
	for _, c := range []struct {
		name  string
		sever func(*slackapi.Server)
	}{
		{"dropped", (*slackapi.Server).DropConnections},
		{"refresh", func(sb *slackapi.Server) { sb.Disconnect("refresh_requested") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			sb := startSandbox(t, slackapi.Options{Socket: slackapi.SocketOptions{DisconnectGrace: 200 * time.Millisecond}})
			triager := newFakeTriager()
			startReplica(t, sb, openStoreAt(t, ""), triager, sandboxOptions(sandboxChannel))
			c.sever(sb)
			root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
			if err != nil {
				t.Fatal(err)
			}
			waitSandbox(t, sb, 15*time.Second, "the report after reconnecting", func() bool { _, ok := botReport(sb, sandboxChannel, root); return ok })
			if n := sb.Connects(); n < 2 {
				t.Errorf("%d connections, want a reconnect", n)
			}
			if ab := sb.Abandoned(); len(ab) > 0 {
				t.Errorf("abandoned envelopes: %v", ab)
			}
		})
	}
}

func TestSandboxRateLimitIsRetried(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{})
	r := startReplica(t, sb, openStoreAt(t, ""), newFakeTriager(), sandboxOptions(sandboxChannel))
	sb.RateLimitNext("chat.postMessage", 2, time.Second)
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 15*time.Second, "the report despite 429s", func() bool { _, ok := botReport(sb, sandboxChannel, root); return ok })
	limited := 0
	for _, c := range sb.Calls("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("sandbox answered %d 429s, want 2", limited)
	}
	if got := counter(t, r.reg, "trailhound_slack_retries_total", map[string]string{"method": "chat.postMessage", "reason": "ratelimited"}); got != 2 {
		t.Errorf("retries counted = %v, want 2", got)
	}
}

func TestSandboxShutdownIsClean(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{})
	triager := newFakeTriager()
	triager.release = make(chan struct{})
	st := openStoreAt(t, "")
	r := startReplica(t, sb, st, triager, sandboxOptions(sandboxChannel))
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the placeholder", func() bool { return len(sb.Thread(sandboxChannel, root)) == 2 })
	eventually(t, 5*time.Second, "the triage running", func() bool { return triager.count("checkout-errors") == 1 })

	took, err := r.stop(t)
	if err != nil {
		t.Errorf("Run returned %v after a stop", err)
	}
	if took > 3*time.Second+500*time.Millisecond {
		t.Errorf("stop took %s, over the 3s shutdown timeout", took)
	}
	waitSandbox(t, sb, 5*time.Second, "the socket closed", func() bool { return sb.Connections() == 0 })
	// The work is handed back, not told as interrupted: the next replica
	// carries on in the same placeholder.
	if th := sb.Thread(sandboxChannel, root); len(th) != 2 || strings.Contains(th[1].Text, "interrupted") {
		t.Errorf("the placeholder was edited on the way out: %+v", th)
	}
	key, _ := alarmKey(investigation.Alarm{Name: "checkout-errors", ARN: "arn:aws:cloudwatch:us-east-1:" + testAccount + ":alarm:checkout-errors", StateChangeTime: episodeStart})
	c, err := st.ClaimEpisode(context.Background(), key, "next", time.Second)
	if err != nil || c.State != ClaimWon {
		t.Fatalf("the claim was not released: %+v %v", c, err)
	}
	if err := c.Lease.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(triager.release)
	startReplica(t, sb, st, triager, sandboxOptions(sandboxChannel))
	waitSandbox(t, sb, 20*time.Second, "the report from the next replica", func() bool { _, ok := botReport(sb, sandboxChannel, root); return ok })
	if th := sb.Thread(sandboxChannel, root); len(th) != 2 {
		t.Errorf("the next replica did not report in the first placeholder: %d messages in the thread", len(th))
	}
}

func TestSandboxTwoReplicasTriageEachAlarmOnce(t *testing.T) {
	channels := []string{"C0TEAMA01", "C0TEAMB01", "C0TEAMC01", "C0TEAMD01"}
	var sc []slackapi.Channel
	for _, c := range channels {
		sc = append(sc, slackapi.Channel{ID: c, Name: strings.ToLower(c)})
	}
	// Pacing is tested elsewhere; here it is loosened so the test is quick.
	sb := startSandbox(t, slackapi.Options{Channels: sc, Pace: slackapi.Pace{PerSecond: 20, Burst: 5}})
	redis := sharedRedis(t)
	triager := newFakeTriager()
	triager.delay = 100 * time.Millisecond
	opts := sandboxOptions(channels...)
	pace := slackchat.Options{PostInterval: 50 * time.Millisecond}
	a := startReplica(t, sb, openStoreAt(t, redis), triager, withOwner(opts, "replica-a"), pace)
	b := startReplica(t, sb, openStoreAt(t, redis), triager, withOwner(opts, "replica-b"), pace)
	waitSandbox(t, sb, 5*time.Second, "two connections", func() bool { return sb.Connections() == 2 })

	const alarms, copies = 20, 10
	for i := range alarms * copies {
		n := i % alarms
		at := episodeStart.Add(time.Duration(i/alarms) * time.Second)
		if _, err := sb.PostAsBot(channels[n%len(channels)], mailBotID, "AWS Notifications", alarmEmail(fmt.Sprintf("alarm-%02d", n), "ALARM", at)); err != nil {
			t.Fatal(err)
		}
	}
	waitSandbox(t, sb, 30*time.Second, "every alarm reported", func() bool {
		reported := 0
		for _, ch := range channels {
			for _, m := range sb.Messages(ch) {
				if _, ok := botReport(sb, ch, m.TS); ok {
					reported++
				}
			}
		}
		return reported == alarms && sb.Pending() == 0
	})
	for n := range alarms {
		if c := triager.count(fmt.Sprintf("alarm-%02d", n)); c != 1 {
			t.Errorf("alarm-%02d triaged %d times, want exactly once", n, c)
		}
	}
	perConn := map[int]int{}
	for _, d := range sb.Deliveries() {
		perConn[d.Conn]++
	}
	if len(perConn) != 2 {
		t.Errorf("deliveries per connection %v: want both replicas fed", perConn)
	}
	// The metric counts a triage once its report is posted and recorded.
	eventually(t, 5*time.Second, "reported triages counted", func() bool {
		var handled float64
		for _, r := range []*replica{a, b} {
			handled += counter(t, r.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeReported})
		}
		return handled == alarms
	})
	t.Logf("deliveries per connection %v; dedup hits a=%v b=%v", perConn,
		counter(t, a.reg, "trailhound_dedup_hits_total", nil), counter(t, b.reg, "trailhound_dedup_hits_total", nil))
}

// TestSandboxQueueIntake runs the queue's intake as it is handled in
// place and as it is recorded as work first (the message deleted once
// recorded, then read back from the work).
func TestSandboxQueueIntake(t *testing.T) {
	t.Run("handled in place", func(t *testing.T) { testQueueIntake(t, false) })
	t.Run("recorded as work", func(t *testing.T) { testQueueIntake(t, true) })
}

func testQueueIntake(t *testing.T, durable bool) {
	sc, err := scenario.Load("../testdata/scenarios/001-lambda-role-policy-detached")
	if err != nil {
		t.Fatal(err)
	}
	awsbox, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := awsbox.Serve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sandbox")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{Region: sc.Meta.Region, Endpoint: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	queue, err := tools.OpenSQS(context.Background(), cfg, awsapi.AlarmQueue, tools.SQSOptions{Visibility: DefaultSQSVisibility})
	if err != nil {
		t.Fatal(err)
	}

	sb := startSandbox(t, slackapi.Options{})
	triager := newFakeTriager()
	opts := sandboxOptions(sandboxChannel)
	opts.AlertChannel = sandboxChannel
	st := openStoreAt(t, "")
	var redis *miniredis.Miniredis
	if durable {
		var url string
		redis, url = tickingRedis(t)
		st = openStoreAt(t, url)
	}
	reg := prometheus.NewRegistry()
	deps := Deps{Chat: sandboxChat(t, sb, st, nil, slackchat.Options{}), Triager: triager, Store: st,
		Queue: SQSQueue(queue), Logger: testLogger(t), Metrics: reg}
	if durable {
		deps.Chat, deps.Work = sandboxChat(t, sb, st, nil, slackchat.Options{Record: st}), st
	}
	b, err := New(deps, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	publish := func(message string) {
		t.Helper()
		form := url.Values{"Action": {"Publish"}, "TopicArn": {awsbox.AlarmTopicARN()}, "Message": {message}}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/20260319/"+sc.Meta.Region+"/sns/aws4_request, SignedHeaders=host, Signature=0")
		rec := httptest.NewRecorder()
		awsbox.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("publish: %d %s", rec.Code, rec.Body)
		}
	}
	publish(alarmJSON("queue-alarm", "ALARM", episodeStart))
	waitSandbox(t, sb, 10*time.Second, "a root and its report", func() bool {
		roots := sb.Messages(sandboxChannel)
		if len(roots) != 1 {
			return false
		}
		_, ok := botReport(sb, sandboxChannel, roots[0].TS)
		return ok && strings.Contains(roots[0].Text, "queue-alarm")
	})
	eventually(t, 5*time.Second, "the message deleted", func() bool {
		left, err := awsbox.QueueMessages(awsapi.AlarmQueue)
		return err == nil && len(left) == 0
	})

	// The same episode again: deleted as a duplicate, no second thread.
	publish(alarmJSON("queue-alarm", "ALARM", episodeStart.Add(15*time.Second)))
	eventually(t, 10*time.Second, "the duplicate deleted", func() bool {
		left, err := awsbox.QueueMessages(awsapi.AlarmQueue)
		return err == nil && len(left) == 0 && awsbox.Calls()["sqs:DeleteMessage"] == 2
	})
	if n := len(sb.Messages(sandboxChannel)); n != 1 {
		t.Errorf("%d top-level messages, want the one thread", n)
	}
	if n := triager.count("queue-alarm"); n != 1 {
		t.Errorf("%d triages, want 1", n)
	}
	if !durable {
		return
	}
	// Redis restarts empty; the episode's root in the channel, tagged with
	// its metadata, still says it was triaged.
	redis.FlushAll()
	publish(alarmJSON("queue-alarm", "ALARM", episodeStart.Add(30*time.Second)))
	eventually(t, 10*time.Second, "the copy found done in the channel", func() bool {
		return counter(t, reg, "trailhound_dedup_hits_total", map[string]string{"state": "chat"}) == 1
	})
	if n := len(sb.Messages(sandboxChannel)); n != 1 {
		t.Errorf("after Redis forgot: %d top-level messages, want the one thread", n)
	}
	if n := triager.count("queue-alarm"); n != 1 {
		t.Errorf("after Redis forgot: %d triages, want 1", n)
	}
}

func withOwner(o Options, owner string) Options {
	o.Owner = owner
	return o
}
