package offline

import (
	"context"
	"slices"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
)

// memberRole is the role Trailhound assumes in the scenario's other
// accounts, as the sandbox's STS grants it.
const memberRole = "TrailhoundReadOnly"

// Gate refuses the reads a deployment with member roles would refuse in a
// scenario of several accounts: accounts outside its allowlist, and those
// whose role cannot be assumed. The data itself is read as one, whatever
// its account (a lookup by event name sees every account's records); the
// AWS emulator partitions it.
type Gate struct {
	home    string
	allowed []string
	member  map[string]bool
}

// NewGate is sc's gate; nil (every read allowed) for a scenario of one account.
func NewGate(sc *scenario.Scenario) *Gate {
	if len(sc.Meta.Accounts) == 0 {
		return nil
	}
	g := &Gate{home: sc.Meta.Account, allowed: sc.Meta.AllowedAccounts, member: map[string]bool{sc.Meta.Account: true}}
	for _, a := range sc.Meta.Accounts {
		g.member[a.ID] = a.HasMemberRole()
	}
	return g
}

// check refuses account as the deployment would; "" is the context's.
func (g *Gate) check(ctx context.Context, account string) error {
	if account == "" {
		account = investigation.AccountFrom(ctx)
	}
	switch {
	case g == nil || account == "" || account == g.home:
		return nil
	case len(g.allowed) > 0 && !slices.Contains(g.allowed, account):
		return &investigation.AccountError{Account: account, Reason: "not in Trailhound's account allowlist (setting accounts): no call was made"}
	case !g.member[account]:
		role := investigation.ARN{Partition: "aws", Service: "iam", Account: account, Resource: "role/" + memberRole}.String()
		return &investigation.AccountError{Account: account,
			Reason: "AssumeRole into " + role + " was denied: the role is missing in that account, or its trust policy does not trust Trailhound's role with the configured external ID"}
	}
	return nil
}

// resourceAccount is r's account: its own, its ARN's, else "".
func resourceAccount(r investigation.Resource) string {
	if r.Account != "" {
		return r.Account
	}
	for _, s := range []string{r.ARN, r.ID} {
		if a, ok := investigation.ParseARN(s); ok && a.Account != "aws" {
			return a.Account
		}
	}
	return ""
}

// Trail gates t's lookups by account.
func (g *Gate) Trail(t investigation.Trail) investigation.Trail {
	if g == nil {
		return t
	}
	return gatedTrail{t, g}
}

type gatedTrail struct {
	next investigation.Trail
	g    *Gate
}

func (t gatedTrail) Lookup(ctx context.Context, q investigation.Lookup) (investigation.LookupResult, error) {
	if err := t.g.check(ctx, q.Account); err != nil {
		return investigation.LookupResult{}, err
	}
	return t.next.Lookup(ctx, q)
}

// Topology gates t's dependency reads by the resource's account; its
// resolution and history pass through.
func (g *Gate) Topology(t *Topology) investigation.Topology {
	if g == nil {
		return t
	}
	return gatedTopology{t, g}
}

type gatedTopology struct {
	*Topology
	g *Gate
}

func (t gatedTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	if err := t.g.check(ctx, resourceAccount(r)); err != nil {
		return nil, err
	}
	return t.Topology.Dependencies(ctx, r)
}

// Logs gates l's reads by the context's account.
func (g *Gate) Logs(l *Logs) investigation.Logs {
	if g == nil {
		return l
	}
	return gatedLogs{l, g}
}

type gatedLogs struct {
	next *Logs
	g    *Gate
}

func (l gatedLogs) Errors(ctx context.Context, group string, start, end time.Time, limit int) ([]investigation.LogLine, error) {
	if err := l.g.check(ctx, ""); err != nil {
		return nil, err
	}
	return l.next.Errors(ctx, group, start, end, limit)
}
