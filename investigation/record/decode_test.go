package record

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recordAt is a minimal record with its own id and time.
func recordAt(id, at string) string {
	return fmt.Sprintf(`{"eventID":%q,"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":"StopInstances","awsRegion":"us-east-1"}`, id, at)
}

func gzipped(t *testing.T, data string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecode(t *testing.T) {
	a, b := recordAt("a", "2024-05-01T10:00:00Z"), recordAt("b", "2024-05-01T10:01:00Z")
	tests := []struct {
		name        string
		data        []byte
		wantIDs     string // comma-separated
		wantSkipped int
		wantErr     string
	}{
		{"S3 log file", []byte(`{"Records":[` + a + `,` + b + `]}`), "a,b", 0, ""},
		{"bare array", []byte("[\n" + a + ",\n" + b + "\n]\n"), "a,b", 0, ""},
		{"single record", []byte(a), "a", 0, ""},
		{"gzip", gzipped(t, `{"Records":[`+a+`]}`), "a", 0, ""},
		{"byte-order mark", []byte("\xef\xbb\xbf" + `{"Records":[` + a + `]}`), "a", 0, ""},
		{"empty Records", []byte(`{"Records":[]}`), "", 0, ""},
		{"skipped entries are counted",
			[]byte(`{"Records":[` + a + `,{"eventName":"x"},42,` + b + `]}`), "a,b", 2, ""},
		{"NDJSON", []byte(a + "\n" + b + "\n"), "", 0, "NDJSON"},
		{"invalid JSON names the line", []byte("{\"Records\":[\n" + a + ",\n{\"eventName\" \"x\"}]}"), "", 0, "invalid JSON at line 3"},
		{"truncated", []byte(`{"Records":[` + a), "", 0, "invalid JSON"},
		{"trailing data", []byte(`[` + a + `] x`), "", 0, "unexpected data after the first value"},
		{"empty", []byte("  \n"), "", 0, "empty file"},
		{"not JSON", []byte("eventTime,eventName\n"), "", 0, "not JSON"},
		{"Records not an array", []byte(`{"Records":{"a":1}}`), "", 0, `"Records" is not a JSON array`},
		{"other object", []byte(`{"awslogs":{"data":"H4sI"}}`), "", 0, "neither a CloudTrail file"},
		{"list of non-records", []byte(`[{"Sns":{"Message":"{}"},"EventSource":"aws:sns"}]`), "", 0, "no CloudTrail record among 1 entries"},
		{"test-fixture wrapper", []byte(`[{"_rule":"r","_test":"t","event":` + a + `}]`), "", 0, `wraps one under "event"`},
		{"gzip garbage", []byte{0x1f, 0x8b, 0x00}, "", 0, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, stats, err := Decode(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range events {
				ids = append(ids, e.ID)
			}
			if got := strings.Join(ids, ","); got != tt.wantIDs || stats.Skipped != tt.wantSkipped {
				t.Errorf("ids %q skipped %d (%v), want %q skipped %d", got, stats.Skipped, stats.Reasons, tt.wantIDs, tt.wantSkipped)
			}
			if stats.Entries != len(events)+stats.Skipped {
				t.Errorf("stats %+v do not add up to %d events", stats, len(events))
			}
		})
	}
}

func TestDecodeSkipReasons(t *testing.T) {
	_, stats, err := Decode([]byte(`[` + recordAt("a", "2024-05-01T10:00:00Z") + `,{"eventName":"x","eventSource":"s.amazonaws.com"},{"eventName":"y","eventSource":"s.amazonaws.com"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Reasons["missing eventTime"] != 2 {
		t.Errorf("reasons = %v", stats.Reasons)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/b.json.gz"),
		gzipped(t, `{"Records":[`+recordAt("b", "2024-05-01T10:01:00Z")+`]}`))
	writeFile(t, filepath.Join(dir, "a.json"), []byte(`{"Records":[`+recordAt("a", "2024-05-01T10:00:00Z")+`]}`))
	writeFile(t, filepath.Join(dir, "c.JSON"), []byte(`[`+recordAt("c", "2024-05-01T10:02:00Z")+`,{"eventName":"x"}]`))
	writeFile(t, filepath.Join(dir, "broken.json"), []byte(`{"Records":[`))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not a trail file"))
	writeFile(t, filepath.Join(dir, "lines.json"), []byte(recordAt("d", "2024-05-01T10:03:00Z")+"\n"+recordAt("e", "2024-05-01T10:04:00Z")))

	events, rejected, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ID)
	}
	if got := strings.Join(ids, ","); got != "b,a,c" {
		t.Errorf("events %q, want b,a,c (lexical path order)", got)
	}
	reasons := map[string]string{}
	for _, r := range rejected {
		reasons[filepath.Base(r.File)] = r.Reason
	}
	for file, want := range map[string]string{
		"broken.json": "invalid JSON",
		"lines.json":  "NDJSON",
		"c.JSON":      "1 of 2 entries skipped (missing eventTime, eventSource)",
	} {
		if !strings.Contains(reasons[file], want) {
			t.Errorf("%s: reason %q, want it to mention %q", file, reasons[file], want)
		}
	}
	if len(rejected) != 3 {
		t.Errorf("rejected = %v", rejected)
	}

	if _, _, err := ReadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder gave no error")
	}
	if _, _, err := ReadDir(filepath.Join(dir, "a.json")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as folder: %v", err)
	}
}
