package blocks

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/redact"
)

// Escape makes text from AWS or a user safe inside mrkdwn: credentials in
// it are redacted (see clean), and then Slack's control characters escaped.
// Slack reads
// control sequences only between < and >, and entities after &: escaping
// those three characters is what stops data from pinging a channel
// (<!channel>), mentioning someone (<@U…>) or planting a link (<http://…|…>).
// Formatting characters (* _ ~ `) are left alone: they can restyle a
// fragment but never notify or link, and the ids and names they appear in
// read better unchanged.
//
// Invalid UTF-8 is replaced, and control and bidirectional-override
// characters are removed: the first can break the payload, the second can
// make a name display as something it is not.
func Escape(s string) string {
	s = clean(s)
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeLine is Escape for values that belong on one line (names, ids,
// actors): a newline in them would let data start a line of its own.
func escapeLine(s string) string {
	return Escape(oneLine(s))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clean drops what must never reach Slack, whatever the text type: every
// text a renderer takes from AWS or a user passes here (Escape, plain text,
// labels, code), so this is where credentials are redacted. Redaction runs
// last, on the text as it will read: removing a control character can join
// the halves of a key.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return redact.Text(strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r), isBidiControl(r):
			return -1
		}
		return r
	}, s))
}

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// textLen measures s in UTF-16 code units. Slack counts "characters"
// without saying which; a code unit count is never smaller than a code point
// count, so a text within the limit by this measure is within it by any.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

func runeUnits(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// clipMrkdwn cuts mrkdwn to at most max units, ending it in "… (truncated)".
// It never cuts inside a rune, an entity (&amp;) or a control sequence
// (<!date…>, <url|label>), so the kept part stays well formed.
func clipMrkdwn(s string, max int) string {
	if textLen(s) <= max {
		return s
	}
	budget := max - textLen(truncatedMark)
	if budget <= 0 {
		return clipPlainMark(truncatedMark, max, "")
	}
	const (
		outside = iota
		inTag
		inEntity
	)
	state, n, cut, space := outside, 0, 0, -1
	for i, r := range s {
		if state == outside {
			if n > budget {
				break
			}
			cut = i
			if r == ' ' || r == '\n' {
				space = i
			}
		}
		switch {
		case state == outside && r == '<':
			state = inTag
		case state == inTag && r == '>':
			state = outside
		case state == outside && r == '&':
			state = inEntity
		case state == inEntity && r == ';':
			state = outside
		}
		n += runeUnits(r)
	}
	return strings.TrimRight(s[:wordStart(s, cut, space)], " \n,:(") + truncatedMark
}

// wordStart moves a cut at byte cut of s back to space, the last space
// before it, when the cut would split a word and the space is not so far
// back that most of the text is lost (a long id is cut where it must be).
func wordStart(s string, cut, space int) int {
	if cut >= len(s) || s[cut] == ' ' || s[cut] == '\n' || space < 0 || space < cut*2/3 {
		return cut
	}
	return space
}

// clipPlain cuts plain_text to at most max units, ending in "… (truncated)".
func clipPlain(s string, max int) string {
	return clipPlainMark(s, max, truncatedMark)
}

// clipLabel cuts a button label; labels are too short for the full mark.
func clipLabel(s string, max int) string {
	return clipPlainMark(s, max, ellipsis)
}

func clipPlainMark(s string, max int, mark string) string {
	if textLen(s) <= max {
		return s
	}
	budget := max - textLen(mark)
	if budget < 0 {
		budget, mark = max, ""
	}
	n, cut, space := 0, 0, -1
	for i, r := range s {
		if n+runeUnits(r) > budget {
			break
		}
		if r == ' ' || r == '\n' {
			space = i
		}
		n += runeUnits(r)
		cut = i + utf8.RuneLen(r)
	}
	return strings.TrimRight(s[:wordStart(s, cut, space)], " \n,:(") + mark
}

// dataText is data prepared for mrkdwn: escaped, then clipped to max units.
func dataText(s string, max int) string {
	return clipMrkdwn(Escape(strings.TrimSpace(s)), max)
}

// dataLine is dataText on a single line.
func dataLine(s string, max int) string {
	return clipMrkdwn(escapeLine(s), max)
}

// Formats for Slack's date token; each reader sees them in their own zone.
const (
	dateTime     = "{date_short_pretty} {time}"
	dateTimeSecs = "{date_short_pretty} {time_secs}"
	timeOnly     = "{time}"
)

// slackDate renders t with Slack's date token and a UTC fallback for
// clients that cannot localise it.
func slackDate(t time.Time, format string) string {
	if t.IsZero() || t.Unix() < 0 {
		return "an unknown time"
	}
	fallback := t.UTC().Format("2006-01-02 15:04 UTC")
	if format == timeOnly {
		fallback = t.UTC().Format("15:04 UTC")
	}
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, fallback)
}

// duration renders a span the way people say it: "45s", "12 min", "2 h 5 min".
func duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	}
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	if m == 0 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// consoleEventLink is the only link this package puts in a message: the
// CloudTrail console page of one event, in the standard AWS partition. The
// host and the region parameter must name the same region.
var consoleEventLink = regexp.MustCompile(`^https://([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})\.console\.aws\.amazon\.com/cloudtrailv2/home\?region=([a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})#/events/([A-Za-z0-9-]{1,128})$`)

// portalEventLink is the same page opened through an IAM Identity Center
// access portal (its awsapps.com start URL or its app.aws portal), signed
// in to one account: the portal's console deep link, whose destination
// must itself be a console event link.
var portalEventLink = regexp.MustCompile(`^https://(?:[a-z0-9-]{1,63}\.awsapps\.com/start|[a-z0-9-]{1,63}\.portal\.[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}\.app\.aws)/?#/console\?account_id=([0-9]{12})&role_name=([A-Za-z0-9+=,.@_-]{1,64})&destination=([A-Za-z0-9%._~-]+)$`)

// parseConsoleLink returns the region and event id of a console event
// link, plain or through the access portal, and the account a portal link
// signs in to ("" for a plain one).
func parseConsoleLink(link string) (region, eventID, account string, ok bool) {
	if p := portalEventLink.FindStringSubmatch(link); p != nil {
		dest, err := url.QueryUnescape(p[3])
		if err != nil {
			return "", "", "", false
		}
		region, eventID, inner, ok := parseConsoleLink(dest)
		if !ok || inner != "" {
			return "", "", "", false
		}
		return region, eventID, p[1], true
	}
	m := consoleEventLink.FindStringSubmatch(link)
	if m == nil || m[1] != m[2] {
		return "", "", "", false
	}
	return m[1], m[3], "", true
}

// ConsoleLink returns ref's console link when it is exactly the CloudTrail
// console page of that very event; anything else (another host, scheme,
// path, an id that differs from the event's) is refused. Links are taken
// from the report and checked, never assembled from other fields.
func ConsoleLink(ref investigation.EventRef) (link, region string, ok bool) {
	region, id, account, ok := parseConsoleLink(ref.Link)
	if !ok || id != ref.EventID || (ref.Region != "" && ref.Region != region) || (account != "" && ref.Account != "" && account != ref.Account) {
		return "", "", false
	}
	return ref.Link, region, true
}

// switchAccount says which account a plain console link must be opened in,
// "" when the link signs in by itself or the event is the alarm's account's.
func switchAccount(ref investigation.EventRef) string {
	if ref.Account == "" {
		return ""
	}
	if _, _, account, ok := parseConsoleLink(ref.Link); !ok || account != "" {
		return ""
	}
	return ref.Account
}

// shortType turns "AWS::IAM::Role" into "IAM role", "AWS::RDS::DBInstance"
// into "RDS DB instance".
func shortType(typ string) string {
	parts := strings.Split(typ, "::")
	if len(parts) == 3 && parts[0] == "AWS" {
		words := camelWords(parts[2])
		for i, w := range words {
			if !isAcronym(w) {
				words[i] = strings.ToLower(w)
			}
		}
		return parts[1] + " " + strings.Join(words, " ")
	}
	return typ
}

// plural writes "1 event" / "3 events".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// thousands writes 12345 as "12,345".
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
