package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/store"
)

// RedisStore adapts the store to the bot's Store and FeedbackStore ports,
// and to the chat transport's envelope claims.
func RedisStore(s *store.Store) *StoreAdapter { return &StoreAdapter{s: s} }

// StoreAdapter is *store.Store in the bot's terms.
type StoreAdapter struct{ s *store.Store }

// notFound keeps the store's error and makes it match ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

func (a *StoreAdapter) Ping(ctx context.Context) error { return a.s.Ping(ctx) }

func (a *StoreAdapter) ClaimEnvelope(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	return a.s.ClaimEnvelope(ctx, id, ttl)
}

// ClaimOnce claims id, which may hold an alarm's name and so anything a
// key refuses.
func (a *StoreAdapter) ClaimOnce(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	return a.s.ClaimEnvelope(ctx, store.KeySafe(id), ttl)
}

// storeKey is k as the store keys it: alarm names may hold spaces and
// braces, which the store's keys refuse.
func storeKey(k EpisodeKey) store.AlarmKey {
	return store.AlarmKey{Account: k.Account, Region: k.Region, AlarmARN: store.KeySafe(k.AlarmARN), Episode: store.Episode(k.Episode)}
}

func (a *StoreAdapter) ClaimEpisode(ctx context.Context, key EpisodeKey, owner string, lease time.Duration) (EpisodeClaim, error) {
	c, err := a.s.ClaimAlarm(ctx, storeKey(key), owner, lease)
	if err != nil {
		return EpisodeClaim{}, err
	}
	out := EpisodeClaim{State: ClaimState(c.State), Thread: chat.Ref(c.Thread)}
	if c.Lease != nil {
		out.Lease = storeLease{c.Lease}
	}
	return out, nil
}

func (a *StoreAdapter) SetEpisodeThread(ctx context.Context, key EpisodeKey, thread chat.Ref) error {
	return a.s.SetThread(ctx, storeKey(key), store.ThreadRef(thread))
}

func (a *StoreAdapter) LatestThread(ctx context.Context, alarmARN string) (EpisodeThread, error) {
	et, err := a.s.LatestThread(ctx, store.KeySafe(alarmARN))
	if err != nil {
		return EpisodeThread{}, notFound(err)
	}
	return EpisodeThread{Episode: string(et.Episode), Thread: chat.Ref(et.Thread)}, nil
}

// storeLease is a won claim of the store.
type storeLease struct{ l *store.Lease }

func (l storeLease) Hold(ctx context.Context, every time.Duration) error { return l.l.Hold(ctx, every) }
func (l storeLease) Release(ctx context.Context) error                   { return l.l.Release(ctx) }
func (l storeLease) Complete(ctx context.Context, thread chat.Ref, dedupWindow time.Duration) error {
	return l.l.Complete(ctx, store.ThreadRef(thread), dedupWindow)
}

// storeThreadState is st as the store keeps it.
func storeThreadState(st ThreadState) store.ThreadState {
	return store.ThreadState{Alarm: st.Alarm, Report: st.Report, Window: st.Window, EvidenceEventIDs: st.EvidenceEventIDs, AISection: st.AISection}
}

func (a *StoreAdapter) SaveThread(ctx context.Context, thread chat.Ref, st ThreadState) error {
	return a.s.SaveThread(ctx, store.ThreadRef(thread), storeThreadState(st))
}

func (a *StoreAdapter) LoadThread(ctx context.Context, thread chat.Ref) (ThreadState, error) {
	st, err := a.s.LoadThread(ctx, store.ThreadRef(thread))
	if err != nil {
		return ThreadState{}, notFound(err)
	}
	return ThreadState{Alarm: st.Alarm, Report: st.Report, Window: st.Window, EvidenceEventIDs: st.EvidenceEventIDs,
		AISection: st.AISection, UpdatedAt: st.UpdatedAt}, nil
}

func (a *StoreAdapter) SaveReport(ctx context.Context, rep investigation.Report) (string, error) {
	if rep.ArtifactID == "" {
		rep.ArtifactID = store.NewArtifactID()
	}
	return a.s.SaveArtifact(ctx, store.Artifact{ID: rep.ArtifactID, Report: rep})
}

func (a *StoreAdapter) SaveFeedback(ctx context.Context, f Feedback) error {
	return a.s.SaveFeedback(ctx, store.Feedback{
		FeedbackSubject: store.FeedbackSubject{ArtifactID: f.ArtifactID, Thread: store.ThreadRef(f.Thread)},
		CandidateRank:   f.Rank, EventIDs: f.EventIDs, Vote: store.Vote(f.Vote), User: f.User,
		CorrectCause: f.CorrectCause, At: f.At,
	})
}

func (a *StoreAdapter) RecordWork(ctx context.Context, id string, ttl time.Duration, kind string, body []byte) (bool, error) {
	return a.s.RecordWork(ctx, store.KeySafe(id), ttl, kind, body)
}

func (a *StoreAdapter) ReadWork(ctx context.Context, consumer string, count int, block time.Duration) ([]WorkItem, error) {
	items, err := a.s.ReadWork(ctx, consumer, count, block)
	return workItems(items), err
}

func (a *StoreAdapter) ClaimIdleWork(ctx context.Context, consumer string, idle time.Duration, count int) ([]WorkItem, error) {
	items, err := a.s.ClaimIdleWork(ctx, consumer, idle, count)
	return workItems(items), err
}

func (a *StoreAdapter) TouchWork(ctx context.Context, consumer string, ids []string) (int, error) {
	return a.s.TouchWork(ctx, consumer, ids)
}

func (a *StoreAdapter) DoneWork(ctx context.Context, ids ...string) error {
	return a.s.DoneWork(ctx, ids...)
}

func (a *StoreAdapter) HandBackWork(ctx context.Context, item WorkItem) (WorkItem, error) {
	it, err := a.s.HandBackWork(ctx, store.WorkItem(item))
	return WorkItem(it), err
}

func (a *StoreAdapter) Epoch(ctx context.Context, now time.Time) (Epoch, error) {
	e, err := a.s.Epoch(ctx, now)
	return Epoch(e), err
}

func workItems(items []store.WorkItem) []WorkItem {
	out := make([]WorkItem, len(items))
	for i, it := range items {
		out[i] = WorkItem(it)
	}
	return out
}

// RecordTriage remembers the thread for the App Home.
func (a *StoreAdapter) RecordTriage(ctx context.Context, thread chat.Ref, at time.Time) error {
	return a.s.RecordTriage(ctx, store.ThreadRef(thread), at)
}

// RecentTriages are the threads of the last n triages, newest first.
func (a *StoreAdapter) RecentTriages(ctx context.Context, n int) ([]chat.Ref, error) {
	ts, err := a.s.RecentTriages(ctx, n)
	out := make([]chat.Ref, 0, len(ts))
	for _, t := range ts {
		out = append(out, chat.Ref(t))
	}
	return out, err
}

// ThreadVotes counts the 👍 and 👎 given in a thread; a member's later vote
// on the same cause replaces their earlier one.
func (a *StoreAdapter) ThreadVotes(ctx context.Context, thread chat.Ref) (up, down int, err error) {
	fs, err := a.s.ListFeedback(ctx, store.FeedbackSubject{Thread: store.ThreadRef(thread)})
	if err != nil {
		return 0, 0, err
	}
	type voter struct {
		user string
		rank int
	}
	last := map[voter]store.Vote{}
	for _, f := range fs {
		last[voter{f.User, f.CandidateRank}] = f.Vote
	}
	for _, v := range last {
		if v == store.VoteUp {
			up++
		} else {
			down++
		}
	}
	return up, down, nil
}

func storeRate(r StormRate) store.StormRate {
	return store.StormRate{Alarms: r.Alarms, Window: r.Window, Quiet: r.Quiet, Keep: r.Keep}
}

func (a *StoreAdapter) NoteStormAlarm(ctx context.Context, channel, id string, entry []byte, at time.Time, rate StormRate) (string, bool, error) {
	return a.s.NoteStormAlarm(ctx, channel, store.KeySafe(id), entry, at, storeRate(rate))
}

func (a *StoreAdapter) PatchStormAlarm(ctx context.Context, channel, id string, entry []byte) error {
	return a.s.PatchStormAlarm(ctx, channel, store.KeySafe(id), entry)
}

func (a *StoreAdapter) StormRefire(ctx context.Context, channel, id string) (bool, error) {
	return a.s.StormRefire(ctx, channel, store.KeySafe(id))
}

func (a *StoreAdapter) ActiveStorms(ctx context.Context) ([]string, error) {
	return a.s.ActiveStorms(ctx)
}

func (a *StoreAdapter) EndStorm(ctx context.Context, channel string) error {
	return a.s.EndStorm(ctx, channel)
}

func (a *StoreAdapter) SetStormDigest(ctx context.Context, channel, stormID, ts string) error {
	return a.s.SetStormDigest(ctx, channel, stormID, ts)
}

func (a *StoreAdapter) ReadStorm(ctx context.Context, channel string) (StormRecord, error) {
	st, err := a.s.ReadStorm(ctx, channel)
	out := StormRecord{ID: st.ID, Active: st.Active, Version: st.Version, DigestTS: st.DigestTS}
	for _, al := range st.Alarms {
		out.Alarms = append(out.Alarms, StormAlarmRecord(al))
	}
	return out, err
}

// HoldDigest takes the channel's digest lock.
func (a *StoreAdapter) HoldDigest(ctx context.Context, channel string, lease time.Duration) (DigestLease, error) {
	l, err := a.s.Lock(ctx, "storm-digest-"+channel, lease)
	if errors.Is(err, store.ErrLockHeld) {
		return nil, fmt.Errorf("%w: %w", ErrDigestHeld, err)
	}
	if err != nil {
		return nil, err
	}
	return storeDigestLease{l}, nil
}

type storeDigestLease struct{ l *store.Lock }

func (d storeDigestLease) Extend(ctx context.Context, ttl time.Duration) error {
	return d.l.Extend(ctx, ttl)
}
func (d storeDigestLease) Release(ctx context.Context) error { return d.l.Unlock(ctx) }

func (a *StoreAdapter) QueuePointer(ctx context.Context, ref chat.Ref) error {
	return a.s.QueuePointer(ctx, ref.Channel, ref.TS)
}

func (a *StoreAdapter) NextPointer(ctx context.Context) (chat.Ref, bool, error) {
	ch, ts, ok, err := a.s.NextPointer(ctx)
	return chat.Ref{Channel: ch, TS: ts}, ok, err
}
