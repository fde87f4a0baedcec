package bot

import (
	"context"
	"errors"
	"time"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation/intake"
)

// The alarm queue's intake: a poller receives messages while the triage
// pool has room, intake workers handle them, and each triage job keeps its
// message hidden until the report is posted (then deletes it) or hands it
// back. A message that keeps failing is deleted as poison.

// Queue polling pace.
const (
	// receiveWait is the long poll of one receive (SQS's longest).
	receiveWait = 20 * time.Second
	// capacityPoll is how often a poller with no free triage slot looks again.
	capacityPoll = 250 * time.Millisecond
	// receiveBackoff and maxReceiveBackoff space out receives after errors.
	receiveBackoff    = time.Second
	maxReceiveBackoff = 30 * time.Second
	// maxBodyInLog is how much of an unreadable message is logged.
	maxBodyInLog = 300
	// queueCallTimeout bounds a delete or a visibility change.
	queueCallTimeout = 10 * time.Second
)

// queueItem is a received message waiting for an intake worker.
type queueItem struct {
	msg      *QueueMessage
	received time.Time
	// work is set instead of msg for an item read from the recorded work;
	// takenOver says another replica held it before.
	work      *WorkItem
	takenOver bool
}

// pollQueue long-polls the queue and hands each message to the intake
// workers until ctx ends. It only receives while the pool has room, so a
// busy bot leaves messages in the queue instead of refusing them; messages
// received but not handled when ctx ends come back after their visibility.
func (b *Bot) pollQueue(ctx context.Context) {
	backoff := receiveBackoff
	for ctx.Err() == nil {
		if b.pool.free() == 0 || len(b.intake) >= cap(b.intake)/2 {
			if chat.Sleep(ctx, capacityPoll) != nil {
				return
			}
			continue
		}
		msgs, err := b.deps.Queue.Receive(ctx, receiveWait)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.m.sqsMessages.WithLabelValues(sqsFailed).Inc()
			b.log.Warn("could not receive from the queue", "error", err, "retry_in", backoff)
			if chat.Sleep(ctx, backoff) != nil {
				return
			}
			backoff = min(2*backoff, maxReceiveBackoff)
			continue
		}
		backoff = receiveBackoff
		for i := range msgs {
			b.m.sqsMessages.WithLabelValues(sqsReceived).Inc()
			if b.deps.Work != nil {
				b.recordQueueMessage(ctx, &msgs[i])
				continue
			}
			select {
			case b.intake <- queueItem{msg: &msgs[i], received: b.now()}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// intakeWorker handles queue messages until runCtx ends, each with workCtx
// so that one already started is not cut short by the stop itself.
func (b *Bot) intakeWorker(runCtx, workCtx context.Context) {
	for {
		select {
		case <-runCtx.Done():
			return
		case it := <-b.intake:
			if it.work != nil {
				b.handleWork(workCtx, it)
				continue
			}
			b.handleQueueMessage(workCtx, it.msg, it.received)
		}
	}
}

// handleQueueMessage triages one queue message, deleting it once handled.
// A message that cannot be read, or keeps failing, is deleted once it has
// been received PoisonReceives times, with a log line saying why.
func (b *Bot) handleQueueMessage(ctx context.Context, m *QueueMessage, received time.Time) {
	log := b.log.With("message", m.ID, "receives", m.ReceiveCount)
	if !b.authorize(request{via: viaQueue, what: whatAlarm, readsAWS: true}).ok {
		return
	}
	if m.ReceiveCount > b.opts.PoisonReceives {
		log.Error("deleting a queue message that keeps failing", "limit", b.opts.PoisonReceives, "body", clipBytes(m.Body, maxBodyInLog))
		b.deleteMessage(ctx, m, sqsPoison)
		return
	}
	a, err := b.parseNotification(ctx, m.Body)
	if err != nil {
		label := sqsPoison
		if errors.Is(err, intake.ErrNotAlarm) {
			label = sqsIgnored
		}
		if m.ReceiveCount >= b.opts.PoisonReceives {
			log.Error("deleting a queue message that is not a readable alarm notification", "error", err, "limit", b.opts.PoisonReceives, "body", clipBytes(m.Body, maxBodyInLog))
			b.deleteMessage(ctx, m, label)
			return
		}
		log.Warn("queue message is not a readable alarm notification; it will come back", "error", err)
		b.m.sqsMessages.WithLabelValues(sqsRetry).Inc()
		return
	}
	switch out := b.handleAlarm(ctx, origin{queued: m, received: received}, a); out {
	case outQueued:
		// The triage job deletes it once the report is posted.
	case outRetry:
		b.m.sqsMessages.WithLabelValues(sqsRetry).Inc()
	default:
		b.deleteMessage(ctx, m, string(out))
	}
}

func (b *Bot) deleteMessage(ctx context.Context, m *QueueMessage, label string) {
	cctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
	defer cancel()
	if err := b.deps.Queue.Delete(cctx, m.ReceiptHandle); err != nil {
		b.m.sqsMessages.WithLabelValues(sqsFailed).Inc()
		b.log.Warn("could not delete a handled queue message; it will come back and be deduplicated", "message", m.ID, "error", err)
		return
	}
	b.m.sqsMessages.WithLabelValues(label).Inc()
}

// holdMessage keeps a queue message hidden while its triage waits and runs.
func (b *Bot) holdMessage(ctx context.Context, m *QueueMessage) {
	t := time.NewTicker(b.opts.SQSVisibility / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
		err := b.deps.Queue.ExtendVisibility(cctx, m.ReceiptHandle, b.opts.SQSVisibility)
		cancel()
		if err != nil && ctx.Err() == nil {
			b.log.Warn("could not extend a queue message's visibility", "message", m.ID, "error", err)
		}
	}
}

// returnMessage makes a queue message visible again at once, for another
// replica to take on.
func (b *Bot) returnMessage(ctx context.Context, m *QueueMessage) {
	if err := b.deps.Queue.ExtendVisibility(ctx, m.ReceiptHandle, 0); err != nil {
		b.log.Warn("could not return a queue message", "message", m.ID, "error", err)
	}
}
