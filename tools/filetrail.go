package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/record"
)

// FileTrail answers investigation.Trail from CloudTrail log files on disk —
// a trail bucket synced locally, or a scenario's trail/ folder — the way the
// CloudTrail adapter answers from LookupEvents: regional, one attribute,
// newest first, paged by 50, bounded, read-only calls dropped after the
// fetch. Calls reports the LookupEvents requests the same lookup would have
// cost, so budgets and reports read the same offline.
type FileTrail struct {
	index     *record.Index
	rejected  []record.Rejected
	maxEvents int
	// records are where the records a lookup may return lie: they are read
	// again when one is returned, and the trail holds only those.
	records map[string]record.Location
	mu      sync.Mutex
	read    map[string]heldRecord // by event id
}

// heldRecord is an event's record, read again for a lookup.
type heldRecord struct{ raw, request json.RawMessage }

// OpenFileTrail reads every *.json and *.json.gz file under dir. Files that
// cannot be read are kept aside, with the reason, in Rejected.
func OpenFileTrail(dir string) (*FileTrail, error) {
	return OpenFileTrailFilter(dir, record.Filter{})
}

// OpenFileTrailFilter is OpenFileTrail holding only the records f selects:
// lookups inside f's window, or by one of f.Names, answer as over the whole
// trail, and the records no such lookup finds are never held. Of the others
// the trail holds what a lookup reads, and reads a call's record again only
// when a lookup returns it (a read-only call never is). A read by names
// holds their few records instead: reading their files again would cost
// more than holding them.
func OpenFileTrailFilter(dir string, f record.Filter) (*FileTrail, error) {
	keep := func(e *investigation.Event) record.Keeping {
		switch {
		case e.ReadOnly:
			return record.KeepNothing
		case len(f.Names) > 0:
			return record.KeepRecord
		}
		return record.KeepLocation
	}
	index, records, rejected, err := record.ReadIndex(dir, f, keep)
	if err != nil {
		return nil, fmt.Errorf("open file trail: %w", err)
	}
	return &FileTrail{
		index:     index,
		rejected:  rejected,
		maxEvents: 10 * lookupPageSize,
		records:   records,
		read:      map[string]heldRecord{},
	}, nil
}

// Rejected lists the files, or parts of files, the trail could not read.
func (t *FileTrail) Rejected() []record.Rejected {
	return append([]record.Rejected(nil), t.rejected...)
}

// Len is the number of management events the trail holds.
func (t *FileTrail) Len() int { return t.index.Len() }

// Lookup answers q from the files. Only events recorded in q.Region match:
// CloudTrail lookups are regional. Paging stops once q.MaxEvents events were
// read (the CloudTrail adapter's default bound when zero), with More set.
func (t *FileTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	if err := ctx.Err(); err != nil {
		return investigation.LookupResult{}, fmt.Errorf("file trail lookup: %w", err)
	}
	if q.Region == "" {
		return investigation.LookupResult{}, errors.New("file trail lookup: no region: CloudTrail lookups are regional")
	}
	if err := record.CheckLookup(q); err != nil {
		return investigation.LookupResult{}, fmt.Errorf("file trail lookup in %s: %w", q.Region, err)
	}
	maxEvents := q.MaxEvents
	if maxEvents <= 0 {
		maxEvents = t.maxEvents
	}
	matches := t.index.Lookup(q)

	// LookupEvents returns pages of 50; an empty answer still costs a call.
	// Like the adapter, paging stops after the page that reaches maxEvents.
	pagesNeeded := max(1, ceilDiv(len(matches), lookupPageSize))
	pagesAllowed := max(1, ceilDiv(maxEvents, lookupPageSize))
	res := investigation.LookupResult{Calls: min(pagesNeeded, pagesAllowed)}
	read := matches
	if pagesNeeded > pagesAllowed {
		read = matches[:pagesAllowed*lookupPageSize]
		res.More = true
	}
	for _, e := range read {
		if !e.ReadOnly {
			res.Events = append(res.Events, e)
		}
	}
	if err := t.withRecords(res.Events); err != nil {
		return investigation.LookupResult{}, fmt.Errorf("file trail lookup in %s: %w", q.Region, err)
	}
	return res, nil
}

// withRecords gives the events their records, read again from their files
// the first time one is returned.
func (t *FileTrail) withRecords(events []investigation.Event) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	byFile := map[string][]int{}
	for i := range events {
		e := &events[i]
		if h, ok := t.read[e.ID]; ok {
			e.Raw, e.RequestJSON = h.raw, h.request
		} else if l, ok := t.records[e.ID]; ok && e.Raw == nil {
			byFile[l.File] = append(byFile[l.File], i)
		}
	}
	for _, file := range slices.Sorted(maps.Keys(byFile)) {
		at := byFile[file]
		locs := make([]record.Location, len(at))
		for k, i := range at {
			locs[k] = t.records[events[i].ID]
		}
		again, err := record.ReadRecords(file, locs)
		if err != nil {
			return err
		}
		for k, i := range at {
			if again[k].ID != events[i].ID {
				return fmt.Errorf("%s changed since it was read: %s is no longer at %d", file, events[i].ID, locs[k].Offset)
			}
			h := heldRecord{raw: again[k].Raw, request: again[k].RequestJSON}
			t.read[events[i].ID] = h
			events[i].Raw, events[i].RequestJSON = h.raw, h.request
		}
	}
	return nil
}

func ceilDiv(n, d int) int { return (n + d - 1) / d }
