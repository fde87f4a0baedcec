package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/sandbox/awsapi"
	"github.com/trailhound/trailhound/tools"
)

// NewTopology answers investigation.Topology from topology.json through
// the same reading of AWS Config items the live adapter does (tools.Topology
// with AWS Config and no describes), so that --offline and the sandbox walk
// the same graph.
func NewTopology(sc *scenario.Scenario) *Topology {
	items := &configItems{items: sc.Topology.Resources, region: sc.Meta.Region, account: sc.Meta.Account}
	return &Topology{items: items, reader: &tools.Topology{Config: items, Roles: roles(sc.IAM.Roles)}}
}

// roles answers IAM's role listings from iam.json, as the sandbox's IAM
// does for roles AWS Config has no item of.
type roles []scenario.IAMRole

func (r roles) find(name string) (scenario.IAMRole, error) {
	for _, role := range r {
		if role.Name == name || role.ARN == name {
			return role, nil
		}
	}
	return scenario.IAMRole{}, &tools.APIError{Op: "iam:GetRole", Reason: investigation.ReasonNotFound,
		Err: fmt.Errorf("role %s not found", name)}
}

// ListAttachedRolePolicies implements tools.RolePolicyLister.
func (r roles) ListAttachedRolePolicies(_ context.Context, name string) ([]agent.AttachedPolicy, bool, error) {
	role, err := r.find(name)
	if err != nil {
		return nil, false, err
	}
	out := make([]agent.AttachedPolicy, 0, len(role.Attached))
	for _, arn := range role.Attached {
		out = append(out, agent.AttachedPolicy{Name: arn[strings.LastIndex(arn, "/")+1:], ARN: arn})
	}
	return out, false, nil
}

// ListRolePolicies implements tools.RolePolicyLister.
func (r roles) ListRolePolicies(_ context.Context, name string) ([]string, bool, error) {
	role, err := r.find(name)
	if err != nil {
		return nil, false, err
	}
	names := make([]string, 0, len(role.Inline))
	for n := range role.Inline {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, false, nil
}

// Topology is topology.json as an investigation.Topology and Resolver.
type Topology struct {
	items  *configItems
	reader *tools.Topology
}

// Dependencies returns what AWS Config's latest item of r relates it to.
func (t *Topology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	return t.reader.Dependencies(ctx, r)
}

// Resolve returns r under the id topology.json records it with, found by
// id, ARN or name.
func (t *Topology) Resolve(_ context.Context, r investigation.Resource) (investigation.Resource, error) {
	for i := range t.items.items {
		it := &t.items.items[i]
		if it.Type != r.Type {
			continue
		}
		if it.ID == r.ID || (it.ARN != "" && (it.ARN == r.ID || it.ARN == r.ARN)) || (it.Name != "" && it.Name == r.ID) {
			r.ID = it.ID
			if it.ARN != "" {
				r.ARN = it.ARN
			}
			return r, nil
		}
	}
	return r, investigation.ErrUnknownResource
}

// ownerOf is the account of r's item, by the item's ARN (the scenario's
// account without one); ok is false when topology.json has no item of r.
func (t *Topology) ownerOf(r investigation.Resource) (string, bool) {
	for i := range t.items.items {
		it := &t.items.items[i]
		if it.Type == r.Type && (it.ID == r.ID || (it.ARN != "" && (it.ARN == r.ID || it.ARN == r.ARN))) {
			return itemAccount(it.ARN, t.items.account), true
		}
	}
	return "", false
}

// configItems answers GetResourceConfigHistory's latest item from
// topology.json the way the sandbox's AWS Config does: an item of the type
// in the asked region (global types in any), keyed by id or ARN.
type configItems struct {
	items           []scenario.ConfigItem
	region, account string
}

// LatestItem implements tools.ConfigItemReader.
func (c *configItems) LatestItem(_ context.Context, region, typ, id string) (tools.ConfigItem, error) {
	if !awsapi.ConfigRecords(typ) {
		return tools.ConfigItem{}, &tools.APIError{Op: tools.OpGetResourceConfigHistory, Reason: investigation.ReasonInvalid,
			Err: fmt.Errorf("AWS Config does not record resources of type %s", typ)}
	}
	global := investigation.RegionFor(typ, "") == investigation.GlobalServiceRegion
	for i := range c.items {
		it := &c.items[i]
		itRegion := it.Region
		if itRegion == "" {
			itRegion = c.region
		}
		if it.Type != typ || (!global && region != "" && itRegion != region) {
			continue
		}
		if it.ID != id && (it.ARN == "" || it.ARN != id) {
			continue
		}
		return c.item(it, itRegion)
	}
	return tools.ConfigItem{}, &tools.APIError{Op: tools.OpGetResourceConfigHistory, Reason: investigation.ReasonNotFound,
		Err: fmt.Errorf("resource %s of type %s is unknown or has not been discovered", id, typ)}
}

func (c *configItems) item(it *scenario.ConfigItem, region string) (tools.ConfigItem, error) {
	out := tools.ConfigItem{ResourceType: it.Type, ResourceID: it.ID, ResourceName: it.Name, ARN: it.ARN,
		Region: region, Account: itemAccount(it.ARN, c.account), Status: "OK"}
	conf, err := configuration(it.Configuration)
	if err != nil {
		return tools.ConfigItem{}, fmt.Errorf("topology.json: configuration of %s %s: %w", it.Type, it.ID, err)
	}
	out.Configuration = conf
	for _, rel := range it.Relationships {
		out.Relationships = append(out.Relationships, tools.ConfigRelationship{
			Type: rel.Type, ID: rel.ID, Name: c.nameOf(rel.Type, rel.ID), Relation: rel.Name})
	}
	return out, nil
}

// itemAccount is the account an item's ARN names, as the sandbox's Config
// of that account records it, else def.
func itemAccount(arn, def string) string {
	if a, ok := investigation.ParseARN(arn); ok && a.Account != "" && a.Account != "aws" {
		return a.Account
	}
	return def
}

// configuration is the configuration as JSON; topology.json may hold it
// as Config's API carries it, JSON in a string.
func configuration(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if !json.Valid([]byte(s)) {
		return nil, nil
	}
	return json.RawMessage(s), nil
}

// nameOf is the name topology.json gives typ/id, as Config reports it
// beside a relationship's id.
func (c *configItems) nameOf(typ, id string) string {
	for i := range c.items {
		if it := &c.items[i]; it.Type == typ && it.ID == id {
			return it.Name
		}
	}
	return ""
}
