package bot

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Triage outcomes, the label of trailhound_triages_total.
const (
	outcomeReported  = "reported"  // the report replaced the placeholder
	outcomeFailed    = "failed"    // the triage or its posting failed; the claim was released
	outcomeAbandoned = "abandoned" // shutdown came first; the claim was released
	outcomeRefused   = "refused"   // no capacity: the alarm was not queued
)

// SQS message outcomes, the label of trailhound_sqs_messages_total.
const (
	sqsTriaged   = "triaged"
	sqsDuplicate = "duplicate"
	sqsEnded     = "ended"    // OK/INSUFFICIENT_DATA handled
	sqsRefused   = "refused"  // region or account not allowed
	sqsRetry     = "retry"    // left in the queue to come back
	sqsPoison    = "poison"   // deleted after too many receives
	sqsRecorded  = "recorded" // recorded as work, deleted from the queue
	sqsIgnored   = "ignored"  // recognisably not an alarm state change, deleted at the limit
	sqsFailed    = "failed"   // a call to SQS itself failed
	sqsReceived  = "received" // every message received
)

// metrics are the bot's Prometheus collectors.
type metrics struct {
	triages         *prometheus.CounterVec
	triageSeconds   prometheus.Histogram
	placeholderSecs prometheus.Histogram
	stormTakeUp     prometheus.Histogram
	dedupHits       *prometheus.CounterVec
	sqsMessages     *prometheus.CounterVec
	dropped         *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, queueDepth, running, intakeDepth func() float64) *metrics {
	f := promauto.With(reg)
	f.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "trailhound_triage_queue_depth",
		Help: "Triages waiting for a worker.",
	}, queueDepth)
	f.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "trailhound_triages_running",
		Help: "Triages running now.",
	}, running)
	f.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "trailhound_intake_queue_depth",
		Help: "Acknowledged envelopes and queue messages waiting to be handled.",
	}, intakeDepth)
	return &metrics{
		triages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trailhound_triages_total",
			Help: "Triages by outcome: reported, failed, abandoned (shutdown), refused (no capacity).",
		}, []string{"outcome"}),
		triageSeconds: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "trailhound_triage_duration_seconds",
			Help:    "Time from the start of a triage to its report in Slack.",
			Buckets: []float64{0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 90},
		}),
		placeholderSecs: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "trailhound_placeholder_latency_seconds",
			Help:    "Time from receiving an alarm to its placeholder in the thread.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32},
		}),
		stormTakeUp: f.NewHistogram(prometheus.HistogramOpts{
			Name:    "trailhound_storm_takeup_seconds",
			Help:    "Time from receiving an alarm during a storm to its first line in the channel's digest.",
			Buckets: []float64{0.5, 1, 2, 3, 5, 8, 13, 21, 34},
		}),
		// The chat's transport counts its envelopes in these two as well:
		// registered by whichever comes first, shared by the other.
		dedupHits: shared(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailhound_dedup_hits_total",
			Help: "Notifications not triaged because their episode was running or done (state running, done, local, chat, envelope, resolved).",
		}, []string{"state"})),
		dropped: shared(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trailhound_intake_dropped_total",
			Help: "Acknowledged work not handled, by reason (intake_full, shutdown).",
		}, []string{"reason"})),
		sqsMessages: f.NewCounterVec(prometheus.CounterOpts{
			Name: "trailhound_sqs_messages_total",
			Help: "Queue messages by outcome.",
		}, []string{"outcome"}),
	}
}

// shared registers c, or returns the equal collector already registered.
func shared[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	if err != nil {
		panic(err)
	}
	return c
}
