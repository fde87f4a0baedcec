package record

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
	stats := DecodeStats{Reasons: map[string]int{}}
	data, err := gunzipIfCompressed(data)
	if err != nil {
		return nil, stats, err
	}
	entries, err := splitEntries(data)
	if err != nil {
		return nil, stats, err
	}
	stats.Entries = len(entries)
	events := make([]investigation.Event, 0, len(entries))
	needles := nameNeedles(f.Names)
	for _, raw := range entries {
		if f.skipRaw(raw, needles) {
			continue
		}
		e, err := parse(raw)
		if err != nil {
			stats.Skipped++
			stats.Reasons[err.Error()]++
			continue
		}
		events = append(events, e)
	}
	if len(events) == 0 && stats.Skipped > 0 {
		return nil, stats, noRecordsError(entries[0], stats)
	}
	return events, stats, nil
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
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
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

// ReadDir reads every *.json and *.json.gz file at any depth under dir, in
// lexical order. A file that cannot be read or decoded is listed in Rejected
// with its path and reason, and the rest are still read; so are the entries a
// read file had to skip. The error is only for a dir that cannot be walked.
// Files are decoded on every core, each file's events kept in its place.
func ReadDir(dir string) ([]investigation.Event, []Rejected, error) {
	return ReadDirFilter(dir, Filter{})
}

// ReadDirFilter is ReadDir keeping only the events f selects. Each record is
// decided as early as it can be (its time before it is decoded), and each
// file as soon as it is read, so the memory held is what answers the
// question, not the trail. A record f.Names rules out is dropped undecoded.
func ReadDirFilter(dir string, f Filter) ([]investigation.Event, []Rejected, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read trail folder: %w", err)
	}
	if !info.IsDir() {
		return nil, nil, fmt.Errorf("read trail folder: %s is not a directory", dir)
	}
	type file struct {
		path     string
		events   []investigation.Event
		rejected []Rejected
	}
	var files []*file
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, walkErr error) error {
		if walkErr != nil {
			files = append(files, &file{path: path, rejected: []Rejected{{File: path, Reason: walkErr.Error()}}})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && isTrailFile(d.Name()) {
			files = append(files, &file{path: path})
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read trail folder %s: %w", dir, err)
	}
	forEachParallel(len(files), func(i int) {
		file := files[i]
		if file.rejected != nil {
			return
		}
		evs, stats, err := readFile(file.path, f)
		switch {
		case err != nil:
			file.rejected = append(file.rejected, Rejected{File: file.path, Reason: err.Error()})
		case stats.Skipped > 0:
			file.rejected = append(file.rejected, Rejected{File: file.path, Reason: fmt.Sprintf(
				"%d of %d entries skipped (%s)", stats.Skipped, stats.Entries, mostCommonReason(stats))})
		}
		if f.Keep != nil {
			var kept []investigation.Event // a slice of its own: the file's array is let go
			for i := range evs {
				if f.Keep(&evs[i]) {
					kept = append(kept, evs[i])
				}
			}
			evs = kept
		}
		file.events = evs
	})
	var events []investigation.Event
	var rejected []Rejected
	for _, f := range files {
		events = append(events, f.events...)
		rejected = append(rejected, f.rejected...)
	}
	return events, rejected, nil
}

// forEachParallel runs fn(0) … fn(n-1) on as many goroutines as there are
// cores, and returns when all are done.
func forEachParallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

func isTrailFile(name string) bool {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, ".json") || strings.HasSuffix(l, ".json.gz")
}

func readFile(path string, filter Filter) ([]investigation.Event, DecodeStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, DecodeStats{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, DecodeStats{}, err
	}
	if len(data) > MaxFileBytes {
		return nil, DecodeStats{}, fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)
	}
	return decode(data, filter)
}
