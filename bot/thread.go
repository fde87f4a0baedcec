package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
	"github.com/trailhound/trailhound/store"
	"github.com/trailhound/trailhound/tools"
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
	channel  string         // the channel it was posted in; empty for the queue
	rootTS   string         // the thread to answer in
	received time.Time      // when the bot got it
	sqs      *tools.Message // set for queue messages
	manual   bool           // an explicit request, outside the episode dedup
}

func (o origin) source() string {
	switch {
	case o.sqs != nil:
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
	key           store.AlarmKey
	hasKey        bool
	lease         *store.Lease // nil without a claim (store down, manual)
	thread        store.ThreadRef
	placeholderTS string
	posted        time.Time // when the placeholder went up
	notice        string    // a warning shown with the placeholder and the report
	queuedBehind  int

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
			if _, err := b.out.postText(ctx, o.channel, o.rootTS, line); err != nil {
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
	duplicate := func(state string, thread store.ThreadRef, key store.AlarmKey) outcome {
		if reserved {
			b.pool.unreserve()
		}
		b.refire(o, a, key, state, thread, log)
		return outDuplicate
	}
	j := &triageJob{alarm: a, origin: o}
	if key, err := alarmKey(a); err != nil {
		j.notice = dedupUnavailable
		log.Warn("alarm has no key: triaging without dedup", "error", err)
	} else {
		j.key, j.hasKey = key, true
		claim, err := b.deps.Store.ClaimAlarm(ctx, key, b.opts.Owner, b.opts.Lease)
		switch {
		case err == nil && claim.State == store.ClaimWon:
			j.lease = claim.Lease
			// A take-over continues in the thread the previous owner started.
			j.thread = claim.Thread
		case err == nil:
			return duplicate(string(claim.State), claim.Thread, key)
		default:
			if thread, seen := b.episodes.seen(key, b.now()); seen {
				return duplicate("local", thread, key)
			}
			j.notice = dedupUnavailable
			log.Warn("alarm claim failed: triaging without dedup", "error", err)
		}
	}
	if !reserved {
		b.refuseForCapacity(ctx, o, j, log)
		return outRetry
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
	if _, err := b.out.postText(ctx, o.channel, o.rootTS, line); err != nil {
		log.Warn("could not post the capacity note", "error", err)
	}
}

// openThread posts the placeholder, first the thread's root for alarms from
// the queue, and records the thread for the episode.
func (b *Bot) openThread(ctx context.Context, j *triageJob) error {
	if j.thread.IsZero() {
		switch {
		case j.origin.channel != "":
			j.thread = store.ThreadRef{Channel: j.origin.channel, TS: j.origin.rootTS}
		default:
			ts, err := b.out.postText(ctx, b.opts.AlertChannel, "", headline(j.alarm))
			if err != nil {
				return fmt.Errorf("post the alarm's root message: %w", err)
			}
			j.thread = store.ThreadRef{Channel: b.opts.AlertChannel, TS: ts}
		}
	}
	// Recorded before the placeholder goes up, so that re-fires meanwhile
	// find the thread and a retry after a failed placeholder reuses the root.
	if j.lease != nil {
		if err := b.deps.Store.SetThread(ctx, j.key, j.thread); err != nil {
			b.log.Warn("could not record the episode's thread", "alarm", j.alarm.Name, "error", err)
		}
	}
	if j.hasKey {
		b.episodes.remember(j.key, j.thread, b.now())
	}
	j.queuedBehind = b.pool.queued()
	ts, err := b.out.post(ctx, j.thread.Channel, j.thread.TS, b.placeholder(j, engine.Progress{}))
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
		m, _ = withNotice(m, "queue-note", fmt.Sprintf("⏳ waiting for a free worker (%d triages ahead)", j.queuedBehind))
	}
	m, _ = withNotice(m, "dedup-note", j.notice)
	return m
}

func (j *triageJob) startedAt() time.Time {
	if !j.posted.IsZero() {
		return j.posted
	}
	return j.origin.received
}

// withNotice adds a context line of the bot's own text (no data) under m,
// unless that would break a Block Kit limit; ok reports whether it fit.
func withNotice(m blocks.Message, blockID, text string) (blocks.Message, bool) {
	if text == "" {
		return m, true
	}
	out := blocks.Message{
		Text:   m.Text,
		Blocks: append(slices.Clone(m.Blocks), slack.NewContextBlock(blockID, slack.NewTextBlockObject(slack.MarkdownType, text, false, false))),
	}
	if blocks.Validate(out) != nil {
		return m, false
	}
	return out, true
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
	if j.origin.sqs != nil {
		j.holding.Go(func() { b.holdMessage(ctx, j.origin.sqs) })
	}
}

// release stops holding the job's lease and queue message.
func (j *triageJob) release() {
	if j.stopHold != nil {
		j.stopHold()
	}
	j.holding.Wait()
}

// holdMessage keeps a queue message hidden while its triage waits and runs.
func (b *Bot) holdMessage(ctx context.Context, m *tools.Message) {
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

// runJob triages and posts the report.
func (b *Bot) runJob(ctx context.Context, j *triageJob) {
	b.pool.running.Add(1)
	defer b.pool.running.Add(-1)
	start := b.now()
	rep, err := b.deps.Triager.Triage(ctx, j.alarm, b.progress(ctx, j))
	if err == nil && rep == nil {
		err = errors.New("the triage returned no report")
	}
	// Holding stops before the claim completes: a renewal racing the
	// completion would see a claim it no longer runs and report it lost.
	j.release()
	if err == nil {
		err = b.finishJob(ctx, j, rep)
	}
	if err != nil {
		cctx, cancel := b.cleanupContext()
		defer cancel()
		b.failJob(cctx, j, err, ctx.Err() != nil)
		return
	}
	b.m.triages.WithLabelValues(outcomeReported).Inc()
	b.m.triageSeconds.Observe(b.now().Sub(start).Seconds())
}

// progress returns the triage's progress callback: it edits the
// placeholder, at most once per ProgressEvery, and never retries (the next
// stage or the report supersedes a lost update).
func (b *Bot) progress(ctx context.Context, j *triageJob) func(engine.Progress) {
	last := j.posted
	return func(p engine.Progress) {
		now := b.now()
		if now.Sub(last) < b.opts.ProgressEvery {
			return
		}
		last = now
		cctx, cancel := context.WithTimeout(ctx, editTimeout)
		defer cancel()
		if err := b.out.updateOnce(cctx, j.thread.Channel, j.placeholderTS, b.placeholder(j, p)); err != nil {
			b.log.Debug("progress update failed", "alarm", j.alarm.Name, "error", err)
		}
	}
}

// finishJob saves the artifact, replaces the placeholder with the report,
// records the thread's investigation and completes the claim.
func (b *Bot) finishJob(ctx context.Context, j *triageJob, rep *investigation.Report) error {
	if rep.ArtifactID == "" {
		rep.ArtifactID = store.NewArtifactID()
	}
	if _, err := b.deps.Store.SaveArtifact(ctx, store.Artifact{ID: rep.ArtifactID, Report: *rep}); err != nil {
		b.log.Warn("could not save the replay artifact", "alarm", j.alarm.Name, "error", err)
		rep.ArtifactID = ""
	}
	msg, fits := withNotice(blocks.Report(rep, blocks.ReportOptions{}), "dedup-note", j.notice)
	if err := b.out.update(ctx, j.thread.Channel, j.placeholderTS, msg); err != nil {
		// The placeholder may have been deleted: the report goes in anew.
		b.log.Warn("could not replace the placeholder; posting the report", "alarm", j.alarm.Name, "error", err)
		if _, perr := b.out.post(ctx, j.thread.Channel, j.thread.TS, msg); perr != nil {
			return fmt.Errorf("post the report: %w", errors.Join(err, perr))
		}
	}
	if !fits {
		if _, err := b.out.postText(ctx, j.thread.Channel, j.thread.TS, j.notice); err != nil {
			b.log.Warn("could not post the dedup warning", "alarm", j.alarm.Name, "error", err)
		}
	}
	alarm := j.alarm
	alarm.Resources = rep.Alarm.Resources
	st := store.ThreadState{Alarm: alarm, Report: *rep, Window: rep.Window, EvidenceEventIDs: evidence(rep)}
	if err := b.deps.Store.SaveThread(ctx, j.thread, st); err != nil {
		b.log.Warn("could not save the thread's investigation: follow-ups will lack context", "alarm", j.alarm.Name, "error", err)
	}
	if j.lease != nil {
		if err := j.lease.Complete(ctx, j.thread, b.opts.DedupWindow); err != nil {
			b.log.Warn("could not mark the episode done", "alarm", j.alarm.Name, "error", err)
		}
	}
	if m := j.origin.sqs; m != nil {
		b.deleteMessage(ctx, m, sqsTriaged)
	}
	b.advise(ctx, j, rep, st)
	return nil
}

// advise adds the AI assessment under the posted report by updating the
// same message; the report's deterministic part does not change.
func (b *Bot) advise(ctx context.Context, j *triageJob, rep *investigation.Report, st store.ThreadState) {
	if b.deps.Advisor == nil {
		return
	}
	ai := b.deps.Advisor.Advise(ctx, j.alarm, rep)
	if ai == nil {
		return
	}
	msg, _ := withNotice(blocks.Report(rep, blocks.ReportOptions{AI: ai}), "dedup-note", j.notice)
	if err := b.out.update(ctx, j.thread.Channel, j.placeholderTS, msg); err != nil {
		b.log.Warn("could not add the AI assessment to the report", "alarm", j.alarm.Name, "error", err)
		return
	}
	st.Report = *rep
	if raw, err := json.Marshal(ai); err == nil {
		st.AISection = raw
	}
	if err := b.deps.Store.SaveThread(ctx, j.thread, st); err != nil {
		b.log.Warn("could not save the AI status with the thread", "alarm", j.alarm.Name, "error", err)
	}
}

// evidence lists the event ids the report cites, each once.
func evidence(rep *investigation.Report) []string {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, c := range rep.Candidates {
		for _, e := range c.Events {
			add(e.EventID)
		}
		for _, cl := range c.Claims {
			for _, id := range cl.EventIDs {
				add(id)
			}
		}
	}
	return ids
}

// failJob tells the thread and hands the episode back, within ctx.
// shutdown says the stop cut the triage short (or it never started).
func (b *Bot) failJob(ctx context.Context, j *triageJob, cause error, shutdown bool) {
	var msg blocks.Message
	if shutdown {
		b.m.triages.WithLabelValues(outcomeAbandoned).Inc()
		b.log.Warn("triage interrupted by shutdown", "alarm", j.alarm.Name)
		msg = blocks.Error("Triage interrupted", "Trailhound stopped before finishing. Another replica or the alarm's next notification will triage it.")
	} else {
		b.m.triages.WithLabelValues(outcomeFailed).Inc()
		b.log.Error("triage failed", "alarm", j.alarm.Name, "error", cause)
		msg = blocks.Error("Triage failed", cause.Error()+"\nThe alarm's next notification will retry.")
	}
	if j.placeholderTS != "" {
		if err := b.out.update(ctx, j.thread.Channel, j.placeholderTS, msg); err != nil {
			b.log.Warn("could not post the failure in the thread", "alarm", j.alarm.Name, "error", err)
		}
	}
	b.handBack(ctx, j, shutdown)
}

// handBack gives the episode up so that someone else triages it: the claim
// is released, this replica forgets it, and a queue message becomes visible
// at once on shutdown (else it comes back when its visibility runs out).
func (b *Bot) handBack(ctx context.Context, j *triageJob, shutdown bool) {
	j.release()
	if j.hasKey {
		b.episodes.forget(j.key)
	}
	if j.lease != nil {
		if err := j.lease.Release(ctx); err != nil {
			b.log.Warn("could not release the alarm claim; it expires with its lease", "alarm", j.alarm.Name, "error", err)
		}
	}
	if m := j.origin.sqs; m != nil && shutdown {
		if err := b.deps.Queue.ExtendVisibility(ctx, m.ReceiptHandle, 0); err != nil {
			b.log.Warn("could not return a queue message", "message", m.ID, "error", err)
		}
	}
}

// cleanupContext bounds the calls that hand work back; it outlives the
// bot's own context, which may be what ended.
func (b *Bot) cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), cleanupReserve)
}

// refire notes a duplicate notification of an episode; the flusher posts
// or edits the note in the episode's thread.
func (b *Bot) refire(o origin, a investigation.Alarm, key store.AlarmKey, state string, thread store.ThreadRef, log *slog.Logger) {
	b.m.dedupHits.WithLabelValues(state).Inc()
	if thread.IsZero() {
		log.Info("duplicate notification; its thread is not open yet", "claim", state)
		return
	}
	count := b.notes.refire(key, a, thread, o.received)
	log.Info("duplicate notification", "claim", state, "count", count)
}

// flushNotes posts and edits re-fire notes, until ctx ends.
func (b *Bot) flushNotes(ctx context.Context) {
	t := time.NewTicker(b.opts.ProgressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, w := range b.notes.due(b.now()) {
			b.flushNote(ctx, w)
		}
	}
}

// flushNote posts a re-fire note, or edits it to show the latest count.
func (b *Bot) flushNote(ctx context.Context, w noteWork) {
	ctx, cancel := context.WithTimeout(ctx, editTimeout)
	defer cancel()
	msg := blocks.Refire(w.alarm, w.count, w.lastAt)
	if w.ts == "" {
		ts, err := b.out.postIfIdle(ctx, w.thread.Channel, w.thread.TS, msg)
		if err != nil {
			b.log.Debug("re-fire note not posted; retrying", "alarm", w.alarm.Name, "error", err)
		}
		b.notes.posted(w.key, ts, w.count)
		return
	}
	if err := b.out.updateOnce(ctx, w.thread.Channel, w.ts, msg); err != nil {
		b.log.Debug("re-fire note update failed", "alarm", w.alarm.Name, "error", err)
		return
	}
	b.notes.shownCount(w.key, w.count)
}

// alarmResolved marks the alarm's latest thread resolved.
func (b *Bot) alarmResolved(ctx context.Context, a investigation.Alarm, log *slog.Logger) outcome {
	arn := a.Identity()
	if arn == "" {
		log.Info("OK notification without an ARN: no thread to resolve")
		return outEnded
	}
	et, err := b.deps.Store.LatestThread(ctx, storeARN(arn))
	switch {
	case errors.Is(err, store.ErrNotFound):
		log.Debug("OK notification for an alarm without a thread")
		return outEnded
	case err != nil:
		log.Warn("could not look up the alarm's thread", "error", err)
		return outRetry
	}
	okEpisode := store.EpisodeOf(a.StateChangeTime)
	if okEpisode < et.Episode {
		log.Info("OK notification older than the alarm's latest episode; left alone", "episode", et.Episode)
		return outEnded
	}
	won, err := b.deps.Store.ClaimEnvelope(ctx, "resolved:"+storeARN(arn)+"@"+string(okEpisode), b.opts.DedupWindow)
	if err == nil && !won {
		b.m.dedupHits.WithLabelValues("resolved").Inc()
		return outDuplicate
	}
	if err != nil {
		log.Warn("could not claim the resolution; marking it anyway", "error", err)
	}
	if err := b.markResolved(ctx, et.Thread, a); err != nil {
		log.Warn("could not mark the thread resolved", "thread", et.Thread.String(), "error", err)
		return outRetry
	}
	return outEnded
}

// markResolved re-renders the thread's report as resolved and adds a ✅ to
// its root, so the channel shows it without opening the thread. A thread
// whose report cannot be found (still running, failed, or its investigation
// expired) gets a "resolved" reply instead.
func (b *Bot) markResolved(ctx context.Context, thread store.ThreadRef, a investigation.Alarm) error {
	at := a.StateChangeTime
	updated := false
	if st, err := b.deps.Store.LoadThread(ctx, thread); err == nil {
		if ts := b.findReport(ctx, thread); ts != "" {
			opts := blocks.ReportOptions{ResolvedAt: at}
			if len(st.AISection) > 0 {
				var ai blocks.AIAssessment
				if json.Unmarshal(st.AISection, &ai) == nil {
					opts.AI = &ai
				}
			}
			msg := blocks.Report(&st.Report, opts)
			if err := b.out.update(ctx, thread.Channel, ts, msg); err != nil {
				b.log.Warn("could not mark the report resolved; replying instead", "alarm", a.Name, "error", err)
			} else {
				updated = true
			}
		}
	}
	if !updated {
		if _, err := b.out.post(ctx, thread.Channel, thread.TS, blocks.Resolved(a, at)); err != nil {
			return err
		}
	}
	if err := b.out.react(ctx, thread.Channel, thread.TS, resolvedReaction); err != nil {
		b.log.Warn("could not add the resolved reaction", "alarm", a.Name, "error", err)
	}
	return nil
}

// findReport returns the ts of the bot's report in thread, or "".
func (b *Bot) findReport(ctx context.Context, thread store.ThreadRef) string {
	msgs, err := b.out.replies(ctx, thread.Channel, thread.TS)
	if err != nil {
		b.log.Warn("could not read the thread", "thread", thread.String(), "error", err)
		return ""
	}
	for _, m := range msgs {
		if m.Timestamp == thread.TS || !b.isOwn(m.User, m.BotID) {
			continue
		}
		for _, blk := range m.Blocks.BlockSet {
			if blk.ID() == reportBlockID {
				return m.Timestamp
			}
		}
	}
	return ""
}
