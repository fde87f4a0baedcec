package slackchat

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
)

// zoneTTL is how long a member's zone is trusted: people travel, and Slack
// follows their device's zone, but not every few minutes.
const zoneTTL = time.Hour

// maxCachedZones bounds the cache; beyond it the oldest entries go first.
const maxCachedZones = 10_000

type zoneEntry struct {
	zone    chat.Zone
	fetched time.Time
}

// zones caches users.info time zones.
type zones struct {
	dir UserDirectory
	now func() time.Time
	log *slog.Logger

	mu      sync.Mutex
	entries map[string]zoneEntry
}

func newZones(dir UserDirectory, now func() time.Time, log *slog.Logger) *zones {
	return &zones{dir: dir, now: now, log: log, entries: map[string]zoneEntry{}}
}

// Zone returns the zone user's times are read in.
func (c *Client) Zone(ctx context.Context, user string) chat.Zone { return c.zones.of(ctx, user) }

// of returns user's zone. A member without one, a zone this build does not
// know, or users.info failing all fall back to UTC with a note saying so;
// failures are not cached, so the next question tries again.
func (z *zones) of(ctx context.Context, user string) chat.Zone {
	now := z.now()
	z.mu.Lock()
	e, ok := z.entries[user]
	z.mu.Unlock()
	if ok && now.Sub(e.fetched) < zoneTTL {
		return e.zone
	}
	if z.dir == nil {
		return chat.Zone{Loc: time.UTC, Note: "times are read in UTC (I cannot look up time zones here)"}
	}
	u, err := z.dir.GetUserInfoContext(ctx, user)
	if err != nil {
		z.log.Warn("could not look up a member's time zone", "user", user, "error", err)
		return chat.Zone{Loc: time.UTC, Note: "times are read in UTC: I could not look up your time zone"}
	}
	zone := chat.Zone{Loc: time.UTC, Note: "times are read in UTC: your Slack profile has no time zone"}
	if u.TZ != "" {
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			zone = chat.Zone{Loc: loc}
		} else {
			zone.Note = "times are read in UTC: your Slack time zone " + blocks.Escape(strings.Join(strings.Fields(u.TZ), " ")) + " is not one I know"
		}
	}
	z.mu.Lock()
	if len(z.entries) >= maxCachedZones {
		z.evictOldestLocked()
	}
	z.entries[user] = zoneEntry{zone: zone, fetched: now}
	z.mu.Unlock()
	return zone
}

func (z *zones) evictOldestLocked() {
	var oldest string
	var at time.Time
	for k, e := range z.entries {
		if oldest == "" || e.fetched.Before(at) {
			oldest, at = k, e.fetched
		}
	}
	delete(z.entries, oldest)
}
