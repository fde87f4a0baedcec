// Package changes is the one "changes" use case: what changed on some
// resources (and on what they depend on) in a window, read from the trail.
// The CLI's `trailhound changes` and the Slack command both ask it, so the
// same question gets the same answer.
package changes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// Query asks for the mutating changes on some resources in a window.
type Query struct {
	Resources []investigation.Resource
	Window    investigation.Window
}

// Result is the changes found, newest first, and what was left out.
type Result struct {
	Events []investigation.Event
	Notes  []string
}

// Bounds of one question: each resource is a LookupEvents query.
const (
	MaxResources    = 12
	MaxDependencies = 8
	MaxEvents       = 500
	// eventLookback is how far back an event id is searched: CloudTrail's
	// event history keeps 90 days.
	eventLookback = 90 * 24 * time.Hour
)

// Service answers change questions from a trail, adding each resource's
// direct dependencies when it has a topology.
type Service struct {
	trail  investigation.Trail
	topo   investigation.Topology
	region string
}

// New returns the use case over trail and topology (nil: no dependency
// expansion). Resources with no region are looked up in defaultRegion.
func New(trail investigation.Trail, topology investigation.Topology, defaultRegion string) *Service {
	return &Service{trail: trail, topo: topology, region: defaultRegion}
}

func (s *Service) regionOf(r investigation.Resource) string {
	return investigation.RegionFor(r.Type, cmp.Or(r.Region, s.region))
}

// Changes reads the mutating calls on q's resources and their direct
// dependencies, newest first. Only a canceled context fails it; sources that
// fail are noted.
func (s *Service) Changes(ctx context.Context, q Query) (Result, error) {
	var res Result
	lookups, notes := s.lookups(ctx, q)
	res.Notes = notes
	seenTarget := map[string]bool{}
	seenEvent := map[string]bool{}
	looked := 0
	for _, l := range lookups {
		if seenTarget[l.region+"|"+l.id] {
			continue
		}
		seenTarget[l.region+"|"+l.id] = true
		if looked == MaxResources {
			res.Notes = append(res.Notes, fmt.Sprintf("only the first %d lookups were made", MaxResources))
			break
		}
		looked++
		out, err := s.trail.Lookup(ctx, investigation.Lookup{
			Region: l.region, Key: investigation.AttrResourceName, Value: l.id,
			Start: q.Window.Start, End: q.Window.End, MaxEvents: MaxEvents,
		})
		if err != nil {
			if ctx.Err() != nil {
				return res, fmt.Errorf("look up changes on %s: %w", l.id, err)
			}
			res.Notes = append(res.Notes, fmt.Sprintf("changes on %s in %s not read: %v", l.id, l.region, err))
			continue
		}
		if out.More {
			res.Notes = append(res.Notes, fmt.Sprintf("more than %d events on %s: the oldest were not read", MaxEvents, l.id))
		}
		for _, e := range out.Events {
			if e.ReadOnly || seenEvent[e.ID] || e.Time.Before(q.Window.Start) || e.Time.After(q.Window.End) {
				continue
			}
			seenEvent[e.ID] = true
			res.Events = append(res.Events, e)
		}
	}
	slices.SortStableFunc(res.Events, func(a, b investigation.Event) int { return b.Time.Compare(a.Time) })
	return res, nil
}

// resourceLookup is one ResourceName lookup a question makes.
type resourceLookup struct{ region, id string }

// ResourceNames are the names Changes looks q up by: a trail read for q may
// keep only the records that name one of them.
func (s *Service) ResourceNames(ctx context.Context, q Query) []string {
	lookups, _ := s.lookups(ctx, q)
	var names []string
	for _, l := range lookups {
		if !slices.Contains(names, l.id) {
			names = append(names, l.id)
		}
	}
	return names
}

// lookups are q's resources and, with a topology, their direct
// dependencies, each in the region its calls are recorded in.
func (s *Service) lookups(ctx context.Context, q Query) ([]resourceLookup, []string) {
	var notes []string
	targets := slices.Clone(q.Resources)
	if s.topo != nil {
		for _, r := range q.Resources {
			if r.Type == "" {
				continue
			}
			deps, err := s.topo.Dependencies(ctx, r)
			if err != nil && !errors.Is(err, investigation.ErrUnknownResource) {
				notes = append(notes, fmt.Sprintf("dependencies of %s not read: %v", r.ID, err))
			}
			if len(deps) > MaxDependencies {
				notes = append(notes, fmt.Sprintf("%s has %d dependencies; the first %d were read", r.ID, len(deps), MaxDependencies))
				deps = deps[:MaxDependencies]
			}
			for _, d := range deps {
				if d.Region == "" {
					d.Region = r.Region
				}
				targets = append(targets, d.Resource)
			}
		}
	}
	var lookups []resourceLookup
	for _, r := range targets {
		if r.ID == "" {
			continue
		}
		region := s.regionOf(r)
		lookups = append(lookups, resourceLookup{region, r.ID})
		// A bare name may be a global service's resource (an IAM role),
		// whose calls are recorded in us-east-1 only.
		if r.Type == "" && region != investigation.GlobalServiceRegion {
			lookups = append(lookups, resourceLookup{investigation.GlobalServiceRegion, r.ID})
		}
	}
	return lookups, notes
}

// Event finds one event recorded in the 90 days before end, in region (the
// default region when empty) or in the global services' region.
func (s *Service) Event(ctx context.Context, region, eventID string, end time.Time) (investigation.Event, error) {
	regions := []string{cmp.Or(region, s.region)}
	if regions[0] != investigation.GlobalServiceRegion {
		regions = append(regions, investigation.GlobalServiceRegion)
	}
	for _, r := range regions {
		out, err := s.trail.Lookup(ctx, investigation.Lookup{Region: r, Key: investigation.AttrEventID, Value: eventID, Start: end.Add(-eventLookback), End: end, MaxEvents: 1})
		if err != nil {
			return investigation.Event{}, fmt.Errorf("look up event %s in %s: %w", eventID, r, err)
		}
		for _, e := range out.Events {
			if e.ID == eventID {
				return e, nil
			}
		}
	}
	return investigation.Event{}, fmt.Errorf("no event %s in the last 90 days of %s: %w", eventID, strings.Join(regions, " or "), investigation.ErrUnknownResource)
}

// ByUser is what username changed in the window, in region (the default
// region when empty).
func (s *Service) ByUser(ctx context.Context, region, username string, w investigation.Window) ([]investigation.Event, error) {
	out, err := s.trail.Lookup(ctx, investigation.Lookup{Region: cmp.Or(region, s.region), Key: investigation.AttrUsername, Value: username, Start: w.Start, End: w.End, MaxEvents: MaxEvents})
	if err != nil {
		return nil, fmt.Errorf("look up what %s did: %w", username, err)
	}
	var evs []investigation.Event
	for _, e := range out.Events {
		if !e.ReadOnly {
			evs = append(evs, e)
		}
	}
	return evs, nil
}

// arnTypes maps an ARN's service and resource type to CloudFormation's.
var arnTypes = map[string]string{
	"iam:role": "AWS::IAM::Role", "iam:policy": "AWS::IAM::ManagedPolicy", "iam:user": "AWS::IAM::User",
	"lambda:function": "AWS::Lambda::Function", "ec2:security-group": "AWS::EC2::SecurityGroup",
	"ec2:instance": "AWS::EC2::Instance", "rds:db": "AWS::RDS::DBInstance", "rds:cluster": "AWS::RDS::DBCluster",
	"dynamodb:table": "AWS::DynamoDB::Table", "ecs:service": "AWS::ECS::Service",
	"elasticloadbalancing:loadbalancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
	"elasticloadbalancing:targetgroup":  "AWS::ElasticLoadBalancingV2::TargetGroup",
}

// ResourceFromARN's errors. They do not quote the input: each caller quotes
// it the way its medium needs.
var (
	ErrNotARN     = errors.New("is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)")
	ErrNoResource = errors.New("names no resource")
)

// ResourceFromARN reads the resource an ARN names: CloudTrail records most
// resources by their name, so the name is what is looked up.
func ResourceFromARN(arn string) (investigation.Resource, error) {
	a, ok := investigation.ParseARN(arn)
	if !ok {
		return investigation.Resource{}, ErrNotARN
	}
	typ, name := "", a.Resource
	if i := strings.IndexAny(a.Resource, "/:"); i > 0 {
		typ, name = a.ResourceType(), a.ResourceID()
		if j := strings.LastIndex(name, "/"); j >= 0 && a.Service != "ecs" {
			name = name[j+1:]
		}
	}
	if a.Service == "sqs" || a.Service == "sns" || a.Service == "s3" {
		name = a.Resource
	}
	if name == "" {
		return investigation.Resource{}, ErrNoResource
	}
	return investigation.Resource{Type: arnTypes[a.Service+":"+typ], ID: name, ARN: arn, Region: a.Region}, nil
}
