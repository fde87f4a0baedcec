package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
)

// runJob triages and posts the report. A storm's report waits for its
// channel's pace in a goroutine of its own, so that the worker goes on to
// the next triage: the digest shows the cause meanwhile.
func (b *Bot) runJob(ctx context.Context, j *triageJob) {
	b.pool.running.Add(1)
	defer b.pool.running.Add(-1)
	start := b.now()
	b.patchStorm(ctx, j, blocks.StormTriaging, nil)
	rep, err := b.deps.Triager.Triage(ctx, j.alarm, b.progress(ctx, j))
	if err == nil && rep == nil {
		err = errors.New("the triage returned no report")
	}
	if err == nil && j.storm != "" {
		b.patchStorm(ctx, j, blocks.StormReported, rep)
		b.reports.Go(func() { b.completeJob(ctx, j, rep, nil, start) })
		return
	}
	b.completeJob(ctx, j, rep, err, start)
}

// completeJob posts the report of a finished triage, or tells the thread
// why there is none.
func (b *Bot) completeJob(ctx context.Context, j *triageJob, rep *investigation.Report, err error, start time.Time) {
	if err == nil {
		err = b.deliverReport(ctx, j, rep)
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
		if j.storm != "" {
			return // the digest shows the state; Tier 3 edits are kept for it
		}
		now := b.now()
		if now.Sub(last) < b.opts.ProgressEvery {
			return
		}
		last = now
		cctx, cancel := context.WithTimeout(ctx, editTimeout)
		defer cancel()
		if err := b.chat.UpdateOnce(cctx, j.placeholderRef(), j.tag(b.placeholder(j, p))); err != nil {
			b.log.Debug("progress update failed", "alarm", j.alarm.Name, "error", err)
		}
	}
}

// deliverReport saves the artifact and puts the report in the thread: it
// replaces the placeholder, or, in a storm, is the thread's one reply.
func (b *Bot) deliverReport(ctx context.Context, j *triageJob, rep *investigation.Report) error {
	if id, err := b.deps.Store.SaveReport(ctx, *rep); err != nil {
		b.log.Warn("could not save the replay artifact", "alarm", j.alarm.Name, "error", err)
		rep.ArtifactID = ""
	} else {
		rep.ArtifactID = id
	}
	msg, fits := blocks.WithNotice(blocks.Report(rep, blocks.ReportOptions{}), "dedup-note", j.notice)
	msg = j.tag(msg)
	switch {
	case j.storm != "":
		if err := b.postReport(ctx, j, msg); err != nil {
			return err
		}
		b.patchStorm(ctx, j, blocks.StormInThread, rep)
	case !b.editRoom():
		// The workspace's edits are spent (a storm elsewhere): the report
		// goes in at the channel's pace, and the placeholder points at it
		// once an edit is free.
		placeholder := j.placeholderRef()
		if err := b.postReport(ctx, j, msg); err != nil {
			return err
		}
		b.pointAt(ctx, placeholder)
		b.patchStorm(ctx, j, blocks.StormInThread, rep)
	default:
		if err := b.chat.Update(ctx, j.placeholderRef(), msg); err != nil {
			// The placeholder may have been deleted: the report goes in anew.
			b.log.Warn("could not replace the placeholder; posting the report", "alarm", j.alarm.Name, "error", err)
			if _, perr := b.chat.Post(ctx, chat.Ref(j.thread), msg); perr != nil {
				return fmt.Errorf("post the report: %w", errors.Join(err, perr))
			}
		}
		b.patchStorm(ctx, j, blocks.StormInThread, rep)
	}
	if !fits {
		if _, err := b.postText(ctx, chat.Ref(j.thread), j.notice); err != nil {
			b.log.Warn("could not post the dedup warning", "alarm", j.alarm.Name, "error", err)
		}
	}
	return nil
}

// finishJob records the thread's investigation, completes the claim and
// adds what follows the report (the timeline picture, outside a storm,
// and the AI assessment).
func (b *Bot) finishJob(ctx context.Context, j *triageJob, rep *investigation.Report) error {
	alarm := j.alarm
	alarm.Resources = rep.Alarm.Resources
	st := ThreadState{Alarm: alarm, Report: *rep, Window: rep.Window, EvidenceEventIDs: evidence(rep)}
	if err := b.deps.Store.SaveThread(ctx, j.thread, st); err != nil {
		b.log.Warn("could not save the thread's investigation: follow-ups will lack context", "alarm", j.alarm.Name, "error", err)
	}
	if j.lease != nil {
		if err := j.lease.Complete(ctx, j.thread, b.opts.DedupWindow); err != nil {
			b.log.Warn("could not mark the episode done", "alarm", j.alarm.Name, "error", err)
		}
	}
	if m := j.origin.queued; m != nil {
		b.deleteMessage(ctx, m, sqsTriaged)
	}
	if w := j.origin.work; w != nil {
		b.finishWork(ctx, *w)
	}
	b.recordTriage(ctx, j.thread)
	if j.storm == "" {
		b.postPicture(ctx, j, rep)
	}
	b.advise(ctx, j, rep, st)
	return nil
}

// advise adds the AI assessment under the posted report by updating the
// same message; the report's deterministic part does not change.
func (b *Bot) advise(ctx context.Context, j *triageJob, rep *investigation.Report, st ThreadState) {
	if b.deps.Advisor == nil {
		return
	}
	ai := b.deps.Advisor.Advise(ctx, j.alarm, rep)
	if ai == nil {
		return
	}
	msg, _ := blocks.WithNotice(blocks.Report(rep, blocks.ReportOptions{AI: ai}), "dedup-note", j.notice)
	msg = j.tag(msg)
	if err := b.chat.Update(ctx, j.placeholderRef(), msg); err != nil {
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
		msg = blocks.Error("Triage failed", userReason(cause)+"\nThe alarm's next notification will retry.")
	}
	if shutdown && j.origin.work != nil {
		// Another replica reads the work at once and carries on in this
		// placeholder: an "interrupted" edit would only race its own.
		b.handBack(ctx, j, shutdown)
		return
	}
	if !shutdown {
		b.patchStorm(ctx, j, blocks.StormFailed, nil)
	}
	switch {
	case j.placeholderTS != "":
		if err := b.chat.Update(ctx, j.placeholderRef(), j.tag(msg)); err != nil {
			b.log.Warn("could not post the failure in the thread", "alarm", j.alarm.Name, "error", err)
		}
	case j.storm != "" && !j.thread.IsZero():
		if _, err := b.chat.Post(ctx, chat.Ref(j.thread), j.tag(msg)); err != nil {
			b.log.Warn("could not post the failure in the thread", "alarm", j.alarm.Name, "error", err)
		}
	}
	b.handBack(ctx, j, shutdown)
	if w := j.origin.work; w != nil && !shutdown {
		// Told in the thread: the alarm's next notification retries.
		b.finishWork(ctx, *w)
	}
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
	if m := j.origin.queued; m != nil && shutdown {
		b.returnMessage(ctx, m)
	}
	if w := j.origin.work; w != nil && shutdown {
		b.handBackWork(ctx, *w)
	}
}

// cleanupContext bounds the calls that hand work back; it outlives the
// bot's own context, which may be what ended.
func (b *Bot) cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), cleanupReserve)
}
