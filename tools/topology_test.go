package tools_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// The fixture holds one resource of each type the topology reads, with
// AWS Config's spellings in the configurations.
const topoFixture = "../sandbox/awsapi/testdata/inventory"

const (
	topoRegion = "eu-west-1"
	topoLB     = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
	topoWebTG  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09"
	topoAPITG  = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api-tg/8d1e2f3a4b5c6d7e"
	topoFnTG   = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/fn-tg/0a1b2c3d4e5f6a7b"
)

// topoServe serves the fixture on loopback and returns the sandbox and the
// configuration LoadAWSConfig builds for it, one attempt per call.
func topoServe(t *testing.T) (*awsapi.Emulator, aws.Config) {
	t.Helper()
	return serveScenarioDir(t, topoFixture, topoRegion)
}

// fakeProfiles answers instance profile roles; the IAM sandbox does not
// serve GetInstanceProfile.
type fakeProfiles map[string][]string

func (f fakeProfiles) InstanceProfileRoles(_ context.Context, profile string) ([]string, error) {
	roles, ok := f[profile]
	if !ok {
		return nil, fmt.Errorf("instance profile %s: %w", profile, investigation.ErrUnknownResource)
	}
	return roles, nil
}

func topoTopology(cfg aws.Config, timeout time.Duration) *tools.Topology {
	return &tools.Topology{
		Config:    tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: timeout}),
		Inventory: tools.NewInventory(cfg, tools.InventoryOptions{Timeout: timeout}),
		Roles:     tools.NewIAM(cfg, tools.IAMOptions{Timeout: timeout}),
		Profiles:  fakeProfiles{"arn:aws:iam::123456789012:instance-profile/web-profile": {"web-role"}},
	}
}

func depLines(deps []investigation.Dependency) string {
	lines := make([]string, 0, len(deps))
	for _, d := range deps {
		lines = append(lines, fmt.Sprintf("%s|%s|%s|%s", d.Type, d.ID, d.Relation, d.Region))
	}
	return strings.Join(lines, "\n")
}

// topoCase is one resource as the engine scopes it, with the dependencies
// each source should give.
type topoCase struct {
	name       string
	resource   investigation.Resource
	fromConfig []string
	fromAPI    []string
}

func topoCases() []topoCase {
	lambdaDeps := []string{
		"AWS::IAM::Role|checkout-role|execution role|us-east-1",
		"AWS::KMS::Key|1234abcd-12ab-34cd-56ef-1234567890ab|KMS key (environment encryption)|eu-west-1",
		"AWS::EC2::SecurityGroup|sg-0123456789abcdef0|security group|eu-west-1",
		"AWS::EC2::Subnet|subnet-0a1b2c3d|subnet|eu-west-1",
		"AWS::Lambda::LayerVersion|arn:aws:lambda:eu-west-1:123456789012:layer:shared-deps:7|layer|eu-west-1",
		"AWS::Logs::LogGroup|/aws/lambda/checkout|log group|eu-west-1",
		// TABLE=orders in the environment: a table the function reads.
		"AWS::DynamoDB::Table|orders|named by environment variable TABLE|eu-west-1",
	}
	instanceDeps := []string{
		"AWS::EC2::SecurityGroup|sg-0bbbb3333cccc4444|security group|eu-west-1",
		"AWS::EC2::Subnet|subnet-0a1b2c3d|subnet|eu-west-1",
		"AWS::IAM::InstanceProfile|web-profile|instance profile|us-east-1",
		"AWS::EC2::Volume|vol-0123456789abcdef0|EBS volume /dev/xvda|eu-west-1",
		"AWS::IAM::Role|web-role|role of instance profile web-profile|us-east-1",
	}
	dbDeps := []string{
		"AWS::EC2::SecurityGroup|sg-0aaaabbbbccccdddd|VPC security group|eu-west-1",
		"AWS::RDS::DBParameterGroup|orders-pg15|parameter group|eu-west-1",
		"AWS::RDS::DBSubnetGroup|orders-subnets|subnet group|eu-west-1",
		"AWS::KMS::Key|9876fedc-ba98-7654-3210-fedcba987654|KMS key (storage encryption)|eu-west-1",
		"AWS::IAM::Role|rds-monitoring-role|enhanced monitoring role|us-east-1",
	}
	serviceDeps := []string{
		"AWS::ECS::TaskDefinition|api:42|task definition|eu-west-1",
		"AWS::ElasticLoadBalancingV2::TargetGroup|" + topoAPITG + "|target group|eu-west-1",
		"AWS::EC2::SecurityGroup|sg-0eeee1111ffff2222|security group|eu-west-1",
		"AWS::EC2::Subnet|subnet-0a1b2c3d|subnet|eu-west-1",
	}
	// The describes read the task definition's roles and log groups with
	// the service; from AWS Config the walk reads them from the task
	// definition's own item, one relation further.
	serviceAPIDeps := []string{
		"AWS::ECS::TaskDefinition|api:42|task definition|eu-west-1",
		"AWS::ElasticLoadBalancingV2::TargetGroup|" + topoAPITG + "|target group|eu-west-1",
		"AWS::EC2::SecurityGroup|sg-0eeee1111ffff2222|security group|eu-west-1",
		"AWS::EC2::Subnet|subnet-0a1b2c3d|subnet|eu-west-1",
		"AWS::IAM::Role|api-task|task role|us-east-1",
		"AWS::IAM::Role|ecsTaskExecutionRole|task execution role|us-east-1",
		"AWS::Logs::LogGroup|/ecs/api|log group of container api|eu-west-1",
		"AWS::Logs::LogGroup|/ecs/api-sidecars|log group of container metrics|eu-west-1",
	}
	roleDeps := []string{
		"AWS::IAM::Policy|arn:aws:iam::123456789012:policy/checkout-data|attached managed policy|us-east-1",
		"AWS::IAM::Policy|arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole|attached managed policy|us-east-1",
		"AWS::IAM::Policy|inline-s3|inline policy|us-east-1",
	}
	return []topoCase{
		{"lambda", investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout",
			ARN: "arn:aws:lambda:eu-west-1:123456789012:function:checkout", Region: topoRegion}, lambdaDeps, lambdaDeps},
		{"ec2", investigation.Resource{Type: investigation.TypeEC2Instance, ID: "i-0abc1234def567890", Region: topoRegion}, instanceDeps, instanceDeps},
		{"target group", investigation.Resource{Type: investigation.TypeTargetGroup, ID: topoWebTG, ARN: topoWebTG, Region: topoRegion},
			[]string{"AWS::ElasticLoadBalancingV2::LoadBalancer|" + topoLB + "|load balancer|eu-west-1"},
			[]string{
				"AWS::ElasticLoadBalancingV2::LoadBalancer|" + topoLB + "|load balancer|eu-west-1",
				"AWS::EC2::SecurityGroup|sg-0fedcba9876543210|security group of load balancer web|eu-west-1",
				"AWS::EC2::Instance|i-0abc1234def567890|target (unhealthy: Target.ResponseCodeMismatch)|eu-west-1",
				"AWS::EC2::Instance|i-0def5678abc123456|target|eu-west-1",
			}},
		{"load balancer", investigation.Resource{Type: investigation.TypeLoadBalancerV2, ID: topoLB, ARN: topoLB, Region: topoRegion},
			[]string{
				"AWS::EC2::SecurityGroup|sg-0fedcba9876543210|security group|eu-west-1",
				"AWS::ElasticLoadBalancingV2::TargetGroup|" + topoAPITG + "|Is associated with TargetGroup|eu-west-1",
			},
			[]string{
				"AWS::EC2::SecurityGroup|sg-0fedcba9876543210|security group|eu-west-1",
				"AWS::ElasticLoadBalancingV2::TargetGroup|" + topoWebTG + "|target group|eu-west-1",
				"AWS::ElasticLoadBalancingV2::TargetGroup|" + topoAPITG + "|target group|eu-west-1",
				"AWS::ElasticLoadBalancingV2::TargetGroup|" + topoFnTG + "|target group|eu-west-1",
			}},
		{"rds", investigation.Resource{Type: investigation.TypeRDSInstance, ID: "orders-db", Region: topoRegion}, dbDeps, dbDeps},
		{"ecs", investigation.Resource{Type: investigation.TypeECSService, ID: "api",
			ARN: "arn:aws:ecs:eu-west-1:123456789012:service/prod/api", Region: topoRegion}, serviceDeps, serviceAPIDeps},
		{"iam role", investigation.Resource{Type: investigation.TypeIAMRole, ID: "checkout-role", Region: "us-east-1"}, roleDeps, roleDeps},
	}
}

func TestTopologyFromConfig(t *testing.T) {
	a, cfg := topoServe(t)
	topo := topoTopology(cfg, 5*time.Second)
	for _, tc := range topoCases() {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Calls()
			answer, err := topo.Read(testContext(t), tc.resource)
			if err != nil {
				t.Fatal(err)
			}
			if answer.Source != tools.TopologyFromConfig || len(answer.Notes) != 0 {
				t.Errorf("source %s, notes %v; want AWS Config without notes", answer.Source, answer.Notes)
			}
			if got, want := depLines(answer.Dependencies), strings.Join(tc.fromConfig, "\n"); got != want {
				t.Errorf("dependencies:\n%s\nwant:\n%s", got, want)
			}
			if n := a.Calls()["config:GetResourceConfigHistory"] - before["config:GetResourceConfigHistory"]; n != 1 {
				t.Errorf("%d Config calls, want 1", n)
			}
		})
	}
}

// TestTopologyFallback checks that every type is read through its own API
// when AWS Config has no record, refuses the call or is not recording, and
// that the answer says which and why.
func TestTopologyFallback(t *testing.T) {
	a, cfg := topoServe(t)
	topo := topoTopology(cfg, 5*time.Second)
	faults := []struct {
		code, note string
	}{
		{"ResourceNotDiscoveredException", "AWS Config has no record of"},
		{"AccessDeniedException", "missing permission config:GetResourceConfigHistory"},
		{"NoAvailableConfigurationRecorderException", "AWS Config is not recording in"},
	}
	for _, f := range faults {
		a.SetFault("config:GetResourceConfigHistory", awsapi.Fault{ErrorCode: f.code})
		for _, tc := range topoCases() {
			t.Run(f.code+"/"+tc.name, func(t *testing.T) {
				answer, err := topo.Read(testContext(t), tc.resource)
				if err != nil {
					t.Fatal(err)
				}
				if answer.Source != tools.TopologyFromDescribe {
					t.Errorf("source = %s, want describe", answer.Source)
				}
				if len(answer.Notes) != 1 || !strings.Contains(answer.Notes[0], f.note) {
					t.Errorf("notes = %q, want one saying %q", answer.Notes, f.note)
				}
				if got, want := depLines(answer.Dependencies), strings.Join(tc.fromAPI, "\n"); got != want {
					t.Errorf("dependencies:\n%s\nwant:\n%s", got, want)
				}
			})
		}
	}
}

func TestTopologyEdges(t *testing.T) {
	a, cfg := topoServe(t)
	const configOp = "config:GetResourceConfigHistory"
	table := investigation.Resource{Type: "AWS::DynamoDB::Table", ID: "orders", Region: topoRegion}
	ghost := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "ghost", Region: topoRegion}
	checkout := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: topoRegion}
	webTG := investigation.Resource{Type: investigation.TypeTargetGroup, ID: topoWebTG, Region: topoRegion}
	instance := investigation.Resource{Type: investigation.TypeEC2Instance, ID: "i-0abc1234def567890", Region: topoRegion}

	tests := []struct {
		name        string
		faults      map[string]awsapi.Fault
		topology    func(cfg aws.Config) *tools.Topology
		resource    investigation.Resource
		wantUnknown bool
		wantErr     []string // substrings of the error
		wantNote    string
		wantDeps    int
	}{
		{name: "type nothing describes", resource: table, wantUnknown: true},
		{name: "type nothing describes, Config refused", resource: table,
			faults:  map[string]awsapi.Fault{configOp: {ErrorCode: "AccessDeniedException"}},
			wantErr: []string{"no direct describe", "config:GetResourceConfigHistory"}},
		{name: "resource nowhere", resource: ghost, wantUnknown: true, wantErr: []string{"AWS Config has no record", "ghost"}},
		{name: "describe refused after Config", resource: checkout,
			faults: map[string]awsapi.Fault{
				configOp:                          {ErrorCode: "ResourceNotDiscoveredException"},
				"lambda:GetFunctionConfiguration": {ErrorCode: "AccessDeniedException", Status: 403},
			},
			wantErr: []string{"AWS Config has no record", "missing permission lambda:GetFunctionConfiguration"}},
		{name: "second read refused", resource: webTG,
			faults: map[string]awsapi.Fault{
				configOp: {ErrorCode: "ResourceNotDiscoveredException"},
				"elasticloadbalancing:DescribeTargetHealth": {ErrorCode: "AccessDenied", Status: 403},
			},
			wantNote: "targets of web-tg not read", wantDeps: 2},
		{name: "Config only, resource not recorded", resource: checkout,
			faults: map[string]awsapi.Fault{configOp: {ErrorCode: "ResourceNotDiscoveredException"}},
			topology: func(cfg aws.Config) *tools.Topology {
				return &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{})}
			},
			wantUnknown: true},
		{name: "no sources", resource: checkout, topology: func(aws.Config) *tools.Topology { return &tools.Topology{} }, wantUnknown: true},
		{name: "instance profile without IAM reader", resource: instance,
			topology: func(cfg aws.Config) *tools.Topology {
				return &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{})}
			},
			wantNote: "role of instance profile web-profile was not read", wantDeps: 4},
		{name: "instance profile the IAM API refuses", resource: instance,
			topology: func(cfg aws.Config) *tools.Topology {
				inv := tools.NewInventory(cfg, tools.InventoryOptions{})
				return &tools.Topology{Config: tools.NewConfigService(cfg, tools.ConfigServiceOptions{}), Inventory: inv, Profiles: inv}
			},
			faults:   map[string]awsapi.Fault{"iam:GetInstanceProfile": {ErrorCode: "AccessDenied", Status: 403}},
			wantNote: "iam:GetInstanceProfile", wantDeps: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for op, f := range tt.faults {
				a.SetFault(op, f)
			}
			defer func() {
				for op := range tt.faults {
					a.SetFault(op, awsapi.Fault{})
				}
			}()
			topo := topoTopology(cfg, 5*time.Second)
			if tt.topology != nil {
				topo = tt.topology(cfg)
			}
			answer, err := topo.Read(testContext(t), tt.resource)
			if got := errors.Is(err, investigation.ErrUnknownResource); got != tt.wantUnknown {
				t.Errorf("unknown = %v (%v), want %v", got, err, tt.wantUnknown)
			}
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v does not say %q", err, want)
				}
			}
			if err == nil && (tt.wantUnknown || len(tt.wantErr) > 0) {
				t.Fatalf("no error; answer %+v", answer)
			}
			if tt.wantNote != "" && !strings.Contains(strings.Join(answer.Notes, "\n"), tt.wantNote) {
				t.Errorf("notes %q do not say %q", answer.Notes, tt.wantNote)
			}
			if len(answer.Dependencies) != tt.wantDeps {
				t.Errorf("dependencies:\n%s\nwant %d", depLines(answer.Dependencies), tt.wantDeps)
			}
		})
	}
}

// TestTopologyTimeouts checks that a black-holed source costs its timeout,
// not the caller's whole deadline: Config's timeout falls back to the
// describes, a describe's timeout is an error.
func TestTopologyTimeouts(t *testing.T) {
	a, cfg := topoServe(t)
	checkout := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: topoRegion}
	topo := topoTopology(cfg, 300*time.Millisecond)

	a.SetFault("config:GetResourceConfigHistory", awsapi.Fault{Timeout: true})
	start := time.Now()
	answer, err := topo.Read(testContext(t), checkout)
	if err != nil {
		t.Fatal(err)
	}
	if answer.Source != tools.TopologyFromDescribe || len(answer.Notes) != 1 || !strings.Contains(answer.Notes[0], "timeout") {
		t.Errorf("source %s notes %q; want the describe, with a note on Config's timeout", answer.Source, answer.Notes)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}

	a.SetFault("lambda:GetFunctionConfiguration", awsapi.Fault{Timeout: true})
	start = time.Now()
	_, err = topo.Read(testContext(t), checkout)
	if investigation.ReasonOf(err) != investigation.ReasonTimeout {
		t.Errorf("error %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}

	// The caller giving up ends the read at once, without falling back.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	slow := topoTopology(cfg, time.Minute)
	start = time.Now()
	if _, err := slow.Read(ctx, checkout); err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("canceled read: %v after %v", err, time.Since(start))
	}
}

// notRecorded is a Config that keeps an item for a resource it no longer records.
type notRecorded struct{}

func (notRecorded) LatestItem(_ context.Context, _, typ, id string) (tools.ConfigItem, error) {
	return tools.ConfigItem{ResourceType: typ, ResourceID: id, Status: "ResourceNotRecorded"}, nil
}

func TestTopologyItemNotRecorded(t *testing.T) {
	_, cfg := topoServe(t)
	topo := &tools.Topology{Config: notRecorded{}, Inventory: tools.NewInventory(cfg, tools.InventoryOptions{})}
	answer, err := topo.Read(testContext(t), investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: topoRegion})
	if err != nil {
		t.Fatal(err)
	}
	if answer.Source != tools.TopologyFromDescribe || len(answer.Dependencies) != 7 ||
		len(answer.Notes) != 1 || !strings.Contains(answer.Notes[0], "does not record") {
		t.Errorf("answer = %+v", answer)
	}
	deps, err := topo.Dependencies(testContext(t), investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "checkout", Region: topoRegion})
	if err != nil || len(deps) != 7 {
		t.Errorf("Dependencies = %d, %v", len(deps), err)
	}
}
