package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

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

// LambdaFunction is a function's configuration.
type LambdaFunction struct {
	Name             string   `json:"name"`
	ARN              string   `json:"arn,omitempty"`
	Runtime          string   `json:"runtime,omitempty"`
	Handler          string   `json:"handler,omitempty"`
	Role             string   `json:"role,omitempty"`
	KMSKeyARN        string   `json:"kms_key_arn,omitempty"`
	MemoryMB         int32    `json:"memory_mb,omitempty"`
	TimeoutSeconds   int32    `json:"timeout_seconds,omitempty"`
	State            string   `json:"state,omitempty"`
	LastUpdateStatus string   `json:"last_update_status,omitempty"`
	LastModified     string   `json:"last_modified,omitempty"`
	Version          string   `json:"version,omitempty"`
	VpcID            string   `json:"vpc_id,omitempty"`
	SubnetIDs        []string `json:"subnet_ids,omitempty"`
	SecurityGroupIDs []string `json:"security_group_ids,omitempty"`
	Layers           []string `json:"layers,omitempty"`
	// EnvironmentVariables names the variables; their values are left out,
	// since they often hold secrets.
	EnvironmentVariables []string `json:"environment_variable_names,omitempty"`
	LogGroup             string   `json:"log_group,omitempty"`
	DeadLetterTarget     string   `json:"dead_letter_target,omitempty"`
	// envRefs are the resources the environment's values name; the values
	// themselves are not kept.
	envRefs []envRef
}

// EC2Instance is an instance's configuration.
type EC2Instance struct {
	ID                 string            `json:"id"`
	Type               string            `json:"type,omitempty"`
	State              string            `json:"state,omitempty"`
	StateReason        string            `json:"state_reason,omitempty"`
	ImageID            string            `json:"image_id,omitempty"`
	LaunchTime         time.Time         `json:"launch_time,omitzero"`
	VpcID              string            `json:"vpc_id,omitempty"`
	SubnetID           string            `json:"subnet_id,omitempty"`
	PrivateIP          string            `json:"private_ip,omitempty"`
	SecurityGroups     []GroupRef        `json:"security_groups,omitempty"`
	InstanceProfileARN string            `json:"instance_profile_arn,omitempty"`
	Volumes            []AttachedVolume  `json:"volumes,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// GroupRef names a security group.
type GroupRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// AttachedVolume is an EBS volume attached to an instance.
type AttachedVolume struct {
	ID     string `json:"id"`
	Device string `json:"device,omitempty"`
}

// SecurityGroup is a security group with its rules.
type SecurityGroup struct {
	ID          string              `json:"id"`
	Name        string              `json:"name,omitempty"`
	Description string              `json:"description,omitempty"`
	VpcID       string              `json:"vpc_id,omitempty"`
	Inbound     []SecurityGroupRule `json:"inbound,omitempty"`
	Outbound    []SecurityGroupRule `json:"outbound,omitempty"`
}

// SecurityGroupRule is one permission of a security group: a protocol and
// port range, and the sources (inbound) or destinations (outbound) it opens.
type SecurityGroupRule struct {
	Protocol    string   `json:"protocol"` // "-1" is every protocol
	FromPort    *int32   `json:"from_port,omitempty"`
	ToPort      *int32   `json:"to_port,omitempty"`
	CIDRs       []string `json:"cidrs,omitempty"`
	IPv6CIDRs   []string `json:"ipv6_cidrs,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	PrefixLists []string `json:"prefix_lists,omitempty"`
}

// TargetGroup is an ELBv2 target group.
type TargetGroup struct {
	ARN                 string   `json:"arn"`
	Name                string   `json:"name,omitempty"`
	Protocol            string   `json:"protocol,omitempty"`
	Port                int32    `json:"port,omitempty"`
	TargetType          string   `json:"target_type,omitempty"`
	VpcID               string   `json:"vpc_id,omitempty"`
	HealthCheckProtocol string   `json:"health_check_protocol,omitempty"`
	HealthCheckPort     string   `json:"health_check_port,omitempty"`
	HealthCheckPath     string   `json:"health_check_path,omitempty"`
	HealthyCodes        string   `json:"healthy_codes,omitempty"`
	LoadBalancerARNs    []string `json:"load_balancer_arns,omitempty"`
}

// TargetHealth is one registered target and its health.
type TargetHealth struct {
	ID          string `json:"id"`
	Port        int32  `json:"port,omitempty"`
	State       string `json:"state,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Description string `json:"description,omitempty"`
}

// LoadBalancer is an ELBv2 load balancer.
type LoadBalancer struct {
	ARN            string    `json:"arn"`
	Name           string    `json:"name,omitempty"`
	Type           string    `json:"type,omitempty"`
	Scheme         string    `json:"scheme,omitempty"`
	State          string    `json:"state,omitempty"`
	DNSName        string    `json:"dns_name,omitempty"`
	VpcID          string    `json:"vpc_id,omitempty"`
	SecurityGroups []string  `json:"security_groups,omitempty"`
	Subnets        []string  `json:"subnets,omitempty"`
	Created        time.Time `json:"created,omitzero"`
}

// DBInstance is an RDS DB instance.
type DBInstance struct {
	ID                string            `json:"id"`
	ARN               string            `json:"arn,omitempty"`
	Class             string            `json:"class,omitempty"`
	Engine            string            `json:"engine,omitempty"`
	EngineVersion     string            `json:"engine_version,omitempty"`
	Status            string            `json:"status,omitempty"`
	ClusterID         string            `json:"cluster_id,omitempty"`
	Endpoint          string            `json:"endpoint,omitempty"`
	MultiAZ           bool              `json:"multi_az,omitempty"`
	StorageEncrypted  bool              `json:"storage_encrypted,omitempty"`
	KMSKeyID          string            `json:"kms_key_id,omitempty"`
	SecurityGroups    []string          `json:"security_groups,omitempty"`
	ParameterGroups   []ParameterGroup  `json:"parameter_groups,omitempty"`
	SubnetGroup       string            `json:"subnet_group,omitempty"`
	MonitoringRoleARN string            `json:"monitoring_role_arn,omitempty"`
	Roles             []string          `json:"roles,omitempty"`
	Pending           map[string]string `json:"pending_modifications,omitempty"`
}

// ParameterGroup is a parameter group a DB instance uses and whether its
// parameters are applied.
type ParameterGroup struct {
	Name        string `json:"name"`
	ApplyStatus string `json:"apply_status,omitempty"`
}

// ECSService is an ECS service.
type ECSService struct {
	ARN            string            `json:"arn"`
	Name           string            `json:"name"`
	ClusterARN     string            `json:"cluster_arn,omitempty"`
	Status         string            `json:"status,omitempty"`
	TaskDefinition string            `json:"task_definition,omitempty"`
	Desired        int32             `json:"desired"`
	Running        int32             `json:"running"`
	Pending        int32             `json:"pending"`
	LaunchType     string            `json:"launch_type,omitempty"`
	RoleARN        string            `json:"role_arn,omitempty"`
	LoadBalancers  []ECSLoadBalancer `json:"load_balancers,omitempty"`
	SecurityGroups []string          `json:"security_groups,omitempty"`
	Subnets        []string          `json:"subnets,omitempty"`
	Deployments    []ECSDeployment   `json:"deployments,omitempty"`
	Events         []ECSEvent        `json:"events,omitempty"`
}

// ECSLoadBalancer ties a service's container port to a target group.
type ECSLoadBalancer struct {
	TargetGroupARN   string `json:"target_group_arn,omitempty"`
	LoadBalancerName string `json:"load_balancer_name,omitempty"`
	Container        string `json:"container,omitempty"`
	Port             int32  `json:"port,omitempty"`
}

// ECSDeployment is one deployment of a service.
type ECSDeployment struct {
	ID             string    `json:"id"`
	Status         string    `json:"status,omitempty"`
	TaskDefinition string    `json:"task_definition,omitempty"`
	Desired        int32     `json:"desired"`
	Running        int32     `json:"running"`
	Failed         int32     `json:"failed,omitempty"`
	RolloutState   string    `json:"rollout_state,omitempty"`
	Created        time.Time `json:"created,omitzero"`
	Updated        time.Time `json:"updated,omitzero"`
}

// ECSEvent is one of a service's event messages.
type ECSEvent struct {
	Time    time.Time `json:"time,omitzero"`
	Message string    `json:"message"`
}

// maxECSEvents bounds the service events a summary keeps: ECS returns up to
// 100, newest first, and the recent ones are what explains a symptom.
const maxECSEvents = 5

// TaskDefinition is an ECS task definition.
type TaskDefinition struct {
	ARN    string `json:"arn"`
	Family string `json:"family"`
	// refs are the resources the containers' environment values and
	// secrets name (secrets by ARN or parameter name); values are not kept.
	refs             []envRef
	Revision         int32          `json:"revision"`
	Status           string         `json:"status,omitempty"`
	TaskRoleARN      string         `json:"task_role_arn,omitempty"`
	ExecutionRoleARN string         `json:"execution_role_arn,omitempty"`
	NetworkMode      string         `json:"network_mode,omitempty"`
	CPU              string         `json:"cpu,omitempty"`
	Memory           string         `json:"memory,omitempty"`
	Containers       []ECSContainer `json:"containers,omitempty"`
}

// ECSContainer is one container of a task definition.
type ECSContainer struct {
	Name      string `json:"name"`
	Image     string `json:"image,omitempty"`
	Essential bool   `json:"essential,omitempty"`
	// EnvironmentVariables and Secrets are names only: values may be secret.
	EnvironmentVariables []string `json:"environment_variable_names,omitempty"`
	Secrets              []string `json:"secret_names,omitempty"`
	LogDriver            string   `json:"log_driver,omitempty"`
	LogGroup             string   `json:"log_group,omitempty"`
	LogRegion            string   `json:"log_region,omitempty"`
}

// lambdaRegion and its siblings point one call at region; "" keeps the
// client's own.
func lambdaRegion(region string) func(*lambda.Options) {
	return func(o *lambda.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

func ec2Region(region string) func(*ec2.Options) {
	return func(o *ec2.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

func elbRegion(region string) func(*elbv2.Options) {
	return func(o *elbv2.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

func rdsRegion(region string) func(*rds.Options) {
	return func(o *rds.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

func ecsRegion(region string) func(*ecs.Options) {
	return func(o *ecs.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

// Function reads a Lambda function's configuration by name, ARN or name:qualifier.
func (v *Inventory) Function(ctx context.Context, region, function string) (LambdaFunction, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)}, lambdaRegion(region))
	if err != nil {
		return LambdaFunction{}, Wrap(OpGetFunctionConfiguration, "get configuration of function "+function, err)
	}
	return summarizeFunction(out), nil
}

func summarizeFunction(out *lambda.GetFunctionConfigurationOutput) LambdaFunction {
	fn := LambdaFunction{
		Name:             aws.ToString(out.FunctionName),
		ARN:              aws.ToString(out.FunctionArn),
		Runtime:          string(out.Runtime),
		Handler:          aws.ToString(out.Handler),
		Role:             aws.ToString(out.Role),
		KMSKeyARN:        aws.ToString(out.KMSKeyArn),
		MemoryMB:         aws.ToInt32(out.MemorySize),
		TimeoutSeconds:   aws.ToInt32(out.Timeout),
		State:            string(out.State),
		LastUpdateStatus: string(out.LastUpdateStatus),
		LastModified:     aws.ToString(out.LastModified),
		Version:          aws.ToString(out.Version),
	}
	if vpc := out.VpcConfig; vpc != nil {
		fn.VpcID = aws.ToString(vpc.VpcId)
		fn.SubnetIDs = vpc.SubnetIds
		fn.SecurityGroupIDs = vpc.SecurityGroupIds
	}
	for _, l := range out.Layers {
		fn.Layers = append(fn.Layers, aws.ToString(l.Arn))
	}
	if out.Environment != nil {
		fn.EnvironmentVariables = sortedKeys(out.Environment.Variables)
		fn.envRefs = environmentRefs(out.Environment.Variables)
	}
	if out.LoggingConfig != nil {
		fn.LogGroup = aws.ToString(out.LoggingConfig.LogGroup)
	}
	if out.DeadLetterConfig != nil {
		fn.DeadLetterTarget = aws.ToString(out.DeadLetterConfig.TargetArn)
	}
	return fn
}

func sortedKeys(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Instances reads EC2 instances by id; more reports that the page bound
// stopped the listing.
func (v *Inventory) Instances(ctx context.Context, region string, ids []string) (instances []EC2Instance, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	pages := ec2.NewDescribeInstancesPaginator(v.ec2, &ec2.DescribeInstancesInput{InstanceIds: ids})
	for page := 0; pages.HasMorePages(); page++ {
		if page == v.opts.MaxPages {
			return instances, true, nil
		}
		out, err := pages.NextPage(ctx, ec2Region(region))
		if err != nil {
			return instances, false, Wrap(OpDescribeInstances, "describe instances "+strings.Join(ids, ", "), err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				instances = append(instances, summarizeInstance(in))
			}
		}
	}
	return instances, false, nil
}

func summarizeInstance(in ec2types.Instance) EC2Instance {
	out := EC2Instance{
		ID:        aws.ToString(in.InstanceId),
		Type:      string(in.InstanceType),
		ImageID:   aws.ToString(in.ImageId),
		VpcID:     aws.ToString(in.VpcId),
		SubnetID:  aws.ToString(in.SubnetId),
		PrivateIP: aws.ToString(in.PrivateIpAddress),
	}
	if in.LaunchTime != nil {
		out.LaunchTime = in.LaunchTime.UTC()
	}
	if in.State != nil {
		out.State = string(in.State.Name)
	}
	if in.StateReason != nil {
		out.StateReason = aws.ToString(in.StateReason.Message)
	}
	for _, g := range in.SecurityGroups {
		out.SecurityGroups = append(out.SecurityGroups, GroupRef{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName)})
	}
	if in.IamInstanceProfile != nil {
		out.InstanceProfileARN = aws.ToString(in.IamInstanceProfile.Arn)
	}
	for _, m := range in.BlockDeviceMappings {
		if m.Ebs != nil && m.Ebs.VolumeId != nil {
			out.Volumes = append(out.Volumes, AttachedVolume{ID: aws.ToString(m.Ebs.VolumeId), Device: aws.ToString(m.DeviceName)})
		}
	}
	for _, t := range in.Tags {
		if out.Tags == nil {
			out.Tags = map[string]string{}
		}
		out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// SecurityGroups reads security groups by id; more reports that the page
// bound stopped the listing.
func (v *Inventory) SecurityGroups(ctx context.Context, region string, ids []string) (groups []SecurityGroup, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	pages := ec2.NewDescribeSecurityGroupsPaginator(v.ec2, &ec2.DescribeSecurityGroupsInput{GroupIds: ids})
	for page := 0; pages.HasMorePages(); page++ {
		if page == v.opts.MaxPages {
			return groups, true, nil
		}
		out, err := pages.NextPage(ctx, ec2Region(region))
		if err != nil {
			return groups, false, Wrap(OpDescribeSecurityGroups, "describe security groups "+strings.Join(ids, ", "), err)
		}
		for _, g := range out.SecurityGroups {
			groups = append(groups, summarizeSecurityGroup(g))
		}
	}
	return groups, false, nil
}

func summarizeSecurityGroup(g ec2types.SecurityGroup) SecurityGroup {
	out := SecurityGroup{
		ID:          aws.ToString(g.GroupId),
		Name:        aws.ToString(g.GroupName),
		Description: aws.ToString(g.Description),
		VpcID:       aws.ToString(g.VpcId),
	}
	for _, p := range g.IpPermissions {
		out.Inbound = append(out.Inbound, summarizeRule(p))
	}
	for _, p := range g.IpPermissionsEgress {
		out.Outbound = append(out.Outbound, summarizeRule(p))
	}
	return out
}

func summarizeRule(p ec2types.IpPermission) SecurityGroupRule {
	r := SecurityGroupRule{Protocol: aws.ToString(p.IpProtocol), FromPort: p.FromPort, ToPort: p.ToPort}
	for _, ip := range p.IpRanges {
		r.CIDRs = append(r.CIDRs, aws.ToString(ip.CidrIp))
	}
	for _, ip := range p.Ipv6Ranges {
		r.IPv6CIDRs = append(r.IPv6CIDRs, aws.ToString(ip.CidrIpv6))
	}
	for _, g := range p.UserIdGroupPairs {
		r.Groups = append(r.Groups, aws.ToString(g.GroupId))
	}
	for _, pl := range p.PrefixListIds {
		r.PrefixLists = append(r.PrefixLists, aws.ToString(pl.PrefixListId))
	}
	return r
}

// TargetGroupQuery selects target groups: by ARN, by name, or every group
// of a load balancer. The API takes one of the three.
type TargetGroupQuery struct {
	ARNs            []string
	Names           []string
	LoadBalancerARN string
}

// TargetGroups reads the target groups q selects; more reports that the
// page bound stopped the listing.
func (v *Inventory) TargetGroups(ctx context.Context, region string, q TargetGroupQuery) (groups []TargetGroup, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	in := &elbv2.DescribeTargetGroupsInput{TargetGroupArns: q.ARNs, Names: q.Names}
	if v.opts.PageSize > 0 {
		in.PageSize = aws.Int32(v.opts.PageSize)
	}
	if q.LoadBalancerARN != "" {
		in.LoadBalancerArn = aws.String(q.LoadBalancerARN)
	}
	pages := elbv2.NewDescribeTargetGroupsPaginator(v.elb, in)
	for page := 0; pages.HasMorePages(); page++ {
		if page == v.opts.MaxPages {
			return groups, true, nil
		}
		out, err := pages.NextPage(ctx, elbRegion(region))
		if err != nil {
			return groups, false, Wrap(OpDescribeTargetGroups, "describe target groups "+q.String(), err)
		}
		for _, tg := range out.TargetGroups {
			groups = append(groups, summarizeTargetGroup(tg))
		}
	}
	return groups, false, nil
}

func (q TargetGroupQuery) String() string {
	if q.LoadBalancerARN != "" {
		return "of load balancer " + q.LoadBalancerARN
	}
	return strings.Join(append(append([]string(nil), q.ARNs...), q.Names...), ", ")
}

func summarizeTargetGroup(tg elbtypes.TargetGroup) TargetGroup {
	out := TargetGroup{
		ARN:                 aws.ToString(tg.TargetGroupArn),
		Name:                aws.ToString(tg.TargetGroupName),
		Protocol:            string(tg.Protocol),
		Port:                aws.ToInt32(tg.Port),
		TargetType:          string(tg.TargetType),
		VpcID:               aws.ToString(tg.VpcId),
		HealthCheckProtocol: string(tg.HealthCheckProtocol),
		HealthCheckPort:     aws.ToString(tg.HealthCheckPort),
		HealthCheckPath:     aws.ToString(tg.HealthCheckPath),
		LoadBalancerARNs:    tg.LoadBalancerArns,
	}
	if tg.Matcher != nil {
		out.HealthyCodes = aws.ToString(tg.Matcher.HttpCode)
		if out.HealthyCodes == "" {
			out.HealthyCodes = aws.ToString(tg.Matcher.GrpcCode)
		}
	}
	return out
}

// TargetHealth reads the targets registered in a target group and their health.
func (v *Inventory) TargetHealth(ctx context.Context, region, targetGroupARN string) ([]TargetHealth, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(targetGroupARN)}, elbRegion(region))
	if err != nil {
		return nil, Wrap(OpDescribeTargetHealth, "describe target health of "+targetGroupARN, err)
	}
	targets := make([]TargetHealth, 0, len(out.TargetHealthDescriptions))
	for _, d := range out.TargetHealthDescriptions {
		var t TargetHealth
		if d.Target != nil {
			t.ID, t.Port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
		}
		if h := d.TargetHealth; h != nil {
			t.State, t.Reason, t.Description = string(h.State), string(h.Reason), aws.ToString(h.Description)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// LoadBalancers reads load balancers by ARN or name (a mix takes one call
// for each kind); more reports that the page bound stopped the listing.
func (v *Inventory) LoadBalancers(ctx context.Context, region string, arnsOrNames []string) (lbs []LoadBalancer, more bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	var arns, names []string
	for _, s := range arnsOrNames {
		if strings.HasPrefix(s, "arn:") {
			arns = append(arns, s)
		} else {
			names = append(names, s)
		}
	}
	for _, in := range []*elbv2.DescribeLoadBalancersInput{{LoadBalancerArns: arns}, {Names: names}} {
		if len(in.LoadBalancerArns)+len(in.Names) == 0 {
			continue
		}
		if v.opts.PageSize > 0 {
			in.PageSize = aws.Int32(v.opts.PageSize)
		}
		pages := elbv2.NewDescribeLoadBalancersPaginator(v.elb, in)
		for page := 0; pages.HasMorePages(); page++ {
			if page == v.opts.MaxPages {
				more = true
				break
			}
			out, err := pages.NextPage(ctx, elbRegion(region))
			if err != nil {
				return lbs, more, Wrap(OpDescribeLoadBalancers, "describe load balancers "+strings.Join(arnsOrNames, ", "), err)
			}
			for _, lb := range out.LoadBalancers {
				lbs = append(lbs, summarizeLoadBalancer(lb))
			}
		}
	}
	return lbs, more, nil
}

func summarizeLoadBalancer(lb elbtypes.LoadBalancer) LoadBalancer {
	out := LoadBalancer{
		ARN:            aws.ToString(lb.LoadBalancerArn),
		Name:           aws.ToString(lb.LoadBalancerName),
		Type:           string(lb.Type),
		Scheme:         string(lb.Scheme),
		DNSName:        aws.ToString(lb.DNSName),
		VpcID:          aws.ToString(lb.VpcId),
		SecurityGroups: lb.SecurityGroups,
	}
	if lb.State != nil {
		out.State = string(lb.State.Code)
	}
	for _, az := range lb.AvailabilityZones {
		if az.SubnetId != nil {
			out.Subnets = append(out.Subnets, aws.ToString(az.SubnetId))
		}
	}
	if lb.CreatedTime != nil {
		out.Created = lb.CreatedTime.UTC()
	}
	return out
}

// DBInstance reads an RDS DB instance by identifier or ARN.
func (v *Inventory) DBInstance(ctx context.Context, region, id string) (DBInstance, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)}, rdsRegion(region))
	if err != nil {
		return DBInstance{}, Wrap(OpDescribeDBInstances, "describe DB instance "+id, err)
	}
	if len(out.DBInstances) == 0 {
		return DBInstance{}, &APIError{Op: OpDescribeDBInstances, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("describe DB instance %s: none returned", id)}
	}
	return summarizeDBInstance(out.DBInstances[0]), nil
}

func summarizeDBInstance(db rdstypes.DBInstance) DBInstance {
	out := DBInstance{
		ID:                aws.ToString(db.DBInstanceIdentifier),
		ARN:               aws.ToString(db.DBInstanceArn),
		Class:             aws.ToString(db.DBInstanceClass),
		Engine:            aws.ToString(db.Engine),
		EngineVersion:     aws.ToString(db.EngineVersion),
		Status:            aws.ToString(db.DBInstanceStatus),
		ClusterID:         aws.ToString(db.DBClusterIdentifier),
		MultiAZ:           aws.ToBool(db.MultiAZ),
		StorageEncrypted:  aws.ToBool(db.StorageEncrypted),
		KMSKeyID:          aws.ToString(db.KmsKeyId),
		MonitoringRoleARN: aws.ToString(db.MonitoringRoleArn),
	}
	if e := db.Endpoint; e != nil && e.Address != nil {
		out.Endpoint = fmt.Sprintf("%s:%d", aws.ToString(e.Address), aws.ToInt32(e.Port))
	}
	for _, g := range db.VpcSecurityGroups {
		out.SecurityGroups = append(out.SecurityGroups, aws.ToString(g.VpcSecurityGroupId))
	}
	for _, g := range db.DBParameterGroups {
		out.ParameterGroups = append(out.ParameterGroups, ParameterGroup{Name: aws.ToString(g.DBParameterGroupName), ApplyStatus: aws.ToString(g.ParameterApplyStatus)})
	}
	if db.DBSubnetGroup != nil {
		out.SubnetGroup = aws.ToString(db.DBSubnetGroup.DBSubnetGroupName)
	}
	for _, r := range db.AssociatedRoles {
		out.Roles = append(out.Roles, aws.ToString(r.RoleArn))
	}
	if p := db.PendingModifiedValues; p != nil {
		pending := map[string]string{}
		for k, v := range map[string]*string{
			"db_instance_class": p.DBInstanceClass, "engine_version": p.EngineVersion,
			"storage_type": p.StorageType, "db_subnet_group": p.DBSubnetGroupName,
		} {
			if v != nil {
				pending[k] = *v
			}
		}
		if p.AllocatedStorage != nil {
			pending["allocated_storage_gib"] = fmt.Sprint(*p.AllocatedStorage)
		}
		if p.MultiAZ != nil {
			pending["multi_az"] = fmt.Sprint(*p.MultiAZ)
		}
		if len(pending) > 0 {
			out.Pending = pending
		}
	}
	return out
}

// maxServicesPerCall is how many services one DescribeServices call takes.
const maxServicesPerCall = 10

// Services reads ECS services of a cluster by name or ARN; missing lists
// those ECS reported it does not have.
func (v *Inventory) Services(ctx context.Context, region, cluster string, services []string) (found []ECSService, missing []string, err error) {
	if len(services) > maxServicesPerCall {
		return nil, nil, fmt.Errorf("describe services: %d asked, at most %d per call", len(services), maxServicesPerCall)
	}
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: services}, ecsRegion(region))
	if err != nil {
		return nil, nil, Wrap(OpDescribeServices, fmt.Sprintf("describe services %s of cluster %s", strings.Join(services, ", "), cluster), err)
	}
	for _, s := range out.Services {
		found = append(found, summarizeService(s))
	}
	for _, f := range out.Failures {
		missing = append(missing, aws.ToString(f.Arn)+" ("+aws.ToString(f.Reason)+")")
	}
	return found, missing, nil
}

// Service reads one ECS service; a service ECS does not have is a not-found error.
func (v *Inventory) Service(ctx context.Context, region, cluster, service string) (ECSService, error) {
	found, missing, err := v.Services(ctx, region, cluster, []string{service})
	if err != nil {
		return ECSService{}, err
	}
	if len(found) == 0 {
		return ECSService{}, &APIError{Op: OpDescribeServices, Reason: investigation.ReasonNotFound, Code: "MISSING",
			Err: fmt.Errorf("describe service %s of cluster %s: %s", service, cluster, strings.Join(missing, "; "))}
	}
	return found[0], nil
}

func summarizeService(s ecstypes.Service) ECSService {
	out := ECSService{
		ARN:            aws.ToString(s.ServiceArn),
		Name:           aws.ToString(s.ServiceName),
		ClusterARN:     aws.ToString(s.ClusterArn),
		Status:         aws.ToString(s.Status),
		TaskDefinition: aws.ToString(s.TaskDefinition),
		Desired:        s.DesiredCount,
		Running:        s.RunningCount,
		Pending:        s.PendingCount,
		LaunchType:     string(s.LaunchType),
		RoleARN:        aws.ToString(s.RoleArn),
	}
	for _, lb := range s.LoadBalancers {
		out.LoadBalancers = append(out.LoadBalancers, ECSLoadBalancer{
			TargetGroupARN: aws.ToString(lb.TargetGroupArn), LoadBalancerName: aws.ToString(lb.LoadBalancerName),
			Container: aws.ToString(lb.ContainerName), Port: aws.ToInt32(lb.ContainerPort),
		})
	}
	if nc := s.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		out.SecurityGroups = nc.AwsvpcConfiguration.SecurityGroups
		out.Subnets = nc.AwsvpcConfiguration.Subnets
	}
	for _, d := range s.Deployments {
		dep := ECSDeployment{
			ID: aws.ToString(d.Id), Status: aws.ToString(d.Status), TaskDefinition: aws.ToString(d.TaskDefinition),
			Desired: d.DesiredCount, Running: d.RunningCount, Failed: d.FailedTasks, RolloutState: string(d.RolloutState),
		}
		if d.CreatedAt != nil {
			dep.Created = d.CreatedAt.UTC()
		}
		if d.UpdatedAt != nil {
			dep.Updated = d.UpdatedAt.UTC()
		}
		out.Deployments = append(out.Deployments, dep)
	}
	for _, e := range s.Events[:min(len(s.Events), maxECSEvents)] {
		ev := ECSEvent{Message: aws.ToString(e.Message)}
		if e.CreatedAt != nil {
			ev.Time = e.CreatedAt.UTC()
		}
		out.Events = append(out.Events, ev)
	}
	return out
}

// TaskDefinition reads an ECS task definition by family (its latest active
// revision), family:revision or ARN.
func (v *Inventory) TaskDefinition(ctx context.Context, region, ref string) (TaskDefinition, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	out, err := v.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(ref)}, ecsRegion(region))
	if err != nil {
		wrapped := Wrap(OpDescribeTaskDefinition, "describe task definition "+ref, err)
		// ECS answers an unknown task definition with a generic client error.
		var apiErr smithy.APIError
		var ae *APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ClientException" &&
			strings.Contains(apiErr.ErrorMessage(), "Unable to describe task definition") && errors.As(wrapped, &ae) {
			ae.Reason = investigation.ReasonNotFound
		}
		return TaskDefinition{}, wrapped
	}
	if out.TaskDefinition == nil {
		return TaskDefinition{}, &APIError{Op: OpDescribeTaskDefinition, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("describe task definition %s: none returned", ref)}
	}
	return summarizeTaskDefinition(*out.TaskDefinition), nil
}

func summarizeTaskDefinition(td ecstypes.TaskDefinition) TaskDefinition {
	out := TaskDefinition{
		ARN:              aws.ToString(td.TaskDefinitionArn),
		Family:           aws.ToString(td.Family),
		Revision:         td.Revision,
		Status:           string(td.Status),
		TaskRoleARN:      aws.ToString(td.TaskRoleArn),
		ExecutionRoleARN: aws.ToString(td.ExecutionRoleArn),
		NetworkMode:      string(td.NetworkMode),
		CPU:              aws.ToString(td.Cpu),
		Memory:           aws.ToString(td.Memory),
	}
	for _, c := range td.ContainerDefinitions {
		ct := ECSContainer{Name: aws.ToString(c.Name), Image: aws.ToString(c.Image), Essential: aws.ToBool(c.Essential)}
		for _, e := range c.Environment {
			ct.EnvironmentVariables = append(ct.EnvironmentVariables, aws.ToString(e.Name))
		}
		env := map[string]string{}
		for _, e := range c.Environment {
			env[aws.ToString(e.Name)] = aws.ToString(e.Value)
		}
		for _, s := range c.Secrets {
			ct.Secrets = append(ct.Secrets, aws.ToString(s.Name))
			// valueFrom is a secret's or parameter's ARN, or the name of a
			// parameter of the task's region (Secrets Manager needs the ARN).
			env["PARAM_"+aws.ToString(s.Name)] = aws.ToString(s.ValueFrom)
		}
		out.refs = append(out.refs, environmentRefs(env)...)
		if lc := c.LogConfiguration; lc != nil {
			ct.LogDriver = string(lc.LogDriver)
			ct.LogGroup = lc.Options["awslogs-group"]
			ct.LogRegion = lc.Options["awslogs-region"]
		}
		out.Containers = append(out.Containers, ct)
	}
	return out
}

// InstanceProfileRoles returns the names of the roles in an instance profile,
// given by name or ARN. IAM is global: no region.
func (v *Inventory) InstanceProfileRoles(ctx context.Context, profile string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, v.opts.Timeout)
	defer cancel()
	name := instanceProfileName(profile)
	out, err := v.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		return nil, Wrap(OpGetInstanceProfile, "get instance profile "+name, err)
	}
	if out.InstanceProfile == nil {
		return nil, nil
	}
	var roles []string
	for _, r := range out.InstanceProfile.Roles {
		roles = append(roles, aws.ToString(r.RoleName))
	}
	return roles, nil
}

// instanceProfileName reads the name out of an instance profile ARN
// (arn:aws:iam::1:instance-profile/path/name); a name stays as it is.
func instanceProfileName(nameOrARN string) string {
	if rest, ok := strings.CutPrefix(nameOrARN, "arn:"); ok {
		if _, resource, found := strings.Cut(rest, ":instance-profile/"); found {
			return resource[strings.LastIndex(resource, "/")+1:]
		}
	}
	return nameOrARN
}

// Describe answers one direct describe of the tool registry with the
// operation's summary in JSON. Values that may be secret (environment
// variables) are left out, as in every summary.
func (v *Inventory) Describe(ctx context.Context, call agent.DescribeCall) (json.RawMessage, error) {
	first := func() (string, error) {
		if len(call.IDs) != 1 || call.IDs[0] == "" {
			return "", fmt.Errorf("%s takes exactly one resource, got %d", call.Action, len(call.IDs))
		}
		return call.IDs[0], nil
	}
	var out any
	switch call.Action {
	case OpGetFunctionConfiguration:
		name, err := first()
		if err != nil {
			return nil, err
		}
		if out, err = v.Function(ctx, call.Region, name); err != nil {
			return nil, err
		}
	case OpDescribeInstances:
		instances, more, err := v.Instances(ctx, call.Region, call.IDs)
		if err != nil {
			return nil, err
		}
		out = struct {
			Instances []EC2Instance `json:"instances"`
			Truncated bool          `json:"truncated,omitempty"`
		}{instances, more}
	case OpDescribeSecurityGroups:
		groups, more, err := v.SecurityGroups(ctx, call.Region, call.IDs)
		if err != nil {
			return nil, err
		}
		out = struct {
			SecurityGroups []SecurityGroup `json:"security_groups"`
			Truncated      bool            `json:"truncated,omitempty"`
		}{groups, more}
	case OpDescribeTargetGroups:
		groups, more, err := v.describeTargetGroups(ctx, call)
		if err != nil {
			return nil, err
		}
		out = struct {
			TargetGroups []TargetGroup `json:"target_groups"`
			Truncated    bool          `json:"truncated,omitempty"`
		}{groups, more}
	case OpDescribeTargetHealth:
		arn, err := first()
		if err != nil {
			return nil, err
		}
		targets, err := v.TargetHealth(ctx, call.Region, arn)
		if err != nil {
			return nil, err
		}
		out = struct {
			TargetGroupARN string         `json:"target_group_arn"`
			Targets        []TargetHealth `json:"targets"`
		}{arn, targets}
	case OpDescribeLoadBalancers:
		lbs, more, err := v.LoadBalancers(ctx, call.Region, call.IDs)
		if err != nil {
			return nil, err
		}
		out = struct {
			LoadBalancers []LoadBalancer `json:"load_balancers"`
			Truncated     bool           `json:"truncated,omitempty"`
		}{lbs, more}
	case OpDescribeDBInstances:
		id, err := first()
		if err != nil {
			return nil, err
		}
		if out, err = v.DBInstance(ctx, call.Region, id); err != nil {
			return nil, err
		}
	case OpDescribeServices:
		if call.Parent == "" {
			return nil, fmt.Errorf("%s needs the cluster", call.Action)
		}
		services, missing, err := v.Services(ctx, call.Region, call.Parent, call.IDs)
		if err != nil {
			return nil, err
		}
		out = struct {
			Services []ECSService `json:"services"`
			Missing  []string     `json:"missing,omitempty"`
		}{services, missing}
	case OpDescribeTaskDefinition:
		ref, err := first()
		if err != nil {
			return nil, err
		}
		if out, err = v.TaskDefinition(ctx, call.Region, ref); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("describe: %q is not a direct describe", call.Action)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("%s: encode the answer: %w", call.Action, err)
	}
	return b, nil
}

// describeTargetGroups serves the registry's call: target groups by ARN or
// name, or those of the load balancer in Parent narrowed to the ones asked
// for (the API takes a load balancer or names, not both).
func (v *Inventory) describeTargetGroups(ctx context.Context, call agent.DescribeCall) ([]TargetGroup, bool, error) {
	if call.Parent != "" {
		groups, more, err := v.TargetGroups(ctx, call.Region, TargetGroupQuery{LoadBalancerARN: call.Parent})
		if err != nil || len(call.IDs) == 0 {
			return groups, more, err
		}
		var kept []TargetGroup
		for _, tg := range groups {
			if slices.Contains(call.IDs, tg.ARN) || slices.Contains(call.IDs, tg.Name) {
				kept = append(kept, tg)
			}
		}
		return kept, more, nil
	}
	var q, byName TargetGroupQuery
	for _, id := range call.IDs {
		if strings.HasPrefix(id, "arn:") {
			q.ARNs = append(q.ARNs, id)
		} else {
			byName.Names = append(byName.Names, id)
		}
	}
	var groups []TargetGroup
	var more bool
	for _, query := range []TargetGroupQuery{q, byName} {
		if len(query.ARNs)+len(query.Names) == 0 {
			continue
		}
		got, m, err := v.TargetGroups(ctx, call.Region, query)
		if err != nil {
			return groups, more, err
		}
		groups, more = append(groups, got...), more || m
	}
	return groups, more, nil
}
