package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
)

// refire notes a duplicate notification of an episode: in a storm the
// digest counts it, else the flusher posts or edits the note in the
// episode's thread.
func (b *Bot) refire(ctx context.Context, o origin, a investigation.Alarm, key EpisodeKey, state string, thread chat.Ref, log *slog.Logger) {
	b.m.dedupHits.WithLabelValues(state).Inc()
	if thread.IsZero() {
		log.Info("duplicate notification; its thread is not open yet", "claim", state)
		return
	}
	if b.stormRefire(ctx, key, thread) {
		log.Debug("duplicate notification counted in the storm digest", "claim", state)
		return
	}
	// The note tells when the alarm fired, as the notification says, not
	// when it reached the bot.
	fired := a.StateChangeTime
	if fired.IsZero() {
		fired = o.received
	}
	count := b.notes.refire(key, a, thread, o.received, fired)
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
		ts, err := b.chat.PostIfIdle(ctx, chat.Ref(w.thread), msg)
		if err != nil {
			b.log.Debug("re-fire note not posted; retrying", "alarm", w.alarm.Name, "error", err)
		}
		b.notes.posted(w.key, ts, w.count)
		return
	}
	if err := b.chat.UpdateOnce(ctx, chat.Ref{Channel: w.thread.Channel, TS: w.ts}, msg); err != nil {
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
	et, err := b.deps.Store.LatestThread(ctx, arn)
	switch {
	case errors.Is(err, ErrNotFound):
		log.Debug("OK notification for an alarm without a thread")
		return outEnded
	case err != nil:
		log.Warn("could not look up the alarm's thread", "error", err)
		return outRetry
	}
	okKey, _ := alarmKey(a) // a key-less OK is older than any episode
	okEpisode := okKey.Episode
	if okEpisode < et.Episode {
		log.Info("OK notification older than the alarm's latest episode; left alone", "episode", et.Episode)
		return outEnded
	}
	won, err := b.deps.Store.ClaimOnce(ctx, "resolved:"+arn+"@"+okEpisode, b.opts.DedupWindow)
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
func (b *Bot) markResolved(ctx context.Context, thread chat.Ref, a investigation.Alarm) error {
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
			if err := b.chat.Update(ctx, chat.Ref{Channel: thread.Channel, TS: ts}, msg); err != nil {
				b.log.Warn("could not mark the report resolved; replying instead", "alarm", a.Name, "error", err)
			} else {
				updated = true
			}
		}
	}
	if !updated {
		if _, err := b.chat.Post(ctx, chat.Ref(thread), blocks.Resolved(a, at)); err != nil {
			return err
		}
	}
	if err := b.chat.React(ctx, chat.Ref(thread), resolvedReaction); err != nil {
		b.log.Warn("could not add the resolved reaction", "alarm", a.Name, "error", err)
	}
	return nil
}

// findReport returns the ts of the bot's report in thread, or "".
func (b *Bot) findReport(ctx context.Context, thread chat.Ref) string {
	msgs, err := b.chat.Replies(ctx, chat.Ref(thread))
	if err != nil {
		b.log.Warn("could not read the thread", "thread", thread.String(), "error", err)
		return ""
	}
	for _, m := range msgs {
		if m.TS != thread.TS && m.Own && slices.Contains(m.BlockIDs, reportBlockID) {
			return m.TS
		}
	}
	return ""
}
