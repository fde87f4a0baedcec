package record

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// MaxFileBytes bounds one file's (decompressed) size. CloudTrail delivers a
// file at least every five minutes per region, typically well under a few
// megabytes; anything this large is not a trail file.
const MaxFileBytes = 256 << 20

// DecodeStats says what a file held.
type DecodeStats struct {
	Entries int            // entries in the file
	Skipped int            // entries that were not usable records
	Reasons map[string]int // why entries were skipped, by reason
}

// Rejected is a file, or part of one, that was not read, and why.
type Rejected struct{ File, Reason string }

// Decode reads one file's content: {"Records":[...]} as CloudTrail delivers
// to S3, a bare JSON array of records, or a single record object;
// gzip-compressed content is decompressed first. NDJSON and invalid JSON are
// rejected with the reason. Entries missing eventTime, eventName or
// eventSource are skipped and counted; a file none of whose entries is a
// record is rejected, so a list of something else is never read as an empty
// trail.
func Decode(data []byte) ([]investigation.Event, DecodeStats, error) {
	return decode(data, Filter{})
}

func decode(data []byte, f Filter) ([]investigation.Event, DecodeStats, error) {
	data, err := gunzipIfCompressed(data)
	if err != nil {
		return nil, DecodeStats{Reasons: map[string]int{}}, err
	}
	entries, err := split(data, nil)
	if err != nil {
		return nil, DecodeStats{Reasons: map[string]int{}}, err
	}
	kept, stats, err := decodeEntries(entries, f, nameMarks(data, entries, f, nil), nil, nil)
	return slices.Clip(kept), stats, err
}

// split returns a file's entries: in one pass of its own over a CloudTrail
// file or an array, through encoding/json for anything else.
func split(data []byte, scratch []entry) ([]entry, error) {
	entries, ok := splitFast(data, scratch[:0])
	if ok {
		return entries, nil
	}
	raws, err := splitEntries(data)
	if err != nil {
		return entries[:0], err
	}
	entries = entries[:0]
	for _, raw := range raws {
		entries = append(entries, scanEntry(raw))
	}
	return entries, nil
}

// decodeEntries decodes the entries f does not rule out, appending the
// events f keeps to kept, and when at is not nil where each one's record
// lies in the file's content (-1: elsewhere); marks, unless nil, say which
// entries may name one of f.Names. Each kept event's Raw is a copy unless
// f.borrow: entries may point into a buffer that is reused.
func decodeEntries(entries []entry, f Filter, marks []bool, kept []investigation.Event, at *[]int) ([]investigation.Event, DecodeStats, error) {
	stats := DecodeStats{Entries: len(entries), Reasons: map[string]int{}}
	decoded := 0
	for i, en := range entries {
		if f.skipEntry(en, marks == nil || marks[i]) {
			continue
		}
		raw := en.raw
		if !f.NoRaw && !f.borrow {
			raw = bytes.Clone(raw)
		}
		e, err := parse(raw)
		if err != nil {
			stats.Skipped++
			stats.Reasons[err.Error()]++
			continue
		}
		decoded++
		if !f.keep(&e) {
			continue
		}
		if f.NoRaw {
			e.Raw, e.RequestJSON = nil, nil
		}
		kept = append(kept, e)
		if at != nil {
			*at = append(*at, en.at)
		}
	}
	if decoded == 0 && stats.Skipped > 0 {
		return kept, stats, noRecordsError(entries[0].raw, stats)
	}
	return kept, stats, nil
}

// noRecordsError explains a file whose entries are all unusable, naming what
// the entries look like instead.
func noRecordsError(first []byte, stats DecodeStats) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(first, &fields) == nil {
		if inner, ok := fields["event"]; ok {
			if _, err := parse(inner); err == nil {
				return fmt.Errorf("no CloudTrail record among %d entries: each wraps one under \"event\" "+
					"(a test-fixture list, not a CloudTrail file; CloudTrail files hold {\"Records\":[...]})", stats.Entries)
			}
		}
		return fmt.Errorf("no CloudTrail record among %d entries: the first has keys %s and %s",
			stats.Entries, strings.Join(sortedKeys(fields), ", "), mostCommonReason(stats))
	}
	return fmt.Errorf("no CloudTrail record among %d entries: %s", stats.Entries, mostCommonReason(stats))
}

func mostCommonReason(stats DecodeStats) string {
	best, n := "", 0
	for reason, count := range stats.Reasons {
		if count > n || count == n && reason < best {
			best, n = reason, count
		}
	}
	return best
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 8 {
		keys = append(keys[:8], "…")
	}
	return keys
}

func gunzipIfCompressed(data []byte) ([]byte, error) {
	if !isGzip(data) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > MaxFileBytes {
		return nil, fmt.Errorf("decompressed content exceeds %d MiB", MaxFileBytes>>20)
	}
	return out, nil
}

// splitEntries returns the raw entries of a file's single JSON value,
// reading it in one pass.
func splitEntries(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file")
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		return nil, fmt.Errorf("not JSON: starts with %q", firstRunes(trimmed, 20))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	var entries []json.RawMessage
	var err error
	if trimmed[0] == '[' {
		entries, err = decodeArray(dec)
	} else {
		entries, err = decodeObject(dec, data, start)
	}
	if err != nil {
		return nil, syntaxError(data, err)
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		if trimmed[0] == '{' && rest[0] == '{' {
			return nil, errors.New(`NDJSON: one JSON object per line; CloudTrail files hold {"Records":[...]}`)
		}
		line, col := position(data, int(dec.InputOffset()))
		return nil, fmt.Errorf("invalid JSON: unexpected data after the first value at line %d, column %d", line, col)
	}
	return entries, nil
}

// decodeArray reads a top-level JSON array's elements.
func decodeArray(dec *json.Decoder) ([]json.RawMessage, error) {
	if _, err := dec.Token(); err != nil { // [
		return nil, err
	}
	return decodeElements(dec)
}

// decodeElements reads array elements up to and including the closing "]".
func decodeElements(dec *json.Decoder) ([]json.RawMessage, error) {
	var entries []json.RawMessage
	for dec.More() {
		var entry json.RawMessage
		if err := dec.Decode(&entry); err != nil {
			return nil, err
		}
		entries = append(entries, entry)
	}
	_, err := dec.Token() // ]
	return entries, err
}

// decodeObject reads a top-level object: a CloudTrail file's "Records"
// array, or a single record (data[start:] up to the end of the object).
func decodeObject(dec *json.Decoder, data []byte, start int) ([]json.RawMessage, error) {
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var entries []json.RawMessage
	var keys []string
	hasRecords, isRecord := false, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		switch strings.ToLower(key) {
		case "eventname", "eventsource", "eventtime", "eventid":
			isRecord = true
		}
		if key != "Records" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		hasRecords = true
		tok, err = dec.Token()
		if err != nil {
			return nil, err
		}
		if tok == nil { // "Records": null
			continue
		}
		if tok != json.Delim('[') {
			return nil, errors.New(`"Records" is not a JSON array`)
		}
		if entries, err = decodeElements(dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, err
	}
	switch {
	case hasRecords:
		return entries, nil
	case isRecord:
		return []json.RawMessage{bytes.Clone(data[start:dec.InputOffset()])}, nil
	}
	slices.Sort(keys)
	if len(keys) > 8 {
		keys = append(keys[:8], "…")
	}
	return nil, fmt.Errorf(`JSON object is neither a CloudTrail file ({"Records":[...]}) nor a record: keys %s`,
		strings.Join(keys, ", "))
}

// syntaxError names where invalid JSON breaks. The streaming decoder
// reports the start of the value it was reading; a validating pass over the
// whole input finds the offending byte.
func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		var exact *json.SyntaxError
		if errors.As(json.Unmarshal(data, new(json.RawMessage)), &exact) {
			se, err = exact, exact
		}
		line, col := position(data, int(se.Offset))
		return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid JSON: truncated: %w", err)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// position converts a byte offset to a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}

func firstRunes(b []byte, n int) string {
	s := []rune(string(b[:min(len(b), n*4)]))
	return string(s[:min(len(s), n)])
}
