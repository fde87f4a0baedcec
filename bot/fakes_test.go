package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/store"
)

// Identities of the fake workspace.
const (
	testBotUser = "U0BOT"
	testBotID   = "B0BOT"
	testChannel = "C0ALERTS"
	testAlerts  = "C0QUEUE"
	mailBotID   = "B0MAIL"
	testAccount = "123456789012"
)

// recorder keeps the order of calls across fakes.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

// index returns the position of the first call starting with prefix, or -1.
func (r *recorder) index(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			return i
		}
	}
	return -1
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// fakeTriager returns a canned report for each alarm.
type fakeTriager struct {
	mu    sync.Mutex
	calls map[string]int // by alarm name
	// release, when set, holds every triage until it is closed or ctx ends.
	release chan struct{}
	delay   time.Duration
	err     error
}

func newFakeTriager() *fakeTriager { return &fakeTriager{calls: map[string]int{}} }

func (f *fakeTriager) Triage(ctx context.Context, a investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error) {
	f.mu.Lock()
	f.calls[a.Name]++
	release, delay, failure := f.release, f.delay, f.err
	f.mu.Unlock()
	progress(engine.Progress{Stage: engine.StageScoped, Resources: 2})
	if release != nil {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, fmt.Errorf("triage %s: %w", a.Name, ctx.Err())
		}
	}
	if delay > 0 {
		if err := chat.Sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("triage %s: %w", a.Name, err)
		}
	}
	if failure != nil {
		return nil, failure
	}
	progress(engine.Progress{Stage: engine.StageRanked, Resources: 2, Events: 1})
	return cannedReport(a), nil
}

func (f *fakeTriager) count(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[name]
}

func (f *fakeTriager) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

// causeEventID is the event a canned report names as the first cause.
func causeEventID(a investigation.Alarm) string { return "ev-" + a.Name }

func cannedReport(a investigation.Alarm) *investigation.Report {
	ev := investigation.EventRef{
		EventID: causeEventID(a), EventName: "DetachRolePolicy", EventSource: "iam.amazonaws.com",
		EventTime: a.StateChangeTime.Add(-4 * time.Minute), Actor: "alice", Region: "us-east-1",
		Link: investigation.EventLink("us-east-1", causeEventID(a)),
	}
	return &investigation.Report{
		Alarm: investigation.AlarmSummary{
			Name: a.Name, ARN: a.ARN, Account: a.Account, Region: a.Region, State: a.State,
			StateChangeTime: a.StateChangeTime, Reason: a.Reason,
			Resources: []investigation.Resource{{Type: "AWS::Lambda::Function", ID: "checkout"}},
		},
		Window: investigation.Window{Start: a.StateChangeTime.Add(-time.Hour), End: a.StateChangeTime},
		Candidates: []investigation.Candidate{{
			Rank: 1, Summary: "alice detached a policy from checkout-role", Category: investigation.CategoryIAM,
			Confidence: investigation.ConfidenceHigh, Score: 0.9, Layer: 2,
			Resource: investigation.ResourceRef{Type: "AWS::IAM::Role", ID: "checkout-role"},
			Events:   []investigation.EventRef{ev},
			Claims:   []investigation.Claim{{Text: "The policy was detached.", Confidence: investigation.ConfidenceHigh, EventIDs: []string{ev.EventID}}},
		}},
		Explanation: investigation.Explanation{WhatChanged: "A policy was detached.", Why: "AccessDenied followed."},
		Stats:       investigation.Stats{APICalls: map[string]int{"cloudtrail:LookupEvents": 3}},
	}
}

// fakeAlarms describes alarms from a table.
type fakeAlarms struct {
	mu     sync.Mutex
	alarms map[string]investigation.Alarm // by region/name
	calls  int
}

func (f *fakeAlarms) DescribeAlarms(_ context.Context, region string, names []string) ([]investigation.Alarm, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	var out []investigation.Alarm
	for _, n := range names {
		if a, ok := f.alarms[region+"/"+n]; ok {
			out = append(out, a)
		}
	}
	return out, nil
}

// testStore is the bot's store and the transport's envelope claims in one,
// as RedisStore is.
type testStore interface {
	Store
	ClaimEnvelope(ctx context.Context, id string, ttl time.Duration) (bool, error)
}

// recStore records the claims on a real (embedded) store.
type recStore struct {
	*StoreAdapter
	rec *recorder
}

func (s recStore) ClaimEnvelope(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	s.rec.add("claim-envelope %s", id)
	return s.StoreAdapter.ClaimEnvelope(ctx, id, ttl)
}

func (s recStore) ClaimEpisode(ctx context.Context, key EpisodeKey, owner string, lease time.Duration) (EpisodeClaim, error) {
	s.rec.add("claim-alarm %s", storeKey(key))
	return s.StoreAdapter.ClaimEpisode(ctx, key, owner, lease)
}

// downStore is a Redis that does not answer.
type downStore struct{}

func unavailable(op string) error {
	return fmt.Errorf("%s: %w: connection refused", op, store.ErrUnavailable)
}

func (downStore) Ping(context.Context) error { return unavailable("ping") }
func (downStore) ClaimEnvelope(context.Context, string, time.Duration) (bool, error) {
	return false, unavailable("claim envelope")
}
func (downStore) ClaimOnce(context.Context, string, time.Duration) (bool, error) {
	return false, unavailable("claim once")
}
func (downStore) ClaimEpisode(context.Context, EpisodeKey, string, time.Duration) (EpisodeClaim, error) {
	return EpisodeClaim{}, unavailable("claim alarm")
}
func (downStore) SetEpisodeThread(context.Context, EpisodeKey, chat.Ref) error {
	return unavailable("set thread")
}
func (downStore) LatestThread(context.Context, string) (EpisodeThread, error) {
	return EpisodeThread{}, unavailable("latest thread")
}
func (downStore) SaveThread(context.Context, chat.Ref, ThreadState) error {
	return unavailable("save thread")
}
func (downStore) LoadThread(context.Context, chat.Ref) (ThreadState, error) {
	return ThreadState{}, unavailable("load thread")
}
func (downStore) SaveReport(context.Context, investigation.Report) (string, error) {
	return "", unavailable("save artifact")
}

// fakeQueue is an SQS queue in memory: a received message stays invisible
// until deleted or made visible again.
type fakeQueue struct {
	mu       sync.Mutex
	messages []*queued
	deleted  []string
	extended int
	seq      int
}

type queued struct {
	QueueMessage
	invisible bool
}

func (q *fakeQueue) send(body string) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	id := fmt.Sprintf("m%d", q.seq)
	q.messages = append(q.messages, &queued{QueueMessage: QueueMessage{ID: id, Body: body}})
	return id
}

func (q *fakeQueue) Receive(ctx context.Context, wait time.Duration) ([]QueueMessage, error) {
	deadline := time.Now().Add(min(wait, 50*time.Millisecond))
	for {
		q.mu.Lock()
		var out []QueueMessage
		for _, m := range q.messages {
			if !m.invisible && len(out) < 10 {
				m.invisible = true
				m.ReceiveCount++
				m.ReceiptHandle = fmt.Sprintf("%s-r%d", m.ID, m.ReceiveCount)
				out = append(out, m.QueueMessage)
			}
		}
		q.mu.Unlock()
		if len(out) > 0 || time.Now().After(deadline) {
			return out, nil
		}
		if err := chat.Sleep(ctx, 5*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

func (q *fakeQueue) find(handle string) *queued {
	for _, m := range q.messages {
		if m.ReceiptHandle == handle {
			return m
		}
	}
	return nil
}

func (q *fakeQueue) Delete(_ context.Context, handle string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, m := range q.messages {
		if m.ReceiptHandle == handle {
			q.deleted = append(q.deleted, m.ID)
			q.messages = append(q.messages[:i], q.messages[i+1:]...)
			return nil
		}
	}
	return errors.New("ReceiptHandleIsInvalid")
}

func (q *fakeQueue) ExtendVisibility(_ context.Context, handle string, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.extended++
	if m := q.find(handle); m != nil && d == 0 {
		m.invisible = false
	}
	return nil
}

// redeliver makes every received, undeleted message visible again, as SQS
// does when their visibility runs out.
func (q *fakeQueue) redeliver() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range q.messages {
		m.invisible = false
	}
}

func (q *fakeQueue) deletedIDs() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.deleted...)
}

// testLogger logs to the test when -v is set, else nowhere.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}

// openStore starts an embedded store for one test.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "", store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// alarmEmail writes the CloudWatch alarm e-mail as an e-mail integration
// posts it into a channel.
func alarmEmail(name, state string, at time.Time) string {
	prev := "OK"
	if state == "OK" {
		prev = "ALARM"
	}
	stamp := at.UTC().Format("Monday 2 January, 2006 15:04:05 UTC")
	return fmt.Sprintf(`You are receiving this email because your Amazon CloudWatch Alarm "%[1]s" in the US East (N. Virginia) region has entered the %[2]s state, because "Threshold Crossed: 1 out of the last 1 datapoints [3.0 (%[5]s)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for %[3]s -&gt; %[2]s transition)." at "%[4]s".

Alarm Details:
- Name:                       %[1]s
- Description:                Errors on the checkout function
- State Change:               %[3]s -&gt; %[2]s
- Reason for State Change:    Threshold Crossed: 1 out of the last 1 datapoints [3.0 (%[5]s)] was greater than or equal to the threshold (1.0).
- Timestamp:                  %[4]s
- AWS Account:                %[6]s
- Alarm Arn:                  arn:aws:cloudwatch:us-east-1:%[6]s:alarm:%[1]s

Monitored Metric:
- MetricNamespace:                     AWS/Lambda
- MetricName:                          Errors
- Dimensions:                          [FunctionName = checkout]
- Period:                              60 seconds
- Statistic:                           Sum
- Unit:                                not specified
`, name, state, prev, stamp, at.UTC().Add(-2*time.Minute).Format("02/01/06 15:04:05"), testAccount)
}

// alarmJSON is the alarm message SNS delivers to SQS with raw delivery.
func alarmJSON(name, state string, at time.Time) string {
	msg := map[string]any{
		"AlarmName":        name,
		"AlarmDescription": "Errors on the checkout function",
		"AWSAccountId":     testAccount,
		"NewStateValue":    state,
		"NewStateReason":   "Threshold Crossed",
		"StateChangeTime":  at.UTC().Format("2006-01-02T15:04:05.000-0700"),
		"Region":           "US East (N. Virginia)",
		"AlarmArn":         "arn:aws:cloudwatch:us-east-1:" + testAccount + ":alarm:" + name,
		"OldStateValue":    "OK",
		"Trigger": map[string]any{
			"MetricName": "Errors", "Namespace": "AWS/Lambda", "StatisticType": "Statistic", "Statistic": "SUM",
			"Dimensions": []map[string]string{{"name": "FunctionName", "value": "checkout"}},
			"Period":     60, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1.0,
		},
	}
	b, _ := json.Marshal(msg)
	return string(b)
}

// eventually polls cond until it holds or the timeout passes.
// stretch lengthens a short wait for a condition: CI runs this package
// beside the fault suite on two cores, where a sandbox answer that takes a
// second alone can take ten. A wait ends as soon as its condition holds, so
// the stretch costs passing tests nothing; long waits, already sized for
// load, stay as they are so the package keeps within go test's timeout.
func stretch(d time.Duration) time.Duration {
	return max(d, min(3*d, time.Minute))
}

func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	timeout = stretch(timeout)
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// histogram reads the sample count and sum of a histogram of reg by name.
func histogram(t testing.TB, reg *prometheus.Registry, name string) (count uint64, sum float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			count += m.GetHistogram().GetSampleCount()
			sum += m.GetHistogram().GetSampleSum()
		}
	}
	return count, sum
}

// counter reads a counter or gauge of reg by name and labels.
func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return total
}

func matches(m *dto.Metric, labels map[string]string) bool {
	for k, v := range labels {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k && lp.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
