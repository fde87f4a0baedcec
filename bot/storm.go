package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/trailhound/trailhound/blocks"
	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/investigation"
)

// Alarm storms. Slack takes about one post per second in a channel and
// about fifty edits per minute in the whole workspace (Tier 3), so a
// channel that receives alarms faster than that cannot show a placeholder,
// progress and a report for each in time. Past StormAlarms new episodes
// within StormWindow, counted in the store so that every replica agrees, the
// channel is in a storm until no new episode came for StormQuiet. Then:
//   - one digest message per storm, kept by whichever replica holds its
//     lease, takes each alarm up at once and, as triages finish, shows its
//     cause, with the causes several alarms share ranked at the top: the
//     digest line is the first form of every report;
//   - each alarm's thread gets exactly one post, its report, at the
//     channel's pace; no placeholder, no progress edits, no timeline
//     picture (one more upload per alarm);
//   - re-fires become the digest's counters instead of notes.

// Storm timings.
const (
	// StormAlarms new episodes in one channel within StormWindow start a
	// storm when one more comes: beyond four alarms in five seconds, their
	// placeholders alone keep the channel's pace busy for longer than it
	// takes the alarms to arrive, and the next alarm would wait more than
	// five seconds for its own.
	StormAlarms = 4
	StormWindow = 5 * time.Second
	// StormQuiet ends a storm: no new episode in the channel for that long.
	StormQuiet = 30 * time.Second
	// stormKeep is how long a storm's alarms stay in the store after its
	// last change, so that a late report still finds its line.
	stormKeep = time.Hour
	// DigestEvery spaces two edits of a digest: at most 40 a minute, under
	// Tier 3's 50, leaving room for the reports of alarms taken up before
	// the storm.
	DigestEvery = 1500 * time.Millisecond
	// digestLease is how long a replica holds a channel's digest without
	// renewing it; a surviving replica takes the digest over after that.
	digestLease = 10 * time.Second
	// digestCallTimeout bounds one post or edit of the digest, waiting for
	// the channel's or the workspace's pace included.
	digestCallTimeout = 10 * time.Second
	// reportPostTimeout bounds how long a report waits for its channel: a
	// storm of a few hundred alarms in one channel, at one post a second.
	reportPostTimeout = 10 * time.Minute
)

// StormRate is when a channel is in a storm (see StormAlarms).
type StormRate struct {
	Alarms int
	Window time.Duration
	Quiet  time.Duration
	Keep   time.Duration
}

var stormRate = StormRate{Alarms: StormAlarms, Window: StormWindow, Quiet: StormQuiet, Keep: stormKeep}

// StormAlarmRecord is one alarm of a storm as the store keeps it: the
// bot's own entry, its re-fire count and when it came.
type StormAlarmRecord struct {
	ID      string
	Entry   []byte
	Refires int
	First   time.Time
}

// StormRecord is a channel's current (or last) storm in the store.
type StormRecord struct {
	ID       string // "" for none
	Active   bool
	Version  int64
	DigestTS string
	Alarms   []StormAlarmRecord
}

// ErrDigestHeld says another replica holds a channel's digest.
var ErrDigestHeld = errors.New("digest held by another replica")

// DigestLease is a held digest of one channel.
type DigestLease interface {
	Extend(ctx context.Context, ttl time.Duration) error
	Release(ctx context.Context) error
}

// Storms are the channel storms the replicas share (RedisStore's). Ids are
// episode ids; entries are the bot's own encoding.
type Storms interface {
	// NoteStormAlarm counts a new episode of channel and returns the
	// channel's storm id when it is in a storm, and whether this episode
	// started it.
	NoteStormAlarm(ctx context.Context, channel, id string, entry []byte, at time.Time, rate StormRate) (string, bool, error)
	PatchStormAlarm(ctx context.Context, channel, id string, entry []byte) error
	// StormRefire counts a re-fire in the channel's active storm, if the
	// alarm belongs to it.
	StormRefire(ctx context.Context, channel, id string) (bool, error)
	ActiveStorms(ctx context.Context) ([]string, error)
	ReadStorm(ctx context.Context, channel string) (StormRecord, error)
	SetStormDigest(ctx context.Context, channel, stormID, ts string) error
	EndStorm(ctx context.Context, channel string) error
	// HoldDigest takes the channel's digest for lease, or ErrDigestHeld.
	HoldDigest(ctx context.Context, channel string, lease time.Duration) (DigestLease, error)
}

// stormEntry is what the digest shows of one alarm.
type stormEntry struct {
	Name     string             `json:"name"`
	Channel  string             `json:"channel"`
	ThreadTS string             `json:"thread"`
	State    blocks.StormState  `json:"state"`
	Cause    *blocks.StormCause `json:"cause,omitempty"`
	// Received is when the bot got the alarm, the start of its take-up.
	Received time.Time `json:"received"`
}

func stormID(k EpisodeKey) string { return k.AlarmARN + "@" + k.Episode }

func (j *triageJob) stormEntry(state blocks.StormState, rep *investigation.Report) stormEntry {
	e := stormEntry{Name: j.alarm.Name, Channel: j.thread.Channel, ThreadTS: j.thread.TS, State: state, Received: j.origin.received}
	if rep != nil && len(rep.Candidates) > 0 {
		c := rep.Candidates[0]
		cause := blocks.StormCause{Key: causeKey(c), Headline: blocks.Headline(c), Confidence: c.Confidence}
		if len(c.Events) > 0 {
			cause.At = c.Events[0].EventTime
		}
		e.Cause = &cause
	}
	return e
}

// causeKey is a cause's identity: its first change's event id, or, without
// one, its resource and event name. Never its text.
func causeKey(c investigation.Candidate) string {
	if len(c.Events) == 0 {
		return c.Resource.Type + "/" + c.Resource.ID
	}
	e := c.Events[0]
	if e.EventID != "" {
		return e.EventID
	}
	return c.Resource.Type + "/" + c.Resource.ID + "/" + e.EventName
}

// joinStorm counts the job's episode in its channel and reports whether the
// channel is in a storm, the job then taken up by the digest.
func (b *Bot) joinStorm(ctx context.Context, j *triageJob) bool {
	if b.storms == nil || !j.hasKey || j.thread.Channel == "" {
		return false
	}
	raw, _ := json.Marshal(j.stormEntry(blocks.StormWaiting, nil))
	sid, started, err := b.storms.NoteStormAlarm(ctx, j.thread.Channel, stormID(j.key), raw, b.now(), stormRate)
	if err != nil {
		b.log.Warn("could not count the alarm for storm detection; posting its placeholder", "alarm", j.alarm.Name, "error", err)
		return false
	}
	j.noted = true
	if sid == "" {
		return false
	}
	j.storm = sid
	if started {
		b.log.Info("alarm storm: the channel's alarms go into one digest", "channel", j.thread.Channel, "storm", sid)
		select {
		case b.digestWake <- struct{}{}:
		default:
		}
	}
	return true
}

// patchStorm records the job's state where a digest may show it.
func (b *Bot) patchStorm(ctx context.Context, j *triageJob, state blocks.StormState, rep *investigation.Report) {
	if b.storms == nil || !j.noted {
		return
	}
	raw, _ := json.Marshal(j.stormEntry(state, rep))
	if err := b.storms.PatchStormAlarm(ctx, j.thread.Channel, stormID(j.key), raw); err != nil {
		b.log.Warn("could not record the alarm's state for the storm digest", "alarm", j.alarm.Name, "error", err)
	}
}

// stormRefire counts a re-fire in the digest when the alarm belongs to its
// channel's storm.
func (b *Bot) stormRefire(ctx context.Context, key EpisodeKey, thread chat.Ref) bool {
	if b.storms == nil || thread.Channel == "" {
		return false
	}
	counted, err := b.storms.StormRefire(ctx, thread.Channel, stormID(key))
	if err != nil {
		b.log.Debug("could not count the re-fire in the storm", "error", err)
	}
	return counted
}

// postReport posts the report as a reply in its thread, behind what the
// channel has to say now: in a storm the digest already shows its cause.
func (b *Bot) postReport(ctx context.Context, j *triageJob, msg blocks.Message) error {
	ctx, cancel := context.WithTimeout(ctx, reportPostTimeout)
	defer cancel()
	ts, err := b.chat.PostLater(ctx, chat.Ref(j.thread), msg)
	if err != nil {
		return fmt.Errorf("post the report: %w", err)
	}
	j.placeholderTS, j.posted = ts, b.now()
	return nil
}

// digestRun is a digest this replica holds.
type digestRun struct {
	lease  DigestLease
	sid    string
	shown  int64
	active bool
	// taken are the alarms this holder's digest has shown, each observed
	// once in the take-up histogram.
	taken map[string]bool
}

// runDigests takes the digests of the storms no replica holds, each kept
// by a goroutine of its own (keepDigest) so that one channel's pace never
// holds up another's digest, until ctx ends.
func (b *Bot) runDigests(ctx context.Context) {
	if b.storms == nil {
		return
	}
	var mu sync.Mutex
	kept := map[string]bool{}
	var keepers sync.WaitGroup
	defer keepers.Wait()
	t := time.NewTicker(DigestEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.digestWake:
		}
		chans, err := b.storms.ActiveStorms(ctx)
		if err != nil {
			b.log.Debug("could not list the storms", "error", err)
			continue
		}
		for _, ch := range chans {
			mu.Lock()
			busy := kept[ch]
			mu.Unlock()
			if busy || !b.channels[ch] {
				continue
			}
			lease, err := b.storms.HoldDigest(ctx, ch, digestLease)
			if err != nil {
				if !errors.Is(err, ErrDigestHeld) {
					b.log.Warn("could not take the storm digest", "channel", ch, "error", err)
				}
				continue
			}
			mu.Lock()
			kept[ch] = true
			mu.Unlock()
			keepers.Go(func() {
				b.keepDigest(ctx, ch, &digestRun{lease: lease})
				mu.Lock()
				delete(kept, ch)
				mu.Unlock()
			})
		}
	}
}

// keepDigest posts and edits one channel's digest while this replica holds
// it, until the storm is over and every alarm is in its thread, the lease
// is lost, or ctx ends.
func (b *Bot) keepDigest(ctx context.Context, ch string, r *digestRun) {
	defer func() {
		cctx, cancel := b.cleanupContext()
		defer cancel()
		if err := r.lease.Release(cctx); err != nil {
			b.log.Debug("could not release the storm digest; it expires", "channel", ch, "error", err)
		}
	}()
	t := time.NewTicker(DigestEvery)
	defer t.Stop()
	for {
		if b.tendDigest(ctx, ch, r) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := r.lease.Extend(ctx, digestLease); err != nil {
			b.log.Warn("storm digest lease lost; another replica takes it over", "channel", ch, "error", err)
			return
		}
	}
}

// tendDigest posts or edits the digest when the storm changed, and ends
// the storm once it is over and every alarm is in its thread; it reports
// whether the storm ended.
func (b *Bot) tendDigest(ctx context.Context, ch string, r *digestRun) bool {
	st, err := b.storms.ReadStorm(ctx, ch)
	if err != nil {
		b.log.Warn("could not read the storm", "channel", ch, "error", err)
		return false
	}
	if st.ID != r.sid {
		r.sid, r.shown, r.taken = st.ID, 0, nil
	}
	digest, done := digestOf(st)
	changed := st.DigestTS == "" || st.Version != r.shown || st.Active != r.active
	if st.ID != "" && changed {
		b.showDigest(ctx, ch, st, digest, r)
	}
	if st.ID != "" && (st.Active || !done || r.shown != st.Version) {
		return false
	}
	if err := b.storms.EndStorm(ctx, ch); err != nil {
		b.log.Warn("could not end the storm", "channel", ch, "error", err)
		return false
	}
	b.log.Info("alarm storm over", "channel", ch, "alarms", len(st.Alarms))
	return true
}

func (b *Bot) showDigest(ctx context.Context, ch string, st StormRecord, d blocks.StormDigest, r *digestRun) {
	ctx, cancel := context.WithTimeout(ctx, digestCallTimeout)
	defer cancel()
	msg := blocks.Storm(d)
	if st.DigestTS == "" {
		ts, err := b.chat.Post(ctx, chat.Ref{Channel: ch}, msg)
		if err != nil {
			b.log.Warn("could not post the storm digest", "channel", ch, "error", err)
			return
		}
		if err := b.storms.SetStormDigest(ctx, ch, st.ID, ts); err != nil {
			b.log.Warn("could not record the storm digest", "channel", ch, "error", err)
		}
	} else if err := b.chat.UpdateOnce(ctx, chat.Ref{Channel: ch, TS: st.DigestTS}, msg); err != nil {
		// The digest is drawn from shared state on every tick, so a skipped
		// edit costs one tick; the edits that replace placeholders with
		// reports, or point them at the report below, must not wait behind
		// digests when several channels storm at once.
		if errors.Is(err, chat.ErrEditBudget) {
			b.log.Debug("storm digest edit deferred: no edit budget free", "channel", ch)
		} else {
			b.log.Warn("could not edit the storm digest", "channel", ch, "error", err)
		}
		return
	}
	r.shown, r.active = st.Version, st.Active
	b.observeTakeUp(st, r)
}

// observeTakeUp measures, for each alarm the digest now shows for the first
// time, how long it waited from its arrival to its line in the channel. A
// replica that takes a digest over observes the alarms again, late: the
// histogram then shows the takeover as the delay it was for the reader.
func (b *Bot) observeTakeUp(st StormRecord, r *digestRun) {
	if r.taken == nil {
		r.taken = map[string]bool{}
	}
	now := b.now()
	for _, a := range st.Alarms {
		if r.taken[a.ID] {
			continue
		}
		r.taken[a.ID] = true
		var e stormEntry
		if json.Unmarshal(a.Entry, &e) != nil || e.Received.IsZero() {
			continue
		}
		b.m.stormTakeUp.Observe(now.Sub(e.Received).Seconds())
	}
}

// digestOf is the storm as its digest shows it, and whether every alarm
// of it is finished (its report in its thread, or failed).
func digestOf(st StormRecord) (blocks.StormDigest, bool) {
	d := blocks.StormDigest{Active: st.Active}
	if ms, err := strconv.ParseInt(st.ID, 10, 64); err == nil {
		d.Started = time.UnixMilli(ms)
	}
	done := true
	for _, a := range st.Alarms {
		var e stormEntry
		if err := json.Unmarshal(a.Entry, &e); err != nil {
			continue
		}
		d.Alarms = append(d.Alarms, blocks.StormAlarm{Name: e.Name, Channel: e.Channel, ThreadTS: e.ThreadTS,
			State: e.State, Refires: a.Refires, Cause: e.Cause})
		if e.State != blocks.StormInThread && e.State != blocks.StormFailed {
			done = false
		}
	}
	return d, done
}

// EditRoomer tells whether the workspace has room for an edit right now
// (bot/slackchat's Client does).
type EditRoomer interface{ EditRoom() bool }

func (b *Bot) editRoom() bool {
	er, ok := b.chat.(EditRoomer)
	return !ok || er.EditRoom()
}
