package awsapi_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

func TestFaultsAnswerInEachProtocol(t *testing.T) {
	a := newAWS(t, writeScenario(t, newTrailFixture().records, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: "/aws/lambda/checkout"}}}))
	cfg := serve(t, a, testRegion)
	ct, logs, q := cloudtrail.NewFromConfig(cfg), cloudwatchlogs.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	queueURL := func() string {
		out, err := q.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(awsapi.AlarmQueue)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueueUrl
	}()
	calls := map[string]func(ctx context.Context) error{
		"cloudtrail:LookupEvents": func(ctx context.Context) error {
			_, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
			return err
		},
		"logs:FilterLogEvents": func(ctx context.Context) error {
			_, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/checkout")})
			return err
		},
		"sqs:ReceiveMessage": func(ctx context.Context) error {
			_, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL)})
			return err
		},
	}
	tests := []struct {
		name     string
		fault    awsapi.Fault
		wantCode map[string]string // per op; the SQS code is its awsQuery one
		status   int
	}{
		{"access denied", awsapi.Fault{ErrorCode: "AccessDeniedException"},
			map[string]string{"cloudtrail:LookupEvents": "AccessDeniedException", "logs:FilterLogEvents": "AccessDeniedException", "sqs:ReceiveMessage": "AccessDenied"}, 400},
		{"service unavailable", awsapi.Fault{ErrorCode: "ServiceUnavailable", Status: 503},
			map[string]string{"cloudtrail:LookupEvents": "ServiceUnavailable", "logs:FilterLogEvents": "ServiceUnavailable", "sqs:ReceiveMessage": "ServiceUnavailable"}, 503},
	}
	for _, tt := range tests {
		for op, call := range calls {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				a.SetFault(op, tt.fault)
				defer a.SetFault(op, awsapi.Fault{})
				err := call(context.Background())
				var apiErr smithy.APIError
				var respErr *smithyhttp.ResponseError
				if !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.wantCode[op] || !errors.As(err, &respErr) || respErr.HTTPStatusCode() != tt.status {
					t.Fatalf("error = %v, want %s with status %d", err, tt.wantCode[op], tt.status)
				}
			})
		}
	}
	t.Run("latency", func(t *testing.T) {
		a.SetFault("cloudtrail:LookupEvents", awsapi.Fault{Latency: 150 * time.Millisecond})
		defer a.SetFault("cloudtrail:LookupEvents", awsapi.Fault{})
		start := time.Now()
		if err := calls["cloudtrail:LookupEvents"](context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Fatalf("answered in %s despite 150ms latency", d)
		}
	})
	t.Run("timeout holds until the client gives up", func(t *testing.T) {
		a.SetFault("logs:FilterLogEvents", awsapi.Fault{Timeout: true})
		defer a.SetFault("logs:FilterLogEvents", awsapi.Fault{})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := calls["logs:FilterLogEvents"](ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want the client's deadline", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("took %s to give up", d)
		}
	})
	if got := a.Calls()["cloudtrail:LookupEvents"]; got != 3 {
		t.Errorf("Calls()[cloudtrail:LookupEvents] = %d, want 3", got)
	}
}

func TestThrottleEnforcesTheRealRates(t *testing.T) {
	a := newAWS(t, writeScenario(t, newTrailFixture().records, scenario.LogsFile{Groups: []scenario.LogGroup{{Name: "/aws/lambda/checkout"}}}))
	cfg := serve(t, a, testRegion)
	a.SetThrottle(true)
	burst := func(n int, call func() error) (ok, throttled int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := call()
				mu.Lock()
				defer mu.Unlock()
				var apiErr smithy.APIError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &apiErr) && apiErr.ErrorCode() == "ThrottlingException":
					throttled++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		return ok, throttled
	}
	ct := cloudtrail.NewFromConfig(cfg)
	ok, throttled := burst(6, func() error {
		_, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{})
		return err
	})
	if ok != 2 || throttled != 4 {
		t.Errorf("LookupEvents burst of 6: %d ok, %d throttled; want 2 and 4", ok, throttled)
	}
	// The limit is per region: another region has its own two.
	ctEU := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = "eu-west-1" })
	if _, err := ctEU.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("eu-west-1 after a us-east-1 burst: %v", err)
	}
	logs := cloudwatchlogs.NewFromConfig(cfg)
	ok, throttled = burst(6, func() error {
		_, err := logs.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/checkout")})
		return err
	})
	if ok != 6 || throttled != 0 {
		t.Errorf("FilterLogEvents burst of 6: %d ok, %d throttled; want all 6 ok", ok, throttled)
	}
	time.Sleep(time.Second)
	if _, err := ct.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("LookupEvents a second later: %v", err)
	}
}

func TestStartAWSServesUntilContextEnds(t *testing.T) {
	sc := writeScenario(t, newTrailFixture().records, scenario.LogsFile{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := awsapi.Start(ctx, sc, awsapi.Options{Latency: 10 * time.Millisecond, Throttle: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: testRegion, Credentials: testCredentials, BaseEndpoint: aws.String(srv.URL()), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: readOnlyBodies{http.DefaultTransport}}}
	q := sqs.NewFromConfig(cfg)
	out, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(awsapi.AlarmQueue)})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL() + "/" + testAccount + "/" + awsapi.AlarmQueue; *out.QueueUrl != want {
		t.Fatalf("queue URL = %s, want %s", *out.QueueUrl, want)
	}

	// A long poll in flight ends when the server stops, without waiting 20 s.
	polled := make(chan error, 1)
	go func() {
		_, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: out.QueueUrl, WaitTimeSeconds: 20})
		polled <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case <-polled:
	case <-time.After(5 * time.Second):
		t.Fatal("long poll still held after the server stopped")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL())
	if err == nil {
		resp.Body.Close()
		t.Fatal("server still answers after its context ended")
	}
}
