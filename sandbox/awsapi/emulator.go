package awsapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/investigation/record"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// Emulator is one http.Handler serving every AWS API Trailhound reads, from a
// scenario. Requests are routed by the service named in their SigV4 credential
// scope, which every SDK client signs with, so one endpoint serves them all.
type Emulator struct {
	sc *scenario.Scenario

	mu       sync.Mutex
	services map[string]http.Handler // SigV4 signing name → handler
	// ctl holds the knobs and counters every account's world shares.
	ctl   *control
	org   *organization
	state *awsState
	// queueConfigs are the attributes topology.json records per queue name.
	queueConfigs map[string]map[string]string
}

// Fault is what the sandbox does to an operation instead of (or before) answering.
type Fault struct {
	Latency   time.Duration // added before answering
	ErrorCode string        // answer with this AWS error code, e.g. "AccessDeniedException"
	Status    int           // HTTP status of the error answer; 400 when zero
	Timeout   bool          // hold the request until the client gives up
	Throttle  bool          // enforce the operation's real rate limit, answering ThrottlingException above it
}

// control is the faults, latency, throttling and counters of a sandbox,
// shared by the worlds of its accounts.
type control struct {
	mu       sync.Mutex
	faults   map[string]Fault // "service:Operation" → fault
	calls    map[string]int   // "service:Operation" → requests seen
	limited  map[string]int   // "service:Operation" → requests refused for their rate
	latency  time.Duration    // added to every request
	throttle bool             // enforce every operation's real rate limit
	record   bool             // keep every request in requests
	requests []Request
}

// New serves sc. Scenario data is read once here. A scenario of several
// accounts gets one world per account, each holding only that account's
// data; requests reach the world of the account their credentials belong to.
func New(sc *scenario.Scenario) (*Emulator, error) {
	events, rejected, err := record.ReadDir(sc.TrailIn)
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Dir, err)
	}
	ctl := &control{faults: map[string]Fault{}, calls: map[string]int{}}
	org := newOrganization(sc)
	if !org.multi() {
		w, err := newWorld(sc, ctl, org, &trailState{index: record.NewIndex(events), rejected: rejected})
		if err != nil {
			return nil, err
		}
		org.worlds[org.home] = w
		return w, nil
	}
	for _, id := range org.ids {
		view, err := org.view(sc, id)
		if err != nil {
			return nil, err
		}
		w, err := newWorld(view, ctl, org, &trailState{index: record.NewIndex(org.eventsOf(events, id)), rejected: rejected})
		if err != nil {
			return nil, err
		}
		org.worlds[id] = w
	}
	return org.worlds[org.home], nil
}

// newWorld is the emulator of one account's view of a scenario.
func newWorld(sc *scenario.Scenario, ctl *control, org *organization, trail *trailState) (*Emulator, error) {
	a := &Emulator{
		sc:       sc,
		services: map[string]http.Handler{},
		ctl:      ctl,
		org:      org,
	}
	st, err := newAWSState(sc, trail)
	if err != nil {
		return nil, err
	}
	a.state = st
	a.queueConfigs = sqsQueueConfigs(sc)
	for name := range a.queueConfigs {
		st.sqs.create(name)
	}
	a.mountJSONServices()
	a.mountMonitoringServices()
	a.mountInventoryServices()
	return a, nil
}

// SetLatency adds d to every request, to reproduce a real network.
func (a *Emulator) SetLatency(d time.Duration) {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	a.ctl.latency = d
}

// SetThrottle turns on (or off) the real rate limit of every operation, as
// Fault.Throttle does for one: LookupEvents then answers ThrottlingException
// above 2 requests per second per account and region.
func (a *Emulator) SetThrottle(on bool) {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	a.ctl.throttle = on
}

// SetFault installs f for op ("cloudtrail:LookupEvents"); a zero Fault removes it.
func (a *Emulator) SetFault(op string, f Fault) {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	if f == (Fault{}) {
		delete(a.ctl.faults, op)
		return
	}
	a.ctl.faults[op] = f
}

// Throttled returns how many requests of each operation were refused for
// their rate (ThrottlingException).
func (a *Emulator) Throttled() map[string]int {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	out := make(map[string]int, len(a.ctl.limited))
	for k, v := range a.ctl.limited {
		out[k] = v
	}
	return out
}

// Calls returns how many requests each operation received.
func (a *Emulator) Calls() map[string]int {
	a.ctl.mu.Lock()
	defer a.ctl.mu.Unlock()
	out := make(map[string]int, len(a.ctl.calls))
	for k, v := range a.ctl.calls {
		out[k] = v
	}
	return out
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// ServeHTTP routes the request to the service its signature names.
func (a *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(context.WithValue(r.Context(), arrivalKey{}, time.Now()))
	service := signingService(r)
	if h := a.org.handler(service); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	world, r := a.org.worldOf(a, r)
	world.mu.Lock()
	h, ok := world.services[service]
	world.mu.Unlock()
	if !ok {
		http.Error(w, "sandbox: no service "+service, http.StatusNotFound)
		return
	}
	h.ServeHTTP(w, r)
}

// arrivalKey holds when a request reached the sandbox: rate limits count
// arrivals, before any time spent reading or answering.
type arrivalKey struct{}

func arrival(r *http.Request) time.Time {
	if t, ok := r.Context().Value(arrivalKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

func signingService(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[2]
	}
	// Unsigned requests (anonymous credentials) fall back to the target prefix.
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return strings.ToLower(strings.SplitN(t, "_", 2)[0])
	}
	return ""
}

// requestRegion is the region the request was signed for: the region a real
// endpoint would serve. Unsigned requests get the scenario's region.
func (a *Emulator) requestRegion(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	return a.sc.Meta.Region
}

// begin counts a request to op and applies its fault and the global latency.
// It returns false when the fault already answered the request.
// errorWriter writes an AWS error in the protocol of the calling service.
func (a *Emulator) begin(w http.ResponseWriter, r *http.Request, op string, errorWriter func(w http.ResponseWriter, status int, code, msg string)) bool {
	// The server notices a client hanging up only once the request body is
	// read, so read it now: a held or delayed request then ends with its client.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		errorWriter(w, http.StatusBadRequest, "SerializationException", "read request body: "+err.Error())
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	c := a.ctl
	c.mu.Lock()
	c.calls[op]++
	f := c.faults[op]
	delay := c.latency + f.Latency
	throttle := f.Throttle || c.throttle
	recorded := -1
	if c.record {
		recorded = len(c.requests)
		c.requests = append(c.requests, a.requestOf(r, op, body))
	}
	c.mu.Unlock()
	refuse := func(status int, code, msg string) {
		if recorded >= 0 {
			c.mu.Lock()
			c.requests[recorded].Refused = code
			c.mu.Unlock()
		}
		errorWriter(w, status, code, msg)
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		}
	}
	switch authErr := authError(r); {
	case authErr != nil:
		refuse(authErr.status, authErr.code, authErr.msg)
		return false
	case f.Timeout:
		// Hold the request until the client gives up, as a black-holed endpoint would.
		<-r.Context().Done()
		return false
	case f.ErrorCode != "":
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		refuse(status, f.ErrorCode, "sandbox fault injected for "+op)
		return false
	case throttle && !a.state.allow(op, a.sc.Meta.Account, a.requestRegion(r), arrival(r)):
		c.mu.Lock()
		if c.limited == nil {
			c.limited = map[string]int{}
		}
		c.limited[op]++
		c.mu.Unlock()
		refuse(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
		return false
	}
	return true
}

// Options are the knobs of a served sandbox, as the command-line flags set them.
type Options struct {
	Addr       string        // listen address; "127.0.0.1:0" (any free loopback port) when empty
	Latency    time.Duration // added to every request
	Throttle   bool          // enforce the real rate limits (LookupEvents: 2 TPS)
	QueryDelay time.Duration // how long a Logs Insights query runs before it completes
}

// Server is a sandbox listening on a real socket, for clients configured with
// AWS_ENDPOINT_URL or BaseEndpoint.
type Server struct {
	aws    *Emulator
	srv    *http.Server
	url    string
	cancel context.CancelFunc // ends the requests in flight (long polls, held timeouts)
	served chan struct{}      // closed when Serve returned
	once   sync.Once
	err    error
}

// Start serves sc on opts.Addr until ctx is done or Close is called.
func Start(ctx context.Context, sc *scenario.Scenario, opts Options) (*Server, error) {
	a, err := New(sc)
	if err != nil {
		return nil, err
	}
	a.SetLatency(opts.Latency)
	a.SetThrottle(opts.Throttle)
	a.SetQueryDelay(opts.QueryDelay)
	return a.Serve(ctx, opts.Addr)
}

// Serve listens on addr ("127.0.0.1:0" when empty) and serves a until ctx is
// done or the returned Server is closed.
func (a *Emulator) Serve(ctx context.Context, addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	// Requests derive from base, so closing the server also releases the
	// handlers that wait on their request's context.
	base, cancel := context.WithCancel(context.Background())
	s := &Server{
		aws:    a,
		url:    "http://" + ln.Addr().String(),
		cancel: cancel,
		served: make(chan struct{}),
		srv: &http.Server{
			Handler:           a,
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return base },
		},
	}
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.err = fmt.Errorf("sandbox: serve %s: %w", s.url, err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.served:
		}
	}()
	return s, nil
}

// URL is the endpoint clients use, e.g. "http://127.0.0.1:4566".
func (s *Server) URL() string { return s.url }

// Emulator is the handler behind the server, for faults, latency and call counts.
func (s *Server) Emulator() *Emulator { return s.aws }

// Close stops the server and ends the requests in flight. It returns the error
// that stopped serving, if any.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
		<-s.served
	})
	return s.err
}
