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

// ReadIndex is NewIndex over ReadDirFilter's events, holding none of their
// records: what the index reads of a record is read as its file is. The
// records of the events show selects can be read again with ReadRecords,
// from the Location returned under their id; one the splitter's own pass
// could not place (in a file it could not read) is held instead (Raw and
// RequestJSON).
func ReadIndex(dir string, f Filter, show func(*investigation.Event) bool) (*Index, map[string]Location, []Rejected, error) {
	f.borrow = true
	var parts []indexed
	var located []map[string]Location
	rejected, err := readDir(dir, f, func(n int) { parts, located = make([]indexed, n), make([]map[string]Location, n) },
		func(i int, path string, events []investigation.Event, at []int) {
			p := indexed{events: make([]investigation.Event, len(events)), facts: make([]facts, len(events))}
			locs := map[string]Location{}
			for j, e := range events {
				p.facts[j] = factsOf(e)
				switch {
				case !show(&e):
					e.Raw, e.RequestJSON = nil, nil
				case at[j] >= 0:
					if _, dup := locs[e.ID]; !dup {
						locs[e.ID] = Location{File: path, Offset: at[j], Size: len(e.Raw)}
					}
					e.Raw, e.RequestJSON = nil, nil
				}
				// Otherwise the record is not the file's buffer: a copy that
				// the splitter of last resort made.
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
