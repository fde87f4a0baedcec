package blocks

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
)

func TestPlaceholderStages(t *testing.T) {
	alarm := investigation.Alarm{Name: "checkout-errors", State: investigation.StateAlarm, StateChangeTime: symptom}
	cases := []struct {
		p         engine.Progress
		done      int
		wantInAll []string
	}{
		{engine.Progress{}, 0, []string{"⏳ scoping"}},
		{engine.Progress{Stage: engine.StageScoped, Resources: 4}, 1, []string{"scoped 4 resources", "⏳ layer 1"}},
		{engine.Progress{Stage: engine.StageLayer1, Resources: 4, Events: 1}, 2, []string{"layer 1 done", "1 change found so far"}},
		{engine.Progress{Stage: engine.StageLayer2, Resources: 4, Events: 3}, 3, []string{"layer 2 done", "⏳ ranking"}},
		{engine.Progress{Stage: engine.StageRanked, Resources: 4, Events: 3}, 4, []string{"writing the report"}},
	}
	for _, c := range cases {
		m := Placeholder(alarm, c.p, started)
		if err := Validate(m); err != nil {
			t.Fatal(err)
		}
		text := textOf(t, m)
		if got := strings.Count(text, "✅"); got != c.done {
			t.Errorf("stage %q: %d stages marked done, want %d", c.p.Stage, got, c.done)
		}
		for _, want := range c.wantInAll {
			if !strings.Contains(text, want) {
				t.Errorf("stage %q: %q missing from %q", c.p.Stage, want, text)
			}
		}
		if !strings.Contains(m.Text, "Walking the trail for checkout-errors") {
			t.Errorf("fallback %q", m.Text)
		}
	}
}

func TestRefireResolvedError(t *testing.T) {
	alarm := investigation.Alarm{Name: "checkout-errors"}
	if s := textOf(t, Refire(alarm, 4, symptom)); !strings.Contains(s, "4 notifications") || !strings.Contains(s, "<!date^1773928800^") {
		t.Errorf("refire: %q", s)
	}
	if s := textOf(t, Refire(alarm, 1, symptom)); strings.Contains(s, "notifications in") {
		t.Errorf("refire with a count of 1 states a count: %q", s)
	}
	if m := Resolved(alarm, symptom); !strings.Contains(textOf(t, m), "Resolved:") || Validate(m) != nil {
		t.Errorf("resolved: %q", m.Text)
	}
	trace := "lookup events: ThrottlingException: Rate exceeded\npanic: runtime error: index out of range\n\ngoroutine 7 [running]:\nmain.run(...)\n\t/src/main.go:10 +0x1d\n" + strings.Repeat("more detail ", 200)
	m := Error("Triage failed", trace)
	s := textOf(t, m)
	for _, bad := range []string{"goroutine", ".go:", "panic:", "main.run"} {
		if strings.Contains(s, bad) {
			t.Errorf("error message shows %q: %q", bad, s)
		}
	}
	if !strings.Contains(s, "ThrottlingException") || textLen(s) > 2*(maxErrorTitle+maxErrorDetail) {
		t.Errorf("error message lost the cause or is long: %d units", textLen(s))
	}
	if m := Error("", ""); Validate(m) != nil || m.Text == "" {
		t.Errorf("empty error: %+v", m)
	}
}

func TestChangeTable(t *testing.T) {
	events := changeEvents()
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
	w := investigation.Window{Start: symptom.Add(-time.Hour), End: symptom}
	m := ChangeTable(events, w, "Europe/Berlin", ChangeOptions{Subject: "checkout", WindowLabel: "14:00–15:00"})
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
	text := textOf(t, m)
	if !strings.Contains(text, "14:00–15:00 Europe/Berlin") {
		t.Errorf("window not stated in the asker's zone: %q", text)
	}
	first, second, third := strings.Index(text, "PutRolePolicy"), strings.Index(text, "DetachRolePolicy"), strings.Index(text, "UpdateFunctionConfiguration")
	if !(first < second && second < third) {
		t.Error("rows are not newest first")
	}
	if !strings.Contains(text, "⚠️ failed: AccessDenied") || !strings.Contains(text, "1 failed") {
		t.Error("the failed call is not flagged")
	}
	buttons := 0
	for _, b := range m.Blocks {
		if strings.HasPrefix(b.ID(), "change-") {
			buttons++
		}
	}
	if buttons != len(events) {
		t.Errorf("%d rows, want %d", buttons, len(events))
	}

	utc := ChangeTable(nil, w, "", ChangeOptions{})
	if s := textOf(t, utc); !strings.Contains(s, "13:00–14:00 UTC") || !strings.Contains(s, "No mutating change") {
		t.Errorf("empty UTC table: %q", s)
	}

	over := ChangeTable(manyChangeEvents(60, "AuthorizeSecurityGroupIngress"), w, "UTC", ChangeOptions{WindowLabel: "13:00–14:00"})
	if err := Validate(over); err != nil {
		t.Fatal(err)
	}
	if s := textOf(t, over); !strings.Contains(s, "and 20 more changes") || len(over.Blocks) > MaxBlocks {
		t.Errorf("overflow not summarised: %d blocks", len(over.Blocks))
	}

	bad := changeEvents()[:1]
	bad[0].Region = "eu-west-1#/x"
	if m := ChangeTable(bad, w, "UTC", ChangeOptions{}); strings.Contains(mustEncode(t, m), `"url"`) {
		t.Error("a row with a malformed region got a link")
	}
}

func TestAnswerAndEventJSON(t *testing.T) {
	rep := highIAMReport()
	evs := rep.Candidates[0].Events
	evs = append(evs, investigation.EventRef{EventID: "x", EventName: "Forged", Link: "https://evil.example/"})
	m := Answer("It was the detach.", evs)
	s := textOf(t, m)
	if !strings.Contains(s, "|DetachRolePolicy>") || strings.Contains(s, "evil.example") || !strings.Contains(s, "Forged x") {
		t.Errorf("answer evidence: %q", s)
	}
	if m := Answer("", nil); Validate(m) != nil || m.Text == "" {
		t.Errorf("empty answer: %+v", m)
	}

	big := []byte(`{"k":"` + strings.Repeat("v", 10000) + `"}`)
	m = EventJSON("e-1", big)
	enc := mustEncode(t, m)
	if !strings.Contains(enc, "(truncated: ") || Validate(m) != nil {
		t.Error("big event JSON not truncated with a note")
	}
	small := EventJSON("e-1", []byte(`{"a":"<!channel> & `+"```"+`"}`))
	if !strings.Contains(mustEncode(t, small), `\"a\": \"<!channel> & `+"```"+`\"`) {
		t.Error("event JSON is not shown literally in a code block")
	}
	if s := textOf(t, EventJSON("e-1", []byte("{broken"))); !strings.Contains(s, "not valid JSON") {
		t.Errorf("invalid JSON not flagged: %q", s)
	}
	if s := textOf(t, EventJSON("e-1", nil)); !strings.Contains(s, "no recorded body") {
		t.Errorf("empty body: %q", s)
	}
}

func mustEncode(t *testing.T, m Message) string {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Whatever strings arrive, every renderer returns a valid message.
func FuzzRenderers(f *testing.F) {
	f.Add("checkout-errors", "DetachRolePolicy on IAM role checkout-role", "alice", investigation.EventLink("us-east-1", "e-1"), "e-1", "note")
	f.Add(ping, evil, mention, "https://evil.example/x", "<!here>", long("x"))
	f.Add("\xff\xfe", "&lt;", "a|b>c", "", "", "\u202E")
	f.Fuzz(func(t *testing.T, name, summary, actor, link, id, note string) {
		e := investigation.EventRef{EventID: id, EventName: summary, Actor: actor, Region: "us-east-1", Link: link, EventTime: symptom}
		rep := &investigation.Report{
			Alarm: investigation.AlarmSummary{Name: name, State: investigation.State(actor), Reason: note, StateChangeTime: symptom},
			Candidates: []investigation.Candidate{{Rank: 1, Summary: summary, Category: investigation.Category(note),
				Events: []investigation.EventRef{e, e}, NextStep: note, Claims: []investigation.Claim{{Text: note, Confidence: investigation.Confidence(actor)}}}},
			Explanation: investigation.Explanation{WhatChanged: summary, Why: note},
			BlindSpots:  []investigation.BlindSpot{{Kind: investigation.BlindSpotKind(name), Note: note, WhereToLook: summary}},
			Notes:       []string{note, name},
			ArtifactID:  id,
			Stats:       investigation.Stats{APICalls: map[string]int{name: 1}},
		}
		alarm := investigation.Alarm{Name: name, State: investigation.State(note), StateChangeTime: symptom}
		event := investigation.Event{ID: id, Name: summary, Region: name, Source: note, Actor: investigation.Actor{Name: actor}, ErrorCode: note,
			Resources: []investigation.EventResource{{Name: summary}}}
		raw, _ := json.Marshal(map[string]string{name: note})
		for label, m := range map[string]Message{
			"report":      Report(rep, ReportOptions{AI: &AIAssessment{Model: name, Ranking: []AIRank{{EventIDs: []string{id}, Reason: note}}, MissingEvidence: []string{note}, NextActions: []AIAction{{Action: summary, Why: note, EventIDs: []string{id}}}}}),
			"placeholder": Placeholder(alarm, engine.Progress{Stage: engine.Stage(note)}, symptom),
			"refire":      Refire(alarm, len(note), symptom),
			"resolved":    Resolved(alarm, symptom),
			"error":       Error(name, note),
			"changes":     ChangeTable([]investigation.Event{event, event}, investigation.Window{Start: symptom, End: symptom}, actor, ChangeOptions{Subject: name, WindowLabel: note, Query: summary}),
			"answer":      Answer(note, []investigation.EventRef{e}),
			"event":       EventJSON(id, raw),
			"event-raw":   EventJSON(id, []byte(note)),
		} {
			if err := Validate(m); err != nil {
				t.Fatalf("%s: %v", label, err)
			}
			for _, s := range mrkdwnTexts(t, m) {
				if loc := forbidden.FindStringIndex(s); loc != nil {
					t.Fatalf("%s: injected %q", label, s[loc[0]:loc[1]])
				}
			}
		}
	})
}
