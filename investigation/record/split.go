package record

import (
	"encoding/binary"
	"math/bits"
)

// entry is one record's bytes in a file, with the values of its top-level
// eventTime and readOnly keys, found while the record was split out so
// that a record can be dropped before it is decoded.
type entry struct {
	raw      []byte
	time, ro []byte // the keys' JSON values; nil when absent
	// at is raw's offset in the file's content, -1 when raw is a copy.
	at int
	// hidden is set when a string holds a \u escape, which may stand for
	// any character, so a byte search alone cannot rule the record out.
	// Only the splitter's own pass sets it.
	hidden bool
	// unsure is set when a top-level key is escaped, not ASCII or repeated:
	// it might be one of those keys to encoding/json, so only the decode
	// can tell what the record holds.
	unsure bool
}

// maxSplitDepth bounds the nesting the splitter follows; deeper content is
// left to encoding/json, which has its own bound.
const maxSplitDepth = 256

// splitFast splits a file in one pass without encoding/json: a CloudTrail
// file ({"Records":[...]} with a single "Records" key) or a bare array of
// records. It validates the whole file as JSON as it goes. ok is false for
// anything else, or anything unusual (an escaped top-level key, trailing
// bytes, invalid JSON): splitEntries then reads the file and words the
// error, so both readers always agree.
func splitFast(data []byte, entries []entry) (_ []entry, ok bool) {
	s := splitter{data: data}
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		s.i = 3
	}
	s.space()
	switch {
	case s.at('['):
		entries, ok = s.records(entries)
	case s.at('{'):
		entries, ok = s.recordsFile(entries)
	}
	if !ok {
		return entries, false
	}
	s.space()
	return entries, s.i == len(data)
}

// scanEntry finds a record's top-level eventTime and readOnly values.
func scanEntry(raw []byte) entry {
	s := splitter{data: raw}
	e := entry{raw: raw, at: -1}
	if !s.at('{') || !s.object(1, &e) || s.i != len(raw) {
		e.unsure = true
	}
	return e
}

type splitter struct {
	data []byte
	i    int
	// hidden is set by str on a \u escape.
	hidden bool
}

func (s *splitter) at(c byte) bool { return s.i < len(s.data) && s.data[s.i] == c }

func (s *splitter) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// recordsFile reads {"Records":[...]}, the other keys skipped.
func (s *splitter) recordsFile(entries []entry) ([]entry, bool) {
	s.i++ // {
	seen := false
	for first := true; ; first = false {
		s.space()
		if first && s.at('}') {
			s.i++
			return entries, seen
		}
		key, plain, ok := s.key()
		if !ok || !plain {
			return entries, false
		}
		if string(key) == "Records" {
			if seen || !s.at('[') {
				return entries, false
			}
			seen = true
			if entries, ok = s.records(entries); !ok {
				return entries, false
			}
		} else if !s.value(1) {
			return entries, false
		}
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at('}'):
			s.i++
			return entries, seen
		default:
			return entries, false
		}
	}
}

// records reads an array of records, each element an entry.
func (s *splitter) records(entries []entry) ([]entry, bool) {
	s.i++ // [
	s.space()
	if s.at(']') {
		s.i++
		return entries, true
	}
	for {
		s.space()
		start := s.i
		e := entry{at: start}
		s.hidden = false
		var ok bool
		if s.at('{') {
			ok = s.object(2, &e)
		} else {
			e.unsure = true
			ok = s.value(2)
		}
		if !ok {
			return entries, false
		}
		e.raw = s.data[start:s.i:s.i]
		e.hidden = s.hidden
		entries = append(entries, e)
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at(']'):
			s.i++
			return entries, true
		default:
			return entries, false
		}
	}
}

// key reads an object key and the colon after it. plain is false when the
// key holds an escape or a byte beyond ASCII.
func (s *splitter) key() (key []byte, plain, ok bool) {
	key, escaped, ok := s.rawKey()
	if !ok || escaped {
		return key, false, ok
	}
	for _, c := range key {
		if c >= 0x80 {
			return key, false, true
		}
	}
	return key, true, true
}

// rawKey reads an object key, as written, and the colon after it.
func (s *splitter) rawKey() (key []byte, escaped, ok bool) {
	if !s.at('"') {
		return nil, false, false
	}
	start := s.i + 1
	if escaped, ok = s.str(); !ok {
		return nil, false, false
	}
	key = s.data[start : s.i-1]
	s.space()
	if !s.at(':') {
		return nil, false, false
	}
	s.i++
	s.space()
	return key, escaped, true
}

// object reads an object at s.i; with rec set, it is a record whose
// top-level keys are looked at.
func (s *splitter) object(depth int, rec *entry) bool {
	if depth > maxSplitDepth {
		return false
	}
	s.i++ // {
	s.space()
	if s.at('}') {
		s.i++
		return true
	}
	for {
		s.space()
		key, escaped, ok := s.rawKey()
		if !ok {
			return false
		}
		start := s.i
		if !s.value(depth) {
			return false
		}
		if rec != nil {
			rec.note(key, escaped, s.data[start:s.i])
		}
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at('}'):
			s.i++
			return true
		default:
			return false
		}
	}
}

// note records a top-level key's value when it is one the early checks
// read. encoding/json matches keys case-insensitively and keeps the last
// of repeated keys, so a key that may match one in a way this cannot see
// (escaped) makes the record unsure. A key beyond ASCII cannot match:
// encoding/json folds no other character to the letters of these keys.
func (e *entry) note(key []byte, escaped bool, value []byte) {
	if escaped {
		e.unsure = true
		return
	}
	var slot *[]byte
	switch {
	case asciiEqualFold(key, "eventTime"):
		slot = &e.time
	case asciiEqualFold(key, "readOnly"):
		slot = &e.ro
	default:
		return
	}
	if *slot != nil {
		e.unsure = true
	}
	*slot = value
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

func (s *splitter) array(depth int) bool {
	if depth > maxSplitDepth {
		return false
	}
	s.i++ // [
	s.space()
	if s.at(']') {
		s.i++
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		s.space()
		switch {
		case s.at(','):
			s.i++
		case s.at(']'):
			s.i++
			return true
		default:
			return false
		}
	}
}

// value reads any JSON value, with the space before it.
func (s *splitter) value(depth int) bool {
	s.space()
	if s.i >= len(s.data) {
		return false
	}
	switch c := s.data[s.i]; c {
	case '{':
		return s.object(depth+1, nil)
	case '[':
		return s.array(depth + 1)
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return s.number()
}

func (s *splitter) literal(lit string) bool {
	if len(s.data)-s.i < len(lit) || string(s.data[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// inString marks the bytes that end a string's plain run: the quote, the
// backslash and the control characters JSON forbids unescaped.
var inString = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str reads a string at s.i, checking its escapes.
func (s *splitter) str() (escaped, ok bool) {
	d := s.data
	i := s.i + 1
	for {
		i = skipPlain(d, i)
		if i >= len(d) {
			return false, false
		}
		switch d[i] {
		case '"':
			s.i = i + 1
			return escaped, true
		case '\\':
			escaped = true
			if i+1 >= len(d) {
				return false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				s.hidden = true
				if len(d)-i < 6 || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					return false, false
				}
				i += 6
			default:
				return false, false
			}
		default: // a control character
			return false, false
		}
	}
}

// skipPlain returns the index of the first byte at or after i that ends a
// string's plain run, eight bytes at a time: a byte that is a quote, a
// backslash or below 0x20 sets its high bit in t. Only bytes above the
// lowest one so marked can be marked wrongly, and the byte loop checks.
func skipPlain(d []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(d); i += 8 {
		x := binary.LittleEndian.Uint64(d[i:])
		q, b := x^0x2222222222222222, x^0x5c5c5c5c5c5c5c5c
		if t := ((q-ones)&^q | (b-ones)&^b | (x-0x20*ones)&^x) & highs; t != 0 {
			i += bits.TrailingZeros64(t) >> 3
			break
		}
	}
	for i < len(d) && !inString[d[i]] {
		i++
	}
	return i
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *splitter) number() bool {
	d, i := s.data, s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i = digits(d, i)
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		if j := digits(d, i+1); j > i+1 {
			i = j
		} else {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			return false
		}
		i = j
	}
	s.i = i
	return true
}

func digits(d []byte, i int) int {
	for i < len(d) && '0' <= d[i] && d[i] <= '9' {
		i++
	}
	return i
}
