package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// The status feeds of feeds.json answered through their APIs: target health
// (ELBv2 DescribeTargetHealth), RDS events (DescribeEvents) and Auto Scaling
// activities (DescribeScalingActivities). Each feed entry is the API's
// response element, in the API's member names.

// applyTargetHealthFeed sets the targets of each group the feed reports on,
// adding groups topology.json does not hold.
func (inv *inventory) applyTargetHealthFeed(tgs []elbTargetGroup, region string) ([]elbTargetGroup, error) {
	if inv.a.sc.Feeds == nil {
		return tgs, nil
	}
	for i, raw := range inv.a.sc.Feeds.TargetHealth {
		var feed struct {
			TargetGroupArn           string
			TargetHealthDescriptions []elbTargetHealthDescription
		}
		if err := json.Unmarshal(raw, &feed); err != nil || feed.TargetGroupArn == "" {
			return nil, fmt.Errorf("feeds.json target_health[%d]: want TargetGroupArn and TargetHealthDescriptions (%v)", i, err)
		}
		if arnRegion(feed.TargetGroupArn) != region {
			continue
		}
		j := slices.IndexFunc(tgs, func(tg elbTargetGroup) bool { return tg.TargetGroupArn == feed.TargetGroupArn })
		if j < 0 {
			tgs = append(tgs, elbTargetGroup{TargetGroupArn: feed.TargetGroupArn, TargetGroupName: elbNameFromARN(feed.TargetGroupArn, "targetgroup/")})
			j = len(tgs) - 1
		}
		tgs[j].TargetHealthDescriptions = feed.TargetHealthDescriptions
	}
	return tgs, nil
}

type rdsEvent struct {
	SourceIdentifier string   `xml:"SourceIdentifier,omitempty"`
	SourceType       string   `xml:"SourceType,omitempty"`
	Message          string   `xml:"Message,omitempty"`
	EventCategories  []string `xml:"EventCategories>EventCategory"`
	Date             string   `xml:"Date,omitempty"`
	SourceArn        string   `xml:"SourceArn,omitempty"`
	at               time.Time
}

// rdsDefaultEventWindow is what DescribeEvents covers without times: the
// last hour.
const rdsDefaultEventWindow = 60 * time.Minute

var rdsSourceTypes = []string{"db-instance", "db-parameter-group", "db-security-group", "db-snapshot", "db-cluster",
	"db-cluster-snapshot", "custom-engine-version", "db-proxy", "blue-green-deployment"}

func (inv *inventory) describeEvents(r *http.Request, f queryForm) (any, *apiError) {
	size, apiErr := intParam(f, "MaxRecords", 100, 20, 100, func(format string, args ...any) *apiError {
		return clientError("InvalidParameterValue", format, args...)
	})
	if apiErr != nil {
		return nil, apiErr
	}
	id, typ := f.get("SourceIdentifier"), f.get("SourceType")
	switch {
	case id != "" && typ == "":
		return nil, clientError("InvalidParameterCombination", "Cannot specify source identifier without source type")
	case typ != "" && !slices.Contains(rdsSourceTypes, typ):
		return nil, clientError("InvalidParameterValue", "Invalid source type: %s", typ)
	}
	start, end, apiErr := rdsEventWindow(f, inv.a.sc.Meta.Now)
	if apiErr != nil {
		return nil, apiErr
	}
	events, err := inv.rdsEvents(inv.a.requestRegion(r))
	if err != nil {
		return nil, badTopology(err)
	}
	categories := f.list("EventCategories.EventCategory")
	var picked []rdsEvent
	for _, e := range events {
		switch {
		case id != "" && e.SourceIdentifier != id, typ != "" && e.SourceType != typ,
			e.at.Before(start), e.at.After(end),
			len(categories) > 0 && !slices.ContainsFunc(e.EventCategories, func(c string) bool { return slices.Contains(categories, c) }):
			continue
		}
		picked = append(picked, e)
	}
	start2, end2, next, ok := pageWindow(f.get("Marker"), size, len(picked), fmt.Sprint("DescribeEvents|", id, typ, start, end, categories))
	if !ok {
		return nil, clientError("InvalidParameterValue", "The marker is not valid.")
	}
	return struct {
		Events []rdsEvent `xml:"Events>Event"`
		Marker string     `xml:"Marker,omitempty"`
	}{Events: picked[start2:end2], Marker: next}, nil
}

// rdsEventWindow reads StartTime, EndTime and Duration (minutes) as RDS
// does: Duration counts back from EndTime, or forward from StartTime.
func rdsEventWindow(f queryForm, now time.Time) (time.Time, time.Time, *apiError) {
	var start, end time.Time
	for name, into := range map[string]*time.Time{"StartTime": &start, "EndTime": &end} {
		if v := f.get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return start, end, clientError("InvalidParameterValue", "Invalid %s: %s", name, v)
			}
			*into = t
		}
	}
	duration := rdsDefaultEventWindow
	if v := f.get("Duration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return start, end, clientError("InvalidParameterValue", "Invalid Duration: %s", v)
		}
		duration = time.Duration(n) * time.Minute
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = now
		start = end.Add(-duration)
	case start.IsZero():
		start = end.Add(-duration)
	case end.IsZero() && f.get("Duration") != "":
		end = start.Add(duration)
	case end.IsZero():
		end = now
	}
	return start, end, nil
}

// rdsEvents are the feed's events of region, newest last as RDS lists them.
func (inv *inventory) rdsEvents(region string) ([]rdsEvent, error) {
	if inv.a.sc.Feeds == nil {
		return nil, nil
	}
	var out []rdsEvent
	for i, raw := range inv.a.sc.Feeds.RDSEvents {
		var e rdsEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("feeds.json rds_events[%d]: %w", i, err)
		}
		t, err := time.Parse(time.RFC3339Nano, e.Date)
		if err != nil {
			return nil, fmt.Errorf("feeds.json rds_events[%d]: Date %q is not RFC 3339", i, e.Date)
		}
		e.at = t
		if r := arnRegion(e.SourceArn); r != "" && r != region {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].at.Before(out[b].at) })
	return out, nil
}
