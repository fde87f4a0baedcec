package record

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// BenchmarkReadDirIndex reads and indexes the Invictus trail: 55 S3 log
// files, 2,900 records.
func BenchmarkReadDirIndex(b *testing.B) {
	dir := filepath.Join(samplesDir, "invictus-ir_aws_dataset", "CloudTrail")
	b.ReportAllocs()
	for b.Loop() {
		events, rejected, err := ReadDir(dir)
		if err != nil || len(rejected) > 0 {
			b.Fatal(err, rejected)
		}
		if ix := NewIndex(events); ix.Len() != 2900 {
			b.Fatalf("indexed %d events", ix.Len())
		}
	}
}

// benchTrailCopies is how many times the Invictus trail is repeated in the
// gzip trail BenchmarkReadDirFilter reads: 550 files, 29,000 records.
const benchTrailCopies = 10

// BenchmarkReadDirFilter reads a gzip trail of 29,000 records the way
// `changes` does: everything, the window's changes (half of the trail's
// time, read-only calls and raw records dropped), one resource's records.
func BenchmarkReadDirFilter(b *testing.B) {
	src := filepath.Join(samplesDir, "invictus-ir_aws_dataset", "CloudTrail")
	all, _, err := ReadDir(src)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatal(err, "no sample files")
	}
	for i := range benchTrailCopies {
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			zw := gzip.NewWriter(&buf)
			if _, err := zw.Write(data); err != nil || zw.Close() != nil {
				b.Fatal("gzip", err)
			}
			out := filepath.Join(dir, fmt.Sprintf("%02d", i), filepath.Base(f)+".gz")
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	slices.SortFunc(all, func(a, b investigation.Event) int { return a.Time.Compare(b.Time) })
	start, end := all[len(all)/4].Time, all[3*len(all)/4].Time
	records := float64(len(all) * benchTrailCopies)
	for _, bc := range []struct {
		name string
		f    Filter
	}{
		{"all", Filter{}},
		{"changes", Filter{Start: start, End: end, SkipReadOnly: true, NoRaw: true}},
		{"resource", Filter{Start: start, End: end, Names: []string{"sg-04cfb7a4712d75b00"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				events, rejected, err := ReadDirFilter(dir, bc.f)
				if err != nil || len(rejected) > 0 || len(events) == 0 {
					b.Fatal(err, rejected, len(events))
				}
			}
			b.ReportMetric(records*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkLookup is one ResourceName lookup over the indexed Invictus trail.
func BenchmarkLookup(b *testing.B) {
	events, _, err := ReadDir(filepath.Join(samplesDir, "invictus-ir_aws_dataset", "CloudTrail"))
	if err != nil {
		b.Fatal(err)
	}
	ix := NewIndex(events)
	q := investigation.Lookup{Region: "us-east-1", Key: investigation.AttrResourceName, Value: "sg-04cfb7a4712d75b00"}
	b.ReportAllocs()
	for b.Loop() {
		if len(ix.Lookup(q)) == 0 {
			b.Fatal("no events")
		}
	}
}
