package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/investigation/redact"
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
		assertContains(t, "function table", content(m), "UpdateFunctionConfiguration", "DetachRolePolicy")
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
	rep.AccountNames = map[string]string{rep.Alarm.Account: "prod-checkout"}
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
	assertContains(t, "why rank", content(r), "#2 Function configuration updated on checkout", "scores 0.65", "#1 Role policy detached from checkout-role", "scores 0.95", "mostly on kind")
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
	assertContains(t, "who", content(r), "everything alice changed in account prod-checkout ("+testAccount+")", "12:00–13:00", "UTC", "DetachRolePolicy", "TagResource", "no time zone")

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
		assertContains(t, "follow-up", content(got[before]), "everything deploy-bot changed in account prod-checkout ("+testAccount+")", "America/New_York", "UpdateFunctionConfiguration")
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
	// The event JSON a button shows goes through the one redactor: key
	// order kept, a key id's prefix kept (it tells a long-lived key from a
	// temporary one), every credential value gone.
	cases := []struct {
		in, want string
		gone     []string
	}{
		{`{"userIdentity":{"accessKeyId":"ASIAXXXXXXXXXXXXXXXX"},"responseElements":{"credentials":{"sessionToken":"x"}}}`,
			`{"userIdentity":{"accessKeyId":"ASIA[redacted]"},"responseElements":{"credentials":{"sessionToken":"[redacted]"}}}`,
			[]string{"ASIAXXXXXXXXXXXXXXXX", `"x"`}},
		{`{"requestParameters":{"masterUserPassword":"p","dBInstanceIdentifier":"db"}}`,
			`{"requestParameters":{"masterUserPassword":"[redacted]","dBInstanceIdentifier":"db"}}`, []string{`"p"`}},
		{`{"nextToken":"abc","note":"key AKIAIOSFODNN7EXAMPLE used"}`,
			`{"nextToken":"abc","note":"key AKIA[redacted] used"}`, []string{"AKIAIOSFODNN7EXAMPLE"}},
		{`not json password=hunter2&x=1`, `not json password=[redacted]&x=1`, []string{"hunter2"}},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567890}`, nil},
	}
	for _, c := range cases {
		got := string(redact.JSON([]byte(c.in)))
		if got != c.want {
			t.Errorf("redact.JSON(%s) = %s, want %s", c.in, got, c.want)
		}
		for _, secret := range c.gone {
			if strings.Contains(got, secret) {
				t.Errorf("redact.JSON(%s) still shows %s", c.in, secret)
			}
		}
	}
}

// namedAccounts names the organization's accounts.
type namedAccounts map[string]string

func (n namedAccounts) AccountName(_ context.Context, account string) string { return n[account] }

func TestSandboxChangesNameTheAccount(t *testing.T) {
	a := startAsker(t, nil, Options{}, func(d *Deps) {
		d.AccountNames = namedAccounts{"123456789012": "prod-shop"}
	})
	for i := range a.trail.events {
		a.trail.events[i].Account = "123456789012"
	}
	m, _ := a.command(t, berliner, "changes checkout-role before 14:00 window 1h")
	assertContains(t, "table", content(m), "DetachRolePolicy", "in account prod-shop (123456789012)")
}
