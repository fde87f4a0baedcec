package record

import "regexp"

// valueForm says how a parameter value names its resource.
type valueForm int

const (
	formName           valueForm = iota // a name or id, or an ARN
	formLambdaFunction                  // a name, "name:qualifier", a full or a partial ARN
	formQueueURL                        // an SQS queue URL
	formHostedZone                      // a Route 53 id, possibly "/hostedzone/ID"
	formKMSKey                          // a key id, key ARN, "alias/name" or alias ARN
	formEC2ID                           // an EC2 id whose prefix gives the type
)

// noun picks a type by a word of the event name, for keys such as "name"
// whose meaning depends on the call (CreateTargetGroup vs CreateLoadBalancer).
type noun struct {
	word string
	typ  string
}

// keyRule tells what resource a requestParameters/responseElements key names.
type keyRule struct {
	typ    string // the type; the fallback when nouns are set and none matches
	form   valueForm
	byNoun []noun
}

func name(typ string) keyRule               { return keyRule{typ: typ} }
func named(typ string, f valueForm) keyRule { return keyRule{typ: typ, form: f} }
func nounOf(fallback string, nouns ...noun) keyRule {
	return keyRule{typ: fallback, byNoun: nouns}
}

// ec2IDs is the EC2 id rule for keys whose value is any EC2 id.
var ec2IDs = keyRule{form: formEC2ID}

// sourceKeys maps, per event source, lower-cased parameter keys — or
// "parent.key" where the key alone is ambiguous, ".key" for a top-level key —
// to the resource they name.
// Keys are matched at any depth of requestParameters and responseElements,
// except under the subtrees in skippedSubtrees. The choice follows the
// services' API references: the identifier parameters of each call, and the
// identifiers a create call returns.
var sourceKeys = map[string]map[string]keyRule{
	"iam.amazonaws.com": {
		"rolename":                 name("AWS::IAM::Role"),
		"username":                 name("AWS::IAM::User"),
		"groupname":                name("AWS::IAM::Group"),
		"policyarn":                name("AWS::IAM::Policy"),
		"policyname":               name("AWS::IAM::Policy"),
		"permissionsboundary":      name("AWS::IAM::Policy"),
		"instanceprofilename":      name("AWS::IAM::InstanceProfile"),
		"samlproviderarn":          name("AWS::IAM::SAMLProvider"),
		"openidconnectproviderarn": name("AWS::IAM::OIDCProvider"),
		"servercertificatename":    name("AWS::IAM::ServerCertificate"),
		"virtualmfadevicename":     name("AWS::IAM::VirtualMFADevice"),
		"serialnumber":             name("AWS::IAM::VirtualMFADevice"),
		"accesskeyid":              name("AWS::IAM::AccessKey"),
	},
	"sts.amazonaws.com": {
		"rolearn": name("AWS::IAM::Role"),
	},
	"ec2.amazonaws.com": {
		"groupid":                     name("AWS::EC2::SecurityGroup"),
		".groupname":                  name("AWS::EC2::SecurityGroup"), // top level only: elsewhere it is a placement or a listed group
		"placement.groupname":         name("AWS::EC2::PlacementGroup"),
		"instanceid":                  name("AWS::EC2::Instance"),
		"subnetid":                    name("AWS::EC2::Subnet"),
		"vpcid":                       name("AWS::EC2::VPC"),
		"routetableid":                name("AWS::EC2::RouteTable"),
		"networkaclid":                name("AWS::EC2::NetworkAcl"),
		"vpcendpointid":               name("AWS::EC2::VPCEndpoint"),
		"natgatewayid":                name("AWS::EC2::NatGateway"),
		"volumeid":                    name("AWS::EC2::Volume"),
		"snapshotid":                  name("AWS::EC2::Snapshot"),
		"imageid":                     name("AWS::EC2::Ami"),
		"networkinterfaceid":          name("AWS::EC2::NetworkInterface"),
		"internetgatewayid":           name("AWS::EC2::InternetGateway"),
		"egressonlyinternetgatewayid": name("AWS::EC2::EgressOnlyInternetGateway"),
		"allocationid":                name("AWS::EC2::EIP"),
		"launchtemplateid":            name("AWS::EC2::LaunchTemplate"),
		"launchtemplatename":          name("AWS::EC2::LaunchTemplate"),
		"keyname":                     name("AWS::EC2::KeyPair"),
		"transitgatewayid":            name("AWS::EC2::TransitGateway"),
		"vpcpeeringconnectionid":      name("AWS::EC2::VPCPeeringConnection"),
		"flowlogid":                   name("AWS::EC2::FlowLog"),
		"flowlogidset":                name("AWS::EC2::FlowLog"),
		"prefixlistid":                name("AWS::EC2::PrefixList"),
		"customergatewayid":           name("AWS::EC2::CustomerGateway"),
		"vpngatewayid":                name("AWS::EC2::VPNGateway"),
		"vpnconnectionid":             name("AWS::EC2::VPNConnection"),
		"trafficmirrorfilterid":       name("AWS::EC2::TrafficMirrorFilter"),
		"trafficmirrorsessionid":      name("AWS::EC2::TrafficMirrorSession"),
		"trafficmirrortargetid":       name("AWS::EC2::TrafficMirrorTarget"),
		"iaminstanceprofile.name":     name("AWS::IAM::InstanceProfile"),
		"iaminstanceprofile.arn":      name("AWS::IAM::InstanceProfile"),
		"resourceid":                  ec2IDs,
	},
	"ec2-instance-connect.amazonaws.com": {
		"instanceid": name("AWS::EC2::Instance"),
	},
	"lambda.amazonaws.com": {
		"functionname": named("AWS::Lambda::Function", formLambdaFunction),
		"functionarn":  named("AWS::Lambda::Function", formLambdaFunction),
		"role":         name("AWS::IAM::Role"),
		"kmskeyarn":    named("AWS::KMS::Key", formKMSKey),
		"layers":       name("AWS::Lambda::LayerVersion"),
		"layers.arn":   name("AWS::Lambda::LayerVersion"),
		"uuid":         name("AWS::Lambda::EventSourceMapping"),
	},
	"rds.amazonaws.com": {
		"dbinstanceidentifier":              name("AWS::RDS::DBInstance"),
		"sourcedbinstanceidentifier":        name("AWS::RDS::DBInstance"),
		"targetdbinstanceidentifier":        name("AWS::RDS::DBInstance"),
		"dbclusteridentifier":               name("AWS::RDS::DBCluster"),
		"targetdbclusteridentifier":         name("AWS::RDS::DBCluster"),
		"dbparametergroupname":              name("AWS::RDS::DBParameterGroup"),
		"dbclusterparametergroupname":       name("AWS::RDS::DBClusterParameterGroup"),
		"dbsubnetgroupname":                 name("AWS::RDS::DBSubnetGroup"),
		"optiongroupname":                   name("AWS::RDS::OptionGroup"),
		"dbsecuritygroupname":               name("AWS::RDS::DBSecurityGroup"),
		"dbsnapshotidentifier":              name("AWS::RDS::DBSnapshot"),
		"sourcedbsnapshotidentifier":        name("AWS::RDS::DBSnapshot"),
		"targetdbsnapshotidentifier":        name("AWS::RDS::DBSnapshot"),
		"dbclustersnapshotidentifier":       name("AWS::RDS::DBClusterSnapshot"),
		"sourcedbclustersnapshotidentifier": name("AWS::RDS::DBClusterSnapshot"),
		"targetdbclustersnapshotidentifier": name("AWS::RDS::DBClusterSnapshot"),
		"globalclusteridentifier":           name("AWS::RDS::GlobalCluster"),
		"dbproxyname":                       name("AWS::RDS::DBProxy"),
		"subscriptionname":                  name("AWS::RDS::EventSubscription"),
		"kmskeyid":                          named("AWS::KMS::Key", formKMSKey),
	},
	"dynamodb.amazonaws.com": {
		"tablename":       name("AWS::DynamoDB::Table"),
		"globaltablename": name("AWS::DynamoDB::GlobalTable"),
	},
	"elasticloadbalancing.amazonaws.com": {
		"targetgrouparn":   name("AWS::ElasticLoadBalancingV2::TargetGroup"),
		"targetgrouparns":  name("AWS::ElasticLoadBalancingV2::TargetGroup"),
		"loadbalancerarn":  name("AWS::ElasticLoadBalancingV2::LoadBalancer"),
		"loadbalancerarns": name("AWS::ElasticLoadBalancingV2::LoadBalancer"),
		"listenerarn":      name("AWS::ElasticLoadBalancingV2::Listener"),
		"rulearn":          name("AWS::ElasticLoadBalancingV2::ListenerRule"),
		"rulearns":         name("AWS::ElasticLoadBalancingV2::ListenerRule"),
		"loadbalancername": name("AWS::ElasticLoadBalancing::LoadBalancer"),
		"name": nounOf("",
			noun{"TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup"},
			noun{"LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer"}),
		"targets.id": ec2IDs,
	},
	"autoscaling.amazonaws.com": {
		"autoscalinggroupname":              name("AWS::AutoScaling::AutoScalingGroup"),
		"launchconfigurationname":           name("AWS::AutoScaling::LaunchConfiguration"),
		"policyname":                        name("AWS::AutoScaling::ScalingPolicy"),
		"lifecyclehookname":                 name("AWS::AutoScaling::LifecycleHook"),
		"scheduledactionname":               name("AWS::AutoScaling::ScheduledAction"),
		"launchtemplate.launchtemplatename": name("AWS::EC2::LaunchTemplate"),
		"launchtemplate.launchtemplateid":   name("AWS::EC2::LaunchTemplate"),
		"targetgrouparns":                   name("AWS::ElasticLoadBalancingV2::TargetGroup"),
		"loadbalancernames":                 name("AWS::ElasticLoadBalancing::LoadBalancer"),
	},
	"ecs.amazonaws.com": {
		"cluster":        name("AWS::ECS::Cluster"),
		"clustername":    name("AWS::ECS::Cluster"),
		"service":        name("AWS::ECS::Service"),
		"servicename":    name("AWS::ECS::Service"),
		"taskdefinition": name("AWS::ECS::TaskDefinition"),
		"family":         name("AWS::ECS::TaskDefinition"),
	},
	"eks.amazonaws.com": {
		"name":               name("AWS::EKS::Cluster"),
		"clustername":        name("AWS::EKS::Cluster"),
		"nodegroupname":      name("AWS::EKS::Nodegroup"),
		"addonname":          name("AWS::EKS::Addon"),
		"fargateprofilename": name("AWS::EKS::FargateProfile"),
	},
	"kms.amazonaws.com": {
		"keyid":            named("AWS::KMS::Key", formKMSKey),
		"targetkeyid":      named("AWS::KMS::Key", formKMSKey),
		"sourcekeyid":      named("AWS::KMS::Key", formKMSKey),
		"destinationkeyid": named("AWS::KMS::Key", formKMSKey),
		"aliasname":        named("AWS::KMS::Alias", formKMSKey),
	},
	"s3.amazonaws.com": {
		"bucketname": name("AWS::S3::Bucket"),
	},
	"sqs.amazonaws.com": {
		"queueurl":  named("AWS::SQS::Queue", formQueueURL),
		"queuename": name("AWS::SQS::Queue"),
	},
	"sns.amazonaws.com": {
		"topicarn":        name("AWS::SNS::Topic"),
		"name":            nounOf("", noun{"Topic", "AWS::SNS::Topic"}),
		"subscriptionarn": name("AWS::SNS::Subscription"),
	},
	"route53.amazonaws.com": {
		"hostedzoneid":  named("AWS::Route53::HostedZone", formHostedZone),
		"hostedzone.id": named("AWS::Route53::HostedZone", formHostedZone),
		"id":            {typ: "", form: formHostedZone, byNoun: []noun{{"HostedZone", "AWS::Route53::HostedZone"}}},
		"healthcheckid": name("AWS::Route53::HealthCheck"),
	},
	"route53resolver.amazonaws.com": {
		"resolverquerylogconfigid": name("AWS::Route53Resolver::ResolverQueryLoggingConfig"),
		"resolverruleid":           name("AWS::Route53Resolver::ResolverRule"),
		"resolverendpointid":       name("AWS::Route53Resolver::ResolverEndpoint"),
		"firewallrulegroupid":      name("AWS::Route53Resolver::FirewallRuleGroup"),
	},
	"secretsmanager.amazonaws.com": {
		"secretid": name("AWS::SecretsManager::Secret"),
		"name":     name("AWS::SecretsManager::Secret"),
		"arn":      name("AWS::SecretsManager::Secret"),
	},
	"ssm.amazonaws.com": {
		"name":         nounOf("AWS::SSM::Document", noun{"Parameter", "AWS::SSM::Parameter"}),
		"names":        name("AWS::SSM::Parameter"),
		"documentname": name("AWS::SSM::Document"),
		"target":       ec2IDs,
		"instanceid":   name("AWS::EC2::Instance"),
		"windowid":     name("AWS::SSM::MaintenanceWindow"),
	},
	"cloudformation.amazonaws.com": {
		"stackname":    name("AWS::CloudFormation::Stack"),
		"stackid":      name("AWS::CloudFormation::Stack"),
		"stacksetname": name("AWS::CloudFormation::StackSet"),
	},
	"apigateway.amazonaws.com": {
		"restapiid": name("AWS::ApiGateway::RestApi"),
		"apiid":     name("AWS::ApiGatewayV2::Api"),
	},
	"appsync.amazonaws.com": {
		"apiid": name("AWS::AppSync::GraphQLApi"),
	},
	"cloudfront.amazonaws.com": {
		"id": nounOf("",
			noun{"Distribution", "AWS::CloudFront::Distribution"},
			noun{"Invalidation", "AWS::CloudFront::Distribution"}),
		"distributionid": name("AWS::CloudFront::Distribution"),
		"name":           nounOf("", noun{"Function", "AWS::CloudFront::Function"}),
	},
	"events.amazonaws.com": {
		"name": nounOf("AWS::Events::Rule",
			noun{"EventBus", "AWS::Events::EventBus"},
			noun{"Archive", "AWS::Events::Archive"},
			noun{"Connection", "AWS::Events::Connection"},
			noun{"ApiDestination", "AWS::Events::ApiDestination"},
			noun{"Endpoint", "AWS::Events::Endpoint"}),
		"rule":         name("AWS::Events::Rule"),
		"eventbusname": name("AWS::Events::EventBus"),
	},
	"scheduler.amazonaws.com": {
		"name": nounOf("AWS::Scheduler::Schedule", noun{"ScheduleGroup", "AWS::Scheduler::ScheduleGroup"}),
	},
	"logs.amazonaws.com": {
		"loggroupname":       name("AWS::Logs::LogGroup"),
		"loggroupidentifier": name("AWS::Logs::LogGroup"),
		"destinationname":    name("AWS::Logs::Destination"),
	},
	"monitoring.amazonaws.com": {
		"alarmname":      name("AWS::CloudWatch::Alarm"),
		"alarmnames":     name("AWS::CloudWatch::Alarm"),
		"dashboardname":  name("AWS::CloudWatch::Dashboard"),
		"dashboardnames": name("AWS::CloudWatch::Dashboard"),
	},
	"cloudtrail.amazonaws.com": {
		"name":      name("AWS::CloudTrail::Trail"),
		"trailname": name("AWS::CloudTrail::Trail"),
	},
	"config.amazonaws.com": {
		"configrulename":             name("AWS::Config::ConfigRule"),
		"configurationrecordername":  name("AWS::Config::ConfigurationRecorder"),
		"configurationrecorder.name": name("AWS::Config::ConfigurationRecorder"),
		"deliverychannelname":        name("AWS::Config::DeliveryChannel"),
		"deliverychannel.name":       name("AWS::Config::DeliveryChannel"),
	},
	"elasticache.amazonaws.com": {
		"cacheclusterid":          name("AWS::ElastiCache::CacheCluster"),
		"replicationgroupid":      name("AWS::ElastiCache::ReplicationGroup"),
		"cacheparametergroupname": name("AWS::ElastiCache::ParameterGroup"),
		"cachesubnetgroupname":    name("AWS::ElastiCache::SubnetGroup"),
	},
	"states.amazonaws.com": {
		"name": nounOf("", noun{"StateMachine", "AWS::StepFunctions::StateMachine"},
			noun{"Activity", "AWS::StepFunctions::Activity"}),
	},
	"kinesis.amazonaws.com": {
		"streamname": name("AWS::Kinesis::Stream"),
	},
	"firehose.amazonaws.com": {
		"deliverystreamname": name("AWS::KinesisFirehose::DeliveryStream"),
	},
	"ecr.amazonaws.com": {
		"repositoryname": name("AWS::ECR::Repository"),
	},
	"elasticfilesystem.amazonaws.com": {
		"filesystemid":  name("AWS::EFS::FileSystem"),
		"mounttargetid": name("AWS::EFS::MountTarget"),
		"accesspointid": name("AWS::EFS::AccessPoint"),
	},
	"es.amazonaws.com": {
		"domainname": name("AWS::OpenSearchService::Domain"),
	},
	"guardduty.amazonaws.com": {
		"detectorid": name("AWS::GuardDuty::Detector"),
		"ipsetid":    name("AWS::GuardDuty::IPSet"),
	},
	"cognito-idp.amazonaws.com": {
		"userpoolid": name("AWS::Cognito::UserPool"),
		"clientid":   name("AWS::Cognito::UserPoolClient"),
	},
	"redshift.amazonaws.com": {
		"clusteridentifier": name("AWS::Redshift::Cluster"),
	},
	"glue.amazonaws.com": {
		"endpointname": name("AWS::Glue::DevEndpoint"),
		"jobname":      name("AWS::Glue::Job"),
		"crawlername":  name("AWS::Glue::Crawler"),
	},
	"codebuild.amazonaws.com": {
		"projectname": name("AWS::CodeBuild::Project"),
		"name":        nounOf("", noun{"Project", "AWS::CodeBuild::Project"}),
	},
	"codepipeline.amazonaws.com": {
		"name":          name("AWS::CodePipeline::Pipeline"),
		"pipeline.name": name("AWS::CodePipeline::Pipeline"),
	},
	"wafv2.amazonaws.com": {
		"name": nounOf("", noun{"WebACL", "AWS::WAFv2::WebACL"}, noun{"IPSet", "AWS::WAFv2::IPSet"},
			noun{"RuleGroup", "AWS::WAFv2::RuleGroup"}),
		"id": nounOf("", noun{"WebACL", "AWS::WAFv2::WebACL"}, noun{"IPSet", "AWS::WAFv2::IPSet"},
			noun{"RuleGroup", "AWS::WAFv2::RuleGroup"}),
	},
	"bedrock.amazonaws.com": {
		"guardrailidentifier": name("AWS::Bedrock::Guardrail"),
		"knowledgebaseid":     name("AWS::Bedrock::KnowledgeBase"),
		"agentid":             name("AWS::Bedrock::Agent"),
	},
	"rolesanywhere.amazonaws.com": {
		"trustanchorid": name("AWS::RolesAnywhere::TrustAnchor"),
		"profileid":     name("AWS::RolesAnywhere::Profile"),
		"name": nounOf("", noun{"TrustAnchor", "AWS::RolesAnywhere::TrustAnchor"},
			noun{"Profile", "AWS::RolesAnywhere::Profile"}),
	},
	"ses.amazonaws.com": {
		"identity":      name("AWS::SES::EmailIdentity"),
		"emailidentity": name("AWS::SES::EmailIdentity"),
	},
	"transfer.amazonaws.com": {
		"serverid": name("AWS::Transfer::Server"),
	},
	"lightsail.amazonaws.com": {
		"instancename":  name("AWS::Lightsail::Instance"),
		"instancenames": name("AWS::Lightsail::Instance"),
	},
	"sagemaker.amazonaws.com": {
		"endpointname":         name("AWS::SageMaker::Endpoint"),
		"notebookinstancename": name("AWS::SageMaker::NotebookInstance"),
	},
	"identitystore.amazonaws.com": identityStoreKeys,
	"sso-directory.amazonaws.com": identityStoreKeys, // the Identity Store's older event source
	"elasticbeanstalk.amazonaws.com": {
		"environmentname": name("AWS::ElasticBeanstalk::Environment"),
		"applicationname": name("AWS::ElasticBeanstalk::Application"),
	},
}

// identityStoreKeys name IAM Identity Center users and groups.
var identityStoreKeys = map[string]keyRule{
	"groupid":         name("AWS::IdentityStore::Group"),
	"userid":          name("AWS::IdentityStore::User"),
	"member.memberid": name("AWS::IdentityStore::User"),
}

// skippedSubtrees are parameter keys (lower-cased) whose content describes
// something other than the call's resources: policy documents, tags,
// environment variables, code, filters, rule contents, templates. ARNs and ids
// found there are references (a statement's Resource, a rule's source group,
// an environment variable), not resources the call acts on.
var skippedSubtrees = map[string]bool{
	"policy": true, "policydocument": true, "assumerolepolicydocument": true,
	"bucketpolicy": true, "resourcepolicy": true, "accesspolicies": true, "keypolicy": true,
	"tags": true, "tagset": true, "tagspecificationset": true, "tagspecification": true,
	"tagslist": true, "tagging": true, "tagkeys": true,
	"environment": true, "variables": true, "userdata": true, "code": true, "zipfile": true,
	"filterset": true, "filters": true, "filter": true, "encryptioncontext": true,
	"eventselectors": true, "advancedeventselectors": true,
	"ippermissions": true, "ippermissionsegress": true,
	"launchtemplatedata": true, "blockdevicemapping": true, "blockdevicemappings": true,
	"changebatch": true, "attributes": true, "parameters": true, "definition": true,
	"templatebody": true, "containerdefinitions": true, "distributionconfig": true,
	"dimensions": true, "metrics": true, "assumedroleuser": true, "credentials": true,
	"accesskeyset": true, "statement": true,
}

// ec2IDPrefixes maps the prefix of an EC2 id ("sg-0123abcd") to its type.
var ec2IDPrefixes = map[string]string{
	"i":          "AWS::EC2::Instance",
	"sg":         "AWS::EC2::SecurityGroup",
	"subnet":     "AWS::EC2::Subnet",
	"vpc":        "AWS::EC2::VPC",
	"rtb":        "AWS::EC2::RouteTable",
	"acl":        "AWS::EC2::NetworkAcl",
	"vpce":       "AWS::EC2::VPCEndpoint",
	"nat":        "AWS::EC2::NatGateway",
	"vol":        "AWS::EC2::Volume",
	"snap":       "AWS::EC2::Snapshot",
	"ami":        "AWS::EC2::Ami",
	"eni":        "AWS::EC2::NetworkInterface",
	"igw":        "AWS::EC2::InternetGateway",
	"eigw":       "AWS::EC2::EgressOnlyInternetGateway",
	"eipalloc":   "AWS::EC2::EIP",
	"lt":         "AWS::EC2::LaunchTemplate",
	"fl":         "AWS::EC2::FlowLog",
	"tgw":        "AWS::EC2::TransitGateway",
	"tgw-rtb":    "AWS::EC2::TransitGatewayRouteTable",
	"tgw-attach": "AWS::EC2::TransitGatewayAttachment",
	"pcx":        "AWS::EC2::VPCPeeringConnection",
	"dopt":       "AWS::EC2::DHCPOptions",
	"vgw":        "AWS::EC2::VPNGateway",
	"cgw":        "AWS::EC2::CustomerGateway",
	"vpn":        "AWS::EC2::VPNConnection",
	"key":        "AWS::EC2::KeyPair",
	"pl":         "AWS::EC2::PrefixList",
	"tmf":        "AWS::EC2::TrafficMirrorFilter",
	"tms":        "AWS::EC2::TrafficMirrorSession",
	"tmt":        "AWS::EC2::TrafficMirrorTarget",
}

// ec2ID matches an EC2 id: a prefix (one or two words: "tgw-rtb"), a dash
// and 8 or 17 hexadecimal digits.
var ec2ID = regexp.MustCompile(`^([a-z]+(?:-[a-z]+)?)-([0-9a-fA-F]{8}|[0-9a-fA-F]{17})$`)

// ec2IDType is the type of an EC2 id, or "" when s is not one.
func ec2IDType(s string) string {
	m := ec2ID.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return ec2IDPrefixes[m[1]]
}
