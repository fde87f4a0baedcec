package bot

import (
	"context"
	"sync"
	"time"
)

// ChannelNamer reads a channel's name from its id (bot/slackchat:
// conversations.info).
type ChannelNamer interface {
	ChannelName(ctx context.Context, channel string) (string, error)
}

// How long a channel's name is trusted, and how long a failed read waits
// before the next try: channels are renamed rarely, and the App Home must
// not ask Slack for every channel each time a member opens it.
const (
	channelNameTTL      = time.Hour
	channelNameRetry    = time.Minute
	channelNameTimeout  = 5 * time.Second
	maxCachedChannelIDs = 1000
)

type channelNameEntry struct {
	name    string // "" when the read failed
	expires time.Time
}

// channelNames caches channel names by id.
type channelNames struct {
	mu      sync.Mutex
	entries map[string]channelNameEntry
}

func newChannelNames() *channelNames {
	return &channelNames{entries: map[string]channelNameEntry{}}
}

// channelName is the channel's name, or "" when it cannot be read: the
// caller shows the id then, and no error, since the name is a courtesy.
func (b *Bot) channelName(ctx context.Context, channel string) string {
	namer, ok := b.chat.(ChannelNamer)
	if !ok || channel == "" {
		return ""
	}
	now := b.now()
	c := b.names
	c.mu.Lock()
	e, cached := c.entries[channel]
	c.mu.Unlock()
	if cached && now.Before(e.expires) {
		return e.name
	}
	ctx, cancel := context.WithTimeout(ctx, channelNameTimeout)
	defer cancel()
	name, err := namer.ChannelName(ctx, channel)
	e = channelNameEntry{name: name, expires: now.Add(channelNameTTL)}
	if err != nil {
		b.log.Debug("could not read a channel's name; showing its id", "channel", channel, "error", err)
		e = channelNameEntry{expires: now.Add(channelNameRetry)}
	}
	c.mu.Lock()
	if len(c.entries) >= maxCachedChannelIDs {
		clear(c.entries) // a bot serves a few channels: reaching this is a leak, not a working set
	}
	c.entries[channel] = e
	c.mu.Unlock()
	return e.name
}
