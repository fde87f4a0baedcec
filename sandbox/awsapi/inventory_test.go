package awsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
)

const (
	invDir    = "testdata/inventory"
	invLB     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
	invWebTG  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
	invAPITG  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-tg/8d1e2f3a4b5c6d7e"
	invFnTG   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/fn-tg/0a1b2c3d4e5f6a7b"
	invRegion = "eu-west-1"
)

// invServe serves the scenario in dir over loopback HTTP and returns the
// sandbox and an SDK configuration pointed at it, with retries off so each
// test sees exactly the answers it provokes.
func invServe(t *testing.T, dir string) (*awsapi.Emulator, aws.Config) {
	t.Helper()
	sc, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := awsapi.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	// Serve, unlike httptest, ends the requests a Timeout fault holds when
	// the test closes it.
	srv, err := a.Serve(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return a, aws.Config{
		Region:           invRegion,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDSANDBOX", "sandbox-secret", ""),
		BaseEndpoint:     aws.String(srv.URL()),
		RetryMaxAttempts: 1,
	}
}

func invCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func invCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func invConfigRegion(region string) func(*configservice.Options) {
	return func(o *configservice.Options) { o.Region = region }
}

func TestConfigHistory(t *testing.T) {
	a, cfg := invServe(t, invDir)
	client := configservice.NewFromConfig(cfg)
	ctx := invCtx(t)

	out, err := client.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
		ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("checkout"), Limit: 1,
		ChronologicalOrder: configtypes.ChronologicalOrderReverse, LaterTime: aws.Time(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConfigurationItems) != 1 {
		t.Fatalf("items = %d, want 1", len(out.ConfigurationItems))
	}
	item := out.ConfigurationItems[0]
	if aws.ToString(item.Arn) != "arn:aws:lambda:eu-west-1:123456789012:function:checkout" || aws.ToString(item.AwsRegion) != invRegion ||
		aws.ToString(item.AccountId) != "123456789012" || aws.ToString(item.ResourceName) != "checkout" {
		t.Errorf("identity = %s %s %s %s", aws.ToString(item.Arn), aws.ToString(item.AwsRegion), aws.ToString(item.AccountId), aws.ToString(item.ResourceName))
	}
	var conf map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(item.Configuration)), &conf); err != nil {
		t.Fatalf("configuration is not a JSON string: %v", err)
	}
	if conf["kmskeyArn"] != "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
		t.Errorf("configuration lost kmskeyArn: %v", conf)
	}
	var rels []string
	for _, r := range item.Relationships {
		rels = append(rels, fmt.Sprintf("%s %s %s (%s)", r.ResourceType, aws.ToString(r.ResourceId), aws.ToString(r.ResourceName), aws.ToString(r.RelationshipName)))
	}
	want := []string{
		"AWS::IAM::Role checkout-role checkout-role (Is associated with Role)",
		"AWS::EC2::SecurityGroup sg-0123456789abcdef0 checkout-lambda (Is associated with SecurityGroup)",
		"AWS::EC2::Subnet subnet-0a1b2c3d  (Is contained in Subnet)",
	}
	if strings.Join(rels, "\n") != strings.Join(want, "\n") {
		t.Errorf("relationships:\n%s\nwant:\n%s", strings.Join(rels, "\n"), strings.Join(want, "\n"))
	}

	tests := []struct {
		name     string
		in       configservice.GetResourceConfigHistoryInput
		region   string
		wantCode string
	}{
		{"not in topology", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("ghost")}, "", "ResourceNotDiscoveredException"},
		{"another region", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("edge")}, "", "ResourceNotDiscoveredException"},
		{"its region", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("edge")}, "us-west-2", ""},
		{"global type from any region", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeRole, ResourceId: aws.String("checkout-role")}, "us-east-1", ""},
		{"limit above 100", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("checkout"), Limit: 101}, "", "InvalidLimitException"},
		{"inverted window", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("checkout"),
			EarlierTime: aws.Time(time.Unix(2000, 0)), LaterTime: aws.Time(time.Unix(1000, 0))}, "", "InvalidTimeRangeException"},
		{"token never issued", configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("checkout"), NextToken: aws.String("x")}, "", "InvalidNextTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*configservice.Options)
			if tt.region != "" {
				opts = append(opts, invConfigRegion(tt.region))
			}
			_, err := client.GetResourceConfigHistory(ctx, &tt.in, opts...)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}

	var notDiscovered *configtypes.ResourceNotDiscoveredException
	_, err = client.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeInstance, ResourceId: aws.String("i-0000")})
	if !errors.As(err, &notDiscovered) {
		t.Errorf("not discovered: got %T %v, want the modeled exception", err, err)
	}
	a.SetFault("config:GetResourceConfigHistory", awsapi.Fault{ErrorCode: "NoAvailableConfigurationRecorderException"})
	var noRecorder *configtypes.NoAvailableConfigurationRecorderException
	_, err = client.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("checkout")})
	if !errors.As(err, &noRecorder) {
		t.Errorf("fault: got %T %v, want NoAvailableConfigurationRecorderException", err, err)
	}
	if n := a.Calls()["config:GetResourceConfigHistory"]; n != 10 {
		t.Errorf("calls counted = %d, want 10", n)
	}
}

func TestLambdaGetFunctionConfiguration(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := lambda.NewFromConfig(cfg)
	ctx := invCtx(t)

	for _, ref := range []string{"checkout", "checkout:live", "arn:aws:lambda:eu-west-1:123456789012:function:checkout", "123456789012:function:checkout"} {
		t.Run(ref, func(t *testing.T) {
			out, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(ref)})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%s|%s|%s|%v|%v|%s|%s|%d|%d|%s",
				aws.ToString(out.FunctionName), aws.ToString(out.Role), aws.ToString(out.KMSKeyArn),
				out.VpcConfig.SecurityGroupIds, out.VpcConfig.SubnetIds, aws.ToString(out.Layers[0].Arn),
				aws.ToString(out.LoggingConfig.LogGroup), aws.ToInt32(out.Timeout), out.Layers[0].CodeSize, out.Runtime)
			want := "checkout|arn:aws:iam::123456789012:role/service-role/checkout-role|arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab|" +
				"[sg-0123456789abcdef0]|[subnet-0a1b2c3d]|arn:aws:lambda:eu-west-1:123456789012:layer:shared-deps:7|/aws/lambda/checkout|30|1234|python3.12"
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if out.Environment == nil || out.Environment.Variables["TABLE"] != "orders" {
				t.Errorf("environment = %+v", out.Environment)
			}
		})
	}

	t.Run("relationships fill the configuration", func(t *testing.T) {
		out, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("reports")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Role) != "arn:aws:iam::123456789012:role/reports-role" || out.VpcConfig == nil || len(out.VpcConfig.SecurityGroupIds) != 1 {
			t.Errorf("role %q vpc %+v", aws.ToString(out.Role), out.VpcConfig)
		}
		if out.KMSKeyArn != nil || out.Runtime != "" {
			t.Errorf("fields the scenario does not hold were invented: kms %v runtime %q", out.KMSKeyArn, out.Runtime)
		}
	})

	for _, tt := range []struct{ name, ref string }{{"missing", "ghost"}, {"another region", "edge"}} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(tt.ref)})
			var nf *lambdatypes.ResourceNotFoundException
			if !errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "function:"+tt.ref) {
				t.Fatalf("got %T %v, want ResourceNotFoundException naming the function", err, err)
			}
		})
	}
}

func TestEC2Describes(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := ec2.NewFromConfig(cfg)
	ctx := invCtx(t)

	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0abc1234def567890"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("reservations = %+v", out.Reservations)
	}
	in := out.Reservations[0].Instances[0]
	got := fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%s|%v",
		aws.ToString(in.InstanceId), in.State.Name, aws.ToString(in.SubnetId), aws.ToString(in.SecurityGroups[0].GroupId),
		aws.ToString(in.IamInstanceProfile.Arn), aws.ToString(in.BlockDeviceMappings[0].DeviceName),
		aws.ToString(in.BlockDeviceMappings[0].Ebs.VolumeId), aws.ToTime(in.LaunchTime).Format(time.RFC3339), in.InstanceType, aws.ToString(out.Reservations[0].OwnerId))
	want := "i-0abc1234def567890|running|subnet-0a1b2c3d|sg-0bbbb3333cccc4444|arn:aws:iam::123456789012:instance-profile/web-profile|/dev/xvda|vol-0123456789abcdef0|2024-04-01T10:00:00Z|t3.micro|123456789012"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	instanceTests := []struct {
		name     string
		in       ec2.DescribeInstancesInput
		wantIDs  string
		wantCode string
	}{
		{"all", ec2.DescribeInstancesInput{}, "i-0abc1234def567890,i-0def5678abc123456", ""},
		{"relationships fill", ec2.DescribeInstancesInput{Filters: []invFilter{{Name: aws.String("instance.group-id"), Values: []string{"sg-0bbbb3333cccc4444"}}, {Name: aws.String("subnet-id"), Values: []string{"subnet-0a1b2c3d"}}}}, "i-0abc1234def567890,i-0def5678abc123456", ""},
		{"tag wildcard", ec2.DescribeInstancesInput{Filters: []invFilter{{Name: aws.String("tag:Name"), Values: []string{"web-*"}}}}, "i-0abc1234def567890", ""},
		{"unknown filter", ec2.DescribeInstancesInput{Filters: []invFilter{{Name: aws.String("flavour"), Values: []string{"x"}}}}, "", "InvalidParameterValue"},
		{"missing id", ec2.DescribeInstancesInput{InstanceIds: []string{"i-0abc1234def567890", "i-00000000000000000"}}, "", "InvalidInstanceID.NotFound"},
		{"max results beside ids", ec2.DescribeInstancesInput{InstanceIds: []string{"i-0abc1234def567890"}, MaxResults: aws.Int32(5)}, "", "InvalidParameterCombination"},
		{"max results too small", ec2.DescribeInstancesInput{MaxResults: aws.Int32(4)}, "", "InvalidParameterValue"},
		{"forged token", ec2.DescribeInstancesInput{NextToken: aws.String("Zm9yZ2Vk")}, "", "InvalidParameterValue"},
	}
	for _, tt := range instanceTests {
		t.Run("instances/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeInstances(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			var ids []string
			for _, r := range out.Reservations {
				for _, in := range r.Instances {
					ids = append(ids, aws.ToString(in.InstanceId))
				}
			}
			if strings.Join(ids, ",") != tt.wantIDs {
				t.Errorf("ids = %v, want %s", ids, tt.wantIDs)
			}
		})
	}

	sgs, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0123456789abcdef0", "sg-0fedcba9876543210"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sgs.SecurityGroups) != 2 {
		t.Fatalf("groups = %d", len(sgs.SecurityGroups))
	}
	lambdaSG, albSG := sgs.SecurityGroups[0], sgs.SecurityGroups[1]
	egress := lambdaSG.IpPermissionsEgress
	if len(egress) != 2 || aws.ToString(egress[0].UserIdGroupPairs[0].GroupId) != "sg-0aaaabbbbccccdddd" ||
		aws.ToInt32(egress[0].FromPort) != 5432 || aws.ToString(egress[1].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("egress rules = %+v", egress)
	}
	if aws.ToString(albSG.GroupName) != "web-alb" || aws.ToString(albSG.IpPermissions[0].IpRanges[0].Description) != "HTTPS from anywhere" ||
		aws.ToString(albSG.OwnerId) != "123456789012" || aws.ToString(albSG.Tags[0].Value) != "web" {
		t.Errorf("web-alb = %+v", albSG)
	}
	_, err = client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-00000000000000000"}})
	if got := invCode(err); got != "InvalidGroup.NotFound" {
		t.Errorf("missing group: code %q (%v)", got, err)
	}
	byName, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []invFilter{{Name: aws.String("group-name"), Values: []string{"orders-db"}}}})
	if err != nil || len(byName.SecurityGroups) != 1 || aws.ToString(byName.SecurityGroups[0].GroupId) != "sg-0aaaabbbbccccdddd" {
		t.Errorf("group-name filter: %+v %v", byName, err)
	}
}

type invFilter = ec2types.Filter

// TestEC2Paging pages through more instances than one page holds, with the
// SDK's own paginator.
func TestEC2Paging(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"scenario.json", "alarm.json"} {
		b, err := os.ReadFile(filepath.Join(invDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "trail"), 0o700); err != nil {
		t.Fatal(err)
	}
	var items []string
	for i := range 12 {
		items = append(items, fmt.Sprintf(`{"type":"AWS::EC2::Instance","id":"i-%017d"}`, i))
	}
	if err := os.WriteFile(filepath.Join(dir, "topology.json"), []byte(`{"resources":[`+strings.Join(items, ",")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a, cfg := invServe(t, dir)
	pages := ec2.NewDescribeInstancesPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	seen := map[string]bool{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(invCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				seen[aws.ToString(in.InstanceId)] = true
			}
		}
	}
	if len(seen) != 12 || a.Calls()["ec2:DescribeInstances"] != 3 {
		t.Errorf("read %d instances in %d calls, want 12 in 3", len(seen), a.Calls()["ec2:DescribeInstances"])
	}
}

func TestELBv2Describes(t *testing.T) {
	a, cfg := invServe(t, invDir)
	client := elbv2.NewFromConfig(cfg)
	ctx := invCtx(t)

	tgTests := []struct {
		name     string
		in       elbv2.DescribeTargetGroupsInput
		want     string
		wantCode string
	}{
		{"by arn", elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{invWebTG}}, "web-tg HTTP:80 /health lbs=[" + invLB + "]", ""},
		{"by name", elbv2.DescribeTargetGroupsInput{Names: []string{"api-tg"}}, "api-tg HTTP:8080  lbs=[" + invLB + "]", ""},
		{"by load balancer", elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(invLB)},
			"web-tg HTTP:80 /health lbs=[" + invLB + "]\napi-tg HTTP:8080  lbs=[" + invLB + "]\nfn-tg :0  lbs=[" + invLB + "]", ""},
		{"missing arn", elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{invWebTG + "0"}}, "", "TargetGroupNotFound"},
		{"missing load balancer", elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(invLB + "0")}, "", "LoadBalancerNotFound"},
		{"two selectors", elbv2.DescribeTargetGroupsInput{Names: []string{"web-tg"}, LoadBalancerArn: aws.String(invLB)}, "", "ValidationError"},
		{"page size too large", elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(401)}, "", "ValidationError"},
	}
	for _, tt := range tgTests {
		t.Run("target groups/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeTargetGroups(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			var lines []string
			for _, tg := range out.TargetGroups {
				lines = append(lines, fmt.Sprintf("%s %s:%d %s lbs=%v", aws.ToString(tg.TargetGroupName), tg.Protocol, aws.ToInt32(tg.Port), aws.ToString(tg.HealthCheckPath), tg.LoadBalancerArns))
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	var tgNotFound *elbtypes.TargetGroupNotFoundException
	if _, err := client.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{"ghost"}}); !errors.As(err, &tgNotFound) {
		t.Errorf("missing name: got %T %v, want the modeled exception", err, err)
	}

	t.Run("paging", func(t *testing.T) {
		before := a.Calls()["elasticloadbalancing:DescribeTargetGroups"]
		pages := elbv2.NewDescribeTargetGroupsPaginator(client, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(invLB), PageSize: aws.Int32(2)})
		n := 0
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(page.TargetGroups)
		}
		if calls := a.Calls()["elasticloadbalancing:DescribeTargetGroups"] - before; n != 3 || calls != 2 {
			t.Errorf("read %d groups in %d calls, want 3 in 2", n, calls)
		}
	})

	healthTests := []struct {
		name     string
		in       elbv2.DescribeTargetHealthInput
		want     string
		wantCode string
	}{
		{"registered", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invWebTG)},
			"i-0abc1234def567890:80 unhealthy Target.ResponseCodeMismatch\ni-0def5678abc123456:80 healthy ", ""},
		{"one target asked, one unknown", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invWebTG),
			Targets: []elbtypes.TargetDescription{{Id: aws.String("i-0def5678abc123456")}, {Id: aws.String("i-0999")}}},
			"i-0def5678abc123456:80 healthy \ni-0999:0 unused Target.NotRegistered", ""},
		{"lambda target from relationships", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invFnTG)},
			"arn:aws:lambda:eu-west-1:123456789012:function:checkout:0  ", ""},
		{"missing group", elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invAPITG + "0")}, "", "TargetGroupNotFound"},
	}
	for _, tt := range healthTests {
		t.Run("health/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeTargetHealth(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			var lines []string
			for _, d := range out.TargetHealthDescriptions {
				state, reason := "", ""
				if d.TargetHealth != nil {
					state, reason = string(d.TargetHealth.State), string(d.TargetHealth.Reason)
				}
				lines = append(lines, fmt.Sprintf("%s:%d %s %s", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), state, reason))
			}
			if got := strings.Join(lines, "\n"); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}

	lbTests := []struct {
		name     string
		in       elbv2.DescribeLoadBalancersInput
		wantCode string
	}{
		{"by arn", elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{invLB}}, ""},
		{"by name", elbv2.DescribeLoadBalancersInput{Names: []string{"web"}}, ""},
		{"missing", elbv2.DescribeLoadBalancersInput{Names: []string{"ghost"}}, "LoadBalancerNotFound"},
	}
	for _, tt := range lbTests {
		t.Run("load balancers/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeLoadBalancers(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			lb := out.LoadBalancers[0]
			got := fmt.Sprintf("%s %s %s %v %s %s %s", aws.ToString(lb.LoadBalancerName), lb.Type, lb.State.Code, lb.SecurityGroups,
				aws.ToString(lb.DNSName), aws.ToString(lb.AvailabilityZones[0].SubnetId), aws.ToTime(lb.CreatedTime).Format(time.RFC3339))
			want := "web application active [sg-0fedcba9876543210] web-1234567890.eu-west-1.elb.amazonaws.com subnet-0a1b2c3d 2023-01-01T00:00:00Z"
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestRDSDescribeDBInstances(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := rds.NewFromConfig(cfg)
	ctx := invCtx(t)

	for _, ref := range []string{"orders-db", "arn:aws:rds:eu-west-1:123456789012:db:orders-db"} {
		t.Run(ref, func(t *testing.T) {
			out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(ref)})
			if err != nil {
				t.Fatal(err)
			}
			db := out.DBInstances[0]
			got := fmt.Sprintf("%s %s %s %s %s %s %d %v %s",
				aws.ToString(db.DBInstanceIdentifier), aws.ToString(db.VpcSecurityGroups[0].VpcSecurityGroupId),
				aws.ToString(db.DBParameterGroups[0].DBParameterGroupName), aws.ToString(db.KmsKeyId),
				aws.ToString(db.DBSubnetGroup.DBSubnetGroupName), aws.ToString(db.DBSubnetGroup.Subnets[0].SubnetAvailabilityZone.Name),
				aws.ToInt32(db.Endpoint.Port), aws.ToBool(db.StorageEncrypted), aws.ToString(db.MonitoringRoleArn))
			want := "orders-db sg-0aaaabbbbccccdddd orders-pg15 arn:aws:kms:eu-west-1:123456789012:key/9876fedc-ba98-7654-3210-fedcba987654 orders-subnets eu-west-1a 5432 true arn:aws:iam::123456789012:role/rds-monitoring-role"
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
	tests := []struct {
		name     string
		in       rds.DescribeDBInstancesInput
		wantN    int
		wantCode string
	}{
		{"all", rds.DescribeDBInstancesInput{}, 1, ""},
		{"engine filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"mysql"}}}}, 0, ""},
		{"unknown filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("colour"), Values: []string{"x"}}}}, 0, "InvalidParameterValue"},
		{"max records too small", rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(5)}, 0, "InvalidParameterValue"},
		{"missing", rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("ghost")}, 0, "DBInstanceNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := client.DescribeDBInstances(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err == nil && len(out.DBInstances) != tt.wantN {
				t.Errorf("instances = %d, want %d", len(out.DBInstances), tt.wantN)
			}
		})
	}
	var nf *rdstypes.DBInstanceNotFoundFault
	if _, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("ghost")}); !errors.As(err, &nf) {
		t.Errorf("missing: got %T %v, want the modeled fault", err, err)
	}
}

func TestECSDescribes(t *testing.T) {
	_, cfg := invServe(t, invDir)
	client := ecs.NewFromConfig(cfg)
	ctx := invCtx(t)

	out, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api", "arn:aws:ecs:eu-west-1:123456789012:service/prod/ghost"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Services) != 1 || len(out.Failures) != 1 {
		t.Fatalf("services %d failures %d", len(out.Services), len(out.Failures))
	}
	svc := out.Services[0]
	got := fmt.Sprintf("%s %s %s %s %v %d/%d %s %s",
		aws.ToString(svc.ServiceArn), aws.ToString(svc.TaskDefinition), aws.ToString(svc.LoadBalancers[0].TargetGroupArn),
		aws.ToString(svc.ClusterArn), svc.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups, svc.RunningCount, svc.DesiredCount,
		aws.ToTime(svc.CreatedAt).Format(time.RFC3339), aws.ToTime(svc.Deployments[0].CreatedAt).Format(time.RFC3339))
	want := "arn:aws:ecs:eu-west-1:123456789012:service/prod/api arn:aws:ecs:eu-west-1:123456789012:task-definition/api:42 " + invAPITG +
		" arn:aws:ecs:eu-west-1:123456789012:cluster/prod [sg-0eeee1111ffff2222] 1/3 2023-02-01T00:00:00Z 2024-05-01T10:40:00Z"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if f := out.Failures[0]; aws.ToString(f.Reason) != "MISSING" || aws.ToString(f.Arn) != "arn:aws:ecs:eu-west-1:123456789012:service/prod/ghost" {
		t.Errorf("failure = %+v", f)
	}

	serviceErrors := []struct {
		name     string
		in       ecs.DescribeServicesInput
		wantCode string
	}{
		{"known empty cluster", ecs.DescribeServicesInput{Cluster: aws.String("arn:aws:ecs:eu-west-1:123456789012:cluster/staging"), Services: []string{"api"}}, ""},
		{"missing cluster", ecs.DescribeServicesInput{Cluster: aws.String("ghost"), Services: []string{"api"}}, "ClusterNotFoundException"},
		{"eleven services", ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}, "InvalidParameterException"},
	}
	for _, tt := range serviceErrors {
		t.Run("services/"+tt.name, func(t *testing.T) {
			_, err := client.DescribeServices(ctx, &tt.in)
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
	var clusterNF *ecstypes.ClusterNotFoundException
	if _, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("ghost"), Services: []string{"api"}}); !errors.As(err, &clusterNF) {
		t.Errorf("missing cluster: got %T, want the modeled exception", err)
	}

	tdTests := []struct {
		name, ref, wantRevision string
		wantCode                string
	}{
		{"family is the latest active revision", "api", "42", ""},
		{"family:revision", "api:41", "41", ""},
		{"arn", "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:42", "42", ""},
		{"inactive revision by number", "api:43", "43", ""},
		{"missing", "web:1", "", "ClientException"},
	}
	for _, tt := range tdTests {
		t.Run("task definition/"+tt.name, func(t *testing.T) {
			out, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(tt.ref)})
			if got := invCode(err); got != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if got := fmt.Sprint(out.TaskDefinition.Revision); got != tt.wantRevision {
				t.Errorf("revision = %s, want %s", got, tt.wantRevision)
			}
		})
	}
	td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api")})
	if err != nil {
		t.Fatal(err)
	}
	def := td.TaskDefinition
	c := def.ContainerDefinitions[0]
	got = fmt.Sprintf("%s %s %s %s %s", aws.ToString(def.TaskRoleArn), aws.ToString(def.ExecutionRoleArn), c.LogConfiguration.LogDriver,
		c.LogConfiguration.Options["awslogs-group"], def.NetworkMode)
	if want := "arn:aws:iam::123456789012:role/api-task arn:aws:iam::123456789012:role/ecsTaskExecutionRole awslogs /ecs/api awsvpc"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestInventoryFaults checks that every operation answers an injected error
// in its own protocol, so the SDK reads the code, and that a held request
// ends when the client's deadline does.
func TestInventoryFaults(t *testing.T) {
	a, cfg := invServe(t, invDir)
	cs := configservice.NewFromConfig(cfg)
	lc := lambda.NewFromConfig(cfg)
	ec := ec2.NewFromConfig(cfg)
	el := elbv2.NewFromConfig(cfg)
	rc := rds.NewFromConfig(cfg)
	xc := ecs.NewFromConfig(cfg)
	calls := []struct {
		op, code string
		call     func(context.Context) error
	}{
		{"config:GetResourceConfigHistory", "AccessDeniedException", func(ctx context.Context) error {
			_, err := cs.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{ResourceType: configtypes.ResourceTypeFunction, ResourceId: aws.String("checkout")})
			return err
		}},
		{"lambda:GetFunctionConfiguration", "AccessDeniedException", func(ctx context.Context) error {
			_, err := lc.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("checkout")})
			return err
		}},
		{"ec2:DescribeInstances", "UnauthorizedOperation", func(ctx context.Context) error {
			_, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			return err
		}},
		{"ec2:DescribeSecurityGroups", "UnauthorizedOperation", func(ctx context.Context) error {
			_, err := ec.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
			return err
		}},
		{"elasticloadbalancing:DescribeTargetGroups", "AccessDenied", func(ctx context.Context) error {
			_, err := el.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
			return err
		}},
		{"elasticloadbalancing:DescribeTargetHealth", "AccessDenied", func(ctx context.Context) error {
			_, err := el.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(invWebTG)})
			return err
		}},
		{"elasticloadbalancing:DescribeLoadBalancers", "AccessDenied", func(ctx context.Context) error {
			_, err := el.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
			return err
		}},
		{"rds:DescribeDBInstances", "AccessDenied", func(ctx context.Context) error {
			_, err := rc.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
			return err
		}},
		{"ecs:DescribeServices", "AccessDeniedException", func(ctx context.Context) error {
			_, err := xc.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String("prod"), Services: []string{"api"}})
			return err
		}},
		{"ecs:DescribeTaskDefinition", "AccessDeniedException", func(ctx context.Context) error {
			_, err := xc.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("api")})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.op, func(t *testing.T) {
			if err := c.call(invCtx(t)); err != nil {
				t.Fatalf("before the fault: %v", err)
			}
			a.SetFault(c.op, awsapi.Fault{ErrorCode: c.code, Status: 403})
			if got := invCode(c.call(invCtx(t))); got != c.code {
				t.Errorf("code = %q, want %q", got, c.code)
			}
			a.SetFault(c.op, awsapi.Fault{Timeout: true})
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			start := time.Now()
			if err := c.call(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("held request: %v, want the deadline", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("held request took %v to give up", d)
			}
			a.SetFault(c.op, awsapi.Fault{})
			if err := c.call(invCtx(t)); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}
