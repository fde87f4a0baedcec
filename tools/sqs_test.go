package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// TestSQSPoller feeds an alarm through SNS into the sandbox queue, as AWS
// delivers it, and handles it with the poller primitives.
func TestSQSPoller(t *testing.T) {
	a, _, cfg := testSandbox(t, writeScenario(t, nil, scenario.LogsFile{}), tools.AWSOptions{})
	ctx := context.Background()
	q, err := tools.OpenSQS(ctx, cfg, awsapi.AlarmQueue, tools.SQSOptions{Visibility: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	alarm := `{"AlarmName":"checkout-errors","NewStateValue":"ALARM"}`
	if _, err := sns.NewFromConfig(cfg).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(a.AlarmTopicARN()), Message: aws.String(alarm)}); err != nil {
		t.Fatal(err)
	}

	msgs, err := q.Receive(ctx, time.Second)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("receive: %v, %d messages", err, len(msgs))
	}
	var env struct{ Type, TopicArn, Message string }
	if err := json.Unmarshal([]byte(msgs[0].Body), &env); err != nil || env.Type != "Notification" || env.Message != alarm || env.TopicArn != a.AlarmTopicARN() {
		t.Fatalf("body %s: %v", msgs[0].Body, err)
	}
	if msgs[0].ReceiveCount != 1 || msgs[0].SentAt.IsZero() || msgs[0].ID == "" {
		t.Fatalf("message %+v", msgs[0])
	}

	// A handler that gives up releases the message for another receiver.
	if err := q.ExtendVisibility(ctx, msgs[0].ReceiptHandle, 0); err != nil {
		t.Fatal(err)
	}
	again, err := q.Receive(ctx, time.Second)
	if err != nil || len(again) != 1 || again[0].ReceiveCount != 2 {
		t.Fatalf("receive again: %v %+v", err, again)
	}
	if err := q.ExtendVisibility(ctx, again[0].ReceiptHandle, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := q.Delete(ctx, again[0].ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	if left, _ := a.QueueMessages(awsapi.AlarmQueue); len(left) != 0 {
		t.Fatalf("%d messages left after delete", len(left))
	}

	tests := []struct {
		name   string
		call   func() error
		reason investigation.Reason
	}{
		{"stale receipt", func() error { return q.ExtendVisibility(ctx, msgs[0].ReceiptHandle, time.Minute) }, investigation.ReasonInvalid},
		{"visibility beyond 12 h", func() error { return q.ExtendVisibility(ctx, again[0].ReceiptHandle, 13*time.Hour) }, ""},
		{"unknown queue", func() error {
			_, err := tools.OpenSQS(ctx, cfg, "nope", tools.SQSOptions{})
			return err
		}, investigation.ReasonNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || investigation.ReasonOf(err) != tt.reason && tt.reason != "" {
				t.Fatalf("error = %v (%s), want %s", err, investigation.ReasonOf(err), tt.reason)
			}
		})
	}
}

func TestSQSReceiveWaits(t *testing.T) {
	_, _, cfg := testSandbox(t, writeScenario(t, nil, scenario.LogsFile{}), tools.AWSOptions{AttemptTimeout: 2 * time.Second})
	ctx := context.Background()
	q, err := tools.OpenSQS(ctx, cfg, awsapi.AlarmQueue, tools.SQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an empty wait ends with no messages", func(t *testing.T) {
		start := time.Now()
		msgs, err := q.Receive(ctx, time.Second)
		if err != nil || len(msgs) != 0 || time.Since(start) < time.Second {
			t.Fatalf("%v, %d messages after %s", err, len(msgs), time.Since(start))
		}
	})
	t.Run("a long poll outlasts the attempt timeout", func(t *testing.T) {
		start := time.Now()
		msgs, err := q.Receive(ctx, 3*time.Second)
		if err != nil || len(msgs) != 0 || time.Since(start) < 3*time.Second {
			t.Fatalf("%v, %d messages after %s", err, len(msgs), time.Since(start))
		}
	})
	t.Run("cancel ends the poll at once", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		_, err := q.Receive(cctx, tools.MaxReceiveWait)
		if investigation.ReasonOf(err) != investigation.ReasonCanceled || !errors.Is(err, context.Canceled) || time.Since(start) > 2*time.Second {
			t.Fatalf("error %v (%s) after %s", err, investigation.ReasonOf(err), time.Since(start))
		}
	})
}

func TestSQSAccessDenied(t *testing.T) {
	a, _, cfg := testSandbox(t, writeScenario(t, nil, scenario.LogsFile{}), tools.AWSOptions{})
	q, err := tools.OpenSQS(context.Background(), cfg, awsapi.AlarmQueue, tools.SQSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a.SetFault(tools.OpReceiveMessage, awsapi.Fault{ErrorCode: "AccessDeniedException"})
	_, err = q.Receive(context.Background(), 0)
	var apiErr *tools.APIError
	if !errors.As(err, &apiErr) || apiErr.Reason != investigation.ReasonAccessDenied || apiErr.Permission != tools.OpReceiveMessage {
		t.Fatalf("error = %v", err)
	}
}
