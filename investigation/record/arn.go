package record

import (
	"regexp"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// splitResource splits an ARN's resource into its type and the rest, on the
// first "/" or ":" ("function:name:alias" → "function", "name:alias").
func splitResource(res string) (kind, rest string) {
	i := strings.IndexAny(res, "/:")
	if i < 0 {
		return "", res
	}
	return res[:i], res[i+1:]
}

// secretSuffix is the six random characters Secrets Manager appends to a
// secret's name in its ARN.
var secretSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// ec2ARNTypes maps the resource types of EC2 ARNs to CloudFormation types.
var ec2ARNTypes = map[string]string{
	"instance":                     "AWS::EC2::Instance",
	"security-group":               "AWS::EC2::SecurityGroup",
	"subnet":                       "AWS::EC2::Subnet",
	"vpc":                          "AWS::EC2::VPC",
	"volume":                       "AWS::EC2::Volume",
	"snapshot":                     "AWS::EC2::Snapshot",
	"image":                        "AWS::EC2::Ami",
	"network-interface":            "AWS::EC2::NetworkInterface",
	"route-table":                  "AWS::EC2::RouteTable",
	"network-acl":                  "AWS::EC2::NetworkAcl",
	"internet-gateway":             "AWS::EC2::InternetGateway",
	"natgateway":                   "AWS::EC2::NatGateway",
	"vpc-endpoint":                 "AWS::EC2::VPCEndpoint",
	"key-pair":                     "AWS::EC2::KeyPair",
	"launch-template":              "AWS::EC2::LaunchTemplate",
	"elastic-ip":                   "AWS::EC2::EIP",
	"transit-gateway":              "AWS::EC2::TransitGateway",
	"vpc-peering-connection":       "AWS::EC2::VPCPeeringConnection",
	"vpc-flow-log":                 "AWS::EC2::FlowLog",
	"prefix-list":                  "AWS::EC2::PrefixList",
	"dhcp-options":                 "AWS::EC2::DHCPOptions",
	"egress-only-internet-gateway": "AWS::EC2::EgressOnlyInternetGateway",
}

// rdsARNTypes maps the resource types of RDS ARNs (arn:aws:rds:…:db:name).
var rdsARNTypes = map[string]string{
	"db":               "AWS::RDS::DBInstance",
	"cluster":          "AWS::RDS::DBCluster",
	"pg":               "AWS::RDS::DBParameterGroup",
	"cluster-pg":       "AWS::RDS::DBClusterParameterGroup",
	"subgrp":           "AWS::RDS::DBSubnetGroup",
	"snapshot":         "AWS::RDS::DBSnapshot",
	"cluster-snapshot": "AWS::RDS::DBClusterSnapshot",
	"og":               "AWS::RDS::OptionGroup",
	"secgrp":           "AWS::RDS::DBSecurityGroup",
	"es":               "AWS::RDS::EventSubscription",
	"db-proxy":         "AWS::RDS::DBProxy",
	"global-cluster":   "AWS::RDS::GlobalCluster",
}

// iamARNTypes maps the resource types of IAM ARNs.
var iamARNTypes = map[string]string{
	"role":               "AWS::IAM::Role",
	"user":               "AWS::IAM::User",
	"group":              "AWS::IAM::Group",
	"policy":             "AWS::IAM::Policy",
	"instance-profile":   "AWS::IAM::InstanceProfile",
	"saml-provider":      "AWS::IAM::SAMLProvider",
	"oidc-provider":      "AWS::IAM::OIDCProvider",
	"server-certificate": "AWS::IAM::ServerCertificate",
	"mfa":                "AWS::IAM::VirtualMFADevice",
}

// simpleARNTypes covers services whose ARN resource reads TYPE/NAME or
// TYPE:NAME with the name last: service → resource type → CloudFormation type.
var simpleARNTypes = map[string]map[string]string{
	"dynamodb":          {"table": "AWS::DynamoDB::Table", "global-table": "AWS::DynamoDB::GlobalTable"},
	"kms":               {"key": "AWS::KMS::Key", "alias": "AWS::KMS::Alias"},
	"ecs":               {"cluster": "AWS::ECS::Cluster", "task-definition": "AWS::ECS::TaskDefinition", "capacity-provider": "AWS::ECS::CapacityProvider"},
	"eks":               {"cluster": "AWS::EKS::Cluster", "addon": "AWS::EKS::Addon", "fargateprofile": "AWS::EKS::FargateProfile"},
	"cloudformation":    {"stack": "AWS::CloudFormation::Stack", "stackset": "AWS::CloudFormation::StackSet"},
	"events":            {"event-bus": "AWS::Events::EventBus", "archive": "AWS::Events::Archive", "connection": "AWS::Events::Connection", "api-destination": "AWS::Events::ApiDestination"},
	"states":            {"stateMachine": "AWS::StepFunctions::StateMachine", "activity": "AWS::StepFunctions::Activity"},
	"cloudfront":        {"distribution": "AWS::CloudFront::Distribution", "function": "AWS::CloudFront::Function"},
	"route53":           {"hostedzone": "AWS::Route53::HostedZone", "healthcheck": "AWS::Route53::HealthCheck"},
	"cloudtrail":        {"trail": "AWS::CloudTrail::Trail", "eventdatastore": "AWS::CloudTrail::EventDataStore"},
	"cloudwatch":        {"alarm": "AWS::CloudWatch::Alarm", "dashboard": "AWS::CloudWatch::Dashboard"},
	"ecr":               {"repository": "AWS::ECR::Repository"},
	"kinesis":           {"stream": "AWS::Kinesis::Stream"},
	"firehose":          {"deliverystream": "AWS::KinesisFirehose::DeliveryStream"},
	"acm":               {"certificate": "AWS::CertificateManager::Certificate"},
	"codebuild":         {"project": "AWS::CodeBuild::Project"},
	"elasticfilesystem": {"file-system": "AWS::EFS::FileSystem", "access-point": "AWS::EFS::AccessPoint"},
	"es":                {"domain": "AWS::OpenSearchService::Domain"},
	"elasticache":       {"cluster": "AWS::ElastiCache::CacheCluster", "replicationgroup": "AWS::ElastiCache::ReplicationGroup", "parametergroup": "AWS::ElastiCache::ParameterGroup", "subnetgroup": "AWS::ElastiCache::SubnetGroup"},
	"guardduty":         {"detector": "AWS::GuardDuty::Detector"},
	"rolesanywhere":     {"trust-anchor": "AWS::RolesAnywhere::TrustAnchor", "profile": "AWS::RolesAnywhere::Profile"},
	"ses":               {"identity": "AWS::SES::EmailIdentity", "configuration-set": "AWS::SES::ConfigurationSet"},
	"bedrock":           {"guardrail": "AWS::Bedrock::Guardrail", "knowledge-base": "AWS::Bedrock::KnowledgeBase", "agent": "AWS::Bedrock::Agent"},
	"cognito-idp":       {"userpool": "AWS::Cognito::UserPool"},
	"redshift":          {"cluster": "AWS::Redshift::Cluster"},
	"scheduler":         {"schedule": "AWS::Scheduler::Schedule"},
	"config":            {"config-rule": "AWS::Config::ConfigRule"},
	"apigateway":        {"restapis": "AWS::ApiGateway::RestApi", "apis": "AWS::ApiGatewayV2::Api"},
	"route53resolver":   {"resolver-rule": "AWS::Route53Resolver::ResolverRule", "resolver-query-log-config": "AWS::Route53Resolver::ResolverQueryLoggingConfig"},
	"sagemaker":         {"endpoint": "AWS::SageMaker::Endpoint", "notebook-instance": "AWS::SageMaker::NotebookInstance"},
	"transfer":          {"server": "AWS::Transfer::Server"},
	"elasticbeanstalk":  {"environment": "AWS::ElasticBeanstalk::Environment", "application": "AWS::ElasticBeanstalk::Application"},
	"batch":             {"job-queue": "AWS::Batch::JobQueue", "compute-environment": "AWS::Batch::ComputeEnvironment"},
	"appsync":           {"apis": "AWS::AppSync::GraphQLApi"},
	"ssm":               {"document": "AWS::SSM::Document"},
	"sso":               {"permissionSet": "AWS::SSO::PermissionSet", "instance": "AWS::SSO::Instance"},
	"glue":              {"job": "AWS::Glue::Job", "database": "AWS::Glue::Database", "crawler": "AWS::Glue::Crawler", "devEndpoint": "AWS::Glue::DevEndpoint"},
}

// arnResources returns the resources an ARN names: its type and the names a
// lookup may use — the ARN itself and, when it differs, the name inside it
// (the function name of a Lambda ARN, the bucket of an S3 ARN, the
// "targetgroup/name/id" of a target group, which is what CloudWatch metric
// dimensions use). ok is false for ARNs that do not name a resource type this
// package knows.
func arnResources(s string) (typ string, names []string, ok bool) {
	a, ok := investigation.ParseARN(s)
	if !ok {
		return "", nil, false
	}
	typ, name := arnType(a)
	if typ == "" {
		return "", nil, false
	}
	names = []string{s}
	if name != "" && name != s {
		names = append(names, name)
	}
	return typ, names, true
}

// arnType maps a parsed ARN to a CloudFormation type and the resource's
// short name: the service's own reading when it has one, else the generic
// "KIND/NAME" reading of simpleARNTypes.
func arnType(a investigation.ARN) (typ, name string) {
	kind, rest := splitResource(a.Resource)
	if read, ok := arnReaders[a.Service]; ok {
		if typ, name, final := read(a, kind, rest); typ != "" || final {
			return typ, name
		}
	}
	t, ok := simpleARNTypes[a.Service][kind]
	if !ok || kind == "" {
		return "", ""
	}
	segments := strings.Split(rest, "/")
	switch {
	case a.Service == "dynamodb", kind == "connection", kind == "api-destination":
		// table/NAME/stream/…, connection/NAME/UUID
		return t, segments[0]
	case kind == "addon", kind == "fargateprofile":
		// addon/CLUSTER/NAME/UUID
		if len(segments) > 1 {
			return t, segments[1]
		}
	case kind == "permissionSet", kind == "environment":
		// permissionSet/INSTANCE/ID, environment/APPLICATION/NAME
		return t, arnTail(rest)
	}
	return t, rest
}

// arnReader reads the ARNs of one service whose resource part does not
// follow "KIND/NAME". An empty typ that is not final falls back to the
// generic reading.
type arnReader func(a investigation.ARN, kind, rest string) (typ, name string, final bool)

// arnReaders are the services with a reading of their own.
var arnReaders = map[string]arnReader{
	"iam": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if t, ok := iamARNTypes[kind]; ok {
			return t, arnTail(rest), true
		}
		return "", "", false
	},
	"lambda": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		switch kind {
		case "function":
			fn, _, _ := strings.Cut(rest, ":") // drop a version or alias qualifier
			return "AWS::Lambda::Function", fn, true
		case "layer":
			return "AWS::Lambda::LayerVersion", rest, true
		case "event-source-mapping":
			return "AWS::Lambda::EventSourceMapping", rest, true
		}
		return "", "", false
	},
	"ec2": mappedKind(ec2ARNTypes),
	"rds": mappedKind(rdsARNTypes),
	"s3": func(a investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "" {
			return "AWS::S3::Bucket", rest, true
		}
		return "AWS::S3::Object", a.Resource, true
	},
	"kms": func(a investigation.ARN, kind, _ string) (string, string, bool) {
		if kind == "alias" {
			return "AWS::KMS::Alias", a.Resource, true // the KMS API names aliases "alias/NAME"
		}
		return "", "", false
	},
	"sqs": func(a investigation.ARN, _, _ string) (string, string, bool) {
		return "AWS::SQS::Queue", a.Resource, true
	},
	"sns": func(a investigation.ARN, _, _ string) (string, string, bool) {
		if topic, _, sub := strings.Cut(a.Resource, ":"); sub {
			return "AWS::SNS::Subscription", topic, true
		}
		return "AWS::SNS::Topic", a.Resource, true
	},
	"logs": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "log-group" {
			group, _, _ := strings.Cut(rest, ":log-stream:")
			return "AWS::Logs::LogGroup", strings.TrimSuffix(group, ":*"), true
		}
		return "", "", false
	},
	"secretsmanager": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "secret" {
			return "AWS::SecretsManager::Secret", secretSuffix.ReplaceAllString(rest, ""), true
		}
		return "", "", false
	},
	"ssm": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind != "parameter" {
			return "", "", false
		}
		// Hierarchical parameter names keep their leading slash ("/app/db");
		// the ARN drops it.
		if strings.Contains(rest, "/") {
			return "AWS::SSM::Parameter", "/" + rest, true
		}
		return "AWS::SSM::Parameter", rest, true
	},
	"elasticloadbalancing": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		typ, name := elbARNType(kind, rest)
		return typ, name, true
	},
	"autoscaling": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "autoScalingGroup" {
			if _, n, ok := strings.Cut(rest, ":autoScalingGroupName/"); ok {
				return "AWS::AutoScaling::AutoScalingGroup", n, true
			}
		}
		return "", "", false
	},
	"ecs": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "service" {
			return "AWS::ECS::Service", arnTail(rest), true
		}
		return "", "", false
	},
	"eks": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if parts := strings.Split(rest, "/"); kind == "nodegroup" && len(parts) >= 2 {
			return "AWS::EKS::Nodegroup", parts[1], true
		}
		return "", "", false
	},
	"events": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "rule" {
			return "AWS::Events::Rule", arnTail(rest), true
		}
		return "", "", false
	},
	"cloudformation": func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if kind == "stack" || kind == "stackset" {
			n, _, _ := strings.Cut(rest, "/")
			n, _, _ = strings.Cut(n, ":")
			return simpleARNTypes["cloudformation"][kind], n, true
		}
		return "", "", false
	},
	"apigateway": func(a investigation.ARN, _, _ string) (string, string, bool) {
		// arn:aws:apigateway:REGION::/restapis/ID[/…]
		parts := strings.Split(strings.TrimPrefix(a.Resource, "/"), "/")
		if len(parts) >= 2 {
			if t, ok := simpleARNTypes["apigateway"][parts[0]]; ok {
				return t, parts[1], true
			}
		}
		return "", "", true
	},
	"wafv2": func(a investigation.ARN, _, _ string) (string, string, bool) {
		// arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID
		parts := strings.Split(a.Resource, "/")
		if len(parts) >= 3 {
			if t, ok := wafARNTypes[parts[1]]; ok {
				return t, parts[2], true
			}
		}
		return "", "", true
	},
	"codepipeline": func(a investigation.ARN, _, _ string) (string, string, bool) {
		return "AWS::CodePipeline::Pipeline", a.Resource, true
	},
}

// wafARNTypes maps the resource types of WAFv2 ARNs.
var wafARNTypes = map[string]string{"webacl": "AWS::WAFv2::WebACL", "ipset": "AWS::WAFv2::IPSet", "rulegroup": "AWS::WAFv2::RuleGroup"}

// mappedKind reads services whose ARN kinds map one to one to types and
// whose resource id follows the kind as it is.
func mappedKind(types map[string]string) arnReader {
	return func(_ investigation.ARN, kind, rest string) (string, string, bool) {
		if t, ok := types[kind]; ok {
			return t, rest, true
		}
		return "", "", false
	}
}

// elbARNType maps Elastic Load Balancing ARNs. The short names are the forms
// CloudWatch dimensions use: "app/NAME/ID" for a load balancer,
// "targetgroup/NAME/ID" for a target group.
func elbARNType(kind, rest string) (typ, name string) {
	switch kind {
	case "targetgroup":
		return "AWS::ElasticLoadBalancingV2::TargetGroup", "targetgroup/" + rest
	case "loadbalancer":
		if strings.HasPrefix(rest, "app/") || strings.HasPrefix(rest, "net/") || strings.HasPrefix(rest, "gwy/") {
			return "AWS::ElasticLoadBalancingV2::LoadBalancer", rest
		}
		return "AWS::ElasticLoadBalancing::LoadBalancer", rest
	case "listener":
		return "AWS::ElasticLoadBalancingV2::Listener", rest
	case "listener-rule":
		return "AWS::ElasticLoadBalancingV2::ListenerRule", rest
	}
	return "", ""
}

// ARNResource is the type of the resource an ARN names and the names a
// ResourceName lookup finds it by (the ARN first); ok is false for ARNs of
// a type this package does not know. Topology uses it on ARNs found in
// configuration (environment values).
func ARNResource(s string) (typ string, names []string, ok bool) { return arnResources(s) }

// EC2IDType is the type of an EC2 resource id ("sg-…", "rtb-…",
// "tgw-rtb-…"), "" when s is not one.
func EC2IDType(s string) string { return ec2IDType(s) }
