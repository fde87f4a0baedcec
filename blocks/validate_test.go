package blocks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/trailhound/trailhound/investigation"
)

func sec(id, text string) slack.Block {
	return slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(id))
}

func btn(actionID, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, "v", &slack.TextBlockObject{Type: slack.PlainTextType, Text: label})
}

func TestValidateRejects(t *testing.T) {
	link := investigation.EventLink("eu-west-1", "7f3c2a9e-1b4d-4c8e-9a51-3e2f6d0b8c14")
	many := func(n int, mk func(i int) slack.Block) []slack.Block {
		var out []slack.Block
		for i := range n {
			out = append(out, mk(i))
		}
		return out
	}
	buttons := func(n int) []slack.BlockElement {
		var out []slack.BlockElement
		for i := range n {
			out = append(out, btn(fmt.Sprint("a", i), "b"))
		}
		return out
	}
	texts := func(n int) []slack.MixedElement {
		var out []slack.MixedElement
		for range n {
			out = append(out, mrkdwn("c"))
		}
		return out
	}
	fields := func(n, size int) []*slack.TextBlockObject {
		var out []*slack.TextBlockObject
		for range n {
			out = append(out, mrkdwn(strings.Repeat("f", size)))
		}
		return out
	}
	urlBtn := func(u string) slack.Block {
		b := btn("open", "Open")
		b.URL = u
		return slack.NewActionBlock("a", b)
	}
	cases := []struct {
		name string
		m    Message
		want string
	}{
		{"empty fallback", Message{Text: " ", Blocks: []slack.Block{sec("s", "x")}}, "fallback text is empty"},
		{"long fallback", Message{Text: strings.Repeat("x", MaxFallbackText+1)}, "fallback text is"},
		{"injected fallback", Message{Text: "<!channel> hi"}, "control sequence"},
		{"51 blocks", Message{Text: "t", Blocks: many(51, func(i int) slack.Block { return sec(fmt.Sprint(i), "x") })}, "51 blocks"},
		{"duplicate block_id", Message{Text: "t", Blocks: []slack.Block{sec("same", "x"), sec("same", "y")}}, "already used"},
		{"long block_id", Message{Text: "t", Blocks: []slack.Block{sec(strings.Repeat("i", MaxID+1), "x")}}, "block_id is 256"},
		{"long header", Message{Text: "t", Blocks: []slack.Block{slack.NewHeaderBlock(&slack.TextBlockObject{Type: "plain_text", Text: strings.Repeat("h", MaxHeaderText+1)})}}, "more than 150"},
		{"mrkdwn header", Message{Text: "t", Blocks: []slack.Block{slack.NewHeaderBlock(mrkdwn("h"))}}, "plain_text is expected"},
		{"long section", Message{Text: "t", Blocks: []slack.Block{sec("s", strings.Repeat("s", MaxSectionText+1))}}, "more than 3000"},
		{"emoji counted twice", Message{Text: "t", Blocks: []slack.Block{sec("s", strings.Repeat("🚨", MaxSectionText/2+1))}}, "more than 3000"},
		{"empty section text", Message{Text: "t", Blocks: []slack.Block{sec("s", "")}}, "text is empty"},
		{"11 fields", Message{Text: "t", Blocks: []slack.Block{slack.NewSectionBlock(nil, fields(11, 1), nil)}}, "11 items"},
		{"long field", Message{Text: "t", Blocks: []slack.Block{slack.NewSectionBlock(nil, fields(1, MaxFieldText+1), nil)}}, "more than 2000"},
		{"11 context elements", Message{Text: "t", Blocks: []slack.Block{slack.NewContextBlock("c", texts(11)...)}}, "11 items"},
		{"26 actions", Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("a", buttons(26)...)}}, "26 items"},
		{"duplicate action_id", Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("a", btn("x", "1"), btn("x", "2"))}}, "action_id \"x\" already used"},
		{"long action_id", Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("a", btn(strings.Repeat("x", MaxID+1), "1"))}}, "action_id is 256"},
		{"long button text", Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("a", btn("x", strings.Repeat("b", MaxButtonText+1)))}}, "more than 75"},
		{"long value", Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("a", slack.NewButtonBlockElement("x", strings.Repeat("v", MaxButtonValue+1), &slack.TextBlockObject{Type: "plain_text", Text: "b"}))}}, "more than 2000"},
		{"foreign url", Message{Text: "t", Blocks: []slack.Block{urlBtn("https://evil.example/")}}, "not a console link this package builds"},
		{"long url", Message{Text: "t", Blocks: []slack.Block{urlBtn(link + strings.Repeat("x", MaxButtonURL))}}, "more than 3000"},
		{"bad style", Message{Text: "t", Blocks: []slack.Block{slack.NewActionBlock("a", btn("x", "b").WithStyle("blue"))}}, "neither primary nor danger"},
		{"channel ping", Message{Text: "t", Blocks: []slack.Block{sec("s", "hi <!channel>")}}, "control sequence"},
		{"user mention", Message{Text: "t", Blocks: []slack.Block{sec("s", "<@U123>")}}, "control sequence"},
		{"foreign link", Message{Text: "t", Blocks: []slack.Block{sec("s", "<http://evil.example|click>")}}, "control sequence"},
		{"console link without label", Message{Text: "t", Blocks: []slack.Block{sec("s", "<"+link+">")}}, "control sequence"},
		{"unclosed <", Message{Text: "t", Blocks: []slack.Block{sec("s", "a < b")}}, "unescaped '<'"},
		{"raw >", Message{Text: "t", Blocks: []slack.Block{sec("s", "a > b")}}, "unescaped '>'"},
		{"raw &", Message{Text: "t", Blocks: []slack.Block{sec("s", "a & b")}}, "unescaped '&'"},
		{"unknown block", Message{Text: "t", Blocks: []slack.Block{slack.NewImageBlock("https://x/y.png", "alt", "i", nil)}}, "not one this package emits"},
		{"text budget", Message{Text: "t", Blocks: many(5, func(i int) slack.Block { return sec(fmt.Sprint(i), strings.Repeat("x", 2500)) })}, "more than 12000"},
		{"payload budget", Message{Text: "t", Blocks: many(12, func(i int) slack.Block { return sec(fmt.Sprint(i), strings.Repeat("東", 800)) })}, "bytes, more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(c.m)
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	link := investigation.EventLink("eu-west-1", "7f3c2a9e-1b4d-4c8e-9a51-3e2f6d0b8c14")
	m := Message{Text: "ok &amp; fine", Blocks: []slack.Block{
		sec("a", "at "+slackDate(symptom, dateTime)+" see <"+link+"|DetachRolePolicy> &lt;x&gt;"),
		sec("b", strings.Repeat("s", MaxSectionText)),
	}}
	if err := Validate(m); err != nil {
		t.Fatal(err)
	}
	// ValidateJSON measures the same whatever the sender's encoder: Go's
	// default HTML escaping must not change the verdict.
	payload, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	escaped := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace(string(payload))
	if err := ValidateJSON([]byte(escaped)); err != nil {
		t.Fatalf("HTML-escaped form refused: %v", err)
	}
	if err := ValidateJSON([]byte(`[1]`)); err == nil {
		t.Error("a JSON array was accepted as a message")
	}
}

func TestActions(t *testing.T) {
	if got := ActionName("event_json:2:3"); got != ActionEventJSON {
		t.Errorf("ActionName = %q", got)
	}
	if got := ActionName(ActionWiden); got != ActionWiden {
		t.Errorf("ActionName = %q", got)
	}
	in := ActionValue{Artifact: artifact, Rank: 2, EventID: "e-1", Region: "eu-west-1", WidenMinutes: 120}
	s, ok := in.encode()
	if !ok {
		t.Fatal("encode refused")
	}
	out, err := ParseActionValue(s)
	if err != nil || out != in {
		t.Fatalf("round trip: %+v, %v", out, err)
	}
	if _, err := ParseActionValue("not json"); err == nil {
		t.Error("garbage parsed")
	}
	for _, id := range []string{artifact, "a.b:c-d_e"} {
		if validArtifact(id) != id {
			t.Errorf("artifact id %q refused", id)
		}
	}
	for _, id := range []string{"", "<!channel>", strings.Repeat("a", 129), "a b"} {
		if validArtifact(id) != "" {
			t.Errorf("artifact id %q accepted", id)
		}
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := Report(highIAMReport(), ReportOptions{AI: aiAssessment(highIAMReport())})
	payload, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	var back Message
	if err := back.UnmarshalJSON(payload); err != nil {
		t.Fatal(err)
	}
	again, err := Encode(back)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(payload) {
		t.Error("a message read back encodes differently")
	}
	if err := back.UnmarshalJSON([]byte("{")); err == nil {
		t.Error("broken JSON read")
	}
}
