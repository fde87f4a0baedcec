package slackchat

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/trailhound/trailhound/bot/chat"
)

// fakeSocket is a Socket whose events the test sends.
type fakeSocket struct {
	events chan socketmode.Event
	mu     sync.Mutex
	acks   []string
}

func (s *fakeSocket) RunContext(ctx context.Context) error {
	s.events <- socketmode.Event{Type: socketmode.EventTypeHello}
	<-ctx.Done()
	return ctx.Err()
}

func (s *fakeSocket) Events() <-chan socketmode.Event { return s.events }

func (s *fakeSocket) AckCtx(_ context.Context, id string, _ any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acks = append(s.acks, id)
	return nil
}

func (s *fakeSocket) acked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.acks {
		if a == id {
			return true
		}
	}
	return false
}

// clicks is a chat.Handler that keeps the clicks it is handed.
type clicks struct {
	mu  sync.Mutex
	got []chat.Click
}

func (h *clicks) OnMessage(context.Context, chat.Message) {}
func (h *clicks) OnMention(context.Context, chat.Mention) {}
func (h *clicks) OnCommand(context.Context, chat.Command) {}
func (h *clicks) OnHomeOpened(context.Context, string)    {}
func (h *clicks) OnClick(_ context.Context, c chat.Click) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, c)
}

func (h *clicks) all() []chat.Click {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]chat.Click(nil), h.got...)
}

// noAPI is a Web API the test never calls.
type noAPI struct{ API }

func serve(t *testing.T, h chat.Handler) (*Client, *fakeSocket) {
	t.Helper()
	sock := &fakeSocket{events: make(chan socketmode.Event, 8)}
	c, err := New(noAPI{}, sock, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, context.Background(), h) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "socket mode hello", c.Connected)
	return c, sock
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestUnreadableEnvelopeIsAcknowledged(t *testing.T) {
	_, sock := serve(t, &clicks{})
	raw := json.RawMessage(`{"envelope_id":"env-bad","type":"events_api","payload":{"type":"event_callback","event":"garbled"}}`)
	sock.events <- socketmode.Event{Type: socketmode.EventTypeErrorBadMessage, Data: &socketmode.ErrorBadMessage{Cause: errors.New("parse"), Message: raw}}
	eventually(t, "ack of the unreadable envelope", func() bool { return sock.acked("env-bad") })
}

func TestButtonClicksAreAcknowledged(t *testing.T) {
	h := &clicks{}
	c, sock := serve(t, h)
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(`{"type":"block_actions","user":{"id":"U0ONCALL"},"channel":{"id":"C0ALERTS"},
		"container":{"message_ts":"1.0"},"actions":[{"action_id":"feedback_up:1","block_id":"cause-1","value":"{}","type":"button"}]}`), &cb); err != nil {
		t.Fatal(err)
	}
	sock.events <- socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb,
		Request: &socketmode.Request{Type: socketmode.RequestTypeInteractive, EnvelopeID: "env-click"}}
	eventually(t, "click handled", func() bool {
		var m dto.Metric
		return c.m.envelopes.WithLabelValues("interactive", "handled").Write(&m) == nil && m.GetCounter().GetValue() == 1
	})
	if !sock.acked("env-click") {
		t.Error("the click was not acknowledged")
	}
	want := chat.Click{Channel: "C0ALERTS", User: "U0ONCALL", MessageTS: "1.0", ActionID: "feedback_up:1", Value: "{}"}
	if got := h.all(); len(got) != 1 || got[0] != want {
		t.Errorf("clicks = %+v, want %+v", got, want)
	}
}
