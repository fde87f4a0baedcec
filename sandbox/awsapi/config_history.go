package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// configHistory is it's configuration items newest first, as
// GetResourceConfigHistory pages them: the current item, then the earlier
// ones topology.json records under history.
func (inv *inventory) configHistory(it *scenario.ConfigItem, region string) ([]configItemOut, error) {
	current, err := inv.configItem(it, region)
	if err != nil {
		return nil, err
	}
	current.CaptureTime = toEpochSeconds(inv.captureTime(it))
	out := []configItemOut{current}
	for i := len(it.History) - 1; i >= 0; i-- {
		h := it.History[i]
		if h.CaptureTime.IsZero() {
			return nil, fmt.Errorf("topology.json: %s %s: history[%d] has no configurationItemCaptureTime", it.Type, it.ID, i)
		}
		earlier := *it
		earlier.Configuration, earlier.Relationships = h.Configuration, h.Relationships
		item, err := inv.configItem(&earlier, region)
		if err != nil {
			return nil, err
		}
		item.CaptureTime = toEpochSeconds(h.CaptureTime)
		out = append(out, item)
	}
	// Config numbers the states of a resource in the order it recorded them.
	for i := range out {
		out[i].ConfigurationStateID = strconv.Itoa(len(out) - i)
	}
	return out, nil
}

// configUnchangedAge is how long before now the current item of a resource
// was captured when nothing in the scenario records its last change.
const configUnchangedAge = 30 * 24 * time.Hour

// captureTime is when Config captured it's current state: the last write
// the trail records on the resource before now (Config records an item
// minutes after a change; the change's time is what a reader compares),
// else a time well before the scenario and after its earlier items.
func (inv *inventory) captureTime(it *scenario.ConfigItem) time.Time {
	now := inv.a.sc.Meta.Now
	for _, ref := range []string{it.ID, it.ARN, it.Name} {
		if ref == "" {
			continue
		}
		for _, e := range inv.a.state.trail.index.Lookup(investigation.Lookup{Key: investigation.AttrResourceName, Value: ref, End: now}) {
			if !e.ReadOnly && !e.Failed() {
				return e.Time.UTC()
			}
		}
	}
	t := now.Add(-configUnchangedAge)
	if n := len(it.History); n > 0 && !it.History[n-1].CaptureTime.Before(t) {
		t = it.History[n-1].CaptureTime.Add(time.Minute)
	}
	return t.UTC()
}

// configResourceName is the name Config reports beside an id: the item's
// name, or the last part of an ARN id.
func configResourceName(it *scenario.ConfigItem) string {
	if it.Name != "" {
		return it.Name
	}
	if res := arnResource(it.ID); res != "" {
		return res[strings.LastIndexAny(res, "/:")+1:]
	}
	return it.ID
}

// configAvailabilityZone is the zone an item's configuration names, the way
// Config reports it for zonal resources; "" otherwise.
func configAvailabilityZone(conf string) string {
	var c struct {
		AvailabilityZone string `json:"availabilityZone"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(conf)))
	if conf == "" || dec.Decode(&c) != nil {
		return ""
	}
	return c.AvailabilityZone
}

// configARNFormats build the ARN of the types whose ARN AWS fixes from the
// resource id, for items topology.json records without one: service and
// resource part, "%s" standing for the id.
var configARNFormats = map[string][2]string{
	"AWS::Lambda::Function":       {"lambda", "function:%s"},
	"AWS::EC2::SecurityGroup":     {"ec2", "security-group/%s"},
	"AWS::EC2::Subnet":            {"ec2", "subnet/%s"},
	"AWS::EC2::RouteTable":        {"ec2", "route-table/%s"},
	"AWS::EC2::Instance":          {"ec2", "instance/%s"},
	"AWS::EC2::VPC":               {"ec2", "vpc/%s"},
	"AWS::EC2::NetworkAcl":        {"ec2", "network-acl/%s"},
	"AWS::EC2::NatGateway":        {"ec2", "natgateway/%s"},
	"AWS::EC2::VPCEndpoint":       {"ec2", "vpc-endpoint/%s"},
	"AWS::DynamoDB::Table":        {"dynamodb", "table/%s"},
	"AWS::KMS::Key":               {"kms", "key/%s"},
	"AWS::RDS::DBInstance":        {"rds", "db:%s"},
	"AWS::RDS::DBCluster":         {"rds", "cluster:%s"},
	"AWS::SecretsManager::Secret": {"secretsmanager", "secret:%s"},
}

// configARN is it's ARN: the one topology.json gives, or the one AWS
// builds from the id.
func (inv *inventory) configARN(it *scenario.ConfigItem, region string) string {
	switch {
	case it.ARN != "":
		return it.ARN
	case strings.HasPrefix(it.ID, "arn:"):
		return it.ID
	case it.Type == "AWS::IAM::Role":
		return "arn:aws:iam::" + inv.account + ":role/" + it.ID
	case it.Type == "AWS::S3::Bucket":
		return "arn:aws:s3:::" + it.ID
	}
	if f, ok := configARNFormats[it.Type]; ok {
		return inv.arn(f[0], region, fmt.Sprintf(f[1], it.ID))
	}
	return ""
}

// configRegion is the awsRegion Config records: "global" for the global
// services' resources (IAM), the region otherwise.
func configRegion(typ, region string) string {
	if investigation.RegionFor(typ, "") == investigation.GlobalServiceRegion {
		return "global"
	}
	return region
}
