package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// NewFeeds answers investigation.StatusFeeds from feeds.json, whose entries
// have the shapes of the real responses: DescribeServices' services,
// DescribeTasks' tasks, DescribeTargetHealth's answer per target group,
// DescribeEvents' events, DescribeScalingActivities' activities,
// GetFunctionConfiguration's configuration.
//
// A service that feeds.json does not list answers with the events its
// topology.json configuration holds, as DescribeServices answers in the
// sandbox: the configuration item is the service as the API describes it.
func NewFeeds(sc *scenario.Scenario) *Feeds {
	f := &Feeds{}
	if sc.Feeds != nil {
		f.file = *sc.Feeds
	}
	for _, r := range sc.Topology.Resources {
		if r.Type == investigation.TypeECSService && len(r.Configuration) > 0 {
			f.configured = append(f.configured, r.Configuration)
		}
	}
	return f
}

// Feeds is feeds.json as an investigation.StatusFeeds.
type Feeds struct {
	file scenario.FeedsFile
	// configured holds the ECS services' configurations from topology.json.
	configured []json.RawMessage
}

// Status returns r's feed lines in [start, end), oldest first.
func (f *Feeds) Status(_ context.Context, r investigation.Resource, start, end time.Time) ([]investigation.LogLine, error) {
	var lines []investigation.LogLine
	var known bool
	switch r.Type {
	case investigation.TypeECSService:
		lines, known = f.ecs(r)
	case investigation.TypeTargetGroup:
		lines, known = f.targetHealth(r, end)
	case investigation.TypeRDSInstance, investigation.TypeRDSCluster:
		lines, known = f.rds(r)
	case investigation.TypeAutoScalingGroup:
		lines, known = f.scaling(r)
	case investigation.TypeLambdaFunction:
		lines, known = f.lambda(r)
	}
	if !known {
		return nil, investigation.ErrUnknownResource
	}
	var out []investigation.LogLine
	for _, l := range lines {
		if !l.Time.Before(start) && l.Time.Before(end) {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// lastSegment is the name at the end of an ARN or path ("…/ledger-api").
func lastSegment(id string) string {
	if i := strings.LastIndexAny(id, "/:"); i >= 0 {
		return id[i+1:]
	}
	return id
}

func (f *Feeds) ecs(r investigation.Resource) ([]investigation.LogLine, bool) {
	name := lastSegment(r.ID)
	var lines []investigation.LogLine
	known := false
	services := f.file.ECSServices
	if !f.listed(name) {
		services = f.configured
	}
	for _, raw := range services {
		var s struct {
			ServiceName string `json:"serviceName"`
			Events      []struct {
				CreatedAt string `json:"createdAt"`
				Message   string `json:"message"`
			} `json:"events"`
		}
		if json.Unmarshal(raw, &s) != nil || s.ServiceName != name {
			continue
		}
		known = true
		for _, e := range s.Events {
			lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedECSServiceEvents, name), Time: feedTime(e.CreatedAt), Message: e.Message})
		}
	}
	for _, raw := range f.file.ECSTasks {
		var tk struct {
			TaskArn       string `json:"taskArn"`
			Group         string `json:"group"`
			StopCode      string `json:"stopCode"`
			StoppedReason string `json:"stoppedReason"`
			StoppedAt     string `json:"stoppedAt"`
		}
		if json.Unmarshal(raw, &tk) != nil || tk.Group != "service:"+name || tk.StoppedReason == "" {
			continue
		}
		known = true
		lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedECSStoppedTasks, name), Time: feedTime(tk.StoppedAt),
			Message: fmt.Sprintf("task %s stopped (%s): %s", lastSegment(tk.TaskArn), tk.StopCode, tk.StoppedReason)})
	}
	return lines, known
}

// listed reports whether feeds.json holds the service named name.
func (f *Feeds) listed(name string) bool {
	for _, raw := range f.file.ECSServices {
		var s struct {
			ServiceName string `json:"serviceName"`
		}
		if json.Unmarshal(raw, &s) == nil && s.ServiceName == name {
			return true
		}
	}
	return false
}

// targetHealth reads a snapshot: DescribeTargetHealth tells the state now,
// not since when, so its lines carry the moment it was read (just before end).
func (f *Feeds) targetHealth(r investigation.Resource, end time.Time) ([]investigation.LogLine, bool) {
	var lines []investigation.LogLine
	known := false
	for _, raw := range f.file.TargetHealth {
		var th struct {
			TargetGroupArn           string             `json:"TargetGroupArn"`
			TargetHealthDescriptions []targetHealthDesc `json:"TargetHealthDescriptions"`
		}
		if json.Unmarshal(raw, &th) != nil || (th.TargetGroupArn != r.ID && th.TargetGroupArn != r.ARN) {
			continue
		}
		known = true
		for _, d := range th.TargetHealthDescriptions {
			if d.TargetHealth.State == "healthy" || d.TargetHealth.Reason == "" {
				continue
			}
			lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedTargetHealth, lastSegmentName(r.ID)),
				Time: end.Add(-time.Millisecond), Message: fmt.Sprintf("target %s:%d %s: %s %s", d.Target.ID, d.Target.Port, d.TargetHealth.State, d.TargetHealth.Reason, d.TargetHealth.Description)})
		}
	}
	return lines, known
}

type targetHealthDesc struct {
	Target struct {
		ID   string `json:"Id"`
		Port int    `json:"Port"`
	} `json:"Target"`
	TargetHealth struct {
		State       string `json:"State"`
		Reason      string `json:"Reason"`
		Description string `json:"Description"`
	} `json:"TargetHealth"`
}

// lastSegmentName names a target group by its name, not its id suffix.
func lastSegmentName(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":targetgroup/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return name
	}
	return arn
}

func (f *Feeds) rds(r investigation.Resource) ([]investigation.LogLine, bool) {
	var lines []investigation.LogLine
	known := false
	for _, raw := range f.file.RDSEvents {
		var e struct {
			SourceIdentifier string `json:"SourceIdentifier"`
			SourceArn        string `json:"SourceArn"`
			Message          string `json:"Message"`
			Date             string `json:"Date"`
		}
		if json.Unmarshal(raw, &e) != nil || (e.SourceIdentifier != r.ID && e.SourceArn != r.ID && (r.ARN == "" || e.SourceArn != r.ARN)) {
			continue
		}
		known = true
		lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedRDSEvents, e.SourceIdentifier), Time: feedTime(e.Date), Message: e.Message})
	}
	return lines, known
}

func (f *Feeds) scaling(r investigation.Resource) ([]investigation.LogLine, bool) {
	name := lastSegment(r.ID)
	var lines []investigation.LogLine
	known := false
	for _, raw := range f.file.AutoScalingActivities {
		var a struct {
			AutoScalingGroupName string `json:"AutoScalingGroupName"`
			Description          string `json:"Description"`
			Cause                string `json:"Cause"`
			StatusCode           string `json:"StatusCode"`
			StatusMessage        string `json:"StatusMessage"`
			StartTime            string `json:"StartTime"`
		}
		if json.Unmarshal(raw, &a) != nil || a.AutoScalingGroupName != name {
			continue
		}
		known = true
		msg := a.Description + " (" + a.StatusCode + ")"
		if a.StatusMessage != "" {
			msg += ": " + a.StatusMessage
		}
		lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedScalingActivities, name), Time: feedTime(a.StartTime), Message: msg})
	}
	return lines, known
}

func (f *Feeds) lambda(r investigation.Resource) ([]investigation.LogLine, bool) {
	name := r.ID
	if _, rest, ok := strings.Cut(name, ":function:"); ok {
		name, _, _ = strings.Cut(rest, ":")
	}
	for _, raw := range f.file.LambdaFunctions {
		var c struct {
			FunctionName           string `json:"FunctionName"`
			State                  string `json:"State"`
			StateReason            string `json:"StateReason"`
			LastUpdateStatus       string `json:"LastUpdateStatus"`
			LastUpdateStatusReason string `json:"LastUpdateStatusReason"`
			LastModified           string `json:"LastModified"`
		}
		if json.Unmarshal(raw, &c) != nil || c.FunctionName != name {
			continue
		}
		var lines []investigation.LogLine
		at := feedTime(c.LastModified)
		if c.LastUpdateStatus == "Failed" {
			lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedLambdaStatus, name), Time: at,
				Message: "last update Failed: " + c.LastUpdateStatusReason})
		}
		if c.State == "Failed" || c.State == "Inactive" {
			lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedLambdaStatus, name), Time: at,
				Message: "function state " + c.State + ": " + c.StateReason})
		}
		return lines, true
	}
	return nil, false
}

// feedTime reads the times the feeds carry: RFC 3339, and Lambda's
// "2026-11-19T23:40:12.903+0000".
func feedTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
