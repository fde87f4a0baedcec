package awsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// trailFixture is a small account: a Lambda function changed and read in two
// regions by two people, and IAM changes recorded in us-east-1.
type trailFixture struct {
	records []map[string]any
}

func newTrailFixture() trailFixture {
	var f trailFixture
	at := testNow.Add(-2 * time.Hour)
	for i := range 30 {
		region := testRegion
		if i%3 == 2 {
			region = "eu-west-1"
		}
		user, key := "alice", "AKIAALICE0000000001"
		if i%2 == 1 {
			user, key = "bob", "AKIABOB00000000002"
		}
		name, readOnly := "UpdateFunctionConfiguration20150331v2", false
		if i%5 == 0 {
			name, readOnly = "GetFunction20150331v2", true
		}
		f.records = append(f.records, ctRecord(eventID(i), name, "lambda.amazonaws.com", region,
			at.Add(time.Duration(i)*time.Minute), readOnly, user, key, map[string]any{"functionName": "checkout"}))
	}
	for i := 30; i < 36; i++ {
		f.records = append(f.records, ctRecord(eventID(i), "DetachRolePolicy", "iam.amazonaws.com", testRegion,
			at.Add(time.Duration(i)*time.Minute), false, "alice", "AKIAALICE0000000001",
			map[string]any{"roleName": "checkout-role", "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}))
	}
	return f
}

// expected lists, newest first, the ids of the records in region that keep.
func (f trailFixture) expected(region string, keep func(map[string]any) bool) []string {
	var recs []map[string]any
	for _, r := range f.records {
		if r["awsRegion"] == region && keep(r) {
			recs = append(recs, r)
		}
	}
	slices.SortStableFunc(recs, func(a, b map[string]any) int {
		ta, _ := time.Parse(time.RFC3339, a["eventTime"].(string))
		tb, _ := time.Parse(time.RFC3339, b["eventTime"].(string))
		return tb.Compare(ta)
	})
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r["eventID"].(string)
	}
	return ids
}

func param(r map[string]any, key string) any {
	p, _ := r["requestParameters"].(map[string]any)
	return p[key]
}

func identity(r map[string]any, key string) any {
	return r["userIdentity"].(map[string]any)[key]
}

// lookupAll pages through LookupEvents and returns the ids in order.
func lookupAll(t *testing.T, client *cloudtrail.Client, in *cloudtrail.LookupEventsInput) ([]string, []cttypes.Event) {
	t.Helper()
	var ids []string
	var events []cttypes.Event
	p := cloudtrail.NewLookupEventsPaginator(client, in)
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			ids = append(ids, aws.ToString(e.EventId))
			events = append(events, e)
		}
	}
	return ids, events
}

func TestLookupEventsAttributes(t *testing.T) {
	f := newTrailFixture()
	a := newAWS(t, writeScenario(t, f.records, scenario.LogsFile{}))
	cfg := serve(t, a, testRegion)
	client := cloudtrail.NewFromConfig(cfg)

	tests := []struct {
		key, value string
		keep       func(map[string]any) bool
	}{
		{"ResourceName", "checkout", func(r map[string]any) bool { return param(r, "functionName") == "checkout" }},
		{"ResourceName", "checkout-role", func(r map[string]any) bool { return param(r, "roleName") == "checkout-role" }},
		{"ResourceType", "AWS::IAM::Role", func(r map[string]any) bool { return param(r, "roleName") != nil }},
		{"EventName", "GetFunction20150331v2", func(r map[string]any) bool { return r["eventName"] == "GetFunction20150331v2" }},
		{"EventSource", "iam.amazonaws.com", func(r map[string]any) bool { return r["eventSource"] == "iam.amazonaws.com" }},
		{"EventId", eventID(4), func(r map[string]any) bool { return r["eventID"] == eventID(4) }},
		{"Username", "bob", func(r map[string]any) bool { return identity(r, "userName") == "bob" }},
		{"AccessKeyId", "AKIAALICE0000000001", func(r map[string]any) bool { return identity(r, "accessKeyId") == "AKIAALICE0000000001" }},
		{"ReadOnly", "true", func(r map[string]any) bool { return r["readOnly"] == true }},
		{"ReadOnly", "false", func(r map[string]any) bool { return r["readOnly"] == false }},
		{"EventId", "no-such-event", func(map[string]any) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			got, events := lookupAll(t, client, &cloudtrail.LookupEventsInput{
				LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKey(tt.key), AttributeValue: aws.String(tt.value)}},
			})
			want := f.expected(testRegion, tt.keep)
			if !slices.Equal(got, want) {
				t.Fatalf("ids = %v\nwant %v", got, want)
			}
			for _, e := range events {
				var rec map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec); err != nil {
					t.Fatalf("CloudTrailEvent is not the record: %v", err)
				}
				if rec["eventID"] != aws.ToString(e.EventId) || rec["eventName"] != aws.ToString(e.EventName) {
					t.Errorf("CloudTrailEvent %v does not match event %s", rec["eventID"], aws.ToString(e.EventId))
				}
				if want := map[bool]string{true: "true", false: "false"}[rec["readOnly"].(bool)]; aws.ToString(e.ReadOnly) != want {
					t.Errorf("ReadOnly = %q, want %q", aws.ToString(e.ReadOnly), want)
				}
				if aws.ToString(e.Username) != identity(rec, "userName") || aws.ToString(e.AccessKeyId) != identity(rec, "accessKeyId") {
					t.Errorf("Username/AccessKeyId = %s/%s", aws.ToString(e.Username), aws.ToString(e.AccessKeyId))
				}
				if len(e.Resources) == 0 {
					t.Errorf("event %s has no Resources", aws.ToString(e.EventId))
				}
			}
		})
	}
}

func TestLookupEventsRegionIsTheSignedOne(t *testing.T) {
	f := newTrailFixture()
	a := newAWS(t, writeScenario(t, f.records, scenario.LogsFile{}))
	for _, region := range []string{testRegion, "eu-west-1", "ap-south-1"} {
		t.Run(region, func(t *testing.T) {
			client := cloudtrail.NewFromConfig(serve(t, a, region))
			got, _ := lookupAll(t, client, &cloudtrail.LookupEventsInput{
				LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("checkout")}},
			})
			want := f.expected(region, func(r map[string]any) bool { return param(r, "functionName") == "checkout" })
			if !slices.Equal(got, want) {
				t.Fatalf("ids = %v, want %v", got, want)
			}
		})
	}
}

func TestLookupEventsPaging(t *testing.T) {
	var records []map[string]any
	for i := range 120 {
		records = append(records, ctRecord(eventID(i), "UpdateFunctionCode20150331v2", "lambda.amazonaws.com", testRegion,
			testNow.Add(-time.Duration(i)*time.Second), false, "ci", "AKIACI0000000000003", map[string]any{"functionName": "busy"}))
	}
	a := newAWS(t, writeScenario(t, records, scenario.LogsFile{}))
	client := cloudtrail.NewFromConfig(serve(t, a, testRegion))
	attr := []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("busy")}}

	tests := []struct {
		name       string
		maxResults *int32
		window     [2]time.Time
		wantPages  []int
	}{
		{"default page is 50", nil, [2]time.Time{}, []int{50, 50, 20}},
		{"max 50", aws.Int32(50), [2]time.Time{}, []int{50, 50, 20}},
		{"max 7", aws.Int32(7), [2]time.Time{testNow.Add(-20 * time.Second), testNow}, []int{7, 7, 7}},
		{"window bounds are inclusive", nil, [2]time.Time{testNow.Add(-59 * time.Second), testNow.Add(-10 * time.Second)}, []int{50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &cloudtrail.LookupEventsInput{LookupAttributes: attr, MaxResults: tt.maxResults}
			if !tt.window[0].IsZero() {
				in.StartTime, in.EndTime = aws.Time(tt.window[0]), aws.Time(tt.window[1])
			}
			var pages []int
			var last time.Time
			seen := map[string]bool{}
			for {
				out, err := client.LookupEvents(context.Background(), in)
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, len(out.Events))
				for _, e := range out.Events {
					if seen[*e.EventId] {
						t.Fatalf("event %s on two pages", *e.EventId)
					}
					seen[*e.EventId] = true
					if !last.IsZero() && e.EventTime.After(last) {
						t.Fatalf("event %s at %s after an older one: not newest first", *e.EventId, e.EventTime)
					}
					last = *e.EventTime
				}
				if out.NextToken == nil {
					break
				}
				in.NextToken = out.NextToken
			}
			if !slices.Equal(pages, tt.wantPages) {
				t.Fatalf("pages = %v, want %v", pages, tt.wantPages)
			}
		})
	}
}

func TestLookupEventsRefusesWhatTheRealAPIRefuses(t *testing.T) {
	f := newTrailFixture()
	a := newAWS(t, writeScenario(t, f.records, scenario.LogsFile{}))
	client := cloudtrail.NewFromConfig(serve(t, a, testRegion))
	byName := []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("checkout")}}
	first, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{LookupAttributes: byName, MaxResults: aws.Int32(5)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v, token %v", err, first.NextToken)
	}

	tests := []struct {
		name string
		in   cloudtrail.LookupEventsInput
		code string
	}{
		{"two attributes", cloudtrail.LookupEventsInput{LookupAttributes: append(slices.Clone(byName),
			cttypes.LookupAttribute{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("bob")})}, "InvalidLookupAttributesException"},
		{"unknown attribute", cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
			{AttributeKey: "Color", AttributeValue: aws.String("red")}}}, "InvalidLookupAttributesException"},
		{"more than 50 results", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
		{"zero results", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(0)}, "InvalidMaxResultsException"},
		{"window ends before it starts", cloudtrail.LookupEventsInput{StartTime: aws.Time(testNow), EndTime: aws.Time(testNow.Add(-time.Hour))}, "InvalidTimeRangeException"},
		{"token with another attribute", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(5), NextToken: first.NextToken,
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("checkout-role")}}}, "InvalidNextTokenException"},
		{"token with another page size", cloudtrail.LookupEventsInput{LookupAttributes: byName, MaxResults: aws.Int32(6), NextToken: first.NextToken}, "InvalidNextTokenException"},
		{"token with another window", cloudtrail.LookupEventsInput{LookupAttributes: byName, MaxResults: aws.Int32(5), NextToken: first.NextToken,
			StartTime: aws.Time(testNow.Add(-3 * time.Hour))}, "InvalidNextTokenException"},
		{"forged token", cloudtrail.LookupEventsInput{LookupAttributes: byName, NextToken: aws.String("bm90LWEtdG9rZW4")}, "InvalidNextTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.LookupEvents(context.Background(), &tt.in)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Fatalf("error = %v, want %s", err, tt.code)
			}
		})
	}
	t.Run("the token works with its own parameters", func(t *testing.T) {
		out, err := client.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{LookupAttributes: byName, MaxResults: aws.Int32(5), NextToken: first.NextToken})
		if err != nil || len(out.Events) != 5 || *out.Events[0].EventId == *first.Events[0].EventId {
			t.Fatalf("second page: %v, %d events", err, len(out.Events))
		}
	})
}

// TestLookupEventsOnARealTrail serves real CloudTrail files and checks that
// each event is found by its id, with its record intact.
func TestLookupEventsOnARealTrail(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "samples", "invictus-ir_aws_dataset", "CloudTrail")
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample trail under %s: %v", src, err)
	}
	sc := writeScenario(t, nil, scenario.LogsFile{})
	for _, f := range files {
		copyFile(t, f, filepath.Join(sc.TrailIn, filepath.Base(f)))
	}
	if sc, err = scenario.Load(sc.Dir); err != nil {
		t.Fatal(err)
	}
	a := newAWS(t, sc)
	if rej := a.TrailRejected(); len(rej) != 0 {
		t.Fatalf("sample files rejected: %v", rej)
	}
	client := cloudtrail.NewFromConfig(serve(t, a, "us-east-1"))

	var records []map[string]any
	for _, f := range files {
		var file struct{ Records []map[string]any }
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &file); err != nil {
			t.Fatal(err)
		}
		records = append(records, file.Records...)
	}
	checked := 0
	for i := 0; i < len(records); i += 37 { // a spread of the sample, every call shape
		r := records[i]
		if r["managementEvent"] == false || r["awsRegion"] != "us-east-1" {
			continue
		}
		id := r["eventID"].(string)
		_, events := lookupAll(t, client, &cloudtrail.LookupEventsInput{
			LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventId, AttributeValue: aws.String(id)}},
		})
		if len(events) != 1 {
			t.Fatalf("event %s: %d results", id, len(events))
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(events[0].CloudTrailEvent)), &got); err != nil {
			t.Fatal(err)
		}
		if wantB, _ := json.Marshal(r); string(mustMarshal(t, got)) != string(wantB) {
			t.Errorf("event %s: CloudTrailEvent differs from the record", id)
		}
		if at, _ := time.Parse(time.RFC3339, r["eventTime"].(string)); !events[0].EventTime.Equal(at) {
			t.Errorf("event %s: EventTime %s, want %s", id, events[0].EventTime, at)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d sample events checked", checked)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
