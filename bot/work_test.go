package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/bot/chat"
	"github.com/trailhound/trailhound/bot/slackchat"
	"github.com/trailhound/trailhound/sandbox/slackapi"
	"github.com/trailhound/trailhound/store"
)

// crashingStore is a replica's store that stops answering for it at
// crash: its work is no longer refreshed or handed back and its lease no
// longer renewed or released, as when the process is killed.
type crashingStore struct {
	*StoreAdapter
	dead chan struct{}
}

var errCrashed = errors.New("replica crashed")

func (c *crashingStore) crashed() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

func (c *crashingStore) ClaimEpisode(ctx context.Context, k EpisodeKey, owner string, lease time.Duration) (EpisodeClaim, error) {
	claim, err := c.StoreAdapter.ClaimEpisode(ctx, k, owner, lease)
	if claim.Lease != nil {
		claim.Lease = crashingLease{claim.Lease, c}
	}
	return claim, err
}

func (c *crashingStore) TouchWork(ctx context.Context, consumer string, ids []string) (int, error) {
	if c.crashed() {
		return 0, errCrashed
	}
	return c.StoreAdapter.TouchWork(ctx, consumer, ids)
}

func (c *crashingStore) HandBackWork(ctx context.Context, w WorkItem) (WorkItem, error) {
	if c.crashed() {
		return WorkItem{}, errCrashed
	}
	return c.StoreAdapter.HandBackWork(ctx, w)
}

type crashingLease struct {
	Lease
	c *crashingStore
}

func (l crashingLease) Hold(ctx context.Context, every time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-l.c.dead:
			cancel()
		case <-ctx.Done():
		}
	}()
	return l.Lease.Hold(ctx, every)
}

func (l crashingLease) Release(ctx context.Context) error {
	if l.c.crashed() {
		return errCrashed
	}
	return l.Lease.Release(ctx)
}

// tickingRedis is a miniredis whose keys expire as wall-clock time passes,
// as a lease left by a dead replica must.
func tickingRedis(t testing.TB) (*miniredis.Miniredis, string) {
	t.Helper()
	m := miniredis.RunT(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return m, "redis://" + m.Addr()
}

// startWorkReplica starts a replica with durable intake on st.
func startWorkReplica(t testing.TB, sb *slackapi.Server, st interface {
	Store
	Work
}, triager Triager, opts Options) *replica {
	t.Helper()
	r := &replica{reg: prometheus.NewRegistry(), done: make(chan error, 1)}
	so := sb.Options()
	chat, err := slackchat.Open(so.BotToken, so.AppToken, sb.URL()+"/api/", slackchat.Options{
		Record: st, Logger: testLogger(t), Metrics: r.reg, PostInterval: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Deps{Chat: chat, Triager: triager, Store: st, Work: st, Logger: testLogger(t), Metrics: r.reg}, opts)
	if err != nil {
		t.Fatalf("new bot: %v", err)
	}
	r.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- b.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	eventually(t, 5*time.Second, "replica ready", b.Ready)
	return r
}

// ownReplies are the bot's messages in the thread of root.
func ownReplies(sb *slackapi.Server, channel, root string) []slackapi.Message {
	var out []slackapi.Message
	for _, m := range sb.Thread(channel, root) {
		if m.BotID == sb.Options().BotID && m.IsReply() {
			out = append(out, m)
		}
	}
	return out
}

// workScenario posts one alarm to replica a, whose triage never ends,
// waits for its placeholder, starts replica b, and lets stop end a. It
// checks that b finishes the triage in a's placeholder, the thread's only
// message of the bot, and returns how long that took after the stop.
func workScenario(t *testing.T, opts Options, stop func(a *replica, st *crashingStore)) time.Duration {
	sb := startSandbox(t, slackapi.Options{Pace: slackapi.Pace{PerSecond: 20, Burst: 5}})
	_, url := tickingRedis(t)
	stuck := newFakeTriager()
	stuck.release = make(chan struct{}) // never closed: a's triage runs until a stops
	crashing := &crashingStore{StoreAdapter: openStoreAt(t, url), dead: make(chan struct{})}
	a := startWorkReplica(t, sb, crashing, stuck, withOwner(opts, "replica-a"))
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "a's placeholder", func() bool { return len(ownReplies(sb, sandboxChannel, root)) == 1 })
	placeholder := ownReplies(sb, sandboxChannel, root)[0].TS
	finisher := newFakeTriager()
	startWorkReplica(t, sb, openStoreAt(t, url), finisher, withOwner(opts, "replica-b"))
	stopped := time.Now()
	stop(a, crashing)
	waitSandbox(t, sb, 30*time.Second, "b's report", func() bool {
		_, ok := botReport(sb, sandboxChannel, root)
		return ok
	})
	took := time.Since(stopped)
	replies := ownReplies(sb, sandboxChannel, root)
	if len(replies) != 1 || replies[0].TS != placeholder {
		t.Fatalf("the bot's messages in the thread: %d, first %v; want only the placeholder %s, now the report", len(replies), replies, placeholder)
	}
	if !bytes.Contains(replies[0].Blocks, []byte(reportBlockID)) {
		t.Errorf("placeholder not replaced by the report: %s", replies[0].Blocks)
	}
	if n := finisher.count("checkout-errors"); n != 1 {
		t.Errorf("b triaged %d times, want 1", n)
	}
	if len(sb.Messages(sandboxChannel)) != 1 {
		t.Errorf("channel has %d roots, want only the notification", len(sb.Messages(sandboxChannel)))
	}
	return took
}

// TestWorkOfACrashedReplicaIsTakenOver: a replica that dies mid-triage
// leaves its work and its claim; another takes them over once the work has
// gone TakeoverAfter unrefreshed and the lease has run out, and finishes
// the triage in the same placeholder.
func TestWorkOfACrashedReplicaIsTakenOver(t *testing.T) {
	opts := sandboxOptions(sandboxChannel)
	opts.TakeoverAfter, opts.Lease = 2*time.Second, 2*time.Second
	took := workScenario(t, opts, func(a *replica, st *crashingStore) {
		close(st.dead)
		a.cancel()
	})
	if bound := opts.TakeoverAfter + takeoverScan + opts.Lease + 3*time.Second; took > bound {
		t.Errorf("takeover took %s, want within %s", took, bound)
	}
	t.Logf("taken over and reported %s after the crash", took.Round(time.Millisecond))
}

// TestWorkIsHandedBackOnStop: a replica told to stop hands its unfinished
// work back at once; another replica reads it well before any takeover
// would, and finishes it in the same placeholder.
func TestWorkIsHandedBackOnStop(t *testing.T) {
	opts := sandboxOptions(sandboxChannel)
	opts.TakeoverAfter = 30 * time.Second
	took := workScenario(t, opts, func(a *replica, _ *crashingStore) { a.cancel() })
	if took > 10*time.Second {
		t.Errorf("hand-back took %s, want well under the takeover time %s", took, opts.TakeoverAfter)
	}
	t.Logf("handed back and reported %s after the stop", took.Round(time.Millisecond))
}

// TestWorkNotTriagedTwiceWhenRedisForgets: once a store restarted empty,
// a copy of an episode's notification in its thread finds the report
// through the message metadata and is not triaged again.
func TestWorkNotTriagedTwiceWhenRedisForgets(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{Pace: slackapi.Pace{PerSecond: 20, Burst: 5}})
	m, url := tickingRedis(t)
	st := openStoreAt(t, url)
	triager := newFakeTriager()
	r := startWorkReplica(t, sb, st, triager, withOwner(sandboxOptions(sandboxChannel), "replica-a"))
	email := alarmEmail("checkout-errors", "ALARM", episodeStart)
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", email)
	if err != nil {
		t.Fatal(err)
	}
	// Finished, claim completed, and only then forgotten.
	eventually(t, 10*time.Second, "the triage finished", func() bool {
		return counter(t, r.reg, "trailhound_triages_total", map[string]string{"outcome": outcomeReported}) == 1
	})
	m.FlushAll()
	if _, err := sb.Post(slackapi.Post{Channel: sandboxChannel, BotID: mailBotID, Username: "AWS Notifications", Text: email, ThreadTS: root}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the copy found done in the chat", func() bool {
		return counter(t, r.reg, "trailhound_dedup_hits_total", map[string]string{"state": "chat"}) == 1
	})
	if n := triager.count("checkout-errors"); n != 1 {
		t.Errorf("triaged %d times, want once", n)
	}
	if n := len(ownReplies(sb, sandboxChannel, root)); n != 1 {
		t.Errorf("the bot has %d messages in the thread, want the report only", n)
	}
}

// unansweringStore fails every episode claim while down, as a Redis that does not
// answer.
type unansweringStore struct {
	*StoreAdapter
	mu   sync.Mutex
	down bool
}

func (d *unansweringStore) setDown(v bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = v
}

func (d *unansweringStore) ClaimEpisode(ctx context.Context, k EpisodeKey, owner string, lease time.Duration) (EpisodeClaim, error) {
	d.mu.Lock()
	down := d.down
	d.mu.Unlock()
	if down {
		return EpisodeClaim{}, errors.New("store unavailable")
	}
	return d.StoreAdapter.ClaimEpisode(ctx, k, owner, lease)
}

// TestWorkWaitsForTheStoreWithANote: while the store does not answer, a
// recorded alarm waits for it, with a note in its placeholder, and is then
// triaged once in that placeholder.
func TestWorkWaitsForTheStoreWithANote(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{Pace: slackapi.Pace{PerSecond: 20, Burst: 5}})
	_, url := tickingRedis(t)
	st := &unansweringStore{StoreAdapter: openStoreAt(t, url), down: true}
	triager := newFakeTriager()
	startWorkReplica(t, sb, st, triager, withOwner(sandboxOptions(sandboxChannel), "replica-a"))
	root, err := sb.PostAsBot(sandboxChannel, mailBotID, "AWS Notifications", alarmEmail("checkout-errors", "ALARM", episodeStart))
	if err != nil {
		t.Fatal(err)
	}
	waitSandbox(t, sb, 10*time.Second, "the waiting note", func() bool {
		r := ownReplies(sb, sandboxChannel, root)
		return len(r) == 1 && bytes.Contains(r[0].Blocks, []byte("Redis does not answer"))
	})
	if n := triager.count("checkout-errors"); n != 0 {
		t.Fatalf("triaged %d times while the store did not answer", n)
	}
	st.setDown(false)
	waitSandbox(t, sb, 10*time.Second, "the report", func() bool {
		_, ok := botReport(sb, sandboxChannel, root)
		return ok
	})
	r := ownReplies(sb, sandboxChannel, root)
	if len(r) != 1 || bytes.Contains(r[0].Blocks, []byte("Redis does not answer")) || bytes.Contains(r[0].Blocks, []byte("dedup unavailable")) {
		t.Errorf("the thread holds %d bot messages, the first %s; want the report alone, without the notes", len(r), r[0].Blocks)
	}
	if n := triager.count("checkout-errors"); n != 1 {
		t.Errorf("triaged %d times, want once", n)
	}
}

// TestWorkThatKeepsKillingReplicasIsDropped: an item handed to more
// replicas than maxWorkDeliveries is dropped, not triaged once more.
func TestWorkThatKeepsKillingReplicasIsDropped(t *testing.T) {
	sb := startSandbox(t, slackapi.Options{Pace: slackapi.Pace{PerSecond: 20, Burst: 5}})
	m, url := tickingRedis(t)
	st := openStoreAt(t, url)
	ctx := t.Context()
	body, err := json.Marshal(chat.Message{Channel: sandboxChannel, TS: "1.0", BotID: mailBotID, SubType: "bot_message",
		Texts: []string{alarmEmail("checkout-errors", "ALARM", episodeStart)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordWork(ctx, "event:EvPoison", time.Minute, chat.WorkMessage, body); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReadWork(ctx, "dead-0", 1, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < maxWorkDeliveries; i++ {
		time.Sleep(5 * time.Millisecond)
		if got, err := st.ClaimIdleWork(ctx, fmt.Sprintf("dead-%d", i), time.Millisecond, 1); err != nil || len(got) != 1 {
			t.Fatalf("claim %d: %v, %v", i, got, err)
		}
	}
	triager := newFakeTriager()
	opts := withOwner(sandboxOptions(sandboxChannel), "replica-a")
	opts.TakeoverAfter = 500 * time.Millisecond
	startWorkReplica(t, sb, st, triager, opts)
	eventually(t, 10*time.Second, "the item dropped", func() bool {
		entries, err := m.Stream(store.DefaultKeyPrefix + "work")
		return err == nil && len(entries) == 0
	})
	if n := triager.count("checkout-errors"); n != 0 {
		t.Errorf("triaged %d times, want the item dropped", n)
	}
}
