package bot

import (
	"context"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
)

// pointerQueue bounds the placeholders waiting to point at their report.
const pointerQueue = 1024

// Pointers are the placeholders waiting to point at the report posted
// below them, shared by the replicas (RedisStore's), so that a replica that
// stops leaves its waiting edits to the others.
type Pointers interface {
	QueuePointer(ctx context.Context, ref chat.Ref) error
	NextPointer(ctx context.Context) (chat.Ref, bool, error)
}

// pointerPoll is how often an idle replica looks for waiting placeholders
// in the store.
const pointerPoll = 500 * time.Millisecond

// pointAt queues the placeholder at ref to point at the report below it:
// in the store when it keeps them, else in this replica's memory.
func (b *Bot) pointAt(ctx context.Context, ref chat.Ref) {
	if ref.TS == "" {
		return
	}
	if b.sharedPointers != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), digestCallTimeout)
		err := b.sharedPointers.QueuePointer(cctx, ref)
		cancel()
		if err == nil {
			return
		}
		b.log.Warn("could not share a placeholder waiting for its edit; this replica keeps it", "message", ref.String(), "error", err)
	}
	select {
	case b.pointers <- ref:
	default:
		b.log.Warn("too many placeholders waiting to point at their report; this one keeps its progress", "message", ref.String())
	}
}

// pointerAttempts bounds the edits tried for one placeholder: each waits
// for the workspace's edit pace, so a storm in several channels can make a
// few of them time out before one gets through.
const pointerAttempts = 8

// pointerCallTimeout bounds one placeholder's edit, its wait for the
// workspace's edit pace included: after a burst of reports posted below
// their placeholders, a hundred edits at Tier 3 take about two minutes, and
// a shorter bound would fail the edits at the back of the line at once.
const pointerCallTimeout = 3 * time.Minute

// pendingPointer is a placeholder to edit and the edits tried so far.
type pendingPointer struct {
	ref   chat.Ref
	tries int
}

// editPointers edits the waiting placeholders as the workspace's edit pace
// allows, until ctx ends. A failed edit goes back in line rather than
// leaving the placeholder showing progress above a finished report; what is
// still waiting when ctx ends goes to the store for the other replicas.
func (b *Bot) editPointers(ctx context.Context) {
	var again []pendingPointer
	defer func() { b.handOverPointers(ctx, again) }()
	poll := time.NewTicker(pointerPoll)
	defer poll.Stop()
	for {
		p, ok := b.nextPointer(ctx, &again)
		if !ok {
			select {
			case <-ctx.Done():
				return
			case ref := <-b.pointers:
				p = pendingPointer{ref: ref}
			case <-poll.C:
				continue
			}
		}
		cctx, cancel := context.WithTimeout(ctx, pointerCallTimeout)
		err := b.chat.Update(cctx, p.ref, blocks.ReportBelow())
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			again = append(again, p)
			return
		case p.tries+1 < pointerAttempts:
			again = append(again, pendingPointer{ref: p.ref, tries: p.tries + 1})
		default:
			b.log.Warn("placeholder not pointed at its report", "message", p.ref.String(), "attempts", pointerAttempts, "error", err)
		}
	}
}

// nextPointer is the next placeholder to edit: a retry, one of this
// replica's, or one from the store.
func (b *Bot) nextPointer(ctx context.Context, again *[]pendingPointer) (pendingPointer, bool) {
	if len(*again) > 0 {
		p := (*again)[0]
		*again = (*again)[1:]
		return p, true
	}
	select {
	case ref := <-b.pointers:
		return pendingPointer{ref: ref}, true
	default:
	}
	if b.sharedPointers == nil || ctx.Err() != nil {
		return pendingPointer{}, false
	}
	cctx, cancel := context.WithTimeout(ctx, digestCallTimeout)
	defer cancel()
	ref, ok, err := b.sharedPointers.NextPointer(cctx)
	if err != nil {
		b.log.Debug("could not read the waiting placeholders", "error", err)
	}
	return pendingPointer{ref: ref}, ok && err == nil
}

// handOverPointers puts what this replica still holds in the store as it
// stops.
func (b *Bot) handOverPointers(ctx context.Context, again []pendingPointer) {
	if b.sharedPointers == nil {
		return
	}
	// Only this goroutine reads the channel, so what len counts is there.
	for len(b.pointers) > 0 {
		again = append(again, pendingPointer{ref: <-b.pointers})
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), digestCallTimeout)
	defer cancel()
	for _, p := range again {
		if err := b.sharedPointers.QueuePointer(cctx, p.ref); err != nil {
			b.log.Warn("placeholder left showing progress: could not hand it over", "message", p.ref.String(), "error", err)
		}
	}
}
