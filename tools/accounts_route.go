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

// Logs routes log groups by the context's account.
func (m *Accounts) Logs() investigation.Logs { return accountLogs{m} }

type accountLogs struct{ m *Accounts }

func (l accountLogs) Errors(ctx context.Context, group string, start, end time.Time, limit int) ([]investigation.LogLine, error) {
	a, err := l.m.For(ctx, accountFor(ctx, ""))
	if err != nil {
		return nil, err
	}
	return a.Logs.Errors(ctx, group, start, end, limit)
}

// IAM routes policy reads by the policy ARN's account.
func (m *Accounts) IAM() investigation.IAM { return accountIAM{m} }

type accountIAM struct{ m *Accounts }

func (i accountIAM) PolicyVersions(ctx context.Context, policyARN string) ([]investigation.PolicyVersion, error) {
	account := ""
	if a, ok := investigation.ParseARN(policyARN); ok && a.Account != "aws" {
		account = a.Account
	}
	a, err := i.m.For(ctx, accountFor(ctx, account))
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
func (t accountTopology) Owner(ctx context.Context, r investigation.Resource) (string, []investigation.Dependency, error) {
	assumed := resourceAccount(ctx, r)
	probes := 0
	for _, account := range t.m.candidates(ctx) {
		if account == assumed || account == "" {
			continue
		}
		if probes == MaxOwnerProbes {
			break
		}
		a, err := t.m.For(ctx, account)
		if err != nil {
			// Refused accounts are not asked: the allowlist holds.
			continue
		}
		probes++
		in := r
		in.Account = account
		deps, err := a.Topology.Dependencies(ctx, in)
		if err == nil {
			return account, deps, nil
		}
	}
	return "", nil, investigation.ErrUnknownResource
}
