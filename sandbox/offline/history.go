package offline

import (
	"context"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// ConfigurationAround answers investigation.ConfigHistory from the history
// topology.json records for a resource (oldest first, all before the current
// configuration): the last item captured before at, as
// GetResourceConfigHistory with that later time and a limit of one returns
// it, and the next one, or the current configuration.
func (t *Topology) ConfigurationAround(_ context.Context, r investigation.Resource, at time.Time) (investigation.ConfigChange, error) {
	it := t.find(r)
	if it == nil {
		return investigation.ConfigChange{}, investigation.ErrUnknownResource
	}
	var c investigation.ConfigChange
	var afterAt time.Time
	for _, h := range it.History {
		if len(h.Configuration) == 0 {
			continue
		}
		if h.CaptureTime.Before(at) {
			if !h.CaptureTime.Before(c.BeforeAt) {
				c.Before, c.BeforeAt = h.Configuration, h.CaptureTime
			}
			continue
		}
		if c.After == nil || h.CaptureTime.Before(afterAt) {
			c.After, afterAt = h.Configuration, h.CaptureTime
		}
	}
	if c.Before == nil {
		return investigation.ConfigChange{}, investigation.ErrUnknownResource
	}
	if c.After == nil {
		c.After = it.Configuration
	}
	return c, nil
}

// find is the topology.json item r names: by id, ARN, or the name an alarm
// dimension uses.
func (t *Topology) find(r investigation.Resource) *scenario.ConfigItem {
	for i := range t.items.items {
		it := &t.items.items[i]
		if it.Type != r.Type {
			continue
		}
		if it.ID == r.ID || (it.ARN != "" && (it.ARN == r.ID || it.ARN == r.ARN)) || (it.Name != "" && it.Name == r.ID) {
			return it
		}
	}
	return nil
}
