package record

import (
	"path/filepath"
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
