package slackapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server is an emulated Slack workspace: the Web API subset Trailhound uses and
// the Socket Mode WebSocket, both speaking the real wire protocols, so the
// unmodified slack-go client runs against it. It is an http.Handler; Start
// serves it on a socket. Close stops every goroutine it started.
type Server struct {
	opts     Options
	users    map[string]User
	channels []Channel

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // nudges the redelivery loop

	mu       sync.Mutex
	closed   bool
	changed  chan struct{} // closed and replaced on every state change
	srv      *http.Server
	baseURL  string
	lastTS   int64 // microseconds of the last ts handed out
	seq      int   // numbers events, triggers, views and block ids
	calls    []Call
	state    map[string]*slackChannelState
	faults   map[string][]slackFault
	latency  map[string]time.Duration
	pace     Pace
	tiers    map[string]*tierBucket // Tier 3 methods' buckets
	triggers map[string]time.Time
	replies  map[string]slackResponseTarget // response_url id → where answers go
	uploads  map[string]*slackUpload        // file id → a file uploaded or awaited
	homes    map[string]json.RawMessage     // user → the App Home view published for them

	socket slackSocket
}

type slackChannelState struct {
	messages   []*Message // every message and reply, in ts order
	byTS       map[string]*Message
	ephemerals []Message
	tokens     float64
	refilled   time.Time
}

type slackFault struct {
	code       string        // the ok:false error, when not a 429
	retryAfter time.Duration // set for a forced 429
}

// slackResponseTarget is where a response_url posts: the channel of the
// command or interaction, and the message an interaction came from.
type slackResponseTarget struct {
	channel   string
	user      string
	messageTS string
}

// New builds the workspace described by opts.
func New(opts Options) *Server {
	opts = slackDefaults(opts)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:     opts,
		users:    map[string]User{},
		channels: slices.Clone(opts.Channels),
		ctx:      ctx,
		cancel:   cancel,
		wake:     make(chan struct{}, 1),
		changed:  make(chan struct{}),
		state:    map[string]*slackChannelState{},
		faults:   map[string][]slackFault{},
		latency:  map[string]time.Duration{},
		pace:     opts.Pace,
		tiers:    map[string]*tierBucket{},
		triggers: map[string]time.Time{},
		replies:  map[string]slackResponseTarget{},
		socket:   newSlackSocket(),
	}
	for _, u := range opts.Users {
		s.users[u.ID] = u
	}
	s.users[opts.BotUserID] = User{ID: opts.BotUserID, Name: opts.BotName, RealName: opts.BotName, IsBot: true}
	for _, c := range s.channels {
		s.state[c.ID] = &slackChannelState{byTS: map[string]*Message{}}
	}
	s.wg.Add(1)
	go s.redeliveryLoop()
	return s
}

func slackDefaults(o Options) Options {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.TeamID, "T0SANDBOX")
	def(&o.TeamName, "Sandbox")
	def(&o.TeamDomain, "sandbox")
	def(&o.AppID, "A0SANDBOX")
	def(&o.BotUserID, "U0BOT")
	def(&o.BotName, "trailhound")
	def(&o.BotID, "B0BOT")
	def(&o.BotToken, "xoxb-sandbox")
	def(&o.AppToken, "xapp-sandbox")
	def(&o.Command, "/trailhound")
	if o.Users == nil {
		o.Users = []User{{ID: "U0ONCALL", Name: "oncall", RealName: "On Call", Location: time.UTC}}
	}
	if o.Channels == nil {
		o.Channels = []Channel{{ID: "C0ALERTS", Name: "alerts"}}
	}
	if o.Pace.PerSecond <= 0 {
		o.Pace.PerSecond = 1
	}
	if o.Pace.Burst <= 0 {
		o.Pace.Burst = 1
	}
	if o.Tier3.PerMinute <= 0 {
		o.Tier3.PerMinute = Tier3PerMinute
	}
	if o.Tier3.Burst <= 0 {
		o.Tier3.Burst = Tier3Burst
	}
	if o.Socket.PingInterval <= 0 {
		o.Socket.PingInterval = 10 * time.Second
	}
	if o.Socket.AckTimeout <= 0 {
		o.Socket.AckTimeout = 3 * time.Second
	}
	if o.Socket.MaxRetries <= 0 {
		o.Socket.MaxRetries = 3
	}
	if o.Socket.DisconnectGrace <= 0 {
		o.Socket.DisconnectGrace = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Options returns the workspace as configured, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Start serves the workspace on addr ("127.0.0.1:0" when empty) until Close
// and returns its base URL; slack-go wants URL()+"/api/" as its API URL.
func (s *Server) Start(addr string) (string, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sandbox slack: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	s.mu.Lock()
	if s.closed || s.srv != nil {
		s.mu.Unlock()
		_ = ln.Close()
		return "", errors.New("sandbox slack: already started or closed")
	}
	s.srv = srv
	s.baseURL = base
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		// Serve only returns ErrServerClosed once Close has run.
		_ = srv.Serve(ln)
	}()
	return base, nil
}

// URL is the base URL the workspace was started on, or the one its first
// request came in on when it is served by someone else (httptest).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baseURL
}

// Close disconnects every socket, stops the server started by Start and waits
// for every goroutine the workspace started or is serving a request on.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := slices.Clone(s.socket.conns)
	srv := s.srv
	s.notifyLocked()
	s.mu.Unlock()

	s.cancel()
	for _, c := range conns {
		s.dropConn(c)
	}
	if srv != nil {
		_ = srv.Close()
	}
	s.wg.Wait()
}

// ServeHTTP routes the Web API (/api/<method>), the Socket Mode WebSocket
// (/link/) and response_url posts (/response/<id>).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter(r) {
		http.Error(w, "sandbox slack is closed", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	switch {
	case strings.HasPrefix(r.URL.Path, "/api/"):
		s.serveAPI(w, r, strings.TrimPrefix(r.URL.Path, "/api/"))
	case r.URL.Path == "/link" || r.URL.Path == "/link/":
		s.serveSocket(w, r)
	case strings.HasPrefix(r.URL.Path, "/response/"):
		s.serveResponseURL(w, r, strings.TrimPrefix(r.URL.Path, "/response/"))
	case strings.HasPrefix(r.URL.Path, slackUploadPath):
		s.serveUpload(w, r, strings.TrimPrefix(r.URL.Path, slackUploadPath))
	default:
		http.NotFound(w, r)
	}
}

// enter counts a request in the wait group unless the workspace is closed, so
// that Close waits for the handlers still running.
func (s *Server) enter(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.baseURL == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		s.baseURL = scheme + "://" + r.Host
	}
	s.wg.Add(1)
	return true
}

// notifyLocked wakes WaitFor callers; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor returns once cond holds, re-evaluating it after every change of the
// workspace (a call, a message, a connection, an ack), or fails when ctx ends
// or the workspace closes. cond may call any query method.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sandbox slack: waiting for a condition: %w", ctx.Err())
		case <-s.ctx.Done():
			return errors.New("sandbox slack: closed while waiting for a condition")
		}
	}
}

// Calls returns the Web API calls of method in arrival order; "" means all.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			c.Args = cloneValues(c.Args)
			out = append(out, c)
		}
	}
	return out
}

// Messages returns what a member sees in the channel: its top-level messages
// and broadcast replies, oldest first. channel is an ID or a name.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.channelState(channel)
	if st == nil {
		return nil
	}
	var out []Message
	for _, m := range st.messages {
		if !m.Deleted && (!m.IsReply() || m.Broadcast) {
			out = append(out, copyMessage(m))
		}
	}
	return out
}

// Thread returns the thread of ts (a root or any of its replies): the root
// first, then the replies oldest first. Empty when there is no such message.
func (s *Server) Thread(channel, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.channelState(channel)
	if st == nil {
		return nil
	}
	root := st.byTS[ts]
	if root == nil {
		return nil
	}
	if root.IsReply() {
		root = st.byTS[root.ThreadTS]
	}
	out := []Message{copyMessage(root)}
	for _, m := range st.messages {
		if m.IsReply() && m.ThreadTS == root.TS && !m.Deleted {
			out = append(out, copyMessage(m))
		}
	}
	return out
}

// Message returns one message by channel and ts.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.channelState(channel)
	if st == nil || st.byTS[ts] == nil {
		return Message{}, false
	}
	return copyMessage(st.byTS[ts]), true
}

// Ephemerals returns the ephemeral messages shown in channel, oldest first.
func (s *Server) Ephemerals(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.channelState(channel)
	if st == nil {
		return nil
	}
	out := make([]Message, 0, len(st.ephemerals))
	for i := range st.ephemerals {
		out = append(out, copyMessage(&st.ephemerals[i]))
	}
	return out
}

// SetPace changes the chat.postMessage pace from now on.
func (s *Server) SetPace(p Pace) {
	if p.PerSecond <= 0 {
		p.PerSecond = 1
	}
	if p.Burst <= 0 {
		p.Burst = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pace = p
	for _, st := range s.state {
		st.refilled = time.Time{}
	}
}

// RateLimitNext makes the next n calls of method answer HTTP 429 with
// Retry-After (whole seconds, at least 1), whatever the pace.
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	s.queueFaults(method, n, slackFault{retryAfter: max(retryAfter, time.Second)})
}

// FailNext makes the next n calls of method answer ok:false with code
// (e.g. "internal_error", "fatal_error", "channel_not_found").
func (s *Server) FailNext(method string, n int, code string) {
	s.queueFaults(method, n, slackFault{code: code})
}

func (s *Server) queueFaults(method string, n int, f slackFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// SetLatency delays every answer of method by d; method "" sets the delay of
// every method without one of its own.
func (s *Server) SetLatency(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency[method] = d
}

// channelState finds a channel by ID, name or #name; s.mu must be held.
func (s *Server) channelState(channel string) *slackChannelState {
	if c, ok := s.lookupChannel(channel); ok {
		return s.state[c.ID]
	}
	return nil
}

func (s *Server) lookupChannel(channel string) (Channel, bool) {
	name := strings.TrimPrefix(channel, "#")
	for _, c := range s.channels {
		if c.ID == channel || c.Name == name {
			return c, true
		}
	}
	return Channel{}, false
}

// nextTS hands out a message timestamp: the workspace clock in microseconds,
// strictly increasing so that every ts is unique; s.mu must be held.
func (s *Server) nextTS() string {
	micros := s.opts.Now().UnixMicro()
	if micros <= s.lastTS {
		micros = s.lastTS + 1
	}
	s.lastTS = micros
	return fmt.Sprintf("%d.%06d", micros/1_000_000, micros%1_000_000)
}

// nextID numbers the ids the workspace issues; s.mu must be held.
func (s *Server) nextID() int {
	s.seq++
	return s.seq
}

func copyMessage(m *Message) Message {
	c := *m
	c.Blocks = slices.Clone(m.Blocks)
	c.Attachments = slices.Clone(m.Attachments)
	c.Edits = slices.Clone(m.Edits)
	c.Files = slices.Clone(m.Files)
	c.Reactions = make([]Reaction, 0, len(m.Reactions))
	for _, r := range m.Reactions {
		c.Reactions = append(c.Reactions, Reaction{Name: r.Name, Users: slices.Clone(r.Users)})
	}
	return c
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
