package engine

import (
	"context"
	"errors"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// maxFeedReads bounds the status feeds read per triage: one per scoped
// resource that has one, the alarm's own resources first. Each is one or two
// read-only calls; a few cover the workload and what serves it.
const maxFeedReads = 8

// feedTypes are the resource types whose service reports their status: the
// workloads and what they run on (service events, target health, database
// events, scaling activities, a function's update status).
var feedTypes = map[string]bool{
	investigation.TypeECSService:       true,
	investigation.TypeTargetGroup:      true,
	investigation.TypeRDSInstance:      true,
	investigation.TypeRDSCluster:       true,
	investigation.TypeAutoScalingGroup: true,
	investigation.TypeLambdaFunction:   true,
}

// readFeeds reads the scoped resources' status feeds over the same span as
// the logs and returns the lines the log classifier reads (Noteworthy), each
// in its feed's pseudo-group, and the groups read. A feed that cannot be
// read is noted and the triage goes on.
func (t *triage) readFeeds(ctx context.Context, fx *effects, start, end time.Time) ([]investigation.LogLine, []string) {
	feeds := t.engine.Feeds
	if feeds == nil {
		return nil, nil
	}
	var lines []investigation.LogLine
	var read []string
	n := 0
	for layer := 1; layer <= 2; layer++ {
		for _, s := range t.targets {
			if s.Layer != layer || !feedTypes[s.Type] {
				continue
			}
			if n == maxFeedReads {
				fx.note("status feeds: %d read, %s %s and later resources not read", maxFeedReads, s.Type, s.ID)
				return lines, read
			}
			n++
			got, err := feeds.Status(t.inAccount(ctx, s.Resource), s.Resource, start, end)
			if errors.Is(err, investigation.ErrUnknownResource) || fx.refused(err, s.Resource) {
				continue
			}
			if err != nil {
				fx.note("status feed of %s %s not read: %v", s.Type, s.ID, err)
				continue
			}
			for _, l := range got {
				if Noteworthy(l.Message) {
					lines = append(lines, l)
					read = append(read, l.Group)
				}
			}
		}
	}
	return lines, dedupeStrings(read)
}
