package slackapi

import (
	"bytes"
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// slackTestBot is an unmodified socketmode.Client run against the sandbox.
// It acks what ack accepts and forwards every request event to events.
type slackTestBot struct {
	api    *slack.Client
	events chan socketmode.Event
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// slackAckAll acks every request without a payload.
func slackAckAll(socketmode.Event) (bool, any) { return true, nil }

func startSlackTestBot(t *testing.T, s *Server, base string, ack func(socketmode.Event) (bool, any), opts ...socketmode.Option) *slackTestBot {
	t.Helper()
	o := s.Options()
	b := &slackTestBot{
		api:    slack.New(o.BotToken, slack.OptionAPIURL(base+"/api/"), slack.OptionAppLevelToken(o.AppToken)),
		events: make(chan socketmode.Event, 256),
	}
	sm := socketmode.New(b.api, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.wg.Go(func() { _ = sm.RunContext(ctx) })
	b.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Request == nil {
					continue // connecting, connected, errors
				}
				if evt.Type != socketmode.EventTypeHello {
					if ok, payload := ack(evt); ok {
						_ = sm.Ack(*evt.Request, payload)
					}
				}
				select {
				case b.events <- evt:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	t.Cleanup(b.stop)
	return b
}

func (b *slackTestBot) stop() {
	b.cancel()
	b.wg.Wait()
}

// next returns the next event of type kind, skipping others.
func (b *slackTestBot) next(t *testing.T, kind socketmode.EventType) socketmode.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case evt := <-b.events:
			if evt.Type == kind {
				return evt
			}
		case <-timeout:
			t.Fatalf("no %s event within 5s", kind)
		}
	}
}

// nextMessage returns the next message event and its envelope.
func (b *slackTestBot) nextMessage(t *testing.T) (*slackevents.MessageEvent, socketmode.Event) {
	t.Helper()
	for {
		evt := b.next(t, socketmode.EventTypeEventsAPI)
		if m, ok := evt.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent); ok {
			return m, evt
		}
	}
}

func slackWait(t *testing.T, s *Server, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func TestSlackSocketHelloEventsAndAcks(t *testing.T) {
	s, _, base := newSlackTest(t, Options{Socket: SocketOptions{PingInterval: 100 * time.Millisecond}})
	// The client gives up on a connection that saw no ping for a second.
	bot := startSlackTestBot(t, s, base, slackAckAll, socketmode.OptionPingInterval(time.Second))
	hello := bot.next(t, socketmode.EventTypeHello)
	if hello.Request.NumConnections != 1 || hello.Request.ConnectionInfo.AppID != s.Options().AppID || hello.Request.DebugInfo.Host == "" {
		t.Errorf("hello = %+v", hello.Request)
	}

	ts, err := s.PostAsUser("alerts", "U0ONCALL", "anyone seen checkout errors?")
	if err != nil {
		t.Fatal(err)
	}
	msg, evt := bot.nextMessage(t)
	if msg.TimeStamp != ts || msg.User != "U0ONCALL" || msg.Channel != "C0ALERTS" || msg.ChannelType != "channel" || msg.BotID != "" {
		t.Errorf("message event = %+v", msg)
	}
	outer := evt.Data.(slackevents.EventsAPIEvent)
	cb := outer.Data.(*slackevents.EventsAPICallbackEvent)
	if cb.EventID == "" || outer.TeamID != s.Options().TeamID || evt.Request.EnvelopeID == "" || evt.Request.RetryAttempt != 0 {
		t.Errorf("envelope %+v / callback %+v", evt.Request, cb)
	}
	slackWait(t, s, "the ack", func() bool { return len(s.Acks()) == 1 })
	ack := s.Acks()[0]
	if ack.EnvelopeID != evt.Request.EnvelopeID || ack.Ref != cb.EventID || ack.Type != "events_api" || ack.Unknown || ack.Duplicate {
		t.Errorf("ack = %+v", ack)
	}
	if ack.Latency <= 0 || ack.Latency > time.Second {
		t.Errorf("ack latency %v, want recorded and well under a second", ack.Latency)
	}

	// The bot's own message comes back with its bot_id; a mention also
	// arrives as app_mention; an integration's post is a bot_message.
	if _, _, err := bot.api.PostMessage("alerts", slack.MsgOptionText("walking the trail…", false), slack.MsgOptionTS(ts)); err != nil {
		t.Fatal(err)
	}
	own, _ := bot.nextMessage(t)
	if own.BotID != s.Options().BotID || own.User != s.Options().BotUserID || own.ThreadTimeStamp != ts {
		t.Errorf("echo of the bot's own post = %+v", own)
	}
	if _, err := s.PostAsUser("alerts", "U0ONCALL", "<@U0BOT> what changed before 14:00?"); err != nil {
		t.Fatal(err)
	}
	bot.nextMessage(t)
	mention := bot.next(t, socketmode.EventTypeEventsAPI).Data.(slackevents.EventsAPIEvent).InnerEvent.Data
	if m, ok := mention.(*slackevents.AppMentionEvent); !ok || m.User != "U0ONCALL" {
		t.Errorf("second envelope = %#v, want the app_mention", mention)
	}
	if _, err := s.PostAsBot("alerts", "B0CHATBOT", "AWS Chatbot", "CloudWatch Alarm | checkout-errors | us-east-1"); err != nil {
		t.Fatal(err)
	}
	integration, _ := bot.nextMessage(t)
	if integration.SubType != "bot_message" || integration.BotID != "B0CHATBOT" || integration.Username != "AWS Chatbot" || integration.User != "" {
		t.Errorf("integration message = %+v", integration)
	}

	// Pings keep the client's watchdog quiet: still the first connection.
	time.Sleep(2500 * time.Millisecond)
	if s.Connects() != 1 || s.Connections() != 1 {
		t.Errorf("connects %d, open %d after 2.5 s of pings; want 1, 1", s.Connects(), s.Connections())
	}
}

func TestSlackSocketRedeliversUnackedEvents(t *testing.T) {
	s, _, base := newSlackTest(t, Options{Socket: SocketOptions{AckTimeout: 400 * time.Millisecond, MaxRetries: 2}})
	var mu sync.Mutex
	seen := 0
	bot := startSlackTestBot(t, s, base, func(socketmode.Event) (bool, any) {
		mu.Lock()
		defer mu.Unlock()
		seen++
		return seen > 1, nil // ignore the first delivery
	})
	bot.next(t, socketmode.EventTypeHello)
	if _, err := s.PostAsUser("alerts", "U0ONCALL", "hello"); err != nil {
		t.Fatal(err)
	}
	_, first := bot.nextMessage(t)
	_, retry := bot.nextMessage(t)
	if retry.Request.RetryAttempt != 1 || retry.Request.RetryReason != "timeout" || retry.Request.EnvelopeID == first.Request.EnvelopeID {
		t.Errorf("redelivery = %+v, want retry_attempt 1, reason timeout, a new envelope", retry.Request)
	}
	slackWait(t, s, "the ack of the retry", func() bool { return len(s.Acks()) == 1 })
	if a := s.Acks()[0]; a.Attempt != 1 || a.EnvelopeID != retry.Request.EnvelopeID {
		t.Errorf("ack = %+v", a)
	}
	time.Sleep(500 * time.Millisecond) // past the retry's own deadline
	if d := len(s.Deliveries()); d != 2 || s.Pending() != 0 {
		t.Errorf("%d deliveries, %d pending after the ack; want 2, 0", d, s.Pending())
	}
}

func TestSlackSocketGivesUp(t *testing.T) {
	cases := []struct {
		name       string
		socket     SocketOptions
		inject     func(s *Server) (string, error)
		deliveries int
	}{
		{"event after its retries", SocketOptions{AckTimeout: 50 * time.Millisecond, MaxRetries: 2},
			func(s *Server) (string, error) { return s.PostAsUser("alerts", "U0ONCALL", "x") }, 3},
		{"event without redelivery", SocketOptions{AckTimeout: 50 * time.Millisecond, NoRedelivery: true},
			func(s *Server) (string, error) { return s.PostAsUser("alerts", "U0ONCALL", "x") }, 1},
		{"slash command, never retried", SocketOptions{AckTimeout: 50 * time.Millisecond},
			func(s *Server) (string, error) { return s.SlashCommand("alerts", "U0ONCALL", "help") }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _, base := newSlackTest(t, Options{Socket: tc.socket})
			bot := startSlackTestBot(t, s, base, func(socketmode.Event) (bool, any) { return false, nil })
			bot.next(t, socketmode.EventTypeHello)
			if _, err := tc.inject(s); err != nil {
				t.Fatal(err)
			}
			slackWait(t, s, "giving up", func() bool { return len(s.Abandoned()) == 1 })
			if got := len(s.Deliveries()); got != tc.deliveries {
				t.Errorf("%d deliveries, want %d", got, tc.deliveries)
			}
		})
	}
}

func TestSlackSocketReconnects(t *testing.T) {
	s, _, base := newSlackTest(t, Options{Socket: SocketOptions{
		DisconnectGrace: 200 * time.Millisecond,
		// An envelope written to a connection the client is leaving is lost
		// and redelivered, as Slack would.
		AckTimeout: 300 * time.Millisecond,
	}})
	bot := startSlackTestBot(t, s, base, slackAckAll)
	bot.next(t, socketmode.EventTypeHello)

	for i, cut := range []func(){
		func() { s.Disconnect("refresh_requested") },
		func() { s.Disconnect("warning") },
		s.DropConnections,
	} {
		cut()
		// Posted while the app may be between connections: queued or
		// delivered on whichever connection is open, but never lost.
		ts, err := s.PostAsUser("alerts", "U0ONCALL", "after a cut")
		if err != nil {
			t.Fatal(err)
		}
		for {
			msg, _ := bot.nextMessage(t)
			if msg.TimeStamp == ts {
				break
			}
		}
		want := i + 2
		slackWait(t, s, "the reconnection", func() bool { return s.Connects() == want && s.Connections() == 1 })
	}
	slackWait(t, s, "every event acked", func() bool { return s.Pending() == 0 })
	if n := len(s.Abandoned()); n != 0 {
		t.Errorf("%d envelopes abandoned", n)
	}
	// An event after the reconnections still arrives. Redeliveries of
	// envelopes whose ack died with a connection may come first: delivery is
	// at least once, and a redelivery keeps its event_id.
	ts, err := s.PostAsUser("alerts", "U0ONCALL", "still there?")
	if err != nil {
		t.Fatal(err)
	}
	for {
		msg, evt := bot.nextMessage(t)
		if msg.TimeStamp == ts {
			break
		}
		if evt.Request.RetryAttempt == 0 {
			t.Errorf("message %s delivered again as a first attempt", msg.TimeStamp)
		}
	}
	events := map[string]bool{}
	for _, d := range s.Deliveries() {
		events[d.Ref] = true
	}
	if len(events) != 4 {
		t.Errorf("%d distinct events delivered, want the 4 posted", len(events))
	}
}

func TestSlackSocketRoundRobinAcrossReplicas(t *testing.T) {
	s, _, base := newSlackTest(t, Options{})
	var mu sync.Mutex
	received := map[int]map[string]bool{1: {}, 2: {}}
	recorder := func(replica int) func(socketmode.Event) (bool, any) {
		return func(evt socketmode.Event) (bool, any) {
			mu.Lock()
			defer mu.Unlock()
			received[replica][evt.Request.EnvelopeID] = true
			return true, nil
		}
	}
	startSlackTestBot(t, s, base, recorder(1))
	slackWait(t, s, "replica 1", func() bool { return s.Connections() == 1 })
	startSlackTestBot(t, s, base, recorder(2))
	slackWait(t, s, "replica 2", func() bool { return s.Connections() == 2 })

	const events = 20
	for i := range events {
		if _, err := s.PostAsUser("alerts", "U0ONCALL", strings.Repeat("x", i+1)); err != nil {
			t.Fatal(err)
		}
	}
	slackWait(t, s, "every ack", func() bool { return len(s.Acks()) == events })
	mu.Lock()
	defer mu.Unlock()
	if len(received[1]) != events/2 || len(received[2]) != events/2 {
		t.Errorf("replicas got %d and %d envelopes, want %d each", len(received[1]), len(received[2]), events/2)
	}
	refs := map[string]int{}
	for _, d := range s.Deliveries() {
		refs[d.Ref]++
	}
	for ref, n := range refs {
		if n != 1 {
			t.Errorf("event %s delivered %d times", ref, n)
		}
	}
	if len(refs) != events {
		t.Errorf("%d distinct events delivered, want %d", len(refs), events)
	}
}

func TestSlackSocketCommandsAndButtons(t *testing.T) {
	s, api, base := newSlackTest(t, Options{})
	bot := startSlackTestBot(t, s, base, func(evt socketmode.Event) (bool, any) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			return true, map[string]any{"text": "usage: /trailhound changes <resource>"}
		}
		return true, nil
	})
	bot.next(t, socketmode.EventTypeHello)

	trigger, err := s.SlashCommand("alerts", "U0ONCALL", "help")
	if err != nil {
		t.Fatal(err)
	}
	evt := bot.next(t, socketmode.EventTypeSlashCommand)
	cmd := evt.Data.(slack.SlashCommand)
	if cmd.Command != "/trailhound" || cmd.Text != "help" || cmd.UserID != "U0ONCALL" || cmd.ChannelID != "C0ALERTS" || cmd.TriggerID != trigger || !evt.Request.AcceptsResponsePayload {
		t.Errorf("slash command = %+v", cmd)
	}
	slackWait(t, s, "the answer in the ack", func() bool { return len(s.Ephemerals("alerts")) == 1 })
	if e := s.Ephemerals("alerts")[0]; e.Recipient != "U0ONCALL" || !strings.HasPrefix(e.Text, "usage:") {
		t.Errorf("ephemeral answer = %+v", e)
	}

	_, ts, err := api.PostMessage("alerts", slack.MsgOptionText("report", false), slack.MsgOptionBlocks(
		slack.NewActionBlock("cause-1",
			slack.NewButtonBlockElement("feedback", "up:1", slack.NewTextBlockObject("plain_text", "👍", true, false)),
			slack.NewButtonBlockElement("rerun", "r", slack.NewTextBlockObject("plain_text", "Re-run", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClickButton("alerts", "U0ONCALL", ts, "missing", ""); err == nil {
		t.Error("a click on a button that does not exist succeeded")
	}
	if _, err := s.ClickButton("alerts", "U0ONCALL", ts, "feedback", "up:1"); err != nil {
		t.Fatal(err)
	}
	cb := bot.next(t, socketmode.EventTypeInteractive).Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("interaction = %+v", cb)
	}
	action := cb.ActionCallback.BlockActions[0]
	if action.ActionID != "feedback" || action.Value != "up:1" || action.BlockID != "cause-1" || cb.User.ID != "U0ONCALL" ||
		cb.Container.MessageTs != ts || cb.Channel.ID != "C0ALERTS" || cb.Message.Timestamp != ts || cb.ResponseURL == "" {
		t.Errorf("block action %+v in %+v", action, cb.Container)
	}

	// The response_url of the click replaces the message it came from.
	body := `{"replace_original":true,"text":"thanks for the feedback"}`
	resp, err := http.Post(cb.ResponseURL, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if m, _ := s.Message("alerts", ts); m.Text != "thanks for the feedback" || len(m.Edits) != 1 {
		t.Errorf("after replace_original: %+v", m)
	}
	changed, _ := bot.nextMessage(t)
	if changed.SubType != "message_changed" || changed.Message == nil || changed.Message.Text != "thanks for the feedback" {
		t.Errorf("edit event = %+v", changed)
	}
}

// TestSlackCloseStopsEveryGoroutine runs the workspace with connected
// clients, then checks that nothing of it is left running after Close.
func TestSlackCloseStopsEveryGoroutine(t *testing.T) {
	s := New(Options{Socket: SocketOptions{PingInterval: 50 * time.Millisecond}})
	base, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	bot := startSlackTestBot(t, s, base, slackAckAll)
	bot.next(t, socketmode.EventTypeHello)
	s.SetLatency("users.info", time.Minute)
	go func() { _, _ = bot.api.GetUserInfo("U0ONCALL") }() // held by the latency when Close runs
	if _, err := s.PostAsUser("alerts", "U0ONCALL", "x"); err != nil {
		t.Fatal(err)
	}
	bot.nextMessage(t)

	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5s")
	}
	bot.stop()
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	if strings.Contains(stacks, "sandbox.(*Server)") {
		t.Errorf("goroutines of the workspace still running after Close:\n%s", stacks)
	}
}

func TestSlackSocketLateCommandAnswerIsIgnored(t *testing.T) {
	s, _, base := newSlackTest(t, Options{Socket: SocketOptions{AckTimeout: 50 * time.Millisecond}})
	bot := startSlackTestBot(t, s, base, func(evt socketmode.Event) (bool, any) {
		time.Sleep(150 * time.Millisecond) // slower than Slack's patience
		return true, map[string]any{"text": "too late"}
	})
	bot.next(t, socketmode.EventTypeHello)
	if _, err := s.SlashCommand("alerts", "U0ONCALL", "help"); err != nil {
		t.Fatal(err)
	}
	slackWait(t, s, "the late ack", func() bool { return len(s.Acks()) == 1 })
	if a := s.Acks()[0]; !a.Late || a.Latency < 150*time.Millisecond {
		t.Errorf("ack = %+v, want late", a)
	}
	if n := len(s.Ephemerals("alerts")); n != 0 {
		t.Errorf("%d answers shown after the command timed out", n)
	}
}

func TestSlackSocketRefreshesAgedConnections(t *testing.T) {
	s, _, base := newSlackTest(t, Options{Socket: SocketOptions{ConnectionLifetime: 200 * time.Millisecond}})
	bot := startSlackTestBot(t, s, base, slackAckAll)
	bot.next(t, socketmode.EventTypeHello)
	slackWait(t, s, "two refreshes", func() bool { return s.Connects() >= 3 })
	bot.next(t, socketmode.EventTypeHello) // the client reconnected by itself
	slackWait(t, s, "one open connection", func() bool { return s.Connections() == 1 })
}
