package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/trailhound/trailhound/investigation"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	configtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Call-counter keys of the AWS Config reads.
const (
	OpGetResourceConfigHistory = "config:GetResourceConfigHistory"
	OpListDiscoveredResources  = "config:ListDiscoveredResources"
)

// maxConfigItems bounds the items one history read returns: the API's page
// holds up to 100, and a triage needs the latest few.
const maxConfigItems = 20

// ConfigServiceOptions bound the AWS Config reads.
type ConfigServiceOptions struct {
	// Timeout bounds one method call, paging included. Default 30 s.
	Timeout time.Duration
	// MaxPages bounds the pages one listing reads. Default 5.
	MaxPages int
	// PageSize is the page size of the listings (1 to 100); zero leaves the
	// API's default of 100.
	PageSize int32
}

// ConfigService reads what AWS Config recorded about a resource: its
// configuration and relationships, item by item, newest first.
type ConfigService struct {
	opts   ConfigServiceOptions
	client *configservice.Client
}

// NewConfigService builds the reader from a configuration loaded by LoadAWSConfig.
func NewConfigService(cfg aws.Config, opts ConfigServiceOptions) *ConfigService {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = 5
	}
	return &ConfigService{opts: opts, client: configservice.NewFromConfig(cfg)}
}

// ConfigItem is one configuration item: a resource as AWS Config recorded it
// at CaptureTime.
type ConfigItem struct {
	ResourceType string    `json:"resource_type"`
	ResourceID   string    `json:"resource_id"`
	ResourceName string    `json:"resource_name,omitempty"`
	ARN          string    `json:"arn,omitempty"`
	Region       string    `json:"region,omitempty"`
	Account      string    `json:"account,omitempty"`
	CaptureTime  time.Time `json:"capture_time,omitzero"`
	// Status is Config's: "OK", "ResourceDiscovered", "ResourceNotRecorded",
	// "ResourceDeleted" or "ResourceDeletedNotRecorded".
	Status string `json:"status,omitempty"`
	// Configuration is the resource's describe output as Config records it
	// (lowerCamel field names), when it is JSON.
	Configuration json.RawMessage      `json:"configuration,omitempty"`
	Relationships []ConfigRelationship `json:"relationships,omitempty"`
}

// ConfigRelationship is a resource an item is related to and how.
type ConfigRelationship struct {
	Type     string `json:"type"`
	ID       string `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	Relation string `json:"relation,omitempty"` // e.g. "Is associated with Role"
}

// recorded reports whether the item holds the resource's configuration:
// Config also keeps items for resources it stopped recording.
func (c ConfigItem) recorded() bool {
	switch configtypes.ConfigurationItemStatus(c.Status) {
	case configtypes.ConfigurationItemStatusResourceNotRecorded, configtypes.ConfigurationItemStatusResourceDeletedNotRecorded:
		return false
	}
	return len(c.Configuration) > 0 || len(c.Relationships) > 0
}

// History returns up to limit items of a resource, newest first, from one
// page: an item per configuration change.
func (c *ConfigService) History(ctx context.Context, region, resourceType, resourceID string, limit int) ([]ConfigItem, error) {
	limit = min(max(limit, 1), maxConfigItems)
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	out, err := c.client.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
		ResourceType:       configtypes.ResourceType(resourceType),
		ResourceId:         aws.String(resourceID),
		ChronologicalOrder: configtypes.ChronologicalOrderReverse,
		Limit:              int32(limit),
	}, configRegion(region))
	if err != nil {
		return nil, Wrap(OpGetResourceConfigHistory, fmt.Sprintf("read AWS Config history of %s %s", resourceType, resourceID), err)
	}
	items := make([]ConfigItem, 0, len(out.ConfigurationItems))
	for _, it := range out.ConfigurationItems[:min(len(out.ConfigurationItems), limit)] {
		items = append(items, configItemFrom(it))
	}
	return items, nil
}

// LatestItem returns the newest item of a resource. A resource Config has no
// item for is a not-found error, as is an empty answer.
func (c *ConfigService) LatestItem(ctx context.Context, region, resourceType, resourceID string) (ConfigItem, error) {
	items, err := c.History(ctx, region, resourceType, resourceID, 1)
	if err != nil {
		return ConfigItem{}, err
	}
	if len(items) == 0 {
		return ConfigItem{}, &APIError{Op: OpGetResourceConfigHistory, Reason: investigation.ReasonNotFound,
			Err: fmt.Errorf("AWS Config holds no item for %s %s", resourceType, resourceID)}
	}
	return items[0], nil
}

// configRegion points a call at region; "" keeps the configuration's.
func configRegion(region string) func(*configservice.Options) {
	return func(o *configservice.Options) {
		if region != "" {
			o.Region = region
		}
	}
}

// errPageBound says a listing was cut by ConfigServiceOptions.MaxPages.
var errPageBound = errors.New("listing stopped at its page bound")

// FindByName returns the ids of the live resources of resourceType that
// AWS Config discovered under name in region ("" is the configuration's).
// Only exact matches count, whatever the API's own matching. A listing the
// page bound cuts returns what it read with an error: the ids are then not
// all there are.
func (c *ConfigService) FindByName(ctx context.Context, region, resourceType, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	in := &configservice.ListDiscoveredResourcesInput{
		ResourceType: configtypes.ResourceType(resourceType),
		ResourceName: aws.String(name),
		Limit:        c.opts.PageSize,
	}
	pages := configservice.NewListDiscoveredResourcesPaginator(c.client, in)
	var ids []string
	seen := map[string]bool{}
	for page := 0; pages.HasMorePages(); page++ {
		if page == c.opts.MaxPages {
			return ids, fmt.Errorf("list AWS Config resources %s named %q: %w after %d pages", resourceType, name, errPageBound, page)
		}
		out, err := pages.NextPage(ctx, configRegion(region))
		if err != nil {
			return ids, Wrap(OpListDiscoveredResources, fmt.Sprintf("list AWS Config resources %s named %q", resourceType, name), err)
		}
		for _, r := range out.ResourceIdentifiers {
			id := aws.ToString(r.ResourceId)
			if aws.ToString(r.ResourceName) != name || id == "" || seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// ResourceConfigHistory answers the registry's Config tool: the items in JSON.
func (c *ConfigService) ResourceConfigHistory(ctx context.Context, region, resourceType, resourceID string, limit int) (json.RawMessage, error) {
	items, err := c.History(ctx, region, resourceType, resourceID, limit)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(struct {
		Items []ConfigItem `json:"configuration_items"`
	}{items})
	if err != nil {
		return nil, fmt.Errorf("encode AWS Config items of %s %s: %w", resourceType, resourceID, err)
	}
	return b, nil
}

func configItemFrom(it configtypes.ConfigurationItem) ConfigItem {
	item := ConfigItem{
		ResourceType: string(it.ResourceType),
		ResourceID:   aws.ToString(it.ResourceId),
		ResourceName: aws.ToString(it.ResourceName),
		ARN:          aws.ToString(it.Arn),
		Region:       aws.ToString(it.AwsRegion),
		Account:      aws.ToString(it.AccountId),
		Status:       string(it.ConfigurationItemStatus),
	}
	if it.ConfigurationItemCaptureTime != nil {
		item.CaptureTime = it.ConfigurationItemCaptureTime.UTC()
	}
	// Config carries the configuration as a JSON document in a string; a
	// string that is not JSON is dropped rather than passed on as such.
	if conf := aws.ToString(it.Configuration); json.Valid([]byte(conf)) && conf != "null" {
		item.Configuration = json.RawMessage(conf)
	}
	for _, r := range it.Relationships {
		item.Relationships = append(item.Relationships, ConfigRelationship{
			Type: string(r.ResourceType), ID: aws.ToString(r.ResourceId), Name: aws.ToString(r.ResourceName),
			Relation: aws.ToString(r.RelationshipName),
		})
	}
	return item
}
