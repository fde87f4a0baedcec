package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// UserDirectory reads a member's profile, for the time zone their times are
// typed in. *slack.Client satisfies it.
type UserDirectory interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// zoneTTL is how long a member's zone is trusted: people travel, and Slack
// follows their device's zone, but not every few minutes.
const zoneTTL = time.Hour

// maxCachedZones bounds the cache; beyond it the oldest entries go first.
const maxCachedZones = 10_000

// askerZone is the zone a member's times are read in, and what to tell
// them when it is not their own.
type askerZone struct {
	loc  *time.Location
	note string // set when the zone is a fallback
}

type zoneEntry struct {
	zone    askerZone
	fetched time.Time
}

// zones caches users.info time zones.
type zones struct {
	dir UserDirectory
	now func() time.Time

	mu      sync.Mutex
	entries map[string]zoneEntry
}

func newZones(dir UserDirectory, now func() time.Time) *zones {
	return &zones{dir: dir, now: now, entries: map[string]zoneEntry{}}
}

// of returns user's zone. A member without one, a zone this build does not
// know, or users.info failing all fall back to UTC with a note saying so;
// failures are not cached, so the next question tries again.
func (z *zones) of(ctx context.Context, user string) askerZone {
	now := z.now()
	z.mu.Lock()
	e, ok := z.entries[user]
	z.mu.Unlock()
	if ok && now.Sub(e.fetched) < zoneTTL {
		return e.zone
	}
	if z.dir == nil {
		return askerZone{loc: time.UTC, note: "times are read in UTC (I cannot look up time zones here)"}
	}
	u, err := z.dir.GetUserInfoContext(ctx, user)
	if err != nil {
		return askerZone{loc: time.UTC, note: fmt.Sprintf("times are read in UTC: I could not look up your time zone (%s)", oneLine(err.Error()))}
	}
	zone := askerZone{loc: time.UTC, note: "times are read in UTC: your Slack profile has no time zone"}
	if u.TZ != "" {
		if loc, err := time.LoadLocation(u.TZ); err == nil {
			zone = askerZone{loc: loc}
		} else {
			zone.note = fmt.Sprintf("times are read in UTC: your Slack time zone %s is not one I know", oneLine(u.TZ))
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
