package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation/scenario"
)

// AWS Config over topology.json: GetResourceConfigHistory answers one
// configuration item per resource, the latest, with its relationships;
// ListDiscoveredResources lists the resources of a type, by id or by name.

type configHistoryInput struct {
	ResourceType       string        `json:"resourceType"`
	ResourceID         string        `json:"resourceId"`
	LaterTime          *epochSeconds `json:"laterTime"`
	EarlierTime        *epochSeconds `json:"earlierTime"`
	ChronologicalOrder string        `json:"chronologicalOrder"`
	Limit              int           `json:"limit"`
	NextToken          string        `json:"nextToken"`
}

type configHistoryOutput struct {
	ConfigurationItems []configItemOut `json:"configurationItems"`
	NextToken          string          `json:"nextToken,omitempty"`
}

type configItemOut struct {
	AccountID               string               `json:"accountId,omitempty"`
	ARN                     string               `json:"arn,omitempty"`
	AWSRegion               string               `json:"awsRegion"`
	AvailabilityZone        string               `json:"availabilityZone,omitempty"`
	CaptureTime             epochSeconds         `json:"configurationItemCaptureTime"`
	ConfigurationStateID    string               `json:"configurationStateId"`
	Version                 string               `json:"version"`
	Configuration           string               `json:"configuration,omitempty"`
	ConfigurationItemStatus string               `json:"configurationItemStatus"`
	Relationships           []configRelationship `json:"relationships"`
	ResourceID              string               `json:"resourceId"`
	ResourceName            string               `json:"resourceName,omitempty"`
	ResourceType            string               `json:"resourceType"`
}

type configRelationship struct {
	RelationshipName string `json:"relationshipName,omitempty"`
	ResourceID       string `json:"resourceId,omitempty"`
	ResourceName     string `json:"resourceName,omitempty"`
	ResourceType     string `json:"resourceType"`
}

// checkConfigResourceType refuses a resource type the way Config's
// validation does.
func checkConfigResourceType(t string) *apiError {
	switch {
	case t == "":
		return clientError("ValidationException", "1 validation error detected: Value null at 'resourceType' failed to satisfy constraint: Member must not be null")
	case !configResourceTypes[t]:
		return clientError("ValidationException", "1 validation error detected: Value '%s' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set", t)
	}
	return nil
}

func (inv *inventory) getResourceConfigHistory(r *http.Request, body []byte) (any, *apiError) {
	var in configHistoryInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if err := checkConfigResourceType(in.ResourceType); err != nil {
		return nil, err
	}
	switch {
	case in.ResourceID == "":
		return nil, clientError("ValidationException", "1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must not be null")
	case in.ChronologicalOrder != "" && in.ChronologicalOrder != "Reverse" && in.ChronologicalOrder != "Forward":
		return nil, clientError("ValidationException", "1 validation error detected: Value '%s' at 'chronologicalOrder' failed to satisfy constraint: Member must satisfy enum value set: [Reverse, Forward]", in.ChronologicalOrder)
	case in.Limit < 0 || in.Limit > 100:
		return nil, clientError("InvalidLimitException", "Limit %d is not in [0, 100].", in.Limit)
	case in.LaterTime != nil && in.EarlierTime != nil && float64(*in.EarlierTime) > float64(*in.LaterTime):
		return nil, clientError("InvalidTimeRangeException", "The earlierTime is later than the laterTime.")
	}
	region := inv.a.requestRegion(r)
	for _, it := range inv.ofType(in.ResourceType, region) {
		// Config keys some types by ARN (ELBv2, ECS): the item's ARN stands
		// for its id there, so a scenario can keep CloudTrail's id.
		if it.ID != in.ResourceID && (it.ARN == "" || it.ARN != in.ResourceID) {
			continue
		}
		items, err := inv.configHistory(it, region)
		if err != nil {
			return nil, badTopology(err)
		}
		return pageConfigHistory(in, items)
	}
	return nil, clientError("ResourceNotDiscoveredException", "Resource %s of resourceType:%s is unknown or has not been discovered", in.ResourceID, in.ResourceType)
}

// configDefaultLimit is GetResourceConfigHistory's page size without a limit.
const configDefaultLimit = 10

// pageConfigHistory keeps the items (newest first) in the request's window,
// order and page.
func pageConfigHistory(in configHistoryInput, items []configItemOut) (any, *apiError) {
	var kept []configItemOut
	for _, item := range items {
		t := float64(item.CaptureTime)
		if (in.LaterTime != nil && t > float64(*in.LaterTime)) || (in.EarlierTime != nil && t < float64(*in.EarlierTime)) {
			continue
		}
		kept = append(kept, item)
	}
	if in.ChronologicalOrder == "Forward" {
		slices.Reverse(kept)
	}
	size := in.Limit
	if size == 0 {
		size = configDefaultLimit
	}
	fingerprint := fmt.Sprintf("GetResourceConfigHistory|%s|%s|%v|%v|%s", in.ResourceType, in.ResourceID, in.EarlierTime, in.LaterTime, in.ChronologicalOrder)
	start, end, next, ok := pageWindow(in.NextToken, size, len(kept), fingerprint)
	if !ok {
		return nil, clientError("InvalidNextTokenException", "The specified next token is invalid. Specify the nextToken string that was returned in the previous response to get the next page of results.")
	}
	return configHistoryOutput{ConfigurationItems: append([]configItemOut{}, kept[start:end]...), NextToken: next}, nil
}

type listDiscoveredInput struct {
	ResourceType            string   `json:"resourceType"`
	ResourceIDs             []string `json:"resourceIds"`
	ResourceName            *string  `json:"resourceName"`
	Limit                   int      `json:"limit"`
	IncludeDeletedResources bool     `json:"includeDeletedResources"`
	NextToken               string   `json:"nextToken"`
}

type listDiscoveredOutput struct {
	ResourceIdentifiers []resourceIdentifier `json:"resourceIdentifiers"`
	NextToken           string               `json:"nextToken,omitempty"`
}

type resourceIdentifier struct {
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
	ResourceName string `json:"resourceName,omitempty"`
}

// maxResourceIDLength is the longest resource id Config accepts in a filter.
const maxResourceIDLength = 768

// listDiscoveredResources answers from the items of the type the signed
// region sees, in topology.json's order. topology.json records no deleted
// resources, so includeDeletedResources changes nothing.
func (inv *inventory) listDiscoveredResources(r *http.Request, body []byte) (any, *apiError) {
	var in listDiscoveredInput
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	if err := checkConfigResourceType(in.ResourceType); err != nil {
		return nil, err
	}
	switch {
	case in.Limit < 0 || in.Limit > 100:
		return nil, clientError("InvalidLimitException", "Limit %d is not in [0, 100].", in.Limit)
	case len(in.ResourceIDs) > 0 && in.ResourceName != nil:
		return nil, clientError("ValidationException", "You cannot specify both resourceIds and resourceName in the same request.")
	}
	for _, id := range in.ResourceIDs {
		if id == "" || len(id) > maxResourceIDLength {
			return nil, clientError("ValidationException", "1 validation error detected: Value '[%s]' at 'resourceIds' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to %d, Member must have length greater than or equal to 1]",
				strings.Join(in.ResourceIDs, ", "), maxResourceIDLength)
		}
	}
	region := inv.a.requestRegion(r)
	var kept []resourceIdentifier
	for _, it := range inv.ofType(in.ResourceType, region) {
		if len(in.ResourceIDs) > 0 && !matchesAnyID(it, in.ResourceIDs) {
			continue
		}
		if in.ResourceName != nil && it.Name != *in.ResourceName {
			continue
		}
		kept = append(kept, resourceIdentifier{ResourceType: it.Type, ResourceID: it.ID, ResourceName: it.Name})
	}
	size := in.Limit
	if size == 0 {
		size = 100
	}
	name := "<none>"
	if in.ResourceName != nil {
		name = *in.ResourceName
	}
	fingerprint := fmt.Sprintf("ListDiscoveredResources|%s|%s|%s|%s", region, in.ResourceType, strings.Join(in.ResourceIDs, ","), name)
	start, end, next, ok := pageWindow(in.NextToken, size, len(kept), fingerprint)
	if !ok {
		return nil, clientError("InvalidNextTokenException", "The specified next token is invalid. Specify the nextToken string that was returned in the previous response to get the next page of results.")
	}
	return listDiscoveredOutput{ResourceIdentifiers: append([]resourceIdentifier{}, kept[start:end]...), NextToken: next}, nil
}

// matchesAnyID reports whether one of ids names it, by id or, for the types
// Config keys by ARN, by ARN.
func matchesAnyID(it *scenario.ConfigItem, ids []string) bool {
	for _, id := range ids {
		if it.ID == id || (it.ARN != "" && it.ARN == id) {
			return true
		}
	}
	return false
}

func (inv *inventory) configItem(it *scenario.ConfigItem, region string) (configItemOut, error) {
	out := configItemOut{
		AccountID:               inv.account,
		ARN:                     inv.configARN(it, region),
		AWSRegion:               configRegion(it.Type, region),
		ConfigurationItemStatus: "OK",
		Relationships:           []configRelationship{},
		ResourceID:              it.ID,
		ResourceName:            configResourceName(it),
		ResourceType:            it.Type,
		Version:                 "1.3",
	}
	conf, err := configurationText(it)
	if err != nil {
		return configItemOut{}, err
	}
	out.Configuration = conf
	out.AvailabilityZone = configAvailabilityZone(conf)
	for _, rel := range it.Relationships {
		out.Relationships = append(out.Relationships, configRelationship{
			RelationshipName: rel.Name,
			ResourceID:       rel.ID,
			ResourceName:     inv.nameOf(rel.Type, rel.ID),
			ResourceType:     rel.Type,
		})
	}
	return out, nil
}

// configurationText is the configuration as Config's API carries it: JSON in a string.
func configurationText(it *scenario.ConfigItem) (string, error) {
	raw := bytes.TrimSpace(it.Configuration)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// nameOf is the name topology.json gives the resource typ/id, as Config
// reports it beside a relationship's id.
func (inv *inventory) nameOf(typ, id string) string {
	for i := range inv.items {
		if it := &inv.items[i]; it.Type == typ && it.ID == id {
			return it.Name
		}
	}
	return ""
}
