package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// Index answers LookupEvents-style queries over events in memory: one lookup
// attribute, a time window [Start, End] inclusive (a zero bound is open), the
// region when one is given; newest first, ties broken by event id so answers
// are deterministic. Like the real API it does not drop read-only events —
// callers filter after fetching — and it holds management events only:
// data, network-activity and Insights events are not in LookupEvents.
type Index struct {
	// parts hold the events as they were read, order says which are
	// indexed, newest first: the events are not copied into that order.
	parts [][]investigation.Event
	order []eventRef
	// postings maps attribute key → value → positions in order, ascending
	// (that is, newest first).
	postings map[string]map[string][]int
}

// eventRef is an event's place in an Index's parts.
type eventRef struct{ part, i int32 }

func (ix *Index) event(pos int) *investigation.Event {
	r := ix.order[pos]
	return &ix.parts[r.part][r.i]
}

// lookupKeys are the attribute keys LookupEvents accepts.
var lookupKeys = []string{
	investigation.AttrResourceName, investigation.AttrResourceType, investigation.AttrEventName,
	investigation.AttrEventSource, investigation.AttrEventID, investigation.AttrUsername,
	investigation.AttrAccessKeyID, investigation.AttrReadOnly,
}

// indexFields are the record fields the index needs beyond Event.
type indexFields struct {
	EventCategory   string          `json:"eventCategory"`
	ManagementEvent json.RawMessage `json:"managementEvent"`
	UserIdentity    identity        `json:"userIdentity"`
}

// NewIndex indexes events. Events repeated under the same id (a record
// delivered by two trails) are kept once.
func NewIndex(events []investigation.Event) *Index {
	// The caller and category are read by decoding each record a second
	// time, the slow part: on every core.
	all := make([]facts, len(events))
	forEachParallel(len(events), func(i int) { all[i] = factsOf(events[i]) })
	return newIndex([]indexed{{slices.Clone(events), all}})
}

// facts are what an index reads of an event's record beyond the Event.
type facts struct {
	management            bool
	username, accessKeyID string
}

func factsOf(e investigation.Event) facts {
	f := fieldsOf(e)
	username, accessKeyID := callerOf(e, f)
	return facts{isManagement(f), username, accessKeyID}
}

// indexed are events to index, facts[i] being what events[i]'s record says.
type indexed struct {
	events []investigation.Event
	facts  []facts
}

// newIndex indexes the events of parts, taken one part after another; it
// holds their events.
func newIndex(parts []indexed) *Index {
	n := 0
	for _, p := range parts {
		n += len(p.events)
	}
	order := make([]eventRef, 0, n)
	seen := make(map[string]bool, n)
	for pi, p := range parts {
		for i, e := range p.events {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			if p.facts[i].management {
				order = append(order, eventRef{int32(pi), int32(i)})
			}
		}
	}
	event := func(r eventRef) *investigation.Event { return &parts[r.part].events[r.i] }
	slices.SortStableFunc(order, func(a, b eventRef) int {
		ea, eb := event(a), event(b)
		if c := eb.Time.Compare(ea.Time); c != 0 {
			return c
		}
		return strings.Compare(ea.ID, eb.ID)
	})

	ix := &Index{parts: make([][]investigation.Event, len(parts)), order: slices.Clip(order), postings: map[string]map[string][]int{}}
	for i, p := range parts {
		ix.parts[i] = p.events
	}
	for _, k := range lookupKeys {
		ix.postings[k] = map[string][]int{}
	}
	for i, at := range order {
		e, f := event(at), parts[at.part].facts[at.i]
		ix.post(investigation.AttrEventID, e.ID, i)
		ix.post(investigation.AttrEventName, e.Name, i)
		ix.post(investigation.AttrEventSource, e.Source, i)
		ix.post(investigation.AttrReadOnly, strconv.FormatBool(e.ReadOnly), i)
		ix.post(investigation.AttrUsername, f.username, i)
		ix.post(investigation.AttrAccessKeyID, f.accessKeyID, i)
		for _, r := range e.Resources {
			ix.post(investigation.AttrResourceName, r.Name, i)
			ix.post(investigation.AttrResourceType, r.Type, i)
		}
	}
	return ix
}

// fieldsOf reads the index fields from the record; an event built without a
// record has none.
func fieldsOf(e investigation.Event) indexFields {
	var f indexFields
	if len(e.Raw) > 0 {
		_ = json.Unmarshal(e.Raw, &f) // a record Parse accepted; mismatched fields stay empty
	}
	return f
}

// Caller is what LookupEvents reports of an event's caller: the Username
// attribute (the IAM user name, the role session name, "root", the federated
// user's name; nothing for AWS services) and the AccessKeyId.
func Caller(e investigation.Event) (username, accessKeyID string) {
	return callerOf(e, fieldsOf(e))
}

func callerOf(e investigation.Event, f indexFields) (username, accessKeyID string) {
	if len(e.Raw) == 0 {
		return e.Actor.Name, "" // an event built in code, not read from a record
	}
	return lookupUsername(f.UserIdentity), f.UserIdentity.AccessKeyID
}

func isManagement(f indexFields) bool {
	switch f.EventCategory {
	case "Data", "NetworkActivity", "Insight":
		return false
	}
	if v, ok := jsonBool(f.ManagementEvent); ok && !v {
		return false
	}
	return true
}

func (ix *Index) post(key, value string, pos int) {
	if value == "" {
		return
	}
	list := ix.postings[key][value]
	if n := len(list); n > 0 && list[n-1] == pos {
		return // the same resource name under two types
	}
	ix.postings[key][value] = append(list, pos)
}

// Len is the number of indexed events.
func (ix *Index) Len() int { return len(ix.order) }

// CheckLookup validates a query the way LookupEvents does: a known attribute
// key with a value, or no attribute at all, and a window that does not end
// before it starts.
func CheckLookup(q investigation.Lookup) error {
	if q.Key == "" {
		if q.Value != "" {
			return fmt.Errorf("lookup value %q has no attribute key", q.Value)
		}
	} else {
		if !slices.Contains(lookupKeys, q.Key) {
			return fmt.Errorf("lookup attribute %q is not one of %s", q.Key, strings.Join(lookupKeys, ", "))
		}
		if q.Value == "" {
			return fmt.Errorf("lookup attribute %s has an empty value", q.Key)
		}
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return errors.New("lookup window ends before it starts")
	}
	if q.MaxEvents < 0 {
		return fmt.Errorf("lookup MaxEvents %d is negative", q.MaxEvents)
	}
	return nil
}

// Lookup returns the events matching q, newest first. q.MaxEvents is not
// applied here (paging is the trail's concern); an invalid query (see
// CheckLookup) matches nothing. A ReadOnly value is matched as LookupEvents
// does, "true" or "false" in any case.
func (ix *Index) Lookup(q investigation.Lookup) []investigation.Event {
	if CheckLookup(q) != nil {
		return nil
	}
	var positions []int
	if q.Key != "" {
		value := q.Value
		if q.Key == investigation.AttrReadOnly {
			value = strings.ToLower(value)
		}
		positions = ix.postings[q.Key][value]
		if positions == nil {
			return nil
		}
	}
	count := len(ix.order)
	if positions != nil {
		count = len(positions)
	}
	at := func(i int) int {
		if positions == nil {
			return i
		}
		return positions[i]
	}
	// Events are newest first: skip those after End, stop at the first
	// before Start.
	first := 0
	if !q.End.IsZero() {
		first = sort.Search(count, func(i int) bool { return !ix.event(at(i)).Time.After(q.End) })
	}
	var out []investigation.Event
	for i := first; i < count; i++ {
		e := *ix.event(at(i))
		if !q.Start.IsZero() && e.Time.Before(q.Start) {
			break
		}
		if q.Region != "" && e.Region != q.Region {
			continue
		}
		out = append(out, e)
	}
	return out
}
