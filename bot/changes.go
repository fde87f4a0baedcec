package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/ask"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/changes"
)

// ChangeFinder reads CloudTrail for the conversations: the changes on
// resources, one event by id, and what one principal did. changes.New
// builds one on the engine's Trail and Topology.
type ChangeFinder interface {
	Changes(ctx context.Context, q changes.Query) (changes.Result, error)
	// Event finds one event recorded in the 90 days before end.
	Event(ctx context.Context, region, eventID string, end time.Time) (investigation.Event, error)
	ByUser(ctx context.Context, region, username string, w investigation.Window) ([]investigation.Event, error)
}

// changeTimeout bounds one change question.
const changeTimeout = 20 * time.Second

// changeRequest is a change question ready to answer: what about, when,
// and where the answer goes.
type changeRequest struct {
	user      string
	channel   string
	threadTS  string // answer in this thread; empty for a new message
	query     string // what was typed, quoted above the answer
	private   bool
	subject   string
	resources []investigation.Resource
	window    investigation.Window
	zone      chat.Zone
	alarm     *investigation.Alarm
}

// conversationContext is what a question is read against: the asker's zone
// and, in a triage thread, its state.
type conversationContext struct {
	zone  chat.Zone
	state *ThreadState
}

func (c conversationContext) reference(now time.Time) investigation.TimeReference {
	ref := investigation.TimeReference{Now: now, Zone: c.zone.Loc}
	if c.state != nil {
		ref.Alarm = c.state.Alarm.StateChangeTime
	}
	return ref
}

// resolveChanges turns a parsed question into resources and a window.
func (b *Bot) resolveChanges(ctx context.Context, q ask.Changes, cc conversationContext) (changeRequest, error) {
	req := changeRequest{private: q.Private, zone: cc.zone}
	w, err := changes.WindowOf(q.Before, q.Window, cc.reference(b.now()))
	if err != nil {
		return req, err
	}
	req.window = w

	subject := strings.TrimSpace(q.Subject)
	switch {
	case subject == "" && cc.state != nil:
		req.subject = firstNonEmpty(cc.state.Alarm.Name, "this thread's resources")
		req.resources = resourcesOf(cc.state.Alarm, cc.state.Report)
		if a := cc.state.Alarm; a.Name != "" {
			req.alarm = &a
		}
	case subject == "":
		return req, errors.New("name a resource, an alarm or a service, e.g. `checkout-role` or an ARN")
	case cc.state != nil && referent(subject) != "":
		r, err := resolveReferent(cc.state, subject)
		if err != nil {
			return req, err
		}
		req.subject, req.resources = r.ID, []investigation.Resource{r}
	case strings.HasPrefix(subject, "arn:"):
		r, err := changes.ResourceFromARN(subject)
		if err != nil {
			return req, fmt.Errorf("%q %w", oneLine(subject), err)
		}
		req.subject, req.resources = subject, []investigation.Resource{r}
	default:
		req.subject = subject
		if a, ok := b.alarmNamed(ctx, subject); ok {
			req.alarm = &a
			req.resources = alarmResources(ctx, a, b.deps.Alarms)
		}
		if len(req.resources) == 0 {
			req.resources = []investigation.Resource{{ID: subject, Region: b.opts.DefaultRegion}}
		}
	}
	if len(req.resources) == 0 {
		return req, fmt.Errorf("no resource of %s is known to look at: name one", oneLine(req.subject))
	}
	return req, nil
}

// alarmNamed describes subject as an alarm of the default region, when it
// could be an alarm name and alarms can be described.
func (b *Bot) alarmNamed(ctx context.Context, subject string) (investigation.Alarm, bool) {
	if b.deps.Alarms == nil || b.opts.DefaultRegion == "" || strings.ContainsAny(subject, " \t") {
		return investigation.Alarm{}, false
	}
	a, err := b.describeOne(ctx, b.opts.DefaultRegion, subject)
	if err != nil {
		return investigation.Alarm{}, false
	}
	return a, true
}

func alarmResources(ctx context.Context, a investigation.Alarm, alarms AlarmDescriber) []investigation.Resource {
	// A nil AlarmDescriber must reach the use case as a nil interface.
	var d investigation.Alarms
	if alarms != nil {
		d = alarms
	}
	return changes.AlarmResources(ctx, a, d)
}

// resourcesOf is what a thread is about: its alarm's scope and the
// resources of its report's causes.
func resourcesOf(alarm investigation.Alarm, rep investigation.Report) []investigation.Resource {
	rs := slices.Clone(alarm.Resources)
	if len(rs) == 0 {
		rs = slices.Clone(rep.Alarm.Resources)
	}
	for _, c := range rep.Candidates {
		if c.Resource.ID == "" {
			continue
		}
		r := investigation.Resource{Type: c.Resource.Type, ID: c.Resource.ID, Region: alarm.Region}
		if !slices.ContainsFunc(rs, func(x investigation.Resource) bool { return x.Key() == r.Key() }) {
			rs = append(rs, r)
		}
	}
	return rs
}

// referents are the words people use for a resource of the thread, and
// the CloudFormation type names that word matches.
var referents = map[string]string{
	"role": "::iam::role", "policy": "::iam::policy", "user": "::iam::user",
	"function": "::lambda::function", "lambda": "::lambda::function",
	"security group": "::ec2::securitygroup", "sg": "::ec2::securitygroup",
	"instance": "::ec2::instance", "database": "::rds::", "db": "::rds::",
	"queue": "::sqs::queue", "topic": "::sns::topic", "table": "::dynamodb::table",
	"load balancer": "::elasticloadbalancingv2::loadbalancer", "target group": "::elasticloadbalancingv2::targetgroup",
	"service": "::ecs::service", "cluster": "::ecs::cluster", "bucket": "::s3::bucket",
}

// referent returns the kind in "the role", "that function", or "".
func referent(subject string) string {
	s := strings.ToLower(subject)
	for _, p := range []string{"the ", "that ", "this "} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			if _, known := referents[rest]; known {
				return rest
			}
		}
	}
	return ""
}

func resolveReferent(st *ThreadState, subject string) (investigation.Resource, error) {
	kind := referent(subject)
	want := referents[kind]
	var found []investigation.Resource
	for _, r := range resourcesOf(st.Alarm, st.Report) {
		if strings.Contains(strings.ToLower(r.Type), want) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return investigation.Resource{}, fmt.Errorf("this thread's investigation has no %s: name it", kind)
	case 1:
		return found[0], nil
	}
	names := make([]string, 0, len(found))
	for _, r := range found {
		names = append(names, "`"+oneLine(r.ID)+"`")
	}
	return investigation.Resource{}, fmt.Errorf("which %s? This thread has %s", kind, strings.Join(names, ", "))
}

// windowLabel states a window in a zone: "13:00–14:00", with dates when it
// does not fall on today's date there.
func windowLabel(w investigation.Window, loc *time.Location, now time.Time) string {
	s, e := w.Start.In(loc), w.End.In(loc)
	today := now.In(loc).Format("2006-01-02")
	switch {
	case s.Format("2006-01-02") == e.Format("2006-01-02") && e.Format("2006-01-02") == today:
		return s.Format("15:04") + "–" + e.Format("15:04")
	case s.Format("2006-01-02") == e.Format("2006-01-02"):
		return s.Format("Jan 2 15:04") + "–" + e.Format("15:04")
	}
	return s.Format("Jan 2 15:04") + "–" + e.Format("Jan 2 15:04")
}

// answerChanges looks the changes up and posts the table.
func (b *Bot) answerChanges(ctx context.Context, req changeRequest) {
	if b.deps.Changes == nil {
		b.say(ctx, req, "I cannot read CloudTrail here: no AWS access is configured.")
		return
	}
	lctx, cancel := context.WithTimeout(ctx, changeTimeout)
	defer cancel()
	res, err := b.deps.Changes.Changes(lctx, changes.Query{Resources: req.resources, Window: req.window})
	if err != nil {
		b.log.Warn("change question failed", "subject", req.subject, "error", err)
		b.say(ctx, req, failure("I could not read the changes", err))
		return
	}
	b.log.Info("change question answered", "subject", req.subject, "user", req.user, "events", len(res.Events), "window_start", req.window.Start, "window_end", req.window.End)
	m := blocks.ChangeTable(res.Events, req.window, req.zone.Loc.String(), blocks.ChangeOptions{
		Subject:     req.subject,
		WindowLabel: windowLabel(req.window, req.zone.Loc, b.now()),
		Query:       req.query,
	})
	notes := slices.Clone(res.Notes)
	if req.zone.Note != "" {
		notes = append([]string{req.zone.Note}, notes...)
	}
	if len(notes) > 0 {
		m, _ = blocks.WithNotice(m, "changes-notes", oneLine(strings.Join(notes, " · ")))
	}
	ts, ok := b.deliver(ctx, req, m)
	if !ok || ts == "" {
		return
	}
	// A visible table starts a thread of its own: follow-ups there (widen,
	// who made change 1) need what it was about.
	st := ThreadState{Window: req.window}
	if req.alarm != nil {
		st.Alarm = *req.alarm
	}
	st.Report.Alarm.Resources = req.resources
	st.Report.Window = req.window
	for _, e := range res.Events {
		if len(st.EvidenceEventIDs) == maxCitedIDs {
			break
		}
		st.EvidenceEventIDs = append(st.EvidenceEventIDs, e.ID)
	}
	thread := chat.Ref{Channel: req.channel, TS: firstNonEmpty(req.threadTS, ts)}
	if req.threadTS == "" {
		if err := b.deps.Store.SaveThread(ctx, thread, st); err != nil {
			b.log.Warn("could not save the change table's context", "thread", thread.String(), "error", err)
		}
	}
}

// maxCitedIDs bounds the event ids a change table's thread remembers.
const maxCitedIDs = 200

// say answers req with a short text, privately for a private or failed
// request so that errors never clutter a channel.
func (b *Bot) say(ctx context.Context, req changeRequest, text string) {
	if req.threadTS != "" && !req.private {
		if _, err := b.postText(ctx, chat.Ref{Channel: req.channel, TS: req.threadTS}, text); err != nil {
			b.log.Warn("could not answer in the thread", "error", err)
		}
		return
	}
	if err := b.chat.Ephemeral(ctx, chat.Ref{Channel: req.channel}, req.user, blocks.Message{Text: text}); err != nil {
		b.log.Warn("could not answer privately", "user", req.user, "error", err)
	}
}

// deliver posts m where req is answered and returns its ts (empty for an
// ephemeral message).
func (b *Bot) deliver(ctx context.Context, req changeRequest, m blocks.Message) (string, bool) {
	if req.private {
		if err := b.chat.Ephemeral(ctx, chat.Ref{Channel: req.channel}, req.user, m); err != nil {
			b.log.Warn("could not answer privately", "user", req.user, "error", err)
			return "", false
		}
		return "", true
	}
	ts, err := b.chat.Post(ctx, chat.Ref{Channel: req.channel, TS: req.threadTS}, m)
	if err != nil {
		b.log.Warn("could not post the answer", "channel", req.channel, "error", err)
		if req.threadTS == "" {
			b.say(ctx, changeRequest{channel: req.channel, user: req.user, private: true}, failure("I could not post in this channel", err))
		}
		return "", false
	}
	return ts, true
}

// cmdChanges answers `/trailhound changes …`.
func (b *Bot) cmdChanges(ctx context.Context, cmd chat.Command, args string) {
	usage := fmt.Sprintf("Usage: `%s changes <resource|alarm|ARN> [before <time>] [window <duration>] [--private]`, e.g. `%s changes checkout-role before 14:00 window 1h`.", b.opts.Command, b.opts.Command)
	q, err := ask.ParseChanges(args)
	if err == nil && strings.TrimSpace(q.Subject) == "" {
		err = errors.New("name a resource, an alarm or an ARN")
	}
	if err != nil {
		b.reply(ctx, cmd, "⚠️ "+inputProblem(err)+"\n"+usage)
		return
	}
	cc := conversationContext{zone: b.chat.Zone(ctx, cmd.User)}
	req, err := b.resolveChanges(ctx, q, cc)
	if err != nil {
		b.reply(ctx, cmd, "⚠️ "+inputProblem(err))
		return
	}
	req.user, req.channel = cmd.User, cmd.Channel
	req.query = strings.TrimSpace(cmd.Name + " changes " + args)
	b.answerChanges(ctx, req)
}
