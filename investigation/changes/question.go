package changes

import (
	"context"
	"fmt"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/engine"
)

// DefaultWindow is the window of a question that names none.
const DefaultWindow = time.Hour

// WindowOf is the window of "before BEFORE, window W" read in ref's zone: it
// ends at the time before names (ref.Now when empty) and lasts w
// (DefaultWindow when zero).
func WindowOf(before string, w time.Duration, ref investigation.TimeReference) (investigation.Window, error) {
	end := ref.Now
	if before != "" {
		t, err := investigation.ParseTime(before, ref)
		if err != nil {
			return investigation.Window{}, fmt.Errorf("before: %w", err)
		}
		end = t
	}
	if w == 0 {
		w = DefaultWindow
	}
	return investigation.Window{Start: end.Add(-w), End: end}, nil
}

// AlarmResources are what a question about alarm a covers: the resources it
// was scoped to, else its scope read now (alarms may be nil).
func AlarmResources(ctx context.Context, a investigation.Alarm, alarms investigation.Alarms) []investigation.Resource {
	if len(a.Resources) > 0 {
		return a.Resources
	}
	return engine.Scope(ctx, a, alarms).Resources
}
