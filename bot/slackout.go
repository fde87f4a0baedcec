package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/trailhound/trailhound/blocks"
)

// transientSlackErrors are error codes Slack documents as worth retrying.
var transientSlackErrors = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"ratelimited":         true,
}

// retryBackoff is the first wait before retrying a transient failure; it
// doubles on each attempt.
const retryBackoff = 500 * time.Millisecond

// slackOut makes the bot's Web API calls: chat.postMessage paced per
// channel, and every call retried on rate limits and transient errors a
// bounded number of times.
type slackOut struct {
	api      SlackAPI
	attempts int
	timeout  time.Duration
	interval time.Duration
	burst    int
	m        *metrics
	log      *slog.Logger

	mu       sync.Mutex
	channels map[string]*channelPace
}

// channelPace is one channel's posting pace, in wall-clock time like
// Slack's. blockedUntil is set from a 429's Retry-After so that every post
// to the channel waits it out, not only the one that was refused.
type channelPace struct {
	limiter      *rate.Limiter
	blockedUntil time.Time
}

func (o *slackOut) pace(channel string) *channelPace {
	o.mu.Lock()
	defer o.mu.Unlock()
	p := o.channels[channel]
	if p == nil {
		p = &channelPace{limiter: rate.NewLimiter(rate.Every(o.interval), o.burst)}
		o.channels[channel] = p
	}
	return p
}

// waitTurn blocks until channel may take one more post.
func (o *slackOut) waitTurn(ctx context.Context, channel string) error {
	p := o.pace(channel)
	o.mu.Lock()
	until := p.blockedUntil
	o.mu.Unlock()
	if d := time.Until(until); d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	return p.limiter.Wait(ctx)
}

func (o *slackOut) block(channel string, d time.Duration) {
	p := o.pace(channel)
	o.mu.Lock()
	defer o.mu.Unlock()
	if until := time.Now().Add(d); until.After(p.blockedUntil) {
		p.blockedUntil = until
	}
}

// call runs fn until it succeeds, fails for good, or runs out of attempts.
// A non-empty paced channel makes each attempt wait for the channel's turn.
func (o *slackOut) call(ctx context.Context, method, paced string, fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		if paced != "" {
			if err := o.waitTurn(ctx, paced); err != nil {
				return fmt.Errorf("slack %s: waiting for the channel's pace: %w", method, err)
			}
		}
		cctx, cancel := context.WithTimeout(ctx, o.timeout)
		err := fn(cctx)
		cancel()
		if err == nil {
			return nil
		}
		wait, reason := retryable(ctx, err, attempt)
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			o.m.slackRateLimits.WithLabelValues(method).Inc()
			if paced != "" {
				o.block(paced, wait)
			}
		}
		if reason == "" || attempt >= o.attempts {
			return fmt.Errorf("slack %s (attempt %d): %w", method, attempt, err)
		}
		o.m.slackRetries.WithLabelValues(method, reason).Inc()
		o.log.Debug("retrying Slack call", "method", method, "attempt", attempt, "wait", wait, "error", err)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("slack %s: waiting to retry: %w", method, err)
		}
	}
}

// retryable says whether err is worth another attempt, after how long, and
// why ("" when it is not): Slack's Retry-After for a 429, a doubling backoff
// for transient errors and timeouts of a single attempt.
func retryable(ctx context.Context, err error, attempt int) (time.Duration, string) {
	backoff := retryBackoff << min(attempt-1, 5)
	var rl *slack.RateLimitedError
	var slackErr slack.SlackErrorResponse
	var status slack.StatusCodeError
	var netErr net.Error
	switch {
	case ctx.Err() != nil:
		return 0, ""
	case errors.As(err, &rl):
		return max(rl.RetryAfter, retryBackoff), "ratelimited"
	case errors.As(err, &slackErr):
		if transientSlackErrors[slackErr.Err] {
			return backoff, "transient"
		}
	case errors.As(err, &status):
		if status.Code >= 500 {
			return backoff, "transient"
		}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr):
		return backoff, "transient"
	}
	return 0, ""
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func msgOptions(m blocks.Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// post sends m to channel, as a reply when threadTS is set, and returns its ts.
func (o *slackOut) post(ctx context.Context, channel, threadTS string, m blocks.Message) (string, error) {
	opts := msgOptions(m)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	var ts string
	err := o.call(ctx, "chat.postMessage", channel, func(ctx context.Context) error {
		var err error
		_, ts, err = o.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ts, err
}

// errChannelBusy: the channel's pace has no room now.
var errChannelBusy = errors.New("channel pace has no room now")

// postIfIdle posts m only if the channel's pace has room right now, in one
// attempt: for messages that can wait (re-fire notes) and must not delay
// those that cannot (placeholders). It returns errChannelBusy when it did
// not try.
func (o *slackOut) postIfIdle(ctx context.Context, channel, threadTS string, m blocks.Message) (string, error) {
	p := o.pace(channel)
	o.mu.Lock()
	blocked := p.blockedUntil.After(time.Now())
	o.mu.Unlock()
	if blocked || !p.limiter.Allow() {
		return "", errChannelBusy
	}
	opts := append(msgOptions(m), slack.MsgOptionTS(threadTS))
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	_, ts, err := o.api.PostMessageContext(cctx, channel, opts...)
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		o.m.slackRateLimits.WithLabelValues("chat.postMessage").Inc()
		o.block(channel, max(rl.RetryAfter, retryBackoff))
	}
	if err != nil {
		return "", fmt.Errorf("slack chat.postMessage: %w", err)
	}
	return ts, nil
}

// postText sends a plain mrkdwn line; text must already be escaped.
func (o *slackOut) postText(ctx context.Context, channel, threadTS, text string) (string, error) {
	return o.post(ctx, channel, threadTS, blocks.Message{Text: text})
}

// update replaces the message at ts. chat.update is not paced per channel.
func (o *slackOut) update(ctx context.Context, channel, ts string, m blocks.Message) error {
	opts := msgOptions(m)
	return o.call(ctx, "chat.update", "", func(ctx context.Context) error {
		_, _, _, err := o.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

// updateOnce tries a single chat.update with no retry: for progress, which
// the next update or the report supersedes anyway.
func (o *slackOut) updateOnce(ctx context.Context, channel, ts string, m blocks.Message) error {
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	_, _, _, err := o.api.UpdateMessageContext(cctx, channel, ts, msgOptions(m)...)
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		o.m.slackRateLimits.WithLabelValues("chat.update").Inc()
	}
	return err
}

func (o *slackOut) ephemeral(ctx context.Context, channel, user string, m blocks.Message) error {
	opts := msgOptions(m)
	return o.call(ctx, "chat.postEphemeral", "", func(ctx context.Context) error {
		_, err := o.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// ephemeralInThread shows m to user only, under the thread's root.
func (o *slackOut) ephemeralInThread(ctx context.Context, channel, threadTS, user string, m blocks.Message) error {
	opts := append(msgOptions(m), slack.MsgOptionTS(threadTS))
	return o.call(ctx, "chat.postEphemeral", "", func(ctx context.Context) error {
		_, err := o.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// react adds an emoji to a message; one that is already there is fine.
func (o *slackOut) react(ctx context.Context, channel, ts, name string) error {
	err := o.call(ctx, "reactions.add", "", func(ctx context.Context) error {
		return o.api.AddReactionContext(ctx, name, slack.NewRefToMessage(channel, ts))
	})
	var slackErr slack.SlackErrorResponse
	if errors.As(err, &slackErr) && slackErr.Err == "already_reacted" {
		return nil
	}
	return err
}

// maxReplyPages bounds the conversations.replies pages read for one thread.
const maxReplyPages = 5

// replies returns the thread of ts: the root first, then its replies, at
// most maxReplyPages pages of them.
func (o *slackOut) replies(ctx context.Context, channel, ts string) ([]slack.Message, error) {
	var all []slack.Message
	cursor := ""
	for range maxReplyPages {
		var page []slack.Message
		var more bool
		var next string
		err := o.call(ctx, "conversations.replies", "", func(ctx context.Context) error {
			var err error
			page, more, next, err = o.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: channel, Timestamp: ts, Cursor: cursor, Limit: 200,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if !more || next == "" {
			break
		}
		cursor = next
	}
	return all, nil
}
