// Package bot is Trailhound in Slack: a Socket Mode client that reads alarm
// notifications from channels and an SQS queue, triages each alarm episode
// once across replicas, and answers in the alarm's thread.
//
// Every envelope is acknowledged as soon as it arrives, before any Redis or
// AWS call, then handled by a small set of intake workers: the envelope is
// claimed in the store (so that replicas, and Slack's redeliveries, never
// handle it twice), parsed, and an alarm's episode is claimed. The replica
// that wins posts a placeholder in the thread and queues the triage on a
// bounded pool of workers, which edit the placeholder as the walk goes and
// replace it with the report.
//
// Handlers are found in small routing tables (envelope type, Events API
// event type, interaction type, slash-command verb) rather than one switch,
// so that new conversations plug in without touching the socket loop.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/trailhound/trailhound/tools"
)

// Bot is one replica of the Slack bot. Build it with New and run it with Run.
type Bot struct {
	deps Deps
	opts Options
	log  *slog.Logger
	now  func() time.Time
	m    *metrics
	out  *slackOut

	pool     *pool
	intake   chan intakeItem
	episodes *episodes
	notes    *notes

	channels map[string]bool
	askers   map[string]bool
	zones    *zones
	regions  map[string]bool
	accounts map[string]bool

	// Routing tables, filled by New.
	lifecycle    map[socketmode.EventType]func(socketmode.Event)
	envelopes    map[socketmode.EventType]func(context.Context, intakeItem)
	events       map[string]func(context.Context, intakeItem, any)
	interactions map[slack.InteractionType]func(context.Context, slack.InteractionCallback)
	commands     map[string]commandHandler

	// Set by Run before any handler runs.
	botUserID string
	botID     string
	workCtx   context.Context

	started   atomic.Bool
	connected atomic.Bool
	storeOK   atomic.Bool
}

// intakeItem is one unit of intake work: an acknowledged envelope or a
// queue message.
type intakeItem struct {
	evt      socketmode.Event
	sqs      *tools.Message
	received time.Time
}

// New checks deps and opts and builds a bot; Run starts it.
func New(deps Deps, opts Options) (*Bot, error) {
	var missing []error
	if deps.Slack == nil {
		missing = append(missing, errors.New("deps: Slack is required"))
	}
	if deps.Socket == nil {
		missing = append(missing, errors.New("deps: Socket is required"))
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
		deps:     deps,
		opts:     opts,
		log:      deps.Logger.With("replica", opts.Owner),
		now:      deps.Now,
		pool:     newPool(opts.Workers, opts.QueueSize),
		intake:   make(chan intakeItem, opts.IntakeQueue),
		episodes: newEpisodes(opts.DedupWindow),
		notes:    newNotes(opts.DedupWindow),
		channels: set(append([]string{opts.AlertChannel}, opts.Channels...)),
		regions:  set(opts.Regions),
		accounts: set(opts.Accounts),
		askers:   set(opts.CommandUsers),
	}
	delete(b.channels, "")
	delete(b.askers, "")
	if deps.Users == nil {
		deps.Users, _ = deps.Slack.(UserDirectory)
	}
	if deps.Feedback == nil {
		deps.Feedback, _ = deps.Store.(FeedbackStore)
	}
	b.deps = deps
	b.zones = newZones(deps.Users, deps.Now)
	b.m = newMetrics(deps.Metrics,
		func() float64 { return float64(b.pool.queued()) },
		func() float64 { return float64(b.pool.running.Load()) },
		func() float64 { return float64(len(b.intake)) })
	b.out = &slackOut{
		api: deps.Slack, attempts: opts.SlackAttempts, timeout: opts.SlackTimeout,
		interval: opts.PostInterval, burst: opts.PostBurst,
		m: b.m, log: b.log, channels: map[string]*channelPace{},
	}
	b.routes()
	return b, nil
}

func set(items []string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// Ready reports whether the bot can take work: Socket Mode has said hello
// on the current connection and the store has answered once.
func (b *Bot) Ready() bool { return b.connected.Load() && b.storeOK.Load() }

// Run connects and serves until ctx ends, then stops: it takes no new work,
// lets running triages finish until the shutdown deadline, hands the rest
// back (claims released, threads told) and returns within
// Options.ShutdownTimeout. It returns an error when the bot cannot start or
// Socket Mode fails for good (e.g. a revoked token).
func (b *Bot) Run(ctx context.Context) error {
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("bot: Run was already called")
	}
	if err := b.identify(ctx); err != nil {
		return err
	}
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.workCtx = workCtx
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()

	var fatal error // written by the socket's goroutine, read after bgWG.Wait
	var intakeWG, workersWG, bgWG sync.WaitGroup

	bgWG.Go(func() {
		err := b.deps.Socket.RunContext(runCtx)
		if runCtx.Err() == nil {
			fatal = fmt.Errorf("socket mode: %w", err)
			b.log.Error("socket mode stopped for good", "error", err)
			stopRun()
		}
	})
	bgWG.Go(func() { b.socketLoop(runCtx) })
	bgWG.Go(func() { b.pingStore(runCtx) })
	bgWG.Go(func() { b.flushNotes(runCtx) })
	if b.deps.Queue != nil {
		bgWG.Go(func() { b.pollQueue(runCtx) })
	}
	for range b.opts.IntakeWorkers {
		intakeWG.Go(func() { b.intakeWorker(runCtx, workCtx) })
	}
	for range b.opts.Workers {
		workersWG.Go(func() {
			for j := b.pool.next(); j != nil; j = b.pool.next() {
				b.runJob(workCtx, j)
				b.pool.unreserve()
			}
		})
	}
	b.log.Info("bot running", "bot_user", b.botUserID, "workers", b.opts.Workers, "channels", len(b.channels), "queue", b.deps.Queue != nil)

	<-runCtx.Done()
	b.connected.Store(false)
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

	done := make(chan struct{})
	go func() {
		intakeWG.Wait()
		workersWG.Wait()
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
	if n := len(b.intake); n > 0 {
		b.m.dropped.WithLabelValues("shutdown").Add(float64(n))
		b.log.Warn("acknowledged work left unhandled at shutdown", "items", n)
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

// identify learns the bot's own user and bot ids, to ignore its own messages.
func (b *Bot) identify(ctx context.Context) error {
	var resp *slack.AuthTestResponse
	err := b.out.call(ctx, "auth.test", "", func(ctx context.Context) error {
		var err error
		resp, err = b.deps.Slack.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("bot: identify the bot user: %w", err)
	}
	b.botUserID, b.botID = resp.UserID, resp.BotID
	return nil
}

// isOwn reports whether a message was posted by this app.
func (b *Bot) isOwn(user, botID string) bool {
	return (user != "" && user == b.botUserID) || (botID != "" && botID == b.botID)
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
		if sleep(ctx, storePing) != nil {
			return
		}
	}
}

// intakeWorker handles intake items until runCtx ends, each with workCtx
// so that one already started is not cut short by the stop itself.
func (b *Bot) intakeWorker(runCtx, workCtx context.Context) {
	for {
		select {
		case <-runCtx.Done():
			return
		case it := <-b.intake:
			if it.sqs != nil {
				b.handleQueueMessage(workCtx, it.sqs, it.received)
			} else {
				b.handleEnvelope(workCtx, it)
			}
		}
	}
}
