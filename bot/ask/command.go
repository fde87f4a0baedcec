// Package ask reads what people type to Trailhound: times and durations in
// the asker's time zone, the arguments of the slash command, and the
// questions asked in a mention or a thread. It is pure: the clock and the
// zone come in as arguments.
package ask

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// maxQuestion bounds what is read of a command or a question.
const maxQuestion = 1000

// Changes is a question about the changes on a subject: `<subject>
// [before <time>] [window <duration>] [--private]`.
type Changes struct {
	// Subject names a resource, an alarm or a service, or refers to one of
	// the thread ("the role"); empty in a thread means its alarm's scope.
	Subject string
	// Before is the end of the window as typed; empty means now (or the
	// alarm, in a triage thread).
	Before string
	// Window is the length of the window; zero means changes.DefaultWindow.
	Window time.Duration
	// Private answers only the asker.
	Private bool
}

// ParseChanges reads the arguments of `/trailhound changes`.
func ParseChanges(args string) (Changes, error) {
	if len(args) > maxQuestion {
		return Changes{}, fmt.Errorf("the command is %d characters long; keep it under %d", len(args), maxQuestion)
	}
	var c Changes
	var subject, before, window []string
	cur := &subject
	for _, w := range strings.Fields(args) {
		switch strings.ToLower(w) {
		case "--private", "-p":
			c.Private = true
			continue
		case "before", "until":
			cur = &before
			continue
		case "window", "over", "last":
			cur = &window
			continue
		case "on", "of", "in", "for", "to":
			if cur == &subject && len(subject) == 0 {
				continue
			}
			// "before 14:00 on checkout": the subject may come last.
			if cur == &before && len(before) > 0 && len(subject) == 0 {
				cur = &subject
				continue
			}
		}
		*cur = append(*cur, w)
	}
	c.Subject = strings.Join(subject, " ")
	c.Before = strings.Join(before, " ")
	if len(window) > 0 {
		d, err := investigation.ParseWindow(strings.Join(window, " "))
		if err != nil {
			return Changes{}, fmt.Errorf("window: %w", err)
		}
		c.Window = d
	}
	if strings.HasPrefix(c.Subject, "-") {
		return Changes{}, fmt.Errorf("%q is not an option (only --private is)", investigation.ClipInput(c.Subject))
	}
	return c, nil
}

// Kind is what a question asks for.
type Kind string

const (
	KindUnknown  Kind = ""
	KindChanges  Kind = "changes"  // what changed on X in a window
	KindWiden    Kind = "widen"    // the thread's window, made wider
	KindNarrow   Kind = "narrow"   // the thread's window, made narrower
	KindEvent    Kind = "event"    // one event's redacted JSON
	KindWhyRank  Kind = "why_rank" // why cause A is ranked below cause B
	KindPrevious Kind = "previous" // the version before a cause's change
	KindWho      Kind = "who"      // who made cause N, and what else they did
	KindHelp     Kind = "help"     // what can be asked
)

// Intent is a question read deterministically.
type Intent struct {
	Kind Kind
	// Changes carries the subject, end and window of KindChanges.
	Changes Changes
	// Window is the new length for KindWiden/KindNarrow; zero means double
	// or half of the current one.
	Window time.Duration
	// EventID is the event of KindEvent (when Rank is zero).
	EventID string
	// Rank is the cause a question is about (KindEvent, KindPrevious,
	// KindWho; the lower-ranked one of KindWhyRank); Other is the one it
	// is compared with.
	Rank  int
	Other int
}

var (
	mentionPattern  = regexp.MustCompile(`<@[A-Z0-9]+(?:\|[^>]*)?>`)
	eventIDPattern  = regexp.MustCompile(`\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`)
	showEvent       = regexp.MustCompile(`^(?:show|open|print|get)?\s*(?:me\s+)?(?:the\s+)?(?:event|json|event json)\s*(?:of|for)?\s*(?:#?(\d{1,2})|(\S+))$`)
	rankPair        = regexp.MustCompile(`^why (?:is |was |did )?(?:cause |change )?#?(\d{1,2}) (?:ranked |rank |score |scored |come )*(?:below|under|lower than|behind|after) (?:cause |change )?#?(\d{1,2})$`)
	whoMade         = regexp.MustCompile(`^who (?:made|did|changed|ran|caused) (?:the )?(?:change |cause )?#?(\d{1,2})(?:\b.*)?$`)
	previousVersion = regexp.MustCompile(`^(?:what (?:was|is) )?(?:the )?(?:previous|prior|old|earlier|last) (?:version|config|configuration|policy|rule|rules)(?: (?:of|for|before) (?:the )?(?:change |cause )?#?(\d{1,2}))?.*$`)
	resize          = regexp.MustCompile(`^(widen|wider|expand|extend|narrow|narrower|shrink|tighten)(?: (?:the )?(?:window|search|it))?(?: (?:to|by) (.+))?$`)
	changedPattern  = regexp.MustCompile(`^(?:what|which (?:changes|things)) (?:has |have |had )?(?:changed|happened|was changed|were changed)(?: (.*))?$`)
	changesPattern  = regexp.MustCompile(`^(?:show |list |any )?(?:me )?(?:the )?(?:recent )?changes(?: (.*))?$`)
	helpPattern     = regexp.MustCompile(`^(?:help|\?|what can you do|what can i ask)$`)
)

// MentionFree is text without its user mentions, spaces collapsed.
func MentionFree(text string) string {
	return strings.Join(strings.Fields(mentionPattern.ReplaceAllString(text, " ")), " ")
}

// ParseQuestion reads a mention or a thread question into an intent.
// Anything it does not recognise is KindUnknown: the bot then says what it
// can answer rather than guess.
func ParseQuestion(text string) Intent {
	if len(text) > maxQuestion {
		return Intent{}
	}
	s := mentionPattern.ReplaceAllString(text, " ")
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.TrimRight(s, "?!. ")
	s = strings.TrimPrefix(s, "please ")
	s = strings.TrimSuffix(s, " please")
	if s == "" || helpPattern.MatchString(s) {
		return Intent{Kind: KindHelp}
	}
	if m := rankPair.FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		if a > 0 && b > 0 && a != b {
			return Intent{Kind: KindWhyRank, Rank: a, Other: b}
		}
		return Intent{}
	}
	if m := whoMade.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n > 0 {
			return Intent{Kind: KindWho, Rank: n}
		}
		return Intent{}
	}
	if m := previousVersion.FindStringSubmatch(s); m != nil {
		n := 1
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		}
		if n > 0 {
			return Intent{Kind: KindPrevious, Rank: n}
		}
		return Intent{}
	}
	if strings.Contains(s, "event") || strings.HasPrefix(s, "json") {
		if id := eventIDPattern.FindString(s); id != "" {
			return Intent{Kind: KindEvent, EventID: id}
		}
		if m := showEvent.FindStringSubmatch(s); m != nil {
			if m[1] != "" {
				n, _ := strconv.Atoi(m[1])
				if n > 0 {
					return Intent{Kind: KindEvent, Rank: n}
				}
				return Intent{}
			}
			return Intent{Kind: KindEvent, EventID: m[2]}
		}
	}
	if m := resize.FindStringSubmatch(s); m != nil {
		kind := KindWiden
		switch m[1] {
		case "narrow", "narrower", "shrink", "tighten":
			kind = KindNarrow
		}
		in := Intent{Kind: kind}
		if m[2] != "" {
			d, err := investigation.ParseWindow(m[2])
			if err != nil {
				return Intent{}
			}
			in.Window = d
		}
		return in
	}
	rest, ok := "", false
	if m := changedPattern.FindStringSubmatch(s); m != nil {
		rest, ok = m[1], true
	} else if m := changesPattern.FindStringSubmatch(s); m != nil {
		rest, ok = m[1], true
	}
	if !ok {
		return Intent{}
	}
	c, err := ParseChanges(questionArgs(rest))
	if err != nil {
		return Intent{}
	}
	return Intent{Kind: KindChanges, Changes: c}
}

// questionArgs turns the tail of a question ("on the role before 14:00 in
// the last 2 hours") into command arguments ("the role before 14:00 window
// 2 hours").
func questionArgs(rest string) string {
	r := " " + rest + " "
	for _, p := range []struct{ from, to string }{
		{" in the last ", " window "},
		{" over the last ", " window "},
		{" during the last ", " window "},
		{" in the past ", " window "},
		{" within ", " window "},
	} {
		r = strings.ReplaceAll(r, p.from, p.to)
	}
	return strings.TrimSpace(r)
}
