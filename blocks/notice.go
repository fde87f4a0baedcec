package blocks

import (
	"slices"

	"github.com/slack-go/slack"
)

// WithNotice adds a context line of the caller's own text (already escaped
// mrkdwn, no data) under m, unless that would break a Block Kit limit; ok
// reports whether it fit. An empty text leaves m as it is.
func WithNotice(m Message, blockID, text string) (Message, bool) {
	if text == "" {
		return m, true
	}
	out := Message{
		Text:   m.Text,
		Blocks: append(slices.Clone(m.Blocks), slack.NewContextBlock(blockID, slack.NewTextBlockObject(slack.MarkdownType, text, false, false))),
	}
	if Validate(out) != nil {
		return m, false
	}
	return out, true
}
