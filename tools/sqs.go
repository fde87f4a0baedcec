package tools

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Call-counter keys of the SQS operations.
const (
	OpReceiveMessage          = "sqs:ReceiveMessage"
	OpDeleteMessage           = "sqs:DeleteMessage"
	OpChangeMessageVisibility = "sqs:ChangeMessageVisibility"
	OpGetQueueURL             = "sqs:GetQueueUrl"
)

// MaxReceiveWait is the longest long poll SQS allows.
const MaxReceiveWait = 20 * time.Second

// maxVisibility is the longest visibility timeout SQS allows.
const maxVisibility = 12 * time.Hour

// Message is one SQS message as the poller needs it.
type Message struct {
	ID            string
	Body          string
	ReceiptHandle string
	// ReceiveCount is how many times SQS handed the message out, this time
	// included: above one, an earlier receiver failed to delete it.
	ReceiveCount int
	SentAt       time.Time
}

// SQSOptions tune the queue client.
type SQSOptions struct {
	// Visibility hides a received message from other receivers for this
	// long; zero keeps the queue's own setting.
	Visibility time.Duration
}

// SQS is the queue primitives a poller is built from: receive, delete,
// extend. It runs no goroutine of its own; the caller's loop owns the pace.
type SQS struct {
	client *sqs.Client
	url    string
	opts   SQSOptions
}

// OpenSQS opens queue, given as a queue URL or a name (resolved with
// GetQueueUrl), with a configuration loaded by LoadAWSConfig.
func OpenSQS(ctx context.Context, cfg aws.Config, queue string, opts SQSOptions) (*SQS, error) {
	if queue == "" {
		return nil, errors.New("open SQS queue: no queue URL or name")
	}
	if opts.Visibility < 0 || opts.Visibility > maxVisibility {
		return nil, fmt.Errorf("open SQS queue %s: visibility %s is outside 0–12h", queue, opts.Visibility)
	}
	// A long poll holds its request open for up to MaxReceiveWait: the
	// attempt timeout must outlast it.
	cfg = cfg.Copy()
	cfg.HTTPClient = withAttemptTimeout(cfg.HTTPClient, MaxReceiveWait+DefaultAttemptTimeout)
	q := &SQS{client: sqs.NewFromConfig(cfg), url: queue, opts: opts}
	if !strings.Contains(queue, "://") {
		out, err := q.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queue)})
		if err != nil {
			return nil, Wrap(OpGetQueueURL, "open SQS queue "+queue, err)
		}
		q.url = aws.ToString(out.QueueUrl)
	}
	return q, nil
}

// URL is the queue's URL.
func (q *SQS) URL() string { return q.url }

// Receive waits up to wait (at most MaxReceiveWait) for messages, returning
// as soon as some arrive, with no messages when wait passes, and at once with
// ctx's error when ctx ends.
func (q *SQS) Receive(ctx context.Context, wait time.Duration) ([]Message, error) {
	wait = min(max(wait, 0), MaxReceiveWait)
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(q.url),
		MaxNumberOfMessages:         10,
		WaitTimeSeconds:             int32(wait / time.Second),
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount, sqstypes.MessageSystemAttributeNameSentTimestamp},
	}
	if q.opts.Visibility > 0 {
		in.VisibilityTimeout = int32(q.opts.Visibility / time.Second)
	}
	out, err := q.client.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, Wrap(OpReceiveMessage, "receive from "+q.url, err)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msg := Message{
			ID:            aws.ToString(m.MessageId),
			Body:          aws.ToString(m.Body),
			ReceiptHandle: aws.ToString(m.ReceiptHandle),
		}
		msg.ReceiveCount, _ = strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		if ms, err := strconv.ParseInt(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
			msg.SentAt = time.UnixMilli(ms).UTC()
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// Delete removes a handled message.
func (q *SQS) Delete(ctx context.Context, receiptHandle string) error {
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(receiptHandle)})
	return Wrap(OpDeleteMessage, "delete from "+q.url, err)
}

// ExtendVisibility keeps a message hidden for d from now, while its handling
// runs longer than the visibility it was received with. Zero makes it
// visible again at once, for another receiver to retry.
func (q *SQS) ExtendVisibility(ctx context.Context, receiptHandle string, d time.Duration) error {
	if d < 0 || d > maxVisibility {
		return fmt.Errorf("extend visibility on %s: %s is outside 0–12h", q.url, d)
	}
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(q.url),
		ReceiptHandle:     aws.String(receiptHandle),
		VisibilityTimeout: int32(d / time.Second),
	})
	return Wrap(OpChangeMessageVisibility, "extend visibility on "+q.url, err)
}
