package awsapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestECSStatusFeeds(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	client := ecs.NewFromConfig(cfg)
	ctx := invCtx(t)
	svc, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api"}})
	if err != nil || len(svc.Services) != 1 {
		t.Fatalf("DescribeServices: %v %+v", err, svc)
	}
	s := svc.Services[0]
	if len(s.Events) != 1 || len(s.Deployments) != 1 || s.Deployments[0].RolloutState != ecstypes.DeploymentRolloutStateInProgress ||
		s.Deployments[0].FailedTasks != 3 || s.Events[0].CreatedAt == nil {
		t.Errorf("service = %+v; want the feed's events and deployments", s)
	}
	running, err := client.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), ServiceName: aws.String("api")})
	if err != nil || len(running.TaskArns) != 1 || !strings.HasSuffix(running.TaskArns[0], "2222bbbb") {
		t.Errorf("ListTasks without desiredStatus lists the running: %v %+v", err, running)
	}
	stopped, err := client.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String("prod"), DesiredStatus: ecstypes.DesiredStatusStopped})
	if err != nil || len(stopped.TaskArns) != 1 {
		t.Fatalf("ListTasks STOPPED: %v %+v", err, stopped)
	}
	tasks, err := client.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String("prod"), Tasks: []string{stopped.TaskArns[0], "nope"}})
	if err != nil || len(tasks.Tasks) != 1 || len(tasks.Failures) != 1 {
		t.Fatalf("DescribeTasks: %v %+v", err, tasks)
	}
	task := tasks.Tasks[0]
	if task.StopCode != ecstypes.TaskStopCodeEssentialContainerExited || aws.ToString(task.StoppedReason) == "" || task.StoppedAt == nil ||
		aws.ToInt32(task.Containers[0].ExitCode) != 137 || !strings.Contains(aws.ToString(task.Containers[0].Reason), "OutOfMemory") {
		t.Errorf("task = %+v", task)
	}
}

func TestTargetHealthAndRDSEventsFeeds(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	ctx := invCtx(t)
	health, err := elbv2.NewFromConfig(cfg).DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{
		TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-tg/0a1b2c3d4e5f6071")})
	if err != nil || len(health.TargetHealthDescriptions) != 1 || health.TargetHealthDescriptions[0].TargetHealth.Reason != "Target.ResponseCodeMismatch" {
		t.Errorf("DescribeTargetHealth: %v %+v", err, health)
	}
	client := rds.NewFromConfig(cfg)
	recent, err := client.DescribeEvents(ctx, &rds.DescribeEventsInput{})
	if err != nil || len(recent.Events) != 1 || aws.ToString(recent.Events[0].SourceIdentifier) != "orders-db" {
		t.Errorf("DescribeEvents covers the last hour by default: %v %+v", err, recent)
	}
	older, err := client.DescribeEvents(ctx, &rds.DescribeEventsInput{SourceType: "db-parameter-group", SourceIdentifier: aws.String("orders-pg"), Duration: aws.Int32(4 * 24 * 60)})
	if err != nil || len(older.Events) != 1 || !strings.Contains(aws.ToString(older.Events[0].Message), "pending-reboot") {
		t.Errorf("DescribeEvents over four days: %v %+v", err, older)
	}
	if _, err := client.DescribeEvents(ctx, &rds.DescribeEventsInput{SourceIdentifier: aws.String("orders-db")}); invCode(err) != "InvalidParameterCombination" {
		t.Errorf("SourceIdentifier without SourceType: %v", err)
	}
}

// TestScalingActivities reads Auto Scaling over its query protocol (the
// project carries no Auto Scaling SDK client; the CI's AWS CLI uses it too).
func TestScalingActivities(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	form := url.Values{"Action": {"DescribeScalingActivities"}, "Version": {"2011-01-01"}, "AutoScalingGroupName": {"web-asg"}, "MaxRecords": {"1"}}
	status, body := signedPost(t, cfg, "autoscaling", "application/x-www-form-urlencoded", nil, form.Encode())
	if status != 200 || !strings.Contains(body, "<ActivityId>0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b</ActivityId>") ||
		!strings.Contains(body, "<StatusCode>Failed</StatusCode>") || !strings.Contains(body, "<NextToken>") {
		t.Errorf("DescribeScalingActivities (newest first, one per page): %d %s", status, body)
	}
}

func TestVPCNetworkDescribes(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	client := ec2.NewFromConfig(cfg)
	ctx := invCtx(t)
	rts, err := client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{"subnet-0a1b2c3d4e5f60718"}}}})
	if err != nil || len(rts.RouteTables) != 1 || len(rts.RouteTables[0].Routes) != 2 || aws.ToString(rts.RouteTables[0].Routes[1].NatGatewayId) != "nat-0a1b2c3d4e5f60718" {
		t.Fatalf("DescribeRouteTables: %v %+v", err, rts)
	}
	subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0a1b2c3d4e5f60718"}})
	if err != nil || aws.ToString(subnets.Subnets[0].VpcId) != "vpc-0a1b2c3d4e5f60718" {
		t.Errorf("DescribeSubnets (VPC from the relationship): %v %+v", err, subnets)
	}
	acls, err := client.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{})
	if err != nil || len(acls.NetworkAcls) != 1 || aws.ToBool(acls.NetworkAcls[0].IsDefault) || aws.ToInt32(acls.NetworkAcls[0].Entries[0].RuleNumber) != 90 ||
		aws.ToString(acls.NetworkAcls[0].Associations[0].SubnetId) != "subnet-0a1b2c3d4e5f60718" {
		t.Errorf("DescribeNetworkAcls: %v %+v", err, acls)
	}
	vpce, err := client.DescribeVpcEndpoints(ctx, &ec2.DescribeVpcEndpointsInput{})
	if err != nil || len(vpce.VpcEndpoints) != 1 || vpce.VpcEndpoints[0].RouteTableIds[0] != "rtb-0a1b2c3d4e5f60718" || !strings.Contains(aws.ToString(vpce.VpcEndpoints[0].PolicyDocument), "Deny") {
		t.Errorf("DescribeVpcEndpoints: %v %+v", err, vpce)
	}
	nats, err := client.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"available"}}}})
	if err != nil || len(nats.NatGateways) != 1 || aws.ToString(nats.NatGateways[0].NatGatewayAddresses[0].PublicIp) != "203.0.113.10" {
		t.Errorf("DescribeNatGateways: %v %+v", err, nats)
	}
	if _, err := client.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-0000"}}); invCode(err) != "InvalidRouteTableID.NotFound" {
		t.Errorf("unknown route table: %v", err)
	}
}

func TestQueueAndTopicReads(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	ctx := invCtx(t)
	q := sqs.NewFromConfig(cfg)
	jobs, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("jobs")})
	if err != nil {
		t.Fatalf("a topology queue must exist: %v", err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: jobs.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"All"}})
	if err != nil || attrs.Attributes["KmsMasterKeyId"] != "alias/jobs" || attrs.Attributes["VisibilityTimeout"] != "120" ||
		attrs.Attributes["QueueArn"] != "arn:aws:sqs:eu-west-1:123456789012:jobs" || attrs.Attributes["MaximumMessageSize"] != "262144" {
		t.Errorf("GetQueueAttributes: %v %+v", err, attrs)
	}
	var redrive struct{ MaxReceiveCount int }
	if json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &redrive) != nil || redrive.MaxReceiveCount != 3 {
		t.Errorf("RedrivePolicy = %q", attrs.Attributes["RedrivePolicy"])
	}
	dlq, _ := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("jobs-dlq")})
	sources, err := q.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: dlq.QueueUrl})
	if err != nil || len(sources.QueueUrls) != 1 || !strings.HasSuffix(sources.QueueUrls[0], "/jobs") {
		t.Errorf("ListDeadLetterSourceQueues: %v %+v", err, sources)
	}
	form := url.Values{"Action": {"GetQueueAttributes"}, "Version": {"2012-11-05"}, "QueueUrl": {aws.ToString(jobs.QueueUrl)}, "AttributeName.1": {"KmsMasterKeyId"}}
	status, body := signedPost(t, cfg, "sqs", "application/x-www-form-urlencoded", nil, form.Encode())
	if status != 200 || !strings.Contains(body, "<Attribute><Name>KmsMasterKeyId</Name><Value>alias/jobs</Value></Attribute>") {
		t.Errorf("SQS over the query protocol: %d %s", status, body)
	}

	topics := sns.NewFromConfig(cfg)
	topic := aws.String("arn:aws:sns:eu-west-1:123456789012:events")
	ta, err := topics.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic})
	if err != nil || ta.Attributes["KmsMasterKeyId"] != "alias/events" {
		t.Errorf("GetTopicAttributes: %v %+v", err, ta)
	}
	subs, err := topics.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic})
	if err != nil || len(subs.Subscriptions) != 2 {
		t.Fatalf("ListSubscriptionsByTopic (the topic's own and the queue's): %v %+v", err, subs)
	}
	sa, err := topics.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: subs.Subscriptions[0].SubscriptionArn})
	if err != nil || sa.Attributes["FilterPolicy"] != `{"kind":["order"]}` {
		t.Errorf("GetSubscriptionAttributes: %v %+v", err, sa)
	}
}

// TestAPIGatewayReads reads a REST API over restJson with signed requests
// (the project carries no API Gateway SDK client; the CI's AWS CLI uses one).
func TestAPIGatewayReads(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	get := func(path string) (int, map[string]any) {
		status, body := signedRequest(t, cfg, http.MethodGet, path, "apigateway", "application/json", nil, "")
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return status, out
	}
	status, api := get("/restapis/a1b2c3d4e5")
	if status != 200 || api["name"] != "orders-api" || api["createdDate"] != float64(1704067200) || api["resources"] != nil {
		t.Errorf("GetRestApi: %d %v", status, api)
	}
	status, stage := get("/restapis/a1b2c3d4e5/stages/prod")
	if status != 200 || stage["deploymentId"] != "d2" || stage["tracingEnabled"] != true {
		t.Errorf("GetStage (the Stage item over the API's recorded stage): %d %v", status, stage)
	}
	status, authorizers := get("/restapis/a1b2c3d4e5/authorizers")
	if items, _ := authorizers["item"].([]any); status != 200 || len(items) != 1 {
		t.Errorf("GetAuthorizers: %d %v", status, authorizers)
	}
	_, resources := get("/restapis/a1b2c3d4e5/resources")
	items, _ := resources["item"].([]any)
	if len(items) != 1 {
		t.Fatalf("GetResources: %v", resources)
	}
	id := items[0].(map[string]any)["id"].(string)
	status, integration := get("/restapis/a1b2c3d4e5/resources/" + id + "/methods/POST/integration")
	if status != 200 || !strings.Contains(fmt.Sprint(integration["uri"]), "function:ingest:live") {
		t.Errorf("GetIntegration: %d %v", status, integration)
	}
	if status, _ := get("/restapis/nope"); status != 404 {
		t.Errorf("unknown API: %d", status)
	}
}
