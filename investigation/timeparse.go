package investigation

// The time parser reads times and durations as people type them ("before
// 14:00", "yesterday 23:30 Europe/Berlin", "window 1h") in the asker's time
// zone. It is pure: the clock and the zone come in as arguments, so the
// slash command and the CLI answer the same question the same way.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TimeReference is what a time is read against.
type TimeReference struct {
	// Now is the current time.
	Now time.Time
	// Zone is the asker's time zone; nil means UTC.
	Zone *time.Location
	// Alarm is when the alarm of the conversation fired; zero outside a
	// triage thread, where "the alarm" means nothing.
	Alarm time.Time
}

func (r TimeReference) zone() *time.Location {
	if r.Zone == nil {
		return time.UTC
	}
	return r.Zone
}

// futureSlack tolerates clocks a little apart: "14:00" typed at 13:59:40
// is meant as the minute that is about to come.
const futureSlack = time.Minute

// maxTimeInput bounds what is read at all: times people type are short.
const maxTimeInput = 80

var (
	agoPattern    = regexp.MustCompile(`^(\d{1,5}(?:\.\d+)?)\s*([a-z]+)\s+ago$`)
	clockPattern  = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$`)
	offsetPattern = regexp.MustCompile(`^([+-])(\d{2}):?(\d{2})$`)
	zonePattern   = regexp.MustCompile(`^[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){1,2}$`)
	datePattern   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// absoluteLayouts are the ISO 8601 forms accepted with a zone of their own.
var absoluteLayouts = []string{
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
}

// ParseTime reads a point in time: "14:00", "2pm", "14:00 UTC",
// "yesterday 23:30", "10 minutes ago", "2026-03-19T14:00Z",
// "2026-03-19 14:00", "the alarm", "now". Times without a zone are in
// ref.Zone. Times in the future, clock times that could mean two days, and
// wall times a daylight-saving change skips or repeats are refused with a
// message that says what to type instead.
func ParseTime(input string, ref TimeReference) (time.Time, error) {
	s := strings.ToLower(strings.Join(strings.Fields(input), " "))
	if s == "" {
		return time.Time{}, fmt.Errorf("no time given")
	}
	if len(s) > maxTimeInput {
		return time.Time{}, fmt.Errorf("%q is too long to be a time", ClipInput(input))
	}
	t, err := parseTime(s, input, ref)
	if err != nil {
		return time.Time{}, err
	}
	if t.After(ref.Now.Add(futureSlack)) {
		return time.Time{}, fmt.Errorf("%s is in the future (%s from now): I can only look at what already happened", describe(t, ref.zone()), roundDuration(t.Sub(ref.Now)))
	}
	return t, nil
}

func parseTime(s, input string, ref TimeReference) (time.Time, error) {
	switch s {
	case "now":
		return ref.Now, nil
	case "the alarm", "alarm", "the alert", "it fired", "the alarm fired":
		if ref.Alarm.IsZero() {
			return time.Time{}, fmt.Errorf("there is no alarm in this conversation: give a time such as `14:00` or `10 minutes ago`")
		}
		return ref.Alarm, nil
	}
	if m := agoPattern.FindStringSubmatch(s); m != nil {
		d, err := ParseDuration(m[1] + " " + m[2])
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %w", ClipInput(input), err)
		}
		return ref.Now.Add(-d), nil
	}
	for _, layout := range absoluteLayouts {
		if t, err := time.Parse(layout, strings.ToUpper(s)); err == nil {
			return t, nil
		}
	}

	words := strings.Fields(s)
	loc := ref.zone()
	if len(words) > 1 {
		if z, ok, err := zoneWord(words[len(words)-1]); err != nil {
			return time.Time{}, err
		} else if ok {
			loc = z
			words = words[:len(words)-1]
		}
	}
	day, dayGiven := ref.Now.In(loc), false
	switch {
	case len(words) == 2 && (words[0] == "today" || words[0] == "yesterday"):
		if words[0] == "yesterday" {
			day = day.AddDate(0, 0, -1)
		}
		dayGiven = true
		words = words[1:]
	case len(words) == 2 && datePattern.MatchString(words[0]):
		d, err := time.ParseInLocation("2006-01-02", words[0], loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", words[0])
		}
		day, dayGiven = d, true
		words = words[1:]
	case len(words) == 1 && strings.Contains(words[0], "t") && datePattern.MatchString(strings.SplitN(words[0], "t", 2)[0]):
		// An ISO time without a zone: the asker's.
		parts := strings.SplitN(words[0], "t", 2)
		d, err := time.ParseInLocation("2006-01-02", parts[0], loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", parts[0])
		}
		day, dayGiven = d, true
		words = []string{parts[1]}
	}
	if len(words) == 2 && (words[1] == "am" || words[1] == "pm") {
		words = []string{words[0] + words[1]}
	}
	if len(words) != 1 {
		return time.Time{}, notATime(input)
	}
	hour, minute, second, err := clock(words[0], input)
	if err != nil {
		return time.Time{}, err
	}
	t, err := wallTime(day.Year(), day.Month(), day.Day(), hour, minute, second, loc)
	if err != nil {
		return time.Time{}, err
	}
	if !dayGiven && t.After(ref.Now.Add(futureSlack)) {
		return time.Time{}, fmt.Errorf("%s today is still %s ahead in %s: say `yesterday %s` if you mean yesterday", t.Format("15:04"), roundDuration(t.Sub(ref.Now)), zoneName(loc), t.Format("15:04"))
	}
	return t, nil
}

// zoneWord reads a zone given after a time: UTC, an offset, or an IANA name.
// Abbreviations other than UTC/GMT are refused: "CST" is three zones.
func zoneWord(w string) (*time.Location, bool, error) {
	switch w {
	case "utc", "z", "gmt":
		return time.UTC, true, nil
	}
	if m := offsetPattern.FindStringSubmatch(w); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		if h > 14 || mi > 59 {
			return nil, false, fmt.Errorf("%q is not a UTC offset", w)
		}
		secs := h*3600 + mi*60
		if m[1] == "-" {
			secs = -secs
		}
		return time.FixedZone(w, secs), true, nil
	}
	if zonePattern.MatchString(w) {
		loc, err := loadZoneCaseless(w)
		if err != nil {
			return nil, false, fmt.Errorf("%q is not a time zone I know (use e.g. Europe/Berlin, UTC or +02:00)", w)
		}
		return loc, true, nil
	}
	if len(w) >= 3 && len(w) <= 5 && strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") == "" {
		return nil, false, fmt.Errorf("%q is ambiguous as a time zone: say UTC, an offset like +02:00, or a zone like Europe/Berlin", strings.ToUpper(w))
	}
	return nil, false, nil
}

// loadZoneCaseless loads an IANA zone from input that was lower-cased:
// each part is capitalised the way the database spells most zones.
func loadZoneCaseless(w string) (*time.Location, error) {
	parts := strings.Split(w, "/")
	for i, p := range parts {
		words := strings.Split(p, "_")
		for j, x := range words {
			if x != "" {
				words[j] = strings.ToUpper(x[:1]) + x[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	return time.LoadLocation(strings.Join(parts, "/"))
}

func clock(w, input string) (hour, minute, second int, err error) {
	m := clockPattern.FindStringSubmatch(w)
	if m == nil {
		return 0, 0, 0, notATime(input)
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	if m[3] != "" {
		second, _ = strconv.Atoi(m[3])
	}
	if minute > 59 || second > 59 {
		return 0, 0, 0, fmt.Errorf("%q is not a clock time", ClipInput(input))
	}
	switch suffix := strings.ReplaceAll(m[4], ".", ""); {
	case suffix != "":
		if hour < 1 || hour > 12 {
			return 0, 0, 0, fmt.Errorf("%q: with am/pm the hour is 1 to 12", ClipInput(input))
		}
		hour %= 12
		if suffix == "pm" {
			hour += 12
		}
	case m[2] == "":
		return 0, 0, 0, fmt.Errorf("%q is ambiguous: say `%s:00` (24-hour) or `%sam`/`%spm`", ClipInput(input), m[1], m[1], m[1])
	case hour > 23:
		return 0, 0, 0, fmt.Errorf("%q is not a clock time", ClipInput(input))
	}
	return hour, minute, second, nil
}

// wallTime is a wall-clock time in loc, refused when a daylight-saving
// change skips it or makes it happen twice.
func wallTime(y int, mo time.Month, d, h, mi, s int, loc *time.Location) (time.Time, error) {
	t := time.Date(y, mo, d, h, mi, s, 0, loc)
	if t.Hour() != h || t.Minute() != mi || t.Day() != d {
		before := time.Date(y, mo, d, h, mi, s, 0, loc).Add(-3 * time.Hour)
		return time.Time{}, fmt.Errorf("%02d:%02d does not exist on %s in %s: the clocks jumped forward (%s); give the time in UTC or with an offset", h, mi, t.Format("2006-01-02"), zoneName(loc), transition(before, loc))
	}
	for _, shift := range []time.Duration{-2 * time.Hour, -time.Hour, -30 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour} {
		u := t.Add(shift).In(loc)
		if u.Year() == y && u.Month() == mo && u.Day() == d && u.Hour() == h && u.Minute() == mi && u.Second() == s {
			a, b := t, u
			if b.Before(a) {
				a, b = b, a
			}
			return time.Time{}, fmt.Errorf("%02d:%02d happens twice on %s in %s (clocks went back): %s or %s; add UTC or the offset, e.g. `%02d:%02d %s`", h, mi, t.Format("2006-01-02"), zoneName(loc), a.UTC().Format("15:04 UTC"), b.UTC().Format("15:04 UTC"), h, mi, a.Format("-07:00"))
		}
	}
	return t, nil
}

// transition describes the zone change in the 6 hours after from.
func transition(from time.Time, loc *time.Location) string {
	prev := from.In(loc)
	_, prevOff := prev.Zone()
	for t := from; t.Before(from.Add(6 * time.Hour)); t = t.Add(15 * time.Minute) {
		cur := t.In(loc)
		if _, off := cur.Zone(); off != prevOff {
			return fmt.Sprintf("from %s to %s", cur.In(time.FixedZone("", prevOff)).Format("15:04"), cur.Format("15:04"))
		}
	}
	return "a zone change"
}

func zoneName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return loc.String()
}

func describe(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 ") + zoneName(loc)
}

func notATime(input string) error {
	return fmt.Errorf("%q is not a time I can read: try `14:00`, `2pm`, `14:00 UTC`, `yesterday 23:30`, `10 minutes ago` or `2026-03-19T14:00Z`", ClipInput(input))
}

// ClipInput is what someone typed, on one line and cut to 40 characters, to
// quote in an error message.
func ClipInput(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func roundDuration(d time.Duration) time.Duration {
	if d >= time.Hour {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second)
}

// MaxWindow is the longest window a question may ask for: beyond a day a
// change list stops being something to read in Slack.
const MaxWindow = 24 * time.Hour

var durationUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
}

var durationPart = regexp.MustCompile(`(\d{1,5}(?:\.\d{1,3})?)\s*([a-z]+)`)

// ParseDuration reads "1h", "90m", "1h30m", "2 hours", "1.5h", "45 min".
// It must be positive; ParseWindow adds the upper bound of a window.
func ParseDuration(input string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(input))
	if s == "" {
		return 0, fmt.Errorf("no duration given")
	}
	if len(s) > maxTimeInput {
		return 0, fmt.Errorf("%q is too long to be a duration", ClipInput(input))
	}
	matches := durationPart.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return 0, fmt.Errorf("%q is not a duration: try `1h`, `90m` or `2 hours`", ClipInput(input))
	}
	var total time.Duration
	end := 0
	for _, m := range matches {
		if strings.TrimSpace(s[end:m[0]]) != "" {
			return 0, fmt.Errorf("%q is not a duration: try `1h`, `90m` or `2 hours`", ClipInput(input))
		}
		end = m[1]
		unit, ok := durationUnits[s[m[4]:m[5]]]
		if !ok {
			return 0, fmt.Errorf("%q: %q is not a unit (s, m, h, d)", ClipInput(input), s[m[4]:m[5]])
		}
		n, err := strconv.ParseFloat(s[m[2]:m[3]], 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: %w", ClipInput(input), err)
		}
		total += time.Duration(n * float64(unit))
		if total > 100*24*time.Hour {
			return 0, fmt.Errorf("%q is longer than CloudTrail keeps events (90 days)", ClipInput(input))
		}
	}
	if strings.TrimSpace(s[end:]) != "" {
		return 0, fmt.Errorf("%q is not a duration: try `1h`, `90m` or `2 hours`", ClipInput(input))
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q: a duration must be more than zero", ClipInput(input))
	}
	return total, nil
}

// ParseWindow reads the length of a window to look at: a duration of at
// least a minute and at most MaxWindow.
func ParseWindow(input string) (time.Duration, error) {
	d, err := ParseDuration(input)
	if err != nil {
		return 0, err
	}
	switch {
	case d < time.Minute:
		return 0, fmt.Errorf("a window of %s is too short: at least 1m", d)
	case d > MaxWindow:
		return 0, fmt.Errorf("a window of %s is too long: at most %s; narrow it or ask about one resource", d, MaxWindow)
	}
	return d, nil
}
