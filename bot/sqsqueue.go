package bot

import (
	"context"
	"time"

	"github.com/trailhound/trailhound/tools"
)

// SQSQueue adapts an SQS queue to the bot's Queue.
func SQSQueue(q *tools.SQS) Queue { return sqsQueue{q} }

type sqsQueue struct{ q *tools.SQS }

func (s sqsQueue) Receive(ctx context.Context, wait time.Duration) ([]QueueMessage, error) {
	msgs, err := s.q.Receive(ctx, wait)
	out := make([]QueueMessage, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, QueueMessage{ID: m.ID, Body: m.Body, ReceiptHandle: m.ReceiptHandle, ReceiveCount: m.ReceiveCount})
	}
	return out, err
}

func (s sqsQueue) Delete(ctx context.Context, receiptHandle string) error {
	return s.q.Delete(ctx, receiptHandle)
}

func (s sqsQueue) ExtendVisibility(ctx context.Context, receiptHandle string, d time.Duration) error {
	return s.q.ExtendVisibility(ctx, receiptHandle, d)
}
