// Package bot is Trailhound's application: it reads alarm notifications
// from chat channels and a queue, triages each alarm episode once across
// replicas, and answers in the alarm's thread; it answers questions,
// commands and button clicks about triages and changes.
//
// The workflow of an alarm episode is claim → placeholder → triage →
// report → complete, or hand back when it cannot finish: a notification is
// parsed and its episode claimed; the replica that wins posts a placeholder
// in the thread and queues the triage on a bounded pool of workers, which
// edit the placeholder as the walk goes and replace it with the report.
//
// Nothing acknowledged is lost with a replica: notifications are recorded
// as work in the store before they are acknowledged, read by one replica,
// taken over by another when that one stops refreshing them, and handed
// back when it stops (work.go). Nothing is triaged twice when the store
// forgets: the thread in the chat, tagged with message metadata, is read
// back before a new one is opened (slacktruth.go).
//
// The bot talks to the world over small ports in its own terms (deps.go):
// a chat workspace (bot/slackchat speaks Slack), the store's episodes and
// threads, and the alarm queue. Slash-command verbs are found in a small
// routing table, so that new commands plug in without touching the rest.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trailhound/trailhound/bot/chat"
)

// Bot is one replica of Trailhound. Build it with New and run it with Run.
type Bot struct {
	deps Deps
	opts Options
	log  *slog.Logger
	now  func() time.Time
	m    *metrics
	chat Chat

	pool     *pool
	intake   chan queueItem
	held     *heldWork
	episodes *episodes
	notes    *notes
	names    *channelNames
	// storms, when the store keeps them, coalesce alarm storms into one
	// digest per channel (storm.go); digestWake starts a new digest at
	// once; reports are storm reports waiting for their channel's pace.
	storms     Storms
	digestWake chan struct{}
	reports    sync.WaitGroup
	// pointers are placeholders whose report was posted below them.
	pointers chan chat.Ref
	// sharedPointers, when the store keeps them, hold the waiting
	// placeholders for every replica.
	sharedPointers Pointers

	channels map[string]bool
	askers   map[string]bool
	// alarmBots are the integrations whose alarms are triaged; empty: all.
	alarmBots map[string]bool
	regions   map[string]bool
	accounts  map[string]bool

	// commands routes the slash command's verbs; filled by New.
	commands map[string]commandHandler

	// Set by Run before any handler runs.
	workCtx context.Context

	started atomic.Bool
	storeOK atomic.Bool
}

// New checks deps and opts and builds a bot; Run starts it.
func New(deps Deps, opts Options) (*Bot, error) {
	var missing []error
	if deps.Chat == nil {
		missing = append(missing, errors.New("deps: Chat is required"))
	}
	if deps.Triager == nil {
		missing = append(missing, errors.New("deps: Triager is required"))
	}
	if deps.Store == nil {
		missing = append(missing, errors.New("deps: Store is required"))
	}
	opts = opts.withDefaults()
	if err := errors.Join(append(missing, opts.validate(deps))...); err != nil {
		return nil, fmt.Errorf("new bot: %w", err)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		deps:      deps,
		opts:      opts,
		log:       deps.Logger.With("replica", opts.Owner),
		now:       deps.Now,
		chat:      deps.Chat,
		pool:      newPool(opts.Workers, opts.QueueSize),
		intake:    make(chan queueItem, opts.IntakeQueue),
		held:      newHeldWork(),
		episodes:  newEpisodes(opts.DedupWindow),
		notes:     newNotes(opts.DedupWindow),
		names:     newChannelNames(),
		channels:  set(append([]string{opts.AlertChannel}, opts.Channels...)),
		regions:   set(opts.Regions),
		accounts:  set(opts.Accounts),
		askers:    set(opts.CommandUsers),
		alarmBots: set(opts.AlarmBots),
	}
	b.storms, _ = deps.Store.(Storms)
	b.sharedPointers, _ = deps.Store.(Pointers)
	b.digestWake = make(chan struct{}, 1)
	b.pointers = make(chan chat.Ref, pointerQueue)
	delete(b.channels, "")
	delete(b.askers, "")
	delete(b.alarmBots, "")
	if deps.Feedback == nil {
		deps.Feedback, _ = deps.Store.(FeedbackStore)
	}
	b.deps = deps
	b.m = newMetrics(deps.Metrics,
		func() float64 { return float64(b.pool.queued()) },
		func() float64 { return float64(b.pool.running.Load()) },
		func() float64 { return float64(len(b.intake) + b.chat.Pending()) })
	b.commands = map[string]commandHandler{
		"help":    b.cmdHelp,
		"triage":  b.cmdTriage,
		"changes": b.cmdChanges,
	}
	return b, nil
}

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// Ready reports whether the bot can take work: the chat connection is up
// and the store has answered once.
func (b *Bot) Ready() bool { return b.chat.Connected() && b.storeOK.Load() }

// Run connects and serves until ctx ends, then stops: it takes no new work,
// lets running triages finish until the shutdown deadline, hands the rest
// back (claims released, threads told) and returns within
// Options.ShutdownTimeout. It returns an error when the bot cannot start or
// the chat connection fails for good (e.g. a revoked token).
func (b *Bot) Run(ctx context.Context) error {
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("bot: Run was already called")
	}
	if err := b.chat.Connect(ctx); err != nil {
		return fmt.Errorf("bot: %w", err)
	}
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.workCtx = workCtx
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()

	var fatal error // written by the chat's goroutine, read after shutdown waited for it
	var intakeWG, workersWG, bgWG sync.WaitGroup

	intakeWG.Go(func() {
		if err := b.chat.Serve(runCtx, workCtx, b); err != nil && runCtx.Err() == nil {
			fatal = err
			b.log.Error("chat connection stopped for good", "error", err)
			stopRun()
		}
	})
	bgWG.Go(func() { b.pingStore(runCtx) })
	bgWG.Go(func() { b.flushNotes(runCtx) })
	bgWG.Go(func() { b.runDigests(runCtx) })
	bgWG.Go(func() { b.editPointers(runCtx) })
	if b.deps.Work != nil {
		bgWG.Go(func() { b.readWork(runCtx) })
		bgWG.Go(func() { b.refreshWork(runCtx) })
	}
	if b.deps.Queue != nil {
		bgWG.Go(func() { b.pollQueue(runCtx) })
	}
	if b.deps.Queue != nil || b.deps.Work != nil {
		for range b.opts.IntakeWorkers {
			intakeWG.Go(func() { b.intakeWorker(runCtx, workCtx) })
		}
	}
	for range b.opts.Workers {
		workersWG.Go(func() {
			for j := b.pool.next(); j != nil; j = b.pool.next() {
				b.runJob(workCtx, j)
				b.pool.unreserve()
			}
		})
	}
	b.log.Info("bot running", "workers", b.opts.Workers, "channels", len(b.channels), "queue", b.deps.Queue != nil)

	<-runCtx.Done()
	b.shutdown(&intakeWG, &workersWG, cancelWork)
	bgWG.Wait()
	return fatal
}

// shutdown runs once Run's context has ended. Queued jobs are handed back
// at once; running ones get until the deadline, ShutdownTimeout less the
// cleanup reserve, and are then interrupted, which hands them back too.
func (b *Bot) shutdown(intakeWG, workersWG *sync.WaitGroup, cancelWork context.CancelFunc) {
	started := b.now()
	final, cancelFinal := context.WithTimeout(context.Background(), b.opts.ShutdownTimeout)
	defer cancelFinal()
	b.log.Info("stopping: no new work; letting running triages finish", "running", b.pool.running.Load(), "queued", b.pool.queued())
	deadline := time.NewTimer(b.opts.ShutdownTimeout - cleanupReserve)
	defer deadline.Stop()
	close(b.pool.stop)
	var abandoning sync.WaitGroup
	abandoning.Go(func() { b.abandon(final, b.pool.drain()) })
	if b.deps.Work != nil {
		abandoning.Go(func() { b.handBackUnread(final) })
	}

	done := make(chan struct{})
	go func() {
		intakeWG.Wait()
		workersWG.Wait()
		b.reports.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-deadline.C:
		b.log.Warn("shutdown deadline reached: interrupting running triages", "running", b.pool.running.Load())
		cancelWork()
		<-done
	}
	abandoning.Wait()
	// Intake handlers may have queued jobs after the first drain.
	b.abandon(final, b.pool.drain())
	if b.deps.Work != nil {
		// What was read and not finished, handed back at once instead of
		// waiting to be taken over.
		b.handBackHeld(final)
	} else if n := len(b.intake); n > 0 {
		b.m.dropped.WithLabelValues("shutdown").Add(float64(n))
		b.log.Warn("queue messages left unhandled at shutdown; they come back after their visibility", "items", n)
	}
	b.log.Info("stopped", "took", b.now().Sub(started).Round(time.Millisecond))
}

// abandon hands back jobs that never started, a few at a time, all within
// ctx.
func (b *Bot) abandon(ctx context.Context, jobs []*triageJob) {
	const fanOut = 8
	sem := make(chan struct{}, fanOut)
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			b.failJob(ctx, j, context.Canceled, true)
			b.pool.unreserve()
		})
	}
	wg.Wait()
}

// storePing is how often an unreachable store is tried again for readiness.
const storePing = 5 * time.Second

// pingStore marks the store reachable once it answers. Readiness does not
// go away with Redis later: triages go on without it, with a warning.
func (b *Bot) pingStore(ctx context.Context) {
	for {
		cctx, cancel := context.WithTimeout(ctx, storePing)
		err := b.deps.Store.Ping(cctx)
		cancel()
		if err == nil {
			b.storeOK.Store(true)
			return
		}
		b.log.Warn("store does not answer", "error", err)
		if chat.Sleep(ctx, storePing) != nil {
			return
		}
	}
}

// firstNonEmpty returns the first of vals that is not empty.
func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
