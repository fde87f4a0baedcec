package blocks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trailhound/trailhound/investigation"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<http://evil|x>", "&lt;http://evil|x&gt;"},
		{"a & b", "a &amp; b"},
		{"&lt;", "&amp;lt;"}, // an entity in data stays text
		{"<@U123>", "&lt;@U123&gt;"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"nul\x00bell\x07", "nulbell"},
		{"tab\there", "tab here"},
		{"line\nbreak", "line\nbreak"},
		{"\u202Etxt.exe\u202C", "txt.exe"},
		{"東京 🚨", "東京 🚨"},
	}
	for _, c := range cases {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := escapeLine("a\n*Next step:* b"); strings.Contains(got, "\n") {
		t.Errorf("escapeLine kept a newline: %q", got)
	}
}

// forbidden are control sequences data must never produce in mrkdwn.
var forbidden = regexp.MustCompile(`<(!channel|!here|!everyone|!subteam|@|#|http://|mailto)`)

// mrkdwnTexts returns the fallback and every mrkdwn text of a message.
func mrkdwnTexts(t *testing.T, m Message) []string {
	t.Helper()
	payload, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	var msg map[string]any
	if err := json.Unmarshal(payload, &msg); err != nil {
		t.Fatal(err)
	}
	out := []string{msg["text"].(string)}
	var walk func(any)
	walk = func(x any) {
		switch v := x.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" {
				out = append(out, v["text"].(string))
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(msg["blocks"])
	return out
}

// No hostile string survives into mrkdwn as a control sequence, whatever
// renderer it goes through; the only '<' left start dates and console links.
func TestNoInjection(t *testing.T) {
	allowed := regexp.MustCompile(`<(!date\^|https://[a-z0-9-]+\.console\.aws\.amazon\.com/(cloudtrailv2|cloudwatch|lambda|iam|ec2|rds|dynamodbv2|kms)/|https://slack\.com/archives/C[A-Z0-9]+/p[0-9]+\|)`)
	for name, m := range goldenMessages() {
		for _, s := range mrkdwnTexts(t, m) {
			if loc := forbidden.FindStringIndex(s); loc != nil {
				t.Errorf("%s: injected sequence %q in %.120q", name, s[loc[0]:loc[1]], s)
			}
			for i := strings.IndexByte(s, '<'); i >= 0; i = indexFrom(s, '<', i+1) {
				if !allowed.MatchString(s[i:]) {
					t.Errorf("%s: '<' at %d starts neither a date nor a console link: %.60q", name, i, s[i:])
				}
			}
			if strings.Contains(s, "evil.example|") && strings.Contains(s, "<http") {
				t.Errorf("%s: a link to evil.example survived: %.120q", name, s)
			}
		}
	}
}

func indexFrom(s string, c byte, from int) int {
	if from >= len(s) {
		return -1
	}
	if i := strings.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}

// Links are taken from the report only when they are exactly the console
// page of that very event.
func TestConsoleLink(t *testing.T) {
	const id = "7f3c2a9e-1b4d-4c8e-9a51-3e2f6d0b8c14"
	good := investigation.EventLink("eu-west-1", id)
	cases := []struct {
		name   string
		ref    investigation.EventRef
		wantOK bool
	}{
		{"canonical", investigation.EventRef{EventID: id, Region: "eu-west-1", Link: good}, true},
		{"region unknown on the ref", investigation.EventRef{EventID: id, Link: good}, true},
		{"gov-style region name", investigation.EventRef{EventID: id, Link: investigation.EventLink("us-gov-west-1", id)}, true},
		{"http", investigation.EventRef{EventID: id, Link: strings.Replace(good, "https://", "http://", 1)}, false},
		{"other host", investigation.EventRef{EventID: id, Link: strings.Replace(good, "console.aws.amazon.com", "console.aws.amazon.com.evil.example", 1)}, false},
		{"userinfo", investigation.EventRef{EventID: id, Link: strings.Replace(good, "https://", "https://evil.example@", 1)}, false},
		{"host and query disagree", investigation.EventRef{EventID: id, Link: "https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/" + id}, false},
		{"ref region differs", investigation.EventRef{EventID: id, Region: "us-east-1", Link: good}, false},
		{"other event", investigation.EventRef{EventID: "someone-else", Link: good}, false},
		{"extra query", investigation.EventRef{EventID: id, Link: strings.Replace(good, "?region=eu-west-1", "?region=eu-west-1&next=//evil", 1)}, false},
		{"mrkdwn breaker in id", investigation.EventRef{EventID: id + "|x>", Link: good + "|x>"}, false},
		{"trailing newline", investigation.EventRef{EventID: id, Link: good + "\n"}, false},
		{"empty", investigation.EventRef{EventID: id}, false},
		{"china partition", investigation.EventRef{EventID: id, Link: "https://cn-north-1.console.amazonaws.cn/cloudtrailv2/home?region=cn-north-1#/events/" + id}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			link, _, ok := ConsoleLink(c.ref)
			if ok != c.wantOK {
				t.Fatalf("ConsoleLink(%q) ok = %v, want %v", c.ref.Link, ok, c.wantOK)
			}
			if ok && link != c.ref.Link {
				t.Errorf("link %q, want the ref's own %q", link, c.ref.Link)
			}
		})
	}
}

func TestClip(t *testing.T) {
	date := slackDate(symptom, dateTime)
	for _, limit := range []int{MaxHeaderText, MaxButtonText, MaxFieldText, MaxSectionText, MaxContextText, MaxFallbackText, 20} {
		inputs := map[string]string{
			"ascii":    strings.Repeat("abcdefghij", 400),
			"emoji":    strings.Repeat("🚨", 4000),
			"cjk":      strings.Repeat("東京", 2000),
			"entities": strings.Repeat(Escape("a<b>&"), 800),
			"dates":    strings.Repeat("x "+date+" ", 200),
			"combined": strings.Repeat("👩‍💻e\u0301", 1000),
		}
		for name, in := range inputs {
			got := clipMrkdwn(in, limit)
			if n := textLen(got); n > limit {
				t.Errorf("clipMrkdwn(%s, %d): %d units", name, limit, n)
			}
			if !utf8.ValidString(got) {
				t.Errorf("clipMrkdwn(%s, %d): invalid UTF-8", name, limit)
			}
			if !strings.HasSuffix(got, truncatedMark) {
				t.Errorf("clipMrkdwn(%s, %d) = %.40q…: no truncation mark", name, limit, got)
			}
			kept := strings.TrimSuffix(got, truncatedMark)
			if !strings.HasPrefix(in, kept) {
				t.Errorf("clipMrkdwn(%s, %d): kept part is not a prefix of the input", name, limit)
			}
			v := validator{}
			v.mrkdwn("clip", got)
			if len(v.problems) > 0 {
				t.Errorf("clipMrkdwn(%s, %d) cut markup: %v", name, limit, v.problems)
			}
			if p := clipLabel(in, limit); textLen(p) > limit || !utf8.ValidString(p) || !strings.HasSuffix(p, ellipsis) {
				t.Errorf("clipLabel(%s, %d) = %.40q (%d units)", name, limit, p, textLen(p))
			}
		}
	}
	if got := clipMrkdwn("short", 10); got != "short" {
		t.Errorf("a text within the limit changed: %q", got)
	}
	if got := clipMrkdwn(strings.Repeat("x", 50), 5); textLen(got) > 5 {
		t.Errorf("a limit below the mark's length overflowed: %q", got)
	}
}

// Every limit is reached by some field of a hostile report, and each is
// held with an explicit truncation.
func TestTruncationAtEveryLimit(t *testing.T) {
	m := Report(hostileReport(20), ReportOptions{AI: hostileAI()})
	payload, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(payload, &msg); err != nil {
		t.Fatal(err)
	}
	if textLen(msg.Text) > MaxFallbackText || !strings.HasSuffix(msg.Text, truncatedMark) {
		t.Errorf("fallback %d units, want ≤ %d and a truncation mark", textLen(msg.Text), MaxFallbackText)
	}
	seen := map[string]bool{}
	for _, b := range msg.Blocks {
		switch b["type"] {
		case "header":
			s := b["text"].(map[string]any)["text"].(string)
			if textLen(s) > MaxHeaderText || !strings.HasSuffix(s, truncatedMark) {
				t.Errorf("header %d units: %q", textLen(s), s)
			}
			seen["header"] = true
		case "section":
			if txt, ok := b["text"].(map[string]any); ok && strings.Contains(txt["text"].(string), truncatedMark) {
				seen["section"] = true
			}
		case "context":
			for _, el := range b["elements"].([]any) {
				if strings.Contains(el.(map[string]any)["text"].(string), truncatedMark) {
					seen["context"] = true
				}
			}
		case "actions":
			for _, el := range b["elements"].([]any) {
				btn := el.(map[string]any)
				if s := btn["text"].(map[string]any)["text"].(string); textLen(s) > MaxButtonText {
					t.Errorf("button text %d units", textLen(s))
				}
				if v, ok := btn["value"].(string); ok && len(v) > MaxButtonValue {
					t.Errorf("button value %d bytes", len(v))
				}
			}
		}
	}
	for _, want := range []string{"header", "section", "context"} {
		if !seen[want] {
			t.Errorf("no truncated %s in the hostile report: the test does not reach that limit", want)
		}
	}
	// Long labels are cut to the button limit with an ellipsis.
	btn := buttonLabel(long("label"))
	if textLen(btn.Text) > MaxButtonText || !strings.HasSuffix(btn.Text, ellipsis) {
		t.Errorf("button label %d units: %q", textLen(btn.Text), btn.Text)
	}
	// A value that would pass the limit drops the button rather than cut it.
	if b := valueButton("x", "x", ActionValue{EventID: strings.Repeat("e", MaxButtonValue)}, ""); b != nil {
		t.Error("a button with an over-long value was made")
	}
	// An artifact id the store would never issue is not carried in values.
	if strings.Contains(string(payload), `"artifact":"<`) || strings.Contains(string(payload), `"artifact":"\u003c`) {
		t.Error("a malformed artifact id went into a button value")
	}
}

// Reports of any size stay inside the block and element limits; every event
// of a cause is either a button, counted in "and N more", or counted as
// unlinked.
func TestManyEventsStayWithinLimits(t *testing.T) {
	for _, n := range []int{1, 4, 5, 20, 200} {
		for name, rep := range map[string]*investigation.Report{"clean": hostileCountsOnly(n), "hostile": hostileReport(n)} {
			m := Report(rep, ReportOptions{AI: aiAssessment(highIAMReport())})
			if err := Validate(m); err != nil {
				t.Fatalf("%s × %d: %v", name, n, err)
			}
			if len(m.Blocks) > MaxBlocks {
				t.Fatalf("%s × %d: %d blocks", name, n, len(m.Blocks))
			}
			payload, _ := Encode(m)
			var msg struct {
				Blocks []struct {
					Type     string `json:"type"`
					BlockID  string `json:"block_id"`
					Elements []struct {
						ActionID string `json:"action_id"`
						Text     any    `json:"text"`
					} `json:"elements"`
				} `json:"blocks"`
			}
			if err := json.Unmarshal(payload, &msg); err != nil {
				t.Fatal(err)
			}
			for pos := 1; pos <= MaxCauses; pos++ {
				opened, more := 0, 0
				for _, b := range msg.Blocks {
					switch b.BlockID {
					case "cause-" + itoa(pos) + "-actions":
						if len(b.Elements) > MaxActionElements {
							t.Errorf("%d elements in one actions block", len(b.Elements))
						}
						for _, el := range b.Elements {
							if ActionName(el.ActionID) == ActionOpenEvent {
								opened++
							}
						}
					case "cause-" + itoa(pos) + "-more":
						for _, el := range b.Elements {
							s, _ := el.Text.(string)
							more += leadingCount(s)
						}
					}
				}
				if opened+more != n {
					t.Errorf("%s × %d, cause %d: %d buttons + %d counted = %d, want every event", name, n, pos, opened, more, opened+more)
				}
			}
		}
	}
}

// leadingCount sums the counts a "more" line states ("and 6 more events",
// "12 events without …").
func leadingCount(s string) int {
	total := 0
	for _, m := range regexp.MustCompile(`(?:and )?(\d+) (?:more )?events?\b`).FindAllStringSubmatch(s, -1) {
		var n int
		if err := json.Unmarshal([]byte(m[1]), &n); err == nil {
			total += n
		}
	}
	return total
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The AI part only adds blocks: with it on or off, the deterministic blocks
// and the fallback are byte-identical.
func TestAIIsAdditive(t *testing.T) {
	rep := highIAMReport()
	off := Report(rep, ReportOptions{})
	for name, ai := range map[string]*AIAssessment{"assessment": aiAssessment(rep), "skipped": {Skipped: "budget spent"}} {
		on := Report(rep, ReportOptions{AI: ai})
		if on.Text != off.Text {
			t.Errorf("%s: fallback changed with AI", name)
		}
		a, b := deterministic(t, off), deterministic(t, on)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: deterministic blocks differ with AI on:\n%s\n---\n%s", name, a, b)
		}
		if len(on.Blocks) <= len(deterministicBlocks(off)) {
			t.Errorf("%s: no AI block rendered", name)
		}
	}
}

func deterministicBlocks(m Message) []any {
	var out []any
	for _, b := range m.Blocks {
		if !strings.HasPrefix(b.ID(), aiBlockPrefix) {
			out = append(out, b)
		}
	}
	return out
}

func deterministic(t *testing.T, m Message) []byte {
	t.Helper()
	b, err := json.Marshal(deterministicBlocks(m))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Realistic reports show everything at the first detail level; only
// oversized ones fall back.
func TestRealisticReportsRenderInFull(t *testing.T) {
	for name, rep := range map[string]*investigation.Report{
		"high": highIAMReport(), "medium": mediumLayer1Report(), "none": noCauseReport(),
		"lag": deliveryLagReport(), "notes": manyNotesReport(),
	} {
		full := reportRenderer{rep: rep, opts: ReportOptions{WidenTo: DefaultWiden}, d: detailLevels[0]}.render()
		a, _ := Encode(Report(rep, ReportOptions{}))
		b, _ := Encode(full)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: rendered below full detail", name)
		}
	}
	hostile, _ := Encode(Report(hostileReport(20), ReportOptions{}))
	full, _ := Encode(reportRenderer{rep: hostileReport(20), opts: ReportOptions{WidenTo: DefaultWiden}, d: detailLevels[0]}.render())
	if bytes.Equal(hostile, full) {
		t.Error("the hostile report fits at full detail: the fallback levels are untested")
	}
}

func TestReportShapes(t *testing.T) {
	none := Report(noCauseReport(), ReportOptions{})
	if !strings.Contains(none.Text, "no cause found") || !hasBlock(none, "no-cause") {
		t.Errorf("a report without candidates must say so: %q", none.Text)
	}
	resolved := Report(highIAMReport(), ReportOptions{ResolvedAt: symptom.Add(time.Hour)})
	if !strings.HasPrefix(resolved.Text, "✅") || !strings.Contains(textOf(t, resolved), "Back to OK at <!date^") {
		t.Errorf("resolved report not marked: %q", resolved.Text)
	}
	if m := Report(nil, ReportOptions{}); Validate(m) != nil || !strings.Contains(m.Text, "No report") {
		t.Errorf("nil report: %q", m.Text)
	}
	lag := textOf(t, Report(deliveryLagReport(), ReportOptions{}))
	if !strings.Contains(lag, "Delivery lag:") || !strings.Contains(lag, "re-run the triage in a few minutes") {
		t.Error("the delivery-lag blind spot is not shown with where to look")
	}
	used := highIAMReport()
	used.AI = investigation.AIStatus{Used: true, Model: "m1", InputTokens: 12000, OutputTokens: 800, ToolCalls: 3}
	m := Report(used, ReportOptions{})
	if last := m.Blocks[len(m.Blocks)-1].ID(); last != "ai-usage" || !strings.Contains(textOf(t, m), "🤖 AI m1: 12,000 input / 800 output tokens · 3 tool calls") {
		t.Errorf("AI usage from the report not in the footer (last block %q)", last)
	}
	skipped := Report(highIAMReport(), ReportOptions{AI: &AIAssessment{Skipped: "throttled"}})
	if last := skipped.Blocks[len(skipped.Blocks)-1].ID(); last != "ai-skipped" || !strings.Contains(textOf(t, skipped), "AI skipped: throttled") {
		t.Errorf("AI skipped line not in the footer (last block %q)", last)
	}
	if got := percent(math.NaN()) + percent(-1) + percent(2); got != "unknown0%100%" {
		t.Errorf("plausibility out of range rendered as %q", got)
	}
	notes := Report(manyNotesReport(), ReportOptions{})
	if got := textOf(t, notes); !strings.Contains(got, "ℹ️ 25 notes:") || !strings.Contains(got, "walk cut short") {
		t.Error("many notes are not collapsed into one line, or the cut walk is not stated")
	}
}

func hasBlock(m Message, id string) bool {
	for _, b := range m.Blocks {
		if b.ID() == id {
			return true
		}
	}
	return false
}

func textOf(t *testing.T, m Message) string {
	return strings.Join(mrkdwnTexts(t, m), "\n")
}

// worstReport fills every field with 5,000 astral characters: each counts
// two units against the text limits and four bytes against the payload.
func worstReport() (*investigation.Report, *AIAssessment) {
	rep := hostileReport(20)
	e := strings.Repeat("🚨", 5000)
	rep.Alarm.Name, rep.Alarm.Reason, rep.ArtifactID = e, e, e
	rep.Explanation.WhatChanged, rep.Explanation.Why = e, e
	for i := range rep.Candidates {
		c := &rep.Candidates[i]
		c.Summary, c.NextStep, c.Resource.ID, c.Category = e, e, e, investigation.Category(e)
		// low, so that the report also shows the paragraphs a cause that
		// stands out makes redundant
		c.Confidence = investigation.ConfidenceLow
		for len(c.Claims) < 6 {
			c.Claims = append(c.Claims, investigation.Claim{Confidence: investigation.ConfidenceLow})
		}
		for j := range c.Claims {
			c.Claims[j].Text = e
		}
		for j := range c.Events {
			c.Events[j].Actor, c.Events[j].EventName = fmt.Sprint(e, j), fmt.Sprint(e, j)
		}
	}
	for len(rep.BlindSpots) < 5 {
		rep.BlindSpots = append(rep.BlindSpots, investigation.BlindSpot{Kind: investigation.BlindDeliveryLag})
	}
	for i := range rep.BlindSpots {
		rep.BlindSpots[i].Note, rep.BlindSpots[i].WhereToLook = e, e
	}
	for i := range rep.Notes {
		rep.Notes[i] = e
	}
	rep.Stats.APICalls = map[string]int{e + "1": 1, e + "2": 2, e + "3": 3, e + "4": 4, e + "5": 5}
	ai := hostileAI()
	ai.Model = e
	for i := range ai.Ranking {
		ai.Ranking[i].Reason = e
	}
	ai.Explanation.WhatChanged, ai.Explanation.Why = e, e
	for i := range ai.MissingEvidence {
		ai.MissingEvidence[i] = e
	}
	for i := range ai.NextActions {
		ai.NextActions[i].Action, ai.NextActions[i].Why = e, e
	}
	return rep, ai
}

// The tightest detail level still holds the worst report, causes and
// buttons included; the overflow message is only the net beneath it.
func TestWorstCaseReport(t *testing.T) {
	rep, ai := worstReport()
	m := Report(rep, ReportOptions{AI: ai})
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cause-1-actions", "cause-3-actions", "blind-spots", "footer"} {
		if !hasBlock(m, id) {
			t.Errorf("worst-case report lost %s", id)
		}
	}
	last := reportRenderer{rep: rep, opts: ReportOptions{AI: ai, WidenTo: DefaultWiden}, d: detailLevels[len(detailLevels)-1]}.render()
	if a, b := mustEncode(t, m), mustEncode(t, last); a != b {
		t.Error("worst-case report did not need the tightest level: the test no longer reaches it")
	}
	over := reportOverflow(rep, ReportOptions{})
	if err := Validate(over); err != nil {
		t.Fatalf("overflow message: %v", err)
	}
	if errs := schemaErrors(t, over); len(errs) > 0 {
		t.Fatalf("overflow message: %v", errs)
	}
}
