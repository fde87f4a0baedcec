package bot

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// namingChat answers ChannelName; the rest of Chat is not used.
type namingChat struct {
	Chat
	names map[string]string
	err   error
	calls int
}

func (c *namingChat) ChannelName(_ context.Context, id string) (string, error) {
	c.calls++
	if c.err != nil {
		return "", c.err
	}
	return c.names[id], nil
}

func TestChannelNamesAreCached(t *testing.T) {
	now := time.Date(2026, 3, 19, 14, 0, 0, 0, time.UTC)
	chat := &namingChat{names: map[string]string{"C0ALERTS": "alerts"}}
	b := &Bot{chat: chat, names: newChannelNames(), now: func() time.Time { return now }, log: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	for range 3 {
		if got := b.channelName(ctx, "C0ALERTS"); got != "alerts" {
			t.Fatalf("name %q, want alerts", got)
		}
	}
	if chat.calls != 1 {
		t.Errorf("%d conversations.info calls for one channel, want 1", chat.calls)
	}
	now = now.Add(channelNameTTL + time.Second)
	b.channelName(ctx, "C0ALERTS")
	if chat.calls != 2 {
		t.Errorf("a name older than %v was not read again (%d calls)", channelNameTTL, chat.calls)
	}

	// A failed read shows the id (""), is not retried at once, and is after a while.
	chat.err, chat.calls = errors.New("missing_scope"), 0
	for range 3 {
		if got := b.channelName(ctx, "C0OTHER"); got != "" {
			t.Fatalf("name %q from a failed read", got)
		}
	}
	if chat.calls != 1 {
		t.Errorf("%d calls after a failure, want 1 until %v pass", chat.calls, channelNameRetry)
	}
	chat.err = nil
	chat.names["C0OTHER"] = "other"
	now = now.Add(channelNameRetry + time.Second)
	if got := b.channelName(ctx, "C0OTHER"); got != "other" {
		t.Errorf("name %q after the retry delay, want other", got)
	}
}
