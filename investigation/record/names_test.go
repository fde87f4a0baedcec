package record

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// checkMarks fails unless the search over the whole file marks exactly the
// entries the per-record check keeps.
func checkMarks(t *testing.T, name string, data []byte, needles [][]byte) {
	t.Helper()
	entries, ok := splitFast(data, nil)
	if !ok {
		t.Fatalf("%s: not split by the splitter's own pass", name)
	}
	got := markNames(data, entries, needles, nil)
	for i, en := range entries {
		if want := mayName(en.raw, needles); got[i] != want {
			t.Errorf("%s, needles %q: entry %d %s marked %v, the record's own check says %v", name, needles, i, en.raw, got[i], want)
		}
	}
}

func TestMarkNames(t *testing.T) {
	for _, tc := range []struct {
		name, data, needle string
		want               []bool
	}{
		{"named", `{"Records":[{"n":"orders"},{"n":"billing"}]}`, "orders", []bool{true, false}},
		{"each record", `[{"n":"orders"},{"n":"orders-2","m":"orders"},{"n":"x"}]`, "orders", []bool{true, true, false}},
		{"escaped letter", `[{"n":"\u006frders"},{"n":"b"}]`, "orders", []bool{true, false}},
		{"escaped slash", `[{"n":"a"},{"n":"role\/x"}]`, "orders", []bool{false, false}},
		{"escaped control characters", `[{"n":"a\n\t"},{"n":"\r\b\f"}]`, "orders", []bool{false, false}},
		{"escape for another letter", `[{"n":"\u003c"},{"n":"\u0073"}]`, "orders", []bool{false, true}},
		{"escape beyond ASCII", `[{"n":"\u00e9"},{"n":"\ud83d\ude00"}]`, "orders", []bool{true, true}},
		{"escaped backslash before u", `[{"n":"\\u006f"},{"n":"b"}]`, "orders", []bool{false, false}},
		{"quote and backslash hide nothing", `[{"n":"a\"b\\c"},{"n":"b"}]`, "orders", []bool{false, false}},
		{"url encoded", `[{"n":"b"},{"n":"arn%3Aaws%3A%6Frders"}]`, "orders", []bool{false, true}},
		{"url encoded other bytes", `[{"n":"arn%3Aaws%2C"},{"n":"%7B%22a%22%7D"}]`, "orders", []bool{false, false}},
		{"url encoding cut short", `[{"n":"50%"},{"n":"%4"},{"n":"%zz"}]`, "orders", []bool{true, true, true}},
		{"escaped percent", `[{"n":"\u00256Frders"},{"n":"%\u00366F"}]`, "orders", []bool{true, true}},
		{"outside any record", `{"Other":"orders","Records":[{"n":"b"}],"More":"%"}`, "orders", []bool{false}},
		{"across two records", `[{"a":1},{"b":2}]`, "},{", []bool{false, false}},
		{"record's last byte", `[{"a":1},{"b":2}]`, "1}", []bool{true, false}},
		{"braces in strings", `[{"p":"},{\"n\":\"orders"},{"n":"orders"}]`, "orders", []bool{true, true}},
		{"rarest byte first", `[{"n":"zzzzorders"},{"n":"ordersqq"},{"n":"qorder"}]`, "ordersq", []bool{false, true, false}},
		{"overlapping", `[{"n":"aab"},{"n":"aaab"}]`, "aaab", []bool{false, true}},
		{"no records", `{"Records":[]}`, "orders", []bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, needles := []byte(tc.data), [][]byte{[]byte(tc.needle)}
			entries, ok := splitFast(data, nil)
			if !ok {
				t.Fatal("not split")
			}
			if got := markNames(data, entries, needles, nil); !slices.Equal(got, tc.want) {
				t.Errorf("marked %v, want %v", got, tc.want)
			}
			checkMarks(t, tc.name, data, needles)
		})
	}
}

// TestMarkNamesAgreesWithMayName: over every sample and corpus file, for
// names their records hold and names they do not, the search over the file
// marks what the per-record check keeps.
func TestMarkNamesAgreesWithMayName(t *testing.T) {
	paths := sampleAndCorpusPaths(t)
	files := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if data, err = gunzipIfCompressed(data); err != nil {
			continue
		}
		entries, ok := splitFast(data, nil)
		if !ok || len(entries) == 0 {
			continue
		}
		files++
		needles := [][]byte{[]byte("no-such-resource-name"), []byte("a"), []byte("us-east-1"), []byte("0")}
		for _, en := range entries[:min(len(entries), 3)] {
			if e, err := parse(en.raw); err == nil {
				for _, r := range e.Resources {
					if n := nameNeedles([]string{r.Name}); n != nil {
						needles = append(needles, n...)
					}
				}
			}
		}
		for i, n := range needles {
			checkMarks(t, fmt.Sprintf("%s needle %d", p, i), data, [][]byte{n})
		}
		checkMarks(t, p, data, needles)
	}
	if files < 50 {
		t.Errorf("only %d files read: the samples are missing", files)
	}
}

// FuzzMarkNames: for any file the splitter reads and any name, the search
// over the file agrees with the per-record check.
func FuzzMarkNames(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, "us-east-1")
	}
	f.Add([]byte(`[{"a":1},{"b":2}]`), "},{")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		needles := nameNeedles([]string{name})
		if needles == nil {
			return
		}
		if _, ok := splitFast(data, nil); ok {
			checkMarks(t, "fuzz", data, needles)
		}
	})
}

// FuzzMayNameKeepsNamed: whatever a record's bytes, every resource name its
// decode reads is one the raw check keeps the record for.
func FuzzMayNameKeepsNamed(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		if entries, ok := splitFast(s, nil); ok {
			for _, en := range entries {
				f.Add(en.raw)
			}
		}
	}
	for _, s := range []string{
		`{"eventTime":"2024-05-01T10:00:00Z","eventSource":"lambda.amazonaws.com","eventName":"GetFunction","requestParameters":{"functionName":"arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3A%6Frders"}}`,
		`{"eventTime":"2024-05-01T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"DeleteRole","requestParameters":{"roleName":"\u006frders"}}`,
		`{"eventTime":"2024-05-01T10:00:00Z","eventSource":"sqs.amazonaws.com","eventName":"DeleteQueue","requestParameters":{"queueUrl":"https://sqs.us-east-1.amazonaws.com/1/\u0025%36Frders"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := Parse(raw)
		if err != nil {
			return
		}
		for _, r := range e.Resources {
			if needles := nameNeedles([]string{r.Name}); needles != nil && !mayName(raw, needles) {
				t.Fatalf("the record names %q (%s) but the raw check drops it: %s", r.Name, r.Type, raw)
			}
		}
	})
}
