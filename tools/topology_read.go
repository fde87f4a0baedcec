package tools

import (
	"context"
	"fmt"
	"strings"

	"github.com/trailhound/trailhound/investigation"
)

// The describes Topology falls back on when AWS Config has no record of a
// resource, one per type it reads.

func (t *Topology) describeFunction(ctx context.Context, r investigation.Resource, s *depSet) error {
	fn, err := t.Inventory.Function(ctx, r.Region, r.ID)
	if err != nil {
		return err
	}
	s.function(fn)
	return nil
}

func (t *Topology) describeInstance(ctx context.Context, r investigation.Resource, s *depSet) error {
	instances, _, err := t.Inventory.Instances(ctx, r.Region, []string{r.ID})
	if err != nil {
		return err
	}
	if len(instances) == 0 {
		return &APIError{Op: OpDescribeInstances, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("instance %s not returned", r.ID)}
	}
	s.instance(instances[0])
	t.profileRoles(ctx, s, instances[0].InstanceProfileARN)
	return nil
}

// profileRoles adds the roles of an instance's profile: the instance acts
// with them, so their policies matter as much as the profile.
func (t *Topology) profileRoles(ctx context.Context, s *depSet, profileARN string) {
	if profileARN == "" {
		return
	}
	profile := instanceProfileName(profileARN)
	if t.Profiles == nil {
		s.note("the role of instance profile %s was not read: no IAM reader", profile)
		return
	}
	roles, err := t.Profiles.InstanceProfileRoles(ctx, profileARN)
	if err != nil {
		s.note("the role of instance profile %s was not read: %v", profile, err)
		return
	}
	for _, role := range roles {
		s.add(investigation.TypeIAMRole, role, "", "role of instance profile "+profile)
	}
}

func (t *Topology) describeTargetGroup(ctx context.Context, r investigation.Resource, s *depSet) error {
	q := TargetGroupQuery{}
	switch ref := elbRef(r, "targetgroup/"); {
	case strings.HasPrefix(ref, "arn:"):
		q.ARNs = []string{ref}
	default:
		q.Names = []string{ref}
	}
	groups, _, err := t.Inventory.TargetGroups(ctx, r.Region, q)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return &APIError{Op: OpDescribeTargetGroups, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("target group %s not returned", r.ID)}
	}
	tg := groups[0]
	s.targetGroup(tg)
	if len(tg.LoadBalancerARNs) > 0 {
		lbs, more, err := t.Inventory.LoadBalancers(ctx, r.Region, tg.LoadBalancerARNs)
		switch {
		case err != nil:
			s.note("security groups of the load balancers of %s not read: %v", tg.Name, err)
		case more:
			s.note("load balancers of %s read up to the page bound", tg.Name)
		}
		for _, lb := range lbs {
			s.loadBalancer(lb, "security group of load balancer "+lb.Name)
		}
	}
	targets, err := t.Inventory.TargetHealth(ctx, r.Region, tg.ARN)
	if err != nil {
		s.note("targets of %s not read: %v", tg.Name, err)
		return nil
	}
	s.targets(tg, targets)
	return nil
}

func (t *Topology) describeLoadBalancer(ctx context.Context, r investigation.Resource, s *depSet) error {
	lbs, _, err := t.Inventory.LoadBalancers(ctx, r.Region, []string{elbRef(r, "loadbalancer/")})
	if err != nil {
		return err
	}
	if len(lbs) == 0 {
		return &APIError{Op: OpDescribeLoadBalancers, Reason: investigation.ReasonNotFound, Err: fmt.Errorf("load balancer %s not returned", r.ID)}
	}
	lb := lbs[0]
	s.loadBalancer(lb, "security group")
	groups, more, err := t.Inventory.TargetGroups(ctx, r.Region, TargetGroupQuery{LoadBalancerARN: lb.ARN})
	switch {
	case err != nil:
		s.note("target groups of %s not read: %v", lb.Name, err)
	case more:
		s.note("target groups of %s read up to the page bound", lb.Name)
	}
	for _, tg := range groups {
		s.add(investigation.TypeTargetGroup, tg.ARN, tg.ARN, "target group")
	}
	return nil
}

// elbRef is how to ask ELBv2 for r: its ARN, or the name inside the
// "app/NAME/ID" or "targetgroup/NAME/ID" form CloudWatch dimensions use.
func elbRef(r investigation.Resource, kind string) string {
	switch {
	case strings.HasPrefix(r.ID, "arn:"):
		return r.ID
	case r.ARN != "":
		return r.ARN
	}
	rest := strings.TrimPrefix(r.ID, kind)
	parts := strings.Split(rest, "/")
	if kind == "loadbalancer/" && len(parts) == 3 {
		return parts[1]
	}
	return parts[0]
}

func (t *Topology) describeDBInstance(ctx context.Context, r investigation.Resource, s *depSet) error {
	db, err := t.Inventory.DBInstance(ctx, r.Region, r.ID)
	if err != nil {
		return err
	}
	s.dbInstance(db)
	return nil
}

func (t *Topology) describeService(ctx context.Context, r investigation.Resource, s *depSet) error {
	cluster, name := ecsServiceRef(r)
	svc, err := t.Inventory.Service(ctx, r.Region, cluster, name)
	if err != nil {
		return err
	}
	s.service(svc)
	t.taskDefinitionHop(ctx, s, r.Region, svc.TaskDefinition)
	return nil
}

// ecsServiceRef finds a service's cluster and name in r: "cluster/service",
// a service ARN (…:service/cluster/name) as id or ARN, or a bare name in the
// default cluster.
func ecsServiceRef(r investigation.Resource) (cluster, service string) {
	for _, ref := range []string{r.ID, r.ARN} {
		rest := ref
		if res := arnResourcePart(ref); res != "" {
			rest = strings.TrimPrefix(res, "service/")
		}
		if c, n, ok := strings.Cut(rest, "/"); ok {
			return c, n
		}
	}
	return "default", r.ID
}

// taskDefinitionHop adds what a service's task definition names: its roles
// and log groups. A service acts with its tasks' roles, whose policies the
// engine reaches only when the roles are direct dependencies.
func (t *Topology) taskDefinitionHop(ctx context.Context, s *depSet, region, taskDefinition string) {
	if taskDefinition == "" {
		return
	}
	if t.Inventory == nil {
		s.note("roles of task definition %s not read: no describe source", familyRevision(taskDefinition))
		return
	}
	td, err := t.Inventory.TaskDefinition(ctx, region, taskDefinition)
	if err != nil {
		s.note("roles of task definition %s not read: %v", familyRevision(taskDefinition), err)
		return
	}
	s.taskDefinition(td)
}

func (t *Topology) describeTaskDefinition(ctx context.Context, r investigation.Resource, s *depSet) error {
	td, err := t.Inventory.TaskDefinition(ctx, r.Region, r.ID)
	if err != nil {
		return err
	}
	s.taskDefinition(td)
	return nil
}

func (t *Topology) describeRole(ctx context.Context, r investigation.Resource, s *depSet) error {
	role := investigation.RoleName(r.ID)
	attached, more, err := t.Roles.ListAttachedRolePolicies(ctx, role)
	if err != nil {
		return err
	}
	if more {
		s.note("policies attached to role %s read up to the page bound", role)
	}
	for _, p := range attached {
		s.policy(p.ARN, "attached managed policy")
	}
	inline, more, err := t.Roles.ListRolePolicies(ctx, role)
	switch {
	case err != nil:
		s.note("inline policies of role %s not read: %v", role, err)
	case more:
		s.note("inline policies of role %s read up to the page bound", role)
	}
	for _, name := range inline {
		s.add(investigation.TypeIAMPolicy, name, "", "inline policy")
	}
	return nil
}
