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
		rs, unknown := resourcesFromMetric(m, a.Region, a.Account)
		for _, r := range rs {
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
		switch d.Name {
		case "FunctionName":
			add(investigation.TypeLambdaFunction, v, arnOf("lambda", region, account, "function:"+v))
		case "InstanceId":
			add(investigation.TypeEC2Instance, v, arnOf("ec2", region, account, "instance/"+v))
		case "DBInstanceIdentifier":
			add(investigation.TypeRDSInstance, v, arnOf("rds", region, account, "db:"+v))
		case "DBClusterIdentifier":
			add(investigation.TypeRDSCluster, v, arnOf("rds", region, account, "cluster:"+v))
		case "LoadBalancer":
			// "app/name/id": ELBv2 calls carry the load balancer ARN.
			a := arnOf("elasticloadbalancing", region, account, "loadbalancer/"+v)
			add(investigation.TypeLoadBalancerV2, a, a)
		case "TargetGroup":
			a := arnOf("elasticloadbalancing", region, account, v)
			add(investigation.TypeTargetGroup, a, a)
		case "LoadBalancerName":
			add(investigation.TypeClassicELB, v, arnOf("elasticloadbalancing", region, account, "loadbalancer/"+v))
		case "AutoScalingGroupName":
			add(investigation.TypeAutoScalingGroup, v, "")
		case "TableName":
			add(investigation.TypeDynamoDBTable, v, arnOf("dynamodb", region, account, "table/"+v))
		case "QueueName":
			add(investigation.TypeSQSQueue, v, arnOf("sqs", region, account, v))
		case "TopicName":
			a := arnOf("sns", region, account, v)
			add(investigation.TypeSNSTopic, a, a)
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
		case "ApiName":
			add(investigation.TypeRestAPI, v, "")
		case "ApiId":
			add(investigation.TypeHTTPAPI, v, "")
		case "StateMachineArn":
			add(investigation.TypeStateMachine, v, v)
		case "BucketName":
			add(investigation.TypeS3Bucket, v, investigation.ARN{Partition: cmp.Or(investigation.PartitionOf(region), "aws"), Service: "s3", Resource: v}.String())
		case "CacheClusterId":
			add(investigation.TypeCacheCluster, v, "")
		case "ReplicationGroupId":
			add(investigation.TypeReplicationGroup, v, "")
		case "DistributionId":
			add(investigation.TypeDistribution, v, "")
		case "NatGatewayId":
			add(investigation.TypeNatGateway, v, "")
		case "VolumeId":
			add(investigation.TypeVolume, v, "")
		case "StreamName":
			add(investigation.TypeKinesisStream, v, arnOf("kinesis", region, account, "stream/"+v))
		case "RuleName":
			add(investigation.TypeEventRule, v, "")
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

func arnOf(service, region, account, resource string) string {
	if region == "" || account == "" {
		return ""
	}
	return investigation.NewARN(service, region, account, resource)
}
