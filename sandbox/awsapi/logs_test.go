package awsapi_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/scenario"
)

const testGroup = "/aws/lambda/checkout"

var logBase = testNow.Add(-10 * time.Minute).UnixMilli()

var testLines = []string{
	"START RequestId: 1 Version: $LATEST",
	"[ERROR] ClientError: An error occurred (AccessDeniedException) when calling the GetItem operation",
	"Task timed out after 3.00 seconds",
	"java.lang.NullPointerException at Handler.java:42",
	"INFO all good",
	"ERROR connect ECONNREFUSED 10.0.0.5:5432",
	"WARN retrying",
	"an error: permission denied",
}

func logsScenario(t *testing.T) *scenario.Scenario {
	var events []scenario.LogEvent
	for i, l := range testLines {
		events = append(events, scenario.LogEvent{Timestamp: logBase + int64(i)*30_000, Message: l})
	}
	return writeScenario(t, newTrailFixture().records, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: testGroup, Events: events}}})
}

func TestFilterLogEventsPatterns(t *testing.T) {
	a := newAWS(t, logsScenario(t))
	client := cloudwatchlogs.NewFromConfig(serve(t, a, testRegion))
	tests := []struct {
		pattern string
		want    []int // indexes into testLines
		code    string
	}{
		{"", []int{0, 1, 2, 3, 4, 5, 6, 7}, ""},
		{"ERROR", []int{1, 5}, ""},
		{"?ERROR ?WARN", []int{1, 5, 6}, ""},
		{"ERROR -ECONNREFUSED", []int{1}, ""},
		{"Exception", nil, ""}, // terms are whole words: not inside NullPointerException
		{`"timed out"`, []int{2}, ""},
		{`?"timed out" ?"permission denied"`, []int{2, 7}, ""},
		{"error", []int{1, 7}, ""}, // case-sensitive
		{"%Exception|ECONNREFUSED%", []int{1, 3, 5}, ""},
		{"%[Tt]imed.out%", []int{2}, ""},
		{"%(ERROR)%", nil, "InvalidParameterException"},
		{`{ $.level = "error" }`, nil, "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			out, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
				LogGroupName: aws.String(testGroup), FilterPattern: aws.String(tt.pattern),
			})
			if tt.code != "" {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
					t.Fatalf("error = %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, e := range out.Events {
				got = append(got, slices.Index(testLines, aws.ToString(e.Message)))
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("matched lines %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterLogEventsPagingAndWindow(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	var events []scenario.LogEvent
	for i := range 30 {
		events = append(events, scenario.LogEvent{Timestamp: logBase + int64(i)*1000, Message: fmt.Sprintf("ERROR %d %s", i, big)})
	}
	sc := writeScenario(t, nil, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: testGroup, Events: events}}})
	a := newAWS(t, sc)
	client := cloudwatchlogs.NewFromConfig(serve(t, a, testRegion))

	tests := []struct {
		name       string
		in         cloudwatchlogs.FilterLogEventsInput
		wantPages  []int
		wantFirst  int
		wantEvents int
	}{
		{"pages of 1 MB", cloudwatchlogs.FilterLogEventsInput{}, []int{10, 10, 10}, 0, 30},
		{"limit", cloudwatchlogs.FilterLogEventsInput{Limit: aws.Int32(4)}, []int{4, 4, 2}, 20, 10},
		{"inclusive window", cloudwatchlogs.FilterLogEventsInput{StartTime: aws.Int64(logBase + 5000), EndTime: aws.Int64(logBase + 9000)}, []int{5}, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.LogGroupName = aws.String(testGroup)
			if tt.name == "limit" {
				in.StartTime = aws.Int64(logBase + 20_000)
			}
			var pages []int
			var all []logtypes.FilteredLogEvent
			p := cloudwatchlogs.NewFilterLogEventsPaginator(client, &in)
			for p.HasMorePages() {
				out, err := p.NextPage(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Events) > 0 {
					pages = append(pages, len(out.Events))
				}
				all = append(all, out.Events...)
			}
			if !slices.Equal(pages, tt.wantPages) || len(all) != tt.wantEvents {
				t.Fatalf("pages %v (%d events), want %v (%d)", pages, len(all), tt.wantPages, tt.wantEvents)
			}
			if got := *all[0].Timestamp; got != logBase+int64(tt.wantFirst)*1000 {
				t.Fatalf("first event at %d, want index %d", got, tt.wantFirst)
			}
		})
	}
	t.Run("token bound to its query", func(t *testing.T) {
		out, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(testGroup), Limit: aws.Int32(2)})
		if err != nil || out.NextToken == nil {
			t.Fatalf("first page: %v", err)
		}
		_, err = client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(testGroup), Limit: aws.Int32(2), NextToken: out.NextToken, FilterPattern: aws.String("ERROR")})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterException" {
			t.Fatalf("token reused with another pattern: %v", err)
		}
		next, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(testGroup), Limit: aws.Int32(3), NextToken: out.NextToken})
		if err != nil || len(next.Events) != 3 || *next.Events[0].Timestamp != logBase+2000 {
			t.Fatalf("next page with another size: %v", err)
		}
	})
	t.Run("unknown group or region", func(t *testing.T) {
		for _, c := range []struct{ region, group string }{
			{testRegion, "/aws/lambda/nope"},
			{"eu-west-1", testGroup},
			{"eu-west-1", "arn:aws:logs:eu-west-1:" + testAccount + ":log-group:" + testGroup},
		} {
			client := cloudwatchlogs.NewFromConfig(serve(t, a, c.region))
			_, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupIdentifier: aws.String(c.group)})
			var nf *logtypes.ResourceNotFoundException
			if !errors.As(err, &nf) {
				t.Errorf("%s in %s: %v, want ResourceNotFoundException", c.group, c.region, err)
			}
		}
		arn := "arn:aws:logs:us-east-1:" + testAccount + ":log-group:" + testGroup + ":*"
		if _, err := client.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupIdentifier: aws.String(arn), Limit: aws.Int32(1)}); err != nil {
			t.Errorf("by ARN: %v", err)
		}
	})
}

func runQuery(t *testing.T, client *cloudwatchlogs.Client, query string) ([]map[string]string, error) {
	t.Helper()
	ctx := context.Background()
	started, err := client.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{
		LogGroupName: aws.String(testGroup), QueryString: aws.String(query),
		StartTime: aws.Int64(logBase / 1000), EndTime: aws.Int64(testNow.Unix()),
	})
	if err != nil {
		return nil, err
	}
	for range 100 {
		out, err := client.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: started.QueryId})
		if err != nil {
			return nil, err
		}
		if out.Status != logtypes.QueryStatusComplete {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		var rows []map[string]string
		for _, r := range out.Results {
			row := map[string]string{}
			for _, f := range r {
				row[*f.Field] = *f.Value
			}
			rows = append(rows, row)
		}
		return rows, nil
	}
	t.Fatal("query never completed")
	return nil, nil
}

func TestLogsInsightsQueries(t *testing.T) {
	a := newAWS(t, logsScenario(t))
	client := cloudwatchlogs.NewFromConfig(serve(t, a, testRegion))
	minute := func(i int) string {
		return time.UnixMilli(logBase + int64(i)*30_000).UTC().Truncate(time.Minute).Format("2006-01-02 15:04:05.000")
	}
	tests := []struct {
		name  string
		query string
		want  []map[string]string
		code  string
	}{
		{"count by minute", `stats count(*) as n by bin(1m)`, []map[string]string{
			{"bin(1m)": minute(0), "n": "2"}, {"bin(1m)": minute(2), "n": "2"}, {"bin(1m)": minute(4), "n": "2"}, {"bin(1m)": minute(6), "n": "2"},
		}, ""},
		{"filter like regex, sort, limit", `fields @timestamp, @message | filter @message like /(?i)(error|timed out)/ | sort @timestamp desc | limit 2`, []map[string]string{
			{"@timestamp": time.UnixMilli(logBase + 7*30_000).UTC().Format("2006-01-02 15:04:05.000"), "@message": testLines[7]},
			{"@timestamp": time.UnixMilli(logBase + 5*30_000).UTC().Format("2006-01-02 15:04:05.000"), "@message": testLines[5]},
		}, ""},
		{"parse, coalesce, ispresent", `parse @message /(?<code>[A-Za-z]+Exception)/ | parse @message /(?<generic>ERROR|[Ee]rror)/
			| fields coalesce(code, generic) as sig | filter ispresent(sig) | stats count(*) as n by sig | sort n desc, sig asc`, []map[string]string{
			{"sig": "AccessDeniedException", "n": "1"}, {"sig": "ERROR", "n": "1"}, {"sig": "NullPointerException", "n": "1"}, {"sig": "error", "n": "1"},
		}, ""},
		{"not like and literal", `filter @message not like "ERROR" and @message like "t" | stats count(*) as n`, []map[string]string{{"n": "4"}}, ""},
		{"unsupported command", `fields @message | dedup @message`, nil, "MalformedQueryException"},
		{"unsupported aggregation", `stats avg(duration) by bin(5m)`, nil, "MalformedQueryException"},
		{"bad regex", `parse @message /(?<x>[/`, nil, "MalformedQueryException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := runQuery(t, client, tt.query)
			if tt.code != "" {
				var apiErr smithy.APIError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
					t.Fatalf("error = %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rows) != fmt.Sprint(tt.want) {
				t.Fatalf("rows\n %v\nwant\n %v", rows, tt.want)
			}
		})
	}
}

func TestLogsInsightsQueryLifecycle(t *testing.T) {
	a := newAWS(t, logsScenario(t))
	a.SetQueryDelay(400 * time.Millisecond)
	client := cloudwatchlogs.NewFromConfig(serve(t, a, testRegion))
	ctx := context.Background()
	start := func() *string {
		out, err := client.StartQuery(ctx, &cloudwatchlogs.StartQueryInput{
			LogGroupName: aws.String(testGroup), QueryString: aws.String("stats count(*) as n"),
			StartTime: aws.Int64(logBase / 1000), EndTime: aws.Int64(testNow.Unix()),
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.QueryId
	}
	status := func(id *string) logtypes.QueryStatus {
		out, err := client.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: id})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status == logtypes.QueryStatusComplete && (len(out.Results) != 1 || *out.Results[0][0].Value != fmt.Sprint(len(testLines))) {
			t.Fatalf("complete with %v", out.Results)
		}
		return out.Status
	}

	id := start()
	var seen []logtypes.QueryStatus
	for range 50 {
		s := status(id)
		if len(seen) == 0 || seen[len(seen)-1] != s {
			seen = append(seen, s)
		}
		if s == logtypes.QueryStatusComplete {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if want := []logtypes.QueryStatus{"Scheduled", "Running", "Complete"}; !slices.Equal(seen, want) {
		t.Fatalf("statuses %v, want %v", seen, want)
	}

	id = start()
	if _, err := client.StopQuery(ctx, &cloudwatchlogs.StopQueryInput{QueryId: id}); err != nil {
		t.Fatal(err)
	}
	if s := status(id); s != logtypes.QueryStatusCancelled {
		t.Fatalf("stopped query is %s", s)
	}
	_, err := client.GetQueryResults(ctx, &cloudwatchlogs.GetQueryResultsInput{QueryId: aws.String("no-such-query")})
	var nf *logtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown query: %v", err)
	}
}
