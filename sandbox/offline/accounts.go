package offline

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/trailhound/trailhound/investigation"
	"github.com/trailhound/trailhound/investigation/scenario"
	"github.com/trailhound/trailhound/tools"
)

// memberRole is the role Trailhound assumes in the scenario's other
// accounts, as the sandbox's STS grants it.
const memberRole = "TrailhoundReadOnly"

// Gate refuses the reads a deployment with member roles would refuse in a
// scenario of several accounts: accounts outside its allowlist, and those
// whose role cannot be assumed. A lookup answers only the records the
// account it reads received, as that account's own CloudTrail would (the
// AWS emulator partitions its worlds the same way); the other sources read
// the data as one, gated by account.
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
	res, err := t.next.Lookup(ctx, q)
	if err != nil {
		return res, err
	}
	account := t.g.owner(investigation.AccountFrom(ctx))
	if q.Account != "" {
		account = q.Account
	}
	kept := res.Events[:0:0]
	for _, e := range res.Events {
		if t.g.owner(e.Account) == account {
			kept = append(kept, e)
		}
	}
	res.Events = kept
	return res, nil
}

// owner is account, or the home account when the record or call does not
// say: CloudTrail delivers a record to its recipientAccountId.
func (g *Gate) owner(account string) string {
	if account == "" {
		return g.home
	}
	return account
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

// Dependencies reads r in its account, which knows only the resources it
// owns: a relation to a subnet shared from another account names it by id
// alone, and that account's Config holds its item, as in the AWS emulator.
func (t gatedTopology) Dependencies(ctx context.Context, r investigation.Resource) ([]investigation.Dependency, error) {
	account := resourceAccount(r)
	if err := t.g.check(ctx, account); err != nil {
		return nil, err
	}
	if account == "" {
		account = t.g.owner(investigation.AccountFrom(ctx))
	}
	if owner, ok := t.ownerOf(r); ok && owner != t.g.owner(account) {
		return nil, fmt.Errorf("resource %s of type %s in account %s: %w", r.ID, r.Type, account, investigation.ErrUnknownResource)
	}
	return t.Topology.Dependencies(ctx, r)
}

// Owner asks the scenario's other accounts, as the deployment asks those it
// may read, for the one that knows r, with r's dependencies read there.
func (t gatedTopology) Owner(ctx context.Context, r investigation.Resource) (string, []investigation.Dependency, error) {
	assumed := resourceAccount(r)
	if assumed == "" {
		assumed = t.g.owner(investigation.AccountFrom(ctx))
	}
	probes := 0
	for _, account := range t.g.accounts() {
		if account == assumed || t.g.check(ctx, account) != nil {
			continue
		}
		if probes == tools.MaxOwnerProbes {
			break
		}
		probes++
		in := r
		in.Account = account
		if deps, err := t.Dependencies(ctx, in); err == nil {
			return account, deps, nil
		}
	}
	return "", nil, investigation.ErrUnknownResource
}

// accounts lists the scenario's accounts in order, as the deployment's
// candidates are.
func (g *Gate) accounts() []string {
	out := make([]string, 0, len(g.member))
	for a := range g.member {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
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
