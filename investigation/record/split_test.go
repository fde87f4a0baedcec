package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// checkSplit: the one-pass splitter, when it reads a file, finds exactly
// the entries encoding/json finds, and the top-level values the decode reads.
func checkSplit(t *testing.T, data []byte) {
	t.Helper()
	fast, ok := splitFast(data, nil)
	slow, err := splitEntries(data)
	if ok {
		if err != nil {
			t.Fatalf("split %q, encoding/json refuses it: %v", firstRunes(data, 60), err)
		}
		if len(fast) != len(slow) {
			t.Fatalf("%d entries, encoding/json finds %d", len(fast), len(slow))
		}
		for i := range fast {
			if !bytes.Equal(fast[i].raw, slow[i]) {
				t.Fatalf("entry %d is %q, encoding/json's %q", i, fast[i].raw, slow[i])
			}
		}
	}
	entries, splitErr := split(data, nil)
	if (splitErr == nil) != (err == nil) || err != nil && splitErr.Error() != err.Error() {
		t.Fatalf("split error %v, encoding/json's %v", splitErr, err)
	}
	for _, en := range entries {
		checkEntryValues(t, en)
		checkTopLevel(t, en.raw)
		checkWalk(t, en.raw)
	}
}

// checkWalk: walking a record's parameters as bytes finds the resources
// walking them as encoding/json decodes them finds, in the same order.
func checkWalk(t *testing.T, raw []byte) {
	t.Helper()
	r, err := decodeRecord(raw)
	if err != nil {
		return
	}
	got, want := collectResources(r, false), collectResources(r, true)
	if !slices.Equal(got, want) {
		t.Fatalf("resources %v, walking decoded values %v", got, want)
	}
}

// checkTopLevel: the record decode of its own reads what encoding/json reads.
func checkTopLevel(t *testing.T, raw []byte) {
	t.Helper()
	got, ok := decodeTopLevel(raw)
	if !ok {
		return
	}
	var want rawRecord
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(raw, &want); err != nil && !errors.As(err, &typeErr) {
		t.Fatalf("read a record encoding/json refuses: %v", err)
	}
	if typeErr != nil && typeErr.Field == "" {
		t.Fatalf("read %q, not an object to encoding/json", raw)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read %+v, encoding/json %+v", got, want)
	}
}

// checkEntryValues: an entry the splitter is sure of holds the eventTime
// and readOnly values encoding/json decodes.
func checkEntryValues(t *testing.T, en entry) {
	t.Helper()
	if en.unsure {
		return
	}
	var r rawRecord
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(en.raw, &r); err != nil && !errors.As(err, &typeErr) {
		t.Fatalf("sure of an entry encoding/json refuses: %v", err)
	}
	if !bytes.Equal(en.ro, r.ReadOnly) {
		t.Fatalf("readOnly %q, encoding/json's %q", en.ro, r.ReadOnly)
	}
	var at string
	if json.Unmarshal(en.time, &at) == nil && at != r.EventTime {
		t.Fatalf("eventTime %q, encoding/json's %q", at, r.EventTime)
	}
	if en.time == nil && r.EventTime != "" {
		t.Fatalf("no eventTime found, encoding/json's %q", r.EventTime)
	}
}

func TestSplitAgreesOnSamples(t *testing.T) {
	n := 0
	err := filepath.WalkDir(samplesDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if data, err = gunzipIfCompressed(data); err != nil {
			return nil
		}
		t.Run(path, func(t *testing.T) { checkSplit(t, data) })
		n++
		return nil
	})
	if err != nil || n < 100 {
		t.Fatalf("%d sample files read: %v", n, err)
	}
}

func TestSplit(t *testing.T) {
	a := recordAt("a", "2024-05-01T10:00:00Z")
	for _, tc := range []struct {
		data    string
		entries int
		fast    bool
	}{
		{`{"Records":[` + a + `,` + a + `]}`, 2, true},
		{" \n{ \"Records\" : [ " + a + " , 42 , null, \"x\" ] , \"x\":[1.5e3,-0,true,{}] }\n", 4, true},
		{"\xef\xbb\xbf[" + a + "]", 1, true},
		{`[]`, 0, true},
		{`{"Records":[]}`, 0, true},
		{a, 1, false},                                      // a single record: encoding/json's
		{`{"Records":null}`, 0, false},                     // left to encoding/json
		{`{"Records":[` + a + `],"Records":[]}`, 0, false}, // the last one counts there
		{`{"Rec\u006frds":[` + a + `]}`, 1, false},
		{"[" + a + "]\f", 1, false},
		{`[` + a + `,]`, -1, false},
		{`[01]`, -1, false},
		{`["a` + "\x01" + `"]`, -1, false},
		{`["\x"]`, -1, false},
		{`[1.]`, -1, false},
		{`[tru]`, -1, false},
		{`{"Records":[` + a + `]`, -1, false},
		{strings.Repeat("[", 300) + strings.Repeat("]", 300), 1, false},
	} {
		_, fast := splitFast([]byte(tc.data), nil)
		entries, err := split([]byte(tc.data), nil)
		if fast != tc.fast || tc.entries < 0 && err == nil || tc.entries >= 0 && len(entries) != tc.entries {
			t.Errorf("%.60s: fast %v, %d entries (%v), want fast %v, %d entries", tc.data, fast, len(entries), err, tc.fast, tc.entries)
		}
		checkSplit(t, []byte(tc.data))
	}
}

// FuzzSplit: the splitter never reads a file differently from
// encoding/json.
func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range []string{
		`{"Records":[{"eventTime":"2024-05-01T10:00:00Z","readOnly":true,"EventTime":"x"}]}`,
		`[{"readonly":"TRUE","a":{"readOnly":false}},{"\u0065ventTime":1}]`,
		`{"Records":[{"eventTime":"a\"b"}],"other":{"Records":[]}}`,
		`[{"EVENTNAME":"a","eventName":5,"userIdentity":{"type":1,"arn":"x"},"userIdentity":{"type":"t"},"errorCode":null,"userAgent":"\u00e9\u0000"}]`,
		`[{"eventSource":"ec2.amazonaws.com","eventName":"CreateFlowLogs","requestParameters":{"b":{"content":"sg-0123abcd","tag":1},"SecurityGroupId":"sg-1","securityGroupId":"sg-2","a":[{"items":["i-0a"]},"arn:aws:iam::1:role/x"],"k\u0065y":"sg-3"}}]`,
		`[{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"a","USERNAME":"u","x":{"arn":"b"}},"attributes":{}},"sessionContext":{"sessionIssuer":{"arn":"c"}},"onBehalfOf":{"userId":"o","userId":5}}},{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"a","user\u004eame":"n"}},"onBehalfOf":"x"}},{"userIdentity":{"a\u0072n":"z","type":"t","sessionContext":[1]}}]`,
		"[{\"eventName\":\"caf\xe9\",\"userAgent\":\"ok\",\"x\xff\":1}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplit(t, data)
	})
}

// skipPlain stops where a byte-by-byte scan stops, wherever the quote,
// backslash or control character falls in the eight-byte words.
func TestSkipPlain(t *testing.T) {
	for n := range 40 {
		for at := range n + 1 {
			for _, c := range []byte{'"', '\\', 0x00, 0x1f, 0x21, 0x5b, 0x80, 0xff, 'a'} {
				d := bytes.Repeat([]byte{0xa2}, n) // a byte that borrows nothing
				want := n
				if at < n {
					d[at] = c
					if inString[c] {
						want = at
					}
				}
				if got := skipPlain(d, 0); got != want {
					t.Fatalf("%d bytes, %#x at %d: stopped at %d, want %d", n, c, at, got, want)
				}
				if got := skipPlain(d, min(at, n)); got != max(want, min(at, n)) {
					t.Fatalf("%d bytes from %d: stopped at %d", n, at, got)
				}
			}
		}
	}
}
