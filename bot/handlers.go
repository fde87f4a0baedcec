package bot

import (
	"context"
	"errors"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
)

// The bot answers the chat's requests (chat.Handler): messages that may be
// alarm notifications or follow-up questions, mentions, slash commands and
// button clicks.

// Message subtypes that can carry a notification: a person's message, an
// integration's (bot_message), and a thread reply also sent to the channel.
var notificationSubtypes = map[string]bool{
	"":                 true,
	"bot_message":      true,
	"thread_broadcast": true,
}

// OnMessage reads an alarm from a message in an allowed channel, or answers
// a follow-up typed in a triage thread. Chatter and anything that is
// recognisably not an alarm is ignored quietly.
func (b *Bot) OnMessage(ctx context.Context, m chat.Message) {
	b.onMessage(ctx, m, origin{})
}

// onMessage handles a message, o telling where it was read from, and says
// how: outQueued when a triage job owns it now.
func (b *Bot) onMessage(ctx context.Context, m chat.Message, o origin) outcome {
	if !b.channels[m.Channel] || !notificationSubtypes[m.SubType] || m.Own {
		return outEnded
	}
	if b.threadFollowUp(ctx, m) || !b.mayTriagePosted(ctx, m) {
		return outEnded
	}
	a, err := b.parseMessage(ctx, m.Texts)
	var de *describeError
	switch {
	case errors.As(err, &de):
		b.log.Warn("alarm notification names an alarm that could not be described", "alarm", de.ref.Name, "region", de.ref.Region, "error", de.err)
		line := "⚠️ Cannot triage " + oneLine(de.ref.Name) + ": " + userReason(de.err)
		if _, perr := b.postText(ctx, chat.Ref{Channel: m.Channel, TS: m.Root()}, line); perr != nil {
			b.log.Warn("could not post the describe failure", "error", perr)
		}
		return outEnded
	case err != nil:
		b.unreadable(ctx, m, err)
		return outEnded
	}
	o.channel, o.rootTS, o.received = m.Channel, m.Root(), m.Received
	return b.handleAlarm(ctx, o, a)
}

// postText sends a plain mrkdwn line; text must already be escaped.
func (b *Bot) postText(ctx context.Context, at chat.Ref, text string) (string, error) {
	return b.chat.Post(ctx, at, blocks.Message{Text: text})
}
