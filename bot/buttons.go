package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/ask"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
)

// click is one button press, with where its answers go.
type click struct {
	user    string
	channel string
	thread  chat.Ref // the thread the button's message is in
	value   blocks.ActionValue
	action  string
}

// OnClick answers a button click by its action name.
func (b *Bot) OnClick(ctx context.Context, cl chat.Click) {
	name := blocks.ActionName(cl.ActionID)
	b.log.Info("button clicked", "action", cl.ActionID, "user", cl.User, "channel", cl.Channel, "message", cl.MessageTS)
	if name == blocks.ActionOpenEvent || name == blocks.ActionOpenConsole || name == blocks.ActionOpenLogs {
		return // a link: the chat opened it already
	}
	// Feedback and a corrected cause are the clicker's word, not AWS reads;
	// every other button, including ones added later, reads AWS.
	readsAWS := name != blocks.ActionFeedbackUp && name != blocks.ActionFeedbackDown && name != blocks.ActionCorrectCause
	if v := b.authorize(request{via: viaButton, channel: cl.Channel, user: cl.User, what: name, readsAWS: readsAWS}); !v.ok {
		if v.tell != "" {
			b.tell(ctx, click{user: cl.User, channel: cl.Channel}, v.tell)
		}
		return
	}
	c := click{
		user: cl.User, channel: cl.Channel, action: name,
		thread: chat.Ref{Channel: cl.Channel, TS: firstNonEmpty(cl.ThreadTS, cl.MessageTS)},
	}
	if cl.Value != "" {
		v, err := blocks.ParseActionValue(cl.Value)
		if err != nil {
			b.log.Warn("button value unreadable", "action", cl.ActionID, "error", err)
			return
		}
		c.value = v
	}
	switch name {
	case blocks.ActionEventJSON:
		b.postEventJSON(ctx, c.channel, c.thread.TS, c.user, c.value.Region, c.value.EventID)
	case blocks.ActionFeedbackUp, blocks.ActionFeedbackDown:
		b.feedback(ctx, c)
	case blocks.ActionCorrectCause:
		b.correct(ctx, c)
	case blocks.ActionWhyRank:
		b.explainRank(ctx, c)
	case blocks.ActionWiden:
		b.widen(ctx, c)
	case blocks.ActionRerun:
		b.rerun(ctx, c)
	}
}

// tell answers the clicker only.
func (b *Bot) tell(ctx context.Context, c click, text string) {
	if err := b.chat.Ephemeral(ctx, chat.Ref{Channel: c.channel}, c.user, blocks.Message{Text: text}); err != nil {
		b.log.Warn("could not answer a click", "user", c.user, "error", err)
	}
}

// feedback stores a vote on a cause of the thread's report.
func (b *Bot) feedback(ctx context.Context, c click) {
	if b.deps.Feedback == nil {
		b.tell(ctx, c, "Thanks, but feedback cannot be stored here.")
		return
	}
	vote := VoteUp
	if c.action == blocks.ActionFeedbackDown {
		vote = VoteDown
	}
	f := Feedback{ArtifactID: c.value.Artifact, Thread: c.thread, Rank: c.value.Rank, Vote: vote, User: c.user, At: b.now().UTC()}
	st, stErr := b.deps.Store.LoadThread(ctx, c.thread)
	if stErr == nil {
		for _, cand := range st.Report.Candidates {
			if cand.Rank == c.value.Rank {
				for _, e := range cand.Events {
					f.EventIDs = append(f.EventIDs, e.EventID)
				}
			}
		}
	}
	if err := b.deps.Feedback.SaveFeedback(ctx, f); err != nil {
		b.log.Warn("could not store feedback", "rank", c.value.Rank, "vote", vote, "error", err)
		b.tell(ctx, c, failure("Your feedback could not be stored", err))
		return
	}
	b.log.Info("feedback stored", "rank", c.value.Rank, "vote", vote, "user", c.user, "thread", c.thread.String())
	if vote == VoteUp {
		b.tell(ctx, c, fmt.Sprintf("👍 Thanks: recorded that cause #%d was right.", c.value.Rank))
		return
	}
	if b.opts.ScenarioDir != "" && stErr == nil && len(st.Report.Candidates) > 1 {
		menu := blocks.CorrectionMenu(st.Report, c.value.Rank)
		if err := b.chat.Ephemeral(ctx, chat.Ref(c.thread), c.user, menu); err == nil {
			return
		}
	}
	b.tell(ctx, c, fmt.Sprintf("👎 Thanks: recorded that cause #%d was not it.", c.value.Rank))
}

// explainRank shows the clicker the score breakdown of a cause.
func (b *Bot) explainRank(ctx context.Context, c click) {
	st, err := b.deps.Store.LoadThread(ctx, c.thread)
	if err != nil {
		b.tell(ctx, c, failure("I no longer have this thread's investigation", err))
		return
	}
	for _, cand := range st.Report.Candidates {
		if cand.Rank == c.value.Rank {
			if err := b.chat.Ephemeral(ctx, chat.Ref(c.thread), c.user, blocks.RankBreakdown(cand)); err != nil {
				b.log.Warn("could not answer a click", "user", c.user, "error", err)
			}
			return
		}
	}
	b.tell(ctx, c, fmt.Sprintf("This thread's report has no cause #%d.", c.value.Rank))
}

// correct records which cause was right after a 👎 and writes the triage
// as a scenario whose expected answer is that cause.
func (b *Bot) correct(ctx context.Context, c click) {
	if b.opts.ScenarioDir == "" {
		return
	}
	st, err := b.deps.Store.LoadThread(ctx, c.thread)
	if err != nil {
		b.tell(ctx, c, failure("I no longer have this thread's investigation", err))
		return
	}
	path, err := b.writeScenario(ctx, b.opts.ScenarioDir, correction{state: st, rightRank: c.value.Rank, user: c.user, at: b.now()})
	if err != nil {
		b.log.Warn("could not write the corrected scenario", "thread", c.thread.String(), "rank", c.value.Rank, "error", err)
		b.tell(ctx, c, failure("I could not save this as a scenario", err))
		return
	}
	b.log.Info("corrected scenario written", "path", path, "rank", c.value.Rank, "user", c.user, "thread", c.thread.String())
	if b.deps.Feedback != nil {
		f := Feedback{ArtifactID: c.value.Artifact, Thread: c.thread, Rank: c.value.Rank, Vote: VoteUp, User: c.user, At: b.now().UTC()}
		for _, cand := range st.Report.Candidates {
			if cand.Rank == c.value.Rank {
				for _, e := range cand.Events {
					f.CorrectCause = append(f.CorrectCause, e.EventID)
				}
			}
		}
		f.EventIDs = f.CorrectCause
		if err := b.deps.Feedback.SaveFeedback(ctx, f); err != nil {
			b.log.Warn("could not store the correction", "error", err)
		}
	}
	b.tell(ctx, c, fmt.Sprintf("✅ Thanks: cause #%d is saved as the right answer in scenario `%s`.", c.value.Rank, oneLine(filepath.Base(path))))
}

// widen lists the changes on the thread's resources over the wider window
// the button offers, ending where the triage's window ended.
func (b *Bot) widen(ctx context.Context, c click) {
	st, err := b.deps.Store.LoadThread(ctx, c.thread)
	if err != nil {
		b.tell(ctx, c, failure("I no longer have this thread's investigation", err))
		return
	}
	d := time.Duration(c.value.WidenMinutes) * time.Minute
	if d <= 0 {
		d = 2 * st.Window.End.Sub(st.Window.Start)
	}
	q := question{user: c.user, channel: c.channel, thread: c.thread.TS, text: fmt.Sprintf("widen to %s", d)}
	q.cc = conversationContext{zone: b.chat.Zone(ctx, c.user), state: &st}
	b.resize(ctx, q, ask.Intent{Kind: ask.KindWiden, Window: min(d, investigation.MaxWindow)})
}

// rerun triages the thread's alarm again, in the same thread.
func (b *Bot) rerun(ctx context.Context, c click) {
	st, err := b.deps.Store.LoadThread(ctx, c.thread)
	if errors.Is(err, ErrNotFound) || (err == nil && st.Alarm.Name == "") {
		b.tell(ctx, c, "I no longer have this thread's alarm: use `"+b.opts.Command+" triage <alarm>`.")
		return
	}
	if err != nil {
		b.tell(ctx, c, failure("I could not read this thread's alarm", err))
		return
	}
	a := st.Alarm
	if reason := b.refusal(a); reason != "" {
		b.tell(ctx, c, fmt.Sprintf("🙅 Not triaging *%s*: %s.", oneLine(a.Name), reason))
		return
	}
	if !b.pool.reserve() {
		b.tell(ctx, c, fmt.Sprintf("⏳ Trailhound is at capacity (%d triages waiting). Try again in a few minutes.", b.pool.queued()))
		return
	}
	b.log.Info("re-run requested", "alarm", a.Name, "user", c.user, "thread", c.thread.String())
	j := &triageJob{
		alarm:  a,
		origin: origin{channel: c.channel, rootTS: c.thread.TS, received: b.now(), manual: true},
		thread: c.thread,
	}
	if err := b.openThread(ctx, j); err != nil {
		b.pool.unreserve()
		b.m.triages.WithLabelValues(outcomeFailed).Inc()
		b.log.Warn("re-run: could not post the placeholder", "error", err)
		return
	}
	b.pool.submit(j)
}
