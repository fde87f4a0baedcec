package offline

import (
	"context"
	"encoding/json"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// ConfigurationBefore answers investigation.ConfigHistory from the history
// topology.json records for a resource: the last item captured before at, as
// GetResourceConfigHistory with that later time and a limit of one would.
func (t *Topology) ConfigurationBefore(_ context.Context, r investigation.Resource, at time.Time) (json.RawMessage, time.Time, error) {
	it := t.find(r)
	if it == nil {
		return nil, time.Time{}, investigation.ErrUnknownResource
	}
	var best json.RawMessage
	var when time.Time
	for _, h := range it.History {
		if h.CaptureTime.Before(at) && !h.CaptureTime.Before(when) && len(h.Configuration) > 0 {
			best, when = h.Configuration, h.CaptureTime
		}
	}
	if best == nil {
		return nil, time.Time{}, investigation.ErrUnknownResource
	}
	return best, when, nil
}
