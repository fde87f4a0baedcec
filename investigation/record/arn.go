package record

import (
	"regexp"
	"strings"
)

// arn is a parsed Amazon Resource Name:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type arn struct {
	service  string
	region   string
	account  string
	resource string
}

func parseARN(s string) (arn, bool) {
	if !strings.HasPrefix(s, "arn:") {
		return arn{}, false
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return arn{}, false
	}
	return arn{service: parts[2], region: parts[3], account: parts[4], resource: parts[5]}, true
}

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
	a, ok := parseARN(s)
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
// short name.
func arnType(a arn) (typ, name string) {
	kind, rest := splitResource(a.resource)
	switch a.service {
	case "iam":
		if t, ok := iamARNTypes[kind]; ok {
			return t, arnTail(rest)
		}
	case "lambda":
		switch kind {
		case "function":
			fn, _, _ := strings.Cut(rest, ":") // drop a version or alias qualifier
			return "AWS::Lambda::Function", fn
		case "layer":
			return "AWS::Lambda::LayerVersion", rest
		case "event-source-mapping":
			return "AWS::Lambda::EventSourceMapping", rest
		}
	case "ec2":
		if t, ok := ec2ARNTypes[kind]; ok {
			return t, rest
		}
	case "rds":
		if t, ok := rdsARNTypes[kind]; ok {
			return t, rest
		}
	case "s3":
		if kind == "" {
			return "AWS::S3::Bucket", rest
		}
		return "AWS::S3::Object", a.resource
	case "kms":
		if kind == "alias" {
			return "AWS::KMS::Alias", a.resource // the KMS API names aliases "alias/NAME"
		}
	case "sqs":
		return "AWS::SQS::Queue", a.resource
	case "sns":
		if topic, _, sub := strings.Cut(a.resource, ":"); sub {
			return "AWS::SNS::Subscription", topic
		}
		return "AWS::SNS::Topic", a.resource
	case "logs":
		if kind == "log-group" {
			group, _, _ := strings.Cut(rest, ":log-stream:")
			return "AWS::Logs::LogGroup", strings.TrimSuffix(group, ":*")
		}
	case "secretsmanager":
		if kind == "secret" {
			return "AWS::SecretsManager::Secret", secretSuffix.ReplaceAllString(rest, "")
		}
	case "ssm":
		if kind == "parameter" {
			// Hierarchical parameter names keep their leading slash
			// ("/app/db"); the ARN drops it.
			if strings.Contains(rest, "/") {
				return "AWS::SSM::Parameter", "/" + rest
			}
			return "AWS::SSM::Parameter", rest
		}
	case "elasticloadbalancing":
		return elbARNType(kind, rest)
	case "autoscaling":
		if kind == "autoScalingGroup" {
			if _, n, ok := strings.Cut(rest, ":autoScalingGroupName/"); ok {
				return "AWS::AutoScaling::AutoScalingGroup", n
			}
		}
	case "ecs":
		if kind == "service" {
			return "AWS::ECS::Service", arnTail(rest)
		}
	case "eks":
		if kind == "nodegroup" {
			parts := strings.Split(rest, "/")
			if len(parts) >= 2 {
				return "AWS::EKS::Nodegroup", parts[1]
			}
		}
	case "events":
		if kind == "rule" {
			return "AWS::Events::Rule", arnTail(rest)
		}
	case "cloudformation":
		if kind == "stack" || kind == "stackset" {
			n, _, _ := strings.Cut(rest, "/")
			n, _, _ = strings.Cut(n, ":")
			return simpleARNTypes["cloudformation"][kind], n
		}
	case "apigateway":
		// arn:aws:apigateway:REGION::/restapis/ID[/…]
		parts := strings.Split(strings.TrimPrefix(a.resource, "/"), "/")
		if len(parts) >= 2 {
			if t, ok := simpleARNTypes["apigateway"][parts[0]]; ok {
				return t, parts[1]
			}
		}
		return "", ""
	case "wafv2":
		// arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID
		parts := strings.Split(a.resource, "/")
		if len(parts) >= 3 {
			switch parts[1] {
			case "webacl":
				return "AWS::WAFv2::WebACL", parts[2]
			case "ipset":
				return "AWS::WAFv2::IPSet", parts[2]
			case "rulegroup":
				return "AWS::WAFv2::RuleGroup", parts[2]
			}
		}
		return "", ""
	case "codepipeline":
		return "AWS::CodePipeline::Pipeline", a.resource
	}
	t, ok := simpleARNTypes[a.service][kind]
	if !ok || kind == "" {
		return "", ""
	}
	segments := strings.Split(rest, "/")
	switch {
	case a.service == "dynamodb", kind == "connection", kind == "api-destination":
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
