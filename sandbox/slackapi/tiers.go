package slackapi

import "time"

// Slack's Tier 3 (api.slack.com/docs/rate-limits): "50+ per minute" per
// method, per workspace and app, with sporadic bursts. chat.update and
// reactions.add are Tier 3; chat.postMessage has its own per-channel pace
// (Pace).
const (
	Tier3PerMinute = 50
	Tier3Burst     = 5
)

// tier3Methods are the methods Tier3 limits.
var tier3Methods = map[string]bool{"chat.update": true, "reactions.add": true}

// Tier3 is the workspace-wide token bucket of each Tier 3 method. Off by
// default, so that tests about something else are not paced by it; a call
// beyond the bucket is answered 429 with Retry-After.
type Tier3 struct {
	Enabled   bool
	PerMinute int // sustained calls per minute per method (Tier3PerMinute)
	Burst     int // calls allowed back to back (Tier3Burst)
}

// tierBucket is one method's bucket.
type tierBucket struct {
	tokens   float64
	refilled time.Time
}

// takeTier3 spends one of method's tokens, or says how long until the next
// one; s.mu must be held.
func (s *Server) takeTier3(method string) (bool, time.Duration) {
	t := s.opts.Tier3
	if !t.Enabled || !tier3Methods[method] {
		return true, 0
	}
	perSecond := float64(t.PerMinute) / 60
	b := s.tiers[method]
	if b == nil {
		b = &tierBucket{tokens: float64(t.Burst)}
		s.tiers[method] = b
	} else {
		b.tokens = min(float64(t.Burst), b.tokens+time.Since(b.refilled).Seconds()*perSecond)
	}
	b.refilled = time.Now()
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
}
