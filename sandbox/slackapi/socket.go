package slackapi

import (
	"encoding/json"
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
