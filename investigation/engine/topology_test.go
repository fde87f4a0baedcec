package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

func dep(typ, id, relation string) investigation.Dependency {
	return investigation.Dependency{Resource: investigation.Resource{Type: typ, ID: id}, Relation: relation}
}

// errTopology fails on the resources it names and answers the rest from
// its fakeTopology.
type errTopology struct {
	fakeTopology
	fail map[string]error
}

func (e errTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	if err := e.fail[r.ID]; err != nil {
		return nil, err
	}
	return e.fakeTopology.Dependencies(ctx, r)
}

// vpcChain is a function in a subnet whose route table sends traffic to a
// NAT gateway: the cause of a lost route sits three relations out.
var vpcChain = fakeTopology{
	"checkout": {
		dep("AWS::EC2::Subnet", "subnet-a", "Is contained in Subnet"),
		dep(investigation.TypeIAMRole, "checkout-role", "Is associated with Role"),
	},
	"subnet-a": {
		dep("AWS::EC2::RouteTable", "rtb-1", "Is associated with RouteTable"),
		dep("AWS::EC2::NetworkAcl", "acl-1", "Is attached to NetworkAcl"),
		dep("AWS::EC2::VPC", "vpc-1", "Is contained in Vpc"),
	},
	"rtb-1": {
		dep("AWS::EC2::Subnet", "subnet-b", "Is associated with Subnet"), // a sibling subnet
		dep(investigation.TypeNatGateway, "nat-1", "Is associated with NatGateway"),
	},
	"vpc-1": {
		dep("AWS::EC2::Subnet", "subnet-c", "Contains Subnet"),
		dep("AWS::EC2::DHCPOptions", "dopt-1", "Is associated with DHCPOptions"),
	},
	"checkout-role": {
		dep(investigation.TypeIAMPolicy, "arn:aws:iam::123456789012:policy/orders", "Is attached to CustomerManagedPolicy"),
	},
}

func lookedUp(tr *fakeTrail) []string {
	var out []string
	for _, q := range tr.queries {
		out = append(out, q.Value)
	}
	return out
}

func TestTopologyWalkReachesAnyDepth(t *testing.T) {
	route := ev("route", "ec2.amazonaws.com", "DeleteRoute", at(8), "eu-west-1",
		[]investigation.EventResource{{Type: "AWS::EC2::RouteTable", Name: "rtb-1"}})
	tr := &fakeTrail{events: []investigation.Event{route}}
	e := &Engine{Trail: tr, Topology: vpcChain, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	got := lookedUp(tr)
	for _, want := range []string{"rtb-1", "acl-1", "nat-1", "dopt-1", "arn:aws:iam::123456789012:policy/orders"} {
		if !slices.Contains(got, want) {
			t.Errorf("lookups %v miss %s", got, want)
		}
	}
	for _, sibling := range []string{"subnet-b", "subnet-c"} {
		if slices.Contains(got, sibling) {
			t.Errorf("lookups %v walked %s, reached through a route table's or VPC's other members", got, sibling)
		}
	}
	if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != "route" {
		t.Fatalf("rank 1 = %+v, want the deleted route three relations out", rep.Candidates)
	}
}

func TestTopologyWalkStrongestFirst(t *testing.T) {
	tr := &fakeTrail{}
	e := &Engine{Trail: tr, Topology: vpcChain, Limits: Limits{MaxDependencyLookups: 3},
		Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	got := lookedUp(tr)
	slices.Sort(got) // regions are read concurrently
	// role 0.95, policy 0.95×0.9, subnet 0.6: the weakest, deeper network
	// relations are the ones the budget leaves out.
	want := []string{"arn:aws:iam::123456789012:policy/orders", "checkout", "checkout-role", "subnet-a"}
	if !slices.Equal(got, want) {
		t.Errorf("lookups %v, want %v", got, want)
	}
	if !hasNote(rep, "dependency lookup budget of 3") {
		t.Errorf("notes %q do not say the budget cut the walk", rep.Notes)
	}
}

func TestTopologyWalkReadBudget(t *testing.T) {
	tr := &fakeTrail{}
	e := &Engine{Trail: tr, Topology: vpcChain, Limits: Limits{MaxTopologyReads: 2},
		Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(lookedUp(tr), "nat-1") {
		t.Error("walked past the topology read budget")
	}
	if !hasNote(rep, "topology read budget of 2 spent") {
		t.Errorf("notes %q do not name what was not read", rep.Notes)
	}
}

func TestTopologyWalkGoesOnPastUnreadableDependency(t *testing.T) {
	topo := errTopology{fakeTopology: vpcChain, fail: map[string]error{"subnet-a": errors.New("AccessDenied: ec2:DescribeSubnets")}}
	tr := &fakeTrail{}
	e := &Engine{Trail: tr, Topology: topo, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(lookedUp(tr), "arn:aws:iam::123456789012:policy/orders") {
		t.Error("the walk stopped at the unreadable subnet")
	}
	if !hasNote(rep, "dependencies of AWS::EC2::Subnet subnet-a not read") {
		t.Errorf("notes %q do not name the unreadable dependency", rep.Notes)
	}
}

func TestTopologyWalkUsesTheDependencysRegionAndAccount(t *testing.T) {
	origin := investigation.Dependency{Resource: investigation.Resource{Type: investigation.TypeLoadBalancerV2,
		ID: "arn:aws:elasticloadbalancing:eu-central-1:999999999999:loadbalancer/app/web/1"}, Relation: "Is associated with LoadBalancer"}
	topo := fakeTopology{"checkout": {origin, dep(investigation.TypeHostedZone, "Z1", "Resolves names in HostedZone")}}
	tr := &fakeTrail{}
	e := &Engine{Trail: tr, Topology: topo, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
	rep, err := e.Triage(context.Background(), lambdaAlarm("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]investigation.Lookup{}
	for _, q := range tr.queries {
		where[q.Value] = q
	}
	if q := where[origin.ID]; q.Region != "eu-central-1" || q.Account != "999999999999" {
		t.Errorf("origin looked up in %s/%s, want eu-central-1/999999999999", q.Region, q.Account)
	}
	if q := where["Z1"]; q.Region != investigation.GlobalServiceRegion {
		t.Errorf("hosted zone looked up in %s, want %s", q.Region, investigation.GlobalServiceRegion)
	}
	if len(rep.Notes) != 0 {
		t.Errorf("notes %q about a dependency read in its own account", rep.Notes)
	}
}

func TestStrengthOf(t *testing.T) {
	root := &scoped{Resource: investigation.Resource{Type: investigation.TypeTargetGroup}, Strength: 1}
	deep := &scoped{Resource: investigation.Resource{Type: "AWS::EC2::RouteTable"}, Depth: 2, Strength: 0.5}
	tests := []struct {
		name   string
		parent *scoped
		dep    investigation.Dependency
		want   float64
	}{
		{"a role breaks everything signed with it", root, dep(investigation.TypeIAMRole, "r", "Is associated with Role"), 0.95},
		{"the alarm's own members are followed", root, dep(investigation.TypeEC2Instance, "i-1", "Contains Instance"), 0.6},
		{"members of a container further out are siblings", deep, dep(investigation.TypeEC2Instance, "i-1", "Contains Instance"), 0},
		{"a route table's other subnets are siblings", deep, dep("AWS::EC2::Subnet", "s", "Is associated with Subnet"), 0},
		{"a route's NAT gateway is followed", deep, dep(investigation.TypeNatGateway, "n", "Is associated with NatGateway"), 0.75},
		{"a source group's own rules do not govern the referencing group", &scoped{Resource: investigation.Resource{Type: investigation.TypeSecurityGroup}, Strength: 1},
			dep(investigation.TypeSecurityGroup, "sg-src", "named in its configuration (groupId)"), 0},
		{"a transit gateway further out routes by its route tables", &scoped{Resource: investigation.Resource{Type: "AWS::EC2::TransitGateway"}, Depth: 2, Strength: 0.5},
			dep("AWS::EC2::TransitGatewayRouteTable", "tgw-rtb-1", "Contains TransitGatewayRouteTable"), 0.75},
		{"its other attachments are siblings", &scoped{Resource: investigation.Resource{Type: "AWS::EC2::TransitGateway"}, Depth: 2, Strength: 0.5},
			dep("AWS::EC2::TransitGatewayAttachment", "tgw-attach-1", "Contains TransitGatewayAttachment"), 0},
		{"an unknown type gets the default", root, dep("AWS::Foo::Bar", "x", "Is associated with Bar"), defaultStrength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strengthOf(tt.parent, tt.dep); got != tt.want {
				t.Errorf("strengthOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSiblingChangesOnASharedCluster(t *testing.T) {
	cluster := []investigation.EventResource{{Type: investigation.TypeECSCluster, Name: "prod"}}
	member := func(name string) []investigation.EventResource {
		return append(slices.Clone(cluster), investigation.EventResource{Type: investigation.TypeECSService, Name: name})
	}
	other := ev("other", "ecs.amazonaws.com", "UpdateService", at(4), "eu-west-1", member("render"),
		params(`{"cluster":"prod","service":"render","desiredCount":20}`))
	capacity := ev("capacity", "ecs.amazonaws.com", "PutClusterCapacityProviders", at(9), "eu-west-1", cluster,
		params(`{"cluster":"prod","capacityProviders":[]}`))
	own := ev("own", "ecs.amazonaws.com", "UpdateService", at(6), "eu-west-1", member("arn:aws:ecs:eu-west-1:123456789012:service/prod/ledger"),
		params(`{"cluster":"prod","service":"ledger","taskDefinition":"ledger:9"}`))
	alarm := investigation.Alarm{Name: "ledger-tasks", Account: "123456789012", Region: "eu-west-1",
		State: investigation.StateAlarm, StateChangeTime: symptom,
		Metrics: []investigation.Metric{{Namespace: "AWS/ECS", Name: "CPUUtilization", Dimensions: []investigation.Dimension{
			{Name: "ClusterName", Value: "prod"}, {Name: "ServiceName", Value: "ledger"}}}}}
	topo := fakeTopology{"ledger": {dep(investigation.TypeECSCluster, "prod", "Is contained in Cluster")}}
	tests := []struct {
		name      string
		events    []investigation.Event
		wantRank1 string
		wantNote  bool
	}{
		{"another service's change is not counted", []investigation.Event{other, capacity}, "capacity", true},
		{"a change to the cluster's capacity is counted", []investigation.Event{capacity}, "capacity", false},
		{"this service's own change is counted", []investigation.Event{other, own}, "own", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &fakeTrail{events: tt.events}
			e := &Engine{Trail: tr, Topology: topo, Now: func() time.Time { return symptom.Add(10 * time.Minute) }}
			rep, err := e.Triage(context.Background(), alarm)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Candidates {
				for _, x := range c.Events {
					if x.EventID == "other" {
						t.Errorf("the sibling's change is candidate %d", c.Rank)
					}
				}
			}
			if len(rep.Candidates) == 0 || rep.Candidates[0].Events[0].EventID != tt.wantRank1 {
				t.Errorf("rank 1 = %+v, want %s", rep.Candidates, tt.wantRank1)
			}
			if got := hasNote(rep, "another member of ECS Cluster prod"); got != tt.wantNote {
				t.Errorf("sibling note = %v, want %v (notes %q)", got, tt.wantNote, rep.Notes)
			}
		})
	}
}

func hasNote(rep *investigation.Report, part string) bool {
	return slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, part) })
}

func TestRelationSentenceNamesWhatTheAlarmWatches(t *testing.T) {
	fn := investigation.Resource{Type: investigation.TypeLambdaFunction, ID: "fn"}
	tgw := investigation.Resource{Type: "AWS::EC2::TransitGateway", ID: "tgw-1"}
	near := &scoped{Resource: tgw, Parent: fn, Relation: "Is associated with TransitGateway", Depth: 1}
	far := &scoped{Resource: investigation.Resource{Type: "AWS::EC2::TransitGatewayRouteTable", ID: "tgw-rtb-1"}, Parent: tgw,
		Relation: "Contains TransitGatewayRouteTable", Depth: 2}
	if got := relationSentence(near); !strings.HasSuffix(got, "and the alarm watches fn.") {
		t.Errorf("near: %q", got)
	}
	if got := relationSentence(far); !strings.HasSuffix(got, "and the alarm's resources rely on tgw-1.") {
		t.Errorf("far: %q", got)
	}
}
