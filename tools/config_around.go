package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/trailhound/trailhound/investigation"
)

// ConfigAroundReader reads the AWS Config items on either side of a moment;
// *ConfigService implements it.
type ConfigAroundReader interface {
	ItemsAround(ctx context.Context, region, resourceType, resourceID string, at time.Time) (before, after *ConfigItem, err error)
}

var (
	_ ConfigAroundReader          = (*ConfigService)(nil)
	_ investigation.ConfigHistory = (*Topology)(nil)
)

// ItemsAround returns the last item captured strictly before at and the
// first captured at or after it: two GetResourceConfigHistory calls of one
// item each, bounded by at, so the cost does not grow with the history.
// Either is nil when Config holds none on that side. The two calls go out
// together: the later item is asked for even when there turns out to be no
// earlier one, which costs a request but not a round trip on the way to a
// triage's next steps.
func (c *ConfigService) ItemsAround(ctx context.Context, region, resourceType, resourceID string, at time.Time) (*ConfigItem, *ConfigItem, error) {
	sides := [2]*configservice.GetResourceConfigHistoryInput{{
		ResourceType: configtypes.ResourceType(resourceType), ResourceId: aws.String(resourceID),
		LaterTime: aws.Time(at.Add(-time.Second)), ChronologicalOrder: configtypes.ChronologicalOrderReverse, Limit: 1,
	}, {
		ResourceType: configtypes.ResourceType(resourceType), ResourceId: aws.String(resourceID),
		EarlierTime: aws.Time(at), ChronologicalOrder: configtypes.ChronologicalOrderForward, Limit: 1,
	}}
	var items [2]*ConfigItem
	var errs [2]error
	inParallel(len(sides), len(sides), func(i int) {
		items[i], errs[i] = c.oneItem(ctx, region, sides[i])
	})
	if errs[0] != nil || items[0] == nil {
		return nil, nil, errs[0]
	}
	if errs[1] != nil {
		return nil, nil, errs[1]
	}
	return items[0], items[1], nil
}

// oneItem reads the first item of a history query, nil when there is none.
func (c *ConfigService) oneItem(ctx context.Context, region string, in *configservice.GetResourceConfigHistoryInput) (*ConfigItem, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	out, err := c.client.GetResourceConfigHistory(ctx, in, configRegion(region))
	if err != nil {
		return nil, Wrap(OpGetResourceConfigHistory, fmt.Sprintf("read AWS Config history of %s %s", in.ResourceType, aws.ToString(in.ResourceId)), err)
	}
	if len(out.ConfigurationItems) == 0 {
		return nil, nil
	}
	it := configItemFrom(out.ConfigurationItems[0])
	return &it, nil
}

// ConfigurationAround implements investigation.ConfigHistory from AWS
// Config. A topology read by describes only has no history: ErrUnknownResource.
// An item that does not lie on the side asked for (a source that ignores
// the time bounds) is not used: comparing the current configuration with
// itself would name nothing, and with the wrong side something false.
func (t *Topology) ConfigurationAround(ctx context.Context, r investigation.Resource, at time.Time) (investigation.ConfigChange, error) {
	reader, ok := t.Config.(ConfigAroundReader)
	if !ok {
		return investigation.ConfigChange{}, investigation.ErrUnknownResource
	}
	before, after, err := reader.ItemsAround(ctx, r.Region, r.Type, configResourceID(r), at)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Reason == investigation.ReasonNotFound {
		return investigation.ConfigChange{}, investigation.ErrUnknownResource
	}
	if err != nil {
		return investigation.ConfigChange{}, err
	}
	if before == nil || !before.recorded() || !before.CaptureTime.Before(at) {
		return investigation.ConfigChange{}, investigation.ErrUnknownResource
	}
	c := investigation.ConfigChange{Before: before.Configuration, BeforeAt: before.CaptureTime}
	if after != nil && after.recorded() && !after.CaptureTime.Before(at) {
		c.After = after.Configuration
	}
	return c, nil
}
