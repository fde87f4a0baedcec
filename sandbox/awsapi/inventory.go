package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// The inventory services answer what AWS Config and the direct describes
// (Lambda, EC2, ELBv2, RDS, ECS) would say about the scenario's resources,
// from topology.json. An item's configuration is the describe API's shape with
// field names matched case-insensitively, so both AWS Config's spelling
// ("dBInstanceIdentifier", "kmskeyArn") and the API's ("DBInstanceIdentifier",
// "KMSKeyArn") read. Its relationships fill the fields the configuration
// leaves out when they name the value itself (a security group id, a target
// group ARN) or carry its ARN; nothing else is made up.

// mountInventoryServices mounts AWS Config, Lambda, EC2, ELBv2, RDS and ECS.
func (a *Emulator) mountInventoryServices() {
	inv := &inventory{a: a, account: a.sc.Meta.Account, region: a.sc.Meta.Region, items: a.sc.Topology.Resources}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.services["config"] = &jsonService{
		a: a, service: "config", version: "1.1",
		ops: map[string]jsonOp{
			"GetResourceConfigHistory": inv.getResourceConfigHistory,
			"ListDiscoveredResources":  inv.listDiscoveredResources,
		},
	}
	a.services["ecs"] = &jsonService{
		a: a, service: "ecs", version: "1.1",
		ops: map[string]jsonOp{
			"DescribeServices":       inv.describeServices,
			"DescribeTaskDefinition": inv.describeTaskDefinition,
			"ListTasks":              inv.listTasks,
			"DescribeTasks":          inv.describeTasks,
		},
	}
	a.services["lambda"] = inv.lambdaHandler()
	a.services["ec2"] = &queryService{
		a: a, service: "ec2", version: "2016-11-15", ec2: true,
		ops: map[string]queryOp{
			"DescribeInstances":      inv.describeInstances,
			"DescribeSecurityGroups": inv.describeSecurityGroups,
		},
	}
	for action := range ec2NetworkKinds {
		a.services["ec2"].(*queryService).ops[action] = inv.ec2NetworkOp(action)
	}
	a.services["elasticloadbalancing"] = &queryService{
		a: a, service: "elasticloadbalancing", version: "2015-12-01",
		xmlns: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
		ops: map[string]queryOp{
			"DescribeTargetGroups":  inv.describeTargetGroups,
			"DescribeTargetHealth":  inv.describeTargetHealth,
			"DescribeLoadBalancers": inv.describeLoadBalancers,
		},
	}
	inv.mountAutoScaling()
	inv.mountAPIGateway()
	a.services["rds"] = &queryService{
		a: a, service: "rds", version: "2014-10-31",
		xmlns: "http://rds.amazonaws.com/doc/2014-10-31/",
		ops: map[string]queryOp{
			"DescribeDBInstances": inv.describeDBInstances,
			"DescribeEvents":      inv.describeEvents,
		},
	}
}

// inventory is topology.json as the inventory services read it.
type inventory struct {
	a       *Emulator
	account string
	region  string // where items that name no region live
	items   []scenario.ConfigItem
}

// ofType returns the items of typ a request signed for region can see:
// those of that region, and global ones (IAM) from any.
func (inv *inventory) ofType(typ, region string) []*scenario.ConfigItem {
	global := investigation.RegionFor(typ, "") == investigation.GlobalServiceRegion
	var out []*scenario.ConfigItem
	for i := range inv.items {
		it := &inv.items[i]
		if it.Type != typ {
			continue
		}
		if !global && inv.regionOf(it) != region {
			continue
		}
		out = append(out, it)
	}
	return out
}

func (inv *inventory) regionOf(it *scenario.ConfigItem) string {
	if it.Region != "" {
		return it.Region
	}
	return inv.region
}

// arn builds the ARN of a resource whose ARN format AWS fixes from its id.
func (inv *inventory) arn(service, region, resource string) string {
	return "arn:aws:" + service + ":" + region + ":" + inv.account + ":" + resource
}

// decodeConfiguration reads it's configuration into v; no configuration leaves v as it is.
func decodeConfiguration(it *scenario.ConfigItem, v any) error {
	conf, err := configurationText(it)
	if err == nil && conf != "" {
		err = json.Unmarshal([]byte(conf), v)
	}
	if err != nil {
		return fmt.Errorf("topology.json: %s %s: configuration: %w", it.Type, it.ID, err)
	}
	return nil
}

// badTopology answers a request that needs an item topology.json gets wrong.
func badTopology(err error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: "InternalFailure", msg: "sandbox scenario: " + err.Error()}
}

// relatedIDs returns the ids of it's relationships of type typ, in order.
func relatedIDs(it *scenario.ConfigItem, typ string) []string {
	var out []string
	for _, rel := range it.Relationships {
		if rel.Type == typ && rel.ID != "" {
			out = append(out, rel.ID)
		}
	}
	return out
}

// relatedARNs returns the ARNs of it's relationships of type typ: the arn
// field, or the id when it is one.
func relatedARNs(it *scenario.ConfigItem, typ string) []string {
	var out []string
	for _, rel := range it.Relationships {
		if rel.Type != typ {
			continue
		}
		switch {
		case rel.ARN != "":
			out = append(out, rel.ARN)
		case strings.HasPrefix(rel.ID, "arn:"):
			out = append(out, rel.ID)
		}
	}
	return out
}

func firstOf(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// arnResource is the resource part of an ARN ("function:checkout"), or "".
func arnResource(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[5]
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// appendMissing appends the values of more that list lacks.
func appendMissing(list []string, more ...string) []string {
	for _, v := range more {
		if !containsString(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// wireTime is a timestamp as topology.json may hold it (RFC 3339, or seconds
// or milliseconds since the epoch), answered in each protocol's format: epoch
// seconds in JSON, ISO 8601 in XML.
type wireTime struct{ t time.Time }

func (w *wireTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			// The console's rendering, which configurations copied from it hold.
			t, err = time.Parse("Jan 2, 2006, 3:04:05 PM", s)
		}
		if err != nil {
			return fmt.Errorf("timestamp %q is neither RFC 3339 nor the console's Jan 2, 2006, 3:04:05 PM", s)
		}
		w.t = t.UTC()
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("timestamp %s is neither RFC 3339 nor epoch seconds", b)
	}
	if n > 1e11 { // past year 5138 in seconds: it is milliseconds
		n /= 1000
	}
	w.t = epochSeconds(n).time()
	return nil
}

func (w wireTime) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(toEpochSeconds(w.t)), 'f', -1, 64)), nil
}

func (w wireTime) MarshalText() ([]byte, error) {
	return []byte(w.t.UTC().Format("2006-01-02T15:04:05.000Z")), nil
}
