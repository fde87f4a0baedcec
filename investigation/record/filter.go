package record

import (
	"bytes"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Filter selects the events a trail reader keeps.
type Filter struct {
	// Start and End, when set, bound eventTime (both included). A record
	// whose time lies outside is dropped before it is decoded.
	Start, End time.Time
	// Keep, when set, decides on each decoded event.
	Keep func(*investigation.Event) bool
}

var eventTimeKey = []byte(`"eventTime"`)

// outsideRaw reports whether a raw record certainly lies outside the time
// bounds, reading only its eventTime. Whenever the bytes leave any doubt (the
// key twice, an escape, an unknown form) it says no, and the full decode
// decides: the answer is always the decode's.
func (f Filter) outsideRaw(raw []byte) bool {
	if f.Start.IsZero() && f.End.IsZero() {
		return false
	}
	i := bytes.Index(raw, eventTimeKey)
	if i < 0 || bytes.Contains(raw[i+len(eventTimeKey):], eventTimeKey) {
		return false
	}
	rest := bytes.TrimLeft(raw[i+len(eventTimeKey):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '"' {
		return false
	}
	end := bytes.IndexByte(rest[1:], '"')
	if end < 0 || bytes.IndexByte(rest[1:end+1], '\\') >= 0 {
		return false
	}
	at, err := parseEventTime(string(rest[1 : end+1]))
	if err != nil {
		return false
	}
	return !f.Start.IsZero() && at.Before(f.Start) || !f.End.IsZero() && at.After(f.End)
}
