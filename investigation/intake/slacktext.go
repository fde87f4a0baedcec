package intake

import (
	"regexp"
	"strings"
)

// slackLink is Slack's link markup: <target> or <target|label>. A target never
// holds whitespace, which keeps a literal "latency < 100 >" from matching.
var slackLink = regexp.MustCompile(`<([^<>|\s]+)(?:\|([^<>]*))?>`)

// slackEntities are the only three characters Slack escapes in message text.
// A Replacer makes one pass, so "&amp;lt;" correctly becomes "&lt;".
var slackEntities = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainText undoes what Slack does to text posted into a channel: links become
// their label (the text that was originally written), entities are unescaped,
// code fences and block-quote markers go, line ends become "\n" and
// non-breaking spaces (common in e-mail converted to text) become spaces.
// Links are resolved before entities because a literal "<" in the original
// text reaches us as "&lt;", never as a link delimiter.
func plainText(s string) string {
	s = slackLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackLink.FindStringSubmatch(m)
		if sub[2] != "" {
			return sub[2]
		}
		return strings.TrimPrefix(sub[1], "mailto:")
	})
	s = slackEntities.Replace(s)
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u00a0", " ", "```", "\n").Replace(s)
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = stripQuoteMarker(line)
	}
	return strings.Join(lines, "\n")
}

// stripQuoteMarker removes Slack block-quote markers ("> ", nested ">> ").
func stripQuoteMarker(line string) string {
	trimmed := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(trimmed, ">") {
		return line
	}
	return strings.TrimLeft(trimmed, "> \t")
}

var bareURL = regexp.MustCompile(`https?://[^\s<>|"'()\x60]+`)

// linkTargets lists the URLs in a Slack message: link targets (which the
// label may hide) and bare URLs, in order of appearance, without repeats.
func linkTargets(s string) []string {
	var urls []string
	seen := map[string]bool{}
	add := func(u string) {
		u = slackEntities.Replace(u)
		if !seen[u] {
			seen[u] = true
			urls = append(urls, u)
		}
	}
	for _, sub := range slackLink.FindAllStringSubmatch(s, -1) {
		if bareURL.MatchString(sub[1]) {
			add(sub[1])
		}
	}
	for _, u := range bareURL.FindAllString(slackEntities.Replace(s), -1) {
		add(u)
	}
	return urls
}

// unwrapMarkup strips one pair of mrkdwn markers (*bold*, _italic_, `code`)
// wrapped around a whole value.
func unwrapMarkup(s string) string {
	s = strings.TrimSpace(s)
	for _, m := range []string{"*", "_", "`"} {
		if len(s) >= 2 && strings.HasPrefix(s, m) && strings.HasSuffix(s, m) {
			return strings.TrimSpace(s[1 : len(s)-1])
		}
	}
	return s
}
