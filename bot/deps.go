package bot

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailhound/trailhound/investigation"
)

// Deps are what the bot talks to. Chat, Triager and Store are required.
type Deps struct {
	Chat    Chat
	Triager Triager
	Store   Store
	// Advisor, when set, adds the AI assessment to each report by updating
	// the report's message (TRAILHOUND_AI=bedrock).
	Advisor Advisor
	// Answerer, when set, answers questions in a triage thread that none
	// of the bot's own intents match (TRAILHOUND_AI=bedrock).
	Answerer Answerer
	// Alarms describes alarms that chat notifications and commands only
	// name; without it those are answered with an explanation.
	Alarms AlarmDescriber
	// Changes answers change questions, event lookups and "who did what";
	// without it those are answered with an explanation.
	Changes ChangeFinder
	// IAM reads policy versions, for "what was the previous version".
	IAM investigation.IAM
	// Topology and Logs, when set, are captured into the scenarios written
	// from corrections (Options.ScenarioDir).
	Topology investigation.Topology
	Logs     investigation.Logs
	// Feedback stores 👍/👎 on causes; nil uses Store when it can
	// (RedisStore's does).
	Feedback FeedbackStore
	// Pictures, when set, draws each report's timeline, which is uploaded
	// into the thread under the report.
	Pictures Picturer
	// Queue, when set, is long-polled for alarm notifications, which open
	// threads in Options.AlertChannel.
	Queue Queue
	// Work, when set, is where acknowledged intake is recorded and read
	// from: queue messages are recorded there, and the chat transport is
	// expected to record the messages it acknowledges (chat.WorkMessage).
	Work Work
	// Now is the clock (time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics registers the bot's collectors; nil keeps them unregistered.
	Metrics prometheus.Registerer
}

// Defaults of Options.
const (
	DefaultWorkers         = 4
	DefaultQueueSize       = 256
	DefaultIntakeWorkers   = 8
	DefaultIntakeQueue     = 1024
	DefaultShutdownTimeout = 9 * time.Second
	DefaultProgressEvery   = time.Second
	DefaultSQSVisibility   = 2 * time.Minute
	DefaultPoisonReceives  = 5
	DefaultCommand         = "/trailhound"
	// DefaultLease is short so that a dead replica's episode is taken over
	// well within a minute (MaxTakeover); the lease is renewed every third
	// of it, about as often as the replica's work is refreshed.
	DefaultLease = 20 * time.Second
	// DefaultDedupWindow outlasts the redeliveries of one transition.
	DefaultDedupWindow = time.Hour
	// maxShutdownTimeout keeps a stop within what an orchestrator waits
	// before killing the process (Kubernetes' default grace is 30 s, but
	// rolling deploys are planned around 10 s).
	maxShutdownTimeout = 10 * time.Second
	// cleanupReserve is the part of the shutdown timeout kept for handing
	// unfinished work back (releasing claims, telling the thread).
	cleanupReserve = 2 * time.Second
)

// Options tune the bot. Zero fields take the defaults above.
type Options struct {
	// Channels are the channel ids the bot reads and answers in;
	// AlertChannel is one of them implicitly.
	Channels []string
	// AlertChannel is where alarms from the queue open their threads.
	AlertChannel string
	// Regions and Accounts, when set, are the only ones triaged.
	Regions  []string
	Accounts []string
	// DefaultRegion is where `/trailhound triage NAME` looks when the name
	// is not an ARN and no region is given.
	DefaultRegion string
	// Owner names this replica in alarm claims (hostname-pid).
	Owner string
	// Workers is how many triages run at once; QueueSize how many more
	// may wait (negative: none). An alarm beyond both is refused with a
	// note, and queue messages are left in the queue meanwhile.
	Workers   int
	QueueSize int
	// IntakeWorkers handle queue messages: parsing, claims, placeholders.
	// IntakeQueue bounds what waits for them.
	IntakeWorkers int
	IntakeQueue   int
	// DedupWindow is how long a triaged episode counts as done.
	DedupWindow time.Duration
	// Lease and RenewEvery time the alarm claim.
	Lease      time.Duration
	RenewEvery time.Duration
	// TakeoverAfter is how long recorded work may go unrefreshed before
	// another replica takes it over (at most MaxTakeover).
	TakeoverAfter time.Duration
	// ShutdownTimeout bounds how long Run takes to return once its context
	// ends, at most 10 s.
	ShutdownTimeout time.Duration
	// ProgressEvery is the least time between two updates of a message.
	ProgressEvery time.Duration
	// SQSVisibility is how long a message being triaged is kept hidden,
	// renewed every third of it.
	SQSVisibility time.Duration
	// PoisonReceives: a queue message that is still not handled after this
	// many receives is logged and deleted.
	PoisonReceives int
	// Command is the slash command the app registers.
	Command string
	// CommandUsers, when set, are the only members who may ask questions
	// that read AWS (changes, triage, event JSON, re-runs); everyone in an
	// allowed channel may still read help and give feedback.
	CommandUsers []string
	// AlarmBots, when set, are the only integrations (Slack bot ids) whose
	// alarm notifications are triaged; empty trusts every integration in
	// an allowed channel. A member's pasted alarm is triaged when
	// CommandUsers allows them.
	AlarmBots []string
	// ScenarioDir, when set, is where a 👎 followed by the right cause
	// writes a replayable scenario folder for `trailhound eval`.
	ScenarioDir string
}

func (o Options) withDefaults() Options {
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&o.Workers, DefaultWorkers)
	if o.QueueSize < 0 {
		o.QueueSize = 0
	} else if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	setInt(&o.IntakeWorkers, DefaultIntakeWorkers)
	setInt(&o.IntakeQueue, DefaultIntakeQueue)
	setDur(&o.DedupWindow, DefaultDedupWindow)
	setDur(&o.Lease, DefaultLease)
	setDur(&o.RenewEvery, o.Lease/3)
	setDur(&o.TakeoverAfter, TakeoverAfter)
	setDur(&o.ShutdownTimeout, DefaultShutdownTimeout)
	setDur(&o.ProgressEvery, DefaultProgressEvery)
	setDur(&o.SQSVisibility, DefaultSQSVisibility)
	setInt(&o.PoisonReceives, DefaultPoisonReceives)
	if o.Command == "" {
		o.Command = DefaultCommand
	}
	if o.Owner == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "trailhound"
		}
		o.Owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return o
}

func (o Options) validate(d Deps) error {
	var errs []error
	if len(o.Channels) == 0 && o.AlertChannel == "" {
		errs = append(errs, errors.New("options: no channels: set Channels (and AlertChannel for queue intake)"))
	}
	if d.Queue != nil && o.AlertChannel == "" {
		errs = append(errs, errors.New("options: AlertChannel is required with a queue: alarms from it need a channel to open threads in"))
	}
	if o.ShutdownTimeout > maxShutdownTimeout || o.ShutdownTimeout <= cleanupReserve {
		errs = append(errs, fmt.Errorf("options: ShutdownTimeout %s must be above %s and at most %s", o.ShutdownTimeout, cleanupReserve, maxShutdownTimeout))
	}
	if o.TakeoverAfter+takeoverScan+o.Lease > MaxTakeover {
		errs = append(errs, fmt.Errorf("options: TakeoverAfter %s and Lease %s would let a dead replica's work wait beyond %s", o.TakeoverAfter, o.Lease, MaxTakeover))
	}
	if o.SQSVisibility < 3*time.Second {
		errs = append(errs, fmt.Errorf("options: SQSVisibility %s is too short to renew (at least 3s)", o.SQSVisibility))
	}
	return errors.Join(errs...)
}
