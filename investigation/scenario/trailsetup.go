package scenario

import (
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// defaultTrailAge is how long before the scenario's now the default trail
// started logging.
const defaultTrailAge = 2 * 365 * 24 * time.Hour

// TrailsOf returns the trails of account: trails.json's entries for it, or,
// without the file, what most accounts have: one multi-region trail of all
// management events, logging since long before the scenario, named after the
// account. Its LatestDelivery is left zero for the reader to fill in.
func (sc *Scenario) TrailsOf(account string) []Trail {
	if sc.Trails == nil {
		return []Trail{{
			Account: account, Name: "management-events-" + account, HomeRegion: sc.Meta.Region,
			MultiRegion: true, Bucket: "aws-cloudtrail-logs-" + account, Logging: true,
			StartedLogging:   MaybeTime{sc.Meta.Now.Add(-defaultTrailAge).Truncate(24 * time.Hour).UTC()},
			ManagementEvents: true, ReadWriteType: "All",
		}}
	}
	var out []Trail
	for _, t := range sc.Trails.Trails {
		if t.Account == account {
			out = append(out, t)
		}
	}
	return out
}

// ARN is the trail's ARN.
func (t Trail) ARN() string {
	return "arn:aws:cloudtrail:" + t.HomeRegion + ":" + t.Account + ":trail/" + t.Name
}

// Config is the trail in the engine's terms.
func (t Trail) Config() investigation.TrailConfig {
	c := investigation.TrailConfig{
		Name: t.Name, ARN: t.ARN(), HomeRegion: t.HomeRegion, MultiRegion: t.MultiRegion, Organization: t.Organization,
		Logging: t.Logging, StartedLogging: t.StartedLogging.Time, StoppedLogging: t.StoppedLogging.Time,
		LatestDelivery: t.LatestDelivery.Time, ManagementEvents: t.ManagementEvents, ReadWriteType: t.ReadWriteType,
	}
	for _, d := range t.DataEvents {
		c.DataEvents = append(c.DataEvents, investigation.DataEventSelector{ResourceType: d.ResourceType, Values: d.Values})
	}
	return c
}
