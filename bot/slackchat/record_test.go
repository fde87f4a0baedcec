package slackchat

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/trailhound/trailhound/bot/chat"
)

// fakeRecorder records work in memory, or fails while down.
type fakeRecorder struct {
	mu    sync.Mutex
	down  bool
	ids   map[string]bool
	kinds []string
	sock  *fakeSocket // acks seen when each record was made
	acked []bool
}

func (r *fakeRecorder) RecordWork(_ context.Context, id string, _ time.Duration, kind string, body []byte) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return false, errors.New("store unavailable")
	}
	var m chat.Message
	if err := json.Unmarshal(body, &m); err != nil {
		return false, err
	}
	if r.ids[id] {
		return false, nil
	}
	r.ids[id] = true
	r.kinds = append(r.kinds, kind+":"+m.Text)
	r.acked = append(r.acked, r.sock.acked("env-1"))
	return true, nil
}

// handled counts the messages a handler is handed.
type handled struct {
	clicks
	mu   sync.Mutex
	msgs int
}

func (h *handled) OnMessage(context.Context, chat.Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs++
}

func messageEnvelope(envelopeID, eventID, user, text string) socketmode.Event {
	ev := &slackevents.MessageEvent{Type: "message", Channel: "C0ALERTS", User: user, Text: text, TimeStamp: "1.0",
		Message: &slack.Msg{User: user, Text: text}}
	api := slackevents.EventsAPIEvent{Type: slackevents.CallbackEvent,
		Data:       &slackevents.EventsAPICallbackEvent{EventID: eventID},
		InnerEvent: slackevents.EventsAPIInnerEvent{Type: string(slackevents.Message), Data: ev}}
	return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: api,
		Request: &socketmode.Request{Type: socketmode.RequestTypeEventsAPI, EnvelopeID: envelopeID}}
}

// TestMessagesAreRecordedBeforeTheAck: with a recorder, a message is
// acknowledged only once it is recorded, its redelivery is acknowledged
// without a second record, one that cannot be recorded is not
// acknowledged, and none reaches the handler directly: the work's reader
// handles it.
func TestMessagesAreRecordedBeforeTheAck(t *testing.T) {
	sock := &fakeSocket{events: make(chan socketmode.Event, 8)}
	rec := &fakeRecorder{ids: map[string]bool{}, sock: sock}
	c, err := New(noAPI{}, sock, Options{Record: rec})
	if err != nil {
		t.Fatal(err)
	}
	h := &handled{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, context.Background(), h) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "socket mode hello", c.Connected)

	sock.events <- messageEnvelope("env-1", "Ev1", "U0ONCALL", "ALARM: checkout")
	eventually(t, "ack of the recorded message", func() bool { return sock.acked("env-1") })
	sock.events <- messageEnvelope("env-2", "Ev1", "U0ONCALL", "ALARM: checkout") // Slack's redelivery
	eventually(t, "ack of the redelivery", func() bool { return sock.acked("env-2") })
	rec.mu.Lock()
	rec.down = true
	rec.mu.Unlock()
	sock.events <- messageEnvelope("env-3", "Ev3", "U0ONCALL", "ALARM: payments")
	time.Sleep(200 * time.Millisecond)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.kinds) != 1 || rec.kinds[0] != chat.WorkMessage+":ALARM: checkout" {
		t.Errorf("recorded %v, want the first message once", rec.kinds)
	}
	if len(rec.acked) != 1 || rec.acked[0] {
		t.Error("the message was acknowledged before it was recorded")
	}
	if sock.acked("env-3") {
		t.Error("a message that could not be recorded was acknowledged: Slack would not deliver it again")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.msgs != 0 {
		t.Errorf("the handler was handed %d recorded messages directly", h.msgs)
	}
}
