package bot

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/trailhound/trailhound/store"
)

// ackTimeout bounds handing an acknowledgement to the socket's writer,
// which only blocks while the connection is down.
const ackTimeout = time.Second

// routes fills the routing tables.
func (b *Bot) routes() {
	b.lifecycle = map[socketmode.EventType]func(socketmode.Event){
		socketmode.EventTypeConnecting:       func(socketmode.Event) { b.connected.Store(false) },
		socketmode.EventTypeConnectionError:  b.onConnectionError,
		socketmode.EventTypeInvalidAuth:      func(socketmode.Event) { b.log.Error("socket mode: invalid app token") },
		socketmode.EventTypeConnected:        func(socketmode.Event) { b.log.Info("socket mode connected") },
		socketmode.EventTypeHello:            func(socketmode.Event) { b.connected.Store(true) },
		socketmode.EventTypeIncomingError:    b.onSocketError,
		socketmode.EventTypeErrorWriteFailed: b.onSocketError,
	}
	b.envelopes = map[socketmode.EventType]func(context.Context, intakeItem){
		socketmode.EventTypeEventsAPI:    b.onEventsAPI,
		socketmode.EventTypeSlashCommand: b.onSlashCommand,
		socketmode.EventTypeInteractive:  b.onInteractive,
	}
	b.events = map[string]func(context.Context, intakeItem, any){
		string(slackevents.Message):    b.onMessage,
		string(slackevents.AppMention): b.onAppMention,
	}
	b.interactions = map[slack.InteractionType]func(context.Context, slack.InteractionCallback){
		slack.InteractionTypeBlockActions: b.onBlockActions,
	}
	b.commands = map[string]commandHandler{
		"help":    b.cmdHelp,
		"triage":  b.cmdTriage,
		"changes": b.cmdChanges,
	}
}

// socketLoop reads the socket's events until ctx ends. It never waits on
// anything but the acknowledgement's hand-off: the socket client stops
// reading (and answering pings) while its events are not consumed.
func (b *Bot) socketLoop(ctx context.Context) {
	events := b.deps.Socket.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-events:
			b.onSocketEvent(ctx, evt)
		}
	}
}

func (b *Bot) onSocketEvent(ctx context.Context, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		b.ack(ctx, evt.Request.EnvelopeID)
	}
	if h := b.lifecycle[evt.Type]; h != nil {
		h(evt)
		return
	}
	if evt.Type == socketmode.EventTypeErrorBadMessage {
		b.onBadMessage(ctx, evt)
		return
	}
	if _, ok := b.envelopes[evt.Type]; !ok {
		b.log.Debug("socket event not handled", "type", evt.Type)
		return
	}
	select {
	case b.intake <- intakeItem{evt: evt, received: b.now()}:
	default:
		b.m.dropped.WithLabelValues("intake_full").Inc()
		b.m.envelopes.WithLabelValues(string(evt.Type), "dropped").Inc()
		b.log.Error("intake queue full: acknowledged envelope dropped", "type", evt.Type, "queue", cap(b.intake))
	}
}

func (b *Bot) ack(ctx context.Context, envelopeID string) {
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := b.deps.Socket.AckCtx(ctx, envelopeID, nil); err != nil {
		b.log.Warn("could not acknowledge an envelope; Slack will deliver it again", "envelope", envelopeID, "error", err)
	}
}

// onBadMessage acknowledges an envelope the socket client could not parse,
// so that Slack does not keep redelivering what will never be read.
func (b *Bot) onBadMessage(ctx context.Context, evt socketmode.Event) {
	bad, _ := evt.Data.(*socketmode.ErrorBadMessage)
	if bad == nil {
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
		b.ack(ctx, env.EnvelopeID)
	}
	b.log.Warn("socket mode envelope could not be read", "type", env.Type, "envelope", env.EnvelopeID, "error", bad.Cause)
}

func (b *Bot) onConnectionError(evt socketmode.Event) {
	b.connected.Store(false)
	if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
		b.log.Warn("socket mode connection failed; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "error", e.ErrorObj)
	}
}

func (b *Bot) onSocketError(evt socketmode.Event) {
	b.log.Warn("socket mode error", "type", evt.Type, "detail", evt.Data)
}

// envelopeClaimID names what an envelope carries: the event id of an Events
// API callback, which Slack keeps across redeliveries, else the envelope.
func envelopeClaimID(evt socketmode.Event) string {
	if api, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
		if cb, ok := api.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
			return "event:" + cb.EventID
		}
	}
	return "envelope:" + evt.Request.EnvelopeID
}

// handleEnvelope claims an acknowledged envelope and routes it. A store
// that cannot be reached does not stop the envelope: a duplicate answer is
// better than none.
func (b *Bot) handleEnvelope(ctx context.Context, it intakeItem) {
	typ := string(it.evt.Type)
	if it.evt.Request == nil {
		return
	}
	won, err := b.deps.Store.ClaimEnvelope(ctx, envelopeClaimID(it.evt), store.DefaultEnvelopeTTL)
	switch {
	case err != nil:
		b.log.Warn("could not claim an envelope; handling it anyway", "type", typ, "error", err)
	case !won:
		b.m.envelopes.WithLabelValues(typ, "duplicate").Inc()
		b.m.dedupHits.WithLabelValues("envelope").Inc()
		return
	}
	b.m.envelopes.WithLabelValues(typ, "handled").Inc()
	b.envelopes[it.evt.Type](ctx, it)
}

func (b *Bot) onEventsAPI(ctx context.Context, it intakeItem) {
	api, ok := it.evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	h := b.events[api.InnerEvent.Type]
	if h == nil {
		b.log.Debug("event not handled", "event", api.InnerEvent.Type)
		return
	}
	h(ctx, it, api.InnerEvent.Data)
}

// Message subtypes that can carry a notification: a person's message, an
// integration's (bot_message), and a thread reply also sent to the channel.
var notificationSubtypes = map[string]bool{
	"":                 true,
	"bot_message":      true,
	"thread_broadcast": true,
}

// onMessage reads an alarm from a message in an allowed channel. Chatter
// and anything that is recognisably not an alarm is ignored quietly.
func (b *Bot) onMessage(ctx context.Context, it intakeItem, data any) {
	ev, ok := data.(*slackevents.MessageEvent)
	if !ok || ev.Message == nil || !b.channels[ev.Channel] || !notificationSubtypes[ev.SubType] {
		return
	}
	msg := ev.Message
	if b.isOwn(firstNonEmpty(msg.User, ev.User), firstNonEmpty(msg.BotID, ev.BotID)) {
		return
	}
	if b.threadFollowUp(ctx, ev) {
		return
	}
	a, err := b.parseMessage(ctx, msg)
	var de *describeError
	switch {
	case errors.As(err, &de):
		b.log.Warn("alarm notification names an alarm that could not be described", "alarm", de.ref.Name, "region", de.ref.Region, "error", de.err)
		line := "⚠️ " + oneLine("Cannot triage "+de.ref.Name+": "+de.err.Error())
		if _, perr := b.out.postText(ctx, ev.Channel, threadRoot(ev), line); perr != nil {
			b.log.Warn("could not post the describe failure", "error", perr)
		}
		return
	case err != nil:
		b.log.Debug("message is not an alarm notification", "channel", ev.Channel, "ts", ev.TimeStamp, "error", err)
		return
	}
	b.handleAlarm(ctx, origin{channel: ev.Channel, rootTS: threadRoot(ev), received: it.received}, a)
}

// threadRoot is the thread a message belongs to: its own, or the one it
// was posted in.
func threadRoot(ev *slackevents.MessageEvent) string {
	if ev.ThreadTimeStamp != "" {
		return ev.ThreadTimeStamp
	}
	return ev.TimeStamp
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (b *Bot) onInteractive(ctx context.Context, it intakeItem) {
	cb, ok := it.evt.Data.(slack.InteractionCallback)
	if !ok {
		return
	}
	h := b.interactions[cb.Type]
	if h == nil {
		b.log.Debug("interaction not handled", "type", cb.Type)
		return
	}
	h(ctx, cb)
}
