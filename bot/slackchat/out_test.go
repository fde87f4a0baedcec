package slackchat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestRetryable(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(live)
	cancel()
	cases := []struct {
		name   string
		ctx    context.Context
		err    error
		reason string
		wait   time.Duration
	}{
		{"429", live, &slack.RateLimitedError{RetryAfter: 3 * time.Second}, "ratelimited", 3 * time.Second},
		{"429 without a wait", live, &slack.RateLimitedError{}, "ratelimited", retryBackoff},
		{"internal error", live, slack.SlackErrorResponse{Err: "internal_error"}, "transient", retryBackoff},
		{"5xx", live, slack.StatusCodeError{Code: 503}, "transient", retryBackoff},
		{"attempt timed out", live, fmt.Errorf("post: %w", context.DeadlineExceeded), "transient", retryBackoff},
		{"network", live, &net.OpError{Op: "dial", Err: errors.New("refused")}, "transient", retryBackoff},
		{"channel not found", live, slack.SlackErrorResponse{Err: "channel_not_found"}, "", 0},
		{"invalid blocks", live, slack.SlackErrorResponse{Err: "invalid_blocks"}, "", 0},
		{"caller gave up", done, &slack.RateLimitedError{RetryAfter: time.Second}, "", 0},
	}
	for _, c := range cases {
		wait, reason := retryable(c.ctx, c.err, 1)
		if reason != c.reason || wait != c.wait {
			t.Errorf("%s: got %s %q, want %s %q", c.name, wait, reason, c.wait, c.reason)
		}
	}
	if wait, _ := retryable(live, slack.SlackErrorResponse{Err: "fatal_error"}, 3); wait != 4*retryBackoff {
		t.Errorf("third attempt waits %s, want %s", wait, 4*retryBackoff)
	}
}
