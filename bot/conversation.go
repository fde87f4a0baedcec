package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/ask"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/redact"
)

// capabilities is the honest answer to a question no intent matches.
func (b *Bot) capabilities() string {
	return strings.Join([]string{
		"I can answer these (mention me; in a triage thread I use its alarm and window):",
		"• `what changed on checkout-role before 14:00 in the last 2 hours?`",
		"• `what changed on the role?` (in a triage thread)",
		"• `widen the window` / `widen to 3h` / `narrow to 15m`",
		"• `show event <event id>` or `show event #1`",
		"• `why is #2 below #1?`",
		"• `what was the previous version of #1?`",
		"• `who made change 1?` (and what else they did in the window)",
		fmt.Sprintf("Times are read in your Slack time zone; add `UTC` or an offset to override. Commands: `%s help`.", b.opts.Command),
	}, "\n")
}

// question is one mention, or one follow-up typed in a triage thread,
// being answered.
type question struct {
	via     entryPoint
	user    string
	channel string
	thread  string // where the answer goes
	text    string
	cc      conversationContext
}

// request is what answering the question asks of authorize.
func (q question) request(what string, readsAWS bool) request {
	return request{via: q.via, channel: q.channel, user: q.user, what: what, readsAWS: readsAWS}
}

// OnMention answers a mention of the bot in an allowed channel.
func (b *Bot) OnMention(ctx context.Context, ev chat.Mention) {
	if ev.User == "" || ev.Own {
		return
	}
	thread := firstNonEmpty(ev.ThreadTS, ev.TS)
	if !b.authorize(request{via: viaMention, channel: ev.Channel, user: ev.User, what: "mention"}).ok {
		return
	}
	q := question{via: viaMention, user: ev.User, channel: ev.Channel, thread: thread, text: ev.Text}
	q.cc.zone = b.chat.Zone(ctx, ev.User)
	if ev.ThreadTS != "" {
		st, err := b.deps.Store.LoadThread(ctx, chat.Ref{Channel: ev.Channel, TS: ev.ThreadTS})
		switch {
		case err == nil:
			q.cc.state = &st
		case !errors.Is(err, ErrNotFound):
			b.log.Warn("could not load the thread's context", "thread", ev.ThreadTS, "error", err)
		}
	}
	b.answer(ctx, q, ask.ParseQuestion(ev.Text))
}

// threadFollowUp answers a question typed in a thread the bot keeps a
// context for, without a mention: only text that reads as one of the
// intents, so that people talking to each other are left alone. A mention
// is answered through app_mention instead.
func (b *Bot) threadFollowUp(ctx context.Context, ev chat.Message) bool {
	if ev.SubType != "" || ev.User == "" || ev.BotID != "" || ev.ThreadTS == "" || ev.ThreadTS == ev.TS || ev.MentionsBot {
		return false
	}
	in := ask.ParseQuestion(ev.Text)
	if in.Kind == ask.KindUnknown || in.Kind == ask.KindHelp {
		return false
	}
	st, err := b.deps.Store.LoadThread(ctx, chat.Ref{Channel: ev.Channel, TS: ev.ThreadTS})
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			b.log.Warn("could not load the thread's context", "thread", ev.ThreadTS, "error", err)
		}
		return false
	}
	q := question{via: viaMessage, user: ev.User, channel: ev.Channel, thread: ev.ThreadTS, text: ev.Text}
	q.cc = conversationContext{zone: b.chat.Zone(ctx, ev.User), state: &st}
	b.answer(ctx, q, in)
	return true
}

// answer dispatches an intent.
func (b *Bot) answer(ctx context.Context, q question, in ask.Intent) {
	b.log.Info("question", "intent", string(in.Kind), "user", q.user, "channel", q.channel, "in_thread", q.cc.state != nil)
	readsAWS := in.Kind != ask.KindHelp && in.Kind != ask.KindUnknown && in.Kind != ask.KindWhyRank
	if v := b.authorize(q.request(string(in.Kind), readsAWS)); !v.ok {
		if v.tell != "" {
			b.post(ctx, q, v.tell)
		}
		return
	}
	switch in.Kind {
	case ask.KindChanges:
		c := in.Changes
		if q.cc.state != nil && c.Before == "" && c.Window == 0 && !q.cc.state.Window.End.IsZero() {
			b.changesIn(ctx, q, c.Subject, q.cc.state.Window)
			return
		}
		req, err := b.resolveChanges(ctx, c, q.cc)
		if err != nil {
			b.post(ctx, q, "⚠️ "+inputProblem(err))
			return
		}
		b.answerChanges(ctx, b.questionRequest(q, req))
	case ask.KindWiden, ask.KindNarrow:
		b.resize(ctx, q, in)
	case ask.KindEvent:
		b.showEvent(ctx, q, in)
	case ask.KindWhyRank:
		b.whyRank(ctx, q, in.Rank, in.Other)
	case ask.KindWho:
		b.whoMade(ctx, q, in.Rank)
	case ask.KindPrevious:
		b.previousVersion(ctx, q, in.Rank)
	case ask.KindUnknown:
		b.answerWithAI(ctx, q)
	default:
		b.post(ctx, q, b.capabilities())
	}
}

// aiAnswerTimeout bounds one AI answer: the run's own wall-time budget and
// room for a model call retried within it.
const aiAnswerTimeout = agent.DefaultAIWallTime + 30*time.Second

// answerWithAI hands a question none of the intents match to the AI when it
// is asked in a triage thread, whose stored report is the AI's context.
// Elsewhere, and when the AI cannot answer, the reply is what the bot can
// answer itself, with a line saying why the AI did not.
func (b *Bot) answerWithAI(ctx context.Context, q question) {
	st := q.cc.state
	text := strings.TrimSpace(ask.MentionFree(q.text))
	// A triage's report names its alarm; a change table's does not.
	if b.deps.Answerer == nil || st == nil || st.Report.Alarm.Name == "" || text == "" {
		b.post(ctx, q, b.capabilities())
		return
	}
	if !b.authorize(q.request("ai answer", true)).ok {
		b.post(ctx, q, b.capabilities()+"\nAI could not answer: questions that read AWS are limited to a list of people in this workspace.")
		return
	}
	actx, cancel := context.WithTimeout(ctx, aiAnswerTimeout)
	defer cancel()
	answer, cited, err := b.deps.Answerer.Answer(actx, text, *st)
	if err != nil {
		b.log.Info("AI could not answer", "channel", q.channel, "thread", q.thread, "reason", err)
		b.post(ctx, q, b.capabilities()+"\nAI could not answer: "+answererReason(err))
		return
	}
	b.log.Info("AI answered", "channel", q.channel, "thread", q.thread, "cited", len(cited))
	b.postMessage(ctx, q, blocks.Answer(answer, cited))
}

func (b *Bot) questionRequest(q question, req changeRequest) changeRequest {
	req.user, req.channel, req.threadTS = q.user, q.channel, q.thread
	req.private = false
	req.query = strings.TrimSpace(ask.MentionFree(q.text))
	return req
}

// post answers a question in its thread.
func (b *Bot) post(ctx context.Context, q question, text string) {
	if _, err := b.postText(ctx, chat.Ref{Channel: q.channel, TS: q.thread}, text); err != nil {
		b.log.Warn("could not answer a question", "channel", q.channel, "error", err)
	}
}

// changesIn answers a change question over a given window of the thread.
func (b *Bot) changesIn(ctx context.Context, q question, subject string, w investigation.Window) {
	req, err := b.resolveChanges(ctx, ask.Changes{Subject: subject}, q.cc)
	if err != nil {
		b.post(ctx, q, "⚠️ "+inputProblem(err))
		return
	}
	req.window = w
	b.answerChanges(ctx, b.questionRequest(q, req))
}

// resize widens or narrows the thread's window, keeping its end: the alarm
// fired then, and what matters is how far back to look.
func (b *Bot) resize(ctx context.Context, q question, in ask.Intent) {
	st := q.cc.state
	if st == nil || st.Window.End.IsZero() {
		b.post(ctx, q, "There is no window to change here: ask in the thread of a triage or a change list, or ask `what changed on <resource> in the last 2 hours`.")
		return
	}
	cur := st.Window.End.Sub(st.Window.Start)
	next := in.Window
	if next == 0 {
		next = cur * 2
		if in.Kind == ask.KindNarrow {
			next = cur / 2
		}
	}
	next = min(max(next, time.Minute), investigation.MaxWindow)
	if (in.Kind == ask.KindWiden && next <= cur) || (in.Kind == ask.KindNarrow && next >= cur) {
		b.post(ctx, q, fmt.Sprintf("The window is already %s; %s to %s would not %s it.", cur, in.Kind, next, in.Kind))
		return
	}
	w := investigation.Window{Start: st.Window.End.Add(-next), End: st.Window.End}
	// Saved before the answer goes up, so that a follow-up to the answer
	// already finds the new window.
	saved := *st
	saved.Window = w
	if err := b.deps.Store.SaveThread(ctx, chat.Ref{Channel: q.channel, TS: q.thread}, saved); err != nil {
		b.log.Warn("could not save the thread's new window", "error", err)
	}
	b.changesIn(ctx, q, "", w)
	st.Window = w
}

// candidate returns cause rank of the thread, or says why there is none.
func (b *Bot) candidate(q question, rank int) (investigation.Candidate, bool) {
	st := q.cc.state
	if st == nil || len(st.Report.Candidates) == 0 {
		return investigation.Candidate{}, false
	}
	for _, c := range st.Report.Candidates {
		if c.Rank == rank {
			return c, true
		}
	}
	return investigation.Candidate{}, false
}

func (b *Bot) noCandidate(ctx context.Context, q question, rank int) {
	if q.cc.state == nil || len(q.cc.state.Report.Candidates) == 0 {
		b.post(ctx, q, "There are no ranked causes here: ask in the thread of a triage.")
		return
	}
	b.post(ctx, q, fmt.Sprintf("This triage has no cause #%d: it ranked %d.", rank, len(q.cc.state.Report.Candidates)))
}

// whyRank explains the order of two causes by their score components.
func (b *Bot) whyRank(ctx context.Context, q question, lower, higher int) {
	a, okA := b.candidate(q, lower)
	c, okC := b.candidate(q, higher)
	if !okA || !okC {
		b.noCandidate(ctx, q, max(lower, higher))
		return
	}
	b.postMessage(ctx, q, blocks.Answer(rankExplanation(a, c), append(a.Events[:min(len(a.Events), 1):min(len(a.Events), 1)], c.Events[:min(len(c.Events), 1)]...)))
}

// rankExplanation compares two causes component by component, the largest
// difference first.
func rankExplanation(a, c investigation.Candidate) string {
	pa, pc := blocks.ScoreParts(a.Breakdown), blocks.ScoreParts(c.Breakdown)
	lines := []string{fmt.Sprintf("#%d %s scores %.2f; #%d %s scores %.2f.", a.Rank, blocks.Headline(a), a.Score, c.Rank, blocks.Headline(c), c.Score)}
	best, bestDiff := "", 0.0
	for i, p := range pa {
		d, shown := pc[i].Value-p.Value, p.Value-pc[i].Value
		if math.Abs(shown) < 0.005 {
			shown = 0 // not -0.00
		}
		lines = append(lines, fmt.Sprintf("• %s: #%d %.2f, #%d %.2f (%+.2f)", p.Name, a.Rank, p.Value, c.Rank, pc[i].Value, shown))
		if d > bestDiff {
			best, bestDiff = p.Name, d
		}
	}
	if best != "" {
		lines = append(lines, fmt.Sprintf("#%d is below #%d mostly on %s.", a.Rank, c.Rank, best))
	}
	return strings.Join(lines, "\n")
}

func (b *Bot) postMessage(ctx context.Context, q question, m blocks.Message) {
	if _, err := b.chat.Post(ctx, chat.Ref{Channel: q.channel, TS: q.thread}, m); err != nil {
		b.log.Warn("could not answer a question", "channel", q.channel, "error", err)
	}
}

// whoMade names who made cause rank and lists what else they changed in
// the thread's window.
func (b *Bot) whoMade(ctx context.Context, q question, rank int) {
	c, ok := b.candidate(q, rank)
	if !ok || len(c.Events) == 0 {
		b.noCandidate(ctx, q, rank)
		return
	}
	e := c.Events[0]
	if e.Actor == "" {
		b.post(ctx, q, fmt.Sprintf("CloudTrail records no principal for cause #%d (%s).", rank, oneLine(e.EventName)))
		return
	}
	// The principal is the account's that recorded the call: the event's
	// own when it is not the alarm's, named as the report names accounts.
	rep := &q.cc.state.Report
	account := cmp.Or(e.Account, rep.Alarm.Account)
	who := oneLine(e.Actor)
	if label := oneLine(rep.AccountLabel(account)); label != "" {
		who += "* in account *" + label
	}
	if b.deps.Changes == nil {
		b.post(ctx, q, fmt.Sprintf("Cause #%d was made by *%s*. I cannot read CloudTrail here to list what else they did.", rank, who))
		return
	}
	w := q.cc.state.Window
	lctx, cancel := context.WithTimeout(ctx, changeTimeout)
	defer cancel()
	if account != "" {
		lctx = investigation.WithAccount(lctx, account)
	}
	evs, err := b.deps.Changes.ByUser(lctx, e.Region, e.Actor, w)
	if err != nil {
		b.log.Warn("could not list what a principal did", "actor", e.Actor, "error", err)
		b.post(ctx, q, fmt.Sprintf("Cause #%d was made by *%s*; I could not list what else they did: %s", rank, who, userReason(err)))
		return
	}
	subject := "everything " + e.Actor + " changed"
	if label := rep.AccountLabel(account); label != "" {
		subject += " in account " + label
	}
	m := blocks.ChangeTable(evs, w, q.cc.zone.Loc.String(), blocks.ChangeOptions{
		Subject:      subject,
		WindowLabel:  windowLabel(w, q.cc.zone.Loc, b.now()),
		Query:        fmt.Sprintf("who made change %d (%s)?", rank, e.EventName),
		AccountNames: rep.AccountNames,
	})
	if q.cc.zone.Note != "" {
		m, _ = blocks.WithNotice(m, "changes-notes", oneLine(q.cc.zone.Note))
	}
	b.postMessage(ctx, q, m)
}

// showEvent posts one event's redacted JSON in the thread.
func (b *Bot) showEvent(ctx context.Context, q question, in ask.Intent) {
	id, region := in.EventID, ""
	if q.cc.state != nil {
		region = q.cc.state.Alarm.Region
	}
	if in.Rank > 0 {
		c, ok := b.candidate(q, in.Rank)
		if !ok || len(c.Events) == 0 {
			b.noCandidate(ctx, q, in.Rank)
			return
		}
		id, region = c.Events[0].EventID, c.Events[0].Region
	}
	b.postEventJSON(ctx, q.channel, q.thread, q.user, region, id)
}

// postEventJSON looks an event up and posts its JSON, redacted.
func (b *Bot) postEventJSON(ctx context.Context, channel, thread, user, region, id string) {
	say := func(text string) {
		if _, err := b.postText(ctx, chat.Ref{Channel: channel, TS: thread}, text); err != nil {
			b.log.Warn("could not answer an event request", "error", err)
		}
	}
	if !eventIDShape.MatchString(id) {
		say(fmt.Sprintf("`%s` is not a CloudTrail event id.", oneLine(id)))
		return
	}
	if b.deps.Changes == nil {
		say("I cannot read CloudTrail here: no AWS access is configured.")
		return
	}
	lctx, cancel := context.WithTimeout(ctx, changeTimeout)
	defer cancel()
	e, err := b.deps.Changes.Event(lctx, region, id, b.now())
	if err != nil {
		b.log.Warn("could not look an event up", "event", id, "region", region, "error", err)
		say(failure("I could not read event "+oneLine(id), err))
		return
	}
	raw := e.Raw
	if len(raw) == 0 {
		raw = e.RequestJSON
	}
	var red redact.Redactor
	shown := red.JSON(raw)
	b.log.Info("event shown", "event", id, "user", user, "channel", channel, "redaction", red.String())
	if _, err := b.chat.Post(ctx, chat.Ref{Channel: channel, TS: thread}, blocks.EventJSON(id, shown)); err != nil {
		b.log.Warn("could not post the event", "error", err)
	}
}

// previousVersion says what a cause's change replaced, as far as the
// event and the IAM policy history show it.
func (b *Bot) previousVersion(ctx context.Context, q question, rank int) {
	c, ok := b.candidate(q, rank)
	if !ok || len(c.Events) == 0 {
		b.noCandidate(ctx, q, rank)
		return
	}
	e := c.Events[0]
	text, cite := previousAnswer(ctx, b.deps.IAM, c, e)
	b.postMessage(ctx, q, blocks.Answer(text, cite))
}

func previousAnswer(ctx context.Context, iam investigation.IAM, c investigation.Candidate, e investigation.EventRef) (string, []investigation.EventRef) {
	cite := []investigation.EventRef{e}
	name := e.EventName
	switch {
	case strings.Contains(name, "PolicyVersion") && strings.HasPrefix(c.Resource.ID, "arn:"):
		if iam == nil {
			return fmt.Sprintf("%s changed the default version of %s. I cannot read IAM here to show the earlier version; `aws iam list-policy-versions --policy-arn %s` lists them.", name, c.Resource.ID, c.Resource.ID), cite
		}
		lctx, cancel := context.WithTimeout(ctx, changeTimeout)
		defer cancel()
		versions, err := iam.PolicyVersions(lctx, c.Resource.ID)
		if err != nil {
			return fmt.Sprintf("I could not read the versions of %s: %s", c.Resource.ID, userReason(err)), cite
		}
		prev := investigation.PreviousPolicyVersion(versions, e.EventTime)
		if prev == nil {
			return fmt.Sprintf("%s has no version older than the change at %s still stored (IAM keeps five).", c.Resource.ID, e.EventTime.UTC().Format(time.RFC3339)), cite
		}
		return fmt.Sprintf("Before %s, the newest version of %s was %s (created %s):\n%s", name, c.Resource.ID, prev.ID, prev.Created.UTC().Format(time.RFC3339), string(redact.JSON(prev.Document))), cite
	case strings.HasPrefix(name, "Revoke") || strings.HasPrefix(name, "Authorize") || strings.HasPrefix(name, "ModifySecurityGroupRules"):
		return fmt.Sprintf("%s on %s: the rule it removed or added is in the event's request parameters (`show event #%d`). CloudTrail does not record the whole rule set before the change; AWS Config's history of %s does.", name, c.Resource.ID, c.Rank, c.Resource.ID), cite
	case strings.HasPrefix(name, "UpdateFunctionConfiguration") || strings.HasPrefix(name, "UpdateFunctionCode"):
		return fmt.Sprintf("%s on %s: the event holds the new settings only (`show event #%d`). The previous configuration is in the function's published versions (`aws lambda list-versions-by-function`) or AWS Config's history.", name, c.Resource.ID, c.Rank), cite
	}
	return fmt.Sprintf("%s on %s: CloudTrail records the request, not the state before it. The request is in `show event #%d`; AWS Config's resource history shows the earlier configuration when Config records this type.", name, c.Resource.ID, c.Rank), cite
}

// eventIDShape is what an event id may look like before it is sent to
// CloudTrail: UUIDs in practice, kept loose for other trails.
var eventIDShape = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)
