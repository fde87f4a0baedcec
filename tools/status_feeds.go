package tools

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/trailhound/trailhound/investigation"
)

// The read-only operations the status feeds call, besides the describes the
// topology already uses (DescribeServices, DescribeTargetHealth,
// GetFunctionConfiguration).
const (
	OpListTasks                 = "ecs:ListTasks"
	OpDescribeTasks             = "ecs:DescribeTasks"
	OpDescribeEvents            = "rds:DescribeEvents"
	OpDescribeScalingActivities = "autoscaling:DescribeScalingActivities"
)

// StatusFeedsOptions bound the feeds' reads.
type StatusFeedsOptions struct {
	// MaxItems bounds the items a feed reads (stopped tasks, events,
	// activities): one page of each, the newest.
	MaxItems int32
	Timeout  time.Duration
}

// StatusFeeds implements investigation.StatusFeeds on the services' own
// read APIs: ECS service events and stopped-task reasons, ELBv2 target
// health, RDS events, Auto Scaling activities, Lambda's update status.
type StatusFeeds struct {
	opts   StatusFeedsOptions
	ecs    *ecs.Client
	elb    *elbv2.Client
	rds    *rds.Client
	asg    *autoscaling.Client
	lambda *lambda.Client
}

var _ investigation.StatusFeeds = (*StatusFeeds)(nil)

// defaultFeedItems is one page of the smallest of the APIs' page sizes
// (DescribeTasks takes 100 tasks, DescribeEvents at least 20): enough for
// the recent history of one resource.
const defaultFeedItems = 50

// NewStatusFeeds builds the feeds on cfg.
func NewStatusFeeds(cfg aws.Config, opts StatusFeedsOptions) *StatusFeeds {
	if opts.MaxItems <= 0 {
		opts.MaxItems = defaultFeedItems
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 20 * time.Second
	}
	return &StatusFeeds{opts: opts, ecs: ecs.NewFromConfig(cfg), elb: elbv2.NewFromConfig(cfg),
		rds: rds.NewFromConfig(cfg), asg: autoscaling.NewFromConfig(cfg), lambda: lambda.NewFromConfig(cfg)}
}

// Status returns r's feed lines in [start, end), oldest first.
func (f *StatusFeeds) Status(ctx context.Context, r investigation.Resource, start, end time.Time) ([]investigation.LogLine, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	var lines []investigation.LogLine
	var err error
	switch r.Type {
	case investigation.TypeECSService:
		lines, err = f.ecsFeeds(ctx, r)
	case investigation.TypeTargetGroup:
		lines, err = f.targetHealth(ctx, r, end)
	case investigation.TypeRDSInstance, investigation.TypeRDSCluster:
		lines, err = f.rdsEvents(ctx, r, start, end)
	case investigation.TypeAutoScalingGroup:
		lines, err = f.scalingActivities(ctx, r)
	case investigation.TypeLambdaFunction:
		lines, err = f.lambdaStatus(ctx, r)
	default:
		return nil, investigation.ErrUnknownResource
	}
	if err != nil {
		return nil, err
	}
	return inWindow(lines, start, end), nil
}

// inWindow keeps the lines in [start, end), oldest first.
func inWindow(lines []investigation.LogLine, start, end time.Time) []investigation.LogLine {
	out := lines[:0]
	for _, l := range lines {
		if !l.Time.Before(start) && l.Time.Before(end) {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}
