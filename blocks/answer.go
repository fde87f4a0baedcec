package blocks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// maxCitedEvents is how many cited events an answer lists as links.
const maxCitedEvents = 10

// Answer renders a free-form answer and the events it cites, each a link to
// its console page when the link checks out.
func Answer(text string, events []investigation.EventRef) Message {
	var b builder
	body := dataText(text, MaxSectionText)
	if body == "" {
		body = "_No answer._"
	}
	b.section("answer", body)
	if len(events) > 0 {
		lines := []string{"*Evidence*"}
		for i, e := range events {
			if i == maxCitedEvents {
				lines = append(lines, fmt.Sprintf("_and %s_", plural(len(events)-i, "more event", "more events")))
				break
			}
			line := "• " + eventMention(e)
			if actor := dataLine(e.Actor, 120); actor != "" {
				line += " by " + actor
			}
			if !e.EventTime.IsZero() {
				line += " at " + slackDate(e.EventTime, dateTimeSecs)
			}
			lines = append(lines, line)
		}
		b.section("answer-evidence", strings.Join(lines, "\n"))
	}
	fallback := escapeLine(text)
	if fallback == "" {
		fallback = "Answer"
	}
	return b.message(fallback)
}

// EventJSON shows one event's redacted JSON as a code block, pretty-printed
// when it parses, cut with a note when it is longer than a block may hold.
func EventJSON(eventID string, redactedJSON []byte) Message {
	var b builder
	id := dataLine(eventID, 128)
	if id == "" {
		id = "(no id)"
	}
	b.section("event-head", fmt.Sprintf("*Event %s* (redacted: credentials and session tokens removed)", id))

	body := strings.TrimSpace(string(redactedJSON))
	var pretty bytes.Buffer
	valid := json.Valid(redactedJSON)
	if valid && json.Indent(&pretty, redactedJSON, "", "  ") == nil {
		body = pretty.String()
	}
	body = clean(body)
	var notes []string
	if body == "" {
		b.section("event-empty", "The event has no recorded body.")
	} else {
		// The note goes in its own block, so the code block can use the
		// whole limit and stay valid JSON up to the cut.
		shown := clipPlainMark(body, MaxRichText, "\n…")
		if shown != body {
			notes = append(notes, fmt.Sprintf("(truncated: %s of %s characters shown)", thousands(textLen(shown)-2), thousands(textLen(body))))
		}
		b.code("event-json", shown)
	}
	if !valid && body != "" {
		notes = append(notes, "not valid JSON; shown as recorded")
	}
	b.context("event-note", notes...)
	return b.message("Event " + escapeLine(eventID))
}
