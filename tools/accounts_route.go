package tools

import (
	"context"
	"time"

	"github.com/trailhound/trailhound/investigation"
)

// The engine's sources on Accounts: each call goes to the adapters of the
// account it reads, which the call names (a lookup's account, a resource's
// account or ARN, a policy's ARN) or else its context does
// (investigation.WithAccount). A refused account answers an
// *investigation.AccountError without any call.

// accountFor is the account a call reads: the one it names, else its context's.
func accountFor(ctx context.Context, named string) string {
	if named != "" {
		return named
	}
	return investigation.AccountFrom(ctx)
}

// arnAccount is the account s names when it is an ARN: "" for a name, and
// for AWS's own managed policies ("aws").
func arnAccount(s string) string {
	if a, ok := investigation.ParseARN(s); ok && a.Account != "aws" {
		return a.Account
	}
	return ""
}

// resourceAccount is the account of r: its own, its ARN's, else the context's.
func resourceAccount(ctx context.Context, r investigation.Resource) string {
	if r.Account != "" {
		return r.Account
	}
	for _, s := range []string{r.ARN, r.ID} {
		if a, ok := investigation.ParseARN(s); ok && a.Account != "" && a.Account != "aws" {
			return a.Account
		}
	}
	return investigation.AccountFrom(ctx)
}

// Trail routes lookups by account.
func (m *Accounts) Trail() investigation.Trail { return accountTrail{m} }

type accountTrail struct{ m *Accounts }

func (t accountTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	a, err := t.m.For(ctx, accountFor(ctx, q.Account))
	if err != nil {
		return investigation.LookupResult{}, err
	}
	return a.Trail.Lookup(ctx, q)
}

// Topology routes dependencies, resolution and configuration history by
// the resource's account.
func (m *Accounts) Topology() investigation.Topology { return accountTopology{m} }

type accountTopology struct{ m *Accounts }

func (t accountTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	a, err := t.m.For(ctx, resourceAccount(ctx, r))
	if err != nil {
		return nil, err
	}
	return a.Topology.Dependencies(ctx, r)
}

func (t accountTopology) Resolve(ctx context.Context, r investigation.Resource) (investigation.Resource, error) {
	a, err := t.m.For(ctx, resourceAccount(ctx, r))
	if err != nil {
		return r, err
	}
	return a.Topology.Resolve(ctx, r)
}

func (t accountTopology) ConfigurationAround(ctx context.Context, r investigation.Resource, at time.Time) (investigation.ConfigChange, error) {
	a, err := t.m.For(ctx, resourceAccount(ctx, r))
	if err != nil {
		return investigation.ConfigChange{}, err
	}
	return a.Topology.ConfigurationAround(ctx, r, at)
}

// Logs routes log groups by the group ARN's account, else the context's.
func (m *Accounts) Logs() investigation.Logs { return accountLogs{m} }

type accountLogs struct{ m *Accounts }

func (l accountLogs) Errors(ctx context.Context, group string, start, end time.Time, limit int) ([]investigation.LogLine, error) {
	a, err := l.m.For(ctx, accountFor(ctx, arnAccount(group)))
	if err != nil {
		return nil, err
	}
	return a.Logs.Errors(ctx, group, start, end, limit)
}

// IAM routes policy reads by the policy ARN's account.
func (m *Accounts) IAM() investigation.IAM { return accountIAM{m} }

type accountIAM struct{ m *Accounts }

func (i accountIAM) PolicyVersions(ctx context.Context, policyARN string) ([]investigation.PolicyVersion, error) {
	a, err := i.m.For(ctx, accountFor(ctx, arnAccount(policyARN)))
	if err != nil {
		return nil, err
	}
	return a.IAM.PolicyVersions(ctx, policyARN)
}

// Alarms routes alarm reads by the context's account (the alarm's).
func (m *Accounts) Alarms() investigation.Alarms { return accountAlarms{m} }

type accountAlarms struct{ m *Accounts }

func (al accountAlarms) DescribeAlarms(ctx context.Context, region string, names []string) ([]investigation.Alarm, error) {
	a, err := al.m.For(ctx, accountFor(ctx, ""))
	if err != nil {
		return nil, err
	}
	return a.Alarms.DescribeAlarms(ctx, region, names)
}

// Feeds routes status feeds by the resource's account.
func (m *Accounts) Feeds() investigation.StatusFeeds { return accountFeeds{m} }

type accountFeeds struct{ m *Accounts }

func (f accountFeeds) Status(ctx context.Context, r investigation.Resource, start, end time.Time) ([]investigation.LogLine, error) {
	a, err := f.m.For(ctx, resourceAccount(ctx, r))
	if err != nil {
		return nil, err
	}
	return a.Feeds.Status(ctx, r, start, end)
}

// MaxOwnerProbes bounds the accounts asked for the owner of one resource.
const MaxOwnerProbes = 6

// Owner asks the other accounts Trailhound may read, in id order, for r,
// and returns the first that knows it with r's dependencies read there.
// The accounts are asked together, as many at a time as may still be
// probed, and answer in id order whichever answered first: the owner is
// the one a question at a time would have found, in the time of one.
func (t accountTopology) Owner(ctx context.Context, r investigation.Resource) (string, []investigation.Dependency, error) {
	assumed := resourceAccount(ctx, r)
	var rest []string
	for _, account := range t.m.candidates(ctx) {
		if account != assumed && account != "" {
			rest = append(rest, account)
		}
	}
	probes := 0
	for len(rest) > 0 && probes < MaxOwnerProbes {
		wave := rest[:min(len(rest), MaxOwnerProbes-probes)]
		rest = rest[len(wave):]
		answers := make([]ownerProbe, len(wave))
		inParallel(len(wave), len(wave), func(i int) { answers[i] = t.probe(ctx, r, wave[i]) })
		for i, a := range answers {
			if a.refused {
				// Refused accounts are not asked: the allowlist holds.
				continue
			}
			probes++
			if a.err == nil {
				return wave[i], a.deps, nil
			}
		}
	}
	return "", nil, investigation.ErrUnknownResource
}

// ownerProbe is one account's answer to whether it holds a resource.
type ownerProbe struct {
	refused bool
	deps    []investigation.Dependency
	err     error
}

func (t accountTopology) probe(ctx context.Context, r investigation.Resource, account string) ownerProbe {
	a, err := t.m.For(ctx, account)
	if err != nil {
		return ownerProbe{refused: true}
	}
	r.Account = account
	deps, err := a.Topology.Dependencies(ctx, r)
	return ownerProbe{deps: deps, err: err}
}
