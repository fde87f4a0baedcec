package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
)

// The episode's thread in the chat is the truth the store only caches:
// every message the bot posts for an episode (the root it opens for a
// queued alarm, the placeholder that becomes the report) carries message
// metadata naming the alarm and the episode. When the store's claims
// cannot be trusted (the store restarted empty, or does not answer) and
// when a replica takes over another's episode, the bot reads the thread
// back before opening a new one: a report there means the episode is done,
// a placeholder is continued, never a second thread.

// triageEvent is the metadata event type of a triage's messages.
const triageEvent = "trailhound_triage"

// recentWindow is how far before an episode's start the channel's history
// is read for the root of its thread.
const recentWindow = 10 * time.Minute

// History reads a channel's recent messages, roots only, newest first,
// metadata included. bot/slackchat's client has it; a chat without it is
// checked through the threads the bot already knows.
type History interface {
	Recent(ctx context.Context, channel string, since time.Time) ([]chat.Posted, error)
}

// episodeMetadata names k for the chat's messages.
func episodeMetadata(k EpisodeKey) *blocks.Metadata {
	return &blocks.Metadata{EventType: triageEvent, Payload: map[string]any{
		"alarm_arn": k.AlarmARN, "account": k.Account, "region": k.Region, "episode": k.Episode,
	}}
}

// tag marks m as a message of the job's episode.
func (j *triageJob) tag(m blocks.Message) blocks.Message {
	if j.hasKey {
		m.Metadata = episodeMetadata(j.key)
	}
	return m
}

// isEpisode reports whether p is the bot's message about k.
func isEpisode(p chat.Posted, k EpisodeKey) bool {
	return p.Own && p.EventType == triageEvent &&
		p.Payload["alarm_arn"] == k.AlarmARN && p.Payload["episode"] == k.Episode
}

// slackEpisode is what the chat shows of an episode.
type slackEpisode struct {
	thread      chat.Ref
	placeholder string // the ts of the placeholder or report
	reported    bool
}

// claimsForgotten reports whether the store may have lost the episode's
// claim: its data began (a new epoch) after the episode did, or it cannot
// say.
func (b *Bot) claimsForgotten(ctx context.Context, k EpisodeKey) bool {
	if b.deps.Work == nil {
		return false
	}
	start, err := time.Parse("20060102T1504Z", k.Episode)
	if err != nil {
		return true
	}
	e, err := b.deps.Work.Epoch(ctx, b.now())
	if err != nil {
		return true
	}
	// The episode's minute is truncated; the margin covers it.
	return !e.Since.Before(start.Add(-time.Minute))
}

// episodeInSlack finds the episode's thread and message in the chat: in
// the thread the job already has, else in the notification's thread, else
// among the alert channel's recent roots.
func (b *Bot) episodeInSlack(ctx context.Context, j *triageJob) (slackEpisode, error) {
	var threads []chat.Ref
	switch {
	case !j.thread.IsZero():
		threads = append(threads, j.thread)
	case j.origin.channel != "":
		threads = append(threads, chat.Ref{Channel: j.origin.channel, TS: j.origin.rootTS})
	default:
		h, ok := b.chat.(History)
		if !ok {
			return slackEpisode{}, nil
		}
		start, _ := time.Parse("20060102T1504Z", j.key.Episode)
		recent, err := h.Recent(ctx, b.opts.AlertChannel, start.Add(-recentWindow))
		if err != nil {
			return slackEpisode{}, fmt.Errorf("read the alert channel's history: %w", err)
		}
		for _, p := range recent {
			if isEpisode(p, j.key) {
				threads = append(threads, chat.Ref{Channel: b.opts.AlertChannel, TS: p.TS})
			}
		}
	}
	for _, th := range threads {
		posts, err := b.chat.Replies(ctx, th)
		if err != nil {
			return slackEpisode{}, fmt.Errorf("read thread %s: %w", th, err)
		}
		found := slackEpisode{thread: th}
		// A thread the bot opened or was handed is the episode's even
		// before its placeholder is up; a notification's thread only once
		// the bot has answered in it.
		adoptRoot := j.origin.channel == "" || !j.thread.IsZero()
		for i, p := range posts {
			if i == 0 || !isEpisode(p, j.key) {
				continue
			}
			found.placeholder = p.TS
			for _, id := range p.BlockIDs {
				if id == reportBlockID {
					found.reported = true
				}
			}
			if found.reported {
				return found, nil
			}
		}
		if found.placeholder != "" || adoptRoot {
			return found, nil
		}
	}
	return slackEpisode{}, nil
}
