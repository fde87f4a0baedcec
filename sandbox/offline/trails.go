package offline

import (
	"context"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// NewTrailSetups answers the engine's trail-setup reads from trails.json, or
// the default trail without it.
func NewTrailSetups(sc *scenario.Scenario) *TrailSetups { return &TrailSetups{sc: sc} }

// TrailSetups is a scenario's trail setup as the engine reads it.
type TrailSetups struct{ sc *scenario.Scenario }

// Trails returns every trail of account; "" is the scenario's account.
func (s *TrailSetups) Trails(_ context.Context, account, _ string) ([]investigation.TrailConfig, error) {
	if account == "" {
		account = s.sc.Meta.Account
	}
	var out []investigation.TrailConfig
	for _, t := range s.sc.TrailsOf(account) {
		out = append(out, t.Config())
	}
	return out, nil
}
