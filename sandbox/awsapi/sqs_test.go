package awsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

func sqsFixture(t *testing.T) (*awsapi.Emulator, *sqs.Client, *sns.Client, string) {
	t.Helper()
	a := newAWS(t, writeScenario(t, newTrailFixture().records, scenario.LogsFile{}))
	cfg := serve(t, a, testRegion)
	q := sqs.NewFromConfig(cfg)
	out, err := q.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String(awsapi.AlarmQueue)})
	if err != nil {
		t.Fatal(err)
	}
	return a, q, sns.NewFromConfig(cfg), aws.ToString(out.QueueUrl)
}

func receive(t *testing.T, q *sqs.Client, url string, wait, visibility int32) []sqstypes.Message {
	t.Helper()
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: wait, VisibilityTimeout: visibility,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

func TestSQSSendReceiveDeleteVisibility(t *testing.T) {
	_, q, _, url := sqsFixture(t)
	ctx := context.Background()
	for _, body := range []string{"first", `{"AlarmName":"a < b & c"}`} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err) // the SDK also checks the MD5 of the body
		}
	}
	msgs := receive(t, q, url, 0, 1)
	if len(msgs) != 2 || *msgs[0].Body != "first" || msgs[0].Attributes["ApproximateReceiveCount"] != "1" || msgs[0].Attributes["SentTimestamp"] == "" {
		t.Fatalf("first receive: %+v", msgs)
	}
	if again := receive(t, q, url, 0, 1); len(again) != 0 {
		t.Fatalf("in-flight messages received again: %d", len(again))
	}
	// Visibility of 1 s lapses: both come back, counted twice.
	time.Sleep(1100 * time.Millisecond)
	msgs = receive(t, q, url, 0, 30)
	if len(msgs) != 2 || msgs[1].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("after visibility lapsed: %+v", msgs)
	}
	if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	// Visibility 0 hands the other message back at once.
	if _, err := q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	last := receive(t, q, url, 0, 30)
	if len(last) != 1 || *last[0].Body != `{"AlarmName":"a < b & c"}` {
		t.Fatalf("after delete and release: %+v", last)
	}

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"stale receipt cannot change visibility", func() error {
			_, err := q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 5})
			return err
		}, "AWS.SimpleQueueService.MessageNotInflight"},
		{"garbage receipt", func() error {
			_, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("nope")})
			return err
		}, "ReceiptHandleIsInvalid"},
		{"unknown queue", func() error {
			_, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue"},
		{"wait above 20 s", func() error {
			_, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 21})
			return err
		}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var apiErr smithy.APIError
			if err := tt.call(); !errors.As(err, &apiErr) || apiErr.ErrorCode() != tt.code {
				t.Fatalf("error = %v, want %s", err, tt.code)
			}
		})
	}
	// Deleting with an old handle of a deleted message is not an error in SQS.
	if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[0].ReceiptHandle}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

func TestSQSLongPoll(t *testing.T) {
	_, q, _, url := sqsFixture(t)
	t.Run("wakes on send", func(t *testing.T) {
		go func() {
			time.Sleep(200 * time.Millisecond)
			_, _ = q.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("late")})
		}()
		start := time.Now()
		msgs := receive(t, q, url, 5, 30)
		if len(msgs) != 1 || time.Since(start) > 2*time.Second {
			t.Fatalf("got %d messages after %s", len(msgs), time.Since(start))
		}
	})
	t.Run("ends empty after the wait", func(t *testing.T) {
		start := time.Now()
		if msgs := receive(t, q, url, 1, 30); len(msgs) != 0 || time.Since(start) < time.Second {
			t.Fatalf("got %d messages after %s", len(msgs), time.Since(start))
		}
	})
	t.Run("ends when the caller cancels", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("error %v after %s", err, time.Since(start))
		}
	})
}

func TestSNSPublishDeliversToSQS(t *testing.T) {
	a, q, topic, url := sqsFixture(t)
	ctx := context.Background()
	alarm := `{"AlarmName":"checkout-errors","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 datapoint [5.0] was >= 1.0"}`
	a.Subscribe("arn:aws:sns:us-east-1:"+testAccount+":raw-alarms", "raw-queue", true)

	tests := []struct {
		name, topic, subject, queue string
		raw                         bool
	}{
		{"alarm topic, envelope", a.AlarmTopicARN(), "ALARM: \"checkout-errors\" in US East (N. Virginia)", awsapi.AlarmQueue, false},
		{"topic of the scenario's notification", "arn:aws:sns:us-east-1:" + testAccount + ":ops-alarms", "", awsapi.AlarmQueue, false},
		{"raw subscription", "arn:aws:sns:us-east-1:" + testAccount + ":raw-alarms", "", "raw-queue", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &sns.PublishInput{TopicArn: aws.String(tt.topic), Message: aws.String(alarm)}
			if tt.subject != "" {
				in.Subject = aws.String(tt.subject)
			}
			out, err := topic.Publish(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			queueURL := strings.TrimSuffix(url, awsapi.AlarmQueue) + tt.queue
			msgs := receive(t, q, queueURL, 0, 30)
			if len(msgs) != 1 {
				t.Fatalf("%d messages delivered", len(msgs))
			}
			body := aws.ToString(msgs[0].Body)
			if tt.raw {
				if body != alarm {
					t.Fatalf("raw body = %s", body)
				}
				return
			}
			var env map[string]string
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatalf("envelope: %v", err)
			}
			if env["Type"] != "Notification" || env["MessageId"] != aws.ToString(out.MessageId) || env["TopicArn"] != tt.topic ||
				env["Message"] != alarm || env["SignatureVersion"] != "1" || env["Signature"] == "" ||
				!strings.HasPrefix(env["SigningCertURL"], "https://sns.us-east-1.amazonaws.com/") || !strings.Contains(env["UnsubscribeURL"], tt.topic) {
				t.Fatalf("envelope = %v", env)
			}
			if _, has := env["Subject"]; has != (tt.subject != "") || env["Subject"] != tt.subject {
				t.Fatalf("Subject = %q (present %v), want %q", env["Subject"], has, tt.subject)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z", env["Timestamp"]); err != nil {
				t.Fatalf("Timestamp: %v", err)
			}
			if strings.Contains(body, `\u003e`) {
				t.Fatal("envelope escapes > as SNS does not")
			}
		})
	}
	t.Run("unknown topic", func(t *testing.T) {
		_, err := topic.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:" + testAccount + ":nope"), Message: aws.String("x")})
		var nf *snstypes.NotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("error = %v, want NotFound", err)
		}
	})
	t.Run("per-protocol message", func(t *testing.T) {
		_, err := topic.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(a.AlarmTopicARN()), MessageStructure: aws.String("json"),
			Message: aws.String(`{"default":"for everyone","sqs":"for queues"}`)})
		if err != nil {
			t.Fatal(err)
		}
		msgs := receive(t, q, url, 0, 30)
		var env map[string]string
		if len(msgs) != 1 || json.Unmarshal([]byte(*msgs[0].Body), &env) != nil || env["Message"] != "for queues" {
			t.Fatalf("delivered %+v", msgs)
		}
	})
}
