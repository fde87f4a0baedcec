package tools

import (
	"fmt"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// Resource types a dependency may have besides those the engine scopes.
const (
	typeSubnet          = "AWS::EC2::Subnet"
	typeInstanceProfile = "AWS::IAM::InstanceProfile"
	typeLayerVersion    = "AWS::Lambda::LayerVersion"
	typeParameterGroup  = "AWS::RDS::DBParameterGroup"
	typeDBSubnetGroup   = "AWS::RDS::DBSubnetGroup"
	typeTaskDefinition  = "AWS::ECS::TaskDefinition"
)

// depSet collects the dependencies of one resource, deduplicated, each in
// the region CloudTrail records its changes in.
type depSet struct {
	parent investigation.Resource
	out    []investigation.Dependency
	seen   map[string]bool
	notes  []string
}

func newDepSet(parent investigation.Resource) *depSet {
	return &depSet{parent: parent, seen: map[string]bool{parent.Key(): true}}
}

func (s *depSet) deps() []investigation.Dependency { return s.out }

func (s *depSet) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// add records a dependency; the first relation given for it stands.
func (s *depSet) add(typ, id, arn, relation string) {
	if id == "" {
		return
	}
	region := arnRegion(arn)
	if region == "" {
		region = s.parent.Region
	}
	if region != "" {
		region = investigation.RegionFor(typ, region)
	}
	d := investigation.Dependency{
		Resource: investigation.Resource{Type: typ, ID: id, ARN: arn, Region: region},
		Relation: relation,
	}
	if s.seen[d.Key()] {
		return
	}
	s.seen[d.Key()] = true
	s.out = append(s.out, d)
}

func (s *depSet) role(arn, relation string) {
	if arn != "" {
		s.add(investigation.TypeIAMRole, investigation.RoleName(arn), arn, relation)
	}
}

func (s *depSet) kmsKey(keyARNOrID, relation string) {
	if keyARNOrID == "" {
		return
	}
	arn := ""
	if strings.HasPrefix(keyARNOrID, "arn:") {
		arn = keyARNOrID
	}
	s.add(investigation.TypeKMSKey, kmsKeyID(keyARNOrID), arn, relation)
}

func (s *depSet) policy(arn, relation string) {
	if arn != "" {
		s.add(investigation.TypeIAMPolicy, arn, arn, relation)
	}
}

func (s *depSet) ids(typ string, ids []string, relation string) {
	for _, id := range ids {
		s.add(typ, id, "", relation)
	}
}

func (s *depSet) function(fn LambdaFunction) {
	s.role(fn.Role, "execution role")
	s.kmsKey(fn.KMSKeyARN, "KMS key (environment encryption)")
	s.ids(investigation.TypeSecurityGroup, fn.SecurityGroupIDs, "security group")
	s.ids(typeSubnet, fn.SubnetIDs, "subnet")
	for _, layer := range fn.Layers {
		s.add(typeLayerVersion, layer, layer, "layer")
	}
	// Lambda writes to /aws/lambda/NAME unless the logging configuration
	// names another group.
	group := fn.LogGroup
	if group == "" && fn.Name != "" {
		group = "/aws/lambda/" + fn.Name
	}
	s.add(investigation.TypeLogGroup, group, "", "log group")
	s.environment(fn.envRefs)
	if target := fn.DeadLetterTarget; target != "" {
		switch arnService(target) {
		case "sqs":
			s.add(investigation.TypeSQSQueue, arnResourcePart(target), target, "dead-letter queue")
		case "sns":
			s.add(investigation.TypeSNSTopic, target, target, "dead-letter topic")
		}
	}
}

func (s *depSet) instance(in EC2Instance) {
	for _, g := range in.SecurityGroups {
		s.add(investigation.TypeSecurityGroup, g.ID, "", "security group")
	}
	s.add(typeSubnet, in.SubnetID, "", "subnet")
	if in.InstanceProfileARN != "" {
		s.add(typeInstanceProfile, instanceProfileName(in.InstanceProfileARN), in.InstanceProfileARN, "instance profile")
	}
	for _, v := range in.Volumes {
		relation := "EBS volume"
		if v.Device != "" {
			relation += " " + v.Device
		}
		s.add(investigation.TypeVolume, v.ID, "", relation)
	}
}

func (s *depSet) targetGroup(tg TargetGroup) {
	for _, lb := range tg.LoadBalancerARNs {
		s.add(investigation.TypeLoadBalancerV2, lb, lb, "load balancer")
	}
}

// targets adds the instances and functions registered in tg; IP targets
// name no resource.
func (s *depSet) targets(tg TargetGroup, targets []TargetHealth) {
	for _, target := range targets {
		relation := "target"
		if target.State != "" && target.State != "healthy" {
			relation = "target (" + target.State
			if target.Reason != "" {
				relation += ": " + target.Reason
			}
			relation += ")"
		}
		switch {
		case strings.HasPrefix(target.ID, "i-"):
			s.add(investigation.TypeEC2Instance, target.ID, "", relation)
		case arnService(target.ID) == "lambda":
			s.add(investigation.TypeLambdaFunction, functionName(target.ID), target.ID, relation)
		}
	}
}

func (s *depSet) loadBalancer(lb LoadBalancer, relation string) {
	s.ids(investigation.TypeSecurityGroup, lb.SecurityGroups, relation)
}

func (s *depSet) dbInstance(db DBInstance) {
	s.ids(investigation.TypeSecurityGroup, db.SecurityGroups, "VPC security group")
	for _, pg := range db.ParameterGroups {
		s.add(typeParameterGroup, pg.Name, "", "parameter group")
	}
	s.add(typeDBSubnetGroup, db.SubnetGroup, "", "subnet group")
	s.kmsKey(db.KMSKeyID, "KMS key (storage encryption)")
	s.add(investigation.TypeRDSCluster, db.ClusterID, "", "cluster")
	s.role(db.MonitoringRoleARN, "enhanced monitoring role")
	for _, role := range db.Roles {
		s.role(role, "associated role")
	}
}

func (s *depSet) service(svc ECSService) {
	if svc.TaskDefinition != "" {
		arn := ""
		if strings.HasPrefix(svc.TaskDefinition, "arn:") {
			arn = svc.TaskDefinition
		}
		s.add(typeTaskDefinition, familyRevision(svc.TaskDefinition), arn, "task definition")
	}
	for _, lb := range svc.LoadBalancers {
		s.add(investigation.TypeTargetGroup, lb.TargetGroupARN, lb.TargetGroupARN, "target group")
	}
	s.ids(investigation.TypeSecurityGroup, svc.SecurityGroups, "security group")
	s.ids(typeSubnet, svc.Subnets, "subnet")
	s.role(svc.RoleARN, "service role")
}

func (s *depSet) taskDefinition(td TaskDefinition) {
	s.role(td.TaskRoleARN, "task role")
	s.role(td.ExecutionRoleARN, "task execution role")
	s.environment(td.refs)
	for _, c := range td.Containers {
		if c.LogDriver == "awslogs" && c.LogGroup != "" {
			s.add(investigation.TypeLogGroup, c.LogGroup, "", "log group of container "+c.Name)
		}
	}
}

// relationship adds a Config relationship under the id CloudTrail uses.
// Config keys IAM resources by their unique ids (AROA…, ANPA…) and gives the
// name beside them; CloudTrail records names, and managed policies by ARN.
func (s *depSet) relationship(rel ConfigRelationship) {
	id := rel.ID
	arn := ""
	if strings.HasPrefix(id, "arn:") {
		arn = id
	}
	switch rel.Type {
	case investigation.TypeIAMRole, "AWS::IAM::User", "AWS::IAM::Group", typeInstanceProfile:
		switch {
		case rel.Name != "":
			id = rel.Name
		case arn != "":
			id = arn[strings.LastIndex(arn, "/")+1:]
		}
	case investigation.TypeIAMPolicy:
		if arn == "" {
			// Without the ARN only the name is known: skip a policy the
			// configuration already listed by ARN.
			name := rel.Name
			if name == "" {
				name = id
			}
			if s.hasPolicyNamed(name) {
				return
			}
			id = name
		}
	case investigation.TypeKMSKey:
		id = kmsKeyID(id)
	case investigation.TypeLambdaFunction:
		id = functionName(id)
	case typeTaskDefinition:
		id = familyRevision(id)
	case investigation.TypeSecurityGroup, typeSubnet, investigation.TypeEC2Instance, "AWS::EC2::VPC",
		"AWS::EC2::RouteTable", "AWS::EC2::NetworkAcl", "AWS::EC2::VPCEndpoint", investigation.TypeNatGateway:
		// CloudTrail names EC2 resources by id: …:security-group/sg-1 is sg-1.
		if arn != "" {
			id = arn[strings.LastIndex(arn, "/")+1:]
		}
	}
	if id == "" {
		id = rel.Name
	}
	s.add(rel.Type, id, arn, rel.Relation)
}

func (s *depSet) hasPolicyNamed(name string) bool {
	for _, d := range s.out {
		if d.Type == investigation.TypeIAMPolicy && (d.ID == name || strings.HasSuffix(d.ID, "/"+name)) {
			return true
		}
	}
	return false
}

// arnResourcePart is the resource part of an ARN ("function:checkout"), or "".
func arnResourcePart(arn string) string { a, _ := investigation.ParseARN(arn); return a.Resource }

func arnService(arn string) string { a, _ := investigation.ParseARN(arn); return a.Service }

func arnRegion(arn string) string { a, _ := investigation.ParseARN(arn); return a.Region }

// functionName takes a Lambda function's name out of a name, a
// name:qualifier or a (qualified) function ARN.
func functionName(ref string) string {
	if res := arnResourcePart(ref); res != "" {
		ref = strings.TrimPrefix(res, "function:")
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

// kmsKeyID takes the key id out of a key ARN (…:key/ID); other forms stay.
func kmsKeyID(ref string) string {
	if res := arnResourcePart(ref); strings.HasPrefix(res, "key/") {
		return strings.TrimPrefix(res, "key/")
	}
	return ref
}

// familyRevision takes "family:revision" out of a task definition ARN
// (…:task-definition/family:revision); other forms stay.
func familyRevision(ref string) string {
	if res := arnResourcePart(ref); strings.HasPrefix(res, "task-definition/") {
		return strings.TrimPrefix(res, "task-definition/")
	}
	return ref
}
