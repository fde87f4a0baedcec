package bot

// A fake Slack for the bot's tests: the Web API served over HTTP to the real
// slack-go client, and a Socket Mode connection whose events the test sends.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// fakeSocket is a Socket whose events the test sends.
type fakeSocket struct {
	rec    *recorder
	events chan socketmode.Event
}

func newFakeSocket(rec *recorder) *fakeSocket {
	return &fakeSocket{rec: rec, events: make(chan socketmode.Event, 64)}
}

func (s *fakeSocket) RunContext(ctx context.Context) error {
	select {
	case s.events <- socketmode.Event{Type: socketmode.EventTypeHello}:
	case <-ctx.Done():
	}
	<-ctx.Done()
	return ctx.Err()
}

func (s *fakeSocket) Events() <-chan socketmode.Event { return s.events }

func (s *fakeSocket) AckCtx(_ context.Context, id string, _ any) error {
	s.rec.add("ack %s", id)
	return nil
}

// fakeMessage is a message the fake Slack stores.
type fakeMessage struct {
	Channel, TS, ThreadTS, Text string
	Blocks                      json.RawMessage
	Updates                     int
}

// blockIDs lists the message's block ids.
func (m fakeMessage) blockIDs() []string {
	var bs []struct {
		BlockID string `json:"block_id"`
	}
	_ = json.Unmarshal(m.Blocks, &bs)
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.BlockID)
	}
	return ids
}

func (m fakeMessage) hasBlock(id string) bool {
	return slices.Contains(m.blockIDs(), id)
}

// fakeSlack serves the Web API subset the bot calls over HTTP, so that the
// real slack-go client (its encoding, its 429 handling) is what the bot uses.
type fakeSlack struct {
	rec    *recorder
	server *httptest.Server
	api    *slack.Client

	mu         sync.Mutex
	seq        int
	messages   []*fakeMessage
	ephemerals []fakeMessage
	// rateLimited answers the next n chat.postMessage calls with HTTP 429.
	rateLimited int
}

func newFakeSlack(t testing.TB, rec *recorder) *fakeSlack {
	f := &fakeSlack{rec: rec}
	f.server = httptest.NewServer(f)
	t.Cleanup(f.server.Close)
	f.api = slack.New("xoxb-test", slack.OptionAPIURL(f.server.URL+"/api/"))
	return f
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	defer f.mu.Unlock()
	var reply map[string]any
	switch method {
	case "auth.test":
		reply = map[string]any{"user_id": testBotUser, "bot_id": testBotID, "team_id": "T0"}
	case "chat.postMessage":
		if f.rateLimited > 0 {
			f.rateLimited--
			f.rec.add("429 chat.postMessage %s", r.Form.Get("channel"))
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		reply = f.postLocked(r.Form)
	case "chat.update":
		reply = f.updateLocked(r.Form)
	case "chat.postEphemeral":
		f.ephemerals = append(f.ephemerals, fakeMessage{Channel: r.Form.Get("channel"), Text: r.Form.Get("text")})
		f.rec.add("ephemeral %s %s %s", r.Form.Get("channel"), r.Form.Get("user"), r.Form.Get("text"))
		reply = map[string]any{"message_ts": "1700000000.000000"}
	case "conversations.replies":
		reply = f.repliesLocked(r.Form)
	case "reactions.add":
		f.rec.add("react %s %s %s", r.Form.Get("channel"), r.Form.Get("timestamp"), r.Form.Get("name"))
		reply = map[string]any{}
	default:
		reply = map[string]any{"ok": false, "error": "unknown_method"}
	}
	if _, set := reply["ok"]; !set {
		reply["ok"] = true
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

func (f *fakeSlack) postLocked(form url.Values) map[string]any {
	f.seq++
	m := &fakeMessage{Channel: form.Get("channel"), TS: fmt.Sprintf("1700000000.%06d", f.seq), ThreadTS: form.Get("thread_ts"),
		Text: form.Get("text"), Blocks: json.RawMessage(form.Get("blocks"))}
	f.messages = append(f.messages, m)
	f.rec.add("post %s %s %s", m.Channel, m.ThreadTS, m.Text)
	return map[string]any{"channel": m.Channel, "ts": m.TS}
}

func (f *fakeSlack) updateLocked(form url.Values) map[string]any {
	for _, m := range f.messages {
		if m.Channel == form.Get("channel") && m.TS == form.Get("ts") {
			m.Text, m.Blocks = form.Get("text"), json.RawMessage(form.Get("blocks"))
			m.Updates++
			f.rec.add("update %s %s %s", m.Channel, m.TS, m.Text)
			return map[string]any{"channel": m.Channel, "ts": m.TS, "text": m.Text}
		}
	}
	return map[string]any{"ok": false, "error": "message_not_found"}
}

func (f *fakeSlack) repliesLocked(form url.Values) map[string]any {
	channel, ts := form.Get("channel"), form.Get("ts")
	var out []map[string]any
	for _, m := range f.messages {
		if m.Channel != channel || (m.TS != ts && m.ThreadTS != ts) {
			continue
		}
		msg := map[string]any{"ts": m.TS, "thread_ts": m.ThreadTS, "text": m.Text, "user": testBotUser, "bot_id": testBotID}
		if len(m.Blocks) > 0 {
			msg["blocks"] = m.Blocks
		}
		out = append(out, msg)
	}
	return map[string]any{"messages": out, "has_more": false}
}

// thread returns the bot's replies under ts in channel.
func (f *fakeSlack) thread(channel, ts string) []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeMessage
	for _, m := range f.messages {
		if m.Channel == channel && m.ThreadTS == ts {
			out = append(out, *m)
		}
	}
	return out
}

// roots returns the bot's top-level messages in channel.
func (f *fakeSlack) roots(channel string) []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeMessage
	for _, m := range f.messages {
		if m.Channel == channel && m.ThreadTS == "" {
			out = append(out, *m)
		}
	}
	return out
}

func (f *fakeSlack) ephemeralTexts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.ephemerals {
		out = append(out, m.Text)
	}
	return out
}

// messageEvent is a message event as Socket Mode delivers it.
func messageEvent(t testing.TB, envelopeID, eventID string, msg map[string]any) socketmode.Event {
	t.Helper()
	if _, ok := msg["type"]; !ok {
		msg["type"] = "message"
	}
	raw, err := json.Marshal(map[string]any{
		"type": "event_callback", "team_id": "T0", "api_app_id": "A0",
		"event_id": eventID, "event_time": 1700000000, "event": msg,
	})
	if err != nil {
		t.Fatal(err)
	}
	api, err := slackevents.ParseEvent(raw, slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatalf("parse event: %v", err)
	}
	return socketmode.Event{Type: socketmode.EventTypeEventsAPI, Data: api,
		Request: &socketmode.Request{Type: socketmode.RequestTypeEventsAPI, EnvelopeID: envelopeID, Payload: raw}}
}

func slashEvent(envelopeID, channel, user, text string) socketmode.Event {
	cmd := slack.SlashCommand{Command: "/trailhound", Text: text, ChannelID: channel, UserID: user}
	return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Data: cmd,
		Request: &socketmode.Request{Type: socketmode.RequestTypeSlashCommands, EnvelopeID: envelopeID}}
}
