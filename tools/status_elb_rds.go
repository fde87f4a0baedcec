package tools

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/trailhound/trailhound/investigation"
)

// targetHealth reads the targets that are not healthy and why. The answer
// is a snapshot, so its lines carry the moment it was read (just before end).
func (f *StatusFeeds) targetHealth(ctx context.Context, r investigation.Resource, end time.Time) ([]investigation.LogLine, error) {
	arn := r.ID
	if !strings.HasPrefix(arn, "arn:") {
		arn = r.ARN
	}
	if arn == "" {
		return nil, investigation.ErrUnknownResource
	}
	out, err := f.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)}, elbRegion(r.Region))
	if err != nil {
		return nil, Wrap(OpDescribeTargetHealth, "read the health of the targets of "+arn, err)
	}
	name := arn
	if _, rest, ok := strings.Cut(arn, ":targetgroup/"); ok {
		name, _, _ = strings.Cut(rest, "/")
	}
	var lines []investigation.LogLine
	for _, d := range out.TargetHealthDescriptions {
		h := d.TargetHealth
		if h == nil || h.State == elbtypes.TargetHealthStateEnumHealthy || h.Reason == "" {
			continue
		}
		lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedTargetHealth, name), Time: end.Add(-time.Millisecond),
			Message: fmt.Sprintf("target %s:%d %s: %s %s", aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), h.State, h.Reason, aws.ToString(h.Description))})
	}
	return lines, nil
}

// rdsEvents reads the instance's or cluster's events in the window (RDS
// keeps 14 days of them).
func (f *StatusFeeds) rdsEvents(ctx context.Context, r investigation.Resource, start, end time.Time) ([]investigation.LogLine, error) {
	source := rdstypes.SourceTypeDbInstance
	if r.Type == investigation.TypeRDSCluster {
		source = rdstypes.SourceTypeDbCluster
	}
	id := lastARNSegment(r.ID)
	out, err := f.rds.DescribeEvents(ctx, &rds.DescribeEventsInput{SourceIdentifier: aws.String(id), SourceType: source,
		StartTime: aws.Time(start), EndTime: aws.Time(end), MaxRecords: aws.Int32(max(f.opts.MaxItems, 20))}, rdsRegion(r.Region))
	if err != nil {
		return nil, Wrap(OpDescribeEvents, "read the events of "+id, err)
	}
	var lines []investigation.LogLine
	for _, e := range out.Events {
		lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedRDSEvents, id),
			Time: aws.ToTime(e.Date).UTC(), Message: aws.ToString(e.Message)})
	}
	return lines, nil
}
