package engine

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// ScopeResult is what the alarm is about.
type ScopeResult struct {
	Resources []investigation.Resource
	Notes     []string
	// Unscoped names dimensions no known resource type matched.
	Unscoped []investigation.Dimension
}

// Scope turns an alarm into the resources it watches: its dimensions, every
// metric of a metric-math alarm, and for a composite alarm its children's.
func Scope(ctx context.Context, a investigation.Alarm, alarms investigation.Alarms) ScopeResult {
	var res ScopeResult
	seen := map[string]bool{}
	add := func(m investigation.Metric) {
		account := cmp.Or(m.AccountID, a.Account)
		rs, unknown := resourcesFromMetric(m, a.Region, account)
		for _, r := range rs {
			if account != a.Account {
				// A metric of another account (cross-account
				// observability): the resource lives there.
				r.Account = account
			}
			if !seen[r.Key()] {
				seen[r.Key()] = true
				res.Resources = append(res.Resources, r)
			}
		}
		res.Unscoped = append(res.Unscoped, unknown...)
	}
	for _, m := range a.Metrics {
		add(m)
	}
	if a.IsComposite() {
		children := compositeChildren(a)
		switch {
		case len(children) == 0:
			res.Notes = append(res.Notes, "composite alarm names no child alarms")
		case alarms == nil:
			res.Notes = append(res.Notes, fmt.Sprintf("composite alarm: children %s not described (no CloudWatch access configured)", strings.Join(children, ", ")))
		default:
			described, err := alarms.DescribeAlarms(ctx, a.Region, children)
			if err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("composite alarm: describe children %s: %v", strings.Join(children, ", "), err))
			}
			for _, child := range described {
				for _, m := range child.Metrics {
					add(m)
				}
				// A composite of composites: one level is enough to find
				// resources in practice, and the bound keeps DescribeAlarms calls small.
				if child.IsComposite() {
					res.Notes = append(res.Notes, fmt.Sprintf("child %s is itself composite: its children were not expanded", child.Name))
				}
			}
			if len(described) < len(children) && err == nil {
				res.Notes = append(res.Notes, fmt.Sprintf("composite alarm: %d of %d children found", len(described), len(children)))
			}
		}
	}
	return res
}

var alarmRuleChild = regexp.MustCompile(`(?i)\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("?)([^")]+)"?\s*\)`)

// compositeChildren returns child alarm names: those that triggered, else all
// named in the rule.
func compositeChildren(a investigation.Alarm) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if i := strings.Index(s, ":alarm:"); i >= 0 {
			s = s[i+len(":alarm:"):]
		}
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, c := range a.TriggeringChildren {
		add(c)
	}
	if len(out) > 0 {
		return out
	}
	for _, m := range alarmRuleChild.FindAllStringSubmatch(a.AlarmRule, -1) {
		add(m[2])
	}
	return out
}

// resourcesFromMetric maps a metric's dimensions to resources. Names are what
// CloudTrail records in requestParameters, so a lookup by name finds them.
func resourcesFromMetric(m investigation.Metric, region, account string) ([]investigation.Resource, []investigation.Dimension) {
	dims := map[string]string{}
	for _, d := range m.Dimensions {
		dims[d.Name] = d.Value
	}
	var out []investigation.Resource
	var unknown []investigation.Dimension
	add := func(typ, id, arn string) {
		out = append(out, investigation.Resource{Type: typ, ID: id, ARN: arn, Region: investigation.RegionFor(typ, region)})
	}
	for _, d := range m.Dimensions {
		v := d.Value
		if sd, ok := simpleDimensions[d.Name]; ok {
			arn := ""
			if sd.service != "" {
				arn = arnOf(sd.service, region, account, sd.prefix+v)
			}
			id := v
			if sd.byARN {
				id = arn
			}
			add(sd.typ, id, arn)
			continue
		}
		switch d.Name {
		case "ServiceName":
			if cluster, ok := dims["ClusterName"]; ok {
				add(investigation.TypeECSService, v, arnOf("ecs", region, account, "service/"+cluster+"/"+v))
			} else {
				unknown = append(unknown, d)
			}
		case "ClusterName":
			switch {
			case dims["ServiceName"] != "":
				// Scoped with the service; the cluster is a dependency.
			case strings.HasPrefix(m.Namespace, "AWS/ECS") || m.Namespace == "ECS/ContainerInsights":
				add(investigation.TypeECSCluster, v, arnOf("ecs", region, account, "cluster/"+v))
			case m.Namespace == "ContainerInsights" || strings.HasPrefix(m.Namespace, "AWS/EKS"):
				add(investigation.TypeEKSCluster, v, arnOf("eks", region, account, "cluster/"+v))
			default:
				unknown = append(unknown, d)
			}
		case "StateMachineArn":
			add(investigation.TypeStateMachine, v, v)
		case "BucketName":
			add(investigation.TypeS3Bucket, v, investigation.ARN{Partition: cmp.Or(investigation.PartitionOf(region), "aws"), Service: "s3", Resource: v}.String())
		case "Resource", "ExecutedVersion", "Stage", "Method", "AvailabilityZone",
			"Region", "Global", "StorageType", "Operation", "EngineName",
			"DatabaseClass", "Role", "Path":
			// Qualifiers of another dimension, not resources of their own.
		default:
			unknown = append(unknown, d)
		}
	}
	return out, unknown
}

// simpleDimensions are the dimensions that name one resource by themselves:
// its type, and the service and resource prefix of its ARN (no service: the
// ARN is not built). byARN resources are known to the trail by their ARN.
var simpleDimensions = map[string]struct {
	typ, service, prefix string
	byARN                bool
}{
	"FunctionName":         {typ: investigation.TypeLambdaFunction, service: "lambda", prefix: "function:"},
	"InstanceId":           {typ: investigation.TypeEC2Instance, service: "ec2", prefix: "instance/"},
	"DBInstanceIdentifier": {typ: investigation.TypeRDSInstance, service: "rds", prefix: "db:"},
	"DBClusterIdentifier":  {typ: investigation.TypeRDSCluster, service: "rds", prefix: "cluster:"},
	// "app/name/id": ELBv2 calls carry the load balancer ARN.
	"LoadBalancer":         {typ: investigation.TypeLoadBalancerV2, service: "elasticloadbalancing", prefix: "loadbalancer/", byARN: true},
	"TargetGroup":          {typ: investigation.TypeTargetGroup, service: "elasticloadbalancing", byARN: true},
	"LoadBalancerName":     {typ: investigation.TypeClassicELB, service: "elasticloadbalancing", prefix: "loadbalancer/"},
	"AutoScalingGroupName": {typ: investigation.TypeAutoScalingGroup},
	"TableName":            {typ: investigation.TypeDynamoDBTable, service: "dynamodb", prefix: "table/"},
	"QueueName":            {typ: investigation.TypeSQSQueue, service: "sqs"},
	"TopicName":            {typ: investigation.TypeSNSTopic, service: "sns", byARN: true},
	"ApiName":              {typ: investigation.TypeRestAPI},
	"ApiId":                {typ: investigation.TypeHTTPAPI},
	"CacheClusterId":       {typ: investigation.TypeCacheCluster},
	"ReplicationGroupId":   {typ: investigation.TypeReplicationGroup},
	"DistributionId":       {typ: investigation.TypeDistribution},
	"NatGatewayId":         {typ: investigation.TypeNatGateway},
	"VolumeId":             {typ: investigation.TypeVolume},
	"StreamName":           {typ: investigation.TypeKinesisStream, service: "kinesis", prefix: "stream/"},
	"RuleName":             {typ: investigation.TypeEventRule},
}

func arnOf(service, region, account, resource string) string {
	if region == "" || account == "" {
		return ""
	}
	return investigation.NewARN(service, region, account, resource)
}
