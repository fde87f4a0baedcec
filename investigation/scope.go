package investigation

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Resource types the engine scopes from alarm dimensions.
const (
	TypeLambdaFunction   = "AWS::Lambda::Function"
	TypeEC2Instance      = "AWS::EC2::Instance"
	TypeSecurityGroup    = "AWS::EC2::SecurityGroup"
	TypeRDSInstance      = "AWS::RDS::DBInstance"
	TypeRDSCluster       = "AWS::RDS::DBCluster"
	TypeLoadBalancerV2   = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	TypeTargetGroup      = "AWS::ElasticLoadBalancingV2::TargetGroup"
	TypeClassicELB       = "AWS::ElasticLoadBalancing::LoadBalancer"
	TypeAutoScalingGroup = "AWS::AutoScaling::AutoScalingGroup"
	TypeDynamoDBTable    = "AWS::DynamoDB::Table"
	TypeSQSQueue         = "AWS::SQS::Queue"
	TypeSNSTopic         = "AWS::SNS::Topic"
	TypeECSService       = "AWS::ECS::Service"
	TypeECSCluster       = "AWS::ECS::Cluster"
	TypeRestAPI          = "AWS::ApiGateway::RestApi"
	TypeHTTPAPI          = "AWS::ApiGatewayV2::Api"
	TypeStateMachine     = "AWS::StepFunctions::StateMachine"
	TypeS3Bucket         = "AWS::S3::Bucket"
	TypeCacheCluster     = "AWS::ElastiCache::CacheCluster"
	TypeReplicationGroup = "AWS::ElastiCache::ReplicationGroup"
	TypeDistribution     = "AWS::CloudFront::Distribution"
	TypeNatGateway       = "AWS::EC2::NatGateway"
	TypeVolume           = "AWS::EC2::Volume"
	TypeKinesisStream    = "AWS::Kinesis::Stream"
	TypeEventRule        = "AWS::Events::Rule"
	TypeEKSCluster       = "AWS::EKS::Cluster"
	TypeIAMRole          = "AWS::IAM::Role"
	TypeIAMPolicy        = "AWS::IAM::Policy"
	TypeLogGroup         = "AWS::Logs::LogGroup"
	TypeKMSKey           = "AWS::KMS::Key"
	TypeHostedZone       = "AWS::Route53::HostedZone"
)

// globalTypes are resources whose API calls CloudTrail records in us-east-1,
// whatever region the workload runs in.
var globalTypes = map[string]bool{
	"AWS::IAM::Role": true, "AWS::IAM::Policy": true, "AWS::IAM::User": true,
	"AWS::IAM::Group": true, "AWS::IAM::InstanceProfile": true,
	TypeHostedZone: true, "AWS::Route53::RecordSet": true, "AWS::Route53::HealthCheck": true,
	TypeDistribution: true, "AWS::CloudFront::Function": true,
}

// RegionFor returns the region whose trail records calls on a resource of
// type typ that lives in region.
func RegionFor(typ, region string) string {
	if globalTypes[typ] {
		return GlobalServiceRegion
	}
	return region
}

// ScopeResult is what the alarm is about.
type ScopeResult struct {
	Resources []Resource
	Notes     []string
	// Unscoped names dimensions no known resource type matched.
	Unscoped []Dimension
}

// Scope turns an alarm into the resources it watches: its dimensions, every
// metric of a metric-math alarm, and for a composite alarm its children's.
func Scope(ctx context.Context, a Alarm, alarms Alarms) ScopeResult {
	var res ScopeResult
	seen := map[string]bool{}
	add := func(m Metric) {
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
func compositeChildren(a Alarm) []string {
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
func resourcesFromMetric(m Metric, region, account string) ([]Resource, []Dimension) {
	dims := map[string]string{}
	for _, d := range m.Dimensions {
		dims[d.Name] = d.Value
	}
	var out []Resource
	var unknown []Dimension
	add := func(typ, id, arn string) {
		out = append(out, Resource{Type: typ, ID: id, ARN: arn, Region: RegionFor(typ, region)})
	}
	for _, d := range m.Dimensions {
		v := d.Value
		switch d.Name {
		case "FunctionName":
			add(TypeLambdaFunction, v, arnOf("lambda", region, account, "function:"+v))
		case "InstanceId":
			add(TypeEC2Instance, v, arnOf("ec2", region, account, "instance/"+v))
		case "DBInstanceIdentifier":
			add(TypeRDSInstance, v, arnOf("rds", region, account, "db:"+v))
		case "DBClusterIdentifier":
			add(TypeRDSCluster, v, arnOf("rds", region, account, "cluster:"+v))
		case "LoadBalancer":
			// "app/name/id": ELBv2 calls carry the load balancer ARN.
			a := arnOf("elasticloadbalancing", region, account, "loadbalancer/"+v)
			add(TypeLoadBalancerV2, a, a)
		case "TargetGroup":
			a := arnOf("elasticloadbalancing", region, account, v)
			add(TypeTargetGroup, a, a)
		case "LoadBalancerName":
			add(TypeClassicELB, v, arnOf("elasticloadbalancing", region, account, "loadbalancer/"+v))
		case "AutoScalingGroupName":
			add(TypeAutoScalingGroup, v, "")
		case "TableName":
			add(TypeDynamoDBTable, v, arnOf("dynamodb", region, account, "table/"+v))
		case "QueueName":
			add(TypeSQSQueue, v, arnOf("sqs", region, account, v))
		case "TopicName":
			a := arnOf("sns", region, account, v)
			add(TypeSNSTopic, a, a)
		case "ServiceName":
			if cluster, ok := dims["ClusterName"]; ok {
				add(TypeECSService, v, arnOf("ecs", region, account, "service/"+cluster+"/"+v))
			} else {
				unknown = append(unknown, d)
			}
		case "ClusterName":
			switch {
			case dims["ServiceName"] != "":
				// Scoped with the service; the cluster is a dependency.
			case strings.HasPrefix(m.Namespace, "AWS/ECS") || m.Namespace == "ECS/ContainerInsights":
				add(TypeECSCluster, v, arnOf("ecs", region, account, "cluster/"+v))
			case m.Namespace == "ContainerInsights" || strings.HasPrefix(m.Namespace, "AWS/EKS"):
				add(TypeEKSCluster, v, arnOf("eks", region, account, "cluster/"+v))
			default:
				unknown = append(unknown, d)
			}
		case "ApiName":
			add(TypeRestAPI, v, "")
		case "ApiId":
			add(TypeHTTPAPI, v, "")
		case "StateMachineArn":
			add(TypeStateMachine, v, v)
		case "BucketName":
			add(TypeS3Bucket, v, "arn:aws:s3:::"+v)
		case "CacheClusterId":
			add(TypeCacheCluster, v, "")
		case "ReplicationGroupId":
			add(TypeReplicationGroup, v, "")
		case "DistributionId":
			add(TypeDistribution, v, "")
		case "NatGatewayId":
			add(TypeNatGateway, v, "")
		case "VolumeId":
			add(TypeVolume, v, "")
		case "StreamName":
			add(TypeKinesisStream, v, arnOf("kinesis", region, account, "stream/"+v))
		case "RuleName":
			add(TypeEventRule, v, "")
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
	return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
}
