package tools

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/trailhound/trailhound/investigation"
)

// scalingActivities reads the group's newest activities: launches and
// terminations, with why they failed.
func (f *StatusFeeds) scalingActivities(ctx context.Context, r investigation.Resource) ([]investigation.LogLine, error) {
	name := r.ID
	if _, rest, ok := strings.Cut(name, ":autoScalingGroupName/"); ok {
		name = rest
	}
	out, err := f.asg.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String(name),
		MaxRecords: aws.Int32(min(f.opts.MaxItems, 100))}, func(o *autoscaling.Options) {
		if r.Region != "" {
			o.Region = r.Region
		}
	})
	if err != nil {
		return nil, Wrap(OpDescribeScalingActivities, "read the scaling activities of "+name, err)
	}
	var lines []investigation.LogLine
	for _, a := range out.Activities {
		msg := aws.ToString(a.Description) + " (" + string(a.StatusCode) + ")"
		if m := aws.ToString(a.StatusMessage); m != "" {
			msg += ": " + m
		}
		lines = append(lines, investigation.LogLine{Group: investigation.FeedGroup(investigation.FeedScalingActivities, name),
			Time: aws.ToTime(a.StartTime).UTC(), Message: msg})
	}
	return lines, nil
}

// lambdaStatus reads a function's last update status and state: a failed
// update or an inactive or failed function says why in its reason.
func (f *StatusFeeds) lambdaStatus(ctx context.Context, r investigation.Resource) ([]investigation.LogLine, error) {
	name := functionName(r.ID)
	out, err := f.lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)}, lambdaRegion(r.Region))
	if err != nil {
		return nil, Wrap(OpGetFunctionConfiguration, "read the status of function "+name, err)
	}
	at := lambdaTime(aws.ToString(out.LastModified))
	group := investigation.FeedGroup(investigation.FeedLambdaStatus, name)
	var lines []investigation.LogLine
	if out.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed {
		lines = append(lines, investigation.LogLine{Group: group, Time: at, Message: "last update Failed: " + aws.ToString(out.LastUpdateStatusReason)})
	}
	if out.State == lambdatypes.StateFailed || out.State == lambdatypes.StateInactive {
		lines = append(lines, investigation.LogLine{Group: group, Time: at, Message: "function state " + string(out.State) + ": " + aws.ToString(out.StateReason)})
	}
	return lines, nil
}

// lambdaTime reads Lambda's "2026-11-19T23:40:12.903+0000".
func lambdaTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
