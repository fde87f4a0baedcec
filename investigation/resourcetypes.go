package investigation

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
