package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/agent"
)

// ConfigItemReader reads the newest AWS Config item of a resource;
// *ConfigService implements it.
type ConfigItemReader interface {
	LatestItem(ctx context.Context, region, resourceType, resourceID string) (ConfigItem, error)
}

// RolePolicyLister lists what a role is granted; *IAM implements it.
type RolePolicyLister interface {
	ListAttachedRolePolicies(ctx context.Context, role string) ([]agent.AttachedPolicy, bool, error)
	ListRolePolicies(ctx context.Context, role string) ([]string, bool, error)
}

// ResourceNameFinder finds the resources AWS Config discovered under a name;
// *ConfigService implements it.
type ResourceNameFinder interface {
	FindByName(ctx context.Context, region, resourceType, name string) ([]string, error)
}

// InstanceProfileReader names the roles of an instance profile;
// *Inventory implements it.
type InstanceProfileReader interface {
	InstanceProfileRoles(ctx context.Context, profile string) ([]string, error)
}

// TopologySource names where a resource's dependencies were read.
type TopologySource string

const (
	TopologyFromConfig   TopologySource = "aws-config" // GetResourceConfigHistory, latest item
	TopologyFromDescribe TopologySource = "describe"   // the service's own read-only API
)

// TopologyAnswer is what Topology learned about one resource, and from where.
type TopologyAnswer struct {
	Dependencies []investigation.Dependency `json:"dependencies"`
	Source       TopologySource             `json:"source"`
	// Notes say what was not read and why: AWS Config having no record of
	// the resource (and the source used instead), a permission missing for a
	// second read, a listing cut by its bound.
	Notes []string `json:"notes,omitempty"`
}

// Topology implements investigation.Topology: AWS Config first (the latest
// configuration item, its relationships and its configuration), then, when
// Config has no record of the resource or cannot be read, the service's own
// describes for the common types. Dependencies carry the ids CloudTrail
// records them by: roles by name, managed policies by ARN, KMS keys by key
// id, functions by name, target groups and load balancers by ARN, task
// definitions by family:revision.
//
// Nil sources are skipped: without Config only the describes answer, without
// Inventory only Config does; Roles reads IAM roles' policies and Profiles
// the roles of EC2 instance profiles. A Config that is also a
// ResourceNameFinder resolves the resources alarms name by name (Resolve).
type Topology struct {
	Config    ConfigItemReader
	Inventory *Inventory
	Roles     RolePolicyLister
	Profiles  InstanceProfileReader
}

var (
	_ investigation.Topology = (*Topology)(nil)
	_ investigation.Resolver = (*Topology)(nil)
	_ ResourceNameFinder     = (*ConfigService)(nil)
	_ ConfigItemReader       = (*ConfigService)(nil)
	_ agent.ConfigHistory    = (*ConfigService)(nil) // the registry's AWS Config tool
	_ agent.Describer        = (*Inventory)(nil)     // the registry's describe tools
	_ RolePolicyLister       = (*IAM)(nil)
	_ InstanceProfileReader  = (*Inventory)(nil)
)

// Dependencies returns the direct dependencies of r. A type neither AWS
// Config nor a describe knows returns investigation.ErrUnknownResource.
func (t *Topology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	a, err := t.Read(ctx, r)
	return a.Dependencies, err
}

// ErrAmbiguousName is Resolve's answer when several resources of the type
// carry the name the alarm gives: picking one could walk the wrong resource.
var ErrAmbiguousName = errors.New("several resources carry that name")

// nameKeyedTypes are the types whose alarm dimension gives the resource's
// name while CloudTrail's requests name it by id, each with the ARN its id
// makes. A REST API's metrics carry ApiName, its calls restApiId. HTTP and
// WebSocket APIs are not here: their metrics carry ApiId, the id itself.
var nameKeyedTypes = map[string]func(region, id string) string{
	// Config keys a queue by its URL, CloudTrail's requests name it by URL
	// too (queueUrl); its metrics carry QueueName.
	investigation.TypeSQSQueue: func(_, id string) string {
		if ref, ok := hostRef(mustURL(id)); ok {
			return ref.ARN
		}
		return ""
	},
	investigation.TypeRestAPI: func(region, id string) string {
		if region == "" {
			return ""
		}
		return investigation.NewARN("apigateway", region, "", "/restapis/"+id)
	},
}

// Resolve returns r under the id CloudTrail records it by, for the types
// alarms name by name; other types come back as they are. AWS Config must
// list exactly one live resource of the type under that name in r's region.
// Otherwise r comes back unchanged with an error: ErrUnknownResource when
// Config lists none or cannot be asked, ErrAmbiguousName when it lists
// several, the listing's error when it failed. The engine then keeps the
// dimension's value, so a missing Config permission costs only the lookup.
func (t *Topology) Resolve(ctx context.Context, r investigation.Resource) (investigation.Resource, error) {
	arnOf, ok := nameKeyedTypes[r.Type]
	if !ok {
		return r, nil
	}
	finder, ok := t.Config.(ResourceNameFinder)
	if !ok {
		return r, fmt.Errorf("resolve %s named %q: no AWS Config listing to ask: %w", r.Type, r.ID, investigation.ErrUnknownResource)
	}
	ids, err := finder.FindByName(ctx, r.Region, r.Type, r.ID)
	switch {
	case err != nil:
		return r, fmt.Errorf("resolve %s named %q: %w", r.Type, r.ID, err)
	case len(ids) == 0:
		return r, fmt.Errorf("resolve %s named %q: AWS Config lists none in %s: %w", r.Type, r.ID, orUnset(r.Region), investigation.ErrUnknownResource)
	case len(ids) > 1:
		return r, fmt.Errorf("resolve %s named %q in %s: %w: %s", r.Type, r.ID, orUnset(r.Region), ErrAmbiguousName, strings.Join(ids, ", "))
	}
	r.ID = ids[0]
	r.ARN = arnOf(r.Region, r.ID)
	return r, nil
}

// describeFunc reads a resource's dependencies through its service's API.
type describeFunc func(ctx context.Context, r investigation.Resource, s *depSet) error

// Read returns the direct dependencies of r with the source that answered
// and notes on what could not be read.
func (t *Topology) Read(ctx context.Context, r investigation.Resource) (TopologyAnswer, error) {
	describe := t.describer(r.Type)
	if t.Config == nil && describe == nil {
		return TopologyAnswer{}, fmt.Errorf("dependencies of %s %s: %w", r.Type, r.ID, investigation.ErrUnknownResource)
	}
	var configNote string
	var configErr error
	if t.Config != nil {
		item, err := t.Config.LatestItem(ctx, r.Region, r.Type, configResourceID(r))
		switch {
		case err == nil && item.recorded():
			return t.fromConfig(ctx, r, item), nil
		case err == nil:
			configNote = fmt.Sprintf("AWS Config does not record the configuration of %s %s", r.Type, r.ID)
		case ctx.Err() != nil:
			return TopologyAnswer{}, fmt.Errorf("dependencies of %s %s: %w", r.Type, r.ID, err)
		default:
			configErr = err
			configNote = configFallbackNote(r, err)
		}
	}
	if describe == nil {
		if configErr != nil && investigation.ReasonOf(configErr) != investigation.ReasonNotFound {
			return TopologyAnswer{}, fmt.Errorf("dependencies of %s %s: no direct describe reads this type and %w", r.Type, r.ID, configErr)
		}
		return TopologyAnswer{}, fmt.Errorf("dependencies of %s %s: %w", r.Type, r.ID, investigation.ErrUnknownResource)
	}
	s := newDepSet(r)
	if err := describe(ctx, r, s); err != nil {
		if configNote != "" {
			return TopologyAnswer{}, fmt.Errorf("dependencies of %s %s (%s): %w", r.Type, r.ID, configNote, err)
		}
		return TopologyAnswer{}, fmt.Errorf("dependencies of %s %s: %w", r.Type, r.ID, err)
	}
	answer := TopologyAnswer{Dependencies: s.deps(), Source: TopologyFromDescribe, Notes: s.notes}
	if configNote != "" {
		answer.Notes = append([]string{configNote + "; read from the service's own API instead"}, answer.Notes...)
	}
	return answer, nil
}

// configFallbackNote says why AWS Config did not answer.
func configFallbackNote(r investigation.Resource, err error) string {
	var ae *APIError
	errors.As(err, &ae)
	switch {
	case ae != nil && (ae.Code == "NoAvailableConfigurationRecorderException" || ae.Code == "NoRunningConfigurationRecorderException"):
		return fmt.Sprintf("AWS Config is not recording in %s", orUnset(r.Region))
	case investigation.ReasonOf(err) == investigation.ReasonNotFound:
		return fmt.Sprintf("AWS Config has no record of %s %s", r.Type, r.ID)
	case ae != nil && ae.Permission != "":
		return fmt.Sprintf("AWS Config could not be read (missing permission %s)", ae.Permission)
	}
	return fmt.Sprintf("AWS Config could not be read (%s)", investigation.ReasonOf(err))
}

func orUnset(region string) string {
	if region == "" {
		return "the default region"
	}
	return region
}

// configResourceID is the id AWS Config keys r by, where it differs from
// the one CloudTrail uses.
func configResourceID(r investigation.Resource) string {
	switch r.Type {
	case investigation.TypeLoadBalancerV2, investigation.TypeTargetGroup:
		if !strings.HasPrefix(r.ID, "arn:") && r.ARN != "" {
			return r.ARN
		}
	case investigation.TypeECSService:
		if r.ARN != "" {
			return r.ARN
		}
	case investigation.TypeLambdaFunction:
		return functionName(r.ID)
	}
	return r.ID
}

// describer returns the describe that reads typ, or nil when no configured
// source does.
func (t *Topology) describer(typ string) describeFunc {
	if typ == investigation.TypeIAMRole {
		if t.Roles == nil {
			return nil
		}
		return t.describeRole
	}
	if t.Inventory == nil {
		return nil
	}
	switch typ {
	case investigation.TypeLambdaFunction:
		return t.describeFunction
	case investigation.TypeEC2Instance:
		return t.describeInstance
	case investigation.TypeTargetGroup:
		return t.describeTargetGroup
	case investigation.TypeLoadBalancerV2:
		return t.describeLoadBalancer
	case investigation.TypeRDSInstance:
		return t.describeDBInstance
	case investigation.TypeECSService:
		return t.describeService
	case typeTaskDefinition:
		return t.describeTaskDefinition
	}
	return nil
}

// fromConfig reads the dependencies out of a Config item: those its
// configuration names (the describe API's shape, read with the same
// summaries the describes use), then its relationships.
func (t *Topology) fromConfig(ctx context.Context, r investigation.Resource, item ConfigItem) TopologyAnswer {
	s := newDepSet(r)
	var err error
	summarized := true
	switch r.Type {
	case investigation.TypeLambdaFunction:
		var out lambda.GetFunctionConfigurationOutput
		if err = decodeConfigShape(item.Configuration, &out); err == nil {
			fn := summarizeFunction(&out)
			if fn.Name == "" {
				fn.Name = functionName(r.ID)
			}
			s.function(fn)
		}
	case investigation.TypeEC2Instance:
		var in ec2types.Instance
		if err = decodeConfigShape(item.Configuration, &in); err == nil {
			instance := summarizeInstance(in)
			s.instance(instance)
			t.profileRoles(ctx, s, instance.InstanceProfileARN)
		}
	case investigation.TypeTargetGroup:
		var tg elbtypes.TargetGroup
		if err = decodeConfigShape(item.Configuration, &tg); err == nil {
			s.targetGroup(summarizeTargetGroup(tg))
		}
	case investigation.TypeLoadBalancerV2:
		var lb elbtypes.LoadBalancer
		if err = decodeConfigShape(item.Configuration, &lb); err == nil {
			s.loadBalancer(summarizeLoadBalancer(lb), "security group")
		}
	case investigation.TypeRDSInstance:
		var db rdstypes.DBInstance
		if err = decodeConfigShape(item.Configuration, &db); err == nil {
			s.dbInstance(summarizeDBInstance(db))
		}
	case investigation.TypeECSService:
		// The task definition is a dependency of its own: the walk reads
		// its roles, secrets and log groups from its Config item next.
		var svc ecstypes.Service
		if err = decodeConfigShape(item.Configuration, &svc); err == nil {
			s.service(summarizeService(svc))
		}
	case typeTaskDefinition:
		var td ecstypes.TaskDefinition
		if err = decodeConfigShape(item.Configuration, &td); err == nil {
			s.taskDefinition(summarizeTaskDefinition(td))
		}
	case investigation.TypeIAMRole:
		var role iamtypes.RoleDetail
		if err = decodeConfigShape(item.Configuration, &role); err == nil {
			for _, p := range role.AttachedManagedPolicies {
				s.policy(aws.ToString(p.PolicyArn), "attached managed policy")
			}
			for _, p := range role.RolePolicyList {
				s.add(investigation.TypeIAMPolicy, aws.ToString(p.PolicyName), "", "inline policy")
			}
		}
	default:
		summarized = false
	}
	if err != nil {
		s.note("AWS Config's configuration of %s %s could not be read (%v): only its relationships were used", r.Type, r.ID, err)
	}
	for _, rel := range item.Relationships {
		s.relationship(rel)
	}
	// The types read field by field above name their dependencies; every
	// other type's configuration is read for any reference it holds.
	// Last, so that Config's relation names stand for what both name.
	if !summarized {
		s.configuration(r, item.ARN, configRefs(item.Configuration))
	}
	return TopologyAnswer{Dependencies: s.deps(), Source: TopologyFromConfig, Notes: s.notes}
}

// decodeConfigShape reads a Config configuration into v, an SDK type of the
// describe API's shape. encoding/json matches field names regardless of
// case, which absorbs Config's spellings ("kmskeyArn", "dBInstanceIdentifier")
// and the CloudFormation-style ones of newer types. Each top-level field is
// read on its own, so one Config writes differently (a timestamp as epoch
// milliseconds) loses that field only.
func decodeConfigShape(conf json.RawMessage, v any) error {
	if len(conf) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(conf, &fields); err != nil {
		return fmt.Errorf("configuration is not a JSON object: %w", err)
	}
	for name, raw := range fields {
		one, err := json.Marshal(map[string]json.RawMessage{name: raw})
		if err != nil {
			continue
		}
		_ = json.Unmarshal(one, v) // a field of another shape stays unset
	}
	return nil
}
