package slackchat

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the transport's Prometheus collectors.
type metrics struct {
	slackRetries    *prometheus.CounterVec
	slackRateLimits *prometheus.CounterVec
	envelopes       *prometheus.CounterVec
	dedupHits       *prometheus.CounterVec
	dropped         *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	vec := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		if reg == nil {
			return v
		}
		return register(reg, v)
	}
	return &metrics{
		slackRetries: vec("trailhound_slack_retries_total",
			"Slack Web API calls retried, by method and reason (ratelimited, transient).", "method", "reason"),
		slackRateLimits: vec("trailhound_slack_rate_limited_total",
			"HTTP 429 answers from Slack, by method.", "method"),
		envelopes: vec("trailhound_envelopes_total",
			"Socket Mode envelopes by type and outcome (handled, duplicate, dropped).", "type", "outcome"),
		// The two below are the bot's own, shared with its other intakes:
		// the same name, help and labels reuse its collector.
		dedupHits: vec("trailhound_dedup_hits_total",
			"Notifications not triaged because their episode was running or done (state running, done, local, chat, envelope, resolved).", "state"),
		dropped: vec("trailhound_intake_dropped_total",
			"Acknowledged work not handled, by reason (intake_full, shutdown).", "reason"),
	}
}

// register registers c, or returns the equal collector already registered.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
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
