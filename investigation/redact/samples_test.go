package redact

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// samplesDir holds public CloudTrail records, each folder with its licence.
const samplesDir = "../../testdata/samples"

// sampleRecords reads every record of the CloudTrail samples: a file's
// Records, a bare array, one object, or one object a line (NDJSON); a
// test-suite wrapper's "event".
func sampleRecords(t testing.TB) map[string][]json.RawMessage {
	t.Helper()
	out := map[string][]json.RawMessage{}
	err := filepath.WalkDir(samplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(samplesDir, path)
		out[rel] = splitRecords(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func splitRecords(data []byte) []json.RawMessage {
	var file struct {
		Records []json.RawMessage `json:"Records"`
	}
	if json.Unmarshal(data, &file) == nil && file.Records != nil {
		return file.Records
	}
	var list []json.RawMessage
	if json.Unmarshal(data, &list) == nil {
		for i, r := range list {
			var wrapped struct {
				Event json.RawMessage `json:"event"`
			}
			if json.Unmarshal(r, &wrapped) == nil && wrapped.Event != nil {
				list[i] = wrapped.Event
			}
		}
		return list
	}
	if json.Valid(data) {
		return []json.RawMessage{data}
	}
	var lines []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); json.Valid(l) {
			lines = append(lines, append(json.RawMessage(nil), l...))
		}
	}
	return lines
}

// mustKeep are the fields a person uses to verify a claim: which event,
// when, what, where, and on which resource.
var mustKeep = map[string]bool{
	"eventID": true, "eventTime": true, "eventName": true, "eventSource": true, "awsRegion": true,
	"requestID": true, "sharedEventID": true, "recipientAccountId": true, "eventType": true,
	"policyDocument": true, "assumeRolePolicyDocument": true, "resources": true,
}

// keptField says whether a member must come out unchanged: the fields
// above, ARNs and names (bucketName, roleName, functionName, userName).
func keptField(k string) bool {
	if IsCredentialKey(k) {
		return false
	}
	l := strings.ToLower(k)
	return mustKeep[k] || strings.HasSuffix(l, "arn") || strings.HasSuffix(l, "name")
}

// isPolicyText says whether a member is a policy document as text (a
// bucket or key policy is "policy"; CreatePolicy's response names its
// metadata "policy" too, with an ANPA id that is redacted like any id).
func isPolicyText(k string, v any) bool {
	_, text := v.(string)
	return text && (k == "policy" || strings.HasSuffix(k, "Policy"))
}

// compareKept walks the original and the redacted record together.
func compareKept(t *testing.T, where string, orig, red any) {
	t.Helper()
	switch o := orig.(type) {
	case map[string]any:
		r, ok := red.(map[string]any)
		if !ok {
			t.Errorf("%s: an object became %T", where, red)
			return
		}
		for k, v := range o {
			if (keptField(k) || isPolicyText(k, v)) && !reflect.DeepEqual(v, r[k]) {
				t.Errorf("%s.%s changed:\n  was %v\n  now %v", where, k, v, r[k])
				continue
			}
			compareKept(t, where+"."+k, v, r[k])
		}
	case []any:
		r, ok := red.([]any)
		if !ok || len(r) != len(o) {
			t.Errorf("%s: an array changed shape", where)
			return
		}
		for i := range o {
			compareKept(t, where, o[i], r[i])
		}
	case string:
		if strings.HasPrefix(o, "arn:") && o != red {
			t.Errorf("%s: ARN %q became %v", where, o, red)
		}
	}
}

func TestSamplesKeepWhatPeopleVerify(t *testing.T) {
	files := sampleRecords(t)
	var r Redactor
	records, withID := 0, 0
	for name, recs := range files {
		for _, raw := range recs {
			out := r.JSON(raw)
			if !json.Valid(out) {
				t.Fatalf("%s: output is not valid JSON:\n%s", name, out)
			}
			var orig, red any
			_ = json.Unmarshal(raw, &orig)
			_ = json.Unmarshal(out, &red)
			compareKept(t, name, orig, red)
			if m, ok := orig.(map[string]any); ok && m["eventID"] != nil {
				withID++
				// The record still names its event where a reader finds it.
				id, _ := m["eventID"].(string)
				if id != "" && !bytes.Contains(out, []byte(id)) {
					t.Errorf("%s: event id %s not in the redacted record", name, id)
				}
			}
			if leak := leaks(string(out)); leak != "" {
				t.Errorf("%s: %s survived:\n%s", name, leak, out)
			}
			if again := r.JSON(out); !bytes.Equal(again, out) {
				t.Errorf("%s: not idempotent", name)
			}
			records++
		}
	}
	if records < 1000 || withID < 1000 {
		t.Errorf("only %d records (%d with an event id) read from the samples", records, withID)
	}
	// The samples hold real access key ids and unique ids; they are gone.
	if r.Counts()[AccessKeyID] == 0 {
		t.Errorf("no access key id redacted in %d records: %s", records, r.String())
	}
	t.Logf("%d records from %d files: %s", records, len(files), r.String())
}
