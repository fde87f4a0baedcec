package bot

import (
	"sync"
	"time"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
)

// maxRemembered bounds each in-memory table; the oldest entries go first.
const maxRemembered = 10000

// episodes is this replica's own memory of the episodes it triaged. It is
// consulted only when the store cannot be reached, so that a storm during a
// Redis outage still yields one triage per episode per replica.
type episodes struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[EpisodeKey]episodeEntry
}

type episodeEntry struct {
	thread  chat.Ref
	expires time.Time
}

func newEpisodes(ttl time.Duration) *episodes {
	return &episodes{ttl: ttl, entries: map[EpisodeKey]episodeEntry{}}
}

// remember records that this replica handles key, with its thread once known.
func (e *episodes) remember(key EpisodeKey, thread chat.Ref, now time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.entries) >= maxRemembered {
		e.evictLocked(now)
	}
	e.entries[key] = episodeEntry{thread: thread, expires: now.Add(e.ttl)}
}

// seen returns the thread of key when this replica handled it recently.
func (e *episodes) seen(key EpisodeKey, now time.Time) (chat.Ref, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ent, ok := e.entries[key]
	if !ok || now.After(ent.expires) {
		return chat.Ref{}, false
	}
	return ent.thread, true
}

func (e *episodes) forget(key EpisodeKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.entries, key)
}

// evictLocked drops expired entries, then the ones closest to expiring
// until there is room again.
func (e *episodes) evictLocked(now time.Time) {
	for k, ent := range e.entries {
		if now.After(ent.expires) {
			delete(e.entries, k)
		}
	}
	for len(e.entries) >= maxRemembered {
		var oldest EpisodeKey
		var at time.Time
		for k, ent := range e.entries {
			if at.IsZero() || ent.expires.Before(at) {
				oldest, at = k, ent.expires
			}
		}
		delete(e.entries, oldest)
	}
}

// notes are the "fired again" notes of the episodes this replica has seen
// re-fire. One note per episode and replica is posted; later re-fires only
// raise its count, and the flusher edits the note at most once per interval,
// so a storm of duplicates costs one post per episode, not one per copy.
// Notes are posted only when their channel's pace has room: placeholders
// of new alarms go first.
type notes struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[EpisodeKey]*note
}

type note struct {
	alarm   investigation.Alarm
	thread  chat.Ref
	ts      string    // the note's message, once posted
	posting bool      // someone is posting it now
	count   int       // notifications of the episode, the first one included
	lastAt  time.Time // when the latest notification says the alarm fired
	shown   int       // the count the message shows
	expires time.Time
}

func newNotes(ttl time.Duration) *notes {
	return &notes{ttl: ttl, entries: map[EpisodeKey]*note{}}
}

// refire counts one more notification of key, received at at and fired at
// fired, and returns the count.
func (n *notes) refire(key EpisodeKey, alarm investigation.Alarm, thread chat.Ref, at, fired time.Time) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	ent := n.entries[key]
	if ent == nil {
		if len(n.entries) >= maxRemembered {
			n.evictLocked(at)
		}
		ent = &note{alarm: alarm, thread: thread, count: 1}
		n.entries[key] = ent
	}
	ent.count++
	ent.lastAt = fired
	ent.expires = at.Add(n.ttl)
	return ent.count
}

// noteWork is a note to post (ts empty) or to edit to a newer count.
type noteWork struct {
	key    EpisodeKey
	alarm  investigation.Alarm
	thread chat.Ref
	ts     string
	count  int
	lastAt time.Time
}

// due returns the notes to post or edit, marking those to post as being
// posted, and drops expired ones.
func (n *notes) due(now time.Time) []noteWork {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []noteWork
	for k, ent := range n.entries {
		switch {
		case ent.posting:
		case now.After(ent.expires):
			delete(n.entries, k)
		case ent.ts == "" || ent.count != ent.shown:
			if ent.ts == "" {
				ent.posting = true
			}
			out = append(out, noteWork{key: k, alarm: ent.alarm, thread: ent.thread, ts: ent.ts, count: ent.count, lastAt: ent.lastAt})
		}
	}
	return out
}

// posted records the note's message (ts empty: not posted, try again later)
// and the count it shows.
func (n *notes) posted(key EpisodeKey, ts string, shown int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ent := n.entries[key]; ent != nil {
		ent.posting = false
		if ts != "" {
			ent.ts, ent.shown = ts, shown
		}
	}
}

// shownCount records that the note's message now shows count.
func (n *notes) shownCount(key EpisodeKey, count int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ent := n.entries[key]; ent != nil && count > ent.shown {
		ent.shown = count
	}
}

func (n *notes) evictLocked(now time.Time) {
	for k, ent := range n.entries {
		if now.After(ent.expires) && !ent.posting {
			delete(n.entries, k)
		}
	}
	for len(n.entries) >= maxRemembered {
		var oldest EpisodeKey
		var at time.Time
		for k, ent := range n.entries {
			if at.IsZero() || ent.expires.Before(at) {
				oldest, at = k, ent.expires
			}
		}
		delete(n.entries, oldest)
	}
}
