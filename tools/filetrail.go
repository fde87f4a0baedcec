package tools

import (
	"context"
	"errors"
	"fmt"

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
}

// OpenFileTrail reads every *.json and *.json.gz file under dir. Files that
// cannot be read are kept aside, with the reason, in Rejected.
func OpenFileTrail(dir string) (*FileTrail, error) {
	return OpenFileTrailFilter(dir, record.Filter{})
}

// OpenFileTrailFilter is OpenFileTrail holding only the records f selects:
// lookups inside f's window, or by one of f.Names, answer as over the whole
// trail, and the records no such lookup finds are never held. A read-only
// call is held without its record: a lookup counts it but never returns it.
func OpenFileTrailFilter(dir string, f record.Filter) (*FileTrail, error) {
	index, rejected, err := record.ReadIndex(dir, f, func(e *investigation.Event) bool { return !e.ReadOnly })
	if err != nil {
		return nil, fmt.Errorf("open file trail: %w", err)
	}
	return &FileTrail{
		index:     index,
		rejected:  rejected,
		maxEvents: 10 * lookupPageSize,
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
	return res, nil
}

func ceilDiv(n, d int) int { return (n + d - 1) / d }
