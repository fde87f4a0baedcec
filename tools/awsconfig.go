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
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/prometheus/client_golang/prometheus"
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
	// Metrics, when set, receives the count of every request by operation
	// and outcome (RequestMetricName), for the bot's /metrics.
	Metrics prometheus.Registerer
}

// Defaults of AWSOptions.
const (
	DefaultAttemptTimeout = 15 * time.Second
	DefaultMaxBackoff     = 5 * time.Second
)

// LoadAWSConfig loads the SDK configuration through the standard chain and
// installs what every Trailhound client needs: per-attempt timeouts, bounded
// retries and request observation (CallCounter, and Metrics when set).
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
	if o.Metrics != nil {
		c, err := requestMetrics(o.Metrics)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		cfg.APIOptions = append(cfg.APIOptions, observeRequests(c))
	}
	return cfg, nil
}

// StaticCredentials are fixed keys, for a sandbox that accepts any.
func StaticCredentials(accessKeyID, secretKey string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(accessKeyID, secretKey, "")
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
