package investigation

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Lookup attribute keys CloudTrail's LookupEvents accepts, one per call.
const (
	AttrResourceName    = "ResourceName"
	AttrResourceType    = "ResourceType"
	AttrEventName       = "EventName"
	AttrEventSource     = "EventSource"
	AttrEventID         = "EventId"
	AttrUsername        = "Username"
	AttrAccessKeyID     = "AccessKeyId"
	AttrReadOnly        = "ReadOnly"
	GlobalServiceRegion = "us-east-1" // IAM, STS, Route 53, CloudFront record here
)

// Lookup is one LookupEvents query: a single attribute, a region, a window.
type Lookup struct {
	Region string
	// Account is the account whose trail records the resource; "" is the
	// alarm's. Trails read with one account's credentials ignore it.
	Account   string
	Key       string
	Value     string
	Start     time.Time
	End       time.Time
	MaxEvents int // stop paging once this many events were read; 0 means the adapter's bound
}

// LookupResult is what a lookup returned, newest first, and what it cost.
type LookupResult struct {
	Events []Event
	Calls  int  // requests sent, retries included
	More   bool // the bound stopped paging before the trail ran out
}

// Trail answers CloudTrail lookups. The engine looks up different regions
// concurrently: implementations must be safe for concurrent use.
type Trail interface {
	Lookup(ctx context.Context, q Lookup) (LookupResult, error)
}

// Dependency is a resource another one relies on. Its Resource carries its
// own region and account (from its ARN, when the source knows it): the
// engine walks it there.
type Dependency struct {
	Resource
	Relation string `json:"relation"` // e.g. "Is associated with Role"
}

// Topology tells what a resource depends on.
type Topology interface {
	// Dependencies returns the direct dependencies of r. An unknown resource
	// or type returns ErrUnknownResource.
	Dependencies(ctx context.Context, r Resource) ([]Dependency, error)
}

// Logs reads the log lines that matter for corroboration: those that look like
// errors or like the workload announcing a new version (Noteworthy).
// LogFilterPattern selects the same lines in CloudWatch Logs.
type Logs interface {
	// Errors returns at most limit such lines of group in [start, end),
	// oldest first. A group that does not exist returns ErrUnknownResource.
	Errors(ctx context.Context, group string, start, end time.Time, limit int) ([]LogLine, error)
}

// LogGroupFinder is implemented by log readers that can list log groups by
// name, for workloads whose group the topology does not name (an instance's
// agent writes wherever its configuration says).
type LogGroupFinder interface {
	// LogGroups returns at most limit names of region's log groups that
	// contain pattern, case-insensitively (DescribeLogGroups'
	// logGroupNamePattern); "" is the reader's region.
	LogGroups(ctx context.Context, region, pattern string, limit int) ([]string, error)
}

// Resolver is implemented by topologies that know a resource under another
// identifier than the alarm's dimension gives, e.g. an API Gateway REST API by
// its id when the metric names it by name.
type Resolver interface {
	Resolve(ctx context.Context, r Resource) (Resource, error)
}

// ConfigHistory is implemented by topologies that can read what a resource
// looked like earlier (AWS Config's configuration items), so that a next step
// can name the value a change replaced.
type ConfigHistory interface {
	// ConfigurationAround returns the configuration recorded for r last
	// before at and the one recorded next (the current one when none was
	// since). No item before at returns ErrUnknownResource.
	ConfigurationAround(ctx context.Context, r Resource, at time.Time) (ConfigChange, error)
}

// ConfigChange is a resource's configuration on either side of a moment.
type ConfigChange struct {
	Before   json.RawMessage
	BeforeAt time.Time       // when Before was captured
	After    json.RawMessage // nil when nothing was recorded since
}

// StatusFeeds reads what a resource's own service says about it (ECS service
// events and stopped-task reasons, target health, RDS events, Auto Scaling
// activities, a function's last update status), as lines the engine reads
// the way it reads log lines. Each line's Group names its feed and resource,
// e.g. "ecs service events: ledger-api".
type StatusFeeds interface {
	// Status returns r's status lines in [start, end), oldest first. A
	// resource of a type without a feed, or unknown, returns ErrUnknownResource.
	Status(ctx context.Context, r Resource, start, end time.Time) ([]LogLine, error)
}

// Status feed names, the prefix of each feed line's Group.
const (
	FeedECSServiceEvents  = "ecs service events"
	FeedECSStoppedTasks   = "ecs stopped tasks"
	FeedTargetHealth      = "target health"
	FeedRDSEvents         = "rds events"
	FeedScalingActivities = "auto scaling activities"
	FeedLambdaStatus      = "lambda status"
)

// FeedGroup is the pseudo log group of a feed on a resource.
func FeedGroup(feed, resource string) string { return feed + ": " + resource }

// IAM reads policy history for next steps.
type IAM interface {
	PolicyVersions(ctx context.Context, policyARN string) ([]PolicyVersion, error)
}

// Alarms reads alarm definitions, for composite children and for alarms known
// only by name.
type Alarms interface {
	DescribeAlarms(ctx context.Context, region string, names []string) ([]Alarm, error)
}

// ErrUnknownResource is returned by sources that have nothing on a resource.
var ErrUnknownResource = errors.New("unknown resource")

type accountKey struct{}

// WithAccount says which account the calls made with ctx read when their
// arguments do not name one (a log group by name, an alarm by name): the
// engine sets the alarm's account for a triage, and a resource's own account
// around the reads about it. Adapters holding one account's credentials
// ignore it.
func WithAccount(ctx context.Context, account string) context.Context {
	if account == "" {
		return ctx
	}
	return context.WithValue(ctx, accountKey{}, account)
}

// AccountFrom returns the account WithAccount set, or "".
func AccountFrom(ctx context.Context) string {
	s, _ := ctx.Value(accountKey{}).(string)
	return s
}

// AccountError is a read refused before any call was made, or denied by
// AWS, because of the account it would read: outside the allowlist, not a
// member of the organization, or without a role Trailhound may assume.
type AccountError struct {
	Account string
	// Reason says why, for a person: "not in the allowlist", "AssumeRole
	// into arn:aws:iam::…:role/… denied: …".
	Reason string
}

func (e *AccountError) Error() string { return "account " + e.Account + " not read: " + e.Reason }

type alarmNameKey struct{}

// WithAlarmName says which alarm the calls made with ctx are for, so that
// what AWS records of them (an assumed role's session name) can say so.
func WithAlarmName(ctx context.Context, name string) context.Context {
	if name == "" {
		return ctx
	}
	return context.WithValue(ctx, alarmNameKey{}, name)
}

// AlarmNameFrom returns the alarm WithAlarmName set, or "".
func AlarmNameFrom(ctx context.Context) string {
	s, _ := ctx.Value(alarmNameKey{}).(string)
	return s
}

// Owners is implemented by topologies that read several accounts: they find
// the account that owns a resource its relation named by id alone and the
// account assumed for it does not know, and return its dependencies read
// there. None found returns ErrUnknownResource.
type Owners interface {
	Owner(ctx context.Context, r Resource) (account string, deps []Dependency, err error)
}
