package tools

import (
	"context"
	"errors"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
)

// Request observation: every AWS request a client sends, retries included,
// is counted per triage (CallCounter, the report's stats.api_calls and call
// budget) and, in the bot, per process (the trailhound_aws_requests_total
// metric). Both sit in the Finalize step after the SDK's retry loop, so each
// attempt counts once.

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

// RequestMetricName is the counter of AWS requests by operation and outcome.
const RequestMetricName = "trailhound_aws_requests_total"

// requestMetrics registers the request counter on reg, or finds the one a
// previous configuration registered there, so every configuration of a
// process adds to the same series.
func requestMetrics(reg prometheus.Registerer) (*prometheus.CounterVec, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: RequestMetricName,
		Help: "AWS API requests sent, retries included, by operation and outcome.",
	}, []string{"operation", "outcome"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing, nil
			}
		}
		return nil, err
	}
	return c, nil
}

// observeRequests counts every AWS request on c by operation and outcome (ok,
// the error code, or transport_error).
func observeRequests(c *prometheus.CounterVec) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("TrailhoundObserveCalls",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				c.WithLabelValues(awsmiddleware.GetServiceID(ctx)+":"+awsmiddleware.GetOperationName(ctx), requestOutcome(err)).Inc()
				return out, md, err
			}), middleware.After)
	}
}

func requestOutcome(err error) string {
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.ErrorCode()
	case err != nil:
		return "transport_error"
	}
	return "ok"
}
