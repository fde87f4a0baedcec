package engine

import (
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// TrailWindow is the widest span of the trail a triage of a symptom that
// began at symptom reads. Every change it finds is at most
// EventHistoryRetention old (the deepest of the walk's windows, the
// history, the delayed kinds' look-backs and the trail setup's read), and
// the call before a change is read up to priorLookback before it; nothing
// after the symptom is read. A reader of trail files may drop every record
// outside it and answer the triage's lookups as over the whole trail.
func TrailWindow(symptom time.Time) investigation.Window {
	return investigation.Window{Start: symptom.Add(-EventHistoryRetention - priorLookback), End: symptom}
}
