package record

import (
	"testing"

	"github.com/trailhound/trailhound/investigation"
)

const (
	invictus1200 = "invictus-ir_aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1200Z_x9kHmzMa7cx6l9wM.json"
	invictus1205 = "invictus-ir_aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1205Z_UljXNp9xLp8nsAGc.json"
	invictus1215 = "invictus-ir_aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1215Z_YMDRJwtmC82bUwAo.json"
	invictus1230 = "invictus-ir_aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1230Z_AvIajGd5rkz6vTy4.json"
)

// TestResourcesFromSamples checks real record shapes: the two
// security-group rule shapes, RunInstances (the instance id only in the
// response), a failed RunInstances, Lambda's ARN function names, EC2's
// wrapped {"content": …} values.
func TestResourcesFromSamples(t *testing.T) {
	type res = investigation.EventResource
	tests := []struct {
		name      string
		file, id  string
		want      []res
		notTypes  []string
		wantError string
	}{
		{
			name: "security group, nested ipPermissions.items[].ipRanges.items[]",
			file: invictus1215, id: "7e96f0e7-4d78-423d-b3f5-391370685b30",
			want: []res{{Type: "AWS::EC2::SecurityGroup", Name: "sg-04cfb7a4712d75b00"}},
		},
		{
			name: "security group, flat cidrIp/fromPort/toPort",
			file: "stratus-red-team_detonation-logs/aws.exfiltration.ec2-security-group-open-port-22-ingress.json",
			id:   "9fd68588-ecbf-4528-a345-199fa6bb0821",
			want: []res{{Type: "AWS::EC2::SecurityGroup", Name: "sg-003dc7f1f1c686164"}},
		},
		{
			name: "RunInstances: the instance id comes from responseElements",
			file: invictus1200, id: "86eac0ac-8521-4126-aa32-a22f2b74d02e",
			want: []res{
				{Type: "AWS::EC2::Instance", Name: "i-0dbc91f429e48eeed"},
				{Type: "AWS::EC2::Ami", Name: "ami-029eb80bc237bec6f"},
				{Type: "AWS::EC2::NetworkInterface", Name: "eni-076fa9fb98a2500a7"},
				{Type: "AWS::IAM::InstanceProfile", Name: "stratus-red-team-ec2-steal-credentials-instance"},
			},
		},
		{
			name: "failed RunInstances keeps its error and what the request named",
			file: invictus1200, id: "4a131b73-a4cd-44ce-8757-e3ad55c22e43",
			want:      []res{{Type: "AWS::EC2::Ami", Name: "ami-029eb80bc237bec6f"}},
			notTypes:  []string{"AWS::EC2::Instance"},
			wantError: "Client.InvalidParameterValue",
		},
		{
			name: "Lambda function named by ARN, event name with API-version suffix",
			file: "stratus-red-team_detonation-logs/aws.persistence.lambda-overwrite-code.json",
			id:   "4672b74f-2466-4784-b3fb-5b4db904a995",
			want: []res{
				{Type: "AWS::Lambda::Function", Name: "stratus-red-team-olc-func-vayhjqkdav"},
				{Type: "AWS::Lambda::Function", Name: "arn:aws:lambda:ap-westeast-2r:266106314375:function:stratus-red-team-olc-func-vayhjqkdav"},
			},
			// The response echoes the execution role: configuration, not
			// something the call changed.
			notTypes: []string{"AWS::IAM::Role"},
		},
		{
			name: "EC2 wrapped request and response values",
			file: invictus1205, id: "a3fbe842-f8df-4bb3-accf-1407cc925cbd",
			want: []res{
				{Type: "AWS::EC2::VPC", Name: "vpc-0255d384b4b458b46"},
				{Type: "AWS::EC2::FlowLog", Name: "fl-064ed3a785e4a37ef"},
				{Type: "AWS::Logs::LogGroup", Name: "/stratus-red-team/vpc-flow-logs"},
				{Type: "AWS::IAM::Role", Name: "stratus-red-team-remove-flow-logs-role"},
			},
		},
		{
			name: "AttachRolePolicy names the role and the managed policy",
			file: "invictus-ir_aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1230Z_ZtUNbBkwAu98FPZb.json",
			id:   "493e08b7-63e4-49a4-832a-1a7598ce78e5",
			want: []res{
				{Type: "AWS::IAM::Role", Name: "stratus-red-team-backdoor-r-role"},
				{Type: "AWS::IAM::Policy", Name: "arn:aws:iam::aws:policy/AdministratorAccess"},
				{Type: "AWS::IAM::Policy", Name: "AdministratorAccess"},
			},
		},
		{
			name: "a sign-in names no resource",
			file: invictus1230, id: "8feee4c2-5e27-4857-8475-bfa7e7b6d791",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEvent(t, tt.file, tt.id)
			for _, w := range tt.want {
				if !hasResource(e, w.Type, w.Name) {
					t.Errorf("missing %s %q in %v", w.Type, w.Name, e.Resources)
				}
			}
			if tt.want == nil && len(e.Resources) > 0 {
				t.Errorf("resources = %v, want none", e.Resources)
			}
			for _, typ := range tt.notTypes {
				if hasType(e, typ) {
					t.Errorf("unexpected %s in %v", typ, e.Resources)
				}
			}
			if e.ErrorCode != tt.wantError || e.Failed() != (tt.wantError != "") {
				t.Errorf("ErrorCode = %q (failed %v), want %q", e.ErrorCode, e.Failed(), tt.wantError)
			}
		})
	}
}

// TestResourcesByService covers request shapes per service, built after the
// services' API references.
func TestResourcesByService(t *testing.T) {
	type res struct{ typ, name string } // a local type keeps the table terse
	tests := []struct {
		name             string
		source, event    string
		request, respons string
		want             []res
		notWant          []res
	}{
		{name: "Lambda plain name", source: "lambda.amazonaws.com", event: "UpdateFunctionConfiguration20150331v2",
			request: `{"functionName":"checkout","role":"arn:aws:iam::123456789012:role/checkout-role","vpcConfig":{"subnetIds":["subnet-0a1b2c3d"],"securityGroupIds":["sg-0123456789abcdef0"]}}`,
			want: []res{{"AWS::Lambda::Function", "checkout"}, {"AWS::IAM::Role", "checkout-role"},
				{"AWS::EC2::Subnet", "subnet-0a1b2c3d"}, {"AWS::EC2::SecurityGroup", "sg-0123456789abcdef0"}}},
		{name: "Lambda qualified ARN", source: "lambda.amazonaws.com", event: "PutFunctionConcurrency20171031",
			request: `{"functionName":"arn:aws:lambda:us-east-1:123456789012:function:checkout:live","reservedConcurrentExecutions":0}`,
			want: []res{{"AWS::Lambda::Function", "checkout"},
				{"AWS::Lambda::Function", "arn:aws:lambda:us-east-1:123456789012:function:checkout:live"}}},
		{name: "Lambda partial ARN", source: "lambda.amazonaws.com", event: "UpdateFunctionCode20150331v2",
			request: `{"functionName":"123456789012:function:checkout"}`,
			want:    []res{{"AWS::Lambda::Function", "checkout"}, {"AWS::Lambda::Function", "123456789012:function:checkout"}}},
		{name: "Lambda name with alias", source: "lambda.amazonaws.com", event: "UpdateAlias20150331",
			request: `{"functionName":"checkout:live","name":"live","functionVersion":"7"}`,
			want:    []res{{"AWS::Lambda::Function", "checkout"}}},
		{name: "security group rule referencing another group", source: "ec2.amazonaws.com", event: "AuthorizeSecurityGroupIngress",
			request: `{"groupId":"sg-0aaaaaaaaaaaaaaaa","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":5432,"toPort":5432,"groups":{"items":[{"groupId":"sg-0bbbbbbbbbbbbbbbb"}]}}]}}`,
			want:    []res{{"AWS::EC2::SecurityGroup", "sg-0aaaaaaaaaaaaaaaa"}},
			notWant: []res{{"AWS::EC2::SecurityGroup", "sg-0bbbbbbbbbbbbbbbb"}}},
		{name: "ModifyInstanceAttribute replacing security groups", source: "ec2.amazonaws.com", event: "ModifyInstanceAttribute",
			request: `{"instanceId":"i-0123456789abcdef0","groupSet":{"items":[{"groupId":"sg-0123456789abcdef0"}]}}`,
			want:    []res{{"AWS::EC2::Instance", "i-0123456789abcdef0"}, {"AWS::EC2::SecurityGroup", "sg-0123456789abcdef0"}}},
		{name: "route table and NAT gateway", source: "ec2.amazonaws.com", event: "ReplaceRoute",
			request: `{"routeTableId":"rtb-0123456789abcdef0","destinationCidrBlock":"0.0.0.0/0","natGatewayId":"nat-0123456789abcdef0"}`,
			want:    []res{{"AWS::EC2::RouteTable", "rtb-0123456789abcdef0"}, {"AWS::EC2::NatGateway", "nat-0123456789abcdef0"}}},
		{name: "network ACL entry", source: "ec2.amazonaws.com", event: "ReplaceNetworkAclEntry",
			request: `{"networkAclId":"acl-0123456789abcdef0","ruleNumber":100,"egress":false}`,
			want:    []res{{"AWS::EC2::NetworkAcl", "acl-0123456789abcdef0"}}},
		{name: "RDS instance and parameter group", source: "rds.amazonaws.com", event: "ModifyDBInstance",
			request: `{"dBInstanceIdentifier":"orders-db","dBParameterGroupName":"orders-pg","vpcSecurityGroupIds":["sg-0123456789abcdef0"],"applyImmediately":true}`,
			want: []res{{"AWS::RDS::DBInstance", "orders-db"}, {"AWS::RDS::DBParameterGroup", "orders-pg"},
				{"AWS::EC2::SecurityGroup", "sg-0123456789abcdef0"}}},
		{name: "RDS cluster", source: "rds.amazonaws.com", event: "ModifyDBCluster",
			request: `{"dBClusterIdentifier":"orders","dBClusterParameterGroupName":"orders-cpg"}`,
			want:    []res{{"AWS::RDS::DBCluster", "orders"}, {"AWS::RDS::DBClusterParameterGroup", "orders-cpg"}}},
		{name: "DynamoDB table", source: "dynamodb.amazonaws.com", event: "UpdateTable",
			request: `{"tableName":"orders","billingMode":"PROVISIONED"}`,
			want:    []res{{"AWS::DynamoDB::Table", "orders"}}},
		{name: "DynamoDB table only in the response", source: "dynamodb.amazonaws.com", event: "UpdateTable",
			respons: `{"tableDescription":{"tableName":"orders","tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/orders"}}`,
			want:    []res{{"AWS::DynamoDB::Table", "orders"}}},
		{name: "ELBv2 target group ARN", source: "elasticloadbalancing.amazonaws.com", event: "ModifyTargetGroup",
			request: `{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067","healthCheckPath":"/health"}`,
			want: []res{{"AWS::ElasticLoadBalancingV2::TargetGroup", "targetgroup/web/73e2d6bc24d8a067"},
				{"AWS::ElasticLoadBalancingV2::TargetGroup", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"}}},
		{name: "ELBv2 deregistered targets", source: "elasticloadbalancing.amazonaws.com", event: "DeregisterTargets",
			request: `{"targetGroupArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067","targets":[{"id":"i-0123456789abcdef0","port":80}]}`,
			want:    []res{{"AWS::EC2::Instance", "i-0123456789abcdef0"}}},
		{name: "ELBv2 listener rule and load balancer", source: "elasticloadbalancing.amazonaws.com", event: "ModifyRule",
			request: `{"ruleArn":"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"}`,
			want:    []res{{"AWS::ElasticLoadBalancingV2::ListenerRule", "app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"}}},
		{name: "ELBv2 create target group by name", source: "elasticloadbalancing.amazonaws.com", event: "CreateTargetGroup",
			request: `{"name":"web","protocol":"HTTP","port":80,"vpcId":"vpc-0123456789abcdef0"}`,
			want:    []res{{"AWS::ElasticLoadBalancingV2::TargetGroup", "web"}, {"AWS::EC2::VPC", "vpc-0123456789abcdef0"}}},
		{name: "Auto Scaling group", source: "autoscaling.amazonaws.com", event: "UpdateAutoScalingGroup",
			request: `{"autoScalingGroupName":"web-asg","maxSize":0,"launchTemplate":{"launchTemplateId":"lt-0123456789abcdef0","version":"$Latest"}}`,
			want:    []res{{"AWS::AutoScaling::AutoScalingGroup", "web-asg"}, {"AWS::EC2::LaunchTemplate", "lt-0123456789abcdef0"}}},
		{name: "transit gateway route table: a two-word EC2 id prefix", source: "ec2.amazonaws.com", event: "ReplaceTransitGatewayRoute",
			request: `{"ReplaceTransitGatewayRouteRequest":{"TransitGatewayRouteTableId":"tgw-rtb-0c1e3a5b7d9f24680","DestinationCidrBlock":"10.200.0.0/16","TransitGatewayAttachmentId":"tgw-attach-0f8b0d2a4c6e35791"}}`,
			want: []res{{"AWS::EC2::TransitGatewayRouteTable", "tgw-rtb-0c1e3a5b7d9f24680"},
				{"AWS::EC2::TransitGatewayAttachment", "tgw-attach-0f8b0d2a4c6e35791"}}},
		{name: "ECS service update", source: "ecs.amazonaws.com", event: "UpdateService",
			request: `{"cluster":"prod","service":"checkout","taskDefinition":"checkout:42","desiredCount":0}`,
			want: []res{{"AWS::ECS::Cluster", "prod"}, {"AWS::ECS::Service", "checkout"},
				{"AWS::ECS::TaskDefinition", "checkout:42"}}},
		{name: "ECS service by ARN", source: "ecs.amazonaws.com", event: "UpdateService",
			request: `{"cluster":"arn:aws:ecs:us-east-1:123456789012:cluster/prod","service":"arn:aws:ecs:us-east-1:123456789012:service/prod/checkout"}`,
			want:    []res{{"AWS::ECS::Cluster", "prod"}, {"AWS::ECS::Service", "checkout"}}},
		{name: "KMS key id, key ARN and alias", source: "kms.amazonaws.com", event: "UpdateAlias",
			request: `{"aliasName":"alias/orders","targetKeyId":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`,
			want: []res{{"AWS::KMS::Alias", "alias/orders"}, {"AWS::KMS::Key", "1234abcd-12ab-34cd-56ef-1234567890ab"},
				{"AWS::KMS::Key", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}},
		{name: "KMS alias as key id", source: "kms.amazonaws.com", event: "DisableKey",
			request: `{"keyId":"alias/orders"}`,
			want:    []res{{"AWS::KMS::Alias", "alias/orders"}}},
		{name: "S3 bucket", source: "s3.amazonaws.com", event: "PutBucketPolicy",
			request: `{"bucketName":"orders-bucket","bucketPolicy":{"Statement":[{"Resource":"arn:aws:s3:::other-bucket/*"}]}}`,
			want:    []res{{"AWS::S3::Bucket", "orders-bucket"}},
			notWant: []res{{"AWS::S3::Object", "other-bucket/*"}}},
		{name: "SQS queue URL", source: "sqs.amazonaws.com", event: "SetQueueAttributes",
			request: `{"queueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/orders","attributes":{"VisibilityTimeout":"5"}}`,
			want: []res{{"AWS::SQS::Queue", "orders"},
				{"AWS::SQS::Queue", "https://sqs.us-east-1.amazonaws.com/123456789012/orders"}}},
		{name: "SNS topic", source: "sns.amazonaws.com", event: "SetTopicAttributes",
			request: `{"topicArn":"arn:aws:sns:us-east-1:123456789012:alerts","attributeName":"Policy"}`,
			want:    []res{{"AWS::SNS::Topic", "alerts"}}},
		{name: "Route 53 hosted zone", source: "route53.amazonaws.com", event: "ChangeResourceRecordSets",
			request: `{"hostedZoneId":"/hostedzone/Z0123456789ABCDEFGHIJ","changeBatch":{"changes":[{"resourceRecordSet":{"aliasTarget":{"hostedZoneId":"Z35SXDOTRQ7X7K"}}}]}}`,
			want:    []res{{"AWS::Route53::HostedZone", "Z0123456789ABCDEFGHIJ"}},
			notWant: []res{{"AWS::Route53::HostedZone", "Z35SXDOTRQ7X7K"}}},
		{name: "Secrets Manager secret ARN", source: "secretsmanager.amazonaws.com", event: "PutSecretValue",
			request: `{"secretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"}`,
			want:    []res{{"AWS::SecretsManager::Secret", "prod/db"}}},
		{name: "SSM parameter", source: "ssm.amazonaws.com", event: "PutParameter",
			request: `{"name":"/prod/db/url","type":"String","overwrite":true}`,
			want:    []res{{"AWS::SSM::Parameter", "/prod/db/url"}}},
		{name: "SSM command on instances", source: "ssm.amazonaws.com", event: "SendCommand",
			request: `{"documentName":"AWS-RunShellScript","instanceIds":["i-0123456789abcdef0"]}`,
			want:    []res{{"AWS::SSM::Document", "AWS-RunShellScript"}, {"AWS::EC2::Instance", "i-0123456789abcdef0"}}},
		{name: "CloudFormation stack", source: "cloudformation.amazonaws.com", event: "UpdateStack",
			request: `{"stackName":"checkout","templateURL":"https://example.com/t.yaml","parameters":[{"parameterKey":"Sg","parameterValue":"sg-0123456789abcdef0"}]}`,
			want:    []res{{"AWS::CloudFormation::Stack", "checkout"}},
			notWant: []res{{"AWS::EC2::SecurityGroup", "sg-0123456789abcdef0"}}},
		{name: "API Gateway REST API", source: "apigateway.amazonaws.com", event: "CreateDeployment",
			request: `{"restApiId":"a1b2c3d4e5","stageName":"prod"}`,
			want:    []res{{"AWS::ApiGateway::RestApi", "a1b2c3d4e5"}}},
		{name: "CloudFront distribution", source: "cloudfront.amazonaws.com", event: "UpdateDistribution2020_05_31",
			request: `{"id":"E2QWRUHEXAMPLE","distributionConfig":{"comment":"x"}}`,
			want:    []res{{"AWS::CloudFront::Distribution", "E2QWRUHEXAMPLE"}}},
		{name: "EKS node group", source: "eks.amazonaws.com", event: "UpdateNodegroupConfig",
			request: `{"name":"prod","nodegroupName":"workers","scalingConfig":{"desiredSize":0}}`,
			want:    []res{{"AWS::EKS::Cluster", "prod"}, {"AWS::EKS::Nodegroup", "workers"}}},
		{name: "EKS URL-encoded principal ARN", source: "eks.amazonaws.com", event: "DeleteAccessEntry",
			request: `{"name":"prod","principalArn":"arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdeployer"}`,
			want:    []res{{"AWS::IAM::Role", "deployer"}}},
		{name: "EventBridge rule", source: "events.amazonaws.com", event: "DisableRule",
			request: `{"name":"nightly","eventBusName":"default"}`,
			want:    []res{{"AWS::Events::Rule", "nightly"}, {"AWS::Events::EventBus", "default"}}},
		{name: "CloudWatch Logs group", source: "logs.amazonaws.com", event: "PutRetentionPolicy",
			request: `{"logGroupName":"/aws/lambda/checkout","retentionInDays":1}`,
			want:    []res{{"AWS::Logs::LogGroup", "/aws/lambda/checkout"}}},
		{name: "ElastiCache replication group", source: "elasticache.amazonaws.com", event: "ModifyReplicationGroup",
			request: `{"replicationGroupId":"sessions","cacheParameterGroupName":"sessions-pg"}`,
			want: []res{{"AWS::ElastiCache::ReplicationGroup", "sessions"},
				{"AWS::ElastiCache::ParameterGroup", "sessions-pg"}}},
		{name: "CloudWatch alarm", source: "monitoring.amazonaws.com", event: "PutMetricAlarm",
			request: `{"alarmName":"checkout-errors","dimensions":[{"name":"FunctionName","value":"checkout"}]}`,
			want:    []res{{"AWS::CloudWatch::Alarm", "checkout-errors"}},
			notWant: []res{{"AWS::Lambda::Function", "checkout"}}},
		{name: "Step Functions state machine", source: "states.amazonaws.com", event: "UpdateStateMachine",
			request: `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:orders","definition":"{}"}`,
			want:    []res{{"AWS::StepFunctions::StateMachine", "orders"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustParse(t, record(tt.source, tt.event, tt.request, tt.respons))
			for _, w := range tt.want {
				if !hasResource(e, w.typ, w.name) {
					t.Errorf("missing %s %q in %v", w.typ, w.name, e.Resources)
				}
			}
			for _, w := range tt.notWant {
				if hasResource(e, w.typ, w.name) {
					t.Errorf("unexpected %s %q in %v", w.typ, w.name, e.Resources)
				}
			}
			if tt.want == nil && len(e.Resources) > 0 {
				t.Errorf("resources = %v, want none", e.Resources)
			}
		})
	}
}

// TestResourcesField checks CloudTrail's own resources[] list, including
// entries without a type (SSM parameters) and malformed entries.
func TestResourcesField(t *testing.T) {
	raw := withFields(t, record("ssm.amazonaws.com", "GetParameters", `{"names":["/a"]}`, ""), map[string]any{
		"resources": []any{
			map[string]any{"ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/prod/a", "accountId": "123456789012"},
			map[string]any{"arn": "arn:aws:kms:us-east-1:123456789012:key/1", "type": "AWS::KMS::Key"},
			"{'arn': 'not an object'}",
			map[string]any{"type": "AWS::S3::Bucket"},
		},
	})
	got, err := Resources(raw)
	if err != nil {
		t.Fatal(err)
	}
	e := investigation.Event{Resources: got}
	for _, w := range []investigation.EventResource{
		{Type: "AWS::SSM::Parameter", Name: "/prod/a"},
		{Type: "AWS::SSM::Parameter", Name: "arn:aws:ssm:us-east-1:123456789012:parameter/prod/a"},
		{Type: "AWS::KMS::Key", Name: "1"},
		{Type: "AWS::SSM::Parameter", Name: "/a"},
	} {
		if !hasResource(e, w.Type, w.Name) {
			t.Errorf("missing %+v in %v", w, got)
		}
	}
	if hasType(e, "AWS::S3::Bucket") {
		t.Errorf("an entry without ARN gave a resource: %v", got)
	}
}

func TestARNResources(t *testing.T) {
	tests := []struct {
		arn, typ, name string
	}{
		{"arn:aws:iam::123456789012:role/service-role/checkout", "AWS::IAM::Role", "checkout"},
		{"arn:aws:iam::aws:policy/ReadOnlyAccess", "AWS::IAM::Policy", "ReadOnlyAccess"},
		{"arn:aws:lambda:us-east-1:123456789012:function:checkout:7", "AWS::Lambda::Function", "checkout"},
		{"arn:aws:s3:::orders-bucket", "AWS::S3::Bucket", "orders-bucket"},
		{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188", "AWS::ElasticLoadBalancingV2::LoadBalancer", "app/web/50dc6c495c0c9188"},
		{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/legacy", "AWS::ElasticLoadBalancing::LoadBalancer", "legacy"},
		{"arn:aws:rds:us-east-1:123456789012:db:orders-db", "AWS::RDS::DBInstance", "orders-db"},
		{"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000", "AWS::DynamoDB::Table", "orders"},
		{"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/checkout:*", "AWS::Logs::LogGroup", "/aws/lambda/checkout"},
		{"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:uuid-1:autoScalingGroupName/web-asg", "AWS::AutoScaling::AutoScalingGroup", "web-asg"},
		{"arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod", "AWS::ApiGateway::RestApi", "a1b2c3d4e5"},
		{"arn:aws:cloudformation:us-east-1:123456789012:stack/checkout/0a1b2c3d", "AWS::CloudFormation::Stack", "checkout"},
		{"arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0", "AWS::EC2::SecurityGroup", "sg-0123456789abcdef0"},
		{"arn:aws-cn:sqs:cn-north-1:123456789012:orders", "AWS::SQS::Queue", "orders"},
		{"arn:aws:kms:us-east-1:123456789012:alias/orders", "AWS::KMS::Alias", "alias/orders"},
	}
	for _, tt := range tests {
		typ, names, ok := arnResources(tt.arn)
		if !ok || typ != tt.typ || names[0] != tt.arn || names[len(names)-1] != tt.name {
			t.Errorf("arnResources(%q) = %q %q %v, want %q [%q %q]", tt.arn, typ, names, ok, tt.typ, tt.arn, tt.name)
		}
	}
	for _, bad := range []string{"", "arn:", "arn:aws:iam", "arn:aws:unknownsvc:us-east-1:1:thing/x", "arn:aws:iam::123456789012:root"} {
		if typ, names, ok := arnResources(bad); ok {
			t.Errorf("arnResources(%q) = %q %v, want not ok", bad, typ, names)
		}
	}
}

// TestServiceEventResources checks AwsServiceEvent records, which carry what
// they act on in serviceEventDetails or additionalEventData, while an API
// call's additionalEventData (transport details) names nothing.
func TestServiceEventResources(t *testing.T) {
	secret := "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
	service := withFields(t, record("secretsmanager.amazonaws.com", "EndSecretVersionDelete", "", ""), map[string]any{
		"eventType":           "AwsServiceEvent",
		"additionalEventData": map[string]any{"ARN": secret, "Name": "prod/db"},
	})
	e := mustParse(t, service)
	if !hasResource(e, "AWS::SecretsManager::Secret", "prod/db") || !hasResource(e, "AWS::SecretsManager::Secret", secret) {
		t.Errorf("service event resources = %v", e.Resources)
	}

	shared := withFields(t, record("ec2.amazonaws.com", "SharedSnapshotVolumeCreated", "", ""), map[string]any{
		"eventType":           "AwsServiceEvent",
		"serviceEventDetails": map[string]any{"snapshotId": "snap-0e83092ae538da583"},
	})
	if e := mustParse(t, shared); !hasResource(e, "AWS::EC2::Snapshot", "snap-0e83092ae538da583") {
		t.Errorf("serviceEventDetails resources = %v", e.Resources)
	}

	call := withFields(t, record("s3.amazonaws.com", "PutBucketVersioning", `{"bucketName":"orders"}`, ""), map[string]any{
		"additionalEventData": map[string]any{"vpcEndpointId": "vpce-0123456789abcdef0", "SignatureVersion": "SigV4"},
	})
	if e := mustParse(t, call); hasType(e, "AWS::EC2::VPCEndpoint") || !hasResource(e, "AWS::S3::Bucket", "orders") {
		t.Errorf("API call resources = %v", e.Resources)
	}
}
