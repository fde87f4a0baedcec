package tools_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

var logStart = testNow.Add(-10 * time.Minute)

// workloadLogs is a Lambda function's log: healthy lines, then, from minute
// three, the errors an IAM change produces, then a network failure.
func workloadLogs() []scenario.LogEvent {
	at := func(minute, second int) int64 {
		return logStart.Add(time.Duration(minute)*time.Minute + time.Duration(second)*time.Second).UnixMilli()
	}
	var events []scenario.LogEvent
	for m := range 8 {
		events = append(events,
			scenario.LogEvent{Timestamp: at(m, 0), Message: "START RequestId: 5a1b Version: $LATEST"},
			scenario.LogEvent{Timestamp: at(m, 1), Message: "INFO order accepted"})
		if m >= 3 {
			events = append(events,
				scenario.LogEvent{Timestamp: at(m, 2), Message: "[ERROR] ClientError: An error occurred (AccessDeniedException) when calling the GetItem operation: User is not authorized to perform: dynamodb:GetItem"},
				scenario.LogEvent{Timestamp: at(m, 3), Message: "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/checkout-role/checkout is not authorized"})
		}
		if m >= 6 {
			events = append(events, scenario.LogEvent{Timestamp: at(m, 4), Message: "Error: connect ETIMEDOUT 10.0.3.17:5432"})
		}
	}
	events = append(events,
		scenario.LogEvent{Timestamp: at(2, 30), Message: "deployed version 2024.06.1 (git sha 3f2a1c)"},
		scenario.LogEvent{Timestamp: at(5, 30), Message: "Task timed out after 3.00 seconds"})
	return events
}

func logsSandbox(t *testing.T, events []scenario.LogEvent, o tools.AWSOptions) (*awsapi.Emulator, *tools.Logs) {
	t.Helper()
	a, _, cfg := testSandbox(t, writeScenario(t, nil, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: testGroup, Events: events}}}), o)
	return a, tools.NewLogs(cfg, tools.LogsOptions{PollInterval: 20 * time.Millisecond, QueryTimeout: 3 * time.Second})
}

func TestLogsErrors(t *testing.T) {
	_, logs := logsSandbox(t, workloadLogs(), tools.AWSOptions{})
	tests := []struct {
		name       string
		group      string
		start, end time.Time
		limit      int
		want       []string // the messages, in order, by a distinctive fragment
	}{
		{"errors and the deploy marker, oldest first", testGroup, logStart, logStart.Add(4 * time.Minute), 0,
			[]string{"deployed version", "(AccessDeniedException)", "AccessDeniedException: User"}},
		{"window is half-open", testGroup, logStart.Add(3*time.Minute + 2*time.Second), logStart.Add(3*time.Minute + 3*time.Second), 0,
			[]string{"(AccessDeniedException)"}},
		{"limit keeps the oldest", testGroup, logStart, testNow, 2,
			[]string{"deployed version", "(AccessDeniedException)"}},
		{"a group ARN is read in its region", "arn:aws:logs:us-east-1:" + testAccount + ":log-group:" + testGroup + ":*", logStart.Add(5 * time.Minute), logStart.Add(6 * time.Minute), 0,
			[]string{"(AccessDeniedException)", "AccessDeniedException: User", "Task timed out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := logs.Errors(context.Background(), tt.group, tt.start, tt.end, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range lines {
				got = append(got, l.Message)
				if l.Group != tt.group || l.Time.Before(tt.start) || !l.Time.Before(tt.end) {
					t.Errorf("line %+v outside the group or window", l)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("lines %q, want fragments %q", got, tt.want)
			}
			for i, frag := range tt.want {
				if !strings.Contains(got[i], frag) {
					t.Fatalf("line %d = %q, want %q", i, got[i], frag)
				}
			}
		})
	}
	t.Run("a missing group is an unknown resource", func(t *testing.T) {
		_, err := logs.Errors(context.Background(), "/aws/lambda/nope", logStart, testNow, 0)
		if !errors.Is(err, investigation.ErrUnknownResource) || investigation.ReasonOf(err) != investigation.ReasonNotFound {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("a group of another region is not found there", func(t *testing.T) {
		_, err := logs.Errors(context.Background(), "arn:aws:logs:eu-west-1:"+testAccount+":log-group:"+testGroup, logStart, testNow, 0)
		if !errors.Is(err, investigation.ErrUnknownResource) {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestLogsErrorsPagesAndBounds(t *testing.T) {
	big := strings.Repeat("x", 200_000)
	var events []scenario.LogEvent
	for i := range 40 {
		events = append(events, scenario.LogEvent{Timestamp: logStart.Add(time.Duration(i) * time.Second).UnixMilli(), Message: fmt.Sprintf("ERROR %02d %s", i, big)})
	}
	a, _, cfg := testSandbox(t, writeScenario(t, nil, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: testGroup, Events: events}}}), tools.AWSOptions{})
	tests := []struct {
		name      string
		maxPages  int
		limit     int
		wantLines int
		wantCalls int
	}{
		{"1 MB pages", 0, 100, 40, 8}, // 5 lines a page
		{"page bound", 3, 100, 15, 3},
		{"limit", 0, 12, 12, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := tools.NewLogs(cfg, tools.LogsOptions{MaxPages: tt.maxPages})
			before := a.Calls()[tools.OpFilterLogEvents]
			lines, err := logs.Errors(context.Background(), testGroup, logStart, testNow, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			calls := a.Calls()[tools.OpFilterLogEvents] - before
			if len(lines) != tt.wantLines || calls != tt.wantCalls {
				t.Fatalf("%d lines in %d calls, want %d in %d", len(lines), calls, tt.wantLines, tt.wantCalls)
			}
			for i, l := range lines {
				if !strings.HasPrefix(l.Message, fmt.Sprintf("ERROR %02d ", i)) {
					t.Fatalf("line %d is %.9q: not oldest first", i, l.Message)
				}
			}
		})
	}
}

func TestErrorSignatures(t *testing.T) {
	a, logs := logsSandbox(t, workloadLogs(), tools.AWSOptions{})
	a.SetQueryDelay(150 * time.Millisecond)
	got, err := logs.ErrorSignatures(context.Background(), testGroup, logStart, testNow)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	first := map[string]time.Time{}
	for i, s := range got {
		if i > 0 && s.Minute.Before(got[i-1].Minute) {
			t.Fatal("signatures are not oldest minute first")
		}
		counts[s.Signature] += s.Count
		if _, ok := first[s.Signature]; !ok {
			first[s.Signature] = s.Minute
		}
	}
	want := map[string]int{"AccessDeniedException": 10, "ETIMEDOUT": 2, "Task timed out": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("signature counts %v, want %v", counts, want)
	}
	if !first["AccessDeniedException"].Equal(logStart.Add(3*time.Minute)) || !first["ETIMEDOUT"].Equal(logStart.Add(6*time.Minute)) {
		t.Fatalf("onsets %v", first)
	}
}

func TestErrorSignaturesSlowQuery(t *testing.T) {
	a, _, cfg := testSandbox(t, writeScenario(t, nil, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: testGroup, Events: workloadLogs()}}}), tools.AWSOptions{})
	a.SetQueryDelay(time.Minute)
	logs := tools.NewLogs(cfg, tools.LogsOptions{PollInterval: 50 * time.Millisecond, QueryTimeout: 400 * time.Millisecond})
	tests := []struct {
		name   string
		ctx    func() (context.Context, context.CancelFunc)
		reason investigation.Reason
	}{
		{"query timeout", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, investigation.ReasonTimeout},
		{"caller's deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, investigation.ReasonTimeout},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := logs.ErrorSignatures(ctx, testGroup, logStart, testNow)
			var apiErr *tools.APIError
			if !errors.As(err, &apiErr) || apiErr.Reason != tt.reason || !strings.Contains(err.Error(), "stopped it") {
				t.Fatalf("error = %v, want a %s naming the query", err, tt.reason)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("returned after %s", d)
			}
			if stops := a.Calls()[tools.OpStopQuery]; stops != i+1 {
				t.Fatalf("StopQuery sent %d times, want %d", stops, i+1)
			}
		})
	}
}

func TestLogsAccessDenied(t *testing.T) {
	tests := []struct {
		op   string
		call func(*tools.Logs) error
	}{
		{tools.OpFilterLogEvents, func(l *tools.Logs) error {
			_, err := l.Errors(context.Background(), testGroup, logStart, testNow, 0)
			return err
		}},
		{tools.OpStartQuery, func(l *tools.Logs) error {
			_, err := l.ErrorSignatures(context.Background(), testGroup, logStart, testNow)
			return err
		}},
		{tools.OpGetQueryResults, func(l *tools.Logs) error {
			_, err := l.ErrorSignatures(context.Background(), testGroup, logStart, testNow)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			a, logs := logsSandbox(t, workloadLogs(), tools.AWSOptions{})
			a.SetFault(tt.op, awsapi.Fault{ErrorCode: "AccessDeniedException"})
			err := tt.call(logs)
			var apiErr *tools.APIError
			if !errors.As(err, &apiErr) || apiErr.Reason != investigation.ReasonAccessDenied || apiErr.Permission != tt.op || !strings.Contains(err.Error(), tt.op) {
				t.Fatalf("error = %v, want access denied naming %s", err, tt.op)
			}
		})
	}
}

// TestLogGroupsByPattern: DescribeLogGroups' pattern finds a group by a word
// of its name, whatever its case.
func TestLogGroupsByPattern(t *testing.T) {
	_, logs := logsSandbox(t, workloadLogs(), tools.AWSOptions{})
	word := strings.ToUpper(strings.Trim(testGroup[strings.LastIndex(testGroup, "/"):], "/"))
	names, err := logs.LogGroups(context.Background(), "", word, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != testGroup {
		t.Errorf("groups %q, want [%s]", names, testGroup)
	}
	if names, err := logs.LogGroups(context.Background(), "", "no-such-workload", 10); err != nil || len(names) != 0 {
		t.Errorf("no match: %q, %v", names, err)
	}
}
