package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/tools"
)

// TestInventoryDescribe runs each direct describe the tool registry offers
// through the real SDK clients, and checks what the model would read.
func TestInventoryDescribe(t *testing.T) {
	a, cfg := topoServe(t)
	inv := tools.NewInventory(cfg, tools.InventoryOptions{Timeout: 5 * time.Second})
	tests := []struct {
		name     string
		call     agent.DescribeCall
		want     []string // substrings of the JSON
		wantNot  []string
		wantErr  string
		wantCall map[string]int
	}{
		{name: "function", call: agent.DescribeCall{Action: "lambda:GetFunctionConfiguration", IDs: []string{"checkout"}},
			want: []string{`"role":"arn:aws:iam::123456789012:role/service-role/checkout-role"`, `"environment_variable_names":["API_TOKEN","TABLE"]`,
				`"log_group":"/aws/lambda/checkout"`, `"security_group_ids":["sg-0123456789abcdef0"]`},
			wantNot: []string{"s3cr3t", "orders"}},
		{name: "instances", call: agent.DescribeCall{Action: "ec2:DescribeInstances", IDs: []string{"i-0abc1234def567890", "i-0def5678abc123456"}},
			want: []string{`"id":"i-0abc1234def567890"`, `"id":"i-0def5678abc123456"`, `"instance_profile_arn":"arn:aws:iam::123456789012:instance-profile/web-profile"`,
				`"launch_time":"2024-04-01T10:00:00Z"`, `"tags":{"Name":"web-1"}`}},
		{name: "security groups", call: agent.DescribeCall{Action: "ec2:DescribeSecurityGroups", IDs: []string{"sg-0123456789abcdef0"}},
			want: []string{`"outbound":[{"protocol":"tcp","from_port":5432,"to_port":5432,"groups":["sg-0aaaabbbbccccdddd"]},{"protocol":"tcp","from_port":443,"to_port":443,"cidrs":["0.0.0.0/0"]}]`}},
		{name: "target groups by arn and name", call: agent.DescribeCall{Action: "elasticloadbalancing:DescribeTargetGroups", IDs: []string{topoWebTG, "api-tg"}},
			want:     []string{`"name":"web-tg"`, `"name":"api-tg"`, `"health_check_path":"/health"`, `"healthy_codes":"200"`},
			wantCall: map[string]int{"elasticloadbalancing:DescribeTargetGroups": 2}},
		{name: "target groups of a load balancer", call: agent.DescribeCall{Action: "elasticloadbalancing:DescribeTargetGroups", IDs: []string{"fn-tg"}, Parent: topoLB},
			want: []string{`"name":"fn-tg"`}, wantNot: []string{"web-tg", "api-tg"}},
		{name: "target health", call: agent.DescribeCall{Action: "elasticloadbalancing:DescribeTargetHealth", IDs: []string{topoWebTG}},
			want: []string{`{"id":"i-0abc1234def567890","port":80,"state":"unhealthy","reason":"Target.ResponseCodeMismatch","description":"Health checks failed with these codes: [502]"}`}},
		{name: "load balancers", call: agent.DescribeCall{Action: "elasticloadbalancing:DescribeLoadBalancers", IDs: []string{"web"}},
			want: []string{`"security_groups":["sg-0fedcba9876543210"]`, `"state":"active"`, `"subnets":["subnet-0a1b2c3d"]`}},
		{name: "db instance", call: agent.DescribeCall{Action: "rds:DescribeDBInstances", IDs: []string{"orders-db"}},
			want: []string{`"parameter_groups":[{"name":"orders-pg15","apply_status":"in-sync"}]`, `"endpoint":"orders-db.abcdefghij.eu-west-1.rds.amazonaws.com:5432"`}},
		{name: "services", call: agent.DescribeCall{Action: "ecs:DescribeServices", IDs: []string{"api", "ghost"}, Parent: "prod"},
			want: []string{`"desired":3`, `"running":1`, `"rollout_state":"IN_PROGRESS"`, `"missing":["arn:aws:ecs:eu-west-1:123456789012:service/prod/ghost (MISSING)"]`}},
		{name: "task definition", call: agent.DescribeCall{Action: "ecs:DescribeTaskDefinition", IDs: []string{"api"}},
			want:    []string{`"revision":42`, `"environment_variable_names":["LOG_LEVEL","DB_PASSWORD"]`, `"log_group":"/ecs/api"`},
			wantNot: []string{"hunter2"}},
		{name: "another region", call: agent.DescribeCall{Action: "lambda:GetFunctionConfiguration", Region: "us-west-2", IDs: []string{"edge"}},
			want: []string{`"role":"arn:aws:iam::123456789012:role/edge-role"`}},
		{name: "not a describe", call: agent.DescribeCall{Action: "ec2:TerminateInstances", IDs: []string{"i-0abc1234def567890"}}, wantErr: "not a direct describe"},
		{name: "services without a cluster", call: agent.DescribeCall{Action: "ecs:DescribeServices", IDs: []string{"api"}}, wantErr: "needs the cluster"},
		{name: "two functions", call: agent.DescribeCall{Action: "lambda:GetFunctionConfiguration", IDs: []string{"a", "b"}}, wantErr: "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.Calls()
			out, err := inv.Describe(testContext(t), tt.call)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("not JSON: %s", out)
			}
			for _, want := range tt.want {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %s\n%s", want, out)
				}
			}
			for _, not := range tt.wantNot {
				if strings.Contains(string(out), not) {
					t.Errorf("output holds %q\n%s", not, out)
				}
			}
			for op, n := range tt.wantCall {
				if got := a.Calls()[op] - before[op]; got != n {
					t.Errorf("%s called %d times, want %d", op, got, n)
				}
			}
		})
	}
}

func TestInventoryNotFound(t *testing.T) {
	_, cfg := topoServe(t)
	inv := tools.NewInventory(cfg, tools.InventoryOptions{Timeout: 5 * time.Second})
	calls := map[string]func(ctx context.Context) error{
		"function": func(ctx context.Context) error { _, err := inv.Function(ctx, "", "ghost"); return err },
		"instance": func(ctx context.Context) error {
			_, _, err := inv.Instances(ctx, "", []string{"i-00000000000000000"})
			return err
		},
		"security group": func(ctx context.Context) error {
			_, _, err := inv.SecurityGroups(ctx, "", []string{"sg-00000000000000000"})
			return err
		},
		"target group": func(ctx context.Context) error {
			_, _, err := inv.TargetGroups(ctx, "", tools.TargetGroupQuery{ARNs: []string{topoWebTG + "0"}})
			return err
		},
		"target group of a missing load balancer": func(ctx context.Context) error {
			_, _, err := inv.TargetGroups(ctx, "", tools.TargetGroupQuery{LoadBalancerARN: topoLB + "0"})
			return err
		},
		"target health": func(ctx context.Context) error { _, err := inv.TargetHealth(ctx, "", topoWebTG+"0"); return err },
		"load balancer": func(ctx context.Context) error {
			_, _, err := inv.LoadBalancers(ctx, "", []string{"ghost"})
			return err
		},
		"db instance": func(ctx context.Context) error { _, err := inv.DBInstance(ctx, "", "ghost"); return err },
		"service":     func(ctx context.Context) error { _, err := inv.Service(ctx, "", "prod", "ghost"); return err },
		"cluster":     func(ctx context.Context) error { _, err := inv.Service(ctx, "", "ghost", "api"); return err },
		"task definition": func(ctx context.Context) error {
			_, err := inv.TaskDefinition(ctx, "", "web:1")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call(testContext(t))
			if !errors.Is(err, investigation.ErrUnknownResource) || investigation.ReasonOf(err) != investigation.ReasonNotFound {
				t.Errorf("got %v (reason %q), want not found", err, investigation.ReasonOf(err))
			}
		})
	}
}

// TestInventoryPageBound pages the target groups of a load balancer one at
// a time and stops at the page bound.
func TestInventoryPageBound(t *testing.T) {
	a, cfg := topoServe(t)
	const op = "elasticloadbalancing:DescribeTargetGroups"
	tests := []struct {
		maxPages  int
		wantN     int
		wantMore  bool
		wantCalls int
	}{
		{maxPages: 2, wantN: 2, wantMore: true, wantCalls: 2},
		{maxPages: 5, wantN: 3, wantMore: false, wantCalls: 3},
	}
	for _, tt := range tests {
		inv := tools.NewInventory(cfg, tools.InventoryOptions{PageSize: 1, MaxPages: tt.maxPages})
		before := a.Calls()[op]
		groups, more, err := inv.TargetGroups(testContext(t), "", tools.TargetGroupQuery{LoadBalancerARN: topoLB})
		if err != nil {
			t.Fatal(err)
		}
		if calls := a.Calls()[op] - before; len(groups) != tt.wantN || more != tt.wantMore || calls != tt.wantCalls {
			t.Errorf("max %d pages: %d groups, more %v, %d calls; want %d, %v, %d", tt.maxPages, len(groups), more, calls, tt.wantN, tt.wantMore, tt.wantCalls)
		}
	}
}

func TestConfigService(t *testing.T) {
	_, cfg := topoServe(t)
	cs := tools.NewConfigService(cfg, tools.ConfigServiceOptions{Timeout: 5 * time.Second})

	item, err := cs.LatestItem(testContext(t), "", investigation.TypeLambdaFunction, "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if item.ARN != "arn:aws:lambda:eu-west-1:123456789012:function:checkout" || item.Region != topoRegion || item.Account != "123456789012" ||
		item.Status != "OK" || len(item.Relationships) != 3 || item.Relationships[0] != (tools.ConfigRelationship{
		Type: "AWS::IAM::Role", ID: "checkout-role", Name: "checkout-role", Relation: "Is associated with Role"}) {
		t.Errorf("item = %+v", item)
	}
	var conf struct {
		Runtime string `json:"runtime"`
	}
	if err := json.Unmarshal(item.Configuration, &conf); err != nil || conf.Runtime != "python3.12" {
		t.Errorf("configuration %s: %v", item.Configuration, err)
	}

	out, err := cs.ResourceConfigHistory(testContext(t), "us-east-1", investigation.TypeIAMRole, "checkout-role", 5)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"configuration_items":[{"resource_type":"AWS::IAM::Role","resource_id":"checkout-role"`) ||
		!strings.Contains(string(out), `"attachedManagedPolicies"`) {
		t.Errorf("history = %s", out)
	}

	_, err = cs.LatestItem(testContext(t), "", investigation.TypeLambdaFunction, "edge")
	if !errors.Is(err, investigation.ErrUnknownResource) {
		t.Errorf("a resource of another region: %v, want not found", err)
	}
}
