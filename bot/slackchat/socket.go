package slackchat

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/trailhound/trailhound/bot/chat"
)

// ackTimeout bounds handing an acknowledgement to the socket's writer,
// which only blocks while the connection is down.
const ackTimeout = time.Second

// routes fills the routing tables.
func (c *Client) routes() {
	c.lifecycle = map[socketmode.EventType]func(socketmode.Event){
		socketmode.EventTypeConnecting:       func(socketmode.Event) { c.connected.Store(false) },
		socketmode.EventTypeConnectionError:  c.onConnectionError,
		socketmode.EventTypeInvalidAuth:      func(socketmode.Event) { c.log.Error("socket mode: invalid app token") },
		socketmode.EventTypeConnected:        func(socketmode.Event) { c.log.Info("socket mode connected") },
		socketmode.EventTypeHello:            func(socketmode.Event) { c.connected.Store(true) },
		socketmode.EventTypeIncomingError:    c.onSocketError,
		socketmode.EventTypeErrorWriteFailed: c.onSocketError,
	}
	c.envelopes = map[socketmode.EventType]func(context.Context, chat.Handler, intakeItem){
		socketmode.EventTypeEventsAPI:    c.onEventsAPI,
		socketmode.EventTypeSlashCommand: c.onSlashCommand,
		socketmode.EventTypeInteractive:  c.onInteractive,
	}
	c.events = map[string]func(context.Context, chat.Handler, intakeItem, any){
		string(slackevents.Message):       c.onMessage,
		string(slackevents.AppMention):    c.onAppMention,
		string(slackevents.AppHomeOpened): c.onHomeOpened,
	}
}

// Connect learns the bot's own user and bot ids, to tell its own messages
// apart. It fails for good on a revoked or wrong token.
func (c *Client) Connect(ctx context.Context) error {
	var resp *slack.AuthTestResponse
	err := c.call(ctx, "auth.test", "", func(ctx context.Context) error {
		var err error
		resp, err = c.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("identify the bot user: %w", err)
	}
	c.botUserID, c.botID = resp.UserID, resp.BotID
	c.log.Info("slack identity", "bot_user", c.botUserID)
	return nil
}

// isOwn reports whether a message was posted by this app.
func (c *Client) isOwn(user, botID string) bool {
	return (user != "" && user == c.botUserID) || (botID != "" && botID == c.botID)
}

// Serve reads the workspace until ctx ends and hands what people do to h.
// Each envelope is handled with work, so that one already started is not
// cut short by the stop itself. Serve returns once its intake workers are
// done; its error says that Socket Mode failed for good (ctx still live).
func (c *Client) Serve(ctx, work context.Context, h chat.Handler) error {
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var fatal error // written by the socket's goroutine, read after wg.Wait
	var wg sync.WaitGroup
	wg.Go(func() {
		err := c.socket.RunContext(runCtx)
		if runCtx.Err() == nil {
			fatal = fmt.Errorf("socket mode: %w", err)
			c.log.Error("socket mode stopped for good", "error", err)
			stop()
		}
	})
	wg.Go(func() { c.socketLoop(runCtx) })
	for range c.opts.IntakeWorkers {
		wg.Go(func() { c.intakeWorker(runCtx, work, h) })
	}
	<-runCtx.Done()
	c.connected.Store(false)
	wg.Wait()
	if n := len(c.intake); n > 0 {
		c.m.dropped.WithLabelValues("shutdown").Add(float64(n))
		c.log.Warn("acknowledged envelopes left unhandled at shutdown", "items", n)
	}
	return fatal
}

// socketLoop reads the socket's events until ctx ends. It never waits on
// anything but the acknowledgement's hand-off: the socket client stops
// reading (and answering pings) while its events are not consumed.
func (c *Client) socketLoop(ctx context.Context) {
	events := c.socket.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case evt := <-events:
			c.onSocketEvent(ctx, evt)
		}
	}
}

func (c *Client) onSocketEvent(ctx context.Context, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" && c.recordable(evt) == nil {
		c.ack(ctx, evt.Request.EnvelopeID)
	}
	if h := c.lifecycle[evt.Type]; h != nil {
		h(evt)
		return
	}
	if evt.Type == socketmode.EventTypeErrorBadMessage {
		c.onBadMessage(ctx, evt)
		return
	}
	if _, ok := c.envelopes[evt.Type]; !ok {
		c.log.Debug("socket event not handled", "type", evt.Type)
		return
	}
	select {
	case c.intake <- intakeItem{evt: evt, received: c.opts.Now()}:
	default:
		c.m.dropped.WithLabelValues("intake_full").Inc()
		c.m.envelopes.WithLabelValues(string(evt.Type), "dropped").Inc()
		c.log.Error("intake queue full: acknowledged envelope dropped", "type", evt.Type, "queue", cap(c.intake))
	}
}

func (c *Client) ack(ctx context.Context, envelopeID string) {
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := c.socket.AckCtx(ctx, envelopeID, nil); err != nil {
		c.log.Warn("could not acknowledge an envelope; Slack will deliver it again", "envelope", envelopeID, "error", err)
	}
}

// onBadMessage acknowledges an envelope the socket client could not parse,
// so that Slack does not keep redelivering what will never be read.
func (c *Client) onBadMessage(ctx context.Context, evt socketmode.Event) {
	bad, _ := evt.Data.(*socketmode.ErrorBadMessage)
	if bad == nil {
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
		c.ack(ctx, env.EnvelopeID)
	}
	c.log.Warn("socket mode envelope could not be read", "type", env.Type, "envelope", env.EnvelopeID, "error", bad.Cause)
}

func (c *Client) onConnectionError(evt socketmode.Event) {
	c.connected.Store(false)
	if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
		c.log.Warn("socket mode connection failed; retrying", "attempt", e.Attempt, "backoff", e.Backoff, "error", e.ErrorObj)
	}
}

func (c *Client) onSocketError(evt socketmode.Event) {
	c.log.Warn("socket mode error", "type", evt.Type, "detail", evt.Data)
}

// intakeWorker handles envelopes until runCtx ends, each with workCtx.
func (c *Client) intakeWorker(runCtx, workCtx context.Context, h chat.Handler) {
	for {
		select {
		case <-runCtx.Done():
			return
		case it := <-c.intake:
			c.handleEnvelope(workCtx, h, it)
		}
	}
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

// recordable returns the message an envelope carries when it is to be
// recorded as work before its acknowledgement, else nil.
func (c *Client) recordable(evt socketmode.Event) *slackevents.MessageEvent {
	if c.opts.Record == nil || evt.Type != socketmode.EventTypeEventsAPI {
		return nil
	}
	api, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || api.InnerEvent.Type != string(slackevents.Message) {
		return nil
	}
	ev, ok := api.InnerEvent.Data.(*slackevents.MessageEvent)
	if !ok || ev.Message == nil {
		return nil
	}
	if c.isOwn(firstNonEmpty(ev.Message.User, ev.User), firstNonEmpty(ev.Message.BotID, ev.BotID)) {
		return nil
	}
	return ev
}

// recordTimeout bounds recording one message: with the wait for an intake
// worker, it must leave the acknowledgement inside Slack's 3 s.
const recordTimeout = 2 * time.Second

// record records a message as work and acknowledges its envelope once it
// is recorded, by this replica or, for a redelivery, by another.
func (c *Client) record(ctx context.Context, it intakeItem, ev *slackevents.MessageEvent) {
	typ := string(it.evt.Type)
	body, err := json.Marshal(c.message(ev, it.received))
	if err != nil {
		c.log.Error("could not encode a message to record", "error", err)
		c.ack(ctx, it.evt.Request.EnvelopeID)
		return
	}
	rctx, cancel := context.WithTimeout(ctx, recordTimeout)
	recorded, err := c.opts.Record.RecordWork(rctx, envelopeClaimID(it.evt), c.opts.EnvelopeTTL, chat.WorkMessage, body)
	cancel()
	if err != nil {
		c.m.envelopes.WithLabelValues(typ, "unrecorded").Inc()
		c.log.Warn("could not record a message; leaving it unacknowledged for Slack to deliver again", "error", err)
		return
	}
	c.ack(ctx, it.evt.Request.EnvelopeID)
	if !recorded {
		c.m.envelopes.WithLabelValues(typ, "duplicate").Inc()
		c.m.dedupHits.WithLabelValues("envelope").Inc()
		return
	}
	c.m.envelopes.WithLabelValues(typ, "recorded").Inc()
}

// handleEnvelope claims an acknowledged envelope and routes it. A store
// that cannot be reached does not stop the envelope: a duplicate answer is
// better than none.
func (c *Client) handleEnvelope(ctx context.Context, h chat.Handler, it intakeItem) {
	typ := string(it.evt.Type)
	if it.evt.Request == nil {
		return
	}
	if ev := c.recordable(it.evt); ev != nil {
		c.record(ctx, it, ev)
		return
	}
	if c.opts.Envelopes != nil {
		won, err := c.opts.Envelopes.ClaimEnvelope(ctx, envelopeClaimID(it.evt), c.opts.EnvelopeTTL)
		switch {
		case err != nil:
			c.log.Warn("could not claim an envelope; handling it anyway", "type", typ, "error", err)
		case !won:
			c.m.envelopes.WithLabelValues(typ, "duplicate").Inc()
			c.m.dedupHits.WithLabelValues("envelope").Inc()
			return
		}
	}
	c.m.envelopes.WithLabelValues(typ, "handled").Inc()
	c.envelopes[it.evt.Type](ctx, h, it)
}

func (c *Client) onEventsAPI(ctx context.Context, h chat.Handler, it intakeItem) {
	api, ok := it.evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	route := c.events[api.InnerEvent.Type]
	if route == nil {
		c.log.Debug("event not handled", "event", api.InnerEvent.Type)
		return
	}
	route(ctx, h, it, api.InnerEvent.Data)
}

func (c *Client) onMessage(ctx context.Context, h chat.Handler, it intakeItem, data any) {
	ev, ok := data.(*slackevents.MessageEvent)
	if !ok || ev.Message == nil {
		return
	}
	h.OnMessage(ctx, c.message(ev, it.received))
}

func (c *Client) onAppMention(ctx context.Context, h chat.Handler, it intakeItem, data any) {
	ev, ok := data.(*slackevents.AppMentionEvent)
	if !ok {
		return
	}
	h.OnMention(ctx, chat.Mention{
		Channel: ev.Channel, TS: ev.TimeStamp, ThreadTS: ev.ThreadTimeStamp, User: ev.User, Text: ev.Text,
		Own: c.isOwn(ev.User, ev.BotID), Received: it.received,
	})
}

func (c *Client) onHomeOpened(ctx context.Context, h chat.Handler, _ intakeItem, data any) {
	ev, ok := data.(*slackevents.AppHomeOpenedEvent)
	if !ok || ev.Tab != "home" || ev.User == "" {
		return
	}
	h.OnHomeOpened(ctx, ev.User)
}

func (c *Client) onSlashCommand(ctx context.Context, h chat.Handler, it intakeItem) {
	cmd, ok := it.evt.Data.(slack.SlashCommand)
	if !ok {
		return
	}
	h.OnCommand(ctx, chat.Command{Name: cmd.Command, Channel: cmd.ChannelID, User: cmd.UserID, Text: cmd.Text, Received: it.received})
}

// onInteractive hands each action of a block_actions payload over as a
// click; other interactions are not the bot's.
func (c *Client) onInteractive(ctx context.Context, h chat.Handler, it intakeItem) {
	cb, ok := it.evt.Data.(slack.InteractionCallback)
	if !ok {
		return
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		c.log.Debug("interaction not handled", "type", cb.Type)
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		h.OnClick(ctx, chat.Click{
			Channel: cb.Channel.ID, User: cb.User.ID, MessageTS: cb.Container.MessageTs, ThreadTS: cb.Container.ThreadTs,
			ActionID: a.ActionID, Value: a.Value,
		})
	}
}
