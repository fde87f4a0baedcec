package engine

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// Bounds of the dependency walk. The walk has no depth limit: it follows
// relations best-first until one of these is spent, and notes what it left.
const (
	// DefaultMaxTopologyReads bounds the Topology.Dependencies calls of one
	// triage: each is an AWS Config or describe round trip (50 ms or more),
	// and 30 reach four hops out from a typical workload (function → subnet
	// → route table → NAT gateway) while keeping the scope phase under ~2 s.
	DefaultMaxTopologyReads = 30
	// DefaultMaxDependencyLookups bounds the LookupEvents queries spent on
	// dependencies (layer 2). CloudTrail allows 2 queries a second per
	// account and region: 20 is at most 10 s in one region, inside the
	// 15 s p95 target, and the walk spends them strongest relation first.
	DefaultMaxDependencyLookups = 20
	// minPathStrength prunes chains of relations too weak to break the
	// resource: the product of the strengths along the path. 0.15 keeps
	// four strong hops (0.8⁴ ≈ 0.41) and cuts containers of containers.
	minPathStrength = 0.15
)

// defaultStrength is the strength of a relation to a type the table does
// not know: a dependency, but not one whose usual changes break callers.
const defaultStrength = 0.5

// relationStrength says how strongly a change to a dependency of this type
// can break the resource that relies on it, from how AWS fails: identity,
// keys and firewalls refuse every call at once; routing and name resolution
// cut reachability; configuration stores and integrations change behaviour;
// containers (VPC, cluster, subnet group) matter only through their own,
// rarer, container-level changes.
var relationStrength = map[string]float64{
	investigation.TypeIAMRole:               0.95, // every call is signed with it
	"AWS::IAM::InstanceProfile":             0.9,  // carries the instance's role
	investigation.TypeIAMPolicy:             0.9,  // grants of the role
	investigation.TypeKMSKey:                0.9,  // disabled/deleted key: every decrypt fails
	investigation.TypeSecurityGroup:         0.9,  // a revoked rule drops connections
	"AWS::ECS::TaskDefinition":              0.9,  // image, memory, roles of every task
	"AWS::SecretsManager::Secret":           0.85, // credentials read at start
	"AWS::SSM::Parameter":                   0.8,  // configuration read at start
	investigation.TypeTargetGroup:           0.85, // where the traffic goes
	"AWS::ElasticLoadBalancingV2::Listener": 0.85,
	investigation.TypeLambdaFunction:        0.85, // an integration or target
	"AWS::Lambda::Alias":                    0.85, // which version serves
	"AWS::Lambda::Version":                  0.8,
	"AWS::Lambda::EventSourceMapping":       0.8, // disabled mapping: nothing consumed
	"AWS::ApiGateway::Stage":                0.8, // throttles, deployment
	"AWS::ApiGatewayV2::Stage":              0.8,
	"AWS::ApiGatewayV2::Integration":        0.85,
	"AWS::ApiGateway::Authorizer":           0.8,
	"AWS::ApiGatewayV2::Authorizer":         0.8,
	"AWS::EC2::RouteTable":                  0.8, // a deleted route blackholes traffic
	"AWS::EC2::NetworkAcl":                  0.8, // stateless deny
	"AWS::EC2::VPCEndpoint":                 0.8, // endpoint policy, private DNS
	"AWS::EC2::LaunchTemplate":              0.8, // next launch's AMI and network
	"AWS::EC2::TransitGatewayRouteTable":    0.75,
	investigation.TypeNatGateway:            0.75,
	investigation.TypeHostedZone:            0.75, // records the workload resolves
	investigation.TypeLoadBalancerV2:        0.75,
	investigation.TypeRDSInstance:           0.75,
	investigation.TypeRDSCluster:            0.75,
	"AWS::RDS::DBParameterGroup":            0.7,
	"AWS::RDS::DBClusterParameterGroup":     0.7,
	"AWS::ElastiCache::ParameterGroup":      0.7,
	investigation.TypeReplicationGroup:      0.7,
	investigation.TypeCacheCluster:          0.7,
	investigation.TypeDynamoDBTable:         0.7,
	investigation.TypeSQSQueue:              0.7, // DLQ / source / target queue
	investigation.TypeS3Bucket:              0.7,
	investigation.TypeSNSTopic:              0.65,
	investigation.TypeDistribution:          0.6,
	"AWS::EC2::TransitGatewayAttachment":    0.6,
	"AWS::EC2::TransitGateway":              0.6,
	"AWS::EC2::DHCPOptions":                 0.6, // resolvers, picked up at lease renewal
	"AWS::EC2::Subnet":                      0.6, // leads to its route table and ACL
	investigation.TypeEC2Instance:           0.6,
	investigation.TypeAutoScalingGroup:      0.6,
	"AWS::ECR::Repository":                  0.6,
	"AWS::ACM::Certificate":                 0.6,
	"AWS::Lambda::LayerVersion":             0.6,
	investigation.TypeStateMachine:          0.6,
	investigation.TypeEventRule:             0.6,
	investigation.TypeVolume:                0.5,
	"AWS::EC2::VPC":                         0.5, // container: VPC-level changes only
	investigation.TypeECSCluster:            0.5, // container: capacity providers, settings
	"AWS::RDS::DBSubnetGroup":               0.5,
	"AWS::CloudFormation::Stack":            0.3, // membership: the stack's updates, not a dependency
	investigation.TypeLogGroup:              0.1, // read for errors; its changes break nothing
}

// upwardRelations are Config relation verbs that point from a resource to
// its container, its users or its members. From the alarm's own resources
// they are followed (a target group's instances, an API's stages are what
// the alarm watches); further out they lead to siblings, never to what the
// resource relies on.
var upwardRelations = []string{"Contains ", "Is consumed by ", "Is origin of ", "Is triggered by "}

// carriedMembers are "Contains" relations that, unlike a container's
// others, point at what the container relies on to do its work for whoever
// reached it: a transit gateway forwards every packet by the route table
// of the attachment it came in on, so a route changed there (a blackhole, a
// wrong attachment) cuts the traffic of every VPC that sends through it,
// however far from the alarm the gateway is.
var carriedMembers = map[[2]string]bool{
	{"AWS::EC2::TransitGateway", "AWS::EC2::TransitGatewayRouteTable"}: true,
}

// reversedPairs are relations that do not carry a failure from the
// dependency to the resource: a route table's or network ACL's other
// subnets are siblings of the one the workload uses; a security group a
// rule references as its source matters by its members, not by its own
// rules, so a change to those rules cannot cut the referencing group's
// traffic. Such relations are not followed.
var reversedPairs = map[[2]string]bool{
	{investigation.TypeSecurityGroup, investigation.TypeSecurityGroup}: true,
	{"AWS::EC2::RouteTable", "AWS::EC2::Subnet"}:                       true,
	{"AWS::EC2::NetworkAcl", "AWS::EC2::Subnet"}:                       true,
	{investigation.TypeHostedZone, "AWS::EC2::VPC"}:                    true,
	{investigation.TypeIAMPolicy, investigation.TypeIAMRole}:           true,
}

// strengthOf is the strength of the relation from parent to d; 0 means the
// relation is not followed from there.
func strengthOf(parent *scoped, d investigation.Dependency) float64 {
	if reversedPairs[[2]string{parent.Type, d.Type}] {
		return 0
	}
	if parent.Depth > 0 && !carriedMembers[[2]string{parent.Type, d.Type}] {
		for _, verb := range upwardRelations {
			if strings.HasPrefix(d.Relation, verb) {
				return 0
			}
		}
	}
	if s, ok := relationStrength[d.Type]; ok {
		return s
	}
	return defaultStrength
}

// workloadTypes run code of their own and write their own logs.
var workloadTypes = map[string]bool{
	investigation.TypeLambdaFunction: true, investigation.TypeECSService: true,
	investigation.TypeEC2Instance: true, investigation.TypeStateMachine: true,
}

// walkItem is a resource waiting for its dependencies to be read.
type walkItem struct {
	s     *scoped
	order int // discovery order: ties read first-found first
}

// walkQueue orders the frontier strongest path first, then shallowest,
// then first found: breadth-first among equals.
type walkQueue []walkItem

func (q walkQueue) Len() int { return len(q) }
func (q walkQueue) Less(i, j int) bool {
	a, b := q[i].s, q[j].s
	if a.Strength != b.Strength {
		return a.Strength > b.Strength
	}
	if a.Depth != b.Depth {
		return a.Depth < b.Depth
	}
	return q[i].order < q[j].order
}
func (q walkQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *walkQueue) Push(x any)   { *q = append(*q, x.(walkItem)) }
func (q *walkQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// expandTopology adds the dependencies of the scoped resources to any
// depth, strongest relation first, within the reads and resources budgets.
// Layer-2 targets end up strongest relation first, so the walk's lookup
// budget goes to the strongest relations; each is offered to layer2 as
// soon as its place in that order and its account are settled, so its
// lookup runs while further dependencies are read.
func (t *triage) expandTopology(ctx context.Context, layer2 *walkRun) {
	topo := t.engine.Topology
	if topo == nil {
		if len(t.targets) > 0 {
			t.note("no topology source: only the alarm's own resources were walked (layer 1)")
		}
		return
	}
	index := map[string]bool{}
	q := &walkQueue{}
	queued := map[*scoped]bool{}
	for _, s := range t.targets {
		s.Strength = 1
		index[s.Key()] = true
		heap.Push(q, walkItem{s: s, order: q.Len()})
	}
	reads, order := 0, q.Len()
	ahead := newReadsAhead(ctx, t, topo)
	var pruned, unread []string
	defer t.sortTargets()
	for q.Len() > 0 {
		t.offer(layer2, settled(t.targets, *q, queued))
		parent := heap.Pop(q).(walkItem).s
		delete(queued, parent)
		if ctx.Err() != nil {
			t.note("topology walk stopped: %v", ctx.Err())
			return
		}
		if reads >= t.lim.MaxTopologyReads {
			unread = append(unread, parent.Type+" "+parent.ID)
			continue
		}
		reads++
		ahead.fill(*q, t.lim.MaxTopologyReads-reads)
		read := ahead.take(parent)
		if read.owned {
			parent.Account, parent.inherited = read.owner, false
		}
		deps, err := read.deps, read.err
		if t.refusedRead(err, parent.Resource) {
			continue
		}
		if errors.Is(err, investigation.ErrUnknownResource) {
			if parent.Depth == 0 {
				t.unknown = append(t.unknown, parent.Type)
			}
			continue
		}
		if err != nil {
			t.note("dependencies of %s %s not read: %v", parent.Type, parent.ID, err)
			continue
		}
		for _, d := range deps {
			if d.ID == "" || index[d.Key()] {
				continue
			}
			strength := parent.Strength * strengthOf(parent, d)
			// The watched workload's log group is kept whatever its
			// strength: it is where the engine reads the errors, never
			// walked further. Another workload's (a consumer function
			// met further out) speaks of that workload, not this one.
			evidence := unwalkedTypes[d.Type] && (parent.Layer == 1 || !workloadTypes[parent.Type])
			if strength < minPathStrength && !evidence {
				if strength > 0 {
					pruned = append(pruned, d.Type+" "+d.ID)
				}
				continue
			}
			if len(t.targets) >= t.lim.MaxResources {
				t.note("scope capped at %d resources: further dependencies of %s not walked", t.lim.MaxResources, parent.ID)
				t.truncate = true
				break
			}
			index[d.Key()] = true
			s := t.dependency(parent, d, strength)
			t.targets = append(t.targets, s)
			if !evidence {
				heap.Push(q, walkItem{s: s, order: order})
				queued[s] = true
				order++
			}
		}
	}
	t.topologyNotes(pruned, unread)
}

// sortTargets puts the targets in the order the walk reads them, layer by
// layer, strongest relation first: its lookup budget may end before the
// last.
func (t *triage) sortTargets() {
	sort.SliceStable(t.targets, byLayerThenStrength(t.targets))
}

func byLayerThenStrength(targets []*scoped) func(i, j int) bool {
	return func(i, j int) bool {
		a, b := targets[i], targets[j]
		if a.Layer != b.Layer {
			return a.Layer < b.Layer
		}
		return a.Strength > b.Strength
	}
}

// settled is the longest head of the layer-2 targets, in the order the walk
// will read them, that the rest of the dependency walk can no longer change:
// a target still queued may yet have its account found (findOwner), and a
// dependency found later is weaker than the queued resource it comes from
// (every relation is weaker than 1), so it sorts after any target at
// least as strong as the strongest one queued.
func settled(targets []*scoped, q walkQueue, queued map[*scoped]bool) []*scoped {
	layer2 := layer2Of(targets)
	sort.SliceStable(layer2, byLayerThenStrength(layer2))
	strongest := 0.0
	if len(q) > 0 {
		strongest = q[0].s.Strength
	}
	n := 0
	for n < len(layer2) && !queued[layer2[n]] && layer2[n].Strength >= strongest {
		n++
	}
	return layer2[:n]
}

// resolveTargets puts the alarm's resources under the ids CloudTrail knows
// them by, when the topology can tell: before their lookups and their
// dependencies are read.
func (t *triage) resolveTargets(ctx context.Context, topo investigation.Topology) {
	res, ok := topo.(investigation.Resolver)
	if !ok {
		return
	}
	for _, s := range t.targets {
		r, err := res.Resolve(ctx, s.Resource)
		if err == nil && r.ID != s.ID {
			t.note("%s %s is known to the trail as %s", s.Type, s.ID, r.ID)
			s.Resource = r
		}
	}
}

// dependency scopes d under parent: in the account and region its ARN
// names (global services in us-east-1), else its parent's.
func (t *triage) dependency(parent *scoped, d investigation.Dependency, strength float64) *scoped {
	r := d.Resource
	arn, hasARN := investigation.ParseARN(r.ARN)
	if !hasARN {
		arn, hasARN = investigation.ParseARN(r.ID)
	}
	if r.Region == "" && hasARN {
		r.Region = arn.Region
	}
	if r.Region == "" {
		r.Region = parent.Region
	}
	if r.Region == "" {
		r.Region = t.alarm.Region
	}
	r.Region = investigation.RegionFor(r.Type, r.Region)
	// AWS managed policies carry "aws" for an account: only AWS changes
	// them, and no account's trail records it. Read from the parent's
	// account, they are not its to own: no account of the organization
	// does, so none is searched for them.
	awsOwned := hasARN && arn.Account == "aws"
	if r.Account == "" && hasARN && !awsOwned {
		r.Account = arn.Account
	}
	inherited := r.Account == "" && !awsOwned
	if r.Account == "" {
		r.Account = parent.Account
	}
	return &scoped{Resource: r, Layer: 2, Relation: d.Relation, Parent: parent.Resource,
		Depth: parent.Depth + 1, Strength: strength, inherited: inherited}
}

// maxNamesInNote bounds the resources a topology note lists by name.
const maxNamesInNote = 5

// topologyNotes says what the walk left out and why.
func (t *triage) topologyNotes(pruned, unread []string) {
	for _, typ := range dedupeStrings(t.unknown) {
		t.note("no topology known for %s: its dependencies were not walked (layer 1 only)", typ)
	}
	if len(unread) > 0 {
		t.truncate = true
		t.note("topology read budget of %d spent: dependencies of %d resources not read (%s)", t.lim.MaxTopologyReads, len(unread), listNames(unread))
	}
	if len(pruned) > 0 {
		t.note("%d dependencies too remote to break the resource were not walked (%s)", len(pruned), listNames(pruned))
	}
}

func listNames(names []string) string {
	if len(names) <= maxNamesInNote {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamesInNote], ", "), len(names)-maxNamesInNote)
}
