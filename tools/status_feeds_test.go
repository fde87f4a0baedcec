package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/tools"
)

// feedsStub answers the ECS JSON operations and Lambda's configuration the
// way the services do, and records what was asked.
func feedsStub(t *testing.T, start time.Time) (*tools.StatusFeeds, *[]string) {
	t.Helper()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		op := target[strings.LastIndex(target, ".")+1:]
		if target == "" {
			op = r.Method + " " + r.URL.Path
		}
		asked = append(asked, op)
		secs := func(d time.Duration) float64 { return float64(start.Add(d).Unix()) }
		var out any
		switch op {
		case "DescribeServices":
			out = map[string]any{"services": []any{map[string]any{"serviceName": "ledger-api", "events": []any{
				map[string]any{"createdAt": secs(20 * time.Minute), "message": "(service ledger-api) failed to launch a task with (error ECS was unable to assume the role)"},
				map[string]any{"createdAt": secs(-time.Hour), "message": "(service ledger-api) has reached a steady state."},
			}}}}
		case "ListTasks":
			out = map[string]any{"taskArns": []string{"arn:aws:ecs:eu-west-1:123456789012:task/prod/abc123"}}
		case "DescribeTasks":
			out = map[string]any{"tasks": []any{map[string]any{"taskArn": "arn:aws:ecs:eu-west-1:123456789012:task/prod/abc123",
				"stopCode": "TaskFailedToStart", "stoppedReason": "ResourceInitializationError: unable to pull secrets", "stoppedAt": secs(25 * time.Minute)}}}
		case "GET /2015-03-31/functions/checkout/configuration":
			out = map[string]any{"FunctionName": "checkout", "State": "Active", "LastUpdateStatus": "Failed",
				"LastUpdateStatusReason": "EniLimitExceeded: cannot create network interface", "LastModified": start.Add(10 * time.Minute).Format("2006-01-02T15:04:05.000-0700")}
		default:
			http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	isolateEnvironment(t)
	cfg, err := tools.LoadAWSConfig(context.Background(), tools.AWSOptions{Endpoint: srv.URL, Credentials: testCredentials, Region: testRegion, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return tools.NewStatusFeeds(cfg, tools.StatusFeedsOptions{}), &asked
}

func TestStatusFeeds(t *testing.T) {
	start := time.Date(2026, 5, 8, 13, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	feeds, asked := feedsStub(t, start)
	ctx := context.Background()

	svc := investigation.Resource{Type: investigation.TypeECSService, ID: "ledger-api",
		ARN: "arn:aws:ecs:eu-west-1:123456789012:service/prod/ledger-api", Region: testRegion}
	lines, err := feeds.Status(ctx, svc, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Group != "ecs service events: ledger-api" || lines[1].Group != "ecs stopped tasks: ledger-api" ||
		!strings.Contains(lines[1].Message, "task abc123 stopped (TaskFailedToStart): ResourceInitializationError") {
		t.Errorf("service lines (the steady state an hour before the window left out): %+v", lines)
	}
	if strings.Join(*asked, ",") != "DescribeServices,ListTasks,DescribeTasks" {
		t.Errorf("calls %v", *asked)
	}

	fn := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: testRegion}
	lines, err = feeds.Status(ctx, fn, start, end)
	if err != nil || len(lines) != 1 || !lines[0].Time.Equal(start.Add(10*time.Minute)) || !strings.Contains(lines[0].Message, "last update Failed: EniLimitExceeded") {
		t.Errorf("function lines %+v, %v", lines, err)
	}

	if _, err := feeds.Status(ctx, investigation.Resource{Type: investigation.TypeSQSQueue, ID: "q"}, start, end); !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("a queue has no feed: %v", err)
	}
	rdsDB := investigation.Resource{Type: investigation.TypeRDSInstance, ID: "orders-db", Region: testRegion}
	if _, err := feeds.Status(ctx, rdsDB, start, end); err == nil || !strings.Contains(err.Error(), "rds:DescribeEvents") {
		t.Errorf("a refused read names its operation: %v", err)
	}
}
