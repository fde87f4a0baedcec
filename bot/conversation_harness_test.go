package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
	"github.com/trailhound/trailhound/sandbox/slackapi"
	"github.com/trailhound/trailhound/store"
)

// The conversation tests' harness: a sandbox workspace over a fake trail
// and topology, a clock, and helpers to ask and to read the replies.

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fakeTrail answers lookups from a list of events, as CloudTrail would:
// one attribute, one region, the window inclusive, newest first.
type fakeTrail struct {
	mu      sync.Mutex
	events  []investigation.Event
	lookups []investigation.Lookup
}

func (f *fakeTrail) Lookup(_ context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups = append(f.lookups, q)
	var out []investigation.Event
	for _, e := range f.events {
		if e.Region != q.Region || e.Time.Before(q.Start) || e.Time.After(q.End) {
			continue
		}
		match := false
		switch q.Key {
		case investigation.AttrResourceName:
			match = slices.ContainsFunc(e.Resources, func(r investigation.EventResource) bool { return r.Name == q.Value })
		case investigation.AttrEventID:
			match = e.ID == q.Value
		case investigation.AttrUsername:
			match = e.Actor.Name == q.Value
		}
		if match {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b investigation.Event) int { return b.Time.Compare(a.Time) })
	return investigation.LookupResult{Events: out, Calls: 1}, nil
}

// fakeTopology: the checkout function runs as checkout-role.
type fakeTopology struct{}

func (fakeTopology) Dependencies(_ context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	if r.Type == "AWS::Lambda::Function" && r.ID == "checkout" {
		return []investigation.Dependency{{Resource: investigation.Resource{Type: "AWS::IAM::Role", ID: "checkout-role"}, Relation: "Runs as Role"}}, nil
	}
	return nil, investigation.ErrUnknownResource
}

const (
	detachID = "0f1e2d3c-4b5a-4697-8899-aabbccddeeff"
	updateID = "11111111-2222-4333-8444-555555555555"
	oldPutID = "99999999-8888-4777-8666-555555555555"
	readID   = "abababab-cdcd-4efe-8a8a-121212121212"
)

func conversationTrail() *fakeTrail {
	role := []investigation.EventResource{{Type: "AWS::IAM::Role", Name: "checkout-role"}}
	fn := []investigation.EventResource{{Type: "AWS::Lambda::Function", Name: "checkout"}}
	return &fakeTrail{events: []investigation.Event{
		{ID: detachID, Name: "DetachRolePolicy", Source: "iam.amazonaws.com", Region: "us-east-1", Time: time.Date(2026, 3, 19, 12, 50, 0, 0, time.UTC),
			Actor: investigation.Actor{Name: "alice", Kind: investigation.ActorHuman}, Resources: role,
			Raw: json.RawMessage(`{"eventID":"` + detachID + `","eventName":"DetachRolePolicy","userIdentity":{"userName":"alice","accessKeyId":"AKIAIOSFODNN7EXAMPLE","sessionContext":{"sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE"}},"requestParameters":{"roleName":"checkout-role","policyArn":"arn:aws:iam::123456789012:policy/checkout-dynamodb-access"},"responseElements":{"credentials":{"accessKeyId":"ASIAEXAMPLEEXAMPLE12","secretAccessKey":"wJalrXUtnFEMI"}},"additionalEventData":{"loginTo":"https://console.aws.amazon.com/?password=hunter2"}}`)},
		{ID: updateID, Name: "UpdateFunctionConfiguration20150331v2", Source: "lambda.amazonaws.com", Region: "us-east-1", Time: time.Date(2026, 3, 19, 12, 40, 0, 0, time.UTC),
			Actor: investigation.Actor{Name: "deploy-bot", Kind: investigation.ActorAutomation}, Resources: fn},
		{ID: oldPutID, Name: "PutRolePolicy", Source: "iam.amazonaws.com", Region: "us-east-1", Time: time.Date(2026, 3, 19, 11, 30, 0, 0, time.UTC),
			Actor: investigation.Actor{Name: "alice", Kind: investigation.ActorHuman}, Resources: role},
		{ID: readID, Name: "GetRole", Source: "iam.amazonaws.com", Region: "us-east-1", Time: time.Date(2026, 3, 19, 12, 55, 0, 0, time.UTC),
			Actor: investigation.Actor{Name: "alice", Kind: investigation.ActorHuman}, Resources: role, ReadOnly: true},
		{ID: "77777777-6666-4555-8444-333333333333", Name: "TagResource", Source: "sqs.amazonaws.com", Region: "us-east-1", Time: time.Date(2026, 3, 19, 12, 45, 0, 0, time.UTC),
			Actor: investigation.Actor{Name: "alice", Kind: investigation.ActorHuman}, Resources: []investigation.EventResource{{Type: "AWS::SQS::Queue", Name: "orders"}}},
	}}
}

// clock is a settable time source shared by the bot and the workspace.
type clock struct{ unix atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)  { c.unix.Store(t.UnixNano()) }
func (c *clock) now() time.Time   { return time.Unix(0, c.unix.Load()).UTC() }

type asker struct {
	sb    *slackapi.Server
	bot   *Bot
	st    *store.Store
	trail *fakeTrail
	clock *clock
}

func startAsker(t *testing.T, triager Triager, opts Options, customize ...func(*Deps)) *asker {
	t.Helper()
	clk := newClock(askNow)
	sb := startSandbox(t, slackapi.Options{
		Now: clk.now,
		Users: []slackapi.User{
			{ID: berliner, Name: "berlin", RealName: "In Berlin", Location: mustZone(t, "Europe/Berlin")},
			{ID: newYork, Name: "newyork", RealName: "In New York", Location: mustZone(t, "America/New_York")},
			{ID: noZone, Name: "nozone", RealName: "No Zone"},
		},
	})
	st := openStore(t)
	trail := conversationTrail()
	if opts.Channels == nil {
		opts = sandboxOptions(sandboxChannel)
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "us-east-1"
	}
	if triager == nil {
		triager = newFakeTriager()
	}
	reg := prometheus.NewRegistry()
	deps := Deps{
		Chat: sandboxChat(t, sb, st, reg, slackchat.Options{Now: clk.now}), Triager: triager, Store: RedisStore(st),
		Changes: changes.New(trail, fakeTopology{}, "us-east-1"),
		Now:     clk.now, Logger: testLogger(t), Metrics: reg,
	}
	for _, c := range customize {
		c(&deps)
	}
	b, err := New(deps, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return")
		}
	})
	eventually(t, 5*time.Second, "bot ready", b.Ready)
	return &asker{sb: sb, bot: b, st: st, trail: trail, clock: clk}
}

// command types the slash command and waits for a new answer: a message
// in the channel or an ephemeral one for user.
func (a *asker) command(t *testing.T, user, text string) (msg slackapi.Message, ephemeral bool) {
	t.Helper()
	roots, eph := len(a.botRoots()), len(a.ephemerals(user))
	if _, err := a.sb.SlashCommand(sandboxChannel, user, text); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, a.sb, 10*time.Second, "an answer to "+text, func() bool {
		return len(a.botRoots()) > roots || len(a.ephemerals(user)) > eph
	})
	if r := a.botRoots(); len(r) > roots {
		return r[len(r)-1], false
	}
	e := a.ephemerals(user)
	return e[len(e)-1], true
}

func (a *asker) botRoots() []slackapi.Message {
	var out []slackapi.Message
	for _, m := range a.sb.Messages(sandboxChannel) {
		if m.BotID == a.sb.Options().BotID && !m.IsReply() {
			out = append(out, m)
		}
	}
	return out
}

func (a *asker) ephemerals(user string) []slackapi.Message {
	var out []slackapi.Message
	for _, m := range a.sb.Ephemerals(sandboxChannel) {
		if m.Recipient == user {
			out = append(out, m)
		}
	}
	return out
}

// ask mentions the bot in thread (empty: a new message) and returns the
// bot's next reply in that thread.
func (a *asker) ask(t *testing.T, user, thread, text string) slackapi.Message {
	t.Helper()
	post := slackapi.Post{Channel: sandboxChannel, User: user, Text: "<@" + a.sb.Options().BotUserID + "> " + text, ThreadTS: thread}
	ts, err := a.sb.Post(post)
	if err != nil {
		t.Fatal(err)
	}
	root := firstNonEmpty(thread, ts)
	before := len(a.botReplies(root))
	waitSandbox(t, a.sb, 10*time.Second, "an answer to "+text, func() bool { return len(a.botReplies(root)) > before })
	r := a.botReplies(root)
	return r[before]
}

func (a *asker) botReplies(root string) []slackapi.Message {
	var out []slackapi.Message
	for _, m := range a.sb.Thread(sandboxChannel, root) {
		if m.BotID == a.sb.Options().BotID && m.IsReply() {
			out = append(out, m)
		}
	}
	return out
}

// content is what a reader sees of a message: its text and blocks.
func content(m slackapi.Message) string { return m.Text + "\n" + string(m.Blocks) }

func assertContains(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func assertLacks(t *testing.T, what, got string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(got, w) {
			t.Errorf("%s has %q:\n%s", what, w, got)
		}
	}
}

// golden compares a reply's blocks with testdata/golden/name.json.
func golden(t *testing.T, name string, m slackapi.Message) {
	t.Helper()
	var v any
	if err := json.Unmarshal(m.Blocks, &v); err != nil {
		t.Fatalf("%s: blocks: %v", name, err)
	}
	got, err := json.MarshalIndent(map[string]any{"text": m.Text, "blocks": v}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var msg blocks.Message
	if err := json.Unmarshal(got, &msg); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := blocks.Validate(msg); err != nil {
		t.Errorf("%s is not a valid message: %v", name, err)
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("%s differs from %s (run with -update after checking):\n%s", name, path, got)
	}
}
