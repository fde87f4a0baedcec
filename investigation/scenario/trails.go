package scenario

import (
	"encoding/json"
	"time"
)

// TrailsFile is trails.json: every CloudTrail trail of the scenario's
// accounts. An account without an entry has no trail, so only the 90 days of
// management events in event history record it.
type TrailsFile struct {
	Trails []Trail `json:"trails"`
}

// Trail is one trail as DescribeTrails, GetTrailStatus and GetEventSelectors
// describe it together.
type Trail struct {
	Account      string `json:"account"`
	Name         string `json:"name"`
	HomeRegion   string `json:"home_region"`
	MultiRegion  bool   `json:"multi_region"`
	Organization bool   `json:"organization"`
	Bucket       string `json:"bucket"`
	Logging      bool   `json:"logging"`
	// StartedLogging, StoppedLogging and LatestDelivery are zero ("" in
	// the file) when the trail never did so.
	StartedLogging   MaybeTime `json:"started_logging,omitzero"`
	StoppedLogging   MaybeTime `json:"stopped_logging,omitzero"`
	LatestDelivery   MaybeTime `json:"latest_delivery,omitzero"`
	ManagementEvents bool      `json:"management_events"`
	// ReadWriteType is "All", "ReadOnly" or "WriteOnly", as event selectors
	// spell it.
	ReadWriteType string           `json:"read_write_type"`
	DataEvents    []DataEventScope `json:"data_events,omitempty"`
}

// DataEventScope is one data resource a trail's selectors record.
type DataEventScope struct {
	ResourceType string   `json:"resource_type"` // e.g. "AWS::S3::Object"
	Values       []string `json:"values"`        // ARN prefixes; empty records all
}

// MaybeTime is an RFC 3339 time that the file may leave "" for "never".
type MaybeTime struct{ time.Time }

// UnmarshalJSON reads "" and null as the zero time.
func (t *MaybeTime) UnmarshalJSON(b []byte) error {
	if s := string(b); s == `""` || s == "null" {
		t.Time = time.Time{}
		return nil
	}
	return json.Unmarshal(b, &t.Time)
}

// MarshalJSON writes the zero time as "".
func (t MaybeTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.Time)
}
