package blocks

// Block Kit limits for messages, as Slack documents them. Slack rejects a
// message that breaks any of them with invalid_blocks, so every renderer
// stays inside them and Validate checks them.
const (
	MaxBlocks          = 50   // blocks in one message
	MaxHeaderText      = 150  // header block, plain_text
	MaxSectionText     = 3000 // section block text
	MaxSectionFields   = 10   // fields in one section block
	MaxFieldText       = 2000 // each section field
	MaxContextElements = 10   // elements in one context block
	MaxContextText     = 3000 // each context text element
	MaxActionElements  = 25   // elements in one actions block
	MaxButtonText      = 75   // button label, plain_text
	MaxButtonURL       = 3000 // button url
	MaxButtonValue     = 2000 // button value
	MaxID              = 255  // block_id and action_id
)

// Limits of our own, well inside what Slack accepts, so that chat.update of a
// report stays fast and the message stays readable.
const (
	// MaxMessageText bounds the characters of all text objects of a message
	// together (header, sections, fields, context, button labels, rich text).
	// 12,000 is the cumulative text Slack allows across markdown blocks; we
	// hold every message to it.
	MaxMessageText = 12000
	// MaxPayloadBytes bounds the marshalled {"text":…,"blocks":[…]} JSON:
	// URLs, button values and JSON syntax on top of the text. Slack's own
	// ceiling is far higher; 24 KiB keeps each chat.update small.
	MaxPayloadBytes = 24 * 1024
	// MaxFallbackText bounds the top-level text: it is what notifications and
	// screen readers show, and only its start is ever seen there.
	MaxFallbackText = 300
	// MaxRichText bounds one rich-text text element. Slack publishes no limit
	// for it; we apply the section limit so that a code block cannot grow
	// past what any other block may hold.
	MaxRichText = MaxSectionText
)

// truncatedMark ends any text that was cut; labels of buttons are too short
// for it and end in a bare ellipsis.
const (
	ellipsis      = "…"
	truncatedMark = "… (truncated)"
)
