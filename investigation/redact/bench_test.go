package redact

import (
	"encoding/json"
	"testing"
)

// benchRecord is a sample record of about 4 KB, the size of a
// CloudTrail record with request and response parameters.
func benchRecord(b *testing.B) []byte {
	b.Helper()
	var best json.RawMessage
	for _, recs := range sampleRecords(b) {
		for _, r := range recs {
			if d := len(r) - 4096; d >= 0 && (best == nil || d < len(best)-4096) {
				best = r
			}
		}
	}
	if best == nil {
		b.Fatal("no sample record of 4 KB")
	}
	return best
}

func BenchmarkJSONRecord4KB(b *testing.B) {
	rec := benchRecord(b)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		JSON(rec)
	}
}

// A 200-byte log line without a secret: the common case, paid on every
// line of every report.
func BenchmarkTextLogLine(b *testing.B) {
	line := "2024-07-31T12:46:41Z DeleteTrail by arn:aws:iam::847129010505:user/alice on stratus-red-team-trail " +
		"from 203.0.113.7 (aws-cli/2.15.0 Python/3.11.6) event ee73c230-44bc-4492-8542-cfb189eae287"
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		Text(line)
	}
}

// A 200-byte log line with a key id and a password in a URL.
func BenchmarkTextLogLineWithSecrets(b *testing.B) {
	line := "2024-07-31T12:46:41Z connect postgres://orders:Tr0ub4dor3@orders.cluster-abc.eu-west-1.rds.amazonaws.com:5432/orders " +
		"with key AKIAIOSFODNN7EXAMPLE token=abc123 region=eu-west-1 retry=3 ok"
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		Text(line)
	}
}
