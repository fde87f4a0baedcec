// Command gentrail writes a large, realistic CloudTrail trail for measuring
// the offline readers: the records of real sample files, replicated with new
// event ids and times, in gzip-compressed S3 log files ({"Records":[...]}).
//
//	go run ./devtools/gentrail --from DIR --out DIR --records 1000000 --files 1000
//
// Times are spread over --span ending at --end, so a window question selects
// a known share of the trail. Every value other than the id and the time is
// the sample's own.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	from := flag.String("from", "", "folder of sample CloudTrail files (.json, .json.gz)")
	out := flag.String("out", "", "folder to write the trail to (created)")
	records := flag.Int("records", 100_000, "records to write")
	files := flag.Int("files", 100, "gzip files to spread them over")
	end := flag.String("end", "2026-03-01T12:00:00Z", "time of the newest record (RFC 3339)")
	span := flag.Duration("span", 24*time.Hour, "time the records are spread over, ending at --end")
	flag.Parse()
	if err := run(*from, *out, *records, *files, *end, *span); err != nil {
		fmt.Fprintln(os.Stderr, "gentrail:", err)
		os.Exit(1)
	}
}

func run(from, out string, records, files int, endText string, span time.Duration) error {
	if from == "" || out == "" || records <= 0 || files <= 0 || span <= 0 {
		return fmt.Errorf("--from, --out, and positive --records, --files and --span are required")
	}
	end, err := time.Parse(time.RFC3339, endText)
	if err != nil {
		return fmt.Errorf("--end: %w", err)
	}
	samples, err := readSamples(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	step := span / time.Duration(records)
	n := 0
	for f := range files {
		count := records/files + btoi(f < records%files)
		var buf bytes.Buffer
		buf.WriteString(`{"Records":[`)
		for i := range count {
			rec := samples[n%len(samples)]
			rec["eventID"] = newID()
			rec["eventTime"] = end.Add(-time.Duration(records-1-n) * step).UTC().Format(time.RFC3339)
			line, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(line)
			n++
		}
		buf.WriteString("]}")
		// S3 log files sit under AWSLogs/account/CloudTrail/region/yyyy/mm/dd/.
		dir := filepath.Join(out, "AWSLogs", "123456789012", "CloudTrail", "us-east-1", fmt.Sprintf("%04d", f/100))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := writeGzip(filepath.Join(dir, fmt.Sprintf("trail_%06d.json.gz", f)), buf.Bytes()); err != nil {
			return err
		}
	}
	fmt.Printf("%d records in %d files under %s\n", n, files, out)
	return nil
}

func readSamples(dir string) ([]map[string]any, error) {
	var samples []map[string]any
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc struct {
			Records []map[string]any `json:"Records"`
		}
		if json.Unmarshal(data, &doc) == nil {
			samples = append(samples, doc.Records...)
		}
		return nil
	})
	if err == nil && len(samples) == 0 {
		err = fmt.Errorf("no CloudTrail records under %s", dir)
	}
	return samples, err
}

func writeGzip(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
