package record

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
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
	data, err := gunzipIfCompressed(data)
	if err != nil {
		return nil, DecodeStats{Reasons: map[string]int{}}, err
	}
	entries, err := split(data, nil)
	if err != nil {
		return nil, DecodeStats{Reasons: map[string]int{}}, err
	}
	var kept []investigation.Event
	kept, stats, err := decodeEntries(entries, f, kept)
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
// events f keeps to kept. Each kept event's Raw is a copy: entries may point
// into a buffer that is reused.
func decodeEntries(entries []entry, f Filter, kept []investigation.Event) ([]investigation.Event, DecodeStats, error) {
	stats := DecodeStats{Entries: len(entries), Reasons: map[string]int{}}
	needles := nameNeedles(f.Names)
	decoded := 0
	for _, en := range entries {
		if f.skipEntry(en, needles) {
			continue
		}
		raw := en.raw
		if !f.NoRaw {
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
	var perFile [][]investigation.Event
	rejected, err := readDir(dir, f, func(n int) { perFile = make([][]investigation.Event, n) },
		func(i int, events []investigation.Event) { perFile[i] = slices.Clone(events) })
	if err != nil {
		return nil, nil, err
	}
	n := 0
	for _, evs := range perFile {
		n += len(evs)
	}
	events := make([]investigation.Event, 0, n)
	for i, evs := range perFile {
		events = append(events, evs...)
		perFile[i] = nil
	}
	return events, rejected, nil
}

// ReadDirEach is ReadDirFilter handing each file's kept events to each
// instead of holding them, for a reader that keeps less than the events.
// each is called from several goroutines at once, files in no particular
// order; the slice it is given is reused once it returns.
func ReadDirEach(dir string, f Filter, each func(events []investigation.Event)) ([]Rejected, error) {
	return readDir(dir, f, func(int) {}, func(_ int, events []investigation.Event) { each(events) })
}

// readDir finds the trail files under dir, announces their number, and
// reads them on every core, handing file i's kept events to each.
func readDir(dir string, f Filter, found func(n int), each func(i int, events []investigation.Event)) ([]Rejected, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("read trail folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("read trail folder: %s is not a directory", dir)
	}
	type file struct {
		path     string
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
		return nil, fmt.Errorf("read trail folder %s: %w", dir, err)
	}
	found(len(files))
	forEachParallel(len(files), func(i int) {
		file := files[i]
		if file.rejected != nil {
			return
		}
		stats, err := readFile(file.path, f, func(events []investigation.Event) { each(i, events) })
		switch {
		case err != nil:
			file.rejected = append(file.rejected, Rejected{File: file.path, Reason: err.Error()})
		case stats.Skipped > 0:
			file.rejected = append(file.rejected, Rejected{File: file.path, Reason: fmt.Sprintf(
				"%d of %d entries skipped (%s)", stats.Skipped, stats.Entries, mostCommonReason(stats))})
		}
	})
	var rejected []Rejected
	for _, f := range files {
		rejected = append(rejected, f.rejected...)
	}
	return rejected, nil
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

// fileBuffers are what reading one file needs, kept between files: the
// file's bytes, its decompressed content, its entries and the events kept.
type fileBuffers struct {
	file, plain []byte
	zr          *gzip.Reader
	entries     []entry
	kept        []investigation.Event
}

var buffersPool = sync.Pool{New: func() any { return new(fileBuffers) }}

// maxPooledBytes bounds the buffers kept for the next file: an unusually
// large file's are let go.
const maxPooledBytes = 32 << 20

func (b *fileBuffers) release() {
	if cap(b.file) > maxPooledBytes || cap(b.plain) > maxPooledBytes {
		return
	}
	clear(b.kept[:cap(b.kept)]) // the events belong to the caller now
	b.kept = b.kept[:0]
	buffersPool.Put(b)
}

// readFile reads and decodes one file, handing the events it keeps to each
// (when there are any) in a slice that is reused after each returns.
func readFile(path string, filter Filter, each func([]investigation.Event)) (DecodeStats, error) {
	b := buffersPool.Get().(*fileBuffers)
	defer b.release()
	var err error
	if b.file, err = readAllInto(b.file[:0], path); err != nil {
		return DecodeStats{}, err
	}
	data := b.file
	if isGzip(data) {
		if b.plain, err = b.gunzip(data); err != nil {
			return DecodeStats{Reasons: map[string]int{}}, err
		}
		data = b.plain
	}
	if b.entries, err = split(data, b.entries); err != nil {
		return DecodeStats{Reasons: map[string]int{}}, err
	}
	var stats DecodeStats
	b.kept, stats, err = decodeEntries(b.entries, filter, b.kept[:0])
	if err == nil && len(b.kept) > 0 {
		each(b.kept)
	}
	return stats, err
}

// readAllInto reads a file of at most MaxFileBytes into buf.
func readAllInto(buf []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() < MaxFileBytes {
		buf = slices.Grow(buf, int(info.Size())+1)
	}
	buf, err = readUpTo(buf, f, MaxFileBytes)
	if err != nil {
		return buf, err
	}
	if len(buf) > MaxFileBytes {
		return buf, fmt.Errorf("larger than %d MiB", MaxFileBytes>>20)
	}
	return buf, nil
}

// readUpTo appends r's content to buf, stopping once more than limit bytes
// were read.
func readUpTo(buf []byte, r io.Reader, limit int) ([]byte, error) {
	for len(buf) <= limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):min(cap(buf), limit+1)]
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// maxDeflateRatio is the most deflate can expand its input by.
const maxDeflateRatio = 1032

func isGzip(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }

// gunzip decompresses data into b.plain, sized up front from the size the
// gzip trailer records.
func (b *fileBuffers) gunzip(data []byte) ([]byte, error) {
	var err error
	if b.zr == nil {
		b.zr, err = gzip.NewReader(bytes.NewReader(data))
	} else {
		err = b.zr.Reset(bytes.NewReader(data))
	}
	if err != nil {
		b.zr = nil
		return b.plain, fmt.Errorf("gzip: %w", err)
	}
	out := b.plain[:0]
	// The trailer's size is a hint (of the last member only, modulo 4 GiB),
	// bounded by what deflate can expand the input to.
	size := int(binary.LittleEndian.Uint32(data[len(data)-4:]))
	if size <= min(MaxFileBytes, len(data)*maxDeflateRatio) {
		out = slices.Grow(out, size+1)
	}
	out, err = readUpTo(out, b.zr, MaxFileBytes)
	if err != nil {
		return out, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > MaxFileBytes {
		return out, fmt.Errorf("decompressed content exceeds %d MiB", MaxFileBytes>>20)
	}
	return out, nil
}
