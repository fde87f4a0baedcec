package bot

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
)

// outcome is how one alarm notification was handled; a queue message is
// deleted, left to come back, or handed to its triage job accordingly. The
// values label trailhound_sqs_messages_total.
type outcome string

const (
	outQueued    outcome = "queued"     // a triage job owns the notification now
	outRetry     outcome = sqsRetry     // not handled: a queue message comes back
	outDuplicate outcome = sqsDuplicate // its episode was triaged or is running
	outEnded     outcome = sqsEnded     // an OK or INSUFFICIENT_DATA handled
	outRefused   outcome = sqsRefused   // refused by the allowlists
)

const (
	dedupUnavailable = "⚠️ dedup unavailable: this alarm may be triaged twice."
	// editTimeout bounds the best-effort edits and notes (progress, re-fire
	// counts): a slow Slack must not hold up a triage or the other notes.
	editTimeout = 2 * time.Second
	// resolvedReaction marks a thread's root once its alarm is back to OK.
	resolvedReaction = "white_check_mark"
	// reportBlockID is the block_id every report (blocks.Report) carries
	// and no other message of the bot does: it is how the report is found
	// in its thread when the alarm resolves.
	reportBlockID = "footer"
)

// origin is where a notification came from and where its thread goes.
type origin struct {
	channel  string        // the channel it was posted in; empty for the queue
	rootTS   string        // the thread to answer in
	received time.Time     // when the bot got it
	queued   *QueueMessage // set for queue messages
	manual   bool          // an explicit request, outside the episode dedup
	// work is the recorded item it was read from; takenOver says another
	// replica held that item before this one.
	work      *WorkItem
	takenOver bool
}

func (o origin) source() string {
	switch {
	case o.queued != nil, o.work != nil && o.work.Kind == workSQS:
		return "sqs"
	case o.manual:
		return "command"
	}
	return "slack"
}

// triageJob is one triage from its claim to its report.
type triageJob struct {
	alarm         investigation.Alarm
	origin        origin
	key           EpisodeKey
	hasKey        bool
	lease         Lease // nil without a claim (store down, manual)
	thread        chat.Ref
	placeholderTS string
	posted        time.Time // when the placeholder went up
	notice        string    // a warning shown with the placeholder and the report
	queuedBehind  int
	// noted says the episode was counted for storm detection; storm is
	// the channel's storm it belongs to ("" for none: the placeholder
	// workflow).
	noted bool
	storm string

	stopHold func()
	holding  sync.WaitGroup
}

// refusal says why the allowlists refuse a, or "".
func (b *Bot) refusal(a investigation.Alarm) string {
	if len(b.regions) > 0 && !b.regions[a.Region] {
		return fmt.Sprintf("region %s is not one this workspace triages", oneLine(a.Region))
	}
	if len(b.accounts) > 0 {
		if a.Account == "" {
			return "its account is not stated, and this workspace only triages listed accounts"
		}
		if !b.accounts[a.Account] {
			return fmt.Sprintf("account %s is not one this workspace triages", oneLine(a.Account))
		}
	}
	return ""
}

// handleAlarm routes one alarm notification by state.
func (b *Bot) handleAlarm(ctx context.Context, o origin, a investigation.Alarm) outcome {
	log := b.log.With("alarm", a.Name, "arn", a.ARN, "state", a.State, "source", o.source())
	if reason := b.refusal(a); reason != "" {
		log.Info("alarm refused by the allowlists", "reason", reason)
		if o.channel != "" && a.State == investigation.StateAlarm {
			line := fmt.Sprintf("🙅 Not triaging *%s*: %s.", oneLine(a.Name), reason)
			if _, err := b.postText(ctx, chat.Ref{Channel: o.channel, TS: o.rootTS}, line); err != nil {
				log.Warn("could not post the refusal", "error", err)
			}
		}
		return outRefused
	}
	switch a.State {
	case investigation.StateAlarm:
		return b.alarmFired(ctx, o, a, log)
	case investigation.StateOK:
		return b.alarmResolved(ctx, a, log)
	default:
		// INSUFFICIENT_DATA says data stopped arriving, not that the
		// symptom ended: the thread stays as it is.
		log.Info("alarm state needs no triage")
		return outEnded
	}
}

// alarmFired claims the episode and, when this replica wins, opens the
// thread and queues the triage. A place in the pool is reserved before the
// claim, so that a won claim always has room; without room, duplicates are
// still recognised as such and only a new episode is refused.
func (b *Bot) alarmFired(ctx context.Context, o origin, a investigation.Alarm, log *slog.Logger) outcome {
	reserved := b.pool.reserve()
	j := &triageJob{alarm: a, origin: o}
	duplicate := func(state string, thread chat.Ref, key EpisodeKey) outcome {
		if reserved {
			b.pool.unreserve()
		}
		b.withdrawPlaceholder(ctx, j, log)
		b.refire(ctx, o, a, key, state, thread, log)
		return outDuplicate
	}
	verify := false // whether the chat must be read before opening a thread
	if key, err := alarmKey(a); err != nil {
		j.notice = dedupUnavailable
		log.Warn("alarm has no key: triaging without dedup", "error", err)
	} else {
		j.key, j.hasKey = key, true
		claim, err := b.claimEpisode(ctx, j, log)
		switch {
		case err == nil && claim.State == ClaimWon:
			j.lease = claim.Lease
			// A take-over continues in the thread the previous owner started.
			if !claim.Thread.IsZero() && claim.Thread != j.thread {
				b.withdrawPlaceholder(ctx, j, log)
				j.thread, j.placeholderTS = claim.Thread, ""
			}
			verify = !claim.Thread.IsZero() || b.claimsForgotten(ctx, key)
		case err == nil:
			return duplicate(string(claim.State), claim.Thread, key)
		default:
			if thread, seen := b.episodes.seen(key, b.now()); seen {
				return duplicate("local", thread, key)
			}
			j.notice = dedupUnavailable
			verify = true
			log.Warn("alarm claim failed: triaging without dedup", "error", err)
		}
	}
	if !reserved {
		b.refuseForCapacity(ctx, o, j, log)
		return outRetry
	}
	if verify && b.adoptFromSlack(ctx, j, log) {
		b.withdrawPlaceholder(ctx, j, log)
		b.pool.unreserve()
		return outDuplicate
	}
	if j.hasKey {
		b.episodes.remember(j.key, j.thread, b.now())
	}
	b.hold(j)
	if err := b.openThread(ctx, j); err != nil {
		log.Error("could not open the alarm's thread", "error", err)
		b.pool.unreserve()
		cctx, cancel := b.cleanupContext()
		defer cancel()
		b.handBack(cctx, j, false)
		b.m.triages.WithLabelValues(outcomeFailed).Inc()
		return outRetry
	}
	b.pool.submit(j)
	return outQueued
}

// claimEpisode claims the episode. Recorded work, which is this replica's
// alone, can afford to wait rather than triage twice: for a store that does
// not answer, up to storeWait, and, for work taken over from a replica that
// stopped, for that replica's lease to run out.
func (b *Bot) claimEpisode(ctx context.Context, j *triageJob, log *slog.Logger) (EpisodeClaim, error) {
	o, key := j.origin, j.key
	// One claimant per job, so that a retry whose first reply was lost
	// finds its own claim, and another job of this replica does not.
	claimant := b.opts.Owner + "/" + strings.ToLower(rand.Text()[:10])
	claim, err := b.deps.Store.ClaimEpisode(ctx, key, claimant, b.opts.Lease)
	if o.work == nil {
		return claim, err
	}
	var waitUntil time.Time
	switch {
	case err != nil:
		waitUntil = b.now().Add(storeWait)
		log.Warn("alarm claim failed: waiting for the store rather than triaging twice", "error", err, "for", storeWait)
		b.waitingPlaceholder(ctx, j, log)
	case o.takenOver && claim.State == ClaimRunning:
		waitUntil = b.now().Add(b.opts.Lease)
		log.Info("taken-over alarm is still claimed: waiting for the previous owner's lease", "for", b.opts.Lease)
	default:
		return claim, nil
	}
	for b.now().Before(waitUntil) {
		if chat.Sleep(ctx, storeRetry) != nil {
			return claim, err
		}
		claim, err = b.deps.Store.ClaimEpisode(ctx, key, claimant, b.opts.Lease)
		if err == nil && (claim.State != ClaimRunning || !o.takenOver) {
			return claim, nil
		}
	}
	return claim, err
}

// adoptFromSlack reads the episode back from the chat: a report there
// means it is done, which it reports (completing the claim, so the store
// knows again); a thread or placeholder there becomes the job's.
func (b *Bot) adoptFromSlack(ctx context.Context, j *triageJob, log *slog.Logger) (done bool) {
	found, err := b.episodeInSlack(ctx, j)
	switch {
	case err != nil:
		log.Warn("could not read the episode back from the chat", "error", err)
	case found.reported:
		log.Info("episode already reported in the chat; not triaging it again", "thread", found.thread.String())
		b.m.dedupHits.WithLabelValues("chat").Inc()
		if j.lease != nil {
			if err := j.lease.Complete(ctx, found.thread, b.opts.DedupWindow); err != nil {
				log.Warn("could not mark the episode done", "error", err)
			}
		}
		b.episodes.remember(j.key, found.thread, b.now())
		return true
	case !found.thread.IsZero():
		if j.placeholderTS != "" && found.placeholder != j.placeholderTS {
			b.withdrawPlaceholder(ctx, j, log)
		}
		j.thread, j.placeholderTS = found.thread, found.placeholder
		if found.placeholder != "" {
			log.Info("continuing the episode's placeholder found in the chat", "thread", found.thread.String())
		}
	}
	return false
}

// storeWaitNote is the placeholder's note while the store does not answer.
var storeWaitNote = fmt.Sprintf("⏳ Redis does not answer: waiting up to %s for it before triaging, so that this alarm is not triaged twice.", storeWait)

// waitingPlaceholder puts the placeholder up early, with a note, in the
// notification's thread while the claim waits for the store: the wait
// must not look like silence. Only this replica holds the notification's
// work, so the early placeholder cannot be doubled by another replica.
func (b *Bot) waitingPlaceholder(ctx context.Context, j *triageJob, log *slog.Logger) {
	if j.origin.channel == "" || j.placeholderTS != "" {
		return
	}
	j.notice = storeWaitNote
	thread := chat.Ref{Channel: j.origin.channel, TS: j.origin.rootTS}
	ts, err := b.chat.Post(ctx, thread, j.tag(b.placeholder(j, engine.Progress{})))
	j.notice = ""
	if err != nil {
		log.Warn("could not post the placeholder while waiting for the store", "error", err)
		return
	}
	j.thread, j.placeholderTS, j.posted = thread, ts, b.now()
}

// withdrawPlaceholder turns an early placeholder of a notification that
// turned out to be a duplicate into a one-line note.
func (b *Bot) withdrawPlaceholder(ctx context.Context, j *triageJob, log *slog.Logger) {
	if j.placeholderTS == "" {
		return
	}
	msg := blocks.Message{Text: "↪ Redis answered: this episode is already triaged or being triaged, so it is not triaged again."}
	if err := b.chat.Update(ctx, j.placeholderRef(), msg); err != nil {
		log.Warn("could not withdraw the early placeholder", "error", err)
	}
}

// refuseForCapacity gives back a won claim that the pool has no room for,
// and says so in the notification's thread.
func (b *Bot) refuseForCapacity(ctx context.Context, o origin, j *triageJob, log *slog.Logger) {
	b.m.triages.WithLabelValues(outcomeRefused).Inc()
	log.Warn("no capacity: alarm not triaged", "queued", b.pool.queued(), "workers", b.opts.Workers)
	if j.lease != nil {
		if err := j.lease.Release(ctx); err != nil {
			log.Warn("could not release the alarm claim; it expires with its lease", "error", err)
		}
	}
	if o.channel == "" {
		return
	}
	line := fmt.Sprintf("⏳ Trailhound is at capacity (%d triages waiting), so *%s* is not triaged now; its next notification will be.", b.pool.queued(), oneLine(j.alarm.Name))
	if _, err := b.postText(ctx, chat.Ref{Channel: o.channel, TS: o.rootTS}, line); err != nil {
		log.Warn("could not post the capacity note", "error", err)
	}
}

// openThread posts the placeholder, first the thread's root for alarms from
// the queue, and records the thread for the episode.
func (b *Bot) openThread(ctx context.Context, j *triageJob) error {
	if j.thread.IsZero() {
		switch {
		case j.origin.channel != "":
			j.thread = chat.Ref{Channel: j.origin.channel, TS: j.origin.rootTS}
		default:
			ts, err := b.chat.Post(ctx, chat.Ref{Channel: b.opts.AlertChannel}, j.tag(blocks.Message{Text: headline(j.alarm)}))
			if err != nil {
				return fmt.Errorf("post the alarm's root message: %w", err)
			}
			j.thread = chat.Ref{Channel: b.opts.AlertChannel, TS: ts}
		}
	}
	// Recorded before the placeholder goes up, so that re-fires meanwhile
	// find the thread and a retry after a failed placeholder reuses the root.
	if j.lease != nil {
		if err := b.deps.Store.SetEpisodeThread(ctx, j.key, j.thread); err != nil {
			b.log.Warn("could not record the episode's thread", "alarm", j.alarm.Name, "error", err)
		}
	}
	if j.hasKey {
		b.episodes.remember(j.key, j.thread, b.now())
	}
	j.queuedBehind = b.pool.queued()
	if b.joinStorm(ctx, j) {
		if j.placeholderTS == "" {
			// The digest takes the alarm up; its thread gets only the report.
			return nil
		}
		j.storm = "" // a message in the thread to continue in: the usual workflow, the digest kept told
	}
	if j.placeholderTS != "" {
		// Taken over: the placeholder already in the thread goes on.
		if err := b.chat.Update(ctx, j.placeholderRef(), j.tag(b.placeholder(j, engine.Progress{}))); err != nil {
			return fmt.Errorf("update the placeholder taken over: %w", err)
		}
		j.posted = b.now()
		return nil
	}
	ts, err := b.chat.Post(ctx, chat.Ref(j.thread), j.tag(b.placeholder(j, engine.Progress{})))
	if err != nil {
		return fmt.Errorf("post the placeholder: %w", err)
	}
	j.placeholderTS, j.posted = ts, b.now()
	b.m.placeholderSecs.Observe(j.posted.Sub(j.origin.received).Seconds())
	return nil
}

// headline is the root message of a thread opened for an alarm from the queue.
func headline(a investigation.Alarm) string {
	where := strings.TrimSpace(oneLine(a.Region) + " · " + oneLine(a.Account))
	where = strings.Trim(where, " ·")
	line := fmt.Sprintf("🔴 *%s* is in %s", oneLine(a.Name), oneLine(string(a.State)))
	if where != "" {
		line += " (" + where + ")"
	}
	if a.Reason != "" {
		line += "\n" + oneLine(clipBytes(a.Reason, 300))
	}
	return line
}

func (b *Bot) placeholder(j *triageJob, p engine.Progress) blocks.Message {
	m := blocks.Placeholder(j.alarm, p, j.startedAt())
	if j.queuedBehind > 0 && p.Stage == "" {
		m, _ = blocks.WithNotice(m, "queue-note", fmt.Sprintf("⏳ waiting for a free worker (%d triages ahead)", j.queuedBehind))
	}
	m, _ = blocks.WithNotice(m, "dedup-note", j.notice)
	return m
}

// placeholderRef is the placeholder's message, which becomes the report.
func (j *triageJob) placeholderRef() chat.Ref {
	return chat.Ref{Channel: j.thread.Channel, TS: j.placeholderTS}
}

func (j *triageJob) startedAt() time.Time {
	if !j.posted.IsZero() {
		return j.posted
	}
	return j.origin.received
}

// hold keeps the job's lease and queue message until release. It starts as
// soon as the claim is won, not when a worker takes the job: posting into a
// busy channel and waiting for a worker may outlast the lease or the
// message's visibility.
func (b *Bot) hold(j *triageJob) {
	ctx, stop := context.WithCancel(b.workCtx)
	j.stopHold = stop
	if j.lease != nil {
		j.holding.Go(func() {
			if err := j.lease.Hold(ctx, b.opts.RenewEvery); err != nil {
				b.log.Warn("alarm lease lost: another replica may triage this episode too", "alarm", j.alarm.Name, "error", err)
			}
		})
	}
	if j.origin.queued != nil {
		j.holding.Go(func() { b.holdMessage(ctx, j.origin.queued) })
	}
}

// release stops holding the job's lease and queue message.
func (j *triageJob) release() {
	if j.stopHold != nil {
		j.stopHold()
	}
	j.holding.Wait()
}
