package awsapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// TestIAMAgreesWithConfig: a role Config records exists in IAM with
// Config's id, dates, trust policy and policies; a role only named by a
// function's relationship exists too, trusted by Lambda.
func TestIAMAgreesWithConfig(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	client := iam.NewFromConfig(cfg)
	ctx := invCtx(t)
	role, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("worker-role")})
	if err != nil {
		t.Fatal(err)
	}
	r := role.Role
	if aws.ToString(r.RoleId) != "AROAWORKERROLE0000001" || aws.ToString(r.Path) != "/service/" ||
		!aws.ToTime(r.CreateDate).Equal(time.Date(2023, 2, 3, 4, 5, 6, 0, time.UTC)) {
		t.Errorf("role = %s %s %v; want Config's roleId, path and createDate", aws.ToString(r.RoleId), aws.ToString(r.Path), r.CreateDate)
	}
	trust, _ := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if !strings.Contains(aws.ToString(r.AssumeRolePolicyDocument), "%22") || !strings.Contains(trust, "ecs-tasks.amazonaws.com") {
		t.Errorf("AssumeRolePolicyDocument %q: want Config's trust policy, URL-encoded as IAM returns it", aws.ToString(r.AssumeRolePolicyDocument))
	}
	attached, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("worker-role")})
	if err != nil || len(attached.AttachedPolicies) != 3 {
		t.Errorf("attached = %v %+v; want iam.json's, Config's attachedManagedPolicies and the relationship's", err, attached)
	}
	inline, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("worker-role"), PolicyName: aws.String("read-jobs")})
	if err != nil || !strings.Contains(aws.ToString(inline.PolicyDocument), "ReceiveMessage") {
		t.Errorf("inline read-jobs: %v", err)
	}
	derived, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ingest-role")})
	if err != nil {
		t.Fatalf("a role the function's relationship names must exist: %v", err)
	}
	trust, _ = url.QueryUnescape(aws.ToString(derived.Role.AssumeRolePolicyDocument))
	if !strings.Contains(trust, "lambda.amazonaws.com") || derived.Role.CreateDate == nil || !strings.HasPrefix(aws.ToString(derived.Role.RoleId), "AROA") {
		t.Errorf("derived role = %+v", derived.Role)
	}
}

func TestConfigHistoryPages(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	client := configservice.NewFromConfig(cfg)
	ctx := invCtx(t)
	in := &configservice.GetResourceConfigHistoryInput{ResourceType: cfgtypes.ResourceTypeRouteTable, ResourceId: aws.String("rtb-0a1b2c3d4e5f60718")}
	all, err := client.GetResourceConfigHistory(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	items := all.ConfigurationItems
	if len(items) != 3 {
		t.Fatalf("want the current item and two earlier ones, got %d", len(items))
	}
	if !aws.ToTime(items[0].ConfigurationItemCaptureTime).Equal(time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC)) {
		t.Errorf("current item captured %v; want the ReplaceRoute of 11:30", items[0].ConfigurationItemCaptureTime)
	}
	if !strings.Contains(aws.ToString(items[1].Configuration), "igw-") || !strings.Contains(aws.ToString(items[2].Configuration), "tgw-") {
		t.Errorf("history not newest first: %s / %s", aws.ToString(items[1].Configuration), aws.ToString(items[2].Configuration))
	}
	it := items[0]
	if aws.ToString(it.Arn) != "arn:aws:ec2:eu-west-1:123456789012:route-table/rtb-0a1b2c3d4e5f60718" || aws.ToString(it.AccountId) != "123456789012" ||
		aws.ToString(it.AwsRegion) != "eu-west-1" || aws.ToString(it.ResourceName) == "" {
		t.Errorf("item identity = %s %s %s %s", aws.ToString(it.Arn), aws.ToString(it.AccountId), aws.ToString(it.AwsRegion), aws.ToString(it.ResourceName))
	}

	in.Limit, in.ChronologicalOrder = 1, cfgtypes.ChronologicalOrderForward
	first, err := client.GetResourceConfigHistory(ctx, in)
	if err != nil || len(first.ConfigurationItems) != 1 || first.NextToken == nil || !strings.Contains(aws.ToString(first.ConfigurationItems[0].Configuration), "tgw-") {
		t.Fatalf("Forward, limit 1: %v %+v", err, first)
	}
	in.NextToken = first.NextToken
	second, err := client.GetResourceConfigHistory(ctx, in)
	if err != nil || !strings.Contains(aws.ToString(second.ConfigurationItems[0].Configuration), "igw-") {
		t.Errorf("second page: %v %+v", err, second)
	}

	window, err := client.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: cfgtypes.ResourceTypeRouteTable,
		ResourceId: aws.String("rtb-0a1b2c3d4e5f60718"), EarlierTime: aws.Time(time.Date(2024, 4, 22, 0, 0, 0, 0, time.UTC)), LaterTime: aws.Time(time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC))})
	if err != nil || len(window.ConfigurationItems) != 1 {
		t.Errorf("earlierTime/laterTime: %v %+v", err, window)
	}
	_, err = client.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: "AWS::Not::AType", ResourceId: aws.String("x")})
	if invCode(err) != "ValidationException" {
		t.Errorf("an unknown resource type: %v; want ValidationException", err)
	}
}

func TestTrailSetupAndLogGroups(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	ctx := invCtx(t)
	ct := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = "us-west-2" })
	trails, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	if err != nil || len(trails.TrailList) != 1 {
		t.Fatalf("DescribeTrails: %v %+v", err, trails)
	}
	trail := trails.TrailList[0]
	if !aws.ToBool(trail.IsMultiRegionTrail) || aws.ToString(trail.HomeRegion) != "eu-west-1" {
		t.Errorf("trail = %+v; want the account's multi-region trail, seen from any region", trail)
	}
	status, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: trail.TrailARN})
	if err != nil || !aws.ToBool(status.IsLogging) || !aws.ToTime(status.LatestDeliveryTime).Equal(time.Date(2024, 5, 1, 11, 30, 0, 0, time.UTC)) {
		t.Errorf("GetTrailStatus: %v %+v", err, status)
	}
	selectors, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: trail.Name})
	if err != nil || len(selectors.EventSelectors) != 1 || !aws.ToBool(selectors.EventSelectors[0].IncludeManagementEvents) {
		t.Errorf("GetEventSelectors: %v %+v", err, selectors)
	}
	if _, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("other")}); invCode(err) != "TrailNotFoundException" {
		t.Errorf("unknown trail: %v", err)
	}
	groups, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToString(groups.LogGroups[0].LogGroupName) != "/aws/lambda/ingest" ||
		aws.ToInt64(groups.LogGroups[0].CreationTime) != 1714563000000 {
		t.Errorf("DescribeLogGroups: %v %+v", err, groups)
	}
}

func TestLambdaGetFunctionWithFeed(t *testing.T) {
	_, cfg := invServe(t, worldDir)
	out, err := lambda.NewFromConfig(cfg).GetFunction(invCtx(t), &lambda.GetFunctionInput{FunctionName: aws.String("ingest")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Configuration
	if c.State != "Active" || c.LastUpdateStatus != "Failed" || c.LastUpdateStatusReasonCode != "SubnetOutOfIPAddresses" ||
		aws.ToString(c.Role) != "arn:aws:iam::123456789012:role/ingest-role" || aws.ToInt32(c.Timeout) != 30 || out.Code == nil {
		t.Errorf("GetFunction = %+v", c)
	}
}
