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
	// Names, when set, lets the reader drop before decoding a record none of
	// whose resources can be one of these names (a ResourceName lookup of
	// any of them would not find it). A record that names one is always
	// kept; so is any record whose bytes leave a doubt.
	Names []string
	// SkipReadOnly drops the calls CloudTrail records as readOnly: before
	// the decode when the record's flag is plainly true, after it otherwise.
	SkipReadOnly bool
	// NoRaw drops each kept event's Raw and RequestJSON, for readers that
	// list events rather than look into them.
	NoRaw bool
	// Keep, when set, decides on each decoded event.
	Keep func(*investigation.Event) bool
	// borrow leaves the kept events' Raw and RequestJSON in the file's
	// buffer, reused once the reader's callback returns, rather than copy
	// them: for a reader that keeps what it needs of them in the callback.
	borrow bool
}

// skipEntry reports whether a record can be dropped undecoded; mayName is
// the name check's answer for it. A record dropped here is not counted among
// a file's skipped entries, even if its decode would have failed.
func (f Filter) skipEntry(en entry, mayName bool) bool {
	return !mayName || !en.unsure && (f.outsideRaw(en.time) || f.SkipReadOnly && plainTrue(en.ro))
}

// keep decides on a decoded event, whose time and flag the raw checks may
// not have been able to read.
func (f Filter) keep(e *investigation.Event) bool {
	switch {
	case !f.Start.IsZero() && e.Time.Before(f.Start), !f.End.IsZero() && e.Time.After(f.End):
		return false
	case f.SkipReadOnly && e.ReadOnly:
		return false
	}
	return f.Keep == nil || f.Keep(e)
}

// plainTrue reports whether a readOnly value says true the way readOnlyOf
// reads it.
func plainTrue(v []byte) bool {
	return string(v) == "true" || bytes.EqualFold(v, []byte(`"true"`))
}

// outsideRaw reports whether a record whose top-level eventTime value is v
// certainly lies outside the time bounds. An escaped or unreadable time says
// no, and the decode decides: the answer is always the decode's.
func (f Filter) outsideRaw(v []byte) bool {
	if f.Start.IsZero() && f.End.IsZero() || len(v) < 2 || v[0] != '"' {
		return false
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		return false
	}
	at, err := parseEventTime(string(s))
	if err != nil {
		return false
	}
	return !f.Start.IsZero() && at.Before(f.Start) || !f.End.IsZero() && at.After(f.End)
}
