package tools

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/trailhound/trailhound/investigation"
)

// ecsFeeds reads a service's events (DescribeServices keeps the newest 100)
// and the reasons its recently stopped tasks give (ListTasks desiredStatus
// STOPPED, which ECS keeps for about an hour, then DescribeTasks).
func (f *StatusFeeds) ecsFeeds(ctx context.Context, r investigation.Resource) ([]investigation.LogLine, error) {
	cluster, name := ecsServiceRef(r)
	out, err := f.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}}, ecsRegion(r.Region))
	if err != nil {
		return nil, Wrap(OpDescribeServices, fmt.Sprintf("read the events of service %s in cluster %s", name, cluster), err)
	}
	if len(out.Services) == 0 {
		return nil, investigation.ErrUnknownResource
	}
	var lines []investigation.LogLine
	events := investigation.FeedGroup(investigation.FeedECSServiceEvents, name)
	for _, e := range out.Services[0].Events {
		lines = append(lines, investigation.LogLine{Group: events, Time: aws.ToTime(e.CreatedAt).UTC(), Message: aws.ToString(e.Message)})
	}
	stopped, err := f.stoppedTasks(ctx, r.Region, cluster, name)
	if err != nil {
		return nil, err
	}
	return append(lines, stopped...), nil
}

func (f *StatusFeeds) stoppedTasks(ctx context.Context, region, cluster, service string) ([]investigation.LogLine, error) {
	list, err := f.ecs.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(cluster), ServiceName: aws.String(service),
		DesiredStatus: ecstypes.DesiredStatusStopped, MaxResults: aws.Int32(min(f.opts.MaxItems, 100))}, ecsRegion(region))
	if err != nil {
		return nil, Wrap(OpListTasks, fmt.Sprintf("list the stopped tasks of service %s", service), err)
	}
	if len(list.TaskArns) == 0 {
		return nil, nil
	}
	out, err := f.ecs.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: list.TaskArns}, ecsRegion(region))
	if err != nil {
		return nil, Wrap(OpDescribeTasks, fmt.Sprintf("read why the tasks of service %s stopped", service), err)
	}
	group := investigation.FeedGroup(investigation.FeedECSStoppedTasks, service)
	var lines []investigation.LogLine
	for _, t := range out.Tasks {
		if aws.ToString(t.StoppedReason) == "" {
			continue
		}
		lines = append(lines, investigation.LogLine{Group: group, Time: aws.ToTime(t.StoppedAt).UTC(),
			Message: fmt.Sprintf("task %s stopped (%s): %s", lastARNSegment(aws.ToString(t.TaskArn)), t.StopCode, aws.ToString(t.StoppedReason))})
	}
	return lines, nil
}

// lastARNSegment is the id at the end of an ARN ("…/task/cluster/abc" → "abc").
func lastARNSegment(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' || arn[i] == ':' {
			return arn[i+1:]
		}
	}
	return arn
}
