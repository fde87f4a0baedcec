// Package catalogue knows what CloudTrail calls change: the catalogue of
// mutating event names as data, how to undo each one, and a guess for names
// it does not list.
package catalogue

import (
	"slices"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// ChangeKind is one catalogued mutating CloudTrail event name: what it changes,
// how likely such a change is to break what depends on it, and what undoing it means.
type ChangeKind struct {
	Source   string                 // event source, e.g. "iam.amazonaws.com"
	Name     string                 // event name without API-version suffix, e.g. "UpdateFunctionCode"
	Category investigation.Category // what it touches
	// Weight is how likely a change of this kind is to break the workloads
	// that depend on the resource, from 0 (metadata only) to 1.
	Weight float64
	// Revert says what undoing the change means. {name} placeholders are
	// filled from the event's requestParameters (dotted paths) by RevertFor.
	Revert string
	// SymptomKinds overrides the category's usual error kinds when this
	// change produces others.
	SymptomKinds []investigation.ErrorKind
	// NoSymptoms: this change cannot produce errors at all, because it only
	// widened access or raised the limits it set (see ApplyDirection).
	NoSymptoms bool
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

// APIName is an event name as people say it: "UpdateFunctionConfiguration"
// for "UpdateFunctionConfiguration20150331v2".
func APIName(eventName string) string { return stripAPIVersion(eventName) }

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
