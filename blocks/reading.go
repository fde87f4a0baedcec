package blocks

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/catalogue"
)

// The words a report is read in, shared by the Block Kit report and the
// terminal text: API names without their version suffix, resources by their
// short name, one headline per cause, clips at a sentence or word.

// APIName is an event name without its API version suffix
// ("UpdateFunctionConfiguration" for "UpdateFunctionConfiguration20150331v2").
func APIName(eventName string) string { return catalogue.APIName(oneLine(eventName)) }

// arnPattern finds ARNs in prose; queueURLPattern the SQS queue URLs that
// stand for a queue the way an ARN does.
var (
	arnPattern      = regexp.MustCompile(`arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:[^\s,;()\[\]{}"'<>|]+`)
	queueURLPattern = regexp.MustCompile(`https://sqs\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[0-9]{12}/[A-Za-z0-9_.-]+`)
	// versionedAPI is a CamelCase API name with a version date appended,
	// optionally after "service:".
	versionedAPI = regexp.MustCompile(`\b[A-Z][A-Za-z]+(?:20[0-9]{6}(?:v[0-9]+)?|20[0-9]{2}_[0-9]{2}_[0-9]{2})\b`)
	codeSpan     = regexp.MustCompile("`[^`\n]*`")
)

// ShortName is the name a person calls a resource by: the last part of an
// ARN's resource ("checkout-dynamodb-access" of
// "arn:aws:iam::123456789012:policy/checkout-dynamodb-access"), a queue's name
// from its URL, anything else unchanged.
func ShortName(s string) string {
	s = strings.TrimSpace(s)
	if a, ok := investigation.ParseARN(s); ok {
		res := a.ResourceID()
		if a.Service == "lambda" || a.Service == "states" {
			// function:name[:qualifier], stateMachine:name: the name is the
			// first part after the type.
			res, _, _ = strings.Cut(res, ":")
		} else if i := strings.LastIndexAny(res, "/:"); i >= 0 && i < len(res)-1 {
			res = res[i+1:]
		}
		if res != "" {
			return res
		}
		return s
	}
	if queueURLPattern.MatchString(s) {
		return s[strings.LastIndexByte(s, '/')+1:]
	}
	return s
}

// Readable rewrites engine prose for a person: ARNs and queue URLs become
// short names (the full ARN stays in the event JSON) and API names lose their
// version suffix. Text in `code spans` is left whole: a command must still
// run when copied.
func Readable(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range codeSpan.FindAllStringIndex(s, -1) {
		b.WriteString(readableProse(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(readableProse(s[last:]))
	return b.String()
}

func readableProse(s string) string {
	s = arnPattern.ReplaceAllStringFunc(s, func(arn string) string {
		trail := strings.TrimRight(arn, ".:")
		return ShortName(trail) + arn[len(trail):]
	})
	s = queueURLPattern.ReplaceAllStringFunc(s, ShortName)
	return versionedAPI.ReplaceAllStringFunc(s, catalogue.APIName)
}

// participle is what an API verb did, as a report says it.
var participle = map[string]string{
	"Add": "added", "Associate": "associated", "Attach": "attached", "Authorize": "authorized",
	"Cancel": "cancelled", "Change": "changed", "Create": "created", "Deactivate": "deactivated",
	"Delete": "deleted", "Deregister": "deregistered", "Detach": "detached", "Disable": "disabled",
	"Disassociate": "disassociated", "Enable": "enabled", "Modify": "modified", "Publish": "published",
	"Put": "set", "Reboot": "rebooted", "Register": "registered", "Remove": "removed",
	"Replace": "replaced", "Reset": "reset", "Restore": "restored", "Revoke": "revoked",
	"Rotate": "rotated", "Schedule": "scheduled", "Set": "set", "Start": "started", "Stop": "stopped",
	"Tag": "tagged", "Terminate": "terminated", "Untag": "untagged", "Update": "updated",
	"Upload": "uploaded", "Apply": "applied", "Execute": "executed", "Import": "imported",
	"Promote": "promoted", "Failover": "failed over", "Unlink": "unlinked", "Link": "linked",
}

// fromVerbs take something away from the resource; toVerbs give it something.
var (
	fromVerbs = map[string]bool{"Detach": true, "Remove": true, "Revoke": true, "Deregister": true, "Disassociate": true, "Delete": true, "Untag": true}
	toVerbs   = map[string]bool{"Attach": true, "Add": true, "Register": true, "Associate": true}
)

// Headline says in a few words what a cause did: "Role policy detached from
// checkout-role", "Function configuration updated on checkout", "DB instance
// orders-db modified". It is built from the event name and the resource,
// never from free text.
func Headline(c investigation.Candidate) string {
	name := ""
	if len(c.Events) > 0 {
		name = APIName(c.Events[0].EventName)
	}
	target := ShortName(oneLine(c.Resource.ID))
	words := camelWords(name)
	if len(words) < 2 {
		return strings.TrimSpace(strings.TrimSpace(name+" on "+target) + related(len(c.Events)))
	}
	verb, object := words[0], words[1:]
	done, ok := participle[verb]
	if !ok {
		return strings.TrimSpace(name+" on "+target) + related(len(c.Events))
	}
	obj := sentenceCase(object)
	var s string
	switch {
	case target == "":
		s = obj + " " + done
	case namesType(object, c.Resource.Type):
		s = obj + " " + target + " " + done
	case fromVerbs[verb]:
		s = obj + " " + done + " from " + target
	case toVerbs[verb]:
		s = obj + " " + done + " to " + target
	default:
		s = obj + " " + done + " on " + target
	}
	return s + related(len(c.Events))
}

func related(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (%s)", plural(n, "call", "calls"))
}

// namesType reports whether the API's object is the resource itself
// (DeleteFunction on a Lambda function, DisableKey on a KMS key, TagResource).
func namesType(object []string, typ string) bool {
	last := object[len(object)-1]
	if last == "Resource" && len(object) == 1 {
		return true
	}
	parts := strings.Split(typ, "::")
	if len(parts) != 3 {
		return false
	}
	tw := camelWords(parts[2])
	return len(tw) > 0 && strings.EqualFold(tw[len(tw)-1], last) && len(object) <= len(tw)
}

// camelWords splits "ModifyDBInstance" into Modify, DB, Instance.
func camelWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := 0
	for i := 1; i < len(rs); i++ {
		prev, cur := rs[i-1], rs[i]
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		lowerToUpper := unicode.IsLower(prev) && unicode.IsUpper(cur)
		acronymEnd := unicode.IsUpper(prev) && unicode.IsUpper(cur) && unicode.IsLower(next)
		if lowerToUpper || acronymEnd {
			words = append(words, string(rs[start:i]))
			start = i
		}
	}
	if start < len(rs) {
		words = append(words, string(rs[start:]))
	}
	return words
}

// sentenceCase joins words with the first capitalised and the others in
// lower case, acronyms kept: "Role policy", "DB instance".
func sentenceCase(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if i > 0 && !isAcronym(w) {
			w = strings.ToLower(w)
		}
		out[i] = w
	}
	return strings.Join(out, " ")
}

func isAcronym(w string) bool {
	return len(w) > 1 && strings.ToUpper(w) == w
}

// ShortActor is how a person names who made a call: "jonas.weber" for
// "jonas.weber@example.com (AdministratorAccess)", a role session's name for
// an assumed role.
func ShortActor(actor string) string {
	a := oneLine(actor)
	if i := strings.Index(a, " ("); i > 0 {
		a = a[:i]
	}
	if local, _, ok := strings.Cut(a, "@"); ok && local != "" {
		a = local
	}
	return a
}

// Who is "jonas.weber (console)": the first actor and how they called.
func Who(events []investigation.EventRef) string {
	for _, e := range events {
		if a := ShortActor(e.Actor); a != "" {
			if e.Via != "" && e.Via != investigation.ActorUnknown {
				return a + " (" + string(e.Via) + ")"
			}
			return a
		}
	}
	return ""
}

// Lead is how long before the symptom the earliest event was: "8 min
// before", "2 h 5 min before", "40s after".
func Lead(events []investigation.EventRef, symptom time.Time) string {
	var first time.Time
	for _, e := range events {
		if !e.EventTime.IsZero() && (first.IsZero() || e.EventTime.Before(first)) {
			first = e.EventTime
		}
	}
	if first.IsZero() || symptom.IsZero() {
		return ""
	}
	if d := symptom.Sub(first); d >= 0 {
		return duration(d) + " before"
	}
	return duration(first.Sub(symptom)) + " after"
}

// ClipSentences keeps s whole when it fits in max units, else as many whole
// sentences as fit, else as many whole words, ending in "…".
func ClipSentences(s string, max int) string {
	s = oneLine(s)
	if textLen(s) <= max {
		return s
	}
	budget := max - textLen(ellipsis)
	if budget <= 0 {
		return ""
	}
	head := prefixUnits(s, budget)
	for _, end := range []string{". ", "! ", "? ", "). "} {
		if i := strings.LastIndex(head+" ", end); i > 0 && textLen(head[:i]) > budget/3 {
			return head[:i+1] + ellipsis
		}
	}
	return wordCut(head, s) + ellipsis
}

// wordCut trims head, a prefix of s, back to the end of its last whole word.
func wordCut(head, s string) string {
	if len(head) < len(s) && s[len(head)] != ' ' {
		if i := strings.LastIndexAny(head, " \n"); i > 0 {
			head = head[:i]
		}
	}
	return strings.TrimRight(head, " \n,;:(")
}

func prefixUnits(s string, budget int) string {
	n := 0
	for i, r := range s {
		if n+runeUnits(r) > budget {
			return s[:i]
		}
		n += runeUnits(r)
	}
	return s
}
