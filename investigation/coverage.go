package investigation

import (
	"strings"
	"time"
)

// TrailConfig is one CloudTrail trail as DescribeTrails, GetTrailStatus and
// GetEventSelectors describe it: what it records and whether it delivers.
type TrailConfig struct {
	Name       string
	ARN        string
	HomeRegion string
	// MultiRegion trails record every region; the others only HomeRegion.
	MultiRegion  bool
	Organization bool
	Logging      bool
	// StoppedLogging is when StopLogging last took effect (zero if never or
	// logging since); LatestDelivery when a log file last reached S3.
	StartedLogging time.Time
	StoppedLogging time.Time
	LatestDelivery time.Time
	// ManagementEvents and ReadWriteType ("All", "ReadOnly", "WriteOnly")
	// say which management events the trail records.
	ManagementEvents bool
	ReadWriteType    string
	DataEvents       []DataEventSelector
}

// DataEventSelector is one kind of data event a trail records, basic or
// advanced selectors alike: a resource type (AWS::S3::Object,
// AWS::Lambda::Function, …) and the ARN prefixes it is limited to (none: all
// resources of the type).
type DataEventSelector struct {
	ResourceType string
	Values       []string
}

// Records reports whether t records region's events.
func (t TrailConfig) Records(region string) bool {
	return t.MultiRegion || t.HomeRegion == region
}

// RecordsDataEvents reports whether t records the data events of resourceType
// on the resource arn ("" asks about any resource of the type).
func (t TrailConfig) RecordsDataEvents(resourceType, arn string) bool {
	for _, s := range t.DataEvents {
		if s.ResourceType != resourceType {
			continue
		}
		if len(s.Values) == 0 || arn == "" {
			return true
		}
		for _, v := range s.Values {
			// A bare service prefix ("arn:aws:s3", "arn:aws:lambda")
			// selects every resource of the service.
			if strings.HasPrefix(arn, v) || strings.Count(strings.TrimRight(v, ":"), ":") == 2 {
				return true
			}
		}
	}
	return false
}

// CoverageGapKind names what the account's trail setup does not record.
type CoverageGapKind string

// The gaps a report states. Scenarios' expect.json use the same words.
const (
	GapNoTrail          CoverageGapKind = "no_trail"           // only the 90-day event history exists
	GapRegionNotCovered CoverageGapKind = "region_not_covered" // the trails are single-region, elsewhere
	GapDataEventsOff    CoverageGapKind = "data_events_off"    // object or invocation access is recorded nowhere
	GapLoggingStopped   CoverageGapKind = "logging_stopped"    // the trail does not deliver any more
)

// CoverageGap is something the walk could not see because of how the
// account's trails are set up, stated as a fact with what it hides.
type CoverageGap struct {
	Kind    CoverageGapKind `json:"kind"`
	Account string          `json:"account"`
	Region  string          `json:"region"`
	Note    string          `json:"note"`
	// ConfidenceSteps is how many grades the gap took off the candidates'
	// confidence that they caused the symptom.
	ConfidenceSteps int `json:"confidence_steps"`
	// EventIDs are trail events that changed the trail setup itself
	// (StopLogging, DeleteTrail, PutEventSelectors, …).
	EventIDs []string `json:"event_ids,omitempty"`
}

// Lower takes steps grades off c, down to low at most.
func (c Confidence) Lower(steps int) Confidence {
	order := []Confidence{ConfidenceLow, ConfidenceMedium, ConfidenceHigh}
	for i, o := range order {
		if o == c {
			return order[max(0, i-steps)]
		}
	}
	return c
}
