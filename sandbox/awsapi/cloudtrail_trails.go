package awsapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// The trail setup of the scenario's account, for DescribeTrails,
// GetTrailStatus and GetEventSelectors. The scenario format does not record
// one yet, so every account has what most do: one multi-region trail of all
// management events, logging since well before the scenario, named after
// the account. trailSetup is where a recorded setup will plug in.

// trailLoggingAge is how long before the scenario's now the trail started logging.
const trailLoggingAge = 2 * 365 * 24 * time.Hour

type trailSetup struct {
	Name, HomeRegion, Bucket string
	MultiRegion              bool
	Logging                  bool
	ManagementEvents         bool
	ReadWriteType            string // All, ReadOnly or WriteOnly
	StartedLogging           time.Time
	LatestDelivery           time.Time
}

func (a *Emulator) trailSetup() trailSetup {
	sc := a.sc
	latest := sc.Meta.Now
	// The last delivery is the newest trail record before now: CloudTrail
	// delivers within minutes of an event.
	if events := a.state.trail.index.Lookup(investigation.Lookup{End: sc.Meta.Now}); len(events) > 0 {
		latest = events[0].Time
	}
	return trailSetup{
		Name:             "management-events-" + sc.Meta.Account,
		HomeRegion:       sc.Meta.Region,
		Bucket:           "aws-cloudtrail-logs-" + sc.Meta.Account,
		MultiRegion:      true,
		Logging:          true,
		ManagementEvents: true,
		ReadWriteType:    "All",
		StartedLogging:   sc.Meta.Now.Add(-trailLoggingAge).Truncate(24 * time.Hour),
		LatestDelivery:   latest.UTC(),
	}
}

func (t trailSetup) arn(account string) string {
	return "arn:aws:cloudtrail:" + t.HomeRegion + ":" + account + ":trail/" + t.Name
}

// names reports whether ref (a name or an ARN) is this trail.
func (t trailSetup) names(ref, account string) bool {
	return ref == t.Name || ref == t.arn(account)
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

func (a *Emulator) describeTrails(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		TrailNameList       []string `json:"trailNameList"`
		IncludeShadowTrails *bool    `json:"includeShadowTrails"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	t, account := a.trailSetup(), a.sc.Meta.Account
	region := a.requestRegion(r)
	// A multi-region trail shows in its other regions as a shadow trail.
	visible := region == t.HomeRegion || (t.MultiRegion && (in.IncludeShadowTrails == nil || *in.IncludeShadowTrails))
	listed := len(in.TrailNameList) == 0
	for _, ref := range in.TrailNameList {
		listed = listed || t.names(ref, account)
	}
	out := []trailOut{}
	if visible && listed {
		out = append(out, trailOut{
			Name: t.Name, S3BucketName: t.Bucket, IncludeGlobalServiceEvents: true, IsMultiRegionTrail: t.MultiRegion,
			HomeRegion: t.HomeRegion, TrailARN: t.arn(account), LogFileValidationEnabled: true,
		})
	}
	return map[string]any{"trailList": out}, nil
}

// trailNamed is the trail a Name or TrailName parameter names, or CloudTrail's error.
func (a *Emulator) trailNamed(r *http.Request, ref string) (trailSetup, *apiError) {
	t := a.trailSetup()
	switch {
	case ref == "":
		return t, clientError("InvalidTrailNameException", "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
	case !t.names(ref, a.sc.Meta.Account),
		!t.MultiRegion && a.requestRegion(r) != t.HomeRegion && !strings.HasPrefix(ref, "arn:"):
		return t, clientError("TrailNotFoundException", "Unknown trail: %s for the user: %s", ref, a.sc.Meta.Account)
	}
	return t, nil
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
	out := map[string]any{"IsLogging": t.Logging}
	if !t.LatestDelivery.IsZero() {
		out["LatestDeliveryTime"] = toEpochSeconds(t.LatestDelivery)
		out["LatestDeliveryAttemptTime"] = t.LatestDelivery.Format("2006-01-02T15:04:05Z")
		out["LatestDeliveryAttemptSucceeded"] = t.LatestDelivery.Format("2006-01-02T15:04:05Z")
	}
	if t.Logging {
		out["StartLoggingTime"] = toEpochSeconds(t.StartedLogging)
	}
	return out, nil
}

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
	return map[string]any{
		"TrailARN": t.arn(a.sc.Meta.Account),
		"EventSelectors": []map[string]any{{
			"ReadWriteType":                 t.ReadWriteType,
			"IncludeManagementEvents":       t.ManagementEvents,
			"DataResources":                 []any{},
			"ExcludeManagementEventSources": []string{},
		}},
	}, nil
}
