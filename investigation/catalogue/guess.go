package catalogue

import (
	"strings"
	"unicode"

	"github.com/trailhound/trailhound/investigation"
)

// guessDiscount scales the weights GuessKind gives: a name the catalogue does
// not know ranks below a catalogued change with the same verb, because its
// effect is inferred from the verb alone.
const guessDiscount = 0.6

// verbEffect is what an event name's leading verb says the call does.
type verbEffect int

const (
	effectNone     verbEffect = iota // reads, sign-ins, data-plane calls: not changes
	effectRemoves                    // takes something away
	effectReplaces                   // rewrites, restarts or moves something in place
	effectAdds                       // creates or adds beside what exists
	effectTags                       // metadata only
	effectUnknown                    // a verb this table does not know
)

// guessVerbs classifies the leading verb of an event name.
var guessVerbs = map[string]verbEffect{
	"Get": effectNone, "List": effectNone, "Describe": effectNone, "Lookup": effectNone,
	"Head": effectNone, "Search": effectNone, "Scan": effectNone, "Query": effectNone,
	"Select": effectNone, "Check": effectNone, "Estimate": effectNone, "Preview": effectNone,
	"Simulate": effectNone, "Validate": effectNone, "Verify": effectNone, "View": effectNone,
	"Decrypt": effectNone, "Encrypt": effectNone, "Re": effectNone, "Generate": effectNone,
	"Sign": effectNone, "Download": effectNone, "Filter": effectNone, "Poll": effectNone,
	"Receive": effectNone, "Assume": effectNone, "Invoke": effectNone, "Console": effectNone,
	"Authenticate": effectNone,

	"Delete": effectRemoves, "Remove": effectRemoves, "Revoke": effectRemoves, "Detach": effectRemoves,
	"Disable": effectRemoves, "Deregister": effectRemoves, "Disassociate": effectRemoves,
	"Terminate": effectRemoves, "Stop": effectRemoves, "Purge": effectRemoves, "Deactivate": effectRemoves,
	"Retire": effectRemoves, "Suspend": effectRemoves, "Unsubscribe": effectRemoves, "Reject": effectRemoves,
	"Release": effectRemoves, "Unassign": effectRemoves, "Unlink": effectRemoves, "Leave": effectRemoves,

	"Update": effectReplaces, "Modify": effectReplaces, "Put": effectReplaces, "Set": effectReplaces,
	"Replace": effectReplaces, "Change": effectReplaces, "Reboot": effectReplaces, "Restart": effectReplaces,
	"Restore": effectReplaces, "Failover": effectReplaces, "Reset": effectReplaces, "Rotate": effectReplaces,
	"Apply": effectReplaces, "Publish": effectReplaces, "Deploy": effectReplaces, "Execute": effectReplaces,
	"Switchover": effectReplaces, "Promote": effectReplaces, "Move": effectReplaces, "Swap": effectReplaces,
	"Upgrade": effectReplaces, "Cancel": effectReplaces, "Configure": effectReplaces, "Increase": effectReplaces,
	"Decrease": effectReplaces, "Label": effectReplaces, "Unlabel": effectReplaces, "Send": effectReplaces,

	"Create": effectAdds, "Add": effectAdds, "Attach": effectAdds, "Associate": effectAdds,
	"Authorize": effectAdds, "Register": effectAdds, "Enable": effectAdds, "Start": effectAdds,
	"Run": effectAdds, "Allocate": effectAdds, "Assign": effectAdds, "Accept": effectAdds,
	"Copy": effectAdds, "Subscribe": effectAdds, "Resume": effectAdds, "Activate": effectAdds,
	"Link": effectAdds, "Import": effectAdds, "Request": effectAdds,

	"Tag": effectTags, "Untag": effectTags,
}

// guessInverseVerbs names the call that undoes a verb, when there is one.
var guessInverseVerbs = map[string]string{
	"Detach": "Attach", "Attach": "Detach", "Disable": "Enable", "Enable": "Disable",
	"Remove": "Add", "Add": "Remove", "Revoke": "Authorize", "Authorize": "Revoke",
	"Deregister": "Register", "Register": "Deregister", "Disassociate": "Associate",
	"Associate": "Disassociate", "Stop": "Start", "Start": "Stop", "Suspend": "Resume",
	"Resume": "Suspend", "Deactivate": "Activate", "Activate": "Deactivate",
	"Unsubscribe": "Subscribe", "Subscribe": "Unsubscribe", "Create": "Delete",
	"Unassign": "Assign", "Assign": "Unassign", "Unlink": "Link", "Link": "Unlink",
	"Label": "Unlabel", "Unlabel": "Label",
}

// notChangeSources record sign-ins and credential exchanges, never changes.
var notChangeSources = map[string]bool{
	"sts.amazonaws.com":    true,
	"signin.amazonaws.com": true,
}

// guessKeywordCategories refine a source's usual category from words in the
// event name, first match wins; the empty source applies to every service.
var guessKeywordCategories = []struct {
	source   string
	word     string
	category investigation.Category
}{
	{"", "Tags", investigation.CategoryTagging},
	{"", "Tagging", investigation.CategoryTagging},
	{"", "Alarm", investigation.CategoryObservability},
	{"", "FlowLogs", investigation.CategoryObservability},
	{"", "LogGroup", investigation.CategoryObservability},
	{"", "Concurrency", investigation.CategoryCapacity},
	{"", "Capacity", investigation.CategoryCapacity},
	{"", "Scaling", investigation.CategoryCapacity},
	{"ec2.amazonaws.com", "IamInstanceProfile", investigation.CategoryIAM},
	{"ec2.amazonaws.com", "Volume", investigation.CategoryStorage},
	{"ec2.amazonaws.com", "Snapshot", investigation.CategoryStorage},
	{"ec2.amazonaws.com", "Ebs", investigation.CategoryStorage},
	{"ec2.amazonaws.com", "Instance", investigation.CategoryConfig},
	{"ec2.amazonaws.com", "LaunchTemplate", investigation.CategoryConfig},
	{"ec2.amazonaws.com", "Image", investigation.CategoryConfig},
	{"ssm.amazonaws.com", "Parameter", investigation.CategorySecrets},
	{"ssm.amazonaws.com", "", investigation.CategoryConfig}, // an empty word matches: other SSM calls act on instances
}

// sourceCategories is each catalogued service's most frequent category,
// tags aside: what an unknown call to that service most likely touches.
var sourceCategories = func() map[string]investigation.Category {
	counts := make(map[string]map[investigation.Category]int)
	for _, k := range changeCatalogue {
		if k.Category == investigation.CategoryTagging {
			continue
		}
		if counts[k.Source] == nil {
			counts[k.Source] = make(map[investigation.Category]int)
		}
		counts[k.Source][k.Category]++
	}
	out := make(map[string]investigation.Category, len(counts))
	for source, byCategory := range counts {
		var best investigation.Category
		for c, n := range byCategory {
			if n > byCategory[best] || (n == byCategory[best] && c < best) {
				best = c
			}
		}
		out[source] = best
	}
	return out
}()

// GuessKind classifies a mutating event name the catalogue does not know,
// from its verb and its service, with a weight below that of catalogued
// kinds. It does not consult the catalogue: call KindOf first. Reads,
// sign-ins and credential exchanges get weight 0: they are not changes.
func GuessKind(source, eventName string) ChangeKind {
	name := stripAPIVersion(eventName)
	words := eventNameWords(name)
	verb := ""
	if len(words) > 0 {
		verb = words[0]
		if verb == "Batch" && len(words) > 1 {
			verb = words[1] // BatchDeleteImage deletes, BatchGetItem reads
		}
		if end := strings.IndexFunc(verb, func(r rune) bool { return !unicode.IsLetter(r) }); end >= 0 {
			verb = verb[:end]
		}
	}
	effect, known := guessVerbs[verb]
	if !known {
		effect = effectUnknown
	}
	if effect != effectNone && (strings.Contains(name, "Tags") || strings.Contains(name, "Tagging")) {
		effect = effectTags
	}
	if notChangeSources[source] {
		effect = effectNone
	}

	k := ChangeKind{Source: source, Name: name, Category: guessCategory(source, name)}
	label := "the call"
	if name != "" && !strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		label = name
	}
	switch effect {
	case effectNone:
		k.Weight = 0
		k.Revert = "Not a change: nothing to undo."
		return k
	case effectTags:
		k.Category = investigation.CategoryTagging
		k.Weight = weightMetadata * guessDiscount
		k.Revert = "Put the tags back as they were; they matter only where policies test aws:ResourceTag and in cost reports."
		return k
	case effectRemoves:
		k.Weight = weightBreaking * guessDiscount
	case effectReplaces:
		k.Weight = weightRisky * guessDiscount
	case effectAdds:
		k.Weight = weightModerate * guessDiscount
	default:
		k.Weight = weightRoutine * guessDiscount
	}
	if k.Category == investigation.CategoryObservability {
		k.Weight = weightPeripheral * guessDiscount
	}
	inverse, hasInverse := guessInverseVerbs[verb]
	switch {
	case hasInverse && strings.HasPrefix(label, verb):
		k.Revert = "Undo it with " + inverse + strings.TrimPrefix(label, verb) + " and the same request parameters."
	case effect == effectRemoves:
		k.Revert = "Recreate what " + label + " removed from its definition (infrastructure code, AWS Config history or a backup)."
	case effect == effectReplaces:
		k.Revert = "Restore the settings " + label + " replaced; AWS Config history or infrastructure code holds the previous values."
	default:
		k.Revert = "Check what " + label + " changed and put the previous state back (AWS Config history or infrastructure code)."
	}
	return k
}

// guessCategory is the category of an uncatalogued call: a keyword of its
// name, else its service's usual category, else config.
func guessCategory(source, name string) investigation.Category {
	for _, kw := range guessKeywordCategories {
		if kw.source != "" && kw.source != source {
			continue
		}
		if strings.Contains(name, kw.word) {
			return kw.category
		}
	}
	if c, ok := sourceCategories[source]; ok {
		return c
	}
	return investigation.CategoryConfig
}

// eventNameWords splits an event name into its words, keeping acronyms whole:
// "ModifyDBInstance" gives Modify, DB, Instance.
func eventNameWords(s string) []string {
	runes := []rune(s)
	var words []string
	start := 0
	for i := 1; i < len(runes); i++ {
		prev, cur := runes[i-1], runes[i]
		boundary := unicode.IsUpper(cur) && (unicode.IsLower(prev) || unicode.IsDigit(prev) ||
			(unicode.IsUpper(prev) && i+1 < len(runes) && unicode.IsLower(runes[i+1])))
		if boundary {
			words = append(words, string(runes[start:i]))
			start = i
		}
	}
	if start < len(runes) {
		words = append(words, string(runes[start:]))
	}
	return words
}
