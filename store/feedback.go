package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxFeedbackPerSubject bounds the votes kept per artifact or thread; the
// oldest go first, so a burst of clicks cannot grow a list without end.
const MaxFeedbackPerSubject = 1000

// Vote is a thumbs up or down.
type Vote string

const (
	VoteUp   Vote = "up"
	VoteDown Vote = "down"
)

// FeedbackSubject is what a vote is about: a triage's artifact, its thread,
// or both.
type FeedbackSubject struct {
	ArtifactID string    `json:"artifact_id,omitempty"`
	Thread     ThreadRef `json:"thread,omitzero"`
}

// Feedback is one vote on a triage.
type Feedback struct {
	FeedbackSubject
	// CandidateRank is the 1-based rank voted on; 0 means the report as a whole.
	CandidateRank int `json:"candidate_rank"`
	// EventIDs are the CloudTrail events of the candidate voted on.
	EventIDs []string `json:"event_ids,omitempty"`
	Vote     Vote     `json:"vote"`
	User     string   `json:"user"`
	// CorrectCause holds the event ids the user named as the real cause.
	CorrectCause []string  `json:"correct_cause,omitempty"`
	At           time.Time `json:"at"`
}

func (f Feedback) validate() error {
	switch {
	case f.Vote != VoteUp && f.Vote != VoteDown:
		return fmt.Errorf("vote %q is neither %q nor %q", f.Vote, VoteUp, VoteDown)
	case f.User == "":
		return errors.New("user is empty")
	case f.CandidateRank < 0:
		return fmt.Errorf("candidate rank %d is negative", f.CandidateRank)
	}
	return nil
}

// keys returns the lists a subject's feedback lives in.
func (s *Store) feedbackKeys(about FeedbackSubject) ([]string, error) {
	var keys []string
	if about.ArtifactID != "" {
		if err := validateArtifactID(about.ArtifactID); err != nil {
			return nil, err
		}
		keys = append(keys, s.key("feedback", "artifact", about.ArtifactID))
	}
	if !about.Thread.IsZero() {
		if err := about.Thread.validate(); err != nil {
			return nil, err
		}
		keys = append(keys, s.key("feedback", "thread", about.Thread.Channel, about.Thread.TS))
	}
	if len(keys) == 0 {
		return nil, errors.New("feedback names neither an artifact nor a thread")
	}
	return keys, nil
}

// SaveFeedback appends a vote to its artifact's and its thread's lists
// (whichever are named), kept for Options.FeedbackTTL after the last vote.
// A zero At is set to now.
func (s *Store) SaveFeedback(ctx context.Context, f Feedback) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("save feedback: %w", err)
	}
	keys, err := s.feedbackKeys(f.FeedbackSubject)
	if err != nil {
		return fmt.Errorf("save feedback: %w", err)
	}
	if f.At.IsZero() {
		f.At = time.Now().UTC()
	}
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("save feedback: encode: %w", err)
	}
	return s.do(ctx, "save feedback", func(ctx context.Context) error {
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.RPush(ctx, k, b)
				p.LTrim(ctx, k, -MaxFeedbackPerSubject, -1)
				p.PExpire(ctx, k, s.opts.FeedbackTTL)
			}
			return nil
		})
		return err
	})
}

// ListFeedback returns the votes on a subject, oldest first: the artifact's
// when an artifact id is given, else the thread's.
func (s *Store) ListFeedback(ctx context.Context, about FeedbackSubject) ([]Feedback, error) {
	keys, err := s.feedbackKeys(about)
	if err != nil {
		return nil, fmt.Errorf("list feedback: %w", err)
	}
	var raw []string
	err = s.do(ctx, "list feedback", func(ctx context.Context) error {
		var err error
		raw, err = s.rdb.LRange(ctx, keys[0], 0, MaxFeedbackPerSubject-1).Result()
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Feedback, 0, len(raw))
	for i, r := range raw {
		var f Feedback
		if err := json.Unmarshal([]byte(r), &f); err != nil {
			return nil, fmt.Errorf("list feedback: entry %d: decode: %w", i, err)
		}
		out = append(out, f)
	}
	return out, nil
}
