package record

import (
	"bytes"
	"strings"
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
	// Keep, when set, decides on each decoded event.
	Keep func(*investigation.Event) bool
}

// skipRaw reports whether a raw record can be dropped undecoded.
func (f Filter) skipRaw(raw []byte, needles [][]byte) bool {
	return f.outsideRaw(raw) || needles != nil && !mayName(raw, needles)
}

// nameNeedles are the bytes a record naming one of names must hold: each
// name's last "/"-separated part, which every reading of a record (an ARN's
// tail, "/"+path of a parameter, "targetgroup/"+rest) copies whole. Nil
// means no record can be dropped by name: none were given, or one could be
// written in a record other than as its bytes.
func nameNeedles(names []string) [][]byte {
	if len(names) == 0 {
		return nil
	}
	needles := make([][]byte, 0, len(names))
	for _, n := range names {
		tail := n[strings.LastIndexByte(n, '/')+1:]
		if tail == "" || strings.ContainsFunc(tail, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' || r == '%' }) {
			return nil
		}
		needles = append(needles, []byte(tail))
	}
	return needles
}

// mayName reports whether raw may name a resource that holds a needle. A
// string in JSON may hide its bytes behind escapes (\u0041, \/) and a
// parameter behind URL encoding ("arn%3Aaws…", a queue URL's path), so a
// record with any such escape or a "%" is kept; \" and \\ cannot stand for
// a needle's bytes.
func mayName(raw []byte, needles [][]byte) bool {
	for _, n := range needles {
		if bytes.Contains(raw, n) {
			return true
		}
	}
	if bytes.IndexByte(raw, '%') >= 0 {
		return true
	}
	for i := bytes.IndexByte(raw, '\\'); i >= 0; {
		if i+1 >= len(raw) || raw[i+1] != '"' && raw[i+1] != '\\' {
			return true
		}
		next := bytes.IndexByte(raw[i+2:], '\\')
		if next < 0 {
			break
		}
		i += 2 + next
	}
	return false
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
