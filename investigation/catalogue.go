package investigation

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// ChangeKind is one catalogued mutating CloudTrail event name: what it changes,
// how likely such a change is to break what depends on it, and what undoing it means.
type ChangeKind struct {
	Source   string   // event source, e.g. "iam.amazonaws.com"
	Name     string   // event name without API-version suffix, e.g. "UpdateFunctionCode"
	Category Category // what it touches
	// Weight is how likely a change of this kind is to break the workloads
	// that depend on the resource, from 0 (metadata only) to 1.
	Weight float64
	// Revert says what undoing the change means. {name} placeholders are
	// filled from the event's requestParameters (dotted paths) by RevertFor.
	Revert string
	// SymptomKinds overrides the category's usual error kinds when this
	// change produces others.
	SymptomKinds []ErrorKind
}

// The weight scale. A kind's weight is how likely a change of that kind is to
// break the workloads relying on what it touched, judged as an on-call
// engineer would: how much of the request path it can cut at once (blast
// radius) and how hard it is to put back (reversibility).
const (
	// weightBreaking: takes away something dependents use right now (a
	// permission, a rule, a route, a key, a target, the resource itself).
	// Every caller fails at once and undoing it means recreating state.
	weightBreaking = 0.95
	// weightReplacing: swaps a live definition wholesale (a policy document,
	// code, a trust policy, a health check, a record). It breaks whenever the
	// new version is wrong, and only the previous version undoes it.
	weightReplacing = 0.85
	// weightRisky: changes settings of a live resource in place, restarts it
	// or fails it over. It breaks often; setting the old values back undoes it.
	weightRisky = 0.7
	// weightModerate: adds beside or widens something dependents use (a new
	// route or listener rule that can capture traffic, an added target), or
	// removes something nothing should still rely on. It breaks now and then.
	weightModerate = 0.5
	// weightRoutine: creates something new or publishes without moving
	// traffic to it. It rarely breaks what already runs.
	weightRoutine = 0.3
	// weightPeripheral: changes what is observed, recorded or kept (alarms,
	// logs, trails, backups, rotation schedules), not what serves requests.
	weightPeripheral = 0.1
	// weightMetadata: tags. They matter only to tag-based access conditions
	// and cost reports.
	weightMetadata = 0.05
)

// guessDiscount scales the weights GuessKind gives: a name the catalogue does
// not know ranks below a catalogued change with the same verb, because its
// effect is inferred from the verb alone.
const guessDiscount = 0.6

// Revert templates. Plain text is kept as written. {path} is replaced by the
// value at that dotted path of requestParameters: object keys (matched
// exactly, else case-insensitively, since CloudTrail spells some keys oddly,
// e.g. "dBInstanceIdentifier"), array indexes ("items.0"), or "*" for every
// element of an array. {a|b} tries path a, then b: the same change is
// recorded in several shapes (a security group rule flat or nested, API
// Gateway v1 restApiId or v2 apiId). A value that is an array of scalars
// gives all of them; an object {"content": v} (how EC2 records list members)
// gives v. Each value is quoted for a POSIX shell when it needs it.
//
// [text] is optional: it is kept only when every placeholder inside it is
// filled, so "Re-attach the policy[ {policyArn}] to the role[ {roleName}]."
// degrades to "Re-attach the policy to the role." when the event carries no
// parameters. Brackets do not nest and are not printed, so literal [ ] and
// { } cannot appear in a template. A placeholder outside brackets that
// cannot be filled prints as <last path key>, the way CLI docs mark a value
// to supply.
const (
	revertOptionalOpen  = '['
	revertOptionalClose = ']'
	revertFieldOpen     = '{'
	revertFieldClose    = '}'
	revertAlternative   = "|"
	// maxRevertValueLen keeps policy documents, user data and other blobs out
	// of the text: a value longer than this is treated as missing.
	maxRevertValueLen = 512
)

// RevertFor is the Revert text with its placeholders filled from an event's
// requestParameters. Missing, null or malformed parameters give the generic
// version of the text.
func (k ChangeKind) RevertFor(requestParameters json.RawMessage) string {
	var params any
	if len(requestParameters) > 0 {
		dec := json.NewDecoder(bytes.NewReader(requestParameters))
		dec.UseNumber() // keep ports, counts and ids exactly as recorded
		if err := dec.Decode(&params); err != nil {
			params = nil
		}
	}
	return renderRevert(k.Revert, params)
}

// renderRevert fills a template (syntax above) from decoded parameters.
func renderRevert(tmpl string, params any) string {
	var out strings.Builder
	rest := tmpl
	for rest != "" {
		open := strings.IndexByte(rest, revertOptionalOpen)
		if open < 0 {
			out.WriteString(fillRevertFields(rest, params))
			break
		}
		out.WriteString(fillRevertFields(rest[:open], params))
		closing := strings.IndexByte(rest[open+1:], revertOptionalClose)
		if closing < 0 {
			// An unclosed bracket is kept as text rather than swallowing the rest.
			out.WriteString(fillRevertFields(rest[open:], params))
			break
		}
		segment := rest[open+1 : open+1+closing]
		if filled, ok := fillRevertSegment(segment, params); ok {
			out.WriteString(filled)
		}
		rest = rest[open+1+closing+1:]
	}
	return out.String()
}

// fillRevertSegment fills an optional segment, reporting false when any of
// its placeholders has no value.
func fillRevertSegment(segment string, params any) (string, bool) {
	complete := true
	var out strings.Builder
	forEachRevertPart(segment, func(text, field string, isField bool) {
		if !isField {
			out.WriteString(text)
			return
		}
		value, ok := resolveRevertField(field, params)
		if !ok {
			complete = false
			return
		}
		out.WriteString(value)
	})
	return out.String(), complete
}

// fillRevertFields fills text outside optional segments; an unfillable
// placeholder prints as <key>.
func fillRevertFields(text string, params any) string {
	var out strings.Builder
	forEachRevertPart(text, func(part, field string, isField bool) {
		if !isField {
			out.WriteString(part)
			return
		}
		if value, ok := resolveRevertField(field, params); ok {
			out.WriteString(value)
			return
		}
		out.WriteString("<" + revertFieldLabel(field) + ">")
	})
	return out.String()
}

// forEachRevertPart splits text into literal runs and {field} placeholders.
// An unclosed brace is literal text.
func forEachRevertPart(text string, emit func(part, field string, isField bool)) {
	for text != "" {
		open := strings.IndexByte(text, revertFieldOpen)
		if open < 0 {
			emit(text, "", false)
			return
		}
		closing := strings.IndexByte(text[open+1:], revertFieldClose)
		if closing < 0 {
			emit(text, "", false)
			return
		}
		if open > 0 {
			emit(text[:open], "", false)
		}
		emit("", text[open+1:open+1+closing], true)
		text = text[open+1+closing+1:]
	}
}

// revertFieldLabel names a placeholder for display: the last key of its
// first alternative.
func revertFieldLabel(field string) string {
	first, _, _ := strings.Cut(field, revertAlternative)
	if i := strings.LastIndexByte(first, '.'); i >= 0 {
		return first[i+1:]
	}
	return first
}

// revertFieldPaths returns the alternatives of a placeholder, trimmed.
func revertFieldPaths(field string) []string {
	alts := strings.Split(field, revertAlternative)
	for i := range alts {
		alts[i] = strings.TrimSpace(alts[i])
	}
	return alts
}

// resolveRevertField returns the shell-quoted value of the first alternative
// that resolves.
func resolveRevertField(field string, params any) (string, bool) {
	for _, path := range revertFieldPaths(field) {
		values, ok := resolveParamPath(params, path)
		if !ok {
			continue
		}
		quoted := make([]string, len(values))
		for i, v := range values {
			quoted[i] = shellQuote(v)
		}
		return strings.Join(quoted, " "), true
	}
	return "", false
}

// resolveParamPath walks a dotted path through decoded JSON and returns the
// scalar values it ends on.
func resolveParamPath(root any, path string) ([]string, bool) {
	if path == "" {
		return nil, false
	}
	current := []any{root}
	for _, key := range strings.Split(path, ".") {
		var next []any
		for _, node := range current {
			switch v := node.(type) {
			case map[string]any:
				if child, ok := lookupParamKey(v, key); ok {
					next = append(next, child)
				}
			case []any:
				if key == "*" {
					next = append(next, v...)
				} else if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(v) {
					next = append(next, v[i])
				}
			}
		}
		if len(next) == 0 {
			return nil, false
		}
		current = next
	}
	var values []string
	for _, node := range current {
		scalars, ok := paramScalars(node)
		if !ok {
			return nil, false
		}
		values = append(values, scalars...)
	}
	return values, len(values) > 0
}

// lookupParamKey finds key in m, exactly or else ignoring case.
func lookupParamKey(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// paramScalars turns a JSON value into the strings a revert text can show.
// Objects other than EC2's {"content": v} wrappers, nulls, empty strings and
// text with control characters or over maxRevertValueLen are not shown.
func paramScalars(node any) ([]string, bool) {
	switch v := node.(type) {
	case string:
		if v == "" || len(v) > maxRevertValueLen || strings.ContainsFunc(v, unicode.IsControl) {
			return nil, false
		}
		return []string{v}, true
	case json.Number:
		return []string{v.String()}, true
	case bool:
		return []string{strconv.FormatBool(v)}, true
	case map[string]any:
		if content, ok := v["content"]; ok {
			if _, nested := content.(map[string]any); !nested {
				return paramScalars(content)
			}
		}
		return nil, false
	case []any:
		var values []string
		for _, item := range v {
			if _, nested := item.([]any); nested {
				return nil, false
			}
			scalars, ok := paramScalars(item)
			if !ok {
				return nil, false
			}
			values = append(values, scalars...)
		}
		return values, len(values) > 0
	}
	return nil, false
}

// shellQuote leaves words made of characters no POSIX shell treats specially
// as they are and wraps anything else in single quotes.
func shellQuote(s string) string {
	safe := !strings.ContainsFunc(s, func(r rune) bool {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return false
		}
		return !strings.ContainsRune("@%+=:,./_-", r)
	})
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// catalogueKey indexes the catalogue by event source and name.
type catalogueKey struct{ source, name string }

// catalogueIndex is built once from changeCatalogue.
var catalogueIndex = func() map[catalogueKey]ChangeKind {
	index := make(map[catalogueKey]ChangeKind, len(changeCatalogue))
	for _, k := range changeCatalogue {
		index[catalogueKey{k.Source, k.Name}] = k
	}
	return index
}()

// KindOf looks an event up in the catalogue. Event names may carry the API
// version suffix some services record (Lambda's UpdateFunctionCode20150331v2,
// CloudFront's UpdateDistribution2020_05_31).
func KindOf(source, eventName string) (ChangeKind, bool) {
	k, ok := catalogueIndex[catalogueKey{source, eventName}]
	if !ok {
		stripped := stripAPIVersion(eventName)
		if stripped == eventName {
			return ChangeKind{}, false
		}
		if k, ok = catalogueIndex[catalogueKey{source, stripped}]; !ok {
			return ChangeKind{}, false
		}
	}
	k.SymptomKinds = slices.Clone(k.SymptomKinds)
	return k, true
}

// Catalogue returns every catalogued kind, sorted by source then name. The
// slice is a copy the caller may change.
func Catalogue() []ChangeKind {
	out := make([]ChangeKind, len(changeCatalogue))
	for i, k := range changeCatalogue {
		k.SymptomKinds = slices.Clone(k.SymptomKinds)
		out[i] = k
	}
	slices.SortFunc(out, func(a, b ChangeKind) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// stripAPIVersion removes a trailing API version date from an event name:
// yyyymmdd with an optional vN (Lambda: AddPermission20150331v2,
// PutFunctionConcurrency20171031) or yyyy_mm_dd (CloudFront:
// UpdateDistribution2020_05_31). Anything else is returned unchanged.
func stripAPIVersion(name string) string {
	base := name
	if i := strings.LastIndexByte(base, 'v'); i > 0 && i < len(base)-1 && allDigits(base[i+1:]) {
		base = base[:i]
	}
	for _, layout := range []struct{ length, sep int }{{8, 0}, {10, '_'}} {
		if len(base) <= layout.length {
			continue
		}
		suffix := base[len(base)-layout.length:]
		if !isVersionDate(suffix, layout.sep) {
			continue
		}
		head := base[:len(base)-layout.length]
		if last := head[len(head)-1]; last >= '0' && last <= '9' {
			continue // part of a longer number, not a date suffix
		}
		return head
	}
	return name
}

// isVersionDate reports whether s is a plausible API version date,
// yyyymmdd (sep 0) or yyyy_mm_dd.
func isVersionDate(s string, sep int) bool {
	var year, month, day string
	if sep == 0 {
		year, month, day = s[:4], s[4:6], s[6:8]
	} else {
		if int(s[4]) != sep || int(s[7]) != sep {
			return false
		}
		year, month, day = s[:4], s[5:7], s[8:10]
	}
	if !allDigits(year) || !allDigits(month) || !allDigits(day) {
		return false
	}
	y, _ := strconv.Atoi(year)
	m, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	return y >= 2000 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

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
	category Category
}{
	{"", "Tags", CategoryTagging},
	{"", "Tagging", CategoryTagging},
	{"", "Alarm", CategoryObservability},
	{"", "FlowLogs", CategoryObservability},
	{"", "LogGroup", CategoryObservability},
	{"", "Concurrency", CategoryCapacity},
	{"", "Capacity", CategoryCapacity},
	{"", "Scaling", CategoryCapacity},
	{"ec2.amazonaws.com", "IamInstanceProfile", CategoryIAM},
	{"ec2.amazonaws.com", "Volume", CategoryStorage},
	{"ec2.amazonaws.com", "Snapshot", CategoryStorage},
	{"ec2.amazonaws.com", "Ebs", CategoryStorage},
	{"ec2.amazonaws.com", "Instance", CategoryConfig},
	{"ec2.amazonaws.com", "LaunchTemplate", CategoryConfig},
	{"ec2.amazonaws.com", "Image", CategoryConfig},
	{"ssm.amazonaws.com", "Parameter", CategorySecrets},
	{"ssm.amazonaws.com", "", CategoryConfig}, // an empty word matches: other SSM calls act on instances
}

// sourceCategories is each catalogued service's most frequent category,
// tags aside: what an unknown call to that service most likely touches.
var sourceCategories = func() map[string]Category {
	counts := make(map[string]map[Category]int)
	for _, k := range changeCatalogue {
		if k.Category == CategoryTagging {
			continue
		}
		if counts[k.Source] == nil {
			counts[k.Source] = make(map[Category]int)
		}
		counts[k.Source][k.Category]++
	}
	out := make(map[string]Category, len(counts))
	for source, byCategory := range counts {
		var best Category
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
		k.Category = CategoryTagging
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
	if k.Category == CategoryObservability {
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
func guessCategory(source, name string) Category {
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
	return CategoryConfig
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

// Event sources of the catalogued services.
const (
	srcIAM            = "iam.amazonaws.com"
	srcEC2            = "ec2.amazonaws.com"
	srcLambda         = "lambda.amazonaws.com"
	srcECS            = "ecs.amazonaws.com"
	srcEKS            = "eks.amazonaws.com"
	srcECR            = "ecr.amazonaws.com"
	srcRDS            = "rds.amazonaws.com"
	srcDynamoDB       = "dynamodb.amazonaws.com"
	srcElastiCache    = "elasticache.amazonaws.com"
	srcELB            = "elasticloadbalancing.amazonaws.com"
	srcAutoScaling    = "autoscaling.amazonaws.com"
	srcAppAutoScaling = "application-autoscaling.amazonaws.com"
	srcKMS            = "kms.amazonaws.com"
	srcS3             = "s3.amazonaws.com"
	srcEFS            = "elasticfilesystem.amazonaws.com"
	srcRoute53        = "route53.amazonaws.com"
	srcResolver       = "route53resolver.amazonaws.com"
	srcCloudFormation = "cloudformation.amazonaws.com"
	srcAPIGateway     = "apigateway.amazonaws.com"
	srcSQS            = "sqs.amazonaws.com"
	srcSNS            = "sns.amazonaws.com"
	srcEvents         = "events.amazonaws.com"
	srcScheduler      = "scheduler.amazonaws.com"
	srcKinesis        = "kinesis.amazonaws.com"
	srcStepFunctions  = "states.amazonaws.com"
	srcSecrets        = "secretsmanager.amazonaws.com"
	srcSSM            = "ssm.amazonaws.com"
	srcCloudFront     = "cloudfront.amazonaws.com"
	srcCloudWatch     = "monitoring.amazonaws.com"
	srcLogs           = "logs.amazonaws.com"
	srcCloudTrail     = "cloudtrail.amazonaws.com"
	srcConfig         = "config.amazonaws.com"
	srcWAF            = "wafv2.amazonaws.com"
)

// Revert texts shared by every service's tagging calls.
const (
	revertTagAdded   = "Remove the added tags if they are unwanted; tags change behaviour only where policies test aws:ResourceTag, and in cost reports."
	revertTagRemoved = "Put the removed tags back; they change behaviour only where policies test aws:ResourceTag, and in cost reports."
)

// Security group rule fields in both shapes CloudTrail records: the nested
// ipPermissions list and the flat fields of the older API form.
const (
	sgProtocol = "{ipPermissions.items.0.ipProtocol|ipProtocol}"
	sgFromPort = "{ipPermissions.items.0.fromPort|fromPort}"
	sgToPort   = "{ipPermissions.items.0.toPort|toPort}"
	sgCIDR     = "{ipPermissions.items.0.ipRanges.items.0.cidrIp|cidrIp}"
	sgCIDRv6   = "{ipPermissions.items.0.ipv6Ranges.items.0.cidrIpv6|cidrIpv6}"
	sgPeer     = "{ipPermissions.items.0.groups.items.0.groupId|sourceSecurityGroupName}"
)

// changeCatalogue is every catalogued kind. Weights follow the scale above;
// Revert uses the template syntax above.
var changeCatalogue = buildChangeCatalogue()

func buildChangeCatalogue() []ChangeKind {
	kinds := []ChangeKind{
		// IAM: identity policies, trust, credentials. A change here shows up
		// as AccessDenied in whatever uses the identity.
		{Source: srcIAM, Name: "DetachRolePolicy", Category: CategoryIAM, Weight: weightBreaking,
			Revert: "Re-attach the managed policy[ {policyArn}] to the role[ {roleName}][ (aws iam attach-role-policy --role-name {roleName} --policy-arn {policyArn})]."},
		{Source: srcIAM, Name: "AttachRolePolicy", Category: CategoryIAM, Weight: weightModerate,
			Revert: "Detach the managed policy[ {policyArn}] from the role[ {roleName}][ (aws iam detach-role-policy --role-name {roleName} --policy-arn {policyArn})]; an attached policy breaks things only through an explicit Deny."},
		{Source: srcIAM, Name: "PutRolePolicy", Category: CategoryIAM, Weight: weightReplacing,
			Revert: "Put the previous document of the inline policy[ {policyName}] back on the role[ {roleName}] (an earlier PutRolePolicy in the trail or infrastructure code holds it)[ with aws iam put-role-policy --role-name {roleName} --policy-name {policyName} --policy-document file://previous.json], or delete the policy if it is new."},
		{Source: srcIAM, Name: "DeleteRolePolicy", Category: CategoryIAM, Weight: weightBreaking,
			Revert: "Recreate the inline policy[ {policyName}] on the role[ {roleName}] from its last PutRolePolicy in the trail or from infrastructure code[ (aws iam put-role-policy --role-name {roleName} --policy-name {policyName} --policy-document file://previous.json)]."},
		{Source: srcIAM, Name: "CreatePolicyVersion", Category: CategoryIAM, Weight: weightReplacing,
			Revert: "If the new version was made the default, set the previous version as default again[ (aws iam set-default-policy-version --policy-arn {policyArn} --version-id <previous version>)]; the policy's version list shows which one it was."},
		{Source: srcIAM, Name: "SetDefaultPolicyVersion", Category: CategoryIAM, Weight: weightReplacing,
			Revert: "Set the version that was the default before[ {versionId}] back as default[ (aws iam set-default-policy-version --policy-arn {policyArn} --version-id <previous version>)]; the previous SetDefaultPolicyVersion or CreatePolicyVersion in the trail names it."},
		{Source: srcIAM, Name: "DeletePolicyVersion", Category: CategoryIAM, Weight: weightRoutine,
			Revert: "A deleted version was not the default, so no permission changed; recreate it only if it is needed as a rollback point[ (aws iam create-policy-version --policy-arn {policyArn} --policy-document file://previous.json)]."},
		{Source: srcIAM, Name: "CreatePolicy", Category: CategoryIAM, Weight: weightRoutine,
			Revert: "Delete the new policy[ {policyName}] if nothing should use it; an unattached policy changes no permission."},
		{Source: srcIAM, Name: "DeletePolicy", Category: CategoryIAM, Weight: weightModerate,
			Revert: "Recreate the managed policy[ {policyArn}] from infrastructure code and attach it again wherever it was attached; the new policy keeps the name but gets a new id."},
		{Source: srcIAM, Name: "UpdateAssumeRolePolicy", Category: CategoryIAM, Weight: weightReplacing,
			Revert: "Put the previous trust policy back on the role[ {roleName}][ (aws iam update-assume-role-policy --role-name {roleName} --policy-document file://previous-trust.json)]; the last UpdateAssumeRolePolicy or CreateRole in the trail holds it. Until then nothing can assume the role."},
		{Source: srcIAM, Name: "PutRolePermissionsBoundary", Category: CategoryIAM, Weight: weightReplacing,
			Revert: "Restore the previous permissions boundary of the role[ {roleName}], or remove the new one[ (aws iam delete-role-permissions-boundary --role-name {roleName})]: a boundary caps everything the role's policies grant."},
		{Source: srcIAM, Name: "DeleteRolePermissionsBoundary", Category: CategoryIAM, Weight: weightRoutine,
			Revert: "Put the boundary back on the role[ {roleName}][ (aws iam put-role-permissions-boundary --role-name {roleName} --permissions-boundary <previous boundary ARN>)]; removing one only widens what the role may do."},
		{Source: srcIAM, Name: "UpdateRole", Category: CategoryIAM, Weight: weightModerate,
			Revert: "Set the role's previous maximum session duration back[ (aws iam update-role --role-name {roleName} --max-session-duration <previous seconds>)]; a shorter one makes long sessions expire early."},
		{Source: srcIAM, Name: "DeleteRole", Category: CategoryIAM, Weight: weightBreaking,
			Revert: "Recreate the role[ {roleName}] with its trust policy, attached and inline policies from infrastructure code or the trail's CreateRole and policy calls. The new role has a new unique id, so resource policies that named the old one must be saved again."},
		{Source: srcIAM, Name: "RemoveRoleFromInstanceProfile", Category: CategoryIAM, Weight: weightBreaking,
			Revert:       "Add the role back to the instance profile[ (aws iam add-role-to-instance-profile --instance-profile-name {instanceProfileName} --role-name {roleName})]; until then instances using the profile get no credentials.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcIAM, Name: "AddRoleToInstanceProfile", Category: CategoryIAM, Weight: weightRoutine,
			Revert: "Remove the role from the instance profile if it does not belong there[ (aws iam remove-role-from-instance-profile --instance-profile-name {instanceProfileName} --role-name {roleName})]."},
		{Source: srcIAM, Name: "DeleteInstanceProfile", Category: CategoryIAM, Weight: weightRisky,
			Revert:       "Recreate the instance profile[ {instanceProfileName}], add its role and associate it with the instances and launch templates that named it.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcIAM, Name: "DeleteServiceLinkedRole", Category: CategoryIAM, Weight: weightBreaking,
			Revert: "Recreate the service-linked role[ {roleName}] (aws iam create-service-linked-role --aws-service-name <service principal>); the service cannot act in the account without it."},
		{Source: srcIAM, Name: "AttachUserPolicy", Category: CategoryIAM, Weight: weightModerate,
			Revert: "Detach the managed policy[ {policyArn}] from the user[ {userName}][ (aws iam detach-user-policy --user-name {userName} --policy-arn {policyArn})]."},
		{Source: srcIAM, Name: "DetachUserPolicy", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Re-attach the managed policy[ {policyArn}] to the user[ {userName}][ (aws iam attach-user-policy --user-name {userName} --policy-arn {policyArn})]."},
		{Source: srcIAM, Name: "PutUserPolicy", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Put the previous document of the inline policy[ {policyName}] back on the user[ {userName}], or delete it if it is new[ (aws iam delete-user-policy --user-name {userName} --policy-name {policyName})]."},
		{Source: srcIAM, Name: "DeleteUserPolicy", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Recreate the inline policy[ {policyName}] on the user[ {userName}] from its last PutUserPolicy in the trail[ (aws iam put-user-policy --user-name {userName} --policy-name {policyName} --policy-document file://previous.json)]."},
		{Source: srcIAM, Name: "AttachGroupPolicy", Category: CategoryIAM, Weight: weightModerate,
			Revert: "Detach the managed policy[ {policyArn}] from the group[ {groupName}][ (aws iam detach-group-policy --group-name {groupName} --policy-arn {policyArn})]."},
		{Source: srcIAM, Name: "DetachGroupPolicy", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Re-attach the managed policy[ {policyArn}] to the group[ {groupName}][ (aws iam attach-group-policy --group-name {groupName} --policy-arn {policyArn})]."},
		{Source: srcIAM, Name: "PutGroupPolicy", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Put the previous document of the inline policy[ {policyName}] back on the group[ {groupName}], or delete it if it is new[ (aws iam delete-group-policy --group-name {groupName} --policy-name {policyName})]."},
		{Source: srcIAM, Name: "DeleteGroupPolicy", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Recreate the inline policy[ {policyName}] on the group[ {groupName}] from its last PutGroupPolicy in the trail[ (aws iam put-group-policy --group-name {groupName} --policy-name {policyName} --policy-document file://previous.json)]."},
		{Source: srcIAM, Name: "RemoveUserFromGroup", Category: CategoryIAM, Weight: weightRisky,
			Revert: "Add the user back to the group[ (aws iam add-user-to-group --group-name {groupName} --user-name {userName})]."},
		{Source: srcIAM, Name: "DeleteAccessKey", Category: CategoryIAM, Weight: weightBreaking,
			Revert:       "A deleted access key cannot be restored: create a new one for the user[ {userName}][ (aws iam create-access-key --user-name {userName})] and deploy it wherever the key[ {accessKeyId}] was used.",
			SymptomKinds: []ErrorKind{ErrAuth, ErrAccessDenied}},
		{Source: srcIAM, Name: "UpdateAccessKey", Category: CategoryIAM, Weight: weightBreaking,
			Revert:       "If the key[ {accessKeyId}] was made Inactive, make it Active again[ (aws iam update-access-key --user-name {userName} --access-key-id {accessKeyId} --status Active)].",
			SymptomKinds: []ErrorKind{ErrAuth, ErrAccessDenied}},
		{Source: srcIAM, Name: "CreateAccessKey", Category: CategoryIAM, Weight: weightRoutine,
			Revert: "Delete the new key of the user[ {userName}] if it is not wanted; a new key breaks nothing, but a user holds at most two."},
		{Source: srcIAM, Name: "DeleteUser", Category: CategoryIAM, Weight: weightRisky,
			Revert:       "Recreate the user[ {userName}] with its policies, groups and new access keys, and deploy the keys where the old ones were used.",
			SymptomKinds: []ErrorKind{ErrAuth, ErrAccessDenied}},
		{Source: srcIAM, Name: "TagRole", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcIAM, Name: "UntagRole", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcIAM, Name: "TagPolicy", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcIAM, Name: "UntagPolicy", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcIAM, Name: "TagUser", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcIAM, Name: "UntagUser", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcIAM, Name: "TagInstanceProfile", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcIAM, Name: "UntagInstanceProfile", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcIAM, Name: "DeleteOpenIDConnectProvider", Category: CategoryIAM, Weight: weightBreaking,
			Revert:       "Recreate the OIDC provider[ {openIDConnectProviderArn}] with its URL, client ids and thumbprints; until then web-identity role assumption (EKS service accounts, CI pipelines) fails.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcIAM, Name: "UpdateOpenIDConnectProviderThumbprint", Category: CategoryIAM, Weight: weightRisky,
			Revert:       "Set the provider's previous thumbprint list back[ (aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn {openIDConnectProviderArn} --thumbprint-list <previous thumbprints>)].",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcIAM, Name: "RemoveClientIDFromOpenIDConnectProvider", Category: CategoryIAM, Weight: weightRisky,
			Revert:       "Add the client id[ {clientID}] back[ (aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn {openIDConnectProviderArn} --client-id {clientID})].",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},

		// EC2 networking: security groups, NACLs, routes, gateways,
		// endpoints, interfaces. A change here shows up as timeouts and
		// refused connections, never as an authorization error.
		{Source: srcEC2, Name: "RevokeSecurityGroupIngress", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Re-authorize the removed inbound rule on the security group[ {groupId}][: " + sgProtocol + " ports " + sgFromPort + "-" + sgToPort + "][ from " + sgCIDR + "][ from " + sgCIDRv6 + "][ from security group " + sgPeer + "][ (aws ec2 authorize-security-group-ingress --group-id {groupId} --protocol " + sgProtocol + " --port " + sgFromPort + "-" + sgToPort + " --cidr " + sgCIDR + ")]; the event's ipPermissions list every rule it removed."},
		{Source: srcEC2, Name: "RevokeSecurityGroupEgress", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Re-authorize the removed outbound rule on the security group[ {groupId}][: {ipPermissions.items.0.ipProtocol} ports {ipPermissions.items.0.fromPort}-{ipPermissions.items.0.toPort}][ to {ipPermissions.items.0.ipRanges.items.0.cidrIp}][ to {ipPermissions.items.0.ipv6Ranges.items.0.cidrIpv6}][ to security group {ipPermissions.items.0.groups.items.0.groupId}] with aws ec2 authorize-security-group-egress and the event's ipPermissions."},
		{Source: srcEC2, Name: "AuthorizeSecurityGroupIngress", Category: CategoryNetwork, Weight: weightRoutine,
			Revert: "Revoke the added inbound rule if it is unwanted[ (aws ec2 revoke-security-group-ingress --group-id {groupId} --protocol " + sgProtocol + " --port " + sgFromPort + "-" + sgToPort + " --cidr " + sgCIDR + ")]; an added rule opens traffic and breaks nothing."},
		{Source: srcEC2, Name: "AuthorizeSecurityGroupEgress", Category: CategoryNetwork, Weight: weightRoutine,
			Revert: "Revoke the added outbound rule on the security group[ {groupId}] if it is unwanted (aws ec2 revoke-security-group-egress with the event's ipPermissions)."},
		{Source: srcEC2, Name: "ModifySecurityGroupRules", Category: CategoryNetwork, Weight: weightReplacing,
			Revert: "Set the modified rules of the security group[ {ModifySecurityGroupRulesRequest.GroupId|groupId}] back to their previous protocol, ports and source (aws ec2 modify-security-group-rules; AWS Config history holds the previous rules)."},
		{Source: srcEC2, Name: "UpdateSecurityGroupRuleDescriptionsIngress", Category: CategoryNetwork, Weight: weightMetadata,
			Revert: "Restore the previous rule descriptions on the security group[ {groupId}]; descriptions do not filter traffic."},
		{Source: srcEC2, Name: "DeleteSecurityGroup", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Recreate the security group[ {groupId}] with its rules and attach it where it was used; the new group gets a new id, so rules in other groups that referenced it must be updated."},
		{Source: srcEC2, Name: "CreateSecurityGroup", Category: CategoryNetwork, Weight: weightRoutine,
			Revert: "Delete the new security group[ {groupName}] if nothing uses it."},
		{Source: srcEC2, Name: "ModifyNetworkInterfaceAttribute", Category: CategoryNetwork, Weight: weightReplacing,
			Revert: "Restore the previous security groups or attribute of the network interface[ {networkInterfaceId}] (aws ec2 modify-network-interface-attribute; AWS Config history holds the previous groups)."},
		{Source: srcEC2, Name: "DetachNetworkInterface", Category: CategoryNetwork, Weight: weightRisky,
			Revert: "Attach the network interface again[ (aws ec2 attach-network-interface --network-interface-id <eni> --instance-id <instance> --device-index <index>; attachment {attachmentId} was removed)]."},
		{Source: srcEC2, Name: "DeleteNetworkInterface", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Recreate the network interface[ {networkInterfaceId}] in the same subnet with the same security groups and private address, then attach it where it was; the new interface gets a new id."},
		{Source: srcEC2, Name: "CreateRoute", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Delete the added route if it captures traffic it should not[ (aws ec2 delete-route --route-table-id {routeTableId} --destination-cidr-block {destinationCidrBlock})]: a more specific route wins over the existing ones."},
		{Source: srcEC2, Name: "ReplaceRoute", Category: CategoryNetwork, Weight: weightReplacing,
			Revert: "Point the route[ {destinationCidrBlock}] in the route table[ {routeTableId}] back at its previous target (aws ec2 replace-route with --gateway-id, --nat-gateway-id or the previous target option); the previous target is in the last CreateRoute or ReplaceRoute for that destination."},
		{Source: srcEC2, Name: "DeleteRoute", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Recreate the route[ {destinationCidrBlock}] in the route table[ {routeTableId}] to its previous target[ (aws ec2 create-route --route-table-id {routeTableId} --destination-cidr-block {destinationCidrBlock} with the previous --gateway-id or --nat-gateway-id)]."},
		{Source: srcEC2, Name: "AssociateRouteTable", Category: CategoryNetwork, Weight: weightRisky,
			Revert: "Associate the subnet[ {subnetId}] with the route table it used before (aws ec2 replace-route-table-association); the subnet now routes by the table[ {routeTableId}]."},
		{Source: srcEC2, Name: "DisassociateRouteTable", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Associate the subnet with its route table again (aws ec2 associate-route-table --route-table-id <table> --subnet-id <subnet>)[; association {associationId} was removed]. Until then the subnet uses the VPC's main route table."},
		{Source: srcEC2, Name: "ReplaceRouteTableAssociation", Category: CategoryNetwork, Weight: weightReplacing,
			Revert: "Point the association[ {associationId}] back at the previous route table (aws ec2 replace-route-table-association --association-id <association> --route-table-id <previous table>)."},
		{Source: srcEC2, Name: "DeleteRouteTable", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Recreate the route table[ {routeTableId}] with its routes; a table can only be deleted once no subnet uses it."},
		{Source: srcEC2, Name: "CreateNetworkAclEntry", Category: CategoryNetwork, Weight: weightRisky,
			Revert: "Delete the added entry if it denies traffic it should not[ (aws ec2 delete-network-acl-entry --network-acl-id {networkAclId} --rule-number {ruleNumber}, adding --egress for an outbound entry)]: entries are evaluated by rule number, lowest first."},
		{Source: srcEC2, Name: "ReplaceNetworkAclEntry", Category: CategoryNetwork, Weight: weightReplacing,
			Revert: "Set the entry[ {ruleNumber}] of the network ACL[ {networkAclId}] back to its previous action, protocol, ports and CIDR (aws ec2 replace-network-acl-entry)[; it is now {ruleAction} {cidrBlock}]."},
		{Source: srcEC2, Name: "DeleteNetworkAclEntry", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Recreate the entry[ {ruleNumber}] in the network ACL[ {networkAclId}] (aws ec2 create-network-acl-entry with its previous action, protocol, ports and CIDR); without an allow entry the ACL's final rule denies the traffic."},
		{Source: srcEC2, Name: "ReplaceNetworkAclAssociation", Category: CategoryNetwork, Weight: weightReplacing,
			Revert: "Associate the subnet back with its previous network ACL (aws ec2 replace-network-acl-association --association-id <association> --network-acl-id <previous acl>)[; it now uses {networkAclId}]."},
		{Source: srcEC2, Name: "DeleteNetworkAcl", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Recreate the network ACL[ {networkAclId}] with its entries; an ACL can only be deleted once no subnet uses it."},
		{Source: srcEC2, Name: "DeleteNatGateway", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Create a NAT gateway in the same public subnet and point the private route tables' default routes at it; the replacement gets a new id[ (the deleted one was {DeleteNatGatewayRequest.NatGatewayId|natGatewayId})]."},
		{Source: srcEC2, Name: "CreateNatGateway", Category: CategoryNetwork, Weight: weightRoutine,
			Revert: "Delete the new NAT gateway if no route uses it; it costs money but routes nothing until a route points at it."},
		{Source: srcEC2, Name: "DetachInternetGateway", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Attach the internet gateway again[ (aws ec2 attach-internet-gateway --internet-gateway-id {internetGatewayId} --vpc-id {vpcId})]."},
		{Source: srcEC2, Name: "DeleteInternetGateway", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Create and attach a new internet gateway and point the public route tables at it[; {internetGatewayId} is gone]."},
		{Source: srcEC2, Name: "DeleteVpcEndpoints", Category: CategoryNetwork, Weight: weightBreaking,
			Revert:       "Recreate the VPC endpoints[ {DeleteVpcEndpointsRequest.VpcEndpointId|vpcEndpointId}] with their service, subnets or route tables, security groups, policy and private DNS; without them private subnets reach the service over NAT or not at all.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrDNS, ErrAccessDenied}},
		{Source: srcEC2, Name: "ModifyVpcEndpoint", Category: CategoryNetwork, Weight: weightRisky,
			Revert:       "Restore the endpoint's previous policy, route tables, subnets or security groups[ (aws ec2 modify-vpc-endpoint --vpc-endpoint-id {ModifyVpcEndpointRequest.VpcEndpointId|vpcEndpointId})]; an endpoint policy denies silently for every caller in the VPC.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrAccessDenied}},
		{Source: srcEC2, Name: "CreateVpcEndpoint", Category: CategoryNetwork, Weight: weightModerate,
			Revert:       "Delete the new endpoint if it misroutes traffic: an interface endpoint with private DNS takes over the service's name for the whole VPC, so its security group and policy now gate every call.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrDNS, ErrAccessDenied}},
		{Source: srcEC2, Name: "ModifyVpcAttribute", Category: CategoryNetwork, Weight: weightRisky,
			Revert:       "Turn the VPC's DNS support or DNS hostnames back on if they were turned off[ (aws ec2 modify-vpc-attribute --vpc-id {vpcId} --enable-dns-support)]; without them the Amazon resolver stops answering.",
			SymptomKinds: []ErrorKind{ErrDNS, ErrNetwork}},
		{Source: srcEC2, Name: "AssociateDhcpOptions", Category: CategoryNetwork, Weight: weightRisky,
			Revert:       "Associate the VPC[ {vpcId}] with its previous DHCP options set (aws ec2 associate-dhcp-options --dhcp-options-id <previous set> --vpc-id <vpc>); instances pick up the DNS servers at their next lease renewal.",
			SymptomKinds: []ErrorKind{ErrDNS}},
		{Source: srcEC2, Name: "DeleteVpcPeeringConnection", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Request and accept a new peering connection between the two VPCs and re-add the routes that pointed at[ {vpcPeeringConnectionId}]."},
		{Source: srcEC2, Name: "DeleteTransitGatewayVpcAttachment", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Recreate the VPC attachment[ {DeleteTransitGatewayVpcAttachmentRequest.TransitGatewayAttachmentId}] with its subnets, then its route table association and propagation."},
		{Source: srcEC2, Name: "DeleteTransitGatewayRoute", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Recreate the transit gateway route[ {DeleteTransitGatewayRouteRequest.DestinationCidrBlock}] in the route table[ {DeleteTransitGatewayRouteRequest.TransitGatewayRouteTableId}] to its previous attachment."},
		{Source: srcEC2, Name: "DisassociateAddress", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Associate the Elastic IP again with the instance or interface it served (aws ec2 associate-address --allocation-id <allocation> --instance-id <instance>)[; association {associationId} was removed]."},
		{Source: srcEC2, Name: "AssociateAddress", Category: CategoryNetwork, Weight: weightModerate,
			Revert: "Move the Elastic IP[ {allocationId}] back where it was; with reassociation allowed it was taken from whatever held it before."},
		{Source: srcEC2, Name: "ReleaseAddress", Category: CategoryNetwork, Weight: weightRisky,
			Revert: "Try to recover the released address[ ({allocationId|publicIp})] with aws ec2 allocate-address --address <ip>, possible only if no one took it; otherwise update DNS and allowlists to a new address."},

		// EC2 instances, volumes and launch templates.
		{Source: srcEC2, Name: "ModifyInstanceAttribute", Category: CategoryConfig, Weight: weightRisky,
			Revert: "Set the changed attribute of the instance[ {instanceId}] back (instance type, security groups, user data, source/destination check); AWS Config history holds the previous value, and some attributes need the instance stopped."},
		{Source: srcEC2, Name: "ModifyInstanceMetadataOptions", Category: CategoryConfig, Weight: weightRisky,
			Revert:       "Restore the instance's previous metadata options[ (aws ec2 modify-instance-metadata-options --instance-id {instanceId|ModifyInstanceMetadataOptionsRequest.InstanceId} --http-tokens optional)]: requiring IMDSv2 or lowering the hop limit cuts off code and containers that read credentials the old way.",
			SymptomKinds: []ErrorKind{ErrAuth, ErrAccessDenied, ErrConfig}},
		{Source: srcEC2, Name: "ReplaceIamInstanceProfileAssociation", Category: CategoryIAM, Weight: weightReplacing,
			Revert: "Associate the instance with its previous instance profile again (aws ec2 replace-iam-instance-profile-association --association-id <association> --iam-instance-profile Name=<previous profile>)[; it now uses {ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Name|ReplaceIamInstanceProfileAssociationRequest.IamInstanceProfile.Arn}]."},
		{Source: srcEC2, Name: "DisassociateIamInstanceProfile", Category: CategoryIAM, Weight: weightBreaking,
			Revert:       "Associate the instance profile with the instance again (aws ec2 associate-iam-instance-profile --instance-id <instance> --iam-instance-profile Name=<profile>); until then the instance gets no credentials.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcEC2, Name: "StopInstances", Category: CategoryCapacity, Weight: weightBreaking,
			Revert:       "Start the instances again[ (aws ec2 start-instances --instance-ids {instancesSet.items.*.instanceId})]; public IPs not from Elastic IPs change on start.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrNetwork}},
		{Source: srcEC2, Name: "TerminateInstances", Category: CategoryCapacity, Weight: weightBreaking,
			Revert:       "Terminated instances cannot be brought back: launch replacements from the launch template or AMI[ for {instancesSet.items.*.instanceId}] (an Auto Scaling group does it by itself) and re-register them where they served.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrNetwork}},
		{Source: srcEC2, Name: "RebootInstances", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Nothing to undo once the instances[ {instancesSet.items.*.instanceId}] are back; check they rejoined their load balancer and that services started on boot.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrNetwork}},
		{Source: srcEC2, Name: "StartInstances", Category: CategoryCapacity, Weight: weightRoutine,
			Revert: "Stop the instances again if they should not run[ (aws ec2 stop-instances --instance-ids {instancesSet.items.*.instanceId})]."},
		{Source: srcEC2, Name: "RunInstances", Category: CategoryCapacity, Weight: weightRoutine,
			Revert: "Terminate the new instances if they are unwanted; new instances affect others only through shared limits or by joining a target group."},
		{Source: srcEC2, Name: "CreateLaunchTemplateVersion", Category: CategoryConfig, Weight: weightModerate,
			Revert: "Point whatever launches from $Latest back at the previous version[ of {CreateLaunchTemplateVersionRequest.LaunchTemplateId|CreateLaunchTemplateVersionRequest.LaunchTemplateName}], or delete the new version; running instances keep their old settings."},
		{Source: srcEC2, Name: "ModifyLaunchTemplate", Category: CategoryConfig, Weight: weightRisky,
			Revert: "Set the launch template's default version back[ (aws ec2 modify-launch-template --launch-template-id {ModifyLaunchTemplateRequest.LaunchTemplateId} --default-version <previous version>)]; new instances launch from the default."},
		{Source: srcEC2, Name: "DetachVolume", Category: CategoryStorage, Weight: weightBreaking,
			Revert:       "Attach the volume again[ (aws ec2 attach-volume --volume-id {volumeId} --instance-id {instanceId} --device {device})] and remount it on the instance.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrApplication, ErrUnavailable}},
		{Source: srcEC2, Name: "ModifyVolume", Category: CategoryStorage, Weight: weightModerate,
			Revert:       "Set the volume's previous type, IOPS or throughput back[ (aws ec2 modify-volume --volume-id {ModifyVolumeRequest.VolumeId|volumeId})]; size cannot shrink, and a volume accepts one modification every six hours.",
			SymptomKinds: []ErrorKind{ErrExhaustion, ErrThrottled}},
		{Source: srcEC2, Name: "DeleteVolume", Category: CategoryStorage, Weight: weightModerate,
			Revert: "Restore the volume from its latest snapshot[ (it was {volumeId})] and attach it where it was; data written since the snapshot is lost."},
		{Source: srcEC2, Name: "DeleteSnapshot", Category: CategoryStorage, Weight: weightPeripheral,
			Revert: "A deleted snapshot is gone unless it sits in the Recycle Bin[ (aws ec2 restore-snapshot-from-recycle-bin --snapshot-id {snapshotId})]; it affects restores, not running workloads."},
		{Source: srcEC2, Name: "DeleteFlowLogs", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the flow logs[ {DeleteFlowLogsRequest.FlowLogId}] with the same resource, traffic type and destination; traffic was not recorded in between."},
		{Source: srcEC2, Name: "CreateTags", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcEC2, Name: "DeleteTags", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// Lambda: code, configuration, concurrency, aliases, triggers.
		{Source: srcLambda, Name: "UpdateFunctionCode", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Roll the function[ {functionName}] back to its previous code: point its live alias at the previous published version[ (aws lambda update-alias --function-name {functionName} --name <alias> --function-version <previous version>)], or deploy the previous package again."},
		{Source: srcLambda, Name: "UpdateFunctionConfiguration", Category: CategoryConfig, Weight: weightReplacing,
			Revert:       "Restore the function's previous memory, timeout, environment, VPC, role or layers[ (aws lambda update-function-configuration --function-name {functionName} with the previous values)]; the previous published version or AWS Config history holds them (CloudTrail omits the environment).",
			SymptomKinds: []ErrorKind{ErrConfig, ErrExhaustion, ErrNetwork, ErrAccessDenied, ErrApplication}},
		{Source: srcLambda, Name: "PutFunctionConcurrency", Category: CategoryCapacity, Weight: weightReplacing,
			Revert:       "Set the function's reserved concurrency back to its previous value, or remove the reservation[ (aws lambda delete-function-concurrency --function-name {functionName})][; this call reserved {reservedConcurrentExecutions}, and 0 stops every invocation].",
			SymptomKinds: []ErrorKind{ErrThrottled}},
		{Source: srcLambda, Name: "DeleteFunctionConcurrency", Category: CategoryCapacity, Weight: weightModerate,
			Revert:       "Reserve the previous concurrency again[ (aws lambda put-function-concurrency --function-name {functionName} --reserved-concurrent-executions <previous value>)]; without it the function competes for the account's pool and can starve others or flood its downstream.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},
		{Source: srcLambda, Name: "PutProvisionedConcurrencyConfig", Category: CategoryCapacity, Weight: weightModerate,
			Revert:       "Set the provisioned concurrency of[ {functionName}:{qualifier}] back to its previous amount (aws lambda put-provisioned-concurrency-config); less of it means cold starts under load.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},
		{Source: srcLambda, Name: "DeleteProvisionedConcurrencyConfig", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Provision the concurrency again[ (aws lambda put-provisioned-concurrency-config --function-name {functionName} --qualifier {qualifier} --provisioned-concurrent-executions <previous amount>)].",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},
		{Source: srcLambda, Name: "UpdateAlias", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Point the alias[ {name}] of the function[ {functionName}] back at the version it served before[ (aws lambda update-alias --function-name {functionName} --name {name} --function-version <previous version>)][; it now serves version {functionVersion}]."},
		{Source: srcLambda, Name: "DeleteAlias", Category: CategoryDeployment, Weight: weightBreaking,
			Revert: "Recreate the alias[ {name}] on the function[ {functionName}] pointing at the version it served[ (aws lambda create-alias --function-name {functionName} --name {name} --function-version <version>)], then re-add the permissions and triggers that named it."},
		{Source: srcLambda, Name: "CreateAlias", Category: CategoryDeployment, Weight: weightRoutine,
			Revert: "Delete the new alias[ {name}] if nothing should invoke it."},
		{Source: srcLambda, Name: "PublishVersion", Category: CategoryDeployment, Weight: weightRoutine,
			Revert: "Nothing serves a new version until an alias or trigger points at it; check which aliases moved to it."},
		{Source: srcLambda, Name: "DeleteFunction", Category: CategoryDeployment, Weight: weightBreaking,
			Revert:       "Recreate the function[ {functionName}] from its package and configuration (infrastructure code), then its aliases, permissions, triggers and concurrency settings.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcLambda, Name: "AddPermission", Category: CategoryIAM, Weight: weightRoutine,
			Revert: "Remove the added statement[ {statementId}] if it is unwanted[ (aws lambda remove-permission --function-name {functionName} --statement-id {statementId})]."},
		{Source: srcLambda, Name: "RemovePermission", Category: CategoryIAM, Weight: weightBreaking,
			Revert: "Add the removed statement[ {statementId}] back to the function's resource policy[ (aws lambda add-permission --function-name {functionName} --statement-id {statementId} --action lambda:InvokeFunction --principal <principal>)]; the refusals show in the caller (API Gateway, S3, SNS, EventBridge), not in the function's logs."},
		{Source: srcLambda, Name: "UpdateEventSourceMapping", Category: CategoryMessaging, Weight: weightRisky,
			Revert: "Restore the mapping's previous state, batch size and filters[ (aws lambda update-event-source-mapping --uuid {uUID} --enabled)]; a disabled mapping leaves the queue or stream unread."},
		{Source: srcLambda, Name: "DeleteEventSourceMapping", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Recreate the event source mapping from the queue or stream to the function (aws lambda create-event-source-mapping with its previous batch size and filters)[; {uUID} is gone]; messages wait in the source meanwhile."},
		{Source: srcLambda, Name: "CreateEventSourceMapping", Category: CategoryMessaging, Weight: weightModerate,
			Revert: "Delete the new mapping if the function should not consume that source; two consumers on one queue split its messages."},
		{Source: srcLambda, Name: "PutFunctionEventInvokeConfig", Category: CategoryConfig, Weight: weightModerate,
			Revert: "Restore the function's previous retry count, event age and destinations for asynchronous calls[ (aws lambda put-function-event-invoke-config --function-name {functionName})]."},
		{Source: srcLambda, Name: "UpdateFunctionEventInvokeConfig", Category: CategoryConfig, Weight: weightModerate,
			Revert: "Restore the function's previous retry count, event age and destinations for asynchronous calls[ (aws lambda update-function-event-invoke-config --function-name {functionName})]."},
		{Source: srcLambda, Name: "UpdateFunctionUrlConfig", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Restore the function URL's previous auth type and CORS settings[ (aws lambda update-function-url-config --function-name {functionName} --auth-type <previous>)]; switching to AWS_IAM refuses every unsigned caller.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrConfig}},
		{Source: srcLambda, Name: "DeleteFunctionUrlConfig", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Create the function URL again[ (aws lambda create-function-url-config --function-name {functionName} --auth-type <previous>)]; the new URL is different, so clients must be updated.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrDNS}},
		{Source: srcLambda, Name: "PutRuntimeManagementConfig", Category: CategoryConfig, Weight: weightModerate,
			Revert: "Set the function's previous runtime update mode or pinned runtime version back[ (aws lambda put-runtime-management-config --function-name {functionName})]."},
		{Source: srcLambda, Name: "RemoveLayerVersionPermission", Category: CategoryIAM, Weight: weightModerate,
			Revert: "Add the removed statement[ {statementId}] back to the layer version's policy; functions in other accounts fail at their next update when they cannot read the layer."},
		{Source: srcLambda, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcLambda, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// ECS: services, task definitions, capacity.
		{Source: srcECS, Name: "UpdateService", Category: CategoryDeployment, Weight: weightReplacing,
			Revert:       "Roll the service[ {service}] back to the task definition revision and desired count it had[ (aws ecs update-service --cluster {cluster} --service {service} --task-definition <previous revision>)][; this call asked for {taskDefinition}][ and {desiredCount} tasks].",
			SymptomKinds: []ErrorKind{ErrApplication, ErrConfig, ErrExhaustion, ErrUnavailable, ErrNetwork}},
		{Source: srcECS, Name: "RegisterTaskDefinition", Category: CategoryDeployment, Weight: weightRoutine,
			Revert: "A new revision[ of {family}] runs only once a service or task uses it; deregister it if it is wrong."},
		{Source: srcECS, Name: "DeregisterTaskDefinition", Category: CategoryDeployment, Weight: weightRoutine,
			Revert: "Register the revision again if something still launches it[ ({taskDefinition})]; running tasks and services keep it."},
		{Source: srcECS, Name: "DeleteService", Category: CategoryDeployment, Weight: weightBreaking,
			Revert:       "Recreate the service[ {service}] in the cluster[ {cluster}] with its task definition, desired count, network configuration and load balancers (infrastructure code).",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrNotFound}},
		{Source: srcECS, Name: "StopTask", Category: CategoryCapacity, Weight: weightModerate,
			Revert:       "A service starts a replacement by itself; a standalone task[ {task}] must be run again.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcECS, Name: "UpdateContainerInstancesState", Category: CategoryCapacity, Weight: weightRisky,
			Revert: "Set the container instances back to ACTIVE if they were drained[ (aws ecs update-container-instances-state --cluster {cluster} --container-instances {containerInstances} --status ACTIVE)]."},
		{Source: srcECS, Name: "PutClusterCapacityProviders", Category: CategoryCapacity, Weight: weightRisky,
			Revert: "Restore the cluster's previous capacity providers and default strategy[ (aws ecs put-cluster-capacity-providers --cluster {cluster})]; tasks that cannot be placed stay PENDING."},
		{Source: srcECS, Name: "UpdateCapacityProvider", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Restore the capacity provider's previous managed scaling and termination protection settings[ (aws ecs update-capacity-provider --name {name})]."},
		{Source: srcECS, Name: "DeleteCapacityProvider", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Recreate the capacity provider[ {capacityProvider}] on its Auto Scaling group and add it back to the cluster's strategy."},
		{Source: srcECS, Name: "DeleteCluster", Category: CategoryDeployment, Weight: weightModerate,
			Revert: "Recreate the cluster[ {cluster}] and its services; a cluster can only be deleted once it runs nothing."},
		{Source: srcECS, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcECS, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// EKS: cluster, node groups, add-ons, access.
		{Source: srcEKS, Name: "UpdateClusterConfig", Category: CategoryKubernetes, Weight: weightRisky,
			Revert: "Restore the cluster's previous endpoint access, VPC settings or logging[ (aws eks update-cluster-config --name {name})]; closing the public endpoint cuts off clients outside the VPC."},
		{Source: srcEKS, Name: "UpdateClusterVersion", Category: CategoryKubernetes, Weight: weightReplacing,
			Revert:       "A control plane upgrade cannot be rolled back: fix what the new version[ {version}] broke (removed APIs, add-on versions) or move workloads to a cluster at the previous version.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrApplication, ErrConfig}},
		{Source: srcEKS, Name: "UpdateNodegroupConfig", Category: CategoryKubernetes, Weight: weightRisky,
			Revert: "Restore the node group's previous scaling, labels or taints[ (aws eks update-nodegroup-config --cluster-name {clusterName} --nodegroup-name {nodegroupName})]; pods that no longer fit stay Pending."},
		{Source: srcEKS, Name: "UpdateNodegroupVersion", Category: CategoryKubernetes, Weight: weightReplacing,
			Revert: "Roll the node group[ {nodegroupName}] back to its previous launch template version or AMI release (aws eks update-nodegroup-version); nodes are replaced one batch at a time."},
		{Source: srcEKS, Name: "DeleteNodegroup", Category: CategoryKubernetes, Weight: weightBreaking,
			Revert: "Recreate the node group[ {nodegroupName}] with its instance types, scaling, labels and taints; its pods were evicted."},
		{Source: srcEKS, Name: "CreateNodegroup", Category: CategoryKubernetes, Weight: weightRoutine,
			Revert: "Delete the new node group[ {nodegroupName}] if it is unwanted; pods may already run on it."},
		{Source: srcEKS, Name: "UpdateAddon", Category: CategoryKubernetes, Weight: weightReplacing,
			Revert:       "Set the add-on[ {addonName}] back to its previous version and configuration[ (aws eks update-addon --cluster-name {clusterName} --addon-name {addonName} --addon-version <previous version>)]; vpc-cni, coredns and kube-proxy carry all pod networking and DNS.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrDNS, ErrUnavailable}},
		{Source: srcEKS, Name: "DeleteAddon", Category: CategoryKubernetes, Weight: weightBreaking,
			Revert:       "Install the add-on[ {addonName}] again[ (aws eks create-addon --cluster-name {clusterName} --addon-name {addonName})] at its previous version and configuration.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrDNS, ErrUnavailable}},
		{Source: srcEKS, Name: "DisassociateAccessPolicy", Category: CategoryKubernetes, Weight: weightBreaking,
			Revert:       "Associate the access policy[ {policyArn}] with the principal[ {principalArn}] again[ (aws eks associate-access-policy --cluster-name {clusterName|name} --principal-arn {principalArn} --policy-arn {policyArn} --access-scope type=cluster)].",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcEKS, Name: "AssociateAccessPolicy", Category: CategoryKubernetes, Weight: weightRoutine,
			Revert: "Disassociate the access policy[ {policyArn}] from the principal[ {principalArn}] if it is unwanted[ (aws eks disassociate-access-policy --cluster-name {clusterName|name} --principal-arn {principalArn} --policy-arn {policyArn})]."},
		{Source: srcEKS, Name: "DeleteAccessEntry", Category: CategoryKubernetes, Weight: weightBreaking,
			Revert:       "Recreate the access entry for the principal[ {principalArn}][ (aws eks create-access-entry --cluster-name {clusterName|name} --principal-arn {principalArn})] with its Kubernetes groups and access policies.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcEKS, Name: "UpdateAccessEntry", Category: CategoryKubernetes, Weight: weightRisky,
			Revert:       "Restore the access entry's previous Kubernetes groups or username for the principal[ {principalArn}].",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcEKS, Name: "DeleteFargateProfile", Category: CategoryKubernetes, Weight: weightRisky,
			Revert: "Recreate the Fargate profile[ {fargateProfileName}] with its selectors and pod execution role; pods it matched stay Pending."},
		{Source: srcEKS, Name: "DeleteCluster", Category: CategoryKubernetes, Weight: weightBreaking,
			Revert: "Recreate the cluster[ {name}] and redeploy its workloads from infrastructure code; nothing in it survives."},
		{Source: srcEKS, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcEKS, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// ECR: images that tasks and pods pull.
		{Source: srcECR, Name: "PutImage", Category: CategoryDeployment, Weight: weightModerate,
			Revert: "Point the tag[ {imageTag}] of the repository[ {repositoryName}] back at the previous image digest; anything pulling a mutable tag gets the new image at its next start."},
		{Source: srcECR, Name: "BatchDeleteImage", Category: CategoryDeployment, Weight: weightRisky,
			Revert:       "Push the deleted images[ to {repositoryName}] again from the build that produced them; new tasks and pods fail to pull them meanwhile.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcECR, Name: "DeleteRepository", Category: CategoryDeployment, Weight: weightBreaking,
			Revert:       "Recreate the repository[ {repositoryName}] with its policy and lifecycle rules and push the images again.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcECR, Name: "SetRepositoryPolicy", Category: CategoryDeployment, Weight: weightRisky,
			Revert:       "Restore the repository's previous policy[ (aws ecr set-repository-policy --repository-name {repositoryName} --policy-text file://previous.json)]; other accounts and services pull only what it allows.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcECR, Name: "PutLifecyclePolicy", Category: CategoryDeployment, Weight: weightRisky,
			Revert:       "Restore the repository's previous lifecycle policy[ for {repositoryName}]; a rule that expires images still in use makes the next pull fail.",
			SymptomKinds: []ErrorKind{ErrNotFound}},

		// RDS: instances, clusters, parameter groups, proxies.
		{Source: srcRDS, Name: "ModifyDBInstance", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "Modify the instance[ {dBInstanceIdentifier}] back to its previous class, storage, security groups or parameter group (aws rds modify-db-instance with the previous values and --apply-immediately); the RDS events list and AWS Config hold them. A changed master password must be set back or handed to every client."},
		{Source: srcRDS, Name: "ModifyDBCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "Modify the cluster[ {dBClusterIdentifier}] back to its previous engine version, security groups or parameter group (aws rds modify-db-cluster with the previous values); an engine upgrade cannot be undone in place."},
		{Source: srcRDS, Name: "RebootDBInstance", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "Nothing to undo once the instance[ {dBInstanceIdentifier}] is available again; clients must reconnect, and a reboot with failover moves the writer."},
		{Source: srcRDS, Name: "RebootDBCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "Nothing to undo once the cluster[ {dBClusterIdentifier}] is available again; clients must reconnect."},
		{Source: srcRDS, Name: "FailoverDBCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Fail back to the previous writer if needed[ (aws rds failover-db-cluster --db-cluster-identifier {dBClusterIdentifier} --target-db-instance-identifier <previous writer>)]; clients that cache the endpoint's old address keep writing to a reader.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable, ErrDNS, ErrApplication}},
		{Source: srcRDS, Name: "FailoverGlobalCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Fail the global cluster[ {globalClusterIdentifier}] back to the previous primary region once it is healthy; writers must follow the new primary endpoint.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable, ErrDNS}},
		{Source: srcRDS, Name: "ModifyDBParameterGroup", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Set the changed parameters of the group[ {dBParameterGroupName}] back to their previous values (aws rds modify-db-parameter-group, or reset-db-parameter-group for defaults); dynamic parameters applied at once, static ones at the next reboot.",
			SymptomKinds: []ErrorKind{ErrConfig, ErrExhaustion, ErrThrottled, ErrUnavailable}},
		{Source: srcRDS, Name: "ModifyDBClusterParameterGroup", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Set the changed parameters of the cluster group[ {dBClusterParameterGroupName}] back to their previous values (aws rds modify-db-cluster-parameter-group).",
			SymptomKinds: []ErrorKind{ErrConfig, ErrExhaustion, ErrThrottled, ErrUnavailable}},
		{Source: srcRDS, Name: "ResetDBParameterGroup", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Set the parameters of the group[ {dBParameterGroupName}] back to their custom values; a reset returns them to engine defaults.",
			SymptomKinds: []ErrorKind{ErrConfig, ErrExhaustion, ErrThrottled}},
		{Source: srcRDS, Name: "StopDBInstance", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Start the instance again[ (aws rds start-db-instance --db-instance-identifier {dBInstanceIdentifier})]."},
		{Source: srcRDS, Name: "StopDBCluster", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Start the cluster again[ (aws rds start-db-cluster --db-cluster-identifier {dBClusterIdentifier})]."},
		{Source: srcRDS, Name: "DeleteDBInstance", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Restore the instance from its final snapshot[ {finalDBSnapshotIdentifier}] or a retained automated backup[ (aws rds restore-db-instance-from-db-snapshot --db-instance-identifier {dBInstanceIdentifier} --db-snapshot-identifier {finalDBSnapshotIdentifier})]; the endpoint stays the same only if the identifier does."},
		{Source: srcRDS, Name: "DeleteDBCluster", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Restore the cluster from its final snapshot[ {finalDBClusterSnapshotIdentifier}][ (aws rds restore-db-cluster-from-snapshot --db-cluster-identifier {dBClusterIdentifier} --snapshot-identifier {finalDBClusterSnapshotIdentifier} --engine <engine>)] and add its instances."},
		{Source: srcRDS, Name: "PromoteReadReplica", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "A promoted replica[ {dBInstanceIdentifier}] stops replicating for good: create a new read replica from the source if readers need fresh data."},
		{Source: srcRDS, Name: "ModifyDBProxy", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "Restore the proxy's previous auth, TLS requirement, security groups or idle timeout[ (aws rds modify-db-proxy --db-proxy-name {dBProxyName})]."},
		{Source: srcRDS, Name: "ModifyDBProxyTargetGroup", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Restore the proxy target group's previous connection pool settings[ (aws rds modify-db-proxy-target-group --db-proxy-name {dBProxyName} --target-group-name {targetGroupName})]; a smaller pool queues or refuses connections.",
			SymptomKinds: []ErrorKind{ErrExhaustion, ErrThrottled, ErrUnavailable}},
		{Source: srcRDS, Name: "DeregisterDBProxyTargets", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Register the database again with the proxy[ {dBProxyName}] (aws rds register-db-proxy-targets)."},
		{Source: srcRDS, Name: "RemoveRoleFromDBInstance", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Add the role[ {roleArn}] back to the instance[ {dBInstanceIdentifier}][ for the feature {featureName}] (aws rds add-role-to-db-instance with the same instance, role and feature name); S3 import/export and Lambda calls from the database need it.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcRDS, Name: "RemoveRoleFromDBCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Add the role[ {roleArn}] back to the cluster[ {dBClusterIdentifier}][ (aws rds add-role-to-db-cluster --db-cluster-identifier {dBClusterIdentifier} --role-arn {roleArn})].",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcRDS, Name: "RevokeDBSecurityGroupIngress", Category: CategoryNetwork, Weight: weightBreaking,
			Revert: "Authorize the removed source again on the DB security group[ {dBSecurityGroupName}][ (aws rds authorize-db-security-group-ingress --db-security-group-name {dBSecurityGroupName} --cidrip {cIDRIP})]."},
		{Source: srcRDS, Name: "ModifyDBSubnetGroup", Category: CategoryDatabase, Weight: weightModerate,
			Revert: "Restore the subnet group's previous subnets[ ({dBSubnetGroupName})]; it matters at the next failover or scaling, when instances land in its subnets."},
		{Source: srcRDS, Name: "AddTagsToResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcRDS, Name: "RemoveTagsFromResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// DynamoDB.
		{Source: srcDynamoDB, Name: "UpdateTable", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Restore the table's previous capacity mode, throughput, indexes or stream settings[ (aws dynamodb update-table --table-name {tableName})]; a deleted index must be recreated and backfilled, and provisioned capacity can be lowered only a few times a day.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrNotFound, ErrConfig}},
		{Source: srcDynamoDB, Name: "DeleteTable", Category: CategoryDatabase, Weight: weightBreaking,
			Revert:       "Restore the table[ {tableName}] from its latest backup or, when point-in-time recovery was on, from the deleted table's last recoverable point; then re-enable its streams, TTL, autoscaling and triggers, which a restore does not copy.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcDynamoDB, Name: "UpdateTimeToLive", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Restore the table's previous TTL setting[ (aws dynamodb update-time-to-live --table-name {tableName} --time-to-live-specification Enabled=false,AttributeName={timeToLiveSpecification.attributeName})]; items already expired are gone and must come back from a backup.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcDynamoDB, Name: "UpdateContinuousBackups", Category: CategoryDatabase, Weight: weightPeripheral,
			Revert: "Turn point-in-time recovery back on if it was turned off[ (aws dynamodb update-continuous-backups --table-name {tableName} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true)]; serving is not affected."},
		{Source: srcDynamoDB, Name: "UpdateGlobalTableSettings", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Restore the global table's previous capacity settings[ for {globalTableName}].",
			SymptomKinds: []ErrorKind{ErrThrottled}},
		{Source: srcDynamoDB, Name: "UpdateGlobalTable", Category: CategoryDatabase, Weight: weightRisky,
			Revert: "Add back the replica regions that were removed[ from {globalTableName}]; readers in those regions lose the table."},
		{Source: srcDynamoDB, Name: "DisableKinesisStreamingDestination", Category: CategoryDatabase, Weight: weightModerate,
			Revert: "Enable streaming to the Kinesis stream again[ (aws dynamodb enable-kinesis-streaming-destination --table-name {tableName} --stream-arn {streamArn})]; changes made in between are not replayed."},
		{Source: srcDynamoDB, Name: "PutResourcePolicy", Category: CategoryDatabase, Weight: weightReplacing,
			Revert:       "Restore the table's previous resource policy[ on {resourceArn}], or delete the new one; a Deny in it overrides the callers' own permissions.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcDynamoDB, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcDynamoDB, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// ElastiCache.
		{Source: srcElastiCache, Name: "ModifyReplicationGroup", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Modify the replication group[ {replicationGroupId}] back to its previous node type, security groups, parameter group or auth token settings (aws elasticache modify-replication-group --apply-immediately).",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable, ErrAuth, ErrExhaustion}},
		{Source: srcElastiCache, Name: "ModifyCacheCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Modify the cache cluster[ {cacheClusterId}] back to its previous node type, node count, security groups or parameter group (aws elasticache modify-cache-cluster --apply-immediately).",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable, ErrExhaustion}},
		{Source: srcElastiCache, Name: "ModifyCacheParameterGroup", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Set the changed parameters of the group[ {cacheParameterGroupName}] back (aws elasticache modify-cache-parameter-group); eviction policy and memory limits change what the cache keeps.",
			SymptomKinds: []ErrorKind{ErrConfig, ErrExhaustion}},
		{Source: srcElastiCache, Name: "RebootCacheCluster", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Nothing to undo once the nodes of[ {cacheClusterId}] are back; a reboot empties them, so the backing store takes the misses until the cache warms.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable, ErrExhaustion}},
		{Source: srcElastiCache, Name: "TestFailover", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Nothing to undo once the node group of[ {replicationGroupId}] has a new primary; clients must follow the primary endpoint.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable}},
		{Source: srcElastiCache, Name: "DeleteReplicationGroup", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Recreate the replication group[ {replicationGroupId}] from its final snapshot[ {finalSnapshotIdentifier}] or empty, with its previous settings; clients need the new endpoint if the id changes."},
		{Source: srcElastiCache, Name: "DeleteCacheCluster", Category: CategoryDatabase, Weight: weightBreaking,
			Revert: "Recreate the cache cluster[ {cacheClusterId}] with its previous settings; it starts empty."},
		{Source: srcElastiCache, Name: "DecreaseReplicaCount", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Add the replicas back[ (aws elasticache increase-replica-count --replication-group-id {replicationGroupId} --apply-immediately)]; fewer replicas carry the same read load.",
			SymptomKinds: []ErrorKind{ErrExhaustion, ErrUnavailable}},
		{Source: srcElastiCache, Name: "ModifyUser", Category: CategoryDatabase, Weight: weightRisky,
			Revert:       "Restore the cache user's previous passwords or access string[ for {userId}]; clients using the old password are refused.",
			SymptomKinds: []ErrorKind{ErrAuth}},
		{Source: srcElastiCache, Name: "AddTagsToResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcElastiCache, Name: "RemoveTagsFromResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// Elastic Load Balancing (v2 and Classic share the event source).
		{Source: srcELB, Name: "ModifyListener", Category: CategoryLoadBalancing, Weight: weightReplacing,
			Revert: "Restore the listener's previous port, protocol, certificate, TLS policy or default action[ (aws elbv2 modify-listener --listener-arn {listenerArn})]; AWS Config history holds them."},
		{Source: srcELB, Name: "DeleteListener", Category: CategoryLoadBalancing, Weight: weightBreaking,
			Revert: "Recreate the listener with its port, protocol, certificates, default action and rules (aws elbv2 create-listener, then create-rule)[; {listenerArn} is gone]."},
		{Source: srcELB, Name: "CreateListener", Category: CategoryLoadBalancing, Weight: weightRoutine,
			Revert: "Delete the new listener[ on {loadBalancerArn}] if it is unwanted."},
		{Source: srcELB, Name: "ModifyRule", Category: CategoryLoadBalancing, Weight: weightReplacing,
			Revert: "Restore the rule's previous conditions and actions[ (aws elbv2 modify-rule --rule-arn {ruleArn})]; requests it no longer matches fall to later rules or the default action."},
		{Source: srcELB, Name: "DeleteRule", Category: CategoryLoadBalancing, Weight: weightBreaking,
			Revert: "Recreate the rule with its priority, conditions and actions (aws elbv2 create-rule)[; {ruleArn} is gone]; its requests now reach the default action."},
		{Source: srcELB, Name: "CreateRule", Category: CategoryLoadBalancing, Weight: weightModerate,
			Revert: "Delete the new rule if it captures requests it should not[ (its priority is {priority} on {listenerArn})]: rules are matched by priority, lowest first."},
		{Source: srcELB, Name: "SetRulePriorities", Category: CategoryLoadBalancing, Weight: weightRisky,
			Revert: "Set the rules' previous priorities back (aws elbv2 set-rule-priorities); the order decides which rule gets a request."},
		{Source: srcELB, Name: "ModifyTargetGroup", Category: CategoryLoadBalancing, Weight: weightReplacing,
			Revert:       "Restore the target group's previous health check path, port, protocol, matcher and thresholds[ (aws elbv2 modify-target-group --target-group-arn {targetGroupArn})][; the check now uses path {healthCheckPath}]; a wrong check marks every target unhealthy.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcELB, Name: "ModifyTargetGroupAttributes", Category: CategoryLoadBalancing, Weight: weightRisky,
			Revert: "Restore the target group's previous deregistration delay, stickiness, slow start or algorithm[ (aws elbv2 modify-target-group-attributes --target-group-arn {targetGroupArn})]."},
		{Source: srcELB, Name: "DeregisterTargets", Category: CategoryLoadBalancing, Weight: weightBreaking,
			Revert:       "Register the targets again[ ({targets.*.id})][ with aws elbv2 register-targets --target-group-arn {targetGroupArn} --targets Id=<target>,Port=<port> for each]; with no healthy target left the load balancer answers 503.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcELB, Name: "RegisterTargets", Category: CategoryLoadBalancing, Weight: weightModerate,
			Revert: "Deregister the added targets if they should not serve[ ({targets.*.id})][ (aws elbv2 deregister-targets --target-group-arn {targetGroupArn} --targets Id=<target>)]; a target that passes health checks but fails requests gets its share of traffic."},
		{Source: srcELB, Name: "DeleteTargetGroup", Category: CategoryLoadBalancing, Weight: weightModerate,
			Revert: "Recreate the target group with its health check and attributes and register its targets[; {targetGroupArn} is gone]; a group can only be deleted once no listener uses it."},
		{Source: srcELB, Name: "SetSecurityGroups", Category: CategoryLoadBalancing, Weight: weightReplacing,
			Revert:       "Set the load balancer's previous security groups back[ (aws elbv2 set-security-groups --load-balancer-arn {loadBalancerArn} --security-groups <previous groups>)][; it now has {securityGroups}].",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable}},
		{Source: srcELB, Name: "SetSubnets", Category: CategoryLoadBalancing, Weight: weightRisky,
			Revert: "Set the load balancer's previous subnets back[ (aws elbv2 set-subnets --load-balancer-arn {loadBalancerArn} --subnets <previous subnets>)]; targets in a zone it left get no traffic."},
		{Source: srcELB, Name: "ModifyLoadBalancerAttributes", Category: CategoryLoadBalancing, Weight: weightModerate,
			Revert: "Restore the load balancer's previous attributes (idle timeout, HTTP/2, desync mitigation, access logs, deletion protection)[ on {loadBalancerArn|loadBalancerName}]."},
		{Source: srcELB, Name: "DeleteLoadBalancer", Category: CategoryLoadBalancing, Weight: weightBreaking,
			Revert:       "Recreate the load balancer[ {loadBalancerArn|loadBalancerName}] with its listeners, rules and target groups, then point DNS at the new name; the DNS name of a load balancer cannot be kept.",
			SymptomKinds: []ErrorKind{ErrDNS, ErrNetwork, ErrUnavailable}},
		{Source: srcELB, Name: "RemoveListenerCertificates", Category: CategoryLoadBalancing, Weight: weightRisky,
			Revert:       "Add the removed certificates back to the listener[ (aws elbv2 add-listener-certificates --listener-arn {listenerArn} --certificates CertificateArn=<certificate>)]; clients of those host names get the default certificate and a TLS error.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable}},
		{Source: srcELB, Name: "DeregisterInstancesFromLoadBalancer", Category: CategoryLoadBalancing, Weight: weightBreaking,
			Revert:       "Register the instances again with the Classic Load Balancer[ {loadBalancerName}][ (aws elb register-instances-with-load-balancer --load-balancer-name {loadBalancerName} --instances {instances.*.instanceId})].",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcELB, Name: "ConfigureHealthCheck", Category: CategoryLoadBalancing, Weight: weightReplacing,
			Revert:       "Restore the Classic Load Balancer's previous health check[ on {loadBalancerName}][; it now checks {healthCheck.target}] (aws elb configure-health-check).",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcELB, Name: "AddTags", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcELB, Name: "RemoveTags", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// EC2 Auto Scaling.
		{Source: srcAutoScaling, Name: "UpdateAutoScalingGroup", Category: CategoryCapacity, Weight: weightRisky,
			Revert: "Restore the group's previous sizes, launch template version, subnets or health check settings[ (aws autoscaling update-auto-scaling-group --auto-scaling-group-name {autoScalingGroupName})][; this call set min {minSize}][, max {maxSize}][, desired {desiredCapacity}]."},
		{Source: srcAutoScaling, Name: "SetDesiredCapacity", Category: CategoryCapacity, Weight: weightRisky,
			Revert: "Set the group's desired capacity back[ (aws autoscaling set-desired-capacity --auto-scaling-group-name {autoScalingGroupName} --desired-capacity <previous>)][; it was set to {desiredCapacity}]."},
		{Source: srcAutoScaling, Name: "SuspendProcesses", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Resume the suspended processes[ (aws autoscaling resume-processes --auto-scaling-group-name {autoScalingGroupName} --scaling-processes {scalingProcesses})]; while suspended the group neither replaces unhealthy instances nor scales.",
			SymptomKinds: []ErrorKind{ErrExhaustion, ErrUnavailable}},
		{Source: srcAutoScaling, Name: "PutScalingPolicy", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Restore the previous definition of the scaling policy[ {policyName}] on the group[ {autoScalingGroupName}] (aws autoscaling put-scaling-policy), or delete it if it is new."},
		{Source: srcAutoScaling, Name: "DeleteScalingPolicy", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Recreate the scaling policy[ {policyName}] on the group[ {autoScalingGroupName}] and re-link its alarms; without it the group does not grow under load.",
			SymptomKinds: []ErrorKind{ErrExhaustion, ErrThrottled, ErrUnavailable}},
		{Source: srcAutoScaling, Name: "PutScheduledUpdateGroupAction", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Delete or correct the scheduled action[ {scheduledActionName}] on the group[ {autoScalingGroupName}][ (aws autoscaling delete-scheduled-action --auto-scaling-group-name {autoScalingGroupName} --scheduled-action-name {scheduledActionName})]; it resizes the group when it fires."},
		{Source: srcAutoScaling, Name: "DeleteScheduledAction", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Recreate the scheduled action[ {scheduledActionName}] on the group[ {autoScalingGroupName}] if the group relied on it to grow before peak."},
		{Source: srcAutoScaling, Name: "TerminateInstanceInAutoScalingGroup", Category: CategoryCapacity, Weight: weightModerate,
			Revert:       "The group launches a replacement unless the call decremented its capacity[ (decrement: {shouldDecrementDesiredCapacity})]; raise the desired capacity again if it did.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcAutoScaling, Name: "DetachLoadBalancerTargetGroups", Category: CategoryCapacity, Weight: weightBreaking,
			Revert:       "Attach the target groups again[ (aws autoscaling attach-load-balancer-target-groups --auto-scaling-group-name {autoScalingGroupName} --target-group-arns {targetGroupARNs})]; detaching deregistered the group's instances from them.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcAutoScaling, Name: "DetachLoadBalancers", Category: CategoryCapacity, Weight: weightBreaking,
			Revert:       "Attach the Classic Load Balancers again[ (aws autoscaling attach-load-balancers --auto-scaling-group-name {autoScalingGroupName} --load-balancer-names {loadBalancerNames})].",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcAutoScaling, Name: "DetachTrafficSources", Category: CategoryCapacity, Weight: weightBreaking,
			Revert:       "Attach the traffic sources again to the group[ {autoScalingGroupName}] (aws autoscaling attach-traffic-sources); detaching deregistered its instances.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcAutoScaling, Name: "DetachInstances", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Attach the instances back to the group[ {autoScalingGroupName}][ (aws autoscaling attach-instances --auto-scaling-group-name {autoScalingGroupName} --instance-ids {instanceIds})]; detached instances leave its target groups.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcAutoScaling, Name: "EnterStandby", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Move the instances out of standby[ (aws autoscaling exit-standby --auto-scaling-group-name {autoScalingGroupName} --instance-ids {instanceIds})]; instances in standby get no load balancer traffic.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrExhaustion}},
		{Source: srcAutoScaling, Name: "SetInstanceHealth", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "An instance marked Unhealthy[ ({instanceId})] is replaced by the group; nothing to undo once the replacement is in service."},
		{Source: srcAutoScaling, Name: "StartInstanceRefresh", Category: CategoryDeployment, Weight: weightReplacing,
			Revert:       "Cancel the refresh[ (aws autoscaling cancel-instance-refresh --auto-scaling-group-name {autoScalingGroupName})] and roll back to the previous launch template version (aws autoscaling rollback-instance-refresh) if new instances misbehave.",
			SymptomKinds: []ErrorKind{ErrApplication, ErrConfig, ErrUnavailable}},
		{Source: srcAutoScaling, Name: "PutLifecycleHook", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Restore or delete the lifecycle hook[ {lifecycleHookName}] on the group[ {autoScalingGroupName}]; a hook nobody completes holds every new instance until its timeout."},
		{Source: srcAutoScaling, Name: "DeleteAutoScalingGroup", Category: CategoryCapacity, Weight: weightBreaking,
			Revert:       "Recreate the group[ {autoScalingGroupName}] with its launch template, sizes, subnets, target groups and policies; a forced delete terminated its instances.",
			SymptomKinds: []ErrorKind{ErrUnavailable}},
		{Source: srcAutoScaling, Name: "CreateOrUpdateTags", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcAutoScaling, Name: "DeleteTags", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// Application Auto Scaling: the bounds of ECS services, DynamoDB
		// tables, Lambda provisioned concurrency and others.
		{Source: srcAppAutoScaling, Name: "RegisterScalableTarget", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Restore the previous minimum and maximum capacity of[ {resourceId}][ ({scalableDimension})][ (aws application-autoscaling register-scalable-target --service-namespace {serviceNamespace} --resource-id {resourceId} --scalable-dimension {scalableDimension} --min-capacity <previous> --max-capacity <previous>)]; a lower maximum caps scaling under load.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},
		{Source: srcAppAutoScaling, Name: "DeregisterScalableTarget", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Register the scalable target[ {resourceId}] again with its bounds and recreate its scaling policies; until then its capacity stays fixed.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},
		{Source: srcAppAutoScaling, Name: "PutScalingPolicy", Category: CategoryCapacity, Weight: weightModerate,
			Revert: "Restore the previous definition of the scaling policy[ {policyName}] on[ {resourceId}], or delete it if it is new."},
		{Source: srcAppAutoScaling, Name: "DeleteScalingPolicy", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Recreate the scaling policy[ {policyName}] on[ {resourceId}]; without it capacity stays where it is.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},

		// KMS: a key or grant that stops working breaks everything encrypted with it.
		{Source: srcKMS, Name: "DisableKey", Category: CategoryEncryption, Weight: weightBreaking,
			Revert:       "Enable the key again[ (aws kms enable-key --key-id {keyId})].",
			SymptomKinds: []ErrorKind{ErrKMS}},
		{Source: srcKMS, Name: "ScheduleKeyDeletion", Category: CategoryEncryption, Weight: weightBreaking,
			Revert:       "Cancel the deletion before the waiting period[ of {pendingWindowInDays} days] ends, then enable the key, which cancelling leaves disabled[ (aws kms cancel-key-deletion --key-id {keyId} && aws kms enable-key --key-id {keyId})]. Once deleted, data under the key cannot be decrypted.",
			SymptomKinds: []ErrorKind{ErrKMS}},
		{Source: srcKMS, Name: "PutKeyPolicy", Category: CategoryEncryption, Weight: weightReplacing,
			Revert: "Put the key's previous policy back[ (aws kms put-key-policy --key-id {keyId} --policy-name default --policy file://previous.json)]; the last PutKeyPolicy or CreateKey in the trail holds it."},
		{Source: srcKMS, Name: "RevokeGrant", Category: CategoryEncryption, Weight: weightBreaking,
			Revert: "Create the grant again for the same grantee and operations[ on key {keyId}] (aws kms create-grant); services such as EBS, RDS and Lambda use grants to reach the key[; grant {grantId} was revoked]."},
		{Source: srcKMS, Name: "RetireGrant", Category: CategoryEncryption, Weight: weightBreaking,
			Revert: "Create the grant again for the same grantee and operations[ on key {keyId}] (aws kms create-grant)[; grant {grantId} was retired]."},
		{Source: srcKMS, Name: "CreateGrant", Category: CategoryEncryption, Weight: weightRoutine,
			Revert: "Retire or revoke the grant if it is unwanted[ (aws kms revoke-grant --key-id {keyId} --grant-id <grant>)]; services create grants routinely."},
		{Source: srcKMS, Name: "UpdateAlias", Category: CategoryEncryption, Weight: weightRisky,
			Revert: "Point the alias[ {aliasName}] back at its previous key[ (aws kms update-alias --alias-name {aliasName} --target-key-id <previous key>)]; new encryptions by alias use whichever key it names."},
		{Source: srcKMS, Name: "DeleteAlias", Category: CategoryEncryption, Weight: weightRisky,
			Revert:       "Recreate the alias[ {aliasName}] for its key[ (aws kms create-alias --alias-name {aliasName} --target-key-id <key>)]; calls that name the key by alias fail until then.",
			SymptomKinds: []ErrorKind{ErrKMS, ErrNotFound}},
		{Source: srcKMS, Name: "DeleteImportedKeyMaterial", Category: CategoryEncryption, Weight: weightBreaking,
			Revert:       "Import the same key material again[ into {keyId}] (aws kms import-key-material); only the exact same material decrypts existing data.",
			SymptomKinds: []ErrorKind{ErrKMS}},
		{Source: srcKMS, Name: "DisableKeyRotation", Category: CategoryEncryption, Weight: weightPeripheral,
			Revert: "Enable rotation again if policy requires it[ (aws kms enable-key-rotation --key-id {keyId})]; rotation does not affect decryption."},
		{Source: srcKMS, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcKMS, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// S3 bucket settings (object reads and writes are data events, not changes).
		{Source: srcS3, Name: "PutBucketPolicy", Category: CategoryStorage, Weight: weightReplacing,
			Revert: "Put the bucket's previous policy back[ (aws s3api put-bucket-policy --bucket {bucketName} --policy file://previous.json)]; the last PutBucketPolicy in the trail holds it, or delete the policy if there was none."},
		{Source: srcS3, Name: "DeleteBucketPolicy", Category: CategoryStorage, Weight: weightRisky,
			Revert: "Put the bucket's policy back from its last PutBucketPolicy in the trail[ (aws s3api put-bucket-policy --bucket {bucketName} --policy file://previous.json)]; principals that only the bucket policy allowed, such as other accounts and CloudFront, are refused."},
		{Source: srcS3, Name: "PutBucketPublicAccessBlock", Category: CategoryStorage, Weight: weightRisky,
			Revert: "Restore the bucket's previous public access block[ (aws s3api put-public-access-block --bucket {bucketName})]; blocking public policies and ACLs turns anonymous reads into 403."},
		{Source: srcS3, Name: "DeleteBucketPublicAccessBlock", Category: CategoryStorage, Weight: weightRoutine,
			Revert: "Put the public access block back[ on {bucketName}]; removing it can expose data but breaks no reader."},
		{Source: srcS3, Name: "PutBucketAcl", Category: CategoryStorage, Weight: weightRisky,
			Revert: "Restore the bucket's previous ACL[ (aws s3api put-bucket-acl --bucket {bucketName})]; log delivery and other accounts may depend on grants in it."},
		{Source: srcS3, Name: "PutBucketOwnershipControls", Category: CategoryStorage, Weight: weightRisky,
			Revert:       "Restore the bucket's previous object ownership setting[ (aws s3api put-bucket-ownership-controls --bucket {bucketName})]; with BucketOwnerEnforced, writers that send ACLs are refused.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrConfig}},
		{Source: srcS3, Name: "PutBucketCors", Category: CategoryStorage, Weight: weightModerate,
			Revert:       "Restore the bucket's previous CORS rules[ (aws s3api put-bucket-cors --bucket {bucketName})]; browsers refuse cross-origin requests the rules do not allow.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrConfig}},
		{Source: srcS3, Name: "DeleteBucketCors", Category: CategoryStorage, Weight: weightRisky,
			Revert:       "Put the bucket's CORS rules back[ (aws s3api put-bucket-cors --bucket {bucketName} --cors-configuration file://previous.json)]; browsers now refuse every cross-origin request.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrConfig}},
		{Source: srcS3, Name: "PutBucketLifecycle", Category: CategoryStorage, Weight: weightRisky,
			Revert:       "Restore the bucket's previous lifecycle rules[ (aws s3api put-bucket-lifecycle-configuration --bucket {bucketName})]; objects an expiration rule already removed come back only from versions or replicas.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcS3, Name: "DeleteBucketLifecycle", Category: CategoryStorage, Weight: weightPeripheral,
			Revert: "Put the lifecycle rules back[ on {bucketName}]; without them objects are kept and storage grows."},
		{Source: srcS3, Name: "PutBucketEncryption", Category: CategoryStorage, Weight: weightRisky,
			Revert:       "Restore the bucket's previous default encryption[ (aws s3api put-bucket-encryption --bucket {bucketName})]; objects written under a KMS key the readers cannot use are refused to them.",
			SymptomKinds: []ErrorKind{ErrKMS, ErrAccessDenied}},
		{Source: srcS3, Name: "DeleteBucketEncryption", Category: CategoryStorage, Weight: weightRoutine,
			Revert: "Put the default encryption back[ on {bucketName}]; new objects get SSE-S3 meanwhile."},
		{Source: srcS3, Name: "PutBucketVersioning", Category: CategoryStorage, Weight: weightRoutine,
			Revert: "Set versioning back to its previous state[ (aws s3api put-bucket-versioning --bucket {bucketName})]; suspending it stops keeping old versions but breaks no reader. Replication needs it enabled."},
		{Source: srcS3, Name: "PutBucketReplication", Category: CategoryStorage, Weight: weightModerate,
			Revert: "Restore the bucket's previous replication rules[ on {bucketName}]; readers of the replica see stale or missing objects when rules change."},
		{Source: srcS3, Name: "DeleteBucketReplication", Category: CategoryStorage, Weight: weightModerate,
			Revert: "Put the replication rules back[ on {bucketName}]; objects written in between are not replicated unless a batch replication job copies them."},
		{Source: srcS3, Name: "PutBucketNotification", Category: CategoryStorage, Weight: weightRisky,
			Revert: "Restore the bucket's previous event notifications[ (aws s3api put-bucket-notification-configuration --bucket {bucketName})]; a pipeline triggered by uploads stops receiving events it no longer lists."},
		{Source: srcS3, Name: "PutBucketWebsite", Category: CategoryStorage, Weight: weightRisky,
			Revert: "Restore the bucket's previous website configuration[ on {bucketName}] (index, error document, redirects)."},
		{Source: srcS3, Name: "DeleteBucketWebsite", Category: CategoryStorage, Weight: weightBreaking,
			Revert:       "Put the website configuration back[ on {bucketName}]; the website endpoint answers 404 until then.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrUnavailable}},
		{Source: srcS3, Name: "DeleteBucket", Category: CategoryStorage, Weight: weightBreaking,
			Revert: "Recreate the bucket[ {bucketName}] (only an empty bucket can be deleted, so its objects were removed first) with its policy, encryption, CORS and notifications, and restore the objects from a replica or backup; another account may claim the name meanwhile."},
		{Source: srcS3, Name: "PutBucketLogging", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Restore the bucket's previous access logging[ on {bucketName}]; requests in between were not logged."},
		{Source: srcS3, Name: "PutBucketTagging", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcS3, Name: "DeleteBucketTagging", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// EFS.
		{Source: srcEFS, Name: "DeleteMountTarget", Category: CategoryStorage, Weight: weightBreaking,
			Revert:       "Create the mount target again in the same subnet with its security groups[; {mountTargetId} is gone]; clients in that zone lose their NFS mount.",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrUnavailable}},
		{Source: srcEFS, Name: "PutFileSystemPolicy", Category: CategoryStorage, Weight: weightReplacing,
			Revert:       "Put the file system's previous policy back[ on {fileSystemId}], or delete the new one; it decides who may mount and write.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcEFS, Name: "UpdateFileSystem", Category: CategoryStorage, Weight: weightModerate,
			Revert:       "Restore the file system's previous throughput mode[ on {fileSystemId}]; throughput mode can be changed only once a day.",
			SymptomKinds: []ErrorKind{ErrThrottled, ErrExhaustion}},

		// Route 53 and Route 53 Resolver.
		{Source: srcRoute53, Name: "ChangeResourceRecordSets", Category: CategoryDNS, Weight: weightReplacing,
			Revert: "Apply the opposite change in the hosted zone[ {hostedZoneId}][ ({changeBatch.changes.0.action} {changeBatch.changes.0.resourceRecordSet.name} {changeBatch.changes.0.resourceRecordSet.type})]: recreate a deleted record, delete a created one, write the previous value back over an upsert (aws route53 change-resource-record-sets --hosted-zone-id <zone> --change-batch file://revert.json). Resolvers keep the old answer for the record's TTL."},
		{Source: srcRoute53, Name: "DeleteHostedZone", Category: CategoryDNS, Weight: weightRisky,
			Revert: "Recreate the hosted zone and its records; a new public zone gets new name servers, so the registrar's delegation must be updated[ ({id} is gone)]."},
		{Source: srcRoute53, Name: "AssociateVPCWithHostedZone", Category: CategoryDNS, Weight: weightModerate,
			Revert: "Disassociate the VPC from the private zone if it should not see it[ (aws route53 disassociate-vpc-from-hosted-zone --hosted-zone-id {hostedZoneId} --vpc VPCRegion={vPC.vPCRegion},VPCId={vPC.vPCId})]: a private zone shadows the public names it covers for the whole VPC."},
		{Source: srcRoute53, Name: "DisassociateVPCFromHostedZone", Category: CategoryDNS, Weight: weightBreaking,
			Revert: "Associate the VPC with the private zone again[ (aws route53 associate-vpc-with-hosted-zone --hosted-zone-id {hostedZoneId} --vpc VPCRegion={vPC.vPCRegion},VPCId={vPC.vPCId})]; its names stop resolving in that VPC until then."},
		{Source: srcRoute53, Name: "UpdateHealthCheck", Category: CategoryDNS, Weight: weightRisky,
			Revert: "Restore the health check's previous target, path, port or threshold[ (aws route53 update-health-check --health-check-id {healthCheckId})]; failover and weighted records follow what it reports."},
		{Source: srcRoute53, Name: "DeleteHealthCheck", Category: CategoryDNS, Weight: weightRisky,
			Revert: "Recreate the health check and attach it again to the records that used it[; {healthCheckId} is gone]; records without one are always treated as healthy."},
		{Source: srcRoute53, Name: "ChangeTagsForResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcResolver, Name: "DisassociateResolverRule", Category: CategoryDNS, Weight: weightBreaking,
			Revert: "Associate the resolver rule with the VPC again[ (aws route53resolver associate-resolver-rule --resolver-rule-id {resolverRuleId} --vpc-id {vPCId})]; the domains it forwarded no longer resolve there."},
		{Source: srcResolver, Name: "DeleteResolverRule", Category: CategoryDNS, Weight: weightBreaking,
			Revert: "Recreate the forwarding rule with its domain and target resolvers and associate it with its VPCs[; {resolverRuleId} is gone]."},
		{Source: srcResolver, Name: "UpdateResolverRule", Category: CategoryDNS, Weight: weightReplacing,
			Revert: "Restore the rule's previous target IPs or outbound endpoint[ (aws route53resolver update-resolver-rule --resolver-rule-id {resolverRuleId})]."},
		{Source: srcResolver, Name: "AssociateResolverRule", Category: CategoryDNS, Weight: weightModerate,
			Revert: "Disassociate the rule from the VPC if it forwards names it should not[ (aws route53resolver disassociate-resolver-rule --resolver-rule-id {resolverRuleId} --vpc-id {vPCId})]."},
		{Source: srcResolver, Name: "AssociateFirewallRuleGroup", Category: CategoryDNS, Weight: weightRisky,
			Revert: "Disassociate the DNS firewall rule group from the VPC if it blocks names workloads need[ (association of {firewallRuleGroupId} with {vpcId})]."},
		{Source: srcResolver, Name: "UpdateFirewallRule", Category: CategoryDNS, Weight: weightRisky,
			Revert: "Restore the DNS firewall rule's previous action or domain list[ in rule group {firewallRuleGroupId}]; a BLOCK answers NXDOMAIN or NODATA."},

		// CloudFormation: a stack operation changes whatever the template names.
		{Source: srcCloudFormation, Name: "UpdateStack", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Update the stack[ {stackName}] with its previous template and parameters (aws cloudformation update-stack --use-previous-template only keeps the template; the stack's change history or infrastructure repository holds the earlier one). A failed update rolls back by itself; a completed one does not."},
		{Source: srcCloudFormation, Name: "ExecuteChangeSet", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Deploy the stack's previous template and parameters[ to {stackName}]; the change set[ {changeSetName}] lists exactly which resources changed or were replaced."},
		{Source: srcCloudFormation, Name: "DeleteStack", Category: CategoryDeployment, Weight: weightBreaking,
			Revert: "Recreate the stack[ {stackName}] from its template; resources it deleted come back new (new ids, new endpoints, no data) unless their deletion policy retained them."},
		{Source: srcCloudFormation, Name: "CreateStack", Category: CategoryDeployment, Weight: weightRoutine,
			Revert: "Delete the new stack[ {stackName}] if it is unwanted; check first that nothing already depends on what it created."},
		{Source: srcCloudFormation, Name: "UpdateStackSet", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Update the stack set[ {stackSetName}] with its previous template and parameters; every account and region in it received the change."},
		{Source: srcCloudFormation, Name: "DeleteStackInstances", Category: CategoryDeployment, Weight: weightBreaking,
			Revert: "Create the stack instances of[ {stackSetName}] again in the accounts and regions they were removed from, unless they were retained."},
		{Source: srcCloudFormation, Name: "CreateChangeSet", Category: CategoryDeployment, Weight: weightPeripheral,
			Revert: "A change set changes nothing until it is executed; delete it if it is unwanted[ ({changeSetName})]."},

		// API Gateway (REST APIs use restApiId, HTTP and WebSocket APIs apiId;
		// both record as apigateway.amazonaws.com with the same event names).
		{Source: srcAPIGateway, Name: "CreateDeployment", Category: CategoryAPI, Weight: weightReplacing,
			Revert: "Point the stage[ {stageName}] back at its previous deployment[ (aws apigateway update-stage --rest-api-id {restApiId} --stage-name {stageName} --patch-operations op=replace,path=/deploymentId,value=<previous deployment>)][ (aws apigatewayv2 update-stage --api-id {apiId} --stage-name {stageName} --deployment-id <previous deployment>)]; aws apigateway get-deployments lists them."},
		{Source: srcAPIGateway, Name: "UpdateStage", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Restore the stage's previous deployment, variables, throttling or logging[ on {stageName}][ of API {restApiId|apiId}]; the event's patchOperations say which of them changed.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrUnavailable, ErrNotFound, ErrThrottled, ErrConfig}},
		{Source: srcAPIGateway, Name: "DeleteStage", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Recreate the stage[ {stageName}] from its last deployment with its variables and settings; custom domain mappings to it must be re-added.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrUnavailable}},
		{Source: srcAPIGateway, Name: "UpdateMethod", Category: CategoryAPI, Weight: weightRisky,
			Revert: "Restore the method's previous authorization, API key requirement or request validation[ ({httpMethod} on resource {resourceId} of API {restApiId})], then deploy the API again."},
		{Source: srcAPIGateway, Name: "DeleteMethod", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Recreate the method[ {httpMethod} on resource {resourceId}] with its integration and deploy the API again.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrAccessDenied}},
		{Source: srcAPIGateway, Name: "UpdateIntegration", Category: CategoryAPI, Weight: weightReplacing,
			Revert:       "Restore the integration's previous backend URI, timeout or mapping[ ({httpMethod} on resource {resourceId})][ (integration {integrationId} of API {apiId})] and deploy again.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrNetwork, ErrConfig}},
		{Source: srcAPIGateway, Name: "DeleteIntegration", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Recreate the integration with its backend and mappings and deploy again.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrNotFound}},
		{Source: srcAPIGateway, Name: "UpdateAuthorizer", Category: CategoryAPI, Weight: weightReplacing,
			Revert:       "Restore the authorizer's previous function, identity source, issuer or audience[ ({authorizerId})] and deploy again; a broken authorizer refuses every request it guards.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrAuth}},
		{Source: srcAPIGateway, Name: "DeleteAuthorizer", Category: CategoryAPI, Weight: weightModerate,
			Revert: "Recreate the authorizer[ {authorizerId}] and attach it to the methods or routes it guarded."},
		{Source: srcAPIGateway, Name: "UpdateRestApi", Category: CategoryAPI, Weight: weightRisky,
			Revert: "Restore the API's previous resource policy, endpoint configuration or binary media types[ on {restApiId}] and deploy again."},
		{Source: srcAPIGateway, Name: "DeleteRestApi", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Import the API again from its definition and redeploy its stages; the new API has a new id and invoke URL[ ({restApiId} is gone)].",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrDNS}},
		{Source: srcAPIGateway, Name: "UpdateUsagePlan", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Restore the usage plan's previous throttle and quota[ (aws apigateway update-usage-plan --usage-plan-id {usagePlanId})]; clients over the new limits get 429.",
			SymptomKinds: []ErrorKind{ErrThrottled}},
		{Source: srcAPIGateway, Name: "DeleteUsagePlanKey", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Add the API key back to the usage plan[ (aws apigateway create-usage-plan-key --usage-plan-id {usagePlanId} --key-id {keyId} --key-type API_KEY)]; its clients get 403.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcAPIGateway, Name: "UpdateApiKey", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Enable the API key again if it was disabled[ (aws apigateway update-api-key --api-key {apiKey} --patch-operations op=replace,path=/enabled,value=true)].",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcAPIGateway, Name: "DeleteApiKey", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Create a new API key, add it to the usage plans and hand it to the clients; a deleted key's value cannot be reused.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcAPIGateway, Name: "UpdateDomainName", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Restore the custom domain's previous certificate, TLS policy or endpoint type[ ({domainName})].",
			SymptomKinds: []ErrorKind{ErrNetwork, ErrDNS}},
		{Source: srcAPIGateway, Name: "UpdateBasePathMapping", Category: CategoryAPI, Weight: weightReplacing,
			Revert: "Point the base path[ {basePath}] of the domain[ {domainName}] back at its previous API and stage."},
		{Source: srcAPIGateway, Name: "DeleteBasePathMapping", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Recreate the base path mapping[ {basePath} on {domainName}] to its API and stage; requests under that path get 403 until then.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrAccessDenied}},
		{Source: srcAPIGateway, Name: "UpdateApi", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Restore the HTTP or WebSocket API's previous CORS, route selection or default endpoint setting[ (aws apigatewayv2 update-api --api-id {apiId})]; disabling the execute-api endpoint cuts off clients that use it.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrNotFound, ErrConfig}},
		{Source: srcAPIGateway, Name: "UpdateRoute", Category: CategoryAPI, Weight: weightRisky,
			Revert:       "Restore the route's previous target, authorization type or authorizer[ (aws apigatewayv2 update-route --api-id {apiId} --route-id {routeId})].",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrNotFound, ErrUnavailable}},
		{Source: srcAPIGateway, Name: "DeleteRoute", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Recreate the route with its key, target and authorizer[ on API {apiId}]; its requests get 404 until then.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcAPIGateway, Name: "DeleteApi", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Import the API again from its definition with its stages and routes; the new API has a new id and endpoint[ ({apiId} is gone)].",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrDNS}},
		{Source: srcAPIGateway, Name: "UpdateApiMapping", Category: CategoryAPI, Weight: weightReplacing,
			Revert: "Point the API mapping[ {apiMappingId}] of the domain[ {domainName}] back at its previous API and stage."},
		{Source: srcAPIGateway, Name: "DeleteApiMapping", Category: CategoryAPI, Weight: weightBreaking,
			Revert:       "Recreate the API mapping on the domain[ {domainName}] to its API and stage.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrAccessDenied}},
		{Source: srcAPIGateway, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcAPIGateway, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// SQS.
		{Source: srcSQS, Name: "SetQueueAttributes", Category: CategoryMessaging, Weight: weightRisky,
			Revert:       "Restore the queue's previous attributes[ on {queueUrl}] (aws sqs set-queue-attributes): policy, KMS key, visibility timeout, redrive policy or retention. A shorter retention deletes older messages at once.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrKMS, ErrConfig, ErrNotFound}},
		{Source: srcSQS, Name: "DeleteQueue", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Recreate the queue[ {queueUrl}] with its attributes, policy and subscriptions; AWS needs about 60 seconds before a queue of the same name can be created, and the messages are gone."},
		{Source: srcSQS, Name: "PurgeQueue", Category: CategoryMessaging, Weight: weightRisky,
			Revert: "Purged messages[ of {queueUrl}] cannot be recovered: replay them from their producer or an archive."},
		{Source: srcSQS, Name: "RemovePermission", Category: CategoryMessaging, Weight: weightBreaking,
			Revert:       "Add the removed statement[ {label}] back to the queue policy[ of {queueUrl}]; producers in other accounts or services (SNS, S3, EventBridge) are refused until then.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcSQS, Name: "AddPermission", Category: CategoryMessaging, Weight: weightRoutine,
			Revert: "Remove the added statement[ {label}] if it is unwanted[ (aws sqs remove-permission --queue-url {queueUrl} --label {label})]."},
		{Source: srcSQS, Name: "CreateQueue", Category: CategoryMessaging, Weight: weightRoutine,
			Revert: "Delete the new queue[ {queueName}] if nothing uses it."},
		{Source: srcSQS, Name: "TagQueue", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcSQS, Name: "UntagQueue", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// SNS.
		{Source: srcSNS, Name: "SetTopicAttributes", Category: CategoryMessaging, Weight: weightRisky,
			Revert:       "Restore the topic's previous attribute[ {attributeName}][ on {topicArn}] (aws sns set-topic-attributes); a policy or KMS key change refuses publishers, a delivery policy change alters retries.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrKMS, ErrConfig}},
		{Source: srcSNS, Name: "SetSubscriptionAttributes", Category: CategoryMessaging, Weight: weightRisky,
			Revert:       "Restore the subscription's previous attribute[ {attributeName}][ on {subscriptionArn}]; a filter policy drops messages silently, raw delivery changes the body consumers parse.",
			SymptomKinds: []ErrorKind{ErrApplication, ErrConfig}},
		{Source: srcSNS, Name: "Unsubscribe", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Subscribe the endpoint again with its filter policy and raw delivery setting (aws sns subscribe)[; {subscriptionArn} is gone]; messages published meanwhile are not redelivered."},
		{Source: srcSNS, Name: "Subscribe", Category: CategoryMessaging, Weight: weightRoutine,
			Revert: "Unsubscribe the new endpoint[ {endpoint}] if it should not receive the topic's messages."},
		{Source: srcSNS, Name: "DeleteTopic", Category: CategoryMessaging, Weight: weightBreaking,
			Revert:       "Recreate the topic[ {topicArn}] with its policy and every subscription; publishers get NotFound until then.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcSNS, Name: "RemovePermission", Category: CategoryMessaging, Weight: weightBreaking,
			Revert:       "Add the removed statement[ {label}] back to the topic policy[ of {topicArn}].",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcSNS, Name: "AddPermission", Category: CategoryMessaging, Weight: weightRoutine,
			Revert: "Remove the added statement[ {label}] if it is unwanted[ (aws sns remove-permission --topic-arn {topicArn} --label {label})]."},
		{Source: srcSNS, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcSNS, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// EventBridge and EventBridge Scheduler.
		{Source: srcEvents, Name: "PutRule", Category: CategoryMessaging, Weight: weightRisky,
			Revert: "Restore the rule's previous event pattern, schedule or state[ (aws events put-rule --name {name})]; events it no longer matches are dropped, not queued."},
		{Source: srcEvents, Name: "DisableRule", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Enable the rule again[ (aws events enable-rule --name {name})]; events in between were not delivered."},
		{Source: srcEvents, Name: "EnableRule", Category: CategoryMessaging, Weight: weightRoutine,
			Revert: "Disable the rule again if it should not fire[ (aws events disable-rule --name {name})]."},
		{Source: srcEvents, Name: "DeleteRule", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Recreate the rule[ {name}] with its pattern or schedule and its targets."},
		{Source: srcEvents, Name: "RemoveTargets", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Put the removed targets[ {ids}] back on the rule[ {rule}] (aws events put-targets with their ARN, role and input)."},
		{Source: srcEvents, Name: "PutTargets", Category: CategoryMessaging, Weight: weightModerate,
			Revert:       "Restore the targets' previous ARN, role or input transformer on the rule[ {rule}]; a changed input reaches consumers in a shape they may not parse.",
			SymptomKinds: []ErrorKind{ErrApplication, ErrAccessDenied, ErrConfig}},
		{Source: srcEvents, Name: "RemovePermission", Category: CategoryMessaging, Weight: weightBreaking,
			Revert:       "Add the removed statement[ {statementId}] back to the event bus policy; accounts it allowed can no longer put events.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcEvents, Name: "DeleteEventBus", Category: CategoryMessaging, Weight: weightBreaking,
			Revert:       "Recreate the event bus[ {name}] with its policy, rules and targets.",
			SymptomKinds: []ErrorKind{ErrNotFound}},
		{Source: srcEvents, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcEvents, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcScheduler, Name: "UpdateSchedule", Category: CategoryMessaging, Weight: weightRisky,
			Revert: "Restore the schedule's previous expression, state, target or input[ ({name})]."},
		{Source: srcScheduler, Name: "DeleteSchedule", Category: CategoryMessaging, Weight: weightBreaking,
			Revert: "Recreate the schedule[ {name}] with its expression, target and input; runs in between were missed."},

		// Kinesis Data Streams.
		{Source: srcKinesis, Name: "UpdateShardCount", Category: CategoryCapacity, Weight: weightRisky,
			Revert:       "Set the stream's previous shard count back[ (aws kinesis update-shard-count --stream-name {streamName} --target-shard-count <previous> --scaling-type UNIFORM_SCALING)][; it was set to {targetShardCount}]; fewer shards throttle producers.",
			SymptomKinds: []ErrorKind{ErrThrottled}},
		{Source: srcKinesis, Name: "DeleteStream", Category: CategoryMessaging, Weight: weightBreaking,
			Revert:       "Recreate the stream[ {streamName}] with its shards, retention and encryption and re-attach its consumers; its records are gone.",
			SymptomKinds: []ErrorKind{ErrNotFound}},

		// Step Functions.
		{Source: srcStepFunctions, Name: "UpdateStateMachine", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Restore the state machine's previous definition or role[ on {stateMachineArn}]: point its alias at the previous version, or update it with the previous definition; running executions keep the old one."},
		{Source: srcStepFunctions, Name: "UpdateStateMachineAlias", Category: CategoryDeployment, Weight: weightReplacing,
			Revert: "Point the alias[ {stateMachineAliasArn}] back at the previous version and weights."},
		{Source: srcStepFunctions, Name: "DeleteStateMachine", Category: CategoryDeployment, Weight: weightBreaking,
			Revert:       "Recreate the state machine[ {stateMachineArn}] from its definition with its role and logging; starts fail until then.",
			SymptomKinds: []ErrorKind{ErrNotFound}},

		// Secrets Manager.
		{Source: srcSecrets, Name: "PutSecretValue", Category: CategorySecrets, Weight: weightReplacing,
			Revert: "Move the AWSCURRENT label back to the previous version of the secret[ {secretId}][ (aws secretsmanager update-secret-version-stage --secret-id {secretId} --version-stage AWSCURRENT --move-to-version-id <previous version> --remove-from-version-id {clientRequestToken})]; the previous version keeps the AWSPREVIOUS label."},
		{Source: srcSecrets, Name: "UpdateSecret", Category: CategorySecrets, Weight: weightReplacing,
			Revert:       "Move AWSCURRENT back to the previous version if the value changed, or restore the previous KMS key[ (aws secretsmanager update-secret --secret-id {secretId} --kms-key-id <previous key>)]; readers without decrypt rights on the new key are refused.",
			SymptomKinds: []ErrorKind{ErrAuth, ErrConfig, ErrKMS, ErrAccessDenied}},
		{Source: srcSecrets, Name: "RotateSecret", Category: CategorySecrets, Weight: weightRisky,
			Revert: "If clients fail after rotation, move AWSCURRENT back to the version now labelled AWSPREVIOUS[ (aws secretsmanager update-secret-version-stage --secret-id {secretId} --version-stage AWSCURRENT --move-to-version-id <AWSPREVIOUS version>)] and make sure the database still accepts that password; clients that cache the secret keep the old value until they refresh."},
		{Source: srcSecrets, Name: "UpdateSecretVersionStage", Category: CategorySecrets, Weight: weightReplacing,
			Revert: "Move the label back[ (aws secretsmanager update-secret-version-stage --secret-id {secretId} --version-stage {versionStage} --move-to-version-id {removeFromVersionId} --remove-from-version-id {moveToVersionId})]."},
		{Source: srcSecrets, Name: "DeleteSecret", Category: CategorySecrets, Weight: weightBreaking,
			Revert:       "Restore the secret within its recovery window[ (aws secretsmanager restore-secret --secret-id {secretId})]; a secret deleted without recovery must be recreated with the same name and value.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrAuth}},
		{Source: srcSecrets, Name: "PutResourcePolicy", Category: CategorySecrets, Weight: weightReplacing,
			Revert:       "Put the secret's previous resource policy back[ on {secretId}], or delete the new one[ (aws secretsmanager delete-resource-policy --secret-id {secretId})].",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcSecrets, Name: "DeleteResourcePolicy", Category: CategorySecrets, Weight: weightRisky,
			Revert:       "Put the secret's resource policy back[ on {secretId}]; principals in other accounts that only it allowed are refused.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcSecrets, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcSecrets, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// Systems Manager: parameters, commands, automation.
		{Source: srcSSM, Name: "PutParameter", Category: CategorySecrets, Weight: weightReplacing,
			Revert: "Restore the previous version of the parameter[ {name}][ (aws ssm get-parameter-history --name {name} shows it; write it back with aws ssm put-parameter --name {name} --overwrite)]; readers that pin a version or label keep theirs."},
		{Source: srcSSM, Name: "DeleteParameter", Category: CategorySecrets, Weight: weightBreaking,
			Revert:       "Recreate the parameter[ {name}] with its type, value and KMS key; its history is gone with it.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrConfig}},
		{Source: srcSSM, Name: "DeleteParameters", Category: CategorySecrets, Weight: weightBreaking,
			Revert:       "Recreate the parameters[ {names}] with their types, values and KMS keys.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrConfig}},
		{Source: srcSSM, Name: "LabelParameterVersion", Category: CategorySecrets, Weight: weightRisky,
			Revert: "Move the labels[ {labels}] of the parameter[ {name}] back to the version they marked before (aws ssm label-parameter-version --name <name> --parameter-version <previous> --labels <label>)."},
		{Source: srcSSM, Name: "UnlabelParameterVersion", Category: CategorySecrets, Weight: weightRisky,
			Revert:       "Label the version again[ (aws ssm label-parameter-version --name {name} --parameter-version {parameterVersion} --labels {labels})]; readers asking for the label get an error until then.",
			SymptomKinds: []ErrorKind{ErrNotFound, ErrConfig}},
		{Source: srcSSM, Name: "SendCommand", Category: CategoryConfig, Weight: weightRisky,
			Revert:       "A command cannot be undone: read what the document[ {documentName}] did on the instances[ {instanceIds}] (aws ssm list-command-invocations --details) and reverse it there.",
			SymptomKinds: []ErrorKind{ErrApplication, ErrConfig, ErrUnavailable}},
		{Source: srcSSM, Name: "StartAutomationExecution", Category: CategoryConfig, Weight: weightRisky,
			Revert:       "Check what the automation[ {documentName}] changed (aws ssm get-automation-execution) and reverse each step; runbooks restart, patch and resize resources.",
			SymptomKinds: []ErrorKind{ErrApplication, ErrConfig, ErrUnavailable}},
		{Source: srcSSM, Name: "AddTagsToResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcSSM, Name: "RemoveTagsFromResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// CloudFront (event names may carry the API version, e.g.
		// UpdateDistribution2020_05_31).
		{Source: srcCloudFront, Name: "UpdateDistribution", Category: CategoryCDN, Weight: weightReplacing,
			Revert: "Update the distribution[ {id}] with its previous configuration: aws cloudfront get-distribution-config returns the current one and its ETag, and the trail's previous UpdateDistribution or CreateDistribution holds the earlier one. Changes take minutes to reach every edge."},
		{Source: srcCloudFront, Name: "DeleteDistribution", Category: CategoryCDN, Weight: weightRisky,
			Revert:       "Recreate the distribution from its configuration and point DNS at the new domain name; a distribution is deleted only after being disabled, so the outage began at that UpdateDistribution[ ({id} is gone)].",
			SymptomKinds: []ErrorKind{ErrDNS, ErrUnavailable}},
		{Source: srcCloudFront, Name: "AssociateAlias", Category: CategoryCDN, Weight: weightRisky,
			Revert: "Move the alias[ {alias}] back to the distribution that served it before; associating takes the name away from it[ (now on {targetDistributionId})]."},
		{Source: srcCloudFront, Name: "UpdateCachePolicy", Category: CategoryCDN, Weight: weightRisky,
			Revert: "Restore the cache policy's previous TTLs and cache key[ ({id})]; a key without a header or cookie the origin needs serves one user's response to another."},
		{Source: srcCloudFront, Name: "UpdateOriginRequestPolicy", Category: CategoryCDN, Weight: weightRisky,
			Revert:       "Restore the origin request policy's previous headers, cookies and query strings[ ({id})]; the origin no longer receives what it stopped forwarding.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrAccessDenied, ErrApplication}},
		{Source: srcCloudFront, Name: "UpdateResponseHeadersPolicy", Category: CategoryCDN, Weight: weightModerate,
			Revert: "Restore the response headers policy's previous CORS and security headers[ ({id})]."},
		{Source: srcCloudFront, Name: "UpdateOriginAccessControl", Category: CategoryCDN, Weight: weightRisky,
			Revert:       "Restore the origin access control's previous signing behaviour[ ({id})]; an origin bucket policy that expects signed requests refuses unsigned ones.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcCloudFront, Name: "PublishFunction", Category: CategoryCDN, Weight: weightReplacing,
			Revert:       "Publish the function's previous code again[ ({name})]: update it with the earlier code and publish, since LIVE has no history of its own.",
			SymptomKinds: []ErrorKind{ErrUnavailable, ErrApplication}},
		{Source: srcCloudFront, Name: "UpdateFunction", Category: CategoryCDN, Weight: weightRoutine,
			Revert: "Changes to the DEVELOPMENT stage of the function[ {name}] reach viewers only when published."},
		{Source: srcCloudFront, Name: "CreateInvalidation", Category: CategoryCDN, Weight: weightRoutine,
			Revert:       "Nothing to undo; a broad invalidation sends a burst of requests to the origin while the caches refill[ (distribution {distributionId})].",
			SymptomKinds: []ErrorKind{ErrExhaustion, ErrUnavailable}},
		{Source: srcCloudFront, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcCloudFront, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// WAF: a rule that matches legitimate traffic answers 403.
		{Source: srcWAF, Name: "UpdateWebACL", Category: CategoryNetwork, Weight: weightReplacing,
			Revert:       "Restore the web ACL's previous rules and default action[ ({name}, scope {scope})] (aws wafv2 update-web-acl with the previous definition and the current lock token); switch a suspect rule to Count to confirm.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrUnavailable}},
		{Source: srcWAF, Name: "UpdateRuleGroup", Category: CategoryNetwork, Weight: weightReplacing,
			Revert:       "Restore the rule group's previous rules[ ({name}, scope {scope})]; every web ACL that uses it picks up the change.",
			SymptomKinds: []ErrorKind{ErrAccessDenied, ErrUnavailable}},
		{Source: srcWAF, Name: "UpdateIPSet", Category: CategoryNetwork, Weight: weightRisky,
			Revert:       "Restore the IP set's previous addresses[ ({name}, scope {scope})]; rules that block or allow by it changed with it.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcWAF, Name: "AssociateWebACL", Category: CategoryNetwork, Weight: weightRisky,
			Revert:       "Disassociate the web ACL from the resource if it blocks legitimate traffic[ (aws wafv2 disassociate-web-acl --resource-arn {resourceArn})], or associate the one it had before.",
			SymptomKinds: []ErrorKind{ErrAccessDenied}},
		{Source: srcWAF, Name: "DisassociateWebACL", Category: CategoryNetwork, Weight: weightRoutine,
			Revert: "Associate the web ACL with the resource again[ (aws wafv2 associate-web-acl --resource-arn {resourceArn} --web-acl-arn <web acl>)]; traffic is unfiltered meanwhile, which exposes but does not break."},
		{Source: srcWAF, Name: "DeleteWebACL", Category: CategoryNetwork, Weight: weightRoutine,
			Revert: "Recreate the web ACL[ {name}] from its definition; it could only be deleted once no resource used it."},
		{Source: srcWAF, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcWAF, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},

		// Observability: these change what is seen, not what runs. A changed
		// alarm can itself explain an alarm firing.
		{Source: srcCloudWatch, Name: "PutMetricAlarm", Category: CategoryObservability, Weight: weightRoutine,
			Revert: "Restore the alarm's previous threshold, period and actions[ ({alarmName})]; aws cloudwatch describe-alarm-history shows the update. A lowered threshold fires without anything else changing."},
		{Source: srcCloudWatch, Name: "DeleteAlarms", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the alarms[ {alarmNames}] from infrastructure code; their history is gone and problems went unalarmed meanwhile."},
		{Source: srcCloudWatch, Name: "DisableAlarmActions", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Enable the alarm actions again[ (aws cloudwatch enable-alarm-actions --alarm-names {alarmNames})]; scaling policies tied to them did not run meanwhile."},
		{Source: srcCloudWatch, Name: "SetAlarmState", Category: CategoryObservability, Weight: weightRoutine,
			Revert: "The alarm[ {alarmName}] returns to its real state at the next evaluation; its actions (scaling, notifications) already ran."},
		{Source: srcCloudWatch, Name: "PutCompositeAlarm", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Restore the composite alarm's previous rule and actions[ ({alarmName})]."},
		{Source: srcLogs, Name: "DeleteLogGroup", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the log group[ {logGroupName}] with its retention, subscriptions and metric filters; its events are gone, and writers without CreateLogGroup permission drop logs until it exists."},
		{Source: srcLogs, Name: "PutRetentionPolicy", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Set the previous retention back[ (aws logs put-retention-policy --log-group-name {logGroupName} --retention-in-days <previous>)][; it is now {retentionInDays} days]; events older than a shorter retention are already deleted."},
		{Source: srcLogs, Name: "DeleteSubscriptionFilter", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the subscription filter[ {filterName}] on the log group[ {logGroupName}]; what it streamed in between is not replayed."},
		{Source: srcLogs, Name: "DeleteMetricFilter", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the metric filter[ {filterName}] on the log group[ {logGroupName}]; alarms on its metric see no data until then."},
		{Source: srcLogs, Name: "PutMetricFilter", Category: CategoryObservability, Weight: weightRoutine,
			Revert: "Restore the metric filter's previous pattern[ ({filterName} on {logGroupName})]; a changed pattern can make its alarm fire or go silent on its own."},
		{Source: srcLogs, Name: "TagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagAdded},
		{Source: srcLogs, Name: "UntagResource", Category: CategoryTagging, Weight: weightMetadata, Revert: revertTagRemoved},
		{Source: srcCloudTrail, Name: "StopLogging", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Start logging again[ (aws cloudtrail start-logging --name {name})]; the trail's S3 files miss what happened meanwhile, though event history keeps management events."},
		{Source: srcCloudTrail, Name: "DeleteTrail", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the trail[ {name}] with its bucket, regions and selectors."},
		{Source: srcCloudTrail, Name: "UpdateTrail", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Restore the trail's previous bucket, regions or log validation[ ({name})]."},
		{Source: srcCloudTrail, Name: "PutEventSelectors", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Restore the trail's previous event selectors[ ({trailName})]; events excluded meanwhile were not delivered to it."},
		{Source: srcConfig, Name: "StopConfigurationRecorder", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Start the recorder again[ (aws configservice start-configuration-recorder --configuration-recorder-name {configurationRecorderName})]; configuration history has a gap meanwhile."},
		{Source: srcConfig, Name: "DeleteConfigurationRecorder", Category: CategoryObservability, Weight: weightPeripheral,
			Revert: "Recreate the configuration recorder[ {configurationRecorderName}] and its delivery channel, then start it."},
	}
	return kinds
}
