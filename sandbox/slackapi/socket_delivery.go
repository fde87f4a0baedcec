package slackapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

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
