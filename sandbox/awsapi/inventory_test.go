package awsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
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
