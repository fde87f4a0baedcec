package engine

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation/catalogue"
)

// How previous values are told apart from what a change set. A change's
// request names the fields it set; an earlier record of the same resource (a
// configuration item, or an earlier call's request and response) holds the
// same fields with the values they had. Field names differ in case and
// prefix across the two (CloudTrail's "dBInstanceClass" and Config's
// "DBInstanceClass"; a patch path ".../throttling/rateLimit" and the stage's
// "throttlingRateLimit"), so names are compared normalised, and by suffix
// when no name matches exactly.
const (
	// maxPreviousShown bounds how many replaced values a next step names:
	// a change rarely sets more than a few, and the rest would be noise.
	maxPreviousShown = 4
	// maxPreviousValueLen keeps whole documents out of a next step; a
	// longer value is named by its key only through the revert template.
	maxPreviousValueLen = 240
	// minSuffixKeyLen is the shortest normalised field name matched as a
	// suffix of another ("ratelimit" in "throttlingratelimit"); shorter
	// names ("id", "arn") would match almost anything.
	minSuffixKeyLen = 6
)

// requestMetadataKeys are request fields that describe the call, not the
// resource: a new value there is never what broke anything.
var requestMetadataKeys = map[string]bool{
	"description": true, "comment": true, "clienttoken": true, "ifmatch": true,
	"revisionid": true, "applyimmediately": true, "dryrun": true,
}

// leaf is one scalar of a decoded document, under the name of the field
// that holds it (array elements and wrappers take their parent's name).
type leaf struct {
	key   string // as written
	norm  string // lower case, letters and digits only
	value string
	doc   bool // the value is a whole embedded document, named only when no field of it differs
}

// wrapperKeys hold a field's value without naming it: EC2's
// {"items":[{"content":…}]} lists, query-protocol "member" lists, Route 53
// resourceRecords' {"value":…}.
var wrapperKeys = map[string]bool{"items": true, "item": true, "member": true, "content": true, "value": true, "values": true}

// flatten decodes doc and returns its scalars. Strings holding JSON (SQS
// attributes, policy documents) and URL-encoded JSON (IAM documents as AWS
// Config records them) are read as the documents they are.
func flatten(doc []byte) []leaf {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []leaf
	walkLeaves(v, "", &out)
	return out
}

func walkLeaves(v any, key string, out *[]leaf) {
	switch x := v.(type) {
	case map[string]any:
		if path, ok := x["path"].(string); ok && x["op"] != nil {
			// A JSON Patch operation (API Gateway): the path names the field.
			segs := strings.Split(strings.Trim(path, "/"), "/")
			walkLeaves(x["value"], segs[len(segs)-1], out)
			return
		}
		nameKey, valueKey := "", ""
		if nk, vk, ok := nameValuePair(x); ok {
			nameKey, valueKey = nk, vk
			walkLeaves(x[vk], x[nk].(string), out)
		}
		// Keys in order, so that what a next step names is reproducible.
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k == nameKey || k == valueKey {
				continue // read above, as the field they name
			}
			if wrapperKeys[strings.ToLower(k)] && key != "" {
				walkLeaves(x[k], key, out)
				continue
			}
			walkLeaves(x[k], k, out)
		}
	case []any:
		for _, child := range x {
			walkLeaves(child, key, out)
		}
	case string:
		if inner := embeddedDocument(x); inner != nil {
			// Both the document's fields and the document as written: a
			// filter policy is restored whole.
			walkLeaves(inner, key, out)
			if key != "" {
				*out = append(*out, leaf{key: key, norm: normKey(key), value: x, doc: true})
			}
			return
		}
		addLeaf(out, key, x)
	case json.Number:
		addLeaf(out, key, x.String())
	case bool:
		if x {
			addLeaf(out, key, "true")
		} else {
			addLeaf(out, key, "false")
		}
	}
}

func addLeaf(out *[]leaf, key, value string) {
	if key == "" || value == "" {
		return
	}
	*out = append(*out, leaf{key: key, norm: normKey(key), value: value})
}

// nameValuePair reads an object that names a field in one member and holds
// its value in another ({"parameterName":"max_connections","parameterValue":"400"},
// {"attributeName":"FilterPolicy","attributeValue":…}, {"name":"DB_HOST","value":…},
// {"Key":…,"Value":…}): the field is the name, not "parameterValue". It
// returns the two members' keys.
func nameValuePair(m map[string]any) (nameKey, valueKey string, ok bool) {
	for k, v := range m {
		n := strings.ToLower(k)
		var prefix string
		switch {
		case strings.HasSuffix(n, "name"):
			prefix = strings.TrimSuffix(n, "name")
		case strings.HasSuffix(n, "key"):
			prefix = strings.TrimSuffix(n, "key")
		default:
			continue
		}
		if name, isString := v.(string); !isString || name == "" {
			continue
		}
		for vk := range m {
			if strings.ToLower(vk) == prefix+"value" {
				return k, vk, true
			}
		}
	}
	return "", "", false
}

// embeddedDocument decodes a string that holds a JSON object or array,
// possibly URL-encoded; nil for any other string.
func embeddedDocument(s string) any {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "%7B") || strings.HasPrefix(t, "%7b") {
		if u, err := url.QueryUnescape(t); err == nil {
			t = u
		}
	}
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// normKey lower-cases a field name, keeps letters and digits, and drops a
// plural "s": a request's "vpcSecurityGroupIds" sets what a response lists
// as "vpcSecurityGroupId".
func normKey(k string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(k) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	n := b.String()
	if len(n) > 3 && strings.HasSuffix(n, "s") {
		n = n[:len(n)-1]
	}
	return n
}

// replacedValues compares what a change's request set with an earlier record
// of the resource and returns the fields whose value differed there, in the
// request's order. ignore holds values never worth naming (the resource's
// own identifiers).
func replacedValues(request []byte, before []byte, ignore ...string) []catalogue.PreviousValue {
	set := flatten(request)
	old := flatten(before)
	if len(set) == 0 || len(old) == 0 {
		return nil
	}
	var out []catalogue.PreviousValue
	// Fields first; a whole embedded document only when none of its fields
	// tells the difference (a filter policy that gained a key).
	for _, docs := range []bool{false, true} {
		done := map[string]bool{}
		for _, l := range set {
			if l.doc != docs || done[l.norm] || requestMetadataKeys[l.norm] || slices.Contains(ignore, l.value) {
				continue
			}
			done[l.norm] = true
			now := valuesOf(set, l.norm, false)
			was := valuesOf(old, l.norm, false)
			if len(was) == 0 && len(l.norm) >= minSuffixKeyLen {
				was = valuesOf(old, l.norm, true)
			}
			joined := strings.Join(was, ", ")
			if len(was) == 0 || slices.Equal(was, now) || len(joined) > maxPreviousValueLen {
				continue
			}
			out = append(out, difference(l.key, was, now))
			if len(out) == maxPreviousShown {
				return out
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return out
}

// valuesOf returns the sorted distinct values of the leaves named norm (or,
// with suffix, whose name ends with it).
func valuesOf(leaves []leaf, norm string, suffix bool) []string {
	var vals []string
	for _, l := range leaves {
		if l.norm == norm || (suffix && strings.HasSuffix(l.norm, norm)) {
			vals = append(vals, l.value)
		}
	}
	slices.Sort(vals)
	return slices.Compact(vals)
}

// volatileSuffixes end the normalised names of configuration fields that
// change on their own (timestamps, states, counters, checksums): a
// difference there between two configuration items is not what a change set.
var volatileSuffixes = []string{"time", "date", "modified", "statu", "state", "revisionid", "etag", "sha256",
	"itemcount", "runningcount", "pendingcount", "sizebyte", "captured"}

func volatile(norm string) bool {
	for _, s := range volatileSuffixes {
		if strings.HasSuffix(norm, s) {
			return true
		}
	}
	return false
}

// changedFields compares two configuration items of a resource, the one
// before a change and the one after, and returns the fields that differ,
// those the change's request names first: the configuration records what a
// request may omit (CloudTrail hides Lambda environments) or set indirectly
// (a deployment moves a stage to a new deployment id).
func changedFields(before, after, request []byte) []catalogue.PreviousValue {
	old, cur := flatten(before), flatten(after)
	if len(old) == 0 || len(cur) == 0 {
		return nil
	}
	named := map[string]bool{}
	for _, l := range flatten(request) {
		named[l.norm] = true
	}
	var first, rest []catalogue.PreviousValue
	for _, docs := range []bool{false, true} {
		done := map[string]bool{}
		for _, l := range old {
			if l.doc != docs || done[l.norm] || volatile(l.norm) {
				continue
			}
			done[l.norm] = true
			was, now := valuesOf(old, l.norm, false), valuesOf(cur, l.norm, false)
			joined := strings.Join(was, ", ")
			if slices.Equal(was, now) || len(joined) > maxPreviousValueLen {
				continue
			}
			v := difference(l.key, was, now)
			if named[l.norm] {
				first = append(first, v)
			} else {
				rest = append(rest, v)
			}
		}
		if len(first)+len(rest) > 0 {
			break // whole documents only when none of their fields differs
		}
	}
	out := append(first, rest...)
	if len(out) > maxPreviousShown {
		out = out[:maxPreviousShown]
	}
	return out
}

// versionKeys name the counters a versioned resource's write answers with
// (a parameter's "version", a launch template's "versionNumber", a task
// definition's "revision"): each write adds one, so the value before it is
// one less. Each maps to the word a person (and the console) uses for the
// counter: a launch template has "version 14", not "versionNumber 14".
var versionKeys = map[string]string{"version": "version", "versionnumber": "version", "revision": "revision"}

// previousVersion reads, from a write's response, the version it created
// and names the one before it, when the request did not choose the version
// itself.
func previousVersion(request, response []byte) []catalogue.PreviousValue {
	set := map[string]bool{}
	for _, l := range flatten(request) {
		set[l.norm] = true
	}
	for _, l := range flatten(response) {
		word, ok := versionKeys[l.norm]
		if !ok || set[l.norm] {
			continue
		}
		n, err := strconv.Atoi(l.value)
		if err != nil || n <= 1 {
			continue
		}
		return []catalogue.PreviousValue{{Key: word, Was: strconv.Itoa(n - 1), Now: l.value}}
	}
	return nil
}

// difference names what a field held before and what the change left. For
// lists that share members (indexes, statement ids, resources), only the
// members that went and came are named: those are what to restore. A list
// that only gained members keeps its whole previous value. A field the
// change emptied has nothing after it (Now is ""), which reads as a removal.
func difference(key string, was, now []string) catalogue.PreviousValue {
	gone := slices.DeleteFunc(slices.Clone(was), func(v string) bool { return slices.Contains(now, v) })
	came := slices.DeleteFunc(slices.Clone(now), func(v string) bool { return slices.Contains(was, v) })
	if len(gone) > 0 && len(gone) < len(was) {
		return catalogue.PreviousValue{Key: key, Was: strings.Join(gone, ", "), Now: strings.Join(came, ", ")}
	}
	return catalogue.PreviousValue{Key: key, Was: strings.Join(was, ", "), Now: strings.Join(now, ", ")}
}
