package tools

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/trailhound/trailhound/investigation/agent"
)

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

// elbRegion points one call at region; "" keeps the client's own.
func elbRegion(region string) func(*elbv2.Options) {
	return func(o *elbv2.Options) {
		if region != "" {
			o.Region = region
		}
	}
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
