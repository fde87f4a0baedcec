package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/intake"
	"github.com/trailhound/trailhound/store"
)

// describeTimeout bounds one DescribeAlarms call.
const describeTimeout = 15 * time.Second

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

// describeError is a notification that names an alarm the bot could not
// describe: worth telling the channel, unlike chatter that is no alarm.
type describeError struct {
	ref intake.Ref
	err error
}

func (e *describeError) Error() string {
	return fmt.Sprintf("describe alarm %q in %s: %v", e.ref.Name, e.ref.Region, e.err)
}

func (e *describeError) Unwrap() error { return e.err }

// parseNotification reads an alarm from a notification, describing the
// alarm when the notification only names it. The notification's own state
// and time win over the description's: they say which transition this is.
func (b *Bot) parseNotification(ctx context.Context, text string) (investigation.Alarm, error) {
	a, err := intake.Parse([]byte(text))
	var inc *intake.IncompleteError
	if !errors.As(err, &inc) {
		return a, err
	}
	if ref := inc.Ref; ref.State != "" && ref.State != investigation.StateAlarm && !ref.Time.IsZero() && accountID.MatchString(ref.Account) {
		// An end of episode needs no metrics, only the alarm's ARN, which
		// the name, region and account give.
		return investigation.Alarm{Name: ref.Name, Region: ref.Region, Account: ref.Account, State: ref.State,
			StateChangeTime: ref.Time, Delivery: inc.Delivery}, nil
	}
	if b.deps.Alarms == nil {
		return investigation.Alarm{}, &describeError{ref: inc.Ref, err: errors.New("no AWS access is configured to describe alarms")}
	}
	described, err := b.describeOne(ctx, inc.Ref.Region, inc.Ref.Name)
	if err != nil {
		return investigation.Alarm{}, &describeError{ref: inc.Ref, err: err}
	}
	if inc.Ref.State != "" {
		described.State = inc.Ref.State
	}
	if !inc.Ref.Time.IsZero() {
		described.StateChangeTime = inc.Ref.Time
	}
	if described.Account == "" {
		described.Account = inc.Ref.Account
	}
	described.Delivery = inc.Delivery
	return described, nil
}

// parseMessage tries each text of a Slack message; the first that is not
// recognisably something other than an alarm decides.
func (b *Bot) parseMessage(ctx context.Context, m *slack.Msg) (investigation.Alarm, error) {
	err := error(fmt.Errorf("%w: the message has no text", intake.ErrNotAlarm))
	for _, text := range notificationTexts(m) {
		if trimmed := strings.TrimSpace(text); strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			text = plainJSON(trimmed)
		}
		var a investigation.Alarm
		a, err = b.parseNotification(ctx, text)
		if !errors.Is(err, intake.ErrNotAlarm) {
			return a, err
		}
	}
	return investigation.Alarm{}, err
}

// describeOne reads the alarm named name in region.
func (b *Bot) describeOne(ctx context.Context, region, name string) (investigation.Alarm, error) {
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	alarms, err := b.deps.Alarms.DescribeAlarms(ctx, region, []string{name})
	if err != nil {
		return investigation.Alarm{}, fmt.Errorf("describe alarm %q in %s: %w", name, region, err)
	}
	for _, a := range alarms {
		if a.Name == name {
			return a, nil
		}
	}
	return investigation.Alarm{}, fmt.Errorf("no alarm named %q in %s", name, region)
}

var accountID = regexp.MustCompile(`^\d{12}$`)

// storeARN encodes an alarm ARN for the store's keys, which refuse spaces,
// control characters and braces that alarm names may hold. The encoding is
// injective ('%' is encoded too), so replicas agree on every key.
func storeARN(arn string) string {
	var sb strings.Builder
	for _, r := range arn {
		switch {
		case r == '%' || r == '{' || r == '}' || r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u00a0':
			for _, c := range []byte(string(r)) {
				fmt.Fprintf(&sb, "%%%02X", c)
			}
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// alarmKey is the store key of the alarm's current episode.
func alarmKey(a investigation.Alarm) (store.AlarmKey, error) {
	arn := a.Identity()
	if arn == "" {
		return store.AlarmKey{}, fmt.Errorf("alarm %q has no ARN, and no account to build one from", a.Name)
	}
	a.ARN = storeARN(arn)
	return store.KeyFor(a)
}

// oneLine escapes data for a single mrkdwn line.
func oneLine(s string) string {
	return blocks.Escape(strings.Join(strings.Fields(s), " "))
}
