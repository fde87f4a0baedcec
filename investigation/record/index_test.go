package record

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// indexFixture is a small trail: two regions, a tie in time, a read-only
// call, an assumed role, a data event and a record delivered twice.
func indexFixture(t *testing.T) *Index {
	t.Helper()
	at := func(minutes int) string { return t0.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339) }
	ev := func(id string, minutes int, region, source, name, request string, extra map[string]any) investigation.Event {
		fields := map[string]any{"eventID": id, "eventTime": at(minutes), "awsRegion": region}
		for k, v := range extra {
			fields[k] = v
		}
		return mustParse(t, withFields(t, record(source, name, request, ""), fields))
	}
	role := map[string]any{"userIdentity": assumedRole("deployer", "pipeline-run-7"), "readOnly": false}
	events := []investigation.Event{
		ev("e1", 0, "us-east-1", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", `{"functionName":"checkout"}`, nil),
		ev("e2", 10, "us-east-1", "iam.amazonaws.com", "DetachRolePolicy", `{"roleName":"checkout-role","policyArn":"arn:aws:iam::aws:policy/P"}`, role),
		ev("e4", 20, "us-east-1", "lambda.amazonaws.com", "GetFunction20150331v2", `{"functionName":"checkout"}`, map[string]any{"readOnly": true}),
		ev("e3", 20, "us-east-1", "lambda.amazonaws.com", "UpdateFunctionConfiguration20150331v2", `{"functionName":"checkout"}`, nil),
		ev("e5", 30, "eu-west-1", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", `{"functionName":"checkout"}`, nil),
		ev("e6", 40, "us-east-1", "s3.amazonaws.com", "PutObject", `{"bucketName":"b","key":"k"}`,
			map[string]any{"eventCategory": "Data", "managementEvent": false}),
		ev("e1", 0, "us-east-1", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", `{"functionName":"checkout"}`, nil),
	}
	return NewIndex(events)
}

func ids(events []investigation.Event) string {
	var out []string
	for _, e := range events {
		out = append(out, e.ID)
	}
	return strings.Join(out, ",")
}

func TestIndexLookup(t *testing.T) {
	ix := indexFixture(t)
	if ix.Len() != 5 {
		t.Fatalf("Len = %d, want 5 (duplicate and data event left out)", ix.Len())
	}
	all := func(key, value string) investigation.Lookup {
		return investigation.Lookup{Key: key, Value: value}
	}
	tests := []struct {
		name string
		q    investigation.Lookup
		want string
	}{
		{"no attribute: everything, newest first, ties by id", investigation.Lookup{}, "e5,e3,e4,e2,e1"},
		{"ResourceName", all(investigation.AttrResourceName, "checkout"), "e5,e3,e4,e1"},
		{"ResourceName by policy ARN", all(investigation.AttrResourceName, "arn:aws:iam::aws:policy/P"), "e2"},
		{"ResourceType", all(investigation.AttrResourceType, "AWS::IAM::Role"), "e2"},
		{"EventName with its API version", all(investigation.AttrEventName, "UpdateFunctionCode20150331v2"), "e5,e1"},
		{"EventName without it matches nothing", all(investigation.AttrEventName, "UpdateFunctionCode"), ""},
		{"EventSource", all(investigation.AttrEventSource, "iam.amazonaws.com"), "e2"},
		{"EventId", all(investigation.AttrEventID, "e3"), "e3"},
		{"Username: IAM user", all(investigation.AttrUsername, "alice"), "e5,e3,e4,e1"},
		{"Username: role session", all(investigation.AttrUsername, "pipeline-run-7"), "e2"},
		{"AccessKeyId", all(investigation.AttrAccessKeyID, "ASIAEXAMPLE"), "e2"},
		{"ReadOnly true", all(investigation.AttrReadOnly, "true"), "e4"},
		{"ReadOnly in any case", all(investigation.AttrReadOnly, "FALSE"), "e5,e3,e2,e1"},
		{"unknown value", all(investigation.AttrResourceName, "nope"), ""},
		{"region", investigation.Lookup{Region: "eu-west-1", Key: investigation.AttrResourceName, Value: "checkout"}, "e5"},
		{"window edges are inclusive", investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout",
			Start: t0, End: t0.Add(20 * time.Minute)}, "e3,e4,e1"},
		{"a nanosecond inside excludes the edge events", investigation.Lookup{Key: investigation.AttrResourceName, Value: "checkout",
			Start: t0.Add(time.Nanosecond), End: t0.Add(20*time.Minute - time.Nanosecond)}, ""},
		{"open start", investigation.Lookup{End: t0.Add(10 * time.Minute)}, "e2,e1"},
		{"open end", investigation.Lookup{Start: t0.Add(20 * time.Minute)}, "e5,e3,e4"},
		{"unknown attribute", all("Color", "red"), ""},
		{"end before start", investigation.Lookup{Start: t0.Add(time.Hour), End: t0}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(ix.Lookup(tt.q)); got != tt.want {
				t.Errorf("Lookup(%+v) = %q, want %q", tt.q, got, tt.want)
			}
		})
	}
}

func TestIndexWithoutRecords(t *testing.T) {
	// Events built in code, without a record, are indexed by what they carry.
	ix := NewIndex([]investigation.Event{{
		ID: "x", Name: "PutRolePolicy", Source: "iam.amazonaws.com", Time: t0, Region: "us-east-1",
		Actor:     investigation.Actor{Name: "alice", Kind: investigation.ActorHuman},
		Resources: []investigation.EventResource{{Type: "AWS::IAM::Role", Name: "r"}},
	}})
	for _, q := range []investigation.Lookup{
		{Key: investigation.AttrUsername, Value: "alice"},
		{Key: investigation.AttrResourceName, Value: "r"},
		{Key: investigation.AttrReadOnly, Value: "false"},
	} {
		if got := ids(ix.Lookup(q)); got != "x" {
			t.Errorf("Lookup(%+v) = %q", q, got)
		}
	}
}

func TestCheckLookup(t *testing.T) {
	tests := []struct {
		q    investigation.Lookup
		want string
	}{
		{investigation.Lookup{Key: investigation.AttrResourceName, Value: "x"}, ""},
		{investigation.Lookup{}, ""},
		{investigation.Lookup{Key: "Colour", Value: "x"}, `"Colour" is not one of`},
		{investigation.Lookup{Key: investigation.AttrEventName}, "empty value"},
		{investigation.Lookup{Value: "x"}, "no attribute key"},
		{investigation.Lookup{Start: t0, End: t0.Add(-time.Second)}, "ends before it starts"},
		{investigation.Lookup{MaxEvents: -1}, "negative"},
	}
	for _, tt := range tests {
		err := CheckLookup(tt.q)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckLookup(%+v) = %v, want %q", tt.q, err, tt.want)
		}
	}
}

func TestCaller(t *testing.T) {
	raw := withFields(t, record("iam.amazonaws.com", "PutRolePolicy", "", ""),
		map[string]any{"userIdentity": assumedRole("deployer", "pipeline-run-7")})
	if user, key := Caller(mustParse(t, raw)); user != "pipeline-run-7" || key != "ASIAEXAMPLE" {
		t.Errorf("Caller = %q, %q", user, key)
	}
	built := investigation.Event{Actor: investigation.Actor{Name: "alice"}}
	if user, key := Caller(built); user != "alice" || key != "" {
		t.Errorf("Caller of a built event = %q, %q", user, key)
	}
}

// TestReadIndex: an index read file by file answers every lookup as one
// built over everything read, holding no record, and the records of the
// calls it was asked to show are read again as they were.
func TestReadIndex(t *testing.T) {
	dir := filepath.Join(samplesDir, "invictus-ir_aws_dataset", "CloudTrail")
	events, _, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	whole := NewIndex(events)
	keep := func(e *investigation.Event) Keeping {
		if e.ReadOnly {
			return KeepNothing
		}
		return KeepLocation
	}
	slim, located, _, err := ReadIndex(dir, Filter{}, keep)
	if err != nil {
		t.Fatal(err)
	}
	if slim.Len() != whole.Len() || whole.Len() == 0 {
		t.Fatalf("read %d events, whole %d", slim.Len(), whole.Len())
	}
	lookups := []investigation.Lookup{{}}
	for _, e := range events[:200] {
		u, k := Caller(e)
		lookups = append(lookups, investigation.Lookup{Key: investigation.AttrUsername, Value: u},
			investigation.Lookup{Key: investigation.AttrAccessKeyID, Value: k},
			investigation.Lookup{Key: investigation.AttrEventName, Value: e.Name})
		for _, r := range e.Resources {
			lookups = append(lookups, investigation.Lookup{Key: investigation.AttrResourceName, Value: r.Name})
		}
	}
	shown := 0
	for _, q := range lookups {
		want, got := whole.Lookup(q), slim.Lookup(q)
		if len(got) != len(want) {
			t.Fatalf("%+v: %d events, want %d", q, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.ID != w.ID {
				t.Fatalf("%+v: event %d is %s, want %s", q, i, g.ID, w.ID)
			}
			if g.Raw != nil || g.RequestJSON != nil {
				t.Fatalf("%s: the index holds its record", g.ID)
			}
			l, ok := located[g.ID]
			if ok == g.ReadOnly {
				t.Fatalf("%s (read-only %v): located %v", g.ID, g.ReadOnly, ok)
			}
			if !ok {
				continue
			}
			again, err := ReadRecords(l.File, []Location{l})
			if err != nil {
				t.Fatal(err)
			}
			if a := again[0]; a.ID != w.ID || !bytes.Equal(a.Raw, w.Raw) || !bytes.Equal(a.RequestJSON, w.RequestJSON) {
				t.Fatalf("%s read again: %s, record %q, request %q; want %q, %q", w.ID, a.ID, a.Raw, a.RequestJSON, w.Raw, w.RequestJSON)
			}
			shown++
		}
	}
	if shown == 0 {
		t.Error("no record read again")
	}
	// Held rather than located, the records are copies of the files'
	// buffers: still whole once every file was read.
	held, _, _, err := ReadIndex(dir, Filter{}, func(*investigation.Event) Keeping { return KeepRecord })
	if err != nil {
		t.Fatal(err)
	}
	want, got := whole.Lookup(investigation.Lookup{}), held.Lookup(investigation.Lookup{})
	for i := range got {
		if g, w := got[i], want[i]; g.ID != w.ID || !bytes.Equal(g.Raw, w.Raw) || !bytes.Equal(g.RequestJSON, w.RequestJSON) {
			t.Fatalf("%s held: record %q, request %q; want %s, %q, %q", g.ID, g.Raw, g.RequestJSON, w.ID, w.Raw, w.RequestJSON)
		}
	}
	if _, err := ReadRecords(filepath.Join(dir, "missing.json"), nil); err == nil {
		t.Error("a missing file read without an error")
	}
	for _, l := range located {
		l.Offset += 1 << 30
		if _, err := ReadRecords(l.File, []Location{l}); err == nil {
			t.Error("a record beyond the file's end read without an error")
		}
		break
	}
}
