package intake

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// A chat notification (AWS Chatbot, now Amazon Q Developer in chat
// applications) names the alarm in a sentence ("The alarm NAME changed state
// to ALARM") or a title ("CloudWatch Alarm | NAME | REGION | Account: …"),
// links it in the console, and gives a reason and sometimes a graph. It never
// carries the metric dimensions, so the caller describes the alarm from Ref.

var (
	chatChanged = regexp.MustCompile(`(?i)\bThe alarm\s+(.+?)\s+changed state to\s+(ALARM|OK|INSUFFICIENT_DATA)\b`)
	chatTitle   = regexp.MustCompile(`CloudWatch Alarm\s*\|\s*([^|\n]+?)\s*\|\s*([^|\n]+?)\s*(?:\||$|\n)`)
	accountText = regexp.MustCompile(`Account(?: ID)?:?\s*(\d{12})\b`)
	alarmARNs   = regexp.MustCompile(`arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:[^\s|>"'\x60*]+`)
	stateWords  = regexp.MustCompile(`(?:->|→|changed state to|transitioned to|entered the|State:?)\s*\*?(ALARM|OK|INSUFFICIENT_DATA)\b`)
	isoInText   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})`)
	emailInText = regexp.MustCompile(`(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+, \d{4} \d{2}:\d{2}:\d{2} UTC`)
)

// ParseChatbot reads the alarm a chat notification names. Each field is
// taken from the most reliable source that has it: the console link (the
// exact name, URL-encoded, and the region code), then an alarm ARN, then the
// "The alarm NAME changed state" sentence and the "CloudWatch Alarm | NAME |
// REGION" title. State and Time are set when the text states them.
func ParseChatbot(text string) (Ref, error) {
	if len(text) > MaxPayloadBytes {
		return Ref{}, fmt.Errorf("chat notification is %d bytes, over the %d-byte limit", len(text), MaxPayloadBytes)
	}
	plain := plainText(text)
	var ref Ref
	fill := func(name, region, account string) {
		if ref.Name == "" {
			ref.Name = strings.TrimSpace(name)
		}
		if ref.Region == "" {
			ref.Region = region
		}
		if ref.Account == "" {
			ref.Account = account
		}
	}
	for _, u := range linkTargets(text) {
		if r, err := refFromConsoleURL(u); err == nil {
			fill(r.Name, r.Region, "")
			break
		}
	}
	for _, candidate := range alarmARNs.FindAllString(plain, -1) {
		if a, err := parseAlarmARN(candidate); err == nil {
			fill(a.Name, a.Region, a.Account)
			break
		}
	}
	unbolded := strings.ReplaceAll(plain, "*", "")
	if m := chatChanged.FindStringSubmatch(unbolded); m != nil {
		fill(unwrapMarkup(m[1]), "", "")
		ref.State = investigation.State(strings.ToUpper(m[2]))
	}
	if m := chatTitle.FindStringSubmatch(unbolded); m != nil {
		code, ok := regionByName(m[2])
		if !ok && ref.Region == "" {
			return Ref{}, fmt.Errorf("chat notification for alarm %q: region %q is neither a region code nor a known region name", m[1], m[2])
		}
		fill(m[1], code, "")
	}
	switch {
	case ref.Name == "":
		return Ref{}, errors.New("no CloudWatch alarm console link, alarm ARN, \"The alarm NAME changed state\" sentence or \"CloudWatch Alarm | NAME | REGION\" title")
	case ref.Region == "":
		return Ref{}, fmt.Errorf("chat notification for alarm %q names no region (no console link, ARN or title)", ref.Name)
	}
	if m := accountText.FindStringSubmatch(plain); m != nil && ref.Account == "" {
		ref.Account = m[1]
	}
	// The sentence states the new state; elsewhere the text may quote the
	// transition rule ("for OK -> ALARM transition") of the reason.
	if m := stateWords.FindStringSubmatch(unbolded); m != nil && ref.State == "" {
		ref.State = investigation.State(m[1])
	}
	if s := isoInText.FindString(plain); s != "" {
		ref.Time, _ = parseISOTime(s)
	} else if s := emailInText.FindString(plain); s != "" {
		ref.Time, _ = parseEmailTime(s)
	}
	return ref, nil
}

// refFromConsoleURL reads an alarm link to the CloudWatch console. The console
// has used three fragment forms over time:
//
//	#alarmsV2:alarm/NAME            (percent-encoded, may end in "?" or "?~(…)")
//	#alarm:alarmFilter=ANY;name=NAME
//	#s=Alarms&alarm=NAME            (older e-mails)
//
// The region is the region query parameter, else the host's region prefix.
func refFromConsoleURL(raw string) (Ref, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Ref{}, fmt.Errorf("console link %q: %w", raw, err)
	}
	host := strings.ToLower(u.Hostname())
	if !strings.Contains(host, "console.aws") && !strings.Contains(host, "console.amazonaws") {
		return Ref{}, fmt.Errorf("%q is not an AWS console link", raw)
	}
	if !strings.HasPrefix(u.Path, "/cloudwatch") {
		return Ref{}, fmt.Errorf("%q is not a CloudWatch console link", raw)
	}
	name, err := alarmNameFromFragment(u.EscapedFragment())
	if err != nil {
		return Ref{}, fmt.Errorf("console link %q: %w", raw, err)
	}
	region := u.Query().Get("region")
	if region == "" {
		if prefix, _, found := strings.Cut(host, ".console."); found {
			region = prefix
		}
	}
	if !regionCode.MatchString(region) {
		return Ref{}, fmt.Errorf("console link %q has no region code", raw)
	}
	return Ref{Name: name, Region: region}, nil
}

func alarmNameFromFragment(fragment string) (string, error) {
	var encoded string
	switch {
	case strings.HasPrefix(fragment, "alarmsV2:alarm/"):
		encoded = strings.TrimPrefix(fragment, "alarmsV2:alarm/")
		encoded, _, _ = strings.Cut(encoded, "?")
	case strings.HasPrefix(fragment, "alarm:"):
		for _, kv := range strings.Split(strings.TrimPrefix(fragment, "alarm:"), ";") {
			if v, ok := strings.CutPrefix(kv, "name="); ok {
				encoded = v
			}
		}
	default:
		query, err := url.ParseQuery(fragment)
		if err != nil || query.Get("s") != "Alarms" {
			return "", fmt.Errorf("fragment %q does not point at an alarm", fragment)
		}
		if name := query.Get("alarm"); name != "" {
			return name, nil
		}
	}
	name, err := url.PathUnescape(encoded)
	if err != nil {
		return "", fmt.Errorf("alarm name %q: %w", encoded, err)
	}
	if strings.TrimSpace(name) == "" {
		return "", fmt.Errorf("fragment %q names no alarm", fragment)
	}
	return name, nil
}
