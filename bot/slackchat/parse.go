package slackchat

import (
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation/intake"
)

// message reads a message event into the bot's terms.
func (c *Client) message(ev *slackevents.MessageEvent, received time.Time) chat.Message {
	msg := ev.Message
	user, botID := firstNonEmpty(msg.User, ev.User), firstNonEmpty(msg.BotID, ev.BotID)
	texts := notificationTexts(msg)
	for i, t := range texts {
		if trimmed := strings.TrimSpace(t); strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			texts[i] = plainJSON(trimmed)
		}
	}
	return chat.Message{
		Channel: ev.Channel, TS: ev.TimeStamp, ThreadTS: ev.ThreadTimeStamp,
		User: ev.User, BotID: ev.BotID, SubType: ev.SubType, Text: ev.Text,
		Texts:       texts,
		Own:         c.isOwn(user, botID),
		MentionsBot: c.botUserID != "" && strings.Contains(ev.Text, "<@"+c.botUserID),
		Received:    received,
	}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// notificationTexts returns what to parse for an alarm, in order: the
// message's own text, then everything the message shows (text, legacy
// attachments as AWS Chatbot posts them, and blocks). Links stay in Slack's
// <url|label> form: intake reads alarm names and regions from console URLs
// that labels hide.
func notificationTexts(m *slack.Msg) []string {
	var all []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			all = append(all, s)
		}
	}
	add(m.Text)
	for _, a := range m.Attachments {
		add(a.Pretext)
		switch {
		case a.Title != "" && a.TitleLink != "":
			add("<" + a.TitleLink + "|" + a.Title + ">")
		default:
			add(a.Title)
		}
		add(a.Text)
		for _, f := range a.Fields {
			add(f.Title + ": " + f.Value)
		}
		if a.Text == "" && len(a.Fields) == 0 {
			add(a.Fallback)
		}
	}
	for _, b := range m.Blocks.BlockSet {
		add(blockText(b))
	}
	var out []string
	if t := strings.TrimSpace(m.Text); t != "" {
		out = append(out, t)
	}
	if joined := strings.Join(all, "\n"); len(all) > 1 || (len(all) == 1 && joined != strings.TrimSpace(m.Text)) {
		out = append(out, clipBytes(joined, intake.MaxPayloadBytes))
	}
	return out
}

// blockText is the text a block shows, links in Slack's markup.
func blockText(b slack.Block) string {
	var parts []string
	text := func(t *slack.TextBlockObject) {
		if t != nil {
			parts = append(parts, t.Text)
		}
	}
	switch blk := b.(type) {
	case *slack.SectionBlock:
		text(blk.Text)
		for _, f := range blk.Fields {
			text(f)
		}
	case *slack.HeaderBlock:
		text(blk.Text)
	case *slack.MarkdownBlock:
		parts = append(parts, blk.Text)
	case *slack.ContextBlock:
		for _, el := range blk.ContextElements.Elements {
			if t, ok := el.(*slack.TextBlockObject); ok {
				text(t)
			}
		}
	case *slack.RichTextBlock:
		for _, el := range blk.Elements {
			parts = append(parts, richText(el, 0))
		}
	}
	return strings.Join(parts, "\n")
}

// maxRichDepth bounds the nesting of lists read from a rich-text block.
const maxRichDepth = 4

func richText(el slack.RichTextElement, depth int) string {
	if depth > maxRichDepth {
		return ""
	}
	var sb strings.Builder
	section := func(els []slack.RichTextSectionElement) {
		for _, e := range els {
			switch t := e.(type) {
			case *slack.RichTextSectionTextElement:
				sb.WriteString(t.Text)
			case *slack.RichTextSectionLinkElement:
				label := t.Text
				if label == "" {
					label = t.URL
				}
				sb.WriteString("<" + t.URL + "|" + label + ">")
			}
		}
		sb.WriteString("\n")
	}
	switch r := el.(type) {
	case *slack.RichTextSection:
		section(r.Elements)
	case *slack.RichTextPreformatted:
		section(r.Elements)
	case *slack.RichTextQuote:
		section(r.Elements)
	case *slack.RichTextList:
		for _, item := range r.Elements {
			sb.WriteString(richText(item, depth+1))
		}
	}
	return sb.String()
}

func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// slackLinkMarkup is Slack's <target> or <target|label>.
var slackLinkMarkup = regexp.MustCompile(`<([^<>|\s]+)(?:\|[^<>]*)?>`)

// plainJSON undoes what Slack does to JSON posted as message text: URLs
// wrapped in link markup and &, <, > escaped as entities. JSON carries no
// labels, so a link becomes its target.
func plainJSON(s string) string {
	s = slackLinkMarkup.ReplaceAllString(s, "$1")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
