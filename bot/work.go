package bot

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/trailhound/trailhound/bot/chat"
)

// Durable intake: what the bot acknowledges (a Slack message, a queue
// message) is recorded as work in the store first, and replicas read the
// work from there. An item stays this replica's while it refreshes it; a
// replica that dies stops refreshing, and another takes its items over
// once they have gone TakeoverAfter without a refresh. A replica that
// stops hands its unfinished items back at once.

// Work timings.
const (
	// TakeoverAfter is how long an item may go unrefreshed before another
	// replica takes it over; its owner refreshes it every refreshShare of
	// that, so a store that stalls for a few seconds does not look like a
	// dead replica.
	TakeoverAfter = 20 * time.Second
	refreshShare  = 4
	// takeoverScan is how often a replica looks for idle items.
	takeoverScan = 2 * time.Second
	// MaxTakeover bounds the time from a replica's death to another one
	// triaging its alarms: the item goes idle (TakeoverAfter), the next
	// scan finds it (takeoverScan), and the episode's lease, renewed as
	// often as the item, runs out (at most DefaultLease, and in practice
	// at about the same moment as the item).
	MaxTakeover = 60 * time.Second
	// workBlock is the longest one read waits for new items.
	workBlock = time.Second
	// workBatch bounds the items of one read.
	workBatch = 32
	// storeWait bounds how long an alarm waits for an unreachable store
	// before it is triaged without dedup; storeRetry spaces the tries.
	storeWait  = 20 * time.Second
	storeRetry = time.Second
	// workSQS is the kind of a recorded queue message: its body is the
	// message's body.
	workSQS = "sqs"
	// maxWorkDeliveries bounds the replicas one item is handed to: an
	// item whose handling kills every replica that takes it over is
	// dropped, with a log line, instead of going round for ever.
	maxWorkDeliveries = 5
	// sqsRecordTTL is how long a queue message's id is remembered, so
	// that a redelivery is not recorded twice.
	sqsRecordTTL = time.Hour
)

// heldWork is the work this replica holds: read, and not yet done or
// handed back. The refresher keeps each item its own.
type heldWork struct {
	mu    sync.Mutex
	items map[string]WorkItem
}

func newHeldWork() *heldWork { return &heldWork{items: map[string]WorkItem{}} }

func (h *heldWork) add(w WorkItem) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.items[w.ID] = w
}

func (h *heldWork) drop(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.items, id)
}

func (h *heldWork) all() []WorkItem {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]WorkItem, 0, len(h.items))
	for _, w := range h.items {
		out = append(out, w)
	}
	return out
}

// readWork reads new and idle items while the pool has room, until ctx
// ends, and hands each to the intake workers.
func (b *Bot) readWork(ctx context.Context) {
	backoff := receiveBackoff
	lastScan := time.Time{}
	for ctx.Err() == nil {
		room := min(b.pool.free()-len(b.intake), cap(b.intake)-len(b.intake), workBatch)
		if room <= 0 {
			if chat.Sleep(ctx, capacityPoll) != nil {
				return
			}
			continue
		}
		var items []WorkItem
		var err error
		takenOver := false
		if time.Since(lastScan) >= takeoverScan {
			lastScan = time.Now()
			items, err = b.deps.Work.ClaimIdleWork(ctx, b.opts.Owner, b.opts.TakeoverAfter, room)
			takenOver = len(items) > 0
		}
		if err == nil && len(items) == 0 {
			items, err = b.deps.Work.ReadWork(ctx, b.opts.Owner, room, workBlock)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.log.Warn("could not read work from the store", "error", err, "retry_in", backoff)
			if chat.Sleep(ctx, backoff) != nil {
				return
			}
			backoff = min(2*backoff, maxReceiveBackoff)
			continue
		}
		backoff = receiveBackoff
		for _, w := range items {
			if w.Deliveries > maxWorkDeliveries {
				b.log.Error("dropping work that every replica taking it over stopped on", "work", w.ID, "kind", w.Kind,
					"deliveries", w.Deliveries, "body", clipBytes(string(w.Body), maxBodyInLog))
				b.finishWork(ctx, w)
				continue
			}
			b.held.add(w)
			if takenOver {
				b.log.Info("took over work of a replica that stopped refreshing it", "work", w.ID, "kind", w.Kind)
			}
			select {
			case b.intake <- queueItem{work: &w, received: b.now(), takenOver: takenOver}:
			case <-ctx.Done():
				return
			}
		}
	}
}

// refreshWork keeps the held items this replica's until ctx ends.
func (b *Bot) refreshWork(ctx context.Context) {
	t := time.NewTicker(b.opts.TakeoverAfter / refreshShare)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		held := b.held.all()
		if len(held) == 0 {
			continue
		}
		ids := make([]string, len(held))
		for i, w := range held {
			ids[i] = w.ID
		}
		cctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
		n, err := b.deps.Work.TouchWork(cctx, b.opts.Owner, ids)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			b.log.Warn("could not refresh the work this replica holds", "items", len(ids), "error", err)
		case err == nil && n < len(ids):
			// Taken over while this replica did not answer, or forgotten by
			// a store that restarted: the episode claims keep the triage
			// single either way.
			b.log.Info("some held work is no longer this replica's in the store", "held", len(ids), "refreshed", n)
		}
	}
}

// handleWork handles one item and settles it by the outcome.
func (b *Bot) handleWork(ctx context.Context, it queueItem) {
	w := *it.work
	log := b.log.With("work", w.ID, "kind", w.Kind)
	var out outcome
	switch w.Kind {
	case chat.WorkMessage:
		var m chat.Message
		if err := json.Unmarshal(w.Body, &m); err != nil {
			log.Error("dropping recorded work that cannot be read", "error", err)
			out = outEnded
			break
		}
		out = b.onMessage(ctx, m, origin{work: &w, takenOver: it.takenOver})
	case workSQS:
		if !b.authorize(request{via: viaQueue, what: whatAlarm, readsAWS: true}).ok {
			out = outRefused
			break
		}
		a, err := b.parseNotification(ctx, string(w.Body))
		if err != nil {
			log.Warn("recorded queue message is not a readable alarm notification", "error", err, "body", clipBytes(string(w.Body), maxBodyInLog))
			out = outEnded
			break
		}
		out = b.handleAlarm(ctx, origin{received: it.received, work: &w, takenOver: it.takenOver}, a)
	default:
		log.Error("dropping recorded work of an unknown kind")
		out = outEnded
	}
	switch out {
	case outQueued:
		// The triage job finishes or hands back the item.
	case outRetry:
		// Left unrefreshed, the item is read again after TakeoverAfter.
		b.held.drop(w.ID)
	default:
		b.finishWork(ctx, w)
	}
}

// finishWork removes a done item from the store.
func (b *Bot) finishWork(ctx context.Context, w WorkItem) {
	b.held.drop(w.ID)
	cctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
	defer cancel()
	if err := b.deps.Work.DoneWork(cctx, w.ID); err != nil {
		b.log.Warn("could not mark work done; a replica may take it over and find its episode done", "work", w.ID, "error", err)
	}
}

// handBackWork records an unfinished item anew for another replica.
func (b *Bot) handBackWork(ctx context.Context, w WorkItem) {
	b.held.drop(w.ID)
	if _, err := b.deps.Work.HandBackWork(ctx, w); err != nil {
		b.log.Warn("could not hand work back; another replica takes it over when it goes idle", "work", w.ID, "error", err)
		return
	}
	b.log.Info("handed work back", "work", w.ID, "kind", w.Kind)
}

// handBackUnread hands back at once the work read but not yet taken up by
// an intake worker.
func (b *Bot) handBackUnread(ctx context.Context) {
	for {
		select {
		case it := <-b.intake:
			if it.work != nil {
				b.handBackWork(ctx, *it.work)
			}
		default:
			return
		}
	}
}

// handBackHeld hands back every item still held, a few at a time, within ctx.
func (b *Bot) handBackHeld(ctx context.Context) {
	const fanOut = 8
	sem := make(chan struct{}, fanOut)
	var wg sync.WaitGroup
	for _, w := range b.held.all() {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			b.handBackWork(ctx, w)
		})
	}
	wg.Wait()
}

// recordQueueMessage records a queue message as work and deletes it from
// the queue once recorded; one that cannot be recorded stays in the queue
// and comes back after its visibility.
func (b *Bot) recordQueueMessage(ctx context.Context, m *QueueMessage) {
	cctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
	_, err := b.deps.Work.RecordWork(cctx, "sqs:"+m.ID, sqsRecordTTL, workSQS, []byte(m.Body))
	cancel()
	if err != nil {
		b.m.sqsMessages.WithLabelValues(sqsRetry).Inc()
		b.log.Warn("could not record a queue message; it comes back after its visibility", "message", m.ID, "error", err)
		return
	}
	b.deleteMessage(ctx, m, sqsRecorded)
}
