package record

import (
	"bytes"
	"fmt"

	"github.com/trailhound/trailhound/investigation"
)

// Location is where a record lies in a trail file: the bytes of the file's
// content (decompressed) it spans.
type Location struct {
	File         string
	Offset, Size int
}

// Keeping is what ReadIndex holds of an event's record.
type Keeping int

const (
	// KeepNothing drops the record.
	KeepNothing Keeping = iota
	// KeepLocation holds where the record lies, to be read again.
	KeepLocation
	// KeepRecord holds a copy of the record (Raw and RequestJSON).
	KeepRecord
)

// ReadIndex is NewIndex over ReadDirFilter's events, holding of each one's
// record what keep says: what the index itself reads of a record is read as
// its file is. A record to be read again is found with ReadRecords, at the
// Location returned under its event's id; one the splitter's own pass
// could not place (in a file it could not read) is held instead.
func ReadIndex(dir string, f Filter, keep func(*investigation.Event) Keeping) (*Index, map[string]Location, []Rejected, error) {
	f.borrow = true
	var parts []indexed
	var located []map[string]Location
	rejected, err := readDir(dir, f, func(n int) { parts, located = make([]indexed, n), make([]map[string]Location, n) },
		func(i int, path string, events []investigation.Event, at []int) {
			p := indexed{events: make([]investigation.Event, len(events)), facts: make([]facts, len(events))}
			locs := map[string]Location{}
			for j, e := range events {
				p.facts[j] = factsOf(e)
				// A record at no offset is not the file's buffer but a copy
				// the splitter of last resort made.
				switch k := keep(&e); {
				case k == KeepNothing:
					e.Raw, e.RequestJSON = nil, nil
				case at[j] < 0:
				case k == KeepRecord:
					cloneRecord(&e)
				default:
					if _, dup := locs[e.ID]; !dup {
						locs[e.ID] = Location{File: path, Offset: at[j], Size: len(e.Raw)}
					}
					e.Raw, e.RequestJSON = nil, nil
				}
				p.events[j] = e
			}
			parts[i], located[i] = p, locs
		})
	if err != nil {
		return nil, nil, nil, err
	}
	// An id read twice is indexed as first read: so is its location.
	all := map[string]Location{}
	for _, locs := range located {
		for id, l := range locs {
			if _, dup := all[id]; !dup {
				all[id] = l
			}
		}
	}
	return newIndex(parts), all, rejected, nil
}

// cloneRecord gives e a copy of its record, RequestJSON pointing into the
// copy when it pointed into the record.
func cloneRecord(e *investigation.Event) {
	raw := bytes.Clone(e.Raw)
	if req := e.RequestJSON; len(req) > 0 {
		// A slice of Raw starts cap(Raw)-cap(req) bytes into it.
		if at := cap(e.Raw) - cap(req); at >= 0 && at+len(req) <= len(e.Raw) && &e.Raw[at] == &req[0] {
			e.RequestJSON = raw[at : at+len(req) : at+len(req)]
		} else {
			e.RequestJSON = bytes.Clone(req)
		}
	}
	e.Raw = raw
}

// ReadRecords reads the records at locs, all in file, again: the events
// they hold, in order, each with its record.
func ReadRecords(file string, locs []Location) ([]investigation.Event, error) {
	b := buffersPool.Get().(*fileBuffers)
	defer b.release()
	data, err := b.content(file)
	if err != nil {
		return nil, fmt.Errorf("read records again: %w", err)
	}
	events := make([]investigation.Event, len(locs))
	for i, l := range locs {
		if l.File != file || l.Offset < 0 || l.Size <= 0 || l.Offset+l.Size > len(data) {
			return nil, fmt.Errorf("read records again: no record at %d+%d in %s", l.Offset, l.Size, file)
		}
		if events[i], err = parse(bytes.Clone(data[l.Offset : l.Offset+l.Size])); err != nil {
			return nil, fmt.Errorf("read records again: %s at %d: %w", file, l.Offset, err)
		}
	}
	return events, nil
}
