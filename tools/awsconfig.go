package tools

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
)

// AWSOptions complete what the environment says about AWS. The standard chain
// applies first (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE>, web identity, instance roles…); these fill gaps
// or, for Endpoint, override it.
type AWSOptions struct {
	// Region is used when the environment names none.
	Region string
	// Endpoint, when set, is the base endpoint of every service, e.g. a
	// sandbox at "http://127.0.0.1:4566".
	Endpoint string
	// Credentials replace the standard chain when set (static keys for a sandbox).
	Credentials aws.CredentialsProvider
	// AttemptTimeout bounds each HTTP attempt, so a black-holed request is
	// retried instead of eating the caller's whole deadline. Default 15 s.
	AttemptTimeout time.Duration
	// MaxAttempts bounds the SDK's retries of throttling and transient
	// errors, first attempt included. Default 3 (the SDK's), or AWS_MAX_ATTEMPTS.
	MaxAttempts int
	// MaxBackoff caps the wait between two attempts. Default 5 s: a triage
	// has seconds to spend, not the SDK's default 20.
	MaxBackoff time.Duration
}

// Defaults of AWSOptions.
const (
	DefaultAttemptTimeout = 15 * time.Second
	DefaultMaxBackoff     = 5 * time.Second
)

// LoadAWSConfig loads the SDK configuration through the standard chain and
// installs what every Trailhound client needs: per-attempt timeouts, bounded
// retries and the per-request call counting of CallCounter.
func LoadAWSConfig(ctx context.Context, o AWSOptions) (aws.Config, error) {
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttemptTimeout
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	opts := []func(*config.LoadOptions) error{
		// A buildable client, so the chain can install AWS_CA_BUNDLE in it.
		config.WithHTTPClient(awshttp.NewBuildableClient()),
		// The standard retryer (throttling and transient errors, with
		// jittered backoff and a retry quota), its backoff capped.
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxBackoff = o.MaxBackoff
				if o.MaxAttempts > 0 {
					so.MaxAttempts = o.MaxAttempts
				}
			})
		}),
	}
	if o.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(o.Endpoint))
	}
	if o.Credentials != nil {
		opts = append(opts, config.WithCredentialsProvider(o.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = o.Region
	}
	transport := http.DefaultTransport
	if b, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok {
		transport = b.GetTransport()
	}
	cfg.HTTPClient = newHTTPClient(transport, o.AttemptTimeout)
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("load AWS configuration: no region: set AWS_REGION or the configured region")
	}
	cfg.APIOptions = append(cfg.APIOptions, addCallCounting)
	return cfg, nil
}

// newHTTPClient is transport (the SDK's, as the chain configured it) with a
// per-attempt timeout, not following redirects (as the SDK's own client),
// and with request bodies that keep connections alive (see keepAliveBodies).
func newHTTPClient(transport http.RoundTripper, attemptTimeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       attemptTimeout,
		Transport:     keepAliveBodies{next: transport},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// withAttemptTimeout returns the client of a loaded configuration with
// another per-attempt timeout, sharing its transport and connections.
func withAttemptTimeout(c aws.HTTPClient, d time.Duration) aws.HTTPClient {
	switch hc := c.(type) {
	case *http.Client:
		cp := *hc
		cp.Timeout = d
		return &cp
	case *awshttp.BuildableClient:
		return hc.WithTimeout(d)
	}
	return c
}

// keepAliveBodies hides the WriteTo method of request bodies. The SDK wraps
// each body in a reader it closes as soon as the response headers arrive, and
// whose WriteTo then answers io.EOF as an error. net/http, having written the
// body straight to the socket, checks for leftover bytes with WriteTo after
// the server may already have answered; it takes that io.EOF for a failed
// body and closes the connection under the response being read ("use of
// closed network connection"), which the SDK then retries. Without WriteTo
// the check uses Read, whose io.EOF is the normal end of a body.
type keepAliveBodies struct{ next http.RoundTripper }

func (k keepAliveBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = readOnlyBody{req.Body}
	}
	return k.next.RoundTrip(req)
}

type readOnlyBody struct{ io.ReadCloser }

// CallCounter counts the HTTP requests AWS clients send, retries included,
// per "service:Operation", and optionally caps them. Put one in the context
// of a triage with WithCallCounter: the counts become the report's
// stats.api_calls and the caps its call budget.
type CallCounter struct {
	mu     sync.Mutex
	counts map[string]int
	limits map[string]int
}

// NewCallCounter returns a counter; limits caps operations ("cloudtrail:LookupEvents": 60).
func NewCallCounter(limits map[string]int) *CallCounter {
	l := make(map[string]int, len(limits))
	for k, v := range limits {
		l[k] = v
	}
	return &CallCounter{counts: map[string]int{}, limits: l}
}

// Counts returns a copy of the requests counted so far.
func (c *CallCounter) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.counts))
	for k, v := range c.counts {
		out[k] = v
	}
	return out
}

// Remaining is how many more requests op may send under its cap; -1 means uncapped.
func (c *CallCounter) Remaining(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	limit, ok := c.limits[op]
	if !ok {
		return -1
	}
	return max(limit-c.counts[op], 0)
}

func (c *CallCounter) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[op]++
}

type callCountersKey struct{}

// WithCallCounter returns a context whose AWS requests are also counted by c.
// Counters nest: a request counts in every counter of its context.
func WithCallCounter(ctx context.Context, c *CallCounter) context.Context {
	prev, _ := ctx.Value(callCountersKey{}).([]*CallCounter)
	next := make([]*CallCounter, 0, len(prev)+1)
	next = append(next, prev...)
	next = append(next, c)
	return context.WithValue(ctx, callCountersKey{}, next)
}

// CallCounterFrom returns the innermost counter of ctx, or nil.
func CallCounterFrom(ctx context.Context) *CallCounter {
	cs, _ := ctx.Value(callCountersKey{}).([]*CallCounter)
	if len(cs) == 0 {
		return nil
	}
	return cs[len(cs)-1]
}

// callCounting counts each request as it leaves, after the retry loop and
// the signer, so every attempt counts once.
type callCounting struct{}

func (callCounting) ID() string { return "TrailhoundCallCounting" }

func (callCounting) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	if cs, _ := ctx.Value(callCountersKey{}).([]*CallCounter); len(cs) > 0 {
		op := OperationKey(middleware.GetServiceID(ctx), middleware.GetOperationName(ctx))
		for _, c := range cs {
			c.add(op)
		}
	}
	return next.HandleFinalize(ctx, in)
}

func addCallCounting(stack *middleware.Stack) error {
	return stack.Finalize.Add(callCounting{}, middleware.After)
}

// regionalClients builds one client per region from a shared configuration,
// on first use.
type regionalClients[C any] struct {
	cfg   aws.Config
	build func(cfg aws.Config, region string) C
	mu    sync.Mutex
	byReg map[string]C
}

func newRegionalClients[C any](cfg aws.Config, build func(cfg aws.Config, region string) C) *regionalClients[C] {
	return &regionalClients[C]{cfg: cfg, build: build, byReg: map[string]C{}}
}

// get returns the client of region; "" is the configuration's region.
func (r *regionalClients[C]) get(region string) (C, string) {
	if region == "" {
		region = r.cfg.Region
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.byReg[region]
	if !ok {
		c = r.build(r.cfg, region)
		r.byReg[region] = c
	}
	return c, region
}
