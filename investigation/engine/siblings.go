package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// containerMembers lists, for each shared container type, the member types
// whose changes the container's lookup also returns. A change naming
// another member (a second service of the cluster, another instance of the
// subnet) reaches this resource only through the container's shared
// capacity, which that call does not change: it is a sibling's change.
var containerMembers = map[string][]string{
	investigation.TypeECSCluster:       {investigation.TypeECSService, "AWS::ECS::Task", "AWS::ECS::TaskSet"},
	"AWS::EC2::VPC":                    {"AWS::EC2::Subnet", investigation.TypeEC2Instance, "AWS::EC2::NetworkInterface"},
	"AWS::EC2::Subnet":                 {investigation.TypeEC2Instance, "AWS::EC2::NetworkInterface"},
	"AWS::RDS::DBSubnetGroup":          {investigation.TypeRDSInstance, investigation.TypeRDSCluster},
	investigation.TypeRDSCluster:       {investigation.TypeRDSInstance},
	investigation.TypeAutoScalingGroup: {investigation.TypeEC2Instance},
}

// containerEvents change a container's shared capacity or settings even
// when they name a member: a cluster failover to another instance, the
// group's desired capacity, the VPC's resolver.
var containerEvents = map[string]bool{
	"FailoverDBCluster": true, "FailoverGlobalCluster": true, "ModifyDBCluster": true,
	"ModifyDBSubnetGroup": true, "UpdateCluster": true, "UpdateClusterSettings": true,
	"PutClusterCapacityProviders": true, "UpdateAutoScalingGroup": true, "SetDesiredCapacity": true,
	"ModifyVpcAttribute": true, "AssociateDhcpOptions": true,
}

// sibling reports whether ev, found on s, is a change to another member of
// the shared container s rather than to s itself; such changes are not
// counted, and a note names them once per member.
func (t *triage) sibling(ev investigation.Event, s *scoped) bool {
	if t.peer(ev, s) {
		return true
	}
	members := containerMembers[s.Type]
	if s.Layer == 1 || len(members) == 0 || containerEvents[ev.Name] {
		return false
	}
	for _, r := range ev.Resources {
		if !slices.Contains(members, r.Type) || t.inScope(r) {
			continue
		}
		note := fmt.Sprintf("changes to %s %s, another member of %s %s, are a sibling's, not this resource's: not counted",
			shortTypeName(r.Type), r.Name, shortTypeName(s.Type), s.ID)
		if !slices.Contains(t.notes, note) {
			t.notes = append(t.notes, note)
		}
		return true
	}
	return false
}

// inScope reports whether an event's resource is one of the scoped ones,
// whichever of its names (id, ARN, path) each side uses.
func (t *triage) inScope(r investigation.EventResource) bool {
	name := lastSegment(r.Name)
	for _, s := range t.targets {
		if s.Type != r.Type {
			continue
		}
		if r.Name == s.ID || (s.ARN != "" && r.Name == s.ARN) || name == lastSegment(s.ID) {
			return true
		}
	}
	return false
}

// lastSegment is the name at the end of an ARN or path ("svc" of
// "arn:…:service/cluster/svc").
func lastSegment(s string) string {
	if i := strings.LastIndexAny(s, "/:"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// shortTypeName is "ECS Service" for "AWS::ECS::Service".
func shortTypeName(typ string) string {
	return strings.ReplaceAll(strings.TrimPrefix(typ, "AWS::"), "::", " ")
}

// peer reports whether ev, found on the dependency s because its request
// references s, edits another resource of a type the scope already holds: a
// route in another route table that points at the same attachment changes
// the traffic of what that table serves, not of this workload, whose own
// table is in scope. The resource a call edits is the one its request names
// with the API's noun ("TransitGatewayRouteTableId" for
// ReplaceTransitGatewayRoute); calls whose request names none are kept.
func (t *triage) peer(ev investigation.Event, s *scoped) bool {
	if s.Layer == 1 {
		return false
	}
	edited := editedResource(ev)
	if edited == "" || edited == s.ID || edited == s.ARN {
		return false
	}
	for _, r := range ev.Resources {
		if r.Name != edited || r.Type == s.Type || t.inScope(r) || !t.scopeHasType([]string{r.Type}) {
			continue
		}
		note := fmt.Sprintf("%s on %s %s only references %s; that %s is not the one this workload uses: not counted",
			ev.Name, shortTypeName(r.Type), r.Name, s.ID, shortTypeName(r.Type))
		if !slices.Contains(t.notes, note) {
			t.notes = append(t.notes, note)
		}
		return true
	}
	return false
}

// editedResource is the value of the request field named after the noun of
// the call's name (the name without its leading verb), or "".
func editedResource(ev investigation.Event) string {
	i := strings.IndexFunc(ev.Name[1:], func(r rune) bool { return r >= 'A' && r <= 'Z' })
	if i < 0 {
		return ""
	}
	noun := strings.ToLower(ev.Name[i+1:])
	var req map[string]json.RawMessage
	if json.Unmarshal(ev.RequestJSON, &req) != nil {
		return ""
	}
	if len(req) == 1 {
		for _, inner := range req { // EC2's {"<Action>Request": {...}} wrapper
			var m map[string]json.RawMessage
			if json.Unmarshal(inner, &m) == nil {
				req = m
			}
		}
	}
	for k, raw := range req {
		key := strings.ToLower(k)
		if !strings.HasPrefix(key, noun) || !strings.HasSuffix(key, "id") {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) == nil {
			return v
		}
	}
	return ""
}
