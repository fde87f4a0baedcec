package blocks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Validate checks m against every Block Kit limit in limits.go and against
// this package's own rules:
//   - the fallback text is set and short;
//   - block_id and action_id are at most MaxID long and unique in the message;
//   - mrkdwn holds no control sequence but Slack dates and CloudTrail console
//     links, and no bare '&', '<' or '>' (so no data went in unescaped);
//   - every button URL is a CloudTrail console event link;
//   - all text together stays within MaxMessageText, the payload within
//     MaxPayloadBytes.
//
// Only the block and element types this package emits are accepted (header,
// section, context, actions, divider, rich_text; buttons).
func Validate(m Message) error {
	payload, err := Encode(m)
	if err != nil {
		return err
	}
	return ValidateJSON(payload)
}

// ValidateJSON is Validate for a message as JSON ({"text":…,"blocks":[…]}),
// e.g. a chat.postMessage body a Slack emulator received. Sizes are measured
// on the compact form without HTML escaping, whatever the sender's encoder.
func ValidateJSON(payload []byte) error {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var msg map[string]any
	if err := dec.Decode(&msg); err != nil {
		return fmt.Errorf("message is not a JSON object: %w", err)
	}
	var canon bytes.Buffer
	enc := json.NewEncoder(&canon)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(msg); err != nil {
		return fmt.Errorf("re-encode message: %w", err)
	}

	v := validator{blockIDs: map[string]string{}, actionIDs: map[string]string{}}
	if n := canon.Len() - 1; n > MaxPayloadBytes {
		v.fail("message", "payload is %d bytes, more than %d", n, MaxPayloadBytes)
	}
	text, _ := msg["text"].(string)
	switch {
	case strings.TrimSpace(text) == "":
		v.fail("text", "fallback text is empty")
	case textLen(text) > MaxFallbackText:
		v.fail("text", "fallback text is %d characters, more than %d", textLen(text), MaxFallbackText)
	default:
		v.mrkdwn("text", text)
	}
	if raw, ok := msg["blocks"]; ok {
		blocks, ok := raw.([]any)
		if !ok {
			v.fail("blocks", "not an array")
		}
		if len(blocks) > MaxBlocks {
			v.fail("blocks", "%d blocks, more than %d", len(blocks), MaxBlocks)
		}
		for i, b := range blocks {
			v.block(fmt.Sprintf("blocks[%d]", i), b)
		}
	}
	if v.total > MaxMessageText {
		v.fail("blocks", "text totals %d characters, more than %d", v.total, MaxMessageText)
	}
	return v.err()
}

// maxProblems bounds the errors one validation reports.
const maxProblems = 20

type validator struct {
	problems  []string
	more      int
	blockIDs  map[string]string // id → path of first use
	actionIDs map[string]string
	total     int // text units of every text object
}

func (v *validator) fail(path, format string, args ...any) {
	if len(v.problems) == maxProblems {
		v.more++
		return
	}
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	errs := make([]error, 0, len(v.problems)+1)
	for _, p := range v.problems {
		errs = append(errs, errors.New(p))
	}
	if v.more > 0 {
		errs = append(errs, fmt.Errorf("and %d more problems", v.more))
	}
	return fmt.Errorf("invalid Block Kit message: %w", errors.Join(errs...))
}

func (v *validator) block(path string, raw any) {
	b, ok := raw.(map[string]any)
	if !ok {
		v.fail(path, "block is not an object")
		return
	}
	v.id(path+".block_id", b, "block_id", v.blockIDs)
	typ, _ := b["type"].(string)
	switch typ {
	case "header":
		v.text(path+".text", b["text"], "plain_text", MaxHeaderText)
	case "section":
		_, hasText := b["text"]
		fields, hasFields := b["fields"]
		if !hasText && !hasFields {
			v.fail(path, "section has neither text nor fields")
		}
		if hasText {
			v.text(path+".text", b["text"], "", MaxSectionText)
		}
		if hasFields {
			list := v.array(path+".fields", fields, MaxSectionFields)
			for i, f := range list {
				v.text(fmt.Sprintf("%s.fields[%d]", path, i), f, "", MaxFieldText)
			}
		}
		if acc, ok := b["accessory"]; ok {
			v.button(path+".accessory", acc)
		}
	case "context":
		for i, el := range v.array(path+".elements", b["elements"], MaxContextElements) {
			v.text(fmt.Sprintf("%s.elements[%d]", path, i), el, "", MaxContextText)
		}
	case "actions":
		for i, el := range v.array(path+".elements", b["elements"], MaxActionElements) {
			v.button(fmt.Sprintf("%s.elements[%d]", path, i), el)
		}
	case "divider":
	case "rich_text":
		v.richText(path, b["elements"])
	default:
		v.fail(path, "block type %q is not one this package emits", typ)
	}
}

// array checks that x is a non-empty array of at most max items.
func (v *validator) array(path string, x any, max int) []any {
	list, ok := x.([]any)
	switch {
	case !ok:
		v.fail(path, "not an array")
	case len(list) == 0:
		v.fail(path, "empty")
	case len(list) > max:
		v.fail(path, "%d items, more than %d", len(list), max)
	}
	return list
}

func (v *validator) id(path string, obj map[string]any, key string, seen map[string]string) {
	raw, ok := obj[key]
	if !ok {
		return
	}
	id, ok := raw.(string)
	switch {
	case !ok || id == "":
		v.fail(path, "%s must be a non-empty string", key)
		return
	case len(id) > MaxID:
		v.fail(path, "%s is %d characters, more than %d", key, len(id), MaxID)
	}
	if first, dup := seen[id]; dup {
		v.fail(path, "%s %q already used at %s", key, id, first)
		return
	}
	seen[id] = path
}

// text checks a text object; want is "plain_text", or "" for either type.
func (v *validator) text(path string, x any, want string, max int) {
	obj, ok := x.(map[string]any)
	if !ok {
		v.fail(path, "text object is not an object")
		return
	}
	typ, _ := obj["type"].(string)
	if typ != "plain_text" && typ != "mrkdwn" || (want != "" && typ != want) {
		v.fail(path, "text type %q where %s is expected", typ, or(want, "plain_text or mrkdwn"))
	}
	s, _ := obj["text"].(string)
	n := textLen(s)
	switch {
	case strings.TrimSpace(s) == "":
		v.fail(path, "text is empty")
	case n > max:
		v.fail(path, "text is %d characters, more than %d", n, max)
	}
	v.total += n
	if typ == "mrkdwn" {
		v.mrkdwn(path, s)
	}
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (v *validator) button(path string, x any) {
	obj, ok := x.(map[string]any)
	if !ok {
		v.fail(path, "element is not an object")
		return
	}
	if typ, _ := obj["type"].(string); typ != "button" {
		v.fail(path, "element type %q is not one this package emits", typ)
		return
	}
	v.text(path+".text", obj["text"], "plain_text", MaxButtonText)
	v.id(path+".action_id", obj, "action_id", v.actionIDs)
	if raw, ok := obj["url"]; ok {
		u, _ := raw.(string)
		switch {
		case len(u) > MaxButtonURL:
			v.fail(path+".url", "url is %d characters, more than %d", len(u), MaxButtonURL)
		case !validConsoleLink(u):
			v.fail(path+".url", "url %.100q is not a console link this package builds", u)
		}
	}
	if raw, ok := obj["value"]; ok {
		s, _ := raw.(string)
		switch {
		case s == "":
			v.fail(path+".value", "value is empty")
		case len(s) > MaxButtonValue:
			v.fail(path+".value", "value is %d characters, more than %d", len(s), MaxButtonValue)
		}
	}
	if raw, ok := obj["style"]; ok && raw != "primary" && raw != "danger" {
		v.fail(path+".style", "style %v is neither primary nor danger", raw)
	}
}

// validConsoleLink accepts a CloudTrail event link or a link of the form
// links.go builds (the alarm, a resource, Logs Insights).
func validConsoleLink(u string) bool {
	_, _, _, ok := parseConsoleLink(u)
	return ok || builtLink.MatchString(u)
}

func (v *validator) richText(path string, x any) {
	containers, ok := x.([]any)
	if !ok {
		v.fail(path+".elements", "not an array")
		return
	}
	for i, c := range containers {
		cpath := fmt.Sprintf("%s.elements[%d]", path, i)
		obj, _ := c.(map[string]any)
		if typ, _ := obj["type"].(string); typ != "rich_text_preformatted" && typ != "rich_text_section" {
			v.fail(cpath, "rich text element type %q is not one this package emits", typ)
			continue
		}
		leaves, _ := obj["elements"].([]any)
		for j, l := range leaves {
			lpath := fmt.Sprintf("%s.elements[%d]", cpath, j)
			leaf, _ := l.(map[string]any)
			if typ, _ := leaf["type"].(string); typ != "text" {
				v.fail(lpath, "rich text leaf type %q is not one this package emits", typ)
				continue
			}
			s, _ := leaf["text"].(string)
			n := textLen(s)
			switch {
			case s == "":
				v.fail(lpath, "text is empty")
			case n > MaxRichText:
				v.fail(lpath, "text is %d characters, more than %d", n, MaxRichText)
			}
			v.total += n
		}
	}
}

// dateToken is Slack's <!date^unix^format|fallback>, written by slackDate.
var dateToken = regexp.MustCompile(`^!date\^[0-9]+\^[^|<>]+\|[^|<>]*$`)

// mrkdwn rejects any control sequence but a date or a console link, and any
// '&' that does not start one of the three entities: what is left of the
// text was escaped.
func (v *validator) mrkdwn(path, s string) {
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				v.fail(path, "unescaped '<' at offset %d", i)
				return
			}
			inner := s[i+1 : i+j]
			if !dateToken.MatchString(inner) && !consoleMention(inner) {
				v.fail(path, "control sequence %.80q is not allowed (only dates and CloudTrail console links)", "<"+inner+">")
			}
			i += j + 1
		case '>':
			v.fail(path, "unescaped '>' at offset %d", i)
			i++
		case '&':
			rest := s[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				v.fail(path, "unescaped '&' at offset %d", i)
			}
			i++
		default:
			i++
		}
	}
}

func consoleMention(inner string) bool {
	link, label, ok := strings.Cut(inner, "|")
	return ok && validConsoleLink(link) && strings.TrimSpace(label) != "" && !strings.ContainsAny(label, "<>|")
}
