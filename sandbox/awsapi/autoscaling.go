package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"
)

// Auto Scaling DescribeScalingActivities (awsQuery) over feeds.json's
// autoscaling_activities: what a group launched and terminated, and why.

const (
	asXMLNS           = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
	asMaxActivities   = 100
	asMaxActivityIDs  = 50
	asActivityVersion = "2011-01-01"
)

func (inv *inventory) mountAutoScaling() {
	inv.a.services["autoscaling"] = &queryService{
		a: inv.a, service: "autoscaling", version: asActivityVersion, xmlns: asXMLNS,
		ops: map[string]queryOp{"DescribeScalingActivities": inv.describeScalingActivities},
	}
}

type asActivity struct {
	ActivityID           string `json:"ActivityId" xml:"ActivityId"`
	AutoScalingGroupName string `xml:"AutoScalingGroupName"`
	AutoScalingGroupARN  string `xml:"AutoScalingGroupARN,omitempty"`
	Description          string `xml:"Description,omitempty"`
	Cause                string `xml:"Cause"`
	StartTime            string `xml:"StartTime"`
	EndTime              string `xml:"EndTime,omitempty"`
	StatusCode           string `xml:"StatusCode"`
	StatusMessage        string `xml:"StatusMessage,omitempty"`
	Progress             *int   `xml:"Progress,omitempty"`
	Details              string `xml:"Details,omitempty"`
	start                time.Time
}

func (inv *inventory) describeScalingActivities(_ *http.Request, f queryForm) (any, *apiError) {
	size, apiErr := intParam(f, "MaxRecords", asMaxActivities, 1, asMaxActivities, validationError)
	if apiErr != nil {
		return nil, apiErr
	}
	ids := f.list("ActivityIds.member")
	if len(ids) > asMaxActivityIDs {
		return nil, validationError("1 validation error detected: Value at 'activityIds' failed to satisfy constraint: Member must have length less than or equal to %d", asMaxActivityIDs)
	}
	group := f.get("AutoScalingGroupName")
	all, err := inv.asActivities()
	if err != nil {
		return nil, badTopology(err)
	}
	var picked []asActivity
	for _, a := range all {
		if (group != "" && a.AutoScalingGroupName != group) || (len(ids) > 0 && !slices.Contains(ids, a.ActivityID)) {
			continue
		}
		picked = append(picked, a)
	}
	start, end, next, ok := pageWindow(f.get("NextToken"), size, len(picked), fmt.Sprint("DescribeScalingActivities|", group, ids))
	if !ok {
		return nil, clientError("InvalidNextToken", "The token provided is not valid.")
	}
	return struct {
		Activities []asActivity `xml:"Activities>member"`
		NextToken  string       `xml:"NextToken,omitempty"`
	}{Activities: append([]asActivity{}, picked[start:end]...), NextToken: next}, nil
}

// asActivities are the feed's activities, newest first as the API lists them.
func (inv *inventory) asActivities() ([]asActivity, error) {
	if inv.a.sc.Feeds == nil {
		return nil, nil
	}
	var out []asActivity
	for i, raw := range inv.a.sc.Feeds.AutoScalingActivities {
		var a asActivity
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("feeds.json autoscaling_activities[%d]: %w", i, err)
		}
		t, err := time.Parse(time.RFC3339Nano, a.StartTime)
		if err != nil {
			return nil, fmt.Errorf("feeds.json autoscaling_activities[%d]: StartTime %q is not RFC 3339", i, a.StartTime)
		}
		a.start = t
		out = append(out, a)
	}
	sort.SliceStable(out, func(x, y int) bool { return out[x].start.After(out[y].start) })
	return out, nil
}
