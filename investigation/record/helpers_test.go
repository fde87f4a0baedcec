package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

// sampleEvent returns the event with id from a sample file.
func sampleEvent(t *testing.T, file, id string) investigation.Event {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, e := range events {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("%s: no event %s", file, id)
	return investigation.Event{}
}

// record builds a minimal CloudTrail record; request and response are JSON
// (empty for null).
func record(source, name, request, response string) []byte {
	if request == "" {
		request = "null"
	}
	if response == "" {
		response = "null"
	}
	return fmt.Appendf(nil, `{"eventVersion":"1.08","eventTime":"2024-05-01T10:00:00Z","eventSource":%q,
		"eventName":%q,"awsRegion":"us-east-1","eventID":"00000000-0000-0000-0000-000000000001",
		"userIdentity":{"type":"IAMUser","userName":"alice","arn":"arn:aws:iam::123456789012:user/alice",
		"accountId":"123456789012","accessKeyId":"AKIAEXAMPLE"},"userAgent":"aws-cli/2.15.0",
		"requestParameters":%s,"responseElements":%s,"recipientAccountId":"123456789012"}`,
		source, name, request, response)
}

// withFields returns raw with top-level fields set or replaced.
func withFields(t *testing.T, raw []byte, fields map[string]any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustParse(t *testing.T, raw []byte) investigation.Event {
	t.Helper()
	e, err := Parse(raw)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	return e
}

func hasResource(e investigation.Event, typ, name string) bool {
	for _, r := range e.Resources {
		if r.Type == typ && r.Name == name {
			return true
		}
	}
	return false
}

func hasType(e investigation.Event, typ string) bool {
	for _, r := range e.Resources {
		if r.Type == typ {
			return true
		}
	}
	return false
}
