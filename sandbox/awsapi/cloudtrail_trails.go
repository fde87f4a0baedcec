package awsapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// The trail setup of the account the request reads, for ListTrails,
// DescribeTrails, GetTrailStatus and GetEventSelectors: trails.json's entries
// for the account, or without the file the default multi-region trail of
// management events (scenario.TrailsOf).

// trails are the account's trails. The default trail's last delivery is the
// newest trail record before now: CloudTrail delivers within minutes.
func (a *Emulator) trails() []scenario.Trail {
	out := a.sc.TrailsOf(a.sc.Meta.Account)
	if a.sc.Trails == nil && len(out) == 1 {
		latest := a.sc.Meta.Now
		if events := a.state.trail.index.Lookup(investigation.Lookup{End: a.sc.Meta.Now}); len(events) > 0 {
			latest = events[0].Time
		}
		out[0].LatestDelivery = scenario.MaybeTime{Time: latest.UTC()}
	}
	return out
}

// visible reports whether DescribeTrails in region lists t: a trail shows in
// its home region, and a multi-region one as a shadow trail everywhere else.
func visible(t scenario.Trail, region string, shadows bool) bool {
	return t.HomeRegion == region || (t.MultiRegion && shadows)
}

// names reports whether ref (a name or an ARN) is t, as seen from region:
// a name reaches the trails of the region, an ARN any region's.
func names(t scenario.Trail, ref, region string) bool {
	if strings.HasPrefix(ref, "arn:") {
		return ref == t.ARN()
	}
	return ref == t.Name && visible(t, region, true)
}

type trailOut struct {
	Name                       string `json:"Name"`
	S3BucketName               string `json:"S3BucketName"`
	IncludeGlobalServiceEvents bool   `json:"IncludeGlobalServiceEvents"`
	IsMultiRegionTrail         bool   `json:"IsMultiRegionTrail"`
	HomeRegion                 string `json:"HomeRegion"`
	TrailARN                   string `json:"TrailARN"`
	LogFileValidationEnabled   bool   `json:"LogFileValidationEnabled"`
	HasCustomEventSelectors    bool   `json:"HasCustomEventSelectors"`
	HasInsightSelectors        bool   `json:"HasInsightSelectors"`
	IsOrganizationTrail        bool   `json:"IsOrganizationTrail"`
}

func describeTrail(t scenario.Trail) trailOut {
	return trailOut{
		Name: t.Name, S3BucketName: t.Bucket, IncludeGlobalServiceEvents: t.MultiRegion, IsMultiRegionTrail: t.MultiRegion,
		HomeRegion: t.HomeRegion, TrailARN: t.ARN(), LogFileValidationEnabled: true,
		HasCustomEventSelectors: len(t.DataEvents) > 0 || !t.ManagementEvents || t.ReadWriteType != "All",
		IsOrganizationTrail:     t.Organization,
	}
}

func (a *Emulator) describeTrails(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	region := a.requestRegion(r)
	shadows := in.IncludeShadowTrails == nil || *in.IncludeShadowTrails
	out := []trailOut{}
	for _, t := range a.trails() {
		listed := len(in.TrailNameList) == 0 && visible(t, region, shadows)
		for _, ref := range in.TrailNameList {
			listed = listed || names(t, ref, region)
		}
		if listed {
			out = append(out, describeTrail(t))
		}
	}
	return map[string]any{"trailList": out}, nil
}

// listTrails answers with every trail of the account, whatever its region.
func (a *Emulator) listTrails(_ *http.Request, body []byte) (any, *apiError) {
	var in struct {
		NextToken string `json:"NextToken"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	out := []map[string]string{}
	for _, t := range a.trails() {
		out = append(out, map[string]string{"TrailARN": t.ARN(), "Name": t.Name, "HomeRegion": t.HomeRegion})
	}
	return map[string]any{"Trails": out}, nil
}

// trailNamed is the trail a Name or TrailName parameter names, or CloudTrail's error.
func (a *Emulator) trailNamed(r *http.Request, ref string) (scenario.Trail, *apiError) {
	if ref == "" {
		return scenario.Trail{}, clientError("InvalidTrailNameException", "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	}
	region := a.requestRegion(r)
	for _, t := range a.trails() {
		if names(t, ref, region) {
			return t, nil
		}
	}
	return scenario.Trail{}, clientError("TrailNotFoundException", "Unknown trail: %s for the user: %s", ref, a.sc.Meta.Account)
}

func (a *Emulator) getTrailStatus(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		Name string `json:"Name"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	t, apiErr := a.trailNamed(r, in.Name)
	if apiErr != nil {
		return nil, apiErr
	}
	stamp := func(at time.Time) string { return at.UTC().Format("2006-01-02T15:04:05Z") }
	out := map[string]any{"IsLogging": t.Logging}
	if d := t.LatestDelivery.Time; !d.IsZero() {
		out["LatestDeliveryTime"] = toEpochSeconds(d)
		out["LatestDeliveryAttemptTime"] = stamp(d)
		out["LatestDeliveryAttemptSucceeded"] = stamp(d)
	}
	if s := t.StartedLogging.Time; !s.IsZero() {
		out["StartLoggingTime"] = toEpochSeconds(s)
		out["TimeLoggingStarted"] = stamp(s)
	}
	if s := t.StoppedLogging.Time; !s.IsZero() {
		out["StopLoggingTime"] = toEpochSeconds(s)
		out["TimeLoggingStopped"] = stamp(s)
	}
	return out, nil
}

// getEventSelectors answers a trail without data events with basic
// selectors and one with data events with advanced selectors, as a trail
// created in today's console has them.
func (a *Emulator) getEventSelectors(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		TrailName string `json:"TrailName"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	t, apiErr := a.trailNamed(r, in.TrailName)
	if apiErr != nil {
		return nil, apiErr
	}
	if len(t.DataEvents) > 0 {
		return map[string]any{"TrailARN": t.ARN(), "AdvancedEventSelectors": advancedSelectors(t)}, nil
	}
	return map[string]any{
		"TrailARN": t.ARN(),
		"EventSelectors": []map[string]any{{
			"ReadWriteType":                 readWrite(t),
			"IncludeManagementEvents":       t.ManagementEvents,
			"DataResources":                 []any{},
			"ExcludeManagementEventSources": []string{},
		}},
	}, nil
}

func readWrite(t scenario.Trail) string {
	if t.ReadWriteType == "" {
		return "All"
	}
	return t.ReadWriteType
}

type fieldSelector struct {
	Field      string   `json:"Field"`
	Equals     []string `json:"Equals,omitempty"`
	StartsWith []string `json:"StartsWith,omitempty"`
}

func advancedSelectors(t scenario.Trail) []map[string]any {
	var out []map[string]any
	if t.ManagementEvents {
		fields := []fieldSelector{{Field: "eventCategory", Equals: []string{"Management"}}}
		switch readWrite(t) {
		case "ReadOnly":
			fields = append(fields, fieldSelector{Field: "readOnly", Equals: []string{"true"}})
		case "WriteOnly":
			fields = append(fields, fieldSelector{Field: "readOnly", Equals: []string{"false"}})
		}
		out = append(out, map[string]any{"Name": "Management events", "FieldSelectors": fields})
	}
	for _, d := range t.DataEvents {
		fields := []fieldSelector{{Field: "eventCategory", Equals: []string{"Data"}}, {Field: "resources.type", Equals: []string{d.ResourceType}}}
		if len(d.Values) > 0 {
			fields = append(fields, fieldSelector{Field: "resources.ARN", StartsWith: d.Values})
		}
		out = append(out, map[string]any{"Name": "Data events: " + d.ResourceType, "FieldSelectors": fields})
	}
	return out
}
