package slackapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Envelope types of Socket Mode.
const (
	slackEventsAPI     = "events_api"
	slackSlashCommands = "slash_commands"
	slackInteractive   = "interactive"
)

const (
	// slackConnBuffer is how many frames may wait for one connection's writer.
	slackConnBuffer = 1024
	// slackReadLimit bounds a frame from the app; Slack ignores acks of 20 KB
	// or more, so anything far larger is a broken client.
	slackReadLimit = 1 << 20
	// slackWriteTimeout bounds one frame write to a connection.
	slackWriteTimeout = 10 * time.Second
	// slackTypicalConnectionSeconds is what Slack's hello reports as the
	// approximate lifetime of a connection when no lifetime is configured.
	slackTypicalConnectionSeconds = 18060
)

// Delivery is one envelope written to a Socket Mode connection.
type Delivery struct {
	EnvelopeID string
	Type       string // events_api, slash_commands or interactive
	Ref        string // the event_id, or the trigger_id of a command or interaction
	Attempt    int    // retry_attempt: 0 for the first delivery
	Conn       int    // which connection (numbered from 1 in connect order)
	At         time.Time
}

// Ack is one acknowledgement the app sent back.
type Ack struct {
	EnvelopeID string
	Type       string
	Ref        string
	Attempt    int
	Conn       int
	Latency    time.Duration // from writing the envelope to reading its ack
	Payload    json.RawMessage
	At         time.Time
	// Unknown: no envelope with that id was delivered (or the frame was not
	// an acknowledgement at all).
	Unknown bool
	// Duplicate: the envelope's event was already acknowledged.
	Duplicate bool
	// Late: the envelope had been given up on (see Abandoned); Slack ignores
	// such an ack and its payload.
	Late bool
	// Error is why a slash command's answer in the payload was refused.
	Error string
}

type slackSocket struct {
	tickets    map[string]bool
	conns      []*slackConn
	nextConn   int
	connects   int
	rr         int
	queue      []*slackEnvelope
	unacked    map[*slackEnvelope]bool
	attempts   map[string]*slackAttempt
	deliveries []Delivery
	acks       []Ack
	abandoned  []string
}

func newSlackSocket() slackSocket {
	return slackSocket{
		tickets:  map[string]bool{},
		unacked:  map[*slackEnvelope]bool{},
		attempts: map[string]*slackAttempt{},
	}
}

type slackConn struct {
	id         int
	ws         *websocket.Conn
	out        chan []byte
	closeAfter chan time.Duration
	done       chan struct{}
	once       sync.Once
	draining   bool // told to disconnect: gets no new envelopes
}

// slackEnvelope is one event, command or interaction to deliver until acked.
type slackEnvelope struct {
	kind            string
	ref             string
	payload         json.RawMessage
	acceptsResponse bool
	attempt         int
	deadline        time.Time // zero while queued for lack of a connection
	acked           bool
	abandoned       bool
	target          slackResponseTarget
}

type slackAttempt struct {
	env     *slackEnvelope
	attempt int
	sent    time.Time
}

func (s *Server) appsConnectionsOpen(url.Values) slackReply {
	ticket := slackRandomHex(16)
	s.socket.tickets[ticket] = true
	scheme, host := "ws", strings.TrimPrefix(s.baseURL, "http://")
	if strings.HasPrefix(s.baseURL, "https://") {
		scheme, host = "wss", strings.TrimPrefix(s.baseURL, "https://")
	}
	return slackOK(map[string]any{"url": scheme + "://" + host + "/link/?ticket=" + ticket + "&app_id=" + s.opts.AppID})
}

// serveSocket upgrades a connection opened with a ticket from
// apps.connections.open. The request's goroutine reads the app's frames; a
// writer goroutine sends hello, envelopes, pings and disconnects.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.socket.tickets[ticket]
	delete(s.socket.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "unknown or already used ticket", http.StatusUnauthorized)
		return
	}
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered the request
	}
	ws.SetReadLimit(slackReadLimit)
	c := &slackConn{
		ws:         ws,
		out:        make(chan []byte, slackConnBuffer),
		closeAfter: make(chan time.Duration, 1),
		done:       make(chan struct{}),
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.socket.nextConn++
	c.id = s.socket.nextConn
	s.socket.conns = append(s.socket.conns, c)
	s.socket.connects++
	lifetime := slackTypicalConnectionSeconds
	if l := s.opts.Socket.ConnectionLifetime; l > 0 {
		lifetime = int(l.Seconds())
	}
	c.out <- mustMarshalSlack(map[string]any{
		"type":            "hello",
		"num_connections": len(s.socket.conns),
		"debug_info": map[string]any{
			"host": "applink-sandbox", "build_number": 1, "approximate_connection_time": lifetime,
		},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	})
	s.flushQueueLocked()
	s.wg.Add(1)
	s.notifyLocked()
	s.mu.Unlock()

	go s.writeLoop(c)
	s.readLoop(c)
}

func (s *Server) readLoop(c *slackConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			s.dropConn(c)
			return
		}
		s.handleFrame(c, data)
	}
}

func (s *Server) writeLoop(c *slackConn) {
	defer s.wg.Done()
	ping := time.NewTicker(s.opts.Socket.PingInterval)
	defer ping.Stop()
	var lifetime <-chan time.Time
	if l := s.opts.Socket.ConnectionLifetime; l > 0 {
		t := time.NewTimer(l)
		defer t.Stop()
		lifetime = t.C
	}
	closeTimer := time.NewTimer(time.Hour)
	closeTimer.Stop()
	defer closeTimer.Stop()
	var closing <-chan time.Time
	pings := 0
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-c.done:
			return
		case frame := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(slackWriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				s.dropConn(c)
				return
			}
			// Envelopes queued while every writer was full go out as
			// writers catch up.
			s.mu.Lock()
			if len(s.socket.queue) > 0 && !c.draining {
				s.flushQueueLocked()
			}
			s.mu.Unlock()
		case <-ping.C:
			pings++
			if err := c.ws.WriteControl(websocket.PingMessage, fmt.Appendf(nil, "ping-%d", pings), time.Now().Add(slackWriteTimeout)); err != nil {
				s.dropConn(c)
				return
			}
		case <-lifetime:
			s.mu.Lock()
			s.disconnectLocked(c, "refresh_requested")
			s.mu.Unlock()
		case d := <-c.closeAfter:
			closeTimer.Reset(d)
			closing = closeTimer.C
		case <-closing:
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(slackWriteTimeout))
			s.dropConn(c)
			return
		}
	}
}

// dropConn forgets c and closes its TCP connection without a close frame.
func (s *Server) dropConn(c *slackConn) {
	c.once.Do(func() {
		s.mu.Lock()
		s.socket.conns = slices.DeleteFunc(s.socket.conns, func(x *slackConn) bool { return x == c })
		s.notifyLocked()
		s.mu.Unlock()
		close(c.done)
		_ = c.ws.Close()
	})
}

// Disconnect sends every connection a disconnect message with reason
// ("refresh_requested", "warning", "link_disabled") and closes it after the
// grace period. Except after a warning, no new envelope goes to it meanwhile.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.socket.conns {
		s.disconnectLocked(c, reason)
	}
}

func (s *Server) disconnectLocked(c *slackConn, reason string) {
	frame := mustMarshalSlack(map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "applink-sandbox"},
	})
	select {
	case c.out <- frame:
	default:
	}
	if reason != "warning" {
		c.draining = true
	}
	select {
	case c.closeAfter <- s.opts.Socket.DisconnectGrace:
	default:
	}
}

// DropConnections cuts every Socket Mode connection at the TCP level, as a
// network failure would. Envelopes in flight stay unacknowledged.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := slices.Clone(s.socket.conns)
	s.mu.Unlock()
	for _, c := range conns {
		s.dropConn(c)
	}
}

// Connections is the number of open Socket Mode connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.socket.conns)
}

// Connects is the number of Socket Mode connections accepted so far.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.socket.connects
}

// Deliveries returns every envelope written so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.socket.deliveries)
}

// Acks returns every acknowledgement received so far, in order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.socket.acks)
	for i := range out {
		out[i].Payload = slices.Clone(out[i].Payload)
	}
	return out
}

// Abandoned returns the refs of envelopes given up on: events unacked after
// every retry, commands and interactions unacked in time.
func (s *Server) Abandoned() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.socket.abandoned)
}

// Pending is the number of envelopes not acknowledged yet and still tracked.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.socket.unacked)
}

// enqueueLocked starts delivering e; s.mu must be held.
func (s *Server) enqueueLocked(e *slackEnvelope) {
	s.socket.unacked[e] = true
	s.sendLocked(e)
}

// sendLocked writes e to the next connection in turn, as Slack spreads
// envelopes over an app's connections, or queues it until one opens.
func (s *Server) sendLocked(e *slackEnvelope) {
	var open []*slackConn
	for _, c := range s.socket.conns {
		if !c.draining {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		e.deadline = time.Time{}
		s.socket.queue = append(s.socket.queue, e)
		return
	}
	c := open[s.socket.rr%len(open)]
	s.socket.rr++
	envelopeID := slackUUID()
	reason := ""
	if e.attempt > 0 {
		reason = "timeout"
	}
	frame := mustMarshalSlack(map[string]any{
		"envelope_id":              envelopeID,
		"payload":                  e.payload,
		"type":                     e.kind,
		"accepts_response_payload": e.acceptsResponse,
		"retry_attempt":            e.attempt,
		"retry_reason":             reason,
	})
	select {
	case c.out <- frame:
	default:
		// A writer this far behind is as good as gone; wait for another.
		e.deadline = time.Time{}
		s.socket.queue = append(s.socket.queue, e)
		return
	}
	now := time.Now()
	s.socket.attempts[envelopeID] = &slackAttempt{env: e, attempt: e.attempt, sent: now}
	e.deadline = now.Add(s.opts.Socket.AckTimeout)
	s.socket.deliveries = append(s.socket.deliveries, Delivery{
		EnvelopeID: envelopeID, Type: e.kind, Ref: e.ref, Attempt: e.attempt, Conn: c.id, At: now,
	})
	s.notifyLocked()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Server) flushQueueLocked() {
	queued := s.socket.queue
	s.socket.queue = nil
	for _, e := range queued {
		s.sendLocked(e)
	}
}

// redeliveryLoop redelivers or gives up on envelopes whose ack is overdue.
func (s *Server) redeliveryLoop() {
	defer s.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		next := s.expireLocked(time.Now())
		s.mu.Unlock()
		wait := time.Hour
		if !next.IsZero() {
			wait = time.Until(next)
		}
		timer.Reset(wait)
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// expireLocked handles the overdue envelopes and returns the next deadline.
func (s *Server) expireLocked(now time.Time) time.Time {
	var next time.Time
	for e := range s.socket.unacked {
		if e.deadline.IsZero() {
			continue
		}
		if now.Before(e.deadline) {
			if next.IsZero() || e.deadline.Before(next) {
				next = e.deadline
			}
			continue
		}
		if e.kind == slackEventsAPI && !s.opts.Socket.NoRedelivery && e.attempt < s.opts.Socket.MaxRetries {
			e.attempt++
			s.sendLocked(e)
			if !e.deadline.IsZero() && (next.IsZero() || e.deadline.Before(next)) {
				next = e.deadline
			}
			continue
		}
		delete(s.socket.unacked, e)
		e.abandoned = true
		s.socket.abandoned = append(s.socket.abandoned, e.ref)
		s.notifyLocked()
	}
	return next
}

// handleFrame records an acknowledgement from the app.
func (s *Server) handleFrame(c *slackConn, data []byte) {
	var resp struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notifyLocked()
	if json.Unmarshal(data, &resp) != nil || resp.EnvelopeID == "" {
		s.socket.acks = append(s.socket.acks, Ack{Conn: c.id, Payload: data, At: now, Unknown: true})
		return
	}
	ack := Ack{EnvelopeID: resp.EnvelopeID, Conn: c.id, Payload: resp.Payload, At: now}
	att := s.socket.attempts[resp.EnvelopeID]
	if att == nil {
		ack.Unknown = true
		s.socket.acks = append(s.socket.acks, ack)
		return
	}
	e := att.env
	ack.Type, ack.Ref, ack.Attempt, ack.Latency = e.kind, e.ref, att.attempt, now.Sub(att.sent)
	switch {
	case e.abandoned:
		ack.Late = true
	case e.acked:
		ack.Duplicate = true
	default:
		e.acked = true
		delete(s.socket.unacked, e)
		if e.kind == slackSlashCommands {
			ack.Error = s.answerCommand(e.target, resp.Payload)
		}
	}
	s.socket.acks = append(s.socket.acks, ack)
}

// answerCommand shows the answer a slash command's ack carries, the way Slack
// does: ephemeral unless response_type is in_channel.
func (s *Server) answerCommand(target slackResponseTarget, payload json.RawMessage) string {
	if len(payload) == 0 || string(payload) == "null" {
		return ""
	}
	var body struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if json.Unmarshal(payload, &body) != nil {
		return "invalid_json"
	}
	if body.Text == "" && len(body.Blocks) == 0 {
		return ""
	}
	reply := s.respond(target, body.Text, body.Blocks, body.ResponseType, "", false, false)
	code, _ := reply.body["error"].(string)
	return code
}

// eventLocked wraps an inner event in an event_callback and delivers it.
func (s *Server) eventLocked(inner map[string]any) {
	n := s.nextID()
	eventID := fmt.Sprintf("Ev%010d", n)
	payload := map[string]any{
		"token":      "sandbox-verification-token",
		"team_id":    s.opts.TeamID,
		"api_app_id": s.opts.AppID,
		"event":      inner,
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": s.opts.Now().Unix(),
		"authorizations": []map[string]any{{
			"enterprise_id": nil, "team_id": s.opts.TeamID, "user_id": s.opts.BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         fmt.Sprintf("4-sandbox-%d", n),
	}
	s.enqueueLocked(&slackEnvelope{kind: slackEventsAPI, ref: eventID, payload: mustMarshalSlack(payload)})
}

// messageEventLocked delivers the message event of a new message, and an
// app_mention when someone else mentions the bot. The bot's own messages come
// back too, with its bot_id, as Slack echoes them.
func (s *Server) messageEventLocked(ch Channel, m *Message) {
	if ch.BotAbsent {
		return
	}
	st := s.state[ch.ID]
	ev := s.wireMessage(st, m)
	ev["channel"] = ch.ID
	ev["event_ts"] = m.TS
	ev["channel_type"] = "channel"
	if m.BotID == "" {
		ev["client_msg_id"] = slackUUID()
	}
	if m.Broadcast {
		ev["root"] = s.wireMessage(st, st.byTS[m.ThreadTS])
	}
	s.eventLocked(ev)

	if m.User == s.opts.BotUserID || !strings.Contains(m.Text, "<@"+s.opts.BotUserID+">") {
		return
	}
	mention := map[string]any{
		"type": "app_mention", "text": m.Text, "ts": m.TS, "channel": ch.ID, "event_ts": m.TS,
	}
	for k, v := range map[string]string{"user": m.User, "bot_id": m.BotID, "thread_ts": m.ThreadTS, "username": m.Username} {
		if v != "" {
			mention[k] = v
		}
	}
	if len(m.Blocks) > 0 {
		mention["blocks"] = m.Blocks
	}
	s.eventLocked(mention)
}

// messageChangedLocked delivers the message_changed event of an edit.
func (s *Server) messageChangedLocked(ch Channel, current, previous map[string]any) {
	if ch.BotAbsent {
		return
	}
	ts := s.nextTS()
	s.eventLocked(map[string]any{
		"type": "message", "subtype": "message_changed", "hidden": true,
		"channel": ch.ID, "channel_type": "channel", "ts": ts, "event_ts": ts,
		"message": current, "previous_message": previous,
	})
}

// Post is a message posted by someone other than the app: a user, or an
// integration such as an e-mail app or AWS Chatbot.
type Post struct {
	Channel  string
	ThreadTS string // reply in this thread
	User     string // the author, a workspace user; empty for an integration
	BotID    string // the integration's bot; its message has subtype bot_message
	Username string // the integration's display name
	Text     string
	Blocks   json.RawMessage
	// Attachments are legacy attachments (raw JSON array), as integrations
	// still send them.
	Attachments json.RawMessage
}

// Post stores p in its channel and delivers the message event (and an
// app_mention when it mentions the bot). It returns the message ts.
func (s *Server) Post(p Post) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.lookupChannel(p.Channel)
	if !ok {
		return "", fmt.Errorf("sandbox slack: post: no channel %q", p.Channel)
	}
	m := &Message{ThreadTS: p.ThreadTS, Username: p.Username, Text: p.Text, Attachments: p.Attachments}
	switch {
	case (p.User == "") == (p.BotID == ""):
		return "", errors.New("sandbox slack: post: set exactly one of User and BotID")
	case p.BotID == s.opts.BotID:
		return "", errors.New("sandbox slack: post: the app's own bot posts through the Web API")
	case p.BotID != "":
		m.BotID, m.Subtype = p.BotID, "bot_message"
	default:
		u, ok := s.users[p.User]
		if !ok || u.IsBot {
			return "", fmt.Errorf("sandbox slack: post: no user %q", p.User)
		}
		m.User = u.ID
	}
	if p.ThreadTS != "" && s.state[ch.ID].byTS[p.ThreadTS] == nil {
		return "", fmt.Errorf("sandbox slack: post: no message %s in %s to reply to", p.ThreadTS, p.Channel)
	}
	var reply slackReply
	if m.Blocks, reply = s.checkContent(m.Text, string(p.Blocks), m.Attachments); reply.body != nil {
		return "", fmt.Errorf("sandbox slack: post: %s %v", reply.body["error"], reply.body["errors"])
	}
	s.storeLocked(ch, m)
	return m.TS, nil
}

// PostAsUser posts text in channel as user.
func (s *Server) PostAsUser(channel, user, text string) (string, error) {
	return s.Post(Post{Channel: channel, User: user, Text: text})
}

// PostAsBot posts text in channel as an integration's bot (an e-mail app, AWS
// Chatbot): the event carries bot_id and subtype bot_message.
func (s *Server) PostAsBot(channel, botID, username, text string) (string, error) {
	return s.Post(Post{Channel: channel, BotID: botID, Username: username, Text: text})
}

// SlashCommand delivers the workspace's slash command, typed by user in
// channel with text, and returns its trigger_id.
func (s *Server) SlashCommand(channel, user, text string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.lookupChannel(channel)
	if !ok {
		return "", fmt.Errorf("sandbox slack: slash command: no channel %q", channel)
	}
	u, ok := s.users[user]
	if !ok || u.IsBot {
		return "", fmt.Errorf("sandbox slack: slash command: no user %q", user)
	}
	target := slackResponseTarget{channel: ch.ID, user: u.ID}
	trigger := s.newTriggerLocked()
	payload := map[string]any{
		"token":                 "sandbox-verification-token",
		"team_id":               s.opts.TeamID,
		"team_domain":           s.opts.TeamDomain,
		"channel_id":            ch.ID,
		"channel_name":          ch.Name,
		"user_id":               u.ID,
		"user_name":             u.Name,
		"command":               s.opts.Command,
		"text":                  text,
		"api_app_id":            s.opts.AppID,
		"is_enterprise_install": false,
		"response_url":          s.newResponseURLLocked(target),
		"trigger_id":            trigger,
	}
	s.enqueueLocked(&slackEnvelope{
		kind: slackSlashCommands, ref: trigger, payload: mustMarshalSlack(payload),
		acceptsResponse: true, target: target,
	})
	return trigger, nil
}

// ClickButton delivers the block_actions interaction of user clicking the
// element with actionID (and value, when not empty) in the message messageTS,
// an ephemeral one of the user's included. It returns the trigger_id.
func (s *Server) ClickButton(channel, user, messageTS, actionID, value string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.lookupChannel(channel)
	if !ok {
		return "", fmt.Errorf("sandbox slack: click: no channel %q", channel)
	}
	u, ok := s.users[user]
	if !ok || u.IsBot {
		return "", fmt.Errorf("sandbox slack: click: no user %q", user)
	}
	st := s.state[ch.ID]
	m, ephemeral := st.byTS[messageTS], false
	if m == nil {
		for i := range st.ephemerals {
			if e := &st.ephemerals[i]; e.TS == messageTS && e.Recipient == u.ID {
				m, ephemeral = e, true
			}
		}
	}
	if m == nil || m.Deleted {
		return "", fmt.Errorf("sandbox slack: click: no message %s in %s", messageTS, channel)
	}
	action, err := slackFindAction(m.Blocks, actionID, value)
	if err != nil {
		return "", fmt.Errorf("sandbox slack: click in message %s: %w", messageTS, err)
	}
	now := s.opts.Now()
	action["action_ts"] = fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	target := slackResponseTarget{channel: ch.ID, user: u.ID, messageTS: m.TS}
	trigger := s.newTriggerLocked()
	container := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": ch.ID, "is_ephemeral": ephemeral}
	if m.ThreadTS != "" {
		container["thread_ts"] = m.ThreadTS
	}
	payload := map[string]any{
		"type":                  "block_actions",
		"token":                 "sandbox-verification-token",
		"api_app_id":            s.opts.AppID,
		"trigger_id":            trigger,
		"response_url":          s.newResponseURLLocked(target),
		"user":                  map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": s.opts.TeamID},
		"team":                  map[string]any{"id": s.opts.TeamID, "domain": s.opts.TeamDomain},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"container":             container,
		"channel":               map[string]any{"id": ch.ID, "name": ch.Name},
		"state":                 map[string]any{"values": map[string]any{}},
		"actions":               []map[string]any{action},
	}
	if !ephemeral {
		payload["message"] = s.wireMessage(st, m)
	}
	s.enqueueLocked(&slackEnvelope{kind: slackInteractive, ref: trigger, payload: mustMarshalSlack(payload), target: target})
	return trigger, nil
}

// slackFindAction finds the one interactive element with actionID (and
// value) in blocks and describes it the way a block_actions payload does.
func slackFindAction(blocks json.RawMessage, actionID, value string) (map[string]any, error) {
	var list []map[string]any
	if len(blocks) > 0 {
		if err := json.Unmarshal(blocks, &list); err != nil {
			return nil, fmt.Errorf("decode blocks: %w", err)
		}
	}
	var found []map[string]any
	for _, b := range list {
		var elements []any
		if els, ok := b["elements"].([]any); ok && b["type"] == "actions" {
			elements = els
		}
		if acc, ok := b["accessory"]; ok {
			elements = append(elements, acc)
		}
		for _, e := range elements {
			el, ok := e.(map[string]any)
			if !ok || el["action_id"] != actionID || (value != "" && el["value"] != value) {
				continue
			}
			action := map[string]any{"type": el["type"], "action_id": actionID, "block_id": b["block_id"]}
			for _, k := range []string{"text", "value", "url", "style"} {
				if v, ok := el[k]; ok {
					action[k] = v
				}
			}
			found = append(found, action)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no element with action_id %q and value %q", actionID, value)
	case 1:
		return found[0], nil
	default:
		return nil, fmt.Errorf("%d elements with action_id %q and value %q: give the value", len(found), actionID, value)
	}
}

func (s *Server) newTriggerLocked() string {
	id := fmt.Sprintf("%d.%d.%s", s.nextID(), s.opts.Now().Unix(), slackRandomHex(8))
	s.triggers[id] = time.Now()
	return id
}

func (s *Server) newResponseURLLocked(target slackResponseTarget) string {
	id := slackRandomHex(12)
	s.replies[id] = target
	return s.baseURL + "/response/" + id
}

func slackRandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// slackUUID is a random version 4 UUID, the shape of Slack's envelope ids.
func slackUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// mustMarshalSlack encodes frames built from maps of strings, numbers and raw
// JSON, which cannot fail to encode.
func mustMarshalSlack(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Appendf(nil, `{"type":"error","error":%q}`, err.Error())
	}
	return data
}
