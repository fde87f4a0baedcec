package record

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
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
		func(i int, _ string, events []investigation.Event, _ []int) { perFile[i] = slices.Clone(events) })
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
	return readDir(dir, f, func(int) {}, func(_ int, _ string, events []investigation.Event, _ []int) { each(events) })
}

// readDir finds the trail files under dir, announces their number, and
// reads them on every core, handing file i's kept events to each as
// readFile does.
func readDir(dir string, f Filter, found func(n int), each func(i int, path string, events []investigation.Event, at []int)) ([]Rejected, error) {
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
		stats, err := readFile(file.path, f, func(events []investigation.Event, at []int) { each(i, file.path, events, at) })
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
	marks       []bool
	kept        []investigation.Event
	keptAt      []int
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
// (when there are any) in a slice that is reused after each returns, with
// where each one's record lies in the file's content (-1: elsewhere).
func readFile(path string, filter Filter, each func(events []investigation.Event, at []int)) (DecodeStats, error) {
	b := buffersPool.Get().(*fileBuffers)
	defer b.release()
	data, err := b.content(path)
	if err != nil {
		return DecodeStats{Reasons: map[string]int{}}, err
	}
	if b.entries, err = split(data, b.entries); err != nil {
		return DecodeStats{Reasons: map[string]int{}}, err
	}
	var stats DecodeStats
	b.marks = nameMarks(data, b.entries, filter, b.marks)
	b.keptAt = b.keptAt[:0]
	b.kept, stats, err = decodeEntries(b.entries, filter, b.marks, b.kept[:0], &b.keptAt)
	if err == nil && len(b.kept) > 0 {
		each(b.kept, b.keptAt)
	}
	return stats, err
}

// content reads a file into b, decompressing it when it is gzip.
func (b *fileBuffers) content(path string) ([]byte, error) {
	var err error
	if b.file, err = readAllInto(b.file[:0], path); err != nil {
		return nil, err
	}
	if !isGzip(b.file) {
		return b.file, nil
	}
	if b.plain, err = b.gunzip(b.file); err != nil {
		return nil, err
	}
	return b.plain, nil
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
