package engine

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation/catalogue"
)

// Elements of a record: a change often acts on one element of a resource
// (a route of a route table, a rule of a listener, a record of a zone), and
// what it replaced or removed is that element as it was.

// removalPrefixes begin the names of calls that take something away; what
// such a call removed is an element of the resource's earlier record, not a
// field whose value changed.
var removalPrefixes = []string{"Delete", "Revoke", "Remove", "Detach", "Deregister", "Disassociate", "Disable"}

// isRemoval reports whether a call takes something away: by its name, or by
// a batch action inside it (Route 53's change batch "DELETE").
func isRemoval(name string, request []byte) bool {
	for _, p := range removalPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	for _, l := range flatten(request) {
		if l.norm == "action" && strings.EqualFold(l.value, "DELETE") {
			return true
		}
	}
	return false
}

// removedElement finds in an earlier record the smallest object holding
// every value the removal's request names (the route's destination, the
// rule's port) and returns its other fields: what the removed thing was.
func removedElement(request, before []byte, ignore ...string) []catalogue.PreviousValue {
	named := identifyingLeaves(request, ignore)
	if len(named) == 0 {
		return nil
	}
	return otherFields(smallestHolding(before, named), named)
}

// removedByRequest lists what a removal's own request records of the thing
// it removed (a record's name, type and value; a rule's protocol and ports).
func removedByRequest(request []byte, ignore ...string) []catalogue.PreviousValue {
	return otherFields(identifyingLeaves(request, ignore), nil)
}

// identifyingLeaves are a request's scalars other than the resource's own
// identifiers, call metadata and the batch verb.
func identifyingLeaves(request []byte, ignore []string) []leaf {
	var out []leaf
	for _, l := range flatten(request) {
		if requestMetadataKeys[l.norm] || l.norm == "action" || slices.Contains(ignore, l.value) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func containsAll(leaves, named []leaf) bool {
	for _, n := range named {
		if !slices.ContainsFunc(leaves, func(l leaf) bool { return l.norm == n.norm && l.value == n.value }) {
			return false
		}
	}
	return true
}

// otherFields turns leaves not named in skip into previous values with
// nothing set in their place.
func otherFields(leaves, skip []leaf) []catalogue.PreviousValue {
	var out []catalogue.PreviousValue
	done := map[string]bool{}
	for _, l := range leaves {
		if done[l.norm] || len(l.value) > maxPreviousValueLen || volatile(l.norm) ||
			slices.ContainsFunc(skip, func(s leaf) bool { return s.norm == l.norm }) {
			continue
		}
		done[l.norm] = true
		out = append(out, catalogue.PreviousValue{Key: l.key, Was: strings.Join(valuesOf(leaves, l.norm, false), ", ")})
		if len(out) == maxPreviousShown {
			break
		}
	}
	return out
}

// narrowTo returns the smallest object of doc that holds one of values (the
// rule a request names by ARN inside its listener's configuration), or doc
// itself when none does, so that a comparison is about that element only.
func narrowTo(doc []byte, values []string) []byte {
	if len(values) == 0 {
		return doc
	}
	var root any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if dec.Decode(&root) != nil {
		return doc
	}
	if top, ok := root.(map[string]any); ok {
		for _, v := range top {
			if str, ok := v.(string); ok && slices.Contains(values, str) {
				return doc // the record is of the named resource itself
			}
		}
	}
	var found any
	var visit func(v any, nested bool) bool
	visit = func(v any, nested bool) bool {
		switch x := v.(type) {
		case map[string]any:
			for _, child := range x {
				if visit(child, true) {
					return true
				}
			}
			var leaves []leaf
			walkLeaves(x, "", &leaves)
			if nested && slices.ContainsFunc(leaves, func(l leaf) bool { return slices.Contains(values, l.value) }) {
				found = x
				return true
			}
		case []any:
			for _, child := range x {
				if visit(child, true) {
					return true
				}
			}
		}
		return false
	}
	visit(root, false)
	if found == nil {
		return doc
	}
	out, err := json.Marshal(found)
	if err != nil {
		return doc
	}
	return out
}

// identityValues are the values of a request's top-level identifying fields
// (see identityKeySuffixes) other than ignore: the rule a call names inside
// the listener the trail files it under.
func identityValues(request []byte, ignore []string) []string {
	var m map[string]any
	if json.Unmarshal(request, &m) != nil {
		return nil
	}
	var out []string
	for k, v := range m {
		if s, ok := v.(string); ok && hasIdentitySuffix(k) && s != "" && !slices.Contains(ignore, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// addressedElement finds the element of an earlier record that a request
// addresses by values it leaves unchanged (a route by its destination) and
// returns that element's other fields as they were, with what the request
// sets in their place: a replaced route names its previous target even when
// the new one is a different kind of field. Nil when the request addresses
// the resource as a whole.
func addressedElement(request, before []byte, ignore ...string) []catalogue.PreviousValue {
	var selectors, setting []leaf
	old := flatten(before)
	for _, l := range identifyingLeaves(request, ignore) {
		inBefore := slices.ContainsFunc(old, func(o leaf) bool { return o.norm == l.norm && o.value == l.value })
		switch {
		case inBefore && hasIdentitySuffix(l.key):
			continue // an identifier the record holds narrowed it already (narrowTo)
		case inBefore:
			selectors = append(selectors, l)
		default:
			setting = append(setting, l)
		}
	}
	if len(selectors) == 0 || len(setting) == 0 {
		return nil
	}
	element := smallestHolding(before, selectors)
	if element == nil {
		return nil
	}
	out := otherFields(element, selectors)
	for i := range out {
		for _, l := range setting {
			if normKey(out[i].Key) == l.norm {
				out[i].Now = l.value
			}
		}
		if out[i].Now == "" {
			out[i].Now = "nothing"
		}
	}
	return out
}

// smallestHolding returns the leaves of the innermost object below the root
// of doc that holds every selector, nil when only the root does.
func smallestHolding(doc []byte, selectors []leaf) []leaf {
	var root any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if dec.Decode(&root) != nil {
		return nil
	}
	var element []leaf
	var visit func(v any, nested bool) bool
	visit = func(v any, nested bool) bool {
		switch x := v.(type) {
		case map[string]any:
			for _, child := range x {
				if visit(child, true) {
					return true
				}
			}
			var leaves []leaf
			walkLeaves(x, "", &leaves)
			if nested && containsAll(leaves, selectors) {
				element = leaves
				return true
			}
		case []any:
			for _, child := range x {
				if visit(child, true) {
					return true
				}
			}
		case string:
			if inner := embeddedDocument(x); inner != nil {
				return visit(inner, nested)
			}
		}
		return false
	}
	visit(root, false)
	return element
}

// pendingPrevious reads the values a modification replaces from its own
// response when the service answers with the resource as it still is and
// the new values under pendingModifiedValues (RDS modifications, applied at
// once or in the maintenance window): the top-level field holds the old value.
func pendingPrevious(response []byte) []catalogue.PreviousValue {
	var doc map[string]any
	if json.Unmarshal(response, &doc) != nil {
		return nil
	}
	pending, _ := doc["pendingModifiedValues"].(map[string]any)
	keys := make([]string, 0, len(pending))
	for k := range pending {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []catalogue.PreviousValue
	for _, k := range keys {
		was, now := scalarString(doc[k]), scalarString(pending[k])
		if was != "" && now != "" && was != now {
			out = append(out, catalogue.PreviousValue{Key: k, Was: was, Now: now})
		}
	}
	return out
}

// scalarString is a JSON scalar as text; "" for objects, arrays and null.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
