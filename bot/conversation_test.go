package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
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
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/sandbox/slackapi"
	"github.com/trailhound/trailhound/store"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden from the bot's replies")

// Conversation tests: the slash command, mentions, thread follow-ups and
// buttons through the sandbox workspace and the real Socket Mode client,
// asked by members in Berlin, New York and without a zone.

const (
	berliner = "U0BERLIN"
	newYork  = "U0NEWYORK"
	noZone   = "U0NOTZ"
)

// askNow is 15:30 in Berlin (CET), 10:30 in New York (EDT).
var askNow = time.Date(2026, 3, 19, 14, 30, 0, 0, time.UTC)

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

func TestSandboxChangesCommandInTwoZones(t *testing.T) {
	a := startAsker(t, nil, Options{})

	t.Run("berlin", func(t *testing.T) {
		m, eph := a.command(t, berliner, "changes checkout-role before 14:00 window 1h")
		if eph {
			t.Fatalf("answer is ephemeral: %s", m.Text)
		}
		got := content(m)
		assertContains(t, "Berlin table", got, "13:00–14:00", "Europe/Berlin", "DetachRolePolicy", "/trailhound changes checkout-role before 14:00 window 1h")
		assertLacks(t, "Berlin table", got, "PutRolePolicy", "GetRole", "TagResource", "no time zone")
		golden(t, "changes-command-berlin", m)
		// The table's thread keeps its window for follow-ups.
		eventually(t, 5*time.Second, "the table's thread state", func() bool {
			st, err := a.st.LoadThread(context.Background(), store.ThreadRef{Channel: sandboxChannel, TS: m.TS})
			return err == nil && st.Window.End.Equal(time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC))
		})
	})
	t.Run("new york", func(t *testing.T) {
		m, eph := a.command(t, newYork, "changes checkout-role before 9am")
		if eph {
			t.Fatalf("answer is ephemeral: %s", m.Text)
		}
		assertContains(t, "New York table", content(m), "08:00–09:00", "America/New_York", "DetachRolePolicy")
	})
	t.Run("no zone, private", func(t *testing.T) {
		roots := len(a.botRoots())
		m, eph := a.command(t, noZone, "changes checkout-role before 13:00 window 90m --private")
		if !eph || len(a.botRoots()) != roots {
			t.Fatalf("a --private answer was posted in the channel")
		}
		assertContains(t, "UTC table", content(m), "11:30–13:00", "UTC", "your Slack profile has no time zone", "DetachRolePolicy", "PutRolePolicy")
		golden(t, "changes-command-nozone-private", m)
	})
	t.Run("dependencies of an ARN", func(t *testing.T) {
		m, _ := a.command(t, berliner, "changes arn:aws:lambda:us-east-1:123456789012:function:checkout before 14:00")
		assertContains(t, "function table", content(m), "UpdateFunctionConfiguration20150331v2", "DetachRolePolicy")
	})
	for _, c := range []struct {
		name, user, text string
		want             []string
	}{
		{"future", berliner, "changes checkout-role before 16:00", []string{"16:00 today is still 30m0s ahead in Europe/Berlin", "yesterday 16:00"}},
		{"ambiguous hour", newYork, "changes checkout-role before 2", []string{"ambiguous"}},
		{"no subject", berliner, "changes", []string{"name a resource", "Usage"}},
		{"bad window", berliner, "changes checkout-role window forever", []string{"window", "not a duration"}},
		{"unknown verb", berliner, "frobnicate the role", []string{"I don't know `frobnicate`", "help"}},
		{"help", noZone, "help", []string{"changes <resource|alarm|ARN>", "before 14:00 window 2h", "--private", "what changed on the role before 14:00"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, eph := a.command(t, c.user, c.text)
			if !eph {
				t.Fatalf("answer is not ephemeral: %s", m.Text)
			}
			assertContains(t, c.name, m.Text, c.want...)
		})
	}
	t.Run("dst: twice in new york", func(t *testing.T) {
		a.clock.set(time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC))
		m, eph := a.command(t, newYork, "changes checkout-role before 1:30am")
		if !eph {
			t.Fatal("not ephemeral")
		}
		assertContains(t, "dst answer", m.Text, "happens twice on 2026-11-01 in America/New_York", "05:30 UTC or 06:30 UTC")
	})
	t.Run("dst: skipped in berlin", func(t *testing.T) {
		a.clock.set(time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC))
		m, _ := a.command(t, berliner, "changes checkout-role before 02:30")
		assertContains(t, "dst answer", m.Text, "does not exist on 2026-03-29 in Europe/Berlin", "from 02:00 to 03:00")
	})
}

func TestSandboxCommandsNeedAnAllowedUserToReadAWS(t *testing.T) {
	opts := sandboxOptions(sandboxChannel)
	opts.CommandUsers = []string{berliner}
	a := startAsker(t, nil, opts)
	m, eph := a.command(t, newYork, "changes checkout-role")
	if !eph {
		t.Fatal("refusal is not ephemeral")
	}
	assertContains(t, "refusal", m.Text, "limited to a list of people")
	m, _ = a.command(t, newYork, "help")
	assertContains(t, "help for anyone", m.Text, "Trailhound")
	if r := a.ask(t, newYork, "", "what changed on checkout-role?"); !strings.Contains(r.Text, "limited to a list of people") {
		t.Errorf("mention by a member not allowed: %s", r.Text)
	}
	if len(a.trail.lookups) != 0 {
		t.Errorf("refused questions read CloudTrail: %v", a.trail.lookups)
	}
	m, eph = a.command(t, berliner, "changes checkout-role before 14:00")
	if eph {
		t.Fatalf("allowed member refused: %s", m.Text)
	}
}

func TestSandboxMentionAnywhere(t *testing.T) {
	a := startAsker(t, nil, Options{})
	r := a.ask(t, berliner, "", "what changed before 14:00 on checkout-role?")
	assertContains(t, "mention answer", content(r), "13:00–14:00", "Europe/Berlin", "DetachRolePolicy", "what changed before 14:00 on checkout-role?")
	r = a.ask(t, noZone, "", "what changed on checkout-role before 13:00 in the last 2 hours?")
	assertContains(t, "no-zone mention", content(r), "11:00–13:00", "no time zone", "PutRolePolicy")
	r = a.ask(t, berliner, "", "is the database on fire?")
	assertContains(t, "capabilities", r.Text, "I can answer these", "why is #2 below #1?")
	r = a.ask(t, berliner, "", "what changed on the role?")
	assertContains(t, "referent outside a thread", content(r), "the role")
}

// twoCauses ranks two causes for checkout-errors: the role's policy
// detached, then the function's configuration.
type twoCauses struct{ calls atomic.Int32 }

func (f *twoCauses) Triage(_ context.Context, a investigation.Alarm, progress func(engine.Progress)) (*investigation.Report, error) {
	f.calls.Add(1)
	progress(engine.Progress{Stage: engine.StageRanked, Resources: 2, Events: 2})
	rep := cannedReport(a)
	rep.ArtifactID = "art-1"
	rep.Candidates[0].Events[0].EventID = detachID
	rep.Candidates[0].Events[0].EventTime = time.Date(2026, 3, 19, 12, 50, 0, 0, time.UTC)
	rep.Candidates[0].Events[0].Link = investigation.EventLink("us-east-1", detachID)
	rep.Candidates[0].Breakdown = investigation.ScoreBreakdown{Time: 0.3, Layer: 0.2, Kind: 0.3, Corroboration: 0.1, Actor: 0.05}
	rep.Candidates[0].Score = rep.Candidates[0].Breakdown.Total()
	second := investigation.Candidate{
		Rank: 2, Summary: "deploy-bot updated the checkout function's configuration", Category: investigation.CategoryIAM,
		Confidence: investigation.ConfidenceMedium, Layer: 1,
		Resource:  investigation.ResourceRef{Type: "AWS::Lambda::Function", ID: "checkout"},
		Events:    []investigation.EventRef{{EventID: updateID, EventName: "UpdateFunctionConfiguration20150331v2", EventSource: "lambda.amazonaws.com", EventTime: time.Date(2026, 3, 19, 12, 40, 0, 0, time.UTC), Actor: "deploy-bot", Region: "us-east-1", Link: investigation.EventLink("us-east-1", updateID)}},
		Breakdown: investigation.ScoreBreakdown{Time: 0.2, Layer: 0.3, Kind: 0.1, Corroboration: 0, Actor: 0.05},
	}
	second.Score = second.Breakdown.Total()
	rep.Candidates = append(rep.Candidates, second)
	rep.Window = investigation.Window{Start: time.Date(2026, 3, 19, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC)}
	return rep, nil
}

// triaged opens a triage thread of checkout-errors and returns its root.
func (a *asker) triaged(t *testing.T) string {
	t.Helper()
	root, err := a.sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, a.sb, 10*time.Second, "the report", func() bool { _, ok := botReport(a.sb, sandboxChannel, root); return ok })
	eventually(t, 5*time.Second, "the thread's state", func() bool {
		_, err := a.st.LoadThread(context.Background(), store.ThreadRef{Channel: sandboxChannel, TS: root})
		return err == nil
	})
	return root
}

func TestSandboxTriageThreadFollowUps(t *testing.T) {
	a := startAsker(t, &twoCauses{}, Options{})
	root := a.triaged(t)

	r := a.ask(t, berliner, root, "why is #2 below #1?")
	assertContains(t, "why rank", content(r), "#2 deploy-bot updated", "scores 0.65", "#1 alice detached", "scores 0.95", "mostly on kind")
	golden(t, "why-rank", r)

	r = a.ask(t, newYork, root, "what changed on the role?")
	assertContains(t, "role changes", content(r), "checkout-role", "08:00–09:00", "America/New_York", "DetachRolePolicy")
	assertLacks(t, "role changes", content(r), "UpdateFunctionConfiguration")

	r = a.ask(t, berliner, root, "what changed before the alarm in the last 2 hours")
	assertContains(t, "before the alarm", content(r), "12:00–14:00", "Europe/Berlin", "PutRolePolicy", "DetachRolePolicy", "UpdateFunctionConfiguration")

	r = a.ask(t, berliner, root, "show event #1")
	got := content(r)
	assertContains(t, "event json", got, detachID, "DetachRolePolicy", "[redacted]", "checkout-role")
	assertLacks(t, "event json", got, "AKIAIOSFODNN7EXAMPLE", "IQoJb3JpZ2luX2VjEXAMPLE", "ASIAEXAMPLEEXAMPLE12", "wJalrXUtnFEMI", "hunter2")

	r = a.ask(t, noZone, root, "who made change 1?")
	assertContains(t, "who", content(r), "everything alice changed", "12:00–13:00", "UTC", "DetachRolePolicy", "TagResource", "no time zone")

	r = a.ask(t, berliner, root, "what was the previous version of #2?")
	assertContains(t, "previous", content(r), "published versions", "show event #2")

	r = a.ask(t, berliner, root, "narrow to 15m")
	assertContains(t, "narrow", content(r), "13:45–14:00", "DetachRolePolicy")
	assertLacks(t, "narrow", content(r), "UpdateFunctionConfiguration")
	r = a.ask(t, berliner, root, "widen the window")
	assertContains(t, "widen", content(r), "13:30–14:00", "UpdateFunctionConfiguration", "DetachRolePolicy")

	// A follow-up without a mention is answered when it reads as a question;
	// chatter between people is not.
	before := len(a.botReplies(root))
	if _, err := a.sb.PostAsUser(sandboxChannel, newYork, "looks like the deploy to me"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.sb.Post(slackapi.Post{Channel: sandboxChannel, ThreadTS: root, User: newYork, Text: "I think so too"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.sb.Post(slackapi.Post{Channel: sandboxChannel, ThreadTS: root, User: newYork, Text: "who made change 2?"}); err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, a.sb, 10*time.Second, "the follow-up's answer", func() bool { return len(a.botReplies(root)) > before })
	time.Sleep(300 * time.Millisecond)
	if got := a.botReplies(root); len(got) != before+1 {
		t.Errorf("%d answers to a question and two remarks, want 1", len(got)-before)
	} else {
		assertContains(t, "follow-up", content(got[before]), "everything deploy-bot changed", "America/New_York", "UpdateFunctionConfiguration")
	}

	r = a.ask(t, berliner, root, "why is #3 below #1")
	assertContains(t, "no such cause", r.Text, "no cause #3", "ranked 2")
	r = a.ask(t, berliner, root, "tell me a joke")
	assertContains(t, "unknown", r.Text, "I can answer these")
}

// findAction returns the action_id and value of the first element whose
// action_id starts with prefix.
func findAction(t *testing.T, raw json.RawMessage, prefix string) (string, string) {
	t.Helper()
	var walk func(v any) (string, string, bool)
	walk = func(v any) (string, string, bool) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["action_id"].(string); ok && strings.HasPrefix(id, prefix) {
				val, _ := x["value"].(string)
				return id, val, true
			}
			for _, y := range x {
				if id, val, ok := walk(y); ok {
					return id, val, true
				}
			}
		case []any:
			for _, y := range x {
				if id, val, ok := walk(y); ok {
					return id, val, true
				}
			}
		}
		return "", "", false
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	id, val, ok := walk(v)
	if !ok {
		t.Fatalf("no action %s in %s", prefix, raw)
	}
	return id, val
}

func TestSandboxReportButtons(t *testing.T) {
	triager := &twoCauses{}
	a := startAsker(t, triager, Options{})
	root := a.triaged(t)
	report, _ := botReport(a.sb, sandboxChannel, root)
	click := func(user, prefix string) {
		t.Helper()
		id, val := findAction(t, report.Blocks, prefix)
		if _, err := a.sb.ClickButton(sandboxChannel, user, report.TS, id, val); err != nil {
			t.Fatal(err)
		}
	}
	replies := func() int { return len(a.botReplies(root)) }

	n := replies()
	click(berliner, blocks.ActionEventJSON+":")
	waitSandbox(t, a.sb, 10*time.Second, "the event JSON", func() bool { return replies() > n })
	got := content(a.botReplies(root)[n])
	assertContains(t, "event button", got, detachID, "[redacted]")
	assertLacks(t, "event button", got, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI")

	click(newYork, blocks.ActionFeedbackDown+":")
	waitSandbox(t, a.sb, 10*time.Second, "the feedback thanks", func() bool { return len(a.ephemerals(newYork)) > 0 })
	assertContains(t, "thanks", a.ephemerals(newYork)[0].Text, "cause #1 was not it")
	fb, err := a.st.ListFeedback(context.Background(), store.FeedbackSubject{ArtifactID: "art-1"})
	if err != nil || len(fb) != 1 || fb[0].Vote != store.VoteDown || fb[0].CandidateRank != 1 || fb[0].User != newYork || !slices.Equal(fb[0].EventIDs, []string{detachID}) {
		t.Errorf("stored feedback = %+v, %v", fb, err)
	}

	n = replies()
	click(berliner, blocks.ActionWiden)
	waitSandbox(t, a.sb, 10*time.Second, "the wider table", func() bool { return replies() > n })
	assertContains(t, "widen button", content(a.botReplies(root)[n]), "PutRolePolicy", "Europe/Berlin")

	n = replies()
	click(berliner, blocks.ActionRerun)
	waitSandbox(t, a.sb, 10*time.Second, "the second report", func() bool {
		c := 0
		for _, m := range a.botReplies(root) {
			if bytes.Contains(m.Blocks, []byte(`"block_id":"`+reportBlockID+`"`)) {
				c++
			}
		}
		return c == 2
	})
	if triager.calls.Load() != 2 {
		t.Errorf("triages = %d, want 2 (the alarm and the re-run)", triager.calls.Load())
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"userIdentity":{"accessKeyId":"ASIAXXXXXXXXXXXXXXXX"},"responseElements":{"credentials":{"sessionToken":"x"}}}`, `{"responseElements":{"credentials":"[redacted]"},"userIdentity":{"accessKeyId":"[redacted]"}}`},
		{`{"requestParameters":{"masterUserPassword":"p","dBInstanceIdentifier":"db"}}`, `{"requestParameters":{"dBInstanceIdentifier":"db","masterUserPassword":"[redacted]"}}`},
		{`{"nextToken":"abc","note":"key AKIAIOSFODNN7EXAMPLE used"}`, `{"nextToken":"abc","note":"key [redacted] used"}`},
		{`not json password=hunter2&x=1`, `not json password=[redacted]&x=1`},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
	}
	for _, c := range cases {
		if got := string(Redact([]byte(c.in))); got != c.want {
			t.Errorf("Redact(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
