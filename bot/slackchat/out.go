package slackchat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
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

// channelPace is one channel's posting pace, in wall-clock time like
// Slack's. blockedUntil is set from a 429's Retry-After so that every post
// to the channel waits it out, not only the one that was refused.
type channelPace struct {
	limiter      *rate.Limiter
	blockedUntil time.Time
}

func (c *Client) pace(channel string) *channelPace {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.channels[channel]
	if p == nil {
		p = &channelPace{limiter: rate.NewLimiter(rate.Every(c.opts.PostInterval), c.opts.PostBurst)}
		c.channels[channel] = p
	}
	return p
}

// tier3Methods are the Web API methods Slack limits workspace-wide at
// Tier 3 ("50+ per minute" per method); each has its own pace, kept under
// the "method:" prefix next to the channels'.
var tier3Methods = map[string]bool{"chat.update": true, "reactions.add": true}

// methodPace is a Tier 3 method's workspace-wide pace.
func (c *Client) methodPace(method string) *channelPace {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := "method:" + method
	p := c.channels[key]
	if p == nil {
		p = &channelPace{limiter: rate.NewLimiter(rate.Limit(float64(c.opts.EditsPerMinute)/60), c.opts.EditBurst)}
		c.channels[key] = p
	}
	return p
}

// waitTurn blocks until channel may take one more post.
func (c *Client) waitTurn(ctx context.Context, channel string) error {
	return c.waitPace(ctx, c.pace(channel))
}

// hasRoom reports whether p allows one more call right now, and takes it.
func (c *Client) hasRoom(p *channelPace) bool {
	c.mu.Lock()
	blocked := p.blockedUntil.After(time.Now())
	c.mu.Unlock()
	return !blocked && p.limiter.Allow()
}

func (c *Client) waitPace(ctx context.Context, p *channelPace) error {
	c.mu.Lock()
	until := p.blockedUntil
	c.mu.Unlock()
	if d := time.Until(until); d > 0 {
		if err := chat.Sleep(ctx, d); err != nil {
			return err
		}
	}
	return p.limiter.Wait(ctx)
}

func (c *Client) block(channel string, d time.Duration) { c.blockPace(c.pace(channel), d) }

func (c *Client) blockPace(p *channelPace, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until := time.Now().Add(d); until.After(p.blockedUntil) {
		p.blockedUntil = until
	}
}

// maxRateLimited bounds the 429s one call waits out. A 429 is Slack
// saying when to come back, not a failure: replicas that post in one
// channel each pace themselves and meet its limit together, so a call may
// be refused several times in a row before its turn.
const maxRateLimited = 20

// call runs fn until it succeeds, fails for good, or runs out of attempts
// (SlackAttempts, and up to maxRateLimited more for rate limits).
// A non-empty paced channel makes each attempt wait for the channel's turn.
func (c *Client) call(ctx context.Context, method, paced string, fn func(context.Context) error) error {
	limited := 0
	for attempt := 1; ; attempt++ {
		if paced != "" {
			if err := c.waitTurn(ctx, paced); err != nil {
				return &CallError{Method: method, Err: fmt.Errorf("waiting for the channel's pace: %w", err)}
			}
		}
		if tier3Methods[method] {
			if err := c.waitPace(ctx, c.methodPace(method)); err != nil {
				return &CallError{Method: method, Err: fmt.Errorf("waiting for the method's pace: %w", err)}
			}
		}
		cctx, cancel := context.WithTimeout(ctx, c.opts.SlackTimeout)
		err := fn(cctx)
		cancel()
		if err == nil {
			return nil
		}
		wait, reason := retryable(ctx, err, attempt)
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			c.m.slackRateLimits.WithLabelValues(method).Inc()
			if paced != "" {
				c.block(paced, wait)
			}
			if tier3Methods[method] {
				c.blockPace(c.methodPace(method), wait)
			}
			limited++
		}
		if reason == "" || attempt-min(limited, maxRateLimited) >= c.opts.SlackAttempts {
			return &CallError{Method: method, Attempt: attempt, Err: err}
		}
		c.m.slackRetries.WithLabelValues(method, reason).Inc()
		c.log.Debug("retrying Slack call", "method", method, "attempt", attempt, "wait", wait, "error", err)
		if err := chat.Sleep(ctx, wait); err != nil {
			return &CallError{Method: method, Err: fmt.Errorf("waiting to retry: %w", err)}
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

func msgOptions(m blocks.Message) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	if m.Metadata != nil {
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{EventType: m.Metadata.EventType, EventPayload: m.Metadata.Payload}))
	}
	return opts
}

// Post sends m to the channel of at, as a reply in the thread at.TS when it
// is set, and returns the new message's ts.
func (c *Client) Post(ctx context.Context, at chat.Ref, m blocks.Message) (string, error) {
	return c.post(ctx, at, m, false)
}

// post sends m; later says it is a backlog post, which waits for a slot
// of the channel's pace no replica claimed, where any other post claims
// its slot as it goes.
func (c *Client) post(ctx context.Context, at chat.Ref, m blocks.Message, later bool) (string, error) {
	opts := msgOptions(m)
	if at.TS != "" {
		opts = append(opts, slack.MsgOptionTS(at.TS))
	}
	var ts string
	err := c.call(ctx, "chat.postMessage", at.Channel, func(ctx context.Context) error {
		if err := c.claimSlot(ctx, at.Channel, later); err != nil {
			return err
		}
		var err error
		_, ts, err = c.api.PostMessageContext(ctx, at.Channel, opts...)
		return err
	})
	return ts, err
}

// claimSlot claims, across replicas (Options.Envelopes), the channel's
// posting slot of now: slots are PostInterval long, so replicas that each
// pace themselves do not post a backlog together faster than Slack takes
// it, and a post that cannot wait keeps its slot free of backlog. A
// backlog post (wait) sleeps until it wins a slot; any other post claims
// the slot if it is free and goes either way. A store that does not answer
// claims nothing: each replica's own pace still holds.
func (c *Client) claimSlot(ctx context.Context, channel string, wait bool) error {
	if c.opts.Envelopes == nil {
		return nil
	}
	step := int64(c.opts.PostInterval)
	for {
		slot := time.Now().UnixNano() / step
		won, err := c.opts.Envelopes.ClaimEnvelope(ctx, fmt.Sprintf("post-slot-%s-%d", channel, slot), 2*c.opts.PostInterval)
		if err != nil || won || !wait {
			return nil
		}
		if err := chat.Sleep(ctx, time.Until(time.Unix(0, (slot+1)*step))); err != nil {
			return err
		}
	}
}

// PostLater posts m like Post, behind what the channel has to say now: at
// most one such post of this client waits for the channel's pace at a
// time, and, across replicas, only in a slot of the pace that no other
// post claimed, so that a post that cannot wait (a storm digest, a
// placeholder, an answer) goes out ahead of a backlog of them instead of
// behind it. Rate limits are waited out for as long as ctx allows.
func (c *Client) PostLater(ctx context.Context, at chat.Ref, m blocks.Message) (string, error) {
	c.mu.Lock()
	lane := c.lanes[at.Channel]
	if lane == nil {
		lane = make(chan struct{}, 1)
		c.lanes[at.Channel] = lane
	}
	c.mu.Unlock()
	select {
	case lane <- struct{}{}:
	case <-ctx.Done():
		return "", &CallError{Method: "chat.postMessage", Err: fmt.Errorf("waiting behind the channel's other posts: %w", ctx.Err())}
	}
	defer func() { <-lane }()
	for {
		ts, err := c.post(ctx, at, m, true)
		var rl *slack.RateLimitedError
		if err == nil || !errors.As(err, &rl) || ctx.Err() != nil {
			return ts, err
		}
		// Another replica posting in the channel is no reason for a
		// backlog to give up: it waits out rate limits until ctx ends.
	}
}

// ErrChannelBusy says PostIfIdle did not try: the channel's pace has no
// room now.
var ErrChannelBusy = errors.New("channel pace has no room now")

// PostIfIdle posts m in the thread only if the channel's pace has room
// right now, in one attempt: for messages that can wait (re-fire notes) and
// must not delay those that cannot (placeholders). It returns
// ErrChannelBusy when it did not try.
func (c *Client) PostIfIdle(ctx context.Context, thread chat.Ref, m blocks.Message) (string, error) {
	if !c.hasRoom(c.pace(thread.Channel)) {
		return "", ErrChannelBusy
	}
	opts := append(msgOptions(m), slack.MsgOptionTS(thread.TS))
	cctx, cancel := context.WithTimeout(ctx, c.opts.SlackTimeout)
	defer cancel()
	_, ts, err := c.api.PostMessageContext(cctx, thread.Channel, opts...)
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		c.m.slackRateLimits.WithLabelValues("chat.postMessage").Inc()
		c.block(thread.Channel, max(rl.RetryAfter, retryBackoff))
	}
	if err != nil {
		return "", &CallError{Method: "chat.postMessage", Err: err}
	}
	return ts, nil
}

// Update replaces the message msg. chat.update is not paced per channel
// but workspace-wide (Tier 3): Update waits for its turn.
func (c *Client) Update(ctx context.Context, msg chat.Ref, m blocks.Message) error {
	opts := msgOptions(m)
	return c.call(ctx, "chat.update", "", func(ctx context.Context) error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, msg.Channel, msg.TS, opts...)
		return err
	})
}

// EditRoom reports whether chat.update has room in the workspace's Tier 3
// pace right now, without spending it: a caller with a post to make
// instead (a report that would replace its placeholder) can choose the
// channel's pace over waiting for the workspace's.
func (c *Client) EditRoom() bool {
	p := c.methodPace("chat.update")
	c.mu.Lock()
	blocked := p.blockedUntil.After(time.Now())
	c.mu.Unlock()
	return !blocked && p.limiter.Tokens() >= 1
}

// ErrEditBudget says UpdateOnce did not try: the workspace's chat.update
// pace has no room now.
var ErrEditBudget = chat.ErrEditBudget

// UpdateOnce tries a single chat.update with no retry, and only when the
// workspace's Tier 3 pace has room now (else ErrEditBudget): for progress,
// which the next update or the report supersedes anyway, and which must
// not spend the edits reports need.
func (c *Client) UpdateOnce(ctx context.Context, msg chat.Ref, m blocks.Message) error {
	p := c.methodPace("chat.update")
	if !c.hasRoom(p) {
		return ErrEditBudget
	}
	cctx, cancel := context.WithTimeout(ctx, c.opts.SlackTimeout)
	defer cancel()
	_, _, _, err := c.api.UpdateMessageContext(cctx, msg.Channel, msg.TS, msgOptions(m)...)
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		c.m.slackRateLimits.WithLabelValues("chat.update").Inc()
		c.blockPace(p, max(rl.RetryAfter, retryBackoff))
	}
	if err != nil {
		return &CallError{Method: "chat.update", Attempt: 1, Err: err}
	}
	return nil
}

// Ephemeral shows m to user only, in the channel of at, under the thread
// at.TS when it is set.
func (c *Client) Ephemeral(ctx context.Context, at chat.Ref, user string, m blocks.Message) error {
	opts := msgOptions(m)
	if at.TS != "" {
		opts = append(opts, slack.MsgOptionTS(at.TS))
	}
	return c.call(ctx, "chat.postEphemeral", "", func(ctx context.Context) error {
		_, err := c.api.PostEphemeralContext(ctx, at.Channel, user, opts...)
		return err
	})
}

// React adds an emoji to a message; one that is already there is fine.
func (c *Client) React(ctx context.Context, msg chat.Ref, name string) error {
	err := c.call(ctx, "reactions.add", "", func(ctx context.Context) error {
		return c.api.AddReactionContext(ctx, name, slack.NewRefToMessage(msg.Channel, msg.TS))
	})
	var slackErr slack.SlackErrorResponse
	if errors.As(err, &slackErr) && slackErr.Err == "already_reacted" {
		return nil
	}
	return err
}

// maxReplyPages bounds the conversations.replies pages read for one thread.
const maxReplyPages = 5

// Replies returns the messages of thread: the root first, then its
// replies, at most maxReplyPages pages of them.
func (c *Client) Replies(ctx context.Context, thread chat.Ref) ([]chat.Posted, error) {
	var all []chat.Posted
	cursor := ""
	for range maxReplyPages {
		var page []slack.Message
		var more bool
		var next string
		err := c.call(ctx, "conversations.replies", "", func(ctx context.Context) error {
			var err error
			page, more, next, err = c.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: thread.Channel, Timestamp: thread.TS, Cursor: cursor, Limit: 200,
				IncludeAllMetadata: true,
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			all = append(all, posted(c, m))
		}
		if !more || next == "" {
			break
		}
		cursor = next
	}
	return all, nil
}

// maxHistoryPages bounds the conversations.history pages of one Recent.
const maxHistoryPages = 5

// Recent returns the channel's root messages since since, newest first,
// their metadata included, at most maxHistoryPages pages of them.
func (c *Client) Recent(ctx context.Context, channel string, since time.Time) ([]chat.Posted, error) {
	api, ok := c.api.(HistoryAPI)
	if !ok {
		return nil, errors.New("the Slack client cannot read history")
	}
	var all []chat.Posted
	cursor := ""
	for range maxHistoryPages {
		var resp *slack.GetConversationHistoryResponse
		err := c.call(ctx, "conversations.history", "", func(ctx context.Context) error {
			var err error
			resp, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: channel, Cursor: cursor, Limit: 200, IncludeAllMetadata: true,
				Oldest: fmt.Sprintf("%d.000000", since.Unix()),
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, m := range resp.Messages {
			all = append(all, posted(c, m))
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			break
		}
		cursor = resp.ResponseMetaData.NextCursor
	}
	return all, nil
}

// HistoryAPI reads a channel's history. *slack.Client satisfies it.
type HistoryAPI interface {
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
}

// posted is m as the bot reads it back.
func posted(c *Client, m slack.Message) chat.Posted {
	p := chat.Posted{TS: m.Timestamp, Own: c.isOwn(m.User, m.BotID),
		EventType: m.Metadata.EventType, Payload: m.Metadata.EventPayload}
	for _, blk := range m.Blocks.BlockSet {
		p.BlockIDs = append(p.BlockIDs, blk.ID())
	}
	return p
}
