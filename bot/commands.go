package bot

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/intake"
)

// commandHandler answers one verb of the slash command; args is the text
// after the verb.
type commandHandler func(ctx context.Context, cmd chat.Command, args string)

// OnCommand routes the slash command by its first word.
func (b *Bot) OnCommand(ctx context.Context, cmd chat.Command) {
	if cmd.Name != b.opts.Command {
		b.log.Warn("slash command not ours", "command", cmd.Name)
		return
	}
	verb, args, _ := strings.Cut(strings.TrimSpace(cmd.Text), " ")
	verb = strings.ToLower(verb)
	if verb == "" {
		verb = "help"
	}
	h := b.commands[verb]
	// Every verb but help reads AWS, including ones added later.
	r := request{via: viaCommand, channel: cmd.Channel, user: cmd.User, what: verb, readsAWS: h != nil && verb != "help"}
	if v := b.authorize(r); !v.ok {
		if v.tell != "" {
			b.reply(ctx, cmd, v.tell)
		}
		return
	}
	if h == nil {
		b.reply(ctx, cmd, fmt.Sprintf("I don't know `%s`. I know `changes`, `triage` and `help`: try `%s help`.", oneLine(verb), b.opts.Command))
		return
	}
	h(ctx, cmd, strings.TrimSpace(args))
}

// reply answers the person who typed the command, visible only to them.
func (b *Bot) reply(ctx context.Context, cmd chat.Command, text string) {
	if err := b.chat.Ephemeral(ctx, chat.Ref{Channel: cmd.Channel}, cmd.User, blocks.Message{Text: text}); err != nil {
		b.log.Warn("could not answer a command", "user", cmd.User, "error", err)
	}
}

func (b *Bot) cmdHelp(ctx context.Context, cmd chat.Command, _ string) {
	c := b.opts.Command
	b.reply(ctx, cmd, strings.Join([]string{
		"*Trailhound* walks CloudTrail back from an alarm and names the changes most likely to have caused it.",
		fmt.Sprintf("• `%s changes <resource|alarm|ARN> [before <time>] [window <duration>] [--private]`: the changes on it and what it depends on, newest first", c),
		fmt.Sprintf("    e.g. `%s changes checkout-role before 14:00 window 2h`, `%s changes checkout-errors before yesterday 23:30`, `%s changes arn:aws:lambda:eu-west-1:123456789012:function:checkout before 10 minutes ago --private`", c, c, c),
		fmt.Sprintf("• `%s triage <alarm name or ARN> [region]`: triage an alarm now, in a new thread here", c),
		fmt.Sprintf("• `%s help`: this help", c),
		"• Mention me with a question, e.g. `@trailhound what changed on the role before 14:00?`; in a triage thread I keep its alarm and window (`widen the window`, `show event #1`, `why is #2 below #1?`, `who made change 1?`).",
		"Times (`14:00`, `2pm`, `14:00 UTC`, `yesterday 23:30`, `10 minutes ago`, `2026-03-19T14:00Z`) are read in your Slack time zone. Answers are posted in the channel; `--private` shows them only to you.",
		"Alarm notifications posted in this channel (CloudWatch e-mails, AWS Chatbot) are triaged in their thread without asking.",
	}, "\n"))
}

// alarmTarget reads "<name or ARN> [region]". A name may hold spaces; a
// last word that is a region code is the region.
func alarmTarget(args, defaultRegion string) (name, region string, err error) {
	args = strings.TrimSpace(args)
	if args == "" {
		return "", "", errors.New("name the alarm: an alarm name or ARN")
	}
	if strings.HasPrefix(args, "arn:") {
		a, ok := investigation.ParseAlarmARN(args)
		if !ok {
			return "", "", fmt.Errorf("%q is not a CloudWatch alarm ARN (arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME)", args)
		}
		return a.Name, a.Region, nil
	}
	if i := strings.LastIndexAny(args, " \t"); i > 0 && intake.IsRegion(args[i+1:]) {
		return strings.TrimSpace(args[:i]), args[i+1:], nil
	}
	if defaultRegion == "" {
		return "", "", errors.New("add the alarm's region after its name, e.g. `checkout-errors eu-west-1`")
	}
	return args, defaultRegion, nil
}

// cmdTriage triages the named alarm now in a new thread of the channel,
// whatever its dedup state: someone asked.
func (b *Bot) cmdTriage(ctx context.Context, cmd chat.Command, args string) {
	name, region, err := alarmTarget(args, b.opts.DefaultRegion)
	if err != nil {
		b.reply(ctx, cmd, fmt.Sprintf("Usage: `%s triage <alarm name or ARN> [region]`. %s", b.opts.Command, inputProblem(err)))
		return
	}
	if b.deps.Alarms == nil {
		b.reply(ctx, cmd, "I cannot look alarms up: no AWS access is configured.")
		return
	}
	a, err := b.describeOne(ctx, region, name)
	if err != nil {
		b.log.Info("triage command: alarm not found", "alarm", name, "region", region, "error", err)
		b.reply(ctx, cmd, "⚠️ "+userReason(err))
		return
	}
	if reason := b.refusal(a); reason != "" {
		b.reply(ctx, cmd, fmt.Sprintf("🙅 Not triaging *%s*: %s.", oneLine(a.Name), reason))
		return
	}
	b.log.Info("triage requested", "alarm", a.Name, "region", a.Region, "user", cmd.User, "channel", cmd.Channel)
	if !b.pool.reserve() {
		b.m.triages.WithLabelValues(outcomeRefused).Inc()
		b.reply(ctx, cmd, fmt.Sprintf("⏳ Trailhound is at capacity (%d triages waiting). Try again in a few minutes.", b.pool.queued()))
		return
	}
	root := fmt.Sprintf("🔎 %s asked for a triage of *%s* (%s, now %s)", mention(cmd.User), oneLine(a.Name), oneLine(a.Region), oneLine(string(a.State)))
	ts, err := b.postText(ctx, chat.Ref{Channel: cmd.Channel}, root)
	if err != nil {
		b.pool.unreserve()
		b.log.Warn("triage command: could not open a thread", "error", err)
		b.reply(ctx, cmd, failure("I could not post in this channel", err))
		return
	}
	j := &triageJob{
		alarm:  a,
		origin: origin{channel: cmd.Channel, rootTS: ts, received: cmd.Received, manual: true},
		thread: chat.Ref{Channel: cmd.Channel, TS: ts},
	}
	if err := b.openThread(ctx, j); err != nil {
		b.pool.unreserve()
		b.m.triages.WithLabelValues(outcomeFailed).Inc()
		b.log.Warn("triage command: could not post the placeholder", "error", err)
		return
	}
	b.pool.submit(j)
}

var slackIDPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,30}$`)

// mention turns a user id Slack gave us into a mention, and nothing else.
func mention(id string) string {
	if slackIDPattern.MatchString(id) {
		return "<@" + id + ">"
	}
	return "Someone"
}
