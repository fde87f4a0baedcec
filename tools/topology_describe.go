package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/trailhound/trailhound/investigation/agent"
)

// Call-counter keys of the direct describes.
const (
	OpGetFunctionConfiguration = "lambda:GetFunctionConfiguration"
	OpDescribeInstances        = "ec2:DescribeInstances"
	OpDescribeSecurityGroups   = "ec2:DescribeSecurityGroups"
	OpDescribeTargetGroups     = "elasticloadbalancing:DescribeTargetGroups"
	OpDescribeTargetHealth     = "elasticloadbalancing:DescribeTargetHealth"
	OpDescribeLoadBalancers    = "elasticloadbalancing:DescribeLoadBalancers"
	OpDescribeDBInstances      = "rds:DescribeDBInstances"
	OpDescribeServices         = "ecs:DescribeServices"
	OpDescribeTaskDefinition   = "ecs:DescribeTaskDefinition"
	OpGetInstanceProfile       = "iam:GetInstanceProfile"
)

// InventoryOptions bound the direct describes.
type InventoryOptions struct {
	// MaxPages bounds the pages one listing reads. Default 5.
	MaxPages int
	// PageSize is the page size of the ELBv2 listings (1 to 400); zero
	// leaves the API's default.
	PageSize int32
	// Timeout bounds one method call, paging included. Default 30 s.
	Timeout time.Duration
}

// Inventory reads resources through their services' own read-only describe
// APIs: what a resource is configured with when AWS Config has no record of
// it. Every method takes the region to read ("" is the configuration's) and
// returns a summary that keeps what a triage needs and leaves secrets out.
type Inventory struct {
	opts   InventoryOptions
	lambda *lambda.Client
	ec2    *ec2.Client
	elb    *elbv2.Client
	rds    *rds.Client
	ecs    *ecs.Client
	iam    *iam.Client
}

// NewInventory builds the describes from a configuration loaded by LoadAWSConfig.
func NewInventory(cfg aws.Config, opts InventoryOptions) *Inventory {
	if opts.MaxPages <= 0 {
		opts.MaxPages = 5
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	return &Inventory{
		opts:   opts,
		lambda: lambda.NewFromConfig(cfg),
		ec2:    ec2.NewFromConfig(cfg),
		elb:    elbv2.NewFromConfig(cfg),
		rds:    rds.NewFromConfig(cfg),
		ecs:    ecs.NewFromConfig(cfg),
		iam:    iam.NewFromConfig(cfg),
	}
}

// Describe answers one direct describe of the tool registry with the
// operation's summary in JSON. Values that may be secret (environment
// variables) are left out, as in every summary.
func (v *Inventory) Describe(ctx context.Context, call agent.DescribeCall) (json.RawMessage, error) {
	describe, ok := directDescribes[call.Action]
	if !ok {
		return nil, fmt.Errorf("describe: %q is not a direct describe", call.Action)
	}
	out, err := describe(ctx, v, call)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("%s: encode the answer: %w", call.Action, err)
	}
	return b, nil
}

// onlyID is the one resource a describe of a single resource takes.
func onlyID(call agent.DescribeCall) (string, error) {
	if len(call.IDs) != 1 || call.IDs[0] == "" {
		return "", fmt.Errorf("%s takes exactly one resource, got %d", call.Action, len(call.IDs))
	}
	return call.IDs[0], nil
}

// single adapts a describe of one resource by id to the table.
func single[T any](read func(v *Inventory, ctx context.Context, region, id string) (T, error)) agentDescribe {
	return func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		id, err := onlyID(call)
		if err != nil {
			return nil, err
		}
		return read(v, ctx, call.Region, id)
	}
}

type agentDescribe func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error)

// directDescribes answers each describe the agent may call, in the shape
// the model reads: lists say when they were cut short.
var directDescribes = map[string]agentDescribe{
	OpGetFunctionConfiguration: single((*Inventory).Function),
	OpDescribeDBInstances:      single((*Inventory).DBInstance),
	OpDescribeTaskDefinition:   single((*Inventory).TaskDefinition),
	OpDescribeInstances: func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		instances, more, err := v.Instances(ctx, call.Region, call.IDs)
		return struct {
			Instances []EC2Instance `json:"instances"`
			Truncated bool          `json:"truncated,omitempty"`
		}{instances, more}, err
	},
	OpDescribeSecurityGroups: func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		groups, more, err := v.SecurityGroups(ctx, call.Region, call.IDs)
		return struct {
			SecurityGroups []SecurityGroup `json:"security_groups"`
			Truncated      bool            `json:"truncated,omitempty"`
		}{groups, more}, err
	},
	OpDescribeTargetGroups: func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		groups, more, err := v.describeTargetGroups(ctx, call)
		return struct {
			TargetGroups []TargetGroup `json:"target_groups"`
			Truncated    bool          `json:"truncated,omitempty"`
		}{groups, more}, err
	},
	OpDescribeTargetHealth: func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		arn, err := onlyID(call)
		if err != nil {
			return nil, err
		}
		targets, err := v.TargetHealth(ctx, call.Region, arn)
		return struct {
			TargetGroupARN string         `json:"target_group_arn"`
			Targets        []TargetHealth `json:"targets"`
		}{arn, targets}, err
	},
	OpDescribeLoadBalancers: func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		lbs, more, err := v.LoadBalancers(ctx, call.Region, call.IDs)
		return struct {
			LoadBalancers []LoadBalancer `json:"load_balancers"`
			Truncated     bool           `json:"truncated,omitempty"`
		}{lbs, more}, err
	},
	OpDescribeServices: func(ctx context.Context, v *Inventory, call agent.DescribeCall) (any, error) {
		if call.Parent == "" {
			return nil, fmt.Errorf("%s needs the cluster", call.Action)
		}
		services, missing, err := v.Services(ctx, call.Region, call.Parent, call.IDs)
		return struct {
			Services []ECSService `json:"services"`
			Missing  []string     `json:"missing,omitempty"`
		}{services, missing}, err
	},
}
