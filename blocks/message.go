// Package blocks renders Trailhound's Slack messages as Block Kit: triage
// reports, progress placeholders, re-fire and resolved notes, errors, change
// tables, answers and event JSON.
//
// Renderers are pure: no I/O, no clock (every time comes in as an argument).
// Every message they return stays within Slack's Block Kit limits (see
// limits.go) and passes Validate; every string that comes from AWS or a user
// is redacted (investigation/redact: no credential reaches a channel) and
// escaped for mrkdwn, so data can neither notify anyone nor plant a link.
// Each message's blocks read well on their own; Text is the fallback that
// notifications and screen readers show.
package blocks

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/slack-go/slack"
)

// Message is what chat.postMessage and chat.update take: a fallback text and
// the blocks. It marshals to {"text":…,"blocks":[…]}.
type Message struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks,omitempty"`
	// Metadata, when set, is kept by Slack with the message and read back
	// by apps that ask for it: what the message is about, for machines.
	Metadata *Metadata `json:"metadata,omitempty"`
}

// Metadata is Slack message metadata: an event type and its payload.
type Metadata struct {
	EventType string         `json:"event_type"`
	Payload   map[string]any `json:"event_payload"`
}

// UnmarshalJSON reads a message back, block types included, so that a
// recorded chat.postMessage body can be validated.
func (m *Message) UnmarshalJSON(b []byte) error {
	var raw struct {
		Text   string       `json:"text"`
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("decode message: %w", err)
	}
	m.Text, m.Blocks = raw.Text, raw.Blocks.BlockSet
	return nil
}

// Encode marshals m as compact JSON without HTML escaping, the form the size
// limits are measured on (Slack reads \u003c and < alike; the escaped form
// would only make payloads longer).
func Encode(m Message) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// builder collects blocks. Its helpers cap every text at the limit of the
// place it goes to and skip parts that would be empty, which Slack rejects.
type builder struct {
	blocks []slack.Block
}

func mrkdwn(text string) *slack.TextBlockObject {
	// verbatim: Slack must not auto-link URLs or turn names into mentions in
	// text that quotes data.
	return &slack.TextBlockObject{Type: slack.MarkdownType, Text: text, Verbatim: true}
}

func plain(text string, max int) *slack.TextBlockObject {
	emoji := true
	return &slack.TextBlockObject{Type: slack.PlainTextType, Text: clipPlain(clean(oneLine(text)), max), Emoji: &emoji}
}

func (b *builder) header(id, text string) {
	if oneLine(text) == "" {
		return
	}
	b.blocks = append(b.blocks, slack.NewHeaderBlock(plain(text, MaxHeaderText), slack.HeaderBlockOptionBlockID(id)))
}

// section adds a mrkdwn section; text must already be escaped mrkdwn.
func (b *builder) section(id, text string) {
	if text == "" {
		return
	}
	b.blocks = append(b.blocks, slack.NewSectionBlock(mrkdwn(clipMrkdwn(text, MaxSectionText)), nil, nil, slack.SectionBlockOptionBlockID(id)))
}

// sectionButton adds a section with a button beside it.
func (b *builder) sectionButton(id, text string, button *slack.ButtonBlockElement) {
	if text == "" {
		return
	}
	var acc *slack.Accessory
	if button != nil {
		acc = slack.NewAccessory(button)
	}
	b.blocks = append(b.blocks, slack.NewSectionBlock(mrkdwn(clipMrkdwn(text, MaxSectionText)), nil, acc, slack.SectionBlockOptionBlockID(id)))
}

// context adds a context block of mrkdwn elements, at most MaxContextElements.
func (b *builder) context(id string, texts ...string) {
	var els []slack.MixedElement
	for _, t := range texts {
		if t != "" && len(els) < MaxContextElements {
			els = append(els, mrkdwn(clipMrkdwn(t, MaxContextText)))
		}
	}
	if len(els) == 0 {
		return
	}
	b.blocks = append(b.blocks, slack.NewContextBlock(id, els...))
}

func (b *builder) actions(id string, buttons ...*slack.ButtonBlockElement) {
	var els []slack.BlockElement
	for _, btn := range buttons {
		if btn != nil && len(els) < MaxActionElements {
			els = append(els, btn)
		}
	}
	if len(els) == 0 {
		return
	}
	b.blocks = append(b.blocks, slack.NewActionBlock(id, els...))
}

func (b *builder) divider(id string) {
	d := slack.NewDividerBlock()
	d.BlockID = id
	b.blocks = append(b.blocks, d)
}

// code adds a rich-text preformatted block: its text is shown literally,
// so it needs no escaping, only the length cap.
func (b *builder) code(id, text string) {
	text = clipPlain(clean(text), MaxRichText)
	if text == "" {
		return
	}
	pre := &slack.RichTextPreformatted{
		Type:     slack.RTEPreformatted,
		Elements: []slack.RichTextSectionElement{slack.NewRichTextSectionTextElement(text, nil)},
	}
	b.blocks = append(b.blocks, slack.NewRichTextBlock(id, pre))
}

func (b *builder) message(fallback string) Message {
	return Message{Text: clipMrkdwn(fallback, MaxFallbackText), Blocks: b.blocks}
}

// urlButton opens link; link must already be a checked console link.
func urlButton(actionID, label, link string) *slack.ButtonBlockElement {
	btn := slack.NewButtonBlockElement(actionID, "", buttonLabel(label))
	btn.URL = link
	return btn
}

func valueButton(actionID, label string, value ActionValue, style slack.Style) *slack.ButtonBlockElement {
	v, ok := value.encode()
	if !ok {
		return nil
	}
	btn := slack.NewButtonBlockElement(actionID, v, buttonLabel(label))
	btn.Style = style
	return btn
}

func buttonLabel(label string) *slack.TextBlockObject {
	emoji := true
	return &slack.TextBlockObject{Type: slack.PlainTextType, Text: clipLabel(clean(oneLine(label)), MaxButtonText), Emoji: &emoji}
}
