package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/trailhound/trailhound/investigation"
)

// ThreadRef names a Slack thread: the channel and the root message's ts.
type ThreadRef struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// IsZero reports whether no thread is named.
func (t ThreadRef) IsZero() bool { return t == ThreadRef{} }

func (t ThreadRef) String() string { return t.Channel + "/" + t.TS }

func (t ThreadRef) validate() error {
	switch {
	case t.Channel == "":
		return errors.New("thread channel is empty")
	case t.TS == "":
		return fmt.Errorf("thread ts is empty (channel %s)", t.Channel)
	case strings.Contains(t.Channel, ":") || hasSpaceOrControl(t.Channel) || len(t.Channel) > 64:
		return fmt.Errorf("thread channel %q is not a Slack channel id", t.Channel)
	case strings.Contains(t.TS, ":") || hasSpaceOrControl(t.TS) || len(t.TS) > 64:
		return fmt.Errorf("thread ts %q is not a Slack message ts", t.TS)
	}
	return nil
}

// ThreadStateVersion is the layout SaveThread writes. Adding fields does not
// change it (JSON ignores what it does not know); renaming or changing the
// meaning of one does, and LoadThread refuses layouts newer than its own so
// that a replica running older code does not misread them.
const ThreadStateVersion = 1

// MaxThreadStateBytes caps one thread's stored investigation.
const MaxThreadStateBytes = 1 << 20

// ThreadState is the investigation behind a triage thread, kept so that
// follow-up questions in the thread keep their context.
type ThreadState struct {
	Version int `json:"version"`
	// Alarm is the alarm as received and scoped (Alarm.Resources is the scope).
	Alarm investigation.Alarm `json:"alarm"`
	// Report is the triage's report: window, candidates, artifact id.
	Report investigation.Report `json:"report"`
	// Window is the span the conversation is about now; it starts as the
	// report's and moves when someone widens or narrows it.
	Window investigation.Window `json:"window"`
	// EvidenceEventIDs are every CloudTrail event id the triage read, so an
	// answer can only cite events that were really seen.
	EvidenceEventIDs []string `json:"evidence_event_ids,omitempty"`
	// AISection is the AI assessment as the report shows it (the renderer's
	// own JSON), so a re-render, e.g. on resolution, keeps it.
	AISection json.RawMessage `json:"ai_section,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func (s *Store) threadKey(t ThreadRef) string { return s.key("thread", t.Channel, t.TS) }

// SaveThread stores the thread's investigation for Options.ThreadTTL,
// stamping Version and UpdatedAt.
func (s *Store) SaveThread(ctx context.Context, thread ThreadRef, st ThreadState) error {
	if err := thread.validate(); err != nil {
		return fmt.Errorf("save thread: %w", err)
	}
	st.Version = ThreadStateVersion
	st.UpdatedAt = time.Now().UTC()
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save thread %s: encode: %w", thread, err)
	}
	if len(b) > MaxThreadStateBytes {
		return fmt.Errorf("save thread %s: state is %d bytes, over the %d-byte limit", thread, len(b), MaxThreadStateBytes)
	}
	return s.do(ctx, "save thread "+thread.String(), func(ctx context.Context) error {
		return s.rdb.Set(ctx, s.threadKey(thread), b, s.opts.ThreadTTL).Err()
	})
}

// LoadThread returns the thread's investigation, or ErrNotFound.
func (s *Store) LoadThread(ctx context.Context, thread ThreadRef) (ThreadState, error) {
	if err := thread.validate(); err != nil {
		return ThreadState{}, fmt.Errorf("load thread: %w", err)
	}
	var b []byte
	err := s.do(ctx, "load thread "+thread.String(), func(ctx context.Context) error {
		var err error
		b, err = s.rdb.Get(ctx, s.threadKey(thread)).Bytes()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return ThreadState{}, err
	}
	var st ThreadState
	if err := json.Unmarshal(b, &st); err != nil {
		return ThreadState{}, fmt.Errorf("load thread %s: decode: %w", thread, err)
	}
	if st.Version < 1 || st.Version > ThreadStateVersion {
		return ThreadState{}, fmt.Errorf("load thread %s: layout version %d, this build reads 1 to %d", thread, st.Version, ThreadStateVersion)
	}
	return st, nil
}
