package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// ECS status feeds (feeds.json ecs_services and ecs_tasks): a service's
// events and deployments lie over what topology.json says of it, and the
// tasks answer ListTasks and DescribeTasks. The feeds hold the API's
// response elements with RFC 3339 times; awsJson carries epoch seconds.

// ecsTimeMembers are the timestamp members of ECS's Service, Deployment,
// ServiceEvent, Task and Container shapes.
var ecsTimeMembers = []string{"createdAt", "updatedAt", "startedAt", "stoppedAt", "stoppingAt", "pullStartedAt",
	"pullStoppedAt", "executionStoppedAt", "connectivityAt", "pendingAt"}

// ecsFeedObject reads one feed entry with its times as epoch seconds.
func ecsFeedObject(raw json.RawMessage, path string) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("feeds.json %s: %w", path, err)
	}
	if err := epochTimes(m, ecsTimeMembers); err != nil {
		return nil, fmt.Errorf("feeds.json %s: %w", path, err)
	}
	return m, nil
}

// epochTimes rewrites the RFC 3339 strings of v's timestamp members (at any
// depth) as epoch seconds, the timestamp format of awsJson and restJson.
func epochTimes(v any, members []string) error {
	switch x := v.(type) {
	case map[string]any:
		for k, item := range x {
			if s, ok := item.(string); ok && slices.Contains(members, k) {
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return fmt.Errorf("%s: %q is not RFC 3339", k, s)
				}
				x[k] = toEpochSeconds(t)
				continue
			}
			if err := epochTimes(item, members); err != nil {
				return err
			}
		}
	case []any:
		for _, item := range x {
			if err := epochTimes(item, members); err != nil {
				return err
			}
		}
	}
	return nil
}

// ecsServiceFeed lays the feed entry of svc, if any, over it.
func (inv *inventory) ecsServiceFeed(svc ecsService) (any, error) {
	if inv.a.sc.Feeds == nil {
		return svc, nil
	}
	for i, raw := range inv.a.sc.Feeds.ECSServices {
		feed, err := ecsFeedObject(raw, fmt.Sprintf("ecs_services[%d]", i))
		if err != nil {
			return nil, err
		}
		arn, _ := feed["serviceArn"].(string)
		name, _ := feed["serviceName"].(string)
		cluster, _ := feed["clusterArn"].(string)
		if arn != svc.ServiceArn && (name != svc.ServiceName || ecsClusterName(cluster) != ecsClusterName(svc.ClusterArn)) {
			continue
		}
		b, err := json.Marshal(svc)
		if err != nil {
			return nil, err
		}
		var merged map[string]any
		if err := json.Unmarshal(b, &merged); err != nil {
			return nil, err
		}
		for k, v := range feed {
			merged[k] = v
		}
		return merged, nil
	}
	return svc, nil
}

// ecsFeedServices are the services only the feed knows, for ecsServices.
func (inv *inventory) ecsFeedServices(region string, known []ecsService) []ecsService {
	if inv.a.sc.Feeds == nil {
		return known
	}
	for _, raw := range inv.a.sc.Feeds.ECSServices {
		var s ecsService
		if json.Unmarshal(raw, &s) != nil || s.ServiceArn == "" || arnRegion(s.ServiceArn) != region {
			continue
		}
		if !slices.ContainsFunc(known, func(k ecsService) bool { return k.ServiceArn == s.ServiceArn }) {
			known = append(known, ecsService{ServiceArn: s.ServiceArn, ServiceName: s.ServiceName, ClusterArn: s.ClusterArn})
		}
	}
	return known
}

// ecsTask is a feed task with the fields ListTasks filters on.
type ecsTask struct {
	arn, cluster, group, family, desired, startedBy, launchType string
	wire                                                        map[string]any
}

func (inv *inventory) ecsTasks(region string) ([]ecsTask, error) {
	if inv.a.sc.Feeds == nil {
		return nil, nil
	}
	var out []ecsTask
	for i, raw := range inv.a.sc.Feeds.ECSTasks {
		m, err := ecsFeedObject(raw, fmt.Sprintf("ecs_tasks[%d]", i))
		if err != nil {
			return nil, err
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		t := ecsTask{arn: str("taskArn"), cluster: ecsClusterName(str("clusterArn")), group: str("group"),
			desired: orDefault(str("desiredStatus"), "RUNNING"), startedBy: str("startedBy"), launchType: str("launchType"), wire: m}
		if t.arn == "" {
			return nil, fmt.Errorf("feeds.json ecs_tasks[%d]: taskArn is missing", i)
		}
		if arnRegion(t.arn) != region {
			continue
		}
		family := arnResource(str("taskDefinitionArn"))
		t.family, _, _ = strings.Cut(strings.TrimPrefix(family, "task-definition/"), ":")
		out = append(out, t)
	}
	return out, nil
}

// ecsMaxListTasks is ListTasks' largest and default page.
const ecsMaxListTasks = 100

func (inv *inventory) listTasks(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		Cluster, ServiceName, DesiredStatus, Family, StartedBy, LaunchType, NextToken string
		MaxResults                                                                    int
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.DesiredStatus != "" && !slices.Contains([]string{"RUNNING", "PENDING", "STOPPED"}, in.DesiredStatus):
		return nil, clientError("InvalidParameterException", "Invalid desiredStatus: %s", in.DesiredStatus)
	case in.ServiceName != "" && in.Family != "":
		return nil, clientError("InvalidParameterException", "ServiceName and Family cannot both be specified.")
	case in.MaxResults < 0 || in.MaxResults > ecsMaxListTasks:
		return nil, clientError("InvalidParameterException", "maxResults must be between 1 and %d.", ecsMaxListTasks)
	}
	region := inv.a.requestRegion(r)
	cluster := ecsClusterName(orDefault(in.Cluster, "default"))
	tasks, err := inv.ecsTasks(region)
	if err != nil {
		return nil, badTopology(err)
	}
	services, err := inv.ecsServices(region)
	if err != nil {
		return nil, badTopology(err)
	}
	if !inv.ecsClusterExists(region, cluster, services) && !slices.ContainsFunc(tasks, func(t ecsTask) bool { return t.cluster == cluster }) {
		return nil, clientError("ClusterNotFoundException", "Cluster not found.")
	}
	// Without desiredStatus ListTasks lists the tasks meant to run.
	desired := orDefault(in.DesiredStatus, "RUNNING")
	arns := []string{}
	for _, t := range tasks {
		switch {
		case t.cluster != cluster, t.desired != desired,
			in.ServiceName != "" && t.group != "service:"+in.ServiceName,
			in.Family != "" && t.family != in.Family,
			in.StartedBy != "" && t.startedBy != in.StartedBy,
			in.LaunchType != "" && t.launchType != in.LaunchType:
			continue
		}
		arns = append(arns, t.arn)
	}
	size := in.MaxResults
	if size == 0 {
		size = ecsMaxListTasks
	}
	start, end, next, ok := pageWindow(in.NextToken, size, len(arns), fmt.Sprintf("ListTasks|%s|%+v", region, in))
	if !ok {
		return nil, clientError("InvalidParameterException", "Invalid nextToken.")
	}
	out := map[string]any{"taskArns": arns[start:end]}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// ecsMaxDescribeTasks is how many tasks one DescribeTasks may name.
const ecsMaxDescribeTasks = 100

func (inv *inventory) describeTasks(r *http.Request, body []byte) (any, *apiError) {
	var in struct {
		Cluster string   `json:"cluster"`
		Tasks   []string `json:"tasks"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.Tasks) == 0:
		return nil, clientError("InvalidParameterException", "Tasks cannot be empty.")
	case len(in.Tasks) > ecsMaxDescribeTasks:
		return nil, clientError("InvalidParameterException", "Tasks cannot have more than %d entries.", ecsMaxDescribeTasks)
	}
	region := inv.a.requestRegion(r)
	cluster := ecsClusterName(orDefault(in.Cluster, "default"))
	tasks, err := inv.ecsTasks(region)
	if err != nil {
		return nil, badTopology(err)
	}
	found, failures := []map[string]any{}, []ecsFailure{}
	for _, ref := range in.Tasks {
		i := slices.IndexFunc(tasks, func(t ecsTask) bool {
			return t.cluster == cluster && (t.arn == ref || strings.HasSuffix(t.arn, "/"+ref))
		})
		if i < 0 {
			failures = append(failures, ecsFailure{Arn: ref, Reason: "MISSING"})
			continue
		}
		found = append(found, tasks[i].wire)
	}
	return map[string]any{"tasks": found, "failures": failures}, nil
}
